"""A linear person-token classifier over the shared Doc, added after the hand-written rules.

The rules were tuned on tweets until they saturated; a logistic regression over the same
signals (casing, position, tags, the parser's entities, the gazetteers, word frequency, the
neighbours) weighs them jointly instead of by hand-set thresholds. It scores only the tokens
the rules and the NER model left (alphabetic, not stop words), so its cost is a few dictionary
lookups per candidate.

Weights: `person_model.json` beside this module, written by `bench/train_person_model.py` from
WNUT-17 train and the dev sentences outside the held-out set `bench/data/wnut17_heldout.json`
(Derczynski, Nichols, van Erp, Limsopatham 2017, "Results of
the WNUT2017 Shared Task on Novel and Emerging Entity Recognition", CC BY 4.0); the JSON is
a derived work under the same licence. Word identities enter only for words frequent in
general English (wordfreq zipf >= 5 for the token, 4.5 for its neighbours), so no train
name is memorised as such; a rare word contributes only its last three and first two letters.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Doc, Token

from assets.privacy.names import ELONGATED, gazetteers, split_html_entity, zipf

MODEL_PATH = Path(__file__).with_name("person_model.json")
FEATURES_VERSION = 3
SELF_WORD_MIN_ZIPF = 5.0
# Below this zipf a word is rare enough that its spelling, not its identity, is the evidence:
# its last three letters and first two enter as features ("-ika", "-son", "Mc-"), so unseen
# names share weight with seen ones (features seen fewer than 3 times in training are dropped)
AFFIX_MAX_ZIPF = 3.5
NEIGHBOUR_WORD_MIN_ZIPF = 4.5
_BREAKS = frozenset({".", "!", "?", ":", ";", '"', "“", "”", "(", ")", "-", "…", "|"})


# WNUT labels deities as persons; the policy leaves them (they identify no one), so the model
# neither learns from them nor scores them
DEITIES = frozenset({"god", "allah", "lord", "jesus", "christ", "buddha", "jehovah", "yahweh"})
# Myers-Briggs types ("INFJs overthink"): the personality corpora's own vocabulary, never a name
_MBTI = re.compile(r"^[ei][ns][tf][jp]s?$")


def is_candidate(doc: Doc | Sequence[Token], i: int) -> bool:
    """Tokens worth scoring: words (not punctuation, numbers, handles or stop words), minus
    what the rules rule out for good (elongated words, the names of split HTML entities)."""
    token = doc[i]
    if not token.is_alpha or len(token) < 2 or token.is_stop:
        return False
    low = token.lower_
    if low in DEITIES or _MBTI.match(low):
        return False
    if ELONGATED.search(low) and _shape(token) != "mix":  # "Shhhhh", not "iDubbbz"
        return False
    return not split_html_entity(doc, i)


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


def _initial(doc: Doc | Sequence[Token], i: int) -> bool:
    if i == 0 or doc[i].is_sent_start:
        return True
    prev = doc[i - 1]
    return prev.is_space or prev.text in _BREAKS or "\n" in prev.whitespace_


_NEIGHBOURS = ((-1, "prev:"), (1, "next:"), (-2, "prev2:"), (2, "next2:"))


def _neighbour_features(t: Token | None, tag: str, found: bool) -> list[str]:
    """Features of a neighbour: read only from its text, `pos_`, `ent_type_` and `found`
    (the cache key of `PersonModel`)."""
    if t is None:
        return [f"{tag}=none"]
    out = []
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
    if found:
        out.append(f"{tag}found")
    return out


def _self_features(t: Token, initial: bool, hashtag: bool) -> list[str]:
    """Features of the candidate itself: read only from its text, `pos_`, `tag_`, `dep_`,
    `ent_type_`, `ent_iob_` and the two flags (the cache key of `PersonModel`)."""
    low = t.lower_
    first_names, last_names = gazetteers()
    z = zipf(low)
    shape = _shape(t)
    zb = _zipf_bucket(z)
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
    elif z < AFFIX_MAX_ZIPF and len(low) >= 4:
        out.append(f"suf3={low[-3:]}")
        out.append(f"pre2={low[:2]}")
    if first:
        out.append(f"first_shape={shape}")
        out.append(f"first_z={zb}")
    if last:
        out.append(f"last_shape={shape}")
        out.append(f"last_z={zb}")
    if first and last:
        out.append("first_and_last")
    if hashtag:
        out.append("hashtag_word")
    return out


def _hashtag_word(doc: Doc | Sequence[Token], i: int) -> bool:
    return i > 0 and doc[i - 1].text == "#" and not doc[i - 1].whitespace_


def features(doc: Doc, i: int, found: frozenset[int] | set[int]) -> list[str]:
    """Sparse binary features of candidate token i; `found` holds the indices of tokens the
    rules or the NER model already call a person."""
    out = _self_features(doc[i], _initial(doc, i), _hashtag_word(doc, i))
    n = len(doc)
    for step, tag in _NEIGHBOURS:
        k = i + step
        inside = 0 <= k < n
        out += _neighbour_features(doc[k] if inside else None, tag, inside and k in found)
    return out


class PersonModel:
    """Weights of the logistic regression, scored as a sum over present features.

    At run time the sum is assembled from cached partial sums (the candidate's own features,
    and each neighbour's) keyed on exactly the attributes those features read: texts repeat
    words, so most candidates cost a few dictionary lookups instead of forty f-strings."""

    def __init__(self, weights: dict[str, float]) -> None:
        self.weights = weights
        self._self: dict[tuple, float] = {}
        self._neighbour: dict[tuple, float] = {}

    def clear_caches(self) -> None:
        self._self.clear()
        self._neighbour.clear()

    def probability(self, feats: Iterable[str]) -> float:
        return _sigmoid(self._sum(feats))

    def _sum(self, feats: Iterable[str]) -> float:
        w = self.weights
        return sum(w.get(f, 0.0) for f in feats)

    def fast_probability(self, doc: Doc | Sequence[Token], i: int,
                         found: frozenset[int]) -> float:
        """`probability(features(doc, i, found))`, from the caches (`doc` may be the Doc's
        tokens as a list)."""
        t = doc[i]
        initial, hashtag = _initial(doc, i), _hashtag_word(doc, i)
        key = (t.text, t.pos, t.tag, t.dep, t.ent_type, t.ent_iob, initial, hashtag)
        score = self._self.get(key)
        if score is None:
            if len(self._self) > 200_000:
                self._self.clear()
            score = self._self[key] = self._sum(_self_features(t, initial, hashtag))
        n = len(doc)
        for step, tag in _NEIGHBOURS:
            k = i + step
            if 0 <= k < n:
                nb = doc[k]
                nkey = (tag, nb.text, nb.pos, nb.ent_type, k in found)
            else:
                nb, nkey = None, (tag, None)
            part = self._neighbour.get(nkey)
            if part is None:
                if len(self._neighbour) > 200_000:
                    self._neighbour.clear()
                part = self._neighbour[nkey] = self._sum(
                    _neighbour_features(nb, tag, k in found if nb is not None else False))
            score += part
        return _sigmoid(score)

    def person_tokens(self, doc: Doc, found: set[int], threshold: float,
                      skip: Iterable[int] = (), lowercase_threshold: float | None = None
                      ) -> list[int]:
        """Candidate tokens outside `found` (and `skip`: tokens another recognizer already
        removes) whose probability reaches the threshold; all-lowercase words must reach
        `lowercase_threshold` instead when it is given (a lowercase ordinary word in a list,
        `chips , salsa and guacamole`, looks like the lowercase names of social text, so
        those errors cost more and the bar is set apart)."""
        frozen = frozenset(found)
        skipped = frozen.union(skip)
        lower = threshold if lowercase_threshold is None else lowercase_threshold
        tokens = list(doc)  # one Token object per position, not one per look-up
        return [i for i in range(len(tokens)) if i not in skipped and is_candidate(tokens, i)
                and self.fast_probability(tokens, i, frozen)
                >= (lower if tokens[i].is_lower else threshold)]


def _sigmoid(score: float) -> float:
    if score < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-score))


def load_model(path: Path | str = MODEL_PATH) -> PersonModel:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if raw.get("features_version") != FEATURES_VERSION:
        raise ValueError(f"{path}: features_version {raw.get('features_version')} but the code "
                         f"extracts version {FEATURES_VERSION}: rerun bench/train_person_model.py")
    return PersonModel(dict(raw["weights"]))


@lru_cache(maxsize=4)
def cached_model(path: str = str(MODEL_PATH)) -> PersonModel:
    return load_model(path)
