"""Affect and psycholinguistic norms: what the window's words feel like and how concrete and
early-learned they are, plus sentence-level sentiment.

Norm values are means over the window's words found in the lexicon (looked up by lower-cased
form, then by lemma, so `happier` finds `happy`). Emotion categories are shares of all words
associated with the category in NRC EmoLex. Sentiment is VADER's compound score per sentence,
averaged over the window's sentences. A feature whose lexicon file is absent is left out.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from assets.contours.features._common import evaluate, ratio, sums
from assets.contours.lexicons import EMOLEX_AFFECTS
from assets.contours.tokens import DocArrays, Featurizer, Window
from assets.contours.windows import window_sums
from schemas.feature_catalog import AFFECT, family_features

FAMILY = AFFECT
# feature -> (lexicon, value column)
NORM_FEATURES: dict[str, tuple[str, str]] = {
    "nrc_valence": ("nrc_vad", "valence"),
    "nrc_arousal": ("nrc_vad", "arousal"),
    "nrc_dominance": ("nrc_vad", "dominance"),
    "warriner_valence": ("warriner", "valence"),
    "warriner_arousal": ("warriner", "arousal"),
    "warriner_dominance": ("warriner", "dominance"),
    "concreteness": ("brysbaert", "concreteness"),
    "age_of_acquisition": ("kuperman", "aoa"),
}
EMOTION_FEATURES: dict[str, tuple[str, str]] = {
    f"emolex_{affect}": ("nrc_emolex", affect) for affect in EMOLEX_AFFECTS
}
FEATURES = family_features(FAMILY)  # the norms, the EmoLex shares, vader_compound


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=100_000)
def compound(sentence: str) -> float:
    """VADER's compound score of one sentence (cached: dialogue and tweets repeat sentences
    such as "Okay." or "What?!" thousands of times)."""
    return _vader().polarity_scores(sentence)["compound"]


def sentence_sentiment(arr: DocArrays) -> np.ndarray:
    """VADER compound score of each content sentence (VADER reads the sentence's own text, so
    capitals, `!!!` and emoticons count as VADER intends)."""
    return np.array([compound(text) for text in arr.sentence_texts()], dtype=np.float64)


def _present(arr: DocArrays, features: dict[str, tuple[str, str]]) -> tuple[list[str], list[int]]:
    names, columns = [], []
    for name, (lexicon, value) in features.items():
        column = arr.columns.get(f"{lexicon}.{value}")
        if column is not None:
            names.append(name)
            columns.append(column)
    return names, columns


def compute(arr: DocArrays, windows: np.ndarray) -> dict[str, np.ndarray]:
    """Affect features for every window of a batch of Docs.

    All lexicon columns go through one matrix: found flags, values where found, and emotion
    flags are summed per window in a single cumulative sum."""
    words = arr.words
    norm_names, norm_cols = _present(arr, NORM_FEATURES)
    emo_names, emo_cols = _present(arr, EMOTION_FEATURES)
    norms = arr.form[:, norm_cols]
    found = ~np.isnan(norms) & words[:, None]
    emotions = np.nan_to_num(arr.form[:, emo_cols]) * words[:, None]
    totals = sums(arr, windows, np.concatenate(
        [words[:, None], found, np.where(found, norms, 0.0), emotions], axis=1))
    k = len(norm_names)
    means = ratio(totals[:, 1 + k:1 + 2 * k], totals[:, 1:1 + k])
    shares = ratio(totals[:, 1 + 2 * k:], totals[:, :1])
    out: dict[str, np.ndarray] = {name: means[:, i] for i, name in enumerate(norm_names)}
    out.update({name: shares[:, i] for i, name in enumerate(emo_names)})
    sentiment = window_sums(sentence_sentiment(arr), windows)
    out["vader_compound"] = ratio(sentiment, windows[:, 1] - windows[:, 0])
    return out


def features(window: Window, featurizer: Featurizer | None = None) -> dict[str, float]:
    """Affect features of one window (norm features only if `featurizer` has the lexicons)."""
    return evaluate(compute, window, featurizer)
