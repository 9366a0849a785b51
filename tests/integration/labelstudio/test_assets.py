"""The Dagster wiring against the real server: push, pull, aggregate, check, sensor."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from dagster import RunRequest, SkipReason, build_sensor_context, materialize

from annotation.server import free_port
from assets.annotate.assets import annotation_tasks, annotations, crowd_agreement, crowd_labels
from assets.annotate.sensors import labelstudio_annotations_sensor
from assets.lake import Lake
from assets.platform.resources import LabelStudioResource, WarehouseResource
from assets.privacy.resources import PrivacyResource

from .lake_data import build
from .test_crowd import _result, _walk

pytestmark = pytest.mark.labelstudio


def test_when_the_loop_runs_as_assets_then_tables_labels_and_agreement_appear(
    ls_server, ls_client, annotators, pseudonym_key, tmp_path
):
    warehouse = str(tmp_path / "warehouse")
    build(Lake.at(warehouse))
    resources = {
        "warehouse": WarehouseResource(warehouse_dir=warehouse),
        "labelstudio": LabelStudioResource(url=ls_server.url, api_key=ls_server.token),
        "privacy": PrivacyResource(pseudonym_key=pseudonym_key),
    }
    pushed = materialize([annotation_tasks], resources=resources)
    assert pushed.success
    from annotation.loop import project_ids
    from annotation.ownership import warehouse_id

    big5 = project_ids(ls_client, ["big5"], warehouse_id(Lake.at(warehouse)))["big5"]
    for n, person in enumerate(annotators):
        _walk(ls_server.url, person.token, big5,
              lambda task, n=n: {"result": _result((1, 0, n - 1, 0, 1)), "lead_time": 2.0})

    sensor_resources = {"labelstudio": resources["labelstudio"],
                        "warehouse": resources["warehouse"]}
    with build_sensor_context(resources=sensor_resources) as context:
        first = labelstudio_annotations_sensor(context)
        assert isinstance(first, RunRequest)
        again = labelstudio_annotations_sensor(context)
        assert isinstance(again, SkipReason)

    run = materialize([annotation_tasks, annotations, crowd_labels, crowd_agreement],
                      resources=resources, selection=[annotations, crowd_labels])
    assert run.success
    lake = Lake.at(warehouse)
    labels = pq.read_table(lake.list_parts("curated", "labels", "friends")[-1]).to_pylist()
    assert {r["source"] for r in labels} == {"crowd_aggregate"}
    traits = {(r["trait"], r["source_file"].rsplit("/", 1)[1]): r["value_likert"] for r in labels
              if r["subject_id"] == "scene-1"}
    assert traits[("EXT", "majority_vote")] == 1 and traits[("AGR", "majority_vote")] == 0
    checks = run.get_asset_check_evaluations()
    assert checks and checks[0].metadata["big5_AGR"].value["alpha"] is not None


def test_when_the_server_is_down_then_the_sensor_skips_with_the_reason(ls_server, tmp_path):
    dead = LabelStudioResource(url=f"http://127.0.0.1:{free_port()}", api_key=ls_server.token,
                               attempts=2, base_delay=0.05)
    warehouse = WarehouseResource(warehouse_dir=str(tmp_path / "warehouse"))
    with build_sensor_context(resources={"labelstudio": dead, "warehouse": warehouse}) as context:
        result = labelstudio_annotations_sensor(context)
    assert isinstance(result, SkipReason) and "failed" in result.skip_message
    assert ls_server.token not in result.skip_message
