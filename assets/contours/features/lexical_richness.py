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
from schemas.feature_catalog import LEXICAL_RICHNESS, family_features

FAMILY = LEXICAL_RICHNESS
FEATURES = family_features(FAMILY)

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
    forward, backward = mtld_forward(previous, start, end), mtld_backward(nxt, start, end)
    if forward > 0 and backward > 0:
        return (n / forward + n / backward) / 2  # what np.mean of the two gives, without NumPy
    return float("nan")


def mattr(previous: np.ndarray, start: int, end: int, segment: int = MATTR_SEGMENT) -> float:
    """Mean TTR over every `segment`-word stretch of [start, end) (Covington & McFall 2010)."""
    value = window_mattr(previous, np.array([start]), np.array([end]), segment)
    return float(value[0])


def window_ttr(previous: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """TTR of many word ranges at once: every word of every range is one comparison, and new
    types are counted per range with `bincount` (memory is the ranges' total length, however
    long the longest range of a batch)."""
    lengths = ends - starts
    out = np.full(starts.shape[0], np.nan)
    owner = np.repeat(np.arange(starts.shape[0]), lengths)
    first = starts[owner]
    position = first + np.arange(owner.shape[0]) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    new = np.bincount(owner, weights=previous[position] < first, minlength=starts.shape[0])
    np.divide(new, lengths, out=out, where=lengths > 0)
    return out


def window_mattr(previous: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                 segment: int = MATTR_SEGMENT) -> np.ndarray:
    """MATTR of many word ranges at once; a range no longer than `segment` gets its TTR.

    Every segment start of every range is one row of a (segments x `segment`) comparison, and
    segment TTRs are averaged per range with `bincount`."""
    out = window_ttr(previous, starts, ends)
    long = np.flatnonzero(ends - starts > segment)
    if long.size == 0:
        return out
    counts = ends[long] - starts[long] - segment + 1
    owner = np.repeat(np.arange(long.size), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    firsts = starts[long][owner] + offsets
    distinct = (previous[firsts[:, None] + np.arange(segment)] < firsts[:, None]).sum(axis=1)
    out[long] = np.bincount(owner, weights=distinct / segment) / counts
    return out


def compute(arr: DocArrays, windows: np.ndarray) -> dict[str, np.ndarray]:
    """All lexical richness features for every window of a batch of Docs.

    Types repeat across Docs, but a previous occurrence in an earlier Doc lies before any
    window of this one, so it counts as new exactly as no previous occurrence would."""
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
    starts, ends = before[windows[:, 0]], before[windows[:, 1]]
    mtld_values = np.array([mtld(prev_list, next_list, a, b) if b > a else np.nan
                            for a, b in zip(starts.tolist(), ends.tolist(), strict=True)])
    return {
        "type_token_ratio": window_ttr(previous, starts, ends),
        "moving_average_ttr": window_mattr(previous, starts, ends),
        "mtld": mtld_values,
        "lexical_density": ratio(content_count, word_count),
    }


def features(window: Window, featurizer: Featurizer | None = None) -> dict[str, float]:
    """Lexical richness features of one window."""
    return evaluate(compute, window, featurizer)
