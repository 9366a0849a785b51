"""The feature catalogue is complete, in step with the modules, and queryable as a view."""

from __future__ import annotations

import duckdb

from assets.contours.features import FAMILIES, feature_names, lexicon_requirements
from schemas.feature_catalog import (
    CONTOURS,
    DOCUMENT_FEATURES,
    FEATURE_NAMES,
    FEATURES,
    family_features,
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


def test_when_view_built_then_it_lists_the_catalogue_per_family():
    con = duckdb.connect()
    con.execute(view_sql())
    rows = con.execute("SELECT family, count(*) FROM feature_catalog GROUP BY 1").fetchall()
    assert dict(rows) == {name: len(m.FEATURES) for name, m in FAMILIES.items()}


def test_when_tables_built_then_one_column_per_feature_and_stat():
    assert CONTOURS.names[7:] == list(FEATURE_NAMES)
    assert len(DOCUMENT_FEATURES.names) == 4 + 5 * len(FEATURE_NAMES)


def test_when_each_family_computes_a_text_then_it_gives_exactly_its_catalogue_names(
    nlp, featurizer
):
    doc = nlp("I never said she stole my money. Did you? We will see, said Dr. Smith happily!")
    for family, module in FAMILIES.items():
        assert module.FAMILY == family
        assert module.FEATURES == family_features(family)
        assert list(module.features(doc, featurizer)) == list(module.FEATURES), family
