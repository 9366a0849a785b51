"""Bots and duplicate texts on the real corpora: what the detectors find, and what the splits do.

`python -m bench.duplicates [--corpora ../shared/corpora] [--json OUT]`

The real files go through the project's ingest (readers, raw parts) into a temporary lake. The
privacy stage's author step runs as is (`curate_authors`: pseudonyms and the known-bot check on
the raw names); documents are copied to the curated zone with pseudonymous authors but without
NLP anonymisation (Presidio over 60k texts is not what is measured here, and it barely changes
which texts are copies). Then, over all corpora at once:

- `curated/duplicates` (`assets.curate.dedup.build_duplicates`), timed, with the cost of the
  signatures per 1,000 documents;
- `curated/bot_authors` (`assets.curate.flags.build_bot_authors`);
- the pooled splits without and with the duplicate groups, and how many texts identical up to
  case and punctuation (the `normalise` key), and how many duplicate groups, sit in two splits.

Prints sizes and counts only, never texts.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from assets.curate import dedup
from assets.curate.flags import BotConfig, build_bot_authors
from assets.curate.splits import build_splits, read_splits
from assets.ingest.runner import all_partition_keys, ingest_partition
from assets.lake import PART_SUFFIX, Lake, corpus_of_part, iter_part_batches
from assets.privacy.anonymise_partitions import curate_authors, curate_labels
from assets.privacy.pseudonyms import pseudonym_or_none
from schemas.curated import CURATED_DOCUMENTS

KEY = "bench-duplicates-key-not-a-secret"


def curated_lake(corpora: str, root: str) -> Lake:
    lake = Lake.at(root)
    for partition in all_partition_keys(corpora):
        ingest_partition(lake, corpora, partition)
        curate_authors(lake, partition, KEY)
        curate_labels(lake, partition, KEY)
    for path in lake.list_parts("raw", "documents"):
        corpus, part = corpus_of_part(path), posixpath.basename(path).removesuffix(PART_SUFFIX)
        tables = []
        for batch in iter_part_batches(lake, [path]):
            rows = batch.to_pylist()
            for row in rows:
                row["author_id"] = pseudonym_or_none(row["author_id"], KEY)
                row["pii_counts"] = "{}"
            tables.append(pa.Table.from_pylist(rows, CURATED_DOCUMENTS))
        if tables:
            lake.write_part("curated", "documents", corpus, part, pa.concat_tables(tables))
    return lake


def normalised_straddles(lake: Lake, min_words: int = dedup.DedupConfig.min_words
                         ) -> dict[str, int]:
    """Texts identical up to case and punctuation (`normalise`, >= 1 word) in two splits: in any
    two, in train and test, and both again for texts of at least `min_words` words (the ones
    `dedup` groups)."""
    split_of = dict(zip(*(read_splits(lake).column(c).to_pylist() for c in ("doc_id", "split")),
                        strict=True))
    seen: dict[str, set[str]] = {}
    for batch in iter_part_batches(lake, lake.list_parts("curated", "documents"),
                                   columns=["doc_id", "text"]):
        for doc_id, text in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(),
                                strict=True):
            key = dedup.normalise(text)
            if key:
                seen.setdefault(key, set()).add(split_of[doc_id])
    long = {k: v for k, v in seen.items() if len(k.split(" ")) >= min_words}
    return {"any_two_splits": sum(len(s) > 1 for s in seen.values()),
            "train_and_test": sum({"train", "test"} <= s for s in seen.values()),
            f"any_two_splits_{min_words}_words_plus": sum(len(s) > 1 for s in long.values()),
            f"train_and_test_{min_words}_words_plus": sum({"train", "test"} <= s
                                                           for s in long.values())}


def signature_cost(lake: Lake, n: int = 5_000) -> dict[str, float]:
    """CPU seconds per 1,000 documents: normalising, and MinHash signatures (datasketch bulk)."""
    config = dedup.DedupConfig()
    texts: list[str] = []
    for batch in iter_part_batches(lake, lake.list_parts("curated", "documents"),
                                   columns=["text"]):
        texts += batch.column(0).to_pylist()
    step = max(1, len(texts) // n)
    sample = texts[::step][:n]
    t0 = time.process_time()
    normal = [dedup.normalise(t) for t in sample]
    t1 = time.process_time()
    dedup.signatures(normal, config)
    t2 = time.process_time()
    chars = sum(len(t) for t in normal) / max(1, len(normal))
    return {"docs": len(sample), "mean_chars": round(chars, 1),
            "normalise_s_per_1k": round((t1 - t0) / len(sample) * 1000, 3),
            "signatures_s_per_1k": round((t2 - t1) / len(sample) * 1000, 3)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default=str(Path(__file__).resolve().parents[1].parent
                                                  / "shared" / "corpora"))
    parser.add_argument("--json", default=None)
    parser.add_argument("--min-words", type=int, default=dedup.DedupConfig.min_words)
    args = parser.parse_args(argv)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-dups-") as tmp:
        t0 = time.perf_counter()
        lake = curated_lake(args.corpora, f"{tmp}/wh")
        out["ingest_s"] = round(time.perf_counter() - t0, 1)
        plain = build_splits(lake)
        out["before"] = {"normalised_texts_in_two_splits": normalised_straddles(
                             lake, args.min_words),
                         "linked_groups": plain.linked_groups,
                         "largest_linked_component": plain.largest_component,
                         "documents_per_split": plain.docs}
        t0, c0 = time.perf_counter(), time.process_time()
        config = dedup.DedupConfig(min_words=args.min_words)
        result = dedup.build_duplicates(lake, config)
        out["dedup"] = {"wall_s": round(time.perf_counter() - t0, 1),
                        "cpu_s": round(time.process_time() - c0, 1),
                        "documents": result.documents, "compared": result.compared,
                        "bands_rows": list(result.bands), "candidate_pairs": result.candidate_pairs,
                        "near_pairs": result.near_pairs, "groups": result.groups,
                        "grouped_docs": result.grouped_docs, "per_corpus": result.per_corpus,
                        "largest_group": result.largest_group}
        out["before"].update(dedup.straddling_groups(lake))
        out["signature_cost"] = signature_cost(lake)
        table = pa.concat_tables(
            [t for t in (pq.read_table(p) for p in lake.list_parts("curated",
                                                                            "duplicates"))])
        sizes = Counter(table.column("group_size").to_pylist())
        out["groups_by_size"] = {k: v // k for k, v in sorted(sizes.items())}
        out["largest_component_before"] = _largest_component(lake)
        out["examples"] = _examples(lake, table)
        bots = build_bot_authors(lake, BotConfig())
        out["bots"] = {"authors": bots.authors, "documents": bots.documents,
                       "signed_documents": bots.signed_documents}
        splits = build_splits(lake)
        out["after"] = {"normalised_texts_in_two_splits": normalised_straddles(
                            lake, args.min_words),
                        **dedup.straddling_groups(lake),
                        "linked_groups": splits.linked_groups,
                        "largest_linked_component": splits.largest_component,
                        "documents_per_split": splits.docs,
                        "largest_component": _largest_component(lake)}
    text = json.dumps(out, indent=1, sort_keys=True)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    return out


def _largest_component(lake: Lake) -> dict[str, Any]:
    """Where the largest linked split component lives: corpus, groups, of how many there."""
    rows = read_splits(lake).select(["corpus", "group_id", "anchor_group_id"]).to_pylist()
    members: dict[str, set[tuple[str, str]]] = {}
    totals: dict[str, set[str]] = {}
    for r in rows:
        members.setdefault(r["anchor_group_id"], set()).add((r["corpus"], r["group_id"]))
        totals.setdefault(r["corpus"], set()).add(r["group_id"])
    biggest = max(members.values(), key=len, default=set())
    if len({g for _, g in biggest}) < 2:
        return {}
    per_corpus = Counter(c for c, _ in biggest)
    return {c: {"groups": n, "of": len(totals[c])} for c, n in per_corpus.items()}


def _examples(lake: Lake, table: pa.Table, n: int = 6) -> list[dict[str, Any]]:
    """A few near groups by size: members' character lengths and corpora, no text."""
    lengths: dict[str, int] = {}
    for batch in iter_part_batches(lake, lake.list_parts("curated", "documents"),
                                   columns=["doc_id", "text"]):
        for doc_id, text in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(),
                                strict=True):
            lengths[doc_id] = len(text or "")
    groups: dict[str, list[tuple[str, int]]] = {}
    for row in table.to_pylist():
        if row["kind"] == "near":
            groups.setdefault(row["group_id"], []).append((row["corpus"], lengths[row["doc_id"]]))
    picked = sorted(groups.values(), key=len, reverse=True)[:n]
    return [{"members": len(g), "corpora": sorted({c for c, _ in g}),
             "chars": sorted(x for _, x in g)[:8]} for g in picked]


if __name__ == "__main__":
    main()
