"""Owner-only files and folders for what holds raw text, real names or secrets.

The raw zone and `raw.duckdb` hold unanonymised text and usernames; the Label Studio data folder
holds its SQLite database, in which the admin's API token is stored in plain text. On a shared
machine the default umask (022) leaves all of them readable by every local user. These helpers
take group and other permissions away (folders 0700, files 0600) when a path is created and again
whenever it is next used, so a permission loosened by hand, a `cp`, or an untar is repaired.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

GROUP_AND_OTHER = 0o077


def restrict_to_owner(path: str | os.PathLike[str]) -> bool:
    """Take every group and other permission off `path` (a folder keeps its owner's rwx).

    Returns True when something had to change. Symlinks are not followed: a link planted in a
    private folder must not redirect a chmod onto another file."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return False
    mode = stat.S_IMODE(info.st_mode)
    wanted = mode & ~GROUP_AND_OTHER
    if stat.S_ISDIR(info.st_mode):
        wanted |= stat.S_IRWXU
    if wanted == mode:
        return False
    os.chmod(path, wanted)
    return True


def restrict_tree(root: str | os.PathLike[str]) -> int:
    """`restrict_to_owner` on a folder and everything below it; returns how many changed."""
    changed = int(restrict_to_owner(root))
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            changed += restrict_to_owner(Path(folder) / name)
    return changed


def is_owner_only(path: str | os.PathLike[str]) -> bool:
    """No permission for group or others."""
    return not stat.S_IMODE(os.lstat(path).st_mode) & GROUP_AND_OTHER
