"""The labelling loop as three plain steps, each one Dagster asset: push, pull, aggregate.

The assets in `assets/annotate/` only call these with their resources, so the loop runs (and is
tested) without Dagster. Each step reads and writes the lake's curated zone through
`annotation.store` and is idempotent: push imports only missing tasks, pull replaces each
project's snapshot, aggregate replaces the crowd labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from annotation import aggregate, store
from annotation.client import LabelStudioClient
from annotation.ownership import warehouse_id, warehouse_lock
from annotation.projects import LABEL_PROJECTS, PROJECTS, find_project, sync_project
from annotation.pull import (
    ANNOTATIONS_SCHEMA,
    QUARANTINE_SCHEMA,
    SKIPS_SCHEMA,
    PullResult,
    diff_versions,
    pull_project,
    versions_of,
)
from annotation.tasks import (
    TASK_MAP_SCHEMA,
    Selection,
    claim_tasks,
    push_tasks,
    requeue_tasks,
    select_records,
)
from assets.lake import Lake
from schemas.annotation import PII_REVIEW_SPANS
from schemas.tables import LABELS

PII_SPANS_SCHEMA = PII_REVIEW_SPANS


def push_round(
    client: LabelStudioClient, lake: Lake, selection: Selection, projects: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Sync the projects, pick curated documents and push the missing tasks; write the mapping.

    Returns per project: tasks created now, already present, selected, in the mapping,
    retired because their document left the curated zone (see `tasks.retire_orphans`), and
    tasks of other warehouses in the project (left alone). Only this warehouse's projects and
    tasks are touched, under its lock, so another warehouse on the server or a second run of
    this one cannot race it."""
    owner = warehouse_id(lake)
    records = select_records(
        lake.table_glob("curated", "documents"), lake.table_glob("curated", "utterances"),
        lake.table_glob("curated", "labels"), selection,
    )
    summary: dict[str, dict[str, int]] = {}
    with warehouse_lock(lake):
        for project in projects:
            adopted = adopt_legacy_project(client, lake, project, owner)
            project_id = sync_project(client, PROJECTS[project], owner).project_id
            result = push_tasks(client, project_id, project, records, owner,
                                documents_glob=lake.table_glob("curated", "documents"))
            mapping = pa.Table.from_pylist(result.mapping, schema=TASK_MAP_SCHEMA)
            store.write_project_table(lake, "annotation_tasks", project, mapping)
            summary[project] = {"created": result.created, "existing": result.existing,
                                "selected": len(records), "tasks": mapping.num_rows,
                                "retired": result.retired,
                                "already_deleted": result.already_deleted,
                                "orphaned_with_annotations": result.orphaned_with_annotations,
                                "other_warehouses_tasks": result.foreign,
                                "adopted_legacy_tasks": adopted}
    return summary


def adopt_legacy_project(client: LabelStudioClient, lake: Lake, project: str, owner: str) -> int:
    """Take over this warehouse's project from before identities existed, so an upgrade loses
    no annotation; returns how many of its tasks were claimed.

    Such a project has the plain title and tasks without `warehouse_id`. It is ours only if the
    stored task mapping (`annotation_tasks` in this lake) names its id: another warehouse's
    plain-titled project is never touched. Only the tasks that mapping lists are stamped with
    our identity (another warehouse may have pushed into the same project); then the project
    is renamed, so a crash in between leaves it to be adopted again next run."""
    spec = PROJECTS[project]
    if find_project(client, spec, owner) is not None:
        return 0
    mapping = store.read_project_table(lake, "annotation_tasks", project, TASK_MAP_SCHEMA)
    ours = set(mapping.column("project_id").to_pylist())
    found = client.call_list("list projects", client.sdk.projects.list, title=spec.title)
    legacy = [p for p in found if p.title == spec.title and int(p.id) in ours]
    if len(legacy) != 1:
        return 0
    project_id = int(legacy[0].id)
    claimed = claim_tasks(client, project_id, set(mapping.column("task_id").to_pylist()), owner)
    sync_project(client, spec, owner, project_id=project_id)
    return claimed


def project_ids(
    client: LabelStudioClient, projects: Sequence[str], owner: str
) -> dict[str, int]:
    """Ids of this warehouse's projects on the server (one not created yet is left out)."""
    found = {key: find_project(client, PROJECTS[key], owner) for key in projects}
    return {key: int(p.id) for key, p in found.items() if p is not None}


def pull_all(
    client: LabelStudioClient, lake: Lake, pseudonym_key: str, projects: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Replace each project's annotation and skip snapshots with the server's current state.

    Every project is fetched before anything is written, so a failure leaves all stored
    snapshots as they were. Answers that fit no legal form of the config go to
    `annotation_quarantine` (with the reason), never to `annotations`."""
    owner = warehouse_id(lake)
    with warehouse_lock(lake):
        ids = project_ids(client, projects, owner)
        pulled = {key: pull_project(client, pid, key, pseudonym_key, owner)
                  for key, pid in ids.items()}
        return {key: _store_pull(lake, key, result) for key, result in pulled.items()}


def _store_pull(lake: Lake, key: str, result: PullResult) -> dict[str, int]:
    """Replace one project's stored snapshots; returns its counts and the diff."""
    before: dict[int, str] = {}
    for table, schema in (("annotations", ANNOTATIONS_SCHEMA), ("annotation_skips", SKIPS_SCHEMA),
                          ("annotation_quarantine", QUARANTINE_SCHEMA)):
        before |= versions_of(store.read_project_table(lake, table, key, schema))
    diff = diff_versions(before, result.versions())
    store.write_project_table(lake, "annotations", key, result.annotations_table())
    store.write_project_table(lake, "annotation_skips", key, result.skips_table())
    store.write_project_table(lake, "annotation_quarantine", key, result.quarantine_table())
    return {"rows": len(result.rows), "skips": len(result.skips),
            "quarantined": len(result.quarantine), "tasks": result.tasks,
            "added": diff.added, "updated": diff.updated, "deleted": diff.deleted}


def stored_annotations(lake: Lake, projects: Sequence[str] = tuple(PROJECTS)) -> pd.DataFrame:
    return store.read_table(lake, "annotations", ANNOTATIONS_SCHEMA, projects).to_pandas()


def quarantine_reasons(lake: Lake, projects: Sequence[str] = tuple(PROJECTS)) -> dict[str, int]:
    """How many stored answers fit no legal form, per project and reason (for the check)."""
    table = store.read_table(lake, "annotation_quarantine", QUARANTINE_SCHEMA, projects)
    counts: dict[str, int] = {}
    for project, reason in zip(table.column("project").to_pylist(),
                               table.column("reason").to_pylist(), strict=True):
        counts[f"{project}: {reason}"] = counts.get(f"{project}: {reason}", 0) + 1
    return dict(sorted(counts.items()))


@dataclass
class CrowdResult:
    labels: dict[str, int] = field(default_factory=dict)
    agreement: dict[str, dict[str, Any]] = field(default_factory=dict)
    low_agreement: dict[str, dict[str, float]] = field(default_factory=dict)
    requeued: int = 0
    at_cap: int = 0
    pii_spans: int = 0


def crowd_labels(
    lake: Lake, client: LabelStudioClient | None = None, threshold: float = 0.5,
    extra: int = 2, cap: int = 5, ties: str = "low",
) -> CrowdResult:
    """Aggregate the stored annotations into `labels` rows (`source='crowd_aggregate'`) and
    PII-review spans, measure agreement, and (given a client) re-queue items below
    `threshold` for `extra` more annotators, up to `cap` per task."""
    frame = stored_annotations(lake)
    results = aggregate.aggregate(frame, ties=ties) if not frame.empty else []
    corpus_of = dict(zip(frame.get("doc_id", []), frame.get("corpus", []), strict=True))
    out = CrowdResult(agreement=aggregate.agreement_summary(results))
    rows = aggregate.label_rows(results, corpus_of)
    for project in LABEL_PROJECTS:
        mine = [r for r in rows if r["scheme"] == PROJECTS[project].scheme]
        table = pa.Table.from_pylist(mine, schema=LABELS)
        store.write_project_table(lake, "labels", project, table)
        out.labels[project] = table.num_rows
    spans = aggregate.pii_spans(frame) if not frame.empty else []
    store.write_project_table(lake, "pii_review_spans", "pii_review",
                              pa.Table.from_pylist(spans, schema=PII_SPANS_SCHEMA))
    out.pii_spans = len(spans)
    out.low_agreement = aggregate.items_to_requeue(results, threshold)
    if client is not None and out.low_agreement:
        task_of = {(p, d): t for p, d, t in
                   frame[["project", "doc_id", "task_id"]].itertuples(index=False)}
        ids = [int(task_of[(p, d)]) for p, docs in out.low_agreement.items() for d in docs]
        with warehouse_lock(lake):
            done = requeue_tasks(client, ids, extra=extra, cap=cap)
        out.requeued, out.at_cap = len(done.requeued), len(done.at_cap)
    return out


def agreement(lake: Lake) -> dict[str, dict[str, Any]]:
    """Agreement per project and field from the stored annotations (for the asset check)."""
    frame = stored_annotations(lake, LABEL_PROJECTS)
    return aggregate.agreement_summary(aggregate.aggregate(frame)) if not frame.empty else {}
