"""Bot authors: the known-account list (checked on raw names by the privacy stage) and the
signature rule (shared by Python and DuckDB)."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.lake import Lake
from assets.privacy.anonymise_partitions import curate_authors
from assets.privacy.bots import (
    SIGNATURE_PATTERN,
    has_bot_signature,
    known_bot_names,
    known_bot_reason,
)
from schemas.tables import AUTHORS

SIGNED = [
    "I am a bot, and this action was performed automatically. Please [contact the moderators of "
    "this subreddit](/message/compose/?to=/r/AskMen) if you have any questions or concerns.",
    "Here is the full album: imgur.com/a/x\n\n^^I'm ^^a ^^bot. ^^[feedback]",
    "*Beep boop*, your comment has been removed for being too short.",
    "Reminder set for 2 days from now. I'm just a bot, don't blame me.",
    "This comment was generated automatically from the thread's top links.",
    "Im a bot. Here is the transcript of the video you linked.",
]
NOT_SIGNED = [
    "I am a bottle collector and proud of it",
    "My sister says I am a robot when I plan my week.",
    "the bot in that thread was so annoying lol",
    "Reading about the abbot of the monastery today",
    "INTJ here: people think I'm a machine, not a bot",
    "",
]


@pytest.mark.parametrize("text", SIGNED)
def test_when_text_signs_as_a_bot_then_signature_found_in_python_and_duckdb(text: str):
    assert has_bot_signature(text)
    [(hit,)] = duckdb.execute("SELECT regexp_matches($1, $2)", [text, SIGNATURE_PATTERN]).fetchall()
    assert hit


@pytest.mark.parametrize("text", NOT_SIGNED)
def test_when_text_only_mentions_bots_then_no_signature(text: str):
    assert not has_bot_signature(text)
    [(hit,)] = duckdb.execute("SELECT regexp_matches($1, $2)", [text, SIGNATURE_PATTERN]).fetchall()
    assert not hit


@pytest.mark.parametrize(("username", "reason"), [
    ("AutoModerator", "known_account"), ("automoderator", "known_account"),
    ("RemindMeBot", "known_account"), (" WikiTextBot ", "known_account"),
    ("abbot_of_reddit", None), ("robotics_fan", None), ("", None), (None, None),
])
def test_when_username_checked_then_only_listed_bots_are_flagged(username, reason):
    assert known_bot_reason(username) == reason


def test_when_list_loaded_then_it_has_reddit_and_twitter_bots():
    names = known_bot_names()
    assert "automoderator" in names and "everyword" in names and len(names) >= 20


def test_when_authors_curated_then_known_bots_carry_their_reason_and_no_name(lake: Lake):
    raw = pa.Table.from_pylist([
        {"author_id": "reddit:AutoModerator", "corpus": "reddit_pushshift", "platform": "reddit",
         "username": "AutoModerator", "n_documents": 40, "source_file": "RC.zst"},
        {"author_id": "reddit:plaid_otter", "corpus": "reddit_pushshift", "platform": "reddit",
         "username": "plaid_otter", "n_documents": 3, "source_file": "RC.zst"},
    ], AUTHORS)
    lake.write_part("raw", "authors", "reddit_pushshift", "rc", raw,
                    metadata={"partition": "reddit_pushshift"})
    curate_authors(lake, "reddit_pushshift", "k" * 32)
    [path] = lake.list_parts("curated", "authors")
    rows = pq.read_table(path).to_pylist()
    assert sorted(r["bot_reason"] or "-" for r in rows) == ["-", "known_account"]
    assert all(r["author_id"].startswith("a_") and "username" not in r for r in rows)
