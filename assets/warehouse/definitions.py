"""The warehouse stage's definitions: the analysts' DuckDB databases. Resources are bound by the
wiring (`dagster_project/definitions.py`)."""

from dagster import Definitions

from assets.warehouse.assets import ASSETS, CHECKS

defs = Definitions(assets=ASSETS, asset_checks=CHECKS)
