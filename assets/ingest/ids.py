"""Deterministic identifiers: the same input always gets the same id, run after run."""

from __future__ import annotations

import hashlib


def stable_id(*parts: object) -> str:
    """A 20-hex-digit id from the parts; unit separator keeps ("a","bc") apart from ("ab","c")."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.blake2b(joined.encode("utf-8"), digest_size=10).hexdigest()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def author_id(platform: str, username: str) -> str:
    """Raw-zone author id. Platform-scoped (not corpus-scoped) so that a Reddit user in PANDORA
    and in a Pushshift dump is one author; the curated zone replaces it with an HMAC pseudonym."""
    return f"{platform}:{username}"
