"""Columnar CSV for multi-GB files: Arrow's C++ parser reads the well-formed stretches, Python's
csv module (`csv_rows`) the rest, with the same records, line numbers and quarantine reasons."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from assets.ingest.csv_rows import CsvRow, NumberedLines, csv_rows, first_row, header_columns
from assets.ingest.encoding import TextStats, open_text
from assets.ingest.errors import HEADER_ONLY, SourceUnreadable, TruncatedSource
from assets.ingest.prefetch import prefetched
from assets.ingest.sources import SourceFile

CSV_BLOCK_BYTES = 8 * 1024 * 1024
MIN_ARROW_BLOCK = 16 * 1024
_SENTINEL_CELL = "\x01"


@dataclass(frozen=True)
class CsvBlock:
    """Consecutive records parsed by Arrow: string columns by header position, and the 1-based
    line each record starts on. Every record in it has the header's width and came out exactly as
    Python's csv module would have read it."""

    table: pa.Table
    lines: pa.Array


CsvItem = CsvBlock | CsvRow


@contextmanager
def open_csv_blocks(
    source: SourceFile,
    required: set[str],
    *,
    delimiter: str = ",",
    casefold: bool = False,
    block_bytes: int = CSV_BLOCK_BYTES,
) -> Iterator[tuple[dict[str, int], Iterator[CsvItem]]]:
    """`open_csv` for multi-GB files: the same records, mostly as Arrow blocks.

    Python's csv module alone costs about twice DuckDB's whole CSV-to-Parquet job, so stretches of
    the file go through Arrow's C++ parser instead. A stretch is accepted only when Arrow's result
    is provably what `open_csv` would yield (see `_arrow_block`); anything else (a wrong field
    count, a blank line, a bare carriage return, a multi-line record with broken quoting) is read
    by the csv module from the same position, so quarantine reasons and line numbers are those
    of `open_csv`. The bytes come from `open_text`, so they are valid UTF-8 without NULs whatever
    the file's encoding. Blocks are read and parsed one step ahead on a worker thread (Arrow
    releases the GIL). Memory: a few blocks of `block_bytes` and Arrow's copies of them."""
    with open_text(source) as (stream, stats):
        cursor = _ByteCursor(stream)
        header, header_lines = _csv_header(source, cursor, delimiter)
        names, columns = header_columns(source, header, required, casefold)
        items = prefetched(_csv_items(
            source, cursor, len(names), delimiter, header_lines + 1, block_bytes, stats
        ))
        try:
            yield columns, items
        finally:
            items.close()  # stops the worker before the stream closes


def _cursor_lines(cursor: _ByteCursor) -> Iterator[str]:
    while raw := cursor.next_line():
        yield raw.decode("utf-8")


def _csv_header(source: SourceFile, cursor: _ByteCursor, delimiter: str) -> tuple[list[str], int]:
    """The header record and the lines it took (with any blank lines before it)."""
    lines = NumberedLines(_cursor_lines(cursor))
    return first_row(source, lines, delimiter), lines.read_from_source


def _csv_items(
    source: SourceFile, cursor: _ByteCursor, width: int, delimiter: str, line: int,
    block_bytes: int, stats: TextStats,
) -> Iterator[CsvItem]:
    """Blocks where Arrow's reading is exact, csv-module rows where it is not, in file order,
    then the decoding's repair notes.

    A refused block is retried smaller before the csv module takes it, so one bad record costs a
    few small Arrow attempts and about `MIN_ARROW_BLOCK` bytes read by Python, not a whole block;
    blocks grow back after each success. Raises SourceUnreadable for a header-only file."""
    size = block_bytes
    records = 0
    while block := cursor.take_block(size):
        parsed = _arrow_block(block, width, delimiter)
        if parsed is not None:
            table, spans = parsed
            ends = pc.add(pc.cumulative_sum(spans), line)
            yield CsvBlock(table, pc.subtract(ends, spans))
            records += table.num_rows
            line = ends[-1].as_py()
            size = min(block_bytes, size * 4)
            continue
        cursor.give_back(block)
        if size > MIN_ARROW_BLOCK and len(block) > MIN_ARROW_BLOCK:
            size = max(MIN_ARROW_BLOCK, size // 8)
            continue
        rows, used = _python_rows(source, cursor, width, delimiter, line, len(block))
        yield from rows
        records += len(rows)
        line += used
    cursor.raise_if_truncated()
    if not records:
        raise SourceUnreadable(source, HEADER_ONLY)
    for note_line, reason in stats.repair_notes():
        yield note_line, [], reason


def _python_rows(
    source: SourceFile, cursor: _ByteCursor, width: int, delimiter: str, line: int,
    at_least: int,
) -> tuple[list[CsvRow], int]:
    """`open_csv`'s rows from the cursor until at least `at_least` bytes are read and a record
    has ended (a record may run past the block Arrow refused, and a record read again after
    broken quoting must be finished), and the number of lines read."""
    consumed = 0

    def counted() -> Iterator[str]:
        nonlocal consumed
        while raw := cursor.next_line():
            consumed += len(raw)
            yield raw.decode("utf-8")

    lines = NumberedLines(counted(), first=line)
    rows: list[CsvRow] = []
    for row in csv_rows(lines, width, delimiter, source.relpath):
        rows.append(row)
        if consumed >= at_least and not lines.pending:
            break
    return rows, lines.read_from_source


def _arrow_block(block: bytes, width: int, delimiter: str) -> tuple[pa.Table, pa.Array] | None:
    """Arrow's parse of whole lines and each record's line count, or None when it could differ
    from the csv module's.

    The two parsers tokenise quotes alike (tests fuzz this); they differ on blank lines (both skip
    them, but then line numbers cannot be derived), on a bare CR (a line break to Arrow only), on
    NUL bytes, and at the end of input inside an open quote (Arrow keeps the partial field). So:
    no CR without LF and no NUL; a sentinel record appended must come back as the last record
    (else the block ended inside a quoted field); and the line breaks inside fields plus one per
    record must add up to every line break of the block (else a blank line was skipped). Wrong
    field counts and invalid UTF-8 make Arrow raise."""
    if width < 2 or not block.endswith(b"\n") or b"\x00" in block:
        return None
    if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
        return None
    names = [f"c{i}" for i in range(width)]
    sentinel = delimiter.join([_SENTINEL_CELL] * width).encode() + b"\n"
    try:
        table = pacsv.read_csv(
            pa.py_buffer(block + sentinel),
            read_options=pacsv.ReadOptions(
                column_names=names, use_threads=True, block_size=len(block) + len(sentinel) + 1
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    n = table.num_rows - 1
    if n < 0 or any(table.column(i)[n].as_py() != _SENTINEL_CELL for i in range(width)):
        return None
    if n == 0:
        return None  # only blank lines: the csv module skips them and counts them
    table = table.slice(0, n).combine_chunks()
    spans = _record_spans([c.chunk(0) for c in table.columns], block.count(b"\n"))
    if spans is None:
        return None
    if not _multiline_records_strict(block, spans, delimiter):
        return None
    # From the buffer, not pa.array(ndarray): that would import pandas (a second, once).
    return table, pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(spans)])


def _multiline_records_strict(block: bytes, spans: np.ndarray, delimiter: str) -> bool:
    """Whether every record spanning several lines also reads with csv's strict quoting.

    An unclosed quote that swallowed the next records can still give the right field count, and
    Arrow reads quotes leniently; `csv_rows` splits such a record, so the block must go to it."""
    multi = np.flatnonzero(spans > 1)
    if not len(multi):
        return True
    breaks = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
    first_lines = np.cumsum(spans) - spans
    for record in multi:
        first, last = first_lines[record], first_lines[record] + spans[record] - 1
        start = 0 if first == 0 else int(breaks[first - 1]) + 1
        text = block[start : int(breaks[last]) + 1].decode("utf-8")
        try:
            next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
        except csv.Error:
            return False
    return True


def _record_spans(columns: list[pa.StringArray], line_breaks: int) -> np.ndarray | None:
    """Lines each record takes (1 + the line breaks inside its fields), or None when they do not
    add up to the block's line breaks (a blank line was skipped).

    Every record ends with one break of its own, so breaks inside fields can only fall short of
    the total, never exceed it: once the columns counted so far reach it, the rest hold none.
    Largest columns first, since that is where multi-line text lives."""
    n = len(columns[0])
    spans = np.ones(n, dtype=np.int64)
    remaining = line_breaks - n
    for column in sorted(columns, key=lambda c: -c.nbytes):
        if remaining <= 0:
            break
        inside = _line_breaks_per_value(column)
        spans += inside
        remaining -= int(inside.sum())
    return spans if remaining == 0 else None


def _line_breaks_per_value(values: pa.StringArray) -> np.ndarray:
    """Count of "\\n" in each value, from Arrow's buffers (no Python string per value)."""
    _, offsets_buffer, data_buffer = values.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[values.offset : values.offset
                                                             + len(values) + 1]
    if data_buffer is None or offsets[-1] == offsets[0]:
        return np.zeros(len(values), dtype=np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    positions = np.flatnonzero(data[offsets[0] : offsets[-1]] == 10) + offsets[0]
    owners = np.searchsorted(offsets, positions, side="right") - 1
    return np.bincount(owners, minlength=len(values)).astype(np.int64)


class _ByteCursor:
    """Whole lines of a byte stream, handed out as blocks or one by one, with give-back.

    A stream cut off mid-way (TruncatedSource) ends at its last complete line, as line iteration
    over `open_binary` does; the error is raised once every line before it was taken."""

    READ_BYTES = 1 << 20

    def __init__(self, stream: IO[bytes]) -> None:
        self._reader = io.BufferedReader(stream, buffer_size=self.READ_BYTES)  # type: ignore[arg-type]
        self._buf = b""
        self._pos = 0
        self._eof = False
        self._truncated: TruncatedSource | None = None

    def _fill(self, want: int) -> None:
        """Make at least `want` unread bytes available, or reach the end of the stream."""
        parts = [self._buf[self._pos :]]
        have = len(parts[0])
        while have < want and not self._eof:
            try:
                data = self._reader.read1(self.READ_BYTES)
            except TruncatedSource as error:
                self._truncated, self._eof = error, True
                tail = b"".join(parts)
                parts, have = [tail[: tail.rfind(b"\n") + 1]], 0  # drop the cut-off line
                break
            if not data:
                self._eof = True
                break
            parts.append(data)
            have += len(data)
        self._buf, self._pos = b"".join(parts), 0

    def _line_end(self, start: int) -> int:
        """Index just past the first line ending at or after `start` (or the end of data)."""
        while True:
            cut = self._buf.find(b"\n", start)
            if cut >= 0:
                return cut + 1
            if self._eof:
                return len(self._buf)
            start = len(self._buf) - self._pos
            self._fill(2 * (len(self._buf) - self._pos) + self.READ_BYTES)
            start += self._pos

    def next_line(self) -> bytes:
        """The next line with its line ending; b"" at the end."""
        if self._pos >= len(self._buf):
            self._fill(1)
        end = self._line_end(self._pos)
        line, self._pos = self._buf[self._pos : end], end
        return line

    def take_block(self, size: int) -> bytes:
        """About `size` bytes of whole lines, cut where the quotes seen so far are balanced (a
        likely record boundary; `_arrow_block` checks it). b"" at the end."""
        if len(self._buf) - self._pos < size:
            self._fill(size)
        start = self._pos
        if start >= len(self._buf):
            return b""
        limit = min(start + size, len(self._buf))
        cut = self._buf.rfind(b"\n", start, limit)
        if cut < 0:  # one line longer than a block
            end = self._line_end(start)
            block, self._pos = self._buf[self._pos : end], end
            return block
        if self._eof and limit == len(self._buf) and self._buf.endswith(b"\n"):
            end = limit  # the rest of the file, whole
        else:
            end = cut + 1
            quotes = self._buf.count(b'"', start, end)
            while quotes % 2:  # probably inside a quoted field: back up a line
                previous = self._buf.rfind(b"\n", start, end - 1)
                if previous < 0:
                    end = cut + 1
                    break
                quotes -= self._buf.count(b'"', previous + 1, end)
                end = previous + 1
        block, self._pos = self._buf[start:end], end
        return block

    def give_back(self, block: bytes) -> None:
        """Undo the last `take_block`."""
        self._pos -= len(block)

    def raise_if_truncated(self) -> None:
        if self._truncated is not None:
            raise self._truncated
