"""A small synthetic corpus in every family's format, for tests, demos and the benchmark.

Real corpora cannot ship with the repository (licenses) and PANDORA has no public copy at all,
so every reader is also exercised on files made here. The output is deterministic: the same seed
gives byte-identical files (gzip mtime 0, single-threaded zstd), so a test can pin exact counts.

Everything is invented: usernames, characters and texts. Some texts carry synthetic PII (emails
at example.com, `u/name`, `@handle`, 555 phone numbers, other authors' usernames) because the
anonymisation stage is tested against it. Each file also holds deliberately bad rows; the
manifest each writer returns lists them per file. `assets.ingest.sample_corpora` runs the
writers of every registered family (each family's registry entry names its writer).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from pathlib import Path
from typing import Any

import zstandard

from assets.ingest.labels import MBTI_TYPES

Manifest = dict[str, dict[str, dict[str, Any]]]
TYPES = sorted(MBTI_TYPES)
USERNAMES = [
    "quietfern", "maple_rover", "tinker_owl", "cobalt_sparrow", "lunar_moth", "plaid_otter",
    "velvet_kite", "sage_brook", "pixel_heron", "amber_lynx", "drift_mole", "juniper_wren",
    "copper_finch", "misty_vole", "thistle_jay", "rowan_gecko",
]
SENTENCES = [
    "I spent most of the weekend reorganising my bookshelf and ended up rereading old letters.",
    "Honestly I think I recharge best when nobody expects anything from me for a few hours.",
    "My roommate keeps planning trips months ahead while I decide where to go at the station.",
    "The exam tomorrow is on statistics and I still mix up variance and standard deviation.",
    "I love a good debate, but only when both people are willing to change their minds.",
    "Lately I have been walking to work, which gives me time to think about nothing at all.",
    "Does anyone else write lists just to cross off things they already did?",
    "My sister says I overthink text messages, and she is probably right.",
    "We tried the new noodle place downtown and the broth was surprisingly good.",
    "I get restless when a meeting has no agenda and nobody seems to mind.",
    "Sometimes I rehearse conversations in the shower that will never happen.",
    "The rain has not stopped for three days and the cat refuses to go outside.",
    "I started learning the guitar again after ten years, my fingers hate me.",
    "Crowded parties drain me, but a long talk with one friend can fill me up.",
    "I keep a notebook of ideas for stories that I will probably never finish.",
    "Group projects are fine as long as someone else volunteers to lead.",
    "My plants are the only things in my flat that get a strict schedule.",
    "I worry that I come across as cold when I am just thinking.",
    "Yesterday I fixed the bike chain myself and felt unreasonably proud.",
    "The best advice I ever got was to sleep on any decision made after midnight.",
    "I would rather have a few close friends than a big circle of acquaintances.",
    "Every time I try meditation I end up planning my grocery list.",
    "Our team lost the quiz night by one point and I still think we were right.",
    "I like knowing the plan, but I also like breaking it when something better comes up.",
]
PII_SNIPPETS = [
    "You can reach me at jane.doe@example.com if you want the notes.",
    "Ask u/{other} about it, they wrote the guide.",
    "@{other} said the same thing last week.",
    "Call me at 555-0142 after six if it is urgent.",
    "{other} mentioned this in the other thread too.",
    "My old address was sam.rivera@example.org, do not use it anymore.",
    "Text (555) 013-4567 and ask for the spare key.",
]


# --- text ---------------------------------------------------------------------------------------


def _text(rng: random.Random, low: int, high: int, pii: int | None = None) -> str:
    """A few invented sentences; with `pii`, PII snippet number `pii` (cycling) among them, so
    every kind of snippet is sure to occur."""
    sentences = rng.sample(SENTENCES, rng.randint(low, high))
    if pii is not None:
        snippet = PII_SNIPPETS[pii % len(PII_SNIPPETS)].format(other=rng.choice(USERNAMES))
        sentences.insert(rng.randint(0, len(sentences)), snippet)
    return " ".join(sentences)


def _every(n: int, k: int, r: int = 0) -> int | None:
    """Snippet number for every k-th row (n % k == r), None for the others."""
    return n // k if n % k == r else None


def _csv_bytes(rows: list[list[Any]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _gzip(data: bytes) -> bytes:
    """gzip with mtime 0 and no file name, so the bytes depend on the content only."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as handle:
        handle.write(data)
    return buffer.getvalue()


def zstd_long_window(data: bytes) -> bytes:
    """zstd declaring a 2 GiB window, like Pushshift's RC_* dumps (needs --long=31 to read)."""
    params = zstandard.ZstdCompressionParameters.from_level(
        3, window_log=31, enable_ldm=True, write_content_size=False
    )
    buffer = io.BytesIO()
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(
        buffer, closefd=False
    ) as writer:
        writer.write(data)
    return buffer.getvalue()


def _ndjson(objects: list[Any]) -> bytes:
    return b"".join(
        (o if isinstance(o, bytes) else json.dumps(o, ensure_ascii=False).encode()) + b"\n"
        for o in objects
    )


# --- families -----------------------------------------------------------------------------------


def write_essays(folder: Path, rng: random.Random) -> dict[str, dict[str, Any]]:
    traits = ["y", "n"]
    rows: list[list[Any]] = [["#AUTHID", "TEXT", "cEXT", "cNEU", "cAGR", "cCON", "cOPN"]]
    for n in range(16):
        rows.append([f"2001_{100 + n}", _text(rng, 5, 9, pii=_every(n, 5, 0)),
                     *(rng.choice(traits) for _ in range(5))])
    rows.insert(6, ["2001_900", "", "y", "n", "y", "n", "y"])
    rows.insert(11, ["2001_901", _text(rng, 4, 6), "y", "maybe", "n", "y", "n"])
    (folder / "essays_2001.csv").write_bytes(_csv_bytes(rows))

    legacy: list[list[Any]] = [["TEXT", "cEXT", "cNEU", "cAGR", "cCON", "cOPN"]]
    for n in range(10):
        flavour = ["Café ", "naïve “quoted” ", "it’s ", "déjà vu ", ""][n % 5]
        legacy.append([flavour + _text(rng, 5, 8), *(rng.choice(traits) for _ in range(5))])
    (folder / "essays_legacy_cp1252.csv").write_bytes(_csv_bytes(legacy, encoding="cp1252"))
    return {
        "essays_2001.csv": {"records": 18, "bad": ["empty text", "invalid Big Five label"]},
        "essays_legacy_cp1252.csv": {"records": 10, "bad": []},
    }


def write_mbti_kaggle(folder: Path, rng: random.Random) -> dict[str, dict[str, Any]]:
    rows: list[list[Any]] = [["type", "posts"]]
    for n in range(18):
        posts = [_text(rng, 1, 3, pii=rng.randrange(7) if rng.random() < 0.2 else None)
                 for _ in range(rng.randint(3, 8))]
        if n % 4 == 0:
            posts.insert(1, "https://www.example.com/watch?v=abc123")
        rows.append([TYPES[n % 16], "'" + "|||".join(posts) + "'"])
    rows.insert(5, ["XXXX", "'" + "|||".join(_text(rng, 1, 2) for _ in range(3)) + "'"])
    rows.insert(12, ["INFP", ""])
    (folder / "mbti_sample.csv.gz").write_bytes(_gzip(_csv_bytes(rows)))
    return {"mbti_sample.csv.gz": {"records": 20, "bad": ["invalid MBTI type XXXX", "empty text"]}}


def write_twitter_mbti(folder: Path, rng: random.Random) -> dict[str, dict[str, Any]]:
    lines = ["label|text"]
    for n in range(28):
        text = _text(rng, 1, 2, pii=_every(n, 6, 0))
        if n in (4, 17):
            text += " | pipes | inside the tweet"
        lines.append(f"{TYPES[(n * 3) % 16]}|{text}")
    lines.insert(9, "XXXX|" + _text(rng, 1, 1))
    lines.insert(20, "INTJ|")
    (folder / "tweets_sample.psv").write_bytes(("\n".join(lines) + "\n").encode())

    users = [(9_000_000 + n * 7919, USERNAMES[n], TYPES[(n * 5) % 16]) for n in range(6)]
    users[4] = (users[4][0], users[4][1], "XXXX")
    (folder / "users.csv").write_bytes(
        _csv_bytes([["user_id", "screen_name", "mbti"], *[list(u) for u in users]])
    )
    tweets: list[Any] = []
    for n in range(19):
        user_id, screen_name, _ = users[n % len(users)]
        day = 1 + n % 28
        tweets.append({
            "created_at": f"Wed Oct {day:02d} 20:{n:02d}:24 +0000 2018",
            "id": 1_050_000_000_000_000_000 + n,
            "id_str": str(1_050_000_000_000_000_000 + n),
            "full_text": _text(rng, 1, 2, pii=_every(n, 5, 0)),
            "truncated": False,
            "lang": "en",
            "user": {"id": user_id, "id_str": str(user_id), "screen_name": screen_name},
        })
    tweets.insert(7, b'{"created_at": "Wed Oct 10 20:19:24 +0000 2018", "id": 1, "full_te')
    (folder / "tweets_v1.jsonl").write_bytes(_ndjson(tweets))
    return {
        "tweets_sample.psv": {"records": 30, "bad": ["invalid MBTI type XXXX", "empty text"]},
        "tweets_v1.jsonl": {"records": 20, "bad": ["malformed JSON line"]},
        "users.csv": {"records": 6, "bad": ["invalid MBTI type XXXX"]},
    }


PANDORA_AUTHORS = USERNAMES[:12]


def write_pandora(folder: Path, rng: random.Random) -> dict[str, dict[str, Any]]:
    header = ["Author", "MBTI", "Enneagram", "introverted", "intuitive", "thinking", "perceiving",
              "Agreeableness", "Openness", "Conscientiousness", "Extraversion", "Neuroticism",
              "age", "gender", "country", "num_comments"]
    rows: list[list[Any]] = [header]
    genders = ["m", "f", "Female", "male", "nonbinary"]
    for n, name in enumerate(PANDORA_AUTHORS):
        mbti = TYPES[(n * 7) % 16]
        axes = [int(mbti[0] == "I"), int(mbti[1] == "N"), int(mbti[2] == "T"),
                int(mbti[3] == "P")]
        big5 = [rng.randint(1, 99) for _ in range(5)]
        row = [name, mbti, ["4w5", "9w1", "3", "", "7w8", "1w2"][n % 6], *axes, *big5,
               rng.randint(18, 60), genders[n % 5], ["US", "UK", "Canada", "Germany", ""][n % 5],
               rng.randint(50, 900)]
        rows.append(row)
    rows[3][1] = "XXXX"  # invalid MBTI; the rest of that author's labels stay
    rows[5][8] = 130  # openness out of range
    rows[7][11] = -5  # neuroticism out of range
    rows[9][1] = ""  # MBTI only as axes
    rows[10][3:7] = ["", "", "", ""]  # MBTI only as a type
    rows[11][13:15] = ["", ""]  # no demographics but age
    (folder / "author_profiles.csv").write_bytes(_csv_bytes(rows))

    comments: list[list[Any]] = [["author", "body", "subreddit", "created_utc", "id", "link_id",
                                  "lang"]]
    subreddits = ["mbti", "intj", "infp", "AskReddit", "Enneagram", "books"]
    for n in range(32):
        author = PANDORA_AUTHORS[n % len(PANDORA_AUTHORS)]
        body = _text(rng, 1, 4, pii=_every(n, 4, 0))
        if n % 9 == 0:
            body += '\n\nEdit: "quotes", commas, and a second paragraph.'
        comments.append([author, body, subreddits[n % 6], 1_500_000_000 + n * 3_607,
                         f"d{n + 1000:x}", f"t3_{n // 3 + 500:x}", "en"])
    duplicate = ["sage_brook", "Same words, same second, no id.", "mbti", "1500100000", "",
                 "t3_9", "en"]
    comments += [duplicate, list(duplicate)]
    comments.insert(4, ["[deleted]", "This author deleted the account but the words remain.",
                        "mbti", 1_500_000_123, "dead1", "t3_1", "en"])
    comments.insert(8, ["lunar_moth", "[removed]", "intj", 1_500_000_456, "dead2", "t3_2", "en"])
    comments.insert(12, ["plaid_otter", "   ", "infp", 1_500_000_789, "dead3", "t3_3", "en"])
    (folder / "comments_sample.csv.gz").write_bytes(_gzip(_csv_bytes(comments)))
    return {
        "author_profiles.csv": {"records": 12, "bad": [
            "invalid MBTI type XXXX", "openness 130 out of range", "neuroticism -5 out of range"]},
        "comments_sample.csv.gz": {"records": 37, "bad": [
            "[removed] body (skipped)", "empty body", "[deleted] author (kept, no author)",
            "two identical id-less comments"]},
    }


FLAIRS = {
    "quietfern": "INTJ",
    "maple_rover": "intj-A",
    "tinker_owl": "INFJ 4w5",
    "cobalt_sparrow": "ENFP here",
    "lunar_moth": "INTP/INTJ",
    "velvet_kite": "Male",
}


def write_reddit_pushshift(folder: Path, rng: random.Random) -> dict[str, dict[str, Any]]:
    lines: list[Any] = []
    authors = USERNAMES[:10]
    for n in range(20):
        author = authors[n % len(authors)]
        created: int | str = 1_456_790_400 + n * 4_001
        lines.append({
            "author": author,
            "author_flair_text": FLAIRS.get(author),
            "body": _text(rng, 1, 3, pii=_every(n, 4, 1)),
            "created_utc": str(created) if n % 5 == 0 else created,
            "id": f"d0{n:03x}",
            "link_id": f"t3_4a{n // 4:02x}",
            "parent_id": f"t3_4a{n // 4:02x}",
            "score": rng.randint(-3, 40),
            "subreddit": ["mbti", "AskReddit", "intj"][n % 3],
        })
    # plaid_otter shows two different types in one file: no label, one quarantine row.
    lines[5]["author_flair_text"] = "ISTP"
    lines[15]["author_flair_text"] = "ESTP | 6w5"
    deleted = {"author": "[deleted]", "author_flair_text": None, "created_utc": 1_456_900_000,
               "subreddit": "mbti", "link_id": "t3_4b00", "parent_id": "t3_4b00"}
    lines.insert(3, {**deleted, "body": "Kept: the account is gone but the comment is real.",
                     "id": "d1000"})
    lines.insert(8, {**deleted, "body": "[deleted]", "id": "d1001"})
    lines.insert(12, {**deleted, "author": "pixel_heron", "body": "[removed]", "id": "d1002"})
    lines.insert(14, b'{"author": "amber_lynx", "body": "cut off in the mid')
    lines.insert(17, {**deleted, "body": "Another orphaned comment, still readable.",
                      "id": "d1003"})
    lines.insert(20, b"[1, 2, 3]")
    lines.insert(23, {"author": "drift_mole", "id": "d1004", "created_utc": 1_456_950_000,
                      "subreddit": "mbti"})
    (folder / "RC_2016-03.zst").write_bytes(zstd_long_window(_ndjson(lines)))

    submissions: list[Any] = []
    selftexts = ["", "[removed]", "[deleted]"]
    for n in range(12):
        selftext = _text(rng, 2, 4, pii=_every(n, 3, 0)) if n % 2 == 0 else selftexts[n % 3]
        submissions.append({
            "author": "[deleted]" if n == 7 else USERNAMES[(n + 3) % 16],
            "author_flair_text": None,
            "created_utc": 1_456_800_000 + n * 9_973,
            "id": f"4a{n:02x}",
            "title": rng.choice(["What do you do when", "Is it normal that",
                                 "How did you learn that", "Why do I feel like"])
            + " " + rng.choice(SENTENCES).lower().rstrip(".") + "?",
            "selftext": selftext,
            "subreddit": "AskMen" if n % 2 else "mbti",
        })
    submissions.insert(9, {"author": "rowan_gecko", "created_utc": 1_456_999_999, "id": "4aff",
                           "title": "", "selftext": "", "subreddit": "mbti"})
    (folder / "RS_2016-03_sample.ndjson").write_bytes(_ndjson(submissions))
    return {
        "RC_2016-03.zst": {"records": 27, "bad": [
            "malformed JSON line", "JSON array instead of object", "neither body nor title",
            "conflicting MBTI flairs (plaid_otter)", "[deleted]/[removed] bodies (skipped)",
            "[deleted] authors (kept)", "ambiguous flair INTP/INTJ (no label)"]},
        "RS_2016-03_sample.ndjson": {"records": 13, "bad": ["empty title and selftext"]},
    }


FRIENDS_CAST = ["Nora Quill", "Theo Marsh", "Priya Lane", "Sam Okafor", "Lena Brandt",
                "Marcus Hale"]


def write_friends(folder: Path, rng: random.Random) -> dict[str, dict[str, Any]]:
    rows: list[list[Any]] = [["", "scene_id", "text", "character", "cAGR", "cCON", "cEXT",
                              "cOPN", "cNEU"]]
    for n in range(12):
        season, episode, scene = 1 + n // 6, 1 + n % 6, 1 + n % 3
        scene_id = f"{season:02d}_e{episode:02d}_c{scene:02d}"
        main = FRIENDS_CAST[n % len(FRIENDS_CAST)]
        parts = [f"<b>s{scene_id}({n % 2}) for {main}</b>"]
        for turn in range(rng.randint(3, 6)):
            speaker = main if turn % 2 else rng.choice(FRIENDS_CAST)
            line = _text(rng, 1, 2, pii=_every(n, 4) if turn == 2 else None)
            if rng.random() < 0.3:
                line = f"(looking at the door) {line}"
            parts.append(f"<b>{speaker}</b>: {line}")
        if n % 3 == 0:
            parts.append("(Everyone turns as the lights go out.)")
        text = "<br><br>".join(parts) + "<br><br>"
        labels = [rng.randint(0, 1) for _ in range(5)]
        rows.append([n, scene_id, text, main, *labels])
    rows[4][2] = ""  # a scene with no text
    rows[9][8] = 2  # cNEU not binary
    (folder / "friends_sample.csv").write_bytes(_csv_bytes(rows))
    return {"friends_sample.csv": {"records": 12, "bad": ["empty text", "invalid label cNEU=2"]}}
