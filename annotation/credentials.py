"""The Label Studio admin credentials: from the environment, else a local file outside git.

Kept apart from `server` (which installs and runs the Label Studio process) so that loading
settings reads the credentials without importing the process manager."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path


def local_credentials_file() -> Path:
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "personality-warehouse" / "labelstudio.json"


def load_local_credentials(create: bool = False) -> Path | None:
    """Fill unset admin credentials from a local file outside git, creating it (0600, random
    password and token) when `create` is set, so `make labelstudio` works with no setup while a
    deployment sets its own secrets. Returns the file used, or None."""
    names = ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_API_KEY")
    if all(os.environ.get(name) for name in names):
        return None
    path = Path(os.environ.get("LABEL_STUDIO_CREDENTIALS_FILE") or local_credentials_file())
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        values = {
            "LABEL_STUDIO_USERNAME": "admin@localhost",
            "LABEL_STUDIO_PASSWORD": secrets.token_urlsafe(18),
            "LABEL_STUDIO_API_KEY": secrets.token_hex(20),  # DRF tokens are 40 characters
        }
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(values, handle)
    stored = json.loads(path.read_text())
    for name in names:
        if not os.environ.get(name) and stored.get(name):
            os.environ[name] = stored[name]
    return path
