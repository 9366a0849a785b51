"""Anonymising a partition: raw parts in, anonymised and pseudonymised curated parts out.

(Not to be confused with `assets/curate/`, the later stage that splits and exports datasets.)

Plain Python (the Dagster assets only call these). Each raw part (one per source file) becomes
one curated part of the same name, written atomically through `PartWriter`, so a rerun replaces
the partition's curated parts whole. Documents are anonymised from the stored parse
(`assets.nlp.parse.iter_parsed_docs`), in the same order as the raw part; only when a part has
not been parsed yet are its texts parsed here, once.

A dialogue's utterances are lines of its document's text (`Speaker: speech`), so they are
anonymised from the document's parse: the scene is analysed once, each turn takes the findings
inside its line, and all of them share the scene's numbering (`<PERSON_2>` is the same person
in the document and in every turn). Stage directions are not in the document text and are
parsed here, continuing the same numbering; so is a turn that cannot be found in its document.

Both run as chunk tasks on the engine's workers when the part is parsed: a documents task per
parse chunk, and a turns task per run of turns whose scenes lie in one parse chunk. Tasks write
chunk files without pseudonyms; the driver adds them (the key never leaves it) and publishes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from spacy.language import Language
from spacy.tokens import Doc

from assets.ingest.ids import content_hash
from assets.lake import Lake, PartWriter, corpus_of, iter_part_batches, read_row_range
from assets.platform.chunks import (
    chunk_file,
    chunk_folder,
    iter_chunks,
    remove_folder,
    run_id,
    write_chunk,
)
from assets.platform.engine import ChunkExecutor, load_once, spacy_pipeline
from assets.privacy.anonymise import (
    Anonymised,
    Finding,
    Numbering,
    PiiEngine,
    findings_within,
    replace_findings,
)
from assets.privacy.bots import known_bot_reason
from assets.privacy.known_names import KnownNames, NameFilter
from assets.privacy.leaks import LeakReport, LeakScanner, iter_structured
from assets.privacy.policy import Policy
from assets.privacy.pseudonyms import pseudonym_or_none
from schemas.curated import CURATED_TABLES
from schemas.tables import UTTERANCES

RAW, CURATED = "raw", "curated"
BATCH_ROWS = 2_000


@dataclass
class CurateResult:
    rows: Counter[str] = field(default_factory=Counter)
    pii: Counter[str] = field(default_factory=Counter)
    parsed_here: int = 0
    preview: list[str] = field(default_factory=list)


def known_names_from_lake(lake: Lake, name_filter: NameFilter | None = None) -> KnownNames:
    """Every username and speaker name in the raw zone, all corpora: a name seen anywhere is
    redacted everywhere."""
    names: list[str] = []
    for table, column in (("authors", "username"), ("utterances", "speaker")):
        paths = lake.list_parts(RAW, table)
        for batch in iter_part_batches(lake, paths, columns=[column], batch_rows=50_000):
            names.extend(v for v in batch.column(0).to_pylist() if v)
    return KnownNames.build(names, name_filter)


def known_names_filter(policy: Policy) -> NameFilter:
    s = policy.settings("known_names")
    return NameFilter(int(s.get("min_length", 3)), float(s.get("max_common_zipf", 3.5)))


def current_known_names(lake: Lake, policy: Policy | None = None) -> KnownNames:
    """The known-name set under the policy's filter: what the anonymiser redacts, what every
    leak scan (curated tables, exports) looks for, and what curated text is stamped with."""
    from assets.privacy.policy import load_policy

    return known_names_from_lake(lake, known_names_filter(policy or load_policy()))


# Curated text parts carry the fingerprint of the known-name set they were anonymised with.
KNOWN_NAMES_STAMP = "known_names"
TEXT_TABLES = ("documents", "utterances")


def stale_partitions(lake: Lake, known: KnownNames) -> list[str]:
    """Partitions whose curated text was anonymised with another known-name set (a partition
    ingested later made more names known, or parts older than the stamp): their text may hold a
    name that is redacted everywhere else, so their privacy assets must run again.

    Partitions without curated text are not stale, only not yet curated."""
    stale = set()
    for table in TEXT_TABLES:
        for path in lake.list_parts(CURATED, table):
            meta = lake.part_metadata(path) or {}
            if meta.get("partition") and meta.get(KNOWN_NAMES_STAMP) != known.fingerprint:
                stale.add(meta["partition"])
    return sorted(stale)


def _stamp(lake: Lake, table: str, corpus: str, part: str,
           known: KnownNames | None = None) -> dict[str, Any]:
    meta = dict(lake.part_metadata(lake.part_path(RAW, table, corpus, part)) or {})
    meta["stage"] = "privacy"
    if table in TEXT_TABLES:
        meta[KNOWN_NAMES_STAMP] = (known or KnownNames(frozenset())).fingerprint
    return meta


def _docs_for_part(lake: Lake, nlp: Language, corpus: str, part: str, texts: Iterable[str],
                   result: CurateResult) -> Iterator[tuple[str | None, Doc]]:
    """The part's Docs in raw order: the stored parse when there is one, else one parse here."""
    try:
        from assets.nlp.parse import iter_parsed_docs

        yield from iter_parsed_docs(lake, corpus, part, nlp.vocab)
        return
    except (ImportError, FileNotFoundError):
        pass
    for doc in nlp.pipe(texts, batch_size=64):
        result.parsed_here += 1
        yield None, doc


def curate_documents(lake: Lake, engine: PiiEngine, nlp: Language, partition: str, key: str,
                     executor: ChunkExecutor | None = None, model: str | None = None
                     ) -> CurateResult:
    """Anonymise the partition's documents; author ids become pseudonyms.

    With an `executor` (and the `model` that `nlp` was loaded from), a parsed part is
    anonymised by chunk tasks on the engine's workers, one per parse chunk; the driver adds the
    pseudonyms (the key never leaves it) and publishes the part last."""
    corpus = corpus_of(partition)
    result = CurateResult()
    for part in lake.partition_parts(RAW, "documents", partition):
        if executor is not None and model and _parsed(lake, corpus, part):
            _curate_document_chunks(lake, engine, corpus, part, key, executor, model, result)
        else:
            _curate_document_part(lake, engine, nlp, corpus, part, key, result)
    return result


def _parsed(lake: Lake, corpus: str, part: str) -> bool:
    from assets.nlp.parse import TABLE, ZONE

    return lake.part_metadata(lake.part_path(ZONE, TABLE, corpus, part)) is not None


def _curate_document_part(lake: Lake, engine: PiiEngine, nlp: Language, corpus: str, part: str,
                          key: str, result: CurateResult) -> None:
    """One part anonymised here, streamed (from its parse, or parsed here when it has none)."""
    schema = CURATED_TABLES["documents"].schema
    path = lake.part_path(RAW, "documents", corpus, part)
    # Streamed twice (rows, and texts for a fallback parse): never a whole part in memory.
    rows = (r for b in iter_part_batches(lake, [path], batch_rows=BATCH_ROWS)
            for r in b.to_pylist())
    texts = (t or "" for b in iter_part_batches(lake, [path], ["text"], BATCH_ROWS)
             for t in b.column(0).to_pylist())
    docs = _docs_for_part(lake, nlp, corpus, part, texts, result)
    languages = _languages_for_part(lake, corpus, part)
    with PartWriter(lake, CURATED, "documents", corpus, part, schema,
                    _stamp(lake, "documents", corpus, part, engine.known)) as writer:
        out: list[dict[str, Any]] = []
        for row, (doc_id, doc), language in zip(rows, docs, languages, strict=True):
            if doc_id is not None and doc_id != row["doc_id"]:
                raise ValueError(f"parse of {corpus}/{part} is out of step with its documents")
            anonymised = engine.anonymise(doc)
            _note(result, anonymised.counts, anonymised.text)
            out.append(_curated_document(row, anonymised.text, anonymised.counts_json, key,
                                         language))
            if len(out) >= BATCH_ROWS:
                writer.write(pa.Table.from_pylist(out, schema=schema))
                out = []
        writer.write(pa.Table.from_pylist(out, schema=schema))
    result.rows["documents"] += writer.rows


def _note(result: CurateResult, counts: Counter[str] | dict[str, int], text: str) -> None:
    result.pii.update(counts)
    if len(result.preview) < 3 and counts:
        result.preview.append(text[:160])


ANONYMISED_CHUNK = pa.schema([("doc_id", pa.string()), ("text", pa.string()),
                              ("pii_counts", pa.string())])


@dataclass(frozen=True)
class AnonymiseChunkTask:
    """Anonymise rows [start, stop) of a parsed part (one parse chunk) into chunk `number`.

    Carries no secret: the pseudonym key stays with the driver. The worker rebuilds the
    known-name set from the lake (once per set) and checks its fingerprint."""

    lake_url: str
    corpus: str
    part: str
    number: int
    start: int
    stop: int
    folder: str
    model: str
    known_fingerprint: str


def _worker_known_names(lake: Lake, lake_url: str, fingerprint: str) -> KnownNames:
    known = load_once("known_names", lambda: current_known_names(lake), key=(lake_url,
                                                                            fingerprint))
    if known.fingerprint != fingerprint:
        raise RuntimeError("the known-name set changed during the run; run the partition again")
    return known


def anonymise_chunk(task: AnonymiseChunkTask) -> tuple[int, dict[str, int], list[str]]:
    """A chunk task, run on any worker: anonymised texts written to the chunk file; returns
    (documents, PII counts, up to three previews)."""
    from assets.nlp.parse import iter_parsed_rows
    from assets.privacy.anonymise import pii_engine
    from assets.privacy.policy import load_policy

    lake = Lake.at(task.lake_url)
    nlp = spacy_pipeline(task.model)
    engine = pii_engine(nlp, load_policy(), _worker_known_names(lake, task.lake_url,
                                                                task.known_fingerprint))
    rows: dict[str, list[str]] = {name: [] for name in ANONYMISED_CHUNK.names}
    summary = CurateResult()
    for doc_id, doc in iter_parsed_rows(lake, task.corpus, task.part, nlp.vocab, task.start,
                                        task.stop):
        anonymised = engine.anonymise(doc)
        _note(summary, anonymised.counts, anonymised.text)
        rows["doc_id"].append(doc_id)
        rows["text"].append(anonymised.text)
        rows["pii_counts"].append(anonymised.counts_json)
    write_chunk(lake, chunk_file(task.folder, task.number), pa.table(rows, ANONYMISED_CHUNK))
    return len(rows["doc_id"]), dict(summary.pii), summary.preview


def _chunk_rows(lake: Lake, corpus: str, part: str) -> list[tuple[int, int]]:
    """Rows [start, stop) of each parse chunk of a part, in order."""
    from assets.nlp.parse import read_index

    chunks = read_index(lake, corpus, part)[0].column("chunk").to_pylist()
    bounds: list[tuple[int, int]] = []
    for row, chunk in enumerate(chunks):
        if bounds and chunk == chunks[row - 1]:
            bounds[-1] = (bounds[-1][0], row + 1)
        else:
            bounds.append((row, row + 1))
    return bounds


def _curate_document_chunks(lake: Lake, engine: PiiEngine, corpus: str, part: str, key: str,
                            executor: ChunkExecutor, model: str, result: CurateResult) -> None:
    """One parsed part anonymised by chunk tasks; pseudonyms added and the part published
    here, in row groups of `BATCH_ROWS` whatever the chunks."""
    stamp = _stamp(lake, "documents", corpus, part, engine.known)
    folder = chunk_folder(lake, CURATED, "documents", corpus, part, run_id(stamp))
    tasks = [AnonymiseChunkTask(lake.url(lake.root), corpus, part, number, start, stop, folder,
                                model, engine.known.fingerprint)
             for number, (start, stop) in enumerate(_chunk_rows(lake, corpus, part))]
    languages = _languages_for_part(lake, corpus, part)
    try:
        for _, counts, previews in executor.map(anonymise_chunk, tasks):
            result.pii.update(counts)
            result.preview.extend(previews[: 3 - len(result.preview)])
        result.rows["documents"] += _publish_in_step(
            lake, "documents", "doc_id", corpus, part, stamp,
            [chunk_file(folder, t.number) for t in tasks],
            lambda row, done: _curated_document(row, done["text"], done["pii_counts"], key,
                                                next(languages)))
    finally:
        remove_folder(lake, folder)


def _publish_in_step(lake: Lake, table: str, id_column: str, corpus: str, part: str,
                     stamp: dict[str, Any], chunk_paths: list[str],
                     curated_row: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
                     ) -> int:
    """Publish a curated part from its chunk files, read in step with the raw part's rows (in
    row groups of `BATCH_ROWS`, as the stream writes them): `curated_row(raw, chunk row)` adds
    what only the driver has (pseudonyms). Raises when the two disagree on a row's id or their
    length; returns the rows written."""
    schema = CURATED_TABLES[table].schema
    done = (r for t in iter_chunks(lake, chunk_paths) for r in t.to_pylist())
    with PartWriter(lake, CURATED, table, corpus, part, schema, stamp) as writer:
        for batch in iter_part_batches(lake, [lake.part_path(RAW, table, corpus, part)],
                                       batch_rows=BATCH_ROWS):
            out = []
            for row in batch.to_pylist():
                item = next(done, None)
                if item is None or item[id_column] != row[id_column]:
                    raise ValueError(f"anonymised {corpus}/{part} {table} are out of step with "
                                     "the raw part")
                out.append(curated_row(row, item))
            writer.write(pa.Table.from_pylist(out, schema=schema))
        if next(done, None) is not None:
            raise ValueError(f"anonymised {corpus}/{part} {table} have more rows than the raw "
                             "part")
    return writer.rows


def _curated_document(row: dict[str, Any], text: str, counts_json: str, key: str,
                      language: tuple[str, float]) -> dict[str, Any]:
    return {
        **{k: v for k, v in row.items() if k not in ("text", "author_id", "content_hash")},
        "author_id": pseudonym_or_none(row["author_id"], key),
        "text": text,
        "content_hash": content_hash(text),
        "pii_counts": counts_json,
        "language": language[0],
        "language_confidence": language[1],
    }


def _languages_for_part(lake: Lake, corpus: str, part: str) -> Iterator[tuple[str, float]]:
    """(language, confidence) of each raw row, in order: from the part's parse, where they were
    detected on the raw text; detected here only when the part has no parse. Detected before
    anonymisation, whose placeholders are English words."""
    from assets.nlp.parse import iter_languages

    try:
        yield from iter_languages(lake, corpus, part)
        return
    except FileNotFoundError:
        pass
    from assets.nlp.language import language_detector

    detector = language_detector()
    path = lake.part_path(RAW, "documents", corpus, part)
    for batch in iter_part_batches(lake, [path], ["text"], BATCH_ROWS):
        for guess in detector.detect_many(batch.column(0).to_pylist()):
            yield guess.language, guess.confidence


def curate_utterances(lake: Lake, engine: PiiEngine, nlp: Language, partition: str, key: str,
                      executor: ChunkExecutor | None = None, model: str | None = None
                      ) -> CurateResult:
    """Anonymise dialogue turns and their stage directions; speaker ids become pseudonyms.

    With an `executor` (and the `model` that `nlp` was loaded from), a part whose documents are
    parsed is anonymised by chunk tasks, one per parse chunk holding its scenes; the driver
    adds the speaker pseudonyms and publishes the part, as for documents."""
    corpus = corpus_of(partition)
    result = CurateResult()
    document_parts = set(lake.partition_parts(RAW, "documents", partition))
    for part in lake.partition_parts(RAW, "utterances", partition):
        if (executor is not None and model and part in document_parts
                and _parsed(lake, corpus, part)
                and _curate_utterance_chunks(lake, engine, corpus, part, key, executor, model,
                                             result)):
            continue
        _curate_utterance_part(lake, engine, nlp, corpus, part, key, result,
                               part in document_parts)
    return result


def _curate_utterance_part(lake: Lake, engine: PiiEngine, nlp: Language, corpus: str, part: str,
                           key: str, result: CurateResult, has_documents: bool) -> None:
    """One part's turns anonymised here, streamed in step with its scenes' Docs."""
    schema = CURATED_TABLES["utterances"].schema
    path = lake.part_path(RAW, "utterances", corpus, part)
    scenes = SceneDocs(_scene_docs(lake, nlp, corpus, part, result)
                       if has_documents else iter(()))
    with PartWriter(lake, CURATED, "utterances", corpus, part, schema,
                    _stamp(lake, "utterances", corpus, part, engine.known)) as writer:
        for batch in iter_part_batches(lake, [path], batch_rows=BATCH_ROWS):
            rows = batch.to_pylist()
            writer.write(pa.Table.from_pylist(
                list(_curated_utterances(rows, engine, nlp, key, result, scenes)),
                schema=schema))
    result.rows["utterances"] += writer.rows


TURN_CHUNK = pa.schema([("utterance_id", pa.string()), ("text", pa.string()),
                        ("stage_directions", pa.list_(pa.string())), ("pii_counts", pa.string())])


@dataclass(frozen=True)
class UtteranceChunkTask:
    """Anonymise utterance rows [start, stop) of a part into chunk `number`, with the scenes
    of its parse rows [doc_start, doc_stop) (the parse chunk that holds those turns' scenes).

    Like `AnonymiseChunkTask`, it carries no secret: speaker pseudonyms are the driver's."""

    lake_url: str
    corpus: str
    part: str
    number: int
    start: int
    stop: int
    doc_start: int
    doc_stop: int
    folder: str
    model: str
    known_fingerprint: str


def utterance_chunk(task: UtteranceChunkTask) -> tuple[int, dict[str, int], int]:
    """A chunk task, run on any worker: anonymised turns written to the chunk file; returns
    (turns, PII counts, texts parsed here because their line was not found in the scene)."""
    from assets.nlp.parse import iter_parsed_rows
    from assets.privacy.anonymise import pii_engine
    from assets.privacy.policy import load_policy

    lake = Lake.at(task.lake_url)
    nlp = spacy_pipeline(task.model)
    engine = pii_engine(nlp, load_policy(), _worker_known_names(lake, task.lake_url,
                                                                task.known_fingerprint))
    path = lake.part_path(RAW, "utterances", task.corpus, task.part)
    rows = read_row_range(lake, path, UTTERANCES.names, task.start, task.stop).to_pylist()
    scenes = SceneDocs(iter_parsed_rows(lake, task.corpus, task.part, nlp.vocab, task.doc_start,
                                        task.doc_stop))
    summary = CurateResult()
    turns = list(_anonymised_turns(rows, engine, nlp, summary, scenes))
    write_chunk(lake, chunk_file(task.folder, task.number), pa.Table.from_pylist(turns,
                                                                                 TURN_CHUNK))
    return len(turns), dict(summary.pii), summary.parsed_here


def plan_utterance_chunks(utterance_doc_ids: list[str], doc_ids: list[str],
                          doc_chunks: list[tuple[int, int]]
                          ) -> list[tuple[int, int, int, int]] | None:
    """(start, stop, doc_start, doc_stop) per task: each run of turns whose scenes lie in one
    parse chunk, with that chunk's rows. None when the turns are not in their scenes' order
    (a task could then miss a scene the one stream would find): the part is streamed instead.

    A turn whose scene is not in the part stays with the run it falls in, as the stream
    would read it (no scene, analysed alone)."""
    chunk_of = {doc_id: number for number, (first, after) in enumerate(doc_chunks)
                for doc_id in doc_ids[first:after]}
    runs: list[list[int]] = []  # [chunk, start, stop]
    current = 0
    for row, doc_id in enumerate(utterance_doc_ids):
        chunk = chunk_of.get(doc_id, current)
        if chunk < current:
            return None
        current = chunk
        if runs and runs[-1][0] == chunk:
            runs[-1][2] = row + 1
        else:
            runs.append([chunk, row, row + 1])
    return [(start, stop, *doc_chunks[chunk]) for chunk, start, stop in runs]


def _curate_utterance_chunks(lake: Lake, engine: PiiEngine, corpus: str, part: str, key: str,
                             executor: ChunkExecutor, model: str, result: CurateResult) -> bool:
    """One part's turns anonymised by chunk tasks and published here in row groups of
    `BATCH_ROWS`, as the stream writes them; False (nothing written) when the turns are not
    in scene order."""
    from assets.nlp.parse import read_index

    path = lake.part_path(RAW, "utterances", corpus, part)
    utterance_doc_ids = [i for b in iter_part_batches(lake, [path], ["doc_id"], BATCH_ROWS)
                         for i in b.column(0).to_pylist()]
    doc_ids = read_index(lake, corpus, part)[0].column("doc_id").to_pylist()
    plan = plan_utterance_chunks(utterance_doc_ids, doc_ids, _chunk_rows(lake, corpus, part))
    if plan is None:
        return False
    stamp = _stamp(lake, "utterances", corpus, part, engine.known)
    folder = chunk_folder(lake, CURATED, "utterances", corpus, part, run_id(stamp))
    tasks = [UtteranceChunkTask(lake.url(lake.root), corpus, part, number, start, stop,
                                doc_start, doc_stop, folder, model, engine.known.fingerprint)
             for number, (start, stop, doc_start, doc_stop) in enumerate(plan)]
    try:
        for _, counts, parsed in executor.map(utterance_chunk, tasks):
            result.pii.update(counts)
            result.parsed_here += parsed
        result.rows["utterances"] += _publish_in_step(
            lake, "utterances", "utterance_id", corpus, part, stamp,
            [chunk_file(folder, t.number) for t in tasks],
            lambda row, turn: _curated_utterance(row, turn, key))
    finally:
        remove_folder(lake, folder)
    return True


def _scene_docs(lake: Lake, nlp: Language, corpus: str, part: str, result: CurateResult
                ) -> Iterator[tuple[str, Doc]]:
    """(doc_id, Doc) of the documents part with the same name, in raw order."""
    path = lake.part_path(RAW, "documents", corpus, part)
    ids = (i for b in iter_part_batches(lake, [path], ["doc_id"], BATCH_ROWS)
           for i in b.column(0).to_pylist())
    texts = (t or "" for b in iter_part_batches(lake, [path], ["text"], BATCH_ROWS)
             for t in b.column(0).to_pylist())
    for doc_id, (_, doc) in zip(ids, _docs_for_part(lake, nlp, corpus, part, texts, result),
                                strict=True):
        yield doc_id, doc


@dataclass
class Scene:
    """One dialogue document, analysed once: its text, findings, numbering and how far its
    turns have been read."""

    doc_id: str
    text: str
    findings: list[Finding]
    numbers: Numbering
    cursor: int = 0

    def turn(self, speaker: str | None, speech: str, engine: PiiEngine) -> Anonymised | None:
        """The turn anonymised from the scene's findings, or None when its line is not found."""
        if not speech:
            return replace_findings("", [], engine.policy, self.numbers)
        line = f"{speaker}: {speech}" if speaker else speech
        at = self.text.find(line, self.cursor)
        if at < 0:
            return None
        start = at + len(line) - len(speech)
        self.cursor = at + len(line)
        inside = findings_within(self.findings, start, self.cursor)
        if any(f.start < self.cursor and f.end > start for f in self.findings
               if not (f.start >= start and f.end <= self.cursor)):
            return None  # a finding crosses the turn's edge: analyse the turn alone
        return replace_findings(speech, inside, engine.policy, self.numbers)


class SceneDocs:
    """Walks a part's document Docs in step with its utterances (both in raw order), keeping
    only the current scene in memory."""

    def __init__(self, docs: Iterator[tuple[str, Doc]]) -> None:
        self._docs = docs
        self._current: Scene | None = None

    def get(self, doc_id: str, engine: PiiEngine) -> Scene | None:
        if self._current is not None and self._current.doc_id == doc_id:
            return self._current
        for found_id, doc in self._docs:
            if found_id == doc_id:
                findings = engine.analyze(doc)
                numbers: Numbering = {}
                replace_findings(doc.text, findings, engine.policy, numbers)
                self._current = Scene(doc_id, doc.text, findings, numbers)
                return self._current
        return None


def _curated_utterances(rows: list[dict[str, Any]], engine: PiiEngine, nlp: Language, key: str,
                        result: CurateResult, scenes: SceneDocs | None = None
                        ) -> Iterator[dict[str, Any]]:
    turns = _anonymised_turns(rows, engine, nlp, result, scenes)
    for row, turn in zip(rows, turns, strict=True):
        yield _curated_utterance(row, turn, key)


def _curated_utterance(row: dict[str, Any], turn: dict[str, Any], key: str) -> dict[str, Any]:
    """The curated row: the raw turn's keys, its anonymised text, the speaker's pseudonym."""
    return {
        **{k: v for k, v in row.items() if k not in ("speaker", "speaker_id", "text",
                                                     "stage_directions")},
        "speaker_id": pseudonym_or_none(row["speaker_id"], key),
        "text": turn["text"],
        "stage_directions": turn["stage_directions"],
        "pii_counts": turn["pii_counts"],
    }


def _anonymised_turns(rows: list[dict[str, Any]], engine: PiiEngine, nlp: Language,
                      result: CurateResult, scenes: SceneDocs | None = None
                      ) -> Iterator[dict[str, Any]]:
    """Each turn's anonymised text and stage directions (rows of `TURN_CHUNK`): from its
    scene's findings when its line is found there, else analysed alone."""
    scenes = scenes or SceneDocs(iter(()))
    planned: list[tuple[dict[str, Any], Scene | None, Anonymised | None]] = []
    to_parse: list[str] = []
    for row in rows:
        scene = scenes.get(row["doc_id"], engine)
        turn = scene.turn(row.get("speaker"), row["text"] or "", engine) if scene else None
        if turn is None:
            to_parse.append(row["text"] or "")
        to_parse.extend(row["stage_directions"] or [])
        planned.append((row, scene, turn))
    docs = iter(nlp.pipe(to_parse, batch_size=128))
    result.parsed_here += len(to_parse)
    fallback: dict[str, Numbering] = {}
    for row, scene, turn in planned:
        numbers = scene.numbers if scene else fallback.setdefault(row["doc_id"], {})
        anonymised = turn if turn is not None else engine.anonymise(next(docs), numbers)
        counts = Counter(anonymised.counts)
        new_directions = []
        for _ in row["stage_directions"] or []:
            direction = engine.anonymise(next(docs), numbers)
            counts.update(direction.counts)
            new_directions.append(direction.text)
        result.pii.update(counts)
        yield {"utterance_id": row["utterance_id"], "text": anonymised.text,
               "stage_directions": new_directions, "pii_counts": _json(counts)}


def _json(counts: Counter[str]) -> str:
    import json

    return json.dumps(dict(sorted(counts.items())), sort_keys=True)


def curate_authors(lake: Lake, partition: str, key: str) -> CurateResult:
    """Authors with pseudonymous ids and no username; a known bot account keeps its flag
    (`bot_reason`), checked here because the name is dropped."""
    return _copy_pseudonymised(lake, partition, "authors", key,
                               lambda r: {**r, "author_id": pseudonym_or_none(r["author_id"], key),
                                          "bot_reason": known_bot_reason(r["username"])})


def curate_labels(lake: Lake, partition: str, key: str) -> CurateResult:
    """Labels whose subject is an author get the author's pseudonym (the raw id names them)."""

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        if row["subject_kind"] == "author":
            row = {**row, "subject_id": pseudonym_or_none(row["subject_id"], key)}
        return row

    return _copy_pseudonymised(lake, partition, "labels", key, convert)


def curate_quarantine(lake: Lake, partition: str, key: str) -> CurateResult:
    """The quarantine without raw excerpts; identifiers inside a reason are masked too."""
    return _copy_pseudonymised(lake, partition, "quarantine", key,
                               lambda r: {**r, "reason": mask_structured(r["reason"] or "")})


def _copy_pseudonymised(lake: Lake, partition: str, table: str, key: str, convert: Any
                        ) -> CurateResult:
    corpus = corpus_of(partition)
    result = CurateResult()
    schema = CURATED_TABLES[table].schema
    keep = set(schema.names)
    for part in lake.partition_parts(RAW, table, partition):
        path = lake.part_path(RAW, table, corpus, part)
        with PartWriter(lake, CURATED, table, corpus, part, schema,
                        _stamp(lake, table, corpus, part)) as writer:
            for batch in iter_part_batches(lake, [path], batch_rows=20_000):
                rows = [{k: v for k, v in convert(r).items() if k in keep}
                        for r in batch.to_pylist()]
                writer.write(pa.Table.from_pylist(rows, schema=schema))
        result.rows[table] += writer.rows
    return result


def mask_structured(text: str) -> str:
    """Replace strict structured identifiers with their type, without any NLP (short texts)."""
    spans = sorted(iter_structured(text), key=lambda s: (s[1], -s[2]))
    out, cursor = [], 0
    for kind, start, end in spans:
        if start < cursor:
            continue
        out += [text[cursor:start], f"<{kind}>"]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def remove_vanished(lake: Lake, table: str, partition: str) -> int:
    """Drop curated parts of a partition whose raw part is gone (a deleted source file)."""
    live = lake.partition_parts(RAW, table, partition)
    return len(lake.remove_vanished(CURATED, table, partition, live))


def scan_curated(lake: Lake, table: str, partition: str, scanner: LeakScanner,
                 columns: Iterable[str] = ("text",)) -> LeakReport:
    """Leak-scan the curated parts of one partition."""
    report = LeakReport()
    paths = lake.partition_paths(CURATED, table, partition)
    for batch in iter_part_batches(lake, paths, columns=list(columns)):
        for column in batch.columns:
            values = column.to_pylist()
            flat = [x for v in values for x in (v if isinstance(v, list) else [v])]
            report.merge(scanner.scan(flat), scanner.max_examples)
    return report
