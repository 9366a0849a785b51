"""Opening source files as decompressed byte streams: gzip or zstd by their magic bytes, and
every way a broken stream fails turned into `SourceUnreadable` (nothing decodable) or
`TruncatedSource` (cut off after some data). Everything streams."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import zstandard

from assets.ingest.errors import EMPTY_FILE, SourceUnreadable, TruncatedSource
from assets.ingest.sources import SourceFile

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
# Pushshift's RC_* dumps are compressed with --long=31: a 2 GiB window.
ZSTD_MAX_WINDOW = 2**31
# A file named like this must hold that compression; read as plain text it would be garbage.
NAMED_COMPRESSION = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}


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
