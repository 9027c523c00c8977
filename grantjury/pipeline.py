"""The scoring pipeline, end to end: load → validate → exclude conflicts → totals →
calibrate → aggregate → rank and select. ``run`` is the one entry point the CLI calls;
``explain`` and ``verify`` reuse the same functions, never a copy of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from . import __version__
from .aggregate import Totals, TotalsResult, aggregate_scores, criterion_means, juror_totals
from .calibrate import METHODS, MIN_SCORES, Calibration, calibrate
from .conflicts import Exclusions, exclude_conflicts
from .errors import Problem, ProblemLog
from .load import load_raw
from .model import Competition, Method
from .rank import Candidate, DomainRanking, rank_domain
from .reliability import reliability_summary
from .validate import validate

LEAVE_ONE_OUT_MAX_JURORS = 200
"""Above this many jurors the leave-one-juror-out check is skipped (it re-runs each domain)."""


def load_competition(path: Path, require_scores: bool = True) -> Competition:
    """Load and validate a competition, raising ``InvalidInput`` with every problem found."""
    log = ProblemLog()
    raw = load_raw(path, log)
    competition = validate(raw, log, require_scores=require_scores)
    log.raise_if_any()
    assert competition is not None  # no errors were logged
    return competition


def effective_method(competition: Competition, overrides: dict[str, Any]) -> Method:
    """The competition's method with command-line overrides applied (None = not given)."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return Method.model_validate({**competition.spec.method.model_dump(), **given})


@dataclass(frozen=True)
class DomainScoring:
    """One domain's calibration, aggregate scores and ranking.

    ``jurors`` and ``submissions`` map the local codes used by ``calibration`` (and the
    per-submission arrays) to global codes; ``observations`` index ``Totals``.
    """

    domain_index: int
    observations: np.ndarray
    jurors: np.ndarray
    submissions: np.ndarray
    calibration: Calibration
    score: np.ndarray
    raw_mean: np.ndarray
    count: np.ndarray
    ranking: DomainRanking


def score_domain(
    competition: Competition,
    totals: Totals,
    domain_index: int,
    method: Method,
    observations: np.ndarray,
) -> DomainScoring:
    """Calibrate, aggregate and rank one domain from the given observations of ``totals``."""
    domain = competition.domains[domain_index]
    jurors, juror_local = np.unique(totals.juror[observations], return_inverse=True)
    subs, sub_local = np.unique(totals.submission[observations], return_inverse=True)
    values = totals.total[observations]
    cal = calibrate(method.calibration, juror_local, sub_local, values, len(jurors), len(subs))
    score, count = aggregate_scores(sub_local, cal.calibrated, len(subs), method.aggregate)
    raw_mean, _ = aggregate_scores(sub_local, values, len(subs), "mean")
    score_of = dict(zip(subs.tolist(), score.tolist(), strict=True))
    raw_of = dict(zip(subs.tolist(), raw_mean.tolist(), strict=True))
    count_of = dict(zip(subs.tolist(), count.tolist(), strict=True))
    candidates = [
        Candidate(
            competition.submissions[s].id,
            score_of.get(s, np.nan),
            raw_of.get(s, np.nan),
            count_of.get(s, 0),
        )
        for s in domain_members(competition, domain_index)
    ]
    ranking = rank_domain(domain.id, candidates, domain.winners, method.tie_break, method.seed)
    return DomainScoring(
        domain_index, observations, jurors, subs, cal, score, raw_mean, count, ranking
    )


def domain_members(competition: Competition, domain_index: int) -> list[int]:
    """Global codes of the domain's submissions."""
    domain_id = competition.domains[domain_index].id
    return [i for i, s in enumerate(competition.submissions) if s.domain == domain_id]


def observation_domains(competition: Competition, totals: Totals) -> np.ndarray:
    """Domain index of each observation in ``totals``."""
    index = competition.domain_index()
    sub_domain = np.array([index[s.domain] for s in competition.submissions], dtype=np.int64)
    return sub_domain[totals.submission] if totals.submission.size else totals.submission


@dataclass(frozen=True)
class Scoring:
    """Every intermediate of a run, kept so that results can be explained step by step."""

    competition: Competition
    method: Method
    exclusions: Exclusions
    totals: TotalsResult
    domains: tuple[DomainScoring, ...]


def score_all(competition: Competition, method: Method) -> Scoring:
    """Run every scoring stage on a validated competition."""
    exclusions = exclude_conflicts(competition)
    totals_result = juror_totals(competition, exclusions.excluded)
    totals = totals_result.totals
    obs_domain = observation_domains(competition, totals)
    domains = tuple(
        score_domain(competition, totals, d, method, np.flatnonzero(obs_domain == d))
        for d in range(len(competition.domains))
    )
    return Scoring(competition, method, exclusions, totals_result, domains)


@dataclass(frozen=True)
class RunResult:
    competition: Competition
    method: Method
    scoring: Scoring
    results: dict[str, Any]
    warnings: tuple[Problem, ...]


def score(competition: Competition, method: Method) -> RunResult:
    """Score a competition and build its results (see docs/results.md)."""
    scoring = score_all(competition, method)
    warnings = [
        *competition.warnings,
        *scoring.exclusions.warnings,
        *scoring.totals.warnings,
        *_calibration_warnings(scoring),
    ]
    results = build_results(scoring, warnings)
    return RunResult(competition, method, scoring, results, tuple(warnings))


def _calibration_warnings(scoring: Scoring) -> list[Problem]:
    competition, method = scoring.competition, scoring.method
    label = competition.spec.scores or "scores"
    warnings = []
    for ds in scoring.domains:
        domain = competition.domains[ds.domain_index]
        if method.calibration != "raw":
            fallen = [competition.jurors[j].id for j in ds.jurors[ds.calibration.fallback]]
            if fallen:
                warnings.append(
                    Problem(
                        file=label,
                        message=f"domain {domain.id}: {', '.join(fallen)} gave too few or "
                        f"identical totals to be calibrated ({method.calibration} needs "
                        f"{MIN_SCORES.get(method.calibration, 3)}); their totals are used as "
                        "given",
                    )
                )
        if not ds.calibration.converged:
            warnings.append(
                Problem(
                    file=label,
                    message=f"domain {domain.id}: the {method.calibration} fit stopped at its "
                    "iteration limit before converging",
                )
            )
    return warnings


def juror_graph_components(totals: Totals, observations: np.ndarray) -> tuple[int, np.ndarray]:
    """Connected components of a domain's juror–submission graph.

    Returns the number of components and the component label of each juror (in the order
    of their codes): calibration can only compare jurors linked through shared submissions.
    """
    jurors, j_local = np.unique(totals.juror[observations], return_inverse=True)
    subs, s_local = np.unique(totals.submission[observations], return_inverse=True)
    n = len(jurors) + len(subs)
    if n == 0:
        return 0, np.array([], np.int64)
    graph = coo_matrix((np.ones(len(observations)), (j_local, len(jurors) + s_local)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    return count, labels[: len(jurors)]


def build_results(scoring: Scoring, warnings: list[Problem]) -> dict[str, Any]:
    """The results document: every figure the ranking rests on, in stable order."""
    competition, method = scoring.competition, scoring.method
    totals = scoring.totals.totals
    n_subs = len(competition.submissions)
    crit_means = criterion_means(totals, n_subs)
    sub_code = {s.id: i for i, s in enumerate(competition.submissions)}
    domains_out = []
    reliability = {}
    safeguards: dict[str, list[str]] = {}
    for ds in scoring.domains:
        domain = competition.domains[ds.domain_index]
        notes = _domain_notes(scoring, ds)
        safeguards[domain.id] = notes
        reliability[domain.id] = _domain_reliability(totals, ds)
        local = {int(s): i for i, s in enumerate(ds.submissions.tolist())}
        rubric = competition.rubrics[domain.id]
        entries = []
        for rank, sub_id in enumerate(ds.ranking.order, start=1):
            s = sub_code[sub_id]
            i = local[s]
            entries.append(
                {
                    "submission": sub_id,
                    "rank": rank,
                    "score": _round(ds.score[i]),
                    "raw_mean": _round(ds.raw_mean[i]),
                    "n_jurors": int(ds.count[i]),
                    "winner": sub_id in ds.ranking.winners,
                    "criteria": {
                        c.id: _round(crit_means[s, k]) for k, c in enumerate(rubric.criteria)
                    },
                    "tie_break": ds.ranking.settled_by.get(sub_id),
                }
            )
        for sub_id in ds.ranking.unranked:
            entries.append(
                {
                    "submission": sub_id,
                    "rank": None,
                    "score": None,
                    "raw_mean": None,
                    "n_jurors": 0,
                    "winner": False,
                    "criteria": {c.id: None for c in rubric.criteria},
                    "tie_break": None,
                }
            )
        domains_out.append(
            {
                "id": domain.id,
                "name": domain.name,
                "winners_wanted": domain.winners,
                "winners": list(ds.ranking.winners),
                "ranking": entries,
                "ties": list(ds.ranking.ties),
                "warnings": notes,
            }
        )
    spec = competition.spec
    return {
        "version": __version__,
        "competition": {
            "id": spec.id,
            "title": spec.title,
            "date": spec.date.isoformat(),
            "place": spec.place,
            "languages": list(spec.languages),
            "conflict_scope": spec.conflict_scope,
        },
        "options": method.model_dump(mode="json"),
        "inputs": [
            {"path": f.path, "sha256": f.sha256, "size": f.size} for f in competition.inputs
        ],
        "rubrics": {
            d.id: competition.rubrics[d.id].model_dump(mode="json") for d in competition.domains
        },
        "jurors": _juror_report(scoring),
        "submissions": {
            s.id: {
                "domain": s.domain,
                "association": s.association.model_dump(mode="json"),
                "title": s.title,
                "requested_amount": s.requested_amount,
            }
            for s in competition.submissions
        },
        "domains": domains_out,
        "reliability": reliability,
        "winners_by_method": _winners_by_method(scoring),
        "conflicts": [
            {
                "juror": c.juror,
                "submission": c.submission,
                "category": c.category,
                "source": c.source,
                "note": c.note,
            }
            for c in scoring.exclusions.register
        ],
        "exclusions": sorted(
            [*scoring.exclusions.records, *scoring.totals.incomplete],
            key=lambda r: (
                r["juror"],
                r["submission"],
                r["reason"],
                r.get("category", ""),
                r.get("via", ""),
            ),
        ),
        "warnings": [str(w) for w in warnings],
    }


def _domain_notes(scoring: Scoring, ds: DomainScoring) -> list[str]:
    """Safeguards of one domain, said plainly: never silent."""
    competition, method = scoring.competition, scoring.method
    domain = competition.domains[ds.domain_index]
    notes = []
    if len(ds.ranking.winners) < domain.winners:
        notes.append(
            f"only {len(ds.ranking.winners)} of {domain.winners} winners can be named: "
            "too few ranked submissions"
        )
    for sub_id in ds.ranking.unranked:
        notes.append(f"{sub_id} has no score from a juror without conflict: not ranked")
    local_count = dict(zip(ds.submissions.tolist(), ds.count.tolist(), strict=True))
    few = [
        competition.submissions[s].id
        for s in domain_members(competition, ds.domain_index)
        if 0 < local_count.get(s, 0) < method.min_jurors
    ]
    if few:
        notes.append(
            f"{', '.join(few)}: scored by fewer than {method.min_jurors} jurors without conflict"
        )
    count, juror_labels = juror_graph_components(scoring.totals.totals, ds.observations)
    if count > 1:
        groups = []
        for label in range(count):
            members = [competition.jurors[j].id for j in ds.jurors[juror_labels == label]]
            if members:
                groups.append("{" + ", ".join(members) + "}")
        notes.append(
            f"the jurors form {count} groups that share no submission ({' '.join(groups)}): "
            "their severities cannot be compared across groups, so calibrated scores are "
            "comparable only within each group"
        )
    return notes


def _domain_reliability(totals: Totals, ds: DomainScoring) -> dict[str, Any]:
    """Agreement between jurors on their uncalibrated totals (items × jurors, NaN if none)."""
    obs = ds.observations
    _, j_local = np.unique(totals.juror[obs], return_inverse=True)
    _, s_local = np.unique(totals.submission[obs], return_inverse=True)
    matrix = np.full((len(ds.submissions), len(ds.jurors)), np.nan)
    matrix[s_local, j_local] = totals.total[obs]
    return reliability_summary(matrix)


def _juror_report(scoring: Scoring) -> list[dict[str, Any]]:
    """Per juror: what they scored, their severity and spread, and whether they decided."""
    competition = scoring.competition
    totals = scoring.totals.totals
    n_jurors = len(competition.jurors)
    count = np.bincount(totals.juror, minlength=n_jurors)
    sums = np.bincount(totals.juror, weights=totals.total, minlength=n_jurors)
    squares = np.bincount(totals.juror, weights=totals.total**2, minlength=n_jurors)
    impact = _leave_one_out(scoring)
    report = []
    for j, juror in enumerate(competition.jurors):
        n = int(count[j])
        mean = sums[j] / n if n else np.nan
        variance = (squares[j] - n * mean**2) / (n - 1) if n > 1 else np.nan
        per_domain = {}
        for ds in scoring.domains:
            hits = np.flatnonzero(ds.jurors == j)
            if hits.size == 0:
                continue
            k = int(hits[0])
            cal = ds.calibration
            per_domain[competition.domains[ds.domain_index].id] = {
                "n_scored": int(np.sum(totals.juror[ds.observations] == j)),
                "bias": _round(cal.bias[k]),
                "bias_se": _round(cal.bias_se[k]),
                "scale": _round(cal.scale[k]),
                "scale_se": _round(cal.scale_se[k]),
                "fallback": bool(cal.fallback[k]),
            }
        report.append(
            {
                "id": juror.id,
                "name": juror.name,
                "affiliations": list(juror.affiliations),
                "domains": list(juror.domains),
                "n_scored": n,
                "mean": _round(mean),
                "sd": _round(np.sqrt(max(variance, 0.0))) if n > 1 else None,
                "calibration": per_domain,
                "leave_one_out": impact.get(juror.id),
            }
        )
    return report


def _leave_one_out(scoring: Scoring) -> dict[str, Any]:
    """For each juror: which domains' winners would change without their scores."""
    competition, method = scoring.competition, scoring.method
    if len(competition.jurors) > LEAVE_ONE_OUT_MAX_JURORS:
        return {}
    totals = scoring.totals.totals
    impact: dict[str, Any] = {}
    for j, juror in enumerate(competition.jurors):
        changes = []
        for ds in scoring.domains:
            keep = ds.observations[totals.juror[ds.observations] != j]
            if keep.size == ds.observations.size:
                continue
            again = score_domain(competition, totals, ds.domain_index, method, keep)
            if set(again.ranking.winners) != set(ds.ranking.winners):
                changes.append(
                    {
                        "domain": competition.domains[ds.domain_index].id,
                        "winners_without": list(again.ranking.winners),
                        "lost": sorted(set(ds.ranking.winners) - set(again.ranking.winners)),
                        "gained": sorted(set(again.ranking.winners) - set(ds.ranking.winners)),
                    }
                )
        impact[juror.id] = {"changes_winners": bool(changes), "changes": changes}
    return impact


def _winners_by_method(scoring: Scoring) -> dict[str, dict[str, list[str]]]:
    """Each domain's winners under every calibration method, side by side."""
    competition = scoring.competition
    totals = scoring.totals.totals
    out: dict[str, dict[str, list[str]]] = {d.id: {} for d in competition.domains}
    for name in METHODS:
        method = scoring.method.model_copy(update={"calibration": name})
        for ds in scoring.domains:
            again = (
                ds
                if name == scoring.method.calibration
                else score_domain(competition, totals, ds.domain_index, method, ds.observations)
            )
            out[competition.domains[ds.domain_index].id][name] = list(again.ranking.winners)
    return out


def _round(value: float) -> float | None:
    value = float(value)
    if not np.isfinite(value):
        return None
    rounded = round(value, 6)
    return 0.0 if rounded == 0 else rounded


def inspect(path: Path) -> tuple[Competition, tuple[Problem, ...]]:
    """Validate a competition (scores optional) and gather every warning a run would give."""
    competition = load_competition(path, require_scores=False)
    if not len(competition.scores):
        return competition, competition.warnings
    return competition, score(competition, competition.spec.method).warnings


def run(path: Path, overrides: dict[str, Any] | None = None) -> RunResult:
    """Load, validate and score the competition at ``path``."""
    competition = load_competition(path)
    method = effective_method(competition, overrides or {})
    return score(competition, method)
