"""Author-level features: each author's document means, weighted by the documents' word counts.

The doc → author mapping is an input, not a lookup: today it is the raw `documents` table's
`author_id`; once the privacy stage publishes pseudonymous ids, the asset passes that mapping
instead and nothing here changes. DuckDB does the grouping, so a corpus of millions of
documents is aggregated out of core.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from schemas.feature_catalog import AUTHOR_FEATURES, FEATURE_NAMES


def author_query(document_features: str = "document_features", mapping: str = "doc_authors"
                 ) -> str:
    """SQL averaging each feature's document mean, weighted by words, per author.

    A document whose mean is NULL for a feature (no valued window) carries no weight for it."""
    weighted = ",\n  ".join(
        f'sum(d."{name}__mean" * d.n_words) FILTER (WHERE d."{name}__mean" IS NOT NULL) '
        f'/ nullif(sum(d.n_words) FILTER (WHERE d."{name}__mean" IS NOT NULL), 0) '
        f'AS "{name}__mean"'
        for name in FEATURE_NAMES
    )
    return (
        f"SELECT m.author_id, count(*)::INTEGER AS n_documents, "
        f"sum(d.n_words)::BIGINT AS n_words,\n  {weighted}\n"
        f"FROM {document_features} d JOIN {mapping} m ON d.doc_id = m.doc_id\n"
        f"WHERE m.author_id IS NOT NULL\nGROUP BY m.author_id ORDER BY m.author_id"
    )


def author_features(document_features: Any, doc_authors: Any) -> pa.Table:
    """Token-weighted author features.

    Args:
        document_features: rows of the `document_features` table (anything DuckDB scans: an
            Arrow table or dataset).
        doc_authors: a `doc_id` → `author_id` mapping (same kinds of input).
    """
    con = duckdb.connect(config={"memory_limit": "1GB", "threads": 2})
    try:
        con.register("document_features", document_features)
        con.register("doc_authors", doc_authors)
        table = con.sql(author_query()).to_arrow_table()
    finally:
        con.close()
    return table.cast(AUTHOR_FEATURES)
