"""Shared fixtures: the real corpora beside the checkout, a temporary lake, small source files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from assets.ingest.sources import SourceFile, corpora_fs
from assets.lake import Lake
from tests.s3 import MotoServer

REPO = Path(__file__).resolve().parents[1]
REAL_CORPORA = Path(
    os.environ.get("REAL_CORPORA_DIR", REPO.parent / "shared" / "corpora")
).resolve()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the `real_corpora` fixture (directly or through another
    fixture), so `-m "not real_corpora"` runs the suite without the real corpora."""
    for item in items:
        if "real_corpora" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.real_corpora)


@pytest.fixture(scope="session")
def real_corpora() -> Path:
    """The real corpora in ../shared/corpora; tests that need them fail loudly if absent."""
    if not (REAL_CORPORA / "README.md").exists():
        pytest.fail(f"real corpora not found at {REAL_CORPORA}; set REAL_CORPORA_DIR")
    return REAL_CORPORA


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake.at(str(tmp_path / "warehouse"))


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory) -> MotoServer:
    """A moto S3 server on 127.0.0.1 for the whole session, stopped by its PID at the end."""
    server = MotoServer().start(tmp_path_factory.mktemp("moto") / "moto_server.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_env(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """The standard AWS variables (dummy credentials, the moto endpoint) set for one test."""
    for name, value in moto_server.aws_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_server


@pytest.fixture
def s3_lake_url(s3_env: MotoServer) -> str:
    """`s3://<a fresh bucket>/warehouse`, the AWS variables pointing at the moto server."""
    return f"s3://{s3_env.create_bucket()}/warehouse"


@pytest.fixture
def make_source(tmp_path: Path) -> Callable[[str, str, bytes | str], SourceFile]:
    """Write a file into a temporary family folder and return it as a SourceFile."""

    def make(corpus: str, name: str, content: bytes | str) -> SourceFile:
        family_dir = tmp_path / "corpora" / corpus
        family_dir.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        (family_dir / name).write_bytes(data)
        fs, root = corpora_fs(str(tmp_path / "corpora"))
        return SourceFile(fs, f"{root}/{corpus}", corpus, name)

    return make


def rows_of(reader_output, table: str) -> list[dict]:
    """The rows one reader emitted for one table."""
    return [row for name, row in reader_output if name == table]


def raw_essays_lake(root: Path, texts: list[str]) -> Lake:
    """A lake at `root` holding one raw `essays` documents part `p` of `texts` (one author,
    `d0`, `d1`, ... in order): the smallest input a parse, contour or privacy test needs."""
    import pyarrow as pa

    from schemas.tables import DOCUMENTS

    lake = Lake.at(str(root))
    rows = [{"doc_id": f"d{i}", "corpus": "essays", "author_id": "a", "kind": "essay",
             "text": t, "source_file": "e", "source_line": i + 1, "content_hash": f"h{i}"}
            for i, t in enumerate(texts)]
    lake.write_part("raw", "documents", "essays", "p", pa.Table.from_pylist(rows, DOCUMENTS),
                    {"partition": "essays", "source_file": "e", "fingerprint": "f"})
    return lake
