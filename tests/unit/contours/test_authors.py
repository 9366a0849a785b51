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
    mapping = pa.table({"doc_id": ["a", "b", "c"], "author_id": ["x", "x", None]})
    rows = author_features(docs, mapping).to_pylist()
    assert len(rows) == 1  # c has no author
    x = rows[0]
    assert (x["author_id"], x["n_documents"], x["n_words"]) == ("x", 2, 400)
    # (40 * 100 + 80 * 300) / 400 = 70
    assert x["mtld__mean"] == pytest.approx(70.0)
    assert x["nrc_valence__mean"] == pytest.approx(0.6)  # a has none: b alone
    assert x["smog__mean"] is None


def test_when_no_documents_then_empty_typed_table():
    table = author_features(DOCUMENT_FEATURES.empty_table(),
                            pa.table({"doc_id": pa.array([], pa.string()),
                                      "author_id": pa.array([], pa.string())}))
    assert table.num_rows == 0 and table.schema.equals(AUTHOR_FEATURES, check_metadata=False)
