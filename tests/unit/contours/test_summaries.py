"""Per-document and per-author summaries, worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assets.contours.summaries import summarize_documents, summarize_windows, weighted_means


def test_when_three_windows_then_mean_sd_min_max_slope():
    stats = summarize_windows(np.array([[1.0], [2.0], [3.0]]))
    assert stats["mean"][0] == 2.0
    # population sd: sqrt(((1-2)^2 + 0 + (3-2)^2) / 3) = sqrt(2/3)
    assert stats["sd"][0] == pytest.approx(math.sqrt(2 / 3))
    assert (stats["min"][0], stats["max"][0]) == (1.0, 3.0)
    # positions 0, .5, 1: values rise by 2 from the first window to the last
    assert stats["slope"][0] == pytest.approx(2.0)


def test_when_windows_have_gaps_then_nan_cells_ignored():
    values = np.array([[1.0, np.nan], [np.nan, np.nan], [3.0, 5.0]])
    stats = summarize_windows(values)
    assert stats["mean"].tolist()[0] == 2.0
    # column 0: points (0, 1) and (1, 3) -> slope 2; column 1: one point, no slope
    assert stats["slope"][0] == pytest.approx(2.0)
    assert math.isnan(stats["slope"][1])
    assert stats["mean"][1] == 5.0 and stats["sd"][1] == 0.0


def test_when_one_window_then_sd_zero_and_slope_missing():
    stats = summarize_windows(np.array([[4.0]]))
    assert stats["sd"][0] == 0.0 and math.isnan(stats["slope"][0])


def test_when_column_all_missing_then_all_stats_missing_without_warnings():
    with np.errstate(all="raise"):
        stats = summarize_windows(np.array([[np.nan], [np.nan]]))
    assert all(math.isnan(stats[s][0]) for s in ("mean", "sd", "min", "max", "slope"))


def test_when_authors_weighted_then_long_documents_count_more():
    # doc A: mean 1.0 over 100 words; doc B: 4.0 over 300 words -> (100 + 1200) / 400 = 3.25
    means = weighted_means(np.array([[1.0, np.nan], [4.0, 2.0]]), np.array([100, 300]))
    assert means[0] == pytest.approx(3.25)
    assert means[1] == pytest.approx(2.0)  # A has no value: B's alone


def test_when_documents_summarized_together_then_each_equals_its_own_summary():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(12, 3))
    values[rng.random(values.shape) < 0.3] = np.nan
    values[5:7, 1] = np.nan  # a document whose column 1 is all missing
    offsets = np.array([0, 1, 5, 5, 7, 12])  # one window, four, none, two, five
    with np.errstate(all="raise"):
        together = summarize_documents(values, offsets)
    for i in range(len(offsets) - 1):
        if offsets[i] == offsets[i + 1]:
            assert all(np.isnan(together[s][i]).all() for s in together)
            continue
        alone = summarize_windows(values[offsets[i]:offsets[i + 1]])
        for stat, column in alone.items():
            np.testing.assert_allclose(together[stat][i], column, rtol=1e-12, equal_nan=True)
