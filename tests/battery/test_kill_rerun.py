"""`kill -9` at each stage boundary, then a rerun: the warehouse equals a clean run's, byte for
byte in the exports, and nothing a killed run was writing is left behind.

One chain of runs on a small corpus (the generated sample's essays: one partition, since every
run has a fixed cost per partition): each run is
killed as soon as the next stage's first output appears, and the next run resumes from what the
killed one left. A clean run on a second warehouse is the reference."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assets.ingest.sample_corpora import write_sample_corpora
from tests.battery.runs import exists, leftovers, run_env, run_graph, snapshot

# What each kill waits for, in graph order: the run is killed the moment the stage has begun
# writing (its first part file, finished or temporary, or an export staging folder).
BOUNDARIES = [
    ("ingest", "lake/raw/documents/corpus=*/*"),
    ("parse", "lake/raw/parsed_documents/corpus=*/*"),
    ("contours", "lake/curated/contours/corpus=*/*"),
    ("anonymise", "lake/curated/documents/corpus=*/*"),
    ("splits", "lake/curated/splits/corpus=*/*"),
    ("export", "exports/*/.staging-*"),
]
FAMILIES = ("essays",)


@pytest.fixture(scope="module")
def small_corpora(tmp_path_factory) -> Path:
    sample = tmp_path_factory.mktemp("sample")
    write_sample_corpora(str(sample))
    corpora = tmp_path_factory.mktemp("corpora")
    for family in FAMILIES:
        shutil.copytree(sample / family, corpora / family)
    return corpora


@pytest.fixture(scope="module")
def clean_run(small_corpora, tmp_path_factory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("clean")
    outcome = run_graph(run_env(root / "wh", small_corpora, root / "tmp"))
    assert outcome.returncode == 0, outcome.output[-4000:]
    return snapshot(root / "wh")


def test_when_killed_at_each_stage_boundary_then_rerun_equals_clean_run(
    small_corpora, clean_run, tmp_path
):
    warehouse, tmp = tmp_path / "wh", tmp_path / "tmp"
    env = run_env(warehouse, small_corpora, tmp)
    killed_at = []
    for stage, pattern in BOUNDARIES:
        outcome = run_graph(env, kill_when=exists(warehouse, pattern))
        if outcome.killed:
            killed_at.append(stage)
        else:  # the stage's output was already there from an earlier attempt
            assert outcome.returncode == 0, outcome.output[-4000:]
    assert len(killed_at) >= 4, killed_at  # most boundaries are really crossed by a kill
    final = run_graph(env)
    assert final.returncode == 0, final.output[-4000:]
    assert leftovers(warehouse, tmp) == []
    after = snapshot(warehouse)
    assert after["tables"].keys() == clean_run["tables"].keys()
    for table, rows in clean_run["tables"].items():
        assert after["tables"][table] == rows, table
    assert after["exports"] == clean_run["exports"]
