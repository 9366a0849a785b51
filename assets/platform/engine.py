"""The engine that runs a partition's chunk tasks: Dask distributed, or the calling process.

A stage splits a partition into chunk tasks (small picklable values) and maps a pure function
over them; the executor hands back the results in task order, whoever ran them. Where they run:

- `DASK_SCHEDULER_ADDRESS` set (Dask's own setting): on that cluster, through a `Client`.
- otherwise, `PIPELINE_WORKERS` > 0 (or unset: every core): on one local cluster of that many
  single-threaded worker processes, started once per driver process, when a plan first has
  more than one task, and closed at exit. A plan of one task (a small partition) runs in the
  driver: a cluster cannot split it, and starting one costs 5-10 s plus a model load per worker.
- `PIPELINE_WORKERS=0`: in the calling process (tests, debugging, a profiler).

A task whose worker dies is retried on another (`retries`); tasks write their output under
names fixed by the task, so a retry overwrites what the lost attempt may have left.

Heavy objects a task needs (the spaCy pipeline, the Presidio engine) are built once per worker
process by `load_once`, and counted, so a test can assert they are not built per task or step.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

RETRIES = 2  # a task is tried at most 1 + RETRIES times when workers are lost under it


class ChunkExecutor(Protocol):
    """Runs `fn` over tasks; results come back in the order of `tasks`."""

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]: ...


class InProcessExecutor:
    """Runs every task here, one after another: no cluster, no pickling, easy to debug."""

    workers = 0

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        return [fn(task) for task in tasks]


class DaskExecutor:
    """Runs tasks on a Dask cluster; a task lost with its worker is retried elsewhere."""

    def __init__(self, client: Any, retries: int = RETRIES) -> None:
        self.client = client
        self.retries = retries

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1).get("workers", {}))

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        if not tasks:
            return []
        # pure=False: two equal tasks are still two runs (each writes its own files).
        futures = self.client.map(fn, list(tasks), pure=False, retries=self.retries)
        try:
            return self.client.gather(futures)
        finally:
            for future in futures:
                future.release()


class LocalClusterExecutor:
    """Runs a plan of several tasks on the process's local cluster (started on first need) and
    a plan of one task here. Results are the same either way: a task's output depends only on
    the task, never on where it runs."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        if len(tasks) <= 1:
            return InProcessExecutor().map(fn, tasks)
        return self.cluster().map(fn, tasks)

    def cluster(self) -> DaskExecutor:
        with _lock:
            return DaskExecutor(_client("", self.workers))


_lock = threading.Lock()
_clusters: dict[int, Any] = {}  # workers -> LocalCluster, one per driver process
_clients: dict[tuple[str, int], Any] = {}


def _local_cluster(workers: int) -> Any:
    """The process's local cluster of `workers` single-threaded worker processes."""
    from distributed import LocalCluster

    if workers not in _clusters:
        started = time.perf_counter()
        _clusters[workers] = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=logging.WARNING,
        )
        log.info("local Dask cluster of %d workers started in %.1f s", workers,
                 time.perf_counter() - started)
    return _clusters[workers]


def _client(address: str, workers: int) -> Any:
    from distributed import Client

    key = (address, workers)
    if key not in _clients:
        target = address or _local_cluster(workers)
        _clients[key] = Client(target, set_as_default=False)
    return _clients[key]


def default_workers() -> int:
    """Every core of this machine."""
    return os.cpu_count() or 1


def executor_for(scheduler_address: str = "", workers: int | None = None) -> ChunkExecutor:
    """The executor for these settings: the named cluster, a local one, or this process.

    `workers` None means every core; 0 means no cluster (unless a scheduler is named)."""
    if scheduler_address:
        with _lock:
            return DaskExecutor(_client(scheduler_address, 0))
    if workers == 0:
        return InProcessExecutor()
    return LocalClusterExecutor(default_workers() if workers is None else workers)


@atexit.register
def close_clusters() -> None:
    """Close the clients and local clusters this process started (also run at exit)."""
    with _lock:
        for client in _clients.values():
            client.close()
        for cluster in _clusters.values():
            cluster.close()
        _clients.clear()
        _clusters.clear()


_load_lock = threading.RLock()
_loaded: dict[tuple[str, Hashable], Any] = {}
_load_counts: Counter[str] = Counter()


def load_once(name: str, factory: Callable[[], T], key: Hashable = None) -> T:
    """`factory()`, built once per process for (name, key) and kept; counted under `name`.

    A later `key` for the same name replaces the earlier object (one Presidio engine at a time,
    for the latest name list), so memory holds one of each kind."""
    with _load_lock:
        slot = (name, key)
        if slot not in _loaded:
            for old in [s for s in _loaded if s[0] == name]:
                del _loaded[old]
            _loaded[slot] = factory()
            _load_counts[name] += 1
        return _loaded[slot]


def load_counts() -> dict[str, int]:
    """How many times this process built each kind of heavy object."""
    return dict(_load_counts)


def spacy_pipeline(model_name: str) -> Any:  # -> spacy.Language; spaCy imported when needed
    """The spaCy pipeline `model_name`, loaded once per process (driver or worker)."""

    def load() -> Any:
        import spacy

        return spacy.load(model_name)

    return load_once("spacy", load, key=model_name)


def process_id() -> int:
    """The process a task runs in (tests ask workers which process they are)."""
    return os.getpid()
