"""The policy YAML is the recognizer registry: every recognizer is an entry there, and a new
rule (or a new entity type) written only in YAML is found and replaced."""

from __future__ import annotations

import copy

import pytest
import yaml

from assets.privacy.anonymise import PiiEngine
from assets.privacy.policy import POLICY_PATH, load_policy, parse_policy
from assets.privacy.recognizers import CLASSES, build_recognizers

RAW = yaml.safe_load(POLICY_PATH.read_text())

# A new entity type and its recognizer, written only in YAML (Presidio's pattern-entry shape).
STEAM_ID = {
    "entities": {"STEAM_ID": {"threshold": 0.5, "operator": "numbered", "label": "STEAM"}},
    "recognizers": {"steam_id": {
        "entity": "STEAM_ID",
        "patterns": [{"name": "steam id 64", "regex": r"\b7656119\d{10}\b", "score": 0.9}],
        "context": ["steam"],
    }},
}

YAML_ONLY_CASES = [
    # (situation, text, anonymised)
    ("steam_id_alone", "add me 76561198012345678 tonight", "add me <STEAM_1> tonight"),
    ("steam_id_twice", "76561198012345678 or 76561198012345678?", "<STEAM_1> or <STEAM_1>?"),
    ("steam_id_too_short", "order 7656119801234 shipped", "order 7656119801234 shipped"),
]


def _with(extra: dict) -> dict:
    raw = copy.deepcopy(RAW)
    for section, entries in extra.items():
        raw[section] = {**raw[section], **entries}
    return raw


def test_when_policy_loaded_then_every_class_entry_names_known_code():
    classes = [s["class"] for s in RAW["recognizers"].values() if "class" in s]
    assert classes and set(classes) <= set(CLASSES)


def test_when_recognizers_built_then_in_policy_order_and_every_entity_covered():
    built = build_recognizers(load_policy())
    listed = [s["class"] for s in RAW["recognizers"].values()
              if "class" in s and s["class"] != "KnownIdentifierRecognizer"]  # no known names
    assert [type(r).__name__ for r in built] == listed
    covered = {e for r in built for e in r.supported_entities}
    assert set(RAW["entities"]) <= covered


def test_when_class_unknown_then_policy_fails_naming_the_entry():
    raw = _with({"recognizers": {"typo": {"class": "NoSuchRecognizer"}}})
    with pytest.raises(ValueError, match="typo"):
        build_recognizers(parse_policy(raw))


@pytest.fixture(scope="module")
def steam_engine(nlp) -> PiiEngine:
    return PiiEngine(nlp, policy=parse_policy(_with(STEAM_ID)))


@pytest.mark.parametrize(("situation", "text", "expected"), YAML_ONLY_CASES,
                         ids=[c[0] for c in YAML_ONLY_CASES])
def test_when_rule_written_only_in_yaml_then_found_and_replaced(steam_engine, nlp, situation,
                                                                text, expected):
    assert steam_engine.anonymise(nlp(text)).text == expected
