"""TextDescriptives side of `bench/contours.py`; runs in `.venv-textdescriptives`.

Document-level metrics only (TextDescriptives has no windows): every component except
`quality`, which fails spaCy's config validation with current spaCy. Each Doc's metrics are
extracted to a dict, as a user would. Prints one JSON line, like `bench.contours --child`.
Also times a bare `nlp.pipe` in this environment, to show the two environments parse alike.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

COMPONENTS = (
    "textdescriptives/descriptive_stats",
    "textdescriptives/readability",
    "textdescriptives/dependency_distance",
    "textdescriptives/pos_proportions",
    "textdescriptives/coherence",
    "textdescriptives/information_theory",
)


def main() -> int:
    import spacy
    import textdescriptives as td
    from contours import MODEL, essays_texts, friends_texts, peak_rss_mib

    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", choices=["friends", "essays"], default="friends")
    parser.add_argument("--essays-limit", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--n-process", type=int, default=1)
    parser.add_argument("--bare-too", action="store_true")
    args = parser.parse_args()
    texts = friends_texts() if args.corpus == "friends" else essays_texts(args.essays_limit)
    words = sum(len(t.split()) for t in texts)
    out: dict[str, float] = {"words": words, "texts": len(texts)}
    if args.bare_too:
        bare = spacy.load(MODEL)
        start = time.perf_counter()
        for _ in bare.pipe(texts, batch_size=args.batch_size, n_process=args.n_process):
            pass
        out["bare_seconds"] = time.perf_counter() - start
        out["bare_words_per_s"] = words / out["bare_seconds"]
    nlp = spacy.load(MODEL)
    for component in COMPONENTS:
        nlp.add_pipe(component)
    start, cpu = time.perf_counter(), time.process_time()
    metrics = 0
    for doc in nlp.pipe(texts, batch_size=args.batch_size, n_process=args.n_process):
        metrics += len(td.extract_dict([doc])[0])
    out["seconds"] = time.perf_counter() - start
    out["cpu_seconds"] = time.process_time() - cpu
    out.update(words_per_s=words / out["seconds"], metrics_per_doc=metrics / len(texts),
               textdescriptives=td.__version__, spacy=spacy.__version__,
               peak_rss_mib=peak_rss_mib())
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
