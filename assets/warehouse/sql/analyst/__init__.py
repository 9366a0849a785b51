"""Views of the analysts' database, `warehouse.duckdb`."""
