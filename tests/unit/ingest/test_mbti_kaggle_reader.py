from __future__ import annotations

import gzip
from collections import Counter

import pyarrow.parquet as pq
import pytest

from assets.ingest import records
from assets.ingest.errors import SourceUnreadable
from assets.ingest.readers import mbti_kaggle
from assets.ingest.runner import ingest_partition
from assets.ingest.sources import list_family_files
from tests.conftest import rows_of

HEADER = "type,posts\n"
# SOURCE.md: the per-type files plus mbti_3.csv, each row once (26 rows were in both).
TYPE_COUNTS = {
    "ISTP": 337, "ISFP": 271, "ENTJ": 231, "ISTJ": 205, "ENFJ": 190, "ISFJ": 166, "ESTP": 89,
    "ESFP": 48, "INFP": 43, "ESFJ": 42, "ESTJ": 39, "INFJ": 32, "INTP": 23, "ENTP": 18,
    "ENFP": 17, "INTJ": 17,
}


@pytest.fixture(scope="module")
def real_rows(real_corpora):
    (source,) = list_family_files(str(real_corpora), "mbti_kaggle")
    return list(mbti_kaggle.read(source))


def test_when_real_subset_then_1768_authors_with_per_type_counts(real_rows):
    authors = rows_of(real_rows, "authors")
    assert len(authors) == 1768
    assert len({a["author_id"] for a in authors}) == 1768
    assert all(a["author_id"].startswith("personalitycafe:row-") for a in authors)
    types = rows_of(real_rows, "labels")
    assert Counter(r["value_cat"] for r in types if r["trait"] == "type") == TYPE_COUNTS
    assert {r["source"] for r in types} == {"self_report"}
    assert len(types) == 1768 * 5  # the type and its four axes
    assert rows_of(real_rows, "quarantine") == []


def test_when_real_subset_then_85639_posts_without_empty_ones_or_wrapping_quotes(real_rows):
    docs = rows_of(real_rows, "documents")
    # 85,828 `|||`-separated pieces, of which 189 are empty.
    assert len(docs) == 85639
    assert len({d["doc_id"] for d in docs}) == 85639
    assert all(d["text"] and d["text"] == d["text"].strip() for d in docs)
    first = next(d for d in docs if d["source_line"] == 2)
    assert first["text"] == "https://www.youtube.com/watch?v=PLAaiKvHvZs"  # no leading quote


def test_when_type_column_missing_then_unreadable_names_file(make_source):
    source = make_source("mbti_kaggle", "nope.csv", "label,posts\nINTJ,hi\n")
    with pytest.raises(SourceUnreadable, match=r"mbti_kaggle/nope\.csv: .*\['type'\]"):
        list(mbti_kaggle.read(source))


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("XXXX,'hello|||world'\n", "invalid MBTI type: 'XXXX'"),
        ("INTJ,\n", "no posts"),
        ("INTJ,'|||   |||'\n", "no posts"),
        ("INTJ,a,b\n", "expected 2 fields, found 3"),
    ],
)
def test_when_bad_row_then_quarantined_with_reason(make_source, row, reason):
    source = make_source("mbti_kaggle", "m.csv", HEADER + row + "ENFP,'fine'\n")
    out = list(mbti_kaggle.read(source))
    (q,) = rows_of(out, "quarantine")
    assert (q["reason"], q["source_line"]) == (reason, 2)
    assert [d["text"] for d in rows_of(out, "documents")] == ["fine"]


def test_when_posts_wrapped_then_quotes_and_empty_posts_dropped(make_source):
    body = HEADER + "intj-A,\"''Quoted start|||  |||it's the end'\"\nINFP,plain end'\n"
    out = list(mbti_kaggle.read(make_source("mbti_kaggle", "m.csv", body)))
    docs = rows_of(out, "documents")
    assert [d["text"] for d in docs] == ["'Quoted start", "it's the end", "plain end'"]
    first_author = docs[0]["author_id"]
    # Positions follow the field: the empty middle post keeps its index.
    assert docs[1]["doc_id"] == records.document_id("mbti_kaggle", f"{first_author}|2")
    types = [r["value_cat"] for r in rows_of(out, "labels") if r["trait"] == "type"]
    assert types == ["INTJ", "INFP"]


def test_when_same_row_twice_then_second_quarantined_as_duplicate(make_source):
    out = list(mbti_kaggle.read(make_source("mbti_kaggle", "d.csv", HEADER + "INTJ,a|||b\n" * 2)))
    assert len(rows_of(out, "documents")) == 2
    (q,) = rows_of(out, "quarantine")
    assert q["reason"] == "duplicate row: same posts as line 2"


def test_when_post_is_1mb_then_ingested_whole(make_source):
    big = "x" * 1_000_000
    source = make_source("mbti_kaggle", "b.csv", f"{HEADER}ISTP,'{big}|||ok'\n")
    out = list(mbti_kaggle.read(source))
    assert [len(d["text"]) for d in rows_of(out, "documents")] == [1_000_000, 2]


def test_when_bad_utf8_bytes_then_row_decoded_as_cp1252(make_source):
    data = (HEADER + "ISFJ,caf\x00|||fine\nESTJ,ok\n").encode().replace(b"\x00", b"\xe9")
    out = list(mbti_kaggle.read(make_source("mbti_kaggle", "u.csv", data)))
    assert [d["text"] for d in rows_of(out, "documents")] == ["café", "fine", "ok"]


def test_when_same_posts_in_another_copy_then_same_ids(make_source):
    a = make_source("mbti_kaggle", "a.csv", HEADER + "INTJ,'p1|||p2'\n")
    other_copy = "type,posts,origin_file\nINTJ,'p1|||p2',x.csv\n"
    b = make_source("mbti_kaggle", "b.csv.gz", gzip.compress(other_copy.encode()))
    ids_a = [d["doc_id"] for d in rows_of(mbti_kaggle.read(a), "documents")]
    ids_b = [d["doc_id"] for d in rows_of(mbti_kaggle.read(b), "documents")]
    assert ids_a == ids_b and len(ids_a) == 2


def test_when_ingested_through_runner_then_lake_parts_hold_every_row(lake, real_corpora):
    result = ingest_partition(lake, str(real_corpora), "mbti_kaggle")
    assert result.failures == []
    assert {t: result.rows(t) for t in ("documents", "authors", "labels", "quarantine")} == {
        "documents": 85639, "authors": 1768, "labels": 1768 * 5, "quarantine": 0,
    }
    parts = lake.list_parts("raw", "authors", "mbti_kaggle")
    authors = pq.read_table(parts, partitioning=None).to_pylist()
    assert sum(a["n_documents"] for a in authors) == 85639
    assert {a["platform"] for a in authors} == {"personalitycafe"}
