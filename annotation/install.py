"""Label Studio's own virtual environment and its migrated template database.

Label Studio pins its own Django stack, which clashes with the pipeline's, so it is installed into
`.venv-labelstudio` (never committed). Installing is a different job from running the server
(`annotation.server`): it happens once per machine (`make labelstudio-install`), needs the
package index, and ends by migrating an empty template database so every later first start
takes seconds instead of a minute.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LABEL_STUDIO_VERSION = "1.23.2"
REPO = Path(__file__).resolve().parents[1]
DEFAULT_VENV = REPO / ".venv-labelstudio"
DATABASE_FILE = "label_studio.sqlite3"


class ServerError(RuntimeError):
    """The server could not be installed, started, reached or stopped."""


def installed_version(venv: Path) -> str | None:
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    probe = "import importlib.metadata as m; print(m.version('label-studio'))"
    done = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def install(venv: Path = DEFAULT_VENV, version: str = LABEL_STUDIO_VERSION) -> Path:
    """Create `venv` with label-studio==`version` unless it is already there (idempotent).

    Uses uv when available (about 15 s), else the stdlib venv and pip."""
    if installed_version(venv) == version and (venv / "bin" / "label-studio").exists():
        prepare_template(venv, version)
        return venv
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    base_python = os.path.realpath(sys.executable)
    if Path(uv).exists():
        if not (venv / "bin" / "python").exists():
            _run([uv, "venv", "--python", base_python, str(venv)])
        _run([uv, "pip", "install", "--python", str(venv / "bin" / "python"),
              f"label-studio=={version}"])
    else:
        _run([base_python, "-m", "venv", str(venv)])
        _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
              f"label-studio=={version}"])
    if installed_version(venv) != version:
        raise ServerError(f"label-studio {version} did not install into {venv}")
    prepare_template(venv, version)
    return venv


def template_database(venv: Path, version: str = LABEL_STUDIO_VERSION) -> Path:
    return venv / "template" / version / DATABASE_FILE


def prepare_template(venv: Path = DEFAULT_VENV, version: str = LABEL_STUDIO_VERSION) -> Path:
    """An empty, fully migrated database for this Label Studio version (built once, ~1 min).

    Migrating a fresh database is most of a first start; copying this one into a new data dir
    makes that start take seconds. It holds no user, organisation or secret (the secret key
    lives in the data dir's own `.env`, which is not copied)."""
    target = template_database(venv, version)
    if target.exists():
        return target
    package = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c",
             "import label_studio, os; print(os.path.dirname(label_studio.__file__))"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )
    with tempfile.TemporaryDirectory(dir=venv) as work:
        env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": work, "DJANGO_DB": "sqlite"}
        done = subprocess.run(
            [str(venv / "bin" / "python"), "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=package, env=env, capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise ServerError(f"migrating the template database failed:\n{done.stderr[-2000:]}")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(Path(work) / DATABASE_FILE, target)
    return target


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise ServerError(f"{' '.join(cmd[:3])} ... failed:\n{done.stderr[-2000:]}")
