"""Every recognizer, as a table: a situation, a text, and what must (or must not) be found."""

from __future__ import annotations

import pytest

from assets.privacy.leaks import LeakScanner

CASES = [
    # (situation, text, entity expected, surface that must be covered)
    ("reddit_user_with_slash", "ask /u/other_guy about it", "USERNAME", "/u/other_guy"),
    ("reddit_user_without_slash", "thanks u/SomeUser42!", "USERNAME", "u/SomeUser42"),
    ("twitter_handle", "RT @jack_dorsey: hello", "USERNAME", "@jack_dorsey"),
    ("known_username_bare", "I agree with throwaway_9876 here", "USERNAME", "throwaway_9876"),
    ("known_username_other_case", "BRAMBLEWICK posted again", "USERNAME", "BRAMBLEWICK"),
    ("known_speaker_name", "then Chandler  Bing left", "PERSON", "Chandler  Bing"),
    ("email", "mail jane.doe@example.co.uk now", "EMAIL_ADDRESS", "jane.doe@example.co.uk"),
    ("scheme_url", "see https://example.org/a/b?c=1.", "URL", "https://example.org/a/b?c=1"),
    ("www_url", "at www.marigold.net/posts ok", "URL", "www.marigold.net/posts"),
    ("bare_domain_url", "try truity.com/test today", "URL", "truity.com/test"),
    ("user_path_url", "my page twitter.com/someone_x", "URL", "twitter.com/someone_x"),
    ("phone_international", "text +44 20 7946 0958 please", "PHONE_NUMBER", "+44 20 7946 0958"),
    ("phone_us", "call (415) 555-0132 after six", "PHONE_NUMBER", "(415) 555-0132"),
    ("phone_german", "Büro: +49 30 901820", "PHONE_NUMBER", "+49 30 901820"),
    ("ipv4", "server 203.0.113.42 is down", "IP_ADDRESS", "203.0.113.42"),
    ("credit_card", "card 4111 1111 1111 1111 oops", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("card_failing_luhn_with_context", "my card 4131034282458809939 expired", "CREDIT_CARD",
     "4131034282458809939"),
    ("card_grouped_without_context", "use 4000 1234 5678 9011 then", "CREDIT_CARD",
     "4000 1234 5678 9011"),
    ("card_amex_grouping", "amex 3714 496353 98431 ok", "CREDIT_CARD", "3714 496353 98431"),
    ("phone_extension_x", "Desk: +1-903-140-4508x769", "PHONE_NUMBER", "+1-903-140-4508x769"),
    ("phone_extension_ext", "call 415-555-0132 ext. 12 today", "PHONE_NUMBER",
     "415-555-0132 ext. 12"),
    ("phone_001_prefix", "reach 001-518-640-0854 soon", "PHONE_NUMBER", "001-518-640-0854"),
    ("phone_dotted", "Fax: 259.735.7502", "PHONE_NUMBER", "259.735.7502"),
    ("phone_local_with_context", "call me on 467 3395?", "PHONE_NUMBER", "467 3395"),
    ("phone_label_after", "28-64-66-98 office", "PHONE_NUMBER", "28-64-66-98"),
    ("phone_trunk_zero", "Desk: +41 (0)96 471 07 95", "PHONE_NUMBER", "+41 (0)96 471 07 95"),
    ("phone_real_tweet_shape", "Call +1 (214) 441-6795 now", "PHONE_NUMBER", "+1 (214) 441-6795"),
    ("person_lowercase_full_name", "if justin bieber is gonna surprise us", "PERSON",
     "justin bieber"),
    ("person_quote_attribution", "you define yourself . ~Wayne Dyer", "PERSON", "Wayne Dyer"),
    ("person_initials", "I hope Dave gives JA a show", "PERSON", "JA"),
    ("person_lowercase_after_greeting", "hey snoop my wife turns 30", "PERSON", "snoop"),
    ("person_ner", "Hillary Clinton spoke today.", "PERSON", "Hillary Clinton"),
    ("person_gazetteer_single", "I went hiking with Bartholomew yesterday", "PERSON",
     "Bartholomew"),
    ("person_lowercase", "honestly kieran is the best", "PERSON", "kieran"),
    ("person_with_title", "the class of Mr Smithson was fun", "PERSON", "Mr Smithson"),
    ("location", "I moved from Manchester to Toronto.", "LOCATION", "Toronto"),
    ("person_lowercase_surname_that_is_a_word", "will shawn open for taylor swift in september ?",
     "PERSON", "taylor swift"),
    ("person_census_surname", "the movie sucked but emily blunt was great", "PERSON",
     "emily blunt"),
    ("person_first_name_tagged_as_month", "I can't stop listening to August Alsina", "PERSON",
     "August Alsina"),
    ("person_hyphenated_surname", "Walton , Hughes , Colunga , Mackail-Smith . #BHAvAFC",
     "PERSON", "Mackail-Smith"),
    ("person_hyphenated_particle", "the blogger Tal al-Mallohi was released", "PERSON",
     "Tal al-Mallohi"),
    ("person_generational_suffix", "ODELL BECKHAM JR . TO THE HOUSE !", "PERSON",
     "ODELL BECKHAM JR"),
    ("person_stage_name_prefix", "I saw Kid Cudi live last night", "PERSON", "Kid Cudi"),
    ("person_title_full_stop_split_off", "Mr . Van sure is busy today", "PERSON", "Mr . Van"),
    ("person_rare_word_listed_beside_name", "game tonight with mariaelena , sarah , and brittany !",
     "PERSON", "mariaelena"),
    ("person_shouted_first_and_last_name", "SCOTT WEILAND Announces Memoir Release", "PERSON",
     "SCOTT WEILAND"),
    ("person_rare_capitalised_word_tagged_noun", "RT @JacaNews : Radebe : the minister will speak",
     "PERSON", "Radebe"),
    ("person_after_featuring_credit", "new track feat. Future is fire", "PERSON", "Future"),
    ("person_lowercase_stage_title_included", "90 's music night with dj finese", "PERSON",
     "dj finese"),
    ("person_capitalised_after_stage_title", "Baka Boyz LIVE w/ DJ Elements 103.5 tonight",
     "PERSON", "DJ Elements"),
]

NOT_PII = [
    ("ordinary_sentence", "I think introverts get a bad reputation."),
    ("common_word_known_name", "We love music and dancing."),
    ("email_like_without_suffix", "the value a@b.c is not an email"),
    ("file_name", "open notes.txt and read section 2"),
    ("abbreviation", "e.g. this one"),
    ("version_number", "version 3.2.1 shipped"),
    ("capitalised_common_word_sentence_start", "Hope you all have a great weekend!"),
    ("long_number_without_context", "order 4131034282458809939 shipped"),
    ("date_near_phone_word", "call on 2003-08-28 at noon"),
    ("missing_space_after_full_stop", "that is the truth.You know it"),
    ("local_number_without_context", "we scored 467 3395 points"),
    ("html_entity_split_into_tokens", "he said &quot; tickets &quot; today"),
    ("month_abbreviation_beside_a_day", "Dinner Nov 12 at the club"),
    ("month_abbreviation_before_a_day", "Jan 5 , 2010 was cold"),
    ("list_of_ordinary_words", "bring chips , salsa and guacamole"),
    ("elongated_interjection", "Shhhhh , the baby is asleep"),
    ("nationality_after_greeting", "thanks American friends"),
    ("lowercase_nationality_after_greeting", "hey american friends"),
    ("c_sharp_version", "I learned C# 4 in college"),
    ("issue_number", "see issue #1234 for details"),
    ("numeric_html_entity", "it&#8217;s fine"),
]

# Look-alikes of the battery's forms: neither the pattern recognizers nor the scanner fire.
# (Only those entities are asserted: a person-name finding on "dot" or "foo" is the person
# model's business, measured in bench/pii_eval.py.)
LOOKALIKES = [
    ("at_and_dot_as_words", "meet at home dot"),
    ("dot_com_as_a_phrase", "look at this dot com bubble"),
    ("at_and_dot_without_a_suffix", "stay at home dot then"),
    ("at_sign_before_a_space", "ping user@ the office"),
    ("email_like_code", "x = foo@bar.baz() + 1"),
    ("hash_with_three_digits", "Room#123 is booked"),
    ("hash_after_a_space", "C# 4 and issue #1234"),
    ("handle_then_full_stop", "the end@ of it."),
]
PATTERN_ENTITIES = {"EMAIL_ADDRESS", "USERNAME", "URL"}

# The battery's gaps: every form replaced whole, nothing of it left beside the placeholder.
BATTERY = [
    ("email_test_domain", "mail jo@mail.test now", "mail <EMAIL_1> now"),
    ("email_example_domain", "or x.y@site.example", "or <EMAIL_1>"),
    ("email_invalid_domain", "bounce a_b@host.invalid ok", "bounce <EMAIL_1> ok"),
    ("email_local_domain", "root: admin@printer.local", "root: <EMAIL_1>"),
    ("email_localhost", "send to root@localhost then", "send to <EMAIL_1> then"),
    ("email_spelled_words", "write zorblax at gmail dot com", "write <EMAIL_1>"),
    ("email_spelled_capitals", "zorblax AT yahoo DOT co DOT uk.", "<EMAIL_1>."),
    ("email_spelled_brackets", "zorblax [at] uni [dot] org", "<EMAIL_1>"),
    ("email_spelled_at_real_dot", "zorblax (at) uni.edu!", "<EMAIL_1>!"),
    ("discord_tag", "add me zorblax#1234 tonight", "add me <USER_1> tonight"),
    ("discord_tag_with_dot", "I'm zor.blax#0420", "I'm <USER_1>"),
    ("handle_with_suffix", "cc @zorblax.q please", "cc <USER_1> please"),
    ("handle_with_dotted_name", "thanks @ai.tran.75 !", "thanks <USER_1> !"),
    ("handle_before_full_stop", "ask @zorblax.", "ask <USER_1>."),
]


@pytest.mark.parametrize(("situation", "text", "entity", "surface"), CASES,
                         ids=[c[0] for c in CASES])
def test_when_identifier_present_then_found_and_covered(engine, nlp, situation, text, entity,
                                                        surface):
    findings = engine.analyze(nlp(text))
    start = text.index(surface)
    hits = [f for f in findings if f.start <= start and f.end >= start + len(surface)]
    assert hits, f"{situation}: {surface!r} not covered in {findings}"
    assert hits[0].entity == entity


@pytest.mark.parametrize(("situation", "text"), NOT_PII, ids=[c[0] for c in NOT_PII])
def test_when_no_identifier_then_text_unchanged(engine, nlp, situation, text):
    assert engine.anonymise(nlp(text)).text == text


@pytest.mark.parametrize(("situation", "text", "expected"), BATTERY, ids=[c[0] for c in BATTERY])
def test_when_battery_identifier_then_replaced_whole_and_scanner_agrees(engine, nlp, situation,
                                                                      text, expected):
    assert LeakScanner().scan([text]).total == 1  # the blocking check would catch a miss
    out = engine.anonymise(nlp(text)).text
    assert out == expected
    assert LeakScanner().scan([out]).total == 0


@pytest.mark.parametrize(("situation", "text"), LOOKALIKES, ids=[c[0] for c in LOOKALIKES])
def test_when_identifier_lookalike_then_no_pattern_finding(engine, nlp, situation, text):
    assert LeakScanner().scan([text]).total == 0
    assert not [f for f in engine.analyze(nlp(text)) if f.entity in PATTERN_ENTITIES]


def test_when_retweet_then_marker_not_part_of_a_name(engine, nlp):
    out = engine.anonymise(nlp("RT @jack_dorsey: hello")).text
    assert out == "RT <USER_1>: hello"


def test_when_email_then_handle_recognizer_does_not_split_it(engine, nlp):
    findings = engine.analyze(nlp("write to zorblax@yahoo.fr or dm"))
    assert [f.entity for f in findings] == ["EMAIL_ADDRESS"]


def test_when_common_words_listed_beside_a_name_then_only_the_name_replaced(engine, nlp):
    out = engine.anonymise(nlp("thanks Sarah , eggs and milk please")).text
    assert out == "thanks <PERSON_1> , eggs and milk please"


def test_when_html_entity_beside_a_name_then_entity_kept(engine, nlp):
    out = engine.anonymise(nlp("he said &quot; Bartholomew &quot; today")).text
    assert out == "he said &quot; <PERSON_1> &quot; today"


def test_when_lowercase_name_followed_by_verb_then_verb_kept(engine, nlp):
    # the census lists "sings" as a surname; a verb does not continue a name
    out = engine.anonymise(nlp("bruno mars sings so well")).text
    assert out == "<PERSON_1> sings so well"
