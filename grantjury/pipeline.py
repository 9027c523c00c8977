"""The scoring pipeline, end to end: load → validate → exclude conflicts → totals →
calibrate → aggregate → rank and select. ``run`` is the one entry point the CLI calls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .aggregate import aggregate_scores, criterion_means, juror_totals
from .calibrate import calibrate
from .conflicts import exclude_conflicts
from .errors import Problem, ProblemLog
from .load import load_raw
from .model import Competition, Method
from .rank import Candidate, rank_domain
from .validate import validate


def load_competition(path: Path, require_scores: bool = True) -> Competition:
    """Load and validate a competition, raising ``InvalidInput`` with every problem found."""
    log = ProblemLog()
    raw = load_raw(path, log)
    competition = validate(raw, log, require_scores=require_scores)
    log.raise_if_any()
    assert competition is not None  # no errors were logged
    return competition


@dataclass(frozen=True)
class RunResult:
    competition: Competition
    method: Method
    results: dict[str, Any]
    warnings: tuple[Problem, ...]


def effective_method(competition: Competition, overrides: dict[str, Any]) -> Method:
    """The competition's method with command-line overrides applied (None = not given)."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return Method.model_validate({**competition.spec.method.model_dump(), **given})


def score(competition: Competition, method: Method) -> RunResult:
    """Run every scoring stage on a validated competition and build the results."""
    exclusions = exclude_conflicts(competition)
    totals_result = juror_totals(competition, exclusions.excluded)
    totals = totals_result.totals
    n_subs = len(competition.submissions)
    sub_domain = np.array(
        [competition.domain_index()[s.domain] for s in competition.submissions], dtype=np.int64
    )
    obs_domain = sub_domain[totals.submission] if totals.submission.size else totals.submission

    score_by_sub = np.full(n_subs, np.nan)
    raw_by_sub = np.full(n_subs, np.nan)
    count_by_sub = np.zeros(n_subs, dtype=np.int64)
    crit_means = criterion_means(totals, n_subs)
    juror_stats: dict[str, dict[str, Any]] = {
        j.id: {"bias": {}, "scale": {}, "fallback": []} for j in competition.jurors
    }
    warnings: list[Problem] = [*competition.warnings, *exclusions.warnings, *totals_result.warnings]
    domains_out = []
    for d, domain in enumerate(competition.domains):
        obs = np.flatnonzero(obs_domain == d)
        jurors_here, juror_local = np.unique(totals.juror[obs], return_inverse=True)
        subs_here, sub_local = np.unique(totals.submission[obs], return_inverse=True)
        cal = calibrate(
            method.calibration,
            juror_local,
            sub_local,
            totals.total[obs],
            len(jurors_here),
            len(subs_here),
        )
        for local, j in enumerate(jurors_here.tolist()):
            stats = juror_stats[competition.jurors[j].id]
            stats["bias"][domain.id] = _round(cal.bias[local])
            stats["scale"][domain.id] = _round(cal.scale[local])
            if cal.fallback[local]:
                stats["fallback"].append(domain.id)
                if method.calibration != "raw":
                    warnings.append(
                        Problem(
                            file="scores",
                            message=f"juror {competition.jurors[j].id} gave too few "
                            f"or identical totals in domain {domain.id} to be calibrated "
                            f"({method.calibration}); their totals are used as given",
                        )
                    )
        agg, count = aggregate_scores(sub_local, cal.calibrated, len(subs_here), method.aggregate)
        raw_mean, _ = aggregate_scores(sub_local, totals.total[obs], len(subs_here), "mean")
        score_by_sub[subs_here] = agg
        raw_by_sub[subs_here] = raw_mean
        count_by_sub[subs_here] = count

        members = np.flatnonzero(sub_domain == d)
        candidates = [
            Candidate(
                competition.submissions[s].id,
                float(score_by_sub[s]),
                float(raw_by_sub[s]),
                int(count_by_sub[s]),
            )
            for s in members
        ]
        ranking = rank_domain(domain.id, candidates, domain.winners, method.tie_break, method.seed)
        domain_warnings = []
        if len(ranking.winners) < domain.winners:
            domain_warnings.append(
                f"only {len(ranking.winners)} of {domain.winners} winners "
                "can be named: too few ranked submissions"
            )
        for sub_id in ranking.unranked:
            domain_warnings.append(
                f"{sub_id} has no score from a juror without conflict: not ranked"
            )
        few = [
            competition.submissions[s].id
            for s in members
            if 0 < count_by_sub[s] < method.min_jurors
        ]
        for sub_id in few:
            domain_warnings.append(
                f"{sub_id} was scored by fewer than {method.min_jurors} jurors without conflict"
            )
        rubric = competition.rubrics[domain.id]
        index_of = {competition.submissions[s].id: s for s in members}
        entries = []
        for rank, sub_id in enumerate(ranking.order, start=1):
            s = index_of[sub_id]
            entries.append(
                {
                    "submission": sub_id,
                    "rank": rank,
                    "score": _round(score_by_sub[s]),
                    "raw_mean": _round(raw_by_sub[s]),
                    "n_jurors": int(count_by_sub[s]),
                    "winner": sub_id in ranking.winners,
                    "criteria": {
                        c.id: _round(crit_means[s, i]) for i, c in enumerate(rubric.criteria)
                    },
                    "tie_break": ranking.settled_by.get(sub_id),
                }
            )
        for sub_id in ranking.unranked:
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
                "winners": list(ranking.winners),
                "ranking": entries,
                "ties": list(ranking.ties),
                "warnings": domain_warnings,
            }
        )

    n_scored = np.bincount(totals.juror, minlength=len(competition.jurors))
    jurors_out = []
    for j, juror in enumerate(competition.jurors):
        jurors_out.append(
            {
                "id": juror.id,
                "name": juror.name,
                "affiliations": list(juror.affiliations),
                "domains": list(juror.domains),
                "n_scored": int(n_scored[j]),
                **juror_stats[juror.id],
            }
        )
    spec = competition.spec
    results = {
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
        "jurors": jurors_out,
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
        "conflicts": [
            {
                "juror": c.juror,
                "submission": c.submission,
                "category": c.category,
                "source": c.source,
                "note": c.note,
            }
            for c in exclusions.register
        ],
        "exclusions": sorted(
            [*exclusions.records, *totals_result.incomplete],
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
    return RunResult(competition, method, results, tuple(warnings))


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
