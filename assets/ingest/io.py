"""Opening source files: compression by extension and magic bytes, text with encoding fallback,
CSV with required columns. Everything streams; nothing reads a whole file into memory."""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import zstandard

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

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
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
        try:
            header = next(reader)
        except StopIteration:
            raise SourceUnreadable(source, "empty file: no header row") from None
        except csv.Error as error:
            raise SourceUnreadable(source, f"unparseable header: {error}") from None
        header = [h.strip() for h in header]
        missing = required - set(header)
        if missing:
            raise SourceUnreadable(
                source, f"missing required column(s) {sorted(missing)}; header is {header}"
            )
        while True:
            start = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield start, {"__error__": f"malformed CSV: {error}"}, ""
                continue
            if not values:
                continue  # blank line between records
            excerpt = ",".join(values)[:200]
            if len(values) != len(header):
                yield start, {
                    "__error__": f"expected {len(header)} fields, found {len(values)}"
                }, excerpt
                continue
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
        try:
            header = next(reader)
        except StopIteration:
            raise SourceUnreadable(source, "empty file: no header row") from None
        except csv.Error as error:
            raise SourceUnreadable(source, f"unparseable header: {error}") from None
        names = [h.strip().lower() if casefold else h.strip() for h in header]
        missing = required - set(names)
        if missing:
            raise SourceUnreadable(
                source, f"missing required column(s) {sorted(missing)}; header is {header}"
            )
        columns: dict[str, int] = {}
        for position, name in enumerate(names):
            columns.setdefault(name, position)  # first of duplicated names wins

        def rows() -> Iterator[CsvRow]:
            width = len(names)
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

        yield columns, rows()


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
