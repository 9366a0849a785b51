"""Every legal form of an answer maps to its stored form; anything else is quarantined with a
reason, and one odd answer never stops the aggregation of the others."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from annotation import aggregate
from annotation.answers import parse_controls, project_controls, read_answers
from annotation.projects import PROJECTS
from annotation.pull import rows_from_tasks


def _choice(name: str, *choices: object) -> dict:
    return {"from_name": name, "to_name": "dialogue", "type": "choices",
            "value": {"choices": list(choices)}}


@pytest.mark.parametrize("given", [
    "0", "Neutral / no evidence (0)", "  neutral /  NO evidence (0) ", "NEUTRAL / NO EVIDENCE (0)",
    0,
])
def test_when_a_big5_choice_is_in_any_legal_form_then_it_is_stored_as_the_alias(given):
    pairs, problems = read_answers([_choice("NEU", given)], project_controls("big5"))
    assert (pairs, problems) == ([("NEU", "0")], [])


@pytest.mark.parametrize(("given", "stored"), [
    ("Introversion (I)", "I"), ("e", "E"), ("can't tell", "X"), ("X", "X"),
])
def test_when_an_mbti_choice_is_a_value_or_alias_then_it_maps_to_the_pole(given, stored):
    pairs, problems = read_answers([_choice("IE", given)], project_controls("mbti"))
    assert (pairs, problems) == ([("I/E", stored)], [])


def test_when_a_choice_fits_no_option_then_it_alone_is_quarantined_with_a_reason():
    pairs, problems = read_answers(
        [_choice("EXT", "Very high (2)"), _choice("AGR", "High (1)")], project_controls("big5")
    )
    assert pairs == [("AGR", "1")]
    assert [(p.field, p.value) for p in problems] == [("EXT", "Very high (2)")]
    assert "no option of EXT" in problems[0].reason


def test_when_a_control_is_unknown_or_malformed_then_it_is_quarantined_without_its_content():
    result = [
        {"from_name": "notes", "type": "textarea", "value": {"text": ["Mary Smith is lovely"]}},
        {"from_name": "EXT", "type": "choices", "value": {"choices": "1"}},
        {"from_name": "pii", "type": "labels", "value": {"labels": ["PERSON"], "text": "Mary"}},
        {"from_name": "pii", "type": "labels",
         "value": {"start": 3, "end": 7, "labels": ["person", "SECRET"], "text": "Mary"}},
    ]
    controls = {**project_controls("big5"), **project_controls("pii_review")}
    pairs, problems = read_answers(result, controls)
    assert pairs == [("pii", json.dumps({"end": 7, "entity": "PERSON", "start": 3},
                                        sort_keys=True))]
    assert [(p.field, p.value) for p in problems] == [
        ("notes", None), ("EXT", None), ("pii", None), ("pii", "SECRET")]
    assert "not in the project's label config" in problems[0].reason
    assert "Mary" not in json.dumps([p.__dict__ for p in problems])


def test_when_two_choices_answer_a_single_choice_question_then_both_are_quarantined():
    pairs, problems = read_answers([_choice("CON", "-1", "High (1)")], project_controls("big5"))
    assert pairs == [] and len(problems) == 1
    assert problems[0].reason == "2 choices for single-choice CON"


def test_when_a_config_gives_one_form_to_two_options_then_it_is_an_error():
    config = ('<View><Choices name="A" toName="t"><Choice value="Yes" alias="1"/>'
              '<Choice value="1" alias="2"/></Choices><Text name="t" value="$t"/></View>')
    with pytest.raises(ValueError, match="names two options"):
        parse_controls(config)


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_when_each_config_is_read_then_every_option_maps_to_itself(project):
    for control in project_controls(project).values():
        assert control.forms and all(control.canonical(v) == v for v in control.forms.values())


def test_when_one_annotation_is_garbage_then_the_rest_still_aggregates():
    def annotation(aid: int, user: int, choice: str) -> dict:
        return {"id": aid, "completed_by": user, "was_cancelled": False, "lead_time": 1.0,
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                "result": [_choice("EXT", choice), _choice("NEU", "Low (-1)")]}

    tasks = [{"id": 1, "data": {"doc_id": "d1", "corpus": "essays"}, "annotations": [
        annotation(1, 1, "1"), annotation(2, 2, "High (1)"), annotation(3, 3, "banana")]}]
    pulled = rows_from_tasks(tasks, "big5", "key")

    assert sorted((r["annotation_id"], r["field"], r["value"]) for r in pulled.rows) == [
        (1, "EXT", "1"), (1, "NEU", "-1"), (2, "EXT", "1"), (2, "NEU", "-1"), (3, "NEU", "-1")]
    assert [(q["annotation_id"], q["field"], q["value"]) for q in pulled.quarantine] == [
        (3, "EXT", "banana")]
    assert pulled.quarantine_table().num_rows == 1
    results = {r.field: r for r in aggregate.aggregate(pulled.annotations_table().to_pandas())}
    assert results["EXT"].majority.to_dict() == {"d1": 1}
    assert len(results["EXT"].votes) == 2 and len(results["NEU"].votes) == 3


def test_when_a_stored_snapshot_holds_an_unmapped_value_then_aggregation_ignores_it():
    # A snapshot written before the mapping existed: the crash was int('Neutral / ...').
    frame = pd.DataFrame({
        "project": ["big5"] * 3, "doc_id": ["d1"] * 3, "annotator": ["a", "b", "c"],
        "field": ["EXT"] * 3, "value": ["0", "Neutral / no evidence (0)", "1"],
        "corpus": ["essays"] * 3, "annotation_id": [1, 2, 3],
    })
    (result,) = aggregate.aggregate(frame)
    assert len(result.votes) == 2
