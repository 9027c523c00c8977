"""Languages: which are written right to left, and which text to show in a language.

One module every layer may import (it imports nothing of grantjury), so that score sheets,
documents and summaries agree on a language's direction and on the fallback when a text is
missing in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypeVar

T = TypeVar("T")

RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "ps", "sd", "syr", "ug", "ur", "yi"}
)
"""Languages written right to left, by ISO 639 code, in their usual script (CLDR's likely
script). Kurdish (``ku``) is not among them: its usual script is Latin (Kurmanji); Sorani
Kurdish, in Arabic script, is ``ckb``, or ``ku-Arab`` with a script subtag."""

RTL_SCRIPTS = frozenset({"adlm", "arab", "hebr", "nkoo", "rohg", "syrc", "thaa"})
"""ISO 15924 scripts written right to left: a script subtag (``ku-Arab``, ``az-Arab``,
``ur-Latn``) decides the direction over the language's usual script."""

ENGINE_LANGUAGE = "en"
"""The language of the engine's own texts when it has none in the one asked for."""


def direction(lang: str | None) -> Literal["rtl", "ltr"]:
    """The writing direction of a language tag: ``ar`` and ``fa-IR`` → ``rtl``, ``fr`` → ``ltr``.

    A script subtag decides (``ku-Arab`` → ``rtl``); otherwise the language's usual script.
    """
    if not lang:
        return "ltr"
    language, *subtags = lang.replace("_", "-").lower().split("-")
    script = next((tag for tag in subtags if len(tag) == 4 and tag.isalpha()), None)
    if script is not None:
        return "rtl" if script in RTL_SCRIPTS else "ltr"
    return "rtl" if language in RTL_LANGUAGES else "ltr"


def is_rtl(lang: str | None) -> bool:
    """Whether ``lang`` is written right to left (see ``direction``)."""
    return direction(lang) == "rtl"


def pick(value: str | Mapping[str, str], lang: str | None, default: str = "") -> str:
    """A competition's text in ``lang``: a plain string as is; the text in ``lang`` when it
    has one; else the first language it is written in (the competition's first language, in
    file order); ``default`` when it is in none."""
    if isinstance(value, str):
        return value
    if lang is not None and lang in value:
        return value[lang]
    return next(iter(value.values()), default)


def for_language(table: Mapping[str, T], lang: str | None) -> T:
    """The engine's own texts (or number formats) for ``lang``, English where it has none."""
    if lang is not None and lang in table:
        return table[lang]
    return table[ENGINE_LANGUAGE]
