"""Bot authors, and what the exports and the card do with bots and duplicate texts.

Flagged authors and duplicate texts stay in the lake (`curated/bot_authors`,
`curated/duplicates`); training exports leave out bot authors' documents and all but one
document of each duplicate group, unless `ExportConfig.keep_bots_and_duplicates` is set. The
card reports the counts per corpus.

An author is a bot when
- the privacy stage found its raw username on the known-bot list (`curated/authors.bot_reason`,
  `known_account`), or
- at least `min_signed` of its documents, and at least `min_share` of them, carry a bot
  signature (`assets.privacy.bots.SIGNATURE_PATTERN`). The share keeps a person who once quotes
  "I am a bot" in; it is taken over the author's documents in every corpus, since a pseudonym
  names one account on one platform wherever it writes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import pyarrow.compute as pc

from assets.lake import Lake, PartWriter, corpus_of_part
from assets.privacy.bots import KNOWN_ACCOUNT, SIGNATURE, SIGNATURE_PATTERN
from schemas.splits import BOT_AUTHORS

PART = "bot_authors"


@dataclass(frozen=True)
class BotConfig:
    min_signed: int = 1
    min_share: float = 0.5

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BotResult:
    authors: dict[str, dict[str, int]] = field(default_factory=dict)  # corpus -> reason -> n
    documents: dict[str, int] = field(default_factory=dict)  # corpus -> bot documents
    signed_documents: dict[str, int] = field(default_factory=dict)  # corpus -> signed docs
    removed_parts: int = 0


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def bot_authors_sql(lake: Lake, con: duckdb.DuckDBPyConnection, config: BotConfig,
                    zone: str = "curated") -> str:
    """One row per (author, corpus) flagged as a bot, with its reason and counts."""
    docs, authors = lake.relation(zone, "documents"), lake.relation(zone, "authors")
    # Author parts curated before `bot_reason` existed have no such column: no known bots there.
    columns = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {authors}").fetchall()}
    known = (f"SELECT DISTINCT author_id FROM {authors} WHERE bot_reason IS NOT NULL"
             if "bot_reason" in columns else "SELECT NULL::VARCHAR AS author_id WHERE false")
    return f"""
        WITH per AS (
            SELECT author_id, corpus, count(*) AS n_documents,
                   count(*) FILTER (WHERE regexp_matches(text, {_sql_string(SIGNATURE_PATTERN)}))
                       AS n_signed
            FROM {docs} WHERE author_id IS NOT NULL GROUP BY ALL),
        overall AS (
            SELECT author_id, sum(n_documents) AS n, sum(n_signed) AS signed FROM per GROUP BY 1),
        known AS ({known})
        SELECT p.author_id, p.corpus,
               CASE WHEN k.author_id IS NOT NULL THEN '{KNOWN_ACCOUNT}' ELSE '{SIGNATURE}' END
                   AS bot_reason,
               p.n_documents, p.n_signed
        FROM per p JOIN overall o USING (author_id) LEFT JOIN known k USING (author_id)
        WHERE k.author_id IS NOT NULL
           OR (o.signed >= {int(config.min_signed)} AND o.signed >= {float(config.min_share)} * o.n)
        ORDER BY p.corpus, p.author_id"""


def build_bot_authors(lake: Lake, config: BotConfig | None = None,
                      zone: str = "curated") -> BotResult:
    """Write `curated/bot_authors`, one part per corpus that has bots."""
    config = config or BotConfig()
    con = lake.connect(memory_limit="1GB", threads=2)
    try:
        sql = bot_authors_sql(lake, con, config, zone)
        table = con.sql(sql).to_arrow_table().cast(BOT_AUTHORS)
        docs = lake.relation(zone, "documents")
        signed = dict(con.execute(f"""SELECT corpus, count(*) FROM {docs}
            WHERE regexp_matches(text, {_sql_string(SIGNATURE_PATTERN)}) GROUP BY 1""").fetchall())
    finally:
        con.close()
    result = BotResult(signed_documents={k: int(v) for k, v in signed.items()})
    for row in table.to_pylist():
        per = result.authors.setdefault(row["corpus"], {KNOWN_ACCOUNT: 0, SIGNATURE: 0})
        per[row["bot_reason"]] += 1
        result.documents[row["corpus"]] = result.documents.get(row["corpus"], 0) + \
            row["n_documents"]
    corpora = sorted(result.authors)
    stamp = {"bot_config": config.as_dict()}
    for corpus in corpora:
        with PartWriter(lake, "curated", "bot_authors", corpus, PART, BOT_AUTHORS, stamp,
                        keep_identical=True) as writer:
            writer.write(table.filter(pc.equal(table["corpus"], corpus)))
    for path in lake.list_parts("curated", "bot_authors"):
        if corpus_of_part(path) not in corpora:
            lake.remove(path)
            result.removed_parts += 1
    return result


# --- exports --------------------------------------------------------------------------------------


def export_exclusion(lake: Lake, keep: bool, corpus: str | None, alias: str = "d") -> str:
    """SQL condition on the documents `alias` that a training export keeps.

    Leaves out documents of bot authors (matched on author and corpus) and, of each duplicate
    group, every document but the representative: the smallest doc_id among the group's
    non-bot documents inside the dataset (`corpus`, or all corpora when None). "true" when
    `keep` is set or neither table exists yet."""
    if keep:
        return "true"
    clauses = []
    bots = lake.relation("curated", "bot_authors") if lake.list_parts(
        "curated", "bot_authors") else None
    if bots:
        clauses.append(f"NOT EXISTS (SELECT 1 FROM {bots} b WHERE b.author_id = {alias}.author_id"
                       f" AND b.corpus = {alias}.corpus)")
    if lake.list_parts("curated", "duplicates"):
        dups = lake.relation("curated", "duplicates")
        inside = "true" if corpus is None else f"x.corpus = {_sql_string(corpus)}"
        not_bot = (f"NOT EXISTS (SELECT 1 FROM {bots} b WHERE b.author_id = x.author_id"
                   " AND b.corpus = x.corpus)") if bots else "true"
        clauses.append(f"""{alias}.doc_id NOT IN (SELECT doc_id FROM (
            SELECT x.doc_id, row_number() OVER (PARTITION BY x.group_id ORDER BY x.doc_id) AS r
            FROM {dups} x WHERE {inside} AND {not_bot}) WHERE r > 1)""")
    return " AND ".join(clauses) or "true"


# --- card -----------------------------------------------------------------------------------------


def card_section(lake: Lake, con: duckdb.DuckDBPyConnection, dataset: str) -> list[str]:
    """Markdown lines: bot authors and documents, exact and near-duplicate groups and documents,
    per corpus of the dataset (`pooled`: every corpus)."""
    where = "true" if dataset == "pooled" else f"corpus = {_sql_string(dataset)}"
    rows: dict[str, dict[str, int]] = {}

    def put(query: str, names: tuple[str, ...]) -> None:
        for corpus, *values in con.execute(query).fetchall():
            rows.setdefault(corpus, {}).update(dict(zip(names, (int(v) for v in values),
                                                        strict=True)))

    if lake.list_parts("curated", "bot_authors"):
        put(f"""SELECT corpus, count(*), sum(n_documents)
                FROM {lake.relation('curated', 'bot_authors')} WHERE {where} GROUP BY 1""",
            ("bot_authors", "bot_documents"))
    if lake.list_parts("curated", "duplicates"):
        put(f"""SELECT corpus,
                  count(DISTINCT group_id) FILTER (WHERE kind = 'exact'),
                  count(*) FILTER (WHERE kind = 'exact'),
                  count(DISTINCT group_id) FILTER (WHERE kind = 'near'),
                  count(*) FILTER (WHERE kind = 'near')
                FROM {lake.relation('curated', 'duplicates')} WHERE {where} GROUP BY 1""",
            ("exact_groups", "exact_documents", "near_groups", "near_documents"))
    columns = ("bot_authors", "bot_documents", "exact_groups", "exact_documents", "near_groups",
               "near_documents")
    lines = ["## Bots and duplicate texts", "",
             "Bot authors are known bot accounts (a maintained list checked on the raw username "
             "before pseudonymisation) and authors whose texts sign as bots (\"I am a bot\", "
             "\"this action was performed automatically\"). Duplicates are texts identical "
             "after normalising case, punctuation, links and retweet prefixes (exact), or with "
             "an estimated Jaccard similarity of character 5-shingles of at least 0.8 (near; "
             "MinHash LSH). Both stay in the lake. A duplicate group never straddles splits; "
             "training exports leave out bot authors' documents and all but one document of each "
             "group unless built with `keep_bots_and_duplicates`.", "",
             "| corpus | " + " | ".join(c.replace("_", " ") for c in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for corpus in sorted(rows):
        lines.append(f"| {corpus} | " + " | ".join(str(rows[corpus].get(c, 0)) for c in columns)
                     + " |")
    if not rows:
        lines.append("| (none found) |" + " 0 |" * len(columns))
    return lines
