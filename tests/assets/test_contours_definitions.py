"""The NLP and contour stages fit the project's definitions and jobs (before the lead wires
them into `dagster_project/definitions.py`, this proves they can be)."""

from __future__ import annotations

from dagster import AssetKey, Definitions

from assets.contours import assets as contours_assets
from assets.ingest import assets as ingest_assets
from assets.nlp import assets as nlp_assets
from assets.platform.resources import (
    CorporaResource,
    EngineResource,
    LexiconResource,
    SpacyResource,
    WarehouseResource,
)
from assets.warehouse import assets as warehouse_assets
from dagster_project.jobs import partition_job, warehouse_job


def test_when_stages_collected_then_jobs_hold_parse_contours_and_authors():
    stages = [ingest_assets, nlp_assets, contours_assets, warehouse_assets]
    defs = Definitions(
        assets=[a for s in stages for a in s.ASSETS],
        asset_checks=[c for s in stages for c in s.CHECKS],
        jobs=[partition_job, warehouse_job],
        resources={"warehouse": WarehouseResource(), "corpora": CorporaResource(corpora_dir="."),
                   "spacy": SpacyResource(),
                   "engine": EngineResource(workers="0"), "lexicons": LexiconResource()},
    )
    partitioned = defs.resolve_job_def("partition_job").asset_layer.executable_asset_keys
    assert {AssetKey(["raw", "parsed_documents"]), AssetKey(["curated", "contours"]),
            AssetKey(["curated", "document_features"])} <= set(partitioned)
    warehouse_wide = defs.resolve_job_def("warehouse_job").asset_layer.executable_asset_keys
    assert AssetKey(["curated", "author_features"]) in set(warehouse_wide)
