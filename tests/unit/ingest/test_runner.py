"""The ingestion runner: idempotent, incremental, atomic, and loud about unreadable files."""

from __future__ import annotations

import json
import os

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
    assert failure.source == "bad.csv" and "missing required column" in failure.error
    assert len(table(lake, "documents")) == 2
    (row,) = table(lake, "failed_sources")
    assert row[:3] == ("essays", "essays", "bad.csv") and "missing required column" in row[3]


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


def _post(i: int, author: str = "user", text: str | None = None) -> str:
    return json.dumps({"author": f"{author}{i % 3}", "created_utc": 1456800000 + i,
                       "id": f"p{i:03d}", "title": f"Title {i}",
                       "selftext": text or f"Post number {i} says something long enough.",
                       "subreddit": "mbti"})


def test_when_lines_repeat_in_a_file_then_first_kept_and_copies_quarantined(lake, make_source):
    lines = [_post(i) for i in range(10)]
    lines[5:5] = [lines[2]]  # line 6 repeats line 3
    lines.append(lines[2])  # line 12 too
    source = make_source("reddit_pushshift", "x.jsonl", "\n".join(lines) + "\n")
    corpora = source.root.rsplit("/", 1)[0]
    result = ingest_partition(lake, corpora, "reddit_pushshift:x.jsonl")
    assert result.rows("documents") == 10
    assert len({r[0] for r in table(lake, "documents")}) == 10
    quarantine = sorted((r[2], r[3]) for r in table(lake, "quarantine"))
    assert quarantine == [(6, "duplicate of x.jsonl:3"), (12, "duplicate of x.jsonl:3")]
    assert result.duplicates() == 2


def test_when_same_record_in_two_files_of_a_partition_then_the_first_file_keeps_it(
    lake, make_source
):
    make_source("essays", "a.csv", GOOD)
    other = make_source("essays", "b.csv", HEADER + "b1,Other text,y,y,y,y,y\n"
                        + "a2,Second essay text,n,n,y,y,y\n")
    corpora = other.root.rsplit("/", 1)[0]
    ingest_partition(lake, corpora, "essays")
    assert len(table(lake, "documents")) == 3
    assert [r[1:4] for r in table(lake, "quarantine")] == [("b.csv", 3, "duplicate of a.csv:3")]
    # Labels are keyed per file: b.csv's copy of a2's labels stays in raw (the same label seen
    # in two files), and the analysts' labels view shows it once.
    labels = {r[:8] for r in table(lake, "labels")}
    assert len(labels) == 15  # a1, a2 and b1


def test_when_record_already_in_another_partition_then_new_copy_is_quarantined(
    lake, make_source
):
    """Pushshift dumps overlap; the copy already in the lake keeps its place, and a rerun of
    the first partition does not move it (its copy is never compared with itself)."""
    make_source("reddit_pushshift", "RS_1.jsonl", "\n".join(_post(i) for i in range(4)) + "\n")
    second = make_source("reddit_pushshift", "RS_2.jsonl",
                         "\n".join(_post(i) for i in range(2, 6)) + "\n")
    corpora = second.root.rsplit("/", 1)[0]
    ingest_partition(lake, corpora, "reddit_pushshift:RS_1.jsonl")
    result = ingest_partition(lake, corpora, "reddit_pushshift:RS_2.jsonl")
    assert result.rows("documents") == 2
    assert sorted(r[3] for r in table(lake, "quarantine")) == [
        "duplicate of RS_1.jsonl:3", "duplicate of RS_1.jsonl:4"]
    again = ingest_partition(lake, corpora, "reddit_pushshift:RS_1.jsonl", force=True)
    assert again.rows("documents") == 4 and again.duplicates() == 0
    assert len(table(lake, "documents")) == 6


def test_when_two_ids_share_author_time_and_text_then_both_kept_unless_family_lacks_ids(
    lake, make_source
):
    """A double post (two Reddit ids, same second, same words) is two records; in PANDORA,
    whose comments may have no id, an identical id-less line is the same record read twice."""
    lines = [_post(1), _post(2), _post(1).replace('"p001"', '"p099"')]
    source = make_source("reddit_pushshift", "x.jsonl", "\n".join(lines) + "\n")
    corpora = source.root.rsplit("/", 1)[0]
    assert ingest_partition(lake, corpora, "reddit_pushshift:x.jsonl").rows("documents") == 3
    row = "u1,Same words and the same second,mbti,1500100000\n"
    make_source("pandora", "comments.csv", "author,body,subreddit,created_utc\n" + row + row
                + "u2,Other words entirely,mbti,1500100001\n")
    result = ingest_partition(lake, corpora, "pandora:comments.csv")
    assert result.rows("documents") == 2
    assert [r[3] for r in table(lake, "quarantine")] == ["duplicate of comments.csv:2"]


def test_when_family_holds_a_symlink_loop_then_it_is_listed_and_later_files_ingested(
    lake, make_source
):
    first = make_source("essays", "a.csv", GOOD)
    os.symlink("loop", os.path.join(first.root, "loop"))
    make_source("essays", "z.csv", HEADER + "z1,Last essay text,y,y,y,y,y\n")
    corpora = first.root.rsplit("/", 1)[0]
    assert all_partition_keys(corpora) == ["essays"]
    result = ingest_partition(lake, corpora, "essays")
    assert len(table(lake, "documents")) == 3
    assert [(f.source, f.error) for f in result.failures] == [("loop", "symlink loop (ELOOP)")]
    assert [r[2:] for r in table(lake, "failed_sources")] == [("loop", "symlink loop (ELOOP)")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_when_file_is_not_readable_then_it_is_listed_and_others_ingested(lake, make_source):
    make_source("essays", "a.csv", GOOD)
    locked = make_source("essays", "b.csv", GOOD)
    os.chmod(locked.path, 0)
    result = ingest_partition(lake, locked.root.rsplit("/", 1)[0], "essays")
    assert len(table(lake, "documents")) == 2
    assert [f.source for f in result.failures] == ["b.csv"]


def test_when_failed_file_is_fixed_then_failed_sources_empties(lake, make_source):
    bad = make_source("essays", "e.csv", "")
    corpora = bad.root.rsplit("/", 1)[0]
    ingest_partition(lake, corpora, "essays")
    assert [r[2] for r in table(lake, "failed_sources")] == ["e.csv"]
    make_source("essays", "e.csv", GOOD)
    ingest_partition(lake, corpora, "essays")
    assert table(lake, "failed_sources") == []
    assert len(table(lake, "documents")) == 2


def test_when_disk_fills_during_ingest_then_error_names_path_and_table_not_the_source(
    tmp_path, make_source
):
    """ENOSPC is the warehouse's fault, never an 'unreadable file': it stops the run with the
    path and the table, and nothing half-written is published."""
    import subprocess

    from assets.lake import LakeWriteError

    mount = tmp_path / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        lake = Lake.at(str(mount / "wh"))
        rows = "".join(f"a{i},{os.urandom(2000).hex()},y,n,y,n,y\n" for i in range(200))
        source = make_source("essays", "big.csv", HEADER + rows)
        with pytest.raises(LakeWriteError) as caught:
            ingest_partition(lake, source.root.rsplit("/", 1)[0], "essays")
        assert "raw/documents (corpus essays, partition essays, part big.csv-" in str(caught.value)
        assert "ENOSPC" in str(caught.value)
        assert lake.fs.find(lake.path("lake")) == []  # no part, no temporary file
    finally:
        subprocess.run(["umount", str(mount)], check=True)
