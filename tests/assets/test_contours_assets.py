"""The parse and contour assets, materialised with Dagster on a small generated corpus."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from dagster import DagsterInstance, materialize

from assets.contours.assets import author_features, contours
from assets.ingest.assets import raw_tables
from assets.nlp.assets import parsed_documents
from assets.platform.partitions import source_partitions
from assets.platform.resources import (
    CorporaResource,
    EngineResource,
    LexiconResource,
    SpacyResource,
    WarehouseResource,
)
from assets.privacy.assets import curated_documents
from assets.privacy.resources import PrivacyResource

LEXICONS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "lexicons"


def test_when_partition_materialised_then_contours_summaries_plot_and_authors(tmp_path: Path):
    family = tmp_path / "corpora" / "essays"
    family.mkdir(parents=True)
    rows = "".join(
        f"a{i},I am happy today. You are sad! Is it {i}? We went home and it was bad.,"
        "y,n,y,n,y\n" for i in range(9)
    )
    (family / "e.csv").write_text("#AUTHID,TEXT,cEXT,cNEU,cAGR,cCON,cOPN\n" + rows)
    resources = {
        "warehouse": WarehouseResource(warehouse_dir=str(tmp_path / "wh")),
        "corpora": CorporaResource(corpora_dir=str(tmp_path / "corpora")),
        "spacy": SpacyResource(), "engine": EngineResource(workers="0"),
        "lexicons": LexiconResource(lexicon_dir=str(LEXICONS)),
    }
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(source_partitions.name, ["essays"])
        result = materialize([raw_tables, parsed_documents, contours], partition_key="essays",
                             instance=instance, resources=resources)
        assert result.success
        meta = {m.asset_key.to_user_string(): m.metadata
                for m in result.get_asset_materialization_events()
                for m in [m.step_materialization_data.materialization]}
        assert meta["raw/parsed_documents"]["documents_parsed"].value == 9
        assert meta["curated/contours"]["windows"].value == 18  # 4 sentences: 2 windows each
        assert meta["curated/contours"]["skipped_features"].value == {}
        assert "data:image/png;base64," in meta["curated/document_features"]["contour_plot"].value
        again = materialize([parsed_documents], partition_key="essays", instance=instance,
                            resources=resources)
        parsed = again.get_asset_materialization_events()[0]
        assert parsed.step_materialization_data.materialization.metadata[
            "documents_parsed"].value == 0  # unchanged: not parsed twice
        # Author features are keyed by the curated zone's pseudonyms, never raw ids.
        resources["privacy"] = PrivacyResource(pseudonym_key="k" * 32)
        assert materialize([curated_documents], partition_key="essays", instance=instance,
                           resources=resources).success
        assert materialize([author_features], instance=instance, resources=resources).success
    authors = pq.read_table(next((tmp_path / "wh").rglob("author_features/*/*.parquet")))
    assert authors.num_rows == 9  # one essay per author in this corpus
    assert set(authors.column("n_documents").to_pylist()) == {1}
    assert all(a.startswith("a_") for a in authors.column("author_id").to_pylist())
