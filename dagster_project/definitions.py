"""The one entry point: every asset, check, job, schedule, sensor and resource of the platform.

Each stage module exposes `ASSETS` and `CHECKS`; a new stage is one line in `STAGES`."""

from __future__ import annotations

import os

from dagster import Definitions, EnvVar

from assets.annotate import assets as annotate_assets
from assets.annotate import sensors as annotate_sensors
from assets.contours import assets as contours_assets
from assets.curate import assets as curate_assets
from assets.ingest import assets as ingest_assets
from assets.nlp import assets as nlp_assets
from assets.platform.resources import (
    CorporaResource,
    LabelStudioResource,
    LexiconResource,
    SpacyResource,
    WarehouseResource,
)
from assets.platform.settings import load_settings
from assets.privacy import assets as privacy_assets
from assets.privacy.resources import PrivacyResource
from assets.quality import checks as quality_checks
from assets.warehouse import assets as warehouse_assets
from dagster_project.jobs import annotation_job, partition_job, warehouse_job
from dagster_project.schedules import SCHEDULES
from dagster_project.sensors import SENSORS

STAGES = [
    ingest_assets,
    quality_checks,
    nlp_assets,
    contours_assets,
    privacy_assets,
    curate_assets,
    annotate_assets,
    warehouse_assets,
]

load_settings()


def _resources() -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(
            warehouse_dir=EnvVar("WAREHOUSE_DIR"), duckdb_dir=os.environ.get("DUCKDB_DIR", ""),
            export_retain_versions=int(os.environ.get("EXPORT_RETAIN_VERSIONS") or 5),
        ),
        "corpora": CorporaResource(corpora_dir=EnvVar("CORPORA_DIR")),
        "spacy": SpacyResource(
            model_name=EnvVar("SPACY_MODEL"),
            batch_size=EnvVar.int("SPACY_BATCH_SIZE"),
            n_process=EnvVar.int("SPACY_N_PROCESS"),
        ),
        "lexicons": LexiconResource(lexicon_dir=EnvVar("LEXICON_DIR")),
        "privacy": PrivacyResource(pseudonym_key=EnvVar("PSEUDONYM_KEY")),
        "labelstudio": LabelStudioResource(
            url=EnvVar("LABEL_STUDIO_URL"), api_key=EnvVar("LABEL_STUDIO_API_KEY")
        ),
    }


defs = Definitions(
    assets=[a for stage in STAGES for a in stage.ASSETS],
    asset_checks=[c for stage in STAGES for c in stage.CHECKS],
    jobs=[partition_job, warehouse_job, annotation_job],
    schedules=SCHEDULES,
    sensors=[*SENSORS, *annotate_sensors.SENSORS],
    resources=_resources(),
)
