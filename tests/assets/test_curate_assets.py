"""The curate assets materialise on a small curated lake; the leak check passes and blocks."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from dagster import Definitions, materialize

from assets.curate import assets as curate
from assets.curate.splits import read_splits
from assets.lake import Lake
from assets.platform.resources import WarehouseResource
from assets.quality import checks as quality
from schemas.splits import SPLITS
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
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert set(checks) == {"splits_leak_free", "duplicates_share_a_split"}
    assert all(c.passed for c in checks.values())
    assert checks["splits_leak_free"].metadata["groups_in_two_splits"].value == 0
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


def test_when_a_duplicate_group_straddles_splits_then_the_check_fails_with_the_count(
        tmp_path: Path):
    """A stale or hand-edited splits table: two copies of one text in train and test."""
    lake = Lake.at(str(tmp_path / "wh"))
    text = ("Copypasta that two accounts posted, word for word, into two different threads "
            "about personality types.")
    write_corpus(lake, "essays", range(40), texts={1: text, 2: text.upper()})
    resources = {"warehouse": WarehouseResource(warehouse_dir=str(tmp_path / "wh"))}
    assert materialize([curate.duplicates, curate.splits], resources=resources).success
    table = read_splits(lake)
    splits = table.column("split").to_pylist()
    docs = table.column("doc_id").to_pylist()
    splits[docs.index("essays-d00001")], splits[docs.index("essays-d00002")] = "train", "test"
    [path] = lake.list_parts("curated", "splits")
    lake.write_part("curated", "splits", "essays", "splits",
                    table.set_column(table.schema.get_field_index("split"), "split",
                                     pa.array(splits, pa.string())).cast(SPLITS))
    assert lake.list_parts("curated", "splits") == [path]
    check = curate.duplicates_share_a_split(warehouse=resources["warehouse"])
    assert not check.passed
    assert check.metadata["duplicate_groups_in_two_splits"].value == 1
    assert check.metadata["documents_in_them"].value == 2
