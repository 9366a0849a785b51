"""The lake: Parquet files under `<root>/lake/<zone>/<table>/corpus=<name>/<part>.parquet`.

Every path goes through an fsspec filesystem, so `WAREHOUSE_DIR` may be a local folder or an
object-store URL. Each part file is written to a temporary name and renamed into place, so a
reader (an analyst's DuckDB session) sees either the old part or the new one, never half of one.
"""

from __future__ import annotations

import json
import posixpath
import queue
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from assets.permissions import restrict_to_owner

ZONES = ("raw", "curated")
METADATA_KEY = b"personality_warehouse"
TMP_SUFFIX = ".parquet.tmp"


@dataclass(frozen=True)
class Lake:
    """A warehouse root on some filesystem."""

    fs: fsspec.AbstractFileSystem
    root: str

    @classmethod
    def at(cls, url: str) -> Lake:
        fs, root = fsspec.core.url_to_fs(url)
        if isinstance(fs, LocalFileSystem):
            root = posixpath.abspath(root)
        return cls(fs, root.rstrip("/"))

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    def path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def url(self, path: str) -> str:
        """A URL DuckDB can read: plain for local files, protocol-prefixed otherwise."""
        return path if self.is_local else self.fs.unstrip_protocol(path)

    def table_dir(self, zone: str, table: str, corpus: str | None = None) -> str:
        if zone not in ZONES:
            raise ValueError(f"unknown zone {zone!r}; expected one of {ZONES}")
        base = self.path("lake", zone, table)
        return base if corpus is None else posixpath.join(base, f"corpus={corpus}")

    def part_path(self, zone: str, table: str, corpus: str, part: str) -> str:
        return posixpath.join(self.table_dir(zone, table, corpus), f"{part}.parquet")

    def table_glob(self, zone: str, table: str) -> str:
        return self.url(posixpath.join(self.table_dir(zone, table), "corpus=*", "*.parquet"))

    def list_parts(self, zone: str, table: str, corpus: str | None = None) -> list[str]:
        pattern = posixpath.join(
            self.table_dir(zone, table), f"corpus={corpus or '*'}", "*.parquet"
        )
        return sorted(self.fs.glob(pattern))

    def part_metadata(self, path: str) -> dict[str, Any] | None:
        """The platform's metadata stored in a part's footer, or None if absent or unreadable."""
        try:
            with self.fs.open(path, "rb") as handle:
                meta = pq.read_schema(handle).metadata or {}
        except (FileNotFoundError, OSError, pa.ArrowInvalid):
            return None
        raw = meta.get(METADATA_KEY)
        return json.loads(raw) if raw else None

    def remove(self, path: str) -> None:
        if self.fs.exists(path):
            self.fs.rm(path)

    def write_part(
        self,
        zone: str,
        table: str,
        corpus: str,
        part: str,
        data: pa.Table,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        """Write a whole part atomically (small tables)."""
        with PartWriter(self, zone, table, corpus, part, data.schema, metadata) as writer:
            writer.write(data)
        return writer.final_path


@dataclass
class PartWriter:
    """Streams record batches into one part file; the file appears only on a clean exit.

    With `background`, Parquet encoding and compression run on a second thread (Arrow releases
    the GIL for them) while the caller goes on parsing; at most `BACKGROUND_QUEUE` batches wait,
    so memory stays bounded. A failure on that thread surfaces on the next `write` or `close`."""

    lake: Lake
    zone: str
    table: str
    corpus: str
    part: str
    schema: pa.Schema
    metadata: Mapping[str, Any] | None = None
    rows: int = 0
    background: bool = False
    _writer: pq.ParquetWriter | None = field(default=None, repr=False)
    _handle: Any = field(default=None, repr=False)
    _queue: queue.Queue[pa.Table | None] | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _error: BaseException | None = field(default=None, repr=False)

    BACKGROUND_QUEUE = 2

    @property
    def final_path(self) -> str:
        return self.lake.part_path(self.zone, self.table, self.corpus, self.part)

    def __post_init__(self) -> None:
        self.tmp_path = self.final_path[: -len(".parquet")] + f".{uuid.uuid4().hex}{TMP_SUFFIX}"
        meta = dict(self.schema.metadata or {})
        if self.metadata is not None:
            meta[METADATA_KEY] = json.dumps(self.metadata, sort_keys=True).encode()
        self.schema = self.schema.with_metadata(meta)

    def __enter__(self) -> PartWriter:
        self.lake.fs.makedirs(posixpath.dirname(self.tmp_path), exist_ok=True)
        if self.zone == "raw" and self.lake.is_local:  # raw text and real names: owner only
            restrict_to_owner(self.lake.path("lake", "raw"))
        self._handle = self.lake.fs.open(self.tmp_path, "wb")
        self._writer = pq.ParquetWriter(
            self._handle, self.schema, compression="zstd", write_statistics=True
        )
        if self.background:
            self._queue = queue.Queue(maxsize=self.BACKGROUND_QUEUE)
            self._thread = threading.Thread(
                target=self._drain, name=f"part-writer-{self.table}", daemon=True
            )
            self._thread.start()
        return self

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        if data.num_rows == 0:
            return
        assert self._writer is not None, "PartWriter used outside its context"
        table = data if isinstance(data, pa.Table) else pa.Table.from_batches([data])
        if self._queue is None:
            self._writer.write_table(table.cast(self.schema))
        else:
            self._raise_background_error()
            self._queue.put(table)
        self.rows += data.num_rows

    def _drain(self) -> None:
        assert self._queue is not None and self._writer is not None
        while (table := self._queue.get()) is not None:
            if self._error is None:  # after a failure, only empty the queue
                try:
                    self._writer.write_table(table.cast(self.schema))
                except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
                    self._error = error

    def _raise_background_error(self) -> None:
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Finish the file without publishing it (idempotent); `__exit__` publishes."""
        if self._thread is not None and self._queue is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = self._queue = None
        if self._writer is not None:
            try:
                self._writer.close()
            finally:
                self._handle.close()
                self._writer = None
        self._raise_background_error()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.close()
        if exc_type is not None:
            self.lake.remove(self.tmp_path)
            return
        self.lake.fs.mv(self.tmp_path, self.final_path)


class RowBuffer:
    """Collects dict rows for one table and hands them on as Arrow batches of bounded size."""

    def __init__(self, schema: pa.Schema, batch_rows: int = 20_000) -> None:
        self.schema = schema
        self.batch_rows = batch_rows
        self._rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> pa.Table | None:
        self._rows.append(row)
        if len(self._rows) >= self.batch_rows:
            return self.flush()
        return None

    def flush(self) -> pa.Table | None:
        if not self._rows:
            return None
        table = pa.Table.from_pylist(self._rows, schema=self.schema)
        self._rows = []
        return table


def iter_part_batches(
    lake: Lake, paths: Iterable[str], columns: list[str] | None = None, batch_rows: int = 10_000
) -> Iterator[pa.RecordBatch]:
    """Stream record batches from part files without loading any file whole."""
    for path in paths:
        with lake.fs.open(path, "rb") as handle:
            parquet = pq.ParquetFile(handle)
            yield from parquet.iter_batches(batch_size=batch_rows, columns=columns)
