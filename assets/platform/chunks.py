"""Chunk outputs of a partition's tasks, and the one part the driver publishes from them.

A chunk task writes its rows to `<root>/chunks/<zone>/<table>/corpus=<c>/<part>/<run>/`, one
Parquet file per chunk, outside the lake's zones so no reader ever sees them; `<run>` is a
digest of the inputs, so a task retried after its worker died rewrites the same file. When every
task is done, the driver streams the chunk files, in chunk order, into the part (`PartWriter`:
atomic) in row groups of a fixed number of rows, so the part's bytes do not depend on how the
rows were chunked, and removes the chunk folder.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from assets.lake import CORPUS_DIR_PREFIX, Lake, PartWriter

CHUNKS_DIR = "chunks"


def run_id(inputs: Mapping[str, Any]) -> str:
    """A digest of what a part's chunk outputs depend on."""
    return "r-" + hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:12]


def chunk_folder(lake: Lake, zone: str, table: str, corpus: str, part: str, run: str) -> str:
    return lake.path(CHUNKS_DIR, zone, table, f"{CORPUS_DIR_PREFIX}{corpus}", part, run)


def chunk_file(folder: str, number: int) -> str:
    return posixpath.join(folder, f"chunk-{number:05d}.parquet")


def write_chunk(lake: Lake, path: str, table: pa.Table) -> None:
    """One chunk's rows (overwrites what a lost attempt of the same task left)."""
    lake.fs.makedirs(posixpath.dirname(path), exist_ok=True)
    with lake.fs.open(path, "wb") as handle:
        pq.write_table(table, handle, compression="zstd")


def iter_chunks(lake: Lake, paths: Iterable[str]) -> Iterator[pa.Table]:
    for path in paths:
        with lake.fs.open(path, "rb") as handle:
            yield pq.read_table(handle)


def rebatch(tables: Iterable[pa.Table], rows: int) -> Iterator[pa.Table]:
    """The same rows in tables of exactly `rows` rows (the last may be shorter), each in one
    contiguous chunk: what a Parquet row group holds no longer depends on the input tables."""
    pending: list[pa.Table] = []
    count = 0
    for table in tables:
        pending.append(table)
        count += table.num_rows
        while count >= rows:
            merged = pa.concat_tables(pending)
            yield merged.slice(0, rows).combine_chunks()
            rest = merged.slice(rows)
            pending, count = [rest], rest.num_rows
    if count:
        yield pa.concat_tables(pending).combine_chunks()


def publish_part(lake: Lake, zone: str, table: str, corpus: str, part: str, schema: pa.Schema,
                 stamp: Mapping[str, Any], paths: list[str], group_rows: int) -> int:
    """Write the chunk files, in order, as the part (atomically); returns its row count."""
    with PartWriter(lake, zone, table, corpus, part, schema, stamp) as writer:
        for batch in rebatch((t.cast(schema) for t in iter_chunks(lake, paths)), group_rows):
            writer.write(batch)
    return writer.rows


def remove_folder(lake: Lake, folder: str) -> None:
    """The chunk folder of a run, and its parents up to the table's, when they are empty."""
    lake.remove_tree(folder)
    parent = posixpath.dirname(folder)
    try:
        if lake.fs.exists(parent) and not lake.fs.ls(parent, detail=False):
            lake.fs.rm(parent, recursive=True)
    except OSError:
        pass
