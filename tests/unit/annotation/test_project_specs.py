"""An aggregated project's spec, its label config and the trait names agree."""

from __future__ import annotations

import pytest

from annotation.aggregate import NO_VOTE, RATING_DOMAIN, field_kind
from annotation.answers import field_name, project_controls
from annotation.projects import LABEL_PROJECTS, PROJECTS
from schemas.tables import BIG5_TRAITS, LABEL_SCHEMES, MBTI_AXES


def test_when_projects_listed_then_big5_and_mbti_become_labels_and_pii_review_does_not():
    assert LABEL_PROJECTS == ("big5", "mbti")
    assert PROJECTS["big5"].fields == BIG5_TRAITS
    assert PROJECTS["mbti"].fields == MBTI_AXES
    assert not PROJECTS["pii_review"].aggregated


@pytest.mark.parametrize("key", LABEL_PROJECTS)
def test_when_aggregated_project_then_its_config_asks_for_exactly_its_fields(key):
    spec = PROJECTS[key]
    assert spec.scheme in LABEL_SCHEMES
    controls = {field_name(name): c for name, c in project_controls(key).items()
                if c.kind == "choices"}
    assert set(controls) == set(spec.fields)
    for field, control in controls.items():
        kind = field_kind(key, field)
        legal = {str(v) for v in kind.domain} | {NO_VOTE}
        assert set(control.forms.values()) <= legal, field
        if spec.level == "ordinal":
            assert kind.domain == RATING_DOMAIN


def test_when_field_unknown_or_project_not_aggregated_then_no_kind():
    assert field_kind("big5", "I/E") is None
    assert field_kind("pii_review", "pii") is None
    assert field_kind("nope", "EXT") is None
