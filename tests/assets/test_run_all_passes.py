"""`make run`'s two passes over the partitions: every partition is ingested and its raw tables
validated once (the first pass), and parsed, measured, anonymised and validated in the second."""

from __future__ import annotations

from collections import Counter

from dagster import DagsterEventType

from tests.assets.test_first_run_privacy import first_run  # noqa: F401 - the fixture


def _step_successes(instance) -> Counter:
    done: Counter = Counter()
    for run in instance.get_runs():
        partition = run.tags.get("dagster/partition")
        for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_SUCCESS):
            done[(partition, entry.dagster_event.step_key)] += 1
    return done


def test_when_partitions_run_then_ingest_and_raw_checks_run_once_each(first_run):  # noqa: F811
    _, _, keys, failed, _, instance = first_run
    assert failed == []
    done = _step_successes(instance)
    for key in keys:
        assert done[(key, "raw_tables")] == 1
        assert done[(key, "gx_raw__documents")] == 1
        assert done[(key, "gx_raw__authors")] == 1
        assert done[(key, "raw__parsed_documents")] == 1
        assert done[(key, "contours")] == 1
        assert done[(key, "gx_curated__documents")] >= 1
