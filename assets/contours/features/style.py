"""Style markers from morphology and part of speech.

Pronoun person and number, articles and tense come from spaCy's morphological features
(`Person=1|Number=Sing|PronType=Prs`, `PronType=Art`, `Tense=Past|VerbForm=Fin`), not from word
lists, so `my`, `myself` and `I` all count as first person singular. Rates are per word;
tense shares are per finite verb (modals included, since `will` carries no tense feature);
question and exclamation shares are per sentence, judged by the sentence's final punctuation.
"""

from __future__ import annotations

import numpy as np
from spacy.symbols import PUNCT, SPACE

from assets.contours.features._common import evaluate, ratio, sums
from assets.contours.tokens import (
    ARTICLE,
    EXCLAMATION_MARK,
    FINITE,
    FIRST_PL,
    FIRST_SG,
    FUTURE_MODAL,
    IS_PUNCT,
    IS_SPACE,
    NEGATION_WORD,
    PAST,
    POLARITY_NEG,
    PRESENT,
    QUESTION_MARK,
    SECOND,
    DocArrays,
    Featurizer,
    Window,
    label_ids,
)
from assets.contours.windows import window_sums
from schemas.feature_catalog import STYLE, family_features

FAMILY = STYLE
FEATURES = family_features(FAMILY)


def trailing_punctuation(arr: DocArrays) -> np.ndarray:
    """Tokens after the last non-punctuation token of their sentence (`?!` in `Really?!`)."""
    f = arr.form
    punct_or_space = (f[:, IS_PUNCT] > 0) | (f[:, IS_SPACE] > 0)
    content = ~(punct_or_space | (arr.pos == PUNCT) | (arr.pos == SPACE))
    cumulative = np.cumsum(content)
    sentence_end = np.repeat(arr.ends, np.diff(np.append(arr.starts, arr.n_tokens))) - 1
    after = cumulative[sentence_end] - cumulative
    return (after == 0) & ~content


def compute(arr: DocArrays, windows: np.ndarray) -> dict[str, np.ndarray]:
    """Style features for every window of a batch of Docs."""
    m, f = arr.morph, arr.form
    md = label_ids(("MD",))[0]
    modal = arr.tag.astype(np.uint64) == md
    negation = (arr.dep == label_ids(("neg",))[0]) | m[:, POLARITY_NEG] | (
        f[:, NEGATION_WORD] > 0
    )
    finite = m[:, FINITE] | modal
    trailing = trailing_punctuation(arr)
    per_token = np.stack(
        [
            arr.words,
            m[:, FIRST_SG],
            m[:, FIRST_PL],
            m[:, SECOND],
            negation,
            m[:, ARTICLE],
            finite,
            m[:, PAST],
            m[:, PRESENT],
            modal & (f[:, FUTURE_MODAL] > 0),
        ],
        axis=1,
    )
    totals = sums(arr, windows, per_token)
    words, first_sg, first_pl, second, neg, articles, n_finite, past, present, future = totals.T
    question = arr.sentence_sums(trailing & (f[:, QUESTION_MARK] > 0)) > 0
    exclamation = arr.sentence_sums(trailing & (f[:, EXCLAMATION_MARK] > 0)) > 0
    sentences = windows[:, 1] - windows[:, 0]
    return {
        "first_person_singular": ratio(first_sg, words),
        "first_person_plural": ratio(first_pl, words),
        "second_person": ratio(second, words),
        "negation": ratio(neg, words),
        "articles": ratio(articles, words),
        "past_tense": ratio(past, n_finite),
        "present_tense": ratio(present, n_finite),
        "future_tense": ratio(future, n_finite),
        "question_share": ratio(window_sums(question, windows), sentences),
        "exclamation_share": ratio(window_sums(exclamation, windows), sentences),
    }


def features(window: Window, featurizer: Featurizer | None = None) -> dict[str, float]:
    """Style features of one window."""
    return evaluate(compute, window, featurizer)
