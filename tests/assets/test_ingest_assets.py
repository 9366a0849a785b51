"""Asset wiring: the ingest multi-asset and the views, materialised with Dagster on real data."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, build_sensor_context, materialize

from assets.ingest.assets import raw_tables
from assets.platform.partitions import source_partitions
from assets.platform.resources import CorporaResource, WarehouseResource
from assets.warehouse.assets import warehouse_views
from dagster_project.sensors import changed_partitions, corpus_files_sensor


@pytest.fixture
def instance() -> DagsterInstance:
    with DagsterInstance.ephemeral() as inst:
        yield inst


def test_when_essays_partition_materialised_then_views_show_real_counts(
    instance, real_corpora: Path, tmp_path: Path
):
    resources = {
        "warehouse": WarehouseResource(warehouse_dir=str(tmp_path / "wh")),
        "corpora": CorporaResource(corpora_dir=str(real_corpora)),
    }
    instance.add_dynamic_partitions(source_partitions.name, ["essays"])
    result = materialize(
        [raw_tables], partition_key="essays", instance=instance, resources=resources
    )
    assert result.success
    meta = {
        m.asset_key.to_user_string(): m.metadata["rows_written"].value
        for m in result.asset_materializations_for_node("raw_tables")
    }
    assert meta == {
        "raw/documents": 2467,
        "raw/labels": 12335,
        "raw/authors": 2467,
        "raw/utterances": 0,
        "raw/quarantine": 1,
        "raw/failed_sources": 0,
    }
    assert materialize([warehouse_views], instance=instance, resources=resources).success
    con = duckdb.connect(str(tmp_path / "wh" / "raw.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM raw_documents WHERE corpus='essays'").fetchone() == (
        2467,
    )


def test_when_one_file_is_empty_then_good_files_reach_the_curated_zone_and_it_is_listed(
    instance, tmp_path: Path
):
    """An empty essays/empty.csv used to keep every good essay out of the curated zone."""
    from assets.platform.resources import EngineResource, SpacyResource
    from assets.privacy.assets import ASSETS as PRIVACY_ASSETS
    from assets.privacy.resources import PrivacyResource
    from assets.warehouse.views import ANALYST_DB, RAW_DB, build_database

    family = tmp_path / "corpora" / "essays"
    family.mkdir(parents=True)
    (family / "empty.csv").write_text("")
    (family / "good.csv").write_text(
        "#AUTHID,TEXT,cEXT,cNEU,cAGR,cCON,cOPN\n"
        + "".join(f"a{i},Essay number {i} about my day,y,n,y,n,y\n" for i in range(3)))
    instance.add_dynamic_partitions(source_partitions.name, ["essays"])
    resources = {
        "warehouse": WarehouseResource(warehouse_dir=str(tmp_path / "wh")),
        "corpora": CorporaResource(corpora_dir=str(tmp_path / "corpora")),
        "spacy": SpacyResource(),
        "engine": EngineResource(workers="0"), "privacy": PrivacyResource(pseudonym_key="k" * 32),
    }
    result = materialize([raw_tables, *PRIVACY_ASSETS], partition_key="essays",
                         instance=instance, resources=resources)
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert (check.check_name, check.passed, check.severity.value) == (
        "every_source_readable", False, "WARN")
    assert list(check.metadata["failed_sources"].value) == ["empty.csv"]
    assert "essays/empty.csv" in check.description
    from assets.lake import Lake
    lake = Lake.at(str(tmp_path / "wh"))
    build_database(lake, ANALYST_DB, str(tmp_path / "wh"))
    build_database(lake, RAW_DB, str(tmp_path / "wh"))
    con = duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone() == (3,)
    assert con.execute("SELECT count(*) FROM authors").fetchone() == (3,)
    con = duckdb.connect(str(tmp_path / "wh" / "raw.duckdb"), read_only=True)
    assert con.execute("SELECT corpus, partition, source_file FROM failed_sources").fetchall() \
        == [("essays", "essays", "empty.csv")]


def test_when_files_appear_or_change_then_sensor_runs_only_those_partitions(instance, tmp_path):
    corpora = tmp_path / "corpora"
    (corpora / "essays").mkdir(parents=True)
    (corpora / "essays" / "a.csv").write_text("x")
    (corpora / "reddit_pushshift").mkdir()
    (corpora / "reddit_pushshift" / "RC_1.zst").write_text("y")
    resources = {"corpora": CorporaResource(corpora_dir=str(corpora))}

    first = corpus_files_sensor(build_sensor_context(instance=instance, resources=resources))
    assert sorted(r.partition_key for r in first.run_requests) == [
        "essays",
        "reddit_pushshift:RC_1.zst",
    ]
    assert first.dynamic_partitions_requests[0].partition_keys == [
        "essays",
        "reddit_pushshift:RC_1.zst",
    ]
    instance.add_dynamic_partitions(source_partitions.name, ["essays", "reddit_pushshift:RC_1.zst"])

    (corpora / "reddit_pushshift" / "RC_2.zst").write_text("z")
    second = corpus_files_sensor(
        build_sensor_context(instance=instance, resources=resources, cursor=first.cursor)
    )
    assert [r.partition_key for r in second.run_requests] == ["reddit_pushshift:RC_2.zst"]
    unchanged = corpus_files_sensor(
        build_sensor_context(instance=instance, resources=resources, cursor=second.cursor)
    )
    assert unchanged.run_requests == []
    assert json.loads(unchanged.cursor) == json.loads(second.cursor)


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        ({}, {"a": "1"}, ["a"]),
        ({"a": "1"}, {"a": "1"}, []),
        ({"a": "1"}, {"a": "2"}, ["a"]),
        ({"a": "1", "b": "1"}, {"a": "1"}, ["b"]),
    ],
)
def test_when_signatures_compared_then_new_changed_and_vanished_partitions_run(
    previous, current, expected
):
    assert changed_partitions(previous, current) == expected
