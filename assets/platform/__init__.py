"""What every stage may use: resources, the partition set and settings.

It is low on purpose. Before, these lived in `dagster_project/` with the wiring, so every stage's
asset module imported the package that imports it: arrows ran back up. Here they sit below the
stages and above `annotation` and the lake (which they wrap), and import neither a stage nor the
wiring, so a stage can use them and `dagster_project/` stays the one place that ties the stages
together (see ARCHITECTURE.md and the import-linter contracts in pyproject.toml)."""
