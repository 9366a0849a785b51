"""The annotation stage's definitions: tasks, annotations, crowd labels, and the sensor that
pulls when annotators have worked. Resources are bound by the wiring
(`dagster_project/definitions.py`)."""

from dagster import Definitions

from assets.annotate.assets import ASSETS, CHECKS
from assets.annotate.sensors import SENSORS

defs = Definitions(assets=ASSETS, asset_checks=CHECKS, sensors=SENSORS)
