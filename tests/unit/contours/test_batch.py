"""Many Docs at once (`batch_contours`, `iter_contours`) give what each Doc gives alone.

Real short and long texts in one batch: tweets (twitter_mbti), Essays and FriendsPersona scenes
from the shared corpora, plus the edge cases that could leak across a Doc boundary.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import numpy as np
import pytest
import spacy

from assets.contours.compute import (
    ContourConfig,
    DocContours,
    batch_contours,
    contour_table,
    doc_contours,
    document_table,
    iter_contours,
)
from schemas.feature_catalog import FEATURE_NAMES

CORPORA = Path(__file__).resolve().parents[4] / "shared" / "corpora"
EDGE_CASES = [
    "",  # empty Doc first in the batch
    "😂😂🔥",  # emoji only: sentences without words
    "Hello",  # one word
    "",
    "Okay. I said okay, okay? Fine!",  # a Doc between two empties
    "",
    "!!! ... ?!",  # sentences with no words at all
    "   \n\n  ",  # whitespace only: no content sentence
    "First one.\n\n\n\nSecond one.",  # a whitespace sentence inside
]


def _tweets(n: int) -> list[str]:
    with gzip.open(CORPORA / "twitter_mbti" / "tweets_test.psv.gz", "rt", encoding="utf-8") as f:
        next(f)
        return [next(f).rstrip("\n").split("|", 1)[1] for _ in range(n)]


def _column(handle: io.TextIOBase, column: str, n: int) -> list[str]:
    rows = csv.DictReader(handle)
    return [next(rows)[column] for _ in range(n)]


@pytest.fixture(scope="module")
def docs(nlp) -> list[tuple[str, spacy.tokens.Doc]]:
    with gzip.open(CORPORA / "essays" / "essays_masked.csv.gz", "rt", encoding="utf-8") as f:
        essays = _column(f, "TEXT", 3)
    with open(CORPORA / "friends" / "friends-personality.csv", encoding="utf-8") as f:
        scenes = _column(f, "text", 3)
    tweets = _tweets(60)
    # tweets around and between the long texts, so short and long Docs share every batch
    texts = [*EDGE_CASES[:3], *tweets[:20], essays[0], *tweets[20:40], scenes[0], essays[1],
             *EDGE_CASES[3:6], scenes[1], *tweets[40:], essays[2], scenes[2], *EDGE_CASES[6:], ""]
    return [(f"d{i}", doc) for i, doc in enumerate(nlp.pipe(texts))]


def assert_same(batched: list[DocContours], alone: list[DocContours]) -> None:
    assert [c.doc_id for c in batched] == [c.doc_id for c in alone]
    for b, a in zip(batched, alone, strict=True):
        for field in ("windows", "sentence_index", "chars", "words"):
            assert np.array_equal(getattr(b, field), getattr(a, field)), (a.doc_id, field)
        assert (b.n_sentences, b.n_words) == (a.n_sentences, a.n_words), a.doc_id
        assert b.values.shape == a.values.shape, a.doc_id
        np.testing.assert_allclose(b.values, a.values, rtol=1e-9, atol=1e-9, equal_nan=True,
                                   err_msg=a.doc_id)


@pytest.mark.parametrize("config", [ContourConfig(), ContourConfig(window_size=2, stride=2)])
def test_when_docs_batched_then_every_value_equals_the_doc_alone(docs, featurizer, config):
    alone = [doc_contours(doc_id, doc, featurizer, config) for doc_id, doc in docs]
    assert_same(batch_contours(docs, featurizer, config), alone)
    # the mix really holds long texts, window-less Docs and windows without words
    assert max(c.values.shape[0] for c in alone) > 10
    assert sum(c.values.shape[0] == 0 for c in alone) == 5  # four empty, one whitespace
    assert any((c.words == 0).any() for c in alone)


def test_when_stream_cut_into_small_batches_then_tables_equal_the_docs_alone(docs, featurizer):
    config = ContourConfig(batch_docs=7, batch_tokens=400)  # batches end at both limits
    alone = [doc_contours(doc_id, doc, featurizer) for doc_id, doc in docs]
    streamed = list(iter_contours(iter(docs), featurizer, config))
    assert_same(streamed, alone)
    for make in (contour_table, document_table):
        got, want = make(streamed), make(alone)
        assert got.schema.equals(want.schema) and got.num_rows == want.num_rows
        for name in want.column_names:
            a, b = got.column(name).to_numpy(zero_copy_only=False), want.column(name).to_numpy(
                zero_copy_only=False)
            if a.dtype.kind == "f":
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True,
                                           err_msg=name)
            else:
                assert a.tolist() == b.tolist(), name


def test_when_words_repeat_across_docs_then_each_doc_counts_its_own_types(nlp, featurizer):
    # `the` and `cat` occur in the first Doc too; the second still has 2 types in 4 words
    docs = [("a", nlp("the cat saw the dog")), ("b", nlp("the the the cat"))]
    batched = batch_contours(docs, featurizer)
    assert_same(batched, [doc_contours(i, d, featurizer) for i, d in docs])
    assert batched[1].values[0, FEATURE_NAMES.index("type_token_ratio")] == pytest.approx(2 / 4)


def test_when_vocabularies_differ_then_batch_rejected_and_stream_split(nlp, featurizer):
    other = spacy.blank("en")
    docs = [("a", nlp("One sentence here.")), ("b", other("Another one here."))]
    with pytest.raises(ValueError, match="vocabulary"):
        batch_contours(docs, featurizer)
    streamed = list(iter_contours(docs, featurizer))
    assert_same(streamed, [doc_contours(i, d, featurizer) for i, d in docs])
