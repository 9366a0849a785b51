"""Table contracts: the single source of truth for every warehouse table's columns and types."""
