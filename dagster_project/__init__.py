"""The wiring on top: `definitions.py` (the code location, merging each stage's Definitions with
the resources), cross-stage jobs, schedules and sensors, and the entry points `run_all` and
`dev`. Nothing below imports this package; what stages share lives in `assets.platform`."""
