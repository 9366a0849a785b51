"""A real Label Studio server for the test session (never a mock).

Installs `.venv-labelstudio` if it is missing, starts the server on a free loopback port with a
temporary data dir and a random admin password and token, and stops it at the end. Annotator
accounts join through the invite link, as sign-up is closed.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from annotation import server
from annotation.accounts import invite_token, sign_up
from annotation.client import LabelStudioClient, RetryPolicy


@dataclass(frozen=True)
class Annotator:
    email: str
    token: str = field(repr=False)


@pytest.fixture(scope="session")
def ls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.ServerSettings]:
    server.install(server.DEFAULT_VENV)
    host = "127.0.0.1"
    settings = server.ServerSettings(
        url=f"http://{host}:{server.free_port(host)}",
        data_dir=tmp_path_factory.mktemp("labelstudio"),
        username="admin@example.invalid",
        password=secrets.token_urlsafe(16),
        token=secrets.token_hex(20),
    )
    began = time.monotonic()
    server.start(settings, timeout=300)
    print(f"\nLabel Studio started in {time.monotonic() - began:.1f}s at {settings.url}")
    try:
        yield settings
    finally:
        server.stop(settings)


@pytest.fixture(scope="session")
def ls_client(ls_server: server.ServerSettings) -> LabelStudioClient:
    policy = RetryPolicy(attempts=3, base_delay=0.2)
    return LabelStudioClient(ls_server.url, ls_server.token, policy)


@pytest.fixture(scope="session")
def annotators(ls_server: server.ServerSettings, ls_client: LabelStudioClient) -> list[Annotator]:
    """Three annotator accounts with pseudonymous e-mail addresses."""
    invite = invite_token(ls_client)
    people = []
    for n in range(1, 4):
        email = f"annotator-{n:02d}@example.invalid"
        people.append(Annotator(email, sign_up(ls_server.url, invite, email,
                                               secrets.token_urlsafe(16))))
    return people


@pytest.fixture(scope="session")
def pseudonym_key() -> str:
    return secrets.token_hex(16)


@pytest.fixture(scope="session")
def owner() -> str:
    """The warehouse identity the tests' projects and tasks carry (`annotation.ownership`)."""
    return "wh_" + secrets.token_hex(8)


@pytest.fixture(scope="session")
def session_lake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("warehouse")
