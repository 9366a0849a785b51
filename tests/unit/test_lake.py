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


def test_when_lake_is_local_then_part_is_written_beside_its_final_name_and_renamed(lake: Lake):
    """Locally a rename is atomic: the temporary file sits in the part's folder, so publishing
    it is one rename on the same filesystem, and `clean_leftovers` finds it there."""
    import os

    with PartWriter(lake, "raw", "t", "c", "p1", SCHEMA) as writer:
        writer.write(pa.table({"x": [1]}))
        inode = os.stat(writer.tmp_path).st_ino
        assert writer.tmp_path.startswith(lake.table_dir("raw", "t", "c") + "/p1.~")
        assert writer.tmp_path.endswith(".parquet.tmp")
    assert os.stat(writer.final_path).st_ino == inode and not os.path.exists(writer.tmp_path)


def test_when_unknown_zone_then_error(lake: Lake):
    with pytest.raises(ValueError, match="unknown zone"):
        lake.table_dir("scratch", "t")


def test_when_url_has_protocol_then_paths_stay_on_that_filesystem():
    lake = Lake.at("memory://bucket/wh")
    path = lake.write_part("raw", "t", "c", "p", pa.table({"x": [1]}))
    assert path.startswith("/bucket/wh/lake/raw/t/corpus=c/")
    assert lake.url(path).startswith("memory://")


# --- partitions: part names, a partition's parts, vanished parts (issue 12 point 2) ----------


@pytest.mark.parametrize(("partition", "corpus"), [
    ("essays", "essays"),
    ("reddit_pushshift:RC_2019-10.zst", "reddit_pushshift"),
    ("pandora:sub/dir:odd.csv", "pandora"),  # only the first separator counts
])
def test_when_partition_key_given_then_corpus_is_its_first_field(partition, corpus):
    from assets.lake import corpus_of

    assert corpus_of(partition) == corpus


@pytest.mark.parametrize(("key", "name"), [
    ("e.csv", "e.csv-"),
    ("sub/dir/RC 2019.zst", "sub_dir_RC_2019.zst-"),
    ("reddit_pushshift:RC_1.zst", "reddit_pushshift_RC_1.zst-"),
])
def test_when_key_has_unsafe_characters_then_part_name_is_safe_and_hashed(key, name):
    from assets.lake import safe_part_name

    part = safe_part_name(key)
    assert part.startswith(name) and len(part) == len(name) + 8
    assert part == safe_part_name(key)


def test_when_keys_differ_only_in_unsafe_characters_then_part_names_differ():
    from assets.lake import safe_part_name

    assert safe_part_name("a/b.csv") != safe_part_name("a_b.csv")


def test_when_part_path_given_then_name_and_corpus_are_read_back(lake: Lake):
    from assets.lake import corpus_of_part, part_name

    path = lake.part_path("raw", "documents", "friends", "s01.csv-0a1b2c3d")
    assert (part_name(path), corpus_of_part(path)) == ("s01.csv-0a1b2c3d", "friends")


def _stamped(lake: Lake, corpus: str, part: str, partition: str | None,
             table: str = "t", zone: str = "raw") -> str:
    meta = None if partition is None else {"partition": partition}
    return lake.write_part(zone, table, corpus, part, pa.table({"x": [1]}), meta)


def test_when_corpus_has_several_partitions_then_each_lists_only_its_stamped_parts(lake: Lake):
    a = _stamped(lake, "reddit", "a", "reddit:a.zst")
    b = _stamped(lake, "reddit", "b", "reddit:b.zst")
    _stamped(lake, "reddit", "unstamped", None)
    _stamped(lake, "essays", "a", "essays")
    assert lake.partition_paths("raw", "t", "reddit:a.zst") == [a]
    assert lake.partition_parts("raw", "t", "reddit:b.zst") == ["b"]
    assert lake.partition_parts("raw", "t", "essays") == ["a"]
    assert lake.partition_parts("raw", "t", "reddit:gone.zst") == []
    assert lake.partition_parts("raw", "missing_table", "essays") == []
    assert b in lake.list_parts("raw", "t", "reddit")


def test_when_part_left_the_partition_then_only_it_is_removed(lake: Lake):
    keep = _stamped(lake, "reddit", "keep", "reddit:a.zst")
    gone = _stamped(lake, "reddit", "gone", "reddit:a.zst")
    other = _stamped(lake, "reddit", "other", "reddit:b.zst")  # another partition: untouched
    removed = lake.remove_vanished("raw", "t", "reddit:a.zst", live_parts=["keep"])
    assert removed == ["gone"]
    assert lake.list_parts("raw", "t") == sorted([keep, other])
    assert not lake.fs.exists(gone)
    assert lake.remove_vanished("raw", "t", "reddit:a.zst", live_parts=["keep"]) == []


def test_when_no_live_parts_then_the_whole_partition_goes(lake: Lake):
    _stamped(lake, "essays", "p1", "essays")
    _stamped(lake, "essays", "p2", "essays")
    assert lake.remove_vanished("raw", "t", "essays", live_parts=()) == ["p1", "p2"]
    assert lake.list_parts("raw", "t") == []


def test_when_table_has_parts_of_two_corpora_then_both_are_listed_once(lake: Lake):
    assert lake.corpora("raw", "t") == []
    _stamped(lake, "b", "p1", "b")
    _stamped(lake, "b", "p2", "b")
    _stamped(lake, "a", "p1", "a")
    assert lake.corpora("raw", "t") == ["a", "b"]


# --- DuckDB relations over the lake -----------------------------------------------------------


def _schema_of(zone: str, table: str) -> pa.Schema:
    return pa.schema([("x", pa.int64()), ("label", pa.string())])


def _rows(lake: Lake, sql: str) -> list[tuple]:
    con = lake.connect()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_when_table_has_no_part_then_relation_is_empty_and_typed(lake: Lake):
    relation = lake.relation("raw", "t", _schema_of)
    con = lake.connect()
    described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    con.close()
    assert [(name, ctype) for name, ctype, *_ in described] == [("x", "BIGINT"),
                                                                 ("label", "VARCHAR")]
    assert _rows(lake, f"SELECT count(*) FROM {relation}") == [(0,)]


def test_when_parts_have_different_columns_then_relation_unions_them_by_name(lake: Lake):
    lake.write_part("raw", "t", "a", "p", pa.table({"x": [1]}))
    lake.write_part("raw", "t", "b", "p", pa.table({"label": ["y"], "x": [2]}))
    assert _rows(lake, f"SELECT x, label FROM {lake.relation('raw', 't', _schema_of)} "
                       "ORDER BY x") == [(1, None), (2, "y")]


def test_when_partition_given_then_relation_covers_only_its_parts(lake: Lake):
    lake.write_part("raw", "t", "r", "a", pa.table({"x": [1]}), {"partition": "r:a"})
    lake.write_part("raw", "t", "r", "b", pa.table({"x": [2, 3]}), {"partition": "r:b"})
    count = "SELECT count(*) FROM {rel}"
    assert _rows(lake, count.format(rel=lake.partition_relation("raw", "t", "r:b", _schema_of))
                 ) == [(2,)]
    assert _rows(lake, count.format(rel=lake.partition_relation("raw", "t", None, _schema_of))
                 ) == [(3,)]
    assert _rows(lake, count.format(rel=lake.partition_relation("raw", "t", "r:c", _schema_of))
                 ) == [(0,)]


def test_when_table_is_not_written_per_partition_then_partition_relation_is_the_whole_table(
    lake: Lake
):
    lake.write_part("curated", "t", "c", "all", pa.table({"x": [1, 2]}))  # no partition stamp
    relation = lake.partition_relation("curated", "t", "c:one", _schema_of)
    assert _rows(lake, f"SELECT count(*) FROM {relation}") == [(2,)]


def test_when_sql_has_placeholders_then_render_replaces_each_with_a_relation(lake: Lake):
    lake.write_part("raw", "t", "c", "p", pa.table({"x": [5]}))
    sql = lake.render("SELECT x FROM {{ raw.t }} UNION ALL SELECT x FROM {{curated.t}}",
                      schema_of=_schema_of)
    assert "{{" not in sql
    assert _rows(lake, sql) == [(5,)]


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
            f"{temp}/pw-upload-{_tag(dead)}aa.parquet.tmp",  # a part on its way to S3
            f"{folder}/old.0123abcd.parquet.tmp",  # untagged, from before tags, a day old
        ]
        kept = [
            f"{folder}/p.{_tag(live.pid)}ef.parquet.tmp",
            f"{folder}/q.{_tag(os.getpid())}ef.parquet.tmp",
            f"{exports}/.staging-{_tag(live.pid)}gh/manifest.json",
            f"{temp}/pw-ingest-{_tag(live.pid)}yy/labels.parquet",
            f"{temp}/pw-upload-{_tag(live.pid)}bb.parquet.tmp",
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
            gone[2], f"{temp}/pw-ingest-{_tag(dead)}zz", gone[4], gone[5]])
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
