"""What the jury minutes, the audit report and the feedback letters print, from the record.

Each `*_context` function is the `context` of one entry of `documents.KINDS`: it reads the
whole run (`record.parse_record`) and prepares what its template needs, charts included. The
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

from grantjury.render import charts
from grantjury.render.errors import ResultsFileError
from grantjury.render.record import Criterion, Domain, Entry, Record, Submission, parse_record
from grantjury.render.wording import HIGH_P, LOW_P, WORDS, option_rows

if TYPE_CHECKING:
    from grantjury.render.documents import Results

CHART_WIDTH_MM = 170
"""Width of a full-width chart: the text width of an A4 page with 20 mm margins."""
THIRD_CHART_MM = 55
"""Width of a chart in a three-column grid."""


def record_of(results: Results) -> Record:
    """The whole run behind `results` (parsed again: it is cheap and keeps Results plain)."""
    return parse_record(results.data, results.source)


def titles(key: str) -> dict[str, str]:
    """A document title in every language grantjury has words for."""
    return {lang: words[key] for lang, words in WORDS.items()}


# --- minutes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    """One line of the counts table (a domain, or the total when `domain` is None)."""

    domain: Domain | None
    received: int
    ineligible: int
    ranked: int
    unranked: int
    winners: int
    reserve: int


def count_rows(record: Record) -> list[CountRow]:
    """Submissions received, ineligible, ranked and unranked, winners and reserve per domain."""
    rows = []
    for domain in record.domains:
        received, ineligible, ranked, unranked = domain.counts
        rows.append(
            CountRow(
                domain,
                received,
                ineligible,
                ranked,
                unranked,
                len(domain.winners),
                len(domain.reserve),
            )
        )
    total = CountRow(
        None,
        *(sum(getattr(r, f) for r in rows) for f in ("received", "ineligible", "ranked")),
        sum(r.unranked for r in rows),
        sum(r.winners for r in rows),
        sum(r.reserve for r in rows),
    )
    return [*rows, total]


def minutes_context(results: Results) -> Mapping[str, Any]:
    record = record_of(results)
    languages = results.event.languages
    return {
        "record": record,
        "jurors_by_id": {j.id: j for j in record.jurors},
        "domain_names": {d.id: d.name for d in record.domains},
        "counts": count_rows(record),
        "options": {lang: option_rows(record, lang) for lang in languages},
        "low_p": LOW_P,
        "high_p": HIGH_P,
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


def method_rows(record: Record, domain: Domain) -> list[MethodRow]:
    """Winners by calibration method, the adopted one first."""
    adopted = str(record.option_values.get("calibration", ""))
    actual = set(domain.winners)
    rows = [
        MethodRow(method, winners, frozenset(set(winners) - actual), method == adopted)
        for method, winners in domain.by_method
    ]
    return sorted(rows, key=lambda r: (not r.adopted, r.method))


def audit_context(results: Results) -> Mapping[str, Any]:
    record = record_of(results)
    limit = charts.severity_limit(record.jurors)
    return {
        "record": record,
        "jurors_by_id": {j.id: j for j in record.jurors},
        "domain_names": {d.id: d.name for d in record.domains},
        "options": {lang: option_rows(record, lang) for lang in results.event.languages},
        "severity": [
            (domain, charts.severity_chart(domain.id, record.jurors, limit, THIRD_CHART_MM))
            for domain in record.domains
        ],
        "uncertainty": [
            (domain, charts.uncertainty_chart(domain, THIRD_CHART_MM))
            for domain in record.domains
            if any(e.interval is not None for e in domain.ranking)
        ],
        "by_method": [(domain, method_rows(record, domain)) for domain in record.domains],
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
    domain: Domain
    entry: Entry
    submission: Submission
    criteria: tuple[CriterionRow, ...]
    scale: tuple[float, float] | None
    chart: str | None
    in_domain: int


def letter_count(results: Results) -> int:
    """How many letters (pages): one per submission of every domain's ranking."""
    return len(record_of(results).letters)


def criterion_rows(domain: Domain, entry: Entry) -> tuple[CriterionRow, ...]:
    """The submission's criterion means beside the means over its domain."""
    rows = []
    for criterion in domain.criteria:
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
    scales = {(c.low, c.high) for c in criteria}
    if len(scales) != 1:
        return None
    low, high = next(iter(scales))
    return None if low is None or high is None else (low, high)


def letters_context(results: Results, part: range) -> Mapping[str, Any]:
    """The letters of pages `part` (0-based, in `Record.letters` order)."""
    record = record_of(results)
    everything = record.letters
    letters = []
    for index in part:
        domain, entry = everything[index]
        submission = record.submissions.get(entry.submission)
        if submission is None:
            raise ResultsFileError(
                results.source,
                f"{entry.submission!r} is ranked but not in submissions",
                key=f"domains.{domain.id}.ranking",
            )
        letters.append(
            Letter(
                page=index + 1,
                domain=domain,
                entry=entry,
                submission=submission,
                criteria=criterion_rows(domain, entry),
                scale=common_scale(domain.criteria),
                chart=charts.position_chart(domain, entry, CHART_WIDTH_MM),
                in_domain=len(domain.ranking),
            )
        )
    return {"record": record, "letters": letters, "pages": len(everything)}
