"""`make run` end to end on the generated sample: every stage runs, the summary is printed,
Label Studio is started, and no raw username reaches the curated zone or the analysts' database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from assets.ingest.registry import FAMILIES

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    wh = tmp_path_factory.mktemp("make_run")
    env = {
        **os.environ,
        "WAREHOUSE_DIR": str(wh),
        "SAMPLE_CORPORA_DIR": str(wh / "sample_corpora"),
        "CORPORA_DIR": "",
        "DAGSTER_HOME": str(wh / ".dagster"),
        "LABEL_STUDIO_URL": f"http://127.0.0.1:{free_port()}",
        "LABEL_STUDIO_CREDENTIALS_FILE": str(wh / "ls.json"),
        "PSEUDONYM_KEY": "test-key-" + "0" * 32,
    }
    for name in ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_API_KEY"):
        env.pop(name, None)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dagster_project.run_all"], cwd=REPO, env=env,
            capture_output=True, text=True, timeout=1200,
        )
        yield wh, done
    finally:
        subprocess.run([sys.executable, "-m", "annotation.server", "stop"], cwd=REPO, env=env,
                       capture_output=True, timeout=60)


def test_when_make_run_on_sample_then_it_succeeds_and_summarises(sample_run):
    wh, done = sample_run
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    # 19 bad sample rows, plus the second of two identical id-less PANDORA comments
    assert "rows per table per corpus" in out and "quarantined rows: 20" in out
    assert "annotators log in at: http://127.0.0.1:" in out
    con = duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True)
    corpora = {c for (c,) in con.execute("SELECT DISTINCT corpus FROM documents").fetchall()}
    assert corpora == {name for name, family in FAMILIES.items() if family.sample}
    for view in ("contours", "document_features", "author_features", "doc_splits",
                 "annotation_tasks", "feature_catalog"):
        assert con.execute(f"SELECT count(*) FROM {view}").fetchone()[0] > 0, view
    assert list((wh / "exports").glob("*/*/manifest.json"))


def test_when_make_run_on_sample_then_no_raw_username_in_curated_zone(sample_run):
    wh, done = sample_run
    assert done.returncode == 0
    raw = duckdb.connect(str(wh / "raw.duckdb"), read_only=True)
    names = {u for (u,) in raw.execute(
        "SELECT DISTINCT username FROM raw_authors WHERE length(username) >= 4").fetchall()}
    ids = {a for (a,) in raw.execute("SELECT DISTINCT author_id FROM raw_authors").fetchall()}
    assert names and ids
    con = duckdb.connect()
    leaks = []
    for part in (wh / "lake" / "curated").rglob("*.parquet"):
        columns = con.execute(f"DESCRIBE SELECT * FROM '{part}'").fetchall()
        for column, ctype, *_ in columns:
            if ctype != "VARCHAR":
                continue
            values = {v for (v,) in con.execute(
                f'SELECT DISTINCT "{column}" FROM \'{part}\' WHERE "{column}" IS NOT NULL'
            ).fetchall()}
            leaks += [(part.name, column, v) for v in values & ids]
            if column in ("author_id", "speaker_id", "subject_id", "annotator"):
                leaks += [(part.name, column, v) for v in values & names]
    assert leaks == []
