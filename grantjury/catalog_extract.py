"""Babel extraction methods for grantjury's keyed message ids (``babel.cfg``).

grantjury's documents print every language side by side, so a template asks for a message in
a language (``"jury"|word(lang)``, ``r.th("rank")``, ``words[lang].digest``) rather than
through one installed translation; Babel's own Python and Jinja2 extractors do not see those
calls. These methods find the message ids written literally in templates and in Python and
yield them with their catalog prefix (``doc.jury``, ``label.digest``), for ``pybabel extract
-F babel.cfg`` and for ``tests/test_catalogs.py``, which fails when code uses a message a
catalog lacks. Ids built from a results code (``decision.<code>``) are checked by walking the
results model's codes instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

_KEY = r"[a-z][a-z0-9_]*"

_TEMPLATE_PATTERNS = (
    # "jury"|word(lang), "tie"|say(lang, ...)
    (re.compile(rf"[\"']({_KEY})[\"']\s*\|\s*(?:word|say)\("), "doc."),
    # ("interval_same" if ... else "interval_line")|say(...)
    (
        re.compile(
            rf"\(\s*[\"']({_KEY})[\"'] if [^()]*? else [\"']({_KEY})[\"']\s*\)\s*\|\s*say\("
        ),
        "doc.",
    ),
    # r.th("rank"), r.heading("ties"), r.masthead("minutes"), r.prose("intro") names a class
    (re.compile(rf"\br\.(?:th|heading|masthead)\(\s*[\"']({_KEY})[\"']"), "doc."),
    # words[lang].digest: the documents' own labels
    (re.compile(rf"\bwords\[\w+\]\.({_KEY})"), "label."),
)

_PYTHON_PATTERNS = (
    # say(lang, "tie", ...), word("then", lang)
    (re.compile(rf"\bsay\(\s*\w+,\s*[\"']({_KEY})[\"']"), "doc."),
    (re.compile(rf"\bword\(\s*[\"']({_KEY})[\"']"), "doc."),
    (re.compile(rf"\bword\(\s*[\"']({_KEY})[\"'] if [^()]*? else [\"']({_KEY})[\"']"), "doc."),
    # catalogs.gettext_(lang, "notice.via_part"), catalogs.message(lang, "doc.tie", values)
    (
        re.compile(
            r"\bcatalogs\.(?:gettext_|ngettext_|message)\(\s*\w+,\s*[\"']([a-z_.0-9]+)[\"']"
        ),
        "",
    ),
)


def _extract(
    fileobj: IO[bytes], patterns: tuple[tuple[re.Pattern[str], str], ...]
) -> Iterator[tuple[int, str, str, list[str]]]:
    text = fileobj.read().decode("utf-8")
    for pattern, prefix in patterns:
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            for key in match.groups():
                if key:
                    yield line, "gettext", prefix + key, []


def extract_templates(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method for the documents' Jinja2 templates."""
    return _extract(fileobj, _TEMPLATE_PATTERNS)


def extract_python(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method for grantjury's Python modules."""
    return _extract(fileobj, _PYTHON_PATTERNS)
