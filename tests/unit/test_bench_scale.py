"""The scale benchmark's pure parts: the synthetic dump, stage attribution, CPU accounting and
the PANDORA projection (the benchmark itself runs the whole graph, outside the test suite)."""

from __future__ import annotations

import statistics

import pytest

from assets.ingest.readers import reddit_pushshift
from assets.ingest.sources import SourceFile, corpora_fs
from bench.scale import (
    PANDORA_WORDS,
    TreeSample,
    TreeWatch,
    comment_word_counts,
    pandora_projection,
    stage_of,
    write_dump,
)


def test_when_lengths_are_drawn_then_they_are_reproducible_and_reddit_like():
    counts = comment_word_counts(20_000, seed=3)
    assert counts == comment_word_counts(20_000, seed=3)
    # The real RC_2005-12 bodies: median 29 words, mean 52.
    assert 22 <= statistics.median(counts) <= 32
    assert 40 <= statistics.mean(counts) <= 65
    assert min(counts) >= 1


def test_when_the_dump_is_read_by_the_pushshift_reader_then_every_comment_is_a_document(
        tmp_path):
    dump = write_dump(tmp_path, 500)
    fs, root = corpora_fs(str(tmp_path))
    source = SourceFile(fs, f"{root}/reddit_pushshift", "reddit_pushshift", "RC_2099-12.zst")
    documents = [row for table, row in reddit_pushshift.read(source) if table == "documents"]
    assert len(documents) == 500
    assert sum(len(d["text"].split()) for d in documents) == dump["words"]


@pytest.mark.parametrize(("step", "job", "stage"), [
    ("raw_tables", "partition_job", "ingest"),
    ("raw__parsed_documents", "partition_job", "parse"),
    ("curated__documents", "partition_job", "anonymise"),
    ("curated__quarantine", "partition_job", "anonymise"),
    ("contours", "partition_job", "contours"),
    ("curated__author_features", "warehouse_job", "contours"),
    ("gx_raw__documents", "partition_job", "checks"),
    ("curated__documents_no_identifier_leaks", "partition_job", "checks"),
    ("exports__dataset_export", "warehouse_job", "warehouse"),
])
def test_when_a_step_is_named_then_it_is_charged_to_its_stage(step, job, stage):
    assert stage_of(step, job) == stage


def test_when_cpu_is_asked_between_samples_then_it_is_interpolated():
    watch = TreeWatch(root=0, samples=[TreeSample(10.0, 1.0), TreeSample(12.0, 5.0)])
    assert watch.cpu_between(10.0, 11.0) == pytest.approx(2.0)
    assert watch.cpu_between(9.0, 13.0) == pytest.approx(4.0)


def test_when_pandora_is_projected_then_more_machines_take_proportionally_less_time():
    hours = pandora_projection(words_per_cpu_s=1000.0, efficiency=0.9, machines=(1, 4))
    assert hours["1x8-core"] == pytest.approx(PANDORA_WORDS / (1000 * 8 * 0.9) / 3600, abs=0.1)
    assert hours["4x8-core"] == pytest.approx(hours["1x8-core"] / 4, abs=0.1)
