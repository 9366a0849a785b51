"""The lake: Parquet files under `<root>/lake/<zone>/<table>/corpus=<name>/<part>.parquet`.

Every path goes through an fsspec filesystem, so `WAREHOUSE_DIR` may be a local folder or an
object-store URL (`s3://bucket/prefix`; s3fs takes its credentials and endpoint from the standard
`AWS_*` variables). A reader (an analyst's DuckDB session) sees either the old part or the new
one, never half of one (`StagedFile`): on a local disk a part is written to a temporary name
beside it and renamed into place; on an object store, where a rename is a copy, it is written
to a local temporary file and uploaded under its final key in one PUT (or one multipart upload,
which appears only when complete).

Temporary names carry their writer's owner tag, `~<host>~<pid>~`, so that `clean_leftovers`
(called at the start of every run) removes what a killed run left behind and never what a live
run is writing: a leftover of this host is removed once its process is gone; one of another
host (a shared object store), or without a tag, once it is older than `STALE_AFTER`.
A failed write raises `LakeWriteError`, naming the path and the table, and leaves the published
part as it was.

Parts are stored per corpus; the partition that wrote a part (`essays`, or
`reddit_pushshift:RC_2019-10.zst` for one file of a corpus) is stamped in its footer. So the
lake is the one place that answers which parts belong to a partition (`partition_parts`) and
removes those whose source file is gone (`remove_vanished`), and it hands DuckDB relations over
its tables (`relation`, `partition_relation`, `render`) to views, checks and exports.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import posixpath
import queue
import re
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from assets.permissions import restrict_to_owner
from schemas.registry import table_schema

ZONES = ("raw", "curated")
METADATA_KEY = b"personality_warehouse"
PART_SUFFIX = ".parquet"
CORPUS_DIR_PREFIX = "corpus="
TMP_SUFFIX = ".parquet.tmp"
# `{{zone.table}}` in view or check SQL: replaced by a relation over that lake table.
PLACEHOLDER = re.compile(r"\{\{\s*(raw|curated)\.([a-z_]+)\s*\}\}")
# A partition key is a corpus (`essays`) or a corpus and one of its files (`reddit:RC_x.zst`).
PARTITION_SEPARATOR = ":"
OWNER_TAG = re.compile(r"~(?P<host>[A-Za-z0-9-]+)~(?P<pid>\d+)~")
STALE_AFTER = 6 * 3600.0  # seconds: leftovers of other hosts, or untagged ones
# Local temporary files and folders: the ingest's staging folders, and parts on their way to an
# object store (`StagedFile`); the exports' staging folders live in the lake.
LOCAL_STAGING_PREFIX = "pw-upload-"
TEMP_DIR_PREFIXES = ("pw-ingest-", LOCAL_STAGING_PREFIX)
EXPORT_STAGING = ".staging-"


class LakeWriteError(OSError):
    """A write to the warehouse failed (disk full, read-only, quota): names path and dataset."""

    def __init__(self, error: OSError | BaseException, path: str, dataset: str) -> None:
        code = getattr(error, "errno", None)
        name = errno.errorcode.get(code or 0, "")
        why = getattr(error, "strerror", None) or str(error)
        super().__init__(code, f"cannot write {dataset} at {path}: {why}"
                         + (f" ({name})" if name else ""))
        self.path = path
        self.dataset = dataset

    def __str__(self) -> str:
        return str(self.strerror)


def owner_tag() -> str:
    """`~<host>~<pid>~`: who writes a temporary file, so cleaners can tell live from dead."""
    host = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"
    return f"~{host}~{os.getpid()}~"


def temp_prefix(prefix: str) -> str:
    """A temporary name's prefix carrying the owner tag (`pw-ingest-~host~123~`)."""
    return f"{prefix}{owner_tag()}"


def corpus_of(partition: str) -> str:
    """The corpus a partition key belongs to: parts live under `corpus=<it>`."""
    return partition.split(PARTITION_SEPARATOR, 1)[0]


def safe_part_name(key: str) -> str:
    """A file-system-safe part name for `key` (a source's path, a partition key).

    Unsafe characters become `_`, and a short hash of the key keeps two keys that differ only
    in those characters (`a/b` and `a_b`) from sharing a part."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
    return f"{safe}-{hashlib.blake2b(key.encode(), digest_size=4).hexdigest()}"


def part_name(path: str) -> str:
    """A part's name from its path (`.../corpus=c/<name>.parquet`)."""
    return posixpath.basename(path)[: -len(PART_SUFFIX)]


def corpus_of_part(path: str) -> str:
    """The corpus of a part from its folder (`.../corpus=<corpus>/<name>.parquet`)."""
    return posixpath.basename(posixpath.dirname(path)).removeprefix(CORPUS_DIR_PREFIX)


def empty_relation(schema: pa.Schema) -> str:
    """An empty SQL relation with `schema`'s columns and DuckDB types, so a query over a
    table that has no part yet still binds."""
    con = duckdb.connect()
    con.register("empty_arrow", pa.Table.from_pylist([], schema=schema))
    columns = con.execute("DESCRIBE SELECT * FROM empty_arrow").fetchall()
    con.close()
    select = ", ".join(f'CAST(NULL AS {ctype}) AS "{name}"' for name, ctype, *_ in columns)
    return f"(SELECT {select} WHERE false)"


LOCAL_PROTOCOLS = ("file", "local")


def open_filesystem(url: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """The filesystem and root path of a local folder or object-store URL: the one place that
    chooses filesystem options.

    Object stores get no listings cache: another process (a worker, a second run) writes parts
    the cached listing would not show, and a lake listing must be current. Credentials and
    endpoint are never passed here: s3fs (botocore) reads `AWS_ACCESS_KEY_ID`,
    `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION` and `AWS_ENDPOINT_URL` itself."""
    if fsspec.utils.get_protocol(url) in LOCAL_PROTOCOLS:
        return fsspec.core.url_to_fs(url)
    return fsspec.core.url_to_fs(url, use_listings_cache=False)


def protocol_filesystem(protocol: str) -> fsspec.AbstractFileSystem:
    """The filesystem for URLs of `protocol` (`s3`), with `open_filesystem`'s options."""
    fs, _ = open_filesystem(f"{protocol}://")
    return fs


@dataclass(frozen=True)
class Lake:
    """A warehouse root on some filesystem."""

    fs: fsspec.AbstractFileSystem
    root: str

    @classmethod
    def at(cls, url: str) -> Lake:
        fs, root = open_filesystem(url)
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
        return base if corpus is None else posixpath.join(base, f"{CORPUS_DIR_PREFIX}{corpus}")

    def part_path(self, zone: str, table: str, corpus: str, part: str) -> str:
        return posixpath.join(self.table_dir(zone, table, corpus), f"{part}{PART_SUFFIX}")

    def table_glob(self, zone: str, table: str) -> str:
        return self.url(posixpath.join(self.table_dir(zone, table), f"{CORPUS_DIR_PREFIX}*",
                                       f"*{PART_SUFFIX}"))

    def list_parts(self, zone: str, table: str, corpus: str | None = None) -> list[str]:
        """Published part files (never a writer's temporary file), in path order."""
        pattern = posixpath.join(
            self.table_dir(zone, table), f"{CORPUS_DIR_PREFIX}{corpus or '*'}", f"*{PART_SUFFIX}"
        )
        return sorted(self.fs.glob(pattern))

    def corpora(self, zone: str, table: str) -> list[str]:
        """Corpora that have at least one part of a table."""
        return sorted({corpus_of_part(p) for p in self.list_parts(zone, table)})

    # --- partitions ------------------------------------------------------------------------
    # Parts are stored per corpus, but a partition may be one file of a corpus: which partition
    # wrote a part is known only from the `partition` stamp in its footer.

    def partition_paths(self, zone: str, table: str, partition: str) -> list[str]:
        """Part files of a table that belong to one partition (from their footer stamp)."""
        return [p for p in self.list_parts(zone, table, corpus_of(partition))
                if (self.part_metadata(p) or {}).get("partition") == partition]

    def partition_parts(self, zone: str, table: str, partition: str) -> list[str]:
        """Names of a table's parts that belong to one partition."""
        return [part_name(p) for p in self.partition_paths(zone, table, partition)]

    def remove_vanished(self, zone: str, table: str, partition: str,
                        live_parts: Iterable[str]) -> list[str]:
        """Remove the partition's parts not named in `live_parts` (their source file is gone,
        so nothing would ever replace them); returns the removed part names."""
        live = set(live_parts)
        removed = []
        for path in self.partition_paths(zone, table, partition):
            if part_name(path) not in live:
                self.remove(path)
                removed.append(part_name(path))
        return removed

    # --- DuckDB ------------------------------------------------------------------------------

    def relation(self, zone: str, table: str,
                 schema_of: Callable[[str, str], pa.Schema] = table_schema) -> str:
        """SQL relation over a table's parts, or an empty typed relation when it has none (a
        view or query over a table not written yet still binds)."""
        if self.list_parts(zone, table):
            glob = self.table_glob(zone, table).replace("'", "''")
            return f"read_parquet('{glob}', union_by_name = true, hive_partitioning = false)"
        return empty_relation(schema_of(zone, table))

    def partition_relation(self, zone: str, table: str, partition: str | None,
                           schema_of: Callable[[str, str], pa.Schema] = table_schema) -> str:
        """SQL relation over one partition's parts of a table written per partition (its parts
        carry a partition stamp); a warehouse-wide table, or no partition, is the whole table.
        So a check of one partition never sees, nor fails on, another partition's rows."""
        if partition is None:
            return self.relation(zone, table, schema_of)
        paths = self.list_parts(zone, table)
        if not paths or "partition" not in (self.part_metadata(paths[0]) or {}):
            return self.relation(zone, table, schema_of)
        own = self.partition_paths(zone, table, partition)
        if not own:
            return empty_relation(schema_of(zone, table))
        files = ", ".join("'" + self.url(p).replace("'", "''") + "'" for p in own)
        return f"read_parquet([{files}], union_by_name = true, hive_partitioning = false)"

    def render(self, sql: str, partition: str | None = None,
               schema_of: Callable[[str, str], pa.Schema] = table_schema) -> str:
        """`sql` with each `{{zone.table}}` replaced by a relation over that table (over one
        partition's parts, for a table written per partition, when `partition` is given)."""
        return PLACEHOLDER.sub(
            lambda m: self.partition_relation(m.group(1), m.group(2), partition, schema_of), sql)

    def connect(self, database: str = ":memory:", **config: Any) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection that can read this lake's files (an object store's filesystem
        is registered with it); `config` is DuckDB's (`memory_limit`, `threads`, ...)."""
        con = duckdb.connect(database, config=config)
        if not self.is_local:
            con.register_filesystem(self.fs)
        return con

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

    def remove_tree(self, path: str) -> None:
        """A file or a whole folder."""
        if self.fs.exists(path):
            self.fs.rm(path, recursive=self.fs.isdir(path))

    def publish_folder(self, staging: str, final: str, last: str | None = None) -> None:
        """Move a finished folder to `final` (which must not exist).

        Locally one rename, so readers see all of it or nothing. On an object store a folder
        is only a key prefix and cannot move in one step: each file is copied (server side),
        the file named `last` (a manifest) after all others, so a folder holding `last` is
        whole; then the staging keys are removed. A folder left half-copied by a killed run
        has no `last` and is replaced by the next publish of the same version."""
        if self.is_local:
            self.fs.mv(staging, final, recursive=True)
            return
        files = sorted(self.fs.find(staging), key=lambda p: (posixpath.basename(p) == last, p))
        for path in files:
            self.fs.copy(path, posixpath.join(final, posixpath.relpath(path, staging)))
        self.fs.rm(staging, recursive=True)

    def write_bytes(self, path: str, data: bytes) -> None:
        """Write a small whole file (a pointer, a manifest, a card) so that a reader sees the
        old content or the new, never a partial file: on an object store one PUT (or multipart
        upload) straight from memory, locally a temporary file renamed over it."""
        if not self.is_local:
            self.fs.pipe_file(path, data)
            return
        staged = StagedFile(self, path)
        with staged.open() as handle:
            handle.write(data)
        staged.publish()

    def write_part(
        self,
        zone: str,
        table: str,
        corpus: str,
        part: str,
        data: pa.Table,
        metadata: Mapping[str, Any] | None = None,
        keep_identical: bool = False,
    ) -> str:
        """Write a whole part atomically (small tables); see `PartWriter.keep_identical`."""
        with PartWriter(self, zone, table, corpus, part, data.schema, metadata,
                        keep_identical=keep_identical) as writer:
            writer.write(data)
        return writer.final_path


# A URL in a view's SQL: `read_parquet('s3://bucket/...')`.
URL_PROTOCOL = re.compile(r"'([a-z][a-z0-9+.-]*)://")


def register_filesystems(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """Register with `con` the filesystem of every object-store protocol that `sql` reads
    (`'s3://...'` in a view); returns the protocols found.

    DuckDB stores a view as SQL, not the filesystem it was built with: a database whose views
    read an object-store lake works only in a connection that registers that filesystem again
    (its httpfs extension cannot be installed offline). Credentials come from the environment
    (`open_filesystem`)."""
    protocols = sorted(set(URL_PROTOCOL.findall(sql)) - set(LOCAL_PROTOCOLS))
    for protocol in protocols:
        fs = protocol_filesystem(protocol)
        names = {fs.protocol} if isinstance(fs.protocol, str) else set(fs.protocol)
        if not names & set(con.list_filesystems()):
            con.register_filesystem(fs)
    return protocols


def connect_for(urls: Iterable[str | None], **config: Any) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that can read `urls` (local paths, or object-store URLs
    such as `Lake.table_glob` gives: their filesystems are registered)."""
    con = duckdb.connect(config=config)
    register_filesystems(con, " ".join(f"'{url}" for url in urls if url))
    return con


class StagedFile:
    """A file written aside and published at `path` whole, or not at all.

    On a local disk the temporary file sits beside `path` (`<stem>.~host~pid~<id><suffix>`,
    so `clean_leftovers` knows it) and one rename publishes it. On an object store a rename is
    a copy and a half-written object would be visible, so the file is written to the local temp
    dir (`pw-upload-~host~pid~...`, mode 0600) and uploaded under its final key with
    `put_file`: one PUT, or a multipart upload, which the store shows only once complete (and
    s3fs aborts on failure). A failed write or upload leaves no final key and no temp file.
    Either way `tmp_path` is a local file, which DuckDB can read before it is published."""

    def __init__(self, lake: Lake, path: str, suffix: str = ".tmp") -> None:
        self.lake = lake
        self.path = path
        stem = path[: -len(PART_SUFFIX)] if suffix == TMP_SUFFIX else path
        name = f"{owner_tag()}{uuid.uuid4().hex}{suffix}"
        if lake.is_local:
            self.tmp_path = f"{stem}.{name}"
        else:
            self.tmp_path = os.path.join(tempfile.gettempdir(), f"{LOCAL_STAGING_PREFIX}{name}")

    def open(self) -> Any:
        """A binary handle on the temporary file (the caller closes it before `publish`)."""
        if self.lake.is_local:
            self.lake.fs.makedirs(posixpath.dirname(self.tmp_path), exist_ok=True)
            return self.lake.fs.open(self.tmp_path, "wb")
        fd = os.open(self.tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        return os.fdopen(fd, "wb")

    def publish(self) -> None:
        """Make the written file appear at `path` in one step; the temp file is gone after."""
        try:
            if self.lake.is_local:
                self.lake.fs.mv(self.tmp_path, self.path)
            else:
                self.lake.fs.put_file(self.tmp_path, self.path)
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the temporary file; on a full disk removing still works, and if even that
        fails the next run's `clean_leftovers` takes it."""
        try:
            if self.lake.is_local:
                self.lake.remove(self.tmp_path)
            elif os.path.exists(self.tmp_path):
                os.remove(self.tmp_path)
        except OSError:
            pass


@dataclass
class PartWriter:
    """Streams record batches into one part file; the file appears only on a clean exit, whole
    (written aside and published in one step: `StagedFile`).

    With `background`, Parquet encoding and compression run on a second thread (Arrow releases
    the GIL for them) while the caller goes on parsing; at most `BACKGROUND_QUEUE` batches wait,
    so memory stays bounded. A failure on that thread surfaces on the next `write` or `close`.

    With `keep_identical`, a new file byte for byte equal to the published part is dropped and
    the published file stays as it was (same modification time): what reads it sees no change,
    so a warehouse-wide table rebuilt with the same rows does not make its dependants run."""

    lake: Lake
    zone: str
    table: str
    corpus: str
    part: str
    schema: pa.Schema
    metadata: Mapping[str, Any] | None = None
    rows: int = 0
    background: bool = False
    keep_identical: bool = False
    _writer: pq.ParquetWriter | None = field(default=None, repr=False)
    _handle: Any = field(default=None, repr=False)
    _queue: queue.Queue[pa.Table | None] | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _error: BaseException | None = field(default=None, repr=False)
    _staged: StagedFile = field(init=False, repr=False)

    BACKGROUND_QUEUE = 2

    @property
    def final_path(self) -> str:
        return self.lake.part_path(self.zone, self.table, self.corpus, self.part)

    @property
    def dataset(self) -> str:
        partition = (self.metadata or {}).get("partition")
        where = f"corpus {self.corpus}" + (f", partition {partition}" if partition else "")
        return f"{self.zone}/{self.table} ({where}, part {self.part})"

    def _failed(self, error: BaseException, path: str) -> LakeWriteError:
        return error if isinstance(error, LakeWriteError) else LakeWriteError(
            error, path, self.dataset)

    @property
    def tmp_path(self) -> str:
        """Where the part is written until it is published: a local file (beside the part
        on a local lake, in the temp folder for an object store)."""
        return self._staged.tmp_path

    def __post_init__(self) -> None:
        self._staged = StagedFile(self.lake, self.final_path, TMP_SUFFIX)
        meta = dict(self.schema.metadata or {})
        if self.metadata is not None:
            meta[METADATA_KEY] = json.dumps(self.metadata, sort_keys=True).encode()
        self.schema = self.schema.with_metadata(meta)

    def __enter__(self) -> PartWriter:
        if self.zone == "raw" and self.lake.is_local:  # raw text and real names: owner only
            self.lake.fs.makedirs(posixpath.dirname(self.tmp_path), exist_ok=True)
            restrict_to_owner(self.lake.path("lake", "raw"))
        try:
            self._handle = self._staged.open()
        except OSError as error:
            raise self._failed(error, self.tmp_path) from error
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
            try:
                self._writer.write_table(table.cast(self.schema))
            except OSError as error:
                raise self._failed(error, self.tmp_path) from error
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
            if isinstance(self._error, OSError):
                raise self._failed(self._error, self.tmp_path) from self._error
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
                self._handle.close()
            except OSError as error:
                raise self._failed(error, self.tmp_path) from error
            finally:
                self._writer = None
                _close_quietly(self._handle)
        self._raise_background_error()

    def _discard(self) -> None:
        self._staged.discard()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self.close()
        except BaseException:
            self._discard()
            if exc_type is None:
                raise
        if exc_type is not None:
            self._discard()
            return
        if self.keep_identical and same_bytes(self.lake.fs, self.tmp_path, self.final_path):
            self._discard()
            return
        try:
            self._staged.publish()
        except OSError as error:
            raise self._failed(error, self.lake.url(self.final_path)) from error


def same_bytes(fs: fsspec.AbstractFileSystem, a: str, b: str) -> bool:
    """Whether two files exist and hold the same bytes (sizes first, then 4 MiB blocks)."""
    try:
        if fs.size(a) != fs.size(b):
            return False
        with fs.open(a, "rb") as left, fs.open(b, "rb") as right:
            while True:
                block = left.read(1 << 22)
                if block != right.read(1 << 22):
                    return False
                if not block:
                    return True
    except FileNotFoundError:
        return False


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


def read_row_range(lake: Lake, path: str, columns: list[str], start: int, stop: int) -> pa.Table:
    """Rows [start, stop) of a part file, reading only the row groups that hold them: how a
    chunk task reads its slice of a large part."""
    with lake.fs.open(path, "rb") as handle:
        parquet = pq.ParquetFile(handle)
        groups, first, offset = [], None, 0
        for i in range(parquet.metadata.num_row_groups):
            size = parquet.metadata.row_group(i).num_rows
            if offset < stop and offset + size > start:
                groups.append(i)
                first = offset if first is None else first
            offset += size
        if not groups:
            return parquet.schema_arrow.empty_table().select(columns)
        table = parquet.read_row_groups(groups, columns=columns)
    return table.slice(start - first, stop - start)


def _close_quietly(handle: Any) -> None:
    try:
        if handle is not None and not handle.closed:
            handle.close()
    except OSError:
        pass


# --- leftovers of killed runs -------------------------------------------------------------------


def is_leftover(name: str, age_seconds: float, host: str | None = None) -> bool:
    """Whether a temporary file or folder called `name`, last written `age_seconds` ago, belongs
    to no live run: its process on this host is gone, or (other host, no tag) it is stale."""
    match = OWNER_TAG.search(name)
    this_host = host or OWNER_TAG.match(owner_tag()).group("host")  # type: ignore[union-attr]
    if match is None or match.group("host") != this_host:
        return age_seconds > STALE_AFTER
    pid = int(match.group("pid"))
    return pid != os.getpid() and not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clean_leftovers(
    lake: Lake, database_dir: str | None = None, temp_dir: str | None = None
) -> list[str]:
    """Remove what killed runs left: `*.parquet.tmp` parts, `exports/*/.staging-*` folders,
    half-built DuckDB files and `pw-ingest-*` temporary folders. Returns the removed paths.

    Safe while other runs are live: see `is_leftover`."""
    now = time.time()
    removed: list[str] = []
    lake_dir = lake.path("lake")
    candidates: list[str] = []
    if lake.fs.exists(lake_dir):
        candidates += [p for p in lake.fs.find(lake_dir) if p.endswith(TMP_SUFFIX)]
    candidates += lake.fs.glob(lake.path("exports", "*", EXPORT_STAGING + "*"))
    for path in candidates:
        if is_leftover(posixpath.basename(path), now - _mtime(lake.fs, path, now)):
            lake.remove_tree(path)
            removed.append(path)
    local = [database_dir] if database_dir else []
    for folder in [*local, temp_dir or tempfile.gettempdir()]:
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            name = entry.name
            ours = name.startswith(TEMP_DIR_PREFIXES) or (
                name.startswith(".") and ".duckdb." in name and name.endswith((".tmp", ".wal")))
            try:
                age = now - entry.stat(follow_symlinks=False).st_mtime
            except OSError:
                continue
            if ours and is_leftover(name, age):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.remove(entry.path)
                removed.append(entry.path)
    return removed


def _mtime(fs: fsspec.AbstractFileSystem, path: str, default: float) -> float:
    try:
        info = fs.info(path)
    except OSError:
        return default
    value = info.get("mtime") or info.get("LastModified") or info.get("created")
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    return float(value) if value else default
