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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from spacy.language import Language
from spacy.tokens import Doc

from assets.ingest.ids import content_hash
from assets.lake import Lake, PartWriter, corpus_of, iter_part_batches
from assets.privacy.anonymise import (
    Anonymised,
    Finding,
    Numbering,
    PiiEngine,
    findings_within,
    replace_findings,
)
from assets.privacy.known_names import KnownNames, NameFilter
from assets.privacy.leaks import LeakReport, LeakScanner, iter_structured
from assets.privacy.policy import Policy
from assets.privacy.pseudonyms import pseudonym_or_none
from schemas.curated import CURATED_TABLES

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


def curate_documents(lake: Lake, engine: PiiEngine, nlp: Language, partition: str, key: str
                     ) -> CurateResult:
    """Anonymise the partition's documents; author ids become pseudonyms."""
    corpus = corpus_of(partition)
    result = CurateResult()
    schema = CURATED_TABLES["documents"].schema
    for part in lake.partition_parts(RAW, "documents", partition):
        path = lake.part_path(RAW, "documents", corpus, part)
        # Streamed twice (rows, and texts for a fallback parse): never a whole part in memory.
        rows = (r for b in iter_part_batches(lake, [path], batch_rows=BATCH_ROWS)
                for r in b.to_pylist())
        texts = (t or "" for b in iter_part_batches(lake, [path], ["text"], BATCH_ROWS)
                 for t in b.column(0).to_pylist())
        docs = _docs_for_part(lake, nlp, corpus, part, texts, result)
        with PartWriter(lake, CURATED, "documents", corpus, part, schema,
                        _stamp(lake, "documents", corpus, part, engine.known)) as writer:
            out: list[dict[str, Any]] = []
            for row, (doc_id, doc) in zip(rows, docs, strict=True):
                if doc_id is not None and doc_id != row["doc_id"]:
                    raise ValueError(f"parse of {corpus}/{part} is out of step with its documents")
                out.append(_curated_document(row, engine.anonymise(doc), key, result))
                if len(out) >= BATCH_ROWS:
                    writer.write(pa.Table.from_pylist(out, schema=schema))
                    out = []
            writer.write(pa.Table.from_pylist(out, schema=schema))
        result.rows["documents"] += writer.rows
    return result


def _curated_document(row: dict[str, Any], anonymised: Any, key: str,
                      result: CurateResult) -> dict[str, Any]:
    result.pii.update(anonymised.counts)
    if len(result.preview) < 3 and anonymised.counts:
        result.preview.append(anonymised.text[:160])
    return {
        **{k: v for k, v in row.items() if k not in ("text", "author_id", "content_hash")},
        "author_id": pseudonym_or_none(row["author_id"], key),
        "text": anonymised.text,
        "content_hash": content_hash(anonymised.text),
        "pii_counts": anonymised.counts_json,
    }


def curate_utterances(lake: Lake, engine: PiiEngine, nlp: Language, partition: str, key: str
                      ) -> CurateResult:
    """Anonymise dialogue turns and their stage directions; speaker ids become pseudonyms."""
    corpus = corpus_of(partition)
    result = CurateResult()
    schema = CURATED_TABLES["utterances"].schema
    document_parts = set(lake.partition_parts(RAW, "documents", partition))
    for part in lake.partition_parts(RAW, "utterances", partition):
        path = lake.part_path(RAW, "utterances", corpus, part)
        scenes = SceneDocs(_scene_docs(lake, nlp, corpus, part, result)
                           if part in document_parts else iter(()))
        with PartWriter(lake, CURATED, "utterances", corpus, part, schema,
                        _stamp(lake, "utterances", corpus, part, engine.known)) as writer:
            for batch in iter_part_batches(lake, [path], batch_rows=BATCH_ROWS):
                rows = batch.to_pylist()
                writer.write(pa.Table.from_pylist(
                    list(_curated_utterances(rows, engine, nlp, key, result, scenes)),
                    schema=schema))
        result.rows["utterances"] += writer.rows
    return result


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
        yield {
            **{k: v for k, v in row.items() if k not in ("speaker", "speaker_id", "text",
                                                         "stage_directions")},
            "speaker_id": pseudonym_or_none(row["speaker_id"], key),
            "text": anonymised.text,
            "stage_directions": new_directions,
            "pii_counts": _json(counts),
        }


def _json(counts: Counter[str]) -> str:
    import json

    return json.dumps(dict(sorted(counts.items())), sort_keys=True)


def curate_authors(lake: Lake, partition: str, key: str) -> CurateResult:
    """Authors with pseudonymous ids and no username."""
    return _copy_pseudonymised(lake, partition, "authors", key,
                               lambda r: {**r, "author_id": pseudonym_or_none(r["author_id"], key)})


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
