"""Feature families: one module per family, each exposing `FAMILY`, `FEATURES`,
`compute(arrays, windows)` (all windows of a batch of Docs at once) and `features(window)`
(one window).

A new family is one module here plus its rows in `schemas/feature_catalog.py`.
"""

from __future__ import annotations

from types import ModuleType

from assets.contours.features import (
    affect,
    lexical_richness,
    lexical_sophistication,
    readability,
    style,
    syntactic,
)

FAMILIES: dict[str, ModuleType] = {
    m.FAMILY: m
    for m in (syntactic, lexical_richness, lexical_sophistication, readability, affect, style)
}


def feature_names() -> list[str]:
    """Every feature in family order: the column order of the contour tables."""
    return [name for module in FAMILIES.values() for name in module.FEATURES]


def lexicon_requirements() -> dict[str, str]:
    """Feature -> the lexicon it needs, for features that need one."""
    out: dict[str, str] = {}
    for module in FAMILIES.values():
        out.update(getattr(module, "LEXICON_FEATURES", {}))
    return out
