"""Label Studio configs, guidelines and client code (no Dagster)."""
