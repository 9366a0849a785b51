"""A real S3 server for tests: moto's `moto_server` on 127.0.0.1, as a subprocess.

`MotoServer.start()` launches it on a free port and waits until it answers; `stop()` ends it by
its own PID (never by name). `aws_env` holds the standard AWS variables that point s3fs and
botocore at it, with dummy credentials: the platform reads nothing else.

The fixtures in `tests/conftest.py` use this; a test that needs a lake on S3 asks for
`s3_lake_url` (a fresh bucket, the variables set for that test only)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.cluster import free_port

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
START_TIMEOUT = 30.0  # seconds; it answers after about 3 s here


@dataclass
class MotoServer:
    """One moto S3 server process on loopback."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def aws_env(self) -> dict[str, str]:
        """The standard variables s3fs/botocore read: dummy credentials, this endpoint."""
        return {
            "AWS_ACCESS_KEY_ID": "testing-key-id",
            "AWS_SECRET_ACCESS_KEY": "testing-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    def start(self, log: Path) -> MotoServer:
        handle = log.open("ab")
        self.process = subprocess.Popen(
            [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        handle.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited ({self.process.returncode}); see {log}")
            if self._answers():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"moto_server did not answer on {self.endpoint} in {START_TIMEOUT} s")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1):  # noqa: S310
                return True
        except urllib.error.HTTPError:
            return True  # it answered, if not with 200
        except OSError:
            return False

    def stop(self) -> None:
        """End the server by its PID: SIGTERM, then SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def create_bucket(self, name: str | None = None) -> str:
        """A new empty bucket (a fresh name unless given); returns its name."""
        import boto3

        name = name or f"pw-test-{uuid.uuid4().hex[:12]}"
        env = self.aws_env()
        client = boto3.client(
            "s3", endpoint_url=self.endpoint, region_name=env["AWS_DEFAULT_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        client.create_bucket(Bucket=name)
        return name


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for a block and restore the previous values after it (for
    module-scoped fixtures, where `monkeypatch` is not available)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
