"""Column-at-a-time string rules that give exactly what the row-wise Python code gives.

Arrow's notions of whitespace and of a number differ from Python's at the edges (Python's
`str.strip` also strips \\x1c-\\x1f, \\x85, U+2000...; `float()` accepts "1e9", " 12",
"1_000"). These helpers let Arrow handle the common case and hand every other value to the
Python rule itself.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from assets.ingest.records import epoch_seconds

# Every character Python's str.isspace() accepts, as an RE2 class (all are below U+3001).
_WHITESPACE_CHARS = [chr(c) for c in range(0x3001) if chr(c).isspace()]
_WHITESPACE = "".join(f"\\x{{{ord(c):x}}}" for c in _WHITESPACE_CHARS)
BLANK = f"^[{_WHITESPACE}]*$"
_FIRST_BLANK = pa.array(["", *_WHITESPACE_CHARS], pa.string())
_EDGE_WHITESPACE = f"^[{_WHITESPACE}]|[{_WHITESPACE}]$"
# Epoch seconds Arrow may cast itself: plain ASCII digits, short enough to stay below year 10000.
_PLAIN_EPOCH = r"^[0-9]{1,11}$"


def is_blank(values: pa.Array) -> pa.Array:
    """`not value.strip()` of every value (null stays null).

    Only a value that is empty or starts with whitespace can be blank, and texts seldom do, so
    the regex runs on those few instead of scanning every text."""
    first = pc.utf8_slice_codeunits(values, 0, 1)
    candidates = pc.is_in(first, value_set=_FIRST_BLANK)
    picked = pc.indices_nonzero(candidates)
    blank = pa.repeat(pa.scalar(False), len(values))
    if len(picked):
        found = pc.match_substring_regex(pc.take(values, picked), BLANK)
        blank = pc.replace_with_mask(blank, candidates, found)
    return pc.if_else(pc.is_null(values), pa.scalar(None, pa.bool_()), blank)


def py_strip(values: pa.Array) -> pa.Array:
    """`str.strip()` of every value; Python does it only if some value needs it."""
    if not pc.any(pc.match_substring_regex(values, _EDGE_WHITESPACE)).as_py():
        return values
    return pa.array([v if v is None else v.strip() for v in values.to_pylist()], pa.string())


def epoch_column(values: pa.Array) -> pa.Array:
    """`records.epoch_seconds` of every value (int64, null when not a time)."""
    empty = pc.equal(values, "")
    plain = pc.or_(pc.match_substring_regex(values, _PLAIN_EPOCH), empty)
    if pc.all(plain).as_py() is not False:
        return pc.if_else(empty, pa.scalar(None, pa.string()), values).cast(pa.int64())
    return pa.array([epoch_seconds(v) for v in values.to_pylist()], pa.int64())
