"""Author features: document means weighted by words, mapping supplied by the caller."""

from __future__ import annotations

import pyarrow as pa
import pytest

from assets.contours.authors import author_features
from schemas.feature_catalog import AUTHOR_FEATURES, DOCUMENT_FEATURES


def _docs(rows: list[dict]) -> pa.Table:
    full = [{f.name: r.get(f.name) for f in DOCUMENT_FEATURES} for r in rows]
    return pa.Table.from_pylist(full, schema=DOCUMENT_FEATURES)


def test_when_author_has_two_documents_then_means_weighted_by_words():
    docs = _docs([
        {"doc_id": "a", "n_windows": 1, "n_sentences": 1, "n_words": 100,
         "mtld__mean": 40.0, "nrc_valence__mean": None},
        {"doc_id": "b", "n_windows": 1, "n_sentences": 1, "n_words": 300,
         "mtld__mean": 80.0, "nrc_valence__mean": 0.6},
        {"doc_id": "c", "n_windows": 1, "n_sentences": 1, "n_words": 50, "mtld__mean": 10.0},
    ])
    mapping = pa.table({"doc_id": ["a", "b", "c"], "author_id": ["x", "x", None],
                        "corpus": ["pandora"] * 3})
    rows = author_features(docs, mapping).to_pylist()
    assert len(rows) == 1  # c has no author
    x = rows[0]
    assert (x["author_id"], x["corpus"], x["n_documents"], x["n_words"]) == ("x", "pandora", 2,
                                                                            400)
    # (40 * 100 + 80 * 300) / 400 = 70
    assert x["mtld__mean"] == pytest.approx(70.0)
    assert x["nrc_valence__mean"] == pytest.approx(0.6)  # a has none: b alone
    assert x["smog__mean"] is None


def test_when_no_documents_then_empty_typed_table():
    table = author_features(DOCUMENT_FEATURES.empty_table(),
                            pa.table({"doc_id": pa.array([], pa.string()),
                                      "author_id": pa.array([], pa.string()),
                                      "corpus": pa.array([], pa.string())}))
    assert table.num_rows == 0 and table.schema.equals(AUTHOR_FEATURES, check_metadata=False)


def test_when_author_writes_in_two_corpora_then_one_row_per_corpus_from_its_own_documents():
    docs = _docs([{"doc_id": d, "n_windows": 1, "n_sentences": 1, "n_words": 10,
                   "mtld__mean": m} for d, m in (("p1", 20.0), ("p2", 40.0), ("r1", 90.0))])
    mapping = pa.table({"doc_id": ["p1", "p2", "r1"], "author_id": ["x", "x", "x"],
                        "corpus": ["pandora", "pandora", "reddit_pushshift"]})
    rows = author_features(docs, mapping).to_pylist()
    assert [(r["author_id"], r["corpus"], r["n_documents"], r["mtld__mean"]) for r in rows] == [
        ("x", "pandora", 2, 30.0), ("x", "reddit_pushshift", 1, 90.0)]


def test_when_mapping_has_no_corpus_then_refused():
    with pytest.raises(ValueError, match=r"lacks \['corpus'\]"):
        author_features(DOCUMENT_FEATURES.empty_table(),
                        pa.table({"doc_id": pa.array([], pa.string()),
                                  "author_id": pa.array([], pa.string())}))
