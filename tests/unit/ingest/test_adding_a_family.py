"""Adding a corpus family is one reader module plus one registry entry: the seventh family in
`diaries_family.py` is registered here and goes through the sample writer, partition discovery,
ingestion, the raw views and the curate stage's corpus lookups without any other file naming it.
"""

from __future__ import annotations

import duckdb
import pytest

from assets.curate.baselines import published_for
from assets.curate.card import corpus_note
from assets.ingest import registry
from assets.ingest.runner import all_partition_keys, ingest_partition
from assets.ingest.sample_corpora import write_sample_corpora
from assets.lake import Lake
from assets.warehouse.views import RAW_DB, build_database
from tests.unit.ingest import diaries_family


@pytest.fixture
def diaries(monkeypatch):
    monkeypatch.setitem(registry.FAMILIES, diaries_family.FAMILY.name, diaries_family.FAMILY)
    return diaries_family.FAMILY


def test_when_family_registered_then_sample_ingest_and_views_include_it(tmp_path, diaries):
    corpora = tmp_path / "corpora"
    manifest = write_sample_corpora(str(corpora), families=[diaries.name])
    assert manifest == {"diaries": {"diaries.jsonl": {
        "records": 11, "bad": ["malformed JSON line", "empty text"]}}}
    assert all_partition_keys(str(corpora)) == ["diaries"]

    lake = Lake.at(str(tmp_path / "warehouse"))
    result = ingest_partition(lake, str(corpora), "diaries")
    assert result.failures == []
    counts = build_database(lake, RAW_DB, str(tmp_path / "db"))
    assert counts["raw_documents"] == 9
    assert counts["raw_authors"] == 3
    assert counts["raw_quarantine"] == 2
    con = duckdb.connect(str(tmp_path / "db" / RAW_DB.name), read_only=True)
    traits = con.execute("SELECT DISTINCT corpus, trait FROM raw_labels ORDER BY 2").fetchall()
    con.close()
    assert traits == [("diaries", t) for t in ("I/E", "J/P", "N/S", "T/F", "type")]


def test_when_family_registered_then_card_and_baselines_read_its_entry(diaries):
    assert corpus_note("diaries") == diaries.card_note
    assert published_for("diaries", "mbti_I_E", "accuracy") == "50.0 acc (nobody, 2026)"
    assert published_for("diaries", "mbti_I_E", "f1_macro") is None


def test_when_family_unregistered_then_card_falls_back():
    assert "diaries" not in registry.FAMILIES
    assert corpus_note("diaries") == "see the corpus folder README."
