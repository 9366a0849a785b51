"""Views of the owner-only raw database, `raw.duckdb`."""
