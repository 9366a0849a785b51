"""CSV records read with Python's csv module, with required columns, and recovery from broken
quoting: a record with an unclosed quote costs only itself (reading resumes at the next line
that starts a well-formed record)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from assets.ingest.encoding import TextStats, open_text_lines
from assets.ingest.errors import EMPTY_FILE, HEADER_ONLY, SourceUnreadable
from assets.ingest.sources import SourceFile

csv.field_size_limit(sys.maxsize)

CsvRow = tuple[int, list[str], str | None]


def iter_csv_records(
    source: SourceFile,
    required: set[str],
    delimiter: str = ",",
) -> Iterator[tuple[int, dict[str, str | None], str]]:
    """(first line number, record, raw excerpt) for each CSV record.

    A bad record comes as `{"__error__": reason}`, and so does each repair note of the file's
    decoding (`TextStats.repair_notes`), after the last record. Raises SourceUnreadable for an
    empty or header-only file and when the header lacks a required column, because then no row
    of the file could be ingested."""
    with _csv_file(source, required, delimiter, casefold=False) as (names, _, rows):
        header = [h.strip() for h in names]
        for start, values, error in rows:
            excerpt = csv_excerpt(values)
            if error:
                yield start, {"__error__": error}, excerpt
            else:
                yield start, dict(zip(header, values, strict=True)), excerpt


@contextmanager
def open_csv(
    source: SourceFile,
    required: set[str],
    *,
    delimiter: str = ",",
    casefold: bool = False,
) -> Iterator[tuple[dict[str, int], Iterator[CsvRow]]]:
    """Column positions and `(first line number, values, error)` rows of a CSV file.

    The lean sibling of `iter_csv_records` for multi-GB files: no dict and no excerpt per row
    (`csv_excerpt` builds one only for rows being quarantined). With `casefold` the header is
    matched lower-cased, for sources whose published headers vary in case. `error` is set (and
    `values` may be partial) for a malformed row, a wrong field count or a repair note of the
    decoding. Raises SourceUnreadable as `iter_csv_records` does."""
    with _csv_file(source, required, delimiter, casefold) as (_, columns, rows):
        yield columns, rows


@contextmanager
def _csv_file(
    source: SourceFile, required: set[str], delimiter: str, casefold: bool
) -> Iterator[tuple[list[str], dict[str, int], Iterator[CsvRow]]]:
    """Header names, column positions and the rows of a CSV file, read with the csv module."""
    with open_text_lines(source) as (text_lines, stats):
        lines = NumberedLines(text_lines)
        header = first_row(source, lines, delimiter)
        names, columns = header_columns(source, header, required, casefold)
        yield names, columns, _file_rows(source, lines, len(names), delimiter, stats)


def _file_rows(
    source: SourceFile, lines: NumberedLines, width: int, delimiter: str, stats: TextStats
) -> Iterator[CsvRow]:
    """Every record after the header, then the decoding's repair notes."""
    records = 0
    for row in csv_rows(lines, width, delimiter, source.relpath):
        records += 1
        yield row
    if not records:
        raise SourceUnreadable(source, HEADER_ONLY)
    for line, reason in stats.repair_notes():
        yield line, [], reason


class NumberedLines:
    """Text lines with their 1-based numbers, the lines taken since `start_record`, and
    push-back, so a record read wrongly can be read again from any of its lines."""

    def __init__(self, lines: Iterator[str], first: int = 1) -> None:
        self._lines = lines
        self._first = first
        self._next = first
        self._back: list[tuple[int, str]] = []  # a stack: the next line is last
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> NumberedLines:
        return self

    def __next__(self) -> str:
        if self._back:
            numbered = self._back.pop()
        else:
            numbered = (self._next, next(self._lines))
            self._next += 1
        self.taken.append(numbered)
        return numbered[1]

    def start_record(self) -> None:
        self.taken = []

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        self._back.extend(reversed(lines))

    def drop_next(self) -> None:
        self._back.pop()

    @property
    def pending(self) -> bool:
        """Whether lines given back are still to be read again."""
        return bool(self._back)

    @property
    def read_from_source(self) -> int:
        """Lines taken from the underlying iterator so far."""
        return self._next - self._first


def csv_rows(
    lines: NumberedLines, width: int, delimiter: str, where: str
) -> Iterator[CsvRow]:
    """`(first line, values, error)` of each record; blank lines are skipped.

    A record spanning several lines is checked: when it is malformed, has the wrong field count,
    or reads only leniently (a quote closing a field and text going on after it, or the file
    ending inside quotes: what an unclosed quote that swallowed the next records looks like),
    and a later line of it starts a well-formed record, the lines before that one are the bad
    record, quarantined alone, and reading resumes there. Without such a line it stays as read."""
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        lines.start_record()
        try:
            values: list[str] = next(reader)
            error = None
        except StopIteration:
            return
        except csv.Error as problem:
            values, error = [], f"malformed CSV: {problem}"
        taken = lines.taken
        if error is None and not values:
            continue  # blank line between records
        if error is None and len(values) != width:
            error = f"expected {width} fields, found {len(values)}"
        if len(taken) > 1 and (error or not _reads_strictly(taken, delimiter)):
            resume = _resume_point(lines, taken, width, delimiter)
            if resume is not None:
                yield _swallowing_record(taken, resume, width, error, where)
                reader = csv.reader(lines, delimiter=delimiter)
                continue
        yield taken[0][0], values, error


def _reads_strictly(taken: list[tuple[int, str]], delimiter: str) -> bool:
    """Whether the record's lines parse as one record with csv's strict quoting too."""
    try:
        next(csv.reader([text for _, text in taken], delimiter=delimiter, strict=True))
    except (csv.Error, StopIteration):
        return False
    return True


def _resume_point(
    lines: NumberedLines, taken: list[tuple[int, str]], width: int, delimiter: str
) -> int | None:
    """Index in `taken` of the first line after the first that starts a well-formed record
    (strict quoting, `width` fields), with `lines` set to read from it; None, with `lines`
    after the record, when there is none."""
    lines.push_back(taken[1:])
    for index in range(1, len(taken)):
        lines.start_record()
        try:
            values = next(csv.reader(lines, delimiter=delimiter, strict=True))
            good = len(values) == width
        except (csv.Error, StopIteration):
            good = False
        lines.push_back(lines.taken)  # read again by the caller, or skipped just below
        if good:
            return index
        lines.drop_next()
    return None


def _swallowing_record(
    taken: list[tuple[int, str]], resume: int, width: int, error: str | None, where: str
) -> CsvRow:
    """The quarantine row of the lines before `resume`: the raw lines as its one value."""
    first, last = taken[0][0], taken[resume - 1][0]
    span = f"line {first}" if first == last else f"lines {first}-{last}"
    as_read = error or f"{width} fields only with lenient quoting"
    reason = (
        f"malformed CSV: unbalanced quote in the record at {where} {span}, which read as one "
        f"record runs to line {taken[-1][0]} ({as_read}); {span} quarantined, reading resumed "
        f"at line {taken[resume][0]}"
    )
    return first, ["".join(text for _, text in taken[:resume])], reason


def first_row(source: SourceFile, lines: NumberedLines, delimiter: str) -> list[str]:
    """The header row (leading blank lines skipped); a file without one cannot be ingested."""
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header: list[str] = []
        while not any(name.strip() for name in header):
            header = next(reader)
    except StopIteration:
        raise SourceUnreadable(source, EMPTY_FILE) from None
    except csv.Error as error:
        raise SourceUnreadable(source, f"unparseable header: {error}") from None
    return header


def header_columns(
    source: SourceFile, header: list[str], required: set[str], casefold: bool
) -> tuple[list[str], dict[str, int]]:
    """Column names and positions; a missing required column makes the whole file unreadable."""
    names = [h.strip().lower() if casefold else h.strip() for h in header]
    missing = required - set(names)
    if missing:
        raise SourceUnreadable(
            source, f"missing required column(s) {sorted(missing)}; header is {header}"
        )
    columns: dict[str, int] = {}
    for position, name in enumerate(names):
        columns.setdefault(name, position)  # first of duplicated names wins
    return names, columns


def csv_excerpt(values: list[str], delimiter: str = ",") -> str:
    """First characters of a row as it was, for a quarantine row."""
    return delimiter.join(values)[:200]
