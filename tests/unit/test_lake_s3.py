"""The lake on a real S3 server (moto on loopback): parts, atomic publishing, DuckDB reads."""

from __future__ import annotations

import os
import tempfile
import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.lake import Lake, LakeWriteError, PartWriter

SCHEMA = pa.schema([("x", pa.int64())])


def test_when_moto_server_runs_then_s3fs_reaches_it_through_the_standard_variables(
        s3_lake_url: str):
    lake = Lake.at(s3_lake_url)
    assert not lake.is_local
    path = lake.write_part("raw", "t", "c", "p1", pa.table({"x": [1, 2]}), {"fingerprint": "f"})
    assert lake.list_parts("raw", "t") == [path]
    assert lake.part_metadata(path) == {"fingerprint": "f"}
    con = lake.connect()
    assert con.execute(f"SELECT sum(x) FROM {lake.relation('raw', 't', lambda z, t: SCHEMA)}"
                   ).fetchone() == (3,)
    assert os.environ["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")


def _bucket_keys(lake: Lake) -> list[str]:
    bucket = lake.root.split("/", 1)[0]
    return sorted(lake.fs.find(bucket))


def test_when_part_is_being_written_to_s3_then_no_key_exists_until_it_is_whole(
        s3_lake_url: str):
    """Nothing in the bucket while the part is written (it goes to a local temp file), then
    exactly the final key, uploaded whole; the local temp file is gone."""
    lake = Lake.at(s3_lake_url)
    with PartWriter(lake, "raw", "t", "c", "p1", SCHEMA) as writer:
        writer.write(pa.table({"x": list(range(1000))}))
        local_tmp = writer.tmp_path
        assert os.path.exists(local_tmp) and local_tmp.startswith(tempfile.gettempdir())
        assert os.stat(local_tmp).st_mode & 0o077 == 0  # may hold raw text: owner only
        writer.write(pa.table({"x": list(range(1000, 2000))}))
        assert _bucket_keys(lake) == []
    assert _bucket_keys(lake) == [writer.final_path]
    assert not os.path.exists(local_tmp)
    with lake.fs.open(writer.final_path, "rb") as handle:
        assert pq.read_table(handle).num_rows == 2000


def test_when_write_to_s3_fails_midway_then_old_part_stays_and_nothing_is_left(
        s3_lake_url: str):
    lake = Lake.at(s3_lake_url)
    path = lake.write_part("raw", "t", "c", "p1", pa.table({"x": [1]}))
    with pytest.raises(RuntimeError):
        with PartWriter(lake, "raw", "t", "c", "p1", SCHEMA) as writer:
            writer.write(pa.table({"x": [7, 8, 9]}))
            raise RuntimeError("crash mid-write")
    assert _bucket_keys(lake) == [path]
    assert not os.path.exists(writer.tmp_path)
    with lake.fs.open(path, "rb") as handle:
        assert pq.read_table(handle)["x"].to_pylist() == [1]


def test_when_upload_fails_then_error_names_key_and_table_and_no_temp_file_is_left(
        s3_env):
    """A real failed upload: the bucket does not exist."""
    lake = Lake.at("s3://pw-no-such-bucket/warehouse")
    writer = PartWriter(lake, "raw", "documents", "essays", "p1", SCHEMA)
    with pytest.raises(LakeWriteError) as caught, writer:
        writer.write(pa.table({"x": [1, 2]}))
    message = str(caught.value)
    assert "raw/documents (corpus essays, part p1)" in message
    assert "s3://pw-no-such-bucket/warehouse/lake/raw/documents/corpus=essays/p1.parquet" in message
    assert not os.path.exists(writer.tmp_path)
    assert os.environ["AWS_SECRET_ACCESS_KEY"] not in message


def test_when_readers_poll_during_uploads_then_they_see_no_part_or_a_whole_one(s3_lake_url):
    """A reader thread reads the part's key again and again while it is replaced ten times:
    each read is the whole of one version (1,000 rows of one value), never part of one."""
    lake = Lake.at(s3_lake_url)
    path = lake.part_path("raw", "t", "c", "p1")
    seen: list[tuple[int, int]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                data = lake.fs.cat_file(path)
            except FileNotFoundError:
                continue
            values = pq.read_table(pa.BufferReader(data))["x"].to_pylist()
            seen.append((len(values), len(set(values))))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for version in range(10):
            lake.write_part("raw", "t", "c", "p1", pa.table({"x": [version] * 1000}))
    finally:
        done.set()
        reader.join()
    assert seen and set(seen) == {(1000, 1)}


def test_when_small_file_written_then_it_is_published_whole_on_s3_and_locally(
        s3_lake_url, tmp_path):
    for lake in (Lake.at(s3_lake_url), Lake.at(str(tmp_path / "wh"))):
        path = lake.path("exports", "essays", "LATEST")
        lake.write_bytes(path, b"v-1\n")
        lake.write_bytes(path, b"v-2\n")
        assert lake.fs.cat_file(path) == b"v-2\n"
        assert lake.fs.find(lake.path("exports")) == [path]


def test_when_folder_published_on_s3_then_every_file_is_there_and_staging_is_gone(
        s3_lake_url: str):
    lake = Lake.at(s3_lake_url)
    staging = lake.path("exports", "essays", ".staging-x")
    files = {"data/train.parquet": b"p", "jsonl/train.jsonl": b"j", "manifest.json": b"{}"}
    for name, data in files.items():
        lake.write_bytes(f"{staging}/{name}", data)
    final = lake.path("exports", "essays", "v-1")
    lake.publish_folder(staging, final, last="manifest.json")
    assert {p.removeprefix(final + "/"): lake.fs.cat_file(p)
            for p in lake.fs.find(final)} == files
    assert lake.fs.find(staging) == []


def test_when_killed_run_left_staging_on_s3_then_it_goes_and_a_live_runs_stays(s3_lake_url):
    from assets.lake import clean_leftovers
    from tests.unit.test_lake import _dead_pid, _tag

    lake = Lake.at(s3_lake_url)
    dead = lake.path("exports", "essays", f".staging-{_tag(_dead_pid())}ab")
    live = lake.path("exports", "essays", f".staging-{_tag(os.getpid())}cd")
    for folder in (dead, live):
        lake.write_bytes(f"{folder}/data/train.parquet", b"x")
    assert clean_leftovers(lake, temp_dir=tempfile.mkdtemp()) == [dead]
    assert lake.fs.find(dead) == [] and lake.fs.find(live) == [f"{live}/data/train.parquet"]
