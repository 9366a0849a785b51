from __future__ import annotations

import re

import pytest

from assets.privacy.pseudonyms import PseudonymKeyError, pseudonym, pseudonym_or_none

KEY = "a-test-key-of-sufficient-length"


def test_when_same_id_and_key_then_same_pseudonym():
    assert pseudonym("reddit:alice", KEY) == pseudonym("reddit:alice", KEY)


def test_when_pseudonym_then_prefix_and_20_hex():
    assert re.fullmatch(r"a_[0-9a-f]{20}", pseudonym("reddit:alice", KEY))


@pytest.mark.parametrize("other", ["reddit:alicE", "twitter:alice", "reddit:alice "])
def test_when_id_differs_then_pseudonym_differs(other):
    assert pseudonym(other, KEY) != pseudonym("reddit:alice", KEY)


def test_when_key_differs_then_pseudonym_differs():
    assert pseudonym("reddit:alice", KEY) != pseudonym("reddit:alice", KEY + "x")


def test_when_key_missing_or_short_then_error_without_key_in_message():
    with pytest.raises(PseudonymKeyError):
        pseudonym("x", None)  # type: ignore[arg-type]
    with pytest.raises(PseudonymKeyError) as info:
        pseudonym("x", "short")
    assert "short" not in str(info.value)


def test_when_id_is_none_then_none():
    assert pseudonym_or_none(None, KEY) is None
