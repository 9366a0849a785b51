"""Token-level arrays, computed once per batch of Docs, from which every feature family reads.

Speed comes from three things. First, whatever depends only on a word's form (is it a word, its
length, syllables, Zipf frequency, every lexicon value) is looked up once per distinct lower-cased
form and kept in a process-wide table keyed by spaCy's string hash, so a corpus pays the lookups
once per vocabulary item, not once per token. Second, the attributes of a Doc come out as numpy
arrays (`Doc.to_array`) rather than through Python `Token` objects, so families aggregate with
vectorised sums per sentence and windows are differences of cumulative sums. Third, many Docs
are laid end to end in one `DocArrays`, so a 9-token tweet does not pay NumPy's fixed cost per
call on its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pyphen
from spacy.attrs import (
    DEP,
    HEAD,
    IDX,
    LEMMA,
    LENGTH,
    LOWER,
    MORPH,
    ORTH,
    POS,
    SENT_START,
    SPACY,
    TAG,
)
from spacy.lang.en.lex_attrs import like_num
from spacy.strings import StringStore, get_string_id
from spacy.tokens import Doc, Span
from wordfreq import zipf_frequency

from assets.contours.lexicons import Lexicons

ATTRS = [LOWER, LEMMA, POS, TAG, DEP, HEAD, MORPH, SENT_START, IDX, LENGTH, ORTH, SPACY]
RARE_ZIPF = 3.0  # below 1 occurrence per million words

# Columns of the per-form table (`Featurizer.form_columns` adds one per lexicon value after these).
IS_WORD, N_CHARS, SYLLABLES, POLYSYLLABLE, ZIPF, ZIPF_KNOWN, RARE, IS_SPACE, IS_PUNCT = range(9)
QUESTION_MARK, EXCLAMATION_MARK, NEGATION_WORD, FUTURE_MODAL = 9, 10, 11, 12
N_BASE_COLUMNS = 13

# Morphology flags (one column each), read from the MORPH string of a token.
FIRST_SG, FIRST_PL, SECOND, ARTICLE, FINITE, PAST, PRESENT, POLARITY_NEG = range(8)
N_MORPH_COLUMNS = 8

# Words that negate without spaCy marking them (`no food`, `nothing`); `not`, `n't` and
# `never` are caught by the `neg` dependency or Polarity=Neg already.
NEGATION_WORDS = frozenset(
    {"no", "none", "nobody", "nothing", "nowhere", "neither", "nor", "never"}
)
FUTURE_MODALS = frozenset({"will", "'ll", "’ll", "shall", "wo"})  # `wo` as in wo|n't
PUNCT_CHARS = frozenset(".,;:!?-–—()[]{}\"'`…/\\*&%$#@^~|<>+=_")


@lru_cache(maxsize=1)
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US")


@lru_cache(maxsize=200_000)
def syllables(word: str) -> int:
    """Syllables of a word: hyphenation points + 1 (pyphen, the fallback textstat uses).

    textstat's own counter looks words up in CMUdict first, which it downloads on first use;
    that is not allowed at run time, so we use its offline fallback directly."""
    return len(_hyphenator().positions(word)) + 1 if word else 0


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """Zipf frequency of a word in wordfreq's English data (0 when unknown)."""
    return zipf_frequency(word, "en")


def is_word(form: str) -> bool:
    """A word for counting purposes: alphabetic or numeric, so punctuation, emoji, URLs and
    contraction fragments (`n't`, `'m`) are not counted, as in readability formulas."""
    return form.isalpha() or like_num(form)


@dataclass
class DocArrays:
    """Everything the families need about a batch of Docs, as arrays over their tokens laid
    end to end.

    Sentences here are the Docs' sentences that hold at least one non-space token ("content
    sentences"). Token, head and sentence indices run across the whole batch; a window is a
    range of one Doc's content sentences, so sums over windows never mix two Docs, and a batch
    of thousands of tweets costs a few dozen NumPy calls instead of a few dozen per tweet.
    Character offsets (`idx`) stay relative to each Doc's own text.
    """

    pos: np.ndarray  # universal POS symbol ids
    tag: np.ndarray
    dep: np.ndarray  # dependency label ids (vocab.strings)
    head: np.ndarray  # absolute index of each token's head (itself for roots)
    lower: np.ndarray  # hash of the lower-cased form: type identity
    form: np.ndarray  # (n_tokens, n_form_columns) per-form values, see Featurizer
    morph: np.ndarray  # (n_tokens, N_MORPH_COLUMNS) bool
    starts: np.ndarray  # token start of every sentence of every Doc
    content: np.ndarray  # indices of the content sentences among all sentences
    idx: np.ndarray  # char offset of each token in its Doc
    length: np.ndarray  # char length of each token
    orth: np.ndarray  # hash of each token's verbatim text
    space: np.ndarray  # whether a space follows the token
    strings: StringStore  # names the hashes (the Docs' shared vocabulary)
    columns: dict[str, int]  # lexicon value name -> column of `form`
    doc_sentences: np.ndarray  # (n_docs + 1,) offset of each Doc's first content sentence
    doc_first_sentence: np.ndarray  # (n_docs,) number of sentences (of any kind) before a Doc

    @property
    def n_tokens(self) -> int:
        return int(self.pos.shape[0])

    @property
    def n_sentences(self) -> int:
        return int(self.content.shape[0])

    @property
    def ends(self) -> np.ndarray:
        if self.starts.size == 0:
            return self.starts
        return np.append(self.starts[1:], self.n_tokens)

    def sentence_sums(self, values: np.ndarray) -> np.ndarray:
        """Per-content-sentence sums of per-token values (1-d or 2-d, tokens along axis 0)."""
        values = np.asarray(values, dtype=np.float64)
        if self.n_tokens == 0:
            return np.zeros((0, *values.shape[1:]))
        return np.add.reduceat(values, self.starts, axis=0)[self.content]

    def sentence_max(self, values: np.ndarray) -> np.ndarray:
        if self.n_tokens == 0:
            return np.zeros(0)
        return np.maximum.reduceat(np.asarray(values, dtype=np.float64), self.starts)[self.content]

    def sentence_token_bounds(self) -> np.ndarray:
        """(n_content_sentences, 2) token `[start, end)` of each content sentence."""
        return np.stack([self.starts, self.ends], axis=1)[self.content]

    def sentence_char_bounds(self) -> np.ndarray:
        """(n_content_sentences, 2) character `[start, end)` of each content sentence in its
        own Doc's text."""
        bounds = self.sentence_token_bounds()
        if bounds.shape[0] == 0:
            return bounds
        last = bounds[:, 1] - 1
        return np.stack([self.idx[bounds[:, 0]], self.idx[last] + self.length[last]], axis=1)

    def sentence_texts(self) -> list[str]:
        """Each content sentence's text, as its Doc's `text[start_char:end_char]` would give it.

        Built from the tokens' strings and trailing spaces (spaCy's own definition of
        `Doc.text`), since `Doc.text` walks Python `Token` objects: most of the cost of a
        tweet."""
        bounds = self.sentence_token_bounds().tolist()
        if not bounds:
            return []
        tokens = [self.strings[h] for h in self.orth.tolist()]
        spaced = [t + " " if s else t for t, s in zip(tokens, self.space.tolist(), strict=True)]
        return ["".join(spaced[a:b - 1]) + tokens[b - 1] for a, b in bounds]

    def lexicon(self, name: str) -> np.ndarray | None:
        """Per-token values of one lexicon column (NaN where the word is not listed)."""
        col = self.columns.get(name)
        return None if col is None else self.form[:, col]

    @property
    def words(self) -> np.ndarray:
        return self.form[:, IS_WORD] > 0


class RowCache:
    """One row of values per distinct string hash, made on first sight and kept for the run.

    Rows live in one growing matrix (capacity doubles), so a batch's rows come out with a
    single fancy index instead of stacking one small array per distinct form."""

    def __init__(self, width: int, make: Callable[[str], np.ndarray],
                 dtype: type = np.float64) -> None:
        self.make = make
        self.index: dict[int, int] = {}
        self.table = np.zeros((64, width), dtype=dtype)

    def rows(self, hashes: np.ndarray, strings: StringStore) -> np.ndarray:
        """The rows of these hashes, in order; `strings` names the hashes not seen before."""
        unique, inverse = np.unique(hashes, return_inverse=True)
        where = np.empty(unique.shape[0], dtype=np.int64)
        for i, h in enumerate(unique.tolist()):
            j = self.index.get(h)
            if j is None:
                j = self.index[h] = len(self.index)
                if j == self.table.shape[0]:
                    self.table = np.concatenate([self.table, np.zeros_like(self.table)])
                self.table[j] = self.make(strings[h])
            where[i] = j
        return self.table[where[inverse.reshape(-1)]]


class Featurizer:
    """Turns Docs into `DocArrays`; holds the lexicons and the per-form caches of a run."""

    def __init__(self, lexicons: Lexicons | None = None) -> None:
        self.lexicons = lexicons or Lexicons()
        self.columns: dict[str, int] = {}
        self._lookups: list[tuple[dict[str, tuple[float, ...]], int, int]] = []
        col = N_BASE_COLUMNS
        for name, norms in self.lexicons.norms.items():
            self._lookups.append((norms.entries, col, len(norms.columns)))
            for value in norms.columns:
                self.columns[f"{name}.{value}"] = col
                col += 1
        self.n_columns = col
        self._forms = RowCache(self.n_columns, self._form_row)
        self._lemmas = RowCache(self.n_columns - N_BASE_COLUMNS,
                                lambda s: self._lexicon_values(s.lower()))
        self._morphs = RowCache(N_MORPH_COLUMNS, self._morph_row, dtype=bool)
        zipf("the"), syllables("the")  # load wordfreq's and pyphen's data now, not mid-run

    def has(self, lexicon: str) -> bool:
        return lexicon in self.lexicons.norms

    def _lexicon_values(self, form: str) -> np.ndarray:
        row = np.full(self.n_columns - N_BASE_COLUMNS, np.nan)
        for entries, col, width in self._lookups:
            values = entries.get(form)
            if values is not None:
                row[col - N_BASE_COLUMNS : col - N_BASE_COLUMNS + width] = values
        return row

    def _form_row(self, form: str) -> np.ndarray:
        row = np.zeros(self.n_columns)
        word = is_word(form)
        stripped = form.strip()
        row[IS_SPACE] = not stripped
        row[IS_PUNCT] = bool(stripped) and all(c in PUNCT_CHARS for c in stripped)
        row[QUESTION_MARK] = row[IS_PUNCT] and "?" in stripped
        row[EXCLAMATION_MARK] = row[IS_PUNCT] and "!" in stripped
        row[NEGATION_WORD] = form in NEGATION_WORDS
        row[FUTURE_MODAL] = form in FUTURE_MODALS
        if word:
            row[IS_WORD] = 1.0
            row[N_CHARS] = len(form)
            row[SYLLABLES] = syllables(form)
            row[POLYSYLLABLE] = row[SYLLABLES] >= 3
            z = zipf(form)
            row[ZIPF] = z
            row[ZIPF_KNOWN] = z > 0
            row[RARE] = z < RARE_ZIPF
            row[N_BASE_COLUMNS:] = self._lexicon_values(form)
        else:
            row[N_BASE_COLUMNS:] = np.nan
        return row

    def _morph_row(self, morph: str) -> np.ndarray:
        feats = dict(f.split("=", 1) for f in morph.split("|") if "=" in f)
        personal = feats.get("PronType") == "Prs"
        finite = feats.get("VerbForm") == "Fin"
        return np.array(
            [
                personal and feats.get("Person") == "1" and feats.get("Number") == "Sing",
                personal and feats.get("Person") == "1" and feats.get("Number") == "Plur",
                personal and feats.get("Person") == "2",
                feats.get("PronType") == "Art",
                finite,
                finite and feats.get("Tense") == "Past",
                finite and feats.get("Tense") == "Pres",
                feats.get("Polarity") == "Neg",
            ],
            dtype=bool,
        )

    def arrays(self, doc: Doc) -> DocArrays:
        """The arrays of one Doc (which must have been parsed: sentences, POS, dependencies)."""
        return self.batch_arrays([doc])

    def batch_arrays(self, docs: Sequence[Doc]) -> DocArrays:
        """The arrays of parsed Docs that share one vocabulary, laid end to end."""
        vocabs = {id(doc.vocab) for doc in docs}
        if len(vocabs) > 1:
            raise ValueError("a batch of Docs must share one vocabulary (string hashes)")
        strings = docs[0].vocab.strings if docs else StringStore()
        lengths = np.array([len(doc) for doc in docs], dtype=np.int64)
        doc_tokens = np.concatenate([[0], np.cumsum(lengths)])
        n = int(doc_tokens[-1])
        raw = (np.concatenate([doc.to_array(ATTRS) for doc in docs if len(doc)]) if n
               else np.zeros((0, len(ATTRS)), dtype=np.uint64))  # uint64: hashes are unsigned
        values = raw.astype(np.int64)  # relative heads and sentence starts are signed
        form = self._forms.rows(raw[:, 0], strings)
        if self._lookups:
            lemma_lex = self._lemmas.rows(raw[:, 1], strings)
            lex = form[:, N_BASE_COLUMNS:]
            missing = np.isnan(lex) & (form[:, IS_WORD:IS_WORD + 1] > 0)
            form[:, N_BASE_COLUMNS:] = np.where(missing, lemma_lex, lex)
        # Every Doc's first token starts a sentence, whatever its parse says.
        is_start = values[:, 7] == 1
        is_start[doc_tokens[:-1][lengths > 0]] = True
        starts = np.flatnonzero(is_start)
        non_space = (np.add.reduceat(1.0 - form[:, IS_SPACE], starts) if n
                     else np.zeros(0))
        content = np.flatnonzero(non_space > 0)
        content_doc = np.searchsorted(doc_tokens, starts[content], side="right") - 1
        per_doc = np.bincount(content_doc, minlength=len(docs))
        return DocArrays(
            pos=values[:, 2],
            tag=values[:, 3],
            dep=raw[:, 4],
            head=np.arange(n, dtype=np.int64) + values[:, 5],
            lower=raw[:, 0],
            form=form,
            morph=self._morphs.rows(raw[:, 6], strings),
            starts=starts,
            content=content,
            idx=values[:, 8],
            length=values[:, 9],
            orth=raw[:, 10],
            space=values[:, 11] > 0,
            strings=strings,
            columns=self.columns,
            doc_sentences=np.concatenate([[0], np.cumsum(per_doc)]),
            doc_first_sentence=np.searchsorted(starts, doc_tokens[:-1]),
        )


Window = Doc | Span | list[Span]


def window_doc(window: Window) -> Doc:
    """A stand-alone Doc for a window given as a Doc, a Doc slice or a list of sentence Spans.

    `Span.as_doc` keeps the parse (heads inside the slice) and the sentence boundaries."""
    if isinstance(window, Doc):
        return window
    if isinstance(window, Span):
        return window.as_doc()
    if not window:
        raise ValueError("an empty list of sentences is not a window")
    doc = window[0].doc
    return doc[window[0].start : window[-1].end].as_doc()


@cache
def label_ids(labels: tuple[str, ...]) -> np.ndarray:
    """The ids under which every vocabulary stores these labels (as in `Doc.to_array`).

    Ids are symbol numbers or string hashes, the same in every vocabulary, so they are cached."""
    return np.array([get_string_id(label) for label in labels], dtype=np.uint64)
