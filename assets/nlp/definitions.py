"""The NLP stage's definitions: the one spaCy parse of every document. Resources are bound by the
wiring (`dagster_project/definitions.py`)."""

from dagster import Definitions

from assets.nlp.assets import ASSETS, CHECKS

defs = Definitions(assets=ASSETS, asset_checks=CHECKS)
