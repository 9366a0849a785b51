"""Dagster wiring: the one `definitions.py` entry point, resources, partitions, jobs, schedules
and sensors. Stage logic lives in `assets/`."""
