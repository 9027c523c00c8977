"""Keeping untrusted text inert on the page: sanitising, bidi isolation, escaping, local assets.

Everything printed on a document comes from `results.json`, whose names and titles were typed
by the associations that applied. They must print as text, in the right direction, without
moving their neighbours and without making the renderer fetch anything. This module holds the
pure parts of that promise (no WeasyPrint here; `pdf.py` builds the URL fetcher on top of
`resolve_asset_url`):

- `sanitize_text` strips bidi and other control characters, normalises to NFC, caps length;
- `isolate` wraps a field in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE so that its
  direction cannot leak into the surrounding sentence; `ltr` wraps a figure, an amount, an
  identifier, a percentage, an interval or a "value ± uncertainty" in `<bdi dir="ltr">` and
  LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE, so that it reads as one left-to-right run
  inside right-to-left text (WeasyPrint ignores `unicode-bidi` and so `<bdi>`; Pango honours
  the isolate characters; a browser honours both);
- `text_direction` gives a block's `dir` from its first strong character (WeasyPrint ignores
  `dir="auto"`);
- `make_environment` is the Jinja2 sandbox (autoescape, `StrictUndefined`) with filters for
  multilingual text, figures and dates that read correctly inside Arabic sentences.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from grantjury import catalogs
from grantjury.figures import shown_figure

# The documents read a language's direction and a text's fallback from the one rule for
# every layer (``grantjury.languages``); ``language_direction`` is its name in templates.
from grantjury.languages import direction as language_direction
from grantjury.languages import pick

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI: all are stripped from input."""

FSI = "\u2068"
LRI = "\u2066"
PDI = "\u2069"
ELLIPSIS = "…"
DEFAULT_MAX_LENGTH = 500

MAX_NAME = 500
"""Longest association, juror, domain or event name printed (characters). Real Moroccan
association names run to 300–400 characters: they print whole; the cap only guards the page
against a pathological input, and cuts between words (`sanitize_text`)."""
MAX_TITLE = 500
"""Longest project title printed (characters), as `MAX_NAME`."""
MAX_ID = 100
"""Longest identifier printed (characters)."""
MAX_NOTE = 300
"""Longest free-text note (conflict notes, reasons, warnings) printed (characters)."""

_SPACES = re.compile(" {2,}")
_NO_BREAK_SPACES = frozenset("\u00a0\u2007\u202f")


def sanitize_text(value: object, max_length: int = DEFAULT_MAX_LENGTH) -> str:
    """Return `value` as one line of printable text, NFC-normalised and at most `max_length` long.

    Bidi controls, C0/C1 controls and lone surrogates are removed; any run of breaking white
    space (tabs, newlines, line and paragraph separators) becomes one space; no-break spaces
    stay. A longer text is cut between two words (mid-word only when its last word alone is
    longer than half the cap) and ends with an ellipsis.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", "".join(map(_clean_char, str(value))))
    text = _SPACES.sub(" ", text).strip()
    if len(text) > max_length:
        cut = text[: max(max_length - 1, 0)]
        if text[len(cut)] != " ":
            space = cut.rfind(" ")
            if space >= max_length // 2:
                cut = cut[:space]
        text = cut.rstrip() + ELLIPSIS
    return text


def _clean_char(ch: str) -> str:
    if ch.isspace() and ch not in _NO_BREAK_SPACES:
        return " "
    if ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs"):
        return ""
    return ch


def isolate(text: str) -> str:
    """Wrap `text` in FSI … PDI so that it is laid out as one unit of its own direction."""
    return f"{FSI}{text}{PDI}" if text else ""


def text_direction(text: str, default: str = "ltr") -> str:
    """Return `"rtl"` or `"ltr"` from the first strong character of `text`, else `default`."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return default


# --- figures and dates ----------------------------------------------------------------------


def ltr(text: str) -> Markup:
    """Isolate `text` (figures, dates, codes, "value ± uncertainty") as one left-to-right run,
    so that right-to-left context cannot reorder its parts: `<bdi dir="ltr">` for browsers and
    LRI … PDI for WeasyPrint, which lays the characters out through Pango and ignores
    `unicode-bidi`. `text` may be markup made of other runs (nested isolates are fine)."""
    return Markup('<bdi dir="ltr">%s%s%s</bdi>') % (LRI, text, PDI)


def plus_minus(value: Markup | str, uncertainty: Markup | str | None) -> Markup:
    """Jinja filter: `0,67 ± 0,14` as one left-to-right run (the value before its uncertainty
    in every direction); the value alone, isolated, when there is no uncertainty."""
    if uncertainty is None:
        return ltr(value)
    return ltr(Markup("%s\u00a0±\u00a0%s") % (value, uncertainty))


def format_number(value: float, lang: str) -> str:
    """Format an amount: whole numbers without decimals, others with two; grouped by thousands."""
    if not math.isfinite(value):
        raise ValueError(f"cannot print the amount {value!r}")
    digits = 0 if float(value).is_integer() else 2
    return catalogs.format_decimal(shown_figure(value, digits), lang, digits)


def format_decimal(value: float, lang: str, digits: int = 2) -> str:
    """Format a score with exactly `digits` decimals (`15,28`, `−1,20`); a true minus sign."""
    if not math.isfinite(value):
        raise ValueError(f"cannot print the figure {value!r}")
    return catalogs.format_decimal(shown_figure(value, digits), lang, digits)


def number_filter(value: float, lang: str) -> Markup:
    """Jinja filter: an amount as figures wrapped left-to-right."""
    return ltr(format_number(value, lang))


def date_filter(value: dt.date, lang: str) -> Markup:
    """Jinja filter: `21 avril 2013` / `21 أبريل 2013`, figures marked left-to-right.

    The Arabic form keeps day, month and year as separate runs (read right to left as a
    sentence); only the figures are marked. A language without month names gets ISO 8601.
    """
    if lang not in catalogs.languages():
        return ltr(value.isoformat())
    month = catalogs.month_name(value, lang)
    if language_direction(lang) == "rtl":
        return Markup("%s %s %s") % (ltr(str(value.day)), month, ltr(str(value.year)))
    return ltr(f"{value.day}\u00a0{month} {value.year}")


def text_filter(
    value: str | Mapping[str, str], lang: str | None = None, limit: int = MAX_NAME
) -> str:
    """Jinja filter: a field in `lang` (falling back to any language), sanitised, capped at
    `limit` characters (a name's length unless told) and isolated.

    The result is a plain string: autoescape turns `<`, `&` and quotes into entities.
    """
    return isolate(sanitize_text(pick(value, lang), limit))


def project_filter(value: str | Mapping[str, str], lang: str | None = None) -> str:
    """Jinja filter: a project title, as `text` but capped at `MAX_TITLE`."""
    return text_filter(value, lang, MAX_TITLE)


def dir_filter(value: str | Mapping[str, str], lang: str | None = None) -> str:
    """Jinja filter: the `dir` of a block holding `value` in `lang`.

    The language's own direction when the text exists in that language; otherwise the
    direction of the text actually printed (from its first strong character).
    """
    if isinstance(value, Mapping) and lang is not None and lang in value:
        return language_direction(lang)
    default = language_direction(lang) if lang else "ltr"
    return text_direction(pick(value, lang), default)


def make_environment(
    templates: Path, extra_filters: Mapping[str, Callable[..., Any]] | None = None
) -> SandboxedEnvironment:
    """The Jinja2 sandbox used for every document: autoescape on, undefined names are errors."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(templates),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        text=text_filter,
        project=project_filter,
        dir=dir_filter,
        number=number_filter,
        date=date_filter,
        ltr=ltr,
        plus_minus=plus_minus,
        langdir=language_direction,
    )
    env.filters.update(extra_filters or {})
    return env


# --- local assets only ----------------------------------------------------------------------


def resolve_asset_url(url: str, assets: Path) -> Path | None:
    """The file a `file:` URL names if it lies inside `assets` (symlinks resolved), else None.

    Only plain local `file:` URLs qualify: a host other than `localhost`, a path outside the
    folder (also through `..`, percent-escapes or a symlink) or a missing file gives None.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path))
    if not path.is_absolute():
        return None
    try:
        path = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    root = assets.resolve()
    if path.is_relative_to(root) and path.is_file():
        return path
    return None
