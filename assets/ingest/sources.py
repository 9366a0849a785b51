"""Source files and the partitions that own them.

Each corpus family is one folder under `CORPORA_DIR`. A small family is one partition (key: the
family name) whose files are each their own source. A family of large dumps (Pushshift, PANDORA
comments) gets one partition per file (key: `family:file`), so a new monthly dump is one new
partition and a rerun never re-reads the others.
"""

from __future__ import annotations

import errno
import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

import fsspec
import xxhash
from fsspec.implementations.local import LocalFileSystem

from assets.lake import PARTITION_SEPARATOR, safe_part_name

# Files that document a folder rather than hold data.
IGNORED_NAMES = {"SOURCE.md", "README.md", "LICENSE", ".DS_Store"}
FULL_HASH_LIMIT = 64 * 1024 * 1024
EDGE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """One file of a corpus family."""

    fs: fsspec.AbstractFileSystem
    root: str  # the family folder
    corpus: str
    relpath: str  # relative to the family folder, posix separators

    @property
    def path(self) -> str:
        return posixpath.join(self.root, self.relpath)

    @property
    def name(self) -> str:
        return posixpath.basename(self.relpath)

    @property
    def part_name(self) -> str:
        """File-system-safe, unique name for this source's part files."""
        return safe_part_name(self.relpath)


def corpora_fs(corpora_dir: str) -> tuple[fsspec.AbstractFileSystem, str]:
    fs, root = fsspec.core.url_to_fs(corpora_dir)
    if isinstance(fs, LocalFileSystem):
        root = posixpath.abspath(root)
    return fs, root.rstrip("/")


@dataclass(frozen=True)
class UnlistedSource:
    """An entry of a family folder that cannot be opened as a file (a symlink loop, a dangling
    link, a folder that cannot be listed). It is reported like an unreadable file, never fatal."""

    source: SourceFile
    reason: str


def list_family_files(corpora_dir: str, corpus: str) -> list[SourceFile]:
    """Data files of one family, sorted, documentation and hidden files left out."""
    return scan_family(corpora_dir, corpus)[0]


def scan_family(corpora_dir: str, corpus: str) -> tuple[list[SourceFile], list[UnlistedSource]]:
    """Data files of one family and the entries that cannot be read, each sorted by path.

    A broken entry (today a symlink loop raised ELOOP and stopped the listing) is returned with
    its reason, so the files after it are still ingested and the entry is reported."""
    fs, root = corpora_fs(corpora_dir)
    family_root = posixpath.join(root, corpus)
    if not fs.isdir(family_root):
        return [], []
    files: list[SourceFile] = []
    unlisted: list[UnlistedSource] = []
    for path, problem in _walk(fs, family_root, frozenset()):
        rel = posixpath.relpath(path, family_root)
        if posixpath.basename(rel) in IGNORED_NAMES:
            continue
        source = SourceFile(fs, family_root, corpus, rel)
        if problem is None:
            files.append(source)
        else:
            unlisted.append(UnlistedSource(source, problem))
    return (sorted(files, key=lambda s: s.relpath),
            sorted(unlisted, key=lambda u: u.source.relpath))


def _walk(
    fs: fsspec.AbstractFileSystem, folder: str, visited: frozenset[str]
) -> Iterator[tuple[str, str | None]]:
    """(path, None) for every file under `folder`, (path, reason) for every broken entry.

    Symlinked folders are followed (a corpus may live on other storage), but a folder already on
    the current path is a loop and is reported instead of entered. Hidden entries are skipped."""
    real = os.path.realpath(folder) if isinstance(fs, LocalFileSystem) else folder
    if real in visited:
        yield folder, f"symlink loop: {os.readlink(folder) if os.path.islink(folder) else real}"
        return
    visited = visited | {real}
    try:
        entries = sorted(fs.ls(folder, detail=False))
    except OSError as error:
        yield folder, f"folder cannot be listed: {os_reason(error)}"
        return
    for path in entries:
        if posixpath.basename(path.rstrip("/")).startswith("."):
            continue
        try:
            kind = fs.info(path)["type"]
        except OSError as error:
            yield path, os_reason(error)
            continue
        if kind == "directory":
            yield from _walk(fs, path, visited)
        else:
            yield path, None


def os_reason(error: OSError) -> str:
    """A short reason for an OS error: `symlink loop (ELOOP)`, `Permission denied (EACCES)`."""
    code = errno.errorcode.get(error.errno or 0, "")
    if error.errno == errno.ELOOP:
        return "symlink loop (ELOOP)"
    text = error.strerror or str(error)
    return f"{text} ({code})" if code else text


def partition_key(source: SourceFile, split_by_file: bool) -> str:
    return (
        f"{source.corpus}{PARTITION_SEPARATOR}{source.relpath}" if split_by_file else source.corpus
    )


def fingerprint(source: SourceFile) -> str:
    """Content fingerprint deciding whether a file changed since it was ingested.

    Small files are hashed whole. For large dumps a full hash would cost a read as long as the
    ingestion itself, so size, modification time and the first and last MiB stand in."""
    info = source.fs.info(source.path)
    size = int(info.get("size") or 0)
    digest = xxhash.xxh3_128()  # see ids.py: naming content, not resisting forgery
    with source.fs.open(source.path, "rb") as handle:
        if size <= FULL_HASH_LIMIT:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
            return f"xxh3:{digest.hexdigest()}"
        digest.update(handle.read(EDGE_BYTES))
        handle.seek(size - EDGE_BYTES)
        digest.update(handle.read(EDGE_BYTES))
    mtime = info.get("mtime") or info.get("LastModified") or info.get("created") or ""
    return f"edges:{size}:{mtime}:{digest.hexdigest()}"
