"""Blocking grain rules of the curated suites (schemas/expectations/curated/*.yaml): primary
keys unique and foreign keys resolving, each failure naming the offending keys."""

from __future__ import annotations

import pyarrow as pa
import pytest

from assets.contours.authors import author_features
from assets.curate.splits import build_splits
from assets.lake import Lake
from assets.quality import gx
from schemas.curated import CURATED_AUTHORS, CURATED_LABELS
from schemas.feature_catalog import DOCUMENT_FEATURES
from schemas.tables import DOCUMENTS
from tests.unit.curate.fixtures import write_corpus


def write_authors(lake: Lake, corpus: str, ids: list[int], part: str = "p0") -> None:
    rows = [{"author_id": f"pseud-{corpus}-{i:05d}", "corpus": corpus, "platform": "essays",
             "n_documents": 1, "source_file": "e.csv"} for i in ids]
    lake.write_part("curated", "authors", corpus, part, pa.Table.from_pylist(rows, CURATED_AUTHORS))


def write_features(lake: Lake, corpus: str, ids: list[int], part: str = "p0") -> None:
    docs = [f"{corpus}-d{i:05d}" for i in ids]
    table = pa.Table.from_pylist(
        [{"doc_id": d, "n_windows": 1, "n_sentences": 1, "n_words": 5, "mtld__mean": 9.0}
         for d in docs], schema=DOCUMENT_FEATURES)
    lake.write_part("curated", "document_features", corpus, part, table)
    mapping = pa.table({"doc_id": docs, "author_id": [f"pseud-{corpus}-{i:05d}" for i in ids],
                        "corpus": [corpus] * len(ids)})
    lake.write_part("curated", "author_features", corpus, "authors",
                    author_features(table, mapping))


def write_raw_documents(lake: Lake, corpus: str, ids: list[int]) -> None:
    rows = [{"doc_id": f"{corpus}-d{i:05d}", "corpus": corpus, "author_id": None,
             "kind": "essay", "text": "x", "source_file": "e.csv", "source_line": i + 1,
             "content_hash": f"{i:032x}"} for i in ids]
    lake.write_part("raw", "documents", corpus, "p0", pa.Table.from_pylist(rows, DOCUMENTS))


@pytest.fixture
def clean(lake: Lake) -> Lake:
    write_corpus(lake, "essays", range(10))
    write_authors(lake, "essays", list(range(10)))
    write_raw_documents(lake, "essays", list(range(10)))
    write_features(lake, "essays", list(range(10)))
    build_splits(lake)
    return lake


def failures(lake: Lake, table: str) -> dict[str, list]:
    """Blocking aggregate failures of a curated suite: label -> examples (the keys)."""
    summary = gx.validate_aggregates(lake, gx.load_suite(table, "curated"))
    return {o.label.split(":")[0]: o.examples for o in summary.failures(blocking=True)}


GRAIN_TABLES = ("documents", "authors", "labels", "splits", "document_features", "contours",
                "author_features")


@pytest.mark.parametrize("table", GRAIN_TABLES)
def test_when_tables_are_consistent_then_every_grain_rule_passes(clean: Lake, table: str):
    assert failures(clean, table) == {}


def test_when_doc_id_repeated_across_parts_then_documents_check_names_it_and_its_lines(
        clean: Lake):
    write_corpus(clean, "essays", [3], part="p1")
    assert failures(clean, "documents") == {
        "doc_id_unique_across_parts": ["essays-d00003 at e.csv:4, e.csv:4"]}


def test_when_document_author_dangles_then_splits_check_names_the_author(clean: Lake):
    write_authors(clean, "essays", [i for i in range(10) if i != 6])  # author 6 lost
    got = failures(clean, "splits")
    assert got == {"document_author_resolves": ["pseud-essays-00006 in essays (e.csv)"],
                   "label_subject_resolves": ["author pseud-essays-00006 in essays (e.csv)"]}


def test_when_author_row_repeated_in_a_file_then_authors_check_names_it(clean: Lake):
    write_authors(clean, "essays", [2], part="p1")
    assert failures(clean, "authors") == {
        "author_unique_per_source_file": ["pseud-essays-00002 in essays at e.csv x2"]}


def test_when_label_repeated_then_labels_check_names_its_key(clean: Lake):
    row = {"subject_id": "pseud-essays-00001", "subject_kind": "author", "corpus": "essays",
           "scheme": "big5", "trait": "EXT", "scale": "binary", "value_binary": 1, "value_cat": "y",
           "source": "test_result", "source_file": "e.csv"}
    clean.write_part("curated", "labels", "essays", "p1",
                     pa.Table.from_pylist([row], CURATED_LABELS))
    assert failures(clean, "labels") == {
        "label_key_unique": ["pseud-essays-00001 big5/EXT from test_result at e.csv x2"]}


def test_when_value_outside_its_scale_column_then_labels_check_counts_it(clean: Lake):
    """A 0/1 value filed under the percentile scale would be averaged with percentiles."""
    row = {"subject_id": "pseud-essays-00001", "subject_kind": "author", "corpus": "essays",
           "scheme": "big5", "trait": "EXT", "scale": "percentile", "value_binary": 1,
           "value_cat": "y", "source": "test_result", "source_file": "other.csv"}
    clean.write_part("curated", "labels", "essays", "p1",
                     pa.Table.from_pylist([row], CURATED_LABELS))
    assert failures(clean, "labels") == {"value_in_its_scale_column": [
        "pseud-essays-00001 big5/EXT on scale percentile at other.csv"]}


def test_when_split_points_at_no_document_then_splits_check_names_it(clean: Lake):
    path = clean.list_parts("curated", "documents", "essays")[0]
    clean.fs.rm(path)
    write_corpus(clean, "essays", range(9))  # document 9 gone, its split row stays
    got = failures(clean, "splits")
    assert got["doc_id_resolves"] == ["essays-d00009 in essays"]


def test_when_features_point_at_no_document_then_feature_checks_name_it(clean: Lake):
    write_features(clean, "essays", [42], part="p9")  # also rewrites author_features
    got = failures(clean, "document_features")
    assert got == {"doc_id_resolves": ["essays-d00042"]}
    assert failures(clean, "author_features") == {
        "author_resolves_to_documents": ["pseud-essays-00042 in essays"]}


def test_when_author_features_repeat_an_author_and_corpus_then_check_names_it(clean: Lake):
    path = clean.list_parts("curated", "author_features", "essays")[0]
    import pyarrow.parquet as pq

    copy = pq.read_table(path).slice(4, 1)
    clean.write_part("curated", "author_features", "essays", "extra", copy)
    assert failures(clean, "author_features") == {
        "author_corpus_unique_across_parts": ["pseud-essays-00004 in essays x2"]}
