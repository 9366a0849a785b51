"""Aggregating overlapping annotations into labels, and measuring agreement.

Input: the pulled annotation rows (`annotation.pull.ANNOTATIONS_SCHEMA`) as a DataFrame. For each
project and field (a Big Five trait or an MBTI axis):

- **Majority vote** and **Dawid-Skene** (crowd-kit) per item. Majority-vote ties are broken by
  the median vote for ordinal ratings, rounded toward 0 (a -1/0/1 three-way split is 0, not
  whichever label sorts first, as crowd-kit's `idxmax` would give) and left unlabelled for
  nominal ones.
- **FriendsPersona's sum-then-median split** for -1/0/1 ratings: an item's ratings are summed and
  the items are split at the median sum into high (1) and low (0). We sum the *mean* rating, which
  is the same split when every item has three ratings and stays fair when a re-queued item has
  more. An item at the median goes low unless `ties='high'` (the published FriendsPersona counts
  fit neither rule for every trait, see the README).
- **Krippendorff's alpha** per project and field, with the ordinal distance for -1/0/1 ratings
  (the scale is ordered but its steps need not be equal) and the nominal one for MBTI poles.
- **Per-item agreement** (mean pairwise agreement, in [0, 1], ordinal-weighted for ratings):
  items below a threshold are sent back to the queue for more annotators.

"Can't tell" (`X`) on an MBTI axis is no vote: it is dropped before any of these.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import krippendorff
import numpy as np
import pandas as pd

from annotation.projects import LABEL_PROJECTS, PROJECTS
from schemas.label_scales import label_values

RATING_DOMAIN = (-1, 0, 1)
NO_VOTE = "X"


@dataclass(frozen=True)
class FieldKind:
    """How a field's values are compared: ordinal ratings or nominal categories."""

    level: Literal["ordinal", "nominal"]
    domain: tuple[Any, ...]


def field_kind(project: str, field: str) -> FieldKind | None:
    """The measurement level of a project's field (`annotation.projects`), or None for fields
    not aggregated (spans)."""
    spec = PROJECTS.get(project)
    if spec is None or not spec.aggregated or field not in spec.fields:
        return None
    if spec.level == "ordinal":
        return FieldKind("ordinal", RATING_DOMAIN)
    first, second = field.split("/")
    return FieldKind("nominal", (first, second))


def votes(annotations: pd.DataFrame, project: str, field: str) -> pd.DataFrame:
    """One field's votes as crowd-kit wants them: task, worker, label (ratings as ints)."""
    kind = field_kind(project, field)
    if kind is None:
        raise ValueError(f"{project}/{field} is not aggregated")
    rows = annotations[(annotations["project"] == project) & (annotations["field"] == field)]
    # Only the stored forms count. The pull maps every legal form to them and quarantines the
    # rest, but a snapshot stored before that (or written by hand) may hold anything, and one
    # odd value must not stop the agreement of every other vote (or the exports that report it).
    legal = {str(v) for v in kind.domain} - {NO_VOTE}
    rows = rows[rows["value"].isin(legal)]
    label = rows["value"].astype(int) if kind.level == "ordinal" else rows["value"].astype(str)
    out = pd.DataFrame({"task": rows["doc_id"].to_numpy(), "worker": rows["annotator"].to_numpy(),
                        "label": label.to_numpy()})
    # One vote per person and item: an annotator who answered twice keeps the last answer.
    return out.drop_duplicates(["task", "worker"], keep="last").reset_index(drop=True)


def majority_vote(data: pd.DataFrame, kind: FieldKind) -> pd.Series:
    """Majority label per task; ties → median vote (ordinal) or no label (nominal)."""
    if data.empty:
        return pd.Series(dtype=object)
    from crowdkit.aggregation import MajorityVote  # 3 s of CPU to import: only when voting

    probas = MajorityVote().fit(data).probas_
    winners = probas.eq(probas.max(axis=1), axis=0)
    labels = {}
    for task, row in winners.iterrows():
        best = [label for label, top in row.items() if top]
        if len(best) == 1:
            labels[task] = best[0]
        elif kind.level == "ordinal":
            labels[task] = int(np.median(data.loc[data["task"] == task, "label"]))
        else:
            labels[task] = None
    return pd.Series(labels, dtype=object)


def dawid_skene(data: pd.DataFrame, n_iter: int = 100) -> pd.Series:
    """Dawid-Skene label per task: weights each annotator by an estimated confusion matrix."""
    if data.empty:
        return pd.Series(dtype=object)
    from crowdkit.aggregation import DawidSkene  # 3 s of CPU to import: only when voting

    return DawidSkene(n_iter=n_iter).fit_predict(data)


def median_split(
    data: pd.DataFrame, ties: Literal["low", "high"] = "low"
) -> pd.DataFrame:
    """FriendsPersona's binarisation of -1/0/1 ratings: per task the summed (mean) rating, the
    median over tasks, and 1 (high) above the median, 0 (low) below it."""
    if data.empty:
        return pd.DataFrame(columns=["task", "score", "median", "label"])
    scores = data.groupby("task")["label"].mean().rename("score").reset_index()
    median = float(scores["score"].median())
    above = scores["score"] > median if ties == "low" else scores["score"] >= median
    scores["median"] = median
    scores["label"] = above.astype(int)
    return scores


def item_agreement(data: pd.DataFrame, kind: FieldKind) -> pd.Series:
    """Mean pairwise agreement per task in [0, 1]: 1 - |a-b|/range for ordinal ratings, a == b
    for nominal ones. A task with one vote has no pair and gets NaN."""
    scale = (max(kind.domain) - min(kind.domain)) if kind.level == "ordinal" else None
    out = {}
    for task, group in data.groupby("task"):
        values = list(group["label"])
        pairs = list(itertools.combinations(values, 2))
        if not pairs:
            out[task] = math.nan
        elif scale:
            out[task] = 1 - sum(abs(a - b) for a, b in pairs) / (len(pairs) * scale)
        else:
            out[task] = sum(a == b for a, b in pairs) / len(pairs)
    return pd.Series(out, dtype=float)


def alpha(data: pd.DataFrame, kind: FieldKind) -> float | None:
    """Krippendorff's alpha over all tasks of one field; None when undefined (fewer than two
    pairable votes, or a single value used throughout, where alpha is 0/0)."""
    if data.empty:
        return None
    codes = {value: n for n, value in enumerate(kind.domain)}
    matrix = data.pivot_table(index="worker", columns="task", values="label", aggfunc="last")
    numeric = matrix.apply(lambda col: col.map(lambda v: codes.get(v, np.nan)))
    reliability = numeric.to_numpy(dtype=float)
    pairable = (~np.isnan(reliability)).sum(axis=0) >= 2
    values = set(reliability[:, pairable][~np.isnan(reliability[:, pairable])].tolist())
    if pairable.sum() == 0 or len(values) < 2:
        return None
    return float(
        krippendorff.alpha(
            reliability_data=reliability, value_domain=list(range(len(kind.domain))),
            level_of_measurement=kind.level,
        )
    )


@dataclass
class FieldResult:
    """Aggregates of one project's field."""

    project: str
    field: str
    kind: FieldKind
    votes: pd.DataFrame
    majority: pd.Series
    dawid_skene: pd.Series
    split: pd.DataFrame | None
    agreement: pd.Series
    alpha: float | None


def aggregate_field(
    annotations: pd.DataFrame, project: str, field: str, ties: Literal["low", "high"] = "low"
) -> FieldResult:
    kind = field_kind(project, field)
    assert kind is not None
    data = votes(annotations, project, field)
    return FieldResult(
        project=project, field=field, kind=kind, votes=data,
        majority=majority_vote(data, kind), dawid_skene=dawid_skene(data),
        split=median_split(data, ties) if kind.level == "ordinal" else None,
        agreement=item_agreement(data, kind), alpha=alpha(data, kind),
    )


def aggregate(
    annotations: pd.DataFrame, ties: Literal["low", "high"] = "low"
) -> list[FieldResult]:
    """Every aggregated field of every project present in the annotations."""
    results = []
    for project in LABEL_PROJECTS:
        fields = PROJECTS[project].fields
        present = set(annotations.loc[annotations["project"] == project, "field"])
        results += [aggregate_field(annotations, project, f, ties) for f in fields if f in present]
    return results


def label_rows(
    results: Sequence[FieldResult], corpus_of: dict[str, str], source_file: str = "labelstudio"
) -> list[dict[str, Any]]:
    """Rows for the labels table (`schemas.tables.LABELS`), `source='crowd_aggregate'`, one per
    document, field and method; the method is in `source_file` (`labelstudio/big5/dawid_skene`)
    so the three aggregates of one item sit side by side under the table's key.

    Big Five: the -1/0/1 rating (majority vote, Dawid-Skene) is on the `likert3` scale
    (`value_likert`), the median split on the `binary` one (`value_binary`), so the two never
    share a column. MBTI: value_cat is the pole's letter and value_binary 1 for the first-named
    pole, as ingested."""
    rows: list[dict[str, Any]] = []
    for result in results:
        methods: dict[str, dict[str, Any]] = {
            "majority_vote": result.majority.to_dict(),
            "dawid_skene": result.dawid_skene.to_dict(),
        }
        if result.split is not None:
            methods["median_split"] = dict(zip(result.split["task"], result.split["label"],
                                               strict=True))
        for method, labels in methods.items():
            for doc_id, label in sorted(labels.items()):
                if label is None or (isinstance(label, float) and math.isnan(label)):
                    continue
                scheme = PROJECTS[result.project].scheme
                if result.kind.level == "ordinal":
                    scale = "binary" if method == "median_split" else "likert3"
                    value = label_values(scheme, result.field, scale, float(label))
                else:
                    value = label_values(scheme, result.field, "binary",
                                         1.0 if label == result.kind.domain[0] else 0.0,
                                         str(label))
                rows.append({
                    "subject_id": doc_id, "subject_kind": "document",
                    "corpus": corpus_of.get(doc_id, ""),
                    "scheme": scheme, "trait": result.field, **value,
                    "source": "crowd_aggregate",
                    "source_file": f"{source_file}/{result.project}/{method}",
                })
    return rows


def agreement_summary(results: Sequence[FieldResult]) -> dict[str, dict[str, Any]]:
    """Per project and field: alpha, items, votes and the mean item agreement (for metadata)."""
    summary: dict[str, dict[str, Any]] = {}
    for r in results:
        summary[f"{r.project}/{r.field}"] = {
            "alpha": None if r.alpha is None else round(r.alpha, 4),
            "level": r.kind.level,
            "items": int(r.votes["task"].nunique()),
            "votes": len(r.votes),
            "mean_item_agreement": _round(r.agreement.mean()),
        }
    return summary


def _round(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def items_to_requeue(
    results: Sequence[FieldResult], threshold: float = 0.5, min_votes: int = 2
) -> dict[str, dict[str, float]]:
    """project → {doc_id: mean agreement over its fields} for items below `threshold`.

    An item is judged on the mean of its fields' agreements, since a task is re-queued whole."""
    by_item: dict[tuple[str, str], list[float]] = {}
    for r in results:
        counts = r.votes.groupby("task").size()
        for doc_id, value in r.agreement.items():
            if counts.get(doc_id, 0) >= min_votes and not math.isnan(value):
                by_item.setdefault((r.project, str(doc_id)), []).append(float(value))
    out: dict[str, dict[str, float]] = {}
    for (project, doc_id), values in sorted(by_item.items()):
        mean = sum(values) / len(values)
        if mean < threshold:
            out.setdefault(project, {})[doc_id] = round(mean, 4)
    return out


def pii_spans(annotations: pd.DataFrame, min_votes: int = 2) -> list[dict[str, Any]]:
    """Spans reviewers marked as missed PII, by exact offsets and entity, with their votes and
    the number of reviewers of the document; `agreed` when at least `min_votes` marked it.
    Offsets are in the task text: the curated document's text, or for a dialogue the
    transcript, with the utterance `turn` and offsets within it.
    These are new labelled data for evaluating the anonymiser."""
    rows = annotations[annotations["project"] == "pii_review"]
    reviewers = rows.groupby("doc_id")["annotator"].nunique().to_dict()
    marks = rows[rows["field"] == "pii"]
    spans: dict[tuple[str, int, int, str], set[str]] = {}
    corpus: dict[str, str] = {}
    turns: dict[tuple[str, int, int, str], tuple[Any, Any, Any]] = {}
    for doc_id, doc_corpus, annotator, value in marks[
        ["doc_id", "corpus", "annotator", "value"]
    ].itertuples(index=False):
        span = json.loads(value)
        key = (doc_id, int(span["start"]), int(span["end"]), span["entity"])
        spans.setdefault(key, set()).add(annotator)
        corpus[doc_id] = doc_corpus
        turns[key] = (span.get("turn"), span.get("turn_start"), span.get("turn_end"))
    return [
        {"doc_id": d, "corpus": corpus[d], "start": s, "end": e, "entity": ent,
         "turn": turns[(d, s, e, ent)][0], "turn_start": turns[(d, s, e, ent)][1],
         "turn_end": turns[(d, s, e, ent)][2],
         "votes": len(who), "reviewers": int(reviewers.get(d, 0)), "agreed": len(who) >= min_votes}
        for (d, s, e, ent), who in sorted(spans.items())
    ]
