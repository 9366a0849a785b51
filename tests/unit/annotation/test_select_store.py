"""Selecting curated documents and storing project snapshots, on a temporary lake."""

from __future__ import annotations

import pyarrow as pa

from annotation.pull import ANNOTATIONS_SCHEMA
from annotation.store import read_project_table, write_project_table
from annotation.tasks import Selection, select_records
from assets.lake import Lake
from schemas.tables import DOCUMENTS, LABELS, UTTERANCES


def _doc(doc_id: str, corpus: str, kind: str = "post", author: str | None = None) -> dict:
    return {"doc_id": doc_id, "corpus": corpus, "author_id": author, "kind": kind,
            "text": f"text of {doc_id}", "created_at": None, "context": None,
            "source_file": "f", "source_line": 1, "content_hash": "0"}


def _lake(tmp_path) -> Lake:
    return _fill(Lake.at(str(tmp_path / "w")))


def _fill(lake: Lake) -> Lake:
    docs = {"reddit": [_doc(f"r{n}", "reddit", author=f"a{n}") for n in range(10)],
            "friends": [_doc("s1", "friends", "dialogue", "m1")]}
    for corpus, rows in docs.items():
        lake.write_part("curated", "documents", corpus, "p", pa.Table.from_pylist(rows, DOCUMENTS))
    lake.write_part("curated", "utterances", "friends", "p", pa.Table.from_pylist([
        {"utterance_id": "u1", "doc_id": "s1", "corpus": "friends", "turn": 1,
         "speaker_id": "m1", "speaker": None, "text": "second", "stage_directions": []},
        {"utterance_id": "u0", "doc_id": "s1", "corpus": "friends", "turn": 0,
         "speaker_id": "o1", "speaker": None, "text": "first", "stage_directions": []},
    ], UTTERANCES))
    lake.write_part("curated", "labels", "reddit", "p", pa.Table.from_pylist([
        {"subject_id": "a0", "subject_kind": "author", "corpus": "reddit", "scheme": "mbti",
         "trait": "I/E", "scale": "binary", "value_binary": 1, "value_cat": "I", "source": "flair",
         "source_file": "f"},
        {"subject_id": "r1", "subject_kind": "document", "corpus": "reddit", "scheme": "big5",
         "trait": "EXT", "scale": "likert3", "value_likert": 1, "value_cat": None,
         "source": "annotator",
         "source_file": "f"},
    ], LABELS))
    return lake


def _select(lake: Lake, selection: Selection):
    return select_records(lake.table_glob("curated", "documents"),
                          lake.table_glob("curated", "utterances"),
                          lake.table_glob("curated", "labels"), selection)


def test_when_lake_is_on_s3_then_selection_reads_it_as_it_reads_a_local_one(
        tmp_path, s3_lake_url):
    """The globs are s3:// URLs: the query registers the lake's filesystem (a plain DuckDB
    connection found no file and selected nothing, silently)."""
    from annotation.tasks import present_doc_ids

    local, remote = _lake(tmp_path), _fill(Lake.at(s3_lake_url))
    picked = _select(remote, Selection(per_corpus=100))
    assert picked and picked == _select(local, Selection(per_corpus=100))
    assert {r.doc_id for r in picked if r.corpus == "friends"} == {"s1"}
    assert [t.text for t in picked[[r.doc_id for r in picked].index("s1")].turns] == [
        "first", "second"]
    assert present_doc_ids(remote.table_glob("curated", "documents"), {"r3", "gone"}) == {"r3"}


def test_when_selecting_then_stratified_unlabelled_and_stable(tmp_path):
    lake = _lake(tmp_path)
    picked = _select(lake, Selection(per_corpus=3))
    by_corpus = {c: [r.doc_id for r in picked if r.corpus == c] for c in ("reddit", "friends")}
    assert len(by_corpus["reddit"]) == 3 and by_corpus["friends"] == ["s1"]
    everything = [r.doc_id for r in _select(lake, Selection(per_corpus=100))]
    assert "r0" not in everything and "r1" not in everything  # author / document labelled
    assert set(by_corpus["reddit"]) <= set(everything)
    assert set(by_corpus["reddit"]) <= {r.doc_id for r in _select(lake, Selection(per_corpus=5))}
    assert [r.doc_id for r in _select(lake, Selection(per_corpus=3))] == [r.doc_id for r in picked]


def test_when_sizes_and_kinds_are_set_then_they_apply(tmp_path):
    lake = _lake(tmp_path)
    assert {r.corpus for r in _select(lake, Selection(sizes={"reddit": 0}))} == {"friends"}
    scenes = _select(lake, Selection(kinds=("dialogue",)))
    assert [r.doc_id for r in scenes] == ["s1"]
    assert [t.text for t in scenes[0].turns] == ["first", "second"]
    assert len(_select(lake, Selection(unlabelled_only=False, per_corpus=100))) == 11


def test_when_the_curated_zone_is_empty_then_nothing_is_selected(tmp_path):
    lake = Lake.at(str(tmp_path / "empty"))
    assert _select(lake, Selection()) == []


def _rows(*corpora: str) -> pa.Table:
    return pa.Table.from_pylist([
        {"annotation_id": n, "project": "big5", "task_id": n, "doc_id": f"d{n}", "corpus": c,
         "annotator": "ann_x", "field": "EXT", "value": "1", "lead_time": 1.0,
         "created_at": None, "updated_at": None}
        for n, c in enumerate(corpora)], schema=ANNOTATIONS_SCHEMA)


def test_when_a_corpus_loses_all_rows_then_its_part_is_removed(tmp_path):
    lake = Lake.at(str(tmp_path / "w"))
    written = write_project_table(lake, "annotations", "big5", _rows("a", "b", "b"))
    assert written == {"a": 1, "b": 2}
    write_project_table(lake, "annotations", "mbti", _rows("a"))
    assert write_project_table(lake, "annotations", "big5", _rows("b")) == {"b": 1}
    assert read_project_table(lake, "annotations", "big5", ANNOTATIONS_SCHEMA).num_rows == 1
    assert read_project_table(lake, "annotations", "mbti", ANNOTATIONS_SCHEMA).num_rows == 1
    write_project_table(lake, "annotations", "big5", _rows())
    assert read_project_table(lake, "annotations", "big5", ANNOTATIONS_SCHEMA).num_rows == 0
