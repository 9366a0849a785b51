"""First- and last-name gazetteers, and how common a word is, for the person-name heuristics.

The small spaCy model finds about 0.63 of the person names in social-media text: lowercase and
single-token names ("emma", "Shaq") slip through. The gazetteers come from Faker's person
providers (MIT licence; Latin-script locales, about 16k first and 15k last names), plus the 88,799
surnames of the 1990 US Census (public domain) shipped in the `names` package (MIT): Faker alone
misses surnames such as "Blunt" or "Alsina". The census first names are not added: on WNUT train
they found no new name and cost ordinary words. Word frequencies come from `wordfreq` (a project
dependency) and tell a name ("Kenny") from an ordinary word that is also a name ("Will", "Hope").
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from wordfreq import zipf_frequency

_NAME_ATTRS = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")


def _names_of(value: object) -> Iterable[str]:
    if isinstance(value, dict):
        return value.keys()
    if isinstance(value, list | tuple | set | frozenset):
        return value
    return ()


@lru_cache(maxsize=1)
def gazetteers() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, last names), lowercased, alphabetic ASCII only, from every Faker locale."""
    import faker.providers.person as person_providers

    first: set[str] = set()
    last: set[str] = set()
    for module in pkgutil.iter_modules(person_providers.__path__):
        try:
            name = f"{person_providers.__name__}.{module.name}"
            provider = importlib.import_module(name).Provider
        except (ImportError, AttributeError):
            continue
        attrs = vars(provider)
        for attr in _NAME_ATTRS:
            first.update(_clean(_names_of(attrs.get(attr, ()))))
        last.update(_clean(_names_of(attrs.get("last_names", ()))))
    last.update(_clean(census_surnames()))
    return frozenset(first), frozenset(last)


def census_surnames() -> list[str]:
    """The census list (`SMITH  1.006  1.006  1`: name, share, cumulative share, rank), read
    from the installed package so nothing is fetched at run time."""
    from importlib.resources import files

    with (files("names") / "dist.all.last").open(encoding="ascii") as handle:
        return [line.split(maxsplit=1)[0] for line in handle if line.strip()]


def _clean(names: Iterable[str]) -> Iterable[str]:
    for name in names:
        if isinstance(name, str) and name.isascii() and name.isalpha() and len(name) > 1:
            yield name.lower()


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """wordfreq's Zipf frequency of a lowercase English word (cached: texts repeat words)."""
    return zipf_frequency(word, "en")


# Words that look like names to a model but never are, shared by the rules, the person model
# and the entity trimming.
HTML_ENTITY_NAMES = frozenset({"quot", "amp", "gt", "lt", "apos", "nbsp"})
ELONGATED = re.compile(r"([a-z])\1\1")  # "Foooootball", "Shhhhh": spoken emphasis, not names


def split_html_entity(tokens: Any, i: int) -> bool:
    """`quot` in `&quot;`: WNUT-style text keeps HTML entities split into tokens. `tokens` is a
    Doc or a list of its tokens."""
    return i > 0 and tokens[i - 1].text == "&" and tokens[i].lower_ in HTML_ENTITY_NAMES
