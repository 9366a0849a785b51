"""Sentence windows: the unit a contour is measured on.

A window is a half-open range `[first, end)` of sentence indices. Features are computed from
per-sentence sums, so a window's value is a difference of cumulative sums and every window
costs the same whatever its size.
"""

from __future__ import annotations

import numpy as np

DEFAULT_SIZE = 3
DEFAULT_STRIDE = 1


def sentence_windows(
    n_sentences: int, size: int = DEFAULT_SIZE, stride: int = DEFAULT_STRIDE
) -> np.ndarray:
    """Window bounds as an int array of shape (n_windows, 2), rows `[first, end)`.

    A text shorter than one window gives one window over all of it (so tweets still get a
    contour point); an empty text gives none. When the stride does not land on the end, a
    last window is aligned to the end so the tail of the text is never dropped.
    """
    if size < 1 or stride < 1:
        raise ValueError(f"window size and stride must be >= 1 (got {size}, {stride})")
    if n_sentences <= 0:
        return np.zeros((0, 2), dtype=np.int64)
    if n_sentences <= size:
        return np.array([[0, n_sentences]], dtype=np.int64)
    firsts = np.arange(0, n_sentences - size + 1, stride, dtype=np.int64)
    if firsts[-1] + size < n_sentences:
        firsts = np.append(firsts, n_sentences - size)
    return np.stack([firsts, firsts + size], axis=1)


def window_sums(per_sentence: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """Sum per-sentence values (rows) over each window, via one cumulative sum.

    Works for a 1-d array (one statistic) or a 2-d array (one column per statistic).
    """
    values = np.asarray(per_sentence, dtype=np.float64)
    zero = np.zeros((1, *values.shape[1:]), dtype=np.float64)
    cumulative = np.concatenate([zero, np.cumsum(values, axis=0)], axis=0)
    return cumulative[windows[:, 1]] - cumulative[windows[:, 0]]
