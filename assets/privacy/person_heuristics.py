"""Person names the small NER model misses: rules over the shared Doc's tokens.

The heuristics of `PersonHeuristicRecognizer` (gazetteer first names rare as words, capitalised
rare proper nouns, cue words, titles, lists of names) and, for the words they leave, the learned
model of `person_model.py`; every threshold comes from the policy's `person_heuristics` and
`person_model` entries. `personlike` tells a person's name from a username.
"""

from __future__ import annotations

from typing import Any

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.tokens import Doc, Token

from assets.privacy.names import ELONGATED, gazetteers, split_html_entity, zipf

_NAME_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof"})


def personlike(name: str) -> bool:
    """ "Rachel Green", "Mrs. Geller", "Chandler Bing, Joey Tribbiani" (a group of speakers):
    alphabetic words led by a gazetteer first name or a title, in every comma-separated part."""
    first_names, _ = gazetteers()
    for part in name.split(","):
        words = part.split()
        if not words or not all(w.rstrip(".").isalpha() for w in words):
            return False
        if words[0] not in first_names and words[0].rstrip(".") not in _NAME_TITLES:
            return False
    return True


_PLACE_ENTS = frozenset({"GPE", "LOC", "FAC"})
_SENTENCE_BREAKS = frozenset({".", "!", "?", ":", ";", '"', "“", "”", "(", ")", "-", "…", "|"})
_NOT_PERSON_ENTS = frozenset({"GPE", "LOC", "FAC", "NORP", "DATE", "TIME", "MONEY", "PERCENT",
                              "QUANTITY", "ORDINAL", "CARDINAL", "LANGUAGE", "EVENT", "LAW"})


class PersonHeuristicRecognizer(LocalRecognizer):
    """Person names the small NER model misses, from the Doc's tokens (no second parse).

    Signals: a gazetteer first name that is rare as an ordinary word (stricter at a sentence
    start, where every word is capitalised, and for lowercase tokens); a capitalised proper noun
    mid-sentence that is rare as a word and outside any other named entity; a capitalised token
    after a cue ("Mr", "my friend", "thanks"). A found name extends over following capitalised
    tokens ("Marty Short"), and a rare word listed beside a found name is one too ("with
    mariaelena , sarah and brittany")."""

    def __init__(self, settings: dict[str, Any], model: dict[str, Any] | None = None) -> None:
        self.s = settings
        self.model_settings = model or {}
        self.model = None
        if self.model_settings.get("enabled"):
            from assets.privacy.person_model import MODEL_PATH, cached_model

            self.model = cached_model(str(self.model_settings.get("path") or MODEL_PATH))
        self.cues = [tuple(c.lower().split()) for c in settings.get("cues", [])]
        self.titles = frozenset(t.lower() for t in settings.get("titles", []))
        self.not_initials = frozenset(w.lower() for w in settings.get("not_initials", []))
        self.lower_cues = [tuple(c.lower().split()) for c in settings.get("lower_cues", [])]
        self.lower_titles = frozenset(w.lower() for w in settings.get("lower_titles", []))
        self.suffixes = frozenset(w.lower() for w in settings.get("suffixes", []))
        self.particles = frozenset(w.lower() for w in settings.get("particles", []))
        super().__init__(supported_entities=["PERSON"], name="PersonHeuristicRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if "PERSON" not in entities or nlp_artifacts is None:
            return []
        doc = nlp_artifacts.tokens
        if not isinstance(doc, Doc):
            return []
        results, taken = self.rule_results(doc)
        if self.model is not None:
            threshold = float(self.model_settings.get("threshold", 0.5))
            lower = self.model_settings.get("threshold_lowercase")  # None: same as threshold
            score = float(self.model_settings.get("score", self.s["propn_score"]))
            # words of the places the NER model found are removed already
            places = [k for e in doc.ents if e.label_ in _PLACE_ENTS for k in range(e.start, e.end)]
            for start, end in _runs(self.model.person_tokens(
                    doc, taken, threshold, places, None if lower is None else float(lower))):
                results.append(RecognizerResult("PERSON", doc[start].idx,
                                                doc[end - 1].idx + len(doc[end - 1]), score))
        return results

    def rule_results(self, doc: Doc) -> tuple[list[RecognizerResult], set[int]]:
        """The hand-written rules' findings, and every token they or the NER model call a
        person (the learned model scores only the others)."""
        results: list[RecognizerResult] = []
        found: list[tuple[int, int]] = []
        i, n = 0, len(doc)
        while i < n:
            score = self._start_score(doc, i)
            skip = 0
            if score is None and _attribution(doc[i]):
                # "-Larry Bird", "~Wayne Dyer": a quote's attribution (the mark is not the name)
                score, skip = float(self.s["cue_score"]), 1
            if score is None:
                i += 1
                continue
            start, end = (i if skip else self._extend_left(doc, i)), self._extend(doc, i)
            results.append(RecognizerResult("PERSON", doc[start].idx + skip,
                                            doc[end - 1].idx + len(doc[end - 1].text), score))
            found.append((start, end))
            i = end
        seeds = found + [(e.start, e.end) for e in doc.ents if e.label_ == "PERSON"]
        score = float(self.s.get("listed_score", self.s["propn_score"]))
        taken = {k for s, e in seeds for k in range(s, e)}
        for k in self._listed_with(doc, seeds):
            results.append(RecognizerResult("PERSON", doc[k].idx, doc[k].idx + len(doc[k]),
                                            score))
            taken.add(k)
        return results, taken

    def _listed_with(self, doc: Doc, seeds: list[tuple[int, int]]) -> list[int]:
        """Single rare words listed beside a name ("mariaelena , sarah , and brittany"): people
        named together are written together, and a list spreads from each word it gains."""
        limit = self.s.get("listed_max_zipf")
        if limit is None:
            return []
        taken = {k for s, e in seeds for k in range(s, e)}
        queue, added = list(seeds), []
        while queue:
            s, e = queue.pop()
            for k in (_list_neighbour(doc, s, -1), _list_neighbour(doc, e - 1, 1)):
                if k is None or k in taken:
                    continue
                token = doc[k]
                if (token.is_alpha and len(token) > 1 and not token.is_stop
                        and not split_html_entity(doc, k)
                        and token.ent_type_ not in _NOT_PERSON_ENTS
                        and zipf(token.lower_) < limit):
                    taken.add(k)
                    added.append(k)
                    queue.append((k, k + 1))
        return added

    def _extend_left(self, doc: Doc, i: int) -> int:
        """Start of the name: a title ("Pope", "Coach", "Mr") or capitalised proper noun just
        before the first recognised token belongs to it ("Scooter Braun")."""
        titles = self.titles
        first_names, _ = gazetteers()
        start = i
        while start > 0 and i - start < 2:
            prev = doc[start - 1]
            word = prev.lower_.rstrip(".")
            if (prev.text == "." and start > 1 and doc[start - 2].lower_ in titles
                    and (doc[start - 2].is_title or doc[start - 2].is_upper)):
                start -= 2  # "Mr . Van": the tokenizer split the title's full stop off
                continue
            if word in titles and (prev.is_title or prev.is_upper or word in self.lower_titles):
                start -= 1  # "Pope Francis", "dj finese" (stage titles are written lowercase)
                continue
            if (prev.text == "-" and start > 1 and not prev.whitespace_
                    and not doc[start - 2].whitespace_
                    and (doc[start - 2].lower_ in self.particles or doc[start - 2].is_title)):
                start -= 2  # "al-Mallohi", "Mackail-Smith"
                continue
            if (prev.is_alpha and prev.is_title and prev.pos_ == "PROPN" and not prev.is_stop
                    and prev.ent_type_ not in _NOT_PERSON_ENTS and zipf(prev.lower_) < 4.5):
                start -= 1
                continue
            if (prev.is_alpha and prev.is_title and prev.pos_ == "PROPN" and not prev.is_stop
                    and prev.lower_ in first_names and doc[i].is_title):
                start -= 1  # "August Alsina": a first name the model took for a month
                continue
            break
        return start

    def _start_score(self, doc: Doc, i: int) -> float | None:
        token = doc[i]
        if not token.is_alpha or len(token.text) < 2 or token.is_stop and token.is_lower:
            return None
        if split_html_entity(doc, i) or _dated_month(doc, i) or ELONGATED.search(token.lower_):
            return None
        s = self.s
        low = token.lower_
        first_names, last_names = gazetteers()
        if token.ent_type_ in _NOT_PERSON_ENTS and not (token.ent_type_ == "NORP" and (
                (token.is_title and (low in first_names or low in last_names)
                 and zipf(low) < s["norp_name_max_zipf"])
                or (token.is_lower and self._after_cue(doc, i, self.lower_cues)))):
            # the parser's own call (a place, a date) wins over a name list; but the small
            # model calls rare surnames nationalities ("Stefani", "Lohan"), and unknown
            # lowercase words after "dj" or "hey" too ("dj finese"): those are still names
            return None
        capital = token.is_title or (token.is_upper and len(token.text) >= 3)
        if capital and self._after_cue(doc, i):
            return float(s["cue_score"])
        frequency = zipf(low)
        if (not capital and not token.is_stop and frequency < s["lower_after_cue_max_zipf"]
                and self._after_cue(doc, i, self.lower_cues)):
            return float(s["cue_score"])  # "hey snoop", "dj finese"
        initial = _sentence_initial(doc, i)
        if (token.is_upper and low in first_names and frequency < s["first_title_max_zipf"]
                and i + 1 < len(doc) and doc[i + 1].is_upper and doc[i + 1].is_alpha
                and (doc[i + 1].lower_ in last_names or doc[i + 1].lower_ in first_names)):
            return float(s["first_initial_score"])  # "SCOTT WEILAND" in a shouted headline
        if low in first_names:
            if capital and not initial and frequency < s["first_title_max_zipf"]:
                return float(s["first_title_score"])
            if capital and initial and frequency < s["first_initial_max_zipf"]:
                return float(s["first_initial_score"])
            if (capital and initial and token.pos_ == "PROPN"
                    and frequency < s["first_initial_propn_max_zipf"]):
                return float(s["first_initial_score"])
            if token.is_lower and frequency < s["first_lower_max_zipf"]:
                return float(s["first_lower_score"])
            if (token.is_lower and token.pos_ == "PROPN"
                    and frequency < s["first_lower_propn_max_zipf"]):
                return float(s["first_lower_score"])
            if (token.is_lower and frequency < s["first_lower_pair_max_zipf"]
                    and self._lower_surname_follows(doc, i, s["last_lower_pair_max_zipf"])):
                return float(s["first_lower_score"])  # "ray rice", "paul simon"
            return None
        if (len(low) == 2 and token.is_upper and token.pos_ == "PROPN"
                and frequency < s["initials_max_zipf"] and low not in self.not_initials):
            return float(s["propn_score"])  # "MJ", "CJ": a person's initials
        if token.is_title and low in last_names and frequency < s["surname_title_max_zipf"]:
            return float(s["propn_score"])  # "Pedersen", "Shange": whatever the tagger says
        if (token.is_lower and token.pos_ == "PROPN" and not token.is_stop
                and frequency < s.get("lower_propn_max_zipf", 0.0)):
            return float(s["propn_score"])  # "eminem": the tagger's proper noun, rare as a word
        if (token.is_title or capital) and token.pos_ == "PROPN":
            limit = s["propn_initial_max_zipf"] if initial else s["propn_max_zipf"]
            if frequency < limit:
                return float(s["propn_score"])
        if (token.is_title and len(low) >= 3 and frequency < s.get("rare_title_max_zipf", 0.0)
                and token.pos_ in _NAME_LIKE_POS and not _hashtag(doc, i)):
            # "Radebe :", "Taecyeon waking": a capitalised word almost unknown as a word, which
            # the tagger took for a common noun
            return float(s["propn_score"])
        return None

    def _lower_surname_follows(self, doc: Doc, i: int, max_zipf: float) -> bool:
        _, last_names = gazetteers()
        if i + 1 >= len(doc):
            return False
        nxt = doc[i + 1]
        return (nxt.is_lower and nxt.is_alpha and not nxt.is_stop and nxt.lower_ in last_names
                and nxt.pos_ not in _NOT_NAME_POS and zipf(nxt.lower_) < max_zipf)

    def _after_cue(self, doc: Doc, i: int,
                   cues: list[tuple[str, ...]] | None = None) -> bool:
        """Whether token i follows a cue; a full stop after an abbreviated title is skipped
        ("Mr . Van")."""
        words = [t.lower_.rstrip(".") for t in doc[max(i - 4, 0) : i] if t.text != "."]
        for cue in self.cues if cues is None else cues:
            k = len(cue)
            if len(words) >= k and tuple(words[-k:]) == cue:
                return True
        return False

    def _extend(self, doc: Doc, i: int) -> int:
        """End (exclusive) of the name starting at token i: following capitalised words."""
        first_names, last_names = gazetteers()
        j = i + 1
        limit = min(len(doc), i + int(self.s.get("max_name_tokens", 4)))
        if (doc[i].is_lower and doc[i].lower_ in first_names and i + 1 < len(doc)
                and self._lower_surname_follows(doc, i, self.s["surname_after_first_max_zipf"])):
            j = i + 2  # "taylor swift", "emily blunt": after a first name, a surname is a name
        while j < limit:
            token = doc[j]
            if (token.text == "-" and not token.whitespace_ and not doc[j - 1].whitespace_
                    and j + 1 < len(doc) and doc[j + 1].is_alpha and doc[j + 1].is_title):
                j += 2  # "Mackail-Smith"
                continue
            if token.lower_.rstrip(".") in self.suffixes and (token.is_title or token.is_upper):
                j += 1  # "Odell Beckham Jr", "ODELL BECKHAM JR"
                break
            if not token.is_alpha or token.ent_type_ in _NOT_PERSON_ENTS or token.is_stop:
                break
            capital = token.is_title or (token.is_upper and len(token.text) >= 3)
            # "Donald trump", "justin bieber": a lowercase surname counts only if it is rare
            # as a word and either a gazetteer surname or tagged a proper noun
            # (the census lists ordinary words as surnames too: "sings" after "bruno mars")
            rare_surname = ((token.lower_ in last_names or token.pos_ == "PROPN")
                            and token.pos_ not in _NOT_NAME_POS
                            and zipf(token.lower_) < self.s["last_lower_max_zipf"])
            if not (capital or rare_surname):
                break
            j += 1
        return j


_NAME_LIKE_POS = frozenset({"NOUN", "PROPN", "ADJ", "VERB", "X"})
_NOT_NAME_POS = frozenset({"VERB", "AUX", "ADP", "PRON", "DET", "CCONJ", "SCONJ", "PART"})
_LIST_GLUE = frozenset({",", "and", "&", "n", "or", "+"})
_MONTHS = frozenset({"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
                     "dec"})


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Consecutive token indices as (start, end) runs: "kylie minogue" is one name."""
    runs: list[tuple[int, int]] = []
    for k in indices:
        if runs and runs[-1][1] == k:
            runs[-1] = (runs[-1][0], k + 1)
        else:
            runs.append((k, k + 1))
    return runs


def _list_neighbour(doc: Doc, i: int, step: int) -> int | None:
    """The token across list glue (`,`, `and`, `&`; one or two of them) from token i."""
    k, glue = i + step, 0
    while 0 <= k < len(doc) and doc[k].lower_ in _LIST_GLUE and glue < 2:
        k, glue = k + step, glue + 1
    return k if glue and 0 <= k < len(doc) else None


def _hashtag(doc: Doc, i: int) -> bool:
    """The word of a hashtag the tokenizer split (`#` + `livemusic`): a topic, not a person."""
    return i > 0 and doc[i - 1].text == "#" and not doc[i - 1].whitespace_


def _dated_month(doc: Doc, i: int) -> bool:
    """`Nov 12`, `5 Jan`: a month abbreviation beside a number is a date, not Jan the person."""
    if doc[i].lower_.rstrip(".") not in _MONTHS:
        return False
    return any(0 <= k < len(doc) and doc[k].like_num for k in (i - 1, i + 1))


def _attribution(token: Token) -> bool:
    """A quote's signature glued to its mark: `-Larry`, `~Wayne`, `*Gwen`."""
    text = token.text
    return (len(text) >= 3 and text[0] in "-~*" and text[1:].isalpha() and text[1].isupper()
            and text[2:].islower())


def _sentence_initial(doc: Doc, i: int) -> bool:
    if i == 0:
        return True
    token: Token = doc[i]
    if token.is_sent_start:
        return True
    prev = doc[i - 1]
    return prev.is_space or prev.text in _SENTENCE_BREAKS or "\n" in prev.whitespace_
