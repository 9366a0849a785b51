"""Opening source files: compression by magic bytes, text in whatever encoding the file uses
(detected per file, transcoded to UTF-8, NUL bytes stripped and counted), CSV with required
columns and recovery from broken quoting. Everything streams; nothing reads a whole file into
memory."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import zstandard
from charset_normalizer import from_bytes

from assets.ingest.prefetch import prefetched
from assets.ingest.sources import SourceFile

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
# Pushshift's RC_* dumps are compressed with --long=31: a 2 GiB window.
ZSTD_MAX_WINDOW = 2**31
# A file named like this must hold that compression; read as plain text it would be garbage.
NAMED_COMPRESSION = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}

# Why a whole file is unreadable, worded the same by every reader.
EMPTY_FILE = "empty file"
HEADER_ONLY = "header only, no records"

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
    """Decompressed byte stream of a source file, whatever its compression.

    Raises SourceUnreadable when the file cannot be opened (permission denied, a symlink loop)
    or when its name promises a compression its bytes do not have."""
    try:
        raw = source.fs.open(source.path, "rb")
    except PermissionError:
        raise SourceUnreadable(source, "permission denied") from None
    except OSError as error:
        raise SourceUnreadable(source, f"cannot open: {error.strerror or error}") from None
    try:
        head = raw.read(4)
        raw.seek(0)
        if head.startswith(GZIP_MAGIC):
            stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb")
            kind = "gzip"
        elif head.startswith(ZSTD_MAGIC):
            # zstandard's stream_reader reports a clean end of file when the input stops
            # mid-frame; the frame-aware reader raises TruncatedSource instead.
            stream, kind = _ZstdFrames(raw), "zstd"
        else:
            named = _named_compression(source.name)
            if named and not head:
                raise SourceUnreadable(source, EMPTY_FILE)
            if named:
                raise SourceUnreadable(
                    source, f"wrong compression: not a {named} stream (starts with {head!r})"
                )
            stream, kind = raw, "plain"
        yield _TruncationAware(stream, source, kind)
    finally:
        raw.close()


def _named_compression(name: str) -> str | None:
    lowered = name.lower()
    return next((kind for suffix, kind in NAMED_COMPRESSION.items()
                 if lowered.endswith(suffix)), None)


class _TruncationAware(io.RawIOBase):
    """Turns the many ways a broken gzip/zstd stream fails into one of two errors: nothing
    decoded at all is a SourceUnreadable file (wrong or corrupt compression), a stream that
    breaks after some data is a TruncatedSource (the rows before the break are good)."""

    def __init__(self, inner: IO[bytes], source: SourceFile, kind: str) -> None:
        self._inner = inner
        self._source = source
        self._kind = kind
        self._produced = 0
        # read1 returns what one step decoded: a cut-off stream then loses only that step, not
        # everything a looping read() had gathered for the caller.
        self._read = getattr(inner, "read1", inner.read)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        try:
            data = self._read(len(buffer))
        except (EOFError, zstandard.ZstdError, gzip.BadGzipFile, zlib.error, OSError,
                TruncatedSource) as error:
            if self._produced == 0:
                raise SourceUnreadable(
                    self._source, f"not a valid {self._kind} stream: {error}"
                ) from error
            if isinstance(error, TruncatedSource):
                raise
            raise TruncatedSource(str(error)) from error
        n = len(data)
        buffer[:n] = data
        self._produced += n
        return n


def iter_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Binary lines, buffered (the stream may be a slow decompressor)."""
    yield from io.BufferedReader(stream, buffer_size=1 << 20)  # type: ignore[arg-type]


# --- text: one encoding per file, detected; NUL bytes and undecodable bytes counted ------------

# Bytes looked at to decide a file's encoding before anything is decoded.
ENCODING_SAMPLE_BYTES = 1 << 20
# Byte order marks, longest first (a UTF-32-LE mark starts with the UTF-16-LE one).
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Encodings charset-normalizer may choose for a file that is not UTF-8, most preferred first.
# On short samples several decode without a flaw (a cp1252 essay also reads as cp1250 with one
# letter changed); the earliest of those wins, so Western text gets the Windows code page these
# corpora were written in, and a Cyrillic or Japanese file still gets its own.
LEGACY_ENCODINGS = (
    "cp1252", "latin_1", "iso8859_15", "mac_roman", "cp1250", "cp1251", "koi8_r",
    "gb18030", "shift_jis", "big5", "euc_kr",
)
CHAOS_TIE = 0.01  # charset-normalizer "mess" ratios this close count as a tie
NOTED_LINES = 5  # lines named in a repair note
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # what the surrogateescape handler makes of a byte


@dataclass
class TextStats:
    """How one file's text was decoded and what had to be repaired.

    Filled while the file is read; complete once it has been read to the end. The readers turn
    it into quarantine notes (`repair_notes`): the repaired rows themselves are kept."""

    encoding: str = "utf-8"
    detected_by: str = "default"
    undecodable_bytes: int = 0
    nul_bytes: int = 0
    undecodable_lines: list[int] = field(default_factory=list)
    nul_lines: list[int] = field(default_factory=list)

    def repair_notes(self) -> list[tuple[int, str]]:
        """(first line, reason) per kind of repair made; none for a clean file."""
        notes = []
        if self.undecodable_bytes:
            notes.append((self.undecodable_lines[0], (
                f"undecodable bytes: {self.undecodable_bytes} byte(s) not valid {self.encoding} "
                f"replaced with U+FFFD on line(s) {_lines_text(self.undecodable_lines)} "
                "(rows kept)"
            )))
        if self.nul_bytes:
            notes.append((self.nul_lines[0], (
                f"NUL bytes: {self.nul_bytes} stripped on line(s) "
                f"{_lines_text(self.nul_lines)} (rows kept)"
            )))
        return notes


def _lines_text(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:NOTED_LINES])
    return shown + (", ..." if len(lines) > NOTED_LINES else "")


@contextmanager
def open_text(source: SourceFile) -> Iterator[tuple[IO[bytes], TextStats]]:
    """The file's text as a UTF-8 byte stream, and the stats of its decoding.

    The encoding is decided once per file, from its first MiB (`detect_encoding`): a file whose
    first MiB is plain ASCII decides at its first non-ASCII chunk instead. Bytes invalid in that
    encoding become U+FFFD and NUL bytes are dropped, both counted in the stats, so every reader
    downstream (csv, Arrow, orjson) sees valid UTF-8 without NULs."""
    with open_binary(source) as stream:
        head, error = _read_head(stream)
        encoding, detected_by, decided = detect_encoding(head)
        if head.startswith(codecs.BOM_UTF8):
            head = head[len(codecs.BOM_UTF8):]
        stats = TextStats(encoding=encoding, detected_by=detected_by)
        yield _Utf8Text(stream, stats, head, decided, error), stats


def _read_head(stream: IO[bytes]) -> tuple[bytes, TruncatedSource | None]:
    """The first ENCODING_SAMPLE_BYTES (fewer at the end), and the error that cut them short."""
    parts: list[bytes] = []
    size = 0
    while size < ENCODING_SAMPLE_BYTES:
        try:
            data = stream.read(ENCODING_SAMPLE_BYTES - size)
        except TruncatedSource as error:
            return b"".join(parts), error
        if not data:
            break
        parts.append(data)
        size += len(data)
    return b"".join(parts), None


def detect_encoding(sample: bytes) -> tuple[str, str, bool]:
    """(encoding, how it was decided, whether the sample settled it) for a file starting so.

    A byte order mark decides; so does the NUL pattern of UTF-16 text without one. Otherwise
    UTF-8 unless most non-ASCII characters of the sample are invalid UTF-8 (one stray byte in a
    UTF-8 file is a damaged character, not a sign of another encoding); then charset-normalizer
    chooses among LEGACY_ENCODINGS. An all-ASCII sample settles nothing."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if sample.startswith(mark):
            return encoding, "byte order mark", True
    utf16 = _bomless_utf16(sample)
    if utf16:
        return utf16, "NUL byte pattern", True
    text = sample[: _utf8_boundary(sample)].decode("utf-8", "surrogateescape")
    if not _mostly_undecodable(text):
        return "utf-8", "valid UTF-8", not sample.isascii()
    legacy = guess_legacy_encoding(sample)
    if legacy is None:
        return "utf-8", "no encoding fits; UTF-8 with replacements", True
    return legacy, "charset-normalizer", True


def _bomless_utf16(sample: bytes) -> str | None:
    """UTF-16 without a byte order mark: ASCII text has a NUL in every other byte."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _mostly_undecodable(text: str) -> bool:
    """More bytes invalid as UTF-8 than valid non-ASCII characters in text decoded with
    surrogateescape."""
    invalid = len(_UNDECODABLE.findall(text))
    if not invalid:
        return False
    non_ascii = sum(1 for c in text if c > "\x7f")
    return invalid > non_ascii - invalid


def guess_legacy_encoding(data: bytes) -> str | None:
    """The legacy encoding charset-normalizer finds for `data` (None when none decodes it).

    Only the lines holding non-ASCII bytes are shown to it, without NUL bytes (which make it
    take the text for binary): they are the evidence, and charset-normalizer samples a few
    chunks of its input, which could miss them."""
    data = data.replace(b"\x00", b"")
    evidence = b"\n".join(line for line in data.split(b"\n") if not line.isascii())[:65536]
    matches = list(from_bytes(evidence or data, cp_isolation=list(LEGACY_ENCODINGS)))
    if not matches:
        return None
    least = min(m.chaos for m in matches)
    fitting = {name for m in matches if m.chaos <= least + CHAOS_TIE
               for name in m.could_be_from_charset}
    return next((e for e in LEGACY_ENCODINGS if e in fitting), matches[0].encoding)


def _utf8_boundary(data: bytes) -> int:
    """Length of the longest prefix of `data` that does not end inside a UTF-8 sequence."""
    end = len(data)
    for back in range(1, min(4, end) + 1):
        byte = data[end - back]
        if byte < 0x80:
            return end
        if byte >= 0xC0:  # the lead byte of the last sequence
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return end if back >= need else end - back
    return end


def _is_valid_utf8(data: bytes) -> bool:
    """UTF-8 validity checked by Arrow, without building a Python string."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int32))
    try:
        pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(data)]).validate(
            full=True
        )
    except pa.ArrowInvalid:
        return False
    return True


class _Utf8Text(io.RawIOBase):
    """UTF-8 bytes of a text stream in `stats.encoding`, NULs dropped, bad bytes replaced.

    UTF-8 input that is already clean (the common case, and all of a multi-GB dump) passes
    through unchanged after a validity check; only chunks needing repair are decoded."""

    CHUNK = 1 << 20

    def __init__(
        self, inner: IO[bytes], stats: TextStats, head: bytes, decided: bool,
        error: TruncatedSource | None,
    ) -> None:
        self._inner = inner
        self._stats = stats
        self._decided = decided
        self._decoder = self._decoder_for(stats.encoding)
        self._head: bytes | None = head
        self._error = error  # raised once the head, read before it struck, is handed out
        self._carry = b""  # an incomplete UTF-8 sequence at the end of the last chunk
        self._out = b""
        self._pos = 0
        self._eof = False
        self._lines = 0  # line breaks handed out so far

    @staticmethod
    def _decoder_for(encoding: str) -> codecs.IncrementalDecoder | None:
        if encoding == "utf-8":
            return None
        return codecs.getincrementaldecoder(encoding)("surrogateescape")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        while self._pos >= len(self._out):
            if self._eof:
                return 0
            if self._head is not None:
                data, self._head = self._head, None
            elif self._error is not None:
                error, self._error = self._error, None
                raise error
            else:
                data = self._inner.read(self.CHUNK)
            self._eof = not data
            self._out, self._pos = self._transcode(data, final=self._eof), 0
        n = min(len(buffer), len(self._out) - self._pos)
        buffer[:n] = memoryview(self._out)[self._pos : self._pos + n]
        self._pos += n
        return n

    def _transcode(self, data: bytes, final: bool) -> bytes:
        if self._decoder is not None:
            return self._repair(self._decoder.decode(data, final))
        data = self._carry + data
        cut = len(data) if final else _utf8_boundary(data)
        data, self._carry = data[:cut], data[cut:]
        if not data:
            return b""
        ascii_only = data.isascii()
        if b"\x00" not in data and (ascii_only or _is_valid_utf8(data)):
            self._decided = self._decided or not ascii_only
            self._lines += data.count(b"\n")
            return data
        text = data.decode("utf-8", "surrogateescape")
        if not self._decided and _mostly_undecodable(text):
            # The file was all ASCII so far: this first non-ASCII chunk names its encoding.
            legacy = guess_legacy_encoding(data)
            if legacy is not None:
                self._stats.encoding, self._stats.detected_by = legacy, "charset-normalizer"
                self._decoder = self._decoder_for(legacy)
                text = self._decoder.decode(data, final)  # type: ignore[union-attr]
        self._decided = self._decided or not ascii_only
        return self._repair(text)

    def _repair(self, text: str) -> bytes:
        """`text` without NULs and with U+FFFD for undecodable bytes, counted, as UTF-8."""
        nul = text.count("\x00")
        if nul:
            self._stats.nul_bytes += nul
            self._note_lines(text, (m.start() for m in re.finditer("\x00", text)),
                             self._stats.nul_lines)
        bad = _UNDECODABLE.findall(text)
        if bad:
            self._stats.undecodable_bytes += len(bad)
            self._note_lines(text, (m.start() for m in _UNDECODABLE.finditer(text)),
                             self._stats.undecodable_lines)
            text = _UNDECODABLE.sub("\ufffd", text)
        if nul:
            text = text.replace("\x00", "")
        self._lines += text.count("\n")
        return text.encode("utf-8")

    def _note_lines(self, text: str, positions: Iterator[int], noted: list[int]) -> None:
        """Record the lines (1-based, in the file) of the first few positions in `text`."""
        for position in positions:
            if len(noted) > NOTED_LINES:
                return
            line = self._lines + text.count("\n", 0, position) + 1
            if not noted or noted[-1] != line:
                noted.append(line)


def iter_text_lines(stream: IO[bytes]) -> Iterator[str]:
    """Decoded lines of an `open_text` stream, line endings kept (csv needs them inside quoted
    fields)."""
    for raw in iter_lines(stream):
        yield raw.decode("utf-8")


@contextmanager
def open_text_lines(source: SourceFile) -> Iterator[tuple[Iterator[str], TextStats]]:
    """Decoded text lines with line endings kept, and the stats of their decoding."""
    with open_text(source) as (stream, stats):
        yield iter_text_lines(stream), stats


# --- CSV records: broken quoting costs the broken record only --------------------------------

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
        header = _first_row(source, lines, delimiter)
        names, columns = _header_columns(source, header, required, casefold)
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


def _first_row(source: SourceFile, lines: NumberedLines, delimiter: str) -> list[str]:
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
    count, a blank line, a bare carriage return, a multi-line record with broken quoting) is read
    by the csv module from the same position, so quarantine reasons and line numbers are those
    of `open_csv`. The bytes come from `open_text`, so they are valid UTF-8 without NULs whatever
    the file's encoding. Blocks are read and parsed one step ahead on a worker thread (Arrow
    releases the GIL). Memory: a few blocks of `block_bytes` and Arrow's copies of them."""
    with open_text(source) as (stream, stats):
        cursor = _ByteCursor(stream)
        header, header_lines = _csv_header(source, cursor, delimiter)
        names, columns = _header_columns(source, header, required, casefold)
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
    return _first_row(source, lines, delimiter), lines.read_from_source


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
