"""Issue 13 point 4: the sample materialised on a real cluster with the lake on S3, a worker
killed with SIGKILL in the middle of the run, and the result equal to a local run.

Processes: a moto S3 server (the session's `moto_server`), and for this module a `dask
scheduler` plus two `dask worker --nthreads 1` (under nannies) started with the AWS variables
in their environment, all on 127.0.0.1 and stopped by their own PIDs. The run is `run_all` in
a child process, as `make run` is, with tiny chunks so every partition is many tasks."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import s3fs

from tests.cluster.conftest import WORKERS, Cluster, _start, _stop, free_port
from tests.s3 import environment

REPO = Path(__file__).resolve().parents[2]
PARTITIONS = ["essays", "twitter_mbti"]
TINY_CHUNKS = {"CHUNK_DOCS": "3", "CHUNK_BYTES": "2000"}


def sample_env(base: Path, warehouse: str, extra: dict[str, str]) -> dict[str, str]:
    return {**os.environ, "WAREHOUSE_DIR": warehouse, "DUCKDB_DIR": str(base / "duckdb"),
            "CORPORA_DIR": "", "SAMPLE_CORPORA_DIR": str(base / "sample_corpora"),
            "DAGSTER_HOME": str(base / ".dagster"), "PSEUDONYM_KEY": "test-key-" + "0" * 32,
            "LABEL_STUDIO_DATA_DIR": str(base / "ls"), "DASK_SCHEDULER_ADDRESS": "",
            "PIPELINE_WORKERS": "0", **extra}


def run_all(env: dict[str, str]) -> subprocess.Popen:
    args = [sys.executable, "-m", "dagster_project.run_all", "--skip-annotation"]
    for partition in PARTITIONS:
        args += ["--partition", partition]
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def hashes(fs, root: str) -> dict[str, str]:
    """sha256 of every file of the curated zone and the exports, by path below the root."""
    out = {}
    for top in ("lake/curated", "exports"):
        for path in sorted(fs.find(f"{root}/{top}")):
            out[path[len(root) + 1:]] = hashlib.sha256(fs.cat_file(path)).hexdigest()
    return out


@pytest.fixture(scope="module")
def local_hashes(tmp_path_factory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("local")
    child = run_all(sample_env(base, str(base / "wh"), {}))
    log = child.communicate(timeout=1500)[0]
    assert child.returncode == 0, log[-3000:]
    import fsspec

    return hashes(fsspec.filesystem("file"), str(base / "wh"))


@pytest.fixture(scope="module")
def s3_cluster(tmp_path_factory, moto_server) -> Iterator[Cluster]:
    """Scheduler and two workers whose environment points s3fs at the moto server."""
    root = tmp_path_factory.mktemp("dask-s3")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    with environment(moto_server.aws_env()):
        scheduler = _start(["scheduler", "--host", "127.0.0.1", "--port", str(port),
                            "--no-dashboard"], root / "scheduler.log")
        workers = [_start(["worker", address, "--nthreads", "1", "--nworkers", "1", "--host",
                           "127.0.0.1", "--no-dashboard", "--local-directory",
                           str(root / f"w{i}"), "--name", f"s3w{i}"], root / f"worker{i}.log")
                   for i in range(WORKERS)]
    cluster = Cluster(address, scheduler, workers)
    try:
        cluster.client().close()
        yield cluster
    finally:
        for worker in workers:
            _stop(worker)
        _stop(scheduler)


def kill_a_busy_worker(cluster: Cluster, child: subprocess.Popen, timeout_s: float = 600):
    """Wait until a worker is running a task of the run, then SIGKILL that worker's process;
    returns its PID (None if no task was ever seen running)."""
    with cluster.client() as client:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and child.poll() is None:
            busy = [w for w, tasks in client.processing().items() if tasks]
            if busy:
                pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                return pid
            time.sleep(0.05)
    return None


def test_when_the_sample_runs_on_a_cluster_with_the_lake_on_s3_and_a_worker_is_killed_then_the_result_equals_a_local_run(  # noqa: E501
        local_hashes, s3_cluster, moto_server, tmp_path):
    bucket = moto_server.create_bucket()
    env = sample_env(tmp_path, f"s3://{bucket}/warehouse",
                     {**moto_server.aws_env(), **TINY_CHUNKS,
                      "DASK_SCHEDULER_ADDRESS": s3_cluster.address})
    child = run_all(env)
    killed: dict[str, int | None] = {}
    watcher = threading.Thread(target=lambda: killed.update(pid=kill_a_busy_worker(
        s3_cluster, child)))
    watcher.start()
    log = child.communicate(timeout=1800)[0]
    watcher.join(timeout=60)
    assert child.returncode == 0, log[-3000:]
    assert killed.get("pid"), "no worker was ever seen running a task of the run"
    with s3_cluster.client() as client:  # the nanny replaced the killed worker
        client.wait_for_workers(WORKERS, timeout=120)
        assert killed["pid"] not in client.run(os.getpid).values()
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": moto_server.endpoint},
                           key=moto_server.aws_env()["AWS_ACCESS_KEY_ID"],
                           secret=moto_server.aws_env()["AWS_SECRET_ACCESS_KEY"])
    on_s3 = hashes(fs, f"{bucket}/warehouse")
    assert any(k.startswith("lake/curated/documents/") for k in on_s3)
    assert any(k.startswith("exports/") for k in on_s3)
    # Same files with the same bytes: same rows, no duplicate, nothing lost to the killed worker.
    assert on_s3 == local_hashes
