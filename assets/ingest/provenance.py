"""Where each corpus comes from and on what terms: the facts the dataset card's YAML header and
citation section print (license, source dataset, who made the labels, BibTeX).

Each `CorpusFamily` in `assets.ingest.registry` carries one `Provenance`; nothing else names
these facts. Licenses are Hugging Face Hub license ids. A corpus whose source states no license
says `unknown`, and its note says what the source does state, as read from the corpus folder's
`SOURCE.md`: the card must not suggest a permission nobody gave.

`annotations_creators` uses the Hub's vocabulary: `found` when the labels came with the text
(questionnaire results the authors gave, self-declared types), `crowdsourced`, `expert-generated`,
`other` (labels assigned by third parties of unstated expertise).
"""

from __future__ import annotations

from dataclasses import dataclass

# Hub license ids used here; `unknown` is the Hub's own id for "no license stated".
UNKNOWN_LICENSE = "unknown"


@dataclass(frozen=True)
class Provenance:
    """One corpus's license, origin and citation, as its source states them."""

    # Hub license id (`mit`, `cc-by-4.0`, ...), or `unknown` when the source states none.
    license: str = UNKNOWN_LICENSE
    # What the source says about terms, in a sentence (printed in the card's license table).
    license_note: str = "No license is stated; see the corpus folder's SOURCE.md."
    # The Hub's `source_datasets` entry: `extended|other-<name>` for a corpus not on the Hub.
    source_dataset: str = "extended|other"
    # How the labels were made (Hub vocabulary, see the module docstring).
    annotations_creators: tuple[str, ...] = ("other",)
    # How the text was made: every corpus here is text people wrote for another purpose.
    language_creators: tuple[str, ...] = ("found",)
    # BibTeX of the corpus's publication; empty when it has none.
    citation: str = ""


ESSAYS = Provenance(
    license_note="None stated (SOURCE.md: the repository it was rebuilt from has no LICENSE; "
                 "its README cites Pennebaker & King 1999).",
    source_dataset="extended|other-essays-pennebaker-king-1999",
    annotations_creators=("found",),  # the authors' own Big Five questionnaire results
    citation=r"""@article{pennebaker1999linguistic,
  title = {Linguistic Styles: Language Use as an Individual Difference},
  author = {Pennebaker, James W. and King, Laura A.},
  journal = {Journal of Personality and Social Psychology},
  volume = {77},
  number = {6},
  pages = {1296--1312},
  year = {1999},
  doi = {10.1037/0022-3514.77.6.1296}
}""",
)

MBTI_KAGGLE = Provenance(
    license_note="None stated (SOURCE.md: the repository has no LICENSE; the data was pulled "
                 "from Kaggle's datasnaek/mbti-type, whose terms apply).",
    source_dataset="extended|other-kaggle-mbti-type",
    annotations_creators=("found",),  # each forum user's self-reported type
    citation=r"""@misc{mitchell2017mbti,
  title = {(MBTI) Myers-Briggs Personality Type Dataset},
  author = {Mitchell, J.},
  howpublished = {Kaggle, datasnaek/mbti-type},
  year = {2017}
}""",
)

TWITTER_MBTI = Provenance(
    license="mit",
    license_note="MIT (SOURCE.md: the repository's LICENSE, (c) 2023 Michał Bałdyga); the "
                 "tweets themselves are third-party content with no separate terms stated.",
    source_dataset="extended|other-personality-type-prediction-tweets",
    annotations_creators=("other",),  # typed by personality-database / IDRlabs, not self-reports
    citation=r"""@misc{baldyga2023personality,
  title = {personality-type-prediction},
  author = {Ba{\l}dyga, Micha{\l}},
  howpublished = {GitHub repository michalbaldyga/personality-type-prediction},
  year = {2023}
}""",
)

PANDORA = Provenance(
    license_note="None stated here: the shared corpora hold no PANDORA copy; its authors "
                 "distribute it on request, under their own terms.",
    source_dataset="extended|other-pandora",
    annotations_creators=("found",),  # flair and test results the users posted themselves
    citation=r"""@inproceedings{gjurkovic2021pandora,
  title = {{PANDORA} Talks: Personality and Demographics on {R}eddit},
  author = {Gjurkovi{\'c}, Matej and Karan, Mladen and Vukojevi{\'c}, Iva and
            Bo{\v{s}}njak, Mihaela and {\v{S}}najder, Jan},
  booktitle = {Proceedings of the Ninth International Workshop on Natural Language
               Processing for Social Media},
  pages = {138--152},
  year = {2021},
  publisher = {Association for Computational Linguistics}
}""",
)

REDDIT_PUSHSHIFT = Provenance(
    license_note="None stated (SOURCE.md: the repository has no LICENSE; the data is the "
                 "Pushshift Reddit archive, with no license given).",
    source_dataset="extended|other-pushshift-reddit",
    annotations_creators=("found",),  # types declared in the authors' own flair
    citation=r"""@inproceedings{baumgartner2020pushshift,
  title = {The Pushshift Reddit Dataset},
  author = {Baumgartner, Jason and Zannettou, Savvas and Keegan, Brian and Squire, Megan and
            Blackburn, Jeremy},
  booktitle = {Proceedings of the International AAAI Conference on Web and Social Media},
  volume = {14},
  pages = {830--839},
  year = {2020}
}""",
)

FRIENDS = Provenance(
    license_note="None stated (SOURCE.md: the repository has only a README and the CSV, no "
                 "license text; the README asks users to cite Jiang, Zhang & Choi 2020).",
    source_dataset="extended|other-friends-persona",
    annotations_creators=("other",),  # three annotators per scene, expertise not stated
    citation=r"""@inproceedings{jiang2020automatic,
  title = {Automatic Text-based Personality Recognition on Monologues and Multiparty
           Dialogues Using Attentive Networks and Contextual Embeddings},
  author = {Jiang, Hang and Zhang, Xianzhe and Choi, Jinho D.},
  booktitle = {Proceedings of the AAAI Conference on Artificial Intelligence
               (Student Abstract)},
  year = {2020},
  eprint = {1911.09304},
  archivePrefix = {arXiv}
}""",
)
