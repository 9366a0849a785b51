"""The analysts' entry point: DuckDB databases of views over the lake."""
