"""Author-level features: each author's document means, weighted by the documents' word counts.

The grain is one row per author and corpus, `(author_id, corpus)`: pseudonyms are per platform,
so one Reddit user in PANDORA and in Pushshift has one author_id in two corpora, and each corpus
gets its own row (its own documents' means). Every consumer joins on both columns.

The doc → author mapping is an input, not a lookup: the curated `documents` table's `doc_id`,
`author_id` and `corpus`. DuckDB does the grouping, so a corpus of millions of documents is
aggregated out of core. Every floating-point sum names its order (`ORDER BY doc_id`): a parallel
hash aggregate adds partial sums in whatever order its threads finish, and the last bits of a
mean would then change from run to run with no change in the input.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

import schemas.feature_catalog
from assets.contours.compute import DOCUMENT_FEATURES_TABLE, ZONE
from assets.lake import Lake
from assets.platform.reuse import DigestCache, Input, inputs_fingerprint, source_digest
from schemas.feature_catalog import AUTHOR_FEATURES, FEATURE_NAMES


def author_query(document_features: str = "document_features", mapping: str = "doc_authors"
                 ) -> str:
    """SQL averaging each feature's document mean, weighted by words, per author and corpus.

    A document whose mean is NULL for a feature (no valued window) carries no weight for it."""
    weighted = ",\n  ".join(
        f'sum(d."{name}__mean" * d.n_words ORDER BY d.doc_id) '
        f'FILTER (WHERE d."{name}__mean" IS NOT NULL) '
        f'/ nullif(sum(d.n_words) FILTER (WHERE d."{name}__mean" IS NOT NULL), 0) '
        f'AS "{name}__mean"'
        for name in FEATURE_NAMES
    )
    return (
        f"SELECT m.author_id, m.corpus, count(*)::INTEGER AS n_documents, "
        f"sum(d.n_words)::BIGINT AS n_words,\n  {weighted}\n"
        f"FROM {document_features} d JOIN {mapping} m ON d.doc_id = m.doc_id\n"
        f"WHERE m.author_id IS NOT NULL\nGROUP BY m.author_id, m.corpus "
        f"ORDER BY m.author_id, m.corpus"
    )


def author_features(document_features: Any, doc_authors: Any) -> pa.Table:
    """Token-weighted author features, one row per `(author_id, corpus)`.

    Args:
        document_features: rows of the `document_features` table (anything DuckDB scans: an
            Arrow table or dataset).
        doc_authors: the `doc_id` → `(author_id, corpus)` mapping (same kinds of input); a
            mapping without a `corpus` column is refused, since it cannot give the grain.
    """
    con = duckdb.connect(config={"memory_limit": "1GB", "threads": 2})
    try:
        con.register("document_features", document_features)
        con.register("doc_authors", doc_authors)
        columns = {name for name, *_ in con.execute("DESCRIBE doc_authors").fetchall()}
        missing = {"doc_id", "author_id", "corpus"} - columns
        if missing:
            raise ValueError(f"doc_authors lacks {sorted(missing)}: author features are keyed "
                             "by (author_id, corpus)")
        table = con.sql(author_query()).to_arrow_table()
    finally:
        con.close()
    return table.cast(AUTHOR_FEATURES)


def write_author_features(lake: Lake, only: Collection[str] | None = None) -> dict[str, int]:
    """Rebuild `curated/author_features` for every corpus that has document features (or the
    ones in `only`); returns the rows written per corpus."""
    rows = {}
    for corpus in lake.corpora(ZONE, DOCUMENT_FEATURES_TABLE):
        if only is not None and corpus not in only:
            continue
        features = ds.dataset(lake.list_parts("curated", "document_features", corpus),
                              filesystem=lake.fs, format="parquet")
        # Curated documents carry the pseudonymous author id: the curated zone never holds
        # a raw username, so the raw documents cannot supply this mapping.
        curated_docs = lake.list_parts("curated", "documents", corpus)
        if not curated_docs:
            continue
        mapping = ds.dataset(curated_docs, filesystem=lake.fs,
                             format="parquet").to_table(columns=["doc_id", "author_id", "corpus"])
        table = author_features(features, mapping)
        lake.write_part("curated", "author_features", corpus, "authors", table,
                        {"corpus": corpus, "author_id_source": "curated.documents.author_id"},
                        keep_identical=True)
        rows[corpus] = table.num_rows
    return rows


def author_features_fingerprint(lake: Lake, corpus: str, cache: DigestCache) -> str:
    """A corpus's author features read its document features and curated documents only."""
    inputs: list[Input] = [(ZONE, DOCUMENT_FEATURES_TABLE, corpus), (ZONE, "documents", corpus)]
    settings = {"code": source_digest(__file__, schemas.feature_catalog)}
    return inputs_fingerprint(lake, inputs, settings, cache)
