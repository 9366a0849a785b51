"""How much of a baseline is read off self-disclosed labels: Kaggle MBTI, masked vs kept.

`python -m bench.label_leak [--corpora ../shared/corpora] [--json OUT] [--counts-only]`

Ingests the real Kaggle MBTI subset into a temporary lake, counts the label mentions
(`assets/privacy/label_mentions.py`) per post and per user, then scores the baselines
(`assets/curate/baselines.py`) on the same splits with the mentions masked and kept.

One shortcut, said plainly: the curated documents here are the raw texts with pseudonymous
author ids, not the privacy stage's anonymised texts (spaCy + Presidio over 85,828 posts would
take this shared two-core machine far longer than the measurement). The anonymiser keeps MBTI
types on purpose (`assets/privacy/anonymise.py`, `_personality_type`), so the mentions and the
leak are the same; names and handles, which it would replace, are not what the models learn
types from. Labels and authors go through the privacy stage's own functions.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from assets.curate.baselines import BaselineConfig, run_baselines
from assets.curate.dataset import ExportConfig, connect
from assets.curate.splits import build_splits
from assets.ingest.runner import ingest_partition
from assets.lake import Lake, PartWriter, iter_part_batches, part_name
from assets.privacy import anonymise_partitions
from assets.privacy.label_mentions import KINDS, find_mentions, has_mention_sql, mask_sql
from assets.privacy.pseudonyms import pseudonym_or_none
from schemas.curated import CURATED_TABLES

CORPUS = "mbti_kaggle"
KEY = "bench-label-leak-key"
# The count: a four-letter type anywhere in a post (the ingest parser's pattern).
TYPE_ONLY = re.compile(r"(?<![A-Za-z])([IEie][NSns][TFtf][JPjp])(?![A-Za-z])")


def curated_from_raw(lake: Lake) -> None:
    """Curated documents = raw text + pseudonymous authors; labels and authors as privacy
    writes them."""
    schema = CURATED_TABLES["documents"].schema
    for path in lake.list_parts("raw", "documents", CORPUS):
        meta = lake.part_metadata(path) or {}
        with PartWriter(lake, "curated", "documents", CORPUS, part_name(path), schema,
                        meta) as writer:
            for batch in iter_part_batches(lake, [path]):
                rows = [{**{k: r.get(k) for k in schema.names},
                         "author_id": pseudonym_or_none(r["author_id"], KEY), "pii_counts": "{}"}
                        for r in batch.to_pylist()]
                writer.write(pa.Table.from_pylist(rows, schema=schema))
    anonymise_partitions.curate_labels(lake, CORPUS, KEY)
    anonymise_partitions.curate_authors(lake, CORPUS, KEY)


def mention_counts(lake: Lake) -> dict[str, Any]:
    """Posts and users with a mention: any kind, per kind, and the issue's type-only count."""
    con = connect(lake)
    docs = con.execute(f"SELECT author_id, text FROM {lake.relation('curated', 'documents')} "
                       "ORDER BY doc_id").fetchall()
    started = time.perf_counter()
    found = [(author, {m.kind for m in find_mentions(text)}) for author, text in docs]
    python_s = time.perf_counter() - started
    started = time.perf_counter()
    con.execute(f"SELECT count(*) FILTER (WHERE {mask_sql('text')} <> text) "
                f"FROM {lake.relation('curated', 'documents')}").fetchall()
    duckdb_s = time.perf_counter() - started
    users = {a for a, _ in docs}
    result: dict[str, Any] = {"posts": len(docs), "users": len(users),
                              "python_scan_docs_per_s": round(len(docs) / python_s),
                              "duckdb_mask_docs_per_s": round(len(docs) / duckdb_s)}
    for kind in (None, *KINDS):
        hit = [(a, kinds) for a, kinds in found if (kinds if kind is None else kind in kinds)]
        name = kind or "any"
        result[f"posts_with_{name}"] = len(hit)
        result[f"users_with_{name}"] = len({a for a, _ in hit})
    type_only = [a for a, text in docs if TYPE_ONLY.search(text)]
    result["posts_with_type_issue_pattern"] = len(type_only)
    result["users_with_type_issue_pattern"] = len(set(type_only))
    # Their own type: the four letters of the author's label among the types a post names.
    own = dict(con.execute(f"""SELECT subject_id, any_value(value_cat)
        FROM {lake.relation('curated', 'labels')} WHERE scheme = 'mbti' AND trait = 'type'
        GROUP BY 1""").fetchall())
    own_hits = [a for a, text in docs
                if own.get(a) and own[a] in {t.upper() for t in TYPE_ONLY.findall(text)}]
    result["posts_with_own_type"] = len(own_hits)
    result["users_with_own_type"] = len(set(own_hits))
    (sql_posts,) = con.execute(f"SELECT count(*) FILTER (WHERE {has_mention_sql('text')}) FROM "
                               f"{lake.relation('curated', 'documents')}").fetchone()
    result["posts_with_any_sql"] = sql_posts
    con.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="../shared/corpora")
    parser.add_argument("--json", default=None)
    parser.add_argument("--counts-only", action="store_true", help="skip the baselines")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="label-leak-") as folder:
        lake = Lake.at(str(Path(folder) / "wh"))
        started = time.perf_counter()
        ingest_partition(lake, str(Path(args.corpora).resolve()), CORPUS)
        curated_from_raw(lake)
        build_splits(lake)
        report: dict[str, Any] = {"prepare_s": round(time.perf_counter() - started, 1)}
        report["mentions"] = mention_counts(lake)
        print(json.dumps(report["mentions"], indent=2), flush=True)
        scores = []
        for masked in () if args.counts_only else (True, False):
            started = time.perf_counter()
            scores += run_baselines(lake, CORPUS, BaselineConfig(),
                                    ExportConfig(mask_label_mentions=masked))
            report[f"baselines_s_masked={masked}"] = round(time.perf_counter() - started, 1)
        report["scores"] = [{k: s[k] for k in ("trait", "model", "metric", "value", "masked",
                                               "n_train", "n_test", "published")}
                            for s in scores]
    for s in report["scores"]:
        if s["metric"] == "accuracy":
            print(f"{s['trait']:12} {s['model']:10} masked={s['masked']!s:5} "
                  f"{s['value']:.4f} (n_test {s['n_test']}, published {s['published']})")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
