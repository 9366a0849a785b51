"""The analysts' databases: typed views even before data lands, and a run that never fails or
shows half a partition while an analyst holds the database open."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from assets.ingest.runner import ingest_partition
from assets.warehouse.views import ANALYST_DB, RAW_DB, build_database

HEADER = "#AUTHID,TEXT,cEXT,cNEU,cAGR,cCON,cOPN\n"


def essays_csv(n: int) -> str:
    return HEADER + "".join(f"a{i},Essay number {i} text,y,n,y,n,y\n" for i in range(n))


def test_when_lake_empty_then_views_exist_typed_and_empty(lake, tmp_path):
    counts = build_database(lake, ANALYST_DB, str(tmp_path))
    assert counts.pop("feature_catalog") > 0  # a constant view: the catalogue itself
    assert counts and set(counts.values()) == {0}
    assert {"authors", "documents", "labels", "quarantine", "utterances"} <= set(counts)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'documents'"
        ).fetchall()
    )
    assert types["created_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["source_line"] == "BIGINT"


def test_when_raw_db_built_then_it_reads_raw_tables(lake, make_source, tmp_path):
    source = make_source("essays", "e.csv", essays_csv(3))
    ingest_partition(lake, source.root.rsplit("/", 1)[0], "essays")
    counts = build_database(lake, RAW_DB, str(tmp_path))
    assert counts["raw_documents"] == 3 and counts["raw_labels"] == 15


ANALYST = textwrap.dedent(
    """
    import sys, time, duckdb
    db, seconds = sys.argv[1], float(sys.argv[2])
    con = duckdb.connect(db, read_only=True)
    seen, end = set(), time.time() + seconds
    while time.time() < end:
        seen.add(con.execute("SELECT count(*) FROM raw_documents").fetchone()[0])
    print(sorted(seen))
    """
)


def test_when_analyst_holds_database_during_runs_then_runs_succeed_and_parts_are_whole(
    lake, make_source, tmp_path: Path
):
    source = make_source("essays", "e.csv", essays_csv(2000))
    corpora = source.root.rsplit("/", 1)[0]
    ingest_partition(lake, corpora, "essays")
    db_dir = str(tmp_path / "db")
    build_database(lake, RAW_DB, db_dir)
    analyst = subprocess.Popen(
        [sys.executable, "-c", ANALYST, f"{db_dir}/raw.duckdb", "6"],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)  # the analyst has the file open before the run starts
    for n in (3000, 2000, 3000):
        make_source("essays", "e.csv", essays_csv(n))
        ingest_partition(lake, corpora, "essays")
        build_database(lake, RAW_DB, db_dir)
    out, _ = analyst.communicate(timeout=60)
    assert analyst.returncode == 0
    assert set(eval(out)) <= {2000, 3000}  # whole parts only, never a partial count
    assert (
        duckdb.connect(f"{db_dir}/raw.duckdb", read_only=True)
        .execute("SELECT count(*) FROM raw_documents")
        .fetchone()[0]
        == 3000
    )


def test_when_analyst_database_built_then_no_view_reaches_raw_text(lake, tmp_path):
    import pyarrow as pa

    from schemas.registry import table_schema

    raw_name = "JaneRealname"
    raw_doc = {"doc_id": "d1", "corpus": "essays", "author_id": f"essays:{raw_name}",
               "kind": "essay", "text": f"I am {raw_name}.", "created_at": None,
               "context": None, "source_file": "e.csv", "source_line": 2, "content_hash": "h"}
    lake.write_part("raw", "documents", "essays", "p", pa.Table.from_pylist(
        [raw_doc], schema=table_schema("raw", "documents")))
    curated = {**raw_doc, "author_id": "a_0123", "text": "I am <PERSON_1>.", "pii_counts": "{}"}
    lake.write_part("curated", "documents", "essays", "p", pa.Table.from_pylist(
        [curated], schema=table_schema("curated", "documents")))
    build_database(lake, ANALYST_DB, str(tmp_path))
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    definitions = [sql for (sql,) in con.execute(
        "SELECT sql FROM duckdb_views() WHERE NOT internal").fetchall()]
    assert definitions and not any("/lake/raw/" in sql for sql in definitions)
    for view, column in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR' "
        "AND NOT internal"
    ).fetchall():
        hits = con.execute(
            f'SELECT count(*) FROM "{view}" WHERE "{column}" ILIKE ?', [f"%{raw_name}%"]
        ).fetchone()[0]
        assert hits == 0, f"{view}.{column} exposes a raw name"
    assert con.execute("SELECT text FROM documents").fetchall() == [("I am <PERSON_1>.",)]


# --- the view SQL ships inside the package (issue 12 point 5) ------------------------------


def test_when_views_listed_then_every_sql_file_of_the_package_is_found_through_resources():
    from importlib import resources

    from assets.warehouse.views import SQL_PACKAGE, view_files

    package_dir = Path(__file__).resolve().parents[2] / "assets" / "warehouse" / "sql"
    for database in (ANALYST_DB, RAW_DB):
        assert database.views_dir == resources.files(SQL_PACKAGE).joinpath(database.views)
        found = [f.name for f in view_files(database.views_dir)]
        assert found == sorted(p.name for p in (package_dir / database.views).glob("*.sql"))
        assert found, f"no view SQL for {database.name}"


def test_when_package_installed_non_editable_then_views_build_from_the_installed_sql(tmp_path):
    """A plain (non-editable) install holds the SQL and builds both databases from it."""
    import shutil

    pytest.importorskip("setuptools")
    repo = Path(__file__).resolve().parents[2]
    source = tmp_path / "src"  # a copy, so the build's scratch folders stay out of the checkout
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("assets", "schemas", "annotation", "dagster_project"):
        shutil.copytree(repo / package, source / package, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repo / name, source / name)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--target", str(site), str(source)],
                   check=True, capture_output=True)
    script = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[1])
        import assets
        from assets.lake import Lake
        from assets.warehouse.views import ANALYST_DB, RAW_DB, build_database
        assert assets.__file__.startswith(sys.argv[1]), assets.__file__
        lake = Lake.at(sys.argv[2] + "/wh")
        print(len(build_database(lake, ANALYST_DB, sys.argv[2])),
              len(build_database(lake, RAW_DB, sys.argv[2])))
        """
    )
    out = subprocess.run([sys.executable, "-c", script, str(site), str(tmp_path)],
                         cwd=tmp_path, check=True, capture_output=True, text=True).stdout
    analyst, raw = map(int, out.split())
    assert analyst > 5 and raw > 0


def test_when_lake_is_on_s3_then_an_analyst_queries_the_local_database_from_a_new_process(
        s3_lake_url, tmp_path):
    """The database is local, its views read the bucket: a fresh process (the CLI) registers
    the filesystem from the views and the standard AWS variables alone; plain DuckDB cannot."""
    import os

    import pyarrow as pa

    from assets.lake import Lake
    from schemas.curated import CURATED_TABLES

    lake = Lake.at(s3_lake_url)
    rows = [{"doc_id": f"d{i}", "corpus": "essays", "author_id": "a_1", "kind": "essay",
             "text": "t", "created_at": None, "context": None, "source_file": "e.csv",
             "source_line": i, "content_hash": "h", "pii_counts": "{}"} for i in range(3)]
    schema = CURATED_TABLES["documents"].schema
    lake.write_part("curated", "documents", "essays", "p",
                    pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows],
                                         schema))
    counts = build_database(lake, ANALYST_DB, str(tmp_path))
    assert counts["documents"] == 3
    db = str(tmp_path / "warehouse.duckdb")
    done = subprocess.run(
        [sys.executable, "-m", "assets.warehouse.views", db,
         "SELECT 'rows=' || count(*) AS n FROM documents"],
        capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "rows=3" in done.stdout
    plain = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({db!r}, read_only=True)"
         ".execute('SELECT count(*) FROM documents').fetchall()"],
        capture_output=True, text=True, timeout=120)
    assert plain.returncode != 0
