"""Exact duplicate source records, found while a partition streams in.

Real Pushshift and PANDORA dumps repeat records: the same comment id twice in one file, in two
files of a family, or a line pasted twice. A repeated record is dropped at ingest and quarantined
as `duplicate of <file>:<line>` (its first occurrence), so uniqueness holds in every part and no
check downstream ever has to block a whole partition for it.

Two records are the same when
- they have the same `doc_id` (the id hangs on the record's own key, so this is the usual case), or
- in a family whose records may lack an id of their own (`signature_duplicates` in its registry
  entry: PANDORA comments without an id column get occurrence-counted ids, so a line read twice
  gets a second id), they have the same author, creation time and text. Elsewhere two ids are
  two records, even a double post (the real AskMen dump has one: same title, same second, ids
  dogamg and dogamh). Records without author or time are only compared by id.

Keys are the first 64 bits of each id or signature, held in sorted NumPy runs (16 bytes per
record with its location), not Python objects: a 50-million-line dump costs about 800 MB, and the
chance of a false match there is about 1e-4.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from assets.ingest.ids import ID_SEPARATOR

NEW = -1
LINE_BITS = 40  # lines up to 10^12; the rest of the int64 is the file's index


@dataclass
class KeyIndex:
    """First occurrence (file, line) of 64-bit keys, in sorted runs merged as they grow."""

    files: list[str] = field(default_factory=list)
    _file_ids: dict[str, int] = field(default_factory=dict)
    _runs: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(len(keys) for keys, _ in self._runs)

    def remember_utterances(self, batch: pa.Table | pa.RecordBatch) -> None:
        """Register utterance ids already in the lake."""
        keys = id_keys(batch["utterance_id"])
        self.utterance_ids.add(keys, "", np.zeros(len(keys), dtype=np.int64))

    def snapshot(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return list(self._runs)

    def restore(self, runs: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Forget keys added after `snapshot` (the file they came from failed)."""
        self._runs = list(runs)

    def where(self, packed: int) -> str:
        return f"{self.files[packed >> LINE_BITS]}:{packed & ((1 << LINE_BITS) - 1)}"

    def lookup(self, keys: np.ndarray, file: str, lines: np.ndarray) -> np.ndarray:
        """For each key, the packed location of its first occurrence, or NEW.

        Earlier rows of the same batch count as occurrences too."""
        found = np.full(len(keys), NEW, dtype=np.int64)
        for run_keys, run_where in self._runs:
            at = np.searchsorted(run_keys, keys)
            inside = at < len(run_keys)
            hit = np.zeros(len(keys), dtype=bool)
            hit[inside] = run_keys[at[inside]] == keys[inside]
            take = hit & (found == NEW)
            found[take] = run_where[at[take]]
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        repeated = (first[inverse] != np.arange(len(keys))) & (found == NEW)
        found[repeated] = self._pack(file, lines[first[inverse]][repeated])
        return found

    def add(self, keys: np.ndarray, file: str, lines: np.ndarray) -> None:
        if len(keys) == 0:
            return
        keys, first = np.unique(keys, return_index=True)
        self._runs.append((keys, self._pack(file, lines[first])))
        # Keep runs geometrically sized: a lookup costs one binary search per run.
        while len(self._runs) > 1 and len(self._runs[-1][0]) * 2 >= len(self._runs[-2][0]):
            (k2, w2), (k1, w1) = self._runs.pop(), self._runs.pop()
            merged_keys = np.concatenate([k1, k2])
            order = np.argsort(merged_keys, kind="stable")  # earlier run wins on equal keys
            merged_keys, merged_where = merged_keys[order], np.concatenate([w1, w2])[order]
            keep = np.ones(len(merged_keys), dtype=bool)
            keep[1:] = merged_keys[1:] != merged_keys[:-1]
            self._runs.append((merged_keys[keep], merged_where[keep]))

    def _pack(self, file: str, lines: np.ndarray) -> np.ndarray:
        if file not in self._file_ids:
            self._file_ids[file] = len(self.files)
            self.files.append(file)
        return (np.int64(self._file_ids[file]) << LINE_BITS) | lines.astype(np.int64)


def id_keys(doc_ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The first 64 bits of each 20-hex-digit id, as unsigned integers (no Python str per row)."""
    if len(doc_ids) == 0:
        return np.zeros(0, dtype=np.uint64)
    heads = pc.utf8_slice_codeunits(doc_ids, 0, 16)
    hexed = b"".join(heads.cast(pa.binary()).to_pylist())
    return np.frombuffer(bytes.fromhex(hexed.decode("ascii")), dtype=">u8").astype(np.uint64)


def signature_keys(batch: pa.Table | pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
    """(keys, has_signature): XXH3-64 of author, creation time and text hash, for the rows that
    have both an author and a time."""
    has = pc.and_(pc.is_valid(batch["author_id"]), pc.is_valid(batch["created_at"]))
    has_np = np.asarray(has.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    keys = np.zeros(len(has_np), dtype=np.uint64)
    if has_np.any():
        picks = pa.array(np.flatnonzero(has_np))
        joined = pc.binary_join_element_wise(
            batch["author_id"].take(picks),
            batch["created_at"].take(picks).cast(pa.int64()).cast(pa.string()),
            batch["content_hash"].take(picks),
            ID_SEPARATOR,
        )
        digest = xxhash.xxh3_64_intdigest
        keys[has_np] = np.fromiter(
            (digest(value) for value in joined.cast(pa.binary()).to_pylist()),
            dtype=np.uint64, count=len(picks),
        )
    return keys, has_np


@dataclass
class DuplicateFilter:
    """Drops documents already seen in this partition or in the corpus's other parts."""

    by_signature: bool = False
    ids: KeyIndex = field(default_factory=KeyIndex)
    signatures: KeyIndex = field(default_factory=KeyIndex)
    utterance_ids: KeyIndex = field(default_factory=KeyIndex)
    # Ids of documents dropped for their signature (a different id than the kept copy): their
    # document labels and utterances are dropped too.
    dropped_ids: set[str] = field(default_factory=set)

    def remember(self, batch: pa.Table | pa.RecordBatch) -> None:
        """Register documents that are already in the lake (other parts of the corpus)."""
        if batch.num_rows == 0:
            return
        lines = batch["source_line"].to_numpy(zero_copy_only=False).astype(np.int64)
        files = batch["source_file"].to_pylist()
        for file in dict.fromkeys(files):
            mask = np.array([f == file for f in files])
            sub = batch.filter(pa.array(mask))
            self.ids.add(id_keys(sub["doc_id"]), file, lines[mask])
            if not self.by_signature:
                continue
            keys, has = signature_keys(sub)
            self.signatures.add(keys[has], file, lines[mask][has])

    def remember_utterances(self, batch: pa.Table | pa.RecordBatch) -> None:
        """Register utterance ids already in the lake."""
        keys = id_keys(batch["utterance_id"])
        self.utterance_ids.add(keys, "", np.zeros(len(keys), dtype=np.int64))

    def snapshot(self) -> tuple[list, list, list, set[str]]:
        return (self.ids.snapshot(), self.signatures.snapshot(), self.utterance_ids.snapshot(),
                set(self.dropped_ids))

    def restore(self, state: tuple[list, list, list, set[str]]) -> None:
        """Forget what a file that then failed added: its records never reached the lake."""
        self.ids.restore(state[0])
        self.signatures.restore(state[1])
        self.utterance_ids.restore(state[2])
        self.dropped_ids = set(state[3])

    def split(self, batch: pa.Table | pa.RecordBatch, file: str) -> tuple[pa.Table, list[dict]]:
        """(the batch's new documents, one quarantine row per duplicate)."""
        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        lines = table["source_line"].to_numpy(zero_copy_only=False).astype(np.int64)
        keys = id_keys(table["doc_id"])
        by_id = self.ids.lookup(keys, file, lines)
        sig_keys, has_sig = signature_keys(table) if self.by_signature else (
            np.zeros(len(keys), dtype=np.uint64), np.zeros(len(keys), dtype=bool))
        candidates = np.flatnonzero(has_sig & (by_id == NEW))
        by_sig = np.full(len(keys), NEW, dtype=np.int64)
        if len(candidates):
            by_sig[candidates] = self.signatures.lookup(
                sig_keys[candidates], file, lines[candidates])
        keep = (by_id == NEW) & (by_sig == NEW)
        self.ids.add(keys[keep], file, lines[keep])
        self.signatures.add(sig_keys[keep & has_sig], file, lines[keep & has_sig])
        if keep.all():
            return table, []
        rows = []
        doc_ids, texts = table["doc_id"].to_pylist(), table["text"]
        for i in np.flatnonzero(~keep):
            first = self.ids.where(int(by_id[i])) if by_id[i] != NEW else self.signatures.where(
                int(by_sig[i]))
            if by_id[i] == NEW:
                self.dropped_ids.add(doc_ids[i])
            rows.append({
                "corpus": table["corpus"][int(i)].as_py(),
                "source_file": file,
                "source_line": int(lines[i]),
                "reason": f"duplicate of {first}",
                "raw_excerpt": (texts[int(i)].as_py() or "")[:200],
            })
        return table.filter(pa.array(keep)), rows

    def utterances(self, batch: pa.Table | pa.RecordBatch, file: str) -> pa.Table:
        """Utterances not seen before whose document was kept: a scene read twice has the same
        utterance ids (its quarantine row is the document's), and a document dropped for its
        signature takes its turns with it."""
        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        keys = id_keys(table["utterance_id"])
        zeros = np.zeros(len(keys), dtype=np.int64)
        keep = self.utterance_ids.lookup(keys, file, zeros) == NEW
        if self.dropped_ids:
            dropped = pa.array(sorted(self.dropped_ids), pa.string())
            keep &= ~np.asarray(pc.is_in(table["doc_id"], value_set=dropped).to_numpy(
                zero_copy_only=False), dtype=bool)
        self.utterance_ids.add(keys[keep], file, zeros[keep])
        return table if keep.all() else table.filter(pa.array(keep))
