"""Great Expectations suites as Dagster asset checks on the raw tables.

dagster-ge targets GX 0.x, so GX 1.x is wired here by hand: each table gets one multi-check that
validates once and reports two results, `integrity` (blocking: a failure stops every downstream
asset of the partition) and `quality` (warnings such as the quarantine share). The checks are
partitioned like the ingest assets, so a run validates only the partition it wrote, plus the
whole-table aggregates that DuckDB computes cheaply across all parts.
"""

from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    PartitionsDefinition,
    multi_asset_check,
)

from assets.quality.gx import ValidationSummary, load_suite, validate_table
from dagster_project.partitions import source_partitions
from dagster_project.resources import WarehouseResource
from schemas.tables import RAW_TABLES


def gx_checks(
    table: str, asset_key: AssetKey, partitions_def: PartitionsDefinition | None = None
) -> AssetChecksDefinition:
    """Integrity and quality checks of one table's suite, `schemas/expectations/<table>.yaml`."""
    suite = load_suite(table)
    specs = [
        AssetCheckSpec("integrity", asset=asset_key, blocking=True, partitions_def=partitions_def,
                       description=f"Blocking GX expectations of `{table}`: keys, types, values."),
        AssetCheckSpec("quality", asset=asset_key, partitions_def=partitions_def,
                       description=f"Warning-level GX expectations of `{table}`: shares, lengths."),
    ]

    @multi_asset_check(specs=specs, name=f"gx_{asset_key.to_python_identifier()}")
    def _check(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[AssetCheckResult]:
        partition = context.partition_key if context.has_partition_key else None
        summary = validate_table(warehouse.lake(), suite, partition=partition)
        yield _result(summary, asset_key, "integrity", blocking=True)
        yield _result(summary, asset_key, "quality", blocking=False)

    return _check


def _result(
    summary: ValidationSummary, asset_key: AssetKey, name: str, blocking: bool
) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=asset_key,
        check_name=name,
        passed=summary.passed(blocking=blocking),
        severity=AssetCheckSeverity.ERROR if blocking else AssetCheckSeverity.WARN,
        metadata=summary.metadata(blocking=blocking),
    )


RAW_CHECKS = [gx_checks(t, AssetKey(["raw", t]), source_partitions) for t in RAW_TABLES]

ASSETS: list = []
CHECKS = RAW_CHECKS
