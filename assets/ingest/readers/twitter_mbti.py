"""Tweets of MBTI-typed Twitter accounts, in three file roles, told apart by name and first line:

- **users** (name contains `users`; CSV, or JSONL when the first line is a JSON object): one
  account per row, a user id and/or screen name (`id`/`id_str`/`user_id`/`author_id`,
  `screen_name`/`username`/`handle`) and a type (`mbti`, `type` or `label`). Gives `authors` rows
  and author MBTI labels. The types were assigned by third parties (IDRlabs,
  personality-database.com), not by the account holders: `third_party`.
- **tweets JSONL** (first line a JSON object, or a `.jsonl`/`.ndjson`/`.json` name): Twitter API
  v1.1 tweets (`id_str`, `full_text`/`text`, `created_at` like `Wed Oct 10 20:19:24 +0000 2018`,
  `user`) or v2 tweets (`id`, `text`, ISO `created_at`, `author_id`, the author in
  `includes.users` or in a `user`/`author` object); a line may also be a whole v2 response page
  (`{"data": [...], "includes": {"users": [...]}}`). Retweets are kept with their text as given.
- **pipe-separated** `label|text` (anything else whose first line has a `|`): no author, no id,
  no time, so each tweet's type is a *document* label and `author_id` is null. The text is all
  after the FIRST pipe. The writer quoted CSV-style the texts that contain a pipe
  (`"HOLY FVCK 8/19 | "`): such a text is unquoted; no unquoted text of the real file holds a
  `"`, so a quoted field is never a tweet that itself starts and ends with a quote.

Author ids are `twitter:<screen name>` (lower-cased, since Twitter handles are case-insensitive
and files disagree on case) when the screen name is known, else `twitter:id:<user id>`. A users
file maps id to screen name across its own rows, so an account listed once by id and once with
its handle gets one id. A v2 tweet whose author comes without a username (no `includes.users`)
keeps `twitter:id:..` and so does not join a users row that names the account by handle: each
file is read on its own, and joining those needs an id alias table in the curated zone.

Tweets without an id in the pipe-separated files are keyed by the sha256 of `TYPE|text` plus an
occurrence counter, since a line number would change when a copy is filtered or reordered and
the same tweet text can occur several times for one account (588 repeats in the real file).
"""

from __future__ import annotations

import csv
import posixpath
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from assets.ingest import records
from assets.ingest.csv_rows import iter_csv_records
from assets.ingest.encoding import open_text_lines
from assets.ingest.errors import EMPTY_FILE, HEADER_ONLY, SourceUnreadable
from assets.ingest.ids import author_id, content_hash
from assets.ingest.labels import parse_mbti
from assets.ingest.records import Row
from assets.ingest.sources import SourceFile

PLATFORM = "twitter"
LABEL_SOURCE = "third_party"
USERS_MARKER = "users"
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd")
PSV_HEADER = ("label", "text")
ID_KEYS = ("id_str", "id", "user_id", "author_id", "userid")
SCREEN_NAME_KEYS = ("screen_name", "username", "user_name", "handle", "screenname")
TYPE_KEYS = ("mbti", "type", "label")
V1_TIME = "%a %b %d %H:%M:%S %z %Y"
# The occurrence counter must remember every distinct (type, text) of a file; it keys on a
# 128-bit prefix of the hash (collisions negligible) to stay near 100 bytes an entry.
HASH_KEY_CHARS = 32
_CSV_QUOTED = re.compile(r'"((?:[^"]|"")*)"', re.S)


def read(source: SourceFile) -> Iterator[Row]:
    role = file_role(source)
    if role == "users_jsonl":
        yield from _read_users(source, _users_from_jsonl)
    elif role == "users_csv":
        yield from _read_users(source, _users_from_csv)
    elif role == "tweets_jsonl":
        yield from _read_tweets_jsonl(source)
    else:
        yield from _read_psv(source)


# --- roles ---------------------------------------------------------------------------------


def file_role(source: SourceFile) -> str:
    """`users_csv`, `users_jsonl`, `tweets_jsonl` or `psv`, from the name and the first line."""
    name = _bare_name(source.name)
    first = _first_line(source)
    if first == "":
        raise SourceUnreadable(source, EMPTY_FILE)
    is_json = first.lstrip().startswith("{")
    if USERS_MARKER in name:
        return "users_jsonl" if is_json else "users_csv"
    if is_json:
        return "tweets_jsonl"
    if "|" in first:
        return "psv"
    raise SourceUnreadable(
        source,
        "cannot tell the file's role: not a users file, first line is neither a JSON object nor "
        f"pipe-separated 'label|text': {first[:80]!r}",
    )


def _bare_name(name: str) -> str:
    """Lower-cased file name without compression suffixes (`tweets.jsonl.gz` -> `tweets.jsonl`)."""
    name = name.lower()
    while name.endswith(COMPRESSION_SUFFIXES):
        name = posixpath.splitext(name)[0]
    return name


def _first_line(source: SourceFile) -> str:
    """First non-blank line, decoded, without its line ending; `""` for an empty file."""
    with open_text_lines(source) as (lines, _):
        for line in lines:
            if line.strip():
                return line.rstrip("\r\n")
    return ""


# --- pipe-separated label|text -------------------------------------------------------------


def _read_psv(source: SourceFile) -> Iterator[Row]:
    occurrences: dict[str, int] = {}
    tweets = 0
    with open_text_lines(source) as (lines, stats):
        for number, raw in enumerate(lines, start=1):
            line = raw.rstrip("\r\n")
            if number == 1 and _is_psv_header(source, line):
                continue
            if not line.strip():
                continue
            tweets += 1
            yield from _psv_tweet(source, number, line, occurrences)
    if not tweets:
        raise SourceUnreadable(source, HEADER_ONLY)
    yield from _repair_notes(source, stats.repair_notes())


def _repair_notes(source: SourceFile, notes: list[tuple[int, str]]) -> Iterator[Row]:
    """One quarantine note per kind of repair the file's decoding made (its rows are kept)."""
    for line, reason in notes:
        yield records.quarantine(source, line=line, reason=reason)


def _is_psv_header(source: SourceFile, line: str) -> bool:
    """True for the `label|text` header; False for a headerless file starting with a tweet."""
    label, _, text = line.partition("|")
    if (label.strip().lower(), text.strip().lower()) == PSV_HEADER:
        return True
    if parse_mbti(label) is not None:
        return False
    raise SourceUnreadable(
        source, f"missing required column(s): expected header 'label|text', found {line[:80]!r}"
    )


def _psv_tweet(
    source: SourceFile, number: int, line: str, occurrences: dict[str, int]
) -> Iterator[Row]:
    label, separator, raw_text = line.partition("|")
    if not separator:
        yield records.quarantine(source, line=number, reason="no '|' separator", excerpt=line)
        return
    mbti = parse_mbti(label)
    if mbti is None:
        yield records.quarantine(
            source, line=number, reason=f"invalid MBTI type: {label!r}", excerpt=line
        )
        return
    text = unquote_field(raw_text).strip()
    if not text:
        yield records.quarantine(source, line=number, reason="empty text", excerpt=line)
        return
    digest = content_hash(f"{mbti}|{text}")
    key = digest[:HASH_KEY_CHARS]
    occurrence = occurrences.get(key, 0)
    occurrences[key] = occurrence + 1
    natural_key = f"{digest}|{occurrence}"
    yield records.document(source, natural_key=natural_key, line=number, kind="tweet", text=text)
    yield from records.mbti_labels(
        source,
        subject_id=records.document_id(source.corpus, natural_key),
        subject_kind="document",
        mbti_type=mbti,
        label_source=LABEL_SOURCE,
    )


def unquote_field(text: str) -> str:
    """A CSV-quoted field (`"a | b"`, inner quotes doubled) unquoted; anything else as it is."""
    match = _CSV_QUOTED.fullmatch(text.strip())
    return match.group(1).replace('""', '"') if match else text


# --- tweets JSONL --------------------------------------------------------------------------


def _read_tweets_jsonl(source: SourceFile) -> Iterator[Row]:
    for number, obj, excerpt, error in _json_lines(source):
        if error is not None:
            yield records.quarantine(source, line=number, reason=error, excerpt=excerpt)
            continue
        for tweet, users in tweets_of(obj):
            yield from _tweet(source, number, tweet, users, excerpt)


def _json_lines(source: SourceFile) -> Iterator[tuple[int, dict[str, Any], str, str | None]]:
    """(line number, object, excerpt, error) for each non-blank line; error set when the line is
    not a JSON object, and for each repair note of the file's decoding, after the last line."""
    with open_text_lines(source) as (lines, stats):
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                obj = orjson.loads(text)
            except orjson.JSONDecodeError as error:
                yield number, {}, text, f"unparseable JSON: {error}"
                continue
            if not isinstance(obj, dict):
                yield number, {}, text, f"JSON line is not an object but {type(obj).__name__}"
                continue
            yield number, obj, text, None
    for line, reason in stats.repair_notes():
        yield line, {}, "", reason


def tweets_of(obj: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
    """Tweet objects of one line with the id -> username map of its `includes.users`."""
    includes = obj.get("includes") if isinstance(obj.get("includes"), dict) else {}
    users = _user_index(includes.get("users"))
    data = obj.get("data") if "data" in obj else obj
    for tweet in data if isinstance(data, list) else [data]:
        if isinstance(tweet, dict):
            yield tweet, users


def _user_index(users: Any) -> dict[str, str]:
    index = {}
    for user in users if isinstance(users, list) else []:
        if isinstance(user, dict):
            uid, screen = _first(user, ID_KEYS), _first(user, SCREEN_NAME_KEYS)
            if uid and screen:
                index[uid] = screen
    return index


def _tweet(
    source: SourceFile, number: int, tweet: dict[str, Any], users: dict[str, str], excerpt: str
) -> Iterator[Row]:
    tweet_id = _first(tweet, ("id_str", "id"))
    if not tweet_id:
        yield records.quarantine(source, line=number, reason="tweet without id", excerpt=excerpt)
        return
    text = tweet_text(tweet).strip()
    if not text:
        yield records.quarantine(
            source, line=number, reason=f"empty text in tweet {tweet_id}", excerpt=excerpt
        )
        return
    yield records.document(
        source,
        natural_key=f"tweet:{tweet_id}",
        line=number,
        kind="tweet",
        text=text,
        author_id=tweet_author(tweet, users),
        created_at=parse_created_at(tweet.get("created_at")),
    )


def tweet_text(tweet: dict[str, Any]) -> str:
    """The untruncated text: v2 `note_tweet`, v1.1 `full_text` or `extended_tweet`, else `text`."""
    for container, key in (
        (tweet.get("note_tweet"), "text"),
        (tweet, "full_text"),
        (tweet.get("extended_tweet"), "full_text"),
        (tweet, "text"),
    ):
        if isinstance(container, dict) and isinstance(container.get(key), str):
            if container[key].strip():
                return container[key]
    return ""


def tweet_author(tweet: dict[str, Any], users: dict[str, str]) -> str | None:
    user = next(
        (tweet[k] for k in ("user", "author") if isinstance(tweet.get(k), dict)), {}
    )
    uid = _first(user, ID_KEYS) or _first(tweet, ("author_id",))
    screen = _first(user, SCREEN_NAME_KEYS) or (users.get(uid) if uid else None)
    return twitter_author_id(screen, uid)


def twitter_author_id(screen_name: str | None, user_id: str | None) -> str | None:
    if screen_name:
        return author_id(PLATFORM, screen_name.lower())
    if user_id:
        return author_id(PLATFORM, f"id:{user_id}")
    return None


def parse_created_at(value: Any) -> datetime | None:
    """UTC time from v1.1 `Wed Oct 10 20:19:24 +0000 2018` or v2 ISO 8601; None otherwise."""
    if not isinstance(value, str) or not value.strip():
        return None
    for parse in (lambda v: datetime.strptime(v, V1_TIME), datetime.fromisoformat):
        try:
            moment = parse(value.strip())
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).replace(microsecond=0)
    return None


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """First non-empty value among keys, as a string, `@` dropped from handles."""
    for key in keys:
        value = obj.get(key)
        if value is not None and not isinstance(value, dict | list | bool):
            text = str(value).strip().lstrip("@")
            if text:
                return text
    return None


# --- users files ---------------------------------------------------------------------------

UserRow = tuple[int, dict[str, Any], str, str | None]


def _read_users(
    source: SourceFile, rows_of: Callable[[SourceFile], Iterator[UserRow]]
) -> Iterator[Row]:
    """Two passes: the first maps user id to screen name across the file, the second emits."""
    screen_of: dict[str, str] = {}
    for _, row, _, error in rows_of(source):
        uid, screen = _first(row, ID_KEYS), _first(row, SCREEN_NAME_KEYS)
        if error is None and uid and screen:
            screen_of.setdefault(uid, screen)
    types: dict[str, tuple[str, int]] = {}
    for number, row, excerpt, error in rows_of(source):
        if error is not None:
            yield records.quarantine(source, line=number, reason=error, excerpt=excerpt)
            continue
        yield from _user(source, number, row, excerpt, screen_of, types)


def _user(
    source: SourceFile,
    number: int,
    row: dict[str, Any],
    excerpt: str,
    screen_of: dict[str, str],
    types: dict[str, tuple[str, int]],
) -> Iterator[Row]:
    uid = _first(row, ID_KEYS)
    screen = _first(row, SCREEN_NAME_KEYS) or (screen_of.get(uid) if uid else None)
    author = twitter_author_id(screen, uid)
    if author is None:
        yield records.quarantine(
            source, line=number, reason="user without id or screen name", excerpt=excerpt
        )
        return
    raw_type = _first(row, TYPE_KEYS)
    mbti = parse_mbti(raw_type)
    if mbti is None:
        yield records.quarantine(
            source, line=number, reason=f"invalid MBTI type: {raw_type!r}", excerpt=excerpt
        )
        return
    if author in types:
        known, line = types[author]
        if known != mbti:
            yield records.quarantine(
                source, line=number, excerpt=excerpt,
                reason=f"conflicting MBTI type for {author}: {mbti}, line {line} says {known}",
            )
        return  # a repeated row adds nothing
    types[author] = (mbti, number)
    yield records.author(source, author_id=author, platform=PLATFORM, username=screen or uid)
    yield from records.mbti_labels(
        source, subject_id=author, subject_kind="author", mbti_type=mbti, label_source=LABEL_SOURCE
    )


def _users_from_jsonl(source: SourceFile) -> Iterator[UserRow]:
    for number, obj, excerpt, error in _json_lines(source):
        user = obj.get("user") if isinstance(obj.get("user"), dict) else {}
        yield number, {**user, **obj}, excerpt, error


def _users_from_csv(source: SourceFile) -> Iterator[UserRow]:
    header = _csv_header(source)
    lowered = {name.strip().lower(): name.strip() for name in reversed(header)}
    type_column = next((lowered[k] for k in TYPE_KEYS if k in lowered), None)
    key_columns = [lowered[k] for k in (*ID_KEYS, *SCREEN_NAME_KEYS) if k in lowered]
    if type_column is None or not key_columns:
        wanted = [] if type_column else [f"one of {list(TYPE_KEYS)}"]
        wanted += [] if key_columns else [f"one of {list(ID_KEYS + SCREEN_NAME_KEYS)}"]
        raise SourceUnreadable(
            source, f"missing required column(s): {' and '.join(wanted)}; header is {header}"
        )
    for number, record, excerpt in iter_csv_records(source, required={type_column}):
        error = record.get("__error__")
        row = {k.strip().lower(): v for k, v in record.items() if k != "__error__"}
        yield number, row, excerpt, str(error) if error is not None else None


def _csv_header(source: SourceFile) -> list[str]:
    with open_text_lines(source) as (lines, _):
        try:
            return next(csv.reader(lines))
        except StopIteration:
            raise SourceUnreadable(source, EMPTY_FILE) from None
        except csv.Error as error:
            raise SourceUnreadable(source, f"unparseable header: {error}") from None
