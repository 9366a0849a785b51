"""`make cluster-up` / `make cluster-down`: real processes, stopped by PID."""

from __future__ import annotations

import psutil
import s3fs
from distributed import Client

from dagster_project.cluster import BUCKET, Started, down, is_same_process, up


def test_when_the_cluster_is_brought_up_then_it_answers_and_down_stops_exactly_it(tmp_path):
    env = up(tmp_path, workers=2)
    try:
        with Client(env["DASK_SCHEDULER_ADDRESS"], timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
            assert client.submit(sum, [1, 2, 3]).result() == 6
        fs = s3fs.S3FileSystem(key=env["AWS_ACCESS_KEY_ID"], secret=env["AWS_SECRET_ACCESS_KEY"],
                               client_kwargs={"endpoint_url": env["AWS_ENDPOINT_URL"]})
        fs.pipe(f"{BUCKET}/probe.txt", b"ok")
        assert fs.cat(f"{BUCKET}/probe.txt") == b"ok"
        assert env["WAREHOUSE_DIR"].startswith(f"s3://{BUCKET}/")
        assert (tmp_path / "cluster.env").read_text().count("export ") == len(env)
    finally:
        pids = [e["pid"] for e in __import__("json").loads((tmp_path / "cluster.json").read_text())]
        stopped = down(tmp_path)
    assert sorted(stopped) == ["s3", "scheduler", "worker-1", "worker-2"]
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in pids)
    assert not (tmp_path / "cluster.json").exists()


def test_when_a_recorded_pid_runs_another_command_then_it_is_not_ours():
    me = psutil.Process()
    assert is_same_process(Started("x", me.pid, me.cmdline()))
    assert not is_same_process(Started("x", me.pid, ["some", "other", "command"]))
