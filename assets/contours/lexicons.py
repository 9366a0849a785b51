"""Psycholinguistic norm lexicons, read from their standard published file formats.

Every lexicon is optional: a file that is absent or unreadable is recorded in
`Lexicons.missing` and the features that need it are skipped, so a run without the
research-only NRC files still produces every other feature. The readers tolerate the quirks seen
in the copies people actually pass around (CRLF endings, a UTF-8 BOM, a trailing junk line, an
unnamed index column, `.gz` or plain text).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from schemas.feature_catalog import EMOLEX_AFFECTS as CATALOG_EMOLEX_AFFECTS

# The catalogue names the EmoLex categories; the loader reads exactly those.
EMOLEX_AFFECTS = CATALOG_EMOLEX_AFFECTS


@dataclass(frozen=True)
class Norms:
    """A word → values table: `columns` names the values of each entry, lower-cased words."""

    name: str
    columns: tuple[str, ...]
    entries: dict[str, tuple[float, ...]]

    def __len__(self) -> int:
        return len(self.entries)


@dataclass
class Lexicons:
    """The lexicons found for a run, and why the others are missing."""

    norms: dict[str, Norms] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> Norms | None:
        return self.norms.get(name)

    def report(self) -> dict[str, str]:
        """Lexicon → 'N entries' or the reason it is missing, for run metadata."""
        found = {name: f"{len(n)} entries" for name, n in self.norms.items()}
        return {**found, **{name: f"missing: {why}" for name, why in self.missing.items()}}


def _open_text(path: Path) -> io.TextIOBase:
    # utf-8-sig drops the BOM of the Kuperman file; newline="" lets csv handle CRLF.
    raw = gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def _rows(path: Path, delimiter: str) -> Iterator[list[str]]:
    with _open_text(path) as handle:
        for row in csv.reader(handle, delimiter=delimiter):
            if row:
                yield [cell.strip() for cell in row]


def _float(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _table(
    path: Path, name: str, delimiter: str, word_col: str, value_cols: dict[str, str]
) -> Norms:
    """Read a headed table; rows with a missing word or any unparsable value are dropped."""
    rows = _rows(path, delimiter)
    header = next(rows)
    index = {col: i for i, col in enumerate(header)}
    missing = [c for c in (word_col, *value_cols.values()) if c not in index]
    if missing:
        raise ValueError(f"{path.name}: columns {missing} not in header {header[:12]}")
    w = index[word_col]
    cols = [index[c] for c in value_cols.values()]
    entries: dict[str, tuple[float, ...]] = {}
    for row in rows:
        if len(row) <= max(w, *cols):
            continue  # e.g. SUBTLEX's trailing "seatbelts ____" line
        values = tuple(_float(row[i]) for i in cols)
        word = row[w].lower()
        if word and all(v is not None for v in values):
            entries.setdefault(word, values)  # type: ignore[arg-type]
    return Norms(name, tuple(value_cols), entries)


def read_nrc_vad(path: Path) -> Norms:
    """NRC VAD v1 (Mohammad 2018): `Word Valence Arousal Dominance`, scores in 0..1."""
    cols = {"valence": "Valence", "arousal": "Arousal", "dominance": "Dominance"}
    return _table(path, "nrc_vad", "\t", "Word", cols)


def read_nrc_emolex(path: Path) -> Norms:
    """NRC EmoLex word level (Mohammad & Turney 2013): `word<TAB>affect<TAB>0/1`, no header."""
    flags: dict[str, list[float]] = {}
    position = {a: i for i, a in enumerate(EMOLEX_AFFECTS)}
    for row in _rows(path, "\t"):
        if len(row) != 3 or row[1] not in position or row[2] not in ("0", "1"):
            continue
        entry = flags.setdefault(row[0].lower(), [0.0] * len(EMOLEX_AFFECTS))
        entry[position[row[1]]] = max(entry[position[row[1]]], float(row[2]))
    return Norms("nrc_emolex", EMOLEX_AFFECTS, {w: tuple(v) for w, v in flags.items()})


def read_warriner(path: Path) -> Norms:
    """Warriner, Kuperman & Brysbaert (2013) affective norms, 1..9 scales, whole-sample means."""
    cols = {"valence": "V.Mean.Sum", "arousal": "A.Mean.Sum", "dominance": "D.Mean.Sum"}
    return _table(path, "warriner", ",", "Word", cols)


def read_brysbaert(path: Path) -> Norms:
    """Brysbaert, Warriner & Kuperman (2014) concreteness, 1..5 (two-word entries kept too)."""
    return _table(path, "brysbaert", "\t", "Word", {"concreteness": "Conc.M"})


def read_kuperman(path: Path) -> Norms:
    """Kuperman et al. (2012) age of acquisition in years (`AoA_Kup_lem`)."""
    return _table(path, "kuperman", ",", "Word", {"aoa": "AoA_Kup_lem"})


def read_subtlex(path: Path) -> Norms:
    """SUBTLEX-US (Brysbaert & New 2009): log10 frequency per million (`Lg10WF`)."""
    return _table(path, "subtlex", "\t", "Word", {"log10_frequency": "Lg10WF"})


@dataclass(frozen=True)
class LexiconSpec:
    """A lexicon: the file name patterns that find it and the reader that parses it."""

    name: str
    patterns: tuple[str, ...]
    reader: Callable[[Path], Norms]


LEXICONS: tuple[LexiconSpec, ...] = (
    LexiconSpec("nrc_vad", ("NRC-VAD-Lexicon*.txt*",), read_nrc_vad),
    LexiconSpec(
        "nrc_emolex",
        ("NRC-Emotion-Lexicon-Wordlevel*.txt*", "NRC-Emotion-Lexicon*.txt*"),
        read_nrc_emolex,
    ),
    LexiconSpec(
        "warriner", ("Ratings_Warriner_et_al*.csv*", "BRM-emot-submit*.csv*"), read_warriner
    ),
    LexiconSpec("brysbaert", ("Concreteness_ratings_Brysbaert*.txt*",), read_brysbaert),
    LexiconSpec("kuperman", ("AoA_51715_words*.csv*", "AoA_ratings_Kuperman*.csv*"), read_kuperman),
    LexiconSpec("subtlex", ("SUBTLEXus*.txt*",), read_subtlex),
)


def find_file(directory: Path, patterns: tuple[str, ...]) -> Path | None:
    for pattern in patterns:
        hits = sorted(p for p in directory.glob(pattern) if p.is_file())
        if hits:
            return hits[0]
    return None


def load_lexicons(lexicon_dir: str | os.PathLike[str] | None) -> Lexicons:
    """Load every lexicon found in `lexicon_dir`; never raises for a missing or broken file."""
    result = Lexicons()
    directory = Path(lexicon_dir) if lexicon_dir else None
    for spec in LEXICONS:
        if directory is None or not directory.is_dir():
            result.missing[spec.name] = f"LEXICON_DIR not set or not a folder ({lexicon_dir!r})"
            continue
        path = find_file(directory, spec.patterns)
        if path is None:
            result.missing[spec.name] = f"no file matching {' or '.join(spec.patterns)}"
            continue
        try:
            norms = spec.reader(path)
        except (OSError, ValueError, StopIteration, csv.Error, EOFError) as error:
            result.missing[spec.name] = f"{path.name} unreadable: {error}"
            continue
        if not norms.entries:
            result.missing[spec.name] = f"{path.name} has no usable rows"
            continue
        result.norms[spec.name] = norms
    return result
