"""The curate assets materialise on a small curated lake; the leak check passes and blocks."""

from __future__ import annotations

from pathlib import Path

from dagster import Definitions, materialize

from assets.curate import assets as curate
from assets.lake import Lake
from assets.platform.resources import WarehouseResource
from assets.quality import checks as quality
from tests.unit.curate.fixtures import write_corpus

EXPORT = curate.dataset_export.op.name  # exports/dataset_export


def test_when_curate_stage_materialised_then_splits_scores_and_exports_exist(tmp_path: Path):
    lake = Lake.at(str(tmp_path / "wh"))
    write_corpus(lake, "essays", range(80))
    write_corpus(lake, "pandora", range(40))
    result = materialize(
        [*curate.ASSETS, *curate.CHECKS],
        resources={"warehouse": WarehouseResource(warehouse_dir=str(tmp_path / "wh"))},
    )
    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert check.passed and check.metadata["groups_in_two_splits"].value == 0
    exports = result.asset_materializations_for_node(EXPORT)[0].metadata["exports"].value
    assert set(exports) == {"essays", "pandora", "pooled"}
    card = Path(exports["essays"]["path"], "README.md").read_text()
    assert "| `big5_EXT` | accuracy |" in card


def test_when_stage_modules_added_to_definitions_then_they_load():
    defs = Definitions(assets=[*curate.ASSETS], asset_checks=[*curate.CHECKS, *quality.CHECKS],
                       resources={"warehouse": WarehouseResource(warehouse_dir="unused")})
    assert defs.resolve_asset_graph().get_all_asset_keys()


def test_when_export_retention_is_one_then_the_asset_keeps_only_the_current_version(
        tmp_path: Path):
    lake = Lake.at(str(tmp_path / "wh"))
    resources = {"warehouse": WarehouseResource(warehouse_dir=str(tmp_path / "wh"),
                                                export_retain_versions=1)}
    write_corpus(lake, "essays", range(60))
    assert materialize([*curate.ASSETS], resources=resources).success
    write_corpus(lake, "essays", range(60, 70), part="p1")
    result = materialize([*curate.ASSETS], resources=resources)
    exports = result.asset_materializations_for_node(EXPORT)[0].metadata["exports"].value
    essays = exports["essays"]
    assert len(essays["pruned_versions"]) == 1 and essays["pruned_versions"][0] != essays["version"]
    kept = (tmp_path / "wh" / "exports" / "essays").iterdir()
    assert sorted(p.name for p in kept if not p.name.startswith(".")) == sorted(
        ["HISTORY", "LATEST", essays["version"]])
    assert sum(essays["rows"].values()) == 70
