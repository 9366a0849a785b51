from __future__ import annotations

from collections import Counter

import pyarrow.parquet as pq
import pytest

from assets.ingest.errors import SourceUnreadable
from assets.ingest.readers import friends
from assets.ingest.runner import ingest_partition
from assets.ingest.sources import list_family_files
from tests.conftest import rows_of

HEADER = ",scene_id,text,character,cAGR,cCON,cEXT,cOPN,cNEU\n"
MAIN_CAST = {
    "Chandler Bing", "Joey Tribbiani", "Monica Geller",
    "Phoebe Buffay", "Rachel Green", "Ross Geller",
}


def scene_row(
    index: int, scene: str, character: str, text: str, labels: str = "1,0,1,1,1"
) -> str:
    html = f"<b>s{scene}(0) for {character}</b><br><br>{text}"
    quoted = html.replace('"', '""')
    return f'{index},{scene},"{quoted}",{character},{labels}\n'


@pytest.fixture(scope="module")
def real_rows(real_corpora):
    (source,) = list_family_files(str(real_corpora), "friends")
    return list(friends.read(source))


def test_when_real_file_then_711_documents_and_8566_utterances(real_rows):
    docs = rows_of(real_rows, "documents")
    assert len(docs) == 711
    assert len({d["doc_id"] for d in docs}) == 711  # segment (n) keeps 28 repeats apart
    utterances = rows_of(real_rows, "utterances")
    assert len(utterances) == 8566
    assert sum(1 for u in utterances if u["speaker"] is None) == 409  # directions alone
    assert sum(1 for u in utterances if u["speaker"] and u["speaker_id"] is None) == 57  # groups
    assert rows_of(real_rows, "quarantine") == []
    assert len(rows_of(real_rows, "labels")) == 711 * 5


def test_when_real_scene_s01_e01_c02_then_turns_speakers_and_direction_parsed(real_rows):
    (doc,) = [
        d for d in rows_of(real_rows, "documents")
        if d["context"] == "s01_e01_c02" and d["author_id"] == "friends:Chandler Bing"
    ]
    assert doc["kind"] == "dialogue"
    turns = sorted(
        (u for u in rows_of(real_rows, "utterances") if u["doc_id"] == doc["doc_id"]),
        key=lambda u: u["turn"],
    )
    assert [(u["turn"], u["speaker"]) for u in turns] == [
        (0, "Monica Geller"), (1, "Chandler Bing"), (2, "Ross Geller"), (3, "Rachel Green"),
        (4, None), (5, "Phoebe Buffay"), (6, "Chandler Bing"), (7, "Joey Tribbiani"),
    ]
    assert turns[1]["text"] == "Tuna or egg salad? Decide!"
    assert turns[1]["stage_directions"] == ["imitating the characters"]
    assert turns[1]["speaker_id"] == "friends:Chandler Bing"
    assert turns[4]["text"] == ""
    assert turns[4]["stage_directions"] == [
        "The scene on TV has changed to show two women, one is holding her hair."
    ]
    lines = doc["text"].split("\n")
    assert len(lines) == 7
    assert lines[1] == "Chandler Bing: Tuna or egg salad? Decide!"
    assert lines[-1] == "Joey Tribbiani: I say push her down the stairs."
    labels = {
        r["trait"]: (r["value_binary"], r["value_cat"])
        for r in rows_of(real_rows, "labels") if r["subject_id"] == doc["doc_id"]
    }
    # Row 1 of the CSV: cAGR=1, cCON=0, cEXT=1, cOPN=1, cNEU=1 (stable, so NEU low).
    assert labels == {
        "AGR": (1, "cAGR=1"), "CON": (0, "cCON=0"), "EXT": (1, "cEXT=1"),
        "OPN": (1, "cOPN=1"), "NEU": (0, "cNEU=1"),
    }


def test_when_real_file_then_first_names_folded_into_main_cast(real_rows):
    docs = rows_of(real_rows, "documents")
    mains = Counter(d["author_id"] for d in docs)
    assert {name: mains[f"friends:{name}"] for name in MAIN_CAST} == {
        "Joey Tribbiani": 101, "Phoebe Buffay": 99, "Rachel Green": 96,
        "Monica Geller": 94, "Ross Geller": 90, "Chandler Bing": 88,
    }
    speakers = Counter(u["speaker"] for u in rows_of(real_rows, "utterances"))
    assert {name: speakers[name] for name in MAIN_CAST} == {
        "Rachel Green": 1188, "Ross Geller": 1184, "Chandler Bing": 1156,
        "Monica Geller": 1133, "Phoebe Buffay": 1050, "Joey Tribbiani": 1029,
    }
    first_names = {"Phoebe", "Joey", "Rachel", "Monica", "Ross", "Chandler"}
    assert not first_names & set(speakers)
    assert speakers["Phoebe Sr."] == 15  # not Phoebe Buffay
    # Rule 3: the one longer name of the file starting with the short one.
    assert speakers["Carol"] == 0 and speakers["Carol Willick"] == 29


def test_when_real_file_then_neu_stored_as_neuroticism(real_rows):
    neu = [r for r in rows_of(real_rows, "labels") if r["trait"] == "NEU"]
    assert Counter(r["value_cat"] for r in neu) == {"cNEU=0": 379, "cNEU=1": 332}
    assert all(r["value_binary"] == (0 if r["value_cat"] == "cNEU=1" else 1) for r in neu)
    assert {r["scale"] for r in neu} == {"binary"}
    assert {r["subject_kind"] for r in neu} == {"document"}
    assert {r["source"] for r in neu} == {"annotator"}


def test_when_real_file_then_entities_unescaped_and_bracket_directions_split(real_rows):
    utterances = rows_of(real_rows, "utterances")
    emily = [u["text"] for u in utterances if "way into the future" in u["text"]]
    assert emily and all("&#150;" not in t and "future –and" in t for t in emily)
    (dead_meat, *_) = [u for u in utterances if u["text"].endswith("You are dead meat.")]
    assert dead_meat["text"] == "Wait a minute, who told you? You are dead meat."
    assert dead_meat["stage_directions"] == ["turns to Chandler who's looking sheepish"]


def test_when_required_column_missing_then_unreadable_names_file(make_source):
    source = make_source("friends", "broken.csv", ",scene_id,text,character,cAGR\n0,a,b,c,1\n")
    with pytest.raises(SourceUnreadable, match=r"friends/broken\.csv: missing required column"):
        list(friends.read(source))


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (scene_row(0, "01_e01_c09", "Joey", "<b>Joey</b>: Hi.<br><br>", "1,0,1,2,1"),
         "invalid Big Five label: cOPN='2'"),
        (scene_row(0, "01_e01_c09", "", "<b>Joey</b>: Hi.<br><br>"), "missing character"),
        (scene_row(0, "01_e01_c09", "Joey", "(Everyone leaves.)<br><br>"),
         "no parseable utterance in text"),
        ('0,01_e01_c09,"<b>Joey</b>: Hi.",Joey,1,0\n', "expected 9 fields, found 6"),
    ],
)
def test_when_bad_row_then_quarantined_with_reason(make_source, row, reason):
    good = scene_row(1, "01_e01_c10", "Ross", "<b>Ross</b>: Hi.<br><br>")
    out = list(friends.read(make_source("friends", "f.csv", HEADER + row + good)))
    assert [q["reason"] for q in rows_of(out, "quarantine")] == [reason]
    assert rows_of(out, "quarantine")[0]["source_line"] == 2
    assert len(rows_of(out, "documents")) == 1


def test_when_scene_is_1mb_then_ingested_whole(make_source):
    speech = "word " * 199_990  # with "Monica Geller: " just under MAX_TEXT_CHARS
    row = scene_row(0, "02_e03_c04", "Monica", f"<b>Monica</b>: {speech}<br><br>")
    out = list(friends.read(make_source("friends", "big.csv", HEADER + row)))
    (doc,) = rows_of(out, "documents")
    assert doc["text"] == "Monica Geller: " + speech.strip()
    assert doc["context"] == "s02_e03_c04"


def test_when_bad_utf8_bytes_then_line_decoded_as_cp1252(make_source):
    body = HEADER + scene_row(0, "01_e02_c03", "Rachel", "<b>Rachel</b>: Caf\x00 au lait.<br><br>")
    data = body.encode("utf-8").replace(b"\x00", b"\xe9")
    out = list(friends.read(make_source("friends", "latin.csv", data)))
    (utterance,) = rows_of(out, "utterances")
    assert utterance["text"] == "Café au lait."


def test_when_short_name_unique_in_file_then_mapped_to_full_name():
    names = friends.SpeakerNames.from_names(
        ["Carol", "Carol Willick", "Woman", "Woman No. 1", "Woman On Train", "PHOEBE ",
         "ross  geller"]
    )
    assert names.normalise("carol") == "Carol Willick"
    assert names.normalise("Woman") == "Woman"  # two longer names: ambiguous
    assert names.normalise(" phoebe") == "Phoebe Buffay"
    assert names.normalise("Ross   Geller") == "Ross Geller"
    assert names.normalise("Gunther") == "Gunther"  # unseen: whitespace folded only


def test_when_group_turn_then_no_speaker_id_and_directions_split():
    turns = friends.parse_scene(
        "<b>s01_e01_c01(0) for Joey</b><br><br><b>Chandler, Joey</b>: Hey! [they wave] (both) Bye."
        "<br><br>(They start kissing again."
    )
    names = friends.SpeakerNames.from_names([])
    assert turns[0].speech == "Hey! Bye."
    assert turns[0].directions == ["they wave", "both"]
    assert friends.speaker_of(turns[0], names) == ("Chandler Bing, Joey Tribbiani", None)
    assert turns[1] == friends.Turn(None, "", ["They start kissing again."])


def test_when_ingested_through_runner_then_lake_parts_hold_every_row(lake, real_corpora):
    result = ingest_partition(lake, str(real_corpora), "friends")
    assert result.failures == []
    assert {t: result.rows(t) for t in ("documents", "utterances", "labels", "quarantine")} == {
        "documents": 711, "utterances": 8566, "labels": 3555, "quarantine": 0,
    }
    parts = lake.list_parts("raw", "authors", "friends")
    authors = pq.read_table(parts, partitioning=None).to_pylist()
    by_id = {a["author_id"]: a for a in authors}
    assert by_id["friends:Phoebe Buffay"]["n_documents"] == 99
    assert by_id["friends:Phoebe Buffay"]["username"] == "Phoebe Buffay"
    assert sum(a["n_documents"] for a in authors) == 711
