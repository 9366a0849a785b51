"""Exports are exact and reproducible: one row per document when an author writes in two
corpora, byte-identical files on rerun (in another process too), retention of old versions, and
a blocking grain check that refuses to publish an export with a repeated or missing document."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from assets.contours.authors import author_features
from assets.curate.baselines import run_baselines
from assets.curate.export import HISTORY, export_dataset, version_folders
from assets.curate.grain import ExportGrainError
from assets.curate.splits import build_splits
from assets.lake import Lake
from schemas.feature_catalog import DOCUMENT_FEATURES
from schemas.splits import SPLIT_NAMES
from tests.unit.curate.fixtures import write_corpus

REPO = Path(__file__).resolve().parents[3]
SHARED = 30  # authors 0..29 write in both corpora


def document_features(lake: Lake, corpus: str) -> pa.Table:
    """Feature rows for every curated document of a corpus: values differ per document."""
    docs = duckdb.sql(f"SELECT doc_id, author_id, corpus FROM read_parquet("
                      f"'{lake.table_glob('curated', 'documents')}') WHERE corpus = '{corpus}' "
                      "ORDER BY doc_id").to_arrow_table()
    rows = [{"doc_id": d, "n_windows": 1, "n_sentences": 3, "n_words": 10 + i,
             "mtld__mean": 10.0 + i / 7, "nrc_valence__mean": (i % 10) / 10}
            for i, d in enumerate(docs.column("doc_id").to_pylist())]
    table = pa.Table.from_pylist([{f.name: r.get(f.name) for f in DOCUMENT_FEATURES}
                                  for r in rows], schema=DOCUMENT_FEATURES)
    lake.write_part("curated", "document_features", corpus, "p0", table)
    lake.write_part("curated", "author_features", corpus, "authors",
                    author_features(table, docs))
    return table


@pytest.fixture
def two_corpora(lake: Lake) -> Lake:
    """pandora authors 0..59 and reddit_pushshift authors 0..29 under the same pseudonyms (one
    Reddit user in both corpora), two documents per author in pandora; features everywhere."""
    write_corpus(lake, "pandora", range(60))
    write_corpus(lake, "pandora", range(60), part="p1",
                 texts={i: f"second pandora post {i} about plans and art" for i in range(60)})
    _rename_docs(lake, "pandora", "p1", "-b")
    write_corpus(lake, "reddit_pushshift", range(SHARED))
    _same_pseudonyms(lake, "reddit_pushshift", "pandora")
    for corpus in ("pandora", "reddit_pushshift"):
        document_features(lake, corpus)
    build_splits(lake)
    return lake


def _rewrite(lake: Lake, table: str, corpus: str, part: str, sql: str) -> None:
    path = lake.path("lake", "curated", table, f"corpus={corpus}", f"{part}.parquet")
    rows = duckdb.sql(sql.format(t=f"read_parquet('{path}')")).to_arrow_table()
    lake.write_part("curated", table, corpus, part, rows)


def _rename_docs(lake: Lake, corpus: str, part: str, suffix: str) -> None:
    _rewrite(lake, "documents", corpus, part,
             f"SELECT * REPLACE (doc_id || '{suffix}' AS doc_id) FROM {{t}}")


def _same_pseudonyms(lake: Lake, corpus: str, other: str) -> None:
    """Give `corpus`'s authors the pseudonyms of `other`'s authors with the same number."""
    for table, column in (("documents", "author_id"), ("labels", "subject_id")):
        _rewrite(lake, table, corpus, "p0",
                 f"SELECT * REPLACE (replace({column}, '-{corpus}-', '-{other}-') AS {column}) "
                 "FROM {t}")


def tree(folder: str) -> dict[str, str]:
    root = Path(folder)
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def exported(path: str) -> duckdb.DuckDBPyRelation:
    files = [str(Path(path, "data", f"{s}.parquet")) for s in SPLIT_NAMES]
    return duckdb.read_parquet(files, union_by_name=True)


# --- one row per document -------------------------------------------------------------------


def test_when_author_writes_in_two_corpora_then_pooled_export_has_one_row_per_document(
        two_corpora: Lake):
    result = export_dataset(two_corpora, "pooled")
    rows, distinct = exported(result.path).aggregate(
        "count(*), count(DISTINCT doc_id)").fetchall()[0]
    assert (rows, distinct) == (150, 150)  # 120 pandora + 30 reddit documents
    assert sum(result.rows.values()) == 150


def test_when_author_writes_in_two_corpora_then_each_row_has_its_own_corpus_features(
        two_corpora: Lake):
    result = export_dataset(two_corpora, "pooled")
    rel = exported(result.path)
    got = dict(rel.filter("author_id = 'pseud-pandora-00003'").aggregate(
        "corpus, any_value(author_feat_n_documents)", "corpus").fetchall())
    assert got == {"pandora": 2.0, "reddit_pushshift": 1.0}


def test_when_one_corpus_exported_then_other_corpus_rows_of_its_authors_stay_out(
        two_corpora: Lake):
    result = export_dataset(two_corpora, "reddit_pushshift")
    assert exported(result.path).aggregate("count(*), count(DISTINCT doc_id)").fetchall()[0] == (
        30, 30)


# --- reproducible to the byte ---------------------------------------------------------------


EXPORT_IN_SUBPROCESS = """
import json, sys
from assets.curate.export import export_dataset
from assets.lake import Lake
scores = json.loads(sys.argv[3])
r = export_dataset(Lake.at(sys.argv[1]), "pooled", baselines=scores, exports_root=sys.argv[2])
print(r.path)
"""


def test_when_exported_twice_then_every_file_is_byte_identical_even_in_another_process(
        two_corpora: Lake, tmp_path: Path):
    scores = run_baselines(two_corpora, "pooled")
    assert scores == run_baselines(two_corpora, "pooled")
    first = export_dataset(two_corpora, "pooled", baselines=scores)
    assert {"README.md", "manifest.json", "figures/label_balance.png",
            "figures/text_lengths.png"} <= set(tree(first.path))
    again = export_dataset(two_corpora, "pooled", baselines=scores)
    assert again.reused and again.version == first.version
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # a different set/dict iteration order
    done = subprocess.run(
        [sys.executable, "-c", EXPORT_IN_SUBPROCESS, two_corpora.root, str(tmp_path / "other"),
         json.dumps(scores)], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    other = done.stdout.strip().splitlines()[-1]
    assert Path(other).name == first.version
    assert tree(other) == tree(first.path)


def test_when_author_features_rebuilt_then_values_are_bit_identical(two_corpora: Lake):
    glob = two_corpora.table_glob("curated", "author_features")
    before = duckdb.sql(f"SELECT * FROM read_parquet('{glob}') ORDER BY ALL").fetchall()
    for corpus in ("pandora", "reddit_pushshift"):
        document_features(two_corpora, corpus)
    after = duckdb.sql(f"SELECT * FROM read_parquet('{glob}') ORDER BY ALL").fetchall()
    assert len(after) == 90 and after == before


# --- retention --------------------------------------------------------------------------------


def test_when_retention_is_two_then_only_the_two_latest_versions_stay(lake: Lake):
    write_corpus(lake, "essays", range(40))
    build_splits(lake)
    versions, pruned = [], []
    for k in range(4):
        write_corpus(lake, "essays", range(40 + 5 * k, 45 + 5 * k), part=f"q{k}")
        build_splits(lake)
        result = export_dataset(lake, "essays", retain_versions=2)
        versions.append(result.version)
        pruned += result.pruned
    root = lake.path("exports")
    assert version_folders(lake, root, "essays") == sorted(versions[2:])
    assert pruned == versions[:2]
    history = Path(root, "essays", HISTORY).read_text().split()
    assert history == versions[2:]
    # Re-exporting an older state makes it current again; the current one is never pruned.
    again = export_dataset(lake, "essays", retain_versions=1)
    assert again.reused and again.version == versions[3]
    assert version_folders(lake, root, "essays") == [versions[3]]


def test_when_retention_is_zero_then_every_version_stays(lake: Lake):
    write_corpus(lake, "essays", range(40))
    build_splits(lake)
    for k in range(3):
        write_corpus(lake, "essays", range(40 + k, 41 + k), part=f"q{k}")
        build_splits(lake)
        assert export_dataset(lake, "essays").pruned == []
    assert len(version_folders(lake, lake.path("exports"), "essays")) == 3


# --- the blocking grain check -----------------------------------------------------------------


def _nothing_published(lake: Lake, dataset: str) -> bool:
    folder = Path(lake.path("exports", dataset))
    return not folder.exists() or not any(folder.iterdir())


def test_when_doc_id_repeated_then_export_is_refused_naming_file_and_key(lake: Lake):
    write_corpus(lake, "essays", range(20))
    write_corpus(lake, "essays", [7], part="p1")  # the same document in a second part
    build_splits(lake)
    with pytest.raises(ExportGrainError) as error:
        export_dataset(lake, "essays")
    message = str(error.value)
    assert "export 'essays' not published" in message
    # two document rows, each matched to the splits' two rows for that doc_id: 4 export rows
    assert "doc_id repeated: 1 (essays-d00007 x4)" in message
    assert "data/" in message.split("doc_id repeated")[0]
    assert _nothing_published(lake, "essays")


def test_when_author_features_repeat_an_author_then_export_is_refused(two_corpora: Lake):
    glob = two_corpora.table_glob("curated", "author_features")
    copy = duckdb.sql(f"SELECT * FROM read_parquet('{glob}') WHERE corpus = 'reddit_pushshift'"
                      " AND author_id = 'pseud-pandora-00004'").to_arrow_table()
    two_corpora.write_part("curated", "author_features", "reddit_pushshift", "extra", copy)
    with pytest.raises(ExportGrainError, match=r"reddit_pushshift-d00004 x2"):
        export_dataset(two_corpora, "pooled")
    assert _nothing_published(two_corpora, "pooled")


def test_when_document_has_no_split_then_export_is_refused_naming_it(lake: Lake):
    write_corpus(lake, "essays", range(20))
    build_splits(lake)
    write_corpus(lake, "essays", [99], part="late")  # curated after the splits were drawn
    with pytest.raises(ExportGrainError,
                       match=r"curated document missing from the export: 1 \(essays-d00099\)"):
        export_dataset(lake, "essays")


def test_when_feature_table_lacks_its_key_column_then_export_is_refused(lake: Lake):
    write_corpus(lake, "essays", range(20))
    build_splits(lake)
    old = pa.table({"author_id": ["pseud-essays-00001"], "n_documents": [1]})
    lake.write_part("curated", "author_features", "essays", "authors", old)
    with pytest.raises(ExportGrainError, match=r"author_features has no \['corpus'\] column"):
        export_dataset(lake, "essays")
