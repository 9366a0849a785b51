"""The contours stage's definitions: window features, their per-document summaries and the author
aggregates. Resources are bound by the wiring (`dagster_project/definitions.py`)."""

from dagster import Definitions

from assets.contours.assets import ASSETS, CHECKS

defs = Definitions(assets=ASSETS, asset_checks=CHECKS)
