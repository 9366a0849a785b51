"""The feature catalogue is complete, in step with the modules, and queryable as a view."""

from __future__ import annotations

import duckdb

from assets.contours.features import FAMILIES, feature_names, lexicon_requirements
from schemas.feature_catalog import (
    CONTOURS,
    DOCUMENT_FEATURES,
    FEATURE_NAMES,
    FEATURES,
    VIEW_PATH,
    view_sql,
)


def test_when_modules_and_catalogue_compared_then_same_features_same_order():
    assert list(FEATURE_NAMES) == feature_names()
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    for feature in FEATURES:
        assert feature.name in FAMILIES[feature.family].FEATURES
        assert feature.description and feature.citation


def test_when_feature_needs_lexicon_then_catalogue_says_which():
    needs = lexicon_requirements()
    assert {f.name: f.lexicon for f in FEATURES if f.lexicon} == needs


def test_when_view_file_read_then_it_is_generated_from_catalogue():
    assert VIEW_PATH.read_text() == view_sql(), "run `python -m schemas.feature_catalog`"
    con = duckdb.connect()
    con.execute(VIEW_PATH.read_text())
    rows = con.execute("SELECT family, count(*) FROM feature_catalog GROUP BY 1").fetchall()
    assert dict(rows) == {name: len(m.FEATURES) for name, m in FAMILIES.items()}


def test_when_tables_built_then_one_column_per_feature_and_stat():
    assert CONTOURS.names[7:] == list(FEATURE_NAMES)
    assert len(DOCUMENT_FEATURES.names) == 4 + 5 * len(FEATURE_NAMES)
