"""Project-level invariants: the definitions load, generic package names resolve here, only
asset/check/sensor modules import dagster, and the warehouse README matches the contracts."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import annotation
import assets
import schemas
from schemas.docs import BEGIN, END, README, render_table_docs

REPO = Path(__file__).resolve().parents[2]
DAGSTER_MODULE_NAMES = {
    "assets.py", "checks.py", "sensors.py", "resources.py", "partitions.py", "definitions.py",
    "keys.py",
}


def test_when_definitions_load_then_jobs_schedules_and_sensors_exist():
    from dagster_project.definitions import defs as load_defs

    defs = load_defs()
    assert defs.resolve_job_def("partition_job") is not None
    assert defs.resolve_job_def("warehouse_job") is not None
    assert {s.name for s in defs.schedules} >= {"daily_full_refresh"}
    assert {s.name for s in defs.sensors} >= {"corpus_files_sensor"}


def test_when_definitions_module_imported_then_the_environment_is_unchanged():
    """Settings load in the entry points (the `@definitions` loader among them), not at import."""
    code = ("import os; before = dict(os.environ); import dagster_project.definitions; "
            "assert dict(os.environ) == before, set(os.environ) ^ set(before)")
    env = {k: v for k, v in os.environ.items() if k not in ("WAREHOUSE_DIR", "CORPORA_DIR")}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_when_generic_packages_imported_then_they_are_this_repository():
    for package in (assets, schemas, annotation):
        assert Path(package.__file__).resolve().is_relative_to(REPO), package.__file__


def test_when_plain_modules_scanned_then_none_imports_dagster():
    offenders = []
    for folder in ("assets", "schemas", "annotation"):
        for path in (REPO / folder).rglob("*.py"):
            if path.name in DAGSTER_MODULE_NAMES:
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                if any(n == "dagster" or n.startswith("dagster.") for n in names):
                    offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


def test_when_contracts_change_then_readme_columns_are_regenerated():
    text = README.read_text()
    section = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()
    assert section == render_table_docs().strip(), "run `python -m schemas.docs`"
