"""Crowd labelling through Label Studio: server lifecycle, label configs, guidelines, projects,
task builders, the pull of annotations and their aggregation. Plain Python, no Dagster import:
the assets in `assets/annotate/` only call into this package."""
