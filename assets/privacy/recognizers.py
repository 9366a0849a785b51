"""Recognizers for social-media text, on top of Presidio's.

Every recognizer reads the text and, when it needs tokens, the `NlpArtifacts` built from the
shared spaCy Doc: none of them parses. Structured identifiers reuse the strict patterns of
`leaks.py`, so what the leak check looks for is always something the anonymiser removes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from presidio_analyzer import (
    EntityRecognizer,
    LocalRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
)

from assets.privacy.known_names import KnownNames
from assets.privacy.leaks import LEAK_PATTERNS, email_text_ok
from assets.privacy.offline import has_public_suffix, make_tldextract_offline
from assets.privacy.person_heuristics import PersonHeuristicRecognizer, personlike
from assets.privacy.policy import Policy

_NO_TRAILING_PUNCT = r"[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}]"


class RedditUserRecognizer(PatternRecognizer):
    """Reddit user mentions: `u/name` and `/u/name` (3-20 letters, digits, `_`, `-`)."""

    def __init__(self, score: float = 0.9) -> None:
        super().__init__(
            supported_entity="USERNAME",
            name="RedditUserRecognizer",
            patterns=[Pattern("reddit user", LEAK_PATTERNS["REDDIT_USER"].pattern, score)],
            context=["user", "redditor"],
        )


class HandleRecognizer(PatternRecognizer):
    """Twitter/Instagram-style `@handle` (dots and all), not the `@` inside an email address,
    and Discord's `name#1234`."""

    def __init__(self, score: float = 0.85) -> None:
        super().__init__(
            supported_entity="USERNAME",
            name="HandleRecognizer",
            patterns=[Pattern("at handle", LEAK_PATTERNS["HANDLE"].pattern, score),
                      Pattern("discord tag", LEAK_PATTERNS["DISCORD_TAG"].pattern, score)],
        )


class SocialUrlRecognizer(PatternRecognizer):
    """URLs with a scheme, `www.`, or a bare domain whose suffix is a real public suffix.

    Presidio's `UrlRecognizer` tries a 1,000-alternative regex at every character; these
    patterns are anchored on a scheme, `www.` or a word start, and bare domains are validated
    against the offline public-suffix snapshot (so `e.g.` or `file.txt` are not URLs). Links to a
    user's profile (`reddit.com/u/...`, `twitter.com/name`) score highest."""

    BARE_DOMAIN = (
        r"(?<![\w@.+-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})"
        r"(?:/" + _NO_TRAILING_PUNCT + r"|/)?(?![\w@-])"
    )

    def __init__(self, score: float = 0.6, user_path_score: float = 0.95) -> None:
        patterns = [
            Pattern("user path", LEAK_PATTERNS["USER_URL"].pattern, user_path_score),
            Pattern("scheme url", r"\b(?:https?|ftp)://" + _NO_TRAILING_PUNCT, score),
            Pattern("www url", r"(?<![\w.])www\d{0,3}\." + _NO_TRAILING_PUNCT, score),
            Pattern("bare domain", self.BARE_DOMAIN, score - 0.1),
        ]
        super().__init__(
            supported_entity="URL", name="SocialUrlRecognizer", patterns=patterns,
            context=["url", "website", "link", "site"],
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        """Bare domains must end in a public suffix; scheme/www URLs are taken as they are."""
        lowered = pattern_text.lower()
        if lowered.startswith(("http://", "https://", "ftp://", "www")):
            return None
        suffix = pattern_text.split("/", 1)[0].rsplit(".", 1)[-1]
        if suffix[:1].isupper() and not suffix.isupper():
            return False  # "truth.You": a missing space after a full stop, not a domain
        host = lowered.split("/", 1)[0]
        return has_public_suffix(host)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer plus the leak scanner's patterns (spelled-out addresses
    too), validated offline: a public suffix or a reserved name (`.test`, `.local`)."""

    def __init__(self) -> None:
        make_tldextract_offline()
        patterns = [*EmailRecognizer.PATTERNS,
                    Pattern("email (leak pattern)", LEAK_PATTERNS["EMAIL_ADDRESS"].pattern, 0.6),
                    Pattern("spelled email", LEAK_PATTERNS["SPELLED_EMAIL"].pattern, 0.6)]
        super().__init__(patterns=patterns)

    def validate_result(self, pattern_text: str) -> bool:
        return email_text_ok(pattern_text)


_DIGITS_7 = re.compile(r"\d(?:\D{0,3}\d){6}")
_IP_HINT = re.compile(r"\d\.\d|[0-9a-f]:[0-9a-f:]", re.IGNORECASE)


class InternationalPhoneRecognizer(PhoneRecognizer):
    """Phone numbers via `phonenumbers` for the policy's regions plus `+`-prefixed numbers from
    any country, and the leak scanner's strict shapes. Skips texts with fewer than 7 digits:
    `phonenumbers` is the slowest recognizer and most posts hold no number."""

    def __init__(self, regions: list[str] | tuple[str, ...]) -> None:
        super().__init__(supported_regions=tuple(regions), leniency=1)
        self._strict = PatternRecognizer(
            supported_entity="PHONE_NUMBER", name="StrictPhonePatterns",
            patterns=[Pattern("strict phone", LEAK_PATTERNS["PHONE_NUMBER"].pattern, 0.7)],
        )

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if not _DIGITS_7.search(text):
            return []
        results = super().analyze(text, entities, nlp_artifacts)
        results += self._strict.analyze(text, entities, nlp_artifacts)
        return results


class GatedIpRecognizer(IpRecognizer):
    """Presidio's IPv4/IPv6 recognizer, run only when the text has `d.d` or `x:x`."""

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None, regex_flags: int | None = None
                ) -> list[RecognizerResult]:
        if not _IP_HINT.search(text):
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)


_DIGITS_12 = re.compile(r"\d(?:[ -]?\d){11}")


class GatedCreditCardRecognizer(CreditCardRecognizer):
    """Presidio's Luhn-checked card recognizer, run only when 12+ digits stand together."""

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None, regex_flags: int | None = None
                ) -> list[RecognizerResult]:
        if not _DIGITS_12.search(text):
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)


def _near(text: str, start: int, end: int, words: re.Pattern[str], before: int,
          after: int) -> bool:
    """Whether a context word stands within `before` characters before or `after` after."""
    return bool(words.search(text[max(start - before, 0) : start])
                or words.search(text[end : end + after]))


def _word_pattern(words: list[str]) -> re.Pattern[str]:
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len,
                                                                        reverse=True))
    return re.compile(rf"(?<![A-Za-z])(?:{body})(?![A-Za-z])", re.IGNORECASE)


# 12-19 digits, contiguous or in card groupings (4-4-4-4, 4-6-5, 4-4-4-4-3, ...)
_CARD_CANDIDATE = re.compile(r"(?<![\w.,+/-])\d(?:[ -]?\d){11,18}(?![\w/]|[.,-]\d)")
_CARD_GROUPED = re.compile(r"^\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?$|^\d{4}[ -]\d{6}[ -]\d{4,5}$")


class CardNumberRecognizer(LocalRecognizer):
    """Card numbers that fail Luhn or use unusual grouping (Presidio's recognizer checks Luhn).

    For anonymisation a missed card costs more than a redacted order number, so a 12-19 digit
    run is a card when a card word stands near it ("my card 4131...", "cc 5038..."), and a
    16-digit number in card grouping (4-4-4-4, 4-6-5) is one even without context."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.context_words = _word_pattern(settings.get("context", ["card"]))
        self.score = float(settings.get("score", 0.6))
        self.window = int(settings.get("context_chars", 40))
        super().__init__(supported_entities=["CREDIT_CARD"], name="CardNumberRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if "CREDIT_CARD" not in entities or not _DIGITS_12.search(text):
            return []
        results = []
        for m in _CARD_CANDIDATE.finditer(text):
            grouped = bool(_CARD_GROUPED.match(m.group(0)))
            if grouped or _near(text, m.start(), m.end(), self.context_words, self.window, 0):
                results.append(RecognizerResult("CREDIT_CARD", m.start(), m.end(), self.score))
        return results


# Digit groups joined by space, dot or dash, an optional +country or 00 prefix, a `(0)` or
# `(37)` area part, and an optional extension (`x769`, `ext. 12`).
_PHONE_CANDIDATE = re.compile(
    r"(?:(?<![\w+])\+|(?<![\w+.,/-])\b)(?:\(?\d{1,4}\)?[ .-]?){1,6}\d"
    r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?(?![\w/]|[-.,]\d)",
    re.IGNORECASE,
)
_EXTENSION = re.compile(r"\s?(?:x|ext\.?|extension)\s?\d{1,6}$", re.IGNORECASE)
_DATE_LIKE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}")


class ContextPhoneRecognizer(LocalRecognizer):
    """Phone numbers `phonenumbers` rejects: local numbers without an area code ("467 3395"),
    European groupings ("60-56-85-91", "+41 (0)96 471 07 95"), `001-` and `00` international
    prefixes, and extensions. A `+`/`00` prefix with 9+ digits is enough; otherwise a phone word
    (call, phone, mobile, fax...) must stand before it or right after it ("... 8211-Office")."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.context_words = _word_pattern(settings.get("context", ["phone"]))
        self.score = float(settings.get("context_score", 0.6))
        self.before = int(settings.get("context_before_chars", 40))
        self.after = int(settings.get("context_after_chars", 12))
        super().__init__(supported_entities=["PHONE_NUMBER"], name="ContextPhoneRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if "PHONE_NUMBER" not in entities or not _DIGITS_7.search(text):
            return []
        results = []
        for m in _PHONE_CANDIDATE.finditer(text):
            number = _EXTENSION.sub("", m.group(0))
            digits = sum(c.isdigit() for c in number)
            if not 7 <= digits <= 15 or _DATE_LIKE.search(number):
                continue
            prefixed = number.startswith(("+", "00")) and digits >= 9
            if prefixed or _near(text, m.start(), m.end(), self.context_words, self.before,
                                 self.after):
                results.append(RecognizerResult("PHONE_NUMBER", m.start(), m.end(), self.score))
        return results


class KnownIdentifierRecognizer(LocalRecognizer):
    """Every username and speaker name seen at ingestion, wherever it appears (case-insensitive).

    A name shaped like a person's ("Rachel Green": alphabetic words, first one a known first
    name) is reported as PERSON, anything else (`throwaway_123`) as USERNAME, so placeholders
    read naturally in dialogue."""

    def __init__(self, known: KnownNames, score: float = 0.95) -> None:
        self.known = known
        self.score = score
        super().__init__(supported_entities=["USERNAME", "PERSON"],
                         name="KnownIdentifierRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        results = []
        for start, end, name in self.known.find(text):
            entity = "PERSON" if personlike(name) else "USERNAME"
            if entity in entities:
                results.append(RecognizerResult(entity, start, end, self.score))
        return results


# The code behind a policy entry's `class`: settings (the entry), the policy, the known names ->
# the recognizer, or None when it has nothing to look for.
Factory = Callable[[dict[str, Any], Policy, "KnownNames | None"], "EntityRecognizer | None"]
CLASSES: dict[str, Factory] = {
    "SpacyRecognizer": lambda s, policy, known: SpacyRecognizer(
        supported_entities=list(s.get("entities", ["PERSON", "LOCATION"])),
        ner_strength=float(s.get("score", 0.85))),
    "PersonHeuristicRecognizer": lambda s, policy, known: PersonHeuristicRecognizer(
        s, policy.settings(s.get("model", "person_model"))),
    "RedditUserRecognizer": lambda s, policy, known: RedditUserRecognizer(
        float(s.get("score", 0.9))),
    "HandleRecognizer": lambda s, policy, known: HandleRecognizer(float(s.get("score", 0.85))),
    "SocialUrlRecognizer": lambda s, policy, known: SocialUrlRecognizer(
        float(s.get("score", 0.6)), float(s.get("user_path_score", 0.95))),
    "OfflineEmailRecognizer": lambda s, policy, known: OfflineEmailRecognizer(),
    "InternationalPhoneRecognizer": lambda s, policy, known: InternationalPhoneRecognizer(
        s.get("regions", ["US", "GB"])),
    "GatedIpRecognizer": lambda s, policy, known: GatedIpRecognizer(),
    "GatedCreditCardRecognizer": lambda s, policy, known: GatedCreditCardRecognizer(),
    "CardNumberRecognizer": lambda s, policy, known: CardNumberRecognizer(s),
    "ContextPhoneRecognizer": lambda s, policy, known: ContextPhoneRecognizer(s),
    "KnownIdentifierRecognizer": lambda s, policy, known: (
        KnownIdentifierRecognizer(known, float(s.get("score", 0.95)))
        if known is not None and len(known) else None),
}


def pattern_recognizer(name: str, settings: dict[str, Any]) -> PatternRecognizer:
    """A recognizer written wholly in the policy: `entity`, `patterns` (name, regex, score) and
    optional `context` words, as in Presidio's own recognizer registry YAML."""
    return PatternRecognizer(
        supported_entity=settings["entity"], name=name,
        patterns=[Pattern(p["name"], p["regex"], float(p["score"]))
                  for p in settings["patterns"]],
        context=settings.get("context"),
    )


def build_recognizers(policy: Policy, known: KnownNames | None = None) -> list[EntityRecognizer]:
    """Every recognizer the policy lists, in its order, configured from its entry. An entry with
    a `class` is built by that code (`CLASSES`); one with `patterns` is a pattern recognizer;
    one with neither holds settings another entry reads (`person_model`). Recognizers of no
    entity the policy wants are left out."""
    recognizers: list[EntityRecognizer] = []
    for name in policy.recognizers:
        settings = policy.settings(name)
        if "class" in settings:
            factory = CLASSES.get(settings["class"])
            if factory is None:
                raise ValueError(f"policy: recognizer {name}: unknown class "
                                 f"{settings['class']!r}; known: {sorted(CLASSES)}")
            recognizer = factory(settings, policy, known)
        elif "patterns" in settings:
            recognizer = pattern_recognizer(name, settings)
        else:
            continue
        if recognizer is not None:
            recognizers.append(recognizer)
    wanted = set(policy.entity_names)
    return [r for r in recognizers if wanted & set(r.supported_entities)]


def build_registry(policy: Policy, known: KnownNames | None = None) -> RecognizerRegistry:
    registry = RecognizerRegistry(supported_languages=[policy.language])
    for recognizer in build_recognizers(policy, known):
        registry.add_recognizer(recognizer)
    return registry
