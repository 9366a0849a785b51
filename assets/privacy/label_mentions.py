"""Self-disclosed personality labels in text: where they are, and the text with them masked.

The corpora label people by what they wrote, and people who took a personality test write its
result: "as an INTJ", "INFJ-T here", "my 4w5 self", "I scored 90th percentile in openness". The
anonymiser keeps these on purpose (they are not PII, and analysts study them), but a model
trained on them reads its label off the text: on Kaggle MBTI most authors name their own type.
So the curated zone keeps the text and records the spans (`curated/label_mentions`), and the
training exports and baselines read the text with each mention replaced by a typed placeholder
(`[MBTI_TYPE]`, `[MBTI_NICKNAME]`, `[ENNEAGRAM]`, `[TRAIT_SCORE]`), unless told to keep them.

Regular expressions, not a library or a model: the vocabulary is closed (16 types, their
16Personalities nicknames, 9 Enneagram types with 18 wings, 5+1 trait names) and no maintained
package detects it; a rule list is auditable and runs inside DuckDB. Each rule has exactly three
groups, `(context before)(mention)(context after)`: only the middle one is masked, so a rule
can demand context ("I'm a type 4." but not "type 2 diabetes") without lookaround, which RE2
lacks. The patterns use only syntax that Python's `re` (with `re.ASCII`) and RE2 (DuckDB's
engine) read the same way: `\\b`, `\\d` and `\\w` are ASCII in both, whitespace is spelled out
(`[ \\t\\r\\n\\f]`, since Python's `\\s` also matches a vertical tab and RE2's does not), no `.`
(its newline handling differs between DuckDB's options and Python), no `$`.

Masking is in SQL (`mask_sql`): nested `regexp_replace` calls, one per rule in `RULES` order, in
the query every export and baseline reads (`assets.curate.dataset.dataset_query`). That keeps
the exports byte-deterministic (a pure function of the stored text, no Python UDF, no thread
order) and fast (RE2, vectorised, on DuckDB's threads). `scan` runs the same rules in the same
order in Python and maps every masked span back to the original text, so the spans recorded in
the curated zone are the ones the SQL masks (a test holds the two to each other).

What is matched, and what is left on purpose (false positives cost text, misses cost leakage;
each choice has a test):
- MBTI types, any case, with `-A`/`-T` and a plural `s`: `INTJ`, `intj`, `INFJ-T`, `ENFPs`;
  with one `x` for an unknown letter: `INxJ`, `xNTP`. Not inside words (`INTERNATIONAL`).
  Subreddit names (`r/intj`) are masked too: a user naming their type's forum discloses it.
- Nicknames (16Personalities: Architect, Logician, ... Entertainer): every one is also an
  English word (an architect, a defender, an executive), so a nickname alone is never
  masked, and only capitalised: next to a type (`INTJ (Architect)`, `Logician - INTP`,
  `INFJ-T Advocate`; not `an ISTP protagonist`), before "personality" (`the Mediator
  personality`), and after a first-person "I'm a/the" (`I'm a Campaigner`; not `I'm Commander
  Shepard`). Keirsey's names (Mastermind, Healer, ...) are left: too common as words, and rare
  as labels in these corpora.
- Enneagram: a core with an adjacent wing (`4w5`, `9w1`; `4w7` is no wing, so no match);
  `enneagram 5`, `Enneagram type 4`, `tritype 459` (the number is masked, the word stays);
  `I'm a type 9.` / `I'm type 4 and` (first person, followed by punctuation or a short
  connective). Left: a bare `type 9` (`type 9 font`, `type 2 diabetes`), and `E4`/`e9`
  (ranks, chess moves, paper sizes).
- Trait scores: a Big Five trait, or an MBTI pole as test reports print them (introverted,
  intuitive, sensing, thinking, feeling, judging, perceiving), with a number and a unit,
  either order, joined by punctuation or a few words (`90th percentile in openness`,
  `neuroticism (85%)`, `72% on extraversion`, `Intuitive: 88%`); a trait with a colon and a
  number (`Openness: 85`, `Thinking = 94`); and a first-person level (`I'm very high in
  neuroticism`, `I scored low on agreeableness`). Left: statements about people in general
  (`people high in openness`), numbers without a unit after a trait, and a trait and a
  number joined by other words (`introverted but 90% of my friends`).
- Not covered: cognitive functions (`Ni-dom`, `Fi`), too ambiguous as tokens (`Fe`, `Ti`,
  `Ne`), and instinctual variants (`sp/sx`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from assets.lake import Lake, PartWriter, corpus_of, iter_part_batches, part_name
from schemas.label_mentions import LABEL_MENTIONS

PLACEHOLDERS = {
    "mbti_type": "[MBTI_TYPE]",
    "mbti_nickname": "[MBTI_NICKNAME]",
    "enneagram": "[ENNEAGRAM]",
    "trait_score": "[TRAIT_SCORE]",
}
KINDS = tuple(PLACEHOLDERS)

_S = r"[ \t\r\n\f]"  # whitespace, the same set in Python and RE2
_APOS = "['\u2019]"  # I'm, I’m
_TYPE = r"(?i:[IE][NS][TF][JP]|x[NS][TF][JP]|[IE]x[TF][JP]|[IE][NS]x[JP]|[IE][NS][TF]x)"
_TYPE_TOKEN = rf"\b{_TYPE}(?:-(?i:[AT]))?(?i:s)?\b"
_NICKS = ("Architect|Logician|Commander|Debater|Advocate|Mediator|Protagonist|Campaigner|"
          "Logistician|Defender|Executive|Consul|Virtuoso|Adventurer|Entrepreneur|Entertainer")
_SEP = rf"{_S}*[(,:/–-]?{_S}*"  # "INTJ (Architect)", "Logician - INTP", "INFJ Advocate"
_I_AM = rf"\b(?i:I{_APOS}?m|I{_S}+am)"
# A core type and its two wings, the neighbours on the circle (9 is next to 1).
_WINGS = "|".join(f"{c}w{w}" for c in range(1, 10) for w in sorted({c % 9 + 1, (c - 2) % 9 + 1}))
_TRAITS = ("openness(?:" + _S + "+to" + _S + "+experience)?|conscientiousness|extraversion|"
           "extroversion|agreeableness|neuroticism|emotional" + _S + "+stability|introversion|"
           "introverted|introvert|extraverted|extroverted|extravert|extrovert|"
           # the other MBTI axes as test reports print them ("Intuitive: 88%", "Sensing(75%)")
           "intuitive|intuition|sensing|thinking|feeling|judging|perceiving|prospecting|"
           "observant")
_NUM = r"\d{1,3}(?:[.,]\d{1,2})?"
# Between a trait and its score: punctuation and a few words ("neuroticism (85%)",
# "openness score of 90%", "extraversion: I got 12%"), never any word ("introverted but 90% of
# my friends" is no score).
_GAP = (rf"(?:{_S}|[:=(,–-]|(?i:scored|scores|score|of|at|is|was|about|around|an|a|my|"
        rf"result|level|i|got)\b){{0,8}}")
_UNIT = (rf"(?:{_S}*%|{_S}*(?i:percent)\b|(?i:st|nd|rd|th)?{_S}*(?i:percentile)\b|"
         rf"{_S}*/{_S}*100\b|{_S}+(?i:out{_S}+of){_S}+100\b)")


@dataclass(frozen=True)
class Rule:
    """One pattern of one kind; group 2 is the mention, groups 1 and 3 are kept context."""

    kind: str
    name: str
    pattern: str

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern)


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    if pattern not in _CACHE:
        _CACHE[pattern] = re.compile(pattern, re.ASCII)
    return _CACHE[pattern]


# Order matters, as in the SQL: nicknames before types (types are their context), the
# Enneagram's named forms before bare wings, numeric trait scores before levels.
RULES: tuple[Rule, ...] = (
    Rule("mbti_nickname", "after_type",
         rf"({_TYPE_TOKEN}{_SEP}(?:(?i:the|an?){_S}+)?)(\b(?:{_NICKS})s?\b)()"),
    Rule("mbti_nickname", "before_type", rf"()(\b(?:{_NICKS})s?)({_SEP}{_TYPE_TOKEN})"),
    Rule("mbti_nickname", "personality",
         rf"()(\b(?:{_NICKS})\b)({_S}+(?i:personality)\b)"),
    Rule("mbti_nickname", "i_am", rf"({_I_AM}{_S}+(?i:an?|the){_S}+)(\b(?:{_NICKS})\b)()"),
    Rule("enneagram", "named",
         rf"(\b(?i:enneagram|ennea|tritype)(?:{_S}+(?i:type))?{_S}*[:#-]?{_S}*)"
         rf"(\b[1-9](?:(?i:w)[1-9]|[1-9]{{2}})?\b)()"),
    Rule("enneagram", "i_am",
         rf"({_I_AM}{_S}+(?:(?i:an?){_S}+)?(?i:type){_S}*)(\b[1-9](?:(?i:w)[1-9])?\b)"
         rf"([.,!?;:)]|{_S}+(?i:here|and|but|so|too|myself|btw|lol)\b)"),
    Rule("enneagram", "wing", rf"()(\b(?i:{_WINGS})(?i:s)?\b)()"),
    Rule("trait_score", "trait_then_score",
         rf"()(\b(?i:{_TRAITS})\b{_GAP}\b{_NUM}{_UNIT})()"),
    Rule("trait_score", "score_then_trait",
         rf"()(\b{_NUM}{_UNIT}{_S}*(?:(?i:in|on|for|of){_S}+)?(?:(?i:the|my){_S}+)?"
         rf"(?i:{_TRAITS})\b)()"),
    Rule("trait_score", "trait_colon", rf"()(\b(?i:{_TRAITS}){_S}*[:=]{_S}*\d{{1,3}}\b)()"),
    Rule("trait_score", "i_am_level",
         rf"((?:{_I_AM}|\b(?i:I{_S}+(?:scored?|tested|got|rank|ranked)))"
         rf"{_S}+(?:(?i:very|really|extremely|super|quite|pretty|fairly|so){_S}+)?)"
         rf"((?i:high|low){_S}+(?i:in|on){_S}+(?:(?i:the|my){_S}+)?(?i:{_TRAITS})\b)()"),
    Rule("mbti_type", "type", rf"()({_TYPE_TOKEN})()"),
)


@dataclass(frozen=True)
class Mention:
    """A masked span of the original text: [start, end) in characters (code points)."""

    start: int
    end: int
    kind: str
    rule: str


@dataclass
class Scan:
    masked: str
    mentions: list[Mention] = field(default_factory=list)


def scan(text: str | None, rules: Sequence[Rule] = RULES) -> Scan:
    """Apply the rules in order, as `mask_sql` does, and map each mask to the original text.

    Python's `re.sub` and RE2's global replace both take non-overlapping leftmost-first
    matches, left to right, so the masked text here equals the SQL's. `origin[i]` is the
    original position of character i of the current text, -1 inside a placeholder."""
    if not text:
        return Scan(text or "")
    current: str = text
    origin: list[int] | None = None  # None: nothing replaced yet, positions are the original's
    mentions: list[Mention] = []
    for rule in rules:
        placeholder = PLACEHOLDERS[rule.kind]
        pieces: list[str] = []
        new_origin: list[int] = []
        cursor = 0
        for match in rule.regex.finditer(current):
            start, end = match.span(2)
            where = range(start, end) if origin is None else [origin[i] for i in range(start, end)]
            known = [i for i in where if i >= 0]
            if known:
                mentions.append(Mention(min(known), max(known) + 1, rule.kind, rule.name))
            pieces += [current[cursor:start], placeholder]
            new_origin += (list(range(cursor, start)) if origin is None
                           else origin[cursor:start]) + [-1] * len(placeholder)
            cursor = end
        if not pieces:
            continue
        pieces.append(current[cursor:])
        new_origin += list(range(cursor, len(current))) if origin is None else origin[cursor:]
        current, origin = "".join(pieces), new_origin
    return Scan(current, sorted(mentions, key=lambda m: (m.start, m.end)))


def mask_text(text: str | None) -> str:
    """The text as the exports hold it by default."""
    return scan(text).masked


def find_mentions(text: str | None) -> list[Mention]:
    return scan(text).mentions


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def mask_sql(expression: str, rules: Sequence[Rule] = RULES) -> str:
    """SQL that masks `expression` (a VARCHAR) with DuckDB's RE2, rule by rule in order."""
    sql = expression
    for rule in rules:
        replacement = "\\1" + PLACEHOLDERS[rule.kind] + "\\3"
        sql = (f"regexp_replace({sql}, {_sql_string(rule.pattern)}, "
               f"{_sql_string(replacement)}, 'g')")
    return sql


def has_mention_sql(expression: str, kind: str | None = None) -> str:
    """SQL true when `expression` holds a mention (of `kind`), masked or not: an export keeps
    placeholders where it masked, so counting either tells how many texts disclosed a label."""
    kinds = [kind] if kind else list(KINDS)
    tests = [f"contains({expression}, {_sql_string(PLACEHOLDERS[k])})" for k in kinds]
    tests += [f"regexp_matches({expression}, {_sql_string(r.pattern)})"
              for r in RULES if r.kind in kinds]
    return "(" + " OR ".join(tests) + ")"


# --- the curated table ----------------------------------------------------------------------


def mention_rows(docs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """`curated/label_mentions` rows for documents with `doc_id`, `corpus` and `text`."""
    rows = []
    for doc in docs:
        text = doc.get("text") or ""
        for m in find_mentions(text):
            rows.append({"doc_id": doc["doc_id"], "corpus": doc["corpus"], "kind": m.kind,
                         "rule": m.rule, "start_char": m.start, "end_char": m.end,
                         "mention": text[m.start:m.end]})
    return rows


@dataclass
class MentionCounts:
    documents: int = 0
    documents_with_mentions: int = 0
    mentions: Counter[str] = field(default_factory=Counter)
    parts: int = 0
    removed_parts: int = 0

    def metadata(self) -> dict[str, Any]:
        return {"documents": self.documents,
                "documents_with_mentions": self.documents_with_mentions,
                "mentions": dict(sorted(self.mentions.items())), "parts": self.parts,
                "removed_parts": self.removed_parts}


def write_label_mentions(lake: Lake, partition: str) -> MentionCounts:
    """One `curated/label_mentions` part per curated documents part of the partition (same
    name, same partition stamp), so offsets always refer to the text beside them; parts whose
    documents part is gone are removed. An unchanged part keeps its file (`keep_identical`)."""
    counts = MentionCounts()
    corpus = corpus_of(partition)
    live = []
    for path in lake.partition_paths("curated", "documents", partition):
        part = part_name(path)
        live.append(part)
        meta = {**(lake.part_metadata(path) or {}), "stage": "label_mentions"}
        with PartWriter(lake, "curated", "label_mentions", corpus, part, LABEL_MENTIONS, meta,
                        keep_identical=True) as writer:
            for batch in iter_part_batches(lake, [path], columns=["doc_id", "corpus", "text"]):
                docs = batch.to_pylist()
                rows = mention_rows(docs)
                counts.documents += len(docs)
                counts.documents_with_mentions += len({r["doc_id"] for r in rows})
                counts.mentions.update(r["kind"] for r in rows)
                writer.write(pa.Table.from_pylist(rows, schema=LABEL_MENTIONS))
        counts.parts += 1
    counts.removed_parts = len(lake.remove_vanished("curated", "label_mentions", partition, live))
    return counts


# --- the dataset card ----------------------------------------------------------------------


def card_section(con: Any, baselines: list[dict[str, Any]], masked: bool,
                 relation: str = "exported") -> list[str]:
    """The card's account of label mentions: how many documents and authors disclose a label
    per corpus (counted on the exported text, placeholders included), and the baselines on
    masked and kept text side by side."""
    state = ("masked: each mention is a typed placeholder (`[MBTI_TYPE]`, `[MBTI_NICKNAME]`, "
             "`[ENNEAGRAM]`, `[TRAIT_SCORE]`)" if masked else
             "**kept** (`EXPORT_LABEL_MENTIONS=keep`): models trained on this text can read "
             "many authors' labels off it")
    lines = [f"Self-disclosed personality labels in the text (MBTI types and nicknames, "
             f"Enneagram types, trait scores) are {state}. The curated zone keeps the text and "
             "records every span in `curated/label_mentions`.", "",
             "| corpus | documents | with a mention | authors | authors with a mention |",
             "|---|---:|---:|---:|---:|"]
    any_kind = has_mention_sql("text")
    stats = con.execute(f"""SELECT corpus, count(*), count(*) FILTER (WHERE {any_kind}),
        count(DISTINCT author_id), count(DISTINCT author_id) FILTER (WHERE {any_kind})
        FROM {relation} GROUP BY corpus ORDER BY corpus""").fetchall()
    for corpus, docs, with_docs, authors, with_authors in stats:
        lines.append(f"| {corpus} | {docs} | {with_docs} ({_share(with_docs, docs)}) | "
                     f"{authors} | {with_authors} ({_share(with_authors, authors)}) |")
    kept = [b for b in baselines if b.get("masked") is False]
    if not kept:
        return [*lines, "", "No baselines on unmasked text were run for this export."]
    lines += ["", "Baselines on masked and on kept text (test split; a score that drops under "
              "masking was partly read off self-disclosed labels):", "",
              "| trait | model | metric | masked | kept | kept − masked |",
              "|---|---|---|---:|---:|---:|"]
    masked_scores = {(b["trait"], b["model"], b["metric"]): b["value"] for b in baselines
                     if b.get("masked") is not False}
    for b in sorted(kept, key=lambda b: (b["trait"], b["model"], b["metric"])):
        other = masked_scores.get((b["trait"], b["model"], b["metric"]))
        diff = None if _missing(other) or _missing(b["value"]) else b["value"] - other
        lines.append(f"| `{b['trait']}` | {b['model']} | {b['metric']} | {_num(other)} | "
                     f"{_num(b['value'])} | {_num(diff, signed=True)} |")
    return lines


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _missing(value: float | None) -> bool:
    return value is None or math.isnan(value)


def _num(value: float | None, signed: bool = False) -> str:
    if _missing(value):
        return "–"
    return f"{value:+.3f}" if signed else f"{value:.3f}"
