"""The words of grantjury's documents and score sheets: gettext catalogs, one per language.

Every sentence, label and worded code of the documents (``grantjury.documents``) and of the
score sheets (``grantjury.secretary.sheets``) lives in ``grantjury/locale/<lang>/LC_MESSAGES/
grantjury.po``, managed with Babel (``babel.cfg``; ``docs/format.md``, "Adding a language").
Message ids are keys, not English sentences (``doc.minutes_intro``, ``decision.reserve``,
``label.digest``, ``sheet.how.1``), so that a message missing from a catalog is an error
(``MissingMessage``, and the test of the catalogs) instead of English text printed silently
in an Arabic document. A plural message names the parameter that counts in its plural id:
``msgid "doc.letter_intro"`` / ``msgid_plural "doc.letter_intro[n]"``, with the language's
own forms (Arabic has six, French three).

The ``.po`` files are the only source: each is compiled in memory with Babel
(``pofile.read_po`` then ``mofile.write_mo``) into a ``gettext.GNUTranslations`` the first
time a language is asked for, so there is no ``.mo`` file to build or to go stale.

Numbers and dates are formatted with Babel's CLDR data for ``fr_MA``, ``ar_MA`` and ``en``
(``LOCALES``), with the Moroccan print conventions the documents follow kept as overrides
(``GROUP_OVERRIDES``, ``MINUS_SIGN``).
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import math
import re
from pathlib import Path
from typing import Any

from babel.dates import format_date as _cldr_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as _cldr_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
"""Where the catalogs are: ``LOCALE_DIR/<lang>/LC_MESSAGES/grantjury.po``."""

DOMAIN = "grantjury"
FALLBACK = "en"
"""The catalog of a language grantjury has none for (the competition's own texts, names and
titles, are always printed in their language)."""

LOCALES = {"fr": "fr_MA", "ar": "ar_MA", "en": "en"}
"""The CLDR locale of each catalog's figures and dates; another language uses its own CLDR
data when Babel has it, else English."""

GROUP_OVERRIDES = {"ar": "\u202f"}
"""Thousands separators that differ from CLDR: CLDR's ``ar_MA`` groups with ``.``
(``12.345,68``), which a Moroccan reader takes for a decimal point next to the French column;
the documents group with a narrow no-break space in Arabic as in French (``12 345,68``)."""

MINUS_SIGN = "\u2212"
"""The minus of every printed figure: a true minus sign (CLDR gives ``-`` for ``fr_MA`` and
a left-to-right mark plus ``-`` for ``ar_MA``; figures are already isolated left-to-right)."""

_PLURAL_PARAM = re.compile(r"^(?P<msgid>[^\[]+)\[(?P<param>\w+)\]$")


class MissingMessage(LookupError):
    """A message id that a catalog lacks: a bug in grantjury, named with its catalog file."""

    def __init__(self, lang: str, msgid: str) -> None:
        self.lang = lang
        self.msgid = msgid
        super().__init__(
            f"{catalog_path(lang)}: no message {msgid!r}; add it to every catalog "
            "(pybabel update, see docs/format.md, 'Adding a language')"
        )


def catalog_path(lang: str) -> Path:
    """The ``.po`` file of ``lang``."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages grantjury has a catalog for, sorted."""
    return tuple(
        sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    )


@functools.cache
def catalog_language(lang: str | None) -> str:
    """The catalog used for ``lang``: its own (``ar-MA`` → ``ar``), else ``FALLBACK``."""
    base = (lang or FALLBACK).replace("_", "-").split("-")[0].lower()
    return base if catalog_path(base).is_file() else FALLBACK


@functools.cache
def catalog(lang: str) -> Catalog:
    """The Babel catalog of ``lang`` (its catalog language), read from its ``.po`` file."""
    with catalog_path(catalog_language(lang)).open("rb") as handle:
        return read_po(handle, locale=catalog_language(lang), domain=DOMAIN)


@functools.cache
def translations(lang: str) -> gettext.GNUTranslations:
    """``lang``'s catalog as gettext translations, compiled in memory from its ``.po``."""
    compiled = io.BytesIO()
    write_mo(compiled, catalog(lang), use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@functools.cache
def _ids(lang: str) -> dict[str, str | None]:
    """Every message id of ``lang``'s catalog, with the name of its counting parameter."""
    found: dict[str, str | None] = {}
    for message in catalog(lang):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            match = _PLURAL_PARAM.match(plural)
            found[singular] = match["param"] if match else None
        else:
            found[message.id] = None
    return found


def has(lang: str, msgid: str) -> bool:
    """Whether ``lang``'s catalog has ``msgid``."""
    return msgid in _ids(lang)


def msgids(lang: str, prefix: str = "") -> list[str]:
    """The message ids of ``lang``'s catalog that start with ``prefix``, sorted."""
    return sorted(m for m in _ids(lang) if m.startswith(prefix))


def counted_by(lang: str, msgid: str) -> str | None:
    """The parameter whose number chooses the plural form of ``msgid`` (None: no plural)."""
    return _ids(lang).get(msgid)


def gettext_(lang: str, msgid: str) -> str:
    """``msgid`` in ``lang`` (gettext); ``MissingMessage`` when the catalog lacks it."""
    if not has(lang, msgid):
        raise MissingMessage(catalog_language(lang), msgid)
    if counted_by(lang, msgid) is not None:  # no number: CLDR's "other" form (100 in every
        return ngettext_(lang, msgid, 100)  # language grantjury has, Arabic included)
    return translations(lang).gettext(msgid)


def ngettext_(lang: str, msgid: str, n: int) -> str:
    """The form of the plural message ``msgid`` for the number ``n`` in ``lang`` (ngettext)."""
    if not has(lang, msgid):
        raise MissingMessage(catalog_language(lang), msgid)
    plural = counted_by(lang, msgid)
    if plural is None:
        return translations(lang).gettext(msgid)
    return translations(lang).ngettext(msgid, f"{msgid}[{plural}]", n)


def message(lang: str, msgid: str, values: dict[str, Any] | None = None) -> str:
    """``msgid`` in ``lang``, in the plural form its counting parameter in ``values`` asks."""
    param = counted_by(lang, msgid)
    if param is not None and values is not None and isinstance(values.get(param), int):
        return ngettext_(lang, msgid, values[param])
    return gettext_(lang, msgid)


# --- figures and dates (CLDR) ----------------------------------------------------------------


def cldr_locale(lang: str | None) -> str:
    """The CLDR locale of ``lang``'s figures and dates (``LOCALES``; English otherwise)."""
    return LOCALES.get(catalog_language(lang), FALLBACK)


def format_decimal(value: float, lang: str | None, digits: int) -> str:
    """``value`` with exactly ``digits`` decimals, grouped by thousands, by CLDR's rules for
    ``lang`` with the overrides above: ``12 345,68``, ``−1,20``, ``12,345.68``.

    ``value`` must already be rounded as shown (``figures.shown_figure``); CLDR's own
    rounding (half even) then changes nothing."""
    if not math.isfinite(value):
        raise ValueError(f"cannot print the figure {value!r}")
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    locale = cldr_locale(lang)
    text = _cldr_decimal(abs(value), format=pattern, locale=locale, decimal_quantization=True)
    group = GROUP_OVERRIDES.get(catalog_language(lang))
    if group is not None:
        from babel.numbers import get_group_symbol

        text = text.replace(get_group_symbol(locale), group)
    negative = value < 0 and any(ch in "123456789" for ch in text)
    return (MINUS_SIGN if negative else "") + text


def month_name(value: dt.date, lang: str | None) -> str:
    """The month of ``value`` in ``lang`` as CLDR writes it in a date (``avril``; in
    ``ar_MA``, the Moroccan names ``أبريل``, ``ماي``, ``يوليوز``, ``غشت``, ``نونبر``)."""
    return _cldr_date(value, format="MMMM", locale=cldr_locale(lang))
