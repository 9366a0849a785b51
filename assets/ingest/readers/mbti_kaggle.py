"""Kaggle MBTI (`datasnaek/mbti-type`, PersonalityCafe forum): one user per row, `type,posts`.

`posts` holds about 50 of the user's last posts joined by `|||`. In most copies the whole field is
wrapped in single quotes (the Python repr of the scraped string, 87% of rows in the real subset);
the wrapper is removed: when the field starts with `'`, that quote goes, and so does a final `'`
(one row of the subset lost it, its last post being cut off). A field not starting with `'` is left
alone, since its last post may legitimately end in a quote. Extra columns (`origin_file` in the
real subset) are ignored.

The dump has no user names, so a user is named after their posts: `row-` and the first 16 hex
digits of the sha256 of the raw `posts` field. A byte-identical row later in the same file would
be the same user with the same document ids, so it is quarantined as a duplicate. Each non-empty
post is a `post` document keyed by (user, position of the post in the field); posts empty after
stripping (`||||||`) are skipped without a trace, as they hold nothing to ingest. The type is
what users stated on the forum: `self_report`.
"""

from __future__ import annotations

from collections.abc import Iterator

from assets.ingest import records
from assets.ingest.csv_rows import iter_csv_records
from assets.ingest.ids import author_id, content_hash
from assets.ingest.labels import parse_mbti
from assets.ingest.records import Row
from assets.ingest.sources import SourceFile

PLATFORM = "personalitycafe"
POST_SEPARATOR = "|||"
USERNAME_HASH_DIGITS = 16
LABEL_SOURCE = "self_report"


def read(source: SourceFile) -> Iterator[Row]:
    seen: dict[str, int] = {}  # username -> first line, for duplicate rows
    for line, record, excerpt in iter_csv_records(source, required={"type", "posts"}):
        if "__error__" in record:
            yield records.quarantine(
                source, line=line, reason=str(record["__error__"]), excerpt=excerpt
            )
            continue
        raw_type = record["type"] or ""
        mbti = parse_mbti(raw_type)
        if mbti is None:
            yield records.quarantine(
                source, line=line, reason=f"invalid MBTI type: {raw_type!r}", excerpt=excerpt
            )
            continue
        raw_posts = record["posts"] or ""
        posts = [(i, p) for i, p in enumerate(split_posts(raw_posts)) if p]
        if not posts:
            yield records.quarantine(source, line=line, reason="no posts", excerpt=excerpt)
            continue
        username = username_of(raw_posts)
        if username in seen:
            yield records.quarantine(
                source, line=line, reason=f"duplicate row: same posts as line {seen[username]}",
                excerpt=excerpt,
            )
            continue
        seen[username] = line
        author = author_id(PLATFORM, username)
        yield records.author(source, author_id=author, platform=PLATFORM, username=username)
        for index, text in posts:
            if (long := records.too_long(source, line=line, text=text)) is not None:
                yield long
                continue
            yield records.document(
                source, natural_key=f"{author}|{index}", line=line, kind="post", text=text,
                author_id=author,
            )
        yield from records.mbti_labels(
            source, subject_id=author, subject_kind="author", mbti_type=mbti,
            label_source=LABEL_SOURCE,
        )


def split_posts(field: str) -> list[str]:
    """The posts of one row, stripped, in order. Empty ones stay as `""` so that a post's
    position, part of its document's key, is its position in the field as published."""
    return [post.strip() for post in unwrap(field).split(POST_SEPARATOR)]


def unwrap(field: str) -> str:
    """The field without the single quotes the scraper's repr put around it."""
    if not field.startswith("'"):
        return field
    inner = field[1:]
    return inner[:-1] if inner.endswith("'") else inner


def username_of(raw_posts: str) -> str:
    return f"row-{content_hash(raw_posts)[:USERNAME_HASH_DIGITS]}"
