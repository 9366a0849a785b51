"""A linear person-token classifier over the shared Doc, added after the hand-written rules.

The rules were tuned on tweets until they saturated; a logistic regression over the same
signals (casing, position, tags, the parser's entities, the gazetteers, word frequency, the
neighbours) weighs them jointly instead of by hand-set thresholds. It scores only the tokens
the rules and the NER model left (alphabetic, not stop words), so its cost is a few dictionary
lookups per candidate.

Weights: `person_model.json` beside this module, written by `bench/train_person_model.py` from
the WNUT-17 *train* split only (Derczynski, Nichols, van Erp, Limsopatham 2017, "Results of
the WNUT2017 Shared Task on Novel and Emerging Entity Recognition", CC BY 4.0); the JSON is
a derived work under the same licence. Word identities enter only for words frequent in
general English (wordfreq zipf >= 5 for the token, 4.5 for its neighbours), so no train
name is memorised as such.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Doc, Token

from assets.privacy.names import gazetteers, zipf

MODEL_PATH = Path(__file__).with_name("person_model.json")
FEATURES_VERSION = 2
SELF_WORD_MIN_ZIPF = 5.0
NEIGHBOUR_WORD_MIN_ZIPF = 4.5
_BREAKS = frozenset({".", "!", "?", ":", ";", '"', "“", "”", "(", ")", "-", "…", "|"})


_ELONGATED = re.compile(r"([a-z])\1\1")  # "Shhhhh", "Foooootball": emphasis, never a name
_HTML_ENTITIES = frozenset({"quot", "amp", "gt", "lt", "apos", "nbsp"})
# WNUT labels deities as persons; the policy leaves them (they identify no one), so the model
# neither learns from them nor scores them
DEITIES = frozenset({"god", "allah", "lord", "jesus", "christ", "buddha", "jehovah", "yahweh"})


def is_candidate(doc: Doc, i: int) -> bool:
    """Tokens worth scoring: words (not punctuation, numbers, handles or stop words), minus
    what the rules rule out for good (elongated words, the names of split HTML entities)."""
    token = doc[i]
    if not token.is_alpha or len(token) < 2 or token.is_stop:
        return False
    low = token.lower_
    if low in DEITIES or _ELONGATED.search(low):
        return False
    return not (low in _HTML_ENTITIES and i > 0 and doc[i - 1].text == "&")


def _shape(token: Token) -> str:
    if token.is_title:
        return "Xx"
    if token.is_lower:
        return "x"
    if token.is_upper:
        return "X"
    return "mix"


def _zipf_bucket(value: float) -> int:
    return min(int(value * 2) // 1, 14)  # half-zipf steps, 0..14


def _initial(doc: Doc, i: int) -> bool:
    if i == 0 or doc[i].is_sent_start:
        return True
    prev = doc[i - 1]
    return prev.is_space or prev.text in _BREAKS or "\n" in prev.whitespace_


def _neighbour(doc: Doc, k: int, tag: str, found: frozenset[int] | set[int],
               out: list[str]) -> None:
    if not 0 <= k < len(doc):
        out.append(f"{tag}=none")
        return
    t = doc[k]
    low = t.lower_
    first_names, last_names = gazetteers()
    if t.is_alpha:
        z = zipf(low)
        out.append(f"{tag}shape={_shape(t)}")
        out.append(f"{tag}z={_zipf_bucket(z)}")
        if z >= NEIGHBOUR_WORD_MIN_ZIPF or t.is_stop:
            out.append(f"{tag}w={low}")
        if low in first_names:
            out.append(f"{tag}first")
        if low in last_names:
            out.append(f"{tag}last")
    elif t.text[:1] == "@" and len(t) > 1:
        out.append(f"{tag}handle")
    elif t.text[:1] == "#" and len(t) > 1:
        out.append(f"{tag}hashtag")
    elif t.is_punct:
        out.append(f"{tag}p={t.text[:2]}")
    elif t.like_num:
        out.append(f"{tag}num")
    else:
        out.append(f"{tag}other")
    out.append(f"{tag}pos={t.pos_}")
    out.append(f"{tag}ent={t.ent_type_ or 'O'}")
    if k in found:
        out.append(f"{tag}found")


def features(doc: Doc, i: int, found: frozenset[int] | set[int]) -> list[str]:
    """Sparse binary features of candidate token i; `found` holds the indices of tokens the
    rules or the NER model already call a person."""
    t = doc[i]
    low = t.lower_
    first_names, last_names = gazetteers()
    z = zipf(low)
    shape = _shape(t)
    zb = _zipf_bucket(z)
    initial = _initial(doc, i)
    first = low in first_names
    last = low in last_names
    out = [
        "bias",
        f"shape={shape}",
        f"z={zb}",
        f"shape_z={shape}_{zb}",
        f"len={min(len(t), 9)}",
        f"pos={t.pos_}",
        f"tag={t.tag_}",
        f"dep={t.dep_}",
        f"ent={t.ent_type_ or 'O'}_{t.ent_iob_}",
        f"shape_pos={shape}_{t.pos_}",
        f"initial_shape={initial}_{shape}",
    ]
    if z >= SELF_WORD_MIN_ZIPF:
        out.append(f"w={low}")
    if first:
        out.append(f"first_shape={shape}")
        out.append(f"first_z={zb}")
    if last:
        out.append(f"last_shape={shape}")
        out.append(f"last_z={zb}")
    if first and last:
        out.append("first_and_last")
    if i > 0 and doc[i - 1].text == "#" and not doc[i - 1].whitespace_:
        out.append("hashtag_word")
    _neighbour(doc, i - 1, "prev:", found, out)
    _neighbour(doc, i + 1, "next:", found, out)
    _neighbour(doc, i - 2, "prev2:", found, out)
    return out


@dataclass(frozen=True)
class PersonModel:
    """Weights of the logistic regression, scored as a sum over present features."""

    weights: dict[str, float]

    def probability(self, feats: Iterable[str]) -> float:
        w = self.weights
        score = sum(w.get(f, 0.0) for f in feats)
        return 1.0 / (1.0 + math.exp(-score))

    def person_tokens(self, doc: Doc, found: set[int], threshold: float,
                      skip: Iterable[int] = ()) -> list[int]:
        """Candidate tokens outside `found` (and `skip`: tokens another recognizer already
        removes) whose probability reaches the threshold."""
        frozen = frozenset(found)
        skipped = frozen.union(skip)
        return [i for i in range(len(doc)) if i not in skipped and is_candidate(doc, i)
                and self.probability(features(doc, i, frozen)) >= threshold]


def load_model(path: Path | str = MODEL_PATH) -> PersonModel:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if raw.get("features_version") != FEATURES_VERSION:
        raise ValueError(f"{path}: features_version {raw.get('features_version')} but the code "
                         f"extracts version {FEATURES_VERSION}: rerun bench/train_person_model.py")
    return PersonModel(dict(raw["weights"]))


@lru_cache(maxsize=4)
def cached_model(path: str = str(MODEL_PATH)) -> PersonModel:
    return load_model(path)
