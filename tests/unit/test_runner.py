"""The ingestion runner: idempotent, incremental, atomic, and loud about unreadable files."""

from __future__ import annotations

import duckdb
import pytest

from assets.ingest.runner import all_partition_keys, ingest_partition
from assets.lake import Lake

HEADER = "#AUTHID,TEXT,cEXT,cNEU,cAGR,cCON,cOPN\n"
GOOD = HEADER + "a1,First essay text,y,n,y,n,y\na2,Second essay text,n,n,y,y,y\n"


def table(lake: Lake, name: str) -> list[tuple]:
    parts = lake.list_parts("raw", name)
    if not parts:
        return []
    return duckdb.sql(f"SELECT * FROM read_parquet({parts}) ORDER BY ALL").fetchall()


def test_when_materialised_twice_then_identical_tables_and_second_run_skips(lake, make_source):
    source = make_source("essays", "e.csv", GOOD)
    corpora = source.root.rsplit("/", 1)[0]
    first = ingest_partition(lake, corpora, "essays")
    before = {t: table(lake, t) for t in ("documents", "labels", "authors")}
    second = ingest_partition(lake, corpora, "essays")
    assert [s.skipped for s in first.sources] == [False]
    assert [s.skipped for s in second.sources] == [True]
    assert {t: table(lake, t) for t in before} == before
    forced = ingest_partition(lake, corpora, "essays", force=True)
    assert not forced.sources[0].skipped
    assert {t: table(lake, t) for t in before} == before
    assert len(before["documents"]) == 2 and len(before["labels"]) == 10


def test_when_file_changes_then_reingested_without_duplicates(lake, make_source):
    source = make_source("essays", "e.csv", GOOD)
    corpora = source.root.rsplit("/", 1)[0]
    ingest_partition(lake, corpora, "essays")
    make_source("essays", "e.csv", GOOD + "a3,Third essay,y,y,y,y,y\n")
    result = ingest_partition(lake, corpora, "essays")
    assert result.rows("documents") == 3
    assert len(table(lake, "documents")) == 3


def test_when_file_vanishes_then_its_parts_are_removed(lake, make_source):
    make_source("essays", "a.csv", GOOD)
    other = make_source("essays", "b.csv", HEADER + "b1,Other text,y,y,y,y,y\n")
    corpora = other.root.rsplit("/", 1)[0]
    ingest_partition(lake, corpora, "essays")
    assert len(table(lake, "documents")) == 3
    lake.fs.rm(other.path)
    result = ingest_partition(lake, corpora, "essays")
    assert result.removed_parts == 5
    assert len(table(lake, "documents")) == 2


def test_when_one_file_unreadable_then_others_ingested_and_error_names_file(lake, make_source):
    make_source("essays", "good.csv", GOOD)
    bad = make_source("essays", "bad.csv", "TEXT,cEXT\nhello,y\n")
    corpora = bad.root.rsplit("/", 1)[0]
    result = ingest_partition(lake, corpora, "essays")
    (failure,) = result.failures
    assert "essays/bad.csv" in failure.error and "missing required column" in failure.error
    assert len(table(lake, "documents")) == 2


def test_when_unreadable_file_was_good_before_then_old_parts_kept(lake, make_source):
    source = make_source("essays", "e.csv", GOOD)
    corpora = source.root.rsplit("/", 1)[0]
    ingest_partition(lake, corpora, "essays")
    make_source("essays", "e.csv", "garbage header only\n")
    result = ingest_partition(lake, corpora, "essays")
    assert result.failures
    assert len(table(lake, "documents")) == 2


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"essays/a.csv": "", "essays/b.csv": ""}, ["essays"]),
        (
            {"reddit_pushshift/RC_1.zst": "", "reddit_pushshift/RS_2.zst": ""},
            ["reddit_pushshift:RC_1.zst", "reddit_pushshift:RS_2.zst"],
        ),
        (
            {"pandora/author_profiles.csv": "", "pandora/comments.csv.gz": ""},
            ["pandora", "pandora:comments.csv.gz"],
        ),
        ({"essays/SOURCE.md": "", "essays/.hidden.csv": ""}, []),
    ],
)
def test_when_files_listed_then_partition_keys_follow_family_rules(tmp_path, files, expected):
    for rel, content in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content)
    assert sorted(all_partition_keys(str(tmp_path))) == sorted(expected)
