"""What the jury minutes, the audit report and the feedback letters print, from the record.

Each `*_context` function is the `context` of one entry of `documents.KINDS`: it reads the
results model (with the views of `record.py`) and prepares what its template needs, charts
included. The
words are in `wording.py`, the layout in the templates; nothing here writes a file.

Decided here:

- **Minutes** (`minutes.pdf`): the jury, the conflict register and the scores set aside, the
  counts per domain, the method and options, each domain's full ranking (with the number of
  jurors, the probability of winning and the 90 % rank interval), ties, reserve list, lines too
  close to call, lottery and budget, a signature block per juror and the run's digest.
- **Audit report** (`audit.pdf`): the command that re-runs and checks everything, per-juror
  statistics with a severity chart per domain, reliability, each domain's ranking with its
  uncertainty (chart), winners by calibration method, the inputs' SHA-256, the exact options
  and the engine's warnings.
- **Letters** (`letters.pdf`): one page per submission, domains in results order and each in
  ranking order; the decision, rank, score, criterion means against the domain's, a chart of
  the domain's scores, and the reasons when ineligible. Letters are rendered in parts by
  parallel processes, so their context covers a `range` of pages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import TYPE_CHECKING, Any

from grantjury import catalogs
from grantjury.documents import charts, record
from grantjury.documents.wording import exact_options, option_rows, word
from grantjury.model import Criterion
from grantjury.results import DomainResults, Entry, Results, SubmissionRecord

if TYPE_CHECKING:
    from grantjury.documents.build import Run

CHART_WIDTH_MM = 170
"""Width of a full-width chart: the text width of an A4 page with 20 mm margins."""
THIRD_CHART_MM = 55
"""Width of a chart in a three-column grid."""


def titles(key: str) -> dict[str, str]:
    """A document title in every language grantjury has words for."""
    return {lang: word(key, lang) for lang in catalogs.languages()}


def common(run: Run) -> dict[str, Any]:
    """What every record document prints besides its own parts."""
    results = run.results
    return {
        "jurors_by_id": {j.id: j for j in results.jurors},
        "domain_names": {d.id: d.name for d in results.domains},
        "criteria": {d.id: record.criteria(results, d.id) for d in results.domains},
        "interval": record.stability_interval(results),
        "currency": results.competition.currency,
    }


# --- minutes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    """One line of the counts table (a domain, or the total when `domain` is None)."""

    domain: DomainResults | None
    received: int
    ineligible: int
    ranked: int
    unranked: int
    winners: int
    reserve: int


def count_rows(results: Results) -> list[CountRow]:
    """Submissions received, ineligible, ranked and unranked, winners and reserve per domain."""
    rows = [
        CountRow(domain, *record.counts(domain), len(domain.winners), len(domain.reserve))
        for domain in results.domains
    ]
    total = CountRow(
        None,
        *(
            sum(getattr(r, f) for r in rows)
            for f in ("received", "ineligible", "ranked", "unranked", "winners", "reserve")
        ),
    )
    return [*rows, total]


def minutes_context(run: Run) -> Mapping[str, Any]:
    results = run.results
    return {
        **common(run),
        "set_aside": record.set_aside(results),
        "counts": count_rows(results),
        "options": {lang: option_rows(results, lang) for lang in run.languages},
    }


# --- audit report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodRow:
    """Winners of a domain under one calibration method."""

    method: str
    winners: tuple[str, ...]
    differ: frozenset[str]
    """Winners under this method that do not win with the adopted method."""
    adopted: bool


def method_rows(results: Results, domain: DomainResults) -> list[MethodRow]:
    """Winners by calibration method, the adopted one first."""
    adopted = results.options.calibration
    actual = set(domain.winners)
    rows = [
        MethodRow(method, tuple(winners), frozenset(set(winners) - actual), method == adopted)
        for method, winners in results.winners_by_method.get(domain.id, {}).items()
    ]
    return sorted(rows, key=lambda r: (not r.adopted, r.method))


def audit_context(run: Run) -> Mapping[str, Any]:
    results = run.results
    limit = charts.severity_limit(results.jurors)
    return {
        **common(run),
        "options": {lang: option_rows(results, lang) for lang in run.languages},
        "exact_options": exact_options(results),
        "severity": [
            (domain, charts.severity_chart(domain.id, results.jurors, limit, THIRD_CHART_MM))
            for domain in results.domains
        ],
        "uncertainty": [
            (domain, charts.uncertainty_chart(domain, THIRD_CHART_MM))
            for domain in results.domains
            if any(e.rank_interval is not None for e in domain.ranking)
        ],
        "by_method": [(domain, method_rows(results, domain)) for domain in results.domains],
        "command": "grantjury verify RESULTS_DIR",
    }


# --- letters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionRow:
    """A criterion of a letter: the submission's mean and the domain's mean."""

    criterion: Criterion
    mean: float | None
    domain_mean: float | None


@dataclass(frozen=True)
class Letter:
    """One feedback letter: one page for one submission."""

    page: int
    domain: DomainResults
    entry: Entry
    submission: SubmissionRecord
    criteria: tuple[CriterionRow, ...]
    scale: tuple[float, float] | None
    chart: str | None
    in_domain: int
    ranked: int


def letter_count(run: Run) -> int:
    """How many letters (pages): one per submission of every domain's ranking."""
    return len(record.letters(run.results))


def criterion_rows(
    criteria: Sequence[Criterion], domain: DomainResults, entry: Entry
) -> tuple[CriterionRow, ...]:
    """The submission's criterion means beside the means over its domain."""
    rows = []
    for criterion in criteria:
        values = [v for e in domain.ranking if (v := e.criteria.get(criterion.id)) is not None]
        rows.append(
            CriterionRow(
                criterion,
                entry.criteria.get(criterion.id),
                fmean(values) if values else None,
            )
        )
    return tuple(rows)


def common_scale(criteria: Sequence[Criterion]) -> tuple[float, float] | None:
    """The rubric's scale when every criterion shares it (scores are then on it too)."""
    scales = {(c.scale.min, c.scale.max) for c in criteria}
    if len(scales) != 1:
        return None
    return next(iter(scales))


def letters_context(run: Run, part: range) -> Mapping[str, Any]:
    """The letters of pages `part` (0-based, in `record.letters` order)."""
    results = run.results
    everything = record.letters(results)
    letters = []
    for index in part:
        domain, entry = everything[index]
        criteria = record.criteria(results, domain.id)
        letters.append(
            Letter(
                page=index + 1,
                domain=domain,
                entry=entry,
                submission=results.submissions[entry.submission],  # checked on loading
                criteria=criterion_rows(criteria, domain, entry),
                scale=common_scale(criteria),
                chart=charts.position_chart(domain, entry, CHART_WIDTH_MM),
                in_domain=len(domain.ranking),
                ranked=len(record.ranked(domain)),
            )
        )
    return {**common(run), "letters": letters, "pages": len(everything)}
