"""Ingesting a partition: run each source file through its family's reader and write the raw
tables, one part per source file per table.

Plain Python: the Dagster asset only calls `ingest_partition`. Rows stream to Parquet in bounded
batches; authors and labels, which need de-duplication across the whole file, go through DuckDB,
which spills to disk instead of holding them in memory.
"""

from __future__ import annotations

import posixpath
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from assets.ingest import records
from assets.ingest.io import SourceUnreadable, TruncatedSource
from assets.ingest.registry import FAMILIES, family
from assets.ingest.sources import (
    SourceFile,
    corpus_of,
    fingerprint,
    list_family_files,
    partition_key,
)
from assets.lake import Lake, PartWriter, RowBuffer
from schemas.tables import RAW_TABLES

ZONE = "raw"
STREAMED_TABLES = ("documents", "utterances", "quarantine")
STAGED_TABLES = ("authors", "labels")


@dataclass
class SourceResult:
    source: str
    skipped: bool
    rows: dict[str, int] = field(default_factory=dict)
    quarantine_reasons: Counter[str] = field(default_factory=Counter)
    error: str | None = None


@dataclass
class PartitionResult:
    partition: str
    corpus: str
    sources: list[SourceResult]
    removed_parts: int = 0

    @property
    def failures(self) -> list[SourceResult]:
        return [s for s in self.sources if s.error]

    def rows(self, table: str) -> int:
        return sum(s.rows.get(table, 0) for s in self.sources)

    def quarantine_reasons(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for s in self.sources:
            total.update(s.quarantine_reasons)
        return total


def sources_of_partition(corpora_dir: str, partition: str) -> list[SourceFile]:
    corpus = corpus_of(partition)
    fam = family(corpus)
    return [
        s
        for s in list_family_files(corpora_dir, corpus)
        if partition_key(s, fam.splits(s)) == partition
    ]


def all_partition_keys(corpora_dir: str) -> list[str]:
    """Every partition the corpora folder holds now, in a stable order."""
    keys: list[str] = []
    for fam in FAMILIES.values():
        for source in list_family_files(corpora_dir, fam.name):
            key = partition_key(source, fam.splits(source))
            if key not in keys:
                keys.append(key)
    return keys


def ingest_partition(
    lake: Lake, corpora_dir: str, partition: str, force: bool = False
) -> PartitionResult:
    """Bring the raw tables of one partition in line with the files on disk.

    Unchanged files are skipped (their parts carry the file's fingerprint and the reader's
    version); vanished files lose their parts; an unreadable file is reported, after every other
    file of the partition has been ingested."""
    corpus = corpus_of(partition)
    fam = family(corpus)
    sources = sources_of_partition(corpora_dir, partition)
    results = []
    for source in sources:
        stamp = {
            "partition": partition,
            "source_file": source.relpath,
            "fingerprint": fingerprint(source),
            "reader_version": fam.version,
        }
        if not force and _is_current(lake, source, stamp):
            results.append(SourceResult(source.relpath, skipped=True))
            continue
        results.append(ingest_source(lake, source, stamp))
    removed = _remove_vanished(lake, corpus, partition, {s.part_name for s in sources})
    return PartitionResult(partition, corpus, results, removed)


def _is_current(lake: Lake, source: SourceFile, stamp: dict[str, Any]) -> bool:
    for table in RAW_TABLES:
        meta = lake.part_metadata(lake.part_path(ZONE, table, source.corpus, source.part_name))
        if meta is None or any(meta.get(k) != v for k, v in stamp.items()):
            return False
    return True


def _remove_vanished(lake: Lake, corpus: str, partition: str, live_parts: set[str]) -> int:
    removed = 0
    for table in RAW_TABLES:
        for path in lake.list_parts(ZONE, table, corpus):
            part = posixpath.basename(path)[: -len(".parquet")]
            meta = lake.part_metadata(path) or {}
            if meta.get("partition") == partition and part not in live_parts:
                lake.remove(path)
                removed += 1
    return removed


def ingest_source(lake: Lake, source: SourceFile, stamp: dict[str, Any]) -> SourceResult:
    """Read one file and replace its parts. On an unreadable file nothing is replaced."""
    result = SourceResult(source.relpath, skipped=False)
    try:
        with tempfile.TemporaryDirectory(prefix="pw-ingest-") as staging, ExitStack() as stack:
            writers = {
                t: stack.enter_context(
                    PartWriter(
                        lake, ZONE, t, source.corpus, source.part_name, RAW_TABLES[t].schema,
                        stamp, background=True,
                    )
                )
                for t in STREAMED_TABLES
            }
            staged = {
                t: pq.ParquetWriter(posixpath.join(staging, f"{t}.parquet"), RAW_TABLES[t].schema)
                for t in STAGED_TABLES
            }
            for writer in staged.values():
                stack.callback(writer.close)
            _stream_rows(source, result, writers, staged)
            for writer in staged.values():
                writer.close()
            writers["documents"].close()  # authors are counted from the finished part
            for table, batches in _staged_queries(
                lake, staging, writers["documents"].tmp_path
            ).items():
                with PartWriter(
                    lake,
                    ZONE,
                    table,
                    source.corpus,
                    source.part_name,
                    RAW_TABLES[table].schema,
                    stamp,
                ) as writer:
                    for batch in batches:
                        writer.write(batch)
                result.rows[table] = writer.rows
            result.rows.update({t: w.rows for t, w in writers.items()})
    except SourceUnreadable as error:
        # The ExitStack discarded every temporary part: the previous parts stay as they were.
        result.error = str(error)
    return result


def _stream_rows(
    source: SourceFile,
    result: SourceResult,
    writers: dict[str, PartWriter],
    staged: dict[str, pq.ParquetWriter],
) -> None:
    """Readers yield dict rows (buffered into batches here) or whole Arrow batches (written as
    they come): the bulk readers build columns directly, which is most of their speed."""
    buffers = {t: RowBuffer(RAW_TABLES[t].schema) for t in RAW_TABLES}

    def sink(table: str, batch: pa.Table | pa.RecordBatch | None) -> None:
        if batch is None or batch.num_rows == 0:
            return
        if table in writers:
            writers[table].write(batch)
        else:
            staged[table].write_table(
                batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
            )

    last_line = 0
    try:
        for table, item in family(source.corpus).reader(source):
            if isinstance(item, dict):
                if table == "quarantine":
                    result.quarantine_reasons[_reason_family(item["reason"])] += 1
                last_line = max(last_line, int(item.get("source_line") or 0))
                sink(table, buffers[table].add(item))
                continue
            # A whole batch: rows buffered before it go first, so the part keeps file order.
            sink(table, buffers[table].flush())
            last_line = max(last_line, _max_line(item))
            if table == "quarantine":
                reasons = item["reason"].to_pylist()
                result.quarantine_reasons.update(_reason_family(r) for r in reasons)
            sink(table, item)
    except TruncatedSource as error:
        _, row = records.quarantine(
            source,
            line=last_line + 1,
            reason=f"truncated or corrupt compressed stream after line {last_line}: {error}",
        )
        result.quarantine_reasons["truncated or corrupt compressed stream"] += 1
        sink("quarantine", buffers["quarantine"].add(row))
    for table, buffer in buffers.items():
        sink(table, buffer.flush())


def _max_line(batch: pa.RecordBatch | pa.Table) -> int:
    if "source_line" not in batch.schema.names or batch.num_rows == 0:
        return 0
    return int(pc.max(batch["source_line"]).as_py() or 0)


def _staged_queries(
    lake: Lake, staging: str, documents_path: str
) -> dict[str, Iterator[pa.RecordBatch]]:
    con = duckdb.connect(config={"memory_limit": "512MB", "temp_directory": staging, "threads": 2})
    if not lake.is_local:
        con.register_filesystem(lake.fs)
    docs = lake.url(documents_path)
    # Author rows from a profile or users file carry the username as the source spells it;
    # rows derived from documents only know it from the id. The former win.
    authors = f"""
        WITH seen AS (
            SELECT author_id, corpus, platform, username, 0 AS n, source_file, true AS explicit
            FROM read_parquet('{staging}/authors.parquet')
            UNION ALL
            SELECT author_id, corpus, split_part(author_id, ':', 1),
                   substr(author_id, strpos(author_id, ':') + 1), 1, source_file, false
            FROM read_parquet('{docs}') WHERE author_id IS NOT NULL
        )
        SELECT author_id, any_value(corpus) AS corpus, any_value(platform) AS platform,
               coalesce(max(username) FILTER (WHERE explicit), max(username)) AS username,
               sum(n)::BIGINT AS n_documents, any_value(source_file) AS source_file
        FROM seen GROUP BY author_id ORDER BY author_id
    """
    labels = f"""
        SELECT DISTINCT * FROM read_parquet('{staging}/labels.parquet')
        ORDER BY subject_id, scheme, trait, source
    """
    return {
        "authors": _batches(con, authors),
        "labels": _batches(con, labels),
    }


def _batches(con: duckdb.DuckDBPyConnection, query: str) -> Iterator[pa.RecordBatch]:
    reader = con.sql(query).to_arrow_reader(50_000)
    yield from reader


def _reason_family(reason: str) -> str:
    """Group quarantine reasons for summaries: the text before the first colon."""
    return reason.split(":", 1)[0]
