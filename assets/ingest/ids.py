"""Deterministic identifiers: the same input always gets the same id, run after run.

Both ids and content hashes are XXH3-128 (xxhash's frozen, documented 128-bit hash), ids cut to
80 bits. They name records and detect changed or duplicated text; nothing here needs a
cryptographic digest (nobody forges a Reddit comment to collide with another), and at a few
hundred bytes a text XXH3 costs a sixth of sha256, which at hundreds of thousands of rows a
second is the ingest's largest single cost. Where a digest must resist tampering (export
manifests, HMAC pseudonyms) the code uses sha256.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

ID_SEPARATOR = "\x1f"
ID_BYTES = 10


def stable_id(*parts: object) -> str:
    """A 20-hex-digit id from the parts; unit separator keeps ("a","bc") apart from ("ab","c")."""
    joined = ID_SEPARATOR.join("" if p is None else str(p) for p in parts)
    return xxhash.xxh3_128_digest(joined.encode("utf-8"))[:ID_BYTES].hex()


def content_hash(text: str) -> str:
    """32 hex digits of the UTF-8 text's XXH3-128: equal texts, equal hashes."""
    return xxhash.xxh3_128_hexdigest(text.encode("utf-8"))


def author_id(platform: str, username: str) -> str:
    """Raw-zone author id. Platform-scoped (not corpus-scoped) so that a Reddit user in PANDORA
    and in a Pushshift dump is one author; the curated zone replaces it with an HMAC pseudonym."""
    return f"{platform}:{username}"


# --- column-at-a-time versions for the bulk readers ------------------------------------------


def stable_ids(prefix: str, keys: Iterable[str] | pa.Array) -> pa.StringArray:
    """`stable_id(prefix, key)` for every key, byte for byte, as one Arrow column.

    The hot loop of the bulk readers: the prefix is encoded once, each key costs one XXH3
    call, and the hex digits are made in one pass over all digests instead of one Python string
    per row. Keys given as an Arrow column are joined to the prefix in Arrow and reach Python as
    ready-made UTF-8 bytes."""
    head = (prefix + ID_SEPARATOR).encode("utf-8")
    xxh3 = xxhash.xxh3_128_digest
    if isinstance(keys, pa.Array | pa.ChunkedArray):
        joined = pc.binary_join_element_wise(pa.scalar(head.decode("utf-8")), keys, "")
        digests = [xxh3(key)[:ID_BYTES] for key in joined.cast(pa.binary()).to_pylist()]
    else:
        digests = [xxh3(head + key.encode("utf-8"))[:ID_BYTES] for key in keys]
    return _fixed_width_strings(b"".join(digests).hex().encode("ascii"), len(digests),
                                 2 * ID_BYTES)


def _fixed_width_strings(data: bytes, n: int, width: int) -> pa.StringArray:
    offsets = np.arange(0, width * (n + 1), width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))


def content_hashes(texts: pa.Array | pa.ChunkedArray) -> pa.StringArray:
    """`content_hash` of every text as one Arrow column.

    The UTF-8 bytes come straight from Arrow (no str per row, no re-encoding); the hex digits are
    made in one pass."""
    xxh3 = xxhash.xxh3_128_digest
    values = texts.cast(pa.binary()).to_pylist()
    digests = b"".join([xxh3(value) for value in values])
    return _fixed_width_strings(digests.hex().encode("ascii"), len(values), 32)
