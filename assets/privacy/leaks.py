"""Leak scanning: structured identifiers and known raw author names left in (curated) text.

The same strict patterns serve twice: the anonymiser runs them as a backstop recognizer, so the
blocking leak check can only fail on a real gap (a bug, an unredacted known name), never on the
scanner seeing a shape the anonymiser was not told about. Examples in a report are masked: an
identifier is never echoed back, only its type, first character and length.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from wordfreq import zipf_frequency

from assets.privacy.known_names import KnownNames
from assets.privacy.offline import has_public_suffix

USER_PATH_HOSTS = (
    r"(?:reddit\.com/(?:u|user)/"
    r"|(?:twitter|x|instagram|facebook|fb|github|twitch|pinterest|tumblr|threads)\.(?:com|net|tv)/"
    r"|tiktok\.com/@|medium\.com/@|youtube\.com/(?:@|user/|c/|channel/)|t\.me/)"
)

# Each pattern is deliberately strict: a false positive here blocks the pipeline.
#
# The anonymiser runs these same patterns through Presidio, which compiles them with the `regex`
# module, while the scanner uses `re`; the two disagree on what `\w` is (`regex` counts
# combining marks, variation selectors and joiners as word characters, `re` does not). So the
# look-arounds that decide where an identifier starts and stops name their characters
# explicitly. With `\w` there, "✍️@handle" (an emoji's U+FE0F before the @) was invisible to
# the anonymiser but a leak to the scanner, and a real tweet corpus stopped at the leak check.
# (An email's local part may take a leading mark in one engine and not the other; both still
# find the address.)
_ID = "A-Za-z0-9_"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
# Spelled-out separators: "[at]", "(at)", "{at}" and " at " (the same for "dot"); written
# out, an address still names its owner. The bracketed forms are unambiguous; a bare " at " /
# " dot " address counts only when its host ends in a public or reserved suffix
# (`email_host_ok`), so "meet at home dot" is prose.
_BRACKET_AT = r"\s*[\[({]\s*at\s*[\])}]\s*"
_SPELLED_DOT = r"(?:\s*[\[({]\s*dot\s*[\])}]\s*|\s+dot\s+)"
# Top-level names that never resolve on the internet (RFC 2606, RFC 6761, RFC 6762, RFC 8375):
# addresses on them are still personal (`jo@mail.test`, `admin@printer.local`).
RESERVED_TLDS = frozenset({"test", "example", "invalid", "localhost", "local", "localdomain",
                           "internal", "lan", "home", "corp", "intranet"})
LEAK_PATTERNS: dict[str, re.Pattern[str]] = {
    "EMAIL_ADDRESS": re.compile(
        rf"(?<![\w.+-])[\w.+-]+@((?:{_LABEL}\.)+[A-Za-z]{{2,}}|localhost)"
        rf"(?![{_ID}-])",
        re.IGNORECASE,
    ),
    # `name [at] host.org` / `name [at] host [dot] org`, or `name at host dot org` (a bare " at "
    # only with a spelled last dot: "I'm at reddit.com" is not an address).
    "SPELLED_EMAIL": re.compile(
        rf"(?<![\w.+-])[\w.+-]*[{_ID}]"
        rf"(?:{_BRACKET_AT}((?:{_LABEL}(?:{_SPELLED_DOT}|\.))+[A-Za-z]{{2,}})"
        rf"|\s+at\s+((?:{_LABEL}(?:{_SPELLED_DOT}|\.))*{_LABEL}{_SPELLED_DOT}[A-Za-z]{{2,}}))"
        rf"(?![{_ID}-])",
        re.IGNORECASE,
    ),
    "USER_URL": re.compile(
        rf"(?<![{_ID}/])(?:https?://)?(?:(?:www|old|new|m|mobile|np)\.)?" + USER_PATH_HOSTS
        + r"[\w.-]+",
        re.IGNORECASE,
    ),
    "REDDIT_USER": re.compile(rf"(?<![{_ID}/])/?u/[A-Za-z0-9_-]{{3,20}}(?![{_ID}-])"),
    # Twitter allows 15 characters, Instagram and TikTok 30 (a tweet tagging an Instagram
    # account has the longer kind).
    # Instagram and TikTok handles hold dots (`@anna.k`): the whole handle goes, not a prefix
    # that leaves `.k` behind.
    "HANDLE": re.compile(rf"(?<![{_ID}@.+-])@[{_ID}]{{2,30}}(?:\.[{_ID}]+)*(?![{_ID}@])"),
    # Discord's `name#1234` (a 4-digit discriminator glued to the name): "issue #1234" and
    # "C# 4" have a space; an HTML entity `&#8217;` has no name before the `#`.
    "DISCORD_TAG": re.compile(rf"(?<![{_ID}.#&@/-])[A-Za-z][{_ID}.]{{1,31}}#\d{{4}}(?![{_ID};])"),
    "PHONE_NUMBER": re.compile(
        rf"(?<![{_ID}+])(?:"
        r"\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"  # international, with +
        r"|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}"  # North American
        r"|0\d{2,4}[\s-]\d{3,4}[\s-]?\d{3,4}"  # national trunk prefix (UK, EU)
        rf")(?![{_ID}])"
    ),
}


# Scanner kinds and the anonymiser entity that must have covered them.
LEAK_ENTITIES = {"EMAIL_ADDRESS": "EMAIL_ADDRESS", "SPELLED_EMAIL": "EMAIL_ADDRESS",
                 "USER_URL": "URL", "REDDIT_USER": "USERNAME", "HANDLE": "USERNAME",
                 "DISCORD_TAG": "USERNAME", "PHONE_NUMBER": "PHONE_NUMBER"}
_SPELLED_SEPARATOR = re.compile(_SPELLED_DOT, re.IGNORECASE)


def email_host_ok(host: str) -> bool:
    """A host an address can live on: a public suffix, or a reserved / local name."""
    host = _SPELLED_SEPARATOR.sub(".", host).lower().rstrip(".")
    return host.rsplit(".", 1)[-1] in RESERVED_TLDS or has_public_suffix(host)


# "look at this dot com bubble": a bare " at " address whose host starts with a word this
# common (wordfreq zipf; "this" 7.0, "home" 6.0, "mail" 5.3, "gmail" 3.9) is prose.
SPELLED_HOST_MAX_ZIPF = 5.8


def email_match_ok(kind: str, match: re.Match[str]) -> bool:
    """Whether a match of an email pattern is an address (its host validated)."""
    if kind not in ("EMAIL_ADDRESS", "SPELLED_EMAIL"):
        return True
    host = next(group for group in match.groups() if group)
    if kind == "SPELLED_EMAIL" and match.lastindex == 2:  # the bare " at " form
        first = _SPELLED_SEPARATOR.split(host, maxsplit=1)[0].split(".")[0].lower()
        if zipf_frequency(first, "en") >= SPELLED_HOST_MAX_ZIPF:
            return False
    return email_host_ok(host)


def email_text_ok(text: str) -> bool:
    """`email_match_ok` for a matched text alone (what a Presidio recognizer validates); an
    address only Presidio's own patterns found is judged by its host."""
    for kind in ("EMAIL_ADDRESS", "SPELLED_EMAIL"):
        match = LEAK_PATTERNS[kind].fullmatch(text)
        if match:
            return email_match_ok(kind, match)
    return "@" in text and email_host_ok(text.rsplit("@", 1)[-1])


def iter_structured(text: str) -> Iterator[tuple[str, int, int]]:
    """Every strict structured identifier in `text` as (type, start, end)."""
    for kind, pattern in LEAK_PATTERNS.items():
        for match in pattern.finditer(text):
            if email_match_ok(kind, match):
                yield kind, match.start(), match.end()


def mask(identifier: str) -> str:
    """Hide an identifier while keeping what helps a reviewer: its first character and length."""
    return f"{identifier[:1]}{'*' * max(len(identifier) - 1, 0)}"


@dataclass
class LeakReport:
    """Counts per identifier type and a few masked examples (never the identifier itself)."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    texts_scanned: int = 0
    texts_with_leaks: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: LeakReport, max_examples: int = 5) -> None:
        self.counts.update(other.counts)
        self.examples.extend(other.examples[: max(max_examples - len(self.examples), 0)])
        self.texts_scanned += other.texts_scanned
        self.texts_with_leaks += other.texts_with_leaks


@dataclass
class LeakScanner:
    """Scans texts for structured identifiers and known raw author names."""

    known: KnownNames | None = None
    max_examples: int = 5
    context_chars: int = 30

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """All leaks in one text as (type, start, end), structured first then known names."""
        found = list(iter_structured(text))
        if self.known is not None:
            found.extend(("KNOWN_AUTHOR", start, end) for start, end, _ in self.known.find(text))
        return found

    def scan(self, texts: Iterable[str | None]) -> LeakReport:
        report = LeakReport()
        for text in texts:
            if not text:
                report.texts_scanned += 1
                continue
            report.texts_scanned += 1
            leaks = self.find(text)
            if not leaks:
                continue
            report.texts_with_leaks += 1
            for kind, start, end in leaks:
                report.counts[kind] += 1
                if len(report.examples) < self.max_examples:
                    report.examples.append(self._example(text, leaks, start, end))
        return report

    def _example(self, text: str, leaks: list[tuple[str, int, int]], start: int, end: int) -> str:
        """The leak with some context, every identifier in the window masked (not only this one)."""
        lo, hi = max(start - self.context_chars, 0), min(end + self.context_chars, len(text))
        pieces, cursor = [], lo
        for kind, s, e in _disjoint(leaks):
            if e <= lo or s >= hi:
                continue
            s, e = max(s, lo), min(e, hi)
            pieces.append(text[cursor:s])
            pieces.append(f"«{kind}:{mask(text[s:e])}»")
            cursor = e
        pieces.append(text[cursor:hi])
        return " ".join(f"…{''.join(pieces)}…".split())


def _disjoint(leaks: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Overlapping leaks merged into the earliest-starting, longest one (for masking)."""
    out: list[tuple[str, int, int]] = []
    for kind, s, e in sorted(leaks, key=lambda x: (x[1], -x[2])):
        if out and s < out[-1][2]:
            k0, s0, e0 = out[-1]
            out[-1] = (k0, s0, max(e0, e))
        else:
            out.append((kind, s, e))
    return out
