"""Feature families: one module per family, each exposing `FAMILY`, `FEATURES` (its names, taken
from the catalogue), `compute(arrays, windows)` (all windows of a batch of Docs at once) and
`features(window)` (one window).

A new family is one module here, named as the family, plus its rows in
`schemas/feature_catalog.py`: the catalogue is the registry, and the modules are found from it.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from schemas.feature_catalog import FAMILIES as CATALOGUE_FAMILIES
from schemas.feature_catalog import FEATURES as CATALOGUE

FAMILIES: dict[str, ModuleType] = {
    family: import_module(f"{__name__}.{family}") for family in CATALOGUE_FAMILIES
}


def feature_names() -> list[str]:
    """Every feature in family order: the column order of the contour tables."""
    return [name for module in FAMILIES.values() for name in module.FEATURES]


def lexicon_requirements() -> dict[str, str]:
    """Feature -> the lexicon it needs, for features that need one (from the catalogue)."""
    return {f.name: f.lexicon for f in CATALOGUE if f.lexicon}
