"""Label normalisation shared by the readers: MBTI types and axes, Big Five, Enneagram, flair."""

from __future__ import annotations

import re

from schemas.tables import MBTI_AXES as MBTI_AXIS_NAMES

MBTI_TYPES = frozenset(a + b + c + d for a in "IE" for b in "NS" for c in "TF" for d in "JP")
# Axis names follow the letter order of the type; value_cat holds the letter, value_binary is 1
# for the first-named pole (I, N, T, J) and 0 for the other.
MBTI_AXES = tuple((axis, axis.split("/")[0]) for axis in MBTI_AXIS_NAMES)
_MBTI_IN_TEXT = re.compile(r"(?<![A-Za-z])([IEie][NSns][TFtf][JPjp])(?![A-Za-z])")
_ENNEAGRAM = re.compile(r"^\s*([1-9])(?:\s*w\s*([1-9]))?\s*$", re.IGNORECASE)


def parse_mbti(value: str | None) -> str | None:
    """Canonical 4-letter type, or None if the value is not one of the 16 types.

    Accepts the common decorations seen in the corpora: case, whitespace, a trailing
    identity suffix (`INTJ-A`, `INTJ-T`)."""
    if value is None:
        return None
    cleaned = value.strip().upper()
    cleaned = re.sub(r"-[AT]$", "", cleaned)
    return cleaned if cleaned in MBTI_TYPES else None


def mbti_axes(mbti_type: str) -> list[tuple[str, str, float]]:
    """(axis, letter, 1.0 if first-named pole else 0.0) for each of the four axes."""
    return [
        (axis, letter, 1.0 if letter == first else 0.0)
        for (axis, first), letter in zip(MBTI_AXES, mbti_type, strict=True)
    ]


def mbti_from_flair(flair: str | None) -> str | None:
    """MBTI type a Reddit user declares in their flair, as PANDORA derived it.

    The flair must name exactly one distinct valid type (`INTJ`, `intj-A`, `INTJ 5w4`); flairs
    naming two different types (`INTP/INTJ`, `INFP or ENFP`) are ambiguous and give nothing."""
    if not flair:
        return None
    found = {m.upper() for m in _MBTI_IN_TEXT.findall(flair)}
    found &= MBTI_TYPES
    return next(iter(found)) if len(found) == 1 else None


def parse_enneagram(value: str | None) -> tuple[int, int | None] | None:
    """(type, wing) from `4`, `4w5`, `4 w 5`; None if not a valid Enneagram code."""
    if value is None:
        return None
    match = _ENNEAGRAM.match(value)
    if not match:
        return None
    core = int(match.group(1))
    wing = int(match.group(2)) if match.group(2) else None
    if wing is not None and abs(core - wing) not in (1, 8):
        return None  # a wing is always an adjacent type on the circle
    return core, wing


def parse_yes_no(value: str | None) -> float | None:
    """Binary Big Five label from y/n, 1/0, true/false; None if none of those."""
    if value is None:
        return None
    v = value.strip().lower()
    if v in {"y", "yes", "1", "1.0", "true"}:
        return 1.0
    if v in {"n", "no", "0", "0.0", "false"}:
        return 0.0
    return None


def parse_percentile(value: str | None) -> float | None | str:
    """A 0-100 percentile as float; None when empty; the string 'out_of_range' or 'invalid'
    when present but unusable, so the reader can quarantine with a precise reason."""
    if value is None or value.strip() == "":
        return None
    try:
        number = float(value)
    except ValueError:
        return "invalid"
    if number != number or not 0.0 <= number <= 100.0:
        return "out_of_range"
    return number
