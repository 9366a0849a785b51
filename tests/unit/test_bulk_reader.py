"""The bulk (columnar) ingestion paths give exactly what the row-by-row code gives: same ids,
hashes, documents, quarantine reasons and line numbers."""

from __future__ import annotations

import gzip
import json
import random

import duckdb
import pyarrow as pa
import pytest

from assets.ingest import records
from assets.ingest.ids import content_hash, content_hashes, stable_id, stable_ids
from assets.ingest.io import CsvBlock, open_csv, open_csv_blocks
from assets.ingest.readers import pandora, reddit_pushshift
from assets.ingest.runner import all_partition_keys, ingest_partition
from assets.ingest.sample import write_sample_corpora
from tests.conftest import rows_of

KEYS = ["t1_abc", "", "é", "h_0123_4", "x" * 1000, "a\x1fb", "\x00"]


def _expand(items) -> list[tuple[int, list[str], str | None]]:
    out = []
    for item in items:
        if isinstance(item, CsvBlock):
            columns = [c.to_pylist() for c in item.table.columns]
            for i, line in enumerate(item.lines.to_pylist()):
                out.append((line, [c[i] for c in columns], None))
        else:
            out.append(item)
    return out


def _random_csv(rng: random.Random, records_: int) -> bytes:
    """Mostly valid records with quoted newlines, plus stray quotes, CRs, blank lines, NULs,
    cp1252 bytes and wrong field counts between them."""
    atoms = [b"a", b",", b'"', b'""', b"\n", b"\r\n", b"\r", b" ", b"\xe9", b"\x00", b"\n\n",
             "é".encode()]
    parts = [b"x,y,z\n"]
    for _ in range(records_):
        if rng.random() < 0.7:
            cells = []
            for _ in range(3):
                value = "".join(rng.choices(["a", " ", "é", "\n", "\r\n", '"', ","],
                                            k=rng.randint(0, 4)))
                if rng.random() < 0.5:
                    cells.append('"' + value.replace('"', '""') + '"')
                else:
                    cells.append("".join(c for c in value if c not in '",\r\n'))
            parts.append((",".join(cells) + rng.choice(["\n", "\r\n"])).encode())
        else:
            parts.append(rng.choice(atoms))
    return b"".join(parts)


@pytest.mark.parametrize("corpus", ["reddit_pushshift", "pandora", ""])
def test_when_ids_made_a_column_at_a_time_then_byte_identical(corpus):
    assert stable_ids(corpus, KEYS).to_pylist() == [stable_id(corpus, k) for k in KEYS]


def test_when_hashes_made_a_column_at_a_time_then_identical():
    texts = ["", "hello", "é€😀", "a\x00b", "x" * 1_048_576, "line\r\nbreak"]
    assert content_hashes(pa.array(texts)).to_pylist() == [content_hash(t) for t in texts]


def test_when_empty_inputs_then_empty_columns():
    assert stable_ids("c", []).to_pylist() == []
    assert content_hashes(pa.array([], pa.string())).to_pylist() == []


@pytest.mark.parametrize("block_bytes", [1, 7, 64, 1 << 20])
def test_when_csv_read_in_arrow_blocks_then_same_records_as_csv_module(
    make_source, block_bytes
):
    rng = random.Random(block_bytes)
    blocks = 0
    for n in range(150):
        source = make_source("fuzz", f"f{n}.csv", _random_csv(rng, rng.randint(0, 50)))
        with open_csv(source, set()) as (want_columns, rows):
            want = list(rows)
        with open_csv_blocks(source, set(), block_bytes=block_bytes) as (columns, items):
            items = list(items)
        assert columns == want_columns
        assert _expand(items) == want, n
        blocks += sum(isinstance(i, CsvBlock) for i in items)
    assert blocks >= 10  # the Arrow path was exercised, not only the fallback


def test_when_csv_has_no_trailing_newline_or_crlf_then_lines_match(make_source):
    data = 'a,b\r\n1,"two\r\nlines"\r\n\r\n3,4\r\n5,"six'
    source = make_source("fuzz", "t.csv", data)
    with open_csv(source, set()) as (_, rows):
        want = list(rows)
    with open_csv_blocks(source, set(), block_bytes=8) as (_, items):
        assert _expand(items) == want
    assert [w[0] for w in want] == [2, 5, 6]


def _nasty_comments(rng: random.Random, n: int) -> bytes:
    out = ["author,body,subreddit,created_utc,id,link_id,lang\r\n"]
    words = ["alpha", 'quo"te', "comma,here", "new\nline", "café", "\r\n", " "]
    for i in range(n):
        body = " ".join(rng.choices(words, k=rng.randint(1, 4)))
        body = rng.choice([body] * 8 + ["[removed]", "[deleted]", "   ", "\u3000"])
        author = rng.choice(["fern", "moss", "[deleted]", "", " spaced ", "x\x1f"])
        created = rng.choice([str(1_500_000_000 + i)] * 4 + ["", "soon", "1.5e9", " 12"])
        cid = rng.choice(["", f"c{i}", f"t1_c{i}", " c ", ""])
        sub = rng.choice(["mbti", "", " intj "])
        line = f'{author},"{body.replace(chr(34), 2 * chr(34))}",{sub},{created},{cid},t3_1,en'
        roll = rng.random()
        if roll < 0.02:
            line += ",extra"
        elif roll < 0.03:
            line = "too,few"
        elif roll < 0.04:
            line = ""
        elif roll < 0.045:
            line = f'{author},"unterminated {i}'
        elif roll < 0.06:
            line = "moss,same text,intj,1500000001,,t3_2,en"
        out.append(line + rng.choice(["\r\n", "\n"]))
    return "".join(out).encode().replace("café".encode(), b"caf\xe9", 40)


@pytest.mark.parametrize("block_bytes", [50, 4096, 1 << 20])
def test_when_pandora_comments_read_in_blocks_then_rows_match_row_by_row_rules(
    make_source, monkeypatch, block_bytes
):
    data = _nasty_comments(random.Random(block_bytes), 3000)
    source = make_source("pandora", "comments.csv.gz", gzip.compress(data, mtime=0))
    seen: dict[str, int] = {}
    with open_csv(source, {"author", "body"}, casefold=True) as (columns, rows):
        at = pandora._CommentColumns(columns["author"], columns["body"], columns["id"],
                                     columns["subreddit"], columns["created_utc"])
        expected = [r for item in rows if (r := pandora._comment_row(source, at, item, seen))]
    monkeypatch.setattr(pandora, "COMMENT_BLOCK_BYTES", block_bytes)
    batches = list(pandora.read_comment_batches(source))
    got = list(records.as_rows(batches))
    if block_bytes < 1 << 20:  # with 6% bad records, no 64 KiB stretch is clean
        assert any(not isinstance(item, dict) for _, item in batches)  # Arrow blocks were used
    for table in ("documents", "quarantine"):
        want_rows, got_rows = rows_of(expected, table), rows_of(got, table)
        assert len(got_rows) == len(want_rows)
        key = (lambda r: (r["source_line"], r["reason"])) if table == "quarantine" else None
        assert sorted(got_rows, key=key or (lambda r: r["source_line"])) == sorted(
            want_rows, key=key or (lambda r: r["source_line"]))
    reasons = {q["reason"].split(":")[0] for q in rows_of(got, "quarantine")}
    assert {"empty comment text", "expected 7 fields, found 8",
            "expected 7 fields, found 2"} <= reasons


def test_when_few_bad_records_then_nearly_all_documents_come_in_arrow_blocks(make_source):
    good = [f'u{i},"comment {i}\nwith a second line",mbti,{1_500_000_000 + i},c{i}\n'
            for i in range(60_000)]
    for i in range(0, 60_000, 7_000):
        good[i] = "bad,record\n"
    source = make_source("pandora", "comments.csv", "author,body,subreddit,created_utc,id\n"
                         + "".join(good))
    items = list(pandora.read_comment_batches(source))
    in_blocks = sum(item.num_rows for table, item in items
                    if table == "documents" and not isinstance(item, dict))
    rows = [item for table, item in items if isinstance(item, dict)]
    # Good records take two lines, bad ones one.
    assert [(r["source_line"], r["reason"]) for r in rows if "reason" in r] == [
        (2 + 2 * i - k, "expected 5 fields, found 2")
        for k, i in enumerate(range(0, 60_000, 7_000))]
    assert in_blocks > 0.9 * 60_000


def test_when_comments_gzip_truncated_then_rows_before_cut_survive(tmp_path, lake):
    body = "author,body,id\n" + "".join(f"u{i},comment {i},c{i}\n" for i in range(50_000))
    data = gzip.compress(body.encode(), mtime=0)
    folder = tmp_path / "corpora" / "pandora"
    folder.mkdir(parents=True)
    (folder / "comments.csv.gz").write_bytes(data[: len(data) // 2])
    result = ingest_partition(lake, str(tmp_path / "corpora"), "pandora:comments.csv.gz")
    assert result.failures == []
    assert result.quarantine_reasons() == {"truncated or corrupt compressed stream": 1}
    kept = result.rows("documents")
    assert 1_000 < kept < 50_000


def test_when_pushshift_subreddit_not_a_string_then_document_kept_without_context(make_source):
    lines = [{"id": "a", "author": "x", "body": "hi", "subreddit": 3, "created_utc": 1},
             {"id": "b", "author": "x", "body": "yo", "subreddit": "mbti", "created_utc": "2"}]
    source = make_source("reddit_pushshift", "RC.ndjson",
                         b"".join(json.dumps(o).encode() + b"\n" for o in lines))
    docs = rows_of(reddit_pushshift.read(source), "documents")
    assert [(d["context"], d["created_at"].timestamp()) for d in docs] == [(None, 1), ("mbti", 2)]


def test_when_documents_batch_then_equal_to_document_rows(make_source):
    source = make_source("reddit_pushshift", "RC.ndjson", b"")
    rows = [records.document(source, natural_key=f"t1_{i}", line=i + 1, kind="comment",
                             text=f"text {i} é", author_id=None if i % 2 else "reddit:u",
                             created_at=records.from_epoch(1_500_000_000 + i), context="mbti")
            for i in range(5)]
    batch = records.documents_batch(
        source, natural_keys=[f"t1_{i}" for i in range(5)], lines=list(range(1, 6)),
        kinds="comment", texts=[f"text {i} é" for i in range(5)],
        author_ids=[None if i % 2 else "reddit:u" for i in range(5)],
        created_epochs=[1_500_000_000 + i for i in range(5)], contexts=["mbti"] * 5,
    )
    assert batch.to_pylist() == [r for _, r in rows]


# Digests of (doc_id, author_id, content_hash, line, time, context) and of the quarantine rows,
# taken from the row-by-row readers before the bulk paths existed: ids must never change.
DOCUMENT_DIGESTS = {
    ("real", "AskMen_submissions.zst"):
        (13050, "2ca89be4bcfbe6ce9246c6b433cba0d08c29909a70d403f540c2ebb4bac61d30"),
    ("real", "RC_2005-12.zst"):
        (955, "1e7253a801ae3ba52f44d961e18ed383b53b6722eca048bed81a6a54ae62afc9"),
    ("sample", "comments_sample.csv.gz"):
        (35, "96bb50ab0847fec63b70130d6c5c5718040794bac8441dff194b6ca2e7189e68"),
    ("sample", "RC_2016-03.zst"):
        (22, "3efd50dbae459aac3be38c01edb5a7fd6550d849b68f6d66a1a96165698339d1"),
    ("sample", "RS_2016-03_sample.ndjson"):
        (12, "5ff1746017f8fa332122fdbe5e0b2c0a2ac6bd5d9869917b62912531d66b42b0"),
}
QUARANTINE_DIGESTS = {
    ("sample", "comments_sample.csv.gz"):
        (1, "a196abfbe104475768d627db707cecd14948db18f88b8666a87bd6fda5a43a62"),
    ("sample", "RC_2016-03.zst"):
        (4, "3fd2b5a247e6b4a76d8284f277dc0d440327bbd93a1ae60351fe2ec1538a5c9c"),
    ("sample", "RS_2016-03_sample.ndjson"):
        (1, "7e1761d961295ce560e985e701d111247ac6f064e142e8646d041234fe7f08b4"),
}


def _digests(lake, table: str, row: str, order: str) -> dict[str, tuple[int, str]]:
    parts = lake.list_parts("raw", table)
    query = f"""SELECT source_file, count(*), sha256(string_agg({row}, ',' ORDER BY {order}))
                FROM read_parquet({parts}) GROUP BY ALL"""
    return {name: (n, digest) for name, n, digest in duckdb.sql(query).fetchall()}


@pytest.mark.parametrize("where", ["real", "sample"])
def test_when_bulk_readers_ingest_then_ids_hashes_and_quarantine_as_before(
    where, real_corpora, tmp_path, lake
):
    corpora = real_corpora
    if where == "sample":
        corpora = tmp_path / "sample"
        write_sample_corpora(str(corpora))
    for key in all_partition_keys(str(corpora)):
        if key.startswith(("reddit_pushshift:", "pandora:")):
            assert ingest_partition(lake, str(corpora), key).failures == []
    documents = _digests(
        lake, "documents",
        "doc_id || '|' || coalesce(author_id, '') || '|' || content_hash || '|' || source_line"
        " || '|' || coalesce(epoch(created_at)::BIGINT::VARCHAR, '') || '|'"
        " || coalesce(context, '')",
        "doc_id, source_line",
    )
    quarantine = _digests(lake, "quarantine",
                          "source_line || '|' || reason || '|' || coalesce(raw_excerpt, '')",
                          "source_line, reason")
    for (place, name), expected in DOCUMENT_DIGESTS.items():
        if place == where:
            assert documents[name] == expected, name
    for (place, name), expected in QUARANTINE_DIGESTS.items():
        if place == where:
            assert quarantine[name] == expected, name
