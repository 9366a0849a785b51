"""The corpus families the platform knows: the one list every stage iterates.

A new format is one reader module plus one entry here (and a test): the entry carries the
reader, the sample writer, the note the dataset card prints about the corpus, its provenance
(license, citation) and the published results the baselines are compared with, so nothing else
names the family.

`version` is part of every part file's stamp: bump it when a reader's output changes, and the
next run re-reads that family's files even though they did not change."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assets.ingest import provenance, sample
from assets.ingest.provenance import Provenance
from assets.ingest.readers import (
    essays,
    friends,
    mbti_kaggle,
    pandora,
    reddit_pushshift,
    twitter_mbti,
)
from assets.ingest.records import Item
from assets.ingest.sources import SourceFile
from schemas.label_scales import export_column
from schemas.tables import BIG5_TRAITS, MBTI_AXES

# A reader yields (table, dict row) pairs, or (table, Arrow batch) where it builds columns.
Reader = Callable[[SourceFile], Iterator[Item]]
# A sample writer fills a folder with small synthetic files in the family's format and returns
# file -> {"records": data rows written, "bad": [what is wrong with the deliberately bad rows]}.
SampleWriter = Callable[[Path, random.Random], dict[str, dict[str, Any]]]
# Export label column (`big5_EXT`, `mbti_I_E`) -> (metric, the published figure with its source).
Published = Mapping[str, tuple[str, str]]


@dataclass(frozen=True)
class CorpusFamily:
    name: str
    reader: Reader
    # Stamped on every raw part: a new version re-reads unchanged files. 4: labels name their
    # scale and keep each scale's value in its own column (schemas/label_scales.py).
    version: int
    description: str
    # Large dumps are one partition per file; everything else one partition per family.
    split_by_file: Callable[[SourceFile], bool] = lambda source: False
    # Records may lack an id of their own, so a record read twice is also known by its author,
    # time and text (`assets.ingest.duplicates`).
    signature_duplicates: bool = False
    # Writes the family's synthetic sample (`assets.ingest.sample`); None: no sample.
    sample: SampleWriter | None = None
    # The dataset card's paragraph on how the corpus was collected and labelled.
    card_note: str = ""
    # Published results on this corpus, printed beside the baselines.
    published: Published = field(default_factory=dict)
    # License, source dataset, label makers and BibTeX for the card (`assets.ingest.provenance`).
    provenance: Provenance = field(default_factory=Provenance)

    def splits(self, source: SourceFile) -> bool:
        return self.split_by_file(source)


def big5_column(trait: str, scale: str = "binary") -> str:
    """`big5_EXT` for 0/1 labels, `big5_EXT_pct` for percentiles (one column per scale)."""
    return export_column("big5", trait, scale)


def mbti_column(axis: str) -> str:
    return export_column("mbti", axis, "binary")


FAMILIES: dict[str, CorpusFamily] = {
    f.name: f
    for f in (
        CorpusFamily(
            "essays", essays.read, 4, "Pennebaker-King stream-of-consciousness essays",
            sample=sample.write_essays,
            provenance=provenance.ESSAYS,
            card_note="Stream-of-consciousness essays by psychology students (Pennebaker & "
                      "King, 1999), one per author, with binary Big Five labels from a "
                      "questionnaire. This copy is entity-masked by its distributor.",
            published={
                big5_column(t): ("accuracy", f"{v} acc (Majumder et al. 2017)")
                for t, v in zip(BIG5_TRAITS, (58.1, 57.3, 56.7, 56.7, 61.1), strict=True)
            },
        ),
        CorpusFamily(
            "mbti_kaggle", mbti_kaggle.read, 4, "Kaggle MBTI PersonalityCafe posts",
            sample=sample.write_mbti_kaggle,
            provenance=provenance.MBTI_KAGGLE,
            card_note="PersonalityCafe forum users (Kaggle MBTI, Mitchell 2017): the last 50 "
                      "posts per user with their self-reported MBTI type.",
            published={
                mbti_column(a): ("accuracy", f"{v} acc (Mehta et al. 2020)")
                for a, v in zip(MBTI_AXES, (78.8, 86.3, 76.1, 67.2), strict=True)
            },
        ),
        CorpusFamily(
            "twitter_mbti", twitter_mbti.read, 4, "Tweets of MBTI-typed accounts",
            sample=sample.write_twitter_mbti,
            provenance=provenance.TWITTER_MBTI,
            card_note="Tweets labelled with their account's MBTI type (in the shared copy: "
                      "public figures typed by personality-database / IDRlabs, not "
                      "self-reports). The pipe-separated form (`label|text`) names no account, "
                      "so tweets of one account can fall into different splits: scores on it "
                      "overstate how well a model generalises to unseen people.",
        ),
        CorpusFamily(
            "pandora",
            pandora.read_batches,
            4,
            "PANDORA Reddit profiles and comments",
            split_by_file=pandora.is_comments_file,
            signature_duplicates=True,
            sample=sample.write_pandora,
            provenance=provenance.PANDORA,
            card_note="Reddit users (PANDORA, Gjurkovic et al. 2021) with MBTI/Enneagram from "
                      "flair and Big Five percentiles from test results they posted, plus "
                      "self-reported demographics.",
            published={
                **{mbti_column(a): ("f1_macro", f"{v} F1, LR (Gjurković et al. 2021)")
                   for a, v in zip(MBTI_AXES, (".649", ".599", ".730", ".626"), strict=True)},
                **{big5_column(t, "percentile"): ("pearson_r",
                                                  "r .18-.27 (Gjurković et al. 2021)")
                   for t in BIG5_TRAITS},
            },
        ),
        CorpusFamily(
            "reddit_pushshift",
            reddit_pushshift.read_batches,
            4,
            "Pushshift Reddit comment and submission dumps",
            split_by_file=lambda source: True,
            sample=sample.write_reddit_pushshift,
            provenance=provenance.REDDIT_PUSHSHIFT,
            card_note="Reddit comment and submission dumps (Pushshift); labels only where an "
                      "author's flair declares a type.",
        ),
        CorpusFamily(
            "friends", friends.read, 4, "FriendsPersona TV dialogue scenes",
            sample=sample.write_friends,
            provenance=provenance.FRIENDS,
            card_note="Scenes of the TV series Friends (FriendsPersona) with Big Five labels of "
                      "the main speaker, annotated by third parties.",
        ),
    )
}


def family(corpus: str) -> CorpusFamily:
    try:
        return FAMILIES[corpus]
    except KeyError:
        raise KeyError(f"unknown corpus family {corpus!r}; known: {sorted(FAMILIES)}") from None
