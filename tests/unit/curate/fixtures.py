"""Small curated tables written straight into a temporary lake (the privacy stage's output
shape: raw columns, anonymised text, pseudonymous author ids)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pyarrow as pa

from assets.lake import Lake
from schemas.curated import CURATED_DOCUMENTS, CURATED_LABELS
from schemas.label_scales import label_values

TRAITS = ("EXT", "NEU", "AGR", "CON", "OPN")
WORDS = (
    "happy friends party talk",
    "worry stress anxious night",
    "plan work careful list",
    "art idea imagine novel",
    "kind help share warm",
)


# Per-author filler, so no two fixture texts are near-duplicates (assets/curate/dedup.py).
FILLER = ("river", "lamp", "garden", "violin", "pepper", "tunnel", "orbit", "canvas", "meadow",
          "ladder", "harbor", "copper", "pillow", "saddle", "marble", "thunder", "velvet",
          "almond", "glacier", "lantern", "compass", "falcon", "saffron", "quartz", "bamboo",
          "cactus", "dolphin", "ember", "fossil", "granite", "hazel", "island")


def essay_text(corpus: str, i: int, traits: dict[str, int]) -> str:
    """A text whose words carry its labels, so a bag-of-words model can learn something."""
    cues = " ".join(WORDS[k] for k, t in enumerate(TRAITS) if traits[t])
    digest = hashlib.sha256(f"{corpus}{i}".encode()).digest()
    filler = " ".join(FILLER[b % len(FILLER)] for b in digest[:14])
    return (f"{corpus} essay {i}. Today I write about my life. {cues} and the weather was fine. "
            f"{filler}.")


def write_corpus(
    lake: Lake,
    corpus: str,
    authors: Iterable[int],
    texts: dict[int, str] | None = None,
    part: str = "p0",
    with_author: bool = True,
) -> None:
    """One document per author with Big Five y/n labels derived from the author number."""
    docs, labels = [], []
    for i in authors:
        traits = {t: (i >> k) & 1 for k, t in enumerate(TRAITS)}
        text = (texts or {}).get(i) or essay_text(corpus, i, traits)
        author = f"pseud-{corpus}-{i:05d}" if with_author else None
        docs.append(
            {
                "doc_id": f"{corpus}-d{i:05d}",
                "corpus": corpus,
                "author_id": author,
                "kind": "essay",
                "text": text,
                "source_file": "e.csv",
                "source_line": i + 1,
                "content_hash": hashlib.sha256(text.encode()).hexdigest(),
                "pii_counts": "{}",
            }
        )
        subject, kind = (author, "author") if with_author else (f"{corpus}-d{i:05d}", "document")
        labels += [
            {
                "subject_id": subject,
                "subject_kind": kind,
                "corpus": corpus,
                "scheme": "big5",
                "trait": t,
                **label_values("big5", t, "binary", v, "y" if v else "n"),
                "source": "test_result",
                "source_file": "e.csv",
            }
            for t, v in traits.items()
        ]
    lake.write_part(
        "curated", "documents", corpus, part, pa.Table.from_pylist(docs, CURATED_DOCUMENTS)
    )
    lake.write_part("curated", "labels", corpus, part, pa.Table.from_pylist(labels, CURATED_LABELS))
