"""Self-disclosed label detection: hand-written positives and negatives per kind, and the
Python spans equal to what DuckDB's RE2 masks (the exports mask in SQL, the curated table
records spans from Python)."""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

import duckdb
import pytest

from assets.privacy.label_mentions import (
    KINDS,
    PLACEHOLDERS,
    RULES,
    find_mentions,
    has_mention_sql,
    mask_sql,
    mask_text,
    mention_rows,
)
from schemas.label_mentions import LABEL_MENTION_KINDS

# (text, [(kind, mention as written)]) in reading order
POSITIVES = [
    ("I'm an INTJ and proud", [("mbti_type", "INTJ")]),
    ("INFJ-T here, hi", [("mbti_type", "INFJ-T")]),
    ("as an infj-a I overthink", [("mbti_type", "infj-a")]),
    ("I love INTJs so much", [("mbti_type", "INTJs")]),
    ("being an ENFP is hard", [("mbti_type", "ENFP")]),
    ("lower case intj works", [("mbti_type", "intj")]),
    ("I'm INxJ, not sure which", [("mbti_type", "INxJ")]),
    ("probably xNTP honestly", [("mbti_type", "xNTP")]),
    ("INTP/INTJ borderline", [("mbti_type", "INTP"), ("mbti_type", "INTJ")]),
    ("posted in r/intj yesterday", [("mbti_type", "intj")]),
    ("#ENTP life", [("mbti_type", "ENTP")]),
    ("a movie with an ISTP protagonist", [("mbti_type", "ISTP")]),  # the noun stays
    ("I'm an INTJ (Architect)", [("mbti_type", "INTJ"), ("mbti_nickname", "Architect")]),
    ("INFJ-T Advocate here", [("mbti_type", "INFJ-T"), ("mbti_nickname", "Advocate")]),
    ("Logician - INTP", [("mbti_nickname", "Logician"), ("mbti_type", "INTP")]),
    ("ENFP, the Campaigner", [("mbti_type", "ENFP"), ("mbti_nickname", "Campaigner")]),
    ("I got the Mediator personality again", [("mbti_nickname", "Mediator")]),
    ("Honestly I'm a Campaigner through and through", [("mbti_nickname", "Campaigner")]),
    ("my 4w5 self", [("enneagram", "4w5")]),
    ("9w1 and 1w9 are cousins", [("enneagram", "9w1"), ("enneagram", "1w9")]),
    ("enneagram 5 for sure", [("enneagram", "5")]),
    ("Enneagram type 4w3, sadly", [("enneagram", "4w3")]),
    ("tritype 459 they say", [("enneagram", "459")]),
    ("I'm a type 9. Peace.", [("enneagram", "9")]),
    ("i'm type 6 and anxious", [("enneagram", "6")]),
    ("I scored 90th percentile in openness", [("trait_score", "90th percentile in openness")]),
    ("high in neuroticism (85%) again", [("trait_score", "neuroticism (85%")]),
    ("72% on extraversion", [("trait_score", "72% on extraversion")]),
    ("my openness score is about 90%", [("trait_score", "openness score is about 90%")]),
    ("I'm 89% introverted", [("trait_score", "89% introverted")]),
    ("Openness: 85, rest unknown", [("trait_score", "Openness: 85")]),
    ("Agreeableness at 12 out of 100", [("trait_score", "Agreeableness at 12 out of 100")]),
    ("I'm very high in neuroticism sadly", [("trait_score", "high in neuroticism")]),
    ("I scored low on agreeableness", [("trait_score", "low on agreeableness")]),
    ("ISFP  Introvert(33%)  Sensing(75%)", [("mbti_type", "ISFP"),
                                           ("trait_score", "Introvert(33%"),
                                           ("trait_score", "Sensing(75%")]),
    ("Strengths Introverted = 89 Thinking = 94", [("trait_score", "Introverted = 89"),
                                                  ("trait_score", "Thinking = 94")]),
    ("Your Type is: ENTJ  Intuitive: 88%", [("mbti_type", "ENTJ"),
                                           ("trait_score", "Intuitive: 88%")]),
]

NEGATIVES = [
    "INTERNATIONAL news tonight",
    "Intjeh is a made-up word, and so is xxxx or XNXX",
    "Change the type 9 font to bold",
    "I'm a type 2 diabetic",
    "my type 1 diabetes is fine",
    "She is an architect and a defender of the arts",
    "the executive branch debated",
    "he played e4 and I played E5",
    "4w7 is not a wing",
    "people high in openness like art",
    "Openness is one of the Big Five",
    "openness to experience and 3 friends",
    "a 50% chance of rain",
    "I'm introverted but 90% of my friends are not",
    "I'm Commander Shepard, and this is my favorite store",
    "INTJX and XINTJ are not types",
]


def _found(text: str) -> list[tuple[str, str]]:
    return [(m.kind, text[m.start:m.end]) for m in find_mentions(text)]


@pytest.mark.parametrize(("text", "expected"), POSITIVES, ids=[t for t, _ in POSITIVES])
def test_when_label_disclosed_then_its_span_and_kind_are_found(text, expected):
    assert _found(text) == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_when_no_label_disclosed_then_nothing_is_found(text):
    assert _found(text) == []


def test_when_masked_then_each_mention_is_its_typed_placeholder():
    assert mask_text("I'm an INTJ (Architect), 4w5, 89% introverted") == (
        "I'm an [MBTI_TYPE] ([MBTI_NICKNAME]), [ENNEAGRAM], [TRAIT_SCORE]")
    assert mask_text("") == "" and mask_text(None) == ""


def test_when_kinds_listed_then_detector_and_contract_agree():
    assert KINDS == LABEL_MENTION_KINDS
    assert {r.kind for r in RULES} == set(KINDS)
    for rule in RULES:  # (context)(mention)(context), as mask_sql's \\1...\\3 assumes
        assert re.compile(rule.pattern).groups == 3, rule.name


def _spans_applied(text: str) -> str:
    """The text with each recorded span replaced by its placeholder."""
    out, cursor = [], 0
    for m in find_mentions(text):
        out += [text[cursor:m.start], PLACEHOLDERS[m.kind]]
        cursor = m.end
    return "".join(out) + text[cursor:]


def _sql_masked(texts: list[str]) -> list[str]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, text VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts)))
    return [r[0] for r in con.execute(f"SELECT {mask_sql('text')} FROM t ORDER BY i").fetchall()]


def _assert_python_equals_sql(texts: list[str]) -> None:
    sql = _sql_masked(texts)
    for text, masked in zip(texts, sql, strict=True):
        assert mask_text(text) == masked, text
        assert _spans_applied(text) == masked, text


def test_when_masked_in_duckdb_then_text_equals_python_mask_and_recorded_spans():
    texts = [t for t, _ in POSITIVES] + NEGATIVES + ["Ünïcode INTJ’s café, I’m a type 4!"]
    _assert_python_equals_sql(texts)


def test_when_mentions_counted_in_sql_then_masked_and_unmasked_texts_both_count():
    con = duckdb.connect()
    rows = con.execute(f"""SELECT {has_mention_sql('t')}, {has_mention_sql('m')},
        {has_mention_sql('t', 'enneagram')} FROM (SELECT 'an INFJ' AS t,
        '[MBTI_TYPE] here' AS m)""").fetchall()
    assert rows == [(True, True, False)]


def test_when_rows_built_then_offsets_slice_the_text_to_the_mention():
    rows = mention_rows([{"doc_id": "d1", "corpus": "c", "text": "hi, ENTP-A and 7w8"}])
    assert [(r["kind"], r["mention"]) for r in rows] == [("mbti_type", "ENTP-A"),
                                                          ("enneagram", "7w8")]
    assert all("hi, ENTP-A and 7w8"[r["start_char"]:r["end_char"]] == r["mention"]
               for r in rows)


def _kaggle_posts(folder: Path, limit: int) -> list[str]:
    csv.field_size_limit(1 << 24)
    with gzip.open(folder / "mbti_kaggle" / "mbti_subset.csv.gz", "rt", encoding="utf-8") as f:
        posts: list[str] = []
        for row in csv.DictReader(f):
            posts += [p for p in row["posts"].split("|||") if p.strip()]
            if len(posts) >= limit:
                return posts[:limit]
    return posts


def test_when_real_kaggle_posts_masked_then_python_and_duckdb_agree(real_corpora: Path):
    posts = _kaggle_posts(real_corpora, 5000)
    _assert_python_equals_sql(posts)
    assert sum(bool(find_mentions(p)) for p in posts) > 100  # the leak is there to mask
