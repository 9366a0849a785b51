"""The GX checks run with the ingest partition and block on integrity failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize

from assets.ingest.assets import raw_tables
from assets.quality.checks import RAW_CHECKS
from dagster_project.partitions import source_partitions
from dagster_project.resources import CorporaResource, WarehouseResource

HEADER = "#AUTHID,TEXT,cEXT,cNEU,cAGR,cCON,cOPN\n"


@pytest.fixture
def instance() -> DagsterInstance:
    with DagsterInstance.ephemeral() as inst:
        inst.add_dynamic_partitions(source_partitions.name, ["essays"])
        yield inst


def run(instance: DagsterInstance, tmp_path: Path, csv: str):
    family = tmp_path / "corpora" / "essays"
    family.mkdir(parents=True, exist_ok=True)
    (family / "e.csv").write_text(csv)
    return materialize(
        [raw_tables, *RAW_CHECKS], partition_key="essays", instance=instance, raise_on_error=False,
        resources={"warehouse": WarehouseResource(warehouse_dir=str(tmp_path / "wh")),
                   "corpora": CorporaResource(corpora_dir=str(tmp_path / "corpora"))},
    )


def test_when_partition_is_clean_then_every_check_passes_with_counts(instance, tmp_path: Path):
    rows = "".join(f"a{i},Essay number {i} about my day,y,n,y,n,y\n" for i in range(4))
    result = run(instance, tmp_path, HEADER + rows)
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 10  # 5 tables x (integrity, quality)
    assert all(e.passed for e in evaluations)
    docs = next(e for e in evaluations if e.asset_key.path == ["raw", "documents"]
                and e.check_name == "integrity")
    assert docs.metadata["rows_validated"].value == 4


def test_when_quarantine_share_high_then_quality_warns_without_blocking(instance, tmp_path):
    rows = "a1,Essay number one,y,n,y,n,y\na2,Err:000,y,n,y,n,y\na3,,y,n,y,n,y\n"
    result = run(instance, tmp_path, HEADER + rows)
    assert result.success
    failed = [(e.asset_key.path[-1], e.check_name) for e in result.get_asset_check_evaluations()
              if not e.passed]
    assert failed == [("quarantine", "quality")]


def test_when_integrity_fails_then_downstream_assets_of_the_partition_do_not_run(
    instance, tmp_path: Path
):
    import pyarrow.parquet as pq
    from dagster import AssetKey, asset

    from assets.lake import Lake

    @asset(deps=[AssetKey(["raw", "documents"])], partitions_def=source_partitions)
    def downstream() -> None:
        """Stands in for the parse and privacy stages."""

    rows = "".join(f"a{i},Essay number {i} about my day,y,n,y,n,y\n" for i in range(4))
    assert run(instance, tmp_path, HEADER + rows).success
    lake = Lake.at(str(tmp_path / "wh"))
    [part] = lake.list_parts("raw", "documents", "essays")
    lake.write_part("raw", "documents", "essays", "planted_copy",
                    pq.read_table(part).replace_schema_metadata(None))
    result = materialize(
        [raw_tables, downstream, *RAW_CHECKS], partition_key="essays", instance=instance,
        raise_on_error=False,
        resources={"warehouse": WarehouseResource(warehouse_dir=str(tmp_path / "wh")),
                   "corpora": CorporaResource(corpora_dir=str(tmp_path / "corpora"))},
    )
    failed = [(e.asset_key.path[-1], e.check_name, e.metadata["failed"].value)
              for e in result.get_asset_check_evaluations() if not e.passed]
    assert failed == [("documents", "integrity", 1)]
    assert result.asset_materializations_for_node("downstream") == []


def test_when_definitions_load_then_every_suite_guards_an_existing_asset_with_blocking_integrity():
    from assets.quality import gx
    from assets.quality.checks import CHECKS
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    specs = [spec for check in CHECKS for spec in check.check_specs]
    guarded = {spec.asset_key for spec in specs}
    assert guarded <= set(graph.get_all_asset_keys())
    assert len(guarded) == len(gx.suite_tables())
    for spec in specs:
        assert spec.blocking == (spec.name == "integrity"), spec.key
        node = graph.get(spec.asset_key)
        assert spec.partitions_def == node.partitions_def, spec.key
