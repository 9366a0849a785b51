"""Pennebaker & King (1999) stream-of-consciousness essays with binary Big Five labels.

Formats seen in the wild: `#AUTHID,TEXT,cEXT,cNEU,cAGR,cCON,cOPN` (the classic essays.csv,
often cp1252), and the same without `#AUTHID` (the entity-masked rebuild, with extra fold_*
columns). Without an AUTHID each essay is its own author, keyed by its text's hash.
"""

from __future__ import annotations

from collections.abc import Iterator

from assets.ingest import records
from assets.ingest.csv_rows import iter_csv_records
from assets.ingest.ids import author_id, content_hash
from assets.ingest.labels import parse_yes_no
from assets.ingest.records import Row
from assets.ingest.sources import SourceFile
from schemas.tables import BIG5_TRAITS

TRAIT_COLUMNS = {f"c{trait}": trait for trait in BIG5_TRAITS}
PLATFORM = "essays"
# Spreadsheet error cells that some copies carry instead of an essay.
JUNK_TEXTS = {"Err:000", "Err:502", "#VALUE!", "#REF!", "#NAME?"}


def read(source: SourceFile) -> Iterator[Row]:
    for line, record, excerpt in iter_csv_records(source, required={"TEXT", *TRAIT_COLUMNS}):
        if "__error__" in record:
            yield records.quarantine(
                source, line=line, reason=str(record["__error__"]), excerpt=excerpt
            )
            continue
        text = (record["TEXT"] or "").strip()
        if not text:
            yield records.quarantine(source, line=line, reason="empty text", excerpt=excerpt)
            continue
        if text in JUNK_TEXTS:
            yield records.quarantine(
                source,
                line=line,
                reason=f"spreadsheet error cell instead of text: {text}",
                excerpt=excerpt,
            )
            continue
        if (long := records.too_long(source, line=line, text=text, excerpt=excerpt)) is not None:
            yield long
            continue
        values = {trait: parse_yes_no(record[col]) for col, trait in TRAIT_COLUMNS.items()}
        bad = [f"{col}={record[col]!r}" for col, t in TRAIT_COLUMNS.items() if values[t] is None]
        if bad:
            yield records.quarantine(
                source,
                line=line,
                reason=f"invalid Big Five label: {', '.join(bad)}",
                excerpt=excerpt,
            )
            continue
        authid = (record.get("#AUTHID") or "").strip() or f"text-{content_hash(text)[:16]}"
        author = author_id(PLATFORM, authid)
        yield records.document(
            source, natural_key=authid, line=line, kind="essay", text=text, author_id=author
        )
        for trait, value in values.items():
            yield records.label(
                source,
                subject_id=author,
                subject_kind="author",
                scheme="big5",
                trait=trait,
                scale="binary",
                value=value,
                value_cat="y" if value else "n",
                label_source="test_result",
            )
