from __future__ import annotations

import gzip

import pytest

from assets.ingest.errors import SourceUnreadable
from assets.ingest.ids import stable_id
from assets.ingest.readers import pandora
from assets.ingest.records import MAX_TEXT_CHARS, document_id
from assets.ingest.runner import ingest_partition
from schemas.label_scales import SCALES, VALUE_COLUMNS
from tests.conftest import rows_of

CORPUS = "pandora"
PROFILE_HEADER = (
    "Author,MBTI,enneagram,introverted,intuitive,thinking,perceiving,agreeableness,Openness,"
    "conscientiousness,extraversion,neuroticism,age,gender,country,flair_text,num_comments\n"
)
COMMENT_HEADER = "author,body,subreddit,created_utc,id,link_id,lang\n"


def _labels(out) -> dict[tuple[str, str, str], tuple[str, float | None, str | None, str]]:
    """(scale, the value from the scale's own column, value_cat, source) per label; every other
    value column must be null."""
    found = {}
    for r in rows_of(out, "labels"):
        column = SCALES[r["scale"]].column
        assert [c for c in VALUE_COLUMNS if r[c] is not None] == ([column] if column else [])
        found[(r["subject_id"], r["scheme"], r["trait"])] = (
            r["scale"], r[column] if column else None, r["value_cat"], r["source"])
    return found


def test_when_full_profile_then_author_and_every_label_scheme(make_source):
    source = make_source(CORPUS, "author_profiles.csv",
                         PROFILE_HEADER + "fern,INFJ,4w5,1,1,0,0,55,87.5,12,3,70,29,F,Canada,x,4\n")
    out = list(pandora.read(source))
    (author,) = rows_of(out, "authors")
    assert author["author_id"] == "reddit:fern" and author["platform"] == "reddit"
    labels = _labels(out)
    a = "reddit:fern"
    assert labels[(a, "mbti", "type")] == ("category", None, "INFJ", "flair")
    assert labels[(a, "mbti", "J/P")] == ("binary", 1, "J", "flair")
    assert labels[(a, "enneagram", "type")] == ("category", None, "4w5", "flair")
    assert labels[(a, "big5", "OPN")] == ("percentile", 87.5, None, "test_result")
    assert labels[(a, "big5", "EXT")] == ("percentile", 3.0, None, "test_result")
    assert labels[(a, "demographic", "age")] == ("years", 29.0, None, "self_report")
    assert labels[(a, "demographic", "gender")] == ("category", None, "female", "self_report")
    assert labels[(a, "demographic", "country")] == ("category", None, "Canada", "self_report")
    assert len(labels) == 5 + 1 + 5 + 3
    assert rows_of(out, "quarantine") == []


@pytest.mark.parametrize(
    ("openness", "reason"),
    [
        ("130", "out-of-range Big Five percentile: openness='130' (expected 0-100)"),
        ("-5", "out-of-range Big Five percentile: openness='-5' (expected 0-100)"),
        ("high", "invalid Big Five percentile: openness='high'"),
    ],
)
def test_when_percentile_unusable_then_that_value_quarantined_rest_kept(
    make_source, openness, reason
):
    row = f"fern,INTP,,,,,,40,{openness},50,60,70,33,m,,,\n"
    out = list(pandora.read(make_source(CORPUS, "author_profiles.csv", PROFILE_HEADER + row)))
    (q,) = rows_of(out, "quarantine")
    assert q["reason"] == reason and q["source_line"] == 2
    labels = _labels(out)
    assert ("reddit:fern", "big5", "OPN") not in labels
    assert {t for (_, s, t) in labels if s == "big5"} == {"AGR", "CON", "EXT", "NEU"}
    assert labels[("reddit:fern", "mbti", "type")][2] == "INTP"


def test_when_invalid_mbti_then_quarantined_and_axes_and_other_labels_kept(make_source):
    row = "fern,XXXX,9w1,0,1,1,1,,,,,,,,,,\n"
    out = list(pandora.read(make_source(CORPUS, "author_profiles.csv", PROFILE_HEADER + row)))
    assert [q["reason"] for q in rows_of(out, "quarantine")] == ["invalid MBTI type: mbti='XXXX'"]
    labels = _labels(out)
    assert ("reddit:fern", "mbti", "type") not in labels
    assert {t: v[2] for (_, s, t), v in labels.items() if s == "mbti"} == {
        "I/E": "E", "N/S": "N", "T/F": "T", "J/P": "P"}
    assert labels[("reddit:fern", "enneagram", "type")] == ("category", None, "9w1", "flair")


def test_when_axes_disagree_or_bad_values_then_precise_reasons(make_source):
    rows = ("fern,INTJ,4w9,0,,,,,,,,,7,,,,\n"  # E axis vs INTJ; 4w9 is no wing; age 7
            "moss,,,2,,,,,,,,,abc,,,,\n")
    out = list(pandora.read(make_source(CORPUS, "author_profiles.csv", PROFILE_HEADER + rows)))
    assert [(q["source_line"], q["reason"]) for q in rows_of(out, "quarantine")] == [
        (2, "MBTI axis columns disagree with type INTJ: I/E column says E"),
        (2, "invalid Enneagram type: enneagram='4w9'"),
        (2, "implausible age: age='7' (expected 10-100)"),
        (3, "invalid MBTI axis value: introverted='2'"),
        (3, "invalid age: age='abc'"),
    ]
    assert len(rows_of(out, "authors")) == 2


def test_when_profiles_lack_author_column_then_source_unreadable(make_source):
    source = make_source(CORPUS, "author_profiles.csv", "user,mbti\nfern,INTJ\n")
    with pytest.raises(SourceUnreadable, match=r"missing required column\(s\) \['author'\]"):
        list(pandora.read(source))


def test_when_comments_lack_body_column_then_runner_reports_error_and_writes_nothing(
    make_source, lake
):
    source = make_source(CORPUS, "comments.csv", "author,text\nfern,hello\n")
    folder = source.root.rsplit("/", 1)[0]
    result = ingest_partition(lake, folder, f"{CORPUS}:comments.csv")
    (failure,) = result.failures
    assert "missing required column(s) ['body']" in str(failure.error)
    assert lake.list_parts("raw", "documents", CORPUS) == []


def test_when_comments_then_keys_authors_and_skips(make_source):
    body = (
        COMMENT_HEADER
        + 'fern,"Hello, ""world""\nsecond line",mbti,1500000000,abc,t3_1,en\n'
        + "moss,same text,intj,1500000001,,t3_2,en\n"
        + "moss,same text,intj,1500000001,,t3_2,en\n"
        + "[deleted],orphaned but real,intj,1500000002,t1_def,t3_2,en\n"
        + "fern,[removed],intj,1500000003,ghi,t3_2,en\n"
        + "fern,  ,intj,1500000004,jkl,t3_2,en\n"
        + "fern,too,many,fields,1,2,3,4\n"
    )
    source = make_source(CORPUS, "comments.csv.gz", gzip.compress(body.encode(), mtime=0))
    out = list(pandora.read(source))
    docs = rows_of(out, "documents")
    digest = stable_id("moss", "1500000001", "same text")
    assert [d["doc_id"] for d in docs] == [
        document_id(CORPUS, "t1_abc"),
        document_id(CORPUS, f"h_{digest}_0"),
        document_id(CORPUS, f"h_{digest}_1"),
        document_id(CORPUS, "t1_def"),
    ]
    assert docs[0]["text"] == 'Hello, "world"\nsecond line'
    assert [d["source_line"] for d in docs] == [2, 4, 5, 6]
    assert [d["author_id"] for d in docs] == ["reddit:fern", "reddit:moss", "reddit:moss", None]
    assert docs[0]["context"] == "mbti" and docs[0]["created_at"].year == 2017
    assert [(q["source_line"], q["reason"]) for q in rows_of(out, "quarantine")] == [
        (8, "empty comment text"),
        (9, "expected 7 fields, found 8"),
    ]


def test_when_comment_is_at_the_length_limit_then_kept_and_one_over_quarantined(make_source):
    fits, over = "x" * MAX_TEXT_CHARS, "y" * 1_048_576
    source = make_source(CORPUS, "comments.csv", f"author,body\nfern,{fits}\nfern,{over}\n")
    out = list(pandora.read(source))
    (doc,) = rows_of(out, "documents")
    assert len(doc["text"]) == MAX_TEXT_CHARS
    (q,) = rows_of(out, "quarantine")
    assert (q["source_line"], q["reason"]) == (
        3, "text too long: 1048576 characters > 1000000 (comments.csv line 3)")


def test_when_file_name_has_author_profiles_then_not_a_comments_partition(make_source):
    assert not pandora.is_comments_file(make_source(CORPUS, "author_profiles.csv", "author\n"))
    assert pandora.is_comments_file(make_source(CORPUS, "comments_2019.csv.gz", b""))
