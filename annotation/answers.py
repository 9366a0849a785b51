"""Every legal form of an answer, read from the label configs, and the answers that fit none.

The web UI stores a choice's `alias` (`-1`, `I`, `found`), but the SDK, an import or a config
changed since the answer was given can store the choice's `value` (`Low (-1)`), or the same
with other spacing or case. All of these mean one thing, so each is mapped to the stored form
(the alias, or the value when a choice has no alias). What fits no choice of the project's
config (an unknown control, a choice or span label the config does not offer, a second choice
for a single-choice question) is not a rating: it is returned as a `Problem` with its reason, for
the `annotation_quarantine` table, and never reaches `annotations`, so one odd answer cannot
block the annotations table or the exports that read it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from annotation.projects import PROJECTS

# Control names in the label configs → field names in the tables (MBTI axes as in the labels
# contract, `I/E`; the XML names cannot hold a slash), from every project's spec.
FIELD_NAMES = {field.replace("/", ""): field for spec in PROJECTS.values() for field in spec.fields
               if "/" in field}
# A quarantined answer's value is kept for the analyst to see what came, cut to this length.
MAX_SHOWN = 80


@dataclass(frozen=True)
class Control:
    """One answer control of a label config: its legal forms → the stored form."""

    name: str
    kind: str  # "choices" or "labels"
    forms: Mapping[str, str]
    single: bool

    def canonical(self, answer: Any) -> str | None:
        """The stored form of `answer`, or None when it is no choice of this control."""
        return self.forms.get(normalise(answer))


@dataclass(frozen=True)
class Problem:
    """An answer that fits no legal form, with why."""

    field: str
    value: str | None
    reason: str


def normalise(answer: Any) -> str:
    """Spacing and case never change an answer's meaning: `' neutral /  NO evidence (0)'` is
    the choice `Neutral / no evidence (0)`."""
    return " ".join(str(answer).split()).casefold()


def parse_controls(config_xml: str) -> dict[str, Control]:
    """Choices and Labels controls of a label config by name, with every legal form of each
    option (alias and value, normalised). Two options sharing a form is a config error."""
    controls: dict[str, Control] = {}
    for element in ET.fromstring(config_xml).iter():
        kind = {"Choices": "choices", "Labels": "labels"}.get(element.tag)
        if kind is None:
            continue
        name = element.attrib["name"]
        forms: dict[str, str] = {}
        for option in element.iter("Choice" if kind == "choices" else "Label"):
            stored = option.attrib.get("alias") or option.attrib["value"]
            for form in {option.attrib["value"], stored}:
                key = normalise(form)
                if forms.get(key, stored) != stored:
                    raise ValueError(f"control {name!r}: {form!r} names two options")
                forms[key] = stored
        single = kind == "choices" and element.attrib.get("choice", "single") != "multiple"
        controls[name] = Control(name, kind, forms, single)
    return controls


@cache
def project_controls(project: str) -> dict[str, Control]:
    """The controls of a project's config in `annotation/configs/` (read once per process)."""
    return parse_controls(PROJECTS[project].label_config())


def field_name(control: str) -> str:
    return FIELD_NAMES.get(control, control)


def _shown(answer: Any) -> str:
    text = answer if isinstance(answer, str) else json.dumps(answer, default=str)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _is_span(value: Mapping[str, Any]) -> bool:
    start, end = value.get("start"), value.get("end")
    return (isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)
            and 0 <= start < end)


def read_answers(
    result: Iterable[Mapping[str, Any]], controls: Mapping[str, Control]
) -> tuple[list[tuple[str, str]], list[Problem]]:
    """(field, stored value) pairs of one annotation's result, and the answers that fit none.

    A choice gives its stored form; a span gives a JSON object with start, end and entity (one
    pair per span and label). A span's marked text is never read: it is the very identifier
    the anonymiser missed."""
    pairs: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for item in result:
        name = str(item.get("from_name") or "")
        value = item.get("value") or {}
        control = controls.get(name)
        if control is None:
            problems.append(Problem(field_name(name) or "(none)", None,
                                    f"field {name!r} ({item.get('type') or 'no type'}) is not "
                                    "in the project's label config"))
            continue
        answers = value.get(control.kind)
        if not isinstance(answers, list):
            problems.append(Problem(field_name(name), None,
                                    f"{control.kind} answer without a list of {control.kind}"))
            continue
        mapped = [(answer, control.canonical(answer)) for answer in answers]
        for answer, stored in mapped:
            if stored is None:
                problems.append(Problem(field_name(name), _shown(answer),
                                        f"{_shown(answer)!r} is no option of {name}"))
        good = [stored for _, stored in mapped if stored is not None]
        if control.kind == "choices":
            if control.single and len(good) > 1:
                problems.append(Problem(field_name(name), _shown(good),
                                        f"{len(good)} choices for single-choice {name}"))
                continue
            pairs.extend((field_name(name), stored) for stored in good)
        elif not _is_span(value):
            problems.append(Problem(field_name(name), None,
                                    f"{name} span without whole-number offsets start < end"))
        else:
            for stored in good:
                span = {"start": value.get("start"), "end": value.get("end"), "entity": stored}
                pairs.append((field_name(name), json.dumps(span, sort_keys=True)))
    return pairs, problems
