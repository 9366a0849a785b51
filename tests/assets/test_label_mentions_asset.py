"""`curated/label_mentions` materialised per partition after the curated documents: the text is
left as the privacy stage wrote it, and every span slices that text to its mention."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance, materialize

from assets.lake import Lake
from assets.platform.partitions import source_partitions
from assets.platform.resources import EngineResource, SpacyResource, WarehouseResource
from assets.privacy.assets import curated_documents, label_mentions
from assets.privacy.resources import PrivacyResource
from assets.quality import gx
from assets.warehouse.views import ANALYST_DB, build_database
from schemas.tables import RAW_TABLES

STAMP = {"partition": "mbti_kaggle", "source_file": "m.csv"}
TEXTS = {
    "d1": "INFJ-T here, my 4w5 side says hi to Bartholomew",
    "d2": "I scored 90th percentile in openness. INTERNATIONAL travel is fun.",
    "d3": "Nothing to see, type 2 diabetes aside.",
}


def _raw(lake: Lake) -> None:
    docs = [{"doc_id": d, "corpus": "mbti_kaggle", "author_id": f"kaggle:{i}", "kind": "post",
             "text": t, "created_at": None, "context": None, "source_file": "m.csv",
             "source_line": i + 1, "content_hash": d}
            for i, (d, t) in enumerate(TEXTS.items())]
    tables = {"documents": docs, "authors": [], "quarantine": [], "utterances": [],
              "labels": []}
    for table, rows in tables.items():
        data = pa.Table.from_pylist(rows, schema=RAW_TABLES[table].schema)
        lake.write_part("raw", table, "mbti_kaggle", "m", data, STAMP)


def test_when_partition_materialised_then_spans_recorded_and_text_unchanged(tmp_path: Path):
    lake = Lake.at(str(tmp_path / "wh"))
    _raw(lake)
    resources = {"warehouse": WarehouseResource(warehouse_dir=str(tmp_path / "wh")),
                 "spacy": SpacyResource(), "engine": EngineResource(workers="0"),
                 "privacy": PrivacyResource(pseudonym_key="test-pseudonym-key-0123456789")}
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(source_partitions.name, ["mbti_kaggle"])
        result = materialize([curated_documents, label_mentions], partition_key="mbti_kaggle",
                             instance=instance, resources=resources)
    assert result.success
    docs = {r["doc_id"]: r["text"] for r in pq.read_table(
        lake.part_path("curated", "documents", "mbti_kaggle", "m")).to_pylist()}
    # the privacy stage's text: names replaced, labels kept
    assert docs["d1"].startswith("INFJ-T here, my 4w5 side") and "Bartholomew" not in docs["d1"]
    mentions = pq.read_table(lake.part_path("curated", "label_mentions", "mbti_kaggle", "m"))
    rows = mentions.to_pylist()
    assert [(r["doc_id"], r["kind"], r["mention"]) for r in rows] == [
        ("d1", "mbti_type", "INFJ-T"), ("d1", "enneagram", "4w5"),
        ("d2", "trait_score", "90th percentile in openness")]
    assert all(docs[r["doc_id"]][r["start_char"]:r["end_char"]] == r["mention"] for r in rows)
    assert (lake.part_metadata(lake.part_path("curated", "label_mentions", "mbti_kaggle", "m"))
            or {}).get("partition") == "mbti_kaggle"
    metadata = result.asset_materializations_for_node(label_mentions.op.name)[0].metadata
    assert metadata["documents"].value == 3 and metadata["documents_with_mentions"].value == 2

    # the analysts' view: one row per span, with the document's author
    counts = build_database(lake, ANALYST_DB, str(tmp_path / "db"))
    assert counts["label_mentions"] == 3

    # the suite's span check passes on what the asset wrote, and names a span that drifted
    suite = gx.load_suite("label_mentions", "curated")
    assert gx.validate_aggregates(lake, suite).passed(blocking=True)
    moved = mentions.set_column(mentions.schema.get_field_index("start_char"), "start_char",
                                pa.array([r["start_char"] + 1 for r in rows], pa.int64()))
    lake.write_part("curated", "label_mentions", "mbti_kaggle", "m",
                    moved.cast(mentions.schema), STAMP)
    failed = gx.validate_aggregates(lake, suite).failures(blocking=True)
    assert failed and "d1 [1:6] mbti_type" in failed[0].examples


def test_when_resource_says_keep_then_the_export_asset_keeps_the_mentions(tmp_path: Path):
    from assets.curate import assets as curate
    from tests.unit.curate.fixtures import write_corpus

    lake = Lake.at(str(tmp_path / "wh"))
    write_corpus(lake, "essays", range(60), texts={i: f"INTJ number {i} here." for i in range(60)})
    resources = {"warehouse": WarehouseResource(warehouse_dir=str(tmp_path / "wh"),
                                                export_label_mentions="keep")}
    result = materialize([*curate.ASSETS], resources=resources)
    export = result.asset_materializations_for_node(curate.dataset_export.op.name)[0]
    path = Path(export.metadata["exports"].value["essays"]["path"])
    texts = pq.read_table(path / "data" / "train.parquet").column("text").to_pylist()
    assert texts and all(t.startswith("INTJ number") for t in texts)
    assert "**kept** (`EXPORT_LABEL_MENTIONS=keep`)" in (path / "README.md").read_text()


def test_when_setting_is_neither_mask_nor_keep_then_it_is_refused():
    assert WarehouseResource(export_label_mentions=" Mask ").mask_label_mentions()
    assert not WarehouseResource(export_label_mentions="keep").mask_label_mentions()
    with pytest.raises(ValueError, match="mask or keep"):
        WarehouseResource(export_label_mentions="no").mask_label_mentions()
