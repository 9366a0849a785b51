"""Lexical richness: how varied the vocabulary of a window is.

Types are lower-cased word forms (punctuation, emoji and contraction fragments are not words).
All measures share one array, `previous[i]`: the position of the last earlier occurrence of
word i's type. Word i is new within a stretch starting at s exactly when `previous[i] < s`, so
type counts of any stretch are one vectorised comparison and no set is rebuilt per window.
"""

from __future__ import annotations

import numpy as np
from spacy.symbols import ADJ, ADV, NOUN, PROPN, VERB

from assets.contours.features._common import evaluate, ratio, sums
from assets.contours.tokens import DocArrays, Featurizer, Window

FAMILY = "lexical_richness"
FEATURES = ("type_token_ratio", "moving_average_ttr", "mtld", "lexical_density")

MATTR_SEGMENT = 25  # words; a window shorter than this gets its plain TTR
MTLD_THRESHOLD = 0.72  # McCarthy & Jarvis (2010)
CONTENT_POS = (NOUN, PROPN, VERB, ADJ, ADV)


def previous_occurrence(types: np.ndarray) -> np.ndarray:
    """For each position, the last earlier position with the same type, or -1."""
    n = types.shape[0]
    order = np.argsort(types, kind="stable")
    previous = np.full(n, -1, dtype=np.int64)
    same = types[order[1:]] == types[order[:-1]]
    previous[order[1:][same]] = order[:-1][same]
    return previous


def next_occurrence(types: np.ndarray) -> np.ndarray:
    """For each position, the next later position with the same type, or n."""
    n = types.shape[0]
    nxt = np.full(n, n, dtype=np.int64)
    previous = previous_occurrence(types)
    has = previous >= 0
    nxt[previous[has]] = np.flatnonzero(has)
    return nxt


def mtld_forward(
    previous: list[int], start: int, end: int, threshold: float = MTLD_THRESHOLD
) -> float:
    """Forward factor count over words [start, end) (McCarthy & Jarvis 2010)."""
    factors, types, tokens, segment = 0.0, 0, 0, start
    ttr = 1.0
    for i in range(start, end):
        tokens += 1
        if previous[i] < segment:
            types += 1
        ttr = types / tokens
        if ttr <= threshold:
            factors += 1.0
            types, tokens, segment, ttr = 0, 0, i + 1, 1.0
    return factors + (1.0 - ttr) / (1.0 - threshold)


def mtld_backward(
    nxt: list[int], start: int, end: int, threshold: float = MTLD_THRESHOLD
) -> float:
    """The same count, reading the words from the end."""
    factors, types, tokens, segment = 0.0, 0, 0, end - 1
    ttr = 1.0
    for i in range(end - 1, start - 1, -1):
        tokens += 1
        if nxt[i] > segment:
            types += 1
        ttr = types / tokens
        if ttr <= threshold:
            factors += 1.0
            types, tokens, segment, ttr = 0, 0, i - 1, 1.0
    return factors + (1.0 - ttr) / (1.0 - threshold)


def mtld(previous: list[int], nxt: list[int], start: int, end: int) -> float:
    """Mean of the forward and backward MTLD; NaN when no factor forms (all words distinct),
    where the measure is undefined rather than infinite."""
    n = end - start
    values = []
    for factors in (mtld_forward(previous, start, end), mtld_backward(nxt, start, end)):
        if factors > 0:
            values.append(n / factors)
    return float(np.mean(values)) if len(values) == 2 else float("nan")


def mattr(previous: np.ndarray, start: int, end: int, segment: int = MATTR_SEGMENT) -> float:
    """Mean TTR over every `segment`-word stretch of [start, end) (Covington & McFall 2010)."""
    n = end - start
    if n == 0:
        return float("nan")
    if n <= segment:
        return float(np.count_nonzero(previous[start:end] < start)) / n
    firsts = np.arange(start, end - segment + 1)
    stretch = previous[firsts[:, None] + np.arange(segment)]
    return float(np.mean(np.count_nonzero(stretch < firsts[:, None], axis=1)) / segment)


def compute(arr: DocArrays, windows: np.ndarray) -> dict[str, np.ndarray]:
    """All lexical richness features for every window of one Doc."""
    words = arr.words
    types = arr.lower[words]
    previous = previous_occurrence(types)
    nxt = next_occurrence(types)
    prev_list, next_list = previous.tolist(), nxt.tolist()
    content = np.isin(arr.pos, CONTENT_POS) & words
    counts = sums(arr, windows, np.stack([words, content], axis=1))
    word_count, content_count = counts.T
    # Word positions of window bounds: words before each sentence, cumulated.
    per_sentence = arr.sentence_sums(words)
    before = np.concatenate([[0], np.cumsum(per_sentence)]).astype(np.int64)
    n_windows = windows.shape[0]
    ttr, mattr_values, mtld_values = (np.full(n_windows, np.nan) for _ in range(3))
    for w, (first, end) in enumerate(windows.tolist()):
        a, b = int(before[first]), int(before[end])
        if b > a:
            ttr[w] = np.count_nonzero(previous[a:b] < a) / (b - a)
            mattr_values[w] = mattr(previous, a, b)
            mtld_values[w] = mtld(prev_list, next_list, a, b)
    return {
        "type_token_ratio": ttr,
        "moving_average_ttr": mattr_values,
        "mtld": mtld_values,
        "lexical_density": ratio(content_count, word_count),
    }


def features(window: Window, featurizer: Featurizer | None = None) -> dict[str, float]:
    """Lexical richness features of one window."""
    return evaluate(compute, window, featurizer)
