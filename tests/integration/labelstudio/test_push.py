"""Tasks carry curated text only, and a rerun never duplicates a task."""

from __future__ import annotations

import dataclasses
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from annotation.projects import PROJECTS, sync_project
from annotation.tasks import Selection, push_tasks, select_records
from assets.lake import Lake
from schemas.tables import DOCUMENTS

from .lake_data import RAW_NAME, RAW_USERNAME, build, curated_globs

pytestmark = pytest.mark.labelstudio


@pytest.fixture
def lake(tmp_path) -> Lake:
    lake = Lake.at(str(tmp_path / "warehouse"))
    build(lake)
    return lake


def _server_tasks(ls_client, project_id: int) -> list:
    return ls_client.call_list("list", ls_client.sdk.tasks.list, project=project_id, fields="all")


@pytest.mark.parametrize("project", ["big5", "pii_review"])
def test_when_tasks_pushed_then_no_raw_name_reaches_the_server(ls_client, lake, project, owner):
    # The raw zone holds the real name; it must not matter what it holds.
    raw_docs = lake.list_parts("raw", "documents")
    assert raw_docs and RAW_NAME in open(raw_docs[0], "rb").read().decode("latin-1")
    project_id = sync_project(ls_client, PROJECTS[project], owner).project_id
    records = select_records(*curated_globs(lake), Selection(per_corpus=10))
    assert {r.corpus for r in records} == {"friends", "essays"} and len(records) == 6

    push_tasks(ls_client, project_id, project, records, owner)

    payload = json.dumps([t.data for t in _server_tasks(ls_client, project_id)])
    assert RAW_NAME.split()[1] not in payload and RAW_USERNAME not in payload
    assert "<PERSON_1>" in payload  # the curated text did arrive
    scene = next(t.data for t in _server_tasks(ls_client, project_id)
                 if t.data["doc_id"] == "scene-2")
    if project == "big5":
        assert [line["speaker"] for line in scene["dialogue"]] == ["A", "B", "A"]
        assert scene["target"].startswith("Rate speaker B")
    else:
        line, start, end = scene["turn_offsets"][1]
        assert scene["text"][start:end] == "Checked it three times. I hate surprises."


def test_when_pushed_twice_then_no_task_is_duplicated(ls_client, lake, owner):
    project_id = sync_project(ls_client, PROJECTS["mbti"], owner).project_id
    records = select_records(*curated_globs(lake), Selection(per_corpus=2))
    first = push_tasks(ls_client, project_id, "mbti", records, owner)
    more = select_records(*curated_globs(lake), Selection(per_corpus=3))
    second = push_tasks(ls_client, project_id, "mbti", more, owner)
    third = push_tasks(ls_client, project_id, "mbti", more, owner)

    assert (first.created, second.created, second.existing, third.created) == (4, 2, 4, 0)
    keys = [t.data["external_key"] for t in _server_tasks(ls_client, project_id)]
    assert len(keys) == len(set(keys)) == 6
    paged = ls_client.call_list("list", ls_client.sdk.tasks.list, project=project_id,
                                fields="task_only", page_size=4)
    assert sorted(t.id for t in paged) == sorted(m["task_id"] for m in third.mapping)
    assert {m["task_id"] for m in second.mapping} == {m["task_id"] for m in third.mapping}
    assert {m["external_key"] for m in first.mapping} < {m["external_key"] for m in third.mapping}


def test_when_documents_leave_the_curated_zone_then_their_tasks_are_retired(
    ls_client, lake, owner
):
    # A reader change re-keys documents, a deleted source file takes them away: the project
    # must stop serving them, but an answer already given is kept.
    spec = dataclasses.replace(PROJECTS["big5"], title="Orphaned tasks (test)")
    project_id = sync_project(ls_client, spec, owner).project_id
    documents = lake.table_glob("curated", "documents")
    records = select_records(*curated_globs(lake), Selection(per_corpus=10))
    first = push_tasks(ls_client, project_id, "big5", records, owner, documents_glob=documents)
    task_of = {m["doc_id"]: m["task_id"] for m in first.mapping}
    ls_client.request(
        "POST", f"/api/tasks/{task_of['scene-1']}/annotations", "annotate scene-1",
        json={"result": [{"from_name": "EXT", "to_name": "dialogue", "type": "choices",
                          "value": {"choices": ["1"]}}]},
    )
    part = next(p for p in lake.list_parts("curated", "documents") if "corpus=friends" in p)
    scenes = [d for d in pq.read_table(part).to_pylist()
              if d["doc_id"] not in ("scene-1", "scene-2")]
    lake.write_part("curated", "documents", "friends", "test",
                    pa.Table.from_pylist(scenes, DOCUMENTS))  # scene-1 and scene-2 gone

    again = push_tasks(ls_client, project_id, "big5",
                       select_records(*curated_globs(lake), Selection(per_corpus=10)), owner,
                       documents_glob=documents)

    assert (again.retired, again.orphaned_with_annotations, again.created) == (1, 1, 0)
    assert {m["doc_id"] for m in again.mapping} == set(task_of) - {"scene-1", "scene-2"}
    on_server = {t.id for t in _server_tasks(ls_client, project_id)}
    assert task_of["scene-2"] not in on_server  # unanswered: deleted
    assert task_of["scene-1"] in on_server  # answered: kept, out of the mapping
