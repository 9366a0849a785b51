"""Great Expectations suites as Dagster asset checks on every warehouse table.

dagster-ge targets GX 0.x, so GX 1.x is wired here by hand: each table gets one multi-check that
validates once and reports two results, `integrity` (blocking: a failure stops every downstream
asset of the partition) and `quality` (warnings such as the quarantine share). Checks on
partitioned assets are partitioned like them, so a run validates only the partition it wrote,
aggregates included (a duplicate in one partition never blocks another); checks on the
warehouse-wide tables (`author_features`, `splits`) validate the whole table. A failure's
description names the file and lines of the offending rows.

A validation is a function of the suite, the validating code and the content of the parts it
reads, so one whose fingerprint of these matches a stored validation returns that result
(`validate_table_reusing`; metadata `validation: reused`) instead of running GX again.
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

from assets.platform.partitions import source_partitions
from assets.platform.resources import WarehouseResource
from assets.quality.gx import ValidationSummary, load_suite, validate_table_reusing
from schemas.tables import RAW_TABLES


def gx_checks(
    table: str,
    asset_key: AssetKey,
    partitions_def: PartitionsDefinition | None = None,
    zone: str = "raw",
) -> AssetChecksDefinition:
    """Integrity and quality checks of one table's suite,
    `schemas/expectations/<zone>/<table>.yaml`."""
    suite = load_suite(table, zone)
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
        summary, reused = validate_table_reusing(warehouse.lake(), suite, partition=partition)
        yield _result(summary, asset_key, "integrity", blocking=True, reused=reused)
        yield _result(summary, asset_key, "quality", blocking=False, reused=reused)

    return _check


def _result(
    summary: ValidationSummary, asset_key: AssetKey, name: str, blocking: bool,
    reused: bool = False,
) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=asset_key,
        check_name=name,
        passed=summary.passed(blocking=blocking),
        severity=AssetCheckSeverity.ERROR if blocking else AssetCheckSeverity.WARN,
        description=summary.describe(blocking=blocking),
        metadata={**summary.metadata(blocking=blocking),
                  "validation": "reused: same suite, same content" if reused else "run"},
    )


RAW_CHECKS = [gx_checks(t, AssetKey(["raw", t]), source_partitions) for t in RAW_TABLES]

# Written per source partition by the privacy and contours stages.
CURATED_PARTITIONED = ("documents", "utterances", "authors", "labels", "quarantine", "contours",
                       "document_features", "label_mentions")
CURATED_CHECKS = [
    *(gx_checks(t, AssetKey(["curated", t]), source_partitions, zone="curated")
      for t in CURATED_PARTITIONED),
    # Warehouse-wide: rebuilt from all partitions at once.
    gx_checks("author_features", AssetKey(["curated", "author_features"]), zone="curated"),
    gx_checks("splits", AssetKey(["curated", "splits"]), zone="curated"),
    # The annotation loop's tables, written by assets named after them.
    gx_checks("annotation_tasks", AssetKey(["curated", "annotation_tasks"]), zone="curated"),
    gx_checks("annotations", AssetKey(["curated", "annotations"]), zone="curated"),
]

ASSETS: list = []
CHECKS = [*RAW_CHECKS, *CURATED_CHECKS]
