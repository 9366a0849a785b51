"""FriendsPersona (Jiang, Zhang & Choi 2020): Friends scenes with the binary Big Five of one
main speaker, as rated by three annotators for that scene.

Format: a CSV with an unnamed index, `scene_id`, `text`, `character` and `cAGR, cCON, cEXT,
cOPN, cNEU` (0/1). `text` is simple HTML: a header `<b>s01_e01_c01(0) for NAME</b>`, turns
separated by `<br><br>`, the speaker of a turn in `<b>..</b>`, stage directions in `(..)` (some
transcripts use `[..]`). The same scene appears once per rated main speaker, and a long scene is
cut into segments numbered by the `(n)` of the header, so a document is a (scene segment, main
speaker) pair: natural key `s01_e14_c06(1)|Janice`, context the scene id `s01_e14_c06`. Its labels
describe that speaker *in that segment* (annotators rated each one separately, and the ratings
differ): they are document labels, with the speaker as the document's author.

Turns that are only a stage direction (`(Rachel enters.)`, `[Cut to later.]`) become utterances
without a speaker and with empty text, so the scene's order is kept and nothing is lost; the
document text leaves them out, as it leaves out turns whose speech is only a direction.
A turn spoken by several people (`Chandler, Joey`) keeps the normalised names in `speaker` but
gets no `speaker_id`, because no one person said it.

Speaker names are normalised (see `SpeakerNames`), because the same person appears as "Joey"
and "Joey Tribbiani" in different scenes:
1. case and whitespace are folded;
2. a main cast member's first or full name maps to the full name (`MAIN_CAST`);
3. any other one-word name maps to the one multi-word name of the same file that starts with it,
   when there is exactly one (`Carol` -> `Carol Willick`); with two or more it stays as it is;
4. otherwise the file's most frequent spelling of the folded name is used.

cNEU polarity: the annotation form (the emorynlp/personality-detection README) asked whether the
character is "Emotionally Stable" (1 / 0 / -1) and the three scores were summed and split at the
median, so `cNEU=1` means *emotionally stable*, despite the column name and the README's prose
description of neuroticism. The data agree: the README's own example (Paul, upset after his
divorce, s01_e01_c05) has cNEU=0; Ross, the most anxious of the six, has the lowest share of
cNEU=1 (0.36) and Phoebe the highest (0.56); and cNEU correlates positively with cAGR (+0.17) and
cCON (+0.15), as emotional stability does in people and neuroticism does not. The warehouse
stores NEU as neuroticism, so `value_binary = 1 - cNEU`; `value_cat` keeps the original (`cNEU=1`).
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from assets.ingest import records
from assets.ingest.csv_rows import iter_csv_records
from assets.ingest.ids import author_id
from assets.ingest.labels import parse_yes_no
from assets.ingest.records import Row
from assets.ingest.sources import SourceFile
from schemas.tables import BIG5_TRAITS

PLATFORM = "friends"
TRAIT_COLUMNS = {f"c{trait}": trait for trait in BIG5_TRAITS}
# Columns whose 1 means the low pole of the warehouse trait (see the module docstring).
REVERSED_COLUMNS = frozenset({"cNEU"})
REQUIRED_COLUMNS = {"scene_id", "text", "character", *TRAIT_COLUMNS}
LABEL_SOURCE = "annotator"

MAIN_CAST = {
    name.casefold(): full
    for full in (
        "Chandler Bing",
        "Joey Tribbiani",
        "Monica Geller",
        "Phoebe Buffay",
        "Rachel Green",
        "Ross Geller",
    )
    for name in (full, full.split()[0])
}

_HEADER = re.compile(
    r"^\s*<b>\s*(?P<scene>[^<(]*?)\s*(?:\((?P<segment>\d+)\))?\s+for\s+(?P<name>[^<]*)</b>", re.I
)
_TURN_SEPARATOR = re.compile(r"(?:<br\s*/?>\s*)+", re.I)
_SPEAKER = re.compile(r"^<b>(?P<name>[^<]*)</b>\s*:?\s*(?P<speech>.*)$", re.I | re.S)
_DIRECTION = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_TAG = re.compile(r"</?(?:b|i|em|strong|u|p|span)\b[^>]*>", re.I)
_GROUP_SEPARATOR = re.compile(r"\s*,\s*")


@dataclass(frozen=True)
class Turn:
    """One turn of a scene: speaker as written (None for a stage direction alone)."""

    raw_speaker: str | None
    speech: str
    directions: list[str]


def read(source: SourceFile) -> Iterator[Row]:
    """Two passes over the file: the short-name rule needs every name of the file first."""
    names = SpeakerNames.from_names(_names_in_file(source))
    for line, record, excerpt in iter_csv_records(source, required=REQUIRED_COLUMNS):
        yield from _read_record(source, names, line, record, excerpt)


def _names_in_file(source: SourceFile) -> Iterator[str]:
    """Every speaker and main-character name, for the file-wide short-name rule (first pass)."""
    for _, record, _ in iter_csv_records(source, required=REQUIRED_COLUMNS):
        if "__error__" in record:
            continue
        if record.get("character"):
            yield str(record["character"])
        for turn in parse_scene(record.get("text") or ""):
            if turn.raw_speaker:
                yield from split_group(turn.raw_speaker)


def _read_record(
    source: SourceFile, names: SpeakerNames, line: int, record: dict[str, str | None], excerpt: str
) -> Iterator[Row]:
    if "__error__" in record:
        yield records.quarantine(
            source, line=line, reason=str(record["__error__"]), excerpt=excerpt
        )
        return
    character = (record["character"] or "").strip()
    if not character:
        yield records.quarantine(source, line=line, reason="missing character", excerpt=excerpt)
        return
    scene = scene_context(record["scene_id"], record["text"])
    if scene is None:
        yield records.quarantine(
            source, line=line, excerpt=excerpt,
            reason="missing scene id in scene_id and text header",
        )
        return
    values = {col: parse_yes_no(record[col]) for col in TRAIT_COLUMNS}
    # in the file's column order (cAGR, cCON, cEXT, cOPN, cNEU in FriendsPersona)
    bad = [f"{col}={record[col]!r}" for col in record if col in values and values[col] is None]
    if bad:
        yield records.quarantine(
            source, line=line, reason=f"invalid Big Five label: {', '.join(bad)}", excerpt=excerpt
        )
        return
    turns = parse_scene(record["text"] or "")
    if not any(t.raw_speaker for t in turns):
        yield records.quarantine(
            source, line=line, reason="no parseable utterance in text", excerpt=excerpt
        )
        return

    text = scene_text(turns, names)
    if (long := records.too_long(source, line=line, text=text, excerpt=excerpt)) is not None:
        yield long
        return
    main = names.normalise(character)
    main_id = author_id(PLATFORM, main)
    natural_key = f"{scene}({scene_segment(record['text'])})|{main}"
    doc_id = records.document_id(source.corpus, natural_key)
    yield records.document(
        source,
        natural_key=natural_key,
        line=line,
        kind="dialogue",
        text=text,
        author_id=main_id,
        context=scene,
    )
    for index, turn in enumerate(turns):
        speaker, speaker_id = speaker_of(turn, names)
        yield records.utterance(
            source,
            doc_id=doc_id,
            turn=index,
            speaker_id=speaker_id,
            speaker=speaker,
            text=turn.speech,
            stage_directions=turn.directions,
        )
    for col, trait in TRAIT_COLUMNS.items():
        value = float(values[col] or 0.0)
        yield records.label(
            source,
            subject_id=doc_id,
            subject_kind="document",
            scheme="big5",
            trait=trait,
            scale="binary",
            value=1.0 - value if col in REVERSED_COLUMNS else value,
            value_cat=f"{col}={(record[col] or '').strip()}",
            label_source=LABEL_SOURCE,
        )


def scene_context(scene_id: str | None, text: str | None) -> str | None:
    """The scene id with its leading `s` (`s01_e01_c01`), which the CSV column drops; the text
    header's id stands in when the column is empty."""
    scene = (scene_id or "").strip()
    if not scene:
        match = _HEADER.match(text or "")
        scene = match.group("scene").strip() if match else ""
    if not scene:
        return None
    return scene if scene.lower().startswith("s") else f"s{scene}"


def scene_segment(text: str | None) -> str:
    """The `(n)` after the header's scene id: a scene is cut into segments that are rated
    separately, so the same scene and main speaker occur up to five times (28 repeats in the
    real file) and only the segment tells them apart."""
    match = _HEADER.match(text or "")
    return (match.group("segment") or "") if match else ""


def parse_scene(text: str) -> list[Turn]:
    """Turns of a scene's HTML, header dropped, HTML entities unescaped."""
    header = _HEADER.match(text)
    body = text[header.end():] if header else text
    turns = []
    for chunk in _TURN_SEPARATOR.split(body):
        chunk = chunk.strip()
        if not chunk:
            continue
        match = _SPEAKER.match(chunk)
        if match:
            speech, directions = split_directions(_plain(match.group("speech")))
            turns.append(Turn(_plain(match.group("name")), speech, directions))
        else:
            turns.append(Turn(None, "", [_whole_direction(_plain(chunk))]))
    return turns


def split_directions(speech: str) -> tuple[str, list[str]]:
    """Speech without its parenthesised or bracketed directions, and the directions' text."""
    directions = [(a or b).strip() for a, b in _DIRECTION.findall(speech)]
    spoken = " ".join(_DIRECTION.sub(" ", speech).split())
    return spoken, [d for d in directions if d]


def _whole_direction(chunk: str) -> str:
    """A speaker-less chunk is a direction as a whole; transcripts sometimes leave its bracket
    unclosed (`(They start kissing again...`) or mismatched (`(...laughing.]`)."""
    return " ".join(chunk.lstrip("([").rstrip(")]").split())


def _plain(fragment: str) -> str:
    return html.unescape(_TAG.sub("", fragment)).strip()


def split_group(raw_speaker: str) -> list[str]:
    """Names of a turn's speakers: `Chandler, Joey` is said by two people."""
    return [n for n in _GROUP_SEPARATOR.split(raw_speaker) if n.strip()]


def speaker_of(turn: Turn, names: SpeakerNames) -> tuple[str | None, str | None]:
    """(normalised speaker, speaker id); a group turn has names but no id, a direction neither."""
    if turn.raw_speaker is None:
        return None, None
    people = [names.normalise(n) for n in split_group(turn.raw_speaker)]
    if len(people) != 1:
        return ", ".join(people) or None, None
    return people[0], author_id(PLATFORM, people[0])


def scene_text(turns: Iterable[Turn], names: SpeakerNames) -> str:
    """Plain scene text: one `Speaker: speech` line per spoken turn, directions left out."""
    lines = []
    for turn in turns:
        speaker, _ = speaker_of(turn, names)
        if speaker is not None and turn.speech:
            lines.append(f"{speaker}: {turn.speech}")
    return "\n".join(lines)


def fold(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class SpeakerNames:
    """Normalised display name for each folded speaker name of one file."""

    canonical: dict[str, str]

    @classmethod
    def from_names(cls, names: Iterable[str]) -> SpeakerNames:
        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        for name in names:
            if fold(name):
                spellings[fold(name)][" ".join(name.split())] += 1
        display = {
            key: min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            for key, counts in spellings.items()
        }
        longer: dict[str, set[str]] = defaultdict(set)
        for key in display:
            words = key.split(" ")
            if len(words) > 1:
                longer[words[0]].add(key)
        canonical = {}
        for key, shown in display.items():
            if key in MAIN_CAST:
                canonical[key] = MAIN_CAST[key]
            elif " " not in key and len(longer.get(key, ())) == 1:
                (full,) = longer[key]
                canonical[key] = MAIN_CAST.get(full, display[full])
            else:
                canonical[key] = shown
        return cls(canonical)

    def normalise(self, name: str) -> str:
        key = fold(name)
        return self.canonical.get(key) or MAIN_CAST.get(key) or " ".join(name.split())
