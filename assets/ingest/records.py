"""Row builders the readers emit: `(table, row)` pairs matching the contracts in
`schemas.tables`. Builders fill ids, hashes and provenance so each reader states only what
its format knows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from assets.ingest.ids import content_hash, content_hashes, stable_id, stable_ids
from assets.ingest.labels import mbti_axes
from assets.ingest.sources import SourceFile
from schemas.label_scales import label_values
from schemas.tables import DOCUMENTS

Row = tuple[str, dict[str, Any]]
# What a bulk reader yields: dict rows where they are few, whole Arrow batches where they are many.
Batch = pa.RecordBatch | pa.Table
Item = tuple[str, dict[str, Any] | Batch]
EXCERPT_CHARS = 200
# The longest text ingested, in characters. Longer texts are quarantined at ingest (reason
# `text too long: N characters > MAX_TEXT_CHARS`, naming file and line), so no later check has to
# block a partition on length. 25 times the longest text Reddit allows (40,000 characters), and
# spaCy's default `max_length`: a longer text is a parsing accident or a dump of a whole file,
# and would also stop the NLP stage. See warehouse/README.md, "Long texts".
MAX_TEXT_CHARS = 1_000_000
EPOCH_SECONDS = pa.timestamp("s", tz="UTC")


def document(
    source: SourceFile,
    *,
    natural_key: str,
    line: int,
    kind: str,
    text: str,
    author_id: str | None = None,
    created_at: datetime | None = None,
    context: str | None = None,
) -> Row:
    return "documents", {
        "doc_id": document_id(source.corpus, natural_key),
        "corpus": source.corpus,
        "author_id": author_id,
        "kind": kind,
        "text": text,
        "created_at": created_at,
        "context": context,
        "source_file": source.relpath,
        "source_line": line,
        "content_hash": content_hash(text),
    }


def document_id(corpus: str, natural_key: str) -> str:
    """Ids hang on the record's own key (a Reddit id, an essay's AUTHID, a scene id), not on the
    file name, so moving or recompressing a file keeps every id."""
    return stable_id(corpus, natural_key)


def documents_batch(
    source: SourceFile,
    *,
    natural_keys: Iterable[str] | pa.Array,
    lines: Sequence[int] | pa.Array,
    kinds: Sequence[str] | pa.Array | str,
    texts: Sequence[str] | pa.Array,
    author_ids: Sequence[str | None] | pa.Array,
    created_epochs: Sequence[int | None] | pa.Array,
    contexts: Sequence[str | None] | pa.Array,
) -> pa.RecordBatch:
    """Many `document` rows at once, as one batch of the documents contract.

    Ids and hashes are the very values `document` computes, made a column at a time; times are
    epoch seconds (`from_epoch` semantics are the caller's to apply)."""
    text = _strings(texts)
    n = len(text)
    kind = (pa.repeat(pa.scalar(kinds, pa.string()), n) if isinstance(kinds, str)
            else _strings(kinds))
    created = created_epochs if isinstance(created_epochs, pa.Array) else pa.array(
        created_epochs, pa.int64())
    columns = [
        stable_ids(source.corpus, natural_keys),
        pa.repeat(pa.scalar(source.corpus, pa.string()), n),
        _strings(author_ids),
        kind,
        text,
        created.cast(pa.int64()).cast(EPOCH_SECONDS),
        _strings(contexts),
        pa.repeat(pa.scalar(source.relpath, pa.string()), n),
        lines if isinstance(lines, pa.Array) else pa.array(lines, pa.int64()),
        content_hashes(text),
    ]
    return pa.RecordBatch.from_arrays(columns, schema=DOCUMENTS)


def _strings(values: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values.cast(pa.string())
    return pa.array(values, pa.string())


def epoch_seconds(value: Any) -> int | None:
    """`from_epoch(value)` as epoch seconds, for columns built without datetime objects."""
    moment = from_epoch(value)
    return None if moment is None else int(moment.timestamp())


def as_rows(items: Iterable[Item]) -> Iterator[Row]:
    """Dict rows of a bulk reader's output: for tests and callers that want one row at a time."""
    for table, item in items:
        if isinstance(item, dict):
            yield table, item
        else:
            for row in item.to_pylist():
                yield table, row


def utterance(
    source: SourceFile,
    *,
    doc_id: str,
    turn: int,
    speaker_id: str | None,
    speaker: str | None,
    text: str,
    stage_directions: list[str],
) -> Row:
    return "utterances", {
        "utterance_id": stable_id(doc_id, turn),
        "doc_id": doc_id,
        "corpus": source.corpus,
        "turn": turn,
        "speaker_id": speaker_id,
        "speaker": speaker,
        "text": text,
        "stage_directions": stage_directions,
    }


def author(source: SourceFile, *, author_id: str, platform: str, username: str | None) -> Row:
    """An author known from a profile or users file; counts of documents are added later."""
    return "authors", {
        "author_id": author_id,
        "corpus": source.corpus,
        "platform": platform,
        "username": username,
        "n_documents": 0,
        "source_file": source.relpath,
    }


def label(
    source: SourceFile,
    *,
    subject_id: str,
    subject_kind: str,
    scheme: str,
    trait: str,
    label_source: str,
    scale: str,
    value: float | None = None,
    value_cat: str | None = None,
) -> Row:
    """A label row; `scale` says what `value` is, and `label_values` puts it in that scale's
    column (a Big Five 0/1 and a percentile never share one)."""
    return "labels", {
        "subject_id": subject_id,
        "subject_kind": subject_kind,
        "corpus": source.corpus,
        "scheme": scheme,
        "trait": trait,
        **label_values(scheme, trait, scale, value, value_cat),
        "source": label_source,
        "source_file": source.relpath,
    }


def mbti_labels(
    source: SourceFile, *, subject_id: str, subject_kind: str, mbti_type: str, label_source: str
) -> list[Row]:
    """The type itself plus its four binary axes, so analysts can model either."""
    rows = [
        label(
            source,
            subject_id=subject_id,
            subject_kind=subject_kind,
            scheme="mbti",
            trait="type",
            scale="category",
            value_cat=mbti_type,
            label_source=label_source,
        )
    ]
    for axis, letter, value in mbti_axes(mbti_type):
        rows.append(
            label(
                source,
                subject_id=subject_id,
                subject_kind=subject_kind,
                scheme="mbti",
                trait=axis,
                scale="binary",
                value=value,
                value_cat=letter,
                label_source=label_source,
            )
        )
    return rows


def too_long(source: SourceFile, *, line: int, text: str, excerpt: str | bytes = "") -> Row | None:
    """The quarantine row of a text longer than MAX_TEXT_CHARS, or None for one that fits.

    Readers call it before emitting anything for the record, so a too-long text leaves no
    utterances or labels pointing at a document that is not there."""
    if len(text) <= MAX_TEXT_CHARS:
        return None
    return quarantine(source, line=line, reason=too_long_reason(source, line, len(text)),
                      excerpt=excerpt or text)


def too_long_reason(source: SourceFile, line: int, chars: int) -> str:
    return (f"text too long: {chars} characters > {MAX_TEXT_CHARS} "
            f"({source.relpath} line {line})")


def without_long_texts(source: SourceFile, batch: pa.RecordBatch) -> Iterator[Item]:
    """A documents batch as `too_long` would leave it: a quarantine row per text longer than
    MAX_TEXT_CHARS, then the batch without them."""
    lengths = pc.utf8_length(batch.column("text"))
    long = pc.greater(lengths, MAX_TEXT_CHARS)
    if not pc.any(long).as_py():
        yield "documents", batch
        return
    picked = pc.indices_nonzero(long)
    for line, chars, text in zip(
        pc.take(batch.column("source_line"), picked).to_pylist(),
        pc.take(lengths, picked).to_pylist(),
        pc.take(batch.column("text"), picked).to_pylist(),
        strict=True,
    ):
        yield quarantine(source, line=line, reason=too_long_reason(source, line, chars),
                         excerpt=text)
    kept = batch.filter(pc.invert(long))
    if kept.num_rows:
        yield "documents", kept


def quarantine(source: SourceFile, *, line: int, reason: str, excerpt: str | bytes = "") -> Row:
    if isinstance(excerpt, bytes):
        excerpt = excerpt.decode("utf-8", errors="replace")
    return "quarantine", {
        "corpus": source.corpus,
        "source_file": source.relpath,
        "source_line": line,
        "reason": reason,
        "raw_excerpt": excerpt[:EXCERPT_CHARS],
    }


def from_epoch(value: Any) -> datetime | None:
    """UTC datetime from epoch seconds given as int, float or numeric string; None otherwise."""
    if value is None or value == "":
        return None
    try:
        return datetime.fromtimestamp(int(float(value)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
