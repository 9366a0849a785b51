"""A small warehouse with a raw zone that holds real names and a curated zone that does not.

The raw author and speaker name is planted so a test can assert it never reaches the server:
only the curated zone (placeholders, keyed pseudonyms) may be read to build tasks."""

from __future__ import annotations

import pyarrow as pa

from assets.lake import Lake
from schemas.tables import DOCUMENTS, UTTERANCES

RAW_NAME = "Bartholomew Quillfeather"
RAW_USERNAME = "bquill_1987"

SCENES = {
    # doc_id: (main speaker, [(speaker, raw text, curated text)])
    "scene-1": ("a_main01", [
        ("a_main01", f"I'm {RAW_NAME}, party at my place tonight!",
         "I'm <PERSON_1>, party at my place tonight!"),
        ("a_other1", "Again? You had one yesterday.", "Again? You had one yesterday."),
        ("a_main01", "Life is short. Bring everyone!", "Life is short. Bring everyone!"),
    ]),
    "scene-2": ("a_main02", [
        ("a_other2", "Did you finish the report?", "Did you finish the report?"),
        ("a_main02", "Checked it three times. I hate surprises.",
         "Checked it three times. I hate surprises."),
        (None, "", ""),
        ("a_other2", f"Ask {RAW_NAME} to sign it.", "Ask <PERSON_1> to sign it."),
    ]),
    "scene-3": ("a_main03", [
        ("a_main03", "Whatever. I don't care what you think.",
         "Whatever. I don't care what you think."),
        ("a_other3", "Wow, okay.", "Wow, okay."),
    ]),
}
ESSAYS = {
    "essay-1": (f"My name is {RAW_NAME} and I worry about everything, all the time.",
                "My name is <PERSON_1> and I worry about everything, all the time."),
    "essay-2": (f"Follow me @{RAW_USERNAME}; I love trying new cuisines and painting.",
                "Follow me <USER_1>; I love trying new cuisines and painting."),
    "essay-3": ("I keep a planner and never miss a deadline.",
                "I keep a planner and never miss a deadline."),
}


def _document(doc_id: str, corpus: str, kind: str, text: str, author: str | None) -> dict:
    return {"doc_id": doc_id, "corpus": corpus, "author_id": author, "kind": kind, "text": text,
            "created_at": None, "context": None, "source_file": "test.csv", "source_line": 1,
            "content_hash": "0" * 32}


def build(lake: Lake) -> None:
    """Write both zones: raw with names, curated anonymised."""
    for zone, pick in (("raw", 1), ("curated", 2)):
        docs, turns = [], []
        for doc_id, (main, lines) in SCENES.items():
            author = RAW_NAME if zone == "raw" else main
            docs.append(_document(doc_id, "friends", "dialogue",
                                  "\n".join(line[pick] for line in lines), author))
            for n, line in enumerate(lines):
                speaker = (RAW_NAME if line[0] == main else "Other") if zone == "raw" else line[0]
                turns.append({"utterance_id": f"{doc_id}-{n}", "doc_id": doc_id,
                              "corpus": "friends", "turn": n, "speaker_id": speaker,
                              "speaker": RAW_NAME if zone == "raw" else None,
                              "text": line[pick], "stage_directions": []})
        lake.write_part(zone, "documents", "friends", "test", pa.Table.from_pylist(docs, DOCUMENTS))
        lake.write_part(zone, "utterances", "friends", "test",
                        pa.Table.from_pylist(turns, UTTERANCES))
        essays = [
            _document(doc_id, "essays", "essay", texts[pick - 1],
                      RAW_USERNAME if zone == "raw" else f"a_{doc_id}")
            for doc_id, texts in ESSAYS.items()
        ]
        lake.write_part(zone, "documents", "essays", "test",
                        pa.Table.from_pylist(essays, DOCUMENTS))


def curated_globs(lake: Lake) -> tuple[str, str, str]:
    return (lake.table_glob("curated", "documents"), lake.table_glob("curated", "utterances"),
            lake.table_glob("curated", "labels"))
