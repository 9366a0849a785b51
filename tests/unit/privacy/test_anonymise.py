"""Placeholders: typed, numbered in reading order, consistent within a document; no re-parse."""

from __future__ import annotations

import pytest

from assets.privacy.anonymise import Finding, replace_findings, resolve_overlaps
from assets.privacy.policy import load_policy, parse_policy


def test_when_same_name_twice_then_same_placeholder(engine, nlp):
    text = "Hillary Clinton met Donald Trump. Later Hillary Clinton left."
    out = engine.anonymise(nlp(text)).text
    assert out == "<PERSON_1> met <PERSON_2>. Later <PERSON_1> left."


def test_when_surname_alone_after_full_name_then_same_number():
    policy = load_policy()
    text = "Hillary Clinton spoke; Clinton left."
    findings = [Finding("PERSON", 0, 15, 0.9), Finding("PERSON", 23, 30, 0.9)]
    assert replace_findings(text, findings, policy).text == "<PERSON_1> spoke; <PERSON_1> left."


def test_when_handle_and_reddit_user_name_same_user_then_same_number():
    policy = load_policy()
    text = "u/fox and @fox"
    findings = [Finding("USERNAME", 0, 5, 0.9), Finding("USERNAME", 10, 14, 0.9)]
    assert replace_findings(text, findings, policy).text == "<USER_1> and <USER_1>"


def test_when_findings_overlap_then_union_kept_with_most_confident_type():
    merged = resolve_overlaps([Finding("LOCATION", 0, 5, 0.85), Finding("PERSON", 3, 10, 0.7)])
    assert merged == [Finding("LOCATION", 0, 10, 0.85)]


def test_when_counts_then_json_per_type(engine, nlp):
    result = engine.anonymise(nlp("Email a.b@example.com or a.b@example.com, or u/someone_1"))
    assert result.counts == {"EMAIL_ADDRESS": 2, "USERNAME": 1}
    assert result.text.count("<EMAIL_1>") == 2
    assert result.counts_json == '{"EMAIL_ADDRESS": 2, "USERNAME": 1}'


def test_when_empty_text_then_nothing_found(engine, nlp):
    assert engine.anonymise(nlp("")).text == ""


def test_when_analysing_a_doc_then_no_second_parse(engine, nlp, monkeypatch):
    doc = nlp("Please ring Bartholomew at +44 20 7946 0958.")

    def forbidden(*args, **kwargs):
        raise AssertionError("the PII stage parsed again")

    monkeypatch.setattr(engine.nlp_engine, "process_text", forbidden)
    monkeypatch.setattr(engine.nlp_engine, "process_batch", forbidden)
    assert engine.anonymise(doc).text == "Please ring <PERSON_1> at <PHONE_1>."


def test_when_policy_operator_unknown_then_load_fails():
    with pytest.raises(ValueError, match="operator"):
        parse_policy({"entities": {"PERSON": {"operator": "shred"}}})


def test_when_scene_turns_mention_same_name_then_same_number_as_document(engine, nlp):
    """Turns are lines of the scene's text: analysed once, numbered once, no parse per turn."""
    from assets.privacy.anonymise_partitions import CurateResult, SceneDocs, _curated_utterances

    scene = "Rachel Green: Is Bartholomew here?\nRoss Geller: Bartholomew left with Kieran."
    rows = [{"doc_id": "d1", "utterance_id": f"u{i}", "corpus": "friends", "turn": i,
             "speaker_id": None, "speaker": speaker, "text": text, "stage_directions": dirs}
            for i, (speaker, text, dirs) in enumerate([
                ("Rachel Green", "Is Bartholomew here?", []),
                ("Ross Geller", "Bartholomew left with Kieran.", ["Kieran waves."])])]
    document = engine.anonymise(nlp(scene)).text
    result = CurateResult()
    out = list(_curated_utterances(rows, engine, nlp, "k" * 32, result,
                                   SceneDocs(iter([("d1", nlp(scene))]))))
    number = document.split("Is ")[1].split(" here")[0]
    assert out[0]["text"] == f"Is {number} here?"
    assert out[1]["text"].startswith(f"{number} left with <PERSON_")
    kieran = out[1]["text"].split("with ")[1].rstrip(".")
    assert out[1]["stage_directions"] == [f"{kieran} waves."]
    assert result.parsed_here == 1  # the stage direction only: turns reuse the scene's parse


def test_when_turn_not_in_scene_then_parsed_alone_with_shared_numbering(engine, nlp):
    from assets.privacy.anonymise_partitions import CurateResult, SceneDocs, _curated_utterances

    rows = [{"doc_id": "d1", "utterance_id": f"u{i}", "corpus": "friends", "turn": i,
             "speaker_id": None, "speaker": "Joey", "text": text, "stage_directions": []}
            for i, text in enumerate(["Bartholomew!", "Where is Bartholomew?"])]
    out = list(_curated_utterances(rows, engine, nlp, "k" * 32, CurateResult(),
                                   SceneDocs(iter(()))))
    assert [r["text"] for r in out] == ["<PERSON_1>!", "Where is <PERSON_1>?"]


@pytest.mark.parametrize("text", [
    "my ENFP friend is great", "ISFP or ESFP, hard to say", "As an INTJ-A I plan everything",
    "INFJs are rare", "she is an infp",
])
def test_when_a_myers_briggs_type_is_named_then_it_stays(engine, nlp, text):
    # In a personality warehouse the type is what the text is about; it names no one.
    assert engine.anonymise(nlp(text)).text == text


def test_when_a_name_sits_beside_a_type_then_only_the_name_goes(engine, nlp):
    assert engine.anonymise(nlp("Ask Jennifer, she is an INFP")).text == (
        "Ask <PERSON_1>, she is an INFP")
