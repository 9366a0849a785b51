"""Three annotators work through the label stream; pulls are idempotent snapshots; the crowd
labels and agreement come out of the real annotations."""

from __future__ import annotations

import dataclasses
import json
import secrets
import time

import httpx
import pandas as pd
import pyarrow as pa
import pytest

from annotation import aggregate
from annotation.accounts import invite_token, sign_up
from annotation.client import LabelStudioClient, LabelStudioUnavailable, RetryPolicy
from annotation.projects import PROJECTS, sync_project
from annotation.pull import (
    ANNOTATIONS_SCHEMA,
    diff_versions,
    pull_project,
    state_fingerprint,
    versions_of,
)
from annotation.server import free_port
from annotation.store import read_project_table, write_project_table
from annotation.tasks import Selection, push_tasks, requeue_tasks, select_records
from assets.lake import Lake

from .lake_data import build, curated_globs

pytestmark = pytest.mark.labelstudio
TRAITS = ("EXT", "NEU", "AGR", "CON", "OPN")
# annotator -> doc -> (EXT, NEU, AGR, CON, OPN); mostly agreeing, with deliberate splits.
RATINGS = [
    {"scene-1": (1, 0, 1, 0, 0), "scene-2": (0, 1, 0, 1, 0), "scene-3": (0, 0, -1, 0, 0),
     "essay-1": (0, 1, 0, 0, 0), "essay-2": (1, 0, 0, 0, 1), "essay-3": (0, 0, 0, 1, 0)},
    {"scene-1": (1, 0, 1, -1, 0), "scene-2": (0, 1, 0, 1, 0), "scene-3": (-1, 1, -1, 0, 0),
     "essay-1": (-1, 1, 0, 0, 0), "essay-2": (0, 0, 0, 0, 1), "essay-3": (0, -1, 0, 1, 0)},
    {"scene-1": (1, -1, 0, 0, 1), "scene-2": (-1, 1, 0, 1, -1), "scene-3": (0, 0, -1, -1, 0),
     "essay-1": (0, 1, 1, 0, 0), "essay-2": (1, 0, 0, 0, 1), "essay-3": (0, 0, 0, 1, -1)},
]


def _result(ratings: tuple[int, ...]) -> list[dict]:
    return [{"from_name": t, "to_name": "dialogue", "type": "choices",
             "value": {"choices": [str(v)]}} for t, v in zip(TRAITS, ratings, strict=True)]


def _walk(url: str, token: str, project_id: int, answer) -> list[int]:
    """Ask the label stream for the next task until it has none; answer each. Returns ids."""
    http = httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"}, timeout=30)
    done = []
    while True:
        task = http.get(f"/api/projects/{project_id}/next")
        if task.status_code == 404:
            return done
        task.raise_for_status()
        body = answer(task.json())
        http.post(f"/api/tasks/{task.json()['id']}/annotations", json=body).raise_for_status()
        done.append(task.json()["id"])
        assert len(done) < 50, "label stream does not end"


@pytest.fixture(scope="module")
def crowd(ls_server, ls_client, annotators, owner, tmp_path_factory):
    """A Big Five round: six tasks, each answered by the three annotators."""
    lake = Lake.at(str(tmp_path_factory.mktemp("crowd") / "warehouse"))
    build(lake)
    spec = dataclasses.replace(PROJECTS["big5"], title="Big Five crowd round (test)")
    project_id = sync_project(ls_client, spec, owner).project_id
    push_tasks(ls_client, project_id, "big5", select_records(*curated_globs(lake), Selection()),
               owner)
    for n, person in enumerate(annotators):
        _walk(ls_server.url, person.token, project_id, lambda task, n=n: {
            "result": _result(RATINGS[n][task["data"]["doc_id"]]), "lead_time": 12.5 + n})
    return {"lake": lake, "project_id": project_id}


def test_when_three_annotators_walk_the_stream_then_every_task_has_three_people(
    ls_client, crowd
):
    tasks = ls_client.call_list("list", ls_client.sdk.tasks.list, project=crowd["project_id"],
                                fields="all")
    assert len(tasks) == 6
    for task in tasks:
        submitted = [a for a in task.annotations if not a["was_cancelled"]]
        assert len(submitted) == 3
        assert len({a["completed_by"] for a in submitted}) == 3


def test_when_pulled_twice_then_same_rows_and_annotators_are_pseudonyms(
    ls_client, crowd, annotators, pseudonym_key, owner
):
    first = pull_project(ls_client, crowd["project_id"], "big5", pseudonym_key, owner)
    second = pull_project(ls_client, crowd["project_id"], "big5", pseudonym_key, owner)
    assert first.annotations_table().equals(second.annotations_table())
    table = first.annotations_table()
    assert table.num_rows == 6 * 3 * 5 and first.skips == []
    assert table.column("annotator").unique().to_pylist() and all(
        a.startswith("ann_") for a in table.column("annotator").to_pylist())
    dump = json.dumps(table.to_pylist(), default=str)
    assert not any(person.email.split("@")[0] in dump for person in annotators)
    assert set(table.column("lead_time").to_pylist()) == {12.5, 13.5, 14.5}


def test_when_an_annotation_is_edited_or_deleted_then_the_pull_follows(
    ls_server, ls_client, crowd, annotators, pseudonym_key, owner
):
    lake, project_id = crowd["lake"], crowd["project_id"]
    before = pull_project(ls_client, project_id, "big5", pseudonym_key, owner)
    write_project_table(lake, "annotations", "big5", before.annotations_table())
    rows = before.annotations_table().to_pylist()
    edited = next(r["annotation_id"] for r in rows
                  if r["doc_id"] == "scene-3" and r["field"] == "EXT" and r["value"] == "0")
    deleted = next(r["annotation_id"] for r in rows if r["doc_id"] == "essay-3")
    author = next(a for a in annotators
                 if a.email == ls_client.sdk.users.get(
                     ls_client.sdk.annotations.get(edited).completed_by).email)
    time.sleep(1)  # updated_at has sub-second precision, but make the change unmistakable
    httpx.patch(f"{ls_server.url}/api/annotations/{edited}",
                headers={"Authorization": f"Token {author.token}"},
                json={"result": _result((1, 0, -1, 0, 0))}).raise_for_status()
    ls_client.call("delete", ls_client.sdk.annotations.delete, deleted)

    after = pull_project(ls_client, project_id, "big5", pseudonym_key, owner)
    stored = read_project_table(lake, "annotations", "big5", ANNOTATIONS_SCHEMA)
    diff = diff_versions(versions_of(stored), after.versions())
    assert (diff.added, diff.updated, diff.deleted) == (0, 1, 1)
    new_rows = after.annotations_table().to_pylist()
    assert deleted not in {r["annotation_id"] for r in new_rows}
    assert {(r["field"], r["value"]) for r in new_rows if r["annotation_id"] == edited} >= {
        ("EXT", "1")}
    assert len(new_rows) == len(rows) - 5

    write_project_table(lake, "annotations", "big5", after.annotations_table())
    again = read_project_table(lake, "annotations", "big5", ANNOTATIONS_SCHEMA)
    assert again.sort_by("annotation_id").equals(
        after.annotations_table().sort_by("annotation_id"))


def test_when_aggregated_then_alpha_matches_the_hand_table(ls_client, crowd, pseudonym_key,
                                                           owner):
    # Ratings straight from the table above: what the server returned must give the same alpha.
    pulled = pull_project(ls_client, crowd["project_id"], "big5", pseudonym_key, owner)
    frame = pulled.annotations_table().to_pandas()
    results = {r.field: r for r in aggregate.aggregate(frame)}
    hand = pd.DataFrame([
        {"project": "big5", "doc_id": doc, "annotator": f"w{n}", "field": trait,
         "value": str(ratings[i])}
        for n, person in enumerate(RATINGS) for doc, ratings in person.items()
        for i, trait in enumerate(TRAITS)
    ])
    # The edit/delete test may have run first; compare on the documents it did not touch.
    untouched = ~frame["doc_id"].isin(["scene-3", "essay-3"])
    hand_untouched = ~hand["doc_id"].isin(["scene-3", "essay-3"])
    for trait in TRAITS:
        server_alpha = aggregate.alpha(aggregate.votes(frame[untouched], "big5", trait),
                                       aggregate.field_kind("big5", trait))
        hand_alpha = aggregate.alpha(aggregate.votes(hand[hand_untouched], "big5", trait),
                                     aggregate.field_kind("big5", trait))
        assert server_alpha == pytest.approx(hand_alpha, nan_ok=True)
    summary = aggregate.agreement_summary(list(results.values()))
    print("\nagreement on the crowd round:", json.dumps(summary))
    assert results["EXT"].majority["scene-1"] == 1 and results["AGR"].majority["scene-3"] == -1
    labels = aggregate.label_rows(list(results.values()), {d: "x" for d in frame["doc_id"]})
    assert {r["source"] for r in labels} == {"crowd_aggregate"}
    assert pa.Table.from_pylist(labels).num_rows == len(labels) > 0


def test_when_items_disagree_then_they_are_served_again(ls_server, ls_client, crowd,
                                                       pseudonym_key, owner):
    pulled = pull_project(ls_client, crowd["project_id"], "big5", pseudonym_key, owner)
    results = aggregate.aggregate(pulled.annotations_table().to_pandas())
    low = aggregate.items_to_requeue(results, threshold=0.75)["big5"]
    task_of = {r["doc_id"]: r["task_id"] for r in pulled.rows}
    assert low  # the deliberate splits fall below 0.75
    done = requeue_tasks(ls_client, [task_of[d] for d in low], extra=1, cap=4)
    assert set(done.requeued.values()) == {4}
    fourth = sign_up(ls_server.url, invite_token(ls_client), "annotator-04@example.invalid",
                     secrets.token_urlsafe(16))
    served = _walk(ls_server.url, fourth, crowd["project_id"],
                   lambda task: {"result": _result((0, 0, 0, 0, 0)), "lead_time": 5.0})
    # Re-queued tasks come back; so does any task short of three (the edit/delete test above
    # may have deleted one annotation).
    assert {task_of[d] for d in low} <= set(served)
    for task in ls_client.call_list("list", ls_client.sdk.tasks.list,
                                    project=crowd["project_id"], fields="all"):
        if task.id in {task_of[d] for d in low}:
            assert task.total_annotations == 4 and task.is_labeled
    again = requeue_tasks(ls_client, [task_of[d] for d in low], extra=1, cap=4)
    assert again.requeued == {} and sorted(again.at_cap) == sorted(task_of[d] for d in low)


def test_when_a_skip_is_submitted_then_it_is_kept_apart(ls_server, ls_client, annotators,
                                                        pseudonym_key, owner, tmp_path):
    lake = Lake.at(str(tmp_path / "warehouse"))
    build(lake)
    spec = dataclasses.replace(PROJECTS["pii_review"], title="PII review skip round (test)")
    project_id = sync_project(ls_client, spec, owner).project_id
    push_tasks(ls_client, project_id, "pii_review",
               select_records(*curated_globs(lake), Selection(sizes={"friends": 0}, per_corpus=1)),
               owner)
    _walk(ls_server.url, annotators[0].token, project_id,
          lambda task: {"result": [], "was_cancelled": True})
    _walk(ls_server.url, annotators[1].token, project_id, lambda task: {"result": [
        {"from_name": "pii", "to_name": "text", "type": "labels",
         "value": {"start": 11, "end": 21, "text": "<PERSON_1>", "labels": ["PERSON"]}},
        {"from_name": "review", "to_name": "text", "type": "choices",
         "value": {"choices": ["found"]}}]})
    pulled = pull_project(ls_client, project_id, "pii_review", pseudonym_key, owner)
    assert len(pulled.skips) == 1 and {r["field"] for r in pulled.rows} == {"pii", "review"}
    span = json.loads(next(r["value"] for r in pulled.rows if r["field"] == "pii"))
    assert span == {"start": 11, "end": 21, "entity": "PERSON"}  # offsets only, never the text
    spans = aggregate.pii_spans(pulled.annotations_table().to_pandas(), min_votes=1)
    assert [(s["entity"], s["votes"], s["agreed"]) for s in spans] == [("PERSON", 1, True)]


def test_when_the_server_is_down_then_bounded_retries_a_clear_error_and_nothing_lost(
    ls_client, crowd, pseudonym_key, owner
):
    lake = crowd["lake"]
    good = pull_project(ls_client, crowd["project_id"], "big5", pseudonym_key, owner)
    write_project_table(lake, "annotations", "big5", good.annotations_table())
    stored = read_project_table(lake, "annotations", "big5", ANNOTATIONS_SCHEMA)
    dead = LabelStudioClient(f"http://127.0.0.1:{free_port()}", ls_client.token,
                             RetryPolicy(attempts=3, base_delay=0.1))
    began = time.monotonic()
    with pytest.raises(LabelStudioUnavailable) as failure:
        pull = pull_project(dead, crowd["project_id"], "big5", pseudonym_key, owner)
        write_project_table(lake, "annotations", "big5", pull.annotations_table())
    assert 0.3 <= time.monotonic() - began < 10  # 0.1 + 0.2 s of backoff, then give up
    assert "3 times" in str(failure.value) and ls_client.token not in str(failure.value)
    with pytest.raises(LabelStudioUnavailable):
        state_fingerprint(dead, {"big5": crowd["project_id"]}, owner)
    assert read_project_table(lake, "annotations", "big5", ANNOTATIONS_SCHEMA).equals(stored)
