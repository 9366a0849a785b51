"""One Doc to contour rows: edge cases, the 100k-word text, and the table shapes."""

from __future__ import annotations

import time

import numpy as np
import pytest
from spacy.tokens import Doc, DocBin

from assets.contours.compute import ContourConfig, contour_table, doc_contours, document_table
from schemas.feature_catalog import CONTOURS, DOCUMENT_FEATURES, FEATURE_NAMES


def test_when_empty_text_then_no_window_no_row(nlp, featurizer):
    contours = doc_contours("d0", nlp(""), featurizer)
    assert contours.values.shape == (0, len(FEATURE_NAMES))
    assert contour_table([contours]).num_rows == 0
    assert document_table([contours]).num_rows == 0


@pytest.mark.parametrize("text", ["Hello", "😂😂🔥 #mood", "ok. ok. ok. ok."])
def test_when_short_text_then_at_least_one_window(nlp, featurizer, text):
    contours = doc_contours("d1", nlp(text), featurizer)
    assert contours.values.shape[0] >= 1
    table = contour_table([contours])
    assert table.schema.equals(CONTOURS, check_metadata=False)


def test_when_five_sentences_then_three_windows_with_sentence_and_char_bounds(nlp, featurizer):
    text = "One. Two is here. Three now. Four again. Five."
    doc = nlp(text)
    contours = doc_contours("d2", doc, featurizer, ContourConfig(window_size=3, stride=1))
    assert contours.sentence_index.tolist() == [[0, 2], [1, 3], [2, 4]]
    table = contour_table([contours]).to_pylist()
    assert [r["window_idx"] for r in table] == [0, 1, 2]
    assert text[table[0]["start_char"]:table[0]["end_char"]] == "One. Two is here. Three now."
    # words per sentence: One 1, Two is here 3, Three now 2, Four again 2, Five 1
    assert [r["n_words"] for r in table] == [6, 7, 5]
    summary = document_table([contours]).to_pylist()[0]
    assert summary["n_windows"] == 3 and summary["n_words"] == 9
    mls = [r["mean_sentence_length"] for r in table]
    assert mls == pytest.approx([6 / 3, 7 / 3, 5 / 3])
    assert summary["mean_sentence_length__mean"] == pytest.approx(2.0)
    assert summary["mean_sentence_length__max"] == pytest.approx(7 / 3)
    assert summary["mean_sentence_length__slope"] == pytest.approx(5 / 3 - 6 / 3)


def test_when_whitespace_sentences_then_skipped_in_windows(nlp, featurizer):
    contours = doc_contours("d3", nlp("First one.\n\n\n\nSecond one."), featurizer)
    assert contours.n_sentences == 2


def test_when_100k_word_text_then_fast_and_complete(nlp, featurizer):
    # Parsing 100k words takes minutes on this machine, so the parsed Doc is built from one
    # parsed paragraph repeated (Doc.from_docs keeps the parse) and round-trips a DocBin.
    paragraph = nlp(
        "I walked to the old station this morning, and the trains were late again. "
        "Nobody knew why! Did the drivers strike, or was it the weather? "
        "My sister thinks that we should move closer to the city. " * 10
    )
    words = sum(1 for t in paragraph if t.is_alpha)
    doc = Doc.from_docs([paragraph] * (100_000 // words + 1))
    doc = next(DocBin(docs=[doc]).get_docs(nlp.vocab))
    start = time.perf_counter()
    contours = doc_contours("big", doc, featurizer)
    elapsed = time.perf_counter() - start
    assert contours.n_words >= 100_000
    assert contours.values.shape[0] == contours.n_sentences - 2
    assert not np.isnan(contours.values[:, FEATURE_NAMES.index("mean_sentence_length")]).any()
    assert elapsed < 20, f"100k words took {elapsed:.1f}s"
    summary = document_table([contours])
    assert summary.schema.equals(DOCUMENT_FEATURES, check_metadata=False)
