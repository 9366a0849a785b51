"""PANDORA (Gjurković et al. 2021, "PANDORA Talks"): Reddit authors with MBTI, Enneagram, Big
Five and demographics, plus their comments.

No public copy exists, so this follows the paper's description of the release:
- `author_profiles.csv`: one row per author. Columns are matched case-insensitively and extra
  columns are ignored: `author`, `mbti`, `enneagram`, the MBTI axes `introverted`, `intuitive`,
  `thinking`, `perceiving` (0/1), the Big Five percentiles `extraversion`, `neuroticism`,
  `agreeableness`, `conscientiousness`, `openness` (0-100), `age`, `gender`, `country`. Any of
  them may be empty. MBTI and Enneagram came from flairs, Big Five from test results that users
  posted, demographics from what users said about themselves: the label `source` says so.
- comments CSVs (`author, body, subreddit, created_utc`, maybe `id`, `link_id`, `lang`): several
  GB, streamed in blocks that Arrow parses (`io.open_csv_blocks`) and turned into document
  batches a column at a time; records Arrow cannot read exactly go row by row.

A bad value quarantines that value only: an author with an out-of-range openness keeps the rest
of their labels. Removed comment bodies are skipped silently, as in the Pushshift reader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from assets.ingest import records
from assets.ingest.columns import epoch_column, is_blank, py_strip
from assets.ingest.csv_blocks import CsvBlock, open_csv_blocks
from assets.ingest.csv_rows import CsvRow, csv_excerpt, open_csv
from assets.ingest.ids import author_id, stable_id
from assets.ingest.labels import MBTI_AXES, parse_enneagram, parse_mbti, parse_percentile
from assets.ingest.records import Item, Row
from assets.ingest.sources import SourceFile
from schemas.tables import BIG5_NAMES, BIG5_TRAITS
from schemas.tables import MBTI_AXES as SCHEMA_MBTI_AXES

PLATFORM = "reddit"
PROFILES_MARKER = "author_profiles"
REMOVED = frozenset({"[deleted]", "[removed]"})
DELETED_AUTHORS = frozenset({"[deleted]", "[removed]", ""})
BIG5_COLUMNS = {BIG5_NAMES[trait]: trait for trait in BIG5_TRAITS}
# Axis column -> (axis, letter when the column is 1, letter when 0), in MBTI_AXES order; every
# column is 1 for the axis's first pole but `perceiving`, which is 1 for its second (P of J/P).
AXIS_COLUMNS = {
    column: (axis, *(axis.split("/")[::-1] if column == "perceiving" else axis.split("/")))
    for column, axis in zip(("introverted", "intuitive", "thinking", "perceiving"),
                            SCHEMA_MBTI_AXES, strict=True)
}
GENDERS = {"m": "male", "male": "male", "man": "male", "f": "female", "female": "female",
           "woman": "female"}
AGE_RANGE = (10.0, 100.0)
# Id-less comments are told apart by an occurrence counter over (author, time, body); the
# counter only remembers this many recent keys so a 5 GB file stays in bounded memory.
OCCURRENCE_MEMORY = 200_000
# Bytes of comments CSV parsed by Arrow at a time (tests make it tiny to cross many boundaries).
COMMENT_BLOCK_BYTES = 8 * 1024 * 1024


def is_comments_file(source: SourceFile) -> bool:
    return PROFILES_MARKER not in source.name


def read(source: SourceFile) -> Iterator[Row]:
    """One dict row at a time (tests, small callers); the runner uses `read_batches`."""
    return records.as_rows(read_batches(source))


def read_batches(source: SourceFile) -> Iterator[Item]:
    if is_comments_file(source):
        return read_comment_batches(source)
    return read_profiles(source)


# --- profiles ---------------------------------------------------------------------------------


def read_profiles(source: SourceFile) -> Iterator[Row]:
    """Authors and their labels, one profile row at a time."""
    with open_csv(source, {"author"}, casefold=True) as (columns, rows):
        for line, values, error in rows:
            excerpt = csv_excerpt(values)
            if error:
                yield records.quarantine(source, line=line, reason=error, excerpt=excerpt)
                continue

            def cell(name: str, values: list[str] = values) -> str:
                position = columns.get(name)
                return values[position].strip() if position is not None else ""

            username = cell("author")
            if username in DELETED_AUTHORS:
                yield records.quarantine(
                    source, line=line, reason="profile without author name", excerpt=excerpt
                )
                continue
            author = author_id(PLATFORM, username)
            yield records.author(source, author_id=author, platform=PLATFORM, username=username)
            for problem, rows_out in _profile_labels(source, author, cell):
                yield from rows_out
                if problem:
                    yield records.quarantine(source, line=line, reason=problem, excerpt=excerpt)


LabelResult = tuple[str | None, list[Row]]
Cell = Callable[[str], str]


def _profile_labels(source: SourceFile, author: str, cell: Cell) -> Iterator[LabelResult]:
    """(problem or None, label rows) per label group, so one bad value spoils only itself."""
    yield _mbti(source, author, cell)
    yield _enneagram(source, author, cell("enneagram"))
    for column, trait in BIG5_COLUMNS.items():
        yield _big5(source, author, column, trait, cell(column))
    yield _age(source, author, cell("age"))
    yield _gender(source, author, cell("gender"))
    country = cell("country")
    if country:
        yield None, [_demographic(source, author, "country", scale="category", value_cat=country)]


def _mbti(source: SourceFile, author: str, cell: Cell) -> LabelResult:
    """The type when given (its axes follow from it), otherwise whatever axes are given."""
    raw_type = cell("mbti")
    axes: dict[str, str] = {}
    problems: list[str] = []
    for column, (axis, one, zero) in AXIS_COLUMNS.items():
        value = cell(column)
        if value in ("1", "1.0"):
            axes[axis] = one
        elif value in ("0", "0.0"):
            axes[axis] = zero
        elif value:
            problems.append(f"invalid MBTI axis value: {column}={value!r}")
    mbti = parse_mbti(raw_type) if raw_type else None
    if raw_type and mbti is None:
        # The axis columns are separate answers and survive a bad type.
        problems.insert(0, f"invalid MBTI type: mbti={raw_type!r}")
    if mbti is not None:
        rows = records.mbti_labels(
            source, subject_id=author, subject_kind="author", mbti_type=mbti, label_source="flair"
        )
        letters = {axis: letter for (axis, _), letter in zip(MBTI_AXES, mbti, strict=True)}
        disagree = [f"{axis} column says {given}" for axis, given in axes.items()
                    if letters[axis] != given]
        if disagree:
            problems.append(f"MBTI axis columns disagree with type {mbti}: {', '.join(disagree)}")
        return ("; ".join(problems) or None), rows
    rows = [
        records.label(
            source, subject_id=author, subject_kind="author", scheme="mbti", trait=axis,
            scale="binary", value=1.0 if letter == first else 0.0, value_cat=letter,
            label_source="flair",
        )
        for axis, first in MBTI_AXES
        if (letter := axes.get(axis)) is not None
    ]
    return ("; ".join(problems) or None), rows


def _enneagram(source: SourceFile, author: str, raw: str) -> LabelResult:
    if not raw:
        return None, []
    parsed = parse_enneagram(raw)
    if parsed is None:
        return f"invalid Enneagram type: enneagram={raw!r}", []
    core, wing = parsed
    code = f"{core}w{wing}" if wing is not None else str(core)
    return None, [
        records.label(
            source, subject_id=author, subject_kind="author", scheme="enneagram", trait="type",
            scale="category", value_cat=code, label_source="flair",
        )
    ]


def _big5(source: SourceFile, author: str, column: str, trait: str, raw: str) -> LabelResult:
    value = parse_percentile(raw)
    if value is None:
        return None, []
    if value == "out_of_range":
        return f"out-of-range Big Five percentile: {column}={raw!r} (expected 0-100)", []
    if value == "invalid":
        return f"invalid Big Five percentile: {column}={raw!r}", []
    return None, [
        records.label(
            source, subject_id=author, subject_kind="author", scheme="big5", trait=trait,
            scale="percentile", value=float(value), label_source="test_result",
        )
    ]


def _age(source: SourceFile, author: str, raw: str) -> LabelResult:
    if not raw:
        return None, []
    try:
        age = float(raw)
    except ValueError:
        return f"invalid age: age={raw!r}", []
    if not AGE_RANGE[0] <= age <= AGE_RANGE[1]:
        return f"implausible age: age={raw!r} (expected {AGE_RANGE[0]:g}-{AGE_RANGE[1]:g})", []
    return None, [_demographic(source, author, "age", scale="years", value=age)]


def _gender(source: SourceFile, author: str, raw: str) -> LabelResult:
    if not raw:
        return None, []
    value = GENDERS.get(raw.lower(), raw.lower())
    return None, [_demographic(source, author, "gender", scale="category", value_cat=value)]


def _demographic(
    source: SourceFile, author: str, trait: str, *, scale: str, value: float | None = None,
    value_cat: str | None = None,
) -> Row:
    return records.label(
        source, subject_id=author, subject_kind="author", scheme="demographic", trait=trait,
        scale=scale, value=value, value_cat=value_cat, label_source="self_report",
    )


# --- comments ---------------------------------------------------------------------------------


def read_comment_batches(source: SourceFile) -> Iterator[Item]:
    """Comment documents, streamed: Arrow blocks become document batches column by column; the
    few records the csv module had to read go row by row through the same rules."""
    seen: dict[str, int] = {}
    with open_csv_blocks(
        source, {"author", "body"}, casefold=True, block_bytes=COMMENT_BLOCK_BYTES
    ) as (columns, items):
        layout = _CommentColumns(
            columns["author"], columns["body"], columns.get("id"), columns.get("subreddit"),
            columns.get("created_utc"),
        )
        for item in items:
            if isinstance(item, CsvBlock):
                yield from _block_items(source, layout, item, seen)
                continue
            row = _comment_row(source, layout, item, seen)
            if row is not None:
                yield row


@dataclass(frozen=True)
class _CommentColumns:
    author: int
    body: int
    id: int | None
    subreddit: int | None
    created_utc: int | None


def _comment_row(
    source: SourceFile, at: _CommentColumns, item: CsvRow, seen: dict[str, int]
) -> Row | None:
    """The document or quarantine row of one record; None for a removed body."""
    line, values, error = item
    if error:
        return records.quarantine(source, line=line, reason=error, excerpt=csv_excerpt(values))
    body = values[at.body]
    if body in REMOVED:
        return None
    if not body.strip():
        return records.quarantine(source, line=line, reason="empty comment text",
                                  excerpt=csv_excerpt(values))
    username = values[at.author].strip()
    created = values[at.created_utc] if at.created_utc is not None else ""
    if (long := records.too_long(source, line=line, text=body,
                                 excerpt=csv_excerpt(values))) is not None:
        return long
    comment_id = values[at.id].strip() if at.id is not None else ""
    if comment_id:
        key = comment_id if comment_id.startswith("t1_") else "t1_" + comment_id
    else:
        key = _hash_key(seen, username, created, body)
    return records.document(
        source,
        natural_key=key,
        line=line,
        kind="comment",
        text=body,
        author_id=None if username in DELETED_AUTHORS else author_id(PLATFORM, username),
        created_at=records.from_epoch(created),
        context=(values[at.subreddit].strip() or None) if at.subreddit is not None else None,
    )


def _block_items(
    source: SourceFile, at: _CommentColumns, block: CsvBlock, seen: dict[str, int]
) -> Iterator[Item]:
    """`_comment_row` for every record of a block, a column at a time.

    Python string methods decide only where Arrow's could disagree with them: which characters
    count as whitespace, and what `float()` accepts as a time."""
    table, lines = block.table, block.lines
    body = table.column(at.body).chunk(0)
    removed = pc.or_(pc.equal(body, "[deleted]"), pc.equal(body, "[removed]"))  # = REMOVED
    blank = is_blank(body)
    for i in pc.indices_nonzero(pc.and_not(blank, removed)).to_pylist():
        values = [column[i].as_py() for column in table.columns]
        yield records.quarantine(source, line=lines[i].as_py(), reason="empty comment text",
                                 excerpt=csv_excerpt(values))
    keep = pc.invert(pc.or_(removed, blank))
    if not pc.all(keep).as_py():
        table, lines, body = table.filter(keep), lines.filter(keep), body.filter(keep)
    if table.num_rows == 0:
        return
    username = py_strip(table.column(at.author).chunk(0))
    deleted = pc.is_in(username, value_set=pa.array(sorted(DELETED_AUTHORS)))
    authors = pc.if_else(
        deleted, pa.scalar(None, pa.string()),
        pc.binary_join_element_wise(pa.scalar(author_id(PLATFORM, "")), username, ""),
    )
    raw_created = (table.column(at.created_utc).chunk(0) if at.created_utc is not None
                   else pa.array([""] * table.num_rows, pa.string()))
    if at.subreddit is None:
        contexts = pa.nulls(table.num_rows, pa.string())
    else:
        subreddit = py_strip(table.column(at.subreddit).chunk(0))
        contexts = pc.if_else(pc.equal(subreddit, ""), pa.scalar(None, pa.string()), subreddit)
    yield from records.without_long_texts(source, records.documents_batch(
        source,
        natural_keys=_block_keys(table, at, username, raw_created, body, seen),
        lines=lines,
        kinds="comment",
        texts=body,
        author_ids=authors,
        created_epochs=epoch_column(raw_created),
        contexts=contexts,
    ))


def _block_keys(
    table: pa.Table, at: _CommentColumns, username: pa.Array, created: pa.Array, body: pa.Array,
    seen: dict[str, int],
) -> list[str] | pa.Array:
    """Natural keys in record order: `t1_<id>`, or the occurrence-counted hash key."""
    if at.id is None:
        ids = [""] * table.num_rows
    else:
        stripped = py_strip(table.column(at.id).chunk(0))
        prefixed = pc.if_else(
            pc.starts_with(stripped, "t1_"), stripped,
            pc.binary_join_element_wise(pa.scalar("t1_"), stripped, ""),
        )
        keys = pc.if_else(pc.equal(stripped, ""), "", prefixed)
        if pc.all(pc.not_equal(stripped, "")).as_py():
            return keys  # every record has its id: no Python string per key
        ids = keys.to_pylist()
    missing = [i for i, key in enumerate(ids) if not key]
    if missing:
        picks = pa.array(missing)
        for i, user, when, text in zip(
            missing, username.take(picks).to_pylist(), created.take(picks).to_pylist(),
            body.take(picks).to_pylist(), strict=True,
        ):
            ids[i] = _hash_key(seen, user, when, text)
    return ids


def _hash_key(seen: dict[str, int], username: str, created: str, body: str) -> str:
    """`h_<hash>_<n>`: the n-th time this (author, time, body) occurs (bounded memory)."""
    digest = stable_id(username, created, body)
    n = seen.get(digest, 0)
    if len(seen) >= OCCURRENCE_MEMORY and digest not in seen:
        seen.clear()
    seen[digest] = n + 1
    return f"h_{digest}_{n}"
