"""Helpers shared by the feature families: safe ratios and single-window evaluation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assets.contours.tokens import DocArrays, Featurizer, Window, window_doc
from assets.contours.windows import window_sums

Compute = Callable[[DocArrays, np.ndarray], dict[str, np.ndarray]]


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Element-wise `numerator / denominator`, NaN where the denominator is 0.

    A window with no words (an emoji-only tweet) has no word-based features rather than a
    misleading 0."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def sums(arr: DocArrays, windows: np.ndarray, per_token: np.ndarray) -> np.ndarray:
    """Window sums of a per-token quantity (1-d or 2-d)."""
    return window_sums(arr.sentence_sums(per_token), windows)


def word_sentences(arr: DocArrays, windows: np.ndarray) -> np.ndarray:
    """Sentences holding at least one word, per window: the denominator of per-sentence rates."""
    return window_sums(arr.sentence_sums(arr.words) > 0, windows)


_DEFAULT_FEATURIZER: Featurizer | None = None


def evaluate(
    compute: Compute, window: Window, featurizer: Featurizer | None = None
) -> dict[str, float]:
    """One family's features for one window (a Doc, a Doc slice or a list of sentence Spans).

    The pipeline computes all windows of a batch of Docs at once; this is the readable entry
    point for tests and notebooks, and goes through the very same code."""
    global _DEFAULT_FEATURIZER
    if featurizer is None:
        _DEFAULT_FEATURIZER = _DEFAULT_FEATURIZER or Featurizer()
        featurizer = _DEFAULT_FEATURIZER
    arr = featurizer.arrays(window_doc(window))
    windows = np.array([[0, arr.n_sentences]], dtype=np.int64)
    return {name: float(values[0]) for name, values in compute(arr, windows).items()}
