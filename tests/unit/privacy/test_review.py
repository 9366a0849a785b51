from __future__ import annotations

import pyarrow as pa

from assets.privacy.review import reviewed_texts
from schemas.registry import table_schema


def write(lake, table, rows):
    lake.write_part("curated", table, "c", "p",
                    pa.Table.from_pylist(rows, schema=table_schema("curated", table)))


def test_when_reviewers_agree_on_missed_spans_then_they_become_labelled_texts(lake):
    doc = {"doc_id": "d1", "corpus": "c", "author_id": None, "kind": "post",
           "text": "call 0161 496 0000 soon", "created_at": None, "context": None,
           "source_file": "f", "source_line": 1, "content_hash": "h", "pii_counts": "{}"}
    write(lake, "documents", [doc])
    write(lake, "utterances", [{"utterance_id": "u", "doc_id": "d2", "corpus": "c", "turn": 1,
                                "speaker_id": None, "text": "I'm Zorblax", "stage_directions": [],
                                "pii_counts": "{}"}])
    span = {"corpus": "c", "votes": 2, "reviewers": 3, "agreed": True}
    write(lake, "pii_review_spans", [
        {**span, "doc_id": "d1", "start": 5, "end": 18, "entity": "PHONE_NUMBER", "turn": None,
         "turn_start": None, "turn_end": None},
        {**span, "doc_id": "d1", "start": 0, "end": 4, "entity": "PERSON", "turn": None,
         "turn_start": None, "turn_end": None, "votes": 1, "agreed": False},
        {**span, "doc_id": "d2", "start": 40, "end": 47, "entity": "PERSON", "turn": 1,
         "turn_start": 4, "turn_end": 11},
    ])
    texts = reviewed_texts(lake)
    assert [(t.doc_id, t.turn, t.spans) for t in texts] == [
        ("d1", None, (("PHONE_NUMBER", 5, 18),)),
        ("d2", 1, (("PERSON", 4, 11),)),
    ]
    assert texts[0].text[5:18] == "0161 496 0000" and texts[1].text[4:11] == "Zorblax"
    assert len(reviewed_texts(lake, agreed_only=False)[0].spans) == 2


def test_when_no_review_yet_then_no_texts(lake):
    assert reviewed_texts(lake) == []
