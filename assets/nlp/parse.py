"""One spaCy parse per document, stored in the raw zone for every later stage to read.

Layout, per raw `documents` part:

    <root>/lake/raw/parsed_documents/corpus=<c>/<part>.parquet            the index (a lake part)
    <root>/lake/raw/parsed_documents/corpus=<c>/<part>/g-<id>/chunk-00000.spacy   DocBin chunks

The index has one row per document (doc_id, content_hash, chunk, position, token and sentence
counts) and, in its footer, the model name and version and a digest of the part's
(doc_id, content_hash) pairs. A rerun with the same texts and the same model is skipped. The
chunks of a parse live in a fresh generation folder and the index, published atomically last,
names it: a reader always sees one complete parse, and old generations are deleted afterwards.

Docs are chunked by token count, so neither the parse nor a reader ever holds more than one
chunk of a large corpus in memory.
"""

from __future__ import annotations

import hashlib
import posixpath
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import spacy
from spacy.attrs import SPACY
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from assets.lake import Lake, PartWriter, corpus_of, iter_part_batches

ZONE = "raw"
TABLE = "parsed_documents"
SOURCE_TABLE = "documents"
PARSE_VERSION = 2  # bump when what is stored changes, to force a reparse
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
    ]
)


@dataclass(frozen=True)
class ParseConfig:
    """How to run the pipeline and how big a stored chunk may grow."""

    batch_size: int = 64
    n_process: int = 1
    chunk_tokens: int = 200_000
    chunk_docs: int = 5_000


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


def iter_texts(lake: Lake, corpus: str, part: str, batch_rows: int = 2_000
               ) -> Iterator[tuple[str, tuple[str, str]]]:
    """(text, (doc_id, content_hash)) of a raw part, streamed, in the shape `nlp.pipe` wants."""
    path = lake.part_path(ZONE, SOURCE_TABLE, corpus, part)
    for batch in iter_part_batches(lake, [path], ["doc_id", "text", "content_hash"], batch_rows):
        ids, texts, hashes = (batch.column(i).to_pylist() for i in range(3))
        for doc_id, text, content_hash in zip(ids, texts, hashes, strict=True):
            yield text or "", (doc_id, content_hash)


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


def parse_part(
    lake: Lake,
    nlp: Language,
    corpus: str,
    part: str,
    config: ParseConfig | None = None,
    force: bool = False,
) -> PartParse:
    """Parse one raw documents part into DocBin chunks, unless texts and model are unchanged."""
    config = config or ParseConfig()
    raw_meta = lake.part_metadata(lake.part_path(ZONE, SOURCE_TABLE, corpus, part)) or {}
    stamp: dict[str, Any] = {
        "partition": raw_meta.get("partition"),
        "source_file": raw_meta.get("source_file"),
        "fingerprint": raw_meta.get("fingerprint"),
        "documents_digest": documents_digest(lake, corpus, part),
        "parse_version": PARSE_VERSION,
        **model_stamp(nlp),
    }
    current = _current_stamp(lake, corpus, part)
    if not force and current is not None and all(current.get(k) == v for k, v in stamp.items()):
        return PartParse(part, skipped=True, documents=int(current.get("documents", 0)),
                         chunks=int(current.get("chunks", 0)), stamp=current)
    generation = f"g-{uuid.uuid4().hex[:12]}"
    result = PartParse(part, skipped=False)
    rows: dict[str, list[Any]] = {name: [] for name in INDEX_SCHEMA.names}
    # Ids live in the index, not in each Doc's user_data: DocBin (de)serialises user_data with
    # one msgpack call per Doc, which costs about a millisecond each (srsly looks up its
    # extension entry points every time): more than the features of a short Doc.
    docbin = FastDocBin()
    chunk_tokens = 0
    docs = nlp.pipe(iter_texts(lake, corpus, part), as_tuples=True,
                    batch_size=config.batch_size, n_process=config.n_process)
    try:
        for doc, (doc_id, content_hash) in docs:
            rows["doc_id"].append(doc_id)
            rows["content_hash"].append(content_hash)
            rows["chunk"].append(result.chunks)
            rows["position"].append(len(docbin))
            rows["n_tokens"].append(len(doc))
            rows["n_sentences"].append(sum(1 for _ in doc.sents) if len(doc) else 0)
            docbin.add(doc)
            chunk_tokens += len(doc)
            result.documents += 1
            result.tokens += len(doc)
            if chunk_tokens >= config.chunk_tokens or len(docbin) >= config.chunk_docs:
                path = chunk_path(lake, corpus, part, generation, result.chunks)
                _write_chunk(lake, path, docbin)
                result.chunks += 1
                docbin, chunk_tokens = FastDocBin(), 0
        if len(docbin):
            _write_chunk(lake, chunk_path(lake, corpus, part, generation, result.chunks), docbin)
            result.chunks += 1
        stamp.update(generation=generation, chunks=result.chunks, documents=result.documents)
        with PartWriter(lake, ZONE, TABLE, corpus, part, INDEX_SCHEMA, stamp) as writer:
            writer.write(pa.table(rows, schema=INDEX_SCHEMA))
    except BaseException:
        _remove_generation(lake, corpus, part, generation)
        raise
    _remove_other_generations(lake, corpus, part, keep=generation)
    result.stamp = stamp
    return result


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
                    force: bool = False) -> list[PartParse]:
    """Parse every raw documents part of a partition; what the Dagster asset calls."""
    corpus = corpus_of(partition)
    parts = lake.partition_parts(ZONE, SOURCE_TABLE, partition)
    results = [parse_part(lake, nlp, corpus, part, config, force) for part in parts]
    remove_vanished(lake, corpus, partition, parts)
    return results


def read_index(lake: Lake, corpus: str, part: str) -> tuple[pa.Table, dict[str, Any]]:
    """The index table of a parsed part and its footer stamp."""
    path = lake.part_path(ZONE, TABLE, corpus, part)
    with lake.fs.open(path, "rb") as handle:
        table = pq.read_table(handle)
    return table, lake.part_metadata(path) or {}


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
