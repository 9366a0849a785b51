"""Lexical sophistication: how frequent, long and rare the window's words are.

Frequencies come from `wordfreq` (Speer 2022; Zipf scale = log10 of occurrences per billion
words, so 3 means once per million) and, when the file is present, SUBTLEX-US log frequencies
(Brysbaert & New 2009). Syllables come from pyphen's hyphenation dictionary.
"""

from __future__ import annotations

import numpy as np

from assets.contours.features._common import evaluate, ratio, sums
from assets.contours.tokens import (
    N_CHARS,
    RARE,
    SYLLABLES,
    ZIPF,
    ZIPF_KNOWN,
    DocArrays,
    Featurizer,
    Window,
)
from schemas.feature_catalog import LEXICAL_SOPHISTICATION, family_features

FAMILY = LEXICAL_SOPHISTICATION
FEATURES = family_features(FAMILY)


def compute(arr: DocArrays, windows: np.ndarray) -> dict[str, np.ndarray]:
    """Sophistication features for every window; SUBTLEX is skipped when its file is absent."""
    f = arr.form
    words = arr.words
    known = f[:, ZIPF_KNOWN] > 0
    columns = [words, known, np.where(known, f[:, ZIPF], 0.0), f[:, RARE], f[:, N_CHARS],
               f[:, SYLLABLES]]
    subtlex = arr.lexicon("subtlex.log10_frequency")
    if subtlex is not None:
        found = words & ~np.isnan(subtlex)
        columns += [found, np.where(found, subtlex, 0.0)]
    totals = sums(arr, windows, np.stack(columns, axis=1))
    out = {
        "zipf_frequency": ratio(totals[:, 2], totals[:, 1]),
        "rare_word_share": ratio(totals[:, 3], totals[:, 0]),
        "word_length": ratio(totals[:, 4], totals[:, 0]),
        "syllables_per_word": ratio(totals[:, 5], totals[:, 0]),
    }
    if subtlex is not None:
        out["subtlex_log_frequency"] = ratio(totals[:, 7], totals[:, 6])
    return out


def features(window: Window, featurizer: Featurizer | None = None) -> dict[str, float]:
    """Lexical sophistication features of one window."""
    return evaluate(compute, window, featurizer)
