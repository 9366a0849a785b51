from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import UTC, datetime

import pyarrow.parquet as pq
import pytest

from assets.ingest.errors import SourceUnreadable
from assets.ingest.readers import twitter_mbti
from assets.ingest.runner import ingest_partition
from assets.ingest.sources import list_family_files
from tests.conftest import rows_of

PSV_HEADER = "label|text\n"


@pytest.fixture(scope="module")
def real_rows(real_corpora):
    (source,) = list_family_files(str(real_corpora), "twitter_mbti")
    return list(twitter_mbti.read(source))


def test_when_real_psv_then_29660_tweets_and_the_empty_one_quarantined(real_rows):
    docs = rows_of(real_rows, "documents")
    # 29,661 tweet lines: one (`ISFJ|`, line 22793) has no text.
    assert len(docs) == 29660
    assert len({d["doc_id"] for d in docs}) == 29660  # 588 repeated tweets told apart
    assert all(d["author_id"] is None and d["kind"] == "tweet" for d in docs)
    assert [(q["source_line"], q["reason"]) for q in rows_of(real_rows, "quarantine")] == [
        (22793, "empty text")
    ]


def test_when_real_psv_then_16_types_as_document_labels(real_rows):
    labels = rows_of(real_rows, "labels")
    types = Counter(r["value_cat"] for r in labels if r["trait"] == "type")
    assert len(types) == 16
    assert types == {
        "ENTJ": 2001, "ESTJ": 1996, "ESTP": 1993, "INTP": 1993, "ENTP": 1992, "ESFP": 1992,
        "ENFP": 1986, "INTJ": 1986, "ISTP": 1984, "ENFJ": 1966, "INFP": 1954, "ISTJ": 1932,
        "ISFJ": 1875, "ESFJ": 1817, "ISFP": 1111, "INFJ": 1082,
    }
    assert {(r["subject_kind"], r["source"]) for r in labels} == {("document", "third_party")}


def test_when_real_psv_line_has_extra_pipes_then_text_kept_whole(real_rows):
    docs = rows_of(real_rows, "documents")
    assert sum("|" in d["text"] for d in docs) == 65
    (disney,) = [d for d in docs if "#DisneyFamilySingalong" in d["text"]]
    assert disney["text"] == (
        "Tune in tonight to #DisneyFamilySingalong at 8|7c on @ABCNetwork to see Demi perform "
        "A Dream is a Wish Your Heart Makes with @MichaelBuble ✨"
    )


def test_when_psv_header_wrong_then_unreadable_names_file(make_source):
    source = make_source("twitter_mbti", "t.psv", "type|tweet\nINTJ|hi\n")
    with pytest.raises(SourceUnreadable, match=r"twitter_mbti/t\.psv: missing required column"):
        list(twitter_mbti.read(source))


def test_when_psv_rows_bad_then_quarantined_with_reasons(make_source):
    body = PSV_HEADER + "XXXX|hello\nINTJ|   \nINTJ no pipe here\nENFP|fine\n"
    out = list(twitter_mbti.read(make_source("twitter_mbti", "t.psv", body)))
    assert [(q["source_line"], q["reason"]) for q in rows_of(out, "quarantine")] == [
        (2, "invalid MBTI type: 'XXXX'"), (3, "empty text"), (4, "no '|' separator"),
    ]
    assert [d["text"] for d in rows_of(out, "documents")] == ["fine"]


def test_when_duplicate_tweets_then_distinct_ids_stable_across_copies(make_source):
    body = PSV_HEADER + "INTJ|same\r\nENFP|other\r\nINTJ|same\r\n"
    one = rows_of(twitter_mbti.read(make_source("twitter_mbti", "a.psv", body)), "documents")
    reordered = "INTJ|same\nINTJ|same\n"  # headerless, LF, compressed, lines moved
    copy = make_source("twitter_mbti", "b.txt.gz", gzip.compress(reordered.encode()))
    two = rows_of(twitter_mbti.read(copy), "documents")
    assert len({d["doc_id"] for d in one}) == 3
    assert {d["doc_id"] for d in two} == {d["doc_id"] for d in one if d["text"] == "same"}


def test_when_tweet_is_1mb_then_ingested_whole(make_source):
    big = "y" * 1_000_000
    source = make_source("twitter_mbti", "big.psv", f"{PSV_HEADER}ISTP|{big}\n")
    out = list(twitter_mbti.read(source))
    (doc,) = rows_of(out, "documents")
    assert doc["text"] == big


def test_when_bad_utf8_bytes_then_line_decoded_as_cp1252(make_source):
    data = (PSV_HEADER + "ESFJ|caf\x00\nESFJ|ok\n").encode().replace(b"\x00", b"\xe9")
    out = list(twitter_mbti.read(make_source("twitter_mbti", "u.psv", data)))
    assert [d["text"] for d in rows_of(out, "documents")] == ["café", "ok"]


V11 = {
    "id_str": "1050118621198921728",
    "id": 1050118621198921728,
    "full_text": "RT @someone: a retweet keeps its text",
    "text": "truncated",
    "created_at": "Wed Oct 10 20:19:24 +0000 2018",
    "user": {"id_str": "783214", "screen_name": "Twitter"},
    "retweeted_status": {"id_str": "1", "full_text": "a retweet keeps its text"},
}
V2_PAGE = {
    "data": [
        {"id": "1212092628029698048", "text": "v2 with expansion",
         "created_at": "2019-12-31T19:26:16.000Z", "author_id": "2244994945"},
    ],
    "includes": {"users": [{"id": "2244994945", "username": "TwitterDev"}]},
}
V2_BARE = {"id": "42", "text": "v2, author id only", "author_id": "999",
           "created_at": "2020-01-01T00:00:00Z"}
V2_FLAT = {"id": "43", "text": "twarc-flattened", "author": {"id": "5", "username": "@Flat"}}


def jsonl(*objects: object) -> str:
    return "".join(json.dumps(o) + "\n" for o in objects)


def test_when_jsonl_v11_and_v2_with_users_file_then_authors_joined(make_source):
    tweets_body = jsonl(V11, V2_PAGE, V2_BARE, V2_FLAT) + '{"id": "44", "text": "  "}\n{broken\n'
    tweets = make_source("twitter_mbti", "tweets.jsonl.gz", gzip.compress(tweets_body.encode()))
    users = make_source(
        "twitter_mbti",
        "users.csv",
        "user_id,screen_name,MBTI\n783214,Twitter,INTJ\n2244994945,,ENFP\n"
        "2244994945,TwitterDev,ENFP\n999,,istp\n5,Flat,XXXX\n,,INFJ\n",
    )
    out = list(twitter_mbti.read(tweets))
    docs = {d["text"]: d for d in rows_of(out, "documents")}
    assert {text: d["author_id"] for text, d in docs.items()} == {
        "RT @someone: a retweet keeps its text": "twitter:twitter",
        "v2 with expansion": "twitter:twitterdev",
        "v2, author id only": "twitter:id:999",
        "twarc-flattened": "twitter:flat",
    }
    assert docs["v2 with expansion"]["created_at"] == datetime(2019, 12, 31, 19, 26, 16, tzinfo=UTC)
    assert docs["RT @someone: a retweet keeps its text"]["created_at"] == datetime(
        2018, 10, 10, 20, 19, 24, tzinfo=UTC
    )
    reasons = [(q["source_line"], q["reason"]) for q in rows_of(out, "quarantine")]
    assert reasons[0] == (5, "empty text in tweet 44")
    assert reasons[1][0] == 6 and reasons[1][1].startswith("unparseable JSON: ")

    user_rows = list(twitter_mbti.read(users))
    authors = {a["author_id"]: a["username"] for a in rows_of(user_rows, "authors")}
    assert authors == {"twitter:twitter": "Twitter", "twitter:twitterdev": "TwitterDev",
                       "twitter:id:999": "999"}
    assert {d["author_id"] for d in docs.values()} - set(authors) == {"twitter:flat"}
    types = {(r["subject_id"], r["value_cat"]) for r in rows_of(user_rows, "labels")
             if r["trait"] == "type"}
    assert types == {("twitter:twitter", "INTJ"), ("twitter:twitterdev", "ENFP"),
                     ("twitter:id:999", "ISTP")}
    assert {r["source"] for r in rows_of(user_rows, "labels")} == {"third_party"}
    assert [(q["source_line"], q["reason"]) for q in rows_of(user_rows, "quarantine")] == [
        (6, "invalid MBTI type: 'XXXX'"), (7, "user without id or screen name"),
    ]


def test_when_users_jsonl_conflicts_then_second_type_quarantined(make_source):
    body = jsonl(
        {"user": {"id_str": "7", "screen_name": "Seven"}, "type": "INFJ"},
        {"id": "7", "label": "ENTP"},
        {"screen_name": "seven", "mbti": "INFJ"},
    )
    out = list(twitter_mbti.read(make_source("twitter_mbti", "mbti_users.jsonl", body)))
    assert [a["author_id"] for a in rows_of(out, "authors")] == ["twitter:seven"]
    (q,) = rows_of(out, "quarantine")
    assert q["reason"] == "conflicting MBTI type for twitter:seven: ENTP, line 1 says INFJ"


def test_when_users_csv_lacks_type_column_then_unreadable_names_file(make_source):
    source = make_source("twitter_mbti", "users.csv", "user_id,screen_name\n1,a\n")
    with pytest.raises(SourceUnreadable, match=r"twitter_mbti/users\.csv: missing required"):
        list(twitter_mbti.read(source))


def test_when_first_line_neither_json_nor_pipes_then_unreadable(make_source):
    source = make_source("twitter_mbti", "notes.txt", "just some text\n")
    with pytest.raises(SourceUnreadable, match="cannot tell the file's role"):
        list(twitter_mbti.read(source))


def test_when_ingested_through_runner_then_lake_parts_hold_every_row(lake, real_corpora):
    result = ingest_partition(lake, str(real_corpora), "twitter_mbti")
    assert result.failures == []
    assert {t: result.rows(t) for t in ("documents", "authors", "labels", "quarantine")} == {
        "documents": 29660, "authors": 0, "labels": 29660 * 5, "quarantine": 1,
    }
    assert result.quarantine_reasons() == {"empty text": 1}
    docs = pq.read_table(lake.list_parts("raw", "documents", "twitter_mbti"), partitioning=None)
    assert docs.num_rows == 29660 and docs.column("author_id").null_count == 29660
