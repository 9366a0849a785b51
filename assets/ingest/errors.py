"""Why a source file cannot be read (whole or in part), worded the same by every reader."""

from __future__ import annotations

from assets.ingest.sources import SourceFile

# Why a whole file is unreadable, worded the same by every reader.
EMPTY_FILE = "empty file"
HEADER_ONLY = "header only, no records"


class SourceUnreadable(Exception):
    """The file as a whole cannot be ingested; the message names the file and why."""

    def __init__(self, source: SourceFile, reason: str) -> None:
        super().__init__(f"{source.corpus}/{source.relpath}: {reason}")
        self.source = source
        self.reason = reason


class TruncatedSource(Exception):
    """The stream ended early: rows read so far are good, the rest is lost."""
