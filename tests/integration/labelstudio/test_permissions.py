"""The Label Studio data folder (its SQLite database holds the admin token in plain text) is
readable by its owner only after a start, and permissions loosened since are repaired by the
next start or ensure."""

from __future__ import annotations

import dataclasses
import os
import secrets
import stat
from pathlib import Path

import pytest

from annotation import server
from annotation.client import LabelStudioClient, RetryPolicy

pytestmark = pytest.mark.labelstudio


def _modes(data: Path) -> dict[str, int]:
    """Permission bits of the folder, the database and everything else the server wrote."""
    paths = [data, *sorted(p for p in data.rglob("*") if not p.is_symlink())]
    return {str(p.relative_to(data.parent)): stat.S_IMODE(os.stat(p).st_mode) for p in paths}


def _loosen(data: Path) -> None:
    os.chmod(data, 0o755)
    os.chmod(data / server.DATABASE_FILE, 0o644)
    os.chmod(data / server.LOG_FILE, 0o644)


def _owner_only(data: Path) -> None:
    modes = _modes(data)
    assert modes[data.name] == 0o700
    assert modes[f"{data.name}/{server.DATABASE_FILE}"] == 0o600
    assert modes[f"{data.name}/{server.LOG_FILE}"] == 0o600
    assert {p: m for p, m in modes.items() if m & 0o077} == {}


def test_when_started_loosened_and_restarted_then_the_data_folder_is_owner_only(tmp_path):
    server.install(server.DEFAULT_VENV)
    data = tmp_path / "labelstudio"  # created by start, not by the test
    settings = server.ServerSettings(
        url=f"http://127.0.0.1:{server.free_port()}", data_dir=data,
        username="admin@example.invalid", password=secrets.token_urlsafe(16),
        token=secrets.token_hex(20),
    )
    server.start(settings, timeout=300)
    try:
        _owner_only(data)
        _loosen(data)
        assert server.ensure(settings) == settings.url  # already running: repaired in place
        _owner_only(data)
        _loosen(data)
        server.stop(settings)
        # A restart on another port (the old one may linger in TIME_WAIT), same data folder.
        settings = dataclasses.replace(settings, url=f"http://127.0.0.1:{server.free_port()}")
        server.start(settings, timeout=300)
        _owner_only(data)
        client = LabelStudioClient(settings.url, settings.token, RetryPolicy(attempts=3))
        assert client.call_list("list", client.sdk.projects.list) == []  # token still works
    finally:
        server.stop(settings)
