"""Versioned dataset exports: `<warehouse>/exports/<dataset>/<version>/`.

```
README.md            dataset card (Datasheets for Datasets), with a Hugging Face YAML header
                     (`assets.curate.hub`: license, configs, typed features; `load_dataset` of
                     the folder reads it)
manifest.json        row counts, sha256 of every file, config, code version, source parts
data/<split>.parquet train / dev / test, with the dataset, version, split and card link as
                     Parquet key-value metadata
jsonl/<split>.jsonl  the same rows as JSON lines
figures/*.png        the card's plots
```

A dataset is one corpus or `pooled` (every corpus). Rows are curated documents with their split,
their labels pivoted wide (one column per scheme and trait, author labels joined through the
pseudonymous author id) and, when the contours stage has run, document and author features.

Reproducible to the byte: rows are ordered by doc_id, row groups have a fixed size, the Parquet
writer settings are fixed, and nothing time-dependent is written. The version is a content hash
of the data files and the export and split configuration, so re-exporting unchanged data lands
in the same folder with the same bytes, and any change in data or configuration gets a new one.
The version is hashed before it is stamped into the Parquet files' metadata (`hub.stamp_parquet`),
and the manifest hashes the stamped files.
The data is built in a staging folder and published into place (`Lake.publish_folder`: one
rename on a local disk; on an object store each file is copied and `manifest.json` comes last,
so a version folder with a manifest is whole), and `LATEST` is written after it.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from assets.curate.dataset import (
    POOLED,
    DatasetQuery,
    ExportConfig,
    connect,
    dataset_query,
    document_filter,
)
from assets.curate.grain import check_export
from assets.curate.splits import SplitConfig
from assets.lake import EXPORT_STAGING, Lake, temp_prefix
from assets.platform.chunks import rebatch
from assets.privacy.exports import assert_export_clean
from schemas.splits import SPLIT_NAMES


@dataclass
class ExportResult:
    dataset: str
    version: str
    path: str
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    reused: bool = False
    pruned: list[str] = field(default_factory=list)  # older versions removed by retention


def code_version() -> str:
    """Package version plus a hash of this stage's source, not the git commit: an unrelated
    commit elsewhere must not change the bytes of an otherwise identical export."""
    try:
        version = metadata.version("personality-warehouse")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{version}+{digest.hexdigest()[:12]}"


def sha256_file(lake: Lake, path: str) -> str:
    digest = hashlib.sha256()
    with lake.fs.open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- writing ------------------------------------------------------------------------------------


def write_split(
    lake: Lake, con: duckdb.DuckDBPyConnection, query: DatasetQuery, split: str,
    staging: str, config: ExportConfig,
) -> int:
    """Write one split as Parquet and JSONL; returns its row count."""
    reader = con.sql(
        f"SELECT * EXCLUDE (split) FROM ({query.sql}) WHERE split = $1 ORDER BY doc_id",
        params=[split],
    ).to_arrow_reader(config.row_group_rows)
    schema = reader.schema.with_metadata(None)
    rows = 0
    parquet_path = posixpath.join(staging, "data", f"{split}.parquet")
    jsonl_path = posixpath.join(staging, "jsonl", f"{split}.jsonl")
    for path in (parquet_path, jsonl_path):
        lake.fs.makedirs(posixpath.dirname(path), exist_ok=True)
    with lake.fs.open(parquet_path, "wb") as pq_handle, lake.fs.open(jsonl_path, "wb") as js:
        writer = pq.ParquetWriter(
            pq_handle, schema, compression=config.compression,
            compression_level=config.compression_level, write_statistics=True,
        )
        # Row groups of exactly `row_group_rows` rows whatever batch sizes DuckDB produced, so
        # the bytes do not depend on its threading.
        batches = (pa.Table.from_batches([batch]) for batch in reader)
        for table in rebatch(batches, config.row_group_rows):
            table = table.cast(schema)
            writer.write_table(table, row_group_size=config.row_group_rows)
            for row in table.to_pylist():
                js.write(orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n")
            rows += table.num_rows
        if rows == 0:
            writer.write_table(schema.empty_table())
        writer.close()
    return rows


def source_parts(lake: Lake, dataset: str, zone: str) -> list[dict[str, Any]]:
    """The curated parts an export read, with the partition stamp each carries."""
    parts = []
    corpus = None if dataset == POOLED else dataset
    for table in ("documents", "labels", "splits", "document_features", "author_features"):
        for path in lake.list_parts(zone, table, corpus):
            meta = lake.part_metadata(path) or {}
            parts.append({"part": posixpath.relpath(path, lake.root),
                          "partition": meta.get("partition"),
                          "fingerprint": meta.get("fingerprint")})
    return parts


def export_dataset(
    lake: Lake,
    dataset: str,
    config: ExportConfig | None = None,
    split_config: SplitConfig | None = None,
    baselines: list[dict[str, Any]] | None = None,
    exports_root: str | None = None,
    retain_versions: int = 0,
) -> ExportResult:
    """Export one dataset into a new version folder (or find the identical one already there).

    `retain_versions` > 0 keeps that many most recently published versions of the dataset
    (the current one always among them) and removes the older ones; 0 keeps every version."""
    from assets.curate.card import write_card  # matplotlib is only needed here
    from assets.curate.hub import stamp_parquet  # and huggingface_hub

    config = config or ExportConfig()
    split_config = split_config or SplitConfig()
    root = exports_root or lake.path("exports")
    # Owner-tagged, so the next run's clean_leftovers removes it if this process is killed.
    staging = posixpath.join(root, dataset, f"{temp_prefix(EXPORT_STAGING)}{uuid.uuid4().hex}")
    con = connect(lake)
    try:
        query = dataset_query(lake, con, dataset, config)
        rows = {s: write_split(lake, con, query, s, staging, config) for s in SPLIT_NAMES}
        files = _hash_tree(lake, staging)
        settings = {"export": config.as_dict(), "splits": split_config.as_dict()}
        version = "v-" + hashlib.sha256(
            json.dumps({"files": files, "config": settings}, sort_keys=True).encode()
        ).hexdigest()[:16]
        stamp_parquet(lake, staging, dataset, version, config)
        card_files = write_card(lake, con, staging, dataset, version, query, rows,
                                baselines or [], config.zone, config.mask_label_mentions)
        files = _hash_tree(lake, staging)
        manifest = {
            "dataset": dataset,
            "version": version,
            "code_version": code_version(),
            "config": settings,
            "rows": rows,
            "columns": {"labels": list(query.label_columns),
                        "label_scales": query.label_scales,
                        "features": list(query.feature_columns)},
            "files": {p: {"sha256": h, "bytes": lake.fs.size(posixpath.join(staging, p))}
                      for p, h in files.items()},
            "figures": card_files,
            "source_parts": source_parts(lake, dataset, config.zone),
        }
        with lake.fs.open(posixpath.join(staging, "manifest.json"), "wb") as handle:
            handle.write(json.dumps(manifest, sort_keys=True, indent=2).encode() + b"\n")
        result = publish(lake, con, root, dataset, version, staging, rows, files, config.zone,
                         document_filter(lake, dataset, config))
    except BaseException:
        if lake.fs.exists(staging):
            lake.fs.rm(staging, recursive=True)
        raise
    finally:
        con.close()
    result.pruned = prune_versions(lake, root, dataset, retain_versions)
    return result


def _hash_tree(lake: Lake, folder: str) -> dict[str, str]:
    paths = sorted(p for p in lake.fs.find(folder) if not p.endswith("manifest.json"))
    return {posixpath.relpath(p, folder): sha256_file(lake, p) for p in paths}


# --- publishing and retention -------------------------------------------------------------------

HISTORY = "HISTORY"  # published versions of a dataset, oldest first, one per line


def publish(lake: Lake, con: duckdb.DuckDBPyConnection, root: str, dataset: str, version: str,
            staging: str, rows: dict[str, int], files: dict[str, str], zone: str,
            document_filter: str = "true") -> ExportResult:
    """The one place a staged export becomes a version: every blocking check of the staged
    files runs here first, and a failure raises before anything is renamed (the caller drops
    the staging folder). Then the staging folder is renamed into place; an identical existing
    version is kept as is."""
    check_export(lake, con, staging, dataset, None if dataset == POOLED else dataset, zone,
                 document_filter)
    assert_export_clean(lake, staging, dataset)  # the curated tables' leak scan (privacy)
    final = posixpath.join(root, dataset, version)
    reused = False
    if lake.fs.exists(final):
        if _hash_tree(lake, final) == files and _same_file(lake, staging, final, "manifest.json"):
            lake.fs.rm(staging, recursive=True)
            reused = True
        else:  # same content hash, different card or manifest (new code): replace
            lake.fs.rm(final, recursive=True)
    if not reused:
        lake.publish_folder(staging, final, last="manifest.json")
    lake.write_bytes(posixpath.join(root, dataset, "LATEST"), version.encode() + b"\n")
    _record_history(lake, posixpath.join(root, dataset, HISTORY), version)
    return ExportResult(dataset, version, final, rows, files, reused)


def _record_history(lake: Lake, path: str, version: str) -> None:
    """Move `version` to the end of the dataset's history (written whole, in one step)."""
    history = [v for v in read_history(lake, path) if v != version] + [version]
    lake.write_bytes(path, "".join(f"{v}\n" for v in history).encode())


def read_history(lake: Lake, path: str) -> list[str]:
    if not lake.fs.exists(path):
        return []
    with lake.fs.open(path, "rb") as handle:
        return [line for line in handle.read().decode().splitlines() if line]


def version_folders(lake: Lake, root: str, dataset: str) -> list[str]:
    """Names of the dataset's published version folders (not staging folders or files)."""
    folder = posixpath.join(root, dataset)
    if not lake.fs.exists(folder):
        return []
    return sorted(posixpath.basename(p.rstrip("/")) for p in lake.fs.ls(folder, detail=False)
                  if posixpath.basename(p.rstrip("/")).startswith("v-") and lake.fs.isdir(p))


def prune_versions(lake: Lake, root: str, dataset: str, keep: int) -> list[str]:
    """Remove all but the `keep` most recently published versions; returns the removed ones.

    Recency is the order of the dataset's HISTORY (the current version, named in LATEST, is
    last there and is never removed). Folders missing from the history (left by older code)
    count as older than every recorded one, newest modification time first."""
    if keep <= 0:
        return []
    folder = posixpath.join(root, dataset)
    history = read_history(lake, posixpath.join(folder, HISTORY))
    current = history[-1] if history else None
    on_disk = version_folders(lake, root, dataset)
    unrecorded = sorted((v for v in on_disk if v not in history),
                        key=lambda v: (_modified(lake, posixpath.join(folder, v)), v),
                        reverse=True)
    newest_first = [v for v in reversed(history) if v in on_disk] + unrecorded
    removed = [v for v in newest_first[keep:] if v != current]
    for version in removed:
        lake.fs.rm(posixpath.join(folder, version), recursive=True)
    if removed:
        kept = [v for v in history if v not in removed]
        lake.write_bytes(posixpath.join(folder, HISTORY), "".join(f"{v}\n" for v in kept).encode())
    return removed


def _modified(lake: Lake, path: str) -> float:
    manifest = posixpath.join(path, "manifest.json")
    try:
        return lake.fs.modified(manifest).timestamp()
    except (FileNotFoundError, NotImplementedError, OSError):
        return 0.0


def _same_file(lake: Lake, a: str, b: str, name: str) -> bool:
    pa_, pb = posixpath.join(a, name), posixpath.join(b, name)
    return lake.fs.exists(pb) and sha256_file(lake, pa_) == sha256_file(lake, pb)
