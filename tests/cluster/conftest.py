"""A real Dask cluster for the engine tests: one `dask scheduler` and two `dask worker
--nthreads 1` processes (each under its nanny, which restarts a killed worker) on 127.0.0.1,
on free ports, stopped by their own PIDs at the end of the session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dagster_project.cluster import free_port

REPO = Path(__file__).resolve().parents[2]
DASK = str(Path(sys.executable).with_name("dask"))
WORKERS = 2


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen
    workers: list[subprocess.Popen]

    def client(self):
        from distributed import Client

        client = Client(self.address, set_as_default=False, timeout=30)
        client.wait_for_workers(WORKERS, timeout=120)
        return client


def _start(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    with log.open("wb") as out:
        return subprocess.Popen([DASK, *args], cwd=REPO, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process we started (a nanny takes its worker down with it), then SIGKILL
    to its own process group if it does not go within 30 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory) -> Iterator[Cluster]:
    """Scheduler plus two single-threaded workers; yields once all are connected."""
    root = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    started = time.perf_counter()
    scheduler = _start(["scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
                       root / "scheduler.log")
    workers = [
        _start(["worker", address, "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1",
                "--no-dashboard", "--local-directory", str(root / f"w{i}"), "--name", f"w{i}"],
               root / f"worker{i}.log")
        for i in range(WORKERS)
    ]
    cluster = Cluster(address, scheduler, workers)
    try:
        cluster.client().close()
        print(f"dask cluster up in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        yield cluster
    finally:
        for worker in workers:
            _stop(worker)
        _stop(scheduler)
