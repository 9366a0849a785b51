"""Raw text, real names and the Label Studio token are readable by their owner only: on
creation, and again after someone loosened the permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pyarrow as pa

from annotation.server import DATABASE_FILE, LOG_FILE, ServerSettings, secure_data_dir
from assets.lake import Lake
from assets.permissions import restrict_to_owner, restrict_tree
from assets.warehouse.views import ANALYST_DB, RAW_DB, build_database
from schemas.tables import DOCUMENTS


def _mode(path: str | Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _raw_documents(lake: Lake) -> None:
    row = {"doc_id": "d1", "corpus": "essays", "author_id": "realname", "kind": "essay",
           "text": "I am Jane Roe.", "created_at": None, "context": None,
           "source_file": "e.csv", "source_line": 2, "content_hash": "0" * 32}
    lake.write_part("raw", "documents", "essays", "e", pa.Table.from_pylist([row], DOCUMENTS))


def test_when_a_path_is_loosened_then_restrict_takes_group_and_other_bits_away(tmp_path):
    folder, file = tmp_path / "d", tmp_path / "d" / "f"
    folder.mkdir()
    file.write_text("x")
    os.chmod(file, 0o664)
    os.chmod(folder, 0o775)
    assert restrict_tree(folder) == 2
    assert (_mode(folder), _mode(file)) == (0o700, 0o600)
    assert restrict_tree(folder) == 0  # already right: nothing changes


def test_when_a_private_folder_holds_a_symlink_then_its_target_is_left_alone(tmp_path):
    outside = tmp_path / "outside"
    outside.write_text("public")
    os.chmod(outside, 0o644)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "link").symlink_to(outside)
    restrict_tree(tmp_path / "d")
    assert _mode(outside) == 0o644
    assert restrict_to_owner(tmp_path / "d" / "link") is False


def test_when_the_raw_zone_is_written_then_it_is_owner_only_and_repaired_after_loosening(lake):
    _raw_documents(lake)
    raw = lake.path("lake", "raw")
    assert _mode(raw) == 0o700
    os.chmod(raw, 0o755)
    _raw_documents(lake)  # the next write (the next run) repairs it
    assert _mode(raw) == 0o700


def test_when_databases_are_built_then_raw_duckdb_is_owner_only_and_the_analysts_is_not(
    lake, tmp_path
):
    _raw_documents(lake)
    target = tmp_path / "db"
    build_database(lake, RAW_DB, str(target))
    build_database(lake, ANALYST_DB, str(target))
    assert _mode(target / "raw.duckdb") == 0o600
    assert _mode(target / "warehouse.duckdb") & 0o044  # analysts read this one
    os.chmod(target / "raw.duckdb", 0o644)
    build_database(lake, RAW_DB, str(target))  # rebuilt on the next run: owner only again
    assert _mode(target / "raw.duckdb") == 0o600


def test_when_the_label_studio_folder_is_secured_then_database_and_log_are_owner_only(tmp_path):
    settings = ServerSettings(url="http://127.0.0.1:8080", data_dir=tmp_path / "ls",
                              username="admin@example.invalid", password="p", token="t")
    settings.data_dir.mkdir(mode=0o755)
    for name in (DATABASE_FILE, LOG_FILE):
        (settings.data_dir / name).write_text("")
        os.chmod(settings.data_dir / name, 0o644)
    assert secure_data_dir(settings) == 3
    assert _mode(settings.data_dir) == 0o700
    assert {_mode(settings.data_dir / n) for n in (DATABASE_FILE, LOG_FILE)} == {0o600}
