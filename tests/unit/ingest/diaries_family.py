"""A seventh corpus family that lives only in the tests: invented diary entries, one JSON object
per line, each with its writer's self-reported MBTI type.

It shows what adding a family takes: this module (a reader and a sample writer) plus one
`CorpusFamily` entry, registered at test time by `tests/unit/ingest/test_adding_a_family.py`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assets.ingest import records
from assets.ingest.ids import author_id
from assets.ingest.labels import parse_mbti
from assets.ingest.records import Row
from assets.ingest.registry import CorpusFamily
from assets.ingest.sample import SENTENCES, TYPES, USERNAMES
from assets.ingest.sources import SourceFile

PLATFORM = "diaries"


def read(source: SourceFile) -> Iterator[Row]:
    """One document per entry, its author, and the author's MBTI labels; bad lines quarantined."""
    seen: set[str] = set()
    with source.fs.open(source.path, "rb") as handle:
        for line, raw in enumerate(handle, start=1):
            try:
                entry = json.loads(raw)
            except ValueError:
                yield records.quarantine(source, line=line, reason="malformed JSON line",
                                         excerpt=raw[:200])
                continue
            text = (entry.get("text") or "").strip()
            if not text:
                yield records.quarantine(source, line=line, reason="empty text",
                                         excerpt=raw[:200])
                continue
            author = author_id(PLATFORM, entry["user"])
            yield records.document(source, natural_key=str(entry["id"]), line=line,
                                   kind="post", text=text, author_id=author)
            if author not in seen:
                seen.add(author)
                yield records.author(source, author_id=author, platform=PLATFORM,
                                     username=entry["user"])
                mbti = parse_mbti(entry.get("mbti"))
                if mbti:
                    yield from records.mbti_labels(source, subject_id=author,
                                                   subject_kind="author", mbti_type=mbti,
                                                   label_source="self_report")


def write_sample(folder: Path, rng: random.Random) -> dict[str, dict[str, Any]]:
    """Nine entries by three writers, plus one malformed and one empty line."""
    lines = [json.dumps({"id": n, "user": USERNAMES[n % 3], "mbti": TYPES[n % 3],
                         "text": " ".join(rng.sample(SENTENCES, 2))}) for n in range(9)]
    lines.insert(4, '{"id": 99, "user": "cut off')
    lines.insert(7, json.dumps({"id": 100, "user": USERNAMES[0], "text": " "}))
    (folder / "diaries.jsonl").write_text("\n".join(lines) + "\n")
    return {"diaries.jsonl": {"records": 11, "bad": ["malformed JSON line", "empty text"]}}


FAMILY = CorpusFamily(
    "diaries", read, 1, "Invented diary entries (test fixture)",
    sample=write_sample,
    card_note="Invented diary entries with their writers' self-reported MBTI types.",
    published={"mbti_I_E": ("accuracy", "50.0 acc (nobody, 2026)")},
)
