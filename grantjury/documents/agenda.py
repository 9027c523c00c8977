"""The deliberation agenda as a bilingual PDF (`grantjury agenda`).

The agenda's items come from `grantjury.agenda` (a checked re-run of the results' inputs);
this module only lays them out with the record documents' building blocks and words. It is
not one of `build.KINDS`: `grantjury render` prints what `results.json` alone determines,
and the agenda also needs the jurors' spreads of the re-run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grantjury.agenda import GROUPS, Agenda, AgendaItem
from grantjury.documents import proceedings
from grantjury.documents.build import DocumentKind, Run, build_html, run_of

FILENAME = "agenda.pdf"


@dataclass(frozen=True)
class GroupBlock:
    name: str
    items: tuple[AgendaItem, ...]


def agenda_kind(agenda: Agenda) -> DocumentKind:
    """The agenda as a kind of document, its context holding the items."""

    def context(run: Run) -> Mapping[str, Any]:
        return {
            **proceedings.common(run),
            "groups": [GroupBlock(name, agenda.group(name)) for name in GROUPS],
        }

    return DocumentKind(
        name="agenda",
        filename=FILENAME,
        template="agenda.html",
        stylesheet="agenda.css",
        title=proceedings.titles("agenda"),
        context=context,
    )


def agenda_html(agenda: Agenda) -> str:
    """The agenda's HTML, fully determined by the results and the items."""
    return build_html(agenda_kind(agenda), run_of(agenda.results))


def write_agenda(agenda: Agenda, target: Path) -> int:
    """Print the agenda into `target` (written beside it, then moved); returns its pages."""
    from grantjury.documents import pdf  # WeasyPrint is loaded only when needed

    pdf.ensure_fonts()
    staging = target.with_name(f".{target.name}.tmp")
    try:
        report = pdf.write_pdf(agenda_html(agenda), staging, day=agenda.results.competition.date)
        staging.replace(target)
    finally:
        staging.unlink(missing_ok=True)
    return report.pages
