"""tldextract must never reach for the network: its bundled public-suffix snapshot is used."""

from __future__ import annotations

import socket

import tldextract

from assets.privacy.offline import has_public_suffix, make_tldextract_offline, offline_extractor


def test_when_network_blocked_then_extraction_works_without_any_attempt(monkeypatch):
    attempts = []

    def blocked(*args, **kwargs):
        attempts.append(args)
        raise OSError("network blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", blocked)
    monkeypatch.setattr(socket, "create_connection", blocked)
    offline_extractor.cache_clear()
    make_tldextract_offline()
    assert tldextract.extract("x@mail.example.co.uk").suffix == "co.uk"
    assert has_public_suffix("reddit.com") and not has_public_suffix("notes.txt")
    assert attempts == []


def test_when_offline_then_extractor_has_no_urls_and_no_cache():
    extractor = make_tldextract_offline()
    assert extractor.suffix_list_urls == ()
    assert tldextract.tldextract.TLD_EXTRACTOR is extractor
