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
LEAK_PATTERNS: dict[str, re.Pattern[str]] = {
    "EMAIL_ADDRESS": re.compile(
        r"(?<![\w.+-])[\w.+-]+@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,})"
        rf"(?![{_ID}-])"
    ),
    "USER_URL": re.compile(
        rf"(?<![{_ID}/])(?:https?://)?(?:(?:www|old|new|m|mobile|np)\.)?" + USER_PATH_HOSTS
        + r"[\w.-]+",
        re.IGNORECASE,
    ),
    "REDDIT_USER": re.compile(rf"(?<![{_ID}/])/?u/[A-Za-z0-9_-]{{3,20}}(?![{_ID}-])"),
    # Twitter allows 15 characters, Instagram and TikTok 30 (a tweet tagging an Instagram
    # account has the longer kind).
    "HANDLE": re.compile(rf"(?<![{_ID}@.+-])@[{_ID}]{{2,30}}(?![{_ID}@])"),
    "PHONE_NUMBER": re.compile(
        rf"(?<![{_ID}+])(?:"
        r"\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"  # international, with +
        r"|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}"  # North American
        r"|0\d{2,4}[\s-]\d{3,4}[\s-]?\d{3,4}"  # national trunk prefix (UK, EU)
        rf")(?![{_ID}])"
    ),
}


def iter_structured(text: str) -> Iterator[tuple[str, int, int]]:
    """Every strict structured identifier in `text` as (type, start, end)."""
    for kind, pattern in LEAK_PATTERNS.items():
        for match in pattern.finditer(text):
            if kind == "EMAIL_ADDRESS" and not has_public_suffix(match.group(1)):
                continue
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
