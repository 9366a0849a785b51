"""The export's grain, checked on the staged files before a version is published.

An export has exactly one row per curated document of its dataset that has a split: every
`doc_id` once, in one split file, in the split the `splits` table gives it, and none missing.
A failure raises `ExportGrainError` naming the dataset, the file and up to `MAX_KEYS` offending
keys, and the export's staging folder is dropped instead of published. The check reads the
staged Parquet and the curated tables with DuckDB, so its memory does not grow with the export.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

import duckdb

from assets.lake import Lake
from schemas.splits import SPLIT_NAMES

MAX_KEYS = 5


class ExportGrainError(ValueError):
    """An export (or its inputs) breaks the one-row-per-document grain; nothing is published."""


@dataclass(frozen=True)
class GrainProblem:
    """One broken rule: where (a file of the export, or `*` for the whole dataset), what, which."""

    file: str
    rule: str
    count: int
    keys: tuple[str, ...]

    def describe(self) -> str:
        more = f" (+{self.count - len(self.keys)} more)" if self.count > len(self.keys) else ""
        return f"{self.file}: {self.rule}: {self.count} ({', '.join(self.keys)}{more})"


def _keys(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
          ) -> tuple[int, tuple[str, ...]]:
    """(how many, the first MAX_KEYS in key order) of a one-column query of offending keys."""
    rows = con.execute(f"SELECT count(*) OVER (), k FROM ({sql}) t(k) ORDER BY k LIMIT "
                       f"{MAX_KEYS}", params or []).fetchall()
    return (rows[0][0] if rows else 0), tuple(str(k) for _, k in rows)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def export_problems(
    lake: Lake, con: duckdb.DuckDBPyConnection, staging: str, corpus: str | None, zone: str,
    document_filter: str = "true",
) -> list[GrainProblem]:
    """Every grain rule the staged export breaks (empty when it is exact).

    Args:
        staging: the export's staging folder (`data/<split>.parquet`, `jsonl/<split>.jsonl`).
        corpus: the dataset's corpus, or None for the pooled dataset.
        zone: the zone the export read its documents from.
        document_filter: SQL condition on the documents (`d`) the export keeps by
            configuration (e.g. its languages); the others are not expected in it.
    """
    files = {s: lake.url(posixpath.join(staging, "data", f"{s}.parquet")) for s in SPLIT_NAMES}
    listed = ", ".join(_quote(p) for p in files.values())
    con.execute(f"""CREATE OR REPLACE TEMP VIEW staged AS
        SELECT doc_id, regexp_extract(filename, '([a-z]+)\\.parquet$', 1) AS split
        FROM read_parquet([{listed}], filename = true, union_by_name = true)""")
    problems: list[GrainProblem] = []

    def add(file: str, rule: str, sql: str) -> None:
        count, keys = _keys(con, sql)
        if count:
            problems.append(GrainProblem(file, rule, count, keys))

    for split in SPLIT_NAMES:
        name = f"data/{split}.parquet"
        add(name, "doc_id null", f"SELECT 'row ' || n FROM (SELECT row_number() OVER () AS n, "
            f"doc_id FROM read_parquet({_quote(files[split])})) WHERE doc_id IS NULL")
        add(name, "doc_id repeated", f"""SELECT doc_id || ' x' || count(*) FROM staged
            WHERE split = {_quote(split)} GROUP BY doc_id HAVING count(*) > 1""")
        add(f"jsonl/{split}.jsonl", "lines differ from the Parquet rows",
            _jsonl_mismatch(lake, posixpath.join(staging, "jsonl", f"{split}.jsonl"), con,
                            split))
    add("data/*.parquet", "doc_id in two splits", """SELECT doc_id FROM staged
        GROUP BY doc_id HAVING count(DISTINCT split) > 1""")
    docs = lake.relation(zone, "documents")
    splits = lake.relation("curated", "splits")
    where = "true" if corpus is None else f"d.corpus = {_quote(corpus)}"
    where += f" AND {document_filter}"
    # Every curated document of the dataset, with its split (NULL when the splits are stale:
    # such a document is missing from the export, and named).
    expected = (f"SELECT d.doc_id, s.split FROM {docs} d LEFT JOIN {splits} s USING (doc_id) "
                f"WHERE {where}")
    add("data/*.parquet", "doc_id not a curated document of this dataset in that split",
        "SELECT doc_id || ' (' || split || ')' FROM (SELECT DISTINCT doc_id, split FROM staged "
        f"EXCEPT SELECT doc_id, split FROM ({expected}))")
    add("data/*.parquet", "curated document missing from the export",
        f"SELECT doc_id FROM (SELECT doc_id FROM ({expected}) EXCEPT SELECT doc_id FROM staged)")
    return problems


def _jsonl_mismatch(lake: Lake, path: str, con: duckdb.DuckDBPyConnection, split: str) -> str:
    """A query giving one key per JSONL line too many or too few (compared by count)."""
    with lake.fs.open(path, "rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return (f"SELECT 'lines ' || {lines} || ' vs rows ' || n FROM (SELECT count(*) AS n "
            f"FROM staged WHERE split = {_quote(split)}) WHERE n <> {lines}")


def check_export(
    lake: Lake, con: duckdb.DuckDBPyConnection, staging: str, dataset: str, corpus: str | None,
    zone: str, document_filter: str = "true",
) -> None:
    """Raise `ExportGrainError` naming the dataset, files and keys when the staged export is
    not exactly one row per document."""
    problems = export_problems(lake, con, staging, corpus, zone, document_filter)
    if problems:
        raise ExportGrainError(
            f"export {dataset!r} not published: " + "; ".join(p.describe() for p in problems))
