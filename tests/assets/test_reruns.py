"""Reruns that cost nothing: the warehouse-wide assets skip when the content of their inputs is
unchanged, and redo only what a change touched (issue 13, point 5)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from dagster import AssetKey, materialize

from assets.curate import assets as curate
from assets.lake import Lake
from assets.platform.resources import WarehouseResource
from assets.platform.reuse import SKIPPED
from assets.quality.checks import gx_checks
from assets.warehouse import assets as warehouse
from schemas.curated import CURATED_AUTHORS
from tests.unit.curate.fixtures import write_corpus as write_documents_and_labels

SPLITS_CHECK = gx_checks("splits", AssetKey(["curated", "splits"]), zone="curated")
ASSETS = [*curate.ASSETS, *curate.CHECKS, SPLITS_CHECK, *warehouse.ASSETS]
NODES = {"splits": curate.splits.op.name, "baselines": curate.baseline_scores.op.name,
         "export": curate.dataset_export.op.name, "views": warehouse.warehouse_views.op.name}


def write_corpus(lake: Lake, corpus: str, authors: range, texts: dict[int, str] | None = None,
                 part: str = "p0") -> None:
    """Curated documents and labels (the curate fixture) and their authors, whose foreign keys
    the splits suite checks."""
    write_documents_and_labels(lake, corpus, authors, texts, part)
    rows = [{"author_id": f"pseud-{corpus}-{i:05d}", "corpus": corpus, "platform": "essays",
             "n_documents": 1, "source_file": "e.csv"} for i in authors]
    lake.write_part("curated", "authors", corpus, part, pa.Table.from_pylist(rows, CURATED_AUTHORS))


def _run(tmp_path: Path) -> dict[str, dict]:
    resources = {"warehouse": WarehouseResource(warehouse_dir=str(tmp_path / "wh"),
                                                duckdb_dir=str(tmp_path / "db"))}
    result = materialize(ASSETS, resources=resources)
    assert result.success
    meta = {name: {k: v.value for k, v in
                   result.asset_materializations_for_node(node)[0].metadata.items()}
            for name, node in NODES.items()}
    meta["checks"] = {e.check_name: e.metadata["validation"].value
                      for e in result.get_asset_check_evaluations() if "validation" in e.metadata}
    return meta


def _files(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under `root`: sha256 and modification time in ns."""
    return {str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                       p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def _splits(lake: Lake) -> dict[str, str]:
    table = pa.concat_tables(pq.read_table(lake.fs.open(p, "rb")).select(["doc_id", "split"])
                             for p in lake.list_parts("curated", "splits"))
    return dict(zip(table["doc_id"].to_pylist(), table["split"].to_pylist(), strict=True))


def test_when_inputs_unchanged_then_every_warehouse_wide_asset_skips_and_exports_stay(
        tmp_path: Path):
    lake = Lake.at(str(tmp_path / "wh"))
    write_corpus(lake, "essays", range(80))
    write_corpus(lake, "pandora", range(40))
    first = _run(tmp_path)
    assert all(first[n]["reuse"] != SKIPPED for n in NODES)
    assert set(first["checks"].values()) == {"run"}
    exports = _files(tmp_path / "wh" / "exports")
    splits = _files(tmp_path / "wh" / "lake" / "curated" / "splits")

    second = _run(tmp_path)

    assert {n: second[n]["reuse"] for n in NODES} == {n: SKIPPED for n in NODES}
    assert set(second["checks"].values()) == {"reused: same suite, same content"}
    assert second["export"]["exports"] == {
        d: {**v, "unchanged": True} for d, v in second["export"]["exports"].items()}
    assert _files(tmp_path / "wh" / "exports") == exports  # same bytes, not even rewritten
    assert _files(tmp_path / "wh" / "lake" / "curated" / "splits") == splits


def test_when_one_text_changes_then_its_corpus_and_pooled_are_redone_and_the_rest_skips(
        tmp_path: Path):
    lake = Lake.at(str(tmp_path / "wh"))
    write_corpus(lake, "essays", range(80))
    write_corpus(lake, "pandora", range(40))
    _run(tmp_path)
    pandora_splits = _files(tmp_path / "wh" / "lake" / "curated" / "splits" / "corpus=pandora")

    write_corpus(lake, "essays", range(80), texts={3: "a different text altogether, edited"})
    third = _run(tmp_path)

    assert third["splits"]["reuse"] == "built"
    assert third["baselines"]["datasets"] == {"essays": "built", "pandora": SKIPPED,
                                              "pooled": "built"}
    assert third["export"]["datasets"] == {"essays": "built", "pandora": SKIPPED,
                                           "pooled": "built"}
    assert third["views"]["reuse"] == "built"
    assert set(third["checks"].values()) == {"run"}  # the splits table's content changed
    # pandora's splits were redrawn with the same rows: the published file was kept
    assert _files(tmp_path / "wh" / "lake" / "curated" / "splits" / "corpus=pandora") == \
        pandora_splits


def test_when_a_new_file_of_one_corpus_arrives_then_existing_splits_stay_and_only_it_is_redone(
        tmp_path: Path):
    lake = Lake.at(str(tmp_path / "wh"))
    write_corpus(lake, "essays", range(80))
    write_corpus(lake, "pandora", range(40))
    write_corpus(lake, "reddit_pushshift", range(30), part="RC_2019-09")
    _run(tmp_path)
    before = _splits(lake)
    exports = {d: _files(tmp_path / "wh" / "exports" / d) for d in ("essays", "pandora")}

    # one more Pushshift file: new authors, new documents, in a part of its own
    write_corpus(lake, "reddit_pushshift", range(30, 60), part="RC_2019-10")
    after_run = _run(tmp_path)

    after = _splits(lake)
    assert {d: after[d] for d in before} == before and len(after) == len(before) + 30
    touched = {"essays": SKIPPED, "pandora": SKIPPED, "reddit_pushshift": "built",
               "pooled": "built"}
    assert after_run["baselines"]["datasets"] == touched
    assert after_run["export"]["datasets"] == touched
    assert {d: _files(tmp_path / "wh" / "exports" / d) for d in exports} == exports
