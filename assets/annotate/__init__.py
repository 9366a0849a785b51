"""Annotation stage: the crowd-labelling loop through Label Studio (logic in `annotation/`)."""
