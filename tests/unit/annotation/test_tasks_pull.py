"""Task builders, pull rows and the retry policy, without a server."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from label_studio_sdk.core.api_error import ApiError

from annotation import server
from annotation.answers import project_controls, read_answers
from annotation.client import LabelStudioUnavailable, RetryPolicy, is_retryable, with_retries
from annotation.projects import PROJECTS
from annotation.pull import annotator_pseudonym, diff_versions, rows_from_tasks
from annotation.tasks import CuratedRecord, Turn, build_task, speaker_letters, transcript

OWNER = "wh_0123456789abcdef"
SCENE = CuratedRecord(
    doc_id="d1", corpus="friends", kind="dialogue", text="unused", author_id="a_main",
    turns=(Turn(0, "a_other", "Hi."), Turn(1, None, ""), Turn(2, "a_main", "Hello <PERSON_1>."),
           Turn(3, None, "Both: hey!"), Turn(4, "a_other", "Bye.")),
)


def test_when_a_scene_is_built_then_turns_show_letters_and_the_main_speaker_is_named():
    task = build_task(SCENE, "big5", OWNER)["data"]
    assert task["dialogue"] == [
        {"speaker": "A", "text": "Hi."}, {"speaker": "B", "text": "Hello <PERSON_1>."},
        {"speaker": "(several)", "text": "Both: hey!"}, {"speaker": "A", "text": "Bye."}]
    assert task["target"].startswith("Rate speaker B")
    assert task["external_key"] == "big5:d1" and task["doc_id"] == "d1"
    assert "a_main" not in json.dumps(task) and "a_other" not in json.dumps(task)


def test_when_a_document_is_built_then_it_is_one_paragraph_by_the_author():
    doc = CuratedRecord(doc_id="e1", corpus="essays", kind="essay", text="I plan.")
    task = build_task(doc, "mbti", OWNER)["data"]
    assert task["dialogue"] == [{"speaker": "Author", "text": "I plan."}]
    assert build_task(doc, "pii_review", OWNER)["data"]["text"] == "I plan."


def test_when_pii_review_of_a_scene_then_offsets_map_spans_to_turns():
    task = build_task(SCENE, "pii_review", OWNER)["data"]
    turns = {t.turn: t.text for t in SCENE.turns}
    assert [n for n, _, _ in task["turn_offsets"]] == [0, 2, 3, 4]
    for n, start, end in task["turn_offsets"]:
        assert task["text"][start:end] == turns[n]


def test_when_many_speakers_then_letters_do_not_repeat():
    letters = speaker_letters([Turn(n, f"s{n}", "x") for n in range(30)])
    assert len(set(letters.values())) == 30 and letters["s26"] == "A2"


def test_when_empty_transcript_then_empty_text():
    assert transcript([]) == ("", [])


def test_when_pseudonymised_then_stable_keyed_and_not_the_id():
    a = annotator_pseudonym(7, "k1")
    assert a == annotator_pseudonym(7, "k1") != annotator_pseudonym(7, "k2")
    assert a.startswith("ann_") and len(a) == 20
    with pytest.raises(ValueError):
        annotator_pseudonym(7, "")


def test_when_results_are_read_then_choices_spans_and_axes_are_named():
    controls = {**project_controls("mbti"), **project_controls("pii_review"),
                **project_controls("big5")}
    pairs, problems = read_answers([
        {"from_name": "IE", "value": {"choices": ["I"]}},
        {"from_name": "pii", "value": {"start": 1, "end": 3, "text": "Jo", "labels": ["PERSON"]}},
        {"from_name": "EXT", "value": {"choices": ["-1"]}},
    ], controls)
    assert problems == []
    assert pairs[0] == ("I/E", "I") and pairs[2] == ("EXT", "-1")
    assert json.loads(pairs[1][1]) == {"start": 1, "end": 3, "entity": "PERSON"}


def test_when_tasks_become_rows_then_skips_are_apart_and_no_username_is_kept():
    tasks = [{"id": 5, "data": {"doc_id": "d1", "corpus": "friends"}, "annotations": [
        {"id": 1, "completed_by": 2, "was_cancelled": False, "lead_time": 3.0,
         "created_username": "alice@example.org", "created_at": "2026-01-01T00:00:00Z",
         "updated_at": "2026-01-01T00:00:01Z",
         "result": [{"from_name": "EXT", "value": {"choices": ["1"]}}]},
        {"id": 2, "completed_by": 3, "was_cancelled": True, "result": [],
         "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"},
    ]}]
    pulled = rows_from_tasks(tasks, "big5", "key")
    assert [(r["annotation_id"], r["field"], r["value"]) for r in pulled.rows] == [(1, "EXT", "1")]
    assert [r["annotation_id"] for r in pulled.skips] == [2]
    assert "alice" not in json.dumps(pulled.rows, default=str)
    assert pulled.annotations_table().num_rows == 1 and pulled.skips_table().num_rows == 1


def test_when_snapshots_differ_then_the_diff_counts_each_kind():
    diff = diff_versions({1: "a", 2: "b", 3: "c"}, {1: "a", 2: "B", 4: "d"})
    assert (diff.added, diff.updated, diff.deleted, diff.unchanged) == (1, 1, 1, 1)


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (httpx.ConnectError("refused"), True),
        (httpx.ReadTimeout("slow"), True),
        (ApiError(status_code=503), True),
        (ApiError(status_code=500), True),
        (ApiError(status_code=404), False),
        (ApiError(status_code=401), False),
        (ValueError("bug"), False),
    ],
)
def test_when_an_error_is_classified_then_only_transient_ones_retry(error, retry):
    assert is_retryable(error) is retry


def test_when_the_server_recovers_then_the_call_succeeds_after_backoff():
    answers = iter([ApiError(status_code=503), httpx.ConnectError("x"), "ok"])

    def flaky():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    began = time.monotonic()
    assert with_retries(flaky, policy=RetryPolicy(4, 0.05), what="t", url="u") == "ok"
    assert time.monotonic() - began >= 0.15  # 0.05 + 0.1


def test_when_retries_run_out_then_a_clear_error_names_the_server():
    def down():
        raise httpx.ConnectError("refused")

    with pytest.raises(LabelStudioUnavailable, match=r"http://x failed pull 2 times"):
        with_retries(down, policy=RetryPolicy(2, 0.01), what="pull", url="http://x")


def test_when_a_client_error_then_no_retry():
    calls = []

    def bad():
        calls.append(1)
        raise ApiError(status_code=400)

    with pytest.raises(ApiError):
        with_retries(bad, policy=RetryPolicy(5, 0.01), what="t", url="u")
    assert calls == [1]


def test_when_delays_grow_then_they_are_capped():
    assert RetryPolicy(6, 1.0, 4.0).delays() == [1.0, 2.0, 4.0, 4.0, 4.0]


def test_when_settings_repr_then_no_secret_shows():
    settings = server.ServerSettings.from_env({
        "LABEL_STUDIO_USERNAME": "admin@x", "LABEL_STUDIO_PASSWORD": "pw-SECRET",
        "LABEL_STUDIO_API_KEY": "tok-SECRET", "WAREHOUSE_DIR": "/tmp/w"})
    assert "SECRET" not in repr(settings) and settings.port == 8080
    assert str(settings.data_dir) == "/tmp/w/labelstudio"
    env = settings.child_env()
    assert env["LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK"] == "true"
    assert env["LABEL_STUDIO_USER_TOKEN"] == "tok-SECRET"


@pytest.mark.parametrize(("env", "expected"), [
    ({"WAREHOUSE_DIR": "s3://bucket/wh", "DUCKDB_DIR": "/var/pw"}, "/var/pw/labelstudio"),
    ({"WAREHOUSE_DIR": "s3://bucket/wh", "LABEL_STUDIO_DATA_DIR": "/srv/ls"}, "/srv/ls"),
])
def test_when_warehouse_is_on_an_object_store_then_label_studio_data_stays_local(env, expected):
    settings = server.ServerSettings.from_env({
        "LABEL_STUDIO_USERNAME": "a", "LABEL_STUDIO_PASSWORD": "b", "LABEL_STUDIO_API_KEY": "c",
        **env})
    assert str(settings.data_dir) == expected


def test_when_warehouse_is_on_an_object_store_and_no_local_folder_set_then_a_clear_error():
    """`Path` once folded `s3://bucket/wh` into a relative `s3:/bucket/wh/labelstudio`."""
    with pytest.raises(server.ServerError, match="needs a local data dir.*LABEL_STUDIO_DATA_DIR"):
        server.ServerSettings.from_env({
            "LABEL_STUDIO_USERNAME": "a", "LABEL_STUDIO_PASSWORD": "b",
            "LABEL_STUDIO_API_KEY": "c", "WAREHOUSE_DIR": "s3://bucket/wh"})


def test_when_env_lacks_secrets_then_a_clear_error():
    with pytest.raises(server.ServerError, match="LABEL_STUDIO_API_KEY"):
        server.ServerSettings.from_env({"LABEL_STUDIO_USERNAME": "a", "LABEL_STUDIO_PASSWORD": "b"})


def test_when_asked_to_start_on_a_public_address_then_it_refuses():
    settings = server.ServerSettings.from_env({
        "LABEL_STUDIO_USERNAME": "a", "LABEL_STUDIO_PASSWORD": "b", "LABEL_STUDIO_API_KEY": "c",
        "LABEL_STUDIO_URL": "http://0.0.0.0:8080"})
    with pytest.raises(server.ServerError, match="loopback"):
        server.start(settings)


@pytest.mark.parametrize("key", list(PROJECTS))
def test_when_a_project_is_read_then_its_files_exist_and_render(key):
    spec = PROJECTS[key]
    assert spec.label_config().lstrip().startswith("<!--")
    html = spec.instructions_html()
    assert html.startswith("<h1>") and "<script" not in html
    assert "&lt;PERSON_1&gt;" in html or key == "mbti"


def test_when_guidelines_hold_html_then_it_is_escaped(tmp_path):
    from annotation.projects import guideline_html

    page = tmp_path / "g.md"
    page.write_text("# T\n\n<script>alert(1)</script>\n")
    assert "<script>" not in guideline_html(page)


def test_when_a_span_is_in_a_transcript_then_it_gets_its_turn():
    task = build_task(SCENE, "pii_review", OWNER)["data"]
    start = task["text"].index("<PERSON_1>")
    tasks = [{"id": 1, "data": task, "annotations": [
        {"id": 9, "completed_by": 1, "was_cancelled": False,
         "result": [{"from_name": "pii", "value": {"start": start, "end": start + 10,
                                                    "labels": ["PERSON"]}}]}]}]
    span = json.loads(rows_from_tasks(tasks, "pii_review", "k").rows[0]["value"])
    assert (span["turn"], span["turn_start"], span["turn_end"]) == (2, 6, 16)
    assert SCENE.turns[2].text[span["turn_start"]:span["turn_end"]] == "<PERSON_1>"
