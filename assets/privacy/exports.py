"""Leak scanning of dataset exports with the same scanner as the curated tables' blocking check.

An export is what leaves the warehouse, so it is scanned on its own rather than trusted to be
as clean as the curated parts it was read from: a curated part anonymised before a later
partition made a username known still holds that name, and only a scan with the current
known-name set sees it. Two entry points:

- `assert_export_clean` runs on a staging folder before it is renamed into place, and raises
  `ExportLeakError` (naming the dataset, file, rows and identifier types, never the identifier)
  so a leaking version is never published;
- `remove_leaking_versions` scans the versions already published (older runs, older rules) and
  deletes those that leak (it runs first inside `assert_export_clean`, and as an asset check
  over every dataset). A version found clean is remembered in
  `exports/<dataset>/.leak-scan.json` with the scanner's fingerprint, so an unchanged version
  is not scanned again until the known-name set or the patterns change.

Every file of a version is scanned: each string value of the Parquet files (lists of strings
too), each string value of the JSON lines, and the card and manifest as text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from assets.lake import Lake
from assets.privacy.leaks import (
    LEAK_PATTERNS,
    RESERVED_TLDS,
    SPELLED_HOST_MAX_ZIPF,
    LeakScanner,
)

LOG = logging.getLogger(__name__)
SCAN_LOG = ".leak-scan.json"
LATEST = "LATEST"
BATCH_ROWS = 5_000
TEXT_SUFFIXES = (".md", ".json", ".txt", ".csv")


@dataclass(frozen=True)
class ExportLeak:
    """One identifier found in an export file: where and what kind, never its value."""

    file: str  # relative to the version folder
    line: int  # 1-based row of a Parquet file, line of a text or JSON-lines file
    kind: str


@dataclass
class ExportScan:
    """The leaks found in one version folder."""

    leaks: list[ExportLeak] = field(default_factory=list)
    values_scanned: int = 0

    @property
    def counts(self) -> Counter[str]:
        return Counter(leak.kind for leak in self.leaks)

    def describe(self, max_lines: int = 5) -> str:
        """`data/train.parquet rows 3, 17 (KNOWN_AUTHOR x2); ...` — places and types only."""
        by_file: dict[str, list[ExportLeak]] = {}
        for leak in self.leaks:
            by_file.setdefault(leak.file, []).append(leak)
        parts = []
        for name, leaks in sorted(by_file.items()):
            unit = "rows" if name.endswith(".parquet") else "lines"
            lines = sorted({leak.line for leak in leaks})
            shown = ", ".join(map(str, lines[:max_lines])) + (" ..." if len(lines) > max_lines
                                                              else "")
            kinds = ", ".join(f"{k} x{n}" for k, n in sorted(Counter(x.kind for x in leaks)
                                                              .items()))
            parts.append(f"{name} {unit} {shown} ({kinds})")
        return "; ".join(parts)


class ExportLeakError(RuntimeError):
    """A staged export holds identifiers; it was deleted, not published."""

    def __init__(self, dataset: str, scan: ExportScan) -> None:
        self.dataset, self.scan = dataset, scan
        super().__init__(
            f"export {dataset!r} not published: {len(scan.leaks)} identifier(s) found by the leak "
            f"scan in {scan.describe()}; the curated text was anonymised before these names were "
            "known or the anonymiser missed them: re-run the partitions' privacy assets")


def scanner_fingerprint(scanner: LeakScanner) -> str:
    """Changes when the known-name set or a leak pattern changes (then old scans are void)."""
    digest = hashlib.sha256()
    for kind, pattern in sorted(LEAK_PATTERNS.items()):
        digest.update(f"{kind}\0{pattern.pattern}\0{pattern.flags}\n".encode())
    digest.update(f"{sorted(RESERVED_TLDS)}\0{SPELLED_HOST_MAX_ZIPF}\n".encode())
    digest.update((scanner.known.fingerprint if scanner.known else "").encode())
    return digest.hexdigest()[:16]


# Digests of values already found clean by a scanner (by its fingerprint). Each text is in an
# export about four times (Parquet and JSON lines, its corpus and `pooled`), and the scan costs
# about a minute per 25 MB of text, so each distinct value is scanned once per process.
_CLEAN: dict[str, set[bytes]] = {}
MAX_REMEMBERED = 5_000_000


def _clean_digests(scanner: LeakScanner) -> set[bytes]:
    key = scanner_fingerprint(scanner)
    if key not in _CLEAN or len(_CLEAN[key]) > MAX_REMEMBERED:
        _CLEAN.clear()
        _CLEAN[key] = set()
    return _CLEAN[key]


def scan_export(lake: Lake, folder: str, scanner: LeakScanner) -> ExportScan:
    """Every leak in every file of one export folder (staging or published)."""
    scan = ExportScan()
    clean = _clean_digests(scanner)
    for path in sorted(lake.fs.find(folder)):
        name = posixpath.relpath(path, folder)
        for line, value in _values(lake, path):
            scan.values_scanned += 1
            digest = hashlib.blake2b(value.encode("utf-8", "surrogatepass"),
                                     digest_size=16).digest()
            if digest in clean:
                continue
            found = scanner.find(value)
            if found:
                scan.leaks.extend(ExportLeak(name, line, kind) for kind, _, _ in found)
            else:
                clean.add(digest)
    return scan


def _values(lake: Lake, path: str) -> Iterator[tuple[int, str]]:
    """(1-based row or line, string) for every string a file holds."""
    if path.endswith(".parquet"):
        yield from _parquet_values(lake, path)
    elif path.endswith(".jsonl"):
        with lake.fs.open(path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                if raw.strip():
                    for value in _strings(orjson.loads(raw)):
                        yield number, value
    elif path.endswith(TEXT_SUFFIXES):
        with lake.fs.open(path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                yield number, raw.decode("utf-8", errors="replace")


def _parquet_values(lake: Lake, path: str) -> Iterator[tuple[int, str]]:
    with lake.fs.open(path, "rb") as handle:
        parquet = pq.ParquetFile(handle)
        columns = [f.name for f in parquet.schema_arrow if _holds_strings(f.type)]
        if not columns:
            return
        offset = 0
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            for column in batch.columns:
                for index, value in enumerate(column.to_pylist()):
                    for text in _strings(value):
                        yield offset + index + 1, text
            offset += batch.num_rows


def _holds_strings(kind: pa.DataType) -> bool:
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return True
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _holds_strings(kind.value_type)
    if pa.types.is_struct(kind):
        return any(_holds_strings(kind.field(i).type) for i in range(kind.num_fields))
    return False


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def assert_export_clean(lake: Lake, staging: str, dataset: str,
                        scanner: LeakScanner | None = None) -> list[RemovedVersion]:
    """Before a staged export is published: delete the dataset's published versions that leak
    (left by older runs; logged), then raise `ExportLeakError` (after deleting the staging
    folder) if the staged export leaks. Returns the removed versions."""
    scanner = scanner or current_scanner(lake)
    root = posixpath.dirname(posixpath.dirname(staging.rstrip("/")))
    removed = remove_leaking_versions(lake, root, scanner, datasets=[dataset])
    scan = scan_export(lake, staging, scanner)
    if scan.leaks:
        lake.fs.rm(staging, recursive=True)
        raise ExportLeakError(dataset, scan)
    return removed


@dataclass(frozen=True)
class RemovedVersion:
    dataset: str
    version: str
    description: str  # files, rows and types, never the identifier


def remove_leaking_versions(lake: Lake, root: str | None = None,
                            scanner: LeakScanner | None = None,
                            datasets: list[str] | None = None) -> list[RemovedVersion]:
    """Delete every published export version (of `datasets`, default all) that leaks; returns
    what was removed and where it leaked, and logs each removal as a warning.

    A `LATEST` pointer naming a removed version is deleted with it (the dataset's next export
    writes a new one)."""
    root = root or lake.path("exports")
    if not lake.fs.exists(root):
        return []
    scanner = scanner or current_scanner(lake)
    fingerprint = scanner_fingerprint(scanner)
    removed: list[RemovedVersion] = []
    for dataset_dir in sorted(p for p in lake.fs.ls(root, detail=False) if lake.fs.isdir(p)):
        dataset = posixpath.basename(dataset_dir.rstrip("/"))
        if datasets is not None and dataset not in datasets:
            continue
        log = _read_log(lake, dataset_dir)
        clean = {v for v, f in log.items() if f == fingerprint}
        for version_dir in _versions(lake, dataset_dir):
            version = posixpath.basename(version_dir.rstrip("/"))
            if version in clean:
                continue
            scan = scan_export(lake, version_dir, scanner)
            if scan.leaks:
                lake.fs.rm(version_dir, recursive=True)
                _drop_latest(lake, dataset_dir, version)
                removed.append(RemovedVersion(dataset, version, scan.describe()))
                LOG.warning("removed leaking export version %s/%s: %s", dataset, version,
                            scan.describe())
            else:
                clean.add(version)
        present = {posixpath.basename(p.rstrip("/")) for p in _versions(lake, dataset_dir)}
        _write_log(lake, dataset_dir, {v: fingerprint for v in sorted(clean & present)})
    return removed


def _versions(lake: Lake, dataset_dir: str) -> list[str]:
    return sorted(p for p in lake.fs.ls(dataset_dir, detail=False)
                  if posixpath.basename(p.rstrip("/")).startswith("v-") and lake.fs.isdir(p))


def _drop_latest(lake: Lake, dataset_dir: str, version: str) -> None:
    latest = posixpath.join(dataset_dir, LATEST)
    if lake.fs.exists(latest):
        with lake.fs.open(latest, "rb") as handle:
            named = handle.read().decode().strip()
        if named == version:
            lake.fs.rm(latest)


def _read_log(lake: Lake, dataset_dir: str) -> dict[str, str]:
    path = posixpath.join(dataset_dir, SCAN_LOG)
    try:
        with lake.fs.open(path, "rb") as handle:
            data = json.loads(handle.read())
    except (FileNotFoundError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_log(lake: Lake, dataset_dir: str, log: dict[str, str]) -> None:
    lake.write_bytes(posixpath.join(dataset_dir, SCAN_LOG),
                     json.dumps(log, sort_keys=True, indent=1).encode() + b"\n")


def current_scanner(lake: Lake) -> LeakScanner:
    """The curated tables' scanner: strict patterns plus every known name in the raw zone."""
    from assets.privacy.anonymise_partitions import current_known_names

    return LeakScanner(current_known_names(lake))
