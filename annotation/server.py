"""The local Label Studio server: start, wait until healthy, stop (install: `annotation.install`).

Label Studio pins its own Django stack, which clashes with the pipeline's, so it lives in its own
virtual environment (`.venv-labelstudio`, created here, never committed) and runs as a separate
process. The server is bound to loopback, public sign-up is closed, and the admin account and its
API token come from the environment before the first start (Label Studio only applies
`LABEL_STUDIO_USER_TOKEN` when it creates the admin user). Secrets go to the child through its
environment, never its command line (visible in `ps`) and never a log line.

    python -m annotation.server start|stop|status|ensure|install

Environment: `LABEL_STUDIO_URL` (default http://127.0.0.1:8080; must be loopback to start),
`LABEL_STUDIO_USERNAME`, `LABEL_STUDIO_PASSWORD`, `LABEL_STUDIO_API_KEY` (the admin's token),
`LABEL_STUDIO_DATA_DIR` (default `$WAREHOUSE_DIR/labelstudio`, `WAREHOUSE_DIR` default
`warehouse`).
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from annotation.credentials import load_local_credentials
from annotation.install import (
    DATABASE_FILE,
    DEFAULT_VENV,
    LABEL_STUDIO_VERSION,
    ServerError,
    install,
    installed_version,
    template_database,
)
from assets.permissions import restrict_tree

DEFAULT_URL = "http://127.0.0.1:8080"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
PID_FILE = "server.json"
LOG_FILE = "server.log"


def default_data_dir(env: dict[str, str]) -> str:
    """`<WAREHOUSE_DIR>/labelstudio`; for a warehouse on an object store (Label Studio keeps a
    local SQLite database and files) `<DUCKDB_DIR>/labelstudio`, the local folder that already
    holds the DuckDB databases. Joined as text: `Path` would fold `s3://` into `s3:/`."""
    warehouse = env.get("WAREHOUSE_DIR") or "warehouse"
    if "://" in warehouse and env.get("DUCKDB_DIR"):
        warehouse = env["DUCKDB_DIR"]
    return posixpath.join(warehouse, "labelstudio")


@dataclass(frozen=True)
class ServerSettings:
    """Where and as whom the server runs. Secrets are excluded from `repr`."""

    url: str
    data_dir: Path
    username: str
    password: str = field(repr=False)
    token: str = field(repr=False)
    venv: Path = DEFAULT_VENV

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ServerSettings:
        env = dict(os.environ if env is None else env)
        missing = [
            name
            for name in ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_API_KEY")
            if not env.get(name)
        ]
        if missing:
            raise ServerError(f"set {', '.join(missing)} in the environment (or .env)")
        data_dir = env.get("LABEL_STUDIO_DATA_DIR") or default_data_dir(env)
        if "://" in data_dir:
            raise ServerError(
                f"Label Studio needs a local data dir, not {data_dir!r}: set LABEL_STUDIO_DATA_DIR"
            )
        return cls(
            url=(env.get("LABEL_STUDIO_URL") or DEFAULT_URL).rstrip("/"),
            data_dir=Path(data_dir).resolve(),
            username=env["LABEL_STUDIO_USERNAME"],
            password=env["LABEL_STUDIO_PASSWORD"],
            token=env["LABEL_STUDIO_API_KEY"],
            venv=Path(env.get("LABEL_STUDIO_VENV") or DEFAULT_VENV),
        )

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 8080

    @property
    def executable(self) -> Path:
        return self.venv / "bin" / "label-studio"

    def child_env(self) -> dict[str, str]:
        """The server's environment: inherited, plus admin, token, data dir and lock-down."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
        env.update(
            LABEL_STUDIO_BASE_DATA_DIR=str(self.data_dir),
            LABEL_STUDIO_USERNAME=self.username,
            LABEL_STUDIO_PASSWORD=self.password,
            LABEL_STUDIO_USER_TOKEN=self.token,
            LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
            # Nobody joins without an invite link from the admin.
            LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
            # Tasks carry their text inline; the server never serves files from this machine.
            LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED="false",
            DJANGO_DB="sqlite",
            PYTHONUNBUFFERED="1",
        )
        return env


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS reports free now (for tests; a race is possible but harmless here)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _get(url: str, token: str | None = None, timeout: float = 3.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def is_healthy(url: str, timeout: float = 3.0) -> bool:
    """True when the server answers its health endpoint."""
    try:
        status, body = _get(f"{url}/health", timeout=timeout)
    except (OSError, urllib.error.URLError):
        return False
    return status == 200 and b"UP" in body


def token_works(settings: ServerSettings) -> bool:
    """True when the admin token from the environment is accepted by the server."""
    try:
        status, _ = _get(f"{settings.url}/api/current-user/whoami", settings.token)
    except (OSError, urllib.error.URLError):
        return False
    return status == 200


def _pid_record(settings: ServerSettings) -> dict[str, object] | None:
    path = settings.data_dir / PID_FILE
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_our_server(pid: int) -> bool:
    """Guards against signalling an unrelated process that reused a stale pid."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return _alive(pid)
    return b"label-studio" in cmdline or b"label_studio" in cmdline


def _log_tail(settings: ServerSettings, lines: int = 30) -> str:
    path = settings.data_dir / LOG_FILE
    if not path.exists():
        return ""
    text = "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    for secret in (settings.token, settings.password):
        text = text.replace(secret, "***")
    return text


def wait_until_healthy(
    settings: ServerSettings, timeout: float = 240.0, pid: int | None = None
) -> float:
    """Poll until the server is healthy and accepts the admin token; returns seconds waited.

    Fails early with the log's tail when the process we started has died."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if is_healthy(settings.url):
            if token_works(settings):
                return time.monotonic() - started
            if time.monotonic() - started > 20:
                raise ServerError(
                    f"Label Studio at {settings.url} is up but rejects LABEL_STUDIO_API_KEY; the "
                    f"data dir {settings.data_dir} was created with another token (the token "
                    "only applies when the admin is first created)"
                )
        if pid is not None and not _alive(pid):
            raise ServerError(f"Label Studio exited during start-up:\n{_log_tail(settings)}")
        time.sleep(1.0)
    raise ServerError(
        f"Label Studio at {settings.url} not healthy after {timeout:.0f}s:\n{_log_tail(settings)}"
    )


def start(settings: ServerSettings, timeout: float = 240.0) -> int:
    """Start the server in the background (its own process group) and wait until healthy.

    Returns its pid. Already running and healthy → returns the recorded pid (idempotent)."""
    if settings.host not in LOOPBACK_HOSTS:
        raise ServerError(f"refusing to start on {settings.host!r}: the server is loopback-only")
    record = _pid_record(settings)
    if is_healthy(settings.url):
        if record and _alive(int(record["pid"])):  # type: ignore[arg-type]
            wait_until_healthy(settings, timeout=30)
            return int(record["pid"])  # type: ignore[arg-type]
        raise ServerError(f"another server already answers at {settings.url}")
    if not port_is_free(settings.host, settings.port):
        # label-studio would silently move to another port; refuse instead.
        raise ServerError(f"port {settings.port} on {settings.host} is taken")
    if not settings.executable.exists():
        raise ServerError(
            f"{settings.executable} missing: run `python -m annotation.server install` first"
        )
    secure_data_dir(settings)
    database = settings.data_dir / DATABASE_FILE
    template = template_database(settings.venv)
    if not database.exists() and template.exists():
        shutil.copyfile(template, database)
        database.chmod(0o600)
    log = open(settings.data_dir / LOG_FILE, "ab")  # noqa: SIM115 - handed to the child
    (settings.data_dir / LOG_FILE).chmod(0o600)
    cmd = [
        str(settings.executable), "start", "--no-browser", "--enable-legacy-api-token",
        "--internal-host", settings.host, "--port", str(settings.port),
        "--data-dir", str(settings.data_dir), "--log-level", "WARNING",
    ]
    # umask 077: whatever the server creates (database, journals, uploads, exports) is the
    # owner's alone.
    process = subprocess.Popen(
        cmd, env=settings.child_env(), stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True, cwd=settings.data_dir, umask=0o077,
    )
    log.close()
    pid_file = settings.data_dir / PID_FILE
    pid_file.write_text(json.dumps({"pid": process.pid, "url": settings.url}))
    pid_file.chmod(0o600)
    try:
        wait_until_healthy(settings, timeout=timeout, pid=process.pid)
    except ServerError:
        stop(settings)
        raise
    secure_data_dir(settings)
    return process.pid


def secure_data_dir(settings: ServerSettings) -> int:
    """Create the data folder if needed and make it and everything in it owner-only (0700
    folders, 0600 files): the SQLite database holds the admin's API token in plain text.
    Run on every start and ensure, so permissions loosened since are repaired. Returns how many
    paths had to change."""
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return restrict_tree(settings.data_dir)


def stop(settings: ServerSettings, timeout: float = 20.0) -> bool:
    """Stop the server this module started (by its recorded pid and process group).

    Returns False when there was nothing to stop."""
    record = _pid_record(settings)
    if not record:
        return False
    pid = int(record["pid"])  # type: ignore[arg-type]
    (settings.data_dir / PID_FILE).unlink(missing_ok=True)
    if not _alive(pid) or not _is_our_server(pid):
        return False
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                reaped, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                reaped = pid if not _alive(pid) else 0
            if reaped == pid:
                return True
            time.sleep(0.2)
    raise ServerError(f"Label Studio (pid {pid}) did not stop")


def status(settings: ServerSettings) -> dict[str, object]:
    """What is known about the server, without secrets."""
    record = _pid_record(settings) or {}
    pid = record.get("pid")
    return {
        "url": settings.url,
        "data_dir": str(settings.data_dir),
        "installed": installed_version(settings.venv),
        "pid": pid if pid and _alive(int(pid)) else None,  # type: ignore[arg-type]
        "healthy": is_healthy(settings.url),
        "token_accepted": token_works(settings),
    }


def ensure(settings: ServerSettings, timeout: float = 240.0) -> str:
    """Install if needed and start unless the server already answers; returns where to log in.

    A server already running from this data folder has the folder's permissions repaired."""
    if is_healthy(settings.url):
        wait_until_healthy(settings, timeout=30)
        if (settings.data_dir / DATABASE_FILE).exists():
            secure_data_dir(settings)
        return settings.url
    install(settings.venv)
    start(settings, timeout=timeout)
    return settings.url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotation.server", description=__doc__)
    parser.add_argument("command", choices=["install", "start", "stop", "status", "ensure"])
    parser.add_argument("--timeout", type=float, default=240.0)
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            venv = install(Path(os.environ.get("LABEL_STUDIO_VENV") or DEFAULT_VENV))
            print(f"label-studio {LABEL_STUDIO_VERSION} in {venv}")
            return 0
        load_local_credentials(create=args.command in ("start", "ensure"))
        settings = ServerSettings.from_env()
        if args.command == "start":
            install(settings.venv)
            pid = start(settings, timeout=args.timeout)
            print(f"Label Studio running (pid {pid}); annotators log in at {settings.url}")
        elif args.command == "ensure":
            print(f"Label Studio ready; annotators log in at {ensure(settings, args.timeout)}")
        elif args.command == "stop":
            print("stopped" if stop(settings) else "nothing to stop")
        else:
            print(json.dumps(status(settings), indent=2))
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
