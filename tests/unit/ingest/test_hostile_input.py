"""Hostile input at the reader side of ingestion (issue 11, points 2-5): broken CSV quoting,
odd encodings and NUL bytes, empty and header-only files, wrong compression, very long texts.
Every case asserts exact counts of what was kept and what was quarantined, with the reason."""

from __future__ import annotations

import gzip
import os
from collections import Counter

import pytest

from assets.ingest.encoding import ENCODING_SAMPLE_BYTES
from assets.ingest.errors import EMPTY_FILE, HEADER_ONLY, SourceUnreadable
from assets.ingest.readers import (
    essays,
    friends,
    mbti_kaggle,
    pandora,
    reddit_pushshift,
    twitter_mbti,
)
from assets.ingest.records import MAX_TEXT_CHARS, as_rows
from assets.ingest.registry import FAMILIES
from tests.conftest import rows_of

ESSAYS_HEADER = "#AUTHID,TEXT,cEXT,cNEU,cAGR,cCON,cOPN\n"
FRIENDS_HEADER = ",scene_id,text,character,cAGR,cCON,cEXT,cOPN,cNEU\n"


def _read(source) -> list:
    return list(as_rows(FAMILIES[source.corpus].reader(source)))


def _tables(out) -> dict[str, int]:
    return dict(Counter(table for table, _ in out))


def _essay(i: int, broken: bool = False) -> str:
    if broken:
        return f'a{i},"essay {i} whose closing quote is missing,y,n,y,n,y\n'
    return f'a{i},"essay {i}, with a comma",y,n,y,n,y\n'


# --- point 3: an unclosed quote costs its own record only ------------------------------------


def test_when_essays_row_3_has_an_unclosed_quote_then_5_essays_and_that_line_quarantined(
    make_source,
):
    body = ESSAYS_HEADER + "".join(_essay(i, broken=i == 3) for i in range(1, 7))
    out = _read(make_source("essays", "e.csv", body))
    docs = rows_of(out, "documents")
    assert [d["author_id"] for d in docs] == [f"essays:a{i}" for i in (1, 2, 4, 5, 6)]
    assert [d["source_line"] for d in docs] == [2, 3, 5, 6, 7]
    (q,) = rows_of(out, "quarantine")
    assert q["source_line"] == 4
    assert q["reason"] == (
        "malformed CSV: unbalanced quote in the record at e.csv line 4, which read as one "
        "record runs to line 5 (expected 7 fields, found 8); line 4 quarantined, reading "
        "resumed at line 5"
    )
    assert q["raw_excerpt"].startswith('a3,"essay 3 whose closing quote is missing')


def test_when_unclosed_quote_runs_to_end_of_file_with_right_width_then_later_rows_kept(
    make_source,
):
    # Read leniently, the bad field swallows every later row into one 2-field record: the
    # silent loss of three users this used to cause.
    rows = [f"INTJ,'post {i}|||more {i}'\n" for i in range(1, 7)]
    rows[2] = 'INTJ,"bad 3|||no close\n'
    out = _read(make_source("mbti_kaggle", "m.csv", "type,posts\n" + "".join(rows)))
    assert _tables(out) == {"authors": 5, "documents": 10, "labels": 25, "quarantine": 1}
    (q,) = rows_of(out, "quarantine")
    assert q["source_line"] == 4
    assert "runs to line 7 (2 fields only with lenient quoting); line 4 quarantined" in q["reason"]


def test_when_bad_record_has_continuation_lines_then_they_go_with_it_in_one_row(make_source):
    body = (ESSAYS_HEADER + _essay(1) + 'a2,"broken essay\nsecond line of it\nthird line\n'
            + _essay(3) + _essay(4))
    out = _read(make_source("essays", "e.csv", body))
    assert [d["author_id"] for d in rows_of(out, "documents")] == ["essays:a1", "essays:a3",
                                                                   "essays:a4"]
    (q,) = rows_of(out, "quarantine")
    assert q["source_line"] == 3
    assert "lines 3-5 quarantined, reading resumed at line 6" in q["reason"]


def test_when_multiline_field_is_well_formed_then_it_is_not_split(make_source):
    body = ESSAYS_HEADER + 'a1,"first paragraph\na2,"" quoted line\nend",y,n,y,n,y\n' + _essay(2)
    out = _read(make_source("essays", "e.csv", body))
    assert _tables(out) == {"documents": 2, "labels": 10}
    assert rows_of(out, "documents")[0]["text"] == 'first paragraph\na2," quoted line\nend'


@pytest.mark.parametrize("block_bytes", [64, 1 << 20])
def test_when_pandora_comment_has_an_unclosed_quote_then_5_comments_kept(
    make_source, monkeypatch, block_bytes
):
    monkeypatch.setattr(pandora, "COMMENT_BLOCK_BYTES", block_bytes)
    rows = [f'u{i},"comment {i}, ok",sub,1500000000,c{i}\n' for i in range(1, 7)]
    rows[2] = "u3,\"comment 3 that never closes,sub,1500000000,c3\n"
    body = "author,body,subreddit,created_utc,id\n" + "".join(rows)
    out = _read(make_source("pandora", "comments.csv", body))
    docs = rows_of(out, "documents")
    assert [d["text"] for d in docs] == [f"comment {i}, ok" for i in (1, 2, 4, 5, 6)]
    assert [d["source_line"] for d in docs] == [2, 3, 5, 6, 7]
    (q,) = rows_of(out, "quarantine")
    assert (q["source_line"], q["reason"].split(";")[1].strip()) == (
        4, "line 4 quarantined, reading resumed at line 5")


def test_when_pandora_profile_has_an_unclosed_quote_then_other_profiles_kept(make_source):
    rows = [f'u{i},"INTJ"\n' for i in range(1, 7)]
    rows[2] = 'u3,"INTJ\n'
    out = _read(make_source("pandora", "author_profiles.csv", "author,mbti\n" + "".join(rows)))
    assert [a["username"] for a in rows_of(out, "authors")] == ["u1", "u2", "u4", "u5", "u6"]
    assert [q["source_line"] for q in rows_of(out, "quarantine")] == [4]


def test_when_friends_scene_has_an_unclosed_quote_then_5_scenes_kept(make_source):
    def row(i: int, close: bool = True) -> str:
        end = '"' if close else ""
        return (f'{i},01_e01_c0{i},"<b>s01_e01_c0{i}(0) for Ross</b><br><br>'
                f"<b>Ross</b>: hi {i}{end},Ross,1,0,1,1,1\n")

    body = FRIENDS_HEADER + "".join(row(i, close=i != 3) for i in range(1, 7))
    out = list(friends.read(make_source("friends", "f.csv", body)))
    assert [d["context"] for d in rows_of(out, "documents")] == [
        f"s01_e01_c0{i}" for i in (1, 2, 4, 5, 6)]
    assert _tables(out) == {"documents": 5, "utterances": 5, "labels": 25, "quarantine": 1}


def test_when_psv_line_has_an_unclosed_quote_then_only_that_line_is_affected(make_source):
    body = "label|text\nINTJ|one\nINTJ|\"two | never closed\nINTJ|three\n"
    out = list(twitter_mbti.read(make_source("twitter_mbti", "t.psv", body)))
    assert [d["text"] for d in rows_of(out, "documents")] == [
        "one", '"two | never closed', "three"]


# --- point 5: encodings, undecodable bytes, NUL bytes ---------------------------------------

ACCENTED = "Café naïve “quoted” – déjà vu"


@pytest.mark.parametrize(("encoding", "text"), [
    ("cp1252", ACCENTED),
    ("latin-1", "Größe naïve façade à la crème"),
    ("utf-16", ACCENTED + " 中文"),  # with a byte order mark
    ("utf-16-le", ACCENTED + " 中文"),  # without one
    ("utf-8-sig", ACCENTED),
])
def test_when_file_in_encoding_then_text_decoded_exactly(make_source, encoding, text):
    body = ESSAYS_HEADER + f'a1,"{text}",y,n,y,n,y\n' + _essay(2)
    out = _read(make_source("essays", "e.csv", body.encode(encoding)))
    assert [d["text"] for d in rows_of(out, "documents")] == [text, "essay 2, with a comma"]
    assert rows_of(out, "quarantine") == []


def test_when_cp1252_appears_only_after_the_first_mib_then_file_decoded_as_cp1252(make_source):
    filler = "".join(_essay(i) for i in range(100, 100 + 40_000))  # > 1 MiB of ASCII
    body = ESSAYS_HEADER + filler + f'z1,"{ACCENTED}",y,n,y,n,y\n'
    assert len(ESSAYS_HEADER + filler) > ENCODING_SAMPLE_BYTES
    out = _read(make_source("essays", "e.csv", body.encode("cp1252")))
    docs = rows_of(out, "documents")
    assert len(docs) == 40_001
    assert docs[-1]["text"] == ACCENTED
    assert rows_of(out, "quarantine") == []


def test_when_utf8_file_has_stray_bytes_then_they_are_counted_not_mojibake(make_source):
    body = (ESSAYS_HEADER + 'a1,"Café ').encode() + b"\x81\x81" + b' naive",y,n,y,n,y\n' + (
        _essay(2) + 'a3,"déjà ').encode() + b"\xff" + b'",y,n,y,n,y\n'
    out = _read(make_source("essays", "e.csv", body))
    assert [d["text"] for d in rows_of(out, "documents")] == [
        "Café \ufffd\ufffd naive", "essay 2, with a comma", "déjà \ufffd"]
    (q,) = rows_of(out, "quarantine")
    assert (q["source_line"], q["reason"]) == (2, (
        "undecodable bytes: 3 byte(s) not valid utf-8 replaced with U+FFFD on line(s) 2, 4 "
        "(rows kept)"))


def test_when_file_has_nul_bytes_then_stripped_and_counted(make_source):
    body = ESSAYS_HEADER + 'a1,"he\x00llo\x00",y,n,y,n,y\n' + _essay(2) + 'a3,"x\x00",y,n,y,n,y\n'
    out = _read(make_source("essays", "e.csv", body))
    assert [d["text"] for d in rows_of(out, "documents")] == [
        "hello", "essay 2, with a comma", "x"]
    (q,) = rows_of(out, "quarantine")
    assert (q["source_line"], q["reason"]) == (
        2, "NUL bytes: 3 stripped on line(s) 2, 4 (rows kept)")


def test_when_pandora_comments_have_nuls_and_cp1252_then_arrow_path_gets_clean_text(
    make_source, monkeypatch
):
    monkeypatch.setattr(pandora, "COMMENT_BLOCK_BYTES", 64)
    rows = "".join(f'u{i},"comment {i}",sub,1500000000,c{i}\n' for i in range(20))
    body = ("author,body,subreddit,created_utc,id\n" + rows + 'u99,"na\x00ïve “x”",s,1,c99\n')
    out = _read(make_source("pandora", "comments.csv", body.encode("cp1252")))
    docs = rows_of(out, "documents")
    assert len(docs) == 21
    assert docs[-1]["text"] == "naïve “x”"
    assert [q["reason"] for q in rows_of(out, "quarantine")] == [
        "NUL bytes: 1 stripped on line(s) 22 (rows kept)"]


def test_when_pushshift_line_has_invalid_utf8_and_nul_then_comment_kept(make_source):
    good = b'{"id":"a1","body":"caf\xc3\xa9","author":"x","created_utc":1}\n'
    bad = b'{"id":"a2","body":"bad \xff byte\x00","author":"y","created_utc":1}\n'
    out = _read(make_source("reddit_pushshift", "RC.ndjson", good + bad))
    assert [d["text"] for d in rows_of(out, "documents")] == ["café", "bad \ufffd byte"]
    assert sorted(q["reason"].split(":")[0] for q in rows_of(out, "quarantine")) == [
        "NUL bytes", "undecodable bytes"]


# --- point 2: unreadable files, the same way in every reader --------------------------------

HEADERS = {
    ("essays", "e.csv"): ESSAYS_HEADER,
    ("mbti_kaggle", "m.csv"): "type,posts\n",
    ("friends", "f.csv"): FRIENDS_HEADER,
    ("twitter_mbti", "t.psv"): "label|text\n",
    ("twitter_mbti", "users.csv"): "screen_name,mbti\n",
    ("pandora", "comments.csv"): "author,body\n",
    ("pandora", "author_profiles.csv"): "author,mbti\n",
    ("reddit_pushshift", "RC.ndjson"): None,
}


@pytest.mark.parametrize(("corpus", "name"), list(HEADERS))
@pytest.mark.parametrize("content", [b"", b"\n\n  \n"], ids=["empty", "blank-lines"])
def test_when_file_is_empty_then_every_reader_says_empty_file(make_source, corpus, name,
                                                             content):
    source = make_source(corpus, name, content)
    with pytest.raises(SourceUnreadable) as caught:
        _read(source)
    assert caught.value.reason == EMPTY_FILE
    assert str(caught.value) == f"{corpus}/{name}: empty file"


@pytest.mark.parametrize(("corpus", "name"), [k for k, v in HEADERS.items() if v])
@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_when_file_is_header_only_then_every_reader_says_header_only(make_source, corpus, name,
                                                                   compress):
    data = (HEADERS[(corpus, name)] + "\n").encode()
    if compress:
        data, name = gzip.compress(data), name + ".gz"
    with pytest.raises(SourceUnreadable) as caught:
        _read(make_source(corpus, name, data))
    assert caught.value.reason == HEADER_ONLY
    assert str(caught.value) == f"{corpus}/{name}: header only, no records"


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("RC.zst", b'{"id":"a"}\n', "wrong compression: not a zstd stream (starts with b'{\"id')"),
    ("e.csv.gz", ESSAYS_HEADER.encode(), "wrong compression: not a gzip stream (starts with "
                                         "b'#AUT')"),
    ("e.csv.gz", b"\x1f\x8b\x08\x00garbage, not deflate data", "not a valid gzip stream: "
     "Error -3 while decompressing data: invalid code lengths set"),
])
def test_when_compression_is_wrong_or_corrupt_then_unreadable_with_reason(make_source, name,
                                                                          data, reason):
    corpus = "reddit_pushshift" if name.startswith("RC") else "essays"
    with pytest.raises(SourceUnreadable) as caught:
        _read(make_source(corpus, name, data))
    assert caught.value.reason == reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_when_permission_denied_then_unreadable_with_reason(make_source):
    source = make_source("essays", "e.csv", ESSAYS_HEADER + _essay(1))
    os.chmod(source.path, 0)
    with pytest.raises(SourceUnreadable) as caught:
        _read(source)
    assert caught.value.reason == "permission denied"


# --- point 4: long texts are quarantined at ingest, not blocked later -----------------------


def test_when_essay_is_2mb_then_quarantined_with_reason_and_the_rest_kept(make_source):
    big = "word " * 400_000
    body = ESSAYS_HEADER + _essay(1) + f'a2,"{big}",y,n,y,n,y\n' + _essay(3)
    out = list(essays.read(make_source("essays", "big.csv", body)))
    assert [d["author_id"] for d in rows_of(out, "documents")] == ["essays:a1", "essays:a3"]
    assert len(rows_of(out, "labels")) == 10  # none for the quarantined essay's author
    (q,) = rows_of(out, "quarantine")
    assert (q["source_line"], q["reason"]) == (
        3, "text too long: 1999999 characters > 1000000 (big.csv line 3)")


def test_when_friends_scene_too_long_then_no_utterances_or_labels_left_behind(make_source):
    speech = "word " * 200_001
    html = f"<b>s02_e03_c04(0) for Monica</b><br><br><b>Monica</b>: {speech}"
    out = list(friends.read(make_source("friends", "big.csv",
                                        FRIENDS_HEADER + f'0,02_e03_c04,"{html}",Monica,1,0,1,1,1\n'
                                        )))
    assert _tables(out) == {"quarantine": 1}
    assert rows_of(out, "quarantine")[0]["reason"].startswith(
        f"text too long: {len('Monica Geller: ' + speech.strip())} characters > {MAX_TEXT_CHARS}")


def test_when_one_kaggle_post_too_long_then_only_that_post_quarantined(make_source):
    posts = f"'short one|||{'x' * (MAX_TEXT_CHARS + 1)}|||short two'"
    out = list(mbti_kaggle.read(make_source("mbti_kaggle", "m.csv", f"type,posts\nINTJ,{posts}\n")))
    assert [d["text"] for d in rows_of(out, "documents")] == ["short one", "short two"]
    assert [q["reason"] for q in rows_of(out, "quarantine")] == [
        "text too long: 1000001 characters > 1000000 (m.csv line 2)"]


def test_when_pushshift_reader_module_used_directly_then_same_limit(make_source):
    line = b'{"id":"a1","body":"' + b"y" * (MAX_TEXT_CHARS + 5) + b'","author":"x"}\n'
    out = list(reddit_pushshift.read(make_source("reddit_pushshift", "RC.ndjson", line)))
    assert _tables(out) == {"quarantine": 1}
