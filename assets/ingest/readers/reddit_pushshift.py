"""Pushshift Reddit dumps: NDJSON comments (`RC_*`) and submissions (`RS_*`, per-subreddit files).

One JSON object per line, zstd (2 GiB window), gzip or plain; read line by line in constant
memory apart from one small dict of flaired authors. Files open through `open_binary`,
which notices a zstd file cut off mid-frame. A line is a comment when it has a string `body`, a
submission when it has a string `title`.

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

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from assets.ingest import records
from assets.ingest.ids import author_id
from assets.ingest.io import TruncatedSource, iter_lines, open_binary
from assets.ingest.labels import mbti_from_flair
from assets.ingest.records import Row
from assets.ingest.sources import SourceFile

PLATFORM = "reddit"
PLATFORM_PREFIX = author_id(PLATFORM, "")
MAX_EPOCH = 253_402_300_800  # year 10000: past it, from_epoch decides
REMOVED = frozenset({"[deleted]", "[removed]"})
DELETED_AUTHORS = frozenset({"[deleted]", "[removed]", ""})


def read(source: SourceFile) -> Iterator[Row]:
    flairs = _FlairTypes()
    try:
        with open_binary(source) as stream:
            for line_no, line in enumerate(iter_lines(stream), start=1):
                # The hot path: one small function call per line, not a generator per line.
                row = _line_row(source, line_no, line, flairs)
                if row is not None:
                    yield row
    except TruncatedSource:
        # The rows before the cut are good; so are the labels learnt from them.
        yield from flairs.rows(source)
        raise
    yield from flairs.rows(source)


def _line_row(source: SourceFile, line_no: int, line: bytes, flairs: _FlairTypes) -> Row | None:
    """The document or quarantine row of one line; None for a blank line or removed content."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        if not line.strip():
            return None  # a blank line (often the last one) is not a record
        return records.quarantine(
            source, line=line_no, reason=f"malformed JSON: {error}", excerpt=line.rstrip(b"\r\n")
        )
    if not isinstance(obj, dict):
        return records.quarantine(
            source, line=line_no, reason=f"not a JSON object: {type(obj).__name__}",
            excerpt=line.rstrip(b"\r\n"),
        )
    body = obj.get("body")
    if isinstance(body, str):
        if body in REMOVED:
            return None
        kind, prefix, text = "comment", "t1_", body
    elif isinstance(obj.get("title"), str):
        text = _submission_text(obj["title"], obj.get("selftext"))
        kind, prefix = "submission", "t3_"
    else:
        return records.quarantine(source, line=line_no, reason="neither body nor title",
                                  excerpt=line)
    record_id = obj.get("id")
    if record_id is None or record_id == "":
        return records.quarantine(source, line=line_no, reason=f"{kind} without id",
                                  excerpt=line)
    if not text.strip():
        return records.quarantine(source, line=line_no, reason=f"empty {kind} text",
                                  excerpt=line)
    username = obj.get("author")
    author = None
    if username.__class__ is str and username not in DELETED_AUTHORS:
        author = PLATFORM_PREFIX + username  # ids.author_id(PLATFORM, username), inlined
        flair = obj.get("author_flair_text")
        if flair:
            flairs.see(username, author, flair, line_no, line)
    created = obj.get("created_utc")
    return records.document(
        source,
        natural_key=_natural_key(prefix, record_id),
        line=line_no,
        kind=kind,
        text=text,
        author_id=author,
        created_at=(datetime.fromtimestamp(created, tz=UTC)
                    if created.__class__ is int and 0 <= created < MAX_EPOCH
                    else records.from_epoch(created)),
        context=obj.get("subreddit"),
    )


def _submission_text(title: str, selftext: Any) -> str:
    """Title, blank line, body; the title alone when the body is empty or removed."""
    title = "" if title in REMOVED else title
    if not isinstance(selftext, str) or selftext in REMOVED or not selftext.strip():
        return title
    return f"{title}\n\n{selftext}" if title else selftext


def _natural_key(prefix: str, record_id: Any) -> str:
    """Reddit fullname (`t1_abc`); some dumps already store ids with their prefix."""
    rid = str(record_id)
    return rid if rid.startswith(prefix) else prefix + rid


@dataclass
class _FlairTypes:
    """MBTI type per flaired author within one file; memory grows with flaired authors only."""

    types: dict[str, tuple[str, str]] = field(default_factory=dict)  # author_id -> (type, user)
    conflicts: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)

    def see(self, username: str, author: str, flair: Any, line_no: int, line: bytes) -> None:
        if not isinstance(flair, str) or author in self.conflicts:
            return
        mbti = mbti_from_flair(flair)
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
