"""The code location: each stage's `Definitions` merged with the cross-stage jobs, schedules and
sensors, and the resources every asset is bound to.

`defs` is a lazy `@definitions` loader, not a `Definitions` made at import: Dagster's tools call
it when they load the code location (`dagster dev`, `dagster-webserver -m`, `[tool.dagster]` in
pyproject.toml), and `run_all` calls it too. So importing this module reads no settings file and
changes no environment variable; the loader loads the settings first, because the code server
and the run workers are fresh processes that no entry point has prepared. Resources are bound
with `EnvVar`, read when a run starts: a secret never appears in the definitions or the UI.

A new stage is one `definitions.py` in its folder and one line in `STAGES`."""

from __future__ import annotations

from dagster import Definitions, EnvVar, definitions

from assets.annotate import definitions as annotate
from assets.contours import definitions as contours
from assets.curate import definitions as curate
from assets.ingest import definitions as ingest
from assets.nlp import definitions as nlp
from assets.platform.resources import (
    CorporaResource,
    EngineResource,
    LabelStudioResource,
    LexiconResource,
    SpacyResource,
    WarehouseResource,
)
from assets.platform.settings import load_settings
from assets.privacy import definitions as privacy
from assets.privacy.resources import PrivacyResource
from assets.quality import definitions as quality
from assets.warehouse import definitions as warehouse
from dagster_project.jobs import JOBS
from dagster_project.schedules import SCHEDULES
from dagster_project.sensors import SENSORS

STAGES = [ingest, quality, nlp, contours, privacy, curate, annotate, warehouse]


def resources() -> dict[str, object]:
    """Every resource, bound to its environment variables (`.env.example` lists them)."""
    return {
        "warehouse": WarehouseResource(
            warehouse_dir=EnvVar("WAREHOUSE_DIR"), duckdb_dir=EnvVar("DUCKDB_DIR"),
            export_retain_versions=EnvVar.int("EXPORT_RETAIN_VERSIONS"),
            export_label_mentions=EnvVar("EXPORT_LABEL_MENTIONS"),
        ),
        "corpora": CorporaResource(corpora_dir=EnvVar("CORPORA_DIR")),
        "spacy": SpacyResource(
            model_name=EnvVar("SPACY_MODEL"),
            batch_size=EnvVar.int("SPACY_BATCH_SIZE"),
        ),
        "engine": EngineResource(
            scheduler_address=EnvVar("DASK_SCHEDULER_ADDRESS"),
            workers=EnvVar("PIPELINE_WORKERS"),
            chunk_bytes=EnvVar.int("CHUNK_BYTES"), chunk_docs=EnvVar.int("CHUNK_DOCS"),
        ),
        "lexicons": LexiconResource(lexicon_dir=EnvVar("LEXICON_DIR")),
        "privacy": PrivacyResource(pseudonym_key=EnvVar("PSEUDONYM_KEY")),
        "labelstudio": LabelStudioResource(
            url=EnvVar("LABEL_STUDIO_URL"), api_key=EnvVar("LABEL_STUDIO_API_KEY")
        ),
    }


@definitions
def defs() -> Definitions:
    """Every asset, check, job, schedule, sensor and resource of the platform."""
    load_settings()
    return Definitions.merge(
        *(stage.defs for stage in STAGES),
        Definitions(jobs=JOBS, schedules=SCHEDULES, sensors=SENSORS, resources=resources()),
    )
