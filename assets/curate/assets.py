"""Curate stage: leak-free splits, baseline scores and versioned dataset exports.

All three are warehouse-wide (unpartitioned) and read only the curated zone. Order:
splits -> baseline_scores -> dataset_export, so the dataset card can show the baselines.
"""

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from assets.curate.baselines import BaselineConfig, read_scores, run_baselines, write_scores
from assets.curate.dataset import ExportConfig, dataset_names
from assets.curate.export import export_dataset
from assets.curate.splits import SplitConfig, build_splits, leak_counts
from assets.platform.resources import WarehouseResource

# authors too: the splits suite checks the foreign keys between these three tables
CURATED_INPUTS = [AssetKey(["curated", t]) for t in ("documents", "labels", "authors")]
FEATURE_INPUTS = [AssetKey(["curated", t])
                  for t in ("document_features", "author_features", "contours")]


class SplitsConfig(Config):
    """Changing the seed or the ratios re-assigns authors; keep them fixed between releases."""

    seed: str = SplitConfig.seed
    train: float = SplitConfig.train
    dev: float = SplitConfig.dev
    test: float = SplitConfig.test


def _split_config(config: SplitsConfig) -> SplitConfig:
    return SplitConfig(seed=config.seed, train=config.train, dev=config.dev, test=config.test)


# Keys carry the zone their table lives in (`curated/splits`); exports live under `exports/`.
@asset(key_prefix="curated", deps=CURATED_INPUTS, group_name="curate", kinds={"parquet"})
def splits(config: SplitsConfig, warehouse: WarehouseResource) -> MaterializeResult:
    """Train/dev/test per curated document: grouped by author, identical texts together, stable."""
    result = build_splits(warehouse.lake(), _split_config(config))
    return MaterializeResult(metadata={
        "documents_per_split": MetadataValue.json(result.docs),
        "authors_per_split": MetadataValue.json(result.groups),
        "groups_linked_by_identical_text": result.linked_groups,
        "largest_linked_component": result.largest_component,
        "max_stratum_deviation": MetadataValue.json(result.max_stratum_deviation),
    })


@asset_check(asset=splits, blocking=True)
def splits_leak_free(warehouse: WarehouseResource) -> AssetCheckResult:
    """No author and no identical text in two splits (over all corpora, i.e. pooled)."""
    counts = leak_counts(warehouse.lake())
    return AssetCheckResult(passed=not any(counts.values()), metadata=counts)


@asset(key_prefix="curated", deps=[splits, *FEATURE_INPUTS], group_name="curate",
       kinds={"scikitlearn"})
def baseline_scores(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> MaterializeResult:
    """Majority, contour-feature, TF-IDF and combined baselines per trait, scored on test."""
    lake = warehouse.lake()
    rows: list[dict] = []
    for dataset in dataset_names(lake):
        scores = run_baselines(lake, dataset, BaselineConfig())
        write_scores(lake, dataset, scores)
        context.log.info(f"{dataset}: {len(scores)} scores")
        rows += scores
    preview = [r for r in rows if r["metric"] in ("accuracy", "pearson_r")][:40]
    return MaterializeResult(metadata={"scores": len(rows), "preview": MetadataValue.json(preview)})


# The card reports crowd agreement from the annotations, when the annotation job has run.
ANNOTATIONS = AssetKey(["curated", "annotations"])


@asset(key_prefix="exports", deps=[splits, baseline_scores, *FEATURE_INPUTS, ANNOTATIONS],
       group_name="curate", kinds={"parquet"})
def dataset_export(config: SplitsConfig, warehouse: WarehouseResource) -> MaterializeResult:
    """Versioned exports (Parquet + JSONL + manifest + dataset card) per corpus and pooled."""
    lake = warehouse.lake()
    versions = {}
    for dataset in dataset_names(lake):
        scores = read_scores(lake, dataset)
        result = export_dataset(lake, dataset, ExportConfig(), _split_config(config), scores,
                                retain_versions=warehouse.export_retain_versions)
        versions[dataset] = {"version": result.version, "rows": result.rows,
                             "unchanged": result.reused, "path": lake.url(result.path),
                             "pruned_versions": result.pruned}
    return MaterializeResult(metadata={"exports": MetadataValue.json(versions)})


ASSETS = [splits, baseline_scores, dataset_export]
CHECKS = [splits_leak_free]
