"""The quality stage's definitions: Great Expectations suites as checks on other stages' tables
(by asset key). Resources are bound by the wiring (`dagster_project/definitions.py`)."""

from dagster import Definitions

from assets.quality.checks import CHECKS

defs = Definitions(asset_checks=CHECKS)
