"""The council's annex: the beneficiary associations and their amounts, for its deliberation.

``grantjury render --only annex`` writes ``annex.pdf`` and ``annex.csv`` from
``results.json``: per domain, each beneficiary association (the domain's winners, in prize
order) with its project and the amount granted (the funded amount, else the amount requested),
the domain's total, the overall total, then each domain's reserve list in order. Bilingual
like every document; the CSV carries the same rows for the council's services, one language
per column. Both are recorded in the manifest with their digests like every document.
A competition under a rule pack (``rules: [ma-commune]``) gets the annex with every render; any
other gets it on request.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grantjury import catalogs
from grantjury.figures import published
from grantjury.model import Text
from grantjury.results import DomainResults, Results
from grantjury.safe_text import spreadsheet_text

if TYPE_CHECKING:
    from grantjury.documents.build import Run

ANNEX_KEYS = (
    "annex",
    "intro",
    "position",
    "association",
    "project",
    "amount",
    "domain_total",
    "overall_total",
    "reserve",
    "no_reserve",
    "none",
)
"""The words of this document: ``annex.<key>`` in each language's catalog."""


def _words(lang: str) -> dict[str, str]:
    """This document's words in ``lang`` (``grantjury/locale``)."""
    return {key: catalogs.gettext_(lang, f"annex.{key}") for key in ANNEX_KEYS}


@dataclass(frozen=True)
class Line:
    """One association of the annex: a beneficiary or a reserve."""

    position: int
    submission: str
    association: Text
    title: Text
    amount: float | None


@dataclass(frozen=True)
class DomainAnnex:
    domain: DomainResults
    beneficiaries: tuple[Line, ...]
    total: float
    reserve: tuple[Line, ...]


def granted(results: Results, submission: str) -> float | None:
    """The amount granted: the funded amount, else the amount requested."""
    entry = next((e for _, e in results.entries() if e.submission == submission), None)
    if entry is not None and entry.funded is not None:
        return entry.funded
    return results.submissions[submission].requested_amount


def domains(results: Results) -> tuple[DomainAnnex, ...]:
    """Each domain's beneficiaries (winners in prize order), total and reserve list."""
    found = []
    for domain in results.domains:

        def line(position: int, submission: str, amount: float | None) -> Line:
            record = results.submissions[submission]
            return Line(position, submission, record.association.name, record.title, amount)

        beneficiaries = tuple(
            line(i, s, granted(results, s)) for i, s in enumerate(domain.winners, start=1)
        )
        reserve = tuple(
            line(i, s, results.submissions[s].requested_amount)
            for i, s in enumerate(domain.reserve, start=1)
        )
        total = published(sum(b.amount or 0.0 for b in beneficiaries))
        found.append(DomainAnnex(domain, beneficiaries, total, reserve))
    return tuple(found)


def words_for(lang: str) -> dict[str, str]:
    return _words(lang)


def annex_context(run: Run) -> Mapping[str, Any]:
    """What ``annex.html`` prints."""
    parts = domains(run.results)
    return {
        "annex": parts,
        "overall_total": published(sum(p.total for p in parts)),
        "annex_words": {lang: words_for(lang) for lang in run.languages},
        "currency": run.results.competition.currency,
    }


def annex_csv(results: Results) -> bytes:
    """The annex as CSV (UTF-8 with BOM for spreadsheets, CRLF; text cells that a
    spreadsheet would run as formulas get a leading apostrophe, as in ``ranking.csv``)."""
    languages = results.competition.languages
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            "list",
            "domain",
            "position",
            "submission",
            *(f"association_{lang}" for lang in languages),
            *(f"title_{lang}" for lang in languages),
            "amount",
            "currency",
        ]
    )
    currency = results.competition.currency
    for part in domains(results):
        for kind, lines in (("beneficiary", part.beneficiaries), ("reserve", part.reserve)):
            for line in lines:
                writer.writerow(
                    [
                        kind,
                        part.domain.id,
                        line.position,
                        line.submission,
                        *(_cell(line.association.get(lang, "")) for lang in languages),
                        *(_cell(line.title.get(lang, "")) for lang in languages),
                        _amount(line.amount),
                        currency,
                    ]
                )
        writer.writerow(
            [
                "domain_total",
                part.domain.id,
                "",
                "",
                *[""] * 2 * len(languages),
                _amount(part.total),
                currency,
            ]
        )
    overall = published(sum(p.total for p in domains(results)))
    writer.writerow(
        ["overall_total", "", "", "", *[""] * 2 * len(languages), _amount(overall), currency]
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(text: str) -> str:
    return spreadsheet_text(text)


def _amount(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
