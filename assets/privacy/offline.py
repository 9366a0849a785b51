"""Keep `tldextract` offline: the bundled public-suffix snapshot, no download, no disk cache.

`tldextract`'s default extractor fetches the public suffix list from the internet on first use
(and caches it under the user's home). Runs here have no network, and a blocked fetch first
waits for a time-out, so every extractor we use is built from the snapshot shipped inside the
package. Presidio's `EmailRecognizer` calls the module-level `tldextract.extract`, which reads the
global `tldextract.tldextract.TLD_EXTRACTOR` at call time; `make_tldextract_offline` swaps that
global for an offline one (tldextract offers no setter; this is the narrowest change that works).
"""

from __future__ import annotations

from functools import lru_cache

import tldextract
import tldextract.tldextract as _tld_module


@lru_cache(maxsize=1)
def offline_extractor() -> tldextract.TLDExtract:
    """An extractor that uses only the package's bundled snapshot (no URL, no cache dir)."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def make_tldextract_offline() -> tldextract.TLDExtract:
    """Point the module-level `tldextract.extract` (used by Presidio) at the offline extractor.

    Idempotent; returns the extractor now in place."""
    extractor = offline_extractor()
    _tld_module.TLD_EXTRACTOR = extractor
    return extractor


def has_public_suffix(host: str) -> bool:
    """True if `host` ends in a known public suffix (so `a.b` in `see a.b` is not a domain)."""
    result = offline_extractor()(host)
    return bool(result.suffix) and bool(result.domain)
