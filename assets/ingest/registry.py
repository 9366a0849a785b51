"""The corpus families the platform knows. A new format is one reader module plus one entry here.

`version` is part of every part file's stamp: bump it when a reader's output changes, and the
next run re-reads that family's files even though they did not change."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

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

# A reader yields (table, dict row) pairs, or (table, Arrow batch) where it builds columns.
Reader = Callable[[SourceFile], Iterator[Item]]


@dataclass(frozen=True)
class CorpusFamily:
    name: str
    reader: Reader
    version: int
    description: str
    # Large dumps are one partition per file; everything else one partition per family.
    split_by_file: Callable[[SourceFile], bool] = lambda source: False

    def splits(self, source: SourceFile) -> bool:
        return self.split_by_file(source)


FAMILIES: dict[str, CorpusFamily] = {
    f.name: f
    for f in (
        CorpusFamily("essays", essays.read, 3, "Pennebaker-King stream-of-consciousness essays"),
        CorpusFamily("mbti_kaggle", mbti_kaggle.read, 3, "Kaggle MBTI PersonalityCafe posts"),
        CorpusFamily("twitter_mbti", twitter_mbti.read, 3, "Tweets of MBTI-typed accounts"),
        CorpusFamily(
            "pandora",
            pandora.read_batches,
            3,
            "PANDORA Reddit profiles and comments",
            split_by_file=pandora.is_comments_file,
        ),
        CorpusFamily(
            "reddit_pushshift",
            reddit_pushshift.read_batches,
            3,
            "Pushshift Reddit comment and submission dumps",
            split_by_file=lambda source: True,
        ),
        CorpusFamily("friends", friends.read, 3, "FriendsPersona TV dialogue scenes"),
    )
}


def family(corpus: str) -> CorpusFamily:
    try:
        return FAMILIES[corpus]
    except KeyError:
        raise KeyError(f"unknown corpus family {corpus!r}; known: {sorted(FAMILIES)}") from None
