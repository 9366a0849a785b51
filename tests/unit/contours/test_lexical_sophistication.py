"""Lexical sophistication, worked by hand (Zipf values are wordfreq's, quoted below)."""

from __future__ import annotations

import math

import pytest
from wordfreq import zipf_frequency

from assets.contours.features import lexical_sophistication as ls
from assets.contours.tokens import Featurizer, syllables

TEXT = "Elephants are beautiful animals. They remember everything."


def test_when_words_measured_then_length_and_syllables_are_hand_counts(nlp):
    values = ls.features(nlp(TEXT), Featurizer())
    # letters: elephants 9, are 3, beautiful 9, animals 7, they 4, remember 8, everything 10
    assert values["word_length"] == pytest.approx(50 / 7)
    # pyphen syllables: el-e-phants 2 (pyphen finds one point), are 1, beau-ti-ful 3,
    # an-i-mals 3, they 1, re-mem-ber 3, ev-ery-thing 3 = 16
    assert values["syllables_per_word"] == pytest.approx(16 / 7)
    assert "subtlex_log_frequency" not in values  # no SUBTLEX loaded: skipped, not NaN


def test_when_frequencies_averaged_then_zipf_mean_and_rare_share(nlp, featurizer):
    words = ["the", "zugzwang", "ended"]
    zipfs = [zipf_frequency(w, "en") for w in words]  # about 7.73, 1.57, 4.6
    values = ls.features(nlp("The zugzwang ended."), featurizer)
    assert values["zipf_frequency"] == pytest.approx(sum(zipfs) / 3)
    assert values["rare_word_share"] == pytest.approx(1 / 3)  # zugzwang only, Zipf < 3
    # SUBTLEX Lg10WF: the 6.1766, zugzwang 0.3010, ended (listed) -> mean of the three
    subtlex = featurizer.lexicons.norms["subtlex"].entries
    expected = (6.1766 + 0.3010 + subtlex["ended"][0]) / 3
    assert values["subtlex_log_frequency"] == pytest.approx(expected)


def test_when_syllables_counted_then_pyphen_plus_one():
    assert syllables("readability") == 4  # read-abil-ity: pyphen under-counts, as documented
    assert syllables("beautiful") == 3
    assert syllables("") == 0


@pytest.mark.parametrize("text", ["", "😂😂🔥"])
def test_when_no_words_then_missing(nlp, text):
    assert all(math.isnan(v) for v in ls.features(nlp(text)).values())


def test_when_one_word_then_its_own_values(nlp):
    values = ls.features(nlp("Hello"))
    assert values["word_length"] == 5.0
    assert values["zipf_frequency"] == pytest.approx(zipf_frequency("hello", "en"))
