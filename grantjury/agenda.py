"""The deliberation agenda: which submissions the jury discusses first, and who leaves the room.

A panel's discussion does not make a ranking more reliable (Fogelholm et al. 2012), so the
meeting's time goes where the written round could not decide: first the submissions too
close to call at each domain's funding line (their rank intervals overlap across it), then
those on which the jurors disagree most, then the rest. For every item the agenda gives the
rank interval and the chance of winning, the spread of the jurors' calibrated totals and the
criteria on which they disagree most (as ranges, never one juror's score), and the jurors
who must leave the room while it is discussed: every declared or detected conflict, with its
category (``conflict_scope: domain`` applied).

The figures come from a re-run of the recorded inputs (the same stages as ``rank`` and
``explain``), checked against the published results first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from .audit import AuditError, compare_results, read_record, rerun
from .conflicts import forbidden_pairs
from .pipeline import RunResult
from .results import Results, ResultsFileError

Group = Literal["too_close", "disagreement", "rest"]
GROUPS: tuple[Group, ...] = ("too_close", "disagreement", "rest")
DISAGREEMENT_SHARE = 0.25
"""The share of each domain's scored submissions (rounded up) with the widest spread of
calibrated totals that the agenda puts in its second group, before the rest."""
DISPUTED_CRITERIA = 2
"""How many criteria the agenda names per item: those with the widest range of scores."""


@dataclass(frozen=True)
class CriterionSpread:
    """How far apart the jurors' scores on one criterion are (no juror named)."""

    criterion: str
    low: float
    high: float
    share: float
    """``(high − low)`` over the width of the criterion's scale."""


@dataclass(frozen=True)
class Leaving:
    """A juror who must leave the room while a submission is discussed, and why."""

    juror: str
    category: str
    source: str
    """``declared`` or ``detected``."""
    via: str | None
    """With ``conflict_scope: domain``: the submission whose conflict excludes the juror."""


@dataclass(frozen=True)
class AgendaItem:
    """One submission on the agenda."""

    position: int
    group: Group
    domain: str
    submission: str
    rank: int | None
    rank_interval: tuple[int, int] | None
    p_selected: float | None
    winner: bool
    n_jurors: int
    low: float | None
    """Lowest calibrated total of a juror without conflict (None: fewer than 2 jurors)."""
    high: float | None
    sd: float | None
    """Standard deviation of the calibrated totals (n − 1)."""
    criteria: tuple[CriterionSpread, ...]
    leaving: tuple[Leaving, ...]

    @property
    def spread(self) -> float | None:
        return None if self.low is None or self.high is None else self.high - self.low


@dataclass(frozen=True)
class Agenda:
    """The agenda of a results folder: its items in discussion order, and the results."""

    results: Results
    items: tuple[AgendaItem, ...]

    def group(self, group: Group) -> tuple[AgendaItem, ...]:
        return tuple(item for item in self.items if item.group == group)


def agenda(results_dir: Path, competition: Path | None = None) -> Agenda:
    """The agenda of a results folder: its recorded inputs re-run with its recorded options,
    checked against the published results (``AuditError`` when they differ)."""
    record = read_record(results_dir, competition)
    if record.error is not None or record.published is None:
        path = (results_dir / "results.json").as_posix()
        if record.error is not None:
            raise ResultsFileError(path, record.error.message, record.error.key)
        raise AuditError(f"{path}: {record.problem or 'missing'}; rank the competition first")
    again = rerun(record)
    # A lock made after the run changes no figure: the agenda may still be made from it.
    fresh = again.results.model_copy(update={"first_round_lock": record.published.first_round_lock})
    differences = compare_results(record.published, fresh)
    if differences:
        raise AuditError(
            f"{results_dir}: the results no longer match their inputs ({differences[0]}"
            + (f", and {len(differences) - 1} more" if len(differences) > 1 else "")
            + "); `grantjury verify` says what differs. Rank again, then make the agenda"
        )
    return agenda_of(again.run, record.published)


def agenda_of(result: RunResult, published: Results) -> Agenda:
    """The agenda of a run: every submission of every domain, in discussion order."""
    scoring = result.scoring
    competition = scoring.competition
    totals = scoring.totals.totals
    code = {s.id: i for i, s in enumerate(competition.submissions)}
    pairs = forbidden_pairs(competition, scoring.exclusions.register)
    leaving: dict[int, list[Leaving]] = {}
    for (j, s), reasons in sorted(pairs.items()):
        for conflict, via in sorted(set(reasons)):
            leaving.setdefault(s, []).append(
                Leaving(
                    competition.jurors[j].id,
                    conflict.category,
                    conflict.source,
                    None if via == competition.submissions[s].id else via,
                )
            )
    drafts: list[tuple[Group, float, int, AgendaItem]] = []
    for d, ds in enumerate(scoring.domains):
        domain = published.domains[d]
        rubric = competition.rubrics[domain.id]
        local_sub = totals.submission[ds.observations]
        items = []
        for entry in domain.ranking:
            s = code[entry.submission]
            at = np.flatnonzero(local_sub == s)
            values = ds.calibration.calibrated[at]
            raw = totals.criteria[ds.observations[at], : len(rubric.criteria)]
            spreads = []
            if at.size >= 2:
                for k, criterion in enumerate(rubric.criteria):
                    column = raw[:, k]
                    column = column[np.isfinite(column)]
                    if column.size >= 2 and column.max() > column.min():
                        width = criterion.scale.max - criterion.scale.min
                        low, high = float(column.min()), float(column.max())
                        share = (high - low) / width
                        spreads.append(CriterionSpread(criterion.id, low, high, share))
            spreads.sort(key=lambda c: (-c.share, c.criterion))
            two = at.size >= 2
            items.append(
                AgendaItem(
                    position=0,
                    group="rest",
                    domain=domain.id,
                    submission=entry.submission,
                    rank=entry.rank,
                    rank_interval=entry.rank_interval,
                    p_selected=entry.p_selected,
                    winner=entry.winner,
                    n_jurors=int(at.size),
                    low=float(values.min()) if two else None,
                    high=float(values.max()) if two else None,
                    sd=float(np.std(values, ddof=1)) if two else None,
                    criteria=tuple(spreads[:DISPUTED_CRITERIA]),
                    leaving=tuple(leaving.get(s, ())),
                )
            )
        scored = sorted(
            (i for i in items if i.spread is not None and i.spread > 0),
            key=lambda i: (-(i.spread or 0.0), i.submission),
        )
        widest = {i.submission for i in scored[: math.ceil(DISAGREEMENT_SHARE * len(scored))]}
        close = set(domain.too_close)
        for order, item in enumerate(items):
            if item.submission in close:
                drafts.append(("too_close", float(d), order, item))
            elif item.submission in widest:
                drafts.append(("disagreement", -(item.spread or 0.0), order, item))
            else:
                drafts.append(("rest", float(d), order, item))
    # Too close: domain by domain, in rank order; disagreement: widest spread first, across
    # domains; the rest: domain by domain, in rank order.
    drafts.sort(key=lambda x: (GROUPS.index(x[0]), x[1], x[2], x[3].submission))
    placed = tuple(
        _placed(item, group, position)
        for position, (group, _, _, item) in enumerate(drafts, start=1)
    )
    return Agenda(published, placed)


def _placed(item: AgendaItem, group: Group, position: int) -> AgendaItem:
    return replace(item, group=group, position=position)


GROUP_TITLES = {
    "too_close": "too close to call at the funding line",
    "disagreement": "largest disagreement between jurors",
    "rest": "the rest",
}


def agenda_text(agenda: Agenda, limit: int | None = 12) -> str:
    """The short printed table of the agenda: the first ``limit`` items (all when None)."""
    lines = [
        f"{'#':>3}  {'submission':<10} {'rank':>4} {'interval':>8} {'p(win)':>6} "
        f"{'spread':>11}  disputed criteria / leave the room"
    ]
    group = None
    shown = agenda.items if limit is None else agenda.items[:limit]
    for item in shown:
        if item.group != group:
            group = item.group
            lines.append(f"  — {GROUP_TITLES[group]}")
        bounds = item.rank_interval
        interval = "—" if bounds is None else f"{bounds[0]}–{bounds[1]}"
        p = "—" if item.p_selected is None else f"{item.p_selected:.0%}"
        spread = "—" if item.low is None else f"{item.low:.1f}–{item.high:.1f}"
        criteria = ", ".join(f"{c.criterion} {c.low:g}–{c.high:g}" for c in item.criteria) or "—"
        leaving = ", ".join(f"{x.juror} ({x.category})" for x in item.leaving)
        lines.append(
            f"{item.position:>3}{'*' if item.winner else ' '} {item.submission:<10} "
            f"{'—' if item.rank is None else item.rank:>4} {interval:>8} {p:>6} {spread:>11}  "
            f"{criteria}" + (f"; leave: {leaving}" if leaving else "")
        )
    if limit is not None and len(agenda.items) > limit:
        lines.append(f"  … and {len(agenda.items) - limit} more (all of them in the PDF)")
    counts = {g: len(agenda.group(g)) for g in GROUPS}
    lines.append(
        f"{len(agenda.items)} items: {counts['too_close']} too close to call, "
        f"{counts['disagreement']} with the largest disagreement, {counts['rest']} others "
        "(* a winner in these results)"
    )
    return "\n".join(lines)
