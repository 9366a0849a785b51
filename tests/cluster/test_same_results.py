"""Results do not depend on where the work ran: the sample's curated tables and exports are
byte-for-byte the same with one local worker, with two cluster workers, and with two chunk
sizes (a few sample partitions, `make run`'s path without Label Studio)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PARTITIONS = ["essays", "twitter_mbti"]


def run_sample(base: Path, engine: dict[str, str]) -> Path:
    """`run_all` on a few sample partitions in a fresh warehouse; returns the warehouse."""
    wh = base / "wh"
    env = {**os.environ, "WAREHOUSE_DIR": str(wh), "CORPORA_DIR": "",
           "SAMPLE_CORPORA_DIR": str(base / "sample_corpora"),
           "DAGSTER_HOME": str(base / ".dagster"), "PSEUDONYM_KEY": "test-key-" + "0" * 32,
           "DASK_SCHEDULER_ADDRESS": "", "PIPELINE_WORKERS": "", "CHUNK_BYTES": "1000000",
           "CHUNK_DOCS": "5000", **engine}
    args = [sys.executable, "-m", "dagster_project.run_all", "--skip-annotation"]
    for partition in PARTITIONS:
        args += ["--partition", partition]
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return wh


def file_hashes(wh: Path) -> dict[str, str]:
    """sha256 of every file of the curated zone and the exports, by relative path."""
    roots = [wh / "lake" / "curated", wh / "exports"]
    return {str(p.relative_to(wh)): hashlib.sha256(p.read_bytes()).hexdigest()
            for root in roots for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory) -> dict[str, str]:
    return file_hashes(run_sample(tmp_path_factory.mktemp("one"), {"PIPELINE_WORKERS": "1"}))


def test_when_two_workers_run_the_sample_then_curated_and_exports_are_byte_equal(
        one_worker, dask_cluster, tmp_path):
    two = file_hashes(run_sample(tmp_path, {"DASK_SCHEDULER_ADDRESS": dask_cluster.address}))
    assert any(k.startswith("exports/") for k in one_worker)
    assert any("/contours/" in k for k in one_worker)
    assert two == one_worker


def test_when_chunks_are_small_then_curated_and_exports_are_byte_equal(
        one_worker, dask_cluster, tmp_path):
    small = file_hashes(run_sample(tmp_path, {"DASK_SCHEDULER_ADDRESS": dask_cluster.address,
                                              "CHUNK_DOCS": "3", "CHUNK_BYTES": "2000"}))
    assert small == one_worker
