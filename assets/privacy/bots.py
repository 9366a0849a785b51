"""Bot authors: known bot accounts by raw name, and bot signatures in text.

Two rules, applied where their evidence is visible:

- Known accounts (`known_bots.yaml`, a small maintained list; its header says where it comes
  from). Usernames are pseudonymised when a
  partition is curated, so the name is checked here, in `curate_authors`, and travels into the
  curated zone as the author's `bot_reason` (`known_account`); the name itself never does.
- Signatures ("I am a bot", "this action was performed automatically", "beep boop",
  "^^I'm ^^a ^^bot"). These survive anonymisation, so the curate stage looks for them in the
  curated texts, across all partitions (`assets/curate/flags.py`). `SIGNATURE_PATTERN` is RE2
  syntax, so DuckDB's `regexp_matches` and Python's `re` read the same rule.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

KNOWN_BOTS_FILE = Path(__file__).with_name("known_bots.yaml")
KNOWN_ACCOUNT = "known_account"
SIGNATURE = "signature"

# Case-insensitive; \W+ between words lets Reddit's superscript carets (^^I'm ^^a ^^bot) and
# markdown through. Each alternative is a phrase people rarely write about themselves unless
# they are a bot; a human quoting one once is kept by the share rule in the curate stage.
SIGNATURE_PATTERN = (
    r"(?i)(\bi(?:\s+am|\W?m)\W+(?:just\W+|only\W+)?a\W+bot\b"
    r"|\bthis\W+action\W+was\W+performed\W+automatically\b"
    r"|\bbeep\W+boop\b"
    r"|\bbleep\W+bloop\b"
    r"|\b(?:this|the\s+above)\W+(?:comment|post|message|reply|tweet)\W+(?:was|is|has\s+been)"
    r"\W+(?:automatically\W+)?(?:generated|posted|sent|made|written)\W+(?:automatically|by\W+an?"
    r"\W+bot))\b"
)
_SIGNATURE = re.compile(SIGNATURE_PATTERN)


@lru_cache(maxsize=1)
def known_bot_names(path: Path = KNOWN_BOTS_FILE) -> frozenset[str]:
    """Case-folded usernames of the maintained list, all platforms together."""
    listed = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return frozenset(str(name).strip().casefold() for names in listed.values()
                     for name in names or ())


def known_bot_reason(username: str | None) -> str | None:
    """`known_account` when the raw username is on the list, else None."""
    if username and username.strip().casefold() in known_bot_names():
        return KNOWN_ACCOUNT
    return None


def has_bot_signature(text: str | None) -> bool:
    """True when the text signs itself as written by a bot."""
    return bool(text) and _SIGNATURE.search(text) is not None
