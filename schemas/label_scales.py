"""The scale of a label value: the one place that says which column holds it and what it means.

One numeric column used to hold Essays' 0/1, PANDORA's 0-100 percentiles, crowd ratings and ages
at once, so a pooled average mixed them (train mean 39.3 against dev mean 0.5, issue 14). Every
label now names its scale, and each scale has its own column in the labels table and its own
export column. Exports, the card, the baselines and the checks read the scale; none of them
guesses it from the values.

Who decides a label's scale: the code that writes it, because only it knows what its source's
numbers are (Essays and PANDORA are both `test_result` Big Five, one 0/1, the other percentiles;
the crowd's majority vote and median split are both `crowd_aggregate`). `label_values` checks
that choice against `allowed_scales` and puts the value in its column, so a scale cannot be
written wrong in one reader and right in another.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """A label scale: its labels-table column, export column suffix and baseline task."""

    name: str
    column: str | None  # labels-table column of the value; None: the value is `value_cat` only
    suffix: str  # appended to the export column (`big5_EXT_pct`); "" for a trait's main scale
    task: str | None  # baseline task: classification, regression, or None (not modelled)
    summary: str  # what the card reports per split
    doc: str
    values: tuple[float, ...] = ()  # the allowed values, when the scale is a finite set
    bounds: tuple[float, float] | None = None  # the allowed range, when it is continuous


BINARY = Scale(
    "binary", "value_binary", "", "classification", "share of 1",
    "0/1: 1 is the high pole (Big Five, neuroticism included) or the first-named MBTI pole "
    "(I, N, T, J).", values=(0, 1))
PERCENTILE = Scale(
    "percentile", "value_percentile", "_pct", "regression", "mean percentile",
    "A 0-100 percentile of the questionnaire's norm group (PANDORA).", bounds=(0.0, 100.0))
LIKERT3 = Scale(
    "likert3", "value_likert", "_likert", "regression", "mean rating",
    "A 3-point rating: -1 low, 0 neither, 1 high (aggregated crowd ratings).", values=(-1, 0, 1))
YEARS = Scale(
    "years", "value_years", "", "regression", "mean years",
    "An age in years.", bounds=(0.0, 130.0))
CATEGORY = Scale(
    "category", None, "", None, "most frequent values",
    "No number: the value is `value_cat` (INTJ, 4w5, female...).")

SCALES: dict[str, Scale] = {s.name: s for s in (BINARY, PERCENTILE, LIKERT3, YEARS, CATEGORY)}
LABEL_SCALES = tuple(SCALES)
VALUE_COLUMNS = tuple(s.column for s in SCALES.values() if s.column)
# Arrow types of the value columns: integers where the scale is a small set, so an analyst
# sees 0/1 and -1/0/1 rather than 1.0.
COLUMN_TYPES = {"value_binary": "int8", "value_percentile": "float64",
                "value_likert": "int8", "value_years": "float64"}


def allowed_scales(scheme: str, trait: str) -> tuple[str, ...]:
    """The scales a (scheme, trait) may carry; the first is the one whose export column has no
    suffix (at most one unsuffixed scale per trait, so export names never collide)."""
    if scheme == "big5":
        return ("binary", "percentile", "likert3")
    if scheme == "mbti":
        return ("category",) if trait == "type" else ("binary",)
    if scheme == "demographic" and trait == "age":
        return ("years",)
    return ("category",)  # enneagram types, gender, country...


def label_values(
    scheme: str, trait: str, scale: str, value: float | None = None, value_cat: str | None = None
) -> dict[str, object]:
    """The `scale`, value columns and `value_cat` of one label row, the value in its scale's
    column and every other value column null. Raises ValueError for a scale the trait may not
    carry or a value outside its scale."""
    if scale not in allowed_scales(scheme, trait):
        raise ValueError(f"{scheme}/{trait} cannot be on the {scale!r} scale "
                         f"(allowed: {', '.join(allowed_scales(scheme, trait))})")
    spec = SCALES[scale]
    row: dict[str, object] = {"scale": scale, **dict.fromkeys(VALUE_COLUMNS),
                              "value_cat": value_cat}
    if spec.column is None:
        if value is not None:
            raise ValueError(f"{scheme}/{trait} is categorical: its value goes in value_cat")
        return row
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"{scheme}/{trait} on the {scale} scale needs a value")
    if spec.values and value not in spec.values:
        raise ValueError(f"{value!r} is not on the {scale} scale {spec.values}")
    if spec.bounds and not spec.bounds[0] <= value <= spec.bounds[1]:
        raise ValueError(f"{value!r} is outside the {scale} scale {spec.bounds}")
    row[spec.column] = int(value) if COLUMN_TYPES[spec.column].startswith("int") else float(value)
    return row


def export_column(scheme: str, trait: str, scale: str) -> str:
    """`big5_EXT` (binary), `big5_EXT_pct`, `big5_EXT_likert`, `mbti_I_E`, `demographic_age`."""
    return f"{scheme}_{re.sub(r'[^A-Za-z0-9]+', '_', trait)}{SCALES[scale].suffix}"


def task_of(scale: str | None) -> str | None:
    """The baseline task of a scale: the scale decides, never the values it happens to hold."""
    return SCALES[scale].task if scale in SCALES else None
