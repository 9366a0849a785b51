"""Contracts of the curate stage's own lake tables (curated zone).

`splits` says which split every curated document belongs to; the exports, the baselines and the
analysts' `doc_splits` view all read it, so a document is in the same split everywhere.
`duplicates` groups exact and near-duplicate texts across all corpora, and `bot_authors` lists the
authors flagged as bots; the splits keep a duplicate group together and the exports leave bots
and all but one document of a group out by default.
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

DUPLICATES = pa.schema(
    [
        _field("doc_id", pa.string(), "A curated document with at least one duplicate.", False),
        _field("corpus", pa.string(), "Corpus family of the document.", False),
        _field("author_id", pa.string(), "Author pseudonym of the document (null if none)."),
        _field("group_id", pa.string(),
               "Duplicate group: the smallest doc_id of its members (groups span corpora).", False),
        _field("kind", pa.string(),
               "exact: every member has the same normalised text; near: MinHash LSH found "
               "members with estimated Jaccard >= the threshold.", False),
        _field("group_size", pa.int64(), "Documents in the group, over all corpora.", False),
    ]
)

BOT_AUTHORS = pa.schema(
    [
        _field("author_id", pa.string(), "Author pseudonym.", False),
        _field("corpus", pa.string(), "Corpus family the author wrote in.", False),
        _field("bot_reason", pa.string(),
               "known_account (a listed bot name, checked on the raw name) or signature (a share "
               "of the author's texts sign as a bot).", False),
        _field("n_documents", pa.int64(), "The author's documents in this corpus.", False),
        _field("n_signed", pa.int64(), "Of those, documents carrying a bot signature.", False),
    ]
)

CURATE_TABLES: dict[str, TableContract] = {
    "splits": TableContract("splits", SPLITS, ("doc_id",)),
    "duplicates": TableContract("duplicates", DUPLICATES, ("doc_id",)),
    "bot_authors": TableContract("bot_authors", BOT_AUTHORS, ("author_id", "corpus")),
    "baseline_scores": TableContract(
        "baseline_scores", BASELINE_SCORES, ("dataset", "trait", "model", "metric", "masked")
    ),
}
