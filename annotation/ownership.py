"""Which warehouse owns a Label Studio project or task, and one labelling step at a time.

Several warehouses may share one Label Studio server (a team's server, a test next to a real
run), and each must only ever touch its own projects and tasks: a push retires the tasks whose
document left *its* curated zone, and another warehouse's documents are never in it. So every
warehouse has a stable identity, `wh_` + 16 random hex digits, created on first use in the
warehouse folder (`<WAREHOUSE_DIR>/warehouse_id`) and read back on every later run, so it
survives reruns, restarts and a moved folder, and changes with nothing but that file. A random id
rather than a hash of the root and the pseudonym key: the same folder moved, or a rotated key,
is still the same warehouse. Its projects carry it in their title (short form) and description
(full form), its tasks in their data (`warehouse_id`), and every lookup filters on it.

Two runs of the *same* warehouse (the daemon and `make run`, two terminals) would otherwise race:
both create a project with the same title, or both retire one task and the second gets a 404.
`warehouse_lock` serialises the labelling steps of one warehouse with a file lock in its folder
(for a warehouse on an object store, in the local temp folder, keyed by its URL: that covers the
runs of one machine).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from assets.lake import Lake

IDENTITY_FILE = "warehouse_id"
LOCK_FILE = "labelstudio.lock"
IDENTITY = re.compile(r"^wh_[0-9a-f]{16}$")
DEFAULT_LOCK_TIMEOUT = 900.0  # a big push of 6,000 tasks takes minutes; a stuck one, longer


class OwnershipError(RuntimeError):
    """The warehouse identity is unreadable, or another run holds the labelling lock too long."""


def _new_identity() -> str:
    return "wh_" + secrets.token_hex(8)


def warehouse_id(lake: Lake) -> str:
    """This warehouse's identity, created on first use (exclusively, so two first runs agree)."""
    path = lake.path(IDENTITY_FILE)
    if lake.is_local:
        _create_local(path)
    elif not lake.fs.exists(path):
        # Object stores have no exclusive create here; two first runs at the same instant could
        # each write one, and the last write wins for both once they read it back below.
        lake.fs.makedirs(lake.root, exist_ok=True)
        with lake.fs.open(path, "w") as handle:
            handle.write(_new_identity() + "\n")
    with lake.fs.open(path, "r") as handle:
        found = handle.read().strip()
    if not IDENTITY.match(found):
        raise OwnershipError(
            f"{path} holds {found[:40]!r}, not a warehouse id (wh_ + 16 hex digits); restore it "
            "from a backup, or delete it only if no Label Studio project was created from here"
        )
    return found


def _create_local(path: str) -> None:
    """Write the identity whole to a private temporary file, then hard-link it into place:
    `link` fails if the name exists, so the first run wins, and no reader ever sees the file
    created but not yet written (an exclusive create followed by a write had that window)."""
    os.makedirs(posixpath.dirname(path), exist_ok=True)
    if os.path.exists(path):
        return
    fd, tmp = tempfile.mkstemp(prefix=".warehouse_id.", dir=posixpath.dirname(path))
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(_new_identity() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


def short_id(identity: str) -> str:
    """The 8 hex digits shown in project titles (Label Studio allows 50 characters)."""
    return identity.removeprefix("wh_")[:8]


def lock_path(lake: Lake) -> Path:
    if lake.is_local:
        return Path(lake.path(LOCK_FILE))
    digest = hashlib.sha256(lake.url(lake.root).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"personality-warehouse-{digest}.{LOCK_FILE}"


@contextlib.contextmanager
def warehouse_lock(lake: Lake, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
    """Hold this warehouse's labelling lock (push, pull, re-queue) for the block.

    A file lock (`flock`): released by the kernel when its holder dies, so a killed run never
    leaves it stuck. Waits up to `timeout` seconds, then says who to wait for."""
    path = lock_path(lake)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=timeout, mode=0o600, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise OwnershipError(
            f"another run of this warehouse has held {path} for {timeout:.0f}s (pushing or "
            "pulling Label Studio tasks); try again when it has finished"
        ) from None
    try:
        yield
    finally:
        lock.release()
