"""The PII engine is built once per process: Dagster makes a new resource object every run."""

from __future__ import annotations

from assets.privacy.known_names import KnownNames
from assets.privacy.policy import load_policy
from assets.privacy.resources import PrivacyResource


def test_when_two_runs_ask_for_the_same_engine_then_it_is_built_once(nlp):
    policy, known = load_policy(), KnownNames.build(["bramblewick"])
    first = PrivacyResource(pseudonym_key="k").engine(nlp, policy, known)
    assert PrivacyResource(pseudonym_key="k").engine(nlp, policy, known) is first


def test_when_more_names_become_known_then_a_new_engine_redacts_them(nlp):
    policy = load_policy()
    before = PrivacyResource(pseudonym_key="k").engine(nlp, policy, KnownNames.build([]))
    after = PrivacyResource(pseudonym_key="k").engine(
        nlp, policy, KnownNames.build(["bramblewick"])
    )
    assert after is not before
    assert "bramblewick" not in after.anonymise(nlp("I am bramblewick here.")).text
