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
    return batch_windows(np.array([n_sentences]), size, stride)[0]


def batch_windows(
    n_sentences: np.ndarray, size: int = DEFAULT_SIZE, stride: int = DEFAULT_STRIDE
) -> tuple[np.ndarray, np.ndarray]:
    """The windows of many texts at once, with the geometry of `sentence_windows`.

    The texts' sentences are numbered one after another (text k's first sentence follows text
    k-1's last), so a window is a global sentence range that never crosses a text boundary.
    Returns the (n_windows, 2) bounds in that numbering and the (n_texts + 1,) offsets of each
    text's windows; built without a Python loop, since a batch holds thousands of tweets.
    """
    if size < 1 or stride < 1:
        raise ValueError(f"window size and stride must be >= 1 (got {size}, {stride})")
    n = np.maximum(np.asarray(n_sentences, dtype=np.int64), 0)
    long = n > size
    regular = (n - size) // stride + 1  # starts 0, stride, ... up to n - size
    tail = long & ((regular - 1) * stride + size < n)  # a last window aligned to the end
    counts = np.where(long, regular + tail, (n > 0).astype(np.int64))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    owner = np.repeat(np.arange(n.shape[0]), counts)
    k = np.arange(offsets[-1], dtype=np.int64) - offsets[owner]
    length = n[owner]
    first = np.where(long[owner], np.minimum(k * stride, length - size), 0)
    end = np.where(long[owner], first + size, length)
    sentence_offset = np.cumsum(n) - n
    return np.stack([first, end], axis=1) + sentence_offset[owner][:, None], offsets


def window_sums(per_sentence: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """Sum per-sentence values (rows) over each window, via one cumulative sum.

    Works for a 1-d array (one statistic) or a 2-d array (one column per statistic).
    """
    values = np.asarray(per_sentence, dtype=np.float64)
    zero = np.zeros((1, *values.shape[1:]), dtype=np.float64)
    cumulative = np.concatenate([zero, np.cumsum(values, axis=0)], axis=0)
    return cumulative[windows[:, 1]] - cumulative[windows[:, 0]]
