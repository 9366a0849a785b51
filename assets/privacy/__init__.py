"""Privacy stage: PII detection on the shared spaCy parse, anonymisation, pseudonyms, leak scans.

Pure modules (no Dagster): `offline`, `names`, `recognizers`, `policy`, `anonymise`,
`pseudonyms`, `leaks`, `curate`. Dagster lives only in `assets.py` and `resources.py`.
"""
