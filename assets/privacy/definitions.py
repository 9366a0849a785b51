"""The privacy stage's definitions: the curated zone and its leak checks. Resources (its own
`PrivacyResource` included) are bound by the wiring (`dagster_project/definitions.py`)."""

from dagster import Definitions

from assets.privacy.assets import ASSETS, CHECKS

defs = Definitions(assets=ASSETS, asset_checks=CHECKS)
