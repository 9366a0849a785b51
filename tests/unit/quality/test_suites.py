"""Every expectation in the YAML suites fails on a planted bad row, and passes on good rows.

Row-level expectations run on small frames built from the contracts; whole-table aggregates run
through DuckDB on a temporary lake with parts planted to break them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from assets.quality import gx
from schemas.feature_catalog import AUTHOR_FEATURES, CONTOURS, DOCUMENT_FEATURES
from schemas.label_scales import label_values
from schemas.registry import table_schema

H = "a" * 32
A = "a_" + "0123456789abcdef0123"  # a well-formed author pseudonym


def features(schema: pa.Schema, **ids: Any) -> dict[str, Any]:
    """A feature row inside every plausible range: ids given, counts 10, features mid-scale."""
    row: dict[str, Any] = {}
    for f in schema:
        if f.name in ids:
            row[f.name] = ids[f.name]
        elif pa.types.is_integer(f.type):
            row[f.name] = 10
        elif f.name.startswith("warriner_"):
            row[f.name] = 5.0
        elif f.name.startswith("concreteness"):
            row[f.name] = 3.0
        else:
            row[f.name] = 0.5
    return row

def label(subject: str, corpus: str, scheme: str, trait: str, scale: str, value: Any,
          cat: str | None, source: str, source_file: str = "a.csv",
          kind: str = "author") -> dict[str, Any]:
    """A label row, its value in its scale's column (`label_values`, as the readers write)."""
    return {"subject_id": subject, "subject_kind": kind, "corpus": corpus, "scheme": scheme,
            "trait": trait, **label_values(scheme, trait, scale, value, cat), "source": source,
            "source_file": source_file}


GOOD: dict[str, list[dict[str, Any]]] = {
    "raw.documents": [
        {"doc_id": f"d{i}", "corpus": "essays", "author_id": f"essays:a{i}", "kind": "essay",
         "text": f"An essay number {i}.", "created_at": None, "context": None,
         "source_file": "e.csv", "source_line": i + 1, "content_hash": f"{i:032x}"}
        for i in range(3)
    ],
    "raw.utterances": [
        {"utterance_id": f"u{i}", "doc_id": "s1", "corpus": "friends", "turn": i,
         "speaker_id": "joey", "speaker": "Joey", "text": "How you doin'?",
         "stage_directions": []}
        for i in range(3)
    ],
    "raw.authors": [
        {"author_id": f"reddit:u{i}", "corpus": "pandora", "platform": "reddit",
         "username": f"u{i}", "n_documents": 2, "source_file": "authors.csv"}
        for i in range(3)
    ],
    "raw.labels": [
        label("a", "pandora", "big5", "EXT", "percentile", 73.0, None, "test_result"),
        label("e", "essays", "big5", "EXT", "binary", 1, "y", "test_result"),
        label("a", "pandora", "mbti", "type", "category", None, "INTJ", "flair"),
        label("a", "pandora", "mbti", "I/E", "binary", 1, "I", "flair"),
        label("a", "pandora", "enneagram", "type", "category", None, "4w5", "flair"),
        label("a", "pandora", "demographic", "age", "years", 31.0, None, "self_report"),
    ],
    "raw.quarantine": [
        {"corpus": "essays", "source_file": "e.csv", "source_line": 7, "reason": "empty text",
         "raw_excerpt": ""}
    ],
    "curated.annotation_tasks": [
        {"external_key": f"big5:d{i}", "project": "big5", "project_id": 1, "task_id": i,
         "doc_id": f"d{i}", "corpus": "friends", "pushed_at": None}
        for i in range(3)
    ],
    "curated.annotations": [
        {"annotation_id": i, "project": "big5", "task_id": 1, "doc_id": "d1",
         "corpus": "friends", "annotator": f"ann_{i:016x}", "field": "EXT", "value": "1",
         "lead_time": 12.5, "created_at": None, "updated_at": None}
        for i in range(3)
    ],
    "curated.splits": [
        {"doc_id": f"d{i}", "corpus": "essays", "group_id": f"g{i}", "anchor_group_id": f"g{i}",
         "content_hash": f"{i:032x}", "stratum": "EXT=y", "split": s}
        for i, s in enumerate(["train", "dev", "test"])
    ],
    "curated.documents": [
        {"doc_id": f"d{i}", "corpus": "essays", "author_id": A, "kind": "essay",
         "text": f"An essay by <PERSON_1> number {i}.", "created_at": None, "context": None,
         "source_file": "e.csv", "source_line": i + 1, "content_hash": f"{i:032x}",
         "pii_counts": '{"PERSON": 1}'}
        for i in range(3)
    ] + [{"doc_id": "d9", "corpus": "pandora", "author_id": None, "kind": "post", "text": "Hi",
          "created_at": None, "context": None, "source_file": "p.csv", "source_line": 9,
          "content_hash": H, "pii_counts": "{}"}],
    "curated.utterances": [
        {"utterance_id": f"u{i}", "doc_id": "s1", "corpus": "friends", "turn": i,
         "speaker_id": A, "text": "How you doin'?", "stage_directions": [], "pii_counts": "{}"}
        for i in range(3)
    ],
    "curated.authors": [
        {"author_id": f"a_{i:020x}", "corpus": "pandora", "platform": "reddit", "n_documents": 2,
         "source_file": "authors.csv"}
        for i in range(3)
    ],
    "curated.labels": [
        label(A, "pandora", "big5", "EXT", "percentile", 73.0, None, "test_result"),
        label("d1", "essays", "big5", "NEU", "likert3", -1, None, "crowd_aggregate",
              "labelstudio/big5/majority_vote", "document"),
        label("d1", "essays", "big5", "NEU", "binary", 0, None, "crowd_aggregate",
              "labelstudio/big5/median_split", "document"),
        label(A, "pandora", "mbti", "type", "category", None, "INTJ", "flair"),
        label(A, "pandora", "mbti", "I/E", "binary", 1, "I", "flair"),
    ],
    "curated.quarantine": [
        {"corpus": "essays", "source_file": "e.csv", "source_line": 7, "reason": "empty text"}
    ],
    "curated.label_mentions": [
        {"doc_id": "d1", "corpus": "pandora", "kind": k, "rule": "r", "start_char": 4 * i,
         "end_char": 4 * i + 4, "mention": "INTJ"}
        for i, k in enumerate(["mbti_type", "enneagram", "trait_score"])
    ],
    "curated.contours": [
        features(CONTOURS, doc_id="d1", window_idx=i, first_sentence=i, last_sentence=i + 2,
                 start_char=10 * i, end_char=10 * i + 40)
        for i in range(3)
    ],
    "curated.document_features": [
        features(DOCUMENT_FEATURES, doc_id=f"d{i}", **{"vader_compound__slope": -3.0})
        for i in range(3)
    ],
    "curated.author_features": [
        features(AUTHOR_FEATURES, author_id=f"a_{i:020x}", corpus="pandora",
                 flesch_reading_ease__mean=-80.0)
        for i in range(3)
    ],
}


def frame(key: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pa.Table.from_pylist(rows, schema=table_schema(*key.split("."))).to_pandas()


WIDE = {"curated.contours", "curated.document_features", "curated.author_features"}


def suite(key: str) -> gx.SuiteSpec:
    """The table's suite. Wide feature tables skip their hundreds of contract-derived type
    expectations here (seconds each run); those are exercised on raw documents."""
    zone, table = key.split(".")
    spec = gx.load_suite(table, zone)
    if key in WIDE:
        kept = tuple(e for e in spec.expectations if e.type != "expect_column_values_to_be_of_type")
        spec = gx.SuiteSpec(spec.table, spec.zone, kept, spec.aggregates)
    return spec


def covering(key: str, column: str) -> str:
    """Label of the `for_columns` expectation of a suite that covers `column`."""
    return next(e.label for e in suite(key).expectations if column in e.columns)


def with_row(table: str, **changes: Any) -> pd.DataFrame:
    rows = [dict(r) for r in GOOD[table]]
    rows[0].update(changes)
    return frame(table, rows)


def duplicated(table: str) -> pd.DataFrame:
    rows = [dict(r) for r in GOOD[table]]
    return frame(table, rows + [rows[0]])


def label_row(**changes: Any) -> pd.DataFrame:
    rows = [dict(r) for r in GOOD["raw.labels"]]
    row = dict(rows[0]) | changes
    return frame("raw.labels", rows + [row])


# (table, expectation label prefix, bad frame)
CASES: list[tuple[str, str, Callable[[], pd.DataFrame]]] = [
    ("curated.annotation_tasks", "expect_column_values_to_be_unique(external_key)",
     lambda: duplicated("curated.annotation_tasks")),
    ("curated.annotation_tasks", "expect_column_values_to_not_be_null(doc_id)",
     lambda: with_row("curated.annotation_tasks", doc_id=None)),
    ("curated.annotation_tasks", "expect_column_values_to_be_in_set(project)",
     lambda: with_row("curated.annotation_tasks", project="sentiment")),
    ("curated.annotations", "expect_column_values_to_not_be_null(annotation_id)",
     lambda: with_row("curated.annotations", annotation_id=None)),
    ("curated.annotations", "expect_column_values_to_match_regex(annotator)",
     lambda: with_row("curated.annotations", annotator="jane@example.com")),
    ("curated.annotations", "expect_column_values_to_be_between(lead_time)",
     lambda: with_row("curated.annotations", lead_time=-3.0)),
    ("raw.documents", "expect_table_columns_to_match_set",
     lambda: frame("raw.documents", GOOD["raw.documents"]).drop(columns=["context"])),
    ("raw.documents", "expect_column_values_to_be_of_type(source_line)",
     lambda: frame("raw.documents", GOOD["raw.documents"]).astype({"source_line": "str"})),
    ("raw.documents", "expect_column_values_to_not_be_null(doc_id)", lambda: with_row(
        "raw.documents", doc_id=None)),
    ("raw.documents", "expect_column_values_to_be_unique(doc_id)",
     lambda: duplicated("raw.documents")),
    ("raw.documents", "expect_column_values_to_not_be_null(corpus)",
     lambda: with_row("raw.documents", corpus=None)),
    ("raw.documents", "expect_column_values_to_not_be_null(text)",
     lambda: with_row("raw.documents", text=None)),
    ("raw.documents", "expect_column_values_to_not_be_null(content_hash)",
     lambda: with_row("raw.documents", content_hash=None)),
    ("raw.documents", "expect_column_values_to_be_in_set(kind)",
     lambda: with_row("raw.documents", kind="novel")),
    ("raw.documents", "expect_column_values_to_match_regex(content_hash)",
     lambda: with_row("raw.documents", content_hash="XYZ")),
    ("raw.documents", "expect_column_values_to_be_between(source_line)",
     lambda: with_row("raw.documents", source_line=0)),
    ("raw.documents", "expect_column_value_lengths_to_be_between(text)",
     lambda: with_row("raw.documents", text="")),
    ("raw.utterances", "expect_column_values_to_not_be_null(utterance_id)",
     lambda: with_row("raw.utterances", utterance_id=None)),
    ("raw.utterances", "expect_column_values_to_be_unique(utterance_id)",
     lambda: duplicated("raw.utterances")),
    ("raw.utterances", "expect_column_values_to_not_be_null(doc_id)",
     lambda: with_row("raw.utterances", doc_id=None)),
    ("raw.utterances", "expect_column_values_to_not_be_null(text)",
     lambda: with_row("raw.utterances", text=None)),
    ("raw.utterances", "expect_column_values_to_be_between(turn)",
     lambda: with_row("raw.utterances", turn=-1)),
    ("raw.utterances", "expect_compound_columns_to_be_unique(doc_id,turn)",
     lambda: with_row("raw.utterances", turn=1)),
    ("raw.authors", "expect_column_values_to_not_be_null(author_id)",
     lambda: with_row("raw.authors", author_id=None)),
    ("raw.authors", "expect_column_values_to_be_unique(author_id)",
     lambda: duplicated("raw.authors")),
    ("raw.authors", "expect_column_values_to_not_be_null(platform)",
     lambda: with_row("raw.authors", platform=None)),
    ("raw.authors", "expect_column_values_to_be_between(n_documents)",
     lambda: with_row("raw.authors", n_documents=-1)),
    ("raw.labels", "expect_column_values_to_not_be_null(subject_id)",
     lambda: label_row(subject_id=None)),
    ("raw.labels", "expect_column_values_to_be_in_set(subject_kind)",
     lambda: label_row(subject_kind="thread")),
    ("raw.labels", "expect_column_values_to_be_in_set(scheme)", lambda: label_row(scheme="hexaco")),
    ("raw.labels", "expect_column_values_to_be_in_set(source)", lambda: label_row(source="guess")),
    ("raw.labels", "expect_column_values_to_be_in_set(trait) where scheme == \"big5\"",
     lambda: label_row(trait="HON")),
    ("raw.labels", "expect_column_values_to_be_in_set(trait) where scheme == \"mbti\"",
     lambda: label_row(scheme="mbti", trait="X/Y")),
    ("raw.labels", "expect_column_values_to_be_in_set(scale)", lambda: label_row(scale="ordinal")),
    ("raw.labels", "expect_column_values_to_not_be_null(scale)", lambda: label_row(scale=None)),
    ("raw.labels", "expect_column_values_to_be_in_set(scale) where scheme == \"big5\"",
     lambda: label_row(scale="likert3", value_percentile=None, value_likert=1)),
    ("raw.labels", "expect_column_values_to_be_in_set(scale) where scheme == \"mbti\"",
     lambda: label_row(scheme="mbti", trait="N/S")),
    ("raw.labels", "expect_column_values_to_not_be_null(value_binary) where scale == \"binary\"",
     lambda: label_row(scale="binary", value_percentile=None)),
    ("raw.labels", "expect_column_values_to_be_in_set(value_binary)",
     lambda: label_row(scale="binary", value_percentile=None, value_binary=2)),
    ("raw.labels",
     "expect_column_values_to_not_be_null(value_percentile) where scale == \"percentile\"",
     lambda: label_row(value_percentile=None, value_binary=1)),
    ("raw.labels", "expect_column_values_to_be_between(value_percentile)",
     lambda: label_row(value_percentile=101.0)),
    ("raw.labels",
     "expect_column_values_to_match_regex(value_cat) where scheme == \"enneagram\"",
     lambda: label_row(scheme="enneagram", trait="type", scale="category",
                       value_percentile=None, value_cat="10")),
    ("raw.labels", "expect_column_values_to_be_between(value_years)",
     lambda: label_row(scheme="demographic", trait="age", scale="years", value_percentile=None,
                       value_years=4.0)),
    ("raw.labels", "expect_column_values_to_match_regex(value_cat) where scheme == \"mbti\"",
     lambda: label_row(scheme="mbti", trait="type", scale="category", value_percentile=None,
                       value_cat="INTX")),
    ("raw.quarantine", "expect_column_values_to_not_be_null(reason)",
     lambda: with_row("raw.quarantine", reason=None)),
    ("raw.quarantine", "expect_column_values_to_not_be_null(source_file)",
     lambda: with_row("raw.quarantine", source_file=None)),
    ("raw.quarantine", "expect_column_values_to_be_between(source_line)",
     lambda: with_row("raw.quarantine", source_line=0)),
    ("curated.splits", "expect_column_values_to_not_be_null(doc_id)",
     lambda: with_row("curated.splits", doc_id=None)),
    ("curated.splits", "expect_column_values_to_be_unique(doc_id)",
     lambda: duplicated("curated.splits")),
    ("curated.splits", "expect_column_values_to_not_be_null(group_id)",
     lambda: with_row("curated.splits", group_id=None)),
    ("curated.splits", "expect_column_values_to_be_in_set(split)",
     lambda: with_row("curated.splits", split="validation")),
    ("curated.documents", "expect_column_values_to_not_be_null(doc_id)",
     lambda: with_row("curated.documents", doc_id=None)),
    ("curated.documents", "expect_column_values_to_be_unique(doc_id)",
     lambda: duplicated("curated.documents")),
    ("curated.documents", "expect_column_values_to_not_be_null(corpus)",
     lambda: with_row("curated.documents", corpus=None)),
    ("curated.documents", "expect_column_values_to_be_in_set(kind)",
     lambda: with_row("curated.documents", kind="novel")),
    ("curated.documents", "expect_column_values_to_match_regex(author_id)",
     lambda: with_row("curated.documents", author_id="essays:1997_504851.txt")),
    ("curated.documents", "expect_column_value_lengths_to_be_between(text)",
     lambda: with_row("curated.documents", text="")),
    ("curated.documents", "expect_column_values_to_match_regex(content_hash)",
     lambda: with_row("curated.documents", content_hash="XYZ")),
    ("curated.documents", "expect_column_values_to_not_be_null(pii_counts)",
     lambda: with_row("curated.documents", pii_counts=None)),
    ("curated.documents", "expect_column_values_to_be_json_parseable(pii_counts)",
     lambda: with_row("curated.documents", pii_counts="{PERSON: 1")),
    ("curated.documents", "expect_column_values_to_match_regex(language)",
     lambda: with_row("curated.documents", language="english")),
    ("curated.documents", "expect_column_values_to_be_between(language_confidence)",
     lambda: with_row("curated.documents", language_confidence=1.5)),
    ("curated.utterances", "expect_column_values_to_not_be_null(utterance_id)",
     lambda: with_row("curated.utterances", utterance_id=None)),
    ("curated.utterances", "expect_column_values_to_be_unique(utterance_id)",
     lambda: duplicated("curated.utterances")),
    ("curated.utterances", "expect_column_values_to_not_be_null(doc_id)",
     lambda: with_row("curated.utterances", doc_id=None)),
    ("curated.utterances", "expect_column_values_to_not_be_null(text)",
     lambda: with_row("curated.utterances", text=None)),
    ("curated.utterances", "expect_column_values_to_be_between(turn)",
     lambda: with_row("curated.utterances", turn=-1)),
    ("curated.utterances", "expect_compound_columns_to_be_unique(doc_id,turn)",
     lambda: with_row("curated.utterances", turn=1)),
    ("curated.utterances", "expect_column_values_to_match_regex(speaker_id)",
     lambda: with_row("curated.utterances", speaker_id="Joey")),
    ("curated.utterances", "expect_column_values_to_not_be_null(pii_counts)",
     lambda: with_row("curated.utterances", pii_counts=None)),
    ("curated.utterances", "expect_column_values_to_be_json_parseable(pii_counts)",
     lambda: with_row("curated.utterances", pii_counts="not json")),
    ("curated.authors", "expect_column_values_to_not_be_null(author_id)",
     lambda: with_row("curated.authors", author_id=None)),
    ("curated.authors", "expect_column_values_to_match_regex(author_id)",
     lambda: with_row("curated.authors", author_id="reddit:u0")),
    ("curated.authors", "expect_column_values_to_not_be_null(platform)",
     lambda: with_row("curated.authors", platform=None)),
    ("curated.authors", "expect_column_values_to_be_between(n_documents)",
     lambda: with_row("curated.authors", n_documents=-1)),
    ("curated.labels", "expect_column_values_to_not_be_null(subject_id)",
     lambda: with_row("curated.labels", subject_id=None)),
    ("curated.labels", "expect_column_values_to_match_regex(subject_id)",
     lambda: with_row("curated.labels", subject_id="pandora:u0")),
    ("curated.labels", "expect_column_values_to_be_in_set(subject_kind)",
     lambda: with_row("curated.labels", subject_kind="thread")),
    ("curated.labels", "expect_column_values_to_be_in_set(scheme)",
     lambda: with_row("curated.labels", scheme="hexaco")),
    ("curated.labels", "expect_column_values_to_be_in_set(source)",
     lambda: with_row("curated.labels", source="guess")),
    ("curated.labels", "expect_column_values_to_be_in_set(trait) where scheme == \"big5\"",
     lambda: with_row("curated.labels", trait="HON")),
    ("curated.labels", "expect_column_values_to_be_in_set(trait) where scheme == \"mbti\"",
     lambda: with_row("curated.labels", scheme="mbti", trait="X/Y")),
    ("curated.labels", "expect_column_values_to_be_in_set(scale)",
     lambda: with_row("curated.labels", scale="ordinal")),
    ("curated.labels", "expect_column_values_to_not_be_null(scale)",
     lambda: with_row("curated.labels", scale=None)),
    ("curated.labels",
     "expect_column_values_to_be_in_set(scale) where scheme == \"big5\" and source !=",
     lambda: with_row("curated.labels", scale="likert3", value_percentile=None, value_likert=1)),
    ("curated.labels",
     "expect_column_values_to_be_in_set(scale) where scheme == \"big5\" and source ==",
     lambda: with_row("curated.labels", source="crowd_aggregate")),
    ("curated.labels", "expect_column_values_to_be_in_set(scale) where scheme == \"mbti\"",
     lambda: with_row("curated.labels", scheme="mbti", trait="N/S")),
    ("curated.labels", "expect_column_values_to_be_in_set(value_binary)",
     lambda: with_row("curated.labels", scale="binary", value_percentile=None, value_binary=2)),
    ("curated.labels", "expect_column_values_to_be_between(value_percentile)",
     lambda: with_row("curated.labels", value_percentile=-1.0)),
    ("curated.labels", "expect_column_values_to_be_in_set(value_likert)",
     lambda: with_row("curated.labels", scale="likert3", value_percentile=None, value_likert=2)),
    ("curated.labels", "expect_column_values_to_match_regex(value_cat)",
     lambda: with_row("curated.labels", scheme="mbti", trait="type", value_cat="INTX")),
    ("curated.quarantine", "expect_column_values_to_not_be_null(reason)",
     lambda: with_row("curated.quarantine", reason=None)),
    ("curated.quarantine", "expect_column_values_to_not_be_null(source_file)",
     lambda: with_row("curated.quarantine", source_file=None)),
    ("curated.quarantine", "expect_column_values_to_be_between(source_line)",
     lambda: with_row("curated.quarantine", source_line=0)),
    ("curated.label_mentions", "expect_column_values_to_not_be_null(doc_id)",
     lambda: with_row("curated.label_mentions", doc_id=None)),
    ("curated.label_mentions", "expect_column_values_to_be_in_set(kind)",
     lambda: with_row("curated.label_mentions", kind="zodiac")),
    ("curated.label_mentions", "expect_column_values_to_be_between(start_char)",
     lambda: with_row("curated.label_mentions", start_char=-1)),
    ("curated.label_mentions", "expect_column_pair_values_a_to_be_greater_than_b(end_char,",
     lambda: with_row("curated.label_mentions", end_char=0)),
    ("curated.contours", "expect_column_values_to_not_be_null(doc_id)",
     lambda: with_row("curated.contours", doc_id=None)),
    ("curated.contours", "expect_compound_columns_to_be_unique(doc_id,window_idx)",
     lambda: with_row("curated.contours", window_idx=1)),
    ("curated.contours", "expect_column_values_to_be_between(window_idx)",
     lambda: with_row("curated.contours", window_idx=-1)),
    ("curated.contours", "expect_column_values_to_be_between(n_words)",
     lambda: with_row("curated.contours", n_words=-1)),
    ("curated.contours", "expect_column_pair_values_a_to_be_greater_than_b(last_sentence,",
     lambda: with_row("curated.contours", last_sentence=-1)),
    ("curated.contours", "expect_column_pair_values_a_to_be_greater_than_b(end_char,",
     lambda: with_row("curated.contours", end_char=-1)),
    ("curated.contours", covering("curated.contours", "emolex_joy"),
     lambda: with_row("curated.contours", emolex_joy=1.5)),
    ("curated.contours", covering("curated.contours", "warriner_arousal"),
     lambda: with_row("curated.contours", warriner_arousal=0.0)),
    ("curated.contours", covering("curated.contours", "concreteness"),
     lambda: with_row("curated.contours", concreteness=6.0)),
    ("curated.contours", covering("curated.contours", "vader_compound"),
     lambda: with_row("curated.contours", vader_compound=-1.5)),
    ("curated.contours", covering("curated.contours", "mean_dependency_distance"),
     lambda: with_row("curated.contours", mean_dependency_distance=-0.1)),
    ("curated.contours", covering("curated.contours", "smog"),
     lambda: with_row("curated.contours", smog=float("inf"))),
    ("curated.document_features", "expect_column_values_to_not_be_null(doc_id)",
     lambda: with_row("curated.document_features", doc_id=None)),
    ("curated.document_features", "expect_column_values_to_be_unique(doc_id)",
     lambda: duplicated("curated.document_features")),
    ("curated.document_features", "expect_column_values_to_be_between(n_windows)",
     lambda: with_row("curated.document_features", n_windows=-1)),
    ("curated.document_features", "expect_column_values_to_be_between(n_sentences)",
     lambda: with_row("curated.document_features", n_sentences=-1)),
    ("curated.document_features", "expect_column_values_to_be_between(n_words)",
     lambda: with_row("curated.document_features", n_words=-1)),
    ("curated.document_features", covering("curated.document_features", "question_share__max"),
     lambda: with_row("curated.document_features", question_share__max=1.01)),
    ("curated.document_features", covering("curated.document_features", "warriner_valence__min"),
     lambda: with_row("curated.document_features", warriner_valence__min=9.5)),
    ("curated.document_features", covering("curated.document_features", "concreteness__mean"),
     lambda: with_row("curated.document_features", concreteness__mean=0.5)),
    ("curated.document_features", covering("curated.document_features", "vader_compound__min"),
     lambda: with_row("curated.document_features", vader_compound__min=-2.0)),
    ("curated.document_features", covering("curated.document_features", "mtld__mean"),
     lambda: with_row("curated.document_features", mtld__mean=-1.0)),
    ("curated.document_features", covering("curated.document_features", "mtld__sd"),
     lambda: with_row("curated.document_features", mtld__sd=-0.5)),
    ("curated.document_features", covering("curated.document_features", "gunning_fog__mean"),
     lambda: with_row("curated.document_features", gunning_fog__mean=float("-inf"))),
    ("curated.author_features", "expect_column_values_to_not_be_null(author_id)",
     lambda: with_row("curated.author_features", author_id=None)),
    ("curated.author_features", "expect_compound_columns_to_be_unique(author_id,corpus)",
     lambda: duplicated("curated.author_features")),
    ("curated.author_features", "expect_column_values_to_match_regex(author_id)",
     lambda: with_row("curated.author_features", author_id="essays:1997_504851.txt")),
    ("curated.author_features", "expect_column_values_to_be_between(n_documents)",
     lambda: with_row("curated.author_features", n_documents=0)),
    ("curated.author_features", "expect_column_values_to_be_between(n_words)",
     lambda: with_row("curated.author_features", n_words=-1)),
    ("curated.author_features", covering("curated.author_features", "lexical_density__mean"),
     lambda: with_row("curated.author_features", lexical_density__mean=1.2)),
    ("curated.author_features", covering("curated.author_features", "warriner_dominance__mean"),
     lambda: with_row("curated.author_features", warriner_dominance__mean=10.0)),
    ("curated.author_features", covering("curated.author_features", "concreteness__mean"),
     lambda: with_row("curated.author_features", concreteness__mean=5.5)),
    ("curated.author_features", covering("curated.author_features", "vader_compound__mean"),
     lambda: with_row("curated.author_features", vader_compound__mean=1.5)),
    ("curated.author_features", covering("curated.author_features", "word_length__mean"),
     lambda: with_row("curated.author_features", word_length__mean=-4.0)),
    ("curated.author_features", covering("curated.author_features", "smog__mean"),
     lambda: with_row("curated.author_features", smog__mean=float("inf"))),
]


CONTRACT_DERIVED = {"expect_column_values_to_be_of_type", "expect_table_columns_to_match_set"}


@pytest.mark.parametrize("table", sorted(GOOD))
def test_when_rows_are_good_then_every_expectation_passes(table: str):
    summary = gx.validate_frame(suite(table), frame(table, GOOD[table]))
    assert [o.as_dict() for o in summary.failures()] == []


def suite_files() -> list[tuple[str, str]]:
    """(zone, table) of every suite file, where `gx.load_suite` reads them."""
    return sorted((p.parent.name, p.stem) for p in gx.SUITES_DIR.glob("*/*.yaml"))


def test_when_suites_listed_then_every_table_has_good_rows():
    assert sorted(GOOD) == [f"{zone}.{table}" for zone, table in suite_files()]


def test_when_suites_listed_then_every_row_expectation_has_a_planted_bad_row():
    covered = {(t, p) for t, p, _ in CASES}
    for zone, table in suite_files():
        key = f"{zone}.{table}"
        for spec in gx.load_suite(table, zone).expectations:
            if spec.type in CONTRACT_DERIVED:
                continue  # generated from the contract; representative cases on documents
            assert any(t == key and spec.label.startswith(p) for t, p in covered), spec.label


@pytest.mark.parametrize(("table", "label", "bad"), CASES,
                         ids=[f"{t}:{p[:60]}" for t, p, _ in CASES])
def test_when_bad_row_planted_then_its_expectation_fails(table: str, label: str, bad):
    summary = gx.validate_frame(suite(table), bad())
    failed = [o.label for o in summary.failures()]
    assert any(f.startswith(label) for f in failed), failed
    if label.endswith("(text)"):  # raw text is never echoed into check metadata
        assert summary.outcome(label).examples == []
