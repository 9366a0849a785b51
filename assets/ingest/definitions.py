"""The ingest stage's definitions: the raw tables of each source partition, and its unreadable
files. Resources are bound by the wiring (`dagster_project/definitions.py`)."""

from dagster import Definitions

from assets.ingest.assets import ASSETS, CHECKS

defs = Definitions(assets=ASSETS, asset_checks=CHECKS)
