"""The whole graph with `WAREHOUSE_DIR=s3://...` on a real S3 server (moto on loopback).

A small corpus (36 tweets, 6 Reddit posts: two partitions) runs in `make run`'s order, without
Label Studio, through ingest, parse, contours, anonymisation, splits, baselines, exports and
views, once into a local warehouse and once into a bucket. Every lake table and export must be
on S3, readable, and equal to the local run's; the analysts' database stays local
(`DUCKDB_DIR`) and its views read the bucket, also from a fresh connection."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance

from assets.lake import Lake
from schemas.registry import SCHEMAS
from tests.assets.test_first_run_privacy import _corpora
from tests.s3 import environment

PSEUDONYM_KEY = "test-key-" + "0" * 32


def _env(warehouse_dir: str, duckdb_dir: Path, corpora: Path) -> dict[str, str]:
    return {"WAREHOUSE_DIR": warehouse_dir, "DUCKDB_DIR": str(duckdb_dir),
            "CORPORA_DIR": str(corpora), "PSEUDONYM_KEY": PSEUDONYM_KEY, "SPACY_N_PROCESS": "1"}


def _run_graph(warehouse_dir: str, duckdb_dir: Path, corpora: Path) -> tuple[list[str], bool]:
    """`make run` without Label Studio: every partition, then the warehouse-wide job."""
    from assets.ingest.runner import all_partition_keys
    from assets.platform.partitions import source_partitions
    from dagster_project.definitions import defs as load_defs
    from dagster_project.run_all import QUIET, run_partitions

    with environment(_env(warehouse_dir, duckdb_dir, corpora)):
        keys = all_partition_keys(str(corpora))
        defs = load_defs()
        with DagsterInstance.ephemeral() as instance:
            instance.add_dynamic_partitions(source_partitions.name, keys)
            failed = run_partitions(defs, instance, keys)
            result = defs.resolve_job_def("warehouse_job").execute_in_process(
                instance=instance, raise_on_error=False, run_config=QUIET)
    return failed, result.success


@pytest.fixture(scope="module")
def runs(tmp_path_factory, moto_server):
    """The same corpus run into a local warehouse and into a bucket."""
    base = tmp_path_factory.mktemp("s3_lake")
    corpora = _corpora(base / "corpora")
    with environment(moto_server.aws_env()):
        local = _run_graph(str(base / "local"), base / "local_db", corpora)
        url = f"s3://{moto_server.create_bucket()}/warehouse"
        remote = _run_graph(url, base / "s3_db", corpora)
        yield {"local": (Lake.at(str(base / "local")), base / "local_db", local),
               "s3": (Lake.at(url), base / "s3_db", remote),
               "s3_env": _env(url, base / "s3_db", corpora)}


def _rows(lake: Lake, zone: str, table: str) -> list[tuple]:
    """Every row of a lake table, sorted, read through the lake's own filesystem."""
    rows = []
    for path in lake.list_parts(zone, table):
        with lake.fs.open(path, "rb") as handle:
            data = pq.read_table(handle)
        rows += [tuple(sorted(r.items())) for r in data.to_pylist()]
    return sorted(rows, key=repr)


def test_when_warehouse_is_a_bucket_then_every_stage_succeeds(runs):
    for name in ("local", "s3"):
        _, _, (failed, warehouse_ok) = runs[name]
        assert failed == [] and warehouse_ok, name


def test_when_warehouse_is_a_bucket_then_lake_tables_are_on_s3_and_equal_to_local(runs):
    local, s3 = runs["local"][0], runs["s3"][0]
    assert s3.fs.protocol[0] == "s3" or "s3" in s3.fs.protocol
    compared = []
    for zone, table in SCHEMAS:
        if not local.list_parts(zone, table):
            continue
        assert s3.list_parts(zone, table), f"{zone}/{table} missing on S3"
        if (zone, table) == ("raw", "parsed_documents"):
            continue  # spaCy DocBin bytes: compared through the tables derived from them
        assert _rows(s3, zone, table) == _rows(local, zone, table), f"{zone}/{table}"
        compared.append(f"{zone}/{table}")
    for table in ("documents", "labels", "splits", "contours", "document_features",
                  "author_features", "baseline_scores"):
        assert f"curated/{table}" in compared


def test_when_warehouse_is_a_bucket_then_exports_are_on_s3_and_equal_to_local(runs):
    local, s3 = runs["local"][0], runs["s3"][0]
    for lake in (local, s3):
        assert lake.fs.glob(lake.path("exports", "*", "v-*", "manifest.json"))

    def tree(lake: Lake) -> dict[str, bytes]:
        base = lake.path("exports")
        return {posixpath.relpath(p, base): lake.fs.cat_file(p)
                for p in lake.fs.find(base) if "/v-" in p}

    local_tree, s3_tree = tree(local), tree(s3)
    assert sorted(s3_tree) == sorted(local_tree)
    assert s3_tree == local_tree  # byte for byte: the version hash holds across filesystems
    for dataset in ("twitter_mbti", "pooled"):
        latest = s3.fs.cat_file(s3.path("exports", dataset, "LATEST")).decode().strip()
        with s3.fs.open(s3.path("exports", dataset, latest, "data", "train.parquet")) as f:
            assert pq.read_table(f).num_rows > 0


def test_when_warehouse_is_a_bucket_then_databases_are_local_and_views_read_it(runs):
    s3_lake, s3_db, _ = runs["s3"]
    assert sorted(os.listdir(s3_db)) == ["raw.duckdb", "warehouse.duckdb"]
    assert not s3_lake.fs.glob(s3_lake.path("*.duckdb"))
    local_db = runs["local"][1]
    from assets.warehouse.views import open_database

    # The views hold s3:// URLs: a plain connection cannot read them, the helper can.
    with duckdb.connect(str(s3_db / "warehouse.duckdb"), read_only=True) as plain:
        assert "s3://" in plain.execute(
            "SELECT sql FROM duckdb_views() WHERE view_name = 'documents'").fetchone()[0]
        with pytest.raises(duckdb.Error):
            plain.execute("SELECT count(*) FROM documents").fetchall()

    for name in ("warehouse.duckdb", "raw.duckdb"):
        views = duckdb.connect(str(local_db / name), read_only=True).execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
        assert views
        with open_database(str(s3_db / name)) as con, \
                duckdb.connect(str(local_db / name), read_only=True) as ref:
            for (view,) in views:
                count = con.execute(f'SELECT count(*) FROM "{view}"').fetchone()[0]
                assert count == ref.execute(f'SELECT count(*) FROM "{view}"').fetchone()[0], view
            assert con.execute("SELECT count(*) FROM documents" if name == "warehouse.duckdb"
                               else "SELECT count(*) FROM raw_documents").fetchone()[0] == 42


def test_when_warehouse_is_a_bucket_then_the_run_summary_counts_its_rows(runs, moto_server,
                                                                         capsys):
    """`make run`'s summary opens the local database over the bucket (its own connect helper
    registers the filesystem) and tells how to query it."""
    from dagster_project.run_all import print_summary

    with environment({**moto_server.aws_env(), **runs["s3_env"], "LABEL_STUDIO_URL": ""}):
        print_summary(runs["s3_env"]["CORPORA_DIR"], False, [])
    out = capsys.readouterr().out
    assert "lake:      s3://" in out
    row = next(line.split() for line in out.splitlines() if line.strip().startswith("twitter_mbti"))
    assert row[1] == "36"  # documents
    assert "python -m assets.warehouse.views" in out and "duckdb -readonly" not in out
    assert moto_server.aws_env()["AWS_SECRET_ACCESS_KEY"] not in out
