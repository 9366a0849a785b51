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
