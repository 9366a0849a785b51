"""The annotation tables in the lake's curated zone, one part per corpus and project.

`<root>/lake/curated/<table>/corpus=<c>/<project>.parquet` for `annotation_tasks` (the task
mapping), `annotations`, `annotation_skips` and `pii_review_spans`; crowd labels go to the
`labels` table as `crowd_<project>.parquet`. A project's parts are replaced whole and atomically
(`Lake.write_part`), and parts of corpora that no longer have rows are removed, so a deletion on
the server disappears here too. Nothing is written until the new snapshot is complete.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from assets.lake import Lake, corpus_of_part

ZONE = "curated"


def part_name(table: str, project: str) -> str:
    return f"crowd_{project}" if table == "labels" else project


def write_project_table(
    lake: Lake, table: str, project: str, data: pa.Table, metadata: dict[str, Any] | None = None
) -> dict[str, int]:
    """Replace a project's rows of `table`; returns rows written per corpus."""
    part = part_name(table, project)
    written: dict[str, int] = {}
    corpora = sorted(set(data.column("corpus").to_pylist())) if data.num_rows else []
    for corpus in corpora:
        rows = data.filter(pc.equal(data.column("corpus"), corpus))
        lake.write_part(ZONE, table, corpus, part, rows, {"project": project, **(metadata or {})})
        written[corpus] = rows.num_rows
    for path in lake.list_parts(ZONE, table):
        if posixpath.basename(path) == f"{part}.parquet" and corpus_of_part(path) not in written:
            lake.remove(path)
    return written


def read_project_table(lake: Lake, table: str, project: str, schema: pa.Schema) -> pa.Table:
    """A project's rows of `table` across corpora (empty with `schema` when none stored)."""
    part = f"{part_name(table, project)}.parquet"
    tables = []
    for path in lake.list_parts(ZONE, table):
        if posixpath.basename(path) == part:
            with lake.fs.open(path, "rb") as handle:
                tables.append(pq.read_table(handle).cast(schema))
    return pa.concat_tables(tables) if tables else schema.empty_table()


def read_table(lake: Lake, table: str, schema: pa.Schema, projects: Sequence[str]) -> pa.Table:
    """Several projects' rows of `table`, concatenated."""
    parts = [read_project_table(lake, table, p, schema) for p in projects]
    return pa.concat_tables(parts) if parts else schema.empty_table()
