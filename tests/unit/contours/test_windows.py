"""Sentence windows: geometry and cumulative-sum aggregation."""

from __future__ import annotations

import numpy as np
import pytest

from assets.contours.windows import batch_windows, sentence_windows, window_sums


@pytest.mark.parametrize(
    ("n", "size", "stride", "expected"),
    [
        (0, 3, 1, []),  # empty text: no window, no error
        (1, 3, 1, [[0, 1]]),  # shorter than a window: one window over all of it
        (3, 3, 1, [[0, 3]]),
        (5, 3, 1, [[0, 3], [1, 4], [2, 5]]),
        (6, 3, 2, [[0, 3], [2, 5], [3, 6]]),  # stride misses the end: a last window is aligned
        (7, 3, 2, [[0, 3], [2, 5], [4, 7]]),
        (4, 1, 1, [[0, 1], [1, 2], [2, 3], [3, 4]]),
    ],
)
def test_when_sentences_windowed_then_bounds_match(n, size, stride, expected):
    assert sentence_windows(n, size, stride).tolist() == expected


def test_when_size_or_stride_not_positive_then_error():
    with pytest.raises(ValueError):
        sentence_windows(5, 0, 1)
    with pytest.raises(ValueError):
        sentence_windows(5, 3, 0)


def test_when_summing_windows_then_cumulative_differences_equal_direct_sums():
    per_sentence = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    windows = sentence_windows(4, 3, 1)  # [0,3), [1,4)
    # [1+2+3, 10+20+30] and [2+3+4, 20+30+40]
    assert window_sums(per_sentence, windows).tolist() == [[6.0, 60.0], [9.0, 90.0]]
    assert window_sums(np.array([5.0]), np.array([[0, 1]])).tolist() == [5.0]


@pytest.mark.parametrize(("size", "stride"), [(3, 1), (3, 2), (1, 1), (2, 3)])
def test_when_texts_windowed_together_then_each_gets_its_own_windows_shifted(size, stride):
    counts = [0, 1, 5, 0, 3, 6, 7, 0]
    windows, offsets = batch_windows(np.array(counts), size, stride)
    first_sentence = np.cumsum(counts) - counts
    for i, n in enumerate(counts):
        own = windows[offsets[i]:offsets[i + 1]] - first_sentence[i]
        assert own.tolist() == sentence_windows(n, size, stride).tolist()
    assert (windows[:, 1] > windows[:, 0]).all()


def test_when_no_texts_then_no_windows():
    windows, offsets = batch_windows(np.zeros(0, dtype=np.int64))
    assert windows.shape == (0, 2) and offsets.tolist() == [0]
