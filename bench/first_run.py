"""Where a first `make run` spends its time: per run and per step, from Dagster's event log.

    python -m bench.first_run [--run] [--skip-annotation] [--warehouse DIR]

`--digests FILE` writes a digest of every curated table and export file (compare two runs).
`--run` first runs `dagster_project.run_all` on a fresh warehouse (`--warehouse`, default
/tmp/first-run-wh, emptied first; `DAGSTER_HOME` inside it) and times it; without it, the
runs already recorded under `<warehouse>/.dagster` are read. Then it prints:

- every run (job, partition, steps selected): wall time from RUN_START to RUN_SUCCESS, the time
  its steps took, and the gap before it (what the driver did between runs: building the job,
  launching it, starting Label Studio);
- every step summed over runs: count, total and mean seconds, so a cost paid per partition shows
  as a large total with a small mean each time;
- the share of the whole run covered by steps, and by the gaps.

The two cores of this machine are shared; wall time moves between runs, so compare the totals of
runs taken close together.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_WAREHOUSE = "/tmp/first-run-wh"


@dataclass
class RunTiming:
    """One Dagster run: its steps' durations (seconds) and its start and end (epoch seconds)."""

    job: str
    partition: str
    start: float
    end: float
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def wall(self) -> float:
        return self.end - self.start


def run_pipeline(warehouse: Path, skip_annotation: bool) -> float:
    """Run `make run`'s entry point on an empty warehouse; returns its wall seconds."""
    if warehouse.exists():
        shutil.rmtree(warehouse)
    warehouse.mkdir(parents=True)
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse),
           "DAGSTER_HOME": str(warehouse / ".dagster")}
    cmd = [sys.executable, "-m", "dagster_project.run_all"]
    if skip_annotation:
        cmd.append("--skip-annotation")
    started = time.monotonic()
    subprocess.run(cmd, env=env, check=False)
    return time.monotonic() - started


def read_runs(dagster_home: Path) -> list[RunTiming]:
    """Every run in this Dagster home, oldest first, with its steps' durations."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    from dagster import DagsterEventType, DagsterInstance

    instance = DagsterInstance.get()
    kinds = {DagsterEventType.RUN_START, DagsterEventType.RUN_SUCCESS,
             DagsterEventType.RUN_FAILURE, DagsterEventType.STEP_START,
             DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
    timings = []
    for run in reversed(instance.get_runs()):
        events = instance.all_logs(run.run_id, of_type=kinds)
        if not events:
            continue
        started: dict[str, float] = {}
        timing = RunTiming(run.job_name, run.tags.get("dagster/partition", ""),
                           events[0].timestamp, events[-1].timestamp)
        for entry in events:
            event = entry.dagster_event
            if event.event_type == DagsterEventType.STEP_START:
                started[event.step_key] = entry.timestamp
            elif event.step_key in started:
                timing.steps[event.step_key] = entry.timestamp - started[event.step_key]
        timings.append(timing)
    return timings


def print_report(runs: list[RunTiming], total: float | None) -> None:
    if not runs:
        print("no runs recorded")
        return
    first = runs[0].start
    print(f"{'job':<15} {'partition':<32} {'steps':>5} {'wall s':>8} {'in steps':>9} "
          f"{'gap before':>11}")
    previous_end = first
    gaps = 0.0
    for run in runs:
        gap = run.start - previous_end
        gaps += gap
        previous_end = run.end
        print(f"{run.job:<15} {run.partition[:32]:<32} {len(run.steps):>5} {run.wall:>8.1f} "
              f"{sum(run.steps.values()):>9.1f} {gap:>11.1f}")
    per_step: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        for step, seconds in run.steps.items():
            per_step[step].append(seconds)
    print(f"\n{'step':<48} {'n':>4} {'total s':>8} {'mean s':>7} {'max s':>6}")
    for step, values in sorted(per_step.items(), key=lambda kv: -sum(kv[1])):
        print(f"{step[:48]:<48} {len(values):>4} {sum(values):>8.1f} "
              f"{sum(values) / len(values):>7.2f} {max(values):>6.1f}")
    span = runs[-1].end - first
    in_runs = sum(r.wall for r in runs)
    in_steps = sum(sum(r.steps.values()) for r in runs)
    print(f"\nfirst run start to last run end: {span:.1f} s; inside runs {in_runs:.1f} s "
          f"(steps {in_steps:.1f} s, run overhead {in_runs - in_steps:.1f} s); "
          f"between runs {gaps:.1f} s")
    if total is not None:
        print(f"whole command: {total:.1f} s (before the first run: set-up, definitions, "
              f"sample corpora; after the last: summary)")


def output_digests(warehouse: Path) -> dict[str, str]:
    """A digest per curated table (its rows, in a fixed order: part file names and row order
    may differ between two equal runs) and per export file (bytes: exports are reproducible).
    Two runs that produced the same outputs print the same digests."""
    import duckdb

    digests = {}
    curated = warehouse / "lake" / "curated"
    con = duckdb.connect()
    for table in sorted(p.name for p in curated.iterdir() if p.is_dir()):
        parts = sorted(str(p) for p in (curated / table).rglob("*.parquet"))
        if not parts:
            continue
        rows = con.execute(f"SELECT * FROM read_parquet({parts!r}) ORDER BY ALL").fetchall()
        digests[f"curated/{table}"] = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
    con.close()
    exports = warehouse / "exports"
    for path in sorted(exports.rglob("*")) if exports.exists() else []:
        if path.is_file():
            digests[str(path.relative_to(warehouse))] = hashlib.sha256(
                path.read_bytes()).hexdigest()[:16]
    return digests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="store_true", help="run the pipeline first (fresh)")
    parser.add_argument("--skip-annotation", action="store_true")
    parser.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    parser.add_argument("--digests", help="also write the outputs' digests to this JSON file")
    args = parser.parse_args(argv)
    warehouse = Path(args.warehouse).resolve()
    total = run_pipeline(warehouse, args.skip_annotation) if args.run else None
    if args.digests:
        Path(args.digests).write_text(json.dumps(output_digests(warehouse), indent=1))
    print_report(read_runs(warehouse / ".dagster"), total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
