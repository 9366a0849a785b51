"""The curate stage's definitions: splits, baselines and dataset exports. Resources are bound by
the wiring (`dagster_project/definitions.py`)."""

from dagster import Definitions

from assets.curate.assets import ASSETS, CHECKS

defs = Definitions(assets=ASSETS, asset_checks=CHECKS)
