"""Pushshift Reddit dumps: NDJSON comments (`RC_*`) and submissions (`RS_*`, per-subreddit files).

One JSON object per line, zstd (2 GiB window), gzip or plain; read in chunks of lines, in constant
memory apart from one small dict of flaired authors, and written as Arrow batches. Files open
through `open_text`, which notices a zstd file cut off mid-frame and hands out valid UTF-8 (a
stray invalid byte becomes U+FFFD and a NUL byte is dropped, both counted in one quarantine note
per file, instead of costing the whole line). A file without a single record is unreadable.
A line is a comment when it has a string `body`, a submission when it has a string `title`.

Decisions:
- Bodies `[deleted]`/`[removed]` are Reddit's normal deleted content, not bad input: they are
  skipped silently (no document, no quarantine row), so the quarantine table keeps meaning "the
  source is broken here". A submission whose selftext is removed keeps its title as text.
- A `[deleted]` (or missing) author leaves `author_id` null; the text itself is kept.
- MBTI self-labels come from `author_flair_text` as in PANDORA: one label set per author per
  file. An author whose flair names two different types within one file gets no label and one
  quarantine row, because we cannot tell which one is true.
- `link_id`/`parent_id` have no column in the documents contract yet and are not kept.
"""

from __future__ import annotations

import gc
import io
import operator
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from assets.ingest import records
from assets.ingest.columns import is_blank
from assets.ingest.encoding import open_text
from assets.ingest.errors import EMPTY_FILE, SourceUnreadable, TruncatedSource
from assets.ingest.ids import author_id
from assets.ingest.labels import mbti_from_flair
from assets.ingest.prefetch import prefetched
from assets.ingest.records import Item, Row
from assets.ingest.sources import SourceFile

PLATFORM = "reddit"
PLATFORM_PREFIX = author_id(PLATFORM, "")
MAX_EPOCH = 253_402_300_800  # year 10000: past it, from_epoch decides
REMOVED = frozenset({"[deleted]", "[removed]"})
DELETED_AUTHORS = frozenset({"[deleted]", "[removed]", ""})


# Lines are parsed a chunk at a time into column lists, then written as one Arrow batch: no dict
# per document. Both limits bound memory: many short lines, or a few 1 MB ones.
CHUNK_LINES = 20_000
CHUNK_BYTES = 32 * 1024 * 1024
READ_BYTES = 1 << 20


def read(source: SourceFile) -> Iterator[Row]:
    """One dict row at a time (tests, small callers); the runner uses `read_batches`."""
    return records.as_rows(read_batches(source))


def read_batches(source: SourceFile) -> Iterator[Item]:
    """Document batches, quarantine rows as they occur, then the flair labels.

    Decompression and line splitting run one chunk ahead on a worker thread (zstd and gzip
    release the GIL), so on two cores they overlap the JSON parsing."""
    flairs = _FlairTypes()
    first_line = 1
    records_seen = False
    try:
        with open_text(source) as (stream, stats), \
                closing(prefetched(_line_chunks(stream))) as chunks:
            for lines in chunks:
                records_seen = records_seen or any(line.strip() for line in lines)
                yield from _chunk_items(source, first_line, lines, flairs)
                first_line += len(lines)
    except TruncatedSource:
        # The rows before the cut are good; so are the labels learnt from them.
        yield from flairs.rows(source)
        raise
    if not records_seen:
        raise SourceUnreadable(source, EMPTY_FILE)
    yield from flairs.rows(source)
    for line, reason in stats.repair_notes():
        yield records.quarantine(source, line=line, reason=reason)


def _line_chunks(stream: IO[bytes]) -> Iterator[list[bytes]]:
    """Consecutive lines (without their b"\\n") in lists of at most about CHUNK_LINES lines
    or CHUNK_BYTES bytes. Split a MiB at a time in C, not line by line. A stream cut off midway
    yields its complete lines, then raises TruncatedSource: the cut-off line is lost, as with
    line iteration."""
    reader = io.BufferedReader(stream, buffer_size=READ_BYTES)  # type: ignore[arg-type]
    pending: list[bytes] = []
    carry: list[bytes] = []  # the unfinished line, in pieces (a line may span many reads)
    size = 0
    while True:
        try:
            data = reader.read1(READ_BYTES)
        except TruncatedSource:
            if pending:
                yield pending
            raise
        if not data:
            break
        if b"\n" not in data:
            carry.append(data)
            continue
        lines = data.split(b"\n")  # the last piece is the start of an unfinished line
        if carry:
            lines[0] = b"".join([*carry, lines[0]])
        tail = lines.pop()
        carry = [tail] if tail else []
        pending.extend(lines)
        size += len(data)
        if len(pending) >= CHUNK_LINES or size >= CHUNK_BYTES:
            yield pending
            pending, size = [], 0
    if carry:
        pending.append(b"".join(carry))  # a last line without a line break
    if pending:
        yield pending


def _chunk_items(
    source: SourceFile, first_line: int, lines: list[bytes], flairs: _FlairTypes
) -> Iterator[Item]:
    """Quarantine rows and one documents batch for consecutive lines starting at `first_line`.

    Most chunks of a comments dump are well-formed comments, and those go a column at a time
    (`_comment_chunk_items`); any chunk holding something else (a submission, a malformed line,
    an odd type) goes line by line through the exact rules."""
    with _collector_paused():
        items = _comment_chunk_items(source, first_line, lines, flairs)
        if items is None:
            items = list(_exact_chunk_items(source, first_line, lines, flairs))
    yield from items


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing a chunk allocates a dict per line and keeps a tuple per line, which sets off
    Python's cycle collector every few hundred lines to scan objects that hold no cycles: a
    fifth of the reader's time. It is paused for one chunk at a time (the chunk makes no
    cycles) and put back as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# The fields a comment line must have for the column-at-a-time path.
_COMMENT_FIELDS = operator.itemgetter(
    "body", "id", "author", "created_utc", "subreddit", "author_flair_text"
)
_REMOVED_BODIES = pa.array(sorted(REMOVED))
_DELETED_NAMES = pa.array(sorted(DELETED_AUTHORS))
_NO_STRING = pa.scalar(None, pa.string())


def _comment_chunk_items(
    source: SourceFile, first_line: int, lines: list[bytes], flairs: _FlairTypes
) -> list[Item] | None:
    """What `_exact_chunk_items` gives for a chunk of plain comments, or None when the chunk
    holds anything the exact rules must see (then nothing has been recorded).

    Python only parses each line and picks its six fields; the rules run on Arrow columns. The
    checks below send back every case where the two paths could differ: a line that is not a
    JSON object with those fields, a body or id that is not a string (null included), an
    empty id."""
    loads, pick = orjson.loads, _COMMENT_FIELDS
    try:
        picked = [pick(loads(line)) for line in lines]
        bodies, ids, usernames, created, subreddits, flair_texts = zip(*picked, strict=True)
        body = pa.array(bodies, pa.string())
        record_id = pa.array(ids, pa.string())
        username = pa.array(usernames, pa.string())
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, pa.ArrowException):
        return None
    if body.null_count or record_id.null_count or not pc.all(
            pc.not_equal(record_id, "")).as_py():
        return None
    items: list[Item] = []
    removed = pc.is_in(body, value_set=_REMOVED_BODIES)
    blank = pc.and_not(is_blank(body), removed)
    for i in pc.indices_nonzero(blank).to_pylist():
        items.append(records.quarantine(source, line=first_line + i,
                                        reason="empty comment text", excerpt=lines[i]))
    deleted = pc.or_(pc.is_null(username), pc.is_in(username, value_set=_DELETED_NAMES))
    skipped = pc.or_(removed, blank)
    _see_flairs(flairs, first_line, lines, usernames, flair_texts, deleted, skipped)
    keep = pc.invert(skipped)
    kept = pc.indices_nonzero(keep)
    if len(kept) == 0:
        return items
    record_id, username, deleted = (pc.take(a, kept) for a in (record_id, username, deleted))
    items.extend(records.without_long_texts(source, records.documents_batch(
        source,
        natural_keys=pc.if_else(
            pc.starts_with(record_id, "t1_"), record_id,
            pc.binary_join_element_wise("t1_", record_id, "")),
        lines=pc.add(kept.cast(pa.int64()), first_line),
        kinds="comment",
        texts=pc.take(body, kept),
        author_ids=pc.if_else(deleted, _NO_STRING,
                              pc.binary_join_element_wise(PLATFORM_PREFIX, username, "")),
        created_epochs=pc.take(_epochs(created), kept),
        contexts=pc.take(_subreddits(subreddits), kept),
    )))
    return items


def _see_flairs(
    flairs: _FlairTypes, first_line: int, lines: list[bytes], usernames: tuple[Any, ...],
    flair_texts: tuple[Any, ...], deleted: pa.Array, skipped: pa.Array,
) -> None:
    """Flairs of named authors on kept lines, in line order, as the exact path sees them."""
    try:
        flair = pa.array(flair_texts, pa.string())
    except pa.ArrowException:  # a flair that is not a string: `see` ignores it, line by line
        flair = None
    if flair is None:
        wanted = pc.invert(pc.or_(deleted, skipped)).to_pylist()
        candidates = [i for i, text in enumerate(flair_texts) if text and wanted[i]]
    else:
        with_flair = pc.and_(pc.is_valid(flair), pc.not_equal(flair, ""))
        candidates = pc.indices_nonzero(
            pc.and_(pc.fill_null(with_flair, False), pc.invert(pc.or_(deleted, skipped)))
        ).to_pylist()
    for i in candidates:
        username = usernames[i]
        flairs.see(username, PLATFORM_PREFIX + username, flair_texts[i], first_line + i, lines[i])


def _inferred(values: tuple[Any, ...]) -> pa.Array | None:
    """The column Arrow infers from Python values, or None when they do not share a type (the
    caller then applies its rule value by value)."""
    try:
        return pa.array(values)
    except pa.ArrowException:
        return None


def _epochs(values: tuple[Any, ...]) -> pa.Array:
    """Epoch seconds as the exact path takes them: an int in range as is, anything else through
    `records.epoch_seconds`."""
    column = _inferred(values)
    if column is not None and column.type == pa.int64() and not column.null_count and (
            pc.all(pc.and_(pc.greater_equal(column, 0), pc.less(column, MAX_EPOCH))).as_py()):
        return column
    epoch_seconds = records.epoch_seconds
    return pa.array([
        v if v.__class__ is int and 0 <= v < MAX_EPOCH else epoch_seconds(v) for v in values
    ], pa.int64())


def _subreddits(values: tuple[Any, ...]) -> pa.Array:
    """Subreddit names; a value that is not a string is dropped (None), as on the exact path."""
    column = _inferred(values)
    if column is not None and column.type in (pa.string(), pa.null()):
        return column.cast(pa.string())
    return pa.array([v if v.__class__ is str else None for v in values], pa.string())


def _exact_chunk_items(
    source: SourceFile, first_line: int, lines: list[bytes], flairs: _FlairTypes
) -> Iterator[Item]:
    """Quarantine rows and one documents batch for consecutive lines, one line at a time.

    The hot loop: builtins and constants are bound to locals, and each line either appends one
    tuple (transposed into columns once per chunk) or makes one quarantine row."""
    docs: list[tuple[str, int, str, str, str | None, int | None, str | None]] = []
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    epoch_seconds = records.epoch_seconds
    for line_no, line in enumerate(lines, start=first_line):
        try:
            obj = loads(line)
        except decode_error as error:
            if line.strip():  # a blank line (often the last one) is not a record
                yield records.quarantine(source, line=line_no, reason=f"malformed JSON: {error}",
                                         excerpt=line.rstrip(b"\r\n"))
            continue
        if obj.__class__ is not dict:
            yield records.quarantine(
                source, line=line_no, reason=f"not a JSON object: {type(obj).__name__}",
                excerpt=line.rstrip(b"\r\n"),
            )
            continue
        get = obj.get
        body = get("body")
        if body.__class__ is str:
            if body in REMOVED:
                continue
            kind, prefix, text = "comment", "t1_", body
        elif isinstance(get("title"), str):
            text = _submission_text(obj["title"], get("selftext"))
            kind, prefix = "submission", "t3_"
        else:
            yield records.quarantine(source, line=line_no, reason="neither body nor title",
                                     excerpt=line)
            continue
        record_id = get("id")
        if record_id is None or record_id == "":
            yield records.quarantine(source, line=line_no, reason=f"{kind} without id",
                                     excerpt=line)
            continue
        if not text or text.isspace():  # `not text.strip()` without copying the text
            yield records.quarantine(source, line=line_no, reason=f"empty {kind} text",
                                     excerpt=line)
            continue
        username = get("author")
        author = None
        if username.__class__ is str and username not in DELETED_AUTHORS:
            author = PLATFORM_PREFIX + username  # ids.author_id(PLATFORM, username), inlined
            flair = get("author_flair_text")
            if flair:
                flairs.see(username, author, flair, line_no, line)
        created = get("created_utc")
        subreddit = get("subreddit")
        rid = record_id if record_id.__class__ is str else str(record_id)
        docs.append((
            rid if rid.startswith(prefix) else prefix + rid,  # Reddit fullname; some dumps have it
            line_no,
            kind,
            text,
            author,
            created if created.__class__ is int and 0 <= created < MAX_EPOCH
            else epoch_seconds(created),
            # A subreddit that is not a string (never seen in real dumps) is dropped, not fatal.
            subreddit if subreddit.__class__ is str else None,
        ))
    if docs:
        keys, line_nos, kinds, texts, authors, created_at, contexts = zip(*docs, strict=True)
        yield from records.without_long_texts(source, records.documents_batch(
            source, natural_keys=keys, lines=line_nos, kinds=kinds, texts=texts,
            author_ids=authors, created_epochs=created_at, contexts=contexts,
        ))


def _submission_text(title: str, selftext: Any) -> str:
    """Title, blank line, body; the title alone when the body is empty or removed."""
    title = "" if title in REMOVED else title
    if not isinstance(selftext, str) or selftext in REMOVED or not selftext.strip():
        return title
    return f"{title}\n\n{selftext}" if title else selftext


FLAIR_CACHE = 100_000
_UNPARSED = object()


@dataclass
class _FlairTypes:
    """MBTI type per flaired author within one file; memory grows with flaired authors only."""

    types: dict[str, tuple[str, str]] = field(default_factory=dict)  # author_id -> (type, user)
    conflicts: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    # Flair texts repeat a lot ("INTJ", "INFP-T"); each is parsed once (bounded, see FLAIR_CACHE).
    parsed: dict[str, str | None] = field(default_factory=dict)

    def see(self, username: str, author: str, flair: Any, line_no: int, line: bytes) -> None:
        if not isinstance(flair, str) or author in self.conflicts:
            return
        mbti = self.parsed.get(flair, _UNPARSED)
        if mbti is _UNPARSED:
            if len(self.parsed) >= FLAIR_CACHE:
                self.parsed.clear()
            mbti = self.parsed[flair] = mbti_from_flair(flair)
        if mbti is None:
            return
        known = self.types.get(author)
        if known is None:
            self.types[author] = (mbti, username)
        elif known[0] != mbti:
            del self.types[author]
            self.conflicts[author] = (line_no, f"{known[0]} then {mbti}", line)

    def rows(self, source: SourceFile) -> Iterator[Row]:
        for author in sorted(self.types):
            yield from records.mbti_labels(
                source,
                subject_id=author,
                subject_kind="author",
                mbti_type=self.types[author][0],
                label_source="flair",
            )
        for author in sorted(self.conflicts):
            line_no, types, line = self.conflicts[author]
            yield records.quarantine(
                source,
                line=line_no,
                reason=f"conflicting MBTI flairs for one author: {author} declares {types}; "
                "no label kept",
                excerpt=line,
            )
        self.types.clear()
        self.conflicts.clear()
