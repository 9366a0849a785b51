"""Ingestion assets: one multi-asset writes the five raw tables of a partition."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from assets.ingest.runner import ingest_partition
from dagster_project.partitions import source_partitions
from dagster_project.resources import CorporaResource, WarehouseResource
from schemas.tables import RAW_TABLES, column_docs

RAW_KEYS = {table: AssetKey(["raw", table]) for table in RAW_TABLES}


@multi_asset(
    specs=[
        AssetSpec(
            key,
            description=f"Raw {table} as ingested from the corpus files (raw zone).",
            group_name="ingest",
            metadata={"columns": MetadataValue.json(column_docs(RAW_TABLES[table].schema))},
            kinds={"parquet"},
        )
        for table, key in RAW_KEYS.items()
    ],
    partitions_def=source_partitions,
    can_subset=False,
)
def raw_tables(
    context: AssetExecutionContext, warehouse: WarehouseResource, corpora: CorporaResource
):
    """Read the partition's source files into the raw lake tables; unchanged files are skipped."""
    result = ingest_partition(warehouse.lake(), corpora.corpora_dir, context.partition_key)
    sources = {s.source: "skipped (unchanged)" if s.skipped else s.rows for s in result.sources}
    for table, key in RAW_KEYS.items():
        metadata = {"rows_written": result.rows(table), "sources": MetadataValue.json(sources)}
        if table == "quarantine":
            metadata["reasons"] = MetadataValue.json(dict(result.quarantine_reasons()))
        yield MaterializeResult(asset_key=key, metadata=metadata)
    if result.failures:
        raise Failure(
            description="Unreadable source file(s): "
            + "; ".join(str(s.error) for s in result.failures),
            metadata={"ingested_sources": len(result.sources) - len(result.failures)},
        )


ASSETS = [raw_tables]
CHECKS: list = []
