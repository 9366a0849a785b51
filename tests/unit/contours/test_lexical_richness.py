"""Lexical richness, worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assets.contours.features import lexical_richness as lr

TEXT = "The cat saw the dog. The dog saw the cat!"


def test_when_ten_words_with_four_types_then_ttr_density_and_mtld_match(nlp):
    values = lr.features(nlp(TEXT))
    # words: the cat saw the dog the dog saw the cat (10); types: the, cat, saw, dog (4)
    assert values["type_token_ratio"] == pytest.approx(0.4)
    assert values["moving_average_ttr"] == pytest.approx(0.4)  # shorter than 25: plain TTR
    # content words: cat saw dog dog saw cat = 6 of 10
    assert values["lexical_density"] == pytest.approx(0.6)
    # MTLD forward: TTR after each word 1,1,1,.75,.8,.667 -> factor at word 6 (<= .72), then
    #   dog saw the cat: TTR 1 -> remainder (1 - 1) / .28 = 0; factors 1 -> 10 / 1 = 10
    # backward (cat the saw dog the dog ...): 1,1,1,1,.8,.667 -> factor at word 6, then
    #   the saw cat the: TTR .75 -> (1 - .75) / .28 = .892857; factors 1.892857 -> 5.283019
    assert values["mtld"] == pytest.approx((10 + 10 / (1 + 0.25 / 0.28)) / 2)


def test_when_occurrences_indexed_then_previous_and_next_are_positions():
    types = np.array([7, 8, 7, 7, 9])
    assert lr.previous_occurrence(types).tolist() == [-1, -1, 0, 2, -1]
    assert lr.next_occurrence(types).tolist() == [2, 5, 3, 5, 5]


def test_when_mattr_segment_slides_then_mean_of_segment_ttrs():
    # a a b b with 2-word segments: "a a" .5, "a b" 1, "b b" .5 -> 2/3
    previous = lr.previous_occurrence(np.array([1, 1, 2, 2]))
    assert lr.mattr(previous, 0, 4, segment=2) == pytest.approx(2 / 3)
    # a b a c: "a b" 1, "b a" 1, "a c" 1
    previous = lr.previous_occurrence(np.array([1, 2, 1, 3]))
    assert lr.mattr(previous, 0, 4, segment=2) == pytest.approx(1.0)


def test_when_all_words_distinct_then_mtld_undefined_not_infinite(nlp):
    values = lr.features(nlp("Quick brown foxes jump."))
    assert values["type_token_ratio"] == 1.0
    assert math.isnan(values["mtld"])


@pytest.mark.parametrize("text", ["", "😂😂🔥", "!!!"])
def test_when_no_words_then_all_missing(nlp, text):
    values = lr.features(nlp(text))
    assert all(math.isnan(v) for v in values.values())


def test_when_one_word_then_ttr_one(nlp):
    values = lr.features(nlp("Hello"))
    assert values["type_token_ratio"] == 1.0 and values["moving_average_ttr"] == 1.0
    assert values["lexical_density"] == 0.0 or values["lexical_density"] == 1.0
