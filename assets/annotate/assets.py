"""Annotation assets: push curated documents as tasks, pull annotations, aggregate crowd labels."""


from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)
from pydantic import Field

from annotation import loop
from annotation.projects import PROJECTS
from annotation.tasks import Selection
from assets.platform.resources import LabelStudioResource, WarehouseResource
from assets.privacy.resources import PrivacyResource

CURATED_INPUTS = [AssetKey(["curated", t]) for t in ("documents", "utterances", "labels")]
MIN_ALPHA = 0.2  # below this a trait's ratings carry little signal; warn, do not block


class TaskSelectionConfig(Config):
    """Which curated documents become tasks, and in which projects."""

    projects: list[str] = Field(default_factory=lambda: ["big5", "pii_review"])
    per_corpus: int = 20
    sizes: dict[str, int] = Field(default_factory=dict)
    corpora: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    unlabelled_only: bool = True
    max_chars: int = 6000


class CrowdLabelsConfig(Config):
    """Agreement below `requeue_below` sends an item back for `extra` more annotators."""

    requeue_below: float = 0.5
    extra: int = 2
    cap: int = 5
    ties: str = "low"


# The annotation tables live in the curated zone (annotation/store.py): their keys say so.
@asset(key_prefix="curated", deps=CURATED_INPUTS, group_name="annotation",
       kinds={"labelstudio", "parquet"})
def annotation_tasks(
    config: TaskSelectionConfig, warehouse: WarehouseResource, labelstudio: LabelStudioResource
) -> MaterializeResult:
    """Labelling tasks pushed to Label Studio (curated text only), with the task mapping."""
    selection = Selection(
        per_corpus=config.per_corpus, sizes=config.sizes, corpora=tuple(config.corpora),
        kinds=tuple(config.kinds), unlabelled_only=config.unlabelled_only,
        max_chars=config.max_chars,
    )
    summary = loop.push_round(labelstudio.client(), warehouse.lake(), selection, config.projects)
    return MaterializeResult(metadata={
        "created": sum(s["created"] for s in summary.values()),
        "projects": MetadataValue.json(summary),
        "annotators_log_in_at": MetadataValue.url(labelstudio.url),
    })


@asset(key_prefix="curated", deps=[annotation_tasks], group_name="annotation",
       kinds={"labelstudio", "parquet"})
def annotations(
    warehouse: WarehouseResource, labelstudio: LabelStudioResource, privacy: PrivacyResource
) -> MaterializeResult:
    """Every current annotation, one row per answer, annotators as keyed pseudonyms."""
    summary = loop.pull_all(
        labelstudio.client(), warehouse.lake(), privacy.pseudonym_key, list(PROJECTS)
    )
    return MaterializeResult(metadata={
        "rows": sum(s["rows"] for s in summary.values()),
        "skips": sum(s["skips"] for s in summary.values()),
        "quarantined": sum(s["quarantined"] for s in summary.values()),
        "projects": MetadataValue.json(summary),
    })


@asset(key_prefix="curated", deps=[annotations], group_name="annotation", kinds={"parquet"})
def crowd_labels(
    config: CrowdLabelsConfig, warehouse: WarehouseResource, labelstudio: LabelStudioResource
) -> MaterializeResult:
    """Crowd labels (`source='crowd_aggregate'`) and PII-review spans; re-queues disagreement."""
    result = loop.crowd_labels(
        warehouse.lake(), labelstudio.client(), threshold=config.requeue_below,
        extra=config.extra, cap=config.cap, ties=config.ties,
    )
    return MaterializeResult(metadata={
        "label_rows": MetadataValue.json(result.labels),
        "pii_review_spans": result.pii_spans,
        "requeued_tasks": result.requeued,
        "tasks_at_cap": result.at_cap,
        "agreement": MetadataValue.json(result.agreement),
    })


@asset_check(asset=crowd_labels, blocking=False)
def crowd_agreement(warehouse: WarehouseResource) -> AssetCheckResult:
    """Krippendorff's alpha per project and trait (ordinal for ratings) is at least 0.2."""
    summary = loop.agreement(warehouse.lake())
    weak = sorted(
        k for k, v in summary.items() if v["alpha"] is not None and v["alpha"] < MIN_ALPHA
    )
    metadata = {k.replace("/", "_"): MetadataValue.json(v) for k, v in summary.items()}
    return AssetCheckResult(
        passed=not weak, severity=AssetCheckSeverity.WARN,
        metadata={"weak_fields": MetadataValue.json(weak), "min_alpha": MIN_ALPHA, **metadata},
    )


@asset_check(asset=annotations, blocking=False)
def answers_mapped(warehouse: WarehouseResource) -> AssetCheckResult:
    """Every answer fits a legal form of its label config; the others are kept apart in
    `annotation_quarantine` with their reason (a warning: nothing downstream is blocked)."""
    reasons = loop.quarantine_reasons(warehouse.lake())
    return AssetCheckResult(
        passed=not reasons, severity=AssetCheckSeverity.WARN,
        metadata={"quarantined": sum(reasons.values()), "reasons": MetadataValue.json(reasons)},
    )


ASSETS = [annotation_tasks, annotations, crowd_labels]
CHECKS = [crowd_agreement, answers_mapped]
