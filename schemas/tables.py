"""Arrow schemas of every lake table.

Readers, writers, the DuckDB views and the quality checks all take their columns from here, so a
column is added in one place. Each field carries a description that `warehouse/README.md` repeats
for analysts (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# LABEL_SCALES is re-exported: the expectation suites' `value_set_from` reads this module.
from schemas.label_scales import COLUMN_TYPES, SCALES
from schemas.label_scales import LABEL_SCALES as LABEL_SCALES


def documented_field(
    name: str, type_: pa.DataType, doc: str, nullable: bool = True
) -> pa.Field:
    """A field whose description travels with it (UI metadata, README, views)."""
    return pa.field(name, type_, nullable=nullable, metadata={"doc": doc})


_field = documented_field


DOCUMENT_KINDS = ("essay", "post", "comment", "submission", "tweet", "dialogue")
LABEL_SCHEMES = ("big5", "mbti", "enneagram", "demographic")
SUBJECT_KINDS = ("author", "document")
LABEL_SOURCES = (
    "self_report",
    "test_result",
    "flair",
    "annotator",
    "crowd_aggregate",
    "third_party",
)
# Trait names: the one definition. Readers, annotation projects, baselines and checks import
# these; label configs (XML) spell them out and a test holds them to these.
BIG5_TRAITS = ("EXT", "NEU", "AGR", "CON", "OPN")
BIG5_NAMES = {"EXT": "extraversion", "NEU": "neuroticism", "AGR": "agreeableness",
              "CON": "conscientiousness", "OPN": "openness"}
# Axis names follow the letter order of the type: the first-named pole is the axis's first letter.
MBTI_AXES = ("I/E", "N/S", "T/F", "J/P")

DOCUMENTS = pa.schema(
    [
        _field(
            "doc_id",
            pa.string(),
            "Deterministic id: hash of corpus and the record's own key.",
            False,
        ),
        _field("corpus", pa.string(), "Corpus family (essays, mbti_kaggle, ...).", False),
        _field("author_id", pa.string(), "Author or main speaker; null when the source has none."),
        _field("kind", pa.string(), "essay, post, comment, submission, tweet or dialogue.", False),
        _field("text", pa.string(), "Document text (raw zone: as ingested).", False),
        _field("created_at", pa.timestamp("s", tz="UTC"), "Creation time in UTC, when known."),
        _field("context", pa.string(), "Where the text lives: subreddit, scene id, forum..."),
        _field(
            "source_file",
            pa.string(),
            "File the row came from, relative to its family folder.",
            False,
        ),
        _field(
            "source_line", pa.int64(), "1-based line (or record) number in the source file.", False
        ),
        _field(
            "content_hash", pa.string(),
            "XXH3-128 of the text (32 hex digits), for dedup and change detection.", False,
        ),
    ]
)

UTTERANCES = pa.schema(
    [
        _field("utterance_id", pa.string(), "Deterministic id: doc_id and turn.", False),
        _field("doc_id", pa.string(), "The dialogue document (scene) this turn belongs to.", False),
        _field("corpus", pa.string(), "Corpus family.", False),
        _field("turn", pa.int32(), "0-based turn index within the scene.", False),
        _field("speaker_id", pa.string(), "Normalised speaker id."),
        _field("speaker", pa.string(), "Normalised speaker name (raw zone only)."),
        _field("text", pa.string(), "What the speaker says, stage directions removed.", False),
        _field(
            "stage_directions",
            pa.list_(pa.string()),
            "Parenthesised stage directions in this turn, kept apart from speech.",
        ),
    ]
)

AUTHORS = pa.schema(
    [
        _field("author_id", pa.string(), "Deterministic id: platform and username.", False),
        _field("corpus", pa.string(), "Corpus family the author was seen in.", False),
        _field(
            "platform", pa.string(), "reddit, twitter, personalitycafe, essays, friends.", False
        ),
        _field("username", pa.string(), "Raw username or speaker name (raw zone only)."),
        _field("n_documents", pa.int64(), "Documents by this author in this source.", False),
        _field("source_file", pa.string(), "File the author was seen in.", False),
    ]
)

LABELS = pa.schema(
    [
        _field("subject_id", pa.string(), "author_id or doc_id the label describes.", False),
        _field("subject_kind", pa.string(), "author or document.", False),
        _field("corpus", pa.string(), "Corpus family.", False),
        _field("scheme", pa.string(), "big5, mbti, enneagram or demographic.", False),
        _field(
            "trait", pa.string(), "EXT/NEU/AGR/CON/OPN, type or an axis (I/E...), age...", False
        ),
        _field("scale", pa.string(), "Which value column holds the label: binary, "
               "percentile, likert3, years or category (schemas/label_scales.py).", False),
        *[_field(s.column, getattr(pa, COLUMN_TYPES[s.column])(), f"{s.name} scale only: {s.doc}")
          for s in SCALES.values() if s.column],
        _field("value_cat", pa.string(), "The source's own value, or the category: y/n, INTJ, "
               "I, 4w5, female..."),
        _field("source", pa.string(), "self_report, test_result, flair, annotator, ...", False),
        _field("source_file", pa.string(), "File the label came from.", False),
    ]
)

QUARANTINE = pa.schema(
    [
        _field("corpus", pa.string(), "Corpus family.", False),
        _field("source_file", pa.string(), "File the rejected row came from.", False),
        _field("source_line", pa.int64(), "1-based line or record number.", False),
        _field("reason", pa.string(), "Why the row was not ingested.", False),
        _field("raw_excerpt", pa.string(), "First 200 characters of the raw row (raw zone only)."),
    ]
)

# Not a table of records but of whole files: one row per source file (or folder entry) of a
# partition that could not be read at all. Its other files are ingested as usual.
FAILED_SOURCES = pa.schema(
    [
        _field("corpus", pa.string(), "Corpus family.", False),
        _field("partition", pa.string(), "Source partition the file belongs to.", False),
        _field("source_file", pa.string(), "The unreadable file, relative to its family folder.",
               False),
        _field("reason", pa.string(), "Why it could not be read (empty, header only, unknown "
               "role, missing columns, bad compression, permission denied, symlink loop...).",
               False),
    ]
)


@dataclass(frozen=True)
class TableContract:
    """A lake table: its name, zone and Arrow schema."""

    name: str
    schema: pa.Schema
    key: tuple[str, ...]


RAW_TABLES: dict[str, TableContract] = {
    "documents": TableContract("documents", DOCUMENTS, ("doc_id",)),
    "utterances": TableContract("utterances", UTTERANCES, ("utterance_id",)),
    "authors": TableContract("authors", AUTHORS, ("author_id", "source_file")),
    "labels": TableContract(
        "labels", LABELS, ("subject_id", "scheme", "trait", "source", "source_file")
    ),
    "quarantine": TableContract("quarantine", QUARANTINE, ("source_file", "source_line", "reason")),
}


def column_docs(schema: pa.Schema) -> dict[str, str]:
    """Column descriptions, in schema order, for documentation and the UI."""
    return {f.name: (f.metadata or {}).get(b"doc", b"").decode() for f in schema}
