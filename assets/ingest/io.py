"""Opening source files: compression by extension and magic bytes, text with encoding fallback,
CSV with required columns. Everything streams; nothing reads a whole file into memory."""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import zstandard

from assets.ingest.prefetch import prefetched
from assets.ingest.sources import SourceFile

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
# Pushshift's RC_* dumps are compressed with --long=31: a 2 GiB window.
ZSTD_MAX_WINDOW = 2**31

csv.field_size_limit(sys.maxsize)


class SourceUnreadable(Exception):
    """The file as a whole cannot be ingested; the message names the file and why."""

    def __init__(self, source: SourceFile, reason: str) -> None:
        super().__init__(f"{source.corpus}/{source.relpath}: {reason}")
        self.source = source
        self.reason = reason


class TruncatedSource(Exception):
    """The stream ended early: rows read so far are good, the rest is lost."""


@contextmanager
def open_binary(source: SourceFile) -> Iterator[IO[bytes]]:
    """Decompressed byte stream of a source file, whatever its compression."""
    raw = source.fs.open(source.path, "rb")
    try:
        head = raw.read(4)
        raw.seek(0)
        if head.startswith(GZIP_MAGIC):
            stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb")
        elif head.startswith(ZSTD_MAGIC):
            # zstandard's stream_reader reports a clean end of file when the input stops
            # mid-frame; the frame-aware reader raises TruncatedSource instead.
            stream = _ZstdFrames(raw)
        else:
            stream = raw
        yield _TruncationAware(stream)
    finally:
        raw.close()


class _TruncationAware(io.RawIOBase):
    """Turns the many ways a cut-off gzip/zstd stream fails into one TruncatedSource error."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner
        # read1 returns what one step decoded: a cut-off stream then loses only that step, not
        # everything a looping read() had gathered for the caller.
        self._read = getattr(inner, "read1", inner.read)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        try:
            data = self._read(len(buffer))
        except (EOFError, zstandard.ZstdError, gzip.BadGzipFile, OSError) as error:
            raise TruncatedSource(str(error)) from error
        n = len(data)
        buffer[:n] = data
        return n


def iter_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Binary lines, buffered (the stream may be a slow decompressor)."""
    yield from io.BufferedReader(stream, buffer_size=1 << 20)  # type: ignore[arg-type]


def decode_line(line: bytes, fallback: str = "cp1252") -> tuple[str, bool]:
    """UTF-8 first, the legacy Windows code page second (old essays files are cp1252).

    Returns the text and whether the fallback was needed."""
    try:
        return line.decode("utf-8"), False
    except UnicodeDecodeError:
        return line.decode(fallback, errors="replace"), True


@contextmanager
def open_text_lines(source: SourceFile) -> Iterator[Iterator[str]]:
    """Decoded text lines with line endings kept (csv needs them inside quoted fields)."""
    with open_binary(source) as stream:

        def lines() -> Iterator[str]:
            first = True
            for raw in iter_lines(stream):
                text, _ = decode_line(raw)
                if first:
                    text = text.lstrip("\ufeff")
                    first = False
                yield text

        yield lines()


def iter_csv_records(
    source: SourceFile,
    required: set[str],
    delimiter: str = ",",
) -> Iterator[tuple[int, dict[str, str | None], str]]:
    """(first line number, record, raw excerpt) for each CSV record.

    Raises SourceUnreadable when the header lacks a required column, because then no row of the
    file could be ingested."""
    with open_text_lines(source) as lines:
        reader = csv.reader(lines, delimiter=delimiter)
        header = [h.strip() for h in _first_row(source, reader)]
        _header_columns(source, header, required, casefold=False)
        for start, values, error in _csv_rows(reader, len(header)):
            excerpt = csv_excerpt(values)
            if error:
                yield start, {"__error__": error}, excerpt
            else:
                yield start, dict(zip(header, values, strict=True)), excerpt


CsvRow = tuple[int, list[str], str | None]


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
    `values` may be partial) for a malformed row or a wrong field count. Raises SourceUnreadable
    when a required column is missing, since then no row could be ingested."""
    with open_text_lines(source) as lines:
        reader = csv.reader(lines, delimiter=delimiter)
        header = _first_row(source, reader)
        names, columns = _header_columns(source, header, required, casefold)

        yield columns, _csv_rows(reader, len(names))


def _csv_rows(reader, width: int) -> Iterator[CsvRow]:
    """Records with their first line number; a malformed row or a wrong field count carries
    its reason (and whatever values were read) instead of stopping the file."""
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, [], f"malformed CSV: {error}"
            continue
        if not values:
            continue  # blank line between records
        if len(values) != width:
            yield start, values, f"expected {width} fields, found {len(values)}"
            continue
        yield start, values, None


def _first_row(source: SourceFile, reader) -> list[str]:
    """The header row; a file without one cannot be ingested at all."""
    try:
        return next(reader)
    except StopIteration:
        raise SourceUnreadable(source, "empty file: no header row") from None
    except csv.Error as error:
        raise SourceUnreadable(source, f"unparseable header: {error}") from None


def _header_columns(
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


class _ZstdFrames(io.RawIOBase):
    """Decompresses frame after frame and knows whether the input ended between two frames."""

    CHUNK = 1 << 16  # compressed bytes per step; bounds what one step can expand to

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._dctx = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        self._frame = self._dctx.decompressobj()
        self._in_frame = False
        self._pending = b""
        self._pos = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        while self._pos >= len(self._pending) and not self._done:
            chunk = self._raw.read(self.CHUNK)
            if not chunk:
                self._done = True
                if self._in_frame:
                    raise TruncatedSource("zstd stream ends inside a frame")
                break
            try:
                self._pending, self._pos = self._decompress(chunk), 0
            except zstandard.ZstdError as error:
                raise TruncatedSource(f"corrupt zstd data: {error}") from error
        n = min(len(buffer), len(self._pending) - self._pos)
        buffer[:n] = memoryview(self._pending)[self._pos : self._pos + n]
        self._pos += n
        return n

    def _decompress(self, chunk: bytes) -> bytes:
        out = []
        while chunk:
            self._in_frame = True
            out.append(self._frame.decompress(chunk))
            if not self._frame.eof:
                break
            chunk = self._frame.unused_data  # the next frame starts inside this chunk
            self._frame = self._dctx.decompressobj()
            self._in_frame = False
        return b"".join(out)


# --- columnar CSV: Arrow parses the well-formed stretches, Python's csv the rest ----------------

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
    count, a blank line, a bare carriage return, invalid UTF-8 needing the cp1252 fallback) is
    read by the csv module from the same position, so quarantine reasons and line numbers are
    those of `open_csv`. Blocks are read and parsed one step ahead on a worker thread (Arrow
    releases the GIL). Memory: a few blocks of `block_bytes` and Arrow's copies of them."""
    with open_binary(source) as stream:
        cursor = _ByteCursor(stream)
        header, header_lines = _csv_header(source, cursor, delimiter)
        names, columns = _header_columns(source, header, required, casefold)
        items = prefetched(
            _csv_items(cursor, len(names), delimiter, header_lines + 1, block_bytes)
        )
        try:
            yield columns, items
        finally:
            items.close()  # stops the worker before the stream closes


def _csv_header(source: SourceFile, cursor: _ByteCursor, delimiter: str) -> tuple[list[str], int]:
    """The header record (BOM stripped, as `open_text_lines` does) and the lines it took."""

    def lines() -> Iterator[str]:
        first = True
        while raw := cursor.next_line():
            text, _ = decode_line(raw)
            yield text.lstrip("\ufeff") if first else text
            first = False

    reader = csv.reader(lines(), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise SourceUnreadable(source, "empty file: no header row") from None
    except csv.Error as error:
        raise SourceUnreadable(source, f"unparseable header: {error}") from None
    return header, reader.line_num


def _csv_items(
    cursor: _ByteCursor, width: int, delimiter: str, line: int, block_bytes: int
) -> Iterator[CsvItem]:
    """Blocks where Arrow's reading is exact, csv-module rows where it is not, in file order.

    A refused block is retried smaller before the csv module takes it, so one bad record costs a
    few small Arrow attempts and about `MIN_ARROW_BLOCK` bytes read by Python, not a whole block;
    blocks grow back after each success."""
    size = block_bytes
    while block := cursor.take_block(size):
        parsed = _arrow_block(block, width, delimiter)
        if parsed is not None:
            table, spans = parsed
            ends = pc.add(pc.cumulative_sum(spans), line)
            yield CsvBlock(table, pc.subtract(ends, spans))
            line = ends[-1].as_py()
            size = min(block_bytes, size * 4)
            continue
        cursor.give_back(block)
        if size > MIN_ARROW_BLOCK and len(block) > MIN_ARROW_BLOCK:
            size = max(MIN_ARROW_BLOCK, size // 8)
            continue
        rows, used = _python_rows(cursor, width, delimiter, line, len(block))
        yield from rows
        line += used
    cursor.raise_if_truncated()


def _python_rows(
    cursor: _ByteCursor, width: int, delimiter: str, line: int, at_least: int
) -> tuple[list[CsvRow], int]:
    """`open_csv`'s rows from the cursor until at least `at_least` bytes are read and a record
    has ended (a record may run past the block Arrow refused), and the number of lines read."""
    consumed = 0

    def lines() -> Iterator[str]:
        nonlocal consumed
        while raw := cursor.next_line():
            consumed += len(raw)
            yield decode_line(raw)[0]

    reader = csv.reader(lines(), delimiter=delimiter)
    rows: list[CsvRow] = []
    while consumed < at_least:
        start = line + reader.line_num
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            rows.append((start, [], f"malformed CSV: {error}"))
            continue
        if not values:
            continue  # blank line between records
        if len(values) != width:
            rows.append((start, values, f"expected {width} fields, found {len(values)}"))
            continue
        rows.append((start, values, None))
    return rows, reader.line_num


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
    # From the buffer, not pa.array(ndarray): that would import pandas (a second, once).
    return table, pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(spans)])


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
