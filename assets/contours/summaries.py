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
    stats = summarize_documents(values, np.array([0, values.shape[0]]))
    return {stat: column[0] for stat, column in stats.items()}


def summarize_documents(values: np.ndarray, offsets: np.ndarray) -> dict[str, np.ndarray]:
    """`summarize_windows` of many documents at once: rows `offsets[i]:offsets[i + 1]` are
    document i's windows; each stat is an (n_documents, n_features) matrix.

    Segmented sums (`reduceat`) replace a loop over documents, where NumPy's cost per call,
    not the arithmetic, is what a batch of one-window tweets would pay."""
    values = np.asarray(values, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    n_docs, n_features = lengths.shape[0], values.shape[1]
    owner = np.repeat(np.arange(n_docs), lengths)
    filled_docs = lengths > 0
    starts = offsets[:-1][filled_docs]

    def per_doc(ufunc: np.ufunc, rows: np.ndarray, empty: float) -> np.ndarray:
        out = np.full((n_docs, n_features), empty, dtype=rows.dtype)
        if starts.size:
            out[filled_docs] = ufunc.reduceat(rows, starts, axis=0)
        return out

    valid = ~np.isnan(values)
    count = per_doc(np.add, valid.astype(np.int64), 0)
    has = count > 0
    safe = np.maximum(count, 1)
    mean = np.where(has, per_doc(np.add, np.where(valid, values, 0.0), 0.0) / safe, np.nan)
    deviation = np.where(valid, values - mean[owner], 0.0)
    sd = np.where(has, np.sqrt(per_doc(np.add, deviation**2, 0.0) / safe), np.nan)
    low = np.where(has, per_doc(np.minimum, np.where(valid, values, np.inf), np.inf), np.nan)
    high = np.where(has, per_doc(np.maximum, np.where(valid, values, -np.inf), -np.inf), np.nan)
    position = np.arange(values.shape[0]) - offsets[:-1][owner]
    x = (position / np.maximum(lengths - 1, 1)[owner])[:, None]
    x_mean = per_doc(np.add, np.where(valid, x, 0.0), 0.0) / safe
    dx = np.where(valid, x - x_mean[owner], 0.0)
    sxx = per_doc(np.add, dx**2, 0.0)
    sxy = per_doc(np.add, dx * deviation, 0.0)
    slope = np.full((n_docs, n_features), np.nan)
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
