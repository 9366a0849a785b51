"""Pulling annotations: the server's current annotations of a project, as one row per answer.

A pull reads the project's whole current state and the caller replaces the project's stored
rows with it, so the table is a snapshot keyed by annotation id: pulling twice gives the same
rows, an edited annotation replaces its old rows (same id, new `updated_at`), and a deleted one
disappears. If the server fails mid-pull, nothing is written and the stored snapshot stays as it
was. Cancelled (skipped) annotations are kept apart, in their own rows, and never counted as
ratings.

Answers are read against the project's label config (`annotation.answers`): a choice stored as
its alias, its value, or either with other spacing or case is the same answer; one that fits no
legal form goes to `annotation_quarantine` with its reason instead of the ratings.

Annotators appear only as keyed pseudonyms (HMAC-SHA256 of the Label Studio user id): the
pulled rows never hold a username or e-mail address (the API's `created_username` is ignored).
PII spans keep offsets and entity type only, not the marked text, which is the very identifier
the anonymiser missed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from annotation.answers import Control, project_controls, read_answers
from annotation.client import LabelStudioClient
from annotation.tasks import is_owned
from schemas.annotation import ANNOTATION_QUARANTINE, ANNOTATION_SKIPS, ANNOTATIONS

ANNOTATIONS_SCHEMA = ANNOTATIONS
SKIPS_SCHEMA = ANNOTATION_SKIPS
QUARANTINE_SCHEMA = ANNOTATION_QUARANTINE


def annotator_pseudonym(user_id: int | None, key: str) -> str:
    """`ann_` + 16 hex of HMAC-SHA256(key, user id): stable per person, meaningless without
    the key. The domain prefix keeps these apart from author pseudonyms made with the same key."""
    if not key:
        raise ValueError("a pseudonym key is required")
    message = f"labelstudio-annotator:{user_id}".encode()
    return "ann_" + hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:16]


def locate_in_turn(span_json: str, turn_offsets: Sequence[Sequence[int]]) -> str:
    """Add the utterance turn and turn-relative offsets to a span marked in a transcript, so
    the privacy evaluation can find it in `curated_utterances` without the transcript."""
    span = json.loads(span_json)
    for turn, start, end in turn_offsets:
        if start <= span["start"] and span["end"] <= end:
            span.update(turn=turn, turn_start=span["start"] - start, turn_end=span["end"] - start)
            break
    return json.dumps(span, sort_keys=True)


@dataclass
class PullResult:
    """One project's current annotations (answers and skips)."""

    project: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    skips: list[dict[str, Any]] = field(default_factory=list)
    # Answers that fit no legal form of the project's config, with the reason.
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    tasks: int = 0

    def versions(self) -> dict[int, str]:
        """annotation id → updated_at, for diffs against a stored snapshot."""
        out: dict[int, str] = {}
        for row in (*self.rows, *self.skips, *self.quarantine):
            out[row["annotation_id"]] = str(row["updated_at"])
        return out

    def annotations_table(self) -> pa.Table:
        return pa.Table.from_pylist(self.rows, schema=ANNOTATIONS_SCHEMA)

    def skips_table(self) -> pa.Table:
        return pa.Table.from_pylist(self.skips, schema=SKIPS_SCHEMA)

    def quarantine_table(self) -> pa.Table:
        return pa.Table.from_pylist(self.quarantine, schema=QUARANTINE_SCHEMA)


def _timestamp(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def rows_from_tasks(
    tasks: Iterable[Any], project: str, pseudonym_key: str,
    controls: Mapping[str, Control] | None = None,
) -> PullResult:
    """Turn tasks with their annotations (SDK objects or dicts) into rows. Pure: tested alone.

    Answers are read against the project's label config (`controls`, default the config in
    `annotation/configs/`): every legal form is stored as the alias; what fits none goes to
    `quarantine` with its reason, so the other answers of the same annotation still count."""
    controls = project_controls(project) if controls is None else controls
    result = PullResult(project)
    for task in tasks:
        result.tasks += 1
        data = _get(task, "data") or {}
        base = {"project": project, "task_id": int(_get(task, "id")),
                "doc_id": data.get("doc_id") or "", "corpus": data.get("corpus") or ""}
        for annotation in _get(task, "annotations") or []:
            row = {
                **base,
                "annotation_id": int(_get(annotation, "id")),
                "annotator": annotator_pseudonym(_get(annotation, "completed_by"), pseudonym_key),
                "lead_time": _get(annotation, "lead_time"),
                "created_at": _timestamp(_get(annotation, "created_at")),
                "updated_at": _timestamp(_get(annotation, "updated_at")),
            }
            if _get(annotation, "was_cancelled"):
                result.skips.append(row)
                continue
            offsets = data.get("turn_offsets") or []
            pairs, problems = read_answers(_get(annotation, "result") or [], controls)
            for name, value in pairs:
                if offsets and name == "pii" and value:
                    value = locate_in_turn(value, offsets)
                result.rows.append({**row, "field": name, "value": value})
            result.quarantine.extend(
                {**row, "field": p.field, "value": p.value, "reason": p.reason} for p in problems
            )
    result.rows.sort(key=lambda r: (r["annotation_id"], r["field"], r["value"] or ""))
    result.skips.sort(key=lambda r: r["annotation_id"])
    result.quarantine.sort(key=lambda r: (r["annotation_id"], r["field"], r["value"] or ""))
    return result


def pull_project(
    client: LabelStudioClient, project_id: int, project: str, pseudonym_key: str, owner: str
) -> PullResult:
    """Every current annotation of this warehouse's tasks in one project (tasks of another
    warehouse are left out). Raises (after retries) rather than return a partial listing, so a
    caller never stores half a snapshot."""
    tasks = client.call_list(
        f"list annotations of {project}", client.sdk.tasks.list,
        project=project_id, fields="all", page_size=200,
    )
    return rows_from_tasks([t for t in tasks if is_owned(_get(t, "data"), owner)], project,
                           pseudonym_key)


@dataclass(frozen=True)
class SnapshotDiff:
    added: int
    updated: int
    deleted: int
    unchanged: int


def diff_versions(before: Mapping[int, str], after: Mapping[int, str]) -> SnapshotDiff:
    """How a new snapshot differs from the stored one, by annotation id and `updated_at`."""
    common = before.keys() & after.keys()
    updated = sum(1 for a in common if before[a] != after[a])
    return SnapshotDiff(
        added=len(after.keys() - before.keys()),
        updated=updated,
        deleted=len(before.keys() - after.keys()),
        unchanged=len(common) - updated,
    )


def versions_of(table: pa.Table) -> dict[int, str]:
    """annotation id → updated_at of a stored annotations or skips table."""
    ids = table.column("annotation_id").to_pylist()
    stamps = table.column("updated_at").to_pylist()
    return {int(a): str(u) for a, u in zip(ids, stamps, strict=True)}


def state_fingerprint(
    client: LabelStudioClient, project_ids: Mapping[str, int], owner: str
) -> str:
    """A digest of every annotation id and update time of this warehouse's tasks across
    projects: the sensor's cursor. It changes when an annotation is added, edited, skipped or
    deleted."""
    digest = hashlib.sha256()
    for project, project_id in sorted(project_ids.items()):
        tasks = client.call_list(
            f"poll {project}", client.sdk.tasks.list,
            project=project_id, fields="all", page_size=200,
        )
        for task in tasks:
            if not is_owned(_get(task, "data"), owner):
                continue
            for annotation in _get(task, "annotations") or []:
                stamp = _get(annotation, "updated_at")
                digest.update(f"{project}:{_get(annotation, 'id')}:{stamp}\n".encode())
    return digest.hexdigest()
