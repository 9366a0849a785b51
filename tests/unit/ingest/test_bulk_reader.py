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
from assets.ingest.csv_blocks import CsvBlock, open_csv_blocks
from assets.ingest.csv_rows import open_csv
from assets.ingest.errors import SourceUnreadable
from assets.ingest.ids import content_hash, content_hashes, stable_id, stable_ids
from assets.ingest.readers import pandora, reddit_pushshift
from assets.ingest.runner import all_partition_keys, ingest_partition
from assets.ingest.sample_corpora import write_sample_corpora
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
        try:
            with open_csv(source, set()) as (want_columns, rows):
                want = list(rows)
        except SourceUnreadable as error:  # header only: both paths must say so
            with pytest.raises(SourceUnreadable, match=error.reason):
                with open_csv_blocks(source, set(), block_bytes=block_bytes) as (_, items):
                    list(items)
            continue
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


def _pushshift_comment(rng: random.Random, n: int) -> dict:
    """A comment line with every field the fast path reads, in the odd shapes real dumps have."""
    return {
        "id": rng.choice([f"c{n}", f"t1_c{n}"]),
        "author": rng.choice(["alice", "bob", "carol", "[deleted]", "[removed]", "", None]),
        "body": rng.choice(["a comment", "[deleted]", "[removed]", "", "  \x1c ", "\u3000",
                            " leading space", "ok é"]),
        "created_utc": rng.choice([1_500_000_000 + n, "1500000000", 1.5e9, -5, None,
                                   10**13, "not a time"]),
        "subreddit": rng.choice(["mbti", None, 3, ""]),
        "author_flair_text": rng.choice([None, "", "INTJ", "infp-T", "INTP/INTJ", "ENFP here", 5]),
        "score": n % 5,
    }


@pytest.mark.parametrize("seed", range(6))
def test_when_pushshift_comments_go_a_column_at_a_time_then_same_as_line_by_line(
    make_source, seed
):
    rng = random.Random(seed)
    lines = [json.dumps(_pushshift_comment(rng, n)).encode() + b"\n" for n in range(400)]
    source = make_source("reddit_pushshift", "RC.ndjson", b"")
    fast_flairs, exact_flairs = reddit_pushshift._FlairTypes(), reddit_pushshift._FlairTypes()
    fast = reddit_pushshift._comment_chunk_items(source, 11, lines, fast_flairs)
    exact = list(reddit_pushshift._exact_chunk_items(source, 11, lines, exact_flairs))
    assert fast is not None  # every odd value above is one the columns handle
    assert list(records.as_rows(fast)) == list(records.as_rows(exact))
    assert (fast_flairs.types, fast_flairs.conflicts) == (exact_flairs.types,
                                                          exact_flairs.conflicts)


@pytest.mark.parametrize("odd", [
    b"not json\n", b"[1, 2]\n", b'{"title": "a submission", "id": "s1"}\n',
    b'{"id": 7, "author": "a", "body": "x", "created_utc": 1, "subreddit": "m",'
    b' "author_flair_text": null}\n',
    b'{"id": "", "author": "a", "body": "x", "created_utc": 1, "subreddit": "m",'
    b' "author_flair_text": null}\n',
    b'{"id": "c1", "author": "a", "body": null, "created_utc": 1, "subreddit": "m",'
    b' "author_flair_text": null}\n',
])
def test_when_a_chunk_holds_an_odd_line_then_it_goes_line_by_line(make_source, odd):
    lines = [json.dumps(_pushshift_comment(random.Random(1), n)).encode() + b"\n"
             for n in range(5)] + [odd]
    source = make_source("reddit_pushshift", "RC.ndjson", b"")
    flairs = reddit_pushshift._FlairTypes()
    assert reddit_pushshift._comment_chunk_items(source, 1, lines, flairs) is None
    assert flairs.types == {} and flairs.conflicts == {}  # nothing recorded twice


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
# taken from the row-by-row readers before the bulk paths existed: ids must never change. The
# document digests were re-taken once, when ids and content hashes moved from blake2b/sha256 to
# XXH3-128 (reader version 2), after the same bulk readers had matched the old digests; two
# Pushshift quarantine digests then, when lines stopped carrying their b"\n" into excerpts and
# into orjson's error positions ("line 1 column 53" instead of "line 2 column 1"); the PANDORA
# sample's, when exact duplicates began to be dropped at ingest (its second identical id-less
# line went from documents, 35 -> 34, to quarantine, 1 -> 2).
DOCUMENT_DIGESTS = {
    ("real", "AskMen_submissions.zst"):
        (13050, "a4f78a9238cd607c48e06d82b42bdb41f7869a45d0dd1608f44725172008ffbd"),
    ("real", "RC_2005-12.zst"):
        (955, "c8e56c8f3dd322a5983deb164086e092915ab117d90439abee757e4b45f7dcd1"),
    ("sample", "comments_sample.csv.gz"):
        (34, "0c60c5a49fdcf6a75b80caabcc9be03b0220de2e998c117fcdcbe0a8231a47e7"),
    ("sample", "RC_2016-03.zst"):
        (22, "6c0b3c989becf9d285562390ecc71e98a8d872d19943421fa226e3c94644172c"),
    ("sample", "RS_2016-03_sample.ndjson"):
        (12, "f2e0135ab3076f6126020468023af1fa342ce945aecb9b09a0cbc396ea5ccce2"),
}
QUARANTINE_DIGESTS = {
    ("sample", "comments_sample.csv.gz"):
        (2, "e2df7b31af569c3c79f34f8cb899c9942cf3b5f2768ec2bbb7af2bd4cacce675"),
    ("sample", "RC_2016-03.zst"):
        (4, "f6707d80ff84ab97bffa14344f2bf8836e788323732b94e3eebaf686df965298"),
    ("sample", "RS_2016-03_sample.ndjson"):
        (1, "c169352974854bd352d2176f5bf54b358188c7e35320c1a00f507ae8d3e32809"),
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
