"""The analysts' databases, rebuilt after the lake changes."""

import os

from dagster import AssetKey, AutomationCondition, MaterializeResult, MetadataValue, asset
from fsspec.implementations.local import LocalFileSystem

from assets.platform.resources import WarehouseResource
from assets.platform.reuse import ALL, SKIPPED, ReuseRecord
from assets.warehouse.views import ANALYST_DB, RAW_DB, build_database, views_fingerprint
from schemas.registry import SCHEMAS

# Every lake table's asset is keyed by its zone and table (`raw/documents`, `curated/splits`), so
# the views wait for every table in the contracts. Three tables have no asset of their own: the
# pull writes skips and quarantined answers with the annotations, and the crowd labels asset
# writes the PII review spans.
WRITTEN_WITH = {
    ("curated", "annotation_skips"): ("curated", "annotations"),
    ("curated", "annotation_quarantine"): ("curated", "annotations"),
    ("curated", "pii_review_spans"): ("curated", "crowd_labels"),
}
LAKE_TABLE_KEYS = list(dict.fromkeys(AssetKey(list(WRITTEN_WITH.get(t, t))) for t in SCHEMAS))


# Not a lake table: the DuckDB databases of views over it.
@asset(
    key_prefix="duckdb",
    deps=LAKE_TABLE_KEYS,
    group_name="warehouse",
    automation_condition=AutomationCondition.eager(),
    kinds={"duckdb"},
)
def warehouse_views(warehouse: WarehouseResource) -> MaterializeResult:
    """warehouse.duckdb (analysts, curated zone) and raw.duckdb (privileged debugging).

    Kept as they are when no lake table gained, lost or rewrote a part since they were built."""
    lake, folder = warehouse.lake(), warehouse.database_dir()
    record, local = ReuseRecord(lake, "duckdb/warehouse_views"), LocalFileSystem()
    outputs = [os.path.abspath(os.path.join(folder, db.name)) for db in (ANALYST_DB, RAW_DB)]
    fingerprint = views_fingerprint(lake, SCHEMAS)
    if record.unchanged(ALL, fingerprint, fs=local):
        return MaterializeResult(metadata={"reuse": SKIPPED,
                                           "inputs_fingerprint": fingerprint[:16],
                                           **record.info(ALL)})
    counts = build_database(lake, ANALYST_DB, folder)
    raw_counts = build_database(lake, RAW_DB, folder)
    info = {"rows_per_view": counts, "raw_rows_per_view": raw_counts}
    record.remember(ALL, fingerprint, outputs, fs=local, info=info)
    return MaterializeResult(
        metadata={
            "reuse": "built",
            "inputs_fingerprint": fingerprint[:16],
            "database": MetadataValue.path(f"{folder}/{ANALYST_DB.name}"),
            **info,
        }
    )


ASSETS = [warehouse_views]
CHECKS: list = []
