"""Affect: norm means, emotion shares and sentiment, on a tiny lexicon worked by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from assets.contours.compute import skipped_features
from assets.contours.features import affect
from assets.contours.lexicons import load_lexicons
from assets.contours.tokens import Featurizer


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Featurizer:
    folder: Path = tmp_path_factory.mktemp("lexicons")
    (folder / "NRC-VAD-Lexicon.txt").write_text(
        "Word\tValence\tArousal\tDominance\nlove\t0.9\t0.5\t0.6\nhappy\t0.8\t0.4\t0.7\n"
        "dog\t0.7\t0.3\t0.4\n"
    )
    (folder / "NRC-Emotion-Lexicon-Wordlevel-v0.92.txt").write_bytes(
        b"love\tjoy\t1\r\nlove\tpositive\t1\r\nhappy\tjoy\t1\r\nhappy\tpositive\t1\r\n"
        b"hate\tanger\t1\r\nhate\tnegative\t1\r\nhappy\tanger\t0\r\n"
    )
    return Featurizer(load_lexicons(folder))


def test_when_words_listed_then_norm_means_and_shares_are_hand_values(nlp, small):
    values = affect.features(nlp("I loved happy dogs."), small)
    # words: I loved happy dogs (4). Listed: loved -> lemma love (0.9), happy (0.8),
    # dogs -> lemma dog (0.7): valence (0.9 + 0.8 + 0.7) / 3 = 0.8
    assert values["nrc_valence"] == pytest.approx(0.8)
    assert values["nrc_arousal"] == pytest.approx((0.5 + 0.4 + 0.3) / 3)
    # joy: loved, happy = 2 of 4 words; anger: none
    assert values["emolex_joy"] == pytest.approx(0.5)
    assert values["emolex_positive"] == pytest.approx(0.5)
    assert values["emolex_anger"] == 0.0
    assert "warriner_valence" not in values and "concreteness" not in values


def test_when_sentiment_averaged_then_it_is_vader_per_sentence(nlp, small):
    analyzer = SentimentIntensityAnalyzer()
    expected = (analyzer.polarity_scores("I hate rain.")["compound"]
                + analyzer.polarity_scores("I love the sun!")["compound"]) / 2
    values = affect.features(nlp("I hate rain. I love the sun!"), small)
    assert values["vader_compound"] == pytest.approx(expected)
    assert values["emolex_negative"] == pytest.approx(1 / 7)  # hate of 7 words


def test_when_lexicons_missing_then_features_skipped_and_reported(nlp):
    bare = Featurizer()
    values = affect.features(nlp("I love dogs."), bare)
    assert set(values) == {"vader_compound"}
    skipped = skipped_features(bare)
    assert "nrc_valence" in skipped and "emolex_negative" in skipped
    assert "vader_compound" not in skipped


def test_when_real_lexicons_then_known_word_values(nlp, featurizer):
    values = affect.features(nlp("Happy"), featurizer)
    lex = featurizer.lexicons.norms
    assert values["nrc_valence"] == pytest.approx(lex["nrc_vad"].entries["happy"][0])
    assert values["concreteness"] == pytest.approx(lex["brysbaert"].entries["happy"][0])
    assert values["age_of_acquisition"] == pytest.approx(lex["kuperman"].entries["happy"][0])
    assert values["emolex_joy"] == 1.0


@pytest.mark.parametrize("text", ["", "😂😂🔥"])
def test_when_no_words_then_norms_missing_and_no_error(nlp, featurizer, text):
    values = affect.features(nlp(text), featurizer)
    assert math.isnan(values["nrc_valence"]) and math.isnan(values["emolex_joy"])
    if text:  # VADER reads emoji: the tweet still has a sentiment
        assert values["vader_compound"] == pytest.approx(
            SentimentIntensityAnalyzer().polarity_scores(text)["compound"]
        )
