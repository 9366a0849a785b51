"""Identifiers that reviewers found in curated text, as labelled data for the PII evaluation.

The Label Studio PII-review project shows curated (already anonymised) text; every span that at
least two reviewers marked is an identifier the anonymiser missed. Those spans flow back here so
`bench/pii_eval.py --reviewed WAREHOUSE_DIR` measures the next anonymiser against exactly the
misses people found, not only against public data sets."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from assets.lake import Lake


@dataclass(frozen=True)
class ReviewedText:
    doc_id: str
    turn: int | None
    text: str
    spans: tuple[tuple[str, int, int], ...]  # (entity, start, end) in `text`


def reviewed_texts(lake: Lake, agreed_only: bool = True) -> list[ReviewedText]:
    """Curated texts with the reviewers' spans: document spans on the document's text, dialogue
    spans on their utterance's text (the offsets Label Studio recorded within the turn)."""
    spans = lake.relation("curated", "pii_review_spans")
    documents = lake.relation("curated", "documents")
    utterances = lake.relation("curated", "utterances")
    rows = duckdb.sql(f"""
        SELECT s.doc_id, s.turn,
               coalesce(u.text, d.text) AS text,
               list((s.entity, coalesce(s.turn_start, s.start), coalesce(s.turn_end, s."end"))
                    ORDER BY coalesce(s.turn_start, s.start)) AS spans
        FROM {spans} s
        LEFT JOIN {documents} d ON d.doc_id = s.doc_id AND s.turn IS NULL
        LEFT JOIN {utterances} u ON u.doc_id = s.doc_id AND u.turn = s.turn
        WHERE coalesce(u.text, d.text) IS NOT NULL {"AND s.agreed" if agreed_only else ""}
        GROUP BY s.doc_id, s.turn, coalesce(u.text, d.text)
        ORDER BY s.doc_id, s.turn NULLS FIRST
    """).fetchall()
    return [
        ReviewedText(doc_id, turn, text, tuple((e, int(a), int(b)) for e, a, b in spans))
        for doc_id, turn, text, spans in rows
    ]
