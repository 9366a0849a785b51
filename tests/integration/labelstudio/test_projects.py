"""Projects come from annotation/ and are synced idempotently; the server is locked down."""

from __future__ import annotations

import dataclasses

import httpx
import psutil
import pytest

from annotation.accounts import AccountError, sign_up
from annotation.projects import PROJECTS, sync_all, sync_project

pytestmark = pytest.mark.labelstudio


def _titles(ls_client) -> list[str]:
    return [p.title for p in ls_client.call_list("list", ls_client.sdk.projects.list)]


def test_when_projects_synced_twice_then_one_project_each_and_nothing_changes(ls_client, owner):
    first = sync_all(ls_client, owner)
    second = sync_all(ls_client, owner)
    titles = _titles(ls_client)
    for key, spec in PROJECTS.items():
        assert titles.count(spec.owned_title(owner)) == 1
        assert second[key].project_id == first[key].project_id
        assert not second[key].created and second[key].changed == ()
        project = ls_client.sdk.projects.get(first[key].project_id)
        assert project.maximum_annotations == 3
        assert project.overlap_cohort_percentage == 100
        assert project.show_instruction and "<h1>" in (project.expert_instruction or "")


def test_when_a_file_changes_then_only_that_setting_is_updated(ls_client, owner):
    spec = dataclasses.replace(PROJECTS["mbti"], maximum_annotations=4)
    result = sync_project(ls_client, spec, owner)
    assert result.changed == ("maximum_annotations",)
    assert ls_client.sdk.projects.get(result.project_id).maximum_annotations == 4
    assert sync_project(ls_client, PROJECTS["mbti"], owner).changed == ("maximum_annotations",)


def test_when_someone_signs_up_without_an_invite_then_it_is_refused(ls_server):
    with pytest.raises(AccountError):
        sign_up(ls_server.url, None, "intruder@example.invalid", "Intruder-password-1")


def test_when_server_runs_then_it_listens_on_loopback_only(ls_server):
    port = int(ls_server.url.rsplit(":", 1)[1])
    listening = [c for c in psutil.net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    assert listening and {c.laddr.ip for c in listening} <= {"127.0.0.1"}


def test_when_the_token_is_wrong_then_the_api_refuses(ls_server):
    answer = httpx.get(f"{ls_server.url}/api/projects", headers={"Authorization": "Token nope"})
    assert answer.status_code == 401
