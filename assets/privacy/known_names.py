"""Known identifiers: every author username and speaker name seen at ingestion, found anywhere.

One compiled regex built from a character trie of all names: the engine walks the trie from each
word start, so the cost per text grows with the text, not with the number of names (an
Aho-Corasick-like scan; 100k names compile in about a second). Matching is case-insensitive and
word-bounded. Names that are also ordinary words ("music", "the") or too short would redact
ordinary language, so they are left out and counted: the leak check scans for exactly the same
set, which keeps the two in step.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from wordfreq import zipf_frequency

IGNORED_NAMES = frozenset({"[deleted]", "[removed]", "deleted", "removed", "automoderator"})


@dataclass(frozen=True)
class NameFilter:
    """Which raw names are distinctive enough to redact wherever they appear."""

    min_length: int = 3
    max_common_zipf: float = 3.5

    def keep(self, name: str) -> bool:
        """Keep names with digits/underscores, or words rarer than `max_common_zipf`.

        A name such as `Chandler` (zipf 3.0) is kept; `music` (5.5) is not, because replacing
        every "music" in every text would ruin the text and add no protection the pseudonymous
        author id does not already give."""
        name = name.strip()
        if len(name) < self.min_length or name.lower() in IGNORED_NAMES:
            return False
        if not all(part.isalpha() for part in name.split()):
            return True
        return zipf_frequency(name.lower(), "en") < self.max_common_zipf


@dataclass
class KnownNames:
    """A case-insensitive, word-bounded matcher over many names."""

    names: frozenset[str]
    skipped: int = 0
    _regex: re.Pattern[str] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls, raw_names: Iterable[str | None], name_filter: NameFilter | None = None
    ) -> KnownNames:
        name_filter = name_filter or NameFilter()
        kept: set[str] = set()
        skipped = 0
        for raw in raw_names:
            if not raw:
                continue
            name = " ".join(raw.split()).lower()
            if name in kept:
                continue
            if name_filter.keep(name):
                kept.add(name)
            else:
                skipped += 1
        return cls(frozenset(kept), skipped)

    @property
    def regex(self) -> re.Pattern[str] | None:
        if self._regex is None and self.names:
            body = _trie_regex(sorted(self.names))
            self._regex = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
        return self._regex

    def __len__(self) -> int:
        return len(self.names)

    @property
    def fingerprint(self) -> str:
        """A short hash of the set: curated text is stamped with it, so text anonymised before
        a name became known can be found and anonymised again
        (`anonymise_partitions.stale_partitions`)."""
        digest = hashlib.sha256()
        for name in sorted(self.names):
            digest.update(name.encode() + b"\n")
        return digest.hexdigest()[:16]

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, lowercased name) of every known name in `text`, longest at each start."""
        regex = self.regex
        if regex is None or not text:
            return []
        return [(m.start(), m.end(), m.group(0).lower()) for m in regex.finditer(text)]


def _trie_regex(words: list[str]) -> str:
    """A regex alternation shaped as a trie; longer continuations are tried first so that
    `anna_b` wins over `anna` (Python's alternation is ordered, not longest-match)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_regex(trie)


def _node_regex(node: dict) -> str:
    branches = []
    ends_here = "" in node
    for char in sorted(k for k in node if k):
        # whitespace inside a multi-word name matches any run of whitespace
        head = r"\s+" if char == " " else re.escape(char)
        branches.append(head + _node_regex(node[char]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends_here:
        # greedy `?`: try the longer name first, fall back to stopping here
        return f"(?:{body})?"
    return body
