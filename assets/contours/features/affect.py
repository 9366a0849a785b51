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

FAMILY = "affect"
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
FEATURES = (*NORM_FEATURES, *EMOTION_FEATURES, "vader_compound")
LEXICON_FEATURES = {name: lex for name, (lex, _) in {**NORM_FEATURES, **EMOTION_FEATURES}.items()}


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def sentence_sentiment(arr: DocArrays) -> np.ndarray:
    """VADER compound score of each content sentence (VADER reads the sentence's own text, so
    capitals, `!!!` and emoticons count as VADER intends)."""
    text = arr.doc.text
    analyzer = _vader()
    return np.array(
        [analyzer.polarity_scores(text[a:b])["compound"] for a, b in
         arr.sentence_char_bounds().tolist()],
        dtype=np.float64,
    )


def compute(arr: DocArrays, windows: np.ndarray) -> dict[str, np.ndarray]:
    """Affect features for every window of one Doc."""
    words = arr.words
    columns: list[np.ndarray] = [words]
    layout: list[tuple[str, str, int]] = []  # feature, kind, column index
    for name, (lexicon, value) in {**NORM_FEATURES, **EMOTION_FEATURES}.items():
        values = arr.lexicon(f"{lexicon}.{value}")
        if values is None:
            continue
        found = words & ~np.isnan(values)
        if name in NORM_FEATURES:
            layout.append((name, "mean", len(columns)))
            columns += [found, np.where(found, values, 0.0)]
        else:
            layout.append((name, "share", len(columns)))
            columns.append(found & (values > 0))
    totals = sums(arr, windows, np.stack(columns, axis=1))
    out: dict[str, np.ndarray] = {}
    for name, kind, col in layout:
        if kind == "mean":
            out[name] = ratio(totals[:, col + 1], totals[:, col])
        else:
            out[name] = ratio(totals[:, col], totals[:, 0])
    compound = window_sums(sentence_sentiment(arr), windows)
    out["vader_compound"] = ratio(compound, windows[:, 1] - windows[:, 0])
    return out


def features(window: Window, featurizer: Featurizer | None = None) -> dict[str, float]:
    """Affect features of one window (norm features only if `featurizer` has the lexicons)."""
    return evaluate(compute, window, featurizer)
