"""Syntactic complexity from the dependency parse.

Lu's (2010) L2 Syntactic Complexity Analyzer measures, re-defined on dependency trees (spaCy's
ClearNLP-style labels) instead of constituency trees, plus dependency distance (Liu 2008) and
tree depth. Definitions used:

- clause: a verb (VERB, or AUX that is not itself an `aux`/`auxpass` dependent, i.e. a copula)
  with a subject dependent (`nsubj`, `nsubjpass`, `csubj`, `csubjpass`, `expl`), or the root of
  its sentence (imperatives). Non-finite verbs without a subject (`to go`) are not clauses, as
  in Lu.
- dependent clause: a clause attached as `advcl`, `ccomp`, `csubj`, `csubjpass`, `relcl`, `acl`.
- coordinate phrase: a `conj` dependent that is not itself a clause (clausal coordination makes
  separate clauses instead).
- complex nominal: a noun with an adjectival, possessive, prepositional, relative-clause,
  participial or appositive modifier; or a clausal subject; or a `ccomp` clause.
- verb phrase: every verb, and every copula.
"""

from __future__ import annotations

import numpy as np
from spacy.symbols import AUX, NOUN, PROPN, PUNCT, SPACE, VERB

from assets.contours.features._common import evaluate, ratio, sums, word_sentences
from assets.contours.tokens import DocArrays, Featurizer, Window, label_ids
from assets.contours.windows import window_sums
from schemas.feature_catalog import SYNTACTIC, family_features

FAMILY = SYNTACTIC
FEATURES = family_features(FAMILY)

AUX_DEPS = ("aux", "auxpass")
SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj", "csubjpass", "expl")
DEPENDENT_CLAUSE_DEPS = ("advcl", "ccomp", "csubj", "csubjpass", "relcl", "acl")
NOMINAL_MODIFIER_DEPS = ("amod", "poss", "prep", "relcl", "acl", "appos")
CLAUSAL_SUBJECT_DEPS = ("csubj", "csubjpass")


def _heads_having(arr: DocArrays, child_mask: np.ndarray) -> np.ndarray:
    """Tokens that have at least one child in `child_mask`."""
    out = np.zeros(arr.n_tokens, dtype=bool)
    out[arr.head[child_mask & (arr.head != np.arange(arr.n_tokens))]] = True
    return out


def tree_depth(head: np.ndarray) -> np.ndarray:
    """Depth of each token in its sentence's tree (root = 0), by pointer jumping.

    One vectorised step per level, so a 100k-word text costs a few dozen numpy passes."""
    n = head.shape[0]
    depth = np.zeros(n, dtype=np.int64)
    pointer = np.arange(n)
    for _ in range(n):
        up = head[pointer]
        moving = up != pointer
        if not moving.any():
            break
        depth += moving
        pointer = np.where(moving, up, pointer)
    return depth


def clause_masks(arr: DocArrays) -> tuple[np.ndarray, np.ndarray]:
    """(clause heads, verb-phrase heads) as boolean token masks."""
    dep = arr.dep
    is_root = arr.head == np.arange(arr.n_tokens)
    verbish = (arr.pos == VERB) | ((arr.pos == AUX) & ~np.isin(dep, label_ids(AUX_DEPS)))
    has_subject = _heads_having(arr, np.isin(dep, label_ids(SUBJECT_DEPS)))
    return verbish & (has_subject | is_root), verbish


def compute(arr: DocArrays, windows: np.ndarray) -> dict[str, np.ndarray]:
    """All syntactic features for every window of a batch of Docs."""
    dep, n = arr.dep, arr.n_tokens
    clause, verb_phrase = clause_masks(arr)
    dependent = clause & np.isin(dep, label_ids(DEPENDENT_CLAUSE_DEPS))
    coordinate = (dep == label_ids(("conj",))[0]) & ~clause
    noun = (arr.pos == NOUN) | (arr.pos == PROPN)
    modified = _heads_having(arr, np.isin(dep, label_ids(NOMINAL_MODIFIER_DEPS)))
    nominal_clause = np.isin(dep, label_ids(CLAUSAL_SUBJECT_DEPS)) | (
        clause & (dep == label_ids(("ccomp",))[0])
    )
    complex_nominal = (noun & modified) | nominal_clause
    arcs = (arr.head != np.arange(n)) & (arr.pos != PUNCT) & (arr.pos != SPACE)
    distance = np.where(arcs, np.abs(np.arange(n) - arr.head), 0)
    depth = np.where((arr.pos != PUNCT) & (arr.pos != SPACE), tree_depth(arr.head), 0)

    per_token = [arr.words, clause, dependent, coordinate, complex_nominal, verb_phrase, arcs]
    counts = sums(arr, windows, np.stack([*per_token, distance], axis=1))
    words, clauses, dcs, cps, cns, vps, n_arcs, dist = counts.T
    sentences = word_sentences(arr, windows)
    depth_sum = window_sums(arr.sentence_max(depth), windows)
    return {
        "mean_sentence_length": ratio(words, sentences),
        "clauses_per_sentence": ratio(clauses, sentences),
        "dependent_clauses_per_clause": ratio(dcs, clauses),
        "coordinate_phrases_per_clause": ratio(cps, clauses),
        "complex_nominals_per_clause": ratio(cns, clauses),
        "verb_phrases_per_sentence": ratio(vps, sentences),
        "mean_dependency_distance": ratio(dist, n_arcs),
        "parse_tree_depth": ratio(depth_sum, windows[:, 1] - windows[:, 0]),
    }


def features(window: Window, featurizer: Featurizer | None = None) -> dict[str, float]:
    """Syntactic features of one window."""
    return evaluate(compute, window, featurizer)
