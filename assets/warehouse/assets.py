"""The analysts' databases, rebuilt after the lake changes."""

from dagster import AssetKey, AutomationCondition, MaterializeResult, MetadataValue, asset

from assets.warehouse.views import ANALYST_DB, RAW_DB, build_database
from dagster_project.resources import WarehouseResource
from schemas.registry import SCHEMAS

LAKE_TABLE_KEYS = [AssetKey([zone, table]) for zone, table in SCHEMAS]


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
