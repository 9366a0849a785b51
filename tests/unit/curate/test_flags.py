"""Bot authors in the lake, and training exports that leave bots and duplicate copies out by
default and keep them on request."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from assets.curate.dataset import ExportConfig, connect, dataset_query
from assets.curate.dedup import build_duplicates
from assets.curate.flags import BotConfig, build_bot_authors, card_section
from assets.curate.splits import build_splits
from assets.lake import Lake
from schemas.curated import CURATED_AUTHORS, CURATED_DOCUMENTS
from tests.unit.curate.fixtures import write_corpus

SIGNED = ("Your post has been removed because it has no flair. I am a bot, and this action was "
          "performed automatically. Please contact the moderators if you have questions.")
PASTA = ("Every time I take one of these personality tests I get a different result, and every "
         "time the description fits me perfectly. Explain that, science.")


def _lake(lake: Lake) -> Lake:
    write_corpus(lake, "essays", range(60), texts={
        3: SIGNED, 10: PASTA, 20: PASTA.upper(), 30: PASTA.replace(",", "") + " !!"})
    write_corpus(lake, "pandora", range(20), texts={4: PASTA.lower()})
    lake.write_part("curated", "authors", "essays", "p0", pa.Table.from_pylist([
        {"author_id": f"pseud-essays-{i:05d}", "corpus": "essays", "platform": "essays",
         "n_documents": 1, "source_file": "e.csv",
         "bot_reason": "known_account" if i == 5 else None} for i in range(60)], CURATED_AUTHORS))
    build_duplicates(lake)
    build_bot_authors(lake)
    build_splits(lake)
    return lake


def _doc_ids(lake: Lake, dataset: str, config: ExportConfig) -> set[str]:
    con = connect(lake)
    try:
        query = dataset_query(lake, con, dataset, config)
        return {d for (d,) in con.execute(f"SELECT doc_id FROM ({query.sql})").fetchall()}
    finally:
        con.close()


def test_when_authors_are_known_or_signed_bots_then_bot_authors_lists_them(lake: Lake):
    _lake(lake)
    [path] = lake.list_parts("curated", "bot_authors")
    rows = {r["author_id"]: r for r in pq.read_table(path).to_pylist()}
    assert {a: r["bot_reason"] for a, r in rows.items()} == {
        "pseud-essays-00003": "signature", "pseud-essays-00005": "known_account"}
    assert rows["pseud-essays-00003"]["n_signed"] == 1


def test_when_one_of_many_documents_is_signed_then_the_author_is_not_a_bot(lake: Lake):
    write_corpus(lake, "essays", range(10), texts={2: SIGNED})
    more = ["A second essay of mine, about my week.", "A third one, about my dog and the park."]
    lake.write_part("curated", "documents", "essays", "more", pa.Table.from_pylist([
        {"doc_id": f"essays-extra{k}", "corpus": "essays", "author_id": "pseud-essays-00002",
         "kind": "essay", "text": text, "source_file": "x", "source_line": k,
         "content_hash": f"{k:032x}", "pii_counts": "{}"} for k, text in enumerate(more)],
        CURATED_DOCUMENTS))
    result = build_bot_authors(lake, BotConfig(min_share=0.5))
    assert result.authors == {} and result.signed_documents == {"essays": 1}
    assert build_bot_authors(lake, BotConfig(min_share=0.3)).authors == {
        "essays": {"known_account": 0, "signature": 1}}


def test_when_exported_by_default_then_bots_and_copies_are_left_out(lake: Lake):
    _lake(lake)
    essays = _doc_ids(lake, "essays", ExportConfig())
    assert "essays-d00003" not in essays and "essays-d00005" not in essays
    assert [d for d in ("essays-d00010", "essays-d00020", "essays-d00030") if d in essays] == [
        "essays-d00010"]
    assert len(essays) == 60 - 2 - 2
    pooled = _doc_ids(lake, "pooled", ExportConfig())
    assert "pandora-d00004" not in pooled and "essays-d00010" in pooled
    # inside its own corpus, pandora's copy is the representative
    assert "pandora-d00004" in _doc_ids(lake, "pandora", ExportConfig())


def test_when_export_keeps_bots_and_duplicates_then_every_document_is_there(lake: Lake):
    _lake(lake)
    assert len(_doc_ids(lake, "essays", ExportConfig(keep_bots_and_duplicates=True))) == 60
    assert len(_doc_ids(lake, "pooled", ExportConfig(keep_bots_and_duplicates=True))) == 80


def test_when_card_section_rendered_then_counts_per_corpus(lake: Lake):
    _lake(lake)
    con = connect(lake)
    lines = card_section(lake, con, "pooled")
    con.close()
    table = [line for line in lines if line.startswith("| essays") or line.startswith("| pandora")]
    assert table == ["| essays | 2 | 2 | 1 | 3 | 0 | 0 |", "| pandora | 0 | 0 | 1 | 1 | 0 | 0 |"]
