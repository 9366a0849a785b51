"""The Dagster instance `make run` prepares: its event log keeps connections open, and what it
records is Dagster's own layout (the default storage reads the same runs, asset events and
checks)."""

import os
from pathlib import Path

import pytest
from dagster import (
    AssetCheckResult,
    DagsterEventType,
    DagsterInstance,
    asset,
    asset_check,
    materialize,
)

from assets.platform.settings import INSTANCE_CONFIG, OLD_INSTANCE_CONFIG, prepare_dagster_home
from dagster_project.instance_storage import FastSqliteEventLogStorage, FastSqliteRunStorage


@asset
def numbers() -> list[int]:
    return [1, 2, 3]


@asset_check(asset=numbers)
def numbers_positive() -> AssetCheckResult:
    return AssetCheckResult(passed=True)


def _instance(home: Path, config: str) -> DagsterInstance:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(config)
    return DagsterInstance.from_config(str(home))


def test_when_runs_recorded_fast_then_default_storage_reads_them(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    fast = _instance(home, INSTANCE_CONFIG)
    assert isinstance(fast.event_log_storage, FastSqliteEventLogStorage)
    assert isinstance(fast.run_storage, FastSqliteRunStorage)
    results = [materialize([numbers, numbers_positive], instance=fast) for _ in range(2)]
    assert all(r.success for r in results)
    recorded = [len(fast.all_logs(r.run_id)) for r in results]
    fast.dispose()

    plain = _instance(home, OLD_INSTANCE_CONFIG)
    assert type(plain.event_log_storage).__name__ == "SqliteEventLogStorage"
    assert type(plain.run_storage).__name__ == "SqliteRunStorage"
    assert [len(plain.all_logs(r.run_id)) for r in results] == recorded
    assert recorded[0] > 5
    latest = plain.get_latest_materialization_event(numbers.key)
    assert latest is not None and latest.run_id == results[1].run_id
    checks = plain.event_log_storage.get_asset_check_execution_history(
        numbers_positive.check_key, limit=10)
    assert {c.run_id for c in checks} == {r.run_id for r in results}
    assert len(plain.get_runs()) == 2
    plain.dispose()


def test_when_many_runs_then_open_databases_are_bounded(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    fast = _instance(home, INSTANCE_CONFIG)
    runs = [materialize([numbers], instance=fast).run_id for _ in range(10)]
    storage = fast.event_log_storage
    assert len(storage._engines) <= 8
    assert all(
        any(e.dagster_event and e.dagster_event.event_type == DagsterEventType.RUN_SUCCESS
            for e in fast.all_logs(run_id)) for run_id in runs)
    fast.dispose()


@pytest.mark.parametrize("existing, replaced", [
    (None, True), ("", True), (OLD_INSTANCE_CONFIG, True),
    ("telemetry:\n  enabled: false\n", False),  # someone's own config stays
])
def test_when_home_prepared_then_config_is_written_unless_edited(
        tmp_path, monkeypatch, existing, replaced):
    home = tmp_path / "home"
    home.mkdir()
    if existing is not None:
        (home / "dagster.yaml").write_text(existing)
    # prepare_dagster_home loads the settings into the environment: keep them to this test.
    monkeypatch.setattr(os, "environ", {**os.environ, "DAGSTER_HOME": str(home),
                                        "PSEUDONYM_KEY": "k" * 64})
    prepare_dagster_home()
    text = (home / "dagster.yaml").read_text()
    assert (text == INSTANCE_CONFIG) is replaced
    if not replaced:
        assert text == existing
