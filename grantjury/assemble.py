"""Assemble every figure of a run into the typed results (``grantjury.results``).

Pure assembly from the pipeline's intermediates; nothing here changes a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from . import __version__
from .aggregate import Totals, juror_graph_components
from .calibrate import MIN_SCORES, Calibration, dominant_jurors
from .errors import Problem
from .figures import published
from .reliability import reliability_of_scores
from .results import (
    FORMAT_VERSION,
    AssociationRecord,
    BudgetRecord,
    CompetitionRecord,
    ConflictRecord,
    DisconnectedJurors,
    DomainNote,
    DomainResults,
    Entry,
    FewJurors,
    InputRecord,
    JurorCalibration,
    JurorRecord,
    LeaveOneOut,
    LotteryRecord,
    NotEligible,
    Notice,
    NotRanked,
    Reliability,
    Results,
    SelectionReliability,
    ShortOfWinners,
    Stability,
    StabilityDomain,
    SubmissionRecord,
    Tie,
    TieBreakUsed,
    Unranked,
)
from .selection_reliability import INTERVAL as SELECTION_INTERVAL
from .selection_reliability import domain_selection

if TYPE_CHECKING:
    from .model import Competition, Method
    from .pipeline import DomainScoring, Scoring


@dataclass(frozen=True)
class Sensitivity:
    """Winners under every calibration method, and each juror's leave-one-out impact."""

    winners_by_method: dict[str, dict[str, list[str]]]
    leave_one_out: dict[str, dict[str, Any]] | None
    """None when there were too many jurors to check one by one."""


def calibration_warnings(scoring: Scoring) -> list[Problem]:
    """Jurors left uncalibrated and fits that did not converge: said, never silent."""
    fits = [(ds.domain_index, ds.jurors, ds.calibration) for ds in scoring.domains]
    warnings = calibration_problems(scoring.competition, scoring.method, fits)
    label = scoring.competition.spec.scores or "scores"
    for ds in scoring.domains:
        warnings += _dominant_juror_warnings(scoring, ds, label)
    return warnings


def calibration_problems(
    competition: Competition, method: Method, fits: list[tuple[int, np.ndarray, Calibration]]
) -> list[Problem]:
    """``calibration_warnings`` from each domain's index, jurors (global codes) and fit."""
    label = competition.spec.scores or "scores"
    warnings = []
    for domain_index, jurors, calibration in fits:
        domain = competition.domains[domain_index]
        if method.calibration != "raw":
            fallen = [competition.jurors[j].id for j in jurors[calibration.fallback]]
            if fallen:
                warnings.append(
                    Problem.coded(
                        label,
                        "calibration_fallback",
                        domain=domain.id,
                        jurors=fallen,
                        method=method.calibration,
                        needs=MIN_SCORES.get(method.calibration, 3),
                    )
                )
        if not calibration.converged:
            warnings.append(
                Problem.coded(label, "not_converged", domain=domain.id, method=method.calibration)
            )
    return warnings


def _dominant_juror_warnings(scoring: Scoring, ds: DomainScoring, label: str) -> list[Problem]:
    """One warning per juror who carries most of the weight of some submission (precision-
    weighted calibrations only): the submissions a single juror's word decides."""
    competition = scoring.competition
    submission = scoring.totals.totals.submission[ds.observations]
    juror = scoring.totals.totals.juror[ds.observations]
    _, local = np.unique(submission, return_inverse=True)
    flagged = dominant_jurors(ds.calibration, local)
    found = []
    for j in np.unique(juror[flagged]):
        mine = flagged & (juror == j)
        found.append(
            Problem.coded(
                label,
                "dominant_juror",
                domain=competition.domains[ds.domain_index].id,
                juror=competition.jurors[int(j)].id,
                submissions=sorted(competition.submissions[int(s)].id for s in submission[mine]),
            )
        )
    return found


def notice(problem: Problem) -> Notice:
    """A warning as the results keep it: its code and parameters, without its line."""
    return Notice(
        code=problem.code or "message",
        file=problem.file,
        field=problem.field,
        params=problem.parameters() if problem.code else {"text": problem.message},
    )


def build_results(scoring: Scoring, sensitivity: Sensitivity, warnings: list[Problem]) -> Results:
    """The results: every figure the ranking rests on, in stable order."""
    competition, method = scoring.competition, scoring.method
    outcome = scoring.outcome
    stability = scoring.stability
    sub_code = {s.id: i for i, s in enumerate(competition.submissions)}
    bayes = bool(stability) and stability.get("method") == "bayes"
    domains_out = []
    reliability = {}
    for ds in scoring.domains:
        domain = competition.domains[ds.domain_index]
        reliability[domain.id] = Reliability.model_validate(
            _domain_reliability(scoring.totals.totals, ds)
        )
        figures = stability["domains"][domain.id]["submissions"] if stability else {}
        local = {int(s): i for i, s in enumerate(ds.submissions.tolist())}
        rubric = competition.rubrics[domain.id]
        winners = outcome.winners[domain.id]
        entries = []
        ranked = [(rank, sub_id) for rank, sub_id in enumerate(ds.ranking.order, start=1)]
        ranked += [(None, sub_id) for sub_id in ds.ranking.unranked]
        for rank, sub_id in ranked:
            s = sub_code[sub_id]
            i = local.get(s)
            own = figures.get(sub_id, {})
            tie_break = ds.ranking.settled_by.get(sub_id)
            entries.append(
                Entry(
                    submission=sub_id,
                    rank=rank,
                    score=None if i is None else published(ds.score[i]),
                    raw_mean=None if i is None else published(ds.raw_mean[i]),
                    n_jurors=0 if i is None else int(ds.count[i]),
                    criteria={
                        c.id: published(scoring.criterion_means[s, k])
                        for k, c in enumerate(rubric.criteria)
                    },
                    calibrated_criteria={
                        c.id: None if i is None else published(ds.calibrated_criteria[i, k])
                        for k, c in enumerate(rubric.criteria)
                    },
                    eligible=not scoring.ineligible[s],
                    ineligible_reasons=scoring.ineligible[s],
                    winner=sub_id in winners,
                    decision=outcome.decisions.get(
                        # a file not admissible is never scored: its reasons decide it
                        sub_id,
                        NotEligible() if sub_id in competition.inadmissible else NotRanked(),
                    ),
                    funded=outcome.funded.get(sub_id),
                    tie_break=None if tie_break is None else TieBreakUsed(**tie_break),
                    p_selected=own.get("p_selected"),
                    rank_interval=own.get("rank_interval"),
                    expected_rank=own.get("expected_rank") if bayes else None,
                    rank_interval_50=own.get("rank_interval_50") if bayes else None,
                )
            )
        reserve = outcome.reserve.get(domain.id, [])
        lottery = outcome.lotteries.get(domain.id)
        budget = outcome.budgets.get(domain.id)
        domains_out.append(
            DomainResults(
                id=domain.id,
                name=domain.name,
                direction=rubric.direction,
                winners_wanted=domain.winners,
                winners=list(winners),
                reserve=list(reserve),
                ranking=entries,
                ties=[
                    _tie_record(
                        tie,
                        winners,
                        reserve,
                        {s for s in tie["submissions"] if not scoring.ineligible[sub_code[s]]},
                        rubric.tie_break or method.tie_break,
                    )
                    for tie in ds.ranking.ties
                ],
                tie_break=list(rubric.tie_break or method.tie_break),
                lottery=None if lottery is None else LotteryRecord.model_validate(lottery),
                budget=None if budget is None else BudgetRecord.model_validate(budget),
                too_close=too_close(entries, winners) if stability else [],
                warnings=_domain_notes(scoring, ds),
                selection_reliability=_selection_reliability(scoring, ds, entries, winners),
            )
        )
    spec = competition.spec
    overall = outcome.budgets.get("overall")
    return Results(
        format_version=FORMAT_VERSION,
        version=__version__,
        competition=CompetitionRecord(
            id=spec.id,
            title=spec.title,
            date=spec.date,
            place=spec.place,
            languages=list(spec.languages),
            conflict_scope=spec.conflict_scope,
            currency=spec.currency,
        ),
        options=method,
        selection=spec.selection,
        inputs=[InputRecord(path=f.path, sha256=f.sha256, size=f.size) for f in competition.inputs],
        rubrics={d.id: competition.rubrics[d.id] for d in competition.domains},
        jurors=_juror_report(scoring, sensitivity.leave_one_out),
        submissions={
            s.id: SubmissionRecord(
                domain=s.domain,
                association=AssociationRecord(id=s.association.id, name=s.association.name),
                title=s.title,
                requested_amount=s.requested_amount,
                eligible=s.eligible,
                reason=s.reason,
                summary=s.summary,
            )
            for s in competition.submissions
        },
        domains=domains_out,
        budget=None if overall is None else BudgetRecord.model_validate(overall),
        reliability=reliability,
        selection_reliability=_overall_selection(
            [d.selection_reliability for d in domains_out if d.selection_reliability]
        ),
        stability=None if stability is None else _stability_record(stability),
        winners_by_method=sensitivity.winners_by_method,
        conflicts=[
            ConflictRecord(
                juror=c.juror,
                submission=c.submission,
                category=c.category,
                source=c.source,
                note=(dict(c.note) if isinstance(c.note, tuple) else c.note) or None,
                association=c.association or None,
            )
            for c in scoring.exclusions.register
        ],
        exclusions=sorted(
            [*scoring.exclusions.records, *scoring.totals.incomplete],
            key=lambda r: (
                r.juror,
                r.submission,
                r.reason,
                getattr(r, "category", ""),
                getattr(r, "via", None) or "",
            ),
        ),
        warnings=[notice(w) for w in warnings],
        rules=competition.rule_record,
    )


CALIBRATION_PARAMETERS = {
    "raw": 0,
    "additive": 1,
    "zscore": 2,
    "percentile": 2,
    "affine": 2,
    "hetero": 3,
}
"""Parameters each calibration method fits per juror (beyond one overall constraint)."""


def _selection_reliability(
    scoring: Scoring, ds: DomainScoring, entries: list[Entry], winners: list[str]
) -> SelectionReliability | None:
    """The domain's selection reliability from its calibrated totals and its candidates (the
    eligible ranked submissions, among which the winners were chosen)."""
    totals = scoring.totals.totals
    candidates = [e for e in entries if e.rank is not None and e.eligible]
    cal = ds.calibration
    if cal.method == "hetero":
        # hetero's calibrated values encode its shrunk, precision-weighted mean; each juror's
        # own reading of the quality is (t − bias) / scale.
        _, juror_local = np.unique(totals.juror[ds.observations], return_inverse=True)
        values = (totals.total[ds.observations] - cal.bias[juror_local]) / cal.scale[juror_local]
    else:
        values = cal.calibrated
    found = domain_selection(
        totals.submission[ds.observations],
        values,
        np.array([e.n_jurors for e in candidates], dtype=np.int64),
        len(set(winners) & {e.submission for e in candidates}),
        fitted=CALIBRATION_PARAMETERS[scoring.method.calibration] * max(len(ds.jurors) - 1, 0),
    )
    if found is None:
        return None
    return SelectionReliability(
        interval=SELECTION_INTERVAL,
        icc_single=_range((found.icc.icc, found.icc.low, found.icc.high)),
        reliability=_range(found.reliability),
        jurors_per_submission=published(found.jurors_per_submission),
        candidates=found.candidates,
        selected=found.selected,
        true_positive_share=_range(found.true_positive),
        false_positive_share=_range(found.false_positive),
        false_negative_share=_range(found.false_negative),
        expected_true_winners=_range(found.expected_true_winners),
    )


def _overall_selection(domains: list[SelectionReliability]) -> SelectionReliability | None:
    """The domains combined: true winners and missed ones added up (each end of the intervals
    with each other: a conservative interval, as if the domains' errors went together)."""
    if not domains:
        return None
    selected = sum(d.selected for d in domains)
    candidates = sum(d.candidates for d in domains)
    true = [sum(d.expected_true_winners[i] for d in domains) for i in range(3)]
    missed = [
        sum(d.false_negative_share[i] * (d.candidates - d.selected) for d in domains)
        for i in range(3)
    ]
    rest = candidates - selected
    tp = [t / selected for t in true]
    return SelectionReliability(
        interval=SELECTION_INTERVAL,
        icc_single=None,
        reliability=None,
        jurors_per_submission=published(
            sum(d.jurors_per_submission * d.candidates for d in domains) / candidates
        ),
        candidates=candidates,
        selected=selected,
        true_positive_share=_range(tp),
        false_positive_share=_range([1 - tp[0], 1 - tp[2], 1 - tp[1]]),
        false_negative_share=_range([m / rest if rest else 0.0 for m in missed]),
        expected_true_winners=_range(true),
    )


def _range(values: Any) -> tuple[float, float, float]:
    estimate, low, high = (published(v) for v in values)
    return (estimate, low, high)  # type: ignore[return-value]


def _stability_record(stability: dict[str, Any]) -> Stability:
    """How the uncertainty was measured, per domain without the per-submission figures."""
    method = stability.get("method", "bootstrap")
    return Stability(
        method=method,
        replicates=stability["replicates"],
        seed=stability["seed"],
        interval=0.9,
        **stability.get("record", {}),
        domains={
            d: StabilityDomain(
                **{k: v for k, v in figures.items() if k not in ("submissions", "calibration")},
                calibration=figures.get("calibration"),
            )
            for d, figures in stability["domains"].items()
        },
    )


def _tie_record(
    tie: dict, winners: list[str], reserve: list[str], eligible: set[str], chain: tuple[str, ...]
) -> Tie:
    """The tie with ``mattered`` and ``settled_by``: the key between the two neighbours of
    the tie where the outcome changes (winner, reserve, neither), None if it never does.

    A tie matters when the key that settled it decided who wins or who is in reserve; its
    ineligible members do not count, as no key could have made them win."""
    order = tie["submissions"]
    status = {s: 0 if s in winners else 1 if s in reserve else 2 for s in order}
    members = [s for s in order if s in eligible]
    settled_by = None
    for a, b in pairwise(members):
        if status[a] != status[b]:
            # Two members apart are separated by the earliest key of the chain between them.
            between = tie["separated_by"][order.index(a) : order.index(b)]
            settled_by = min(between, key=lambda k: chain.index(k) if k in chain else len(chain))
            break
    return Tie.model_validate({**tie, "mattered": settled_by is not None, "settled_by": settled_by})


def too_close(entries: list[Entry], winners: list[str]) -> list[str]:
    """The engine's too-close-to-call rule (``Stability.too_close_rule``,
    ``rank_intervals_overlap``): the funding line is too close to call between a winner whose
    90% rank interval falls below the line and an eligible non-winner whose interval rises
    above it, when the two intervals overlap. Both are listed, in rank order."""
    chosen = set(winners)
    ranked = [e for e in entries if e.rank is not None and e.rank_interval]
    line = max((e.rank for e in ranked if e.submission in chosen), default=0)
    falling = [e for e in ranked if e.submission in chosen and e.rank_interval[1] > line]
    rising = [
        e
        for e in ranked
        if e.submission not in chosen and e.eligible and e.rank_interval[0] <= line
    ]
    flagged = set()
    for w in falling:
        for n in rising:
            if (
                w.rank_interval[0] <= n.rank_interval[1]
                and n.rank_interval[0] <= w.rank_interval[1]
            ):
                flagged.update((w.submission, n.submission))
    return [e.submission for e in entries if e.submission in flagged]


def _domain_notes(scoring: Scoring, ds: DomainScoring) -> list[DomainNote]:
    """Safeguards of one domain, said plainly: never silent."""
    competition, method = scoring.competition, scoring.method
    domain = competition.domains[ds.domain_index]
    winners = scoring.outcome.winners[domain.id]
    notes: list[DomainNote] = []
    if len(winners) < domain.winners and competition.spec.selection.mode == "per_domain":
        notes.append(
            ShortOfWinners(
                named=len(winners),
                wanted=domain.winners,
                cause="budget" if domain.budget is not None else "too_few",
            )
        )
    for sub_id in ds.ranking.unranked:
        if sub_id not in competition.inadmissible:  # never scored: its reasons say why
            notes.append(Unranked(submission=sub_id))
    local_count = dict(zip(ds.submissions.tolist(), ds.count.tolist(), strict=True))
    few = [
        competition.submissions[s].id
        for s in competition.domain_members(ds.domain_index)
        if 0 < local_count.get(s, 0) < method.min_jurors
    ]
    if few:
        notes.append(FewJurors(submissions=few, min_jurors=method.min_jurors))
    count, juror_labels = juror_graph_components(scoring.totals.totals, ds.observations)
    if count > 1:
        groups = []
        for label in range(count):
            members = [competition.jurors[j].id for j in ds.jurors[juror_labels == label]]
            if members:
                groups.append(members)
        notes.append(DisconnectedJurors(groups=groups))
    return notes


def _domain_reliability(totals: Totals, ds: DomainScoring) -> dict[str, Any]:
    """Agreement between jurors on their uncalibrated totals (items × jurors, NaN if none)."""
    obs = ds.observations
    _, j_local = np.unique(totals.juror[obs], return_inverse=True)
    _, s_local = np.unique(totals.submission[obs], return_inverse=True)
    return reliability_of_scores(
        s_local, j_local, totals.total[obs], len(ds.submissions), len(ds.jurors)
    )


def _juror_report(
    scoring: Scoring, leave_one_out: dict[str, dict[str, Any]] | None
) -> list[JurorRecord]:
    """Per juror: what they scored, their severity and spread, and whether they decided."""
    competition = scoring.competition
    totals = scoring.totals.totals
    n_jurors = len(competition.jurors)
    count = np.bincount(totals.juror, minlength=n_jurors)
    sums = np.bincount(totals.juror, weights=totals.total, minlength=n_jurors)
    squares = np.bincount(totals.juror, weights=totals.total**2, minlength=n_jurors)
    # Per domain: each juror's position among the domain's jurors and number of totals,
    # computed once (not one scan of the domain's totals per juror).
    positions = [{int(j): k for k, j in enumerate(ds.jurors.tolist())} for ds in scoring.domains]
    scored = [
        np.bincount(totals.juror[ds.observations], minlength=n_jurors) for ds in scoring.domains
    ]
    report = []
    for j, juror in enumerate(competition.jurors):
        n = int(count[j])
        mean = sums[j] / n if n else np.nan
        variance = (squares[j] - n * mean**2) / (n - 1) if n > 1 else np.nan
        per_domain = {}
        for ds, position, n_scored in zip(scoring.domains, positions, scored, strict=True):
            k = position.get(j)
            if k is None:
                continue
            cal = ds.calibration
            per_domain[competition.domains[ds.domain_index].id] = JurorCalibration(
                n_scored=int(n_scored[j]),
                bias=published(cal.bias[k]),
                bias_se=published(cal.bias_se[k]),
                scale=published(cal.scale[k]),
                scale_se=published(cal.scale_se[k]),
                fallback=bool(cal.fallback[k]),
                noise_sd=published(cal.noise_sd[k]),
                noise_sd_se=published(cal.noise_sd_se[k]),
                weight=published(cal.weight[k]),
                weight_se=published(cal.weight_se[k]),
            )
        own = None if leave_one_out is None else leave_one_out.get(juror.id)
        report.append(
            JurorRecord(
                id=juror.id,
                name=juror.name,
                affiliations=list(juror.affiliations),
                domains=list(juror.domains),
                n_scored=n,
                mean=published(mean),
                sd=published(np.sqrt(max(variance, 0.0))) if n > 1 else None,
                calibration=per_domain,
                leave_one_out=None if own is None else LeaveOneOut.model_validate(own),
            )
        )
    return report
