"""Ingestion assets: one multi-asset writes the raw tables of a partition, plus the list of its
files that could not be read."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from assets.ingest.runner import FAILED_TABLE, ingest_partition
from assets.lake import clean_leftovers
from assets.platform.partitions import source_partitions
from assets.platform.resources import CorporaResource, WarehouseResource
from schemas.tables import FAILED_SOURCES, RAW_TABLES, column_docs

RAW_KEYS = {table: AssetKey(["raw", table]) for table in RAW_TABLES}
FAILED_KEY = AssetKey(["raw", FAILED_TABLE])


@multi_asset(
    specs=[
        *(
            AssetSpec(
                key,
                description=f"Raw {table} as ingested from the corpus files (raw zone).",
                group_name="ingest",
                metadata={"columns": MetadataValue.json(column_docs(RAW_TABLES[table].schema))},
                kinds={"parquet"},
            )
            for table, key in RAW_KEYS.items()
        ),
        AssetSpec(
            FAILED_KEY,
            description="Source files of the partition that could not be read, with the reason.",
            group_name="ingest",
            metadata={"columns": MetadataValue.json(column_docs(FAILED_SOURCES))},
            kinds={"parquet"},
        ),
    ],
    check_specs=[
        AssetCheckSpec("every_source_readable", asset=FAILED_KEY,
                       description="Warns (never blocks) when a file of the partition could not "
                       "be read; the other files are published."),
    ],
    partitions_def=source_partitions,
    can_subset=False,
)
def raw_tables(
    context: AssetExecutionContext, warehouse: WarehouseResource, corpora: CorporaResource
):
    """Read the partition's source files into the raw lake tables; unchanged files are skipped.

    An unreadable file fails that file only: it is listed in `failed_sources` and by a warning
    check, and the partition's good files go on downstream."""
    lake = warehouse.lake()
    # The first asset of every partition run: what killed runs left goes (never a live run's).
    removed = clean_leftovers(lake, warehouse.database_dir())
    if removed:
        context.log.info(f"removed {len(removed)} leftover(s) of killed runs: {removed[:5]}")
    result = ingest_partition(lake, corpora.corpora_dir, context.partition_key)
    sources = {s.source: "skipped (unchanged)" if s.skipped else s.error or s.rows
               for s in result.sources}
    for table, key in RAW_KEYS.items():
        metadata = {"rows_written": result.rows(table), "sources": MetadataValue.json(sources)}
        if table == "quarantine":
            metadata["reasons"] = MetadataValue.json(dict(result.quarantine_reasons()))
            metadata["duplicates"] = result.duplicates()
        yield MaterializeResult(asset_key=key, metadata=metadata)
    failed = {s.source: s.error for s in result.failures}
    if failed:
        context.log.warning(f"{context.partition_key}: unreadable source file(s): {failed}")
    yield MaterializeResult(asset_key=FAILED_KEY, metadata={
        "rows_written": len(failed), "failed_sources": MetadataValue.json(failed)})
    yield AssetCheckResult(
        asset_key=FAILED_KEY,
        check_name="every_source_readable",
        passed=not failed,
        severity=AssetCheckSeverity.WARN,
        description=None if not failed else "Unreadable: " + "; ".join(
            f"{context.partition_key.split(':', 1)[0]}/{f}: {why}" for f, why in failed.items()),
        metadata={"failed_sources": MetadataValue.json(failed),
                  "ingested_sources": len(result.sources) - len(failed)},
    )


ASSETS = [raw_tables]
CHECKS: list = []
