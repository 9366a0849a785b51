"""A hostile corpus battery: the generated sample plus files that real dumps break in, each made
to hit one point of the messy-data issue, with what the warehouse must make of each.

Every hostile file is named `hostile_*` (or sits beside the good files of its family), so a test
can count exactly what each produced (`WHERE source_file = ...`) whatever the sample holds.
Deterministic: no randomness, no clock."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from assets.ingest.sample_corpora import write_sample_corpora

ESSAY_HEADER = ["#AUTHID", "TEXT", "cEXT", "cNEU", "cAGR", "cCON", "cOPN"]
TRAITS = ["y", "n", "y", "n", "y"]
# A username that only a later partition (reddit_pushshift) knows as an author, written in an
# essay (the first partition to run): first-run privacy.
LATE_USERNAME = "zephyr_quokka77"
# Identifiers the anonymiser must remove wherever they occur (issue 11 point 8).
PLANTED_IDENTIFIERS = {
    "reserved-domain emails": [
        "kim.tester@mail.test", "ops@example.example", "nobody@site.invalid",
        "pi@raspberry.local", "root@localhost",
    ],
    "spelled-out emails": ["jordan.blake at gmail dot com", "casey [at] proton [dot] me"],
    "discord tags": ["nightowl#4821", "Vexa#0007"],
    "handles with a suffix": ["@moss_hopper.q", "@lindenleaf.eth"],
}
# What must never reach a curated table or an export: the planted identifiers and the handle
# bodies (a redacted handle must not leave its suffix or name behind).
FORBIDDEN_STRINGS = [
    LATE_USERNAME,
    *[v for values in PLANTED_IDENTIFIERS.values() for v in values],
    "moss_hopper", "lindenleaf", "jordan.blake", "nightowl", "kim.tester",
]


def essay(n: int, extra: str = "") -> str:
    """A plain essay text, different for each n."""
    return (
        f"Essay number {n} is about the walk I took along the canal this morning. "
        f"I kept thinking about the exam and whether I had prepared enough. {extra}"
    ).strip()


@dataclass
class Expected:
    """What the warehouse must make of the hostile files."""

    # family -> file -> number of documents published from it
    documents: dict[str, dict[str, int]] = field(default_factory=dict)
    # family -> file -> list of (line, reason prefix) quarantined from it
    quarantined: dict[str, dict[str, list[tuple[int, str]]]] = field(default_factory=dict)
    # family -> file -> reason fragment for files that cannot be read at all
    failed: dict[str, dict[str, str]] = field(default_factory=dict)
    # family -> file -> a substring some published text must contain (decoding checks)
    contains: dict[str, dict[str, str]] = field(default_factory=dict)


def _csv(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


# Sample files kept beside the hostile ones: enough labelled documents for splits, baselines and
# exports to run, and PANDORA profiles for the hostile comments' authors. The rest of the sample
# is left out to keep the battery's runs short (each partition has a fixed cost).
SAMPLE_KEPT = ("essays", "pandora/author_profiles.csv")


def write_hostile_corpora(target: Path) -> Expected:
    """Part of the sample in `target`, plus the hostile files; returns what must come of them."""
    sample = target.parent / f".{target.name}-sample"
    write_sample_corpora(str(sample))
    for kept in SAMPLE_KEPT:
        (target / kept).parent.mkdir(parents=True, exist_ok=True)
        os.rename(sample / kept, target / kept)
    (target / "reddit_pushshift").mkdir(parents=True, exist_ok=True)
    expected = Expected()
    _essays(target / "essays", expected)
    _pushshift(target / "reddit_pushshift", expected)
    _pandora(target / "pandora", expected)
    return expected


def _essays(folder: Path, expected: Expected) -> None:
    docs, quarantined, failed = {}, {}, {}
    contains = {}
    # Point 2: unreadable files fail alone.
    (folder / "hostile_empty.csv").write_bytes(b"")
    failed["hostile_empty.csv"] = "empty"
    (folder / "hostile_header_only.csv").write_text(",".join(ESSAY_HEADER) + "\n")
    failed["hostile_header_only.csv"] = "header"
    (folder / "hostile_missing_columns.csv").write_text(
        _csv([["#AUTHID", "BODY"], ["h_1", essay(1)]])
    )
    failed["hostile_missing_columns.csv"] = "missing"
    (folder / "hostile_not_gzip.csv.gz").write_bytes(b"this is not a gzip stream at all\n" * 4)
    failed["hostile_not_gzip.csv.gz"] = "gzip"
    os.symlink("hostile_loop.csv", folder / "hostile_loop.csv")
    failed["hostile_loop.csv"] = "symlink"

    # Point 3: an unclosed quote in record 3 of 6 loses that record only.
    good = [["h_q1", essay(11)], ["h_q2", essay(12)]]
    after = [["h_q4", essay(14)], ["h_q5", essay(15)], ["h_q6", essay(16)]]
    text = (
        _csv([ESSAY_HEADER, *[[a, t, *TRAITS] for a, t in good]])
        + 'h_q3,"This essay opens a quote and never closes it,y,n,y,n,y\n'
        + _csv([[a, t, *TRAITS] for a, t in after])
    )
    (folder / "hostile_unclosed_quote.csv").write_text(text)
    docs["hostile_unclosed_quote.csv"] = 5
    quarantined["hostile_unclosed_quote.csv"] = [(4, "")]

    # Point 1: the same record twice (same line), and the same author id with another text.
    rows = [ESSAY_HEADER, ["h_d1", essay(21), *TRAITS], ["h_d2", essay(22), *TRAITS],
            ["h_d1", essay(21), *TRAITS], ["h_d3", essay(23), *TRAITS]]
    (folder / "hostile_duplicates.csv").write_text(_csv(rows))
    docs["hostile_duplicates.csv"] = 3
    quarantined["hostile_duplicates.csv"] = [(4, "duplicate of hostile_duplicates.csv:2")]

    # Point 4: a legitimate 2 MB essay beside two ordinary ones never blocks the family.
    long_text = " ".join(essay(n) for n in range(12_000))[:2_000_000]
    rows = [ESSAY_HEADER, ["h_l1", essay(31), *TRAITS], ["h_l2", long_text, *TRAITS],
            ["h_l3", essay(33), *TRAITS]]
    (folder / "hostile_long.csv").write_text(_csv(rows))
    docs["hostile_long.csv"] = 2
    quarantined["hostile_long.csv"] = [(3, "text too long")]

    # Point 5: encodings detected, NUL bytes stripped.
    rows = [ESSAY_HEADER] + [
        [f"h_u{n}", essay(40 + n, "Mon café préféré, naïve façade, déjà vu."), *TRAITS]
        for n in range(3)
    ]
    (folder / "hostile_utf16.csv").write_bytes(_csv(rows).encode("utf-16"))
    docs["hostile_utf16.csv"] = 3
    contains["hostile_utf16.csv"] = "café préféré"
    rows = [ESSAY_HEADER] + [
        [f"h_w{n}", essay(50 + n, "Straße, Übermut und Ärger über Öl."), *TRAITS]
        for n in range(3)
    ]
    (folder / "hostile_latin1.csv").write_bytes(_csv(rows).encode("latin-1"))
    docs["hostile_latin1.csv"] = 3
    contains["hostile_latin1.csv"] = "Straße, Übermut"
    rows = [ESSAY_HEADER] + [
        [f"h_n{n}", essay(60 + n, "Nul\x00bytes\x00inside."), *TRAITS] for n in range(3)
    ]
    (folder / "hostile_nul.csv").write_text(_csv(rows))
    docs["hostile_nul.csv"] = 3
    contains["hostile_nul.csv"] = "Nulbytesinside."

    # Points 6 and 8: identifiers the anonymiser must remove on the first run.
    planted = [v for values in PLANTED_IDENTIFIERS.values() for v in values]
    rows = [ESSAY_HEADER, ["h_p0", essay(70, f"I told {LATE_USERNAME} about it."), *TRAITS]] + [
        [f"h_p{n + 1}", essay(71 + n, f"Write to {value} if you like."), *TRAITS]
        for n, value in enumerate(planted)
    ]
    (folder / "hostile_pii.csv").write_text(_csv(rows))
    docs["hostile_pii.csv"] = 1 + len(planted)

    expected.documents["essays"] = docs
    expected.quarantined["essays"] = quarantined
    expected.failed["essays"] = failed
    expected.contains["essays"] = contains


def _comment(n: int, author: str, body: str) -> dict[str, object]:
    return {"author": author, "author_flair_text": None, "body": body,
            "created_utc": 1_700_000_000 + n, "id": f"hx{n:04d}", "link_id": "t3_hx",
            "parent_id": "t3_hx", "score": 1, "subreddit": "mbti"}


def _pushshift(folder: Path, expected: Expected) -> None:
    comments = [_comment(n, LATE_USERNAME if n % 2 else "brisk_tern", essay(100 + n))
                for n in range(8)]
    lines = [json.dumps(c) for c in comments]
    lines.insert(5, lines[2])  # line 6 repeats line 3
    same_id = dict(comments[4], body="A different body under an id already seen.")
    lines.append(json.dumps(same_id))  # line 10: same id as line 5
    (folder / "RC_2099-01.ndjson").write_text("\n".join(lines) + "\n")
    expected.documents["reddit_pushshift"] = {"RC_2099-01.ndjson": 8}
    expected.quarantined["reddit_pushshift"] = {
        "RC_2099-01.ndjson": [(6, "duplicate of RC_2099-01.ndjson:3"),
                              (10, "duplicate of RC_2099-01.ndjson:5")],
    }


def _pandora(folder: Path, expected: Expected) -> None:
    header = "author,body,subreddit,created_utc,id,link_id,lang\n"
    good = [f"quietfern,{essay(200 + n)},mbti,{1_600_000_000 + n},hp{n},t3_hp,en\n"
            for n in range(4)]
    broken = 'quietfern,"An unclosed quote swallows what follows,mbti,1600000100,hpx,t3_hp,en\n'
    data = header + good[0] + good[1] + broken + good[2] + good[3]
    (folder / "comments_hostile.csv.gz").write_bytes(gzip.compress(data.encode(), mtime=0))
    expected.documents["pandora"] = {"comments_hostile.csv.gz": 4}
    expected.quarantined["pandora"] = {"comments_hostile.csv.gz": [(4, "")]}
