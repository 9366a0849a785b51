"""Fingerprints and records behind reruns that cost nothing (assets/platform/reuse.py) and the
partitions `run_all` does not launch (dagster_project/unchanged.py)."""

from __future__ import annotations

import pyarrow as pa

from assets.lake import Lake
from assets.platform.reuse import DigestCache, inputs_fingerprint, part_content_digest
from dagster_project.unchanged import remember_partitions, unchanged_partitions

ROWS = pa.table({"doc_id": ["a", "b", "c"], "text": ["one", "two", "three"]})


def test_when_a_part_is_rewritten_with_the_same_rows_and_another_stamp_then_digest_is_equal(
        lake: Lake):
    path = lake.write_part("curated", "documents", "essays", "p0", ROWS, {"known_names": "x"})
    before = part_content_digest(lake, path)
    lake.write_part("curated", "documents", "essays", "p0", ROWS, {"known_names": "y"})
    assert part_content_digest(lake, path) == before
    lake.write_part("curated", "documents", "essays", "p0",
                    ROWS.set_column(1, "text", pa.array(["one", "two", "thre3"])))
    assert part_content_digest(lake, path) != before


def test_when_inputs_of_another_corpus_change_then_this_corpus_fingerprint_stays(lake: Lake):
    lake.write_part("curated", "documents", "essays", "p0", ROWS)
    lake.write_part("curated", "documents", "pandora", "p0", ROWS)
    cache = DigestCache(lake)
    inputs = [("curated", "documents", "essays")]
    essays = inputs_fingerprint(lake, inputs, {"code": "1"}, cache)
    pooled = inputs_fingerprint(lake, [("curated", "documents", None)], {"code": "1"}, cache)
    lake.write_part("curated", "documents", "pandora", "p1", ROWS)
    assert inputs_fingerprint(lake, inputs, {"code": "1"}, cache) == essays
    assert inputs_fingerprint(lake, [("curated", "documents", None)], {"code": "1"},
                              cache) != pooled
    assert inputs_fingerprint(lake, inputs, {"code": "2"}, cache) != essays


def test_when_files_code_and_parts_unchanged_then_partition_not_launched_else_launched(
        lake: Lake):
    lake.write_part("raw", "documents", "essays", "p0", ROWS)
    lake.write_part("raw", "documents", "reddit", "f1", ROWS)
    signatures = {"essays": "e.csv:10:1.0", "reddit:f1": "f1:5:2.0", "reddit:f2": "f2:5:2.0"}
    keys = list(signatures)
    remember_partitions(lake, keys, ["reddit:f2"], signatures, "code-1")

    assert unchanged_partitions(lake, keys, signatures, "code-1") == ["essays", "reddit:f1"]
    assert unchanged_partitions(lake, keys, signatures, "code-2") == []
    touched = {**signatures, "essays": "e.csv:10:3.0"}
    assert unchanged_partitions(lake, keys, touched, "code-1") == ["reddit:f1"]
    lake.write_part("raw", "documents", "essays", "p0", ROWS)  # rewritten by someone else
    assert unchanged_partitions(lake, keys, signatures, "code-1") == ["reddit:f1"]
