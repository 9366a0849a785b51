"""Notice new or changed corpus files and run only the partitions they belong to.

The cursor keeps each partition's cheap signature (sizes and modification times of its files);
the ingest stage then compares content fingerprints, so a touched-but-unchanged file costs one
hash, not a re-read."""

from __future__ import annotations

import json

from dagster import (
    AssetKey,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from assets.ingest.registry import FAMILIES, family
from assets.ingest.sources import list_family_files, partition_key
from assets.platform.partitions import source_partitions
from assets.platform.resources import CorporaResource, WarehouseResource
from assets.privacy.anonymise_partitions import current_known_names, stale_partitions
from dagster_project.jobs import partition_job


def partition_signatures(corpora_dir: str) -> dict[str, str]:
    """partition key -> signature of its files (names, sizes, mtimes)."""
    parts: dict[str, list[str]] = {}
    for name in FAMILIES:
        for source in list_family_files(corpora_dir, name):
            info = source.fs.info(source.path)
            key = partition_key(source, family(name).splits(source))
            parts.setdefault(key, []).append(
                f"{source.relpath}:{info.get('size')}:{info.get('mtime')}"
            )
    return {key: "|".join(sorted(v)) for key, v in parts.items()}


def changed_partitions(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    """New, changed and vanished partitions (a vanished one runs to drop its parts)."""
    keys = set(previous) | set(current)
    return sorted(k for k in keys if previous.get(k) != current.get(k))


@sensor(
    job=partition_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
)
def corpus_files_sensor(context: SensorEvaluationContext, corpora: CorporaResource):
    """Register new source partitions and run the ones whose files changed."""
    previous = json.loads(context.cursor) if context.cursor else {}
    current = partition_signatures(corpora.corpora_dir)
    known = set(source_partitions.get_partition_keys(dynamic_partitions_store=context.instance))
    new_keys = sorted(set(current) - known)
    runs = [
        RunRequest(run_key=f"{key}@{current.get(key, 'gone')}", partition_key=key)
        for key in changed_partitions(previous, current)
        if key in current or key in known
    ]
    return SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=[source_partitions.build_add_request(new_keys)]
        if new_keys
        else [],
        cursor=json.dumps(current, sort_keys=True),
    )


# The curated text assets: what must run again when the known-name set has grown.
PRIVACY_TEXT_KEYS = [AssetKey(["curated", "documents"]), AssetKey(["curated", "utterances"])]
BUSY = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
        DagsterRunStatus.STARTED]


@sensor(
    job=partition_job,
    minimum_interval_seconds=120,
    default_status=DefaultSensorStatus.RUNNING,
)
def known_names_sensor(context: SensorEvaluationContext, warehouse: WarehouseResource):
    """Anonymise again the partitions whose curated text predates a now-known username.

    A partition ingested later can make a name known that an earlier partition's text holds;
    curated text parts carry the fingerprint of the name set they were anonymised with, and
    the stale ones run again. Waits while partition runs are in flight (the set still grows)."""
    if context.instance.get_run_records(
        RunsFilter(job_name=partition_job.name, statuses=BUSY), limit=1
    ):
        return SkipReason("partition runs in flight: the known-name set may still grow")
    lake = warehouse.lake()
    known = current_known_names(lake)
    registered = set(
        source_partitions.get_partition_keys(dynamic_partitions_store=context.instance)
    )
    return [
        RunRequest(run_key=f"{key}@names:{known.fingerprint}", partition_key=key,
                   asset_selection=PRIVACY_TEXT_KEYS)
        for key in stale_partitions(lake, known) if key in registered
    ]


SENSORS = [corpus_files_sensor, known_names_sensor]
