from __future__ import annotations

import pytest

from assets.privacy.known_names import KnownNames
from assets.privacy.leaks import LeakScanner, mask

PLANTED = [
    ("email", "write me at jane.doe@example.com today", "EMAIL_ADDRESS", "jane.doe@example.com"),
    ("phone", "call +1 646 555 0199 now", "PHONE_NUMBER", "+1 646 555 0199"),
    ("user_url", "see reddit.com/u/quietfox for more", "USER_URL", "reddit.com/u/quietfox"),
    ("reddit_user", "ask /u/quietfox", "REDDIT_USER", "/u/quietfox"),
    ("handle", "cc @quiet_fox", "HANDLE", "@quiet_fox"),
    ("known_name", "I think Bramblewick was right", "KNOWN_AUTHOR", "Bramblewick"),
    ("email_reserved_domain", "write me at jane@mail.test today", "EMAIL_ADDRESS",
     "jane@mail.test"),
    ("email_localhost", "root@localhost has mail", "EMAIL_ADDRESS", "root@localhost"),
    ("spelled_email", "jane at gmail dot com", "SPELLED_EMAIL", "jane at gmail dot com"),
    ("spelled_email_brackets", "jane [at] uni [dot] org", "SPELLED_EMAIL",
     "jane [at] uni [dot] org"),
    ("discord_tag", "add quietfox#1234", "DISCORD_TAG", "quietfox#1234"),
    ("handle_with_suffix", "cc @quiet.fox now", "HANDLE", "@quiet.fox"),
]


@pytest.mark.parametrize(("situation", "text", "kind", "identifier"), PLANTED,
                         ids=[p[0] for p in PLANTED])
def test_when_identifier_planted_then_counted_and_masked(situation, text, kind, identifier):
    scanner = LeakScanner(KnownNames.build(["bramblewick"]))
    report = scanner.scan([text, "nothing here"])
    assert report.counts[kind] == 1
    assert report.texts_with_leaks == 1 and report.texts_scanned == 2
    assert identifier not in report.examples[0]
    assert mask(identifier) in report.examples[0]


def test_when_placeholders_only_then_no_leak():
    scanner = LeakScanner(KnownNames.build(["bramblewick"]))
    assert scanner.scan(["<USER_1> mailed <EMAIL_1> from <URL_2>, ask <PERSON_1>"]).total == 0


def test_when_two_leaks_near_then_example_masks_both():
    report = LeakScanner().scan(["@alpha_one and @beta_two"])
    assert "alpha_one" not in report.examples[0] and "beta_two" not in report.examples[0]


def test_when_anonymised_then_scanner_finds_nothing(engine, nlp):
    text = ("hey u/quietfox, @quiet_fox, mail jane@example.com, call +44 20 7946 0958, "
            "see twitter.com/quiet_fox, throwaway_9876 agrees")
    out = engine.anonymise(nlp(text)).text
    assert LeakScanner(engine.known).scan([out]).total == 0


def test_when_many_known_names_then_match_is_word_bounded_and_case_insensitive():
    known = KnownNames.build([f"user_{i}" for i in range(20_000)] + ["anna_b"])
    assert [m[2] for m in known.find("ANNA_B met user_19999 and user_1x")] == ["anna_b",
                                                                            "user_19999"]


def test_when_name_is_common_word_or_short_then_skipped():
    known = KnownNames.build(["music", "ab", "[deleted]", "zorblax"])
    assert known.names == frozenset({"zorblax"}) and known.skipped == 3


# Characters that `regex` (Presidio) counts as word characters and `re` (the scanner) does not:
# an emoji's variation selector, a zero-width joiner, a skin-tone modifier, a combining accent.
MARKS = ["\ufe0f", "\u200d", "\U0001f3fc", "\u0301"]
NEIGHBOURED = [
    ("handle", "@alexmassie", "USERNAME"),
    ("long_instagram_handle", "@cliftoncollinsjr", "USERNAME"),
    ("reddit_user", "u/quietfox", "USERNAME"),
    ("user_url", "twitter.com/quiet_fox", "URL"),
    ("email", "jane@example.com", "EMAIL_ADDRESS"),
    ("phone", "+44 20 7946 0958", "PHONE_NUMBER"),
]


@pytest.mark.parametrize("mark", MARKS, ids=["vs16", "zwj", "skin_tone", "combining_acute"])
@pytest.mark.parametrize(("situation", "identifier", "entity"), NEIGHBOURED,
                         ids=[n[0] for n in NEIGHBOURED])
def test_when_identifier_touches_a_mark_then_anonymiser_and_scanner_agree(
    engine, nlp, mark, situation, identifier, entity
):
    text = f"so true \u270d{mark}{identifier}{mark} and more"
    assert LeakScanner().scan([text]).total >= 1
    found = {f.entity for f in engine.analyze(nlp(text))}
    assert entity in found
    assert LeakScanner().scan([engine.anonymise(nlp(text)).text]).total == 0
