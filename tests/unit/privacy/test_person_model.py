"""The learned person-token model: its weights load, it adds names the rules miss, it leaves
ordinary words, and the training script regenerates its JSON byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assets.privacy.anonymise import PiiEngine
from assets.privacy.person_heuristics import PersonHeuristicRecognizer
from assets.privacy.person_model import (
    FEATURES_VERSION,
    MODEL_PATH,
    cached_model,
    features,
    is_candidate,
    load_model,
)
from assets.privacy.policy import load_policy

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def rules_only(nlp) -> PiiEngine:
    policy = load_policy()
    policy.recognizers["person_model"] = {"enabled": False}
    return PiiEngine(nlp, policy=policy)


def _covered(findings, text: str, surface: str) -> bool:
    start = text.index(surface)
    return any(f.start <= start and f.end >= start + len(surface) for f in findings)


def _probabilities(nlp, text: str) -> dict[str, float]:
    """Model probability of every candidate word the rules left in `text`."""
    doc = nlp(text)
    _, taken = PersonHeuristicRecognizer(load_policy().settings("person_heuristics")
                                         ).rule_results(doc)
    model = cached_model()
    frozen = frozenset(taken)
    return {doc[i].text: model.probability(features(doc, i, frozen))
            for i in range(len(doc)) if i not in frozen and is_candidate(doc, i)}


def test_when_weights_loaded_then_version_matches_and_source_is_wnut_train():
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert raw["features_version"] == FEATURES_VERSION
    assert "WNUT-17 train" in raw["about"]
    model = load_model()
    assert "bias" in model.weights and len(model.weights) > 100


def test_when_weights_from_older_features_then_load_refuses(tmp_path):
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({"features_version": FEATURES_VERSION - 1, "weights": {}}))
    with pytest.raises(ValueError, match="features_version"):
        load_model(stale)


def test_when_capitalised_name_the_rules_miss_then_model_adds_it(nlp, engine, rules_only):
    # "Summer" is a month-like common word to the rules; after "lol" and before "you" the
    # model calls it a name (probability about 0.12, above the 0.05 bar for capitalised words)
    text = "lol Summer you are wrong"
    assert not _covered(rules_only.analyze(nlp(text)), text, "Summer")
    findings = engine.analyze(nlp(text))
    assert _covered(findings, text, "Summer")
    assert engine.anonymise(nlp(text)).text.endswith(" you are wrong")


def test_when_lowercase_word_between_the_two_bars_then_only_the_cased_bar_takes_it(nlp):
    # "george" scores about 0.08: over the capitalised bar (0.05), under the lowercase one
    # (0.12), so with the policy's two thresholds it stays, with one threshold it would go
    settings = load_policy().settings("person_model")
    threshold, lower = float(settings["threshold"]), float(settings["threshold_lowercase"])
    doc = nlp("so was george with carmen last night ?")
    _, taken = PersonHeuristicRecognizer(load_policy().settings("person_heuristics")
                                         ).rule_results(doc)
    model = cached_model()
    george = [t.i for t in doc if t.text == "george"]
    assert model.person_tokens(doc, taken, threshold) == george
    assert model.person_tokens(doc, taken, threshold, lowercase_threshold=lower) == []


def test_when_deity_then_model_leaves_it(nlp, engine):
    # WNUT tags God as a person; the policy keeps deities, and so does the model
    text = "some time to myself and God ."
    assert engine.anonymise(nlp(text)).text == text


def test_when_ordinary_words_in_a_list_then_model_scores_them_below_threshold(nlp):
    # all lowercase: the lowercase bar applies
    threshold = float(load_policy().settings("person_model")["threshold_lowercase"])
    probabilities = _probabilities(nlp, "bring chips , salsa and guacamole")
    assert probabilities and max(probabilities.values()) < threshold


def test_when_training_script_run_twice_on_a_slice_then_same_weights(tmp_path):
    outputs = []
    for k in range(2):
        out = tmp_path / f"model_{k}.json"
        subprocess.run([sys.executable, str(REPO / "bench" / "train_person_model.py"),
                        "--limit", "60", "--folds", "1", "--out", str(out)],
                       check=True, capture_output=True, cwd=REPO)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    weights = json.loads(outputs[0])["weights"]
    assert weights and load_model(tmp_path / "model_0.json").weights == weights


def test_when_myers_briggs_type_then_model_leaves_it(nlp, engine):
    text = "As @sam_k said in the other thread, INFJs overthink everything."
    assert "INFJs overthink everything." in engine.anonymise(nlp(text)).text


def test_when_scored_through_the_caches_then_same_as_the_feature_sum(nlp):
    model = cached_model()
    rules = PersonHeuristicRecognizer(load_policy().settings("person_heuristics"))
    for text in ["so was george with carmen last night ?", "#tbt with Marisol and Jo @kim",
                 "Pizza night , then Carly , Ben & me .", "so was george with carmen again"]:
        doc = nlp(text)
        _, taken = rules.rule_results(doc)
        frozen = frozenset(taken)
        for i in range(len(doc)):
            if is_candidate(doc, i):
                slow = model.probability(features(doc, i, frozen))
                assert model.fast_probability(doc, i, frozen) == pytest.approx(slow, abs=1e-12)
                assert model.fast_probability(list(doc), i, frozen) == pytest.approx(slow,
                                                                                   abs=1e-12)


def test_when_heldout_split_loaded_then_exact_frozen_counts_and_disjoint_from_tuning(
        real_corpora):
    from bench.pii_eval import heldout_definition, sentence_id, wnut_sentences

    definition = heldout_definition()
    held = wnut_sentences("heldout")
    tune = wnut_sentences("tune")
    assert (definition["seed"], definition["fraction"]) == ("issue11-point14", 0.5)
    assert (len(held), len(definition["sentence_ids"]), definition["person_spans"]) == (
        489, 487, 234)
    assert len(tune) == 3394 + 1009 - 489
    seed = definition["seed"]
    assert not {sentence_id(seed, s) for s in held} & {sentence_id(seed, s) for s in tune}


def test_when_heldout_ids_edited_then_definition_refuses(real_corpora, tmp_path):
    from bench.pii_eval import HELDOUT, heldout_definition

    definition = json.loads(HELDOUT.read_text(encoding="utf-8"))
    definition["sentence_ids"] = definition["sentence_ids"][1:]
    edited = tmp_path / "heldout.json"
    edited.write_text(json.dumps(definition))
    with pytest.raises(ValueError, match="differ from the rule"):
        heldout_definition(edited)
