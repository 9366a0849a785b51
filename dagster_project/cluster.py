"""`make cluster-up` / `make cluster-down`: a Dask cluster and an S3 server here, by hand.

    python -m dagster_project.cluster up [--workers 2] [--state DIR]
    python -m dagster_project.cluster down [--state DIR]

`up` starts, each as its own detached process on 127.0.0.1: a Dask scheduler, `--workers`
`dask worker --nthreads 1` processes (each with a nanny, so a killed worker comes back), and a
moto S3 server with a bucket. It records every process (PID and command line) in
`<state>/cluster.json` and prints the variables that point the platform at them
(`DASK_SCHEDULER_ADDRESS`, `WAREHOUSE_DIR=s3://...`, the `AWS_*` settings); `down` stops exactly
those processes by PID (a PID whose command line no longer matches is left alone: it was
reused). This is the same shape as a real deployment, so `make run` against it exercises the
remote-scheduler and object-store paths; the tests start their own cluster in fixtures.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

DEFAULT_STATE = Path("warehouse/.cluster")
BUCKET = "personality-warehouse"
# moto accepts any credentials; these only keep botocore from looking for real ones.
LOCAL_S3_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass(frozen=True)
class Started:
    role: str
    pid: int
    cmdline: list[str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout_s: float = 30.0) -> None:
    """Block until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout_s:.0f} s")


def spawn(role: str, cmd: list[str], log: Path) -> Started:
    """A detached process (its own session, so Ctrl-C in this shell does not reach it)."""
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    return Started(role, proc.pid, cmd)


def bin_path(name: str) -> str:
    """A console script of this environment (next to the running Python)."""
    return str(Path(sys.executable).with_name(name))


def start_scheduler(state: Path) -> tuple[Started, str]:
    port = free_port()
    started = spawn("scheduler", [bin_path("dask"), "scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--no-dashboard"],
                    state / "scheduler.log")
    wait_for_port(port)
    return started, f"tcp://127.0.0.1:{port}"


def start_worker(state: Path, address: str, number: int) -> Started:
    return spawn(f"worker-{number}", [bin_path("dask"), "worker", address, "--nthreads", "1",
                                      "--host", "127.0.0.1", "--no-dashboard"],
                 state / f"worker-{number}.log")


def start_s3(state: Path) -> tuple[Started, str]:
    port = free_port()
    started = spawn("s3", [bin_path("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                    state / "s3.log")
    wait_for_port(port)
    return started, f"http://127.0.0.1:{port}"


def create_bucket(endpoint: str, bucket: str) -> None:
    import s3fs

    fs = s3fs.S3FileSystem(key=LOCAL_S3_ENV["AWS_ACCESS_KEY_ID"],
                           secret=LOCAL_S3_ENV["AWS_SECRET_ACCESS_KEY"],
                           client_kwargs={"endpoint_url": endpoint})
    fs.mkdir(bucket)


def up(state: Path, workers: int) -> dict[str, str]:
    state.mkdir(parents=True, exist_ok=True)
    if (state / "cluster.json").exists():
        raise SystemExit(f"{state / 'cluster.json'} exists: run `make cluster-down` first")
    scheduler, address = start_scheduler(state)
    started = [scheduler] + [start_worker(state, address, n) for n in range(1, workers + 1)]
    s3, endpoint = start_s3(state)
    started.append(s3)
    (state / "cluster.json").write_text(json.dumps([asdict(s) for s in started], indent=2))
    create_bucket(endpoint, BUCKET)
    env = {"DASK_SCHEDULER_ADDRESS": address, "WAREHOUSE_DIR": f"s3://{BUCKET}/warehouse",
           "DUCKDB_DIR": str(state.resolve() / "duckdb"), "AWS_ENDPOINT_URL": endpoint,
           **LOCAL_S3_ENV}
    (state / "cluster.env").write_text("".join(f"export {k}={v}\n" for k, v in env.items()))
    return env


def is_same_process(entry: Started) -> bool:
    """The PID still runs the command we started (PIDs are reused after a process exits). A
    console script shows up with its interpreter first, so the recorded command is a suffix."""
    try:
        actual = psutil.Process(entry.pid).cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return len(actual) >= len(entry.cmdline) > 0 and actual[-len(entry.cmdline):] == entry.cmdline


def stop(entry: Started, timeout_s: float = 10.0) -> bool:
    """SIGTERM the process (and its children: a worker's nanny has one), then SIGKILL."""
    if not is_same_process(entry):
        return False
    proc = psutil.Process(entry.pid)
    family = [proc, *proc.children(recursive=True)]
    for member in family:
        try:
            member.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(family, timeout=timeout_s)
    for member in alive:
        member.kill()
    return True


def down(state: Path) -> list[str]:
    record = state / "cluster.json"
    if not record.exists():
        return []
    entries = [Started(**e) for e in json.loads(record.read_text())]
    stopped = [e.role for e in reversed(entries) if stop(e)]
    record.unlink()
    (state / "cluster.env").unlink(missing_ok=True)
    return stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local Dask cluster and S3 server.")
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE)
    args = parser.parse_args(argv)
    if args.action == "up":
        env = up(args.state, args.workers)
        print(f"# cluster up ({args.workers} workers); point the platform at it with:")
        print(f"#   source {args.state / 'cluster.env'}")
        for key, value in env.items():
            shown = "(local dummy)" if key.startswith("AWS_S") else value
            print(f"#   {key}={shown}")
    else:
        stopped = down(args.state)
        print(f"# stopped: {', '.join(stopped) or 'nothing was running'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
