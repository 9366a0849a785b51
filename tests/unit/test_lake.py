from __future__ import annotations

import pyarrow as pa
import pytest

from assets.lake import Lake, PartWriter

SCHEMA = pa.schema([("x", pa.int64())])


def test_when_part_written_then_metadata_round_trips(lake: Lake):
    path = lake.write_part("raw", "t", "c", "p1", pa.table({"x": [1, 2]}), {"fingerprint": "f"})
    assert lake.list_parts("raw", "t", "c") == [path]
    assert lake.part_metadata(path) == {"fingerprint": "f"}


def test_when_writer_fails_midway_then_old_part_survives_and_no_temp_left(lake: Lake):
    path = lake.write_part("raw", "t", "c", "p1", pa.table({"x": [1]}))
    with pytest.raises(RuntimeError):
        with PartWriter(lake, "raw", "t", "c", "p1", SCHEMA) as writer:
            writer.write(pa.table({"x": [7, 8, 9]}))
            raise RuntimeError("crash mid-write")
    assert lake.fs.ls(lake.table_dir("raw", "t", "c")) == [path]
    with lake.fs.open(path, "rb") as handle:
        assert pa.parquet.read_table(handle)["x"].to_pylist() == [1]


def test_when_part_in_progress_then_glob_does_not_see_it(lake: Lake):
    with PartWriter(lake, "raw", "t", "c", "p1", SCHEMA) as writer:
        writer.write(pa.table({"x": [1]}))
        assert lake.list_parts("raw", "t") == []
    assert len(lake.list_parts("raw", "t")) == 1


def test_when_unknown_zone_then_error(lake: Lake):
    with pytest.raises(ValueError, match="unknown zone"):
        lake.table_dir("scratch", "t")


def test_when_url_has_protocol_then_paths_stay_on_that_filesystem():
    lake = Lake.at("memory://bucket/wh")
    path = lake.write_part("raw", "t", "c", "p", pa.table({"x": [1]}))
    assert path.startswith("/bucket/wh/lake/raw/t/corpus=c/")
    assert lake.url(path).startswith("memory://")


# --- leftovers of killed runs (issue 11 point 9) --------------------------------------------


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _tag(pid: int) -> str:
    from assets.lake import owner_tag

    return owner_tag().replace(f"~{__import__('os').getpid()}~", f"~{pid}~")


def test_when_runs_were_killed_then_their_leftovers_go_and_live_runs_files_stay(
    lake: Lake, tmp_path
):
    import os
    import subprocess
    import sys
    import time

    from assets.lake import clean_leftovers

    dead, live = _dead_pid(), subprocess.Popen([sys.executable, "-c", "import time; "
                                                "time.sleep(60)"])
    try:
        folder = lake.table_dir("raw", "documents", "essays")
        lake.fs.makedirs(folder, exist_ok=True)
        exports = lake.path("exports", "train")
        databases, temp = tmp_path / "db", tmp_path / "tmp"
        databases.mkdir()
        temp.mkdir()
        gone = [
            f"{folder}/p.{_tag(dead)}ab.parquet.tmp",
            f"{exports}/.staging-{_tag(dead)}cd/data/train.parquet",
            f"{databases}/.warehouse.duckdb.{_tag(dead)}x1.tmp",
            f"{temp}/pw-ingest-{_tag(dead)}zz/authors.parquet",
            f"{folder}/old.0123abcd.parquet.tmp",  # untagged, from before tags, a day old
        ]
        kept = [
            f"{folder}/p.{_tag(live.pid)}ef.parquet.tmp",
            f"{folder}/q.{_tag(os.getpid())}ef.parquet.tmp",
            f"{exports}/.staging-{_tag(live.pid)}gh/manifest.json",
            f"{temp}/pw-ingest-{_tag(live.pid)}yy/labels.parquet",
            f"{folder}/new.0123abcd.parquet.tmp",  # untagged but recent: maybe another host
            f"{folder}/p.parquet",
            f"{temp}/unrelated.txt",
        ]
        for path in gone + kept:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as handle:
                handle.write("x")
        day_ago = time.time() - 86_400
        os.utime(gone[-1], (day_ago, day_ago))
        removed = clean_leftovers(lake, str(databases), str(temp))
        assert sorted(removed) == sorted([
            gone[0], f"{exports}/.staging-{_tag(dead)}cd",
            gone[2], f"{temp}/pw-ingest-{_tag(dead)}zz", gone[4]])
        assert [p for p in gone if os.path.exists(p)] == []
        assert [p for p in kept if not os.path.exists(p)] == []
    finally:
        live.kill()
        live.wait()


# --- a full disk (issue 11 point 12) ---------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 1 MiB filesystem (tmpfs; needs root, as in the project's container)."""
    import subprocess

    mount = tmp_path / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def _incompressible(rows: int) -> pa.Table:
    import os

    return pa.table({"x": pa.array([os.urandom(100) for _ in range(rows)], pa.binary())})


def test_when_disk_fills_during_a_part_then_error_names_path_and_table_and_old_part_stays(
    tiny_disk
):
    from assets.lake import LakeWriteError

    lake = Lake.at(str(tiny_disk / "wh"))
    old = lake.write_part("raw", "documents", "essays", "p1", _incompressible(10),
                          {"partition": "essays"})
    with pytest.raises(LakeWriteError) as caught:
        lake.write_part("raw", "documents", "essays", "p1", _incompressible(30_000),
                        {"partition": "essays"})
    message = str(caught.value)
    assert "raw/documents (corpus essays, partition essays, part p1)" in message
    assert f"{lake.table_dir('raw', 'documents', 'essays')}/p1." in message
    assert "No space left on device (ENOSPC)" in message
    assert lake.fs.ls(lake.table_dir("raw", "documents", "essays")) == [old]
    assert pa.parquet.read_table(old).num_rows == 10


def test_when_disk_fills_while_views_build_then_error_names_database_and_old_one_stays(
    tiny_disk, tmp_path
):
    import os

    from assets.lake import LakeWriteError
    from assets.warehouse.views import RAW_DB, build_database

    lake = Lake.at(str(tmp_path / "wh"))
    build_database(lake, RAW_DB, str(tiny_disk))
    before = (tiny_disk / "raw.duckdb").read_bytes()
    fd = os.open(tiny_disk / "filler", os.O_WRONLY | os.O_CREAT)  # leave nothing free
    try:
        while True:
            os.write(fd, os.urandom(4096))
    except OSError:
        pass
    finally:
        os.close(fd)
    with pytest.raises(LakeWriteError, match=r"database raw.duckdb.*at .*tiny"):
        build_database(lake, RAW_DB, str(tiny_disk))
    assert (tiny_disk / "raw.duckdb").read_bytes() == before
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler", "raw.duckdb"]
