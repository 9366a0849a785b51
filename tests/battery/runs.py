"""Whole-graph runs as subprocesses, and what a run leaves on disk, for the battery tests.

A run is `make run`'s entry point without the Label Studio loop (`python -m
dagster_project.run_all --skip-annotation`: every partition, then the warehouse job) in its own
session, so SIGKILL reaches every process it started. A snapshot is every
lake table's rows, sorted, plus the sha256 of every export file: two warehouses with equal
snapshots hold the same data, whatever order or attempts produced them."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
PSEUDONYM_KEY = "battery-key-" + "0" * 32
# Names a killed run can leave behind: part files being written, export staging folders,
# the ingest runner's staging folders in the temporary directory.
LEFTOVER_PATTERNS = ("*.parquet.tmp", ".staging-*", "pw-*")


@dataclass
class RunOutcome:
    returncode: int
    killed: bool
    output: str


def run_env(warehouse: Path, corpora: Path, tmp: Path) -> dict[str, str]:
    """A run's settings: everything under `warehouse`, temporary files under `tmp`."""
    tmp.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "WAREHOUSE_DIR": str(warehouse),
        "CORPORA_DIR": str(corpora),
        "DAGSTER_HOME": str(warehouse / ".dagster"),
        "PSEUDONYM_KEY": PSEUDONYM_KEY,
        "TMPDIR": str(tmp),
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("USING_SAMPLE_CORPORA", None)
    return env


def run_graph(
    env: dict[str, str],
    kill_when: Callable[[], bool] | None = None,
    timeout: float = 900,
) -> RunOutcome:
    """Run the graph; with `kill_when`, SIGKILL the whole process group as soon as it is true."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster_project.run_all", "--skip-annotation"], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    killed = False
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None:
            if kill_when is not None and kill_when():
                os.killpg(process.pid, signal.SIGKILL)
                killed = True
                break
            if time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                raise TimeoutError(f"run did not finish in {timeout} s")
            time.sleep(0.02)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return RunOutcome(process.returncode, killed, output)


def snapshot(warehouse: Path) -> dict[str, object]:
    """Every lake table's rows (sorted, as text) and every export file's sha256."""
    tables: dict[str, list[str]] = {}
    lake = warehouse / "lake"
    for part in sorted(lake.rglob("*.parquet")):
        table = str(part.relative_to(lake).parent.parent)
        rows = pq.read_table(part).to_pylist()
        tables.setdefault(table, []).extend(repr(sorted(r.items())) for r in rows)
    exports = {
        str(path.relative_to(warehouse)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((warehouse / "exports").rglob("*"))
        if path.is_file()
    }
    return {"tables": {t: sorted(rows) for t, rows in tables.items()}, "exports": exports}


def leftovers(*roots: Path) -> list[str]:
    """Files or folders a killed run left behind under any of `roots`."""
    found: set[str] = set()
    for root in roots:
        for pattern in LEFTOVER_PATTERNS:
            found.update(str(p) for p in root.rglob(pattern))
    return sorted(found)


def exists(root: Path, pattern: str) -> Callable[[], bool]:
    """A kill condition: some path matching `pattern` exists under `root`."""
    return lambda: any(True for _ in root.glob(pattern))
