"""Reruns that cost nothing: content fingerprints of a warehouse-wide asset's inputs, stored
with what it wrote, so an asset whose inputs did not change skips its work.

Why fingerprints in the lake and not Dagster data versions: `run_all` runs each job with
`execute_in_process` on an instance whose history can be wiped (a fresh `DAGSTER_HOME`) while
the lake stays, and the daemon's runs and `run_all`'s share one lake but not always one
instance. A record kept beside the outputs is right for every way the graph runs, and is lost
(so the work is redone) exactly when the outputs are.

A part's content digest is sha256 over its Parquet data pages, its Parquet schema and its
row-group metadata: everything that decides its rows, and nothing of the platform's footer
stamp. So a part rewritten with identical rows (a partition anonymised again under a larger
known-name set whose names it does not hold) keeps its digest and its dependants stay skipped.
Digests are computed once per file version (path, size, mtime, inode or ETag, from one directory
listing) and cached in `<warehouse>/state/part-digests.json`; a rerun reads no part.

A record (`<warehouse>/state/reuse/<asset>.json`) maps a scope (a dataset, a corpus, `all`) to
the fingerprint of its inputs and the identity of the files it wrote. The work is skipped only
when both match: a deleted or edited output is rebuilt even if the inputs are the same.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import fsspec
import pyarrow.parquet as pq

from assets.lake import CORPUS_DIR_PREFIX, PART_SUFFIX, Lake

STATE_DIR = "state"
DIGESTS_FILE = "part-digests.json"
RECORDS_DIR = "reuse"
SKIPPED = "skipped: inputs unchanged"
ALL = "all"


def file_identity(info: Mapping[str, Any]) -> str:
    """What changes whenever a file is rewritten: size with the object store's ETag, or with
    the local modification time and inode (every lake write is a rename of a new file)."""
    etag = info.get("ETag") or info.get("etag")
    if etag:
        return f"{info.get('size')}:{str(etag).strip(chr(34))}"
    return f"{info.get('size')}:{info.get('mtime')}:{info.get('ino')}"


def source_digest(*modules: ModuleType | str | Path) -> str:
    """sha256 of source files (modules, or files and folders of them, `*.py`, `*.sql` and
    `*.yaml` inside): the code version of an asset whose output depends on them."""
    digest = hashlib.sha256()
    for item in modules:
        path = Path(item.__file__) if isinstance(item, ModuleType) else Path(item)  # type: ignore[arg-type]
        files = (sorted(p for p in path.rglob("*") if p.suffix in (".py", ".sql", ".yaml"))
                 if path.is_dir() else [path])
        for file in files:
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# --- part digests ------------------------------------------------------------------------------


def part_content_digest(lake: Lake, path: str) -> str:
    """sha256 of a part's rows as stored: its data pages (the bytes before the footer), its
    Parquet schema and row groups; the footer's key-value stamp is left out."""
    with lake.fs.open(path, "rb") as handle:
        meta = pq.read_metadata(handle)
    chunks = [meta.row_group(i).column(j) for i in range(meta.num_row_groups)
              for j in range(meta.row_group(i).num_columns)]
    data_end = max((_chunk_start(c) + c.total_compressed_size for c in chunks), default=4)
    digest = hashlib.sha256()
    with lake.fs.open(path, "rb") as handle:
        remaining = data_end
        while remaining > 0:
            chunk = handle.read(min(remaining, 1 << 22))
            if not chunk:
                break
            digest.update(chunk)
            remaining -= len(chunk)
    # the Arrow schema without the platform's stamp (the schema-level metadata)
    schema = meta.schema.to_arrow_schema().remove_metadata()
    digest.update(schema.to_string(show_field_metadata=True).encode())
    digest.update(json.dumps([meta.row_group(i).to_dict() for i in range(meta.num_row_groups)],
                             sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _chunk_start(column: Any) -> int:
    offsets = [column.data_page_offset]
    if column.has_dictionary_page and column.dictionary_page_offset is not None:
        offsets.append(column.dictionary_page_offset)
    return min(offsets)


class DigestCache:
    """Part digests by file identity; loaded once, saved (whole, renamed into place) by `save`.
    Two runs saving at once lose entries, never correctness: a missing entry is recomputed."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake
        self.path = lake.path(STATE_DIR, DIGESTS_FILE)
        self.entries: dict[str, list[str]] = _read_json(lake.fs, self.path)
        self.changed = False

    def digest(self, path: str, info: Mapping[str, Any]) -> str:
        key = posixpath.relpath(path, self.lake.root)
        identity = file_identity(info)
        cached = self.entries.get(key)
        if cached and cached[0] == identity:
            return cached[1]
        value = part_content_digest(self.lake, path)
        self.entries[key] = [identity, value]
        self.changed = True
        return value

    def save(self) -> None:
        if self.changed:
            live = {k: v for k, v in self.entries.items()
                    if self.lake.fs.exists(self.lake.path(k))}
            _write_json(self.lake.fs, self.path, live)
            self.changed = False


def table_parts(lake: Lake, zone: str, table: str, corpus: str | None = None
                ) -> dict[str, dict[str, Any]]:
    """path -> listing info of a table's published parts (one corpus, or all), one listing."""
    pattern = posixpath.join(lake.table_dir(zone, table),
                             f"{CORPUS_DIR_PREFIX}{corpus or '*'}", f"*{PART_SUFFIX}")
    found = lake.fs.glob(pattern, detail=True)
    return dict(sorted(found.items())) if isinstance(found, dict) else {}


Input = tuple[str, str, str | None]  # (zone, table, corpus or None for every corpus)


def inputs_fingerprint(lake: Lake, inputs: Iterable[Input], settings: Mapping[str, Any],
                       cache: DigestCache) -> str:
    """Fingerprint of the content of the `inputs` tables and of `settings` (code versions,
    configuration): equal fingerprints mean equal inputs."""
    return fingerprint_of(lake, {f"{zone}/{table}/{corpus or ALL}": table_parts(
        lake, zone, table, corpus) for zone, table, corpus in inputs}, settings, cache)


def fingerprint_of(lake: Lake, groups: Mapping[str, Mapping[str, Mapping[str, Any]]],
                   settings: Mapping[str, Any], cache: DigestCache) -> str:
    """Fingerprint of named groups of part files (path -> listing info) and `settings`."""
    listing: dict[str, Any] = {"settings": settings}
    for name, parts in groups.items():
        listing[name] = {posixpath.relpath(p, lake.root): cache.digest(p, info)
                         for p, info in sorted(parts.items())}
    return hashlib.sha256(json.dumps(listing, sort_keys=True, default=str).encode()).hexdigest()


# --- records -----------------------------------------------------------------------------------


def outputs_identity(fs: fsspec.AbstractFileSystem, paths: Iterable[str]) -> dict[str, str]:
    """path -> identity of each output file ('missing' for an absent one)."""
    out = {}
    for path in sorted(paths):
        try:
            out[path] = file_identity(fs.info(path))
        except FileNotFoundError:
            out[path] = "missing"
    return out


class ReuseRecord:
    """One asset's record: scope -> fingerprint of its inputs and identity of its outputs."""

    def __init__(self, lake: Lake, asset: str) -> None:
        self.lake = lake
        self.path = lake.path(STATE_DIR, RECORDS_DIR, f"{asset.replace('/', '__')}.json")
        self.scopes: dict[str, dict[str, Any]] = _read_json(lake.fs, self.path)

    def unchanged(self, scope: str, fingerprint: str,
                  fs: fsspec.AbstractFileSystem | None = None) -> bool:
        """Whether `scope` was last built from inputs with this fingerprint and its outputs
        are still the files that build wrote."""
        entry = self.scopes.get(scope)
        if not entry or entry.get("fingerprint") != fingerprint:
            return False
        outputs = entry.get("outputs") or {}
        return outputs_identity(fs or self.lake.fs, outputs) == outputs

    def info(self, scope: str) -> dict[str, Any]:
        """What the last build of `scope` reported (its metadata), for a skip to report again."""
        return dict((self.scopes.get(scope) or {}).get("info") or {})

    def remember(self, scope: str, fingerprint: str, outputs: Iterable[str] = (),
                 fs: fsspec.AbstractFileSystem | None = None,
                 info: Mapping[str, Any] | None = None, save: bool = True) -> None:
        self.scopes[scope] = {"fingerprint": fingerprint,
                              "outputs": outputs_identity(fs or self.lake.fs, outputs),
                              "info": dict(info or {})}
        if save:
            self.save()

    def save(self) -> None:
        _write_json(self.lake.fs, self.path, self.scopes)


def _read_json(fs: fsspec.AbstractFileSystem, path: str) -> dict:
    try:
        with fs.open(path, "rb") as handle:
            value = json.loads(handle.read().decode())
    except (FileNotFoundError, ValueError, OSError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_json(fs: fsspec.AbstractFileSystem, path: str, value: Mapping) -> None:
    """Written under a unique temporary name and renamed: a reader never sees half of it."""
    fs.makedirs(posixpath.dirname(path), exist_ok=True)
    tmp = f"{path}.{uuid.uuid4().hex}.tmp"
    with fs.open(tmp, "wb") as handle:
        handle.write(json.dumps(value, sort_keys=True, indent=1).encode())
    fs.mv(tmp, path)
