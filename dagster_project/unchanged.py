"""Which source partitions `run_all` need not launch at all: nothing they read has changed.

A partition run whose inputs are unchanged skips every part inside (footer stamps), but still
pays a run's fixed costs: a Dagster run, resource set-up, a model and lexicon load, and a GX
validation per table (measured on the sample: 5-50 s per partition, 240 s of a 405 s rerun).
So `run_all` records, at its end, for each partition that ran cleanly: the signature of its
source files (names, sizes, modification times, as the sensor sees them), the code of the
pipeline, the settings that shape its output, and the identity of every part file of its
corpus. A partition whose record still matches is not launched. Anything else runs as before:
a new, touched or vanished file, a code or setting change, a part removed or rewritten by
someone else, a failed last run.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

from assets.lake import CORPUS_DIR_PREFIX, PART_SUFFIX, Lake, corpus_of
from assets.platform.reuse import ReuseRecord, source_digest

RECORD = "run_all/partitions"
# What shapes a partition's output besides its files and the code.
SETTINGS = ("CORPORA_DIR", "LEXICON_DIR", "SPACY_MODEL", "SPACY_BATCH_SIZE")
SECRETS = ("PSEUDONYM_KEY",)  # only their hash is stored
PACKAGES = ("spacy", "presidio-analyzer", "pyarrow", "duckdb", "great-expectations")
REPO = Path(__file__).resolve().parents[1]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def _lexicon_files(folder: str) -> dict[str, str]:
    path = Path(folder)
    if not folder or not path.is_dir():
        return {}
    return {str(p.relative_to(path)): f"{p.stat().st_size}:{p.stat().st_mtime_ns}"
            for p in sorted(path.rglob("*")) if p.is_file()}


def pipeline_fingerprint() -> str:
    """The code (every stage and the schemas), settings, secrets' hashes, package versions and
    lexicon files: what every partition's output depends on besides its own files."""
    env = os.environ
    value = {
        "code": source_digest(REPO / "assets", REPO / "schemas"),
        "settings": {k: env.get(k, "") for k in SETTINGS},
        "secrets": {k: hashlib.sha256(env.get(k, "").encode()).hexdigest() for k in SECRETS},
        "packages": {p: _version(p) for p in PACKAGES},
        "model": _version(env.get("SPACY_MODEL", "")) if env.get("SPACY_MODEL") else "",
        "lexicons": _lexicon_files(env.get("LEXICON_DIR", "")),
    }
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def corpus_parts(lake: Lake, corpus: str) -> list[str]:
    """Every part file of a corpus, in every table of both zones (one listing)."""
    return sorted(lake.fs.glob(lake.path("lake", "*", "*", f"{CORPUS_DIR_PREFIX}{corpus}",
                                         f"*{PART_SUFFIX}")))


def _fingerprint(pipeline: str, signature: str) -> str:
    return hashlib.sha256(f"{pipeline}\0{signature}".encode()).hexdigest()


def unchanged_partitions(lake: Lake, keys: Iterable[str], signatures: Mapping[str, str],
                         pipeline: str) -> list[str]:
    """The keys whose last clean run saw the same files, code and settings, and whose corpus's
    part files are all still the ones that run left."""
    record = ReuseRecord(lake, RECORD)
    return [k for k in keys if k in signatures
            and record.unchanged(k, _fingerprint(pipeline, signatures[k]))]


def remember_partitions(lake: Lake, keys: Iterable[str], failed: Iterable[str],
                        signatures: Mapping[str, str], pipeline: str) -> None:
    """Record the partitions that ran (or were skipped) cleanly; forget the failed ones."""
    record = ReuseRecord(lake, RECORD)
    failed = set(failed)
    listings: dict[str, list[str]] = {}
    for key in keys:
        if key in failed or key not in signatures:
            record.scopes.pop(key, None)
            continue
        corpus = corpus_of(key)
        if corpus not in listings:
            listings[corpus] = corpus_parts(lake, corpus)
        record.remember(key, _fingerprint(pipeline, signatures[key]), listings[corpus],
                        save=False)
    record.save()
