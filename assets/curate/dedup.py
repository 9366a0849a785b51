"""Exact and near-duplicate texts over the whole warehouse: copypasta, retweets, reposts.

Byte-identical texts were already kept in one split (`content_hash`), but the same text with
other case, punctuation, a link or a retweet prefix was not: on the real corpora 28 such texts
sat in both pooled train and test. Here every curated document of every corpus is

1. normalised: NFKC, lower case, `RT @user:` prefixes, URLs and punctuation removed, whitespace
   collapsed, placeholder numbers dropped (`normalise`);
2. skipped when fewer than `min_words` words remain ("lol", "thanks!" are not duplicates worth
   keeping apart: linking every author who wrote them would force most authors into one split);
3. keyed by the XXH3-64 of its normalised text (exact duplicates share the key), and given a
   MinHash signature of its character 5-shingles (datasketch `MinHash.bulk`, a fast non-crypto
   hash);
4. near-duplicate candidates come from MinHash LSH banding, with datasketch's `MinHashLSH` choosing
   the bands and rows for the Jaccard threshold. The band keys and signatures go into DuckDB, which
   groups the buckets (it spills to disk, so PANDORA's 17.6M comments fit), and each candidate is
   kept only if its estimated Jaccard to the bucket's first member is >= the threshold.

Exact keys and verified pairs are joined into groups (connected components). A group is `exact`
when all its members share one normalised text, else `near`; its id is its smallest doc_id. The
`duplicates` table holds one row per document in a group, one part per corpus, and is read by the
splits (a group never straddles splits) and the exports (one representative per group).

Char 5-shingles rather than word 3-shingles: most of these texts are short posts and tweets, where
one changed word removes three of eight word 3-shingles (Jaccard 0.45) but only a few of fifty
character 5-shingles.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash
from datasketch import MinHash, MinHashLSH
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from assets.lake import Lake, PartWriter, corpus_of_part
from schemas.splits import DUPLICATES

PART = "duplicates"
EXACT, NEAR = "exact", "near"

# Curated texts carry the privacy stage's placeholders: a retweet reads "RT <USER_1>: ...", a link
# "<URL_1>"; raw texts "RT @name: ..." and the link itself. Both forms are removed.
_RETWEET = re.compile(r"^(?:\s*rt\s+(?:@\w+|<user_\d+>)\s*:?\s*)+")
_URL = re.compile(r"(?:https?://|www\.)\S+|<url_\d+>")
_PLACEHOLDER_NUMBER = re.compile(r"<([a-z_]+?)_\d+>")
_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class DedupConfig:
    """What counts as a duplicate. Changing it regroups texts (and may move split groups)."""

    threshold: float = 0.8  # estimated Jaccard of character shingles
    shingle_chars: int = 5
    num_perm: int = 128
    min_words: int = 5
    seed: int = 1
    batch_rows: int = 10_000

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def bands(self) -> tuple[int, int]:
        """(bands, rows per band) that datasketch picks for the threshold and permutations."""
        lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm)
        return lsh.b, lsh.r


def normalise(text: str | None) -> str:
    """The text as compared: case, punctuation, URLs, retweet prefixes and spacing removed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _RETWEET.sub("", text)
    text = _URL.sub(" ", text)
    text = _PLACEHOLDER_NUMBER.sub(r" \1 ", text)  # <PERSON_2> and <PERSON_1>: one person
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def shingles(normalised: str, k: int = 5) -> set[bytes]:
    """Character k-shingles of a normalised text (the whole text when shorter than k)."""
    data = normalised.encode("utf-8")
    if len(data) <= k:
        return {data}
    return {data[i:i + k] for i in range(len(data) - k + 1)}


def _hash32(data: bytes) -> int:
    return xxhash.xxh32_intdigest(data)


def signatures(normalised: list[str], config: DedupConfig) -> np.ndarray:
    """MinHash signatures, one row of `num_perm` uint32 per text (datasketch, in bulk)."""
    if not normalised:
        return np.zeros((0, config.num_perm), dtype=np.uint32)
    sets = [shingles(t, config.shingle_chars) for t in normalised]
    hashes = MinHash.bulk(sets, num_perm=config.num_perm, seed=config.seed, hashfunc=_hash32)
    return np.vstack([m.hashvalues for m in hashes]).astype(np.uint32)


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 63-bit key per (text, band): an FNV-style mix of the band's rows (vectorised)."""
    keys = np.zeros((len(sigs), bands), dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for b in range(bands):
            h = np.full(len(sigs), np.uint64(0xCBF29CE484222325), dtype=np.uint64)
            for j in range(b * rows, (b + 1) * rows):
                h = (h ^ sigs[:, j].astype(np.uint64)) * prime
            keys[:, b] = h
    return (keys >> np.uint64(1)).astype(np.int64)


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Share of equal signature positions, row by row."""
    return (a == b).mean(axis=1)


@dataclass
class DedupResult:
    """What a run found, for the asset's metadata and the report."""

    documents: int = 0
    compared: int = 0  # documents with at least min_words words
    candidate_pairs: int = 0
    near_pairs: int = 0
    groups: dict[str, int] = field(default_factory=dict)  # kind -> groups
    grouped_docs: dict[str, int] = field(default_factory=dict)  # kind -> documents
    per_corpus: dict[str, dict[str, int]] = field(default_factory=dict)
    largest_group: int = 0
    removed_parts: int = 0
    bands: tuple[int, int] = (0, 0)


def _doc_batches(lake: Lake, con: duckdb.DuckDBPyConnection, zone: str,
                 batch_rows: int) -> Iterator[pa.RecordBatch]:
    rel = lake.relation(zone, "documents")
    yield from con.sql(f"SELECT doc_id, corpus, author_id, text FROM {rel} ORDER BY doc_id"
                       ).to_arrow_reader(batch_rows)


def find_duplicates(con: duckdb.DuckDBPyConnection, batches: Iterator[pa.RecordBatch],
                    config: DedupConfig) -> tuple[pa.Table, DedupResult]:
    """Duplicate groups of the documents in `batches` (doc_id, corpus, author_id, text).

    Returns the `duplicates` rows (all corpora) and the counts. `con` holds the signatures and
    band keys (a file-backed connection lets DuckDB spill them for a large warehouse)."""
    bands, rows = config.bands()
    result = DedupResult(bands=(bands, rows))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE sigs (idx BIGINT, doc_id VARCHAR, corpus VARCHAR,
                    author_id VARCHAR, exact_key BIGINT, sig UINTEGER[{config.num_perm}])""")
    con.execute("CREATE OR REPLACE TEMP TABLE band_keys (idx BIGINT, band INTEGER, bkey BIGINT)")
    offset = 0
    for batch in batches:
        result.documents += batch.num_rows
        texts = [normalise(t) for t in batch.column("text").to_pylist()]
        keep = [i for i, t in enumerate(texts) if len(t.split(" ")) >= config.min_words and t]
        if not keep:
            continue
        kept = [texts[i] for i in keep]
        sig = signatures(kept, config)
        idx = np.arange(offset, offset + len(keep), dtype=np.int64)
        offset += len(keep)
        take = pa.array(keep, pa.int64())
        exact = np.array([xxhash.xxh3_64_intdigest(t.encode("utf-8")) >> 1 for t in kept],
                         dtype=np.int64)
        table = pa.table({
            "idx": idx,
            "doc_id": batch.column("doc_id").take(take),
            "corpus": batch.column("corpus").take(take),
            "author_id": batch.column("author_id").take(take),
            "exact_key": exact,
            "sig": pa.FixedSizeListArray.from_arrays(pa.array(sig.ravel()), config.num_perm),
        })
        con.register("sig_batch", table)
        con.execute("INSERT INTO sigs SELECT * FROM sig_batch")
        con.unregister("sig_batch")
        keys = band_keys(sig, bands, rows)
        con.register("key_batch", pa.table({
            "idx": np.repeat(idx, bands), "band": np.tile(np.arange(bands, dtype=np.int32),
                                                          len(idx)),
            "bkey": keys.ravel()}))
        con.execute("INSERT INTO band_keys SELECT * FROM key_batch")
        con.unregister("key_batch")
    result.compared = offset
    if offset == 0:
        return DUPLICATES.empty_table(), result
    # One representative per normalised text takes part in LSH; its copies join it exactly.
    con.execute("""CREATE OR REPLACE TEMP TABLE reps AS
        SELECT idx, min(idx) OVER (PARTITION BY exact_key) AS rep FROM sigs""")
    exact_edges = con.sql("SELECT idx, rep FROM reps WHERE idx <> rep").to_arrow_table()
    # A bucket links each member to its first member (a star, not every pair): linear in the
    # bucket's size, so a template posted ten thousand times costs ten thousand checks.
    con.execute("""CREATE OR REPLACE TEMP TABLE candidates AS
        SELECT DISTINCT head AS a, idx AS b FROM (
            SELECT k.idx, min(k.idx) OVER (PARTITION BY k.band, k.bkey) AS head
            FROM band_keys k JOIN reps r ON r.idx = k.idx AND r.idx = r.rep)
        WHERE idx <> head""")
    near_a, near_b = _verified_pairs(con, config, result)
    a = np.concatenate([exact_edges.column("idx").to_numpy(), near_a]).astype(np.int64)
    b = np.concatenate([exact_edges.column("rep").to_numpy(), near_b]).astype(np.int64)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(offset, offset))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    members = np.nonzero(sizes[labels] > 1)[0]
    con.register("grouped", pa.table({"idx": members.astype(np.int64),
                                      "component": labels[members].astype(np.int64)}))
    out = con.sql("""
        SELECT s.doc_id, s.corpus, s.author_id,
               min(s.doc_id) OVER w AS group_id,
               CASE WHEN min(s.exact_key) OVER w = max(s.exact_key) OVER w THEN 'exact'
                    ELSE 'near' END
                   AS kind,
               count(*) OVER w AS group_size
        FROM grouped g JOIN sigs s USING (idx)
        WINDOW w AS (PARTITION BY g.component)
        ORDER BY s.corpus, s.doc_id""").to_arrow_table()
    con.unregister("grouped")
    table = out.cast(DUPLICATES)
    _count(table, result)
    return table, result


def _verified_pairs(con: duckdb.DuckDBPyConnection, config: DedupConfig,
                    result: DedupResult) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs whose estimated Jaccard reaches the threshold, in bounded batches."""
    reader = con.sql("""SELECT c.a, c.b, sa.sig AS sa, sb.sig AS sb FROM candidates c
        JOIN sigs sa ON sa.idx = c.a JOIN sigs sb ON sb.idx = c.b""").to_arrow_reader(50_000)
    kept_a, kept_b = [], []
    for batch in reader:
        if not batch.num_rows:
            continue
        result.candidate_pairs += batch.num_rows
        sa = _matrix(batch.column("sa"), config.num_perm)
        sb = _matrix(batch.column("sb"), config.num_perm)
        ok = estimated_jaccard(sa, sb) >= config.threshold
        kept_a.append(batch.column("a").to_numpy()[ok])
        kept_b.append(batch.column("b").to_numpy()[ok])
    a = np.concatenate(kept_a) if kept_a else np.zeros(0, dtype=np.int64)
    b = np.concatenate(kept_b) if kept_b else np.zeros(0, dtype=np.int64)
    result.near_pairs = len(a)
    return a, b


def _matrix(column: pa.Array, width: int) -> np.ndarray:
    return column.flatten().to_numpy(zero_copy_only=False).reshape(-1, width)


def _count(table: pa.Table, result: DedupResult) -> None:
    rows = table.select(["corpus", "group_id", "kind", "group_size"]).to_pylist()
    groups: dict[str, set[str]] = {EXACT: set(), NEAR: set()}
    docs = {EXACT: 0, NEAR: 0}
    for row in rows:
        groups[row["kind"]].add(row["group_id"])
        docs[row["kind"]] += 1
        per = result.per_corpus.setdefault(row["corpus"], {
            "exact_groups": 0, "exact_docs": 0, "near_groups": 0, "near_docs": 0})
        per[f"{row['kind']}_docs"] += 1
        result.largest_group = max(result.largest_group, row["group_size"])
    for corpus, per in result.per_corpus.items():
        for kind in (EXACT, NEAR):
            per[f"{kind}_groups"] = len({r["group_id"] for r in rows
                                         if r["corpus"] == corpus and r["kind"] == kind})
    result.groups = {k: len(v) for k, v in groups.items()}
    result.grouped_docs = docs


def build_duplicates(lake: Lake, config: DedupConfig | None = None,
                     zone: str = "curated") -> DedupResult:
    """Find the duplicate groups of every curated document; write one part per corpus."""
    config = config or DedupConfig()
    with tempfile.TemporaryDirectory(prefix="dedup-") as scratch:
        # File-backed, so the signatures and band keys of a large warehouse spill to disk.
        con = lake.connect(f"{scratch}/dedup.duckdb", memory_limit="1GB", threads=2)
        source = lake.connect(f"{scratch}/source.duckdb", memory_limit="512MB", threads=1)
        try:
            table, result = find_duplicates(
                con, _doc_batches(lake, source, zone, config.batch_rows), config)
        finally:
            source.close()
            con.close()
    corpora = sorted(set(table.column("corpus").to_pylist()))
    stamp = {"dedup_config": config.as_dict()}
    for corpus in corpora:
        rows = table.filter(pc.equal(table["corpus"], corpus))
        with PartWriter(lake, "curated", "duplicates", corpus, PART, DUPLICATES, stamp,
                        keep_identical=True) as writer:
            writer.write(rows)
    for path in lake.list_parts("curated", "duplicates"):
        if corpus_of_part(path) not in corpora:
            lake.remove(path)
            result.removed_parts += 1
    return result


def straddling_groups(lake: Lake) -> dict[str, int]:
    """Duplicate groups (and their documents) found in more than one split, pooled."""
    if not lake.list_parts("curated", "duplicates") or not lake.list_parts("curated", "splits"):
        return {"duplicate_groups_in_two_splits": 0, "documents_in_them": 0}
    con = lake.connect(memory_limit="1GB", threads=2)
    try:
        groups, docs = con.execute(f"""
            SELECT count(*), coalesce(sum(n), 0) FROM (
                SELECT d.group_id, count(*) AS n FROM {lake.relation('curated', 'duplicates')} d
                JOIN {lake.relation('curated', 'splits')} s USING (doc_id)
                GROUP BY d.group_id HAVING count(DISTINCT s.split) > 1)""").fetchall()[0]
        return {"duplicate_groups_in_two_splits": int(groups), "documents_in_them": int(docs)}
    finally:
        con.close()
