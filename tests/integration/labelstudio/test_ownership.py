"""Warehouses sharing one server touch only their own projects and tasks; two runs of one
warehouse never race; a task someone else deleted is skipped with a reason; odd answers are
mapped or quarantined and never stop the rest."""

from __future__ import annotations

import threading

import duckdb
import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from annotation import loop
from annotation.ownership import warehouse_id
from annotation.projects import PROJECTS
from annotation.pull import QUARANTINE_SCHEMA
from annotation.store import read_project_table, write_project_table
from annotation.tasks import (
    TASK_MAP_SCHEMA,
    CuratedRecord,
    PushResult,
    Selection,
    build_task,
    existing_tasks,
    requeue_tasks,
    retire_orphans,
    select_records,
)
from assets.lake import Lake
from schemas.tables import DOCUMENTS

from .lake_data import build, curated_globs

pytestmark = pytest.mark.labelstudio
ALL = ("scene-1", "scene-2", "scene-3", "essay-1", "essay-2", "essay-3")


def _warehouse(path) -> Lake:
    lake = Lake.at(str(path))
    build(lake)
    return lake


def _drop_documents(lake: Lake, corpus: str, doc_ids: set[str]) -> None:
    part = lake.list_parts("curated", "documents", corpus)[0]
    kept = [d for d in pq.read_table(part).to_pylist() if d["doc_id"] not in doc_ids]
    lake.write_part("curated", "documents", corpus, "test", pa.Table.from_pylist(kept, DOCUMENTS))


def _tasks(ls_client, project_id: int) -> list:
    return ls_client.call_list("list", ls_client.sdk.tasks.list, project=project_id,
                               fields="task_only")


def _project_id(ls_client, lake: Lake, project: str = "big5") -> int:
    return loop.project_ids(ls_client, [project], warehouse_id(lake))[project]


def test_when_a_second_warehouse_pushes_then_the_first_keeps_every_task(ls_client, tmp_path):
    # Same corpora, so the same doc_ids; B's curated zone has lost its essays. Before, B's push
    # retired every task whose document was missing from B: all of A's essays went.
    a, b = _warehouse(tmp_path / "a"), _warehouse(tmp_path / "b")
    _drop_documents(b, "essays", {"essay-1", "essay-2", "essay-3"})
    assert warehouse_id(a) != warehouse_id(b)

    first_a = loop.push_round(ls_client, a, Selection(), ["big5"])["big5"]
    first_b = loop.push_round(ls_client, b, Selection(), ["big5"])["big5"]
    again_a = loop.push_round(ls_client, a, Selection(), ["big5"])["big5"]

    assert (first_a["created"], first_a["retired"]) == (6, 0)
    assert (first_b["created"], first_b["retired"], first_b["other_warehouses_tasks"]) == (3, 0, 0)
    assert (again_a["created"], again_a["existing"], again_a["retired"]) == (0, 6, 0)
    a_tasks = _tasks(ls_client, _project_id(ls_client, a))
    b_tasks = _tasks(ls_client, _project_id(ls_client, b))
    assert sorted(t.data["doc_id"] for t in a_tasks) == sorted(ALL)
    assert sorted(t.data["doc_id"] for t in b_tasks) == ["scene-1", "scene-2", "scene-3"]
    assert {t.data["warehouse_id"] for t in a_tasks} == {warehouse_id(a)}
    assert _project_id(ls_client, a) != _project_id(ls_client, b)
    assert warehouse_id(a) == warehouse_id(Lake.at(str(tmp_path / "a")))  # survives a rerun


def test_when_a_project_holds_another_warehouses_task_then_it_is_never_retired_or_pulled(
    ls_client, pseudonym_key, tmp_path
):
    a = _warehouse(tmp_path / "a")
    loop.push_round(ls_client, a, Selection(), ["big5"])
    project_id = _project_id(ls_client, a)
    foreign = {"warehouse_id": "wh_ffffffffffffffff", "doc_id": "not-in-a", "corpus": "essays",
               "external_key": "big5:not-in-a", "dialogue": [{"speaker": "Author", "text": "x"}],
               "target": "Rate the author of this text."}
    (foreign_id,) = ls_client.sdk.projects.import_tasks(
        project_id, request=[{"data": foreign}], return_task_ids=True).task_ids
    ls_client.request("POST", f"/api/tasks/{foreign_id}/annotations", "annotate foreign",
                      json={"result": [{"from_name": "EXT", "to_name": "dialogue",
                                        "type": "choices", "value": {"choices": ["1"]}}]})

    again = loop.push_round(ls_client, a, Selection(), ["big5"])["big5"]
    pulled = loop.pull_all(ls_client, a, pseudonym_key, ["big5"])["big5"]

    assert (again["retired"], again["other_warehouses_tasks"], again["tasks"]) == (0, 1, 6)
    assert foreign_id in {t.id for t in _tasks(ls_client, project_id)}
    assert (pulled["tasks"], pulled["rows"]) == (6, 0)


def test_when_two_runs_push_at_once_then_both_succeed_and_nothing_is_doubled(ls_client, tmp_path):
    lake = _warehouse(tmp_path / "w")
    results: dict[int, dict] = {}
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            results[n] = loop.push_round(ls_client, lake, Selection(), ["big5", "mbti"])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    for project in ("big5", "mbti"):
        created = sorted(results[n][project]["created"] for n in range(2))
        existing = sorted(results[n][project]["existing"] for n in range(2))
        assert (created, existing) == ([0, 6], [0, 6])
        titles = [p.title for p in ls_client.call_list("list", ls_client.sdk.projects.list)]
        assert titles.count(PROJECTS[project].owned_title(warehouse_id(lake))) == 1
        keys = [t.data["external_key"] for t in _tasks(ls_client, _project_id(ls_client, lake,
                                                                                project))]
        assert len(keys) == len(set(keys)) == 6


def test_when_someone_else_deleted_an_orphan_then_it_is_skipped_with_a_reason(
    ls_client, tmp_path, caplog
):
    lake = _warehouse(tmp_path / "w")
    loop.push_round(ls_client, lake, Selection(), ["big5"])
    project_id = _project_id(ls_client, lake)
    stale, _ = existing_tasks(ls_client, project_id, warehouse_id(lake))  # listed before...
    _drop_documents(lake, "essays", {"essay-1", "essay-2"})
    gone = stale["big5:essay-1"]["task_id"]
    ls_client.call("delete", ls_client.sdk.tasks.delete, str(gone))  # ...someone deletes one

    result = PushResult()
    retire_orphans(ls_client, stale, lake.table_glob("curated", "documents"), result)
    requeued = requeue_tasks(ls_client, [gone, stale["big5:scene-1"]["task_id"]], extra=4, cap=5)

    assert (result.retired, result.already_deleted) == (1, 1)
    assert sorted(t.data["doc_id"] for t in _tasks(ls_client, project_id)) == [
        "essay-3", "scene-1", "scene-2", "scene-3"]
    assert requeued.gone == [gone] and len(requeued.requeued) == 1
    assert f"task {gone} was already deleted" in caplog.text


def test_when_answers_come_as_values_or_garbage_then_values_map_and_garbage_is_quarantined(
    ls_client, annotators, pseudonym_key, tmp_path
):
    from assets.curate.card import crowd_agreement
    from assets.quality.gx import load_suite, validate_table

    lake = _warehouse(tmp_path / "w")
    loop.push_round(ls_client, lake, Selection(per_corpus=1), ["big5"])
    project_id = _project_id(ls_client, lake)
    (task,) = [t for t in _tasks(ls_client, project_id) if t.data["corpus"] == "essays"]
    answers = [  # as the web UI (alias), the SDK (value, odd spacing) and a broken import write
        ("1", "0"), ("High (1)", "  neutral / no evidence (0) "), ("Very high (2)", "Low (-1)"),
    ]
    for person, (ext, neu) in zip(annotators, answers, strict=True):
        httpx.post(f"{ls_client.url}/api/tasks/{task.id}/annotations",
                   headers={"Authorization": f"Token {person.token}"}, timeout=30,
                   json={"result": [
                       {"from_name": "EXT", "to_name": "dialogue", "type": "choices",
                        "value": {"choices": [ext]}},
                       {"from_name": "NEU", "to_name": "dialogue", "type": "choices",
                        "value": {"choices": [neu]}}]}).raise_for_status()

    pulled = loop.pull_all(ls_client, lake, pseudonym_key, ["big5"])["big5"]
    crowd = loop.crowd_labels(lake)

    assert (pulled["rows"], pulled["quarantined"]) == (5, 1)
    stored = loop.stored_annotations(lake, ["big5"])
    assert sorted(stored["value"]) == ["-1", "0", "0", "1", "1"]
    (bad,) = read_project_table(lake, "annotation_quarantine", "big5",
                                QUARANTINE_SCHEMA).to_pylist()
    assert (bad["field"], bad["value"]) == ("EXT", "Very high (2)")
    assert bad["reason"] == "'Very high (2)' is no option of EXT"
    assert loop.quarantine_reasons(lake) == {"big5: 'Very high (2)' is no option of EXT": 1}
    assert validate_table(lake, load_suite("annotations", "curated")).passed(blocking=True)
    assert crowd.agreement["big5/EXT"]["votes"] == 2 and crowd.agreement["big5/NEU"]["votes"] == 3
    assert crowd.labels["big5"] > 0
    # The export's dataset card reads the same table; this is where int('Neutral ...') crashed.
    card = crowd_agreement(lake, duckdb.connect(), "essays")
    assert card["big5/EXT"]["votes"] == 2


def test_when_a_project_predates_identities_then_this_warehouse_adopts_its_own_tasks(
    ls_client, pseudonym_key, tmp_path
):
    # The state an upgrade finds: a plain-titled project, tasks without warehouse_id, the
    # mapping the old push stored, an answer; plus a task another warehouse pushed there.
    lake = _warehouse(tmp_path / "w")
    spec = PROJECTS["mbti"]
    legacy = ls_client.sdk.projects.create(title=spec.title, label_config=spec.label_config())
    records = select_records(*curated_globs(lake), Selection())
    tasks = [build_task(r, "mbti", "unused") for r in records]
    other = build_task(CuratedRecord("elsewhere", "essays", "essay", "Hi."), "mbti", "unused")
    for task in (*tasks, other):
        del task["data"]["warehouse_id"]
    ids = ls_client.sdk.projects.import_tasks(legacy.id, request=[*tasks, other],
                                              return_task_ids=True).task_ids
    mapping = [{"external_key": t["data"]["external_key"], "project": "mbti",
                "project_id": legacy.id, "task_id": i, "doc_id": t["data"]["doc_id"],
                "corpus": t["data"]["corpus"], "pushed_at": None}
               for t, i in zip(tasks, ids, strict=False)]
    write_project_table(lake, "annotation_tasks", "mbti",
                        pa.Table.from_pylist(mapping, schema=TASK_MAP_SCHEMA))
    ls_client.request("POST", f"/api/tasks/{ids[0]}/annotations", "annotate", json={"result": [
        {"from_name": "IE", "to_name": "dialogue", "type": "choices",
         "value": {"choices": ["Introversion (I)"]}}]})

    pushed = loop.push_round(ls_client, lake, Selection(), ["mbti"])["mbti"]
    again = loop.push_round(ls_client, lake, Selection(), ["mbti"])["mbti"]
    pulled = loop.pull_all(ls_client, lake, pseudonym_key, ["mbti"])["mbti"]

    assert (pushed["adopted_legacy_tasks"], pushed["created"], pushed["existing"]) == (6, 0, 6)
    assert (pushed["other_warehouses_tasks"], pushed["retired"]) == (1, 0)
    assert (again["adopted_legacy_tasks"], again["created"]) == (0, 0)
    assert _project_id(ls_client, lake, "mbti") == legacy.id
    assert ls_client.sdk.projects.get(legacy.id).title == spec.owned_title(warehouse_id(lake))
    assert (pulled["tasks"], pulled["rows"]) == (6, 1)
    assert loop.stored_annotations(lake, ["mbti"])["value"].tolist() == ["I"]
    assert len(_tasks(ls_client, legacy.id)) == 7  # the other warehouse's task is still there
