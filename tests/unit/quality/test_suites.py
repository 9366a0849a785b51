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
from schemas.splits import CURATE_TABLES
from schemas.tables import RAW_TABLES

H = "a" * 64

GOOD: dict[str, list[dict[str, Any]]] = {
    "documents": [
        {"doc_id": f"d{i}", "corpus": "essays", "author_id": f"essays:a{i}", "kind": "essay",
         "text": f"An essay number {i}.", "created_at": None, "context": None,
         "source_file": "e.csv", "source_line": i + 1, "content_hash": f"{i:064x}"}
        for i in range(3)
    ],
    "utterances": [
        {"utterance_id": f"u{i}", "doc_id": "s1", "corpus": "friends", "turn": i,
         "speaker_id": "joey", "speaker": "Joey", "text": "How you doin'?",
         "stage_directions": []}
        for i in range(3)
    ],
    "authors": [
        {"author_id": f"reddit:u{i}", "corpus": "pandora", "platform": "reddit",
         "username": f"u{i}", "n_documents": 2, "source_file": "authors.csv"}
        for i in range(3)
    ],
    "labels": [
        {"subject_id": "a", "subject_kind": "author", "corpus": "pandora", "scheme": "big5",
         "trait": "EXT", "value_num": 73.0, "value_cat": None, "source": "test_result",
         "source_file": "a.csv"},
        {"subject_id": "a", "subject_kind": "author", "corpus": "pandora", "scheme": "mbti",
         "trait": "type", "value_num": None, "value_cat": "INTJ", "source": "flair",
         "source_file": "a.csv"},
        {"subject_id": "a", "subject_kind": "author", "corpus": "pandora", "scheme": "mbti",
         "trait": "I/E", "value_num": 1.0, "value_cat": "I", "source": "flair",
         "source_file": "a.csv"},
        {"subject_id": "a", "subject_kind": "author", "corpus": "pandora", "scheme": "enneagram",
         "trait": "type", "value_num": 4.0, "value_cat": "4w5", "source": "flair",
         "source_file": "a.csv"},
        {"subject_id": "a", "subject_kind": "author", "corpus": "pandora",
         "scheme": "demographic", "trait": "age", "value_num": 31.0, "value_cat": None,
         "source": "self_report", "source_file": "a.csv"},
    ],
    "quarantine": [
        {"corpus": "essays", "source_file": "e.csv", "source_line": 7, "reason": "empty text",
         "raw_excerpt": ""}
    ],
    "splits": [
        {"doc_id": f"d{i}", "corpus": "essays", "group_id": f"g{i}", "anchor_group_id": f"g{i}",
         "content_hash": f"{i:064x}", "stratum": "EXT=y", "split": s}
        for i, s in enumerate(["train", "dev", "test"])
    ],
}


def frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    schema = (CURATE_TABLES.get(table) or RAW_TABLES[table]).schema
    return pa.Table.from_pylist(rows, schema=schema).to_pandas()


def with_row(table: str, **changes: Any) -> pd.DataFrame:
    rows = [dict(r) for r in GOOD[table]]
    rows[0].update(changes)
    return frame(table, rows)


def duplicated(table: str) -> pd.DataFrame:
    rows = [dict(r) for r in GOOD[table]]
    return frame(table, rows + [rows[0]])


def label_row(**changes: Any) -> pd.DataFrame:
    rows = [dict(r) for r in GOOD["labels"]]
    row = dict(rows[0]) | changes
    return frame("labels", rows + [row])


# (table, expectation label prefix, bad frame)
CASES: list[tuple[str, str, Callable[[], pd.DataFrame]]] = [
    ("documents", "expect_table_columns_to_match_set",
     lambda: frame("documents", GOOD["documents"]).drop(columns=["context"])),
    ("documents", "expect_column_values_to_be_of_type(source_line)",
     lambda: frame("documents", GOOD["documents"]).astype({"source_line": "str"})),
    ("documents", "expect_column_values_to_not_be_null(doc_id)", lambda: with_row(
        "documents", doc_id=None)),
    ("documents", "expect_column_values_to_be_unique(doc_id)", lambda: duplicated("documents")),
    ("documents", "expect_column_values_to_not_be_null(corpus)",
     lambda: with_row("documents", corpus=None)),
    ("documents", "expect_column_values_to_not_be_null(text)",
     lambda: with_row("documents", text=None)),
    ("documents", "expect_column_values_to_not_be_null(content_hash)",
     lambda: with_row("documents", content_hash=None)),
    ("documents", "expect_column_values_to_be_in_set(kind)",
     lambda: with_row("documents", kind="novel")),
    ("documents", "expect_column_values_to_match_regex(content_hash)",
     lambda: with_row("documents", content_hash="XYZ")),
    ("documents", "expect_column_values_to_be_between(source_line)",
     lambda: with_row("documents", source_line=0)),
    ("documents", "expect_column_value_lengths_to_be_between(text)",
     lambda: with_row("documents", text="")),
    ("utterances", "expect_column_values_to_not_be_null(utterance_id)",
     lambda: with_row("utterances", utterance_id=None)),
    ("utterances", "expect_column_values_to_be_unique(utterance_id)",
     lambda: duplicated("utterances")),
    ("utterances", "expect_column_values_to_not_be_null(doc_id)",
     lambda: with_row("utterances", doc_id=None)),
    ("utterances", "expect_column_values_to_not_be_null(text)",
     lambda: with_row("utterances", text=None)),
    ("utterances", "expect_column_values_to_be_between(turn)",
     lambda: with_row("utterances", turn=-1)),
    ("utterances", "expect_compound_columns_to_be_unique(doc_id,turn)",
     lambda: with_row("utterances", turn=1)),
    ("authors", "expect_column_values_to_not_be_null(author_id)",
     lambda: with_row("authors", author_id=None)),
    ("authors", "expect_column_values_to_be_unique(author_id)", lambda: duplicated("authors")),
    ("authors", "expect_column_values_to_not_be_null(platform)",
     lambda: with_row("authors", platform=None)),
    ("authors", "expect_column_values_to_be_between(n_documents)",
     lambda: with_row("authors", n_documents=-1)),
    ("labels", "expect_column_values_to_not_be_null(subject_id)",
     lambda: label_row(subject_id=None)),
    ("labels", "expect_column_values_to_be_in_set(subject_kind)",
     lambda: label_row(subject_kind="thread")),
    ("labels", "expect_column_values_to_be_in_set(scheme)", lambda: label_row(scheme="hexaco")),
    ("labels", "expect_column_values_to_be_in_set(source)", lambda: label_row(source="guess")),
    ("labels", "expect_column_values_to_be_in_set(trait) where scheme == \"big5\"",
     lambda: label_row(trait="HON")),
    ("labels", "expect_column_values_to_be_in_set(trait) where scheme == \"mbti\"",
     lambda: label_row(scheme="mbti", trait="X/Y", value_num=1.0)),
    ("labels", "expect_column_values_to_be_between(value_num) where scheme == \"big5\"",
     lambda: label_row(value_num=101.0)),
    ("labels", "expect_column_values_to_be_in_set(value_num) where scheme == \"mbti\"",
     lambda: label_row(scheme="mbti", trait="N/S", value_num=0.5)),
    ("labels", "expect_column_values_to_be_between(value_num) where scheme == \"enneagram\"",
     lambda: label_row(scheme="enneagram", trait="type", value_num=10.0)),
    ("labels", "expect_column_values_to_be_between(value_num) where scheme == \"demographic\"",
     lambda: label_row(scheme="demographic", trait="age", value_num=4.0)),
    ("labels", "expect_column_values_to_match_regex(value_cat)",
     lambda: label_row(scheme="mbti", trait="type", value_num=None, value_cat="INTX")),
    ("quarantine", "expect_column_values_to_not_be_null(reason)",
     lambda: with_row("quarantine", reason=None)),
    ("quarantine", "expect_column_values_to_not_be_null(source_file)",
     lambda: with_row("quarantine", source_file=None)),
    ("quarantine", "expect_column_values_to_be_between(source_line)",
     lambda: with_row("quarantine", source_line=0)),
    ("splits", "expect_column_values_to_not_be_null(doc_id)",
     lambda: with_row("splits", doc_id=None)),
    ("splits", "expect_column_values_to_be_unique(doc_id)", lambda: duplicated("splits")),
    ("splits", "expect_column_values_to_not_be_null(group_id)",
     lambda: with_row("splits", group_id=None)),
    ("splits", "expect_column_values_to_be_in_set(split)",
     lambda: with_row("splits", split="validation")),
]


CONTRACT_DERIVED = {"expect_column_values_to_be_of_type", "expect_table_columns_to_match_set"}


@pytest.mark.parametrize("table", sorted(GOOD))
def test_when_rows_are_good_then_every_expectation_passes(table: str):
    summary = gx.validate_frame(gx.load_suite(table), frame(table, GOOD[table]))
    assert [o.as_dict() for o in summary.failures()] == []


def test_when_suites_listed_then_every_row_expectation_has_a_planted_bad_row():
    covered = {(t, p) for t, p, _ in CASES}
    for table in gx.suite_tables():
        for spec in gx.load_suite(table).expectations:
            if spec.type in CONTRACT_DERIVED:
                continue  # generated from the contract; representative cases on documents
            assert any(t == table and spec.label.startswith(p) for t, p in covered), spec.label


@pytest.mark.parametrize(("table", "label", "bad"), CASES, ids=[f"{t}:{p}" for t, p, _ in CASES])
def test_when_bad_row_planted_then_its_expectation_fails(table: str, label: str, bad):
    summary = gx.validate_frame(gx.load_suite(table), bad())
    failed = [o.label for o in summary.failures()]
    assert any(f.startswith(label) for f in failed), failed
    if label.endswith("(text)"):  # raw text is never echoed into check metadata
        assert summary.outcome(label).examples == []
