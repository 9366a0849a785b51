"""Every lake table's schema by (zone, table): the one lookup views and checks use."""

from __future__ import annotations

import pyarrow as pa

from schemas.annotation import ANNOTATION_TABLES
from schemas.curated import CURATED_TABLES
from schemas.feature_catalog import AUTHOR_FEATURES, CONTOURS, DOCUMENT_FEATURES
from schemas.label_mentions import LABEL_MENTION_TABLES
from schemas.splits import CURATE_TABLES
from schemas.tables import FAILED_SOURCES, RAW_TABLES

SCHEMAS: dict[tuple[str, str], pa.Schema] = {
    **{("raw", name): c.schema for name, c in RAW_TABLES.items()},
    ("raw", "failed_sources"): FAILED_SOURCES,
    **{("curated", name): c.schema for name, c in CURATED_TABLES.items()},
    ("curated", "contours"): CONTOURS,
    ("curated", "document_features"): DOCUMENT_FEATURES,
    ("curated", "author_features"): AUTHOR_FEATURES,
    **{("curated", name): c.schema for name, c in CURATE_TABLES.items()},
    **{("curated", name): c.schema for name, c in ANNOTATION_TABLES.items()},
    **{("curated", name): c.schema for name, c in LABEL_MENTION_TABLES.items()},
}


def table_schema(zone: str, table: str) -> pa.Schema:
    try:
        return SCHEMAS[(zone, table)]
    except KeyError:
        raise KeyError(f"no contract for lake table {zone}.{table}") from None
