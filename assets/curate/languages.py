"""The dataset card's language section: documents per language and corpus in the curated zone.

Exports keep English (and `und`, too little text to tell) by default (`ExportConfig.languages`),
so the documents in other languages are not in the exported files; the card counts them from the
curated documents the export was drawn from, so a reader knows what was left out and why.
"""

from __future__ import annotations

from typing import Any

import duckdb

from assets.curate.dataset import POOLED
from assets.lake import Lake
from assets.nlp.language import ENGLISH_COMPATIBLE, UNDETERMINED

TOP_OTHER = 5  # other languages named per corpus


def language_counts(lake: Lake, con: duckdb.DuckDBPyConnection, dataset: str,
                    zone: str = "curated") -> dict[str, dict[str, Any]]:
    """corpus -> {documents, en, und, other, top: [(language, documents)]} over the curated
    documents of the dataset; a document without a language counts as `und`."""
    if not lake.list_parts(zone, "documents"):
        return {}
    rel = lake.relation(zone, "documents")
    names = {n for n, *_ in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
    language = (f"coalesce(language, '{UNDETERMINED}')" if "language" in names
                else f"'{UNDETERMINED}'")
    where = "true" if dataset == POOLED else "corpus = $1"
    params = [] if dataset == POOLED else [dataset]
    rows = con.execute(f"""SELECT corpus, {language} AS language, count(*) FROM {rel}
        WHERE {where} GROUP BY ALL ORDER BY corpus, count(*) DESC, language""",
                       params).fetchall()
    counts: dict[str, dict[str, Any]] = {}
    for corpus, code, n in rows:
        entry = counts.setdefault(corpus, {"documents": 0, "en": 0, UNDETERMINED: 0,
                                           "other": 0, "top": []})
        entry["documents"] += n
        if code in ("en", UNDETERMINED):
            entry[code] += n
        else:
            entry["other"] += n
            if len(entry["top"]) < TOP_OTHER:
                entry["top"].append((code, n))
    return counts


def language_section(lake: Lake, con: duckdb.DuckDBPyConnection, dataset: str,
                     zone: str = "curated") -> str:
    """The card's "Languages" section (Markdown, starting with a blank line)."""
    counts = language_counts(lake, con, dataset, zone)
    lines = ["", "## Languages", "",
             "Every document's language is identified (fastText lid.176, "
             "`assets/nlp/language.py`); "
             f"`{UNDETERMINED}`: too short, or too mixed with English, to tell. Features are "
             "English, "
             f"so exports keep {', '.join(f'`{c}`' for c in ENGLISH_COMPATIBLE)} by default "
             "(`ExportConfig.languages`; empty keeps every language) and the documents in "
             "other languages below are not in these files.", "",
             "| corpus | documents | en | und | other languages | most frequent others |",
             "|---|---:|---:|---:|---:|---|"]
    for corpus, c in counts.items():
        top = ", ".join(f"{code} {n}" for code, n in c["top"]) or "–"
        lines.append(f"| {corpus} | {c['documents']} | {c['en']} | {c[UNDETERMINED]} | "
                     f"{c['other']} | {top} |")
    if not counts:
        lines.append("| (no curated documents) | | | | | |")
    return "\n".join(lines) + "\n"
