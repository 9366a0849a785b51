"""The analysts' databases, rebuilt after the lake changes."""

from dagster import AssetKey, AutomationCondition, MaterializeResult, MetadataValue, asset

from assets.platform.resources import WarehouseResource
from assets.warehouse.views import ANALYST_DB, RAW_DB, build_database
from schemas.annotation import ANNOTATION_TABLES
from schemas.registry import SCHEMAS
from schemas.splits import CURATE_TABLES

# Tables written by assets named after the table's zone (raw/documents, curated/contours...),
# plus the warehouse-wide assets that write lake tables under their own names.
OWN_NAMED = set(ANNOTATION_TABLES) | set(CURATE_TABLES)
LAKE_TABLE_KEYS = [
    AssetKey([zone, table]) for zone, table in SCHEMAS if table not in OWN_NAMED
] + [AssetKey(name) for name in ("splits", "baseline_scores", "annotation_tasks", "annotations",
                                  "crowd_labels")]


@asset(
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
