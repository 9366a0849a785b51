"""Sentence windows: geometry and cumulative-sum aggregation."""

from __future__ import annotations

import numpy as np
import pytest

from assets.contours.windows import sentence_windows, window_sums


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
