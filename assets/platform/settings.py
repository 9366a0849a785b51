"""Settings come from the environment. `.env.example` holds a safe local default for every
setting; a developer's `.env` overrides it; variables already set in the shell win over both.

The pseudonym key is the one secret: it is never in a tracked file. When `PSEUDONYM_KEY` is not
set, the local key file (created once by `make run`) supplies it.

Only the entry points call `load_settings` (run_all, dev, and the code location's loader in
`dagster_project/definitions.py`): importing a module never changes the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dotenv import dotenv_values

from annotation.credentials import load_local_credentials

REPO = Path(__file__).resolve().parents[2]
DEFAULT_KEY_FILE = (
    Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    / "personality-warehouse"
    / "pseudonym.key"
)


def load_settings(repo: Path = REPO) -> None:
    """Fill unset environment variables from `.env`, then `.env.example`; an empty
    CORPORA_DIR means the generated sample."""
    for name in (".env", ".env.example"):
        path = repo / name
        if path.exists():
            for key, value in dotenv_values(path).items():
                if value is not None and key not in os.environ:
                    os.environ[key] = value
    load_local_credentials()
    if not os.environ.get("CORPORA_DIR"):
        os.environ["CORPORA_DIR"] = os.environ.get("SAMPLE_CORPORA_DIR", "warehouse/sample_corpora")
        os.environ["USING_SAMPLE_CORPORA"] = "1"
    if "PSEUDONYM_KEY" not in os.environ:
        key_file = Path(os.environ.get("PSEUDONYM_KEY_FILE") or DEFAULT_KEY_FILE)
        if key_file.exists():
            os.environ["PSEUDONYM_KEY"] = key_file.read_text().strip()


def ensure_pseudonym_key() -> Path | None:
    """Create the local key file if no key is configured; returns the file it created."""
    if os.environ.get("PSEUDONYM_KEY"):
        return None
    key_file = Path(os.environ.get("PSEUDONYM_KEY_FILE") or DEFAULT_KEY_FILE)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    os.environ["PSEUDONYM_KEY"] = key_file.read_text().strip()
    return key_file


# The instance config `prepare_dagster_home` writes. The storage is Dagster's SQLite layout with
# an event log that keeps its connections open (`dagster_project/instance_storage.py`: an event
# cost 28 ms, a third of a first run on the sample).
OLD_INSTANCE_CONFIG = "telemetry:\n  enabled: false\nrun_queue:\n  max_concurrent_runs: 2\n"
INSTANCE_CONFIG = OLD_INSTANCE_CONFIG + (
    "storage:\n"
    "  custom:\n"
    "    module: dagster_project.instance_storage\n"
    "    class: FastSqliteStorage\n"
    "    config:\n"
    "      base_dir:\n"
    "        env: DAGSTER_HOME\n"
)


def prepare_dagster_home() -> Path:
    """Settings loaded, the pseudonym key in place, and `DAGSTER_HOME` an absolute folder with an
    instance config: telemetry off (no network to send it to), at most two runs at once (the
    sensor may request a run per partition; each parses text on every core it gets), and the
    local storage of `INSTANCE_CONFIG`. A config someone edited is left alone; the config an
    earlier version wrote is replaced (same storage layout, so the run history stays)."""
    load_settings()
    ensure_pseudonym_key()
    home = Path(os.environ["DAGSTER_HOME"]).resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text().strip() in ("", OLD_INSTANCE_CONFIG.strip()):
        config.write_text(INSTANCE_CONFIG)
    return home
