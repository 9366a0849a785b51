"""The analysts' databases, rebuilt after the lake changes."""

from dagster import AssetKey, AutomationCondition, MaterializeResult, MetadataValue, asset

from assets.platform.resources import WarehouseResource
from assets.warehouse.views import ANALYST_DB, RAW_DB, build_database
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
    """warehouse.duckdb (analysts, curated zone) and raw.duckdb (privileged debugging)."""
    lake = warehouse.lake()
    counts = build_database(lake, ANALYST_DB, warehouse.database_dir())
    raw_counts = build_database(lake, RAW_DB, warehouse.database_dir())
    return MaterializeResult(
        metadata={
            "database": MetadataValue.path(f"{warehouse.database_dir()}/{ANALYST_DB.name}"),
            "rows_per_view": MetadataValue.json(counts),
            "raw_rows_per_view": MetadataValue.json(raw_counts),
        }
    )


ASSETS = [warehouse_views]
CHECKS: list = []
