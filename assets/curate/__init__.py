"""Curate stage: leak-free splits, versioned exports with dataset cards, baselines.

Plain modules: `splits`, `export`, `card`, `baselines`. Dagster lives only in `assets.py`."""
