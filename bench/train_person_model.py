"""Train the person-token classifier (`person_model.json`) on the tuning part of WNUT-17.

    .venv/bin/python bench/train_person_model.py [--limit N] [--out PATH] [--folds 5]

The tuning part is WNUT-17 train plus the dev sentences outside the frozen held-out set
(`bench/data/wnut17_heldout.json`, `pii_eval.wnut_sentences("tune")`); the held-out sentences
are never read here. Every candidate token (alphabetic, not a stop word, see
`person_model.is_candidate`) of every tuning sentence is an example, labelled by whether it lies
in a gold person span. C and the two thresholds (words with a capital, all-lowercase words) are
chosen by cross-validation on the tuning part: out-of-fold probabilities are added to what the
rules already find, and the strict recall / ordinary-word survival of `bench/pii_eval.py` are
computed for each setting; a setting may lower survival by at most MAX_SURVIVAL_DROP and must
leave the pinned ordinary sentences of the unit tests whole. The table is printed and the choice
stored in the JSON (the run-time thresholds live in policy.yaml). Deterministic: fixed folds
(sentence index mod k), liblinear, no shuffle; rerunning rewrites the JSON byte for byte.

WNUT-17: Derczynski et al. 2017, CC BY 4.0; the weights are derived from its train and dev splits.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assets.privacy.person_model import (  # noqa: E402
    FEATURES_VERSION,
    MODEL_PATH,
    features,
    is_candidate,
)
from bench.pii_eval import (  # noqa: E402
    ISSUE_RECALL,
    MODEL,
    Example,
    Scores,
    _bio_spans,
    wnut_example,
    wnut_sentence_text,
    wnut_sentences,
)

# Inverse L2 strengths tried; the threshold and C are chosen together by cross-validation
C_GRID = (0.3, 1.0, 3.0)
MIN_COUNT = 3  # features seen fewer times are dropped (no one-off words or tags)
THRESHOLDS = [0.03, 0.05, 0.07, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
# Out-of-fold survival on the tuning sentences may drop by at most this much below the rules
# alone (five words in a thousand: 0.948 -> 0.943 there, the set closest to the goal's 0.93
# floor since train tweets dominate it; fixed before the held-out set was scored); among the
# settings allowed, the best recall wins, then the one adding the fewest tokens
MAX_SURVIVAL_DROP = 0.005


def load_train(limit: int | None) -> list[tuple[str, list[tuple[int, int]], Example | None]]:
    """(text, person spans, pii_eval Example or None) per tuning sentence (WNUT-17 train, then
    the dev sentences outside the frozen held-out set: `pii_eval.wnut_sentences("tune")`), in
    file order; the Example (sentences with a person or location, as pii_eval scores them) is
    for the CV."""
    out = []
    for sentence in wnut_sentences("tune")[:limit]:
        text, offsets = wnut_sentence_text(sentence)
        persons = [(offsets[a][0], offsets[b - 1][1])
                   for kind, a, b in _bio_spans([tag for _, tag in sentence]) if kind == "person"]
        out.append((text, persons, wnut_example(sentence)))
    return out


def build(limit: int | None):
    import spacy

    from assets.privacy.anonymise import PiiEngine
    from assets.privacy.person_heuristics import PersonHeuristicRecognizer
    from assets.privacy.policy import load_policy

    nlp = spacy.load(MODEL)
    policy = load_policy()
    policy.recognizers["person_model"] = {"enabled": False}  # the rules alone
    rules = PersonHeuristicRecognizer(policy.settings("person_heuristics"))
    engine = PiiEngine(nlp, policy=policy)
    data = load_train(limit)
    rows = []  # (sentence, token index, features, label)
    sentences = []
    for sid, ((_text, persons, example), doc) in enumerate(
            zip(data, nlp.pipe([d[0] for d in data], batch_size=64), strict=True)):
        _, taken = rules.rule_results(doc)
        frozen = frozenset(taken)
        for i, token in enumerate(doc):
            if not is_candidate(doc, i):
                continue
            label = any(s < token.idx + len(token) and token.idx < e for s, e in persons)
            rows.append((sid, i, features(doc, i, frozen), int(label), i in frozen))
        base = ([(f.entity, f.start, f.end) for f in engine.analyze(doc)]
                if example is not None else [])
        sentences.append((doc, example, base))
    pinned = []  # features of the candidates of sentences the unit tests say must not change
    for doc in nlp.pipe(pinned_ordinary_texts()):
        _, taken = rules.rule_results(doc)
        frozen = frozenset(taken)
        pinned += [(features(doc, i, frozen), doc[i].is_lower) for i in range(len(doc))
                   if i not in frozen and is_candidate(doc, i)]
    return rows, sentences, pinned


def pinned_ordinary_texts() -> list[str]:
    """The ordinary sentences of tests/unit/privacy/test_recognizers.py (`NOT_PII`): the pipeline
    must leave them unchanged, so no threshold that would redact one of their words is chosen."""
    import ast

    source = (REPO / "tests" / "unit" / "privacy" / "test_recognizers.py").read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "NOT_PII":
            return [text for _, text in ast.literal_eval(node.value)]
    raise LookupError("NOT_PII not found in test_recognizers.py")


def pinned_probability(rows, pinned, c: float) -> tuple[float, float]:
    """Highest probability the model fitted on all rows gives a pinned ordinary word that is
    not all lowercase, and one that is (each threshold must lie above its own)."""
    vocab, clf = fit(rows, c)
    prob = clf.predict_proba(matrix([(0, 0, f) for f, _ in pinned], vocab))[:, 1]
    cased = [p for p, (_, lower) in zip(prob, pinned, strict=True) if not lower]
    lower = [p for p, (_, lower) in zip(prob, pinned, strict=True) if lower]
    return float(max(cased, default=0.0)), float(max(lower, default=0.0))


def matrix(rows, vocab: dict[str, int]) -> csr_matrix:
    indptr, indices = [0], []
    for row in rows:
        cols = sorted({vocab[f] for f in row[2] if f in vocab})
        indices.extend(cols)
        indptr.append(len(indices))
    return csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), len(vocab)))


def fit(rows, c: float):
    from sklearn.linear_model import LogisticRegression

    counts = Counter(f for r in rows for f in r[2])
    vocab = {f: k for k, f in enumerate(sorted(f for f, n in counts.items() if n >= MIN_COUNT))}
    y = np.array([r[3] for r in rows])
    clf = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=0)
    clf.fit(matrix(rows, vocab), y)
    return vocab, clf


def cross_validate(rows, sentences, folds: int, c: float
                   ) -> dict[tuple[float, float] | None, dict]:
    """Strict metrics of rules + model on the tuning sentences for each pair of thresholds
    (words with a capital, all-lowercase words), the model's probabilities always out of fold
    (its own sentence never in its training data); None is the rules alone."""
    prob = np.zeros(len(rows))
    for k in range(folds):
        train = [r for r in rows if r[0] % folds != k]
        test_idx = [n for n, r in enumerate(rows) if r[0] % folds == k]
        vocab, clf = fit(train, c)
        prob[test_idx] = clf.predict_proba(matrix([rows[n] for n in test_idx], vocab))[:, 1]
    by_sentence: dict[int, list[tuple[int, float, bool, int]]] = {}
    for r, p in zip(rows, prob, strict=True):
        by_sentence.setdefault(r[0], []).append((r[1], p, r[4], r[3]))
    first_dev = len(wnut_sentences("train"))  # tune = train, then the tuning part of dev
    pairs = [(t, low) for t in THRESHOLDS for low in THRESHOLDS if low >= t]
    table = {}
    for pair in [None, *pairs]:
        scores, dev_scores = Scores(), Scores()
        added = right = 0
        for sid, (doc, example, base) in enumerate(sentences):
            if example is None:
                continue
            picked = [(i, label) for i, p, taken, label in by_sentence.get(sid, [])
                      if pair is not None and not taken
                      and p >= (pair[1] if doc[i].is_lower else pair[0])]
            extra = [("PERSON", doc[i].idx, doc[i].idx + len(doc[i])) for i, _ in picked]
            added += len(extra)
            right += sum(label for _, label in picked)
            scores.add(example, base + extra, {"PERSON", "LOCATION"})
            if sid >= first_dev:
                dev_scores.add(example, base + extra, {"PERSON", "LOCATION"})
        rows_ = scores.rows()
        dev_rows = dev_scores.rows() if dev_scores.gold else {}
        table[pair] = {"recall": rows_["PERSON"]["recall"],
                       "precision": rows_["PERSON"]["precision"],
                       "survival": rows_["ordinary-word survival"]["recall"],
                       "issue_recall": rows_[ISSUE_RECALL]["recall"],
                       "tokens_added": added, "tokens_added_person": right,
                       # the dev sentences of the tuning part alone (comments, not tweets)
                       "dev_part_recall": dev_rows.get("PERSON", {}).get("recall"),
                       "dev_part_survival": dev_rows.get("ordinary-word survival",
                                                         {}).get("recall")}
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N train sentences")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()

    rows, sentences, pinned = build(args.limit)
    chosen: tuple[float, float, float] | None = None  # C, threshold, lowercase threshold
    cv: dict[str, dict] = {}
    if args.folds > 1:
        best = None
        for c in C_GRID:
            table = cross_validate(rows, sentences, args.folds, c)
            floor = round(table[None]["survival"] - MAX_SURVIVAL_DROP, 3)
            cased_max, lower_max = pinned_probability(rows, pinned, c)
            print(f"\nC={c}: highest probability in the pinned ordinary sentences: "
                  f"{cased_max:.3f} for a word with a capital, {lower_max:.3f} for a lowercase "
                  f"word (each threshold must lie above its own)")
            print(f"\nC={c}: threshold, lowercase threshold | OOF recall | issue metric | "
                  f"precision | survival | dev-part recall | dev-part survival | tokens added "
                  f"(of them person) | allowed")
            for pair, r in table.items():
                allowed = (pair is not None and r["survival"] >= floor and pair[0] > cased_max
                           and pair[1] > lower_max)
                if pair is None or pair[0] == pair[1] or allowed:
                    print(f"{pair} | {r['recall']} | {r['issue_recall']} | {r['precision']} | "
                          f"{r['survival']} | {r['dev_part_recall']} | "
                          f"{r['dev_part_survival']} | {r['tokens_added']} "
                          f"({r['tokens_added_person']}) | {allowed}")
                    name = "rules alone" if pair is None else f"{pair[0]}/{pair[1]}"
                    cv[f"C={c} thresholds={name}"] = r
                if allowed:
                    key = (r["recall"], -r["tokens_added"], pair[1], pair[0])
                    if best is None or key > best[0]:
                        best = (key, (c, *pair))
        chosen = best[1] if best else None
        print(f"chosen (C, threshold, lowercase threshold): {chosen} (best OOF recall with "
              f"survival >= rules alone - {MAX_SURVIVAL_DROP} and no pinned ordinary word "
              f"redacted, then fewest tokens added)")
    c = chosen[0] if chosen else C_GRID[0]
    vocab, clf = fit(rows, c)
    weights = {f: round(float(clf.coef_[0][k]), 5) for f, k in vocab.items()}
    weights["bias"] = round(weights.get("bias", 0.0) + float(clf.intercept_[0]), 5)
    weights = {f: w for f, w in sorted(weights.items()) if w != 0.0}
    payload = {
        "about": "Person-token logistic regression for assets/privacy/person_model.py. "
                 "Derived from WNUT-17 train and the dev sentences outside the held-out set "
                 "bench/data/wnut17_heldout.json (Derczynski et al. 2017, CC BY 4.0); "
                 "regenerate with bench/train_person_model.py.",
        "features_version": FEATURES_VERSION,
        "train_sentences": len(sentences),
        "train_tokens": len(rows),
        "C": c,
        "cv_threshold": chosen[1] if chosen else None,
        "cv_threshold_lowercase": chosen[2] if chosen else None,
        "cv": cv,
        "weights": weights,
    }
    args.out.write_text(json.dumps(payload, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(weights)} weights)")


if __name__ == "__main__":
    main()
