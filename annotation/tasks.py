"""Labelling tasks: picked from the curated zone, built from curated records, pushed once.

Only curated text reaches the server: `select_records` reads the curated documents and
utterances (anonymised text, keyed pseudonyms) and nothing else, and the task builders take those
records as they are. Within a scene, speakers are shown by per-scene letters (A, B, ...) in order
of appearance, which are easier to follow than keyed pseudonyms and say even less.

Every task carries its warehouse's identity (`warehouse_id`, see `annotation.ownership`), its
`doc_id` and a stable `external_key` (project and document); only tasks with this warehouse's
identity are listed, mapped or retired, and a rerun never duplicates one: before importing,
`push_tasks` lists the keys already on the server (the authority, which survives a lost mapping
table) and imports only the missing ones. The mapping rows (key → task id) it returns are what
the `annotation_tasks` asset writes to the lake.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
from label_studio_sdk.core.api_error import ApiError

from annotation.client import LabelStudioClient
from assets.lake import connect_for
from schemas.annotation import ANNOTATION_TASKS

log = logging.getLogger(__name__)
IMPORT_BATCH = 500
MULTIPLE_SPEAKERS = "(several)"
TASK_MAP_SCHEMA = ANNOTATION_TASKS


@dataclass(frozen=True)
class Turn:
    """One turn of a curated dialogue: anonymised text, keyed speaker pseudonym (or None)."""

    turn: int
    speaker_id: str | None
    text: str


@dataclass(frozen=True)
class CuratedRecord:
    """A curated document as a task needs it. `author_id` is the author or main speaker."""

    doc_id: str
    corpus: str
    kind: str
    text: str
    author_id: str | None = None
    turns: tuple[Turn, ...] = ()

    @property
    def is_dialogue(self) -> bool:
        return self.kind == "dialogue" and bool(self.turns)


def external_key(project: str, doc_id: str) -> str:
    """The task's identity: one task per project and document."""
    return f"{project}:{doc_id}"


def speaker_letters(turns: Sequence[Turn]) -> dict[str, str]:
    """Per-scene letters for speakers in order of first appearance: A..Z, then A2, B2..."""
    letters: dict[str, str] = {}
    for turn in turns:
        if turn.speaker_id and turn.speaker_id not in letters:
            n = len(letters)
            suffix = "" if n < 26 else str(n // 26 + 1)
            letters[turn.speaker_id] = string.ascii_uppercase[n % 26] + suffix
    return letters


def dialogue_lines(record: CuratedRecord) -> tuple[list[dict[str, str]], str]:
    """The turns to show ({speaker, text}, empty turns left out) and who is rated."""
    if not record.is_dialogue:
        return [{"speaker": "Author", "text": record.text}], "Rate the author of this text."
    letters = speaker_letters(record.turns)
    lines = [
        {"speaker": letters.get(t.speaker_id or "", MULTIPLE_SPEAKERS), "text": t.text}
        for t in record.turns
        if t.text.strip()
    ]
    main = letters.get(record.author_id or "")
    target = (
        f"Rate speaker {main}, the main speaker of this scene."
        if main
        else "Rate the main speaker of this scene."
    )
    return lines, target


def transcript(
    lines: Sequence[dict[str, str]], turns: Sequence[int] | None = None
) -> tuple[str, list[list[int]]]:
    """Dialogue as plain text, one `A: ...` line per turn, with [turn, start, end] of each
    turn's speech (`turns` numbers the lines; default 0, 1, ...), so a PII span marked in the
    transcript maps back to its utterance."""
    parts: list[str] = []
    offsets: list[list[int]] = []
    position = 0
    for n, line in enumerate(lines):
        prefix = f"{line['speaker']}: "
        start = position + len(prefix)
        parts.append(prefix + line["text"])
        offsets.append([turns[n] if turns else n, start, start + len(line["text"])])
        position += len(parts[-1]) + 1
    return "\n".join(parts), offsets


def build_task(record: CuratedRecord, project: str, owner: str) -> dict[str, Any]:
    """The task for one record in one project (`big5`, `mbti` or `pii_review`), owned by the
    warehouse `owner` (`annotation.ownership`)."""
    lines, target = dialogue_lines(record)
    data: dict[str, Any] = {
        "warehouse_id": owner,
        "doc_id": record.doc_id,
        "corpus": record.corpus,
        "kind": record.kind,
        "external_key": external_key(project, record.doc_id),
    }
    if project == "pii_review":
        if record.is_dialogue:
            text, offsets = transcript(lines, [t.turn for t in record.turns if t.text.strip()])
        else:
            text, offsets = record.text, []
        data.update(
            text=text, turn_offsets=offsets,
            target="Mark every identifier the anonymiser missed.",
        )
    else:
        data.update(dialogue=lines, target=target)
    return {"data": data}


@dataclass
class PushResult:
    """What a push did: tasks created now, tasks found already there, and every mapping row."""

    created: int = 0
    existing: int = 0
    mapping: list[dict[str, Any]] = field(default_factory=list)
    # Tasks whose document left the curated zone: deleted from the project when nobody had
    # annotated them yet, kept there (and out of the mapping) when someone had.
    retired: int = 0
    orphaned_with_annotations: int = 0
    # Orphans someone else deleted between our listing and our delete (a person in the UI):
    # the goal is reached, so they are counted, logged and skipped.
    already_deleted: int = 0
    # Tasks in the project that carry another warehouse's id (or none): never touched.
    foreign: int = 0


def is_owned(data: dict[str, Any] | None, owner: str) -> bool:
    """A task belongs to the warehouse named in its data, and to no other."""
    return bool(data) and data.get("warehouse_id") == owner


def existing_tasks(
    client: LabelStudioClient, project_id: int, owner: str
) -> tuple[dict[str, dict[str, Any]], int]:
    """external_key → {task_id, doc_id, corpus, annotations} for this warehouse's tasks already
    in the project, and how many other tasks the project holds (never touched)."""
    tasks = client.call_list(
        "list tasks", client.sdk.tasks.list, project=project_id, fields="task_only", page_size=500
    )
    found: dict[str, dict[str, Any]] = {}
    foreign = 0
    for task in tasks:
        data = task.data or {}
        key = data.get("external_key")
        if not is_owned(data, owner):
            foreign += 1
        elif key:
            found[key] = {"task_id": int(task.id), "doc_id": data.get("doc_id"),
                          "corpus": data.get("corpus"),
                          "annotations": int(getattr(task, "total_annotations", 0) or 0)}
    return found, foreign


def claim_tasks(
    client: LabelStudioClient, project_id: int, task_ids: set[int], owner: str
) -> int:
    """Stamp `owner` on those of `task_ids` in the project that carry no warehouse yet (tasks
    from before identities existed); returns how many were claimed. A task with another
    warehouse's id is never claimed."""
    tasks = client.call_list(
        "list tasks", client.sdk.tasks.list, project=project_id, fields="task_only", page_size=500
    )
    claimed = 0
    for task in tasks:
        data = dict(task.data or {})
        if int(task.id) not in task_ids or data.get("warehouse_id"):
            continue
        client.call(f"claim task {task.id}", client.sdk.tasks.update, str(task.id),
                    data={**data, "warehouse_id": owner})
        claimed += 1
    return claimed


def push_tasks(
    client: LabelStudioClient, project_id: int, project: str, records: Iterable[CuratedRecord],
    owner: str, documents_glob: str | None = None,
) -> PushResult:
    """Import the records that have no task of `owner` yet; return the mapping for all of them.

    Given the curated documents (`documents_glob`), this warehouse's tasks whose document is no
    longer there are retired first (`retire_orphans`): a rerun after a reader change re-keys
    documents, a deleted source file takes its documents away, and annotators must not be
    served text that the warehouse no longer holds. Tasks of other warehouses are never looked
    at: their documents are not in this curated zone. Callers hold the warehouse's lock
    (`ownership.warehouse_lock`), so two runs never import or retire the same task."""
    now = datetime.now(UTC).replace(microsecond=0)
    on_server, foreign = existing_tasks(client, project_id, owner)
    result = PushResult(foreign=foreign)
    if documents_glob is not None:
        retire_orphans(client, on_server, documents_glob, result)
    pending: list[dict[str, Any]] = []
    seen: set[str] = set()
    for record in records:
        key = external_key(project, record.doc_id)
        if key in seen:
            continue
        seen.add(key)
        if key in on_server:
            result.existing += 1
        else:
            pending.append(build_task(record, project, owner))
    for start in range(0, len(pending), IMPORT_BATCH):
        batch = pending[start : start + IMPORT_BATCH]
        # Not retried blindly: a timeout after the server stored the batch would duplicate it.
        # A failed import raises; the next run lists the server again and imports what is missing.
        answer = client.sdk.projects.import_tasks(
            project_id, request=batch, return_task_ids=True,
            request_options={"max_retries": 0},
        )
        task_ids = list(answer.task_ids or [])
        if len(task_ids) != len(batch):
            raise RuntimeError(f"import returned {len(task_ids)} task ids for {len(batch)} tasks")
        for task, task_id in zip(batch, task_ids, strict=True):
            data = task["data"]
            on_server[data["external_key"]] = {
                "task_id": int(task_id), "doc_id": data["doc_id"], "corpus": data["corpus"],
            }
        result.created += len(batch)
    result.mapping = [
        {"external_key": key, "project": project, "project_id": project_id,
         "task_id": value["task_id"], "doc_id": value["doc_id"], "corpus": value["corpus"],
         "pushed_at": now}
        for key, value in sorted(on_server.items())
    ]
    return result


def retire_orphans(
    client: LabelStudioClient, on_server: dict[str, dict[str, Any]], documents_glob: str,
    result: PushResult,
) -> None:
    """Drop from `on_server` (and so from the mapping) every task whose document is not in the
    curated zone; delete it from Label Studio unless it has annotations, which are kept."""
    present = present_doc_ids(documents_glob, {t["doc_id"] for t in on_server.values()})
    for key, task in sorted(on_server.items()):
        if task["doc_id"] in present:
            continue
        del on_server[key]
        if task["annotations"]:
            result.orphaned_with_annotations += 1
            continue
        if delete_task(client, task["task_id"]):
            result.retired += 1
        else:
            result.already_deleted += 1


def delete_task(client: LabelStudioClient, task_id: int) -> bool:
    """Delete a task; False (logged) when it was already gone (404), which is what we wanted."""
    try:
        client.call(f"delete orphaned task {task_id}", client.sdk.tasks.delete, str(task_id))
    except ApiError as error:
        if error.status_code != 404:
            raise
        log.warning("task %s was already deleted (by a person or another run); skipped", task_id)
        return False
    return True


def present_doc_ids(documents_glob: str, doc_ids: set[str]) -> set[str]:
    """The subset of `doc_ids` that the curated documents hold (a handful of task ids against a
    table of any size: DuckDB reads only the doc_id column and filters as it scans)."""
    wanted = sorted(d for d in doc_ids if d)
    if not wanted:
        return set()
    try:
        rows = connect_for([documents_glob]).execute(
            "SELECT DISTINCT doc_id FROM read_parquet(?, hive_partitioning = false)"
            " WHERE doc_id IN (SELECT unnest(?))", [documents_glob, wanted]).fetchall()
    except duckdb.IOException:
        return set()  # no part written yet
    return {row[0] for row in rows}


@dataclass(frozen=True)
class Selection:
    """Which curated documents to label.

    Defaults: every corpus, dialogue scenes and documents of any kind, `per_corpus` documents
    each, only documents whose document and author have no label yet. `sizes` overrides the
    count per corpus (0 leaves a corpus out); `corpora` restricts to the named ones. The pick is
    a keyed hash order, so the same documents are chosen on every run and growing `per_corpus`
    only adds to them."""

    per_corpus: int = 20
    sizes: dict[str, int] = field(default_factory=dict)
    corpora: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    unlabelled_only: bool = True
    max_chars: int = 6000
    seed: str = "annotation-v1"


def select_records(
    documents_glob: str, utterances_glob: str | None, labels_glob: str | None,
    selection: Selection,
) -> list[CuratedRecord]:
    """Pick documents from the curated zone, stratified by corpus, and load their turns.

    The globs are the curated tables' Parquet parts (`Lake.table_glob('curated', ...)`); a glob
    that matches nothing (a table not written yet) counts as empty. They may be object-store
    URLs (a lake on S3): the connection registers their filesystems."""
    con = connect_for([documents_glob, utterances_glob, labels_glob])
    docs = _read_or_empty(con, documents_glob, "doc_id, corpus, kind, text, author_id")
    if docs is None:
        return []
    con.register("docs", docs)
    labelled = "SELECT NULL::VARCHAR AS subject_id WHERE false"
    if selection.unlabelled_only and labels_glob:
        labels = _read_or_empty(con, labels_glob, "subject_id")
        if labels is not None:
            con.register("labels", labels)
            labelled = "SELECT DISTINCT subject_id FROM labels"
    filters = ["length(text) BETWEEN 1 AND ?"]
    params: list[Any] = [selection.max_chars]
    if selection.kinds:
        filters.append(f"kind IN ({', '.join('?' for _ in selection.kinds)})")
        params += list(selection.kinds)
    if selection.corpora:
        filters.append(f"corpus IN ({', '.join('?' for _ in selection.corpora)})")
        params += list(selection.corpora)
    sizes = pa.table({
        "corpus": pa.array(list(selection.sizes), pa.string()),
        "size": pa.array(list(selection.sizes.values()), pa.int64()),
    })
    con.register("sizes", sizes)
    query = f"""
        WITH eligible AS (
            SELECT d.*, sha256(? || d.doc_id) AS pick
            FROM docs d
            WHERE {' AND '.join(filters)}
              AND d.doc_id NOT IN (SELECT subject_id FROM ({labelled}) WHERE subject_id IS NOT NULL)
              AND coalesce(d.author_id, '') NOT IN
                  (SELECT subject_id FROM ({labelled}) WHERE subject_id IS NOT NULL)
        ), ranked AS (
            SELECT e.*, row_number() OVER (PARTITION BY e.corpus ORDER BY pick) AS rank
            FROM eligible e
        )
        SELECT r.doc_id, r.corpus, r.kind, r.text, r.author_id
        FROM ranked r LEFT JOIN sizes s USING (corpus)
        WHERE r.rank <= coalesce(s.size, ?)
        ORDER BY r.corpus, r.pick
    """
    picked = con.execute(query, [selection.seed, *params, selection.per_corpus]).fetchall()
    turns = _turns_of(con, utterances_glob, [row[0] for row in picked if row[2] == "dialogue"])
    return [
        CuratedRecord(doc_id=d, corpus=c, kind=k, text=t, author_id=a, turns=turns.get(d, ()))
        for d, c, k, t, a in picked
    ]


def _read_or_empty(con: duckdb.DuckDBPyConnection, glob: str, columns: str) -> pa.Table | None:
    try:
        return con.sql(
            f"SELECT {columns} FROM read_parquet($glob, hive_partitioning = false)",
            params={"glob": glob},
        ).to_arrow_table()
    except duckdb.IOException:
        return None  # no part written yet


def _turns_of(
    con: duckdb.DuckDBPyConnection, glob: str | None, doc_ids: list[str]
) -> dict[str, tuple[Turn, ...]]:
    if not glob or not doc_ids:
        return {}
    utterances = _read_or_empty(con, glob, "doc_id, turn, speaker_id, text")
    if utterances is None:
        return {}
    con.register("utterances", utterances)
    con.register("wanted", pa.table({"doc_id": pa.array(doc_ids, pa.string())}))
    rows = con.execute(
        "SELECT u.doc_id, u.turn, u.speaker_id, u.text FROM utterances u "
        "JOIN wanted w USING (doc_id) ORDER BY u.doc_id, u.turn"
    ).fetchall()
    out: dict[str, list[Turn]] = {}
    for doc_id, turn, speaker_id, text in rows:
        out.setdefault(doc_id, []).append(Turn(int(turn), speaker_id, text or ""))
    return {doc_id: tuple(turns) for doc_id, turns in out.items()}



@dataclass(frozen=True)
class Requeue:
    """What a re-queue did: tasks given more annotators, and tasks already at the cap."""

    requeued: dict[int, int]
    at_cap: list[int]
    gone: list[int] = field(default_factory=list)  # deleted since the pull: skipped


def requeue_tasks(
    client: LabelStudioClient, task_ids: Iterable[int], extra: int = 2, cap: int = 5
) -> Requeue:
    """Ask for `extra` more annotations on each task (its `overlap`, which Label Studio compares
    with the task's annotations to decide whether to serve it again), up to `cap` in all, so a
    task that never reaches agreement stops coming back."""
    requeued: dict[int, int] = {}
    at_cap: list[int] = []
    gone: list[int] = []
    for task_id in sorted(set(task_ids)):
        try:
            task = client.call(f"get task {task_id}", client.sdk.tasks.get, str(task_id))
        except ApiError as error:
            if error.status_code != 404:
                raise
            log.warning("task %s was deleted since the last pull; not re-queued", task_id)
            gone.append(task_id)
            continue
        done = int(task.total_annotations or 0)
        wanted = min(done + extra, cap)
        if wanted <= max(done, int(task.overlap or 0)):
            at_cap.append(task_id)
            continue
        # `is_labeled` is stored, not derived: Label Studio recomputes it only when an
        # annotation changes, so it is reset here or the label stream would skip the task.
        client.call(f"requeue task {task_id}", client.sdk.tasks.update, str(task_id),
                    overlap=wanted, is_labeled=False)
        requeued[task_id] = wanted
    return Requeue(requeued, at_cap, gone)
