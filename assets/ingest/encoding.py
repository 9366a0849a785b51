"""Text in whatever encoding a file uses: detected once per file, transcoded to UTF-8, NUL bytes
stripped and undecodable bytes replaced, both counted for the quarantine notes. Streams."""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import pyarrow as pa
from charset_normalizer import from_bytes

from assets.ingest.compression import iter_lines, open_binary
from assets.ingest.errors import TruncatedSource
from assets.ingest.sources import SourceFile

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
