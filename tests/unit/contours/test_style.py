"""Style markers from morphology, worked by hand.

"I think we should go. You know my dog did not eat! Will you come?"
words (15): I think we should go | You know my dog did not eat | Will you come
finite verbs and modals: think (Pres), should (MD), know (Pres), did (Past), Will (MD) = 5
"""

from __future__ import annotations

import math

import pytest

from assets.contours.features import style

TEXT = "I think we should go. You know my dog did not eat! Will you come?"


@pytest.fixture(scope="module")
def values(nlp) -> dict[str, float]:
    return style.features(nlp(TEXT))


def test_when_pronouns_counted_then_rates_per_word(values):
    assert values["first_person_singular"] == pytest.approx(2 / 15)  # I, my
    assert values["first_person_plural"] == pytest.approx(1 / 15)  # we
    assert values["second_person"] == pytest.approx(2 / 15)  # You, you
    assert values["negation"] == pytest.approx(1 / 15)  # not
    assert values["articles"] == 0.0


def test_when_verbs_counted_then_tense_shares_per_finite_verb(values):
    assert values["past_tense"] == pytest.approx(1 / 5)  # did
    assert values["present_tense"] == pytest.approx(2 / 5)  # think, know
    assert values["future_tense"] == pytest.approx(1 / 5)  # Will


def test_when_sentences_end_in_marks_then_shares_per_sentence(values):
    assert values["question_share"] == pytest.approx(1 / 3)
    assert values["exclamation_share"] == pytest.approx(1 / 3)


def test_when_negation_has_no_neg_arc_then_word_list_catches_it(nlp):
    values = style.features(nlp("The dog has no food. Nothing."))
    # words: The dog has no food Nothing (6); negations: no, Nothing
    assert values["negation"] == pytest.approx(2 / 6)
    assert values["articles"] == pytest.approx(1 / 6)


def test_when_question_and_exclamation_combined_then_both_count(nlp):
    values = style.features(nlp("Really?!"))
    assert values["question_share"] == 1.0 and values["exclamation_share"] == 1.0


def test_when_no_verbs_then_tense_missing(nlp):
    values = style.features(nlp("What a lovely day."))
    assert math.isnan(values["past_tense"]) and values["articles"] == pytest.approx(1 / 4)


@pytest.mark.parametrize("text", ["", "😂😂🔥"])
def test_when_no_words_then_rates_missing(nlp, text):
    values = style.features(nlp(text))
    assert math.isnan(values["first_person_singular"])
