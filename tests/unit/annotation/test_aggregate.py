"""Aggregation and agreement against hand-computed examples."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from annotation import aggregate
from annotation.aggregate import FieldKind

ORDINAL = FieldKind("ordinal", (-1, 0, 1))
NOMINAL = FieldKind("nominal", ("I", "E"))


def _rows(votes: list[tuple[str, str, str]], project: str = "big5", field: str = "EXT"):
    return pd.DataFrame([{"project": project, "doc_id": d, "annotator": w, "field": field,
                          "value": v} for d, w, v in votes])


def _votes(votes, kind=ORDINAL):
    label = [int(v) for _, _, v in votes] if kind is ORDINAL else [v for _, _, v in votes]
    return pd.DataFrame({"task": [d for d, _, _ in votes], "worker": [w for _, w, _ in votes],
                         "label": label})


def test_when_no_votes_then_every_aggregate_is_empty():
    empty = _votes([])
    assert aggregate.majority_vote(empty, ORDINAL).empty
    assert aggregate.dawid_skene(empty).empty
    assert aggregate.median_split(empty).empty
    assert aggregate.alpha(empty, ORDINAL) is None


def test_when_two_coders_rate_three_items_then_ordinal_alpha_is_seven_ninths():
    # d1 (1,1), d2 (0,1), d3 (-1,-1). Coincidences: o[1,1]=2, o[0,1]=o[1,0]=1, o[-1,-1]=2;
    # n_-1=2, n_0=1, n_1=3, n=6. Ordinal delta^2(c,k) = (sum n_g from c to k - (n_c+n_k)/2)^2:
    # d(0,1) = (4 - 2)^2 = 4, d(-1,0) = (3 - 1.5)^2 = 2.25, d(-1,1) = (6 - 2.5)^2 = 12.25.
    # D_o = (1/6)(2 * 4) = 4/3; D_e = 2(2*1*2.25 + 2*3*12.25 + 1*3*4) / (6*5) = 180/30 = 6.
    # alpha = 1 - (4/3)/6 = 7/9.
    data = _votes([("d1", "a", "1"), ("d1", "b", "1"), ("d2", "a", "0"), ("d2", "b", "1"),
                   ("d3", "a", "-1"), ("d3", "b", "-1")])
    assert aggregate.alpha(data, ORDINAL) == pytest.approx(7 / 9)


def test_when_nominal_then_alpha_counts_only_exact_matches():
    # d1 (I,I), d2 (I,E), d3 (E,E): n_I=3, n_E=3, n=6; D_o = 2/6; D_e = 2*3*3/(6*5) = 0.6;
    # alpha = 1 - (1/3)/0.6 = 4/9.
    data = _votes([("d1", "a", "I"), ("d1", "b", "I"), ("d2", "a", "I"), ("d2", "b", "E"),
                   ("d3", "a", "E"), ("d3", "b", "E")], NOMINAL)
    assert aggregate.alpha(data, NOMINAL) == pytest.approx(4 / 9)


def test_when_everyone_gives_the_same_value_then_alpha_is_undefined():
    data = _votes([("d1", "a", "0"), ("d1", "b", "0"), ("d2", "a", "0"), ("d2", "b", "0")])
    assert aggregate.alpha(data, ORDINAL) is None


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        (["1", "1", "0"], 1),  # plain majority
        (["-1", "0", "1"], 0),  # three-way split: median, not the first label
        (["-1", "1"], 0),  # two-way split of an even count: median 0
        (["-1", "0"], 0),  # median -0.5 rounds toward 0
    ],
)
def test_when_majority_vote_then_ties_go_to_the_median(votes, expected):
    data = _votes([("d", f"w{n}", v) for n, v in enumerate(votes)])
    assert aggregate.majority_vote(data, ORDINAL)["d"] == expected


def test_when_nominal_tie_then_no_label():
    data = _votes([("d", "a", "I"), ("d", "b", "E")], NOMINAL)
    assert aggregate.majority_vote(data, NOMINAL)["d"] is None


def test_when_median_split_then_above_median_is_high_and_ties_go_low():
    # Sums over three raters: d1 3, d2 1, d3 1, d4 -2 → means 1, 1/3, 1/3, -2/3; median 1/3.
    data = _votes([("d1", w, "1") for w in "abc"] + [("d2", "a", "1"), ("d2", "b", "0"),
                   ("d2", "c", "0"), ("d3", "a", "-1"), ("d3", "b", "1"), ("d3", "c", "1"),
                   ("d4", "a", "-1"), ("d4", "b", "-1"), ("d4", "c", "0")])
    split = aggregate.median_split(data).set_index("task")
    assert split["median"].iloc[0] == pytest.approx(1 / 3)
    assert split["label"].to_dict() == {"d1": 1, "d2": 0, "d3": 0, "d4": 0}
    high = aggregate.median_split(data, ties="high").set_index("task")
    assert high["label"].to_dict() == {"d1": 1, "d2": 1, "d3": 1, "d4": 0}


def test_when_an_item_has_four_raters_then_the_split_uses_the_mean():
    data = _votes([("d1", w, "1") for w in "abcd"] + [("d2", w, "0") for w in "abc"])
    assert aggregate.median_split(data).set_index("task")["score"].to_dict() == {
        "d1": 1.0, "d2": 0.0}


def test_when_item_agreement_then_pairs_are_weighted_by_distance():
    data = _votes([("d1", "a", "1"), ("d1", "b", "1"), ("d1", "c", "1"),
                   ("d2", "a", "-1"), ("d2", "b", "0"), ("d2", "c", "1"),
                   ("d3", "a", "1")])
    agreement = aggregate.item_agreement(data, ORDINAL)
    # d2 pairs: |-1-0|=1, |-1-1|=2, |0-1|=1 → 1 - 4/(3*2) = 1/3; d3 has no pair.
    assert agreement["d1"] == 1.0 and agreement["d2"] == pytest.approx(1 / 3)
    assert math.isnan(agreement["d3"])


def test_when_dawid_skene_then_a_reliable_annotator_outweighs_an_unreliable_one():
    # w1 and w2 always agree; w3 always gives the opposite. On d_tie only w1 and w3 voted:
    # majority vote has a tie, Dawid-Skene trusts w1.
    votes = []
    for n in range(10):
        truth = "1" if n % 2 else "-1"
        other = "-1" if truth == "1" else "1"
        votes += [(f"d{n}", "w1", truth), (f"d{n}", "w2", truth), (f"d{n}", "w3", other)]
    votes += [("d_tie", "w1", "1"), ("d_tie", "w3", "-1")]
    assert aggregate.dawid_skene(_votes(votes))["d_tie"] == 1


def test_when_mbti_cant_tell_then_it_is_no_vote():
    rows = _rows([("d1", "a", "I"), ("d1", "b", "X"), ("d1", "c", "I")], "mbti", "I/E")
    assert aggregate.votes(rows, "mbti", "I/E")["label"].tolist() == ["I", "I"]


def test_when_label_rows_then_contract_columns_and_methods_in_source_file():
    rows = _rows([("d1", "a", "1"), ("d1", "b", "1"), ("d1", "c", "0"),
                  ("d2", "a", "-1"), ("d2", "b", "-1"), ("d2", "c", "0")])
    rows = pd.concat([rows, _rows([("d1", "a", "E"), ("d1", "b", "E")], "mbti", "I/E")])
    labels = aggregate.label_rows(aggregate.aggregate(rows), {"d1": "friends", "d2": "essays"})
    by = {(r["subject_id"], r["scheme"], r["source_file"].rsplit("/", 1)[1]): r for r in labels}
    # the -1/0/1 rating and the 0/1 split are different scales: never one column
    assert {k: by[("d1", "big5", "majority_vote")][k] for k in ("scale", "value_likert",
            "value_binary")} == {"scale": "likert3", "value_likert": 1, "value_binary": None}
    assert by[("d2", "big5", "majority_vote")]["value_likert"] == -1
    assert {k: by[("d1", "big5", "median_split")][k] for k in ("scale", "value_likert",
            "value_binary")} == {"scale": "binary", "value_likert": None, "value_binary": 1}
    assert by[("d2", "big5", "median_split")]["value_binary"] == 0
    assert by[("d1", "mbti", "dawid_skene")]["value_cat"] == "E"
    assert by[("d1", "mbti", "dawid_skene")]["scale"] == "binary"
    assert by[("d1", "mbti", "dawid_skene")]["value_binary"] == 0
    assert {r["source"] for r in labels} == {"crowd_aggregate"}
    assert {r["corpus"] for r in labels} == {"friends", "essays"}


def test_when_items_below_threshold_then_they_are_requeued_on_their_mean():
    rows = pd.concat([
        _rows([("d1", "a", "1"), ("d1", "b", "1"), ("d2", "a", "-1"), ("d2", "b", "1")]),
        _rows([("d1", "a", "0"), ("d1", "b", "0"), ("d2", "a", "0"), ("d2", "b", "0")],
              field="NEU"),
    ])
    # d2: EXT agreement 0, NEU 1 → mean 0.5; d1: 1.
    results = aggregate.aggregate(rows)
    assert aggregate.items_to_requeue(results, threshold=0.6) == {"big5": {"d2": 0.5}}
    assert aggregate.items_to_requeue(results, threshold=0.5) == {}


def test_when_pii_spans_then_votes_per_exact_span():
    rows = pd.DataFrame([
        {"project": "pii_review", "doc_id": "d", "corpus": "c", "annotator": w, "field": f,
         "value": v}
        for w, f, v in [
            ("a", "pii", '{"start": 0, "end": 4, "entity": "PERSON"}'),
            ("b", "pii", '{"start": 0, "end": 4, "entity": "PERSON"}'),
            ("b", "pii", '{"start": 9, "end": 12, "entity": "URL"}'),
            ("c", "review", "clean"),
        ]
    ])
    spans = aggregate.pii_spans(rows)
    assert [(s["start"], s["entity"], s["votes"], s["reviewers"], s["agreed"]) for s in spans] == [
        (0, "PERSON", 2, 3, True), (9, "URL", 1, 3, False)]
