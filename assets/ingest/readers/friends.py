"""Reader for friends: to be written."""

from __future__ import annotations

from collections.abc import Iterator

from assets.ingest.records import Row
from assets.ingest.sources import SourceFile


def read(source: SourceFile) -> Iterator[Row]:
    raise NotImplementedError("friends reader not written yet")
    yield  # pragma: no cover
