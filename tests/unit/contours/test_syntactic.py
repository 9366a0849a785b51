"""Syntactic complexity, worked by hand from the parse en_core_web_sm 3.8 gives.

"The old man who lives here reads books and magazines. She said that it rained."

    S1: The(det→man) old(amod→man) man(nsubj→reads) who(nsubj→lives) lives(relcl→man)
        here(advmod→lives) reads(ROOT) books(dobj→reads) and(cc→books) magazines(conj→books) .
    S2: She(nsubj→said) said(ROOT) that(mark→rained) it(nsubj→rained) rained(ccomp→said) .
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from assets.contours.features import syntactic

TEXT = "The old man who lives here reads books and magazines. She said that it rained."


@pytest.fixture(scope="module")
def values(nlp) -> dict[str, float]:
    return syntactic.features(nlp(TEXT))


def test_when_two_sentences_then_sentence_length_and_clauses_are_hand_counts(values):
    # words: 10 + 5 = 15 over 2 sentences
    assert values["mean_sentence_length"] == pytest.approx(7.5)
    # clauses: lives (subject who), reads (root), said (root), rained (subject it) = 4; 4 / 2
    assert values["clauses_per_sentence"] == pytest.approx(2.0)
    # dependent clauses: lives (relcl), rained (ccomp) = 2; 2 / 4
    assert values["dependent_clauses_per_clause"] == pytest.approx(0.5)
    # coordinate phrases: magazines (conj, not a clause) = 1; 1 / 4
    assert values["coordinate_phrases_per_clause"] == pytest.approx(0.25)
    # complex nominals: man (amod old, relcl lives) + the ccomp clause rained = 2; 2 / 4
    assert values["complex_nominals_per_clause"] == pytest.approx(0.5)
    # verb phrases: lives, reads, said, rained = 4; 4 / 2
    assert values["verb_phrases_per_sentence"] == pytest.approx(2.0)


def test_when_dependency_distances_summed_then_mean_matches(values):
    # S1 |i - head|: The 2, old 1, man 4, who 1, lives 2, here 1, books 1, and 1, magazines 2 = 15
    # S2: She 1, that 2, it 1, rained 3 = 7; (15 + 7) / 13 arcs (roots and punctuation excluded)
    assert values["mean_dependency_distance"] == pytest.approx(22 / 13)
    # deepest word: S1 who/here at depth 3 (reads→man→lives→who); S2 that/it at 2; mean 2.5
    assert values["parse_tree_depth"] == pytest.approx(2.5)


def test_when_tree_depth_computed_then_pointer_jumping_matches_chain():
    # 0 is root; 1→0; 2→1; 3→2; 4→0
    assert syntactic.tree_depth(np.array([0, 0, 1, 2, 0])).tolist() == [0, 1, 2, 3, 1]


def test_when_no_verbs_then_per_clause_measures_are_missing(nlp):
    values = syntactic.features(nlp("What a lovely day."))
    assert values["clauses_per_sentence"] == 0.0
    assert values["verb_phrases_per_sentence"] == 0.0
    for name in ("dependent_clauses_per_clause", "coordinate_phrases_per_clause",
                 "complex_nominals_per_clause"):
        assert math.isnan(values[name])
    assert values["mean_sentence_length"] == 4.0  # What a lovely day


@pytest.mark.parametrize(("text", "words"), [("Hello", 1.0), ("Hello!", 1.0)])
def test_when_one_word_then_length_one_and_no_arcs(nlp, text, words):
    values = syntactic.features(nlp(text))
    assert values["mean_sentence_length"] == words
    assert math.isnan(values["mean_dependency_distance"])
    assert values["parse_tree_depth"] == 0.0


@pytest.mark.parametrize("text", ["", "😂😂🔥"])
def test_when_empty_or_emoji_only_then_all_missing_no_error(nlp, text):
    values = syntactic.features(nlp(text))
    assert set(values) == set(syntactic.FEATURES)
    assert math.isnan(values["mean_sentence_length"])
    assert math.isnan(values["clauses_per_sentence"])
