"""Readability formulas on the window's own counts, worked by hand."""

from __future__ import annotations

import math

import pytest

from assets.contours.features import readability

TEXT = "Elephants are beautiful animals. They remember everything."
# words W = 7, sentences S = 2, syllables = 2+1+3+3+1+3+3 = 16, letters = 50,
# words of 3+ syllables = beautiful, animals, remember, everything = 4


def test_when_two_sentences_then_formulas_match_hand_arithmetic(nlp):
    values = readability.features(nlp(TEXT))
    wps, spw = 7 / 2, 16 / 7  # 3.5 words/sentence, 2.2857 syllables/word
    # 206.835 - 1.015 * 3.5 - 84.6 * 2.2857 = 9.9111
    assert values["flesch_reading_ease"] == pytest.approx(206.835 - 1.015 * wps - 84.6 * spw)
    assert values["flesch_reading_ease"] == pytest.approx(9.911071, abs=1e-5)
    # 0.39 * 3.5 + 11.8 * 2.2857 - 15.59 = 12.7464
    assert values["flesch_kincaid_grade"] == pytest.approx(12.746429, abs=1e-5)
    # 0.4 * (3.5 + 100 * 4 / 7) = 24.2571
    assert values["gunning_fog"] == pytest.approx(24.257143, abs=1e-5)
    # 1.043 * sqrt(4 * 30 / 2) + 3.1291 = 1.043 * 7.745967 + 3.1291 = 11.2081
    assert values["smog"] == pytest.approx(11.208143, abs=1e-5)
    # 0.0588 * (100 * 50 / 7) - 0.296 * (100 * 2 / 7) - 15.8 = 42 - 8.457143 - 15.8
    assert values["coleman_liau"] == pytest.approx(17.742857, abs=1e-5)
    # 4.71 * 50 / 7 + 0.5 * 3.5 - 21.43 = 33.642857 + 1.75 - 21.43
    assert values["automated_readability_index"] == pytest.approx(13.962857, abs=1e-5)


def test_when_monosyllabic_then_easy_scores(nlp):
    # "The cat sat on the mat. It was a good day." W 11, S 2, syllables 11, letters 30
    values = readability.features(nlp("The cat sat on the mat. It was a good day."))
    assert values["flesch_reading_ease"] == pytest.approx(206.835 - 1.015 * 5.5 - 84.6)
    assert values["gunning_fog"] == pytest.approx(0.4 * 5.5)
    assert values["smog"] == pytest.approx(3.1291)  # no polysyllables
    assert values["automated_readability_index"] == pytest.approx(4.71 * 30 / 11 + 2.75 - 21.43)


@pytest.mark.parametrize("text", ["", "😂😂🔥", "?!"])
def test_when_no_words_then_missing(nlp, text):
    assert all(math.isnan(v) for v in readability.features(nlp(text)).values())


def test_when_one_word_then_one_sentence_of_one_word(nlp):
    values = readability.features(nlp("Hello"))  # W 1, S 1, syllables 2 (hel-lo)
    assert values["flesch_kincaid_grade"] == pytest.approx(0.39 + 11.8 * 2 - 15.59)
