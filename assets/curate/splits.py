"""Leak-free, growth-stable train/dev/test splits of the curated documents.

An author's split is a pure function of (seed, author pseudonym): the first 52 bits of
sha256(seed, group) give a number in [0, 1), and fixed ratio thresholds cut it into train, dev
and test. Nothing else enters, so new authors never move existing ones, a corpus and the pooled
dataset agree on every author, and changing a ratio only moves authors near the thresholds.

Stratification. Any assignment that is a pure function of one author is independent of every
other author, so within each label stratum the split shares match the ratios in expectation
(binomially, deviation about sqrt(p(1-p)/n)), not exactly. Exact per-stratum balance would
require ranking authors against each other, and then one new author shifts the ranks of all the
others: exactly what must not happen. Hashing the stratum in as well would change nothing
statistically, but would move an author whose labels are corrected and let one author sit in
different splits in two corpora, so it is left out. The stratum is recorded, and the balance
per stratum is measured and reported instead.

Groups. Documents without an author are their own group (`doc:<doc_id>`). Groups that share an
identical text (content_hash) or a duplicate group (`curated/duplicates`: the same text up to
case, punctuation, links and retweet prefixes, or a near-duplicate; `assets/curate/dedup.py`)
are linked, and each linked component takes the split of its member with the smallest hash, so
neither a text nor a duplicate group ever crosses splits. A component only changes when a
new document duplicates the text of an existing group; that is the one case where an existing
group can move, and the asset reports how many groups are linked.

Memory: DuckDB streams the documents; Python only sees the (small) set of linked groups.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from assets.lake import Lake, PartWriter, corpus_of_part
from schemas.splits import SPLIT_NAMES, SPLITS

HASH_BITS = 52  # exactly representable in a float64, so SQL and Python agree bit for bit
PART = "splits"


@dataclass(frozen=True)
class SplitConfig:
    """Seed and ratios. The ratios must sum to 1; the seed names the split family."""

    seed: str = "personality-warehouse-v1"
    train: float = 0.8
    dev: float = 0.1
    test: float = 0.1
    source_zone: str = "curated"

    def __post_init__(self) -> None:
        ratios = (self.train, self.dev, self.test)
        if min(ratios) < 0 or abs(sum(ratios) - 1) > 1e-9:
            raise ValueError(f"split ratios must be >= 0 and sum to 1: {self}")

    @property
    def thresholds(self) -> tuple[float, float]:
        return self.train, self.train + self.dev

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def group_fraction(seed: str, group_id: str) -> float:
    """The group's position in [0, 1): the Python twin of `_FRACTION_SQL`."""
    digest = hashlib.sha256(f"{seed}\x1f{group_id}".encode()).hexdigest()
    return int(digest[: HASH_BITS // 4], 16) / 2**HASH_BITS


def split_of(fraction: float, config: SplitConfig) -> str:
    train_end, dev_end = config.thresholds
    return "train" if fraction < train_end else "dev" if fraction < dev_end else "test"


_FRACTION_SQL = (
    f"(('0x' || substr(sha256({{seed}} || chr(31) || {{col}}), 1, {HASH_BITS // 4}))::BIGINT"
    f" / {float(2**HASH_BITS)})"
)


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class SplitResult:
    """What a run wrote, for the asset's metadata."""

    docs: dict[str, dict[str, int]] = field(default_factory=dict)  # corpus -> split -> docs
    groups: dict[str, dict[str, int]] = field(default_factory=dict)  # corpus -> split -> groups
    linked_groups: int = 0
    largest_component: int = 1
    max_stratum_deviation: dict[str, float] = field(default_factory=dict)
    removed_parts: int = 0


def _connect(lake: Lake) -> duckdb.DuckDBPyConnection:
    return lake.connect(memory_limit="1GB", threads=2)


def build_splits(lake: Lake, config: SplitConfig | None = None) -> SplitResult:
    """Assign every curated document to a split; write one `splits` part per corpus."""
    config = config or SplitConfig()
    con = _connect(lake)
    try:
        docs = lake.relation(config.source_zone, "documents")
        labels = lake.relation(config.source_zone, "labels")
        dups = lake.relation("curated", "duplicates")
        con.execute(f"""
            CREATE TEMP TABLE docs AS
            SELECT d.doc_id, d.corpus, coalesce(d.author_id, 'doc:' || d.doc_id) AS group_id,
                   d.content_hash, x.group_id AS duplicate_group
            FROM {docs} d LEFT JOIN (SELECT doc_id, group_id FROM {dups}) x USING (doc_id)""")
        anchors = link_identical_texts(con, config.seed)
        con.register("anchors", pa.table(
            {"group_id": pa.array(list(anchors), pa.string()),
             "anchor": pa.array(list(anchors.values()), pa.string())}))
        con.execute(f"""
            CREATE TEMP TABLE strata AS
            SELECT CASE WHEN subject_kind = 'document' THEN 'doc:' || subject_id
                        ELSE subject_id END AS group_id,
                   array_to_string(list_sort(list(DISTINCT trait || '=' || coalesce(
                       value_cat, CASE WHEN value_percentile >= 50 THEN 'high' ELSE 'low' END))),
                       '|')
                       AS stratum
            FROM {labels} WHERE scheme IN ('big5', 'mbti') AND trait <> 'type'
            GROUP BY 1""")
        train_end, dev_end = config.thresholds
        fraction = _FRACTION_SQL.format(
            seed=sql_literal(config.seed), col="coalesce(a.anchor, d.group_id)")
        con.execute(f"""
            CREATE TEMP TABLE assigned AS
            SELECT d.doc_id, d.corpus, d.group_id,
                   coalesce(a.anchor, d.group_id) AS anchor_group_id,
                   d.content_hash, s.stratum,
                   CASE WHEN {fraction} < {train_end!r} THEN 'train'
                        WHEN {fraction} < {dev_end!r} THEN 'dev' ELSE 'test' END AS split
            FROM docs d LEFT JOIN anchors a USING (group_id) LEFT JOIN strata s USING (group_id)
            """)
        result = SplitResult(linked_groups=len(anchors),
                             largest_component=max(Counter(anchors.values()).values(), default=1))
        corpora = [c for (c,) in con.sql("SELECT DISTINCT corpus FROM docs ORDER BY 1").fetchall()]
        for corpus in corpora:
            _write_corpus(lake, con, corpus, config)
            result.docs[corpus] = _counts(con, corpus, "count(*)")
            result.groups[corpus] = _counts(con, corpus, "count(DISTINCT group_id)")
            result.max_stratum_deviation[corpus] = stratum_deviation(con, corpus, config)
        result.removed_parts = _remove_stale(lake, set(corpora))
        return result
    finally:
        con.close()


def link_identical_texts(con: duckdb.DuckDBPyConnection, seed: str) -> dict[str, str]:
    """group -> anchor group, for groups linked through identical texts or through a duplicate
    group of `curated/duplicates` (near-duplicates, case and punctuation variants) (union-find).

    Only groups sharing a text with another group appear; the anchor of a component is its
    member with the smallest (fraction, group_id), so the result is independent of row order."""
    linked = con.execute("""
        SELECT list(DISTINCT group_id ORDER BY group_id) FROM (
            SELECT group_id, 'h:' || content_hash AS link FROM docs
            UNION ALL
            SELECT group_id, 'd:' || duplicate_group FROM docs WHERE duplicate_group IS NOT NULL)
        GROUP BY link HAVING count(DISTINCT group_id) > 1""").fetchall()
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for (groups,) in linked:
        first = find(groups[0])
        for other in groups[1:]:
            root = find(other)
            if root != first:
                parent[root] = first
    members: dict[str, list[str]] = {}
    for group in parent:
        members.setdefault(find(group), []).append(group)
    anchors: dict[str, str] = {}
    for component in members.values():
        anchor = min(component, key=lambda g: (group_fraction(seed, g), g))
        anchors.update({g: anchor for g in component})
    return dict(sorted(anchors.items()))


def _write_corpus(
    lake: Lake, con: duckdb.DuckDBPyConnection, corpus: str, config: SplitConfig
) -> None:
    reader = con.sql(
        f"SELECT {', '.join(SPLITS.names)} FROM assigned WHERE corpus = $1 ORDER BY doc_id",
        params=[corpus],
    ).to_arrow_reader(50_000)
    stamp = {"split_config": config.as_dict()}
    # Unchanged rows keep the published file as it was: its dataset stays skipped downstream.
    with PartWriter(lake, "curated", "splits", corpus, PART, SPLITS, stamp,
                    keep_identical=True) as writer:
        for batch in reader:
            writer.write(batch)


def _counts(con: duckdb.DuckDBPyConnection, corpus: str, measure: str) -> dict[str, int]:
    rows = con.execute(
        f"SELECT split, {measure} FROM assigned WHERE corpus = $1 GROUP BY split", [corpus]
    ).fetchall()
    counts = dict(rows)
    return {s: int(counts.get(s, 0)) for s in SPLIT_NAMES}


def stratum_deviation(con: duckdb.DuckDBPyConnection, corpus: str, config: SplitConfig,
                      min_groups: int = 30) -> float:
    """Largest |share of a stratum's groups in a split - that split's ratio|, over strata with
    at least `min_groups` groups (smaller strata are noise by construction)."""
    rows = con.execute(
        """SELECT stratum, split, count(DISTINCT group_id) FROM assigned
           WHERE corpus = $1 AND stratum IS NOT NULL GROUP BY ALL""",
        [corpus],
    ).fetchall()
    per: dict[str, Counter[str]] = {}
    for stratum, split, n in rows:
        per.setdefault(stratum, Counter())[split] = n
    ratios = {"train": config.train, "dev": config.dev, "test": config.test}
    worst = 0.0
    for counts in per.values():
        total = sum(counts.values())
        if total >= min_groups:
            worst = max(worst, *(abs(counts[s] / total - r) for s, r in ratios.items()))
    return round(worst, 4)


def _remove_stale(lake: Lake, corpora: set[str]) -> int:
    """Drop the splits of corpora that no longer have curated documents."""
    removed = 0
    for path in lake.list_parts("curated", "splits"):
        if corpus_of_part(path) not in corpora:
            lake.remove(path)
            removed += 1
    return removed


def read_splits(lake: Lake, corpus: str | None = None) -> pa.Table:
    """The splits table (one corpus or all), for tests and small tools."""
    import pyarrow.parquet as pq

    paths = lake.list_parts("curated", "splits", corpus)
    tables = [pq.read_table(lake.fs.open(p, "rb")) for p in paths]
    if not tables:
        return SPLITS.empty_table()
    return pa.concat_tables([t.replace_schema_metadata(None) for t in tables]).sort_by("doc_id")


def leak_counts(lake: Lake) -> dict[str, int]:
    """Groups and identical texts found in more than one split, over all corpora (pooled)."""
    con = _connect(lake)
    try:
        rel = lake.relation("curated", "splits")
        groups, texts = con.execute(f"""
            SELECT
              (SELECT count(*) FROM (SELECT group_id FROM {rel} GROUP BY 1
                                     HAVING count(DISTINCT split) > 1)),
              (SELECT count(*) FROM (SELECT content_hash FROM {rel} GROUP BY 1
                                     HAVING count(DISTINCT split) > 1))""").fetchall()[0]
        return {"groups_in_two_splits": int(groups), "texts_in_two_splits": int(texts)}
    finally:
        con.close()
