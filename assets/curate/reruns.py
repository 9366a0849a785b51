"""What each curate asset reads, as fingerprints: splits, baselines and exports are rebuilt only
for inputs whose content changed (`assets.platform.reuse`).

Splits are drawn over every corpus at once (a text shared by two corpora links their groups),
so they have one fingerprint; each corpus's part is then republished only if its bytes changed.
Baselines and exports are per dataset: a corpus's dataset reads only that corpus's parts, the
pooled one every corpus's. So a new file of one corpus redoes that corpus's and the pooled
dataset, and nothing else.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from assets.curate import baselines as baselines_module
from assets.curate import dataset as dataset_module
from assets.curate import dedup as dedup_module
from assets.curate import flags as flags_module
from assets.curate import splits as splits_module
from assets.curate.baselines import BaselineConfig
from assets.curate.dataset import POOLED, ExportConfig
from assets.curate.dedup import DedupConfig
from assets.curate.export import code_version
from assets.curate.splits import SplitConfig
from assets.ingest import provenance, registry
from assets.lake import Lake
from assets.platform.reuse import DigestCache, Input, inputs_fingerprint, source_digest
from assets.privacy import bots, label_mentions

SPLIT_TABLES = ("documents", "labels", "duplicates")
DATASET_TABLES = ("documents", "labels", "splits", "document_features", "author_features",
                  "duplicates", "bot_authors")
# The card also draws contours and reports crowd agreement from the annotations.
CARD_TABLES = ("contours",)


def _corpus(dataset: str) -> str | None:
    return None if dataset == POOLED else dataset


def splits_fingerprint(lake: Lake, config: SplitConfig, cache: DigestCache) -> str:
    inputs: list[Input] = [("curated", t, None) for t in SPLIT_TABLES]
    settings = {"code": source_digest(splits_module), "config": config.as_dict()}
    return inputs_fingerprint(lake, inputs, settings, cache)


def duplicates_fingerprint(lake: Lake, config: DedupConfig, cache: DigestCache) -> str:
    settings = {"code": source_digest(dedup_module), "config": config.as_dict()}
    return inputs_fingerprint(lake, [("curated", "documents", None)], settings, cache)


def bot_authors_fingerprint(lake: Lake, settings: dict[str, Any], cache: DigestCache) -> str:
    settings = {**settings, "code": source_digest(flags_module, bots)}
    inputs: list[Input] = [("curated", "documents", None), ("curated", "authors", None)]
    return inputs_fingerprint(lake, inputs, settings, cache)


def baselines_fingerprint(lake: Lake, dataset: str, config: BaselineConfig,
                          cache: DigestCache) -> str:
    inputs: list[Input] = [("curated", t, _corpus(dataset)) for t in DATASET_TABLES]
    settings = {"code": source_digest(baselines_module, dataset_module, registry,
                                      label_mentions),
                "config": asdict(config), "export": ExportConfig().as_dict(), "dataset": dataset}
    return inputs_fingerprint(lake, inputs, settings, cache)


def export_fingerprint(lake: Lake, dataset: str, config: ExportConfig, split_config: SplitConfig,
                       cache: DigestCache) -> str:
    corpus = _corpus(dataset)
    inputs: list[Input] = [("curated", t, corpus) for t in (*DATASET_TABLES, *CARD_TABLES)]
    inputs += [("curated", "baseline_scores", dataset), ("curated", "annotations", None)]
    settings: dict[str, Any] = {"code": code_version(),
                                "registry": source_digest(registry, provenance),
                                "label_mentions": source_digest(label_mentions),
                                "export": config.as_dict(), "splits": split_config.as_dict(),
                                "dataset": dataset}
    return inputs_fingerprint(lake, inputs, settings, cache)


def export_outputs(lake: Lake, root: str, dataset: str, version: str) -> list[str]:
    """The files whose identity says the published export is still the one built: the
    `LATEST` pointer and the version's manifest (every data file's sha256 is in it)."""
    return [f"{root}/{dataset}/LATEST", f"{root}/{dataset}/{version}/manifest.json"]
