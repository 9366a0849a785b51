"""Poll Label Studio and pull when annotations changed (added, edited, skipped or deleted).

The cursor is a digest of every annotation id and update time, so an unchanged server asks for
nothing. An unreachable server is a skip with its reason, not a sensor failure: annotators may
simply not be working."""


from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from annotation.client import LabelStudioUnavailable
from annotation.loop import project_ids
from annotation.ownership import warehouse_id
from annotation.projects import PROJECTS
from annotation.pull import state_fingerprint
from assets.annotate.assets import annotations, crowd_labels
from assets.platform.resources import LabelStudioResource, WarehouseResource


@sensor(
    asset_selection=[annotations, crowd_labels],
    minimum_interval_seconds=120,
    default_status=DefaultSensorStatus.STOPPED,
)
def labelstudio_annotations_sensor(
    context: SensorEvaluationContext, labelstudio: LabelStudioResource,
    warehouse: WarehouseResource,
):
    """Pull annotations and re-aggregate when this warehouse's annotations changed."""
    client = labelstudio.client()
    owner = warehouse_id(warehouse.lake())
    try:
        ids = project_ids(client, list(PROJECTS), owner)
        fingerprint = state_fingerprint(client, ids, owner)
    except LabelStudioUnavailable as error:
        return SkipReason(str(error))
    if not ids:
        return SkipReason("no labelling project on the server yet")
    if fingerprint == context.cursor:
        return SkipReason("no new, edited or deleted annotations")
    context.update_cursor(fingerprint)
    return RunRequest(run_key=f"annotations-{fingerprint[:16]}")


SENSORS = [labelstudio_annotations_sensor]
