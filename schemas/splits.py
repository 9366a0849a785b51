"""Contracts of the curate stage's own lake tables (curated zone).

`splits` says which split every curated document belongs to; the exports, the baselines and the
analysts' `doc_splits` view all read it, so a document is in the same split everywhere.
"""

from __future__ import annotations

import pyarrow as pa

from schemas.tables import TableContract, documented_field

SPLIT_NAMES = ("train", "dev", "test")


_field = documented_field


SPLITS = pa.schema(
    [
        _field("doc_id", pa.string(), "The curated document.", False),
        _field("corpus", pa.string(), "Corpus family.", False),
        _field(
            "group_id", pa.string(), "Grouping key: the author pseudonym, or doc:<doc_id>.", False
        ),
        _field(
            "anchor_group_id",
            pa.string(),
            "Group whose hash decided the split (another group when they share a text).",
            False,
        ),
        _field(
            "content_hash", pa.string(),
            "XXH3-128 of the anonymised text (identical texts share a split).",
            False,
        ),
        _field("stratum", pa.string(), "The group's label pattern, e.g. EXT=y|NEU=n|..."),
        _field("split", pa.string(), "train, dev or test.", False),
    ]
)

BASELINE_SCORES = pa.schema(
    [
        _field("dataset", pa.string(), "A corpus name, or pooled.", False),
        _field("trait", pa.string(), "Label column, e.g. big5_EXT, big5_EXT_pct or mbti_I_E.",
               False),
        _field("task", pa.string(), "classification or regression, from the label's scale.",
               False),
        _field("model", pa.string(), "majority, contours_lr, tfidf_lr or tfidf_contours_lr.",
               False),
        _field("metric", pa.string(), "accuracy, f1_macro (classification); pearson_r, mae "
               "(regression).", False),
        _field("value", pa.float64(), "Score on the test split; null when undefined (the "
               "Pearson r of a constant prediction)."),
        _field("n_train", pa.int64(), "Training subjects.", False),
        _field("n_test", pa.int64(), "Test subjects.", False),
        _field("published", pa.string(), "Published result on the same corpus, for context."),
        _field("masked", pa.bool_(),
               "Whether self-disclosed labels in the text were masked (the exports' default)."),
    ]
)

CURATE_TABLES: dict[str, TableContract] = {
    "splits": TableContract("splits", SPLITS, ("doc_id",)),
    "baseline_scores": TableContract(
        "baseline_scores", BASELINE_SCORES, ("dataset", "trait", "model", "metric", "masked")
    ),
}
