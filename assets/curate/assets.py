"""Curate stage: leak-free splits, baseline scores and versioned dataset exports.

All are warehouse-wide (unpartitioned) and read only the curated zone. Order:
duplicates -> splits -> baseline_scores -> dataset_export (and bot_authors before the last two),
so a duplicate group shares a split, the exports leave bots and copies out, and the dataset card
can show the baselines.
"""

from collections.abc import Callable

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

from assets.curate.baselines import BaselineConfig, read_scores, run_masked_and_kept, write_scores
from assets.curate.dataset import ExportConfig, dataset_names
from assets.curate.dedup import DedupConfig, build_duplicates, straddling_groups
from assets.curate.export import export_dataset
from assets.curate.flags import BotConfig, build_bot_authors
from assets.curate.reruns import (
    baselines_fingerprint,
    bot_authors_fingerprint,
    duplicates_fingerprint,
    export_fingerprint,
    export_outputs,
    splits_fingerprint,
)
from assets.curate.splits import SplitConfig, build_splits, leak_counts
from assets.lake import Lake
from assets.platform.resources import WarehouseResource
from assets.platform.reuse import ALL, SKIPPED, DigestCache, ReuseRecord

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


def _skipped(fingerprint: str, info: dict) -> dict:
    """Metadata of a skipped build: says so, with the fingerprint and what the last build said."""
    return {"reuse": SKIPPED, "inputs_fingerprint": fingerprint[:16], **info}


def _built_unless_unchanged(lake: Lake, table: str, fingerprint_of: Callable[[DigestCache], str],
                            build: Callable[[], dict]) -> MaterializeResult:
    """A warehouse-wide curated table rebuilt only when its inputs' content changed: `build()`
    writes it and returns what its metadata says, which a later skipped run repeats."""
    cache, record = DigestCache(lake), ReuseRecord(lake, f"curated/{table}")
    fingerprint = fingerprint_of(cache)
    cache.save()
    if record.unchanged(ALL, fingerprint):
        return MaterializeResult(metadata=_skipped(fingerprint, record.info(ALL)))
    info = build()
    record.remember(ALL, fingerprint, lake.list_parts("curated", table), info=info)
    return MaterializeResult(metadata={"reuse": "built", "inputs_fingerprint": fingerprint[:16],
                                       **info})


@asset(key_prefix="curated", deps=[AssetKey(["curated", "documents"])], group_name="curate",
       kinds={"parquet"})
def duplicates(warehouse: WarehouseResource) -> MaterializeResult:
    """Exact and near-duplicate texts over all corpora (MinHash LSH): one row per grouped doc.

    Skipped when the curated documents are the same as at the last build."""
    lake, config = warehouse.lake(), DedupConfig()

    def build() -> dict:
        result = build_duplicates(lake, config)
        return {"documents": result.documents, "compared": result.compared,
                "groups": result.groups, "grouped_documents": result.grouped_docs,
                "per_corpus": result.per_corpus, "largest_group": result.largest_group,
                "candidate_pairs": result.candidate_pairs, "near_pairs": result.near_pairs,
                "lsh_bands_rows": list(result.bands)}

    return _built_unless_unchanged(
        lake, "duplicates", lambda cache: duplicates_fingerprint(lake, config, cache), build)


@asset(key_prefix="curated",
       deps=[AssetKey(["curated", "documents"]), AssetKey(["curated", "authors"])],
       group_name="curate", kinds={"parquet"})
def bot_authors(warehouse: WarehouseResource) -> MaterializeResult:
    """Authors flagged as bots: known accounts (privacy stage) and bot signatures in texts."""
    lake, config = warehouse.lake(), BotConfig()

    def build() -> dict:
        result = build_bot_authors(lake, config)
        return {"bot_authors": result.authors, "bot_documents": result.documents,
                "signed_documents": result.signed_documents}

    return _built_unless_unchanged(
        lake, "bot_authors", lambda cache: bot_authors_fingerprint(lake, config.as_dict(), cache),
        build)


# Keys carry the zone their table lives in (`curated/splits`); exports live under `exports/`.
@asset(key_prefix="curated", deps=[*CURATED_INPUTS, duplicates], group_name="curate",
       kinds={"parquet"})
def splits(config: SplitsConfig, warehouse: WarehouseResource) -> MaterializeResult:
    """Train/dev/test per curated document: grouped by author, identical texts together, stable.

    Skipped when the curated documents and labels are the same as at the last build."""
    lake, split_config = warehouse.lake(), _split_config(config)

    def build() -> dict:
        result = build_splits(lake, split_config)
        return {
            "documents_per_split": result.docs,
            "authors_per_split": result.groups,
            "groups_linked_by_identical_text": result.linked_groups,
            "largest_linked_component": result.largest_component,
            "max_stratum_deviation": result.max_stratum_deviation,
        }

    return _built_unless_unchanged(
        lake, "splits", lambda cache: splits_fingerprint(lake, split_config, cache), build)


@asset_check(asset=splits, blocking=True)
def splits_leak_free(warehouse: WarehouseResource) -> AssetCheckResult:
    """No author and no identical text in two splits (over all corpora, i.e. pooled)."""
    counts = leak_counts(warehouse.lake())
    return AssetCheckResult(passed=not any(counts.values()), metadata=counts)


@asset_check(asset=splits, blocking=True)
def duplicates_share_a_split(warehouse: WarehouseResource) -> AssetCheckResult:
    """No exact or near-duplicate group (`curated/duplicates`) has documents in two splits."""
    counts = straddling_groups(warehouse.lake())
    straddling = counts["duplicate_groups_in_two_splits"]
    return AssetCheckResult(
        passed=straddling == 0, metadata=counts,
        description=(f"{straddling} duplicate group(s) straddle splits" if straddling
                     else "every duplicate group is in one split"))


@asset(key_prefix="curated", deps=[splits, bot_authors, *FEATURE_INPUTS], group_name="curate",
       kinds={"scikitlearn"})
def baseline_scores(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> MaterializeResult:
    """Majority, contour-feature, TF-IDF and combined baselines per trait, scored on test
    (on masked text, and TF-IDF on text that keeps self-disclosed labels too).

    Per dataset: one whose parts (documents, labels, splits, features) did not change keeps
    its scores."""
    lake, config = warehouse.lake(), BaselineConfig()
    cache, record = DigestCache(lake), ReuseRecord(lake, "curated/baseline_scores")
    rows: list[dict] = []
    datasets: dict[str, str] = {}
    for dataset in dataset_names(lake):
        fingerprint = baselines_fingerprint(lake, dataset, config, cache)
        if record.unchanged(dataset, fingerprint):
            scores = read_scores(lake, dataset)
            datasets[dataset] = SKIPPED
        else:
            scores = run_masked_and_kept(lake, dataset, config)
            write_scores(lake, dataset, scores)
            record.remember(dataset, fingerprint,
                            [lake.part_path("curated", "baseline_scores", dataset, "scores")])
            datasets[dataset] = "built"
        context.log.info(f"{dataset}: {len(scores)} scores ({datasets[dataset]})")
        rows += scores
    cache.save()
    preview = [r for r in rows if r["metric"] in ("accuracy", "pearson_r")][:40]
    return MaterializeResult(metadata={
        "reuse": _overall(datasets), "datasets": MetadataValue.json(datasets),
        "scores": len(rows), "preview": MetadataValue.json(preview)})


def _overall(datasets: dict[str, str]) -> str:
    """SKIPPED when every dataset was skipped, else how many were built."""
    built = sum(v != SKIPPED for v in datasets.values())
    return SKIPPED if datasets and not built else f"built {built} of {len(datasets)} datasets"


# The card reports crowd agreement from the annotations, when the annotation job has run.
ANNOTATIONS = AssetKey(["curated", "annotations"])


@asset(key_prefix="exports",
       deps=[splits, bot_authors, baseline_scores, *FEATURE_INPUTS, ANNOTATIONS],
       group_name="curate", kinds={"parquet"})
def dataset_export(config: SplitsConfig, warehouse: WarehouseResource) -> MaterializeResult:
    """Versioned exports (Parquet + JSONL + manifest + dataset card) per corpus and pooled.

    Per dataset: one whose inputs did not change, and whose published version is still in
    place, is not exported again."""
    lake, split_config = warehouse.lake(), _split_config(config)
    export_config = ExportConfig(mask_label_mentions=warehouse.mask_label_mentions())
    cache, record = DigestCache(lake), ReuseRecord(lake, "exports/dataset_export")
    root = lake.path("exports")
    versions, reuse = {}, {}
    for dataset in dataset_names(lake):
        fingerprint = export_fingerprint(lake, dataset, export_config, split_config, cache)
        info = record.info(dataset)
        if info and record.unchanged(dataset, fingerprint):
            versions[dataset] = {**info, "unchanged": True}
            reuse[dataset] = SKIPPED
            continue
        scores = read_scores(lake, dataset)
        result = export_dataset(lake, dataset, export_config, split_config, scores,
                                retain_versions=warehouse.export_retain_versions)
        versions[dataset] = {"version": result.version, "rows": result.rows,
                             "unchanged": result.reused, "path": lake.url(result.path),
                             "pruned_versions": result.pruned}
        record.remember(dataset, fingerprint,
                        export_outputs(lake, root, dataset, result.version),
                        info={k: versions[dataset][k] for k in ("version", "rows", "path")})
        reuse[dataset] = "built"
    cache.save()
    from assets.curate.hub import write_index_card  # huggingface_hub: only when exporting

    index = write_index_card(lake, root, versions)
    return MaterializeResult(metadata={"reuse": _overall(reuse),
                                       "index_card": lake.url(index) if index else "",
                                       "datasets": MetadataValue.json(reuse),
                                       "exports": MetadataValue.json(versions)})


ASSETS = [duplicates, bot_authors, splits, baseline_scores, dataset_export]
CHECKS = [splits_leak_free, duplicates_share_a_split]
