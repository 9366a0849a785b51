"""The feature catalogue: every contour feature, its family, what it measures and whom to cite.

This is the one list analysts read (as the `feature_catalog` DuckDB view, which the warehouse
build writes from `view_sql`), from which the contour tables take their columns and the feature
modules their names, and by which `assets.contours.features` finds those modules. A test keeps
it in step with what the modules compute. `VALIDITY` records, for each feature that has an
independent implementation, how closely ours follows it on real windows and why they differ
where they do (bench/feature_validity.py measures it, tests/unit/contours/test_feature_validity.py
holds it).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from schemas.tables import TableContract, documented_field

LU_2010 = (
    "Lu, X. (2010). Automatic analysis of syntactic complexity in second language writing. "
    "International Journal of Corpus Linguistics 15(4), 474-496."
)
KERZ_2022 = (
    "Kerz, E., Qiao, Y., Zanwar, S., Wiechmann, D. (2022). Pushing on personality detection from "
    "verbal behavior: A transformer meets text contours of psycholinguistic features. WASSA 2022."
)
WORDFREQ = "Speer, R. (2022). wordfreq v3.0 (Zenodo, doi:10.5281/zenodo.7199437)."
PYPHEN = "Pyphen hyphenation dictionaries (Hunspell en_US patterns), as textstat's fallback."
NRC_VAD = (
    "Mohammad, S. M. (2018). Obtaining reliable human ratings of valence, arousal, and dominance "
    "for 20,000 English words. ACL 2018."
)
WARRINER = (
    "Warriner, A. B., Kuperman, V., Brysbaert, M. (2013). Norms of valence, arousal, and "
    "dominance for 13,915 English lemmas. Behavior Research Methods 45, 1191-1207."
)
EMOLEX = (
    "Mohammad, S. M., Turney, P. D. (2013). Crowdsourcing a word-emotion association lexicon. "
    "Computational Intelligence 29(3), 436-465."
)
LIWC = (
    "Pennebaker, J. W., Boyd, R. L., Jordan, K., Blackburn, K. (2015). The development and "
    "psychometric properties of LIWC2015 (category definitions; computed here from spaCy "
    "morphology)."
)


@dataclass(frozen=True)
class Feature:
    """One catalogued feature."""

    name: str
    family: str
    description: str
    citation: str
    lexicon: str | None = None  # lexicon file it needs; None: always computed


def _f(
    name: str, family: str, description: str, citation: str, lexicon: str | None = None
) -> Feature:
    return Feature(name, family, description, citation, lexicon)


# Feature families, in column order. Each is one module `assets/contours/features/<family>.py`
# that takes its feature names from here (`family_features`).
SYNTACTIC = "syntactic"
LEXICAL_RICHNESS = "lexical_richness"
LEXICAL_SOPHISTICATION = "lexical_sophistication"
READABILITY = "readability"
AFFECT = "affect"
STYLE = "style"
EMOLEX_AFFECTS = (
    "anger",
    "anticipation",
    "disgust",
    "fear",
    "joy",
    "sadness",
    "surprise",
    "trust",
    "positive",
    "negative",
)

FEATURES: tuple[Feature, ...] = (
    _f("mean_sentence_length", SYNTACTIC, "Words per sentence (MLS).", LU_2010),
    _f(
        "clauses_per_sentence",
        SYNTACTIC,
        "Clauses per sentence (C/S); a clause is a verb or copula with a subject, or a root verb.",
        LU_2010,
    ),
    _f(
        "dependent_clauses_per_clause",
        SYNTACTIC,
        "Dependent clauses (advcl, ccomp, csubj, relcl, acl) per clause (DC/C).",
        LU_2010,
    ),
    _f(
        "coordinate_phrases_per_clause",
        SYNTACTIC,
        "Coordinated phrases (conj dependents that are not clauses) per clause (CP/C).",
        LU_2010,
    ),
    _f(
        "complex_nominals_per_clause",
        SYNTACTIC,
        "Nouns with adjectival, possessive, prepositional, relative, participial or appositive "
        "modifiers, plus clausal subjects and nominal clauses, per clause (CN/C).",
        LU_2010,
    ),
    _f("verb_phrases_per_sentence", SYNTACTIC, "Verbs and copulas per sentence (VP/S).", LU_2010),
    _f(
        "mean_dependency_distance",
        SYNTACTIC,
        "Mean distance in tokens between a word and its head, punctuation excluded.",
        "Liu, H. (2008). Dependency distance as a metric of language comprehension difficulty. "
        "Journal of Cognitive Science 9(2), 159-191.",
    ),
    _f(
        "parse_tree_depth",
        SYNTACTIC,
        "Mean over sentences of the deepest word's depth in the dependency tree (root = 0).",
        KERZ_2022,
    ),
    _f(
        "type_token_ratio",
        LEXICAL_RICHNESS,
        "Distinct lower-cased word forms / words.",
        "Johnson, W. (1944). Studies in language behavior. Psychological Monographs 56(2).",
    ),
    _f(
        "moving_average_ttr",
        LEXICAL_RICHNESS,
        "Mean TTR over every 25-word stretch of the window (TTR if shorter).",
        "Covington, M. A., McFall, J. D. (2010). Cutting the Gordian knot: The moving-average "
        "type-token ratio (MATTR). Journal of Quantitative Linguistics 17(2), 94-100.",
    ),
    _f(
        "mtld",
        LEXICAL_RICHNESS,
        "Measure of textual lexical diversity, threshold 0.72, mean of both directions; NaN when "
        "every word is distinct.",
        "McCarthy, P. M., Jarvis, S. (2010). MTLD, vocd-D, and HD-D. Behavior Research Methods "
        "42(2), 381-392.",
    ),
    _f(
        "lexical_density",
        LEXICAL_RICHNESS,
        "Content words (nouns, proper nouns, verbs, adjectives, adverbs) / words.",
        "Lu, X. (2012). The relationship of lexical richness to the quality of ESL "
        "learners' oral narratives. Modern Language Journal 96(2), 190-208.",
    ),
    _f(
        "zipf_frequency",
        LEXICAL_SOPHISTICATION,
        "Mean Zipf frequency (wordfreq, English) of words wordfreq knows.",
        WORDFREQ,
    ),
    _f(
        "rare_word_share",
        LEXICAL_SOPHISTICATION,
        "Share of words with Zipf frequency below 3 (rarer than once per "
        "million words), unknown words included.",
        WORDFREQ,
    ),
    _f("word_length", LEXICAL_SOPHISTICATION, "Mean characters per word.", KERZ_2022),
    _f(
        "syllables_per_word",
        LEXICAL_SOPHISTICATION,
        "Mean syllables per word (pyphen hyphenation points + 1).",
        PYPHEN,
    ),
    _f(
        "subtlex_log_frequency",
        LEXICAL_SOPHISTICATION,
        "Mean SUBTLEX-US log10 word frequency of words listed.",
        "Brysbaert, M., New, B. (2009). Moving beyond Kucera and Francis. Behavior Research "
        "Methods 41(4), 977-990.",
        "subtlex",
    ),
    _f(
        "flesch_reading_ease",
        READABILITY,
        "206.835 - 1.015 words/sentence - 84.6 syllables/word.",
        "Flesch, R. (1948). A new readability yardstick. Journal of Applied Psychology 32(3).",
    ),
    _f(
        "flesch_kincaid_grade",
        READABILITY,
        "0.39 words/sentence + 11.8 syllables/word - 15.59.",
        "Kincaid, J. P., et al. (1975). Derivation of new readability formulas for Navy enlisted "
        "personnel. Research Branch Report 8-75.",
    ),
    _f(
        "gunning_fog",
        READABILITY,
        "0.4 (words/sentence + 100 words of 3+ syllables/words).",
        "Gunning, R. (1952). The technique of clear writing. McGraw-Hill.",
    ),
    _f(
        "smog",
        READABILITY,
        "1.043 sqrt(words of 3+ syllables x 30/sentences) + 3.1291.",
        "McLaughlin, G. H. (1969). SMOG grading. Journal of Reading 12(8), 639-646.",
    ),
    _f(
        "coleman_liau",
        READABILITY,
        "0.0588 letters per 100 words - 0.296 sentences per 100 words - 15.8.",
        "Coleman, M., Liau, T. L. (1975). A computer readability formula designed for machine "
        "scoring. Journal of Applied Psychology 60(2), 283-284.",
    ),
    _f(
        "automated_readability_index",
        READABILITY,
        "4.71 characters/word + 0.5 words/sentence - 21.43.",
        "Senter, R. J., Smith, E. A. (1967). Automated readability index. AMRL-TR-6620.",
    ),
    _f("nrc_valence", AFFECT, "Mean NRC VAD valence (0-1) of words listed.", NRC_VAD, "nrc_vad"),
    _f("nrc_arousal", AFFECT, "Mean NRC VAD arousal (0-1) of words listed.", NRC_VAD, "nrc_vad"),
    _f(
        "nrc_dominance", AFFECT, "Mean NRC VAD dominance (0-1) of words listed.", NRC_VAD, "nrc_vad"
    ),
    _f(
        "warriner_valence",
        AFFECT,
        "Mean Warriner valence (1-9) of words listed.",
        WARRINER,
        "warriner",
    ),
    _f(
        "warriner_arousal",
        AFFECT,
        "Mean Warriner arousal (1-9) of words listed.",
        WARRINER,
        "warriner",
    ),
    _f(
        "warriner_dominance",
        AFFECT,
        "Mean Warriner dominance (1-9) of words listed.",
        WARRINER,
        "warriner",
    ),
    _f(
        "concreteness",
        AFFECT,
        "Mean concreteness (1-5) of words listed.",
        "Brysbaert, M., Warriner, A. B., Kuperman, V. (2014). Concreteness ratings for 40 "
        "thousand generally known English word lemmas. Behavior Research Methods 46, 904-911.",
        "brysbaert",
    ),
    _f(
        "age_of_acquisition",
        AFFECT,
        "Mean age of acquisition in years of words listed.",
        "Kuperman, V., Stadthagen-Gonzalez, H., Brysbaert, M. (2012). Age-of-acquisition ratings "
        "for 30,000 English words. Behavior Research Methods 44, 978-990.",
        "kuperman",
    ),
    *(
        _f(
            f"emolex_{e}",
            AFFECT,
            f"Share of words associated with {e} in NRC EmoLex.",
            EMOLEX,
            "nrc_emolex",
        )
        for e in EMOLEX_AFFECTS
    ),
    _f(
        "vader_compound",
        AFFECT,
        "Mean VADER compound sentiment (-1..1) of the window's sentences.",
        "Hutto, C. J., Gilbert, E. (2014). VADER: A parsimonious rule-based model for sentiment "
        "analysis of social media text. ICWSM 2014.",
    ),
    _f(
        "first_person_singular",
        STYLE,
        "First person singular pronouns (I, me, my, mine, myself) "
        "per word, from Person=1|Number=Sing.",
        LIWC,
    ),
    _f("first_person_plural", STYLE, "First person plural pronouns per word.", LIWC),
    _f("second_person", STYLE, "Second person pronouns per word.", LIWC),
    _f(
        "negation",
        STYLE,
        "Negations (neg dependents, Polarity=Neg, no/none/nothing/never...) per word.",
        LIWC,
    ),
    _f("articles", STYLE, "Articles (PronType=Art) per word.", LIWC),
    _f("past_tense", STYLE, "Finite verbs in the past tense / finite verbs and modals.", LIWC),
    _f(
        "present_tense", STYLE, "Finite verbs in the present tense / finite verbs and modals.", LIWC
    ),
    _f("future_tense", STYLE, "will/shall modals / finite verbs and modals.", LIWC),
    _f("question_share", STYLE, "Sentences ending in a question mark / sentences.", KERZ_2022),
    _f(
        "exclamation_share",
        STYLE,
        "Sentences ending in an exclamation mark / sentences.",
        KERZ_2022,
    ),
)

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(f.family for f in FEATURES))


def family_features(family: str) -> tuple[str, ...]:
    """The names of a family's features, in catalogue (column) order."""
    names = tuple(f.name for f in FEATURES if f.family == family)
    if not names:
        raise KeyError(f"no feature of family {family!r} in the catalogue; known: {FAMILIES}")
    return names


SUMMARY_STATS = ("mean", "sd", "min", "max", "slope")


_field = documented_field


def _feature_fields(suffixes: tuple[str, ...] = ("",)) -> list[pa.Field]:
    return [
        _field(f"{f.name}{s}", pa.float64(), f"{f.description}{' (' + s[2:] + ')' if s else ''}")
        for f in FEATURES
        for s in suffixes
    ]


CONTOURS = pa.schema(
    [
        _field("doc_id", pa.string(), "Document id.", False),
        _field("window_idx", pa.int32(), "0-based window number within the document.", False),
        _field(
            "first_sentence", pa.int32(), "Index of the window's first sentence in the Doc.", False
        ),
        _field(
            "last_sentence", pa.int32(), "Index of the window's last sentence (inclusive).", False
        ),
        _field("start_char", pa.int64(), "Character offset where the window starts.", False),
        _field("end_char", pa.int64(), "Character offset where the window ends.", False),
        _field("n_words", pa.int32(), "Words in the window.", False),
        *_feature_fields(),
    ]
)

DOCUMENT_FEATURES = pa.schema(
    [
        _field("doc_id", pa.string(), "Document id.", False),
        _field("n_windows", pa.int32(), "Windows in the document.", False),
        _field("n_sentences", pa.int32(), "Sentences holding at least one non-space token.", False),
        _field("n_words", pa.int32(), "Words in the document.", False),
        *_feature_fields(tuple(f"__{s}" for s in SUMMARY_STATS)),
    ]
)

AUTHOR_FEATURES = pa.schema(
    [
        _field(
            "author_id",
            pa.string(),
            "Keyed pseudonym of the author (a_ + 20 hex), from the curated documents.",
            False,
        ),
        _field(
            "corpus",
            pa.string(),
            "Corpus the features describe: one row per author and corpus (a pseudonym is per "
            "platform, so one person can appear in two corpora).",
            False,
        ),
        _field("n_documents", pa.int32(), "Documents of the author with contours.", False),
        _field("n_words", pa.int64(), "Words over those documents.", False),
        *[
            _field(
                f"{f.name}__mean",
                pa.float64(),
                f"{f.description} (document means weighted by words)",
            )
            for f in FEATURES
        ],
    ]
)


# Contracts of the tables this stage writes, for the warehouse views' `lake_schema` (curated zone;
# `parsed_documents` is the raw-zone index of the stored parses).
CURATED_TABLES: dict[str, TableContract] = {
    "contours": TableContract("contours", CONTOURS, ("doc_id", "window_idx")),
    "document_features": TableContract("document_features", DOCUMENT_FEATURES, ("doc_id",)),
    "author_features": TableContract("author_features", AUTHOR_FEATURES, ("author_id", "corpus")),
}


@dataclass(frozen=True)
class Validity:
    """How a feature compares with one independent implementation on real windows.

    `reference` is a key of `bench.feature_validity.REFERENCES`. `agrees`: the two follow the
    same definition, so r must be at least 0.99. Otherwise `note` says where they differ on
    purpose and `r` is the Pearson correlation measured by `bench/feature_validity.py` (the
    test holds it to that value minus a small margin)."""

    reference: str
    agrees: bool
    r: float
    note: str

    def __str__(self) -> str:
        verdict = "same definition" if self.agrees else self.note
        return f"{self.reference}: r = {self.r:.3f} ({verdict})"


def _same(reference: str, r: float, note: str = "same definition") -> Validity:
    return Validity(reference, True, r, note)


def _differs(reference: str, r: float, note: str) -> Validity:
    return Validity(reference, False, r, note)


# Readability: textstat splits words on white space (a contraction is one word, `PROPNAME` and
# URLs are words), finds sentences with a regex (ignoring those of 2 words or fewer) and takes
# syllables from CMUdict; TextDescriptives counts every token that is neither punctuation nor
# apostrophe-bearing (so emoji, symbols, URLs, line breaks) and every sentence, and gives every
# token at least one syllable. We count alphabetic and numeric tokens, the sentences holding
# one, and pyphen syllables.
_TEXTSTAT_WORDS = ("words split on white space, regex sentences (2 words or fewer ignored), "
                   "CMUdict syllables")
_TD_WORDS = ("words are all tokens but punctuation and `n't`-like ones (symbols, emoji, URLs, "
             "line breaks too)")
_TD_SYLLABLES = (_TD_WORDS + "; pyphen's `en` dictionary (fewer hyphenation points than our "
                 "`en_US`), at least 1 syllable per token")
_TD_CLEAN_SYLLABLES = ("windows where TextDescriptives counts our words: only its pyphen `en` "
                       "syllables (and sentences without a word) differ")
_MORPHOLOGY = ("a word list counts every listed form; we take spaCy's morphology, so `US` the "
               "country, the letter `A` or an `I` tagged as a proper noun do not count")
_LR_TOKENS = "lexicalrichness's own tokens: punctuation stripped, digits dropped, `don't` one word"

# Feature -> reference -> agreement, as measured by bench/feature_validity.py on real windows
# of all five corpora (README "Feature validity"). A feature absent here has no independent
# implementation to compare with.
VALIDITY: dict[str, dict[str, Validity]] = {
    **{
        name: {
            "textstat": _differs("textstat", r_ts, _TEXTSTAT_WORDS),
            "textdescriptives": _differs("textdescriptives", r_td, td_note),
            "textdescriptives_clean": (
                _differs("textdescriptives_clean", r_clean, _TD_CLEAN_SYLLABLES)
                if td_note.startswith(_TD_SYLLABLES) else _same("textdescriptives_clean", r_clean)
            ),
        }
        for name, r_ts, r_td, r_clean, td_note in (
            ("flesch_reading_ease", 0.745, 0.741, 0.922, _TD_SYLLABLES),
            ("flesch_kincaid_grade", 0.748, 0.831, 0.943, _TD_SYLLABLES),
            ("gunning_fog", 0.768, 0.817, 0.859, _TD_SYLLABLES),
            ("smog", 0.861, 0.783, 0.787, _TD_SYLLABLES + "; every sentence counts, NaN under 3"),
            ("coleman_liau", 0.625, 0.663, 0.999, _TD_WORDS + "; characters of every such token"),
            ("automated_readability_index", 0.635, 0.768, 0.999,
             _TD_WORDS + "; characters of every such token"),
        )
    },
    "mean_sentence_length": {
        "textstat": _differs("textstat", 0.789, _TEXTSTAT_WORDS),
        "textdescriptives": _differs("textdescriptives", 0.985, _TD_WORDS),
        "textdescriptives_clean": _same("textdescriptives_clean", 0.999),
    },
    "word_length": {
        "textstat": _differs("textstat", 0.727, _TEXTSTAT_WORDS),
        "textdescriptives": _differs("textdescriptives", 0.700, _TD_WORDS),
        "textdescriptives_clean": _same("textdescriptives_clean", 1.0),
    },
    "syllables_per_word": {
        "cmudict_words": _differs(
            "cmudict_words", 0.948,
            "syllables from pronunciations, not hyphenation points (same words)"),
        "textstat": _differs("textstat", 0.754, _TEXTSTAT_WORDS),
        "textdescriptives": _differs("textdescriptives", 0.720, _TD_SYLLABLES),
        "textdescriptives_clean": _differs("textdescriptives_clean", 0.921, _TD_CLEAN_SYLLABLES),
    },
    "mean_dependency_distance": {
        "token_objects": _same("token_objects", 1.0),
        "textdescriptives": _differs(
            "textdescriptives", 0.700,
            "TextDescriptives counts punctuation, scores a root 0 and averages sentence means"),
        "td_definition": _differs(
            "td_definition", 0.700,
            "TextDescriptives' definition: punctuation counted, root 0, mean of sentence means"),
    },
    **{
        name: {
            "lexicalrichness_words": _same("lexicalrichness_words", 1.0),
            "lexicalrichness": _differs("lexicalrichness", r, _LR_TOKENS),
        }
        for name, r in (("type_token_ratio", 0.974), ("moving_average_ttr", 0.960),
                        ("mtld", 0.904))
    },
    "vader_compound": {
        "vader_sentences": _same("vader_sentences", 1.0),
        "vader_window": _differs(
            "vader_window", 0.893,
            "VADER over the whole window, not the mean of its sentences' scores"),
    },
    **{
        name: {"word_list": _differs("word_list", r, _MORPHOLOGY)}
        for name, r in (("first_person_singular", 0.999), ("first_person_plural", 0.990),
                        ("second_person", 0.999), ("articles", 0.999))
    },
    **{
        f.name: {"lexicon_file": _same("lexicon_file", 1.0)}
        for f in FEATURES
        if f.lexicon
    },
}


def validity_text(name: str) -> str | None:
    """A feature's agreement with its references, one line, for the catalogue view."""
    checks = VALIDITY.get(name)
    return "; ".join(str(v) for v in checks.values()) if checks else None


def _sql_literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def view_sql() -> str:
    """The `feature_catalog` view: the catalogue as an inline table, no file to locate."""
    rows = ",\n".join(
        f"    ({_sql_literal(f.name)}, {_sql_literal(f.family)}, {_sql_literal(f.description)}, "
        f"{_sql_literal(f.citation)}, {_sql_literal(f.lexicon)}, "
        f"{_sql_literal(validity_text(f.name))})"
        for f in FEATURES
    )
    return (
        "-- Generated from schemas/feature_catalog.py by the warehouse build.\n"
        "CREATE OR REPLACE VIEW feature_catalog AS\n"
        "SELECT * FROM (VALUES\n"
        f"{rows}\n"
        ") AS t(feature, family, description, citation, lexicon, validity);\n"
    )
