"""Exact and near-duplicate texts: normalisation, MinHash LSH groups, and splits that keep every
group together."""

from __future__ import annotations

import duckdb
import pytest

from assets.curate.dedup import (
    DedupConfig,
    build_duplicates,
    find_duplicates,
    normalise,
    straddling_groups,
)
from assets.curate.splits import build_splits, read_splits
from assets.lake import Lake
from tests.unit.curate.fixtures import write_corpus

COPYPASTA = ("What the heck did you just say about me, you little redditor? I'll have you know "
             "I graduated top of my class in the Navy Seals and I have been involved in numerous "
             "secret raids.")
TWEET = ("Just finished reading the new Brandon Sanderson book and honestly the ending broke "
         "me. Ten out of ten would cry again")


@pytest.mark.parametrize(("a", "b"), [
    ("Hello, World!!", "hello world"),
    ("RT @someone: Big news today, read it", "big news today read it"),
    ("rt @a_b: RT @c: same text here", "Same text here."),
    ("see https://example.com/x?y=1 for details", "See   for details"),
    ("Don’t  stop\tbelieving", "don t stop believing"),
    # curated (anonymised) texts: the privacy stage's placeholders
    ("RT <USER_1>: Big news today <URL_1>", "big news today"),
    ("Ask <PERSON_2> and <PERSON_1> tomorrow", "ask person and person tomorrow"),
])
def test_when_texts_differ_in_case_punctuation_links_or_retweet_then_normalised_equal(a, b):
    assert normalise(a) == normalise(b)


def _groups(texts: dict[str, str], **config) -> dict[str, tuple[str, str]]:
    """doc_id -> (group_id, kind) for `texts` (one corpus, no authors)."""
    import pyarrow as pa

    batch = pa.record_batch({"doc_id": list(texts), "corpus": ["c"] * len(texts),
                             "author_id": pa.nulls(len(texts), pa.string()),
                             "text": list(texts.values())})
    table, _ = find_duplicates(duckdb.connect(), iter([batch]), DedupConfig(**config))
    return {r["doc_id"]: (r["group_id"], r["kind"]) for r in table.to_pylist()}


def test_when_texts_are_copies_up_to_case_and_punctuation_then_one_exact_group():
    groups = _groups({"d1": COPYPASTA, "d2": COPYPASTA.upper(), "d3": COPYPASTA.replace(",", ""),
                      "d4": TWEET})
    assert groups == {d: ("d1", "exact") for d in ("d1", "d2", "d3")}


def test_when_texts_are_near_duplicates_then_one_near_group():
    edited = COPYPASTA.replace("little redditor", "little tweeter")
    retweet = "RT @booknerd: " + TWEET + " #sanderson https://t.co/x1y2z3"
    groups = _groups({"a": COPYPASTA, "b": edited, "c": TWEET, "d": retweet,
                      "e": "My cat knocked over a glass of water onto my keyboard this morning."})
    assert groups["a"] == groups["b"] == ("a", "near")
    assert groups["c"] == groups["d"] == ("c", "near")
    assert "e" not in groups


def test_when_texts_share_topic_but_not_wording_then_no_group():
    texts = {
        "x": "I think introverts recharge alone and need quiet evenings after work.",
        "y": "As an introvert I recharge alone, quiet evenings after work are what I need.",
        "z": "Extroverts recharge with people; a loud evening out after work is what I need.",
        "w": "ok",
        "v": "OK!",
    }
    assert _groups(texts) == {}


def test_when_text_is_shorter_than_min_words_then_it_is_not_grouped():
    assert _groups({"a": "thanks so much", "b": "Thanks so much!"}) == {}
    assert set(_groups({"a": "thanks so much", "b": "Thanks so much!"}, min_words=3)) == {"a", "b"}


def test_when_near_duplicates_planted_across_authors_then_groups_never_straddle_splits(
        lake: Lake):
    texts = {i: COPYPASTA.replace("Navy Seals", f"Navy Seals{'!' * (i % 3)}") + f" x{i % 2}"
             for i in range(0, 400, 25)}
    texts.update({i: TWEET + f" ({i})" for i in range(7, 400, 50)})
    write_corpus(lake, "essays", range(400), texts=texts)
    build_splits(lake)
    unlinked = {r["doc_id"]: r["split"] for r in read_splits(lake).to_pylist()}
    planted = [f"essays-d{i:05d}" for i in texts]
    assert len({unlinked[d] for d in planted}) > 1  # without the groups they straddle

    result = build_duplicates(lake)
    assert result.groups["near"] == 2 and result.grouped_docs["near"] == len(texts)
    build_splits(lake)
    assert straddling_groups(lake) == {"duplicate_groups_in_two_splits": 0,
                                       "documents_in_them": 0}
    rows = {r["doc_id"]: r["split"] for r in read_splits(lake).to_pylist()}
    assert len({rows[f"essays-d{i:05d}"] for i in range(0, 400, 25)}) == 1


def test_when_duplicates_span_corpora_then_one_group_with_both_corpora(lake: Lake):
    write_corpus(lake, "essays", range(30), texts={3: COPYPASTA})
    write_corpus(lake, "pandora", range(30), texts={8: COPYPASTA.lower() + "!!"})
    build_duplicates(lake)
    import pyarrow.parquet as pq

    rows = [r for p in lake.list_parts("curated", "duplicates")
            for r in pq.read_table(p).to_pylist()]
    assert {(r["corpus"], r["group_id"], r["kind"], r["group_size"]) for r in rows} == {
        ("essays", "essays-d00003", "exact", 2), ("pandora", "essays-d00003", "exact", 2)}
