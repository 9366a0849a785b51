"""Arrow schemas of the curated zone: what analysts and every later stage may read.

Each curated table keeps its raw contract's columns (same names, same docs) except: free text is
anonymised, author and speaker ids are keyed pseudonyms, raw usernames, speaker names and
quarantine excerpts are dropped, documents and utterances gain `pii_counts`, authors gain
`bot_reason` (checked against the raw username before it is dropped), and documents gain
their `language` and `language_confidence` (detected where they are parsed).
"""

from __future__ import annotations

import pyarrow as pa

from schemas.tables import AUTHORS, DOCUMENTS, LABELS, QUARANTINE, UTTERANCES, TableContract

PII_COUNTS = pa.field(
    "pii_counts", pa.string(), nullable=False,
    metadata={"doc": "JSON object: PII entity type -> spans replaced in this row."},
)

BOT_REASON = pa.field(
    "bot_reason", pa.string(), nullable=True,
    metadata={"doc": "known_account when the raw username is a known bot account "
                     "(assets/privacy/known_bots.yaml), else null."},
)

_DOCS = {
    "author_id": "Keyed pseudonym of the author (a_ + 20 hex); null when the source has none.",
    "speaker_id": "Keyed pseudonym of the speaker (a_ + 20 hex), same key as author ids.",
    "subject_id": "doc_id, or the author's keyed pseudonym for author labels.",
    "text": "Anonymised text: PII replaced by typed, per-document numbered placeholders.",
    "content_hash": "XXH3-128 of the anonymised text (32 hex digits).",
    "stage_directions": "Stage directions of this turn, anonymised.",
}
_DROPPED = {"username", "speaker", "raw_excerpt"}


def _curated(schema: pa.Schema, extra: list[pa.Field] | None = None) -> pa.Schema:
    fields = []
    for f in schema:
        if f.name in _DROPPED:
            continue
        if f.name in _DOCS:
            f = f.with_metadata({"doc": _DOCS[f.name]})
        fields.append(f)
    return pa.schema(fields + (extra or []))


# Nullable: a part curated before language identification has none (read as `und`).
LANGUAGE = pa.field(
    "language", pa.string(), nullable=True,
    metadata={"doc": "ISO 639-1 code of the text's language (assets/nlp/language.py); und: too "
                     "little text, or the detector's confidence below its threshold."},
)
LANGUAGE_CONFIDENCE = pa.field(
    "language_confidence", pa.float64(), nullable=True,
    metadata={"doc": "The language detector's confidence in its top language (0-1)."},
)

CURATED_DOCUMENTS = _curated(DOCUMENTS, [PII_COUNTS, LANGUAGE, LANGUAGE_CONFIDENCE])
CURATED_UTTERANCES = _curated(UTTERANCES, [PII_COUNTS])
CURATED_AUTHORS = _curated(AUTHORS, [BOT_REASON])
CURATED_LABELS = _curated(LABELS)
CURATED_QUARANTINE = _curated(QUARANTINE)

CURATED_TABLES: dict[str, TableContract] = {
    "documents": TableContract("documents", CURATED_DOCUMENTS, ("doc_id",)),
    "utterances": TableContract("utterances", CURATED_UTTERANCES, ("utterance_id",)),
    "authors": TableContract("authors", CURATED_AUTHORS, ("author_id", "source_file")),
    "labels": TableContract(
        "labels", CURATED_LABELS, ("subject_id", "scheme", "trait", "source", "source_file")
    ),
    "quarantine": TableContract(
        "quarantine", CURATED_QUARANTINE, ("source_file", "source_line", "reason")
    ),
}
