"""Asset keys that more than one stage names.

A stage depends on another stage's output by key (`deps=[PARSED_DOCUMENTS]`), never by
importing that stage's Dagster module: the stages stay independent (an import-linter contract)
and each key is written once.
"""

from dagster import AssetKey

# The one spaCy parse of every document (assets/nlp), read by contours and privacy.
PARSED_DOCUMENTS = AssetKey(["raw", "parsed_documents"])
