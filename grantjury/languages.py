"""Languages: which are written right to left, and which text stands in for a missing one.

One list and one fallback rule for the whole package (score sheets, documents, summary).
"""

from __future__ import annotations

from collections.abc import Mapping

RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "ku", "ps", "sd", "syr", "ug", "ur", "yi"}
)
"""Languages written right to left (ISO 639 codes; a region suffix such as ``ar-MA`` is
ignored)."""


def direction(lang: str) -> str:
    """``rtl`` or ``ltr`` for a language code."""
    return "rtl" if lang.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def pick(value: str | Mapping[str, str], lang: str | None) -> str:
    """The text of ``value`` in ``lang``; a plain string as it is; else the first language
    present (in the order the file gives them), else the empty string."""
    if isinstance(value, str):
        return value
    if lang is not None and lang in value:
        return value[lang]
    return next(iter(value.values()), "")
