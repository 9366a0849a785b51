from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from assets.ingest.labels import mbti_from_flair
from assets.ingest.readers import reddit_pushshift
from assets.ingest.records import MAX_TEXT_CHARS, document_id
from assets.ingest.runner import ingest_partition
from assets.ingest.sample import zstd_long_window
from assets.ingest.sources import list_family_files
from tests.conftest import rows_of

CORPUS = "reddit_pushshift"


def _real(real_corpora: Path, name: str):
    (source,) = [s for s in list_family_files(str(real_corpora), CORPUS) if s.name == name]
    return source


def _ndjson(*objects: object) -> bytes:
    return b"".join(
        (o if isinstance(o, bytes) else json.dumps(o).encode()) + b"\n" for o in objects
    )


def _comment(n: int, **fields: object) -> dict:
    return {"id": f"c{n}", "author": f"user{n}", "body": f"comment number {n}",
            "created_utc": 1_134_365_188 + n, "subreddit": "mbti", "link_id": "t3_x",
            "parent_id": "t3_x", **fields}


def test_when_real_rc_2005_12_then_955_comments_and_120_removed_bodies_skipped(real_corpora):
    out = list(reddit_pushshift.read(_real(real_corpora, "RC_2005-12.zst")))
    docs = rows_of(out, "documents")
    # 1,075 lines: 120 bodies are [deleted]/[removed] and are not documents.
    assert len(docs) == 955
    assert len({d["doc_id"] for d in docs}) == 955
    assert {d["kind"] for d in docs} == {"comment"}
    assert {d["context"] for d in docs} == {"reddit.com"}
    # 185 [deleted] authors, 120 of them on removed bodies: 65 kept documents have no author.
    assert sum(d["author_id"] is None for d in docs) == 65
    assert rows_of(out, "quarantine") == [] and rows_of(out, "labels") == []
    first = docs[0]
    assert first["doc_id"] == document_id(CORPUS, "t1_c13")
    assert first["author_id"] == "reddit:frjo"
    assert first["created_at"] == datetime(2005, 12, 12, 5, 26, 28, tzinfo=UTC)
    assert first["source_line"] == 1


def test_when_real_askmen_submissions_then_13050_documents_titles_kept(real_corpora):
    docs = rows_of(reddit_pushshift.read(_real(real_corpora, "AskMen_submissions.zst")),
                   "documents")
    assert len(docs) == 13050
    assert {d["kind"] for d in docs} == {"submission"}
    assert sum(d["author_id"] is None for d in docs) == 6671
    # Only 1,361 selftexts are real: the rest are title-only documents.
    assert sum("\n\n" in d["text"] for d in docs) >= 1361
    assert docs[0]["text"] == "Could I have some male insight into this?"  # selftext [removed]
    assert docs[0]["doc_id"] == document_id(CORPUS, "t3_dbkq9e")


@pytest.mark.parametrize(
    ("flair", "expected"),
    [
        ("INTJ", "INTJ"),
        ("intj-A", "INTJ"),
        ("INTP/INTJ", None),
        ("INFJ 4w5", "INFJ"),
        ("ENFP here", "ENFP"),
        ("", None),
        (None, None),
        ("Male", None),
        ("INTJ | INTJ-T", "INTJ"),
    ],
)
def test_when_flair_then_mbti_type_as_pandora_derived_it(flair, expected):
    assert mbti_from_flair(flair) == expected


def test_when_deleted_author_then_document_kept_without_author(make_source):
    source = make_source(CORPUS, "RC.ndjson", _ndjson(
        _comment(1, author="[deleted]"),
        _comment(2, author=None),
        _comment(3, body="[deleted]"),
        _comment(4, body="[removed]", author="[deleted]"),
    ))
    out = list(reddit_pushshift.read(source))
    docs = rows_of(out, "documents")
    assert [(d["source_line"], d["author_id"]) for d in docs] == [(1, None), (2, None)]
    assert rows_of(out, "quarantine") == []


def test_when_bad_lines_then_quarantined_with_line_numbers(make_source):
    source = make_source(CORPUS, "RC.ndjson", _ndjson(
        _comment(1),
        b'{"author": "x", "body": "cut',
        b"[1, 2]",
        {"author": "y", "id": "c9"},
        _comment(5, id=None),
        _comment(6, body="   "),
        b"",
        _comment(8),
    ))
    out = list(reddit_pushshift.read(source))
    assert [d["source_line"] for d in rows_of(out, "documents")] == [1, 8]
    reasons = [(q["source_line"], q["reason"].split(":")[0]) for q in rows_of(out, "quarantine")]
    assert reasons == [
        (2, "malformed JSON"),
        (3, "not a JSON object"),
        (4, "neither body nor title"),
        (5, "comment without id"),
        (6, "empty comment text"),
    ]
    assert rows_of(out, "quarantine")[0]["raw_excerpt"] == '{"author": "x", "body": "cut'


def test_when_submission_then_title_blank_line_selftext(make_source):
    base = {"author": "op", "created_utc": "1569888094", "subreddit": "AskMen"}
    source = make_source(CORPUS, "RS.ndjson", _ndjson(
        {**base, "id": "a1", "title": "Title one", "selftext": "Body one"},
        {**base, "id": "a2", "title": "Title two", "selftext": "[removed]"},
        {**base, "id": "t3_a3", "title": "Title three", "selftext": ""},
        {**base, "id": "a4", "title": "", "selftext": ""},
    ))
    out = list(reddit_pushshift.read(source))
    docs = rows_of(out, "documents")
    assert [d["text"] for d in docs] == ["Title one\n\nBody one", "Title two", "Title three"]
    assert docs[2]["doc_id"] == document_id(CORPUS, "t3_a3")
    assert docs[0]["created_at"] == datetime(2019, 10, 1, 0, 1, 34, tzinfo=UTC)
    assert [q["reason"] for q in rows_of(out, "quarantine")] == ["empty submission text"]


def test_when_flairs_then_one_label_set_per_author_and_conflicts_quarantined(make_source):
    source = make_source(CORPUS, "RC.ndjson", _ndjson(
        _comment(1, author="ann", author_flair_text="INTJ"),
        _comment(2, author="ann", author_flair_text="intj-A"),
        _comment(3, author="bob", author_flair_text="ISTP"),
        _comment(4, author="bob", author_flair_text="ESTP"),
        _comment(5, author="cy", author_flair_text="INTP/INTJ"),
        _comment(6, author="[deleted]", author_flair_text="ENFP"),
    ))
    out = list(reddit_pushshift.read(source))
    labels = rows_of(out, "labels")
    assert {(r["subject_id"], r["trait"], r["value_cat"]) for r in labels} == {
        ("reddit:ann", "type", "INTJ"), ("reddit:ann", "I/E", "I"), ("reddit:ann", "N/S", "N"),
        ("reddit:ann", "T/F", "T"), ("reddit:ann", "J/P", "J"),
    }
    assert {r["source"] for r in labels} == {"flair"}
    (conflict,) = rows_of(out, "quarantine")
    assert conflict["source_line"] == 4
    assert "reddit:bob declares ISTP then ESTP" in conflict["reason"]
    assert len(rows_of(out, "documents")) == 6


def test_when_gzip_or_zstd_long_window_then_same_documents(make_source):
    data = _ndjson(*(_comment(n) for n in range(5)))
    plain = rows_of(reddit_pushshift.read(make_source(CORPUS, "a.ndjson", data)), "documents")
    gz = rows_of(reddit_pushshift.read(make_source(CORPUS, "b.gz", gzip.compress(data))),
                 "documents")
    zst = rows_of(reddit_pushshift.read(make_source(CORPUS, "c.zst", zstd_long_window(data))),
                  "documents")
    assert [d["doc_id"] for d in plain] == [d["doc_id"] for d in gz] == [d["doc_id"] for d in zst]


def test_when_text_is_at_the_length_limit_then_kept_and_2mb_quarantined(make_source):
    fits = ("a very long comment " * 52_429)[:MAX_TEXT_CHARS]
    over = ("a very long comment " * 104_858)[:2_097_152]
    source = make_source(CORPUS, "RC.ndjson",
                         _ndjson(_comment(1, body=fits), _comment(2, body=over)))
    out = list(reddit_pushshift.read(source))
    (doc,) = rows_of(out, "documents")
    assert len(doc["text"]) == MAX_TEXT_CHARS
    (q,) = rows_of(out, "quarantine")
    assert (q["source_line"], q["reason"]) == (
        2, "text too long: 2097152 characters > 1000000 (RC.ndjson line 2)")


def test_when_zst_truncated_then_rows_before_cut_survive_through_runner(
    real_corpora, tmp_path, lake
):
    full = _real(real_corpora, "RC_2005-12.zst")
    data = full.fs.cat_file(full.path)
    folder = tmp_path / "corpora" / CORPUS
    folder.mkdir(parents=True)
    (folder / "RC_2005-12.zst").write_bytes(data[: len(data) // 2])

    result = ingest_partition(lake, str(tmp_path / "corpora"), f"{CORPUS}:RC_2005-12.zst")

    assert result.failures == []
    assert result.quarantine_reasons() == {"truncated or corrupt compressed stream": 1}
    kept = pq.read_table(lake.part_path("raw", "documents", CORPUS,
                                        list_family_files(str(tmp_path / "corpora"),
                                                          CORPUS)[0].part_name))
    expected = [d["doc_id"] for d in rows_of(reddit_pushshift.read(full), "documents")]
    n = kept.num_rows
    assert 300 < n < 955
    assert kept.column("doc_id").to_pylist() == expected[:n]
    quarantine = pq.read_table(lake.list_parts("raw", "quarantine", CORPUS)[0]).to_pylist()
    assert quarantine[0]["source_line"] > max(kept.column("source_line").to_pylist())
