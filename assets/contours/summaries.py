"""Summaries of contours: per document (over its windows) and per author (over documents).

All functions take a matrix with one row per window (or document) and one column per feature,
and ignore NaN cells (a window without words has no word-based values), without numpy's
"mean of empty slice" warnings.
"""

from __future__ import annotations

import numpy as np

STATS = ("mean", "sd", "min", "max", "slope")


def summarize_windows(values: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, sd, min, max and slope of each feature over one document's windows.

    - sd is the population sd (ddof 0), so a one-window document has sd 0, not NaN.
    - slope is the least-squares slope against the window's relative position in the text
      (first window 0, last window 1), so it reads "change from start to end" and compares
      across texts of different lengths; NaN with fewer than two valued windows.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError("expected a (windows, features) matrix")
    n_windows, n_features = values.shape
    valid = ~np.isnan(values)
    count = valid.sum(axis=0)
    filled = np.where(valid, values, 0.0)
    has = count > 0
    safe = np.maximum(count, 1)
    mean = np.where(has, filled.sum(axis=0) / safe, np.nan)
    deviation = np.where(valid, values - mean, 0.0)
    sd = np.where(has, np.sqrt((deviation**2).sum(axis=0) / safe), np.nan)
    low = np.where(has, np.where(valid, values, np.inf).min(axis=0, initial=np.inf), np.nan)
    high = np.where(has, np.where(valid, values, -np.inf).max(axis=0, initial=-np.inf), np.nan)
    x = np.arange(n_windows, dtype=np.float64) / max(n_windows - 1, 1)
    xs = np.where(valid, x[:, None], 0.0)
    x_mean = xs.sum(axis=0) / safe
    sxx = (np.where(valid, x[:, None] - x_mean, 0.0) ** 2).sum(axis=0)
    sxy = (np.where(valid, x[:, None] - x_mean, 0.0) * deviation).sum(axis=0)
    slope = np.full(n_features, np.nan)
    np.divide(sxy, sxx, out=slope, where=(count >= 2) & (sxx > 0))
    return {"mean": mean, "sd": sd, "min": low, "max": high, "slope": slope}


def weighted_means(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-column mean of `values` rows weighted by `weights`, skipping NaN cells.

    Used for authors: each document's mean weighs by its number of words, so one long essay
    counts more than one short comment."""
    values = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)[:, None]
    valid = ~np.isnan(values) & (w > 0)
    total = np.where(valid, w, 0.0).sum(axis=0)
    out = np.full(values.shape[1], np.nan)
    np.divide(np.where(valid, values * w, 0.0).sum(axis=0), total, out=out, where=total > 0)
    return out
