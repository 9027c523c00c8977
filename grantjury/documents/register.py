"""The register of the processing of personal data (law 09-08): what, why, how long.

``grantjury render --only register`` writes ``register.pdf`` from ``results.json``: the
controller, then one row per kind of personal data the competition processes (jurors,
associations' officials and members, council members, family links, identity numbers),
with what is kept, why, where it comes from, who sees it and how long it is kept. Only
counts of people are printed, never a name. Rendered by default under a rule pack.

Law 09-08 of 18 February 2009 asks that personal data be collected for a stated, legitimate
purpose, be adequate and not excessive for it, and be kept no longer than it needs (as
summarised by the sources cited in ``docs/format.md``); the retention period is the
competition's setting ``retention_months``, to be set to the council's archiving rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grantjury import catalogs

if TYPE_CHECKING:
    from grantjury.documents.build import Run

REGISTER_KEYS = (
    "register",
    "intro",
    "controller",
    "unnamed",
    "purpose_all",
    "kept",
    "category",
    "data",
    "why",
    "who",
    "jurors",
    "jurors_data",
    "jurors_why",
    "officials",
    "officials_data",
    "officials_why",
    "council",
    "council_data",
    "council_why",
    "family",
    "family_data",
    "family_why",
    "restricted",
    "jury_only",
    "cin_note",
)
"""The words of this document: ``register.<key>`` in each language's catalog."""


def _words(lang: str) -> dict[str, str]:
    """This document's words in ``lang`` (``grantjury/locale``)."""
    return {key: catalogs.gettext_(lang, f"register.{key}") for key in REGISTER_KEYS}


@dataclass(frozen=True)
class Row:
    key: str
    count: int
    access: str


def register_context(run: Run) -> Mapping[str, Any]:
    """What ``register.html`` prints: counts of people by kind, the controller, the period."""
    results = run.results
    rules = results.rules
    people = rules.people if rules is not None else {}
    rows = [
        Row("jurors", len(results.jurors), "jury_only"),
        Row("officials", people.get("officials", 0), "restricted"),
        Row("council", people.get("council", 0), "restricted"),
        Row("family", people.get("family_links", 0), "restricted"),
    ]
    return {
        "rows": rows,
        "controller": rules.controller if rules is not None else None,
        "months": rules.retention_months if rules is not None and rules.retention_months else 24,
        "register_words": {lang: _words(lang) for lang in run.languages},
    }
