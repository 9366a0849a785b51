"""Keyed pseudonyms for author and speaker ids.

HMAC-SHA256 under a secret key (`PSEUDONYM_KEY`): the same raw id gets the same pseudonym in
every corpus and every run with the same key, so an author's documents still join across
sources; without the key nobody can test a guessed username against a pseudonym, which a plain
hash would allow. Raw-zone author ids are platform-scoped (`reddit:name`), so one person on one
platform is one pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac

PSEUDONYM_HEX = 20
MIN_KEY_BYTES = 16


class PseudonymKeyError(ValueError):
    """The key is missing or too short to be secret."""


def key_bytes(key: str | bytes | None) -> bytes:
    """Validate and encode a key; the message never includes the key itself."""
    if key is None:
        raise PseudonymKeyError("PSEUDONYM_KEY is not set")
    data = key.encode("utf-8") if isinstance(key, str) else key
    if len(data) < MIN_KEY_BYTES:
        raise PseudonymKeyError(f"PSEUDONYM_KEY must be at least {MIN_KEY_BYTES} bytes")
    return data


def pseudonym(raw_id: str, key: str | bytes, prefix: str = "a_") -> str:
    """`prefix` + the first 20 hex digits of HMAC-SHA256(key, raw_id)."""
    digest = hmac.new(key_bytes(key), raw_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return prefix + digest[:PSEUDONYM_HEX]


def pseudonym_or_none(raw_id: str | None, key: str | bytes, prefix: str = "a_") -> str | None:
    return None if raw_id is None else pseudonym(raw_id, key, prefix)
