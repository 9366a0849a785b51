"""Build DuckDB databases of views over the lake from the `.sql` files in `assets/warehouse/sql/`.

The SQL ships inside the package and is read through `importlib.resources`, so the views are
found in a wheel or a non-editable install as well as in a checkout. A view file refers to lake
tables as `{{zone.table}}`; `Lake.render` replaces each by a `read_parquet` over that table's
part files (or by an empty, correctly typed relation when the table has no part yet, so a view
never fails to bind). The database is built under a temporary name and renamed
over the old one: an analyst holding the old file open keeps a working (read-only) connection,
and a run never waits for, or fails on, an analyst's lock. A failed write (a full disk) raises
`LakeWriteError` naming the file and leaves the published database as it was.

The databases are always local files (`DUCKDB_DIR`; DuckDB cannot write one to an object
store). When the lake is on an object store their views hold `s3://` URLs, which DuckDB reads
only through a registered fsspec filesystem, and a registration lasts one connection: open
them with `open_database`, which registers what the views need (the `duckdb` CLI cannot).

CLI: `python -m assets.warehouse.views DATABASE [SQL]` prints the SQL's result (or the views).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import posixpath
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import duckdb
import pyarrow as pa

from assets.lake import Lake, LakeWriteError, register_filesystems, temp_prefix
from assets.permissions import restrict_to_owner
from assets.platform.reuse import file_identity, source_digest, table_parts
from schemas.feature_catalog import view_sql as feature_catalog_view
from schemas.registry import table_schema

SQL_PACKAGE = "assets.warehouse.sql"


@dataclass(frozen=True)
class Database:
    """One DuckDB file and the package folder of view definitions it is built from."""

    name: str  # file name, e.g. warehouse.duckdb
    views: str  # subpackage of `SQL_PACKAGE` holding its `.sql` files
    owner_only: bool = False  # 0600, for a database whose views reach raw text
    # Views written by code, not kept as files, each under the file name that places it in the
    # build order: the feature catalogue comes from `schemas.feature_catalog`, so a new feature
    # is a catalogue row and nothing else.
    generated: tuple[tuple[str, Callable[[], str]], ...] = ()

    @property
    def views_dir(self) -> Traversable:
        return resources.files(SQL_PACKAGE).joinpath(self.views)


ANALYST_DB = Database("warehouse.duckdb", "analyst",
                      generated=(("20_feature_catalog.sql", feature_catalog_view),))
RAW_DB = Database("raw.duckdb", "raw", owner_only=True)


def view_files(views_dir: Traversable) -> list[Traversable]:
    """View definitions in name order; a numeric prefix orders views that build on others."""
    return sorted((f for f in views_dir.iterdir() if f.name.endswith(".sql")),
                  key=lambda f: f.name)


def view_sources(database: Database) -> list[tuple[str, Callable[[], str]]]:
    """(name, SQL reader) of the database's view files and generated views, in name order."""
    files = [(path.name, lambda path=path: path.read_text(encoding="utf-8"))
             for path in view_files(database.views_dir)]
    return sorted([*files, *database.generated], key=lambda source: source[0])


def _connect(lake: Lake, path: str, database: Database) -> duckdb.DuckDBPyConnection:
    try:
        return lake.connect(path)
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
        con = _connect(lake, tmp, database)
        for _, read_sql in view_sources(database):
            con.execute(lake.render(read_sql(), schema_of=schema_of))
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


def views_fingerprint(lake: Lake, tables: Iterable[tuple[str, str]]) -> str:
    """Which part files every table has, by identity (a rewritten part is a new file), and the
    code of the views: the databases and their row counts change only when one of these does.
    No part is read: a view names its table's files, so identities are all it depends on."""
    import schemas

    listing: dict[str, object] = {"code": source_digest(Path(__file__).parent,
                                                        Path(schemas.__file__).parent)}
    for zone, table in tables:
        listing[f"{zone}/{table}"] = {posixpath.relpath(p, lake.root): file_identity(info)
                                      for p, info in table_parts(lake, zone, table).items()}
    return hashlib.sha256(json.dumps(listing, sort_keys=True).encode()).hexdigest()


def open_database(path: str, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open a warehouse database (read-only by default: safe while a run rebuilds it) with the
    filesystem of every object store its views read registered, credentials from the standard
    environment variables (`AWS_*` for S3). A database over a local lake opens as usual."""
    con = duckdb.connect(path, read_only=read_only)
    try:
        views_sql = "\n".join(sql for (sql,) in con.execute(
            "SELECT sql FROM duckdb_views() WHERE NOT internal").fetchall())
        register_filesystems(con, views_sql)
    except BaseException:
        con.close()
        raise
    return con


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Query a warehouse database, wherever its "
                                     "lake is (registers the object store its views read).")
    parser.add_argument("database", help="warehouse.duckdb or raw.duckdb")
    parser.add_argument("sql", nargs="?", help="a query; without one, the views are listed")
    args = parser.parse_args(argv)
    with open_database(args.database) as con:
        con.sql(args.sql or "SELECT view_name FROM duckdb_views() WHERE NOT internal "
                "ORDER BY 1").show(max_rows=100)


if __name__ == "__main__":
    main()
