"""`make dev`: the Dagster UI and daemon on loopback, with the same settings as `make run`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from assets.platform.settings import prepare_dagster_home


def main() -> int:
    prepare_dagster_home()
    dagster = Path(sys.executable).with_name("dagster")
    port = os.environ.get("DAGSTER_PORT", "3000")
    args = [str(dagster), "dev", "-m", "dagster_project.definitions", "-h", "127.0.0.1", "-p", port]
    os.execv(args[0], args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
