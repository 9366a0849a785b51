"""Readability formulas, computed on the window's own words and sentences.

The formulas are the published ones (as implemented in `textstat`), but their counts come from
the spaCy parse already in hand: words are alphabetic or numeric tokens, sentences are the
parser's sentences holding a word, syllables come from pyphen, characters are the letters and
digits of words. Running `textstat` itself would re-tokenise every window and, for syllables,
download CMUdict at run time.
"""

from __future__ import annotations

import numpy as np

from assets.contours.features._common import evaluate, ratio, sums, word_sentences
from assets.contours.tokens import N_CHARS, POLYSYLLABLE, SYLLABLES, DocArrays, Featurizer, Window
from schemas.feature_catalog import READABILITY, family_features

FAMILY = READABILITY
FEATURES = family_features(FAMILY)


def compute(arr: DocArrays, windows: np.ndarray) -> dict[str, np.ndarray]:
    """All readability scores for every window; NaN for a window without words."""
    f = arr.form
    totals = sums(arr, windows, np.stack([arr.words, f[:, SYLLABLES], f[:, N_CHARS],
                                          f[:, POLYSYLLABLE]], axis=1))
    words, syllables, chars, poly = totals.T
    sentences = word_sentences(arr, windows)
    words_per_sentence = ratio(words, sentences)
    syllables_per_word = ratio(syllables, words)
    chars_per_word = ratio(chars, words)
    with np.errstate(invalid="ignore", divide="ignore"):
        smog = 1.0430 * np.sqrt(ratio(poly * 30.0, sentences)) + 3.1291
    return {
        "flesch_reading_ease": 206.835 - 1.015 * words_per_sentence - 84.6 * syllables_per_word,
        "flesch_kincaid_grade": 0.39 * words_per_sentence + 11.8 * syllables_per_word - 15.59,
        "gunning_fog": 0.4 * (words_per_sentence + 100.0 * ratio(poly, words)),
        "smog": smog,
        "coleman_liau": 0.0588 * 100.0 * chars_per_word - 0.296 * 100.0 * ratio(sentences, words)
        - 15.8,
        "automated_readability_index": 4.71 * chars_per_word + 0.5 * words_per_sentence - 21.43,
    }


def features(window: Window, featurizer: Featurizer | None = None) -> dict[str, float]:
    """Readability scores of one window."""
    return evaluate(compute, window, featurizer)
