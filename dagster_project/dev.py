"""`make dev`: the Dagster UI and daemon on loopback, with the same settings as `make run`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster_project.run_all import ensure_dagster_home
from dagster_project.settings import ensure_pseudonym_key, load_settings


def main() -> int:
    load_settings()
    ensure_pseudonym_key()
    home = Path(os.environ["DAGSTER_HOME"]).resolve()
    home.mkdir(parents=True, exist_ok=True)
    ensure_dagster_home(home)
    os.environ["DAGSTER_HOME"] = str(home)
    dagster = Path(sys.executable).with_name("dagster")
    port = os.environ.get("DAGSTER_PORT", "3000")
    args = [str(dagster), "dev", "-m", "dagster_project.definitions", "-h", "127.0.0.1", "-p", port]
    os.execv(args[0], args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
