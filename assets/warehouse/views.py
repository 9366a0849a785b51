"""Build DuckDB databases of views over the lake from the tracked `.sql` files.

A view file refers to lake tables as `{{zone.table}}`; each is replaced by a `read_parquet` over
that table's part files (or by an empty, correctly typed relation when the table has no part
yet, so a view never fails to bind). The database is built under a temporary name and renamed
over the old one: an analyst holding the old file open keeps a working (read-only) connection,
and a run never waits for, or fails on, an analyst's lock. A failed write (a full disk) raises
`LakeWriteError` naming the file and leaves the published database as it was.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from assets.lake import Lake, LakeWriteError, temp_prefix
from assets.permissions import restrict_to_owner
from schemas.feature_catalog import view_sql as feature_catalog_view
from schemas.registry import table_schema

VIEWS_ROOT = Path(__file__).resolve().parents[2] / "warehouse" / "views"
PLACEHOLDER = re.compile(r"\{\{\s*(raw|curated)\.([a-z_]+)\s*\}\}")


@dataclass(frozen=True)
class Database:
    """One DuckDB file and the folder of view definitions it is built from."""

    name: str  # file name, e.g. warehouse.duckdb
    views_dir: Path
    owner_only: bool = False  # 0600, for a database whose views reach raw text
    # Views written by code, not kept as files, each under the file name that places it in the
    # build order: the feature catalogue comes from `schemas.feature_catalog`, so a new feature
    # is a catalogue row and nothing else.
    generated: tuple[tuple[str, Callable[[], str]], ...] = ()


ANALYST_DB = Database("warehouse.duckdb", VIEWS_ROOT / "analyst",
                      generated=(("20_feature_catalog.sql", feature_catalog_view),))
RAW_DB = Database("raw.duckdb", VIEWS_ROOT / "raw", owner_only=True)


def view_files(views_dir: Path) -> list[Path]:
    """View definitions in name order; a numeric prefix orders views that build on others."""
    return sorted(views_dir.glob("*.sql"))


def view_sources(database: Database) -> list[tuple[str, Callable[[], str]]]:
    """(name, SQL reader) of the database's view files and generated views, in name order."""
    files = [(path.name, path.read_text) for path in view_files(database.views_dir)]
    return sorted([*files, *database.generated], key=lambda source: source[0])


def table_relation(
    lake: Lake, zone: str, table: str, schema_of: Callable[[str, str], pa.Schema]
) -> str:
    """SQL relation over a lake table's parts, or an empty typed relation when it has none."""
    if lake.list_parts(zone, table):
        glob = lake.table_glob(zone, table).replace("'", "''")
        return f"read_parquet('{glob}', union_by_name = true, hive_partitioning = false)"
    return empty_relation(schema_of(zone, table))


def empty_relation(schema: pa.Schema) -> str:
    con = duckdb.connect()
    con.register("empty_arrow", pa.Table.from_pylist([], schema=schema))
    columns = con.execute("DESCRIBE SELECT * FROM empty_arrow").fetchall()
    con.close()
    select = ", ".join(f'CAST(NULL AS {ctype}) AS "{name}"' for name, ctype, *_ in columns)
    return f"(SELECT {select} WHERE false)"


def render(sql: str, relation: Callable[[str, str], str]) -> str:
    return PLACEHOLDER.sub(lambda m: relation(m.group(1), m.group(2)), sql)


def _connect(path: str, database: Database) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(path)
    except duckdb.IOException as error:
        raise LakeWriteError(error, path, f"database {database.name}") from error


def build_database(
    lake: Lake,
    database: Database,
    target_dir: str,
    schema_of: Callable[[str, str], pa.Schema] = table_schema,
) -> dict[str, int]:
    """Write `target_dir/<database.name>` atomically; returns row counts per view."""
    os.makedirs(target_dir, exist_ok=True)
    final = os.path.join(target_dir, database.name)
    try:
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(f".{database.name}."), suffix=".tmp",
                                   dir=target_dir)
        os.close(fd)
        os.remove(tmp)  # DuckDB wants to create the file itself
    except OSError as error:
        raise LakeWriteError(error, target_dir, f"database {database.name}") from error
    counts: dict[str, int] = {}
    try:
        con = _connect(tmp, database)
        if not lake.is_local:
            con.register_filesystem(lake.fs)
        for _, read_sql in view_sources(database):
            sql = render(read_sql(), lambda z, t: table_relation(lake, z, t, schema_of))
            con.execute(sql)
        for (view,) in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY view_name"
        ).fetchall():
            counts[view] = con.execute(f'SELECT count(*) FROM "{view}"').fetchone()[0]
        con.close()
        if database.owner_only:  # before it takes the final name, so it is never readable
            restrict_to_owner(tmp)
        os.replace(tmp, final)
    finally:
        for leftover in (tmp, tmp + ".wal"):
            if os.path.exists(leftover):
                os.remove(leftover)
    return counts
