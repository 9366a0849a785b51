"""Ingesting a partition: run each source file through its family's reader and write the raw
tables, one part per source file per table.

Plain Python: the Dagster asset only calls `ingest_partition`. Rows stream to Parquet in bounded
batches; authors and labels, which need de-duplication across the whole file, go through DuckDB,
which spills to disk instead of holding them in memory.

Bad input stays local. A repeated record is dropped and quarantined as `duplicate of
<file>:<line>` (see `duplicates.py`): within the partition the first file in path order keeps
it; against the corpus's other partitions, the copy already in the lake keeps it (first ingested
wins, so a rerun never moves a record between partitions). A file that cannot be read (empty,
header only, unknown role, missing columns, bad compression, permission denied, a symlink loop)
is listed with its reason in the `failed_sources` table of its partition; the partition's other
files are ingested and published as usual. Only a failed write (a full disk) stops the run, with
a `LakeWriteError` naming the path and the table.
"""

from __future__ import annotations

import errno
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
from assets.ingest.duplicates import DuplicateFilter
from assets.ingest.errors import SourceUnreadable, TruncatedSource
from assets.ingest.registry import FAMILIES, family
from assets.ingest.sources import (
    SourceFile,
    UnlistedSource,
    fingerprint,
    os_reason,
    partition_key,
    scan_family,
)
from assets.lake import (
    Lake,
    LakeWriteError,
    PartWriter,
    RowBuffer,
    corpus_of,
    iter_part_batches,
    part_name,
    safe_part_name,
    temp_prefix,
)
from schemas.tables import FAILED_SOURCES, RAW_TABLES

ZONE = "raw"
FAILED_TABLE = "failed_sources"
# Errors that say the disk, not the source, is at fault: never reported as an unreadable file.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})
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

    def duplicates(self) -> int:
        return sum(n for reason, n in self.quarantine_reasons().items()
                   if reason.startswith("duplicate of "))

    def rows(self, table: str) -> int:
        return sum(s.rows.get(table, 0) for s in self.sources)

    def quarantine_reasons(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for s in self.sources:
            total.update(s.quarantine_reasons)
        return total


def sources_of_partition(corpora_dir: str, partition: str) -> list[SourceFile]:
    return scan_partition(corpora_dir, partition)[0]


def scan_partition(
    corpora_dir: str, partition: str
) -> tuple[list[SourceFile], list[UnlistedSource]]:
    """The partition's files, and its entries that cannot be opened (reported, never fatal)."""
    corpus = corpus_of(partition)
    fam = family(corpus)
    files, unlisted = scan_family(corpora_dir, corpus)
    return (
        [s for s in files if partition_key(s, fam.splits(s)) == partition],
        [u for u in unlisted if partition_key(u.source, fam.splits(u.source)) == partition],
    )


def all_partition_keys(corpora_dir: str) -> list[str]:
    """Every partition the corpora folder holds now, in a stable order. A broken entry (a
    symlink loop) has a partition too, so that it is reported."""
    keys: list[str] = []
    for fam in FAMILIES.values():
        files, unlisted = scan_family(corpora_dir, fam.name)
        for source in sorted([*files, *(u.source for u in unlisted)], key=lambda s: s.relpath):
            key = partition_key(source, fam.splits(source))
            if key not in keys:
                keys.append(key)
    return keys


def ingest_partition(
    lake: Lake, corpora_dir: str, partition: str, force: bool = False
) -> PartitionResult:
    """Bring the raw tables of one partition in line with the files on disk.

    Unchanged files are skipped (their parts carry the file's fingerprint and the reader's
    version); vanished files lose their parts; unreadable files are listed in `failed_sources`
    and every other file of the partition is ingested."""
    corpus = corpus_of(partition)
    fam = family(corpus)
    sources, unlisted = scan_partition(corpora_dir, partition)
    results = [SourceResult(u.source.relpath, skipped=False, error=u.reason) for u in unlisted]
    todo: list[tuple[SourceFile, dict[str, Any]]] = []
    for source in sources:
        try:
            stamp = {
                "partition": partition,
                "source_file": source.relpath,
                "fingerprint": fingerprint(source),
                "reader_version": fam.version,
            }
        except OSError as error:
            results.append(SourceResult(source.relpath, skipped=False, error=os_reason(error)))
            continue
        if not force and _is_current(lake, source, stamp):
            results.append(SourceResult(source.relpath, skipped=True))
        else:
            todo.append((source, stamp))
    duplicates = known_records(lake, corpus, {s.part_name for s, _ in todo})
    for source, stamp in todo:
        results.append(ingest_source(lake, source, stamp, duplicates))
    results.sort(key=lambda r: r.source)
    removed = _remove_vanished(lake, partition, {s.part_name for s in sources})
    write_failed_sources(lake, partition, results)
    return PartitionResult(partition, corpus, results, removed)


def known_records(lake: Lake, corpus: str, replaced_parts: set[str]) -> DuplicateFilter:
    """Documents and utterances of the corpus already in the lake, except the parts about to be
    replaced: a record that is already there keeps its place, a new copy is a duplicate."""
    seen = DuplicateFilter(by_signature=family(corpus).signature_duplicates)
    for table, columns, remember in (
        ("documents", ["doc_id", "corpus", "author_id", "created_at", "content_hash",
                       "source_file", "source_line"], seen.remember),
        ("utterances", ["utterance_id"], seen.remember_utterances),
    ):
        paths = [p for p in lake.list_parts(ZONE, table, corpus)
                 if part_name(p) not in replaced_parts]
        for batch in iter_part_batches(lake, paths, columns=columns, batch_rows=200_000):
            remember(batch)
    return seen


def failed_part_name(partition: str) -> str:
    """One `failed_sources` part per partition (keys hold ':' and '/')."""
    return safe_part_name(partition)


def write_failed_sources(lake: Lake, partition: str, results: list[SourceResult]) -> int:
    """Replace the partition's list of unreadable files (an empty list removes the part)."""
    corpus = corpus_of(partition)
    rows = [{"corpus": corpus, "partition": partition, "source_file": r.source,
             "reason": r.error} for r in results if r.error]
    path = lake.part_path(ZONE, FAILED_TABLE, corpus, failed_part_name(partition))
    if not rows:
        lake.remove(path)
        return 0
    lake.write_part(ZONE, FAILED_TABLE, corpus, failed_part_name(partition),
                    pa.Table.from_pylist(rows, schema=FAILED_SOURCES), {"partition": partition})
    return len(rows)


def _is_current(lake: Lake, source: SourceFile, stamp: dict[str, Any]) -> bool:
    for table in RAW_TABLES:
        meta = lake.part_metadata(lake.part_path(ZONE, table, source.corpus, source.part_name))
        if meta is None or any(meta.get(k) != v for k, v in stamp.items()):
            return False
    return True


def _remove_vanished(lake: Lake, partition: str, live_parts: set[str]) -> int:
    return sum(len(lake.remove_vanished(ZONE, table, partition, live_parts))
               for table in RAW_TABLES)


def ingest_source(
    lake: Lake,
    source: SourceFile,
    stamp: dict[str, Any],
    duplicates: DuplicateFilter | None = None,
) -> SourceResult:
    """Read one file and replace its parts. On an unreadable file nothing is replaced (and the
    duplicate filter forgets the file's records); a failed write raises `LakeWriteError`."""
    result = SourceResult(source.relpath, skipped=False)
    if duplicates is None:
        duplicates = DuplicateFilter(by_signature=family(source.corpus).signature_duplicates)
    before = duplicates.snapshot()
    try:
        with tempfile.TemporaryDirectory(prefix=temp_prefix("pw-ingest-")) as staging, \
                ExitStack() as stack:
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
            _stream_rows(source, result, writers, staged, duplicates)
            for writer in staged.values():
                writer.close()
            writers["documents"].close()  # authors are counted from the finished part
            for table, batches in _staged_queries(
                lake, staging, writers["documents"].tmp_path, duplicates.dropped_ids
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
    except LakeWriteError:
        raise
    except SourceUnreadable as error:
        # The ExitStack discarded every temporary part: the previous parts stay as they were.
        duplicates.restore(before)
        result.error = error.reason
    except OSError as error:
        if error.errno in WRITE_ERRNOS:  # the staging folder's disk, not the source
            raise LakeWriteError(error, getattr(error, "filename", None) or "ingest staging",
                                 f"raw tables of {source.corpus}/{source.relpath}") from error
        duplicates.restore(before)
        result.error = os_reason(error)
    return result


def _stream_rows(
    source: SourceFile,
    result: SourceResult,
    writers: dict[str, PartWriter],
    staged: dict[str, pq.ParquetWriter],
    duplicates: DuplicateFilter,
) -> None:
    """Readers yield dict rows (buffered into batches here) or whole Arrow batches (written as
    they come): the bulk readers build columns directly, which is most of their speed.
    Documents pass the duplicate filter on their way to the part."""
    buffers = {t: RowBuffer(RAW_TABLES[t].schema) for t in RAW_TABLES}

    def sink(table: str, batch: pa.Table | pa.RecordBatch | None) -> None:
        if batch is None or batch.num_rows == 0:
            return
        if table == "documents":
            batch, dropped = duplicates.split(batch, source.relpath)
            for row in dropped:
                result.quarantine_reasons[_reason_family(row["reason"])] += 1
                sink("quarantine", buffers["quarantine"].add(row))
        elif table == "utterances":
            batch = duplicates.utterances(batch, source.relpath)
        if batch.num_rows == 0:
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
    lake: Lake, staging: str, documents_path: str, dropped_ids: set[str] = frozenset()
) -> dict[str, Iterator[pa.RecordBatch]]:
    con = lake.connect(memory_limit="512MB", temp_directory=staging, threads=2)
    # Document labels of a document dropped as a duplicate under another id go with it.
    con.register("dropped_docs", pa.table({"doc_id": pa.array(sorted(dropped_ids), pa.string())}))
    docs = documents_path.replace("'", "''")  # a local file, wherever the lake is (StagedFile)
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
        WHERE NOT (subject_kind = 'document'
                   AND subject_id IN (SELECT doc_id FROM dropped_docs))
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
    """Group quarantine reasons for summaries: the text before the first colon (for duplicates,
    `duplicate of <file>`)."""
    return reason.split(":", 1)[0]
