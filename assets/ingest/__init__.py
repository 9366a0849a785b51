"""Ingestion: one reader per corpus family turns source files into raw lake tables."""
