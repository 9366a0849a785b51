"""Anonymising a document from its existing spaCy Doc: Presidio analysis without a second parse,
then typed placeholders numbered consistently within the document.

`PreparsedSpacyEngine` is a Presidio `SpacyNlpEngine` that never loads or runs a model itself: it
wraps the pipeline already loaded for parsing (so `is_stopword` and lemmas agree with the parse)
and turns a finished Doc into `NlpArtifacts`. `AnalyzerEngine.analyze(nlp_artifacts=...)` then
runs the recognizers and Presidio's context enhancement on those artifacts.

Placeholders are applied here rather than through Presidio's `AnonymizerEngine`: numbering in
reading order (`<PERSON_1>` is the first person mentioned) needs the spans sorted from the start,
while the anonymizer engine applies operators from the end of the text backwards.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from presidio_analyzer import AnalyzerEngine, RecognizerResult
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from assets.ingest.labels import parse_mbti
from assets.platform.engine import load_once
from assets.privacy.known_names import KnownNames
from assets.privacy.names import split_html_entity
from assets.privacy.offline import make_tldextract_offline
from assets.privacy.policy import Policy, load_policy
from assets.privacy.recognizers import build_registry


class PreparsedSpacyEngine(SpacyNlpEngine):
    """A Presidio NLP engine over an already-loaded spaCy pipeline and already-parsed Docs."""

    def __init__(self, nlp: Language, language: str, label_map: dict[str, str]) -> None:
        config = NerModelConfiguration(
            model_to_presidio_entity_mapping=dict(label_map),
            labels_to_ignore=[],
        )
        super().__init__(models=[{"lang_code": language, "model_name": nlp.meta.get("name", "")}],
                         ner_model_configuration=config)
        self.nlp = {language: nlp}
        self.language = language
        self._keep = set(label_map)

    def load(self) -> None:
        """Nothing to load: the pipeline was handed in."""

    def artifacts(self, doc: Doc) -> NlpArtifacts:
        """NlpArtifacts for a parsed Doc, with only the NER labels the policy maps."""
        lemmas = [token.lemma_ for token in doc]
        entities = [t for ent in doc.ents if ent.label_ in self._keep
                    for t in [trim_entity(ent)] if t is not None]
        scores = [self.ner_model_configuration.default_score] * len(entities)
        entities, scores = self._get_updated_entities(entities, scores)
        return NlpArtifacts(entities=entities, tokens=doc, tokens_indices=[t.idx for t in doc],
                            lemmas=lemmas, nlp_engine=self, language=self.language, scores=scores)


_RETWEET = frozenset({"rt", "via", "cc", "mt"})


def trim_entity(ent: Span) -> Span | None:
    """The entity without the edges the small model glues onto names in tweets: the retweet
    marker ("RT @jack" tagged PERSON), handles and hashtags (their own recognizers type them),
    emoticons (":P") and the names of split HTML entities (`quot` of `&quot;`). None when
    nothing with a letter is left."""
    start, end = ent.start, ent.end
    doc = ent.doc

    def junk(token: Token) -> bool:
        return (token.lower_ in _RETWEET or token.text[:1] in "@#"
                or split_html_entity(doc, token.i)
                or not any(c.isalpha() for c in token.text) or token.text.startswith(":"))

    while start < end and junk(doc[start]):
        start += 1
    while end > start and junk(doc[end - 1]):
        end -= 1
    if start == end:
        return None
    if (start, end) == (ent.start, ent.end):
        return ent
    return Span(doc, start, end, label=ent.label_)


# placeholder label -> mention key -> number; shared by the texts of one dialogue scene
Numbering = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Finding:
    """One PII span kept after thresholds and overlap resolution."""

    entity: str
    start: int
    end: int
    score: float


@dataclass
class Anonymised:
    """A document's anonymised text and how many spans of each type were replaced."""

    text: str
    counts: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    numbers: Numbering = field(default_factory=dict)

    @property
    def counts_json(self) -> str:
        return json.dumps(dict(sorted(self.counts.items())), sort_keys=True)


class PiiEngine:
    """Analysis and anonymisation of parsed Docs under one policy. Build once, reuse."""

    def __init__(self, nlp: Language, policy: Policy | None = None,
                 known: KnownNames | None = None) -> None:
        make_tldextract_offline()
        self.policy = policy or load_policy()
        labels = self.policy.settings("spacy_ner").get("labels", {"PERSON": "PERSON"})
        self.nlp_engine = PreparsedSpacyEngine(nlp, self.policy.language, labels)
        self.analyzer = AnalyzerEngine(
            registry=build_registry(self.policy, known),
            nlp_engine=self.nlp_engine,
            supported_languages=[self.policy.language],
        )
        self.known = known

    def analyze(self, doc: Doc) -> list[Finding]:
        """Policy-filtered, non-overlapping findings in reading order."""
        if not doc.text.strip():
            return []
        results = self.analyzer.analyze(
            text=doc.text,
            language=self.policy.language,
            entities=self.policy.entity_names,
            nlp_artifacts=self.nlp_engine.artifacts(doc),
        )
        return resolve_overlaps(
            f for f in self._above_threshold(results) if not _personality_type(doc.text, f)
        )

    def _above_threshold(self, results: Iterable[RecognizerResult]) -> Iterator[Finding]:
        for r in results:
            rule = self.policy.entities.get(r.entity_type)
            if rule is not None and r.score >= rule.threshold and r.end > r.start:
                yield Finding(r.entity_type, r.start, r.end, r.score)

    def anonymise(self, doc: Doc, numbers: Numbering | None = None) -> Anonymised:
        """The Doc's text with every finding replaced by its placeholder; pass the `numbers`
        of an earlier text of the same scene to keep its placeholders."""
        return replace_findings(doc.text, self.analyze(doc), self.policy, numbers)

    def anonymise_many(self, docs: Iterable[Doc]) -> Iterator[Anonymised]:
        for doc in docs:
            yield self.anonymise(doc)


def pii_engine(nlp: Language, policy: Policy, known: KnownNames) -> PiiEngine:
    """The PII engine for this pipeline, policy and name list, built once per process (its name
    regex takes seconds): a driver or worker builds it again only when more names are known."""
    # repr of the policy dataclass: equal policies share the engine, also when each task
    # loaded its own copy of the policy file.
    key = (id(nlp), repr(policy), known.names)
    return load_once("presidio", lambda: PiiEngine(nlp, policy, known), key=key)


def _personality_type(text: str, finding: Finding) -> bool:
    """A name-like finding that is a Myers-Briggs type ("my ENFP friend", "INTJ-A", "INFJs").

    The small model tags bare types as people or organisations; in a personality warehouse the
    type is what the text is about, and it names no one, so it is never redacted."""
    if finding.entity not in ("PERSON", "LOCATION"):
        return False
    surface = text[finding.start:finding.end].strip()
    if surface[-1:] in ("s", "S") and len(surface) == 5:
        surface = surface[:-1]
    return parse_mbti(surface) is not None


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Merge overlapping findings into one span covering all of them (so no fragment of a name
    survives), typed by the most confident finding (ties: the longer one)."""
    merged: list[list[Finding]] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and f.start < max(g.end for g in merged[-1]):
            merged[-1].append(f)
        else:
            merged.append([f])
    out = []
    for group in merged:
        best = max(group, key=lambda f: (f.score, f.end - f.start))
        out.append(Finding(best.entity, min(f.start for f in group),
                           max(f.end for f in group), best.score))
    return out


def surface_key(entity: str, surface: str) -> str:
    """What makes two mentions "the same": case- and spacing-insensitive, and `u/x`, `/u/x` and
    `@x` all name user x."""
    key = " ".join(surface.lower().split())
    if entity == "USERNAME":
        key = key.removeprefix("/").removeprefix("u/").removeprefix("@")
    return key


def replace_findings(text: str, findings: list[Finding], policy: Policy,
                     numbers: Numbering | None = None) -> Anonymised:
    """Replace findings (sorted, disjoint) with placeholders numbered per type in reading order.

    A later single-word mention of an earlier multi-word person ("Clinton" after "Hillary
    Clinton") reuses that person's number. `numbers` (updated in place) carries the numbering
    over from earlier texts of the same document: a scene's utterances share one."""
    numbers = {} if numbers is None else numbers
    parts: list[str] = []
    counts: Counter[str] = Counter()
    cursor = 0
    for f in findings:
        rule = policy.entities[f.entity]
        label_numbers = numbers.setdefault(rule.label, {})
        key = surface_key(f.entity, text[f.start : f.end])
        number = label_numbers.get(key)
        if number is None and f.entity == "PERSON" and " " not in key:
            number = next((n for k, n in label_numbers.items() if key in k.split()), None)
        if number is None:
            number = len(set(label_numbers.values())) + 1
        label_numbers[key] = number
        parts.append(text[cursor : f.start])
        parts.append(rule.placeholder(number))
        cursor = f.end
        counts[f.entity] += 1
    parts.append(text[cursor:])
    return Anonymised("".join(parts), counts, findings, numbers)


def findings_within(findings: list[Finding], start: int, end: int) -> list[Finding]:
    """The findings inside `[start, end)` of a text, shifted to offsets of that slice."""
    return [Finding(f.entity, f.start - start, f.end - start, f.score)
            for f in findings if f.start >= start and f.end <= end]
