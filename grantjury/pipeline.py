"""The scoring pipeline, end to end: load → validate → exclude conflicts → totals →
calibrate → aggregate → rank → stability → select. ``run`` is the one entry point the CLI
calls; ``explain`` and ``verify`` reuse the same functions, never a copy of them."""

from __future__ import annotations

import dataclasses
import gc
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import bayes, rules
from .aggregate import Totals, TotalsResult, aggregate_scores, criterion_means, juror_totals
from .assemble import Sensitivity, build_results, calibration_problems, calibration_warnings
from .calibrate import METHODS, Calibration, calibrate
from .conflicts import Exclusions, exclude_conflicts
from .eligibility import ineligibility_reasons
from .errors import Problem, ProblemLog
from .loading import RawCompetition, load_raw
from .lock import check_lock, lock_record
from .model import Competition, Method
from .ranking import (
    Candidate,
    DomainRanking,
    derived_rng,
    published_array,
    rank_merits,
    tie_break_keys,
)
from .results import Results
from .revisions import check_revisions, deliberation, revised
from .select import Entry, Outcome, select, selected_mask, top_winners
from .stability import (
    GRAPH_METHODS,
    DomainInput,
    bootstrap_figures,
    replicate_blocks,
    streamed_figures,
)
from .stages import final_method, final_round, stages_record, written_round
from .validate import validate

Progress = Callable[..., None]
"""Called with a number of steps done (and, once, the total as a second argument)."""


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a large competition is read and scored.

    Loading builds hundreds of thousands of objects without cycles (models, dicts, strings);
    the collector walks them again and again as they accumulate, a third of the loading time
    of a million score rows. Reference counting still frees everything meanwhile, and the
    collector runs again afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_competition(
    path: Path, require_scores: bool = True, check_first_round: bool = True
) -> Competition:
    """Load and validate a competition, raising ``InvalidInput`` with every problem found.

    ``check_first_round``: check the scores against the first-round lock, if there is one
    (``grantjury lock --force`` replaces a lock without checking against it)."""
    log = ProblemLog()
    with cycle_collector_paused():
        raw = load_raw(path, log)
        packs = rules.load(raw, log)  # before validate: the packs' files are inputs too
        competition = validate(raw, log, require_scores=require_scores)
        if competition is not None:
            competition = meeting(raw, competition, log, check_first_round)
    log.raise_if_any()
    assert competition is not None  # no errors were logged
    return rules.apply(competition, packs)


def meeting(
    raw: RawCompetition, competition: Competition, log: ProblemLog, check_first_round: bool
) -> Competition:
    """The jury meeting's inputs: the first round checked against its lock, the consensus
    round's revisions checked against the first round (``lock.py``, ``revisions.py``)."""
    if check_first_round:
        competition = check_lock(competition, log)
    revisions = check_revisions(raw.revisions, competition, log)
    if revisions:
        competition = dataclasses.replace(competition, revisions=revisions)
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
    calibrated_criteria: np.ndarray
    """(local submissions × criteria): mean of (score − bias) / scale over the jurors."""
    ranking: DomainRanking


@dataclass(frozen=True)
class Scoring:
    """Every intermediate of a run, kept so that results can be explained step by step."""

    competition: Competition
    method: Method
    exclusions: Exclusions
    totals: TotalsResult
    criterion_means: np.ndarray
    """(submissions × criteria): unweighted, uncalibrated criterion means (NaN where none)."""
    ineligible: list[list[str]]
    domains: tuple[DomainScoring, ...]
    stability: dict[str, Any] | None
    outcome: Outcome


def observation_domains(competition: Competition, totals: Totals) -> np.ndarray:
    """Domain index of each observation in ``totals``."""
    index = competition.domain_index()
    sub_domain = np.array([index[s.domain] for s in competition.submissions], dtype=np.int64)
    return sub_domain[totals.submission] if totals.submission.size else totals.submission


def score_domain(
    competition: Competition,
    totals: Totals,
    domain_index: int,
    method: Method,
    observations: np.ndarray,
    calibration: Calibration | None = None,
) -> DomainScoring:
    """Calibrate, aggregate and rank one domain from the given observations of ``totals``
    (with ``calibration``, these observations' calibration as already fitted)."""
    domain = competition.domains[domain_index]
    rubric = competition.rubrics[domain.id]
    jurors, juror_local = np.unique(totals.juror[observations], return_inverse=True)
    subs, sub_local = np.unique(totals.submission[observations], return_inverse=True)
    values = totals.total[observations]
    cal = calibration or calibrate(
        method.calibration, juror_local, sub_local, values, len(jurors), len(subs)
    )
    score, count = aggregate_scores(sub_local, cal.calibrated, len(subs), method.aggregate)
    raw_mean, _ = aggregate_scores(sub_local, values, len(subs), "mean")
    n_criteria = len(rubric.criteria)
    criteria = totals.criteria[observations, :n_criteria]
    adjusted = (criteria - cal.bias[juror_local, None]) / cal.scale[juror_local, None]
    calibrated_criteria = (
        np.column_stack(
            [
                aggregate_scores(sub_local, adjusted[:, k], len(subs), "mean")[0]
                for k in range(n_criteria)
            ]
        )
        if len(subs)
        else np.zeros((0, n_criteria))
    )
    # The rubric's own chain (Horizon Europe's innovation actions) before the competition's.
    chain = rubric.tie_break or method.tie_break
    members = np.array(competition.domain_members(domain_index), dtype=np.int64)
    # Position of each member among the scored submissions (subs is sorted), -1 if unscored.
    local = np.full(members.size, -1, dtype=np.int64)
    if len(subs):
        at = np.minimum(np.searchsorted(subs, members), len(subs) - 1)
        found = subs[at] == members
        local[found] = at[found]
    merit = np.full(members.size, np.nan)
    merit[local >= 0] = rubric.sign * score[local[local >= 0]]

    def candidate(k: int) -> Candidate:
        s, i = int(members[k]), int(local[k])
        submission = competition.submissions[s]
        if i < 0:
            keys = tie_break_keys(submission, rubric, chain, np.nan, 0, np.full(n_criteria, np.nan))
            return Candidate(submission.id, np.nan, keys)
        keys = tie_break_keys(
            submission, rubric, chain, raw_mean[i], int(count[i]), calibrated_criteria[i]
        )
        return Candidate(submission.id, rubric.sign * score[i], keys)

    ids = [competition.submissions[s].id for s in members.tolist()]  # sorted: codes follow ids
    ranking = rank_merits(domain.id, ids, merit, candidate, chain, method.seed)
    return DomainScoring(
        domain_index,
        observations,
        jurors,
        subs,
        cal,
        score,
        raw_mean,
        count,
        calibrated_criteria,
        ranking,
    )


def entries_for(
    competition: Competition, ds: DomainScoring, ineligible: list[list[str]]
) -> list[Entry]:
    """The domain's ranked submissions as selection sees them."""
    code = {s.id: i for i, s in enumerate(competition.submissions)}
    local = {int(s): i for i, s in enumerate(ds.submissions.tolist())}
    sign = competition.rubrics[competition.domains[ds.domain_index].id].sign
    entries = []
    for sub_id in ds.ranking.order:
        s = code[sub_id]
        submission = competition.submissions[s]
        entries.append(
            Entry(
                sub_id,
                submission.domain,
                sign * float(ds.score[local[s]]),
                not ineligible[s],
                submission.requested_amount,
            )
        )
    return entries


def select_winners(
    competition: Competition,
    method: Method,
    domains: tuple[DomainScoring, ...],
    ineligible: list[list[str]],
    bands: dict[str, list[str]] | None = None,
) -> Outcome:
    """Apply the competition's selection rules to the domains' rankings."""
    rankings = {
        competition.domains[ds.domain_index].id: entries_for(competition, ds, ineligible)
        for ds in domains
    }
    return select(rankings, competition.domains, competition.spec.selection, method.seed, bands)


def score_all(
    competition: Competition, method: Method, progress: Progress | None = None
) -> Scoring:
    """Run every scoring stage on a validated competition."""
    exclusions = exclude_conflicts(competition)
    totals_result = juror_totals(competition, exclusions.excluded)
    totals = totals_result.totals
    means = criterion_means(totals, len(competition.submissions))
    jurors_per_submission = np.bincount(totals.submission, minlength=len(competition.submissions))
    ineligible = ineligibility_reasons(competition, means, jurors_per_submission, method)
    obs_domain = observation_domains(competition, totals)
    domains = tuple(
        score_domain(competition, totals, d, method, np.flatnonzero(obs_domain == d))
        for d in range(len(competition.domains))
    )
    if not totals.total.size:
        stability = None
    elif method.uncertainty == "bayes":
        stability = (
            posterior(competition, method, totals, domains, ineligible, progress)
            if method.draws > 0
            else None
        )
    else:
        stability = (
            bootstrap(competition, method, totals, domains, ineligible, progress)
            if method.replicates > 0
            else None
        )
    bands = stability["bands"] if stability else None
    outcome = select_winners(competition, method, domains, ineligible, bands)
    return Scoring(
        competition,
        method,
        exclusions,
        totals_result,
        means,
        ineligible,
        domains,
        stability,
        outcome,
    )


def bootstrap(
    competition: Competition,
    method: Method,
    totals: Totals,
    domains: tuple[DomainScoring, ...],
    ineligible: list[list[str]],
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Resample each domain's jury and re-run the selection (see ``stability.py``).

    Under the plain rule (places per domain, no budget) each domain is reduced block by
    block of replicates, in its own thread (numpy's sorts and sparse products release the
    GIL), never holding its replicates × submissions matrix; other rules re-run the whole
    selection in every replicate.
    """
    selection = competition.spec.selection
    plain = selection.model_copy(update={"lottery": None})
    replicates = method.replicates
    if progress:
        progress(0, replicates * len(domains))
        progress = _locked(progress)
    simple = plain.mode == "per_domain" and all(d.budget is None for d in competition.domains)
    members = {
        competition.domains[ds.domain_index].id: competition.domain_members(ds.domain_index)
        for ds in domains
    }
    eligible = {
        d: np.array([not ineligible[s] for s in subs], dtype=bool) for d, subs in members.items()
    }
    refitted: dict[str, bool] = {}

    def blocks(ds: DomainScoring) -> Iterator[np.ndarray]:
        domain = competition.domains[ds.domain_index]
        subs = members[domain.id]
        if not ds.submissions.size:
            yield np.full((replicates, len(subs)), np.nan)
            return
        obs = ds.observations
        _, juror_local = np.unique(totals.juror[obs], return_inverse=True)
        _, sub_local = np.unique(totals.submission[obs], return_inverse=True)
        data = DomainInput(
            domain.id,
            juror_local,
            sub_local,
            totals.total[obs],
            ds.calibration.calibrated,
            len(ds.jurors),
            len(ds.submissions),
            competition.rubrics[domain.id].sign,
        )
        refitted[domain.id] = method.refit and method.calibration in GRAPH_METHODS
        position = {s: i for i, s in enumerate(subs)}
        columns = np.array([position[int(s)] for s in ds.submissions], dtype=np.int64)
        for block in replicate_blocks(
            data,
            method.calibration,
            method.aggregate,
            replicates,
            method.seed,
            progress,
            refit=method.refit,
        ):
            merit = np.full((block.shape[0], len(subs)), np.nan)
            merit[:, columns] = block
            yield merit

    def ids(domain_id: str) -> list[str]:
        return [competition.submissions[s].id for s in members[domain_id]]

    figures: dict[str, tuple[dict[str, dict], list[str]]] = {}
    if simple:

        def one(ds: DomainScoring) -> tuple[dict[str, dict], list[str]]:
            domain = competition.domains[ds.domain_index]
            return streamed_figures(
                ids(domain.id), blocks(ds), eligible[domain.id], replicates, domain.winners
            )

        with ThreadPoolExecutor(max_workers=max(1, min(len(domains), os.cpu_count() or 1))) as pool:
            for ds, result in zip(domains, pool.map(one, domains), strict=True):
                figures[competition.domains[ds.domain_index].id] = result
    else:
        merits = {
            competition.domains[ds.domain_index].id: np.vstack(list(blocks(ds))) for ds in domains
        }
        selected = _replicate_selection(
            competition, plain, merits, members, ineligible, method.seed
        )
        for ds in domains:
            domain = competition.domains[ds.domain_index]
            figures[domain.id] = bootstrap_figures(
                ids(domain.id),
                merits[domain.id],
                eligible[domain.id],
                selected[domain.id],
                domain.winners,
            )
    out: dict[str, Any] = {
        "replicates": replicates,
        "seed": method.seed,
        "domains": {},
        "bands": {},
    }
    for ds in domains:
        domain = competition.domains[ds.domain_index]
        per_sub, out["bands"][domain.id] = figures[domain.id]
        out["domains"][domain.id] = {
            "submissions": per_sub,
            "calibration": "refitted" if refitted.get(domain.id) else "reweighted",
            "seed_purpose": ["bootstrap", domain.id],
        }
    return out


def _locked(progress: Progress) -> Progress:
    """``progress`` made safe to call from the domains' threads."""
    lock = threading.Lock()

    def call(*args: Any) -> None:
        with lock:
            progress(*args)

    return call


def posterior(
    competition: Competition,
    method: Method,
    totals: Totals,
    domains: tuple[DomainScoring, ...],
    ineligible: list[list[str]],
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The SNSF's Bayesian model in the bootstrap's place (see ``bayes.py``): each domain's
    raw totals are modelled, and the selection re-run in every posterior draw."""
    plain = competition.spec.selection.model_copy(update={"lottery": None})
    if progress:
        length = method.burn_in + bayes.chain_length(method.draws)
        progress(0, length * sum(1 for ds in domains if ds.submissions.size))
    merits: dict[str, np.ndarray] = {}
    members: dict[str, list[int]] = {}
    r_hats: dict[str, float | None] = {}
    priors: dict[str, bayes.Priors] = {}
    for ds in domains:
        domain = competition.domains[ds.domain_index]
        subs = competition.domain_members(ds.domain_index)
        members[domain.id] = subs
        merits[domain.id] = np.full((method.draws, len(subs)), np.nan)
        if not ds.submissions.size:
            continue
        rubric = competition.rubrics[domain.id]
        ranges = np.array([c.scale.max - c.scale.min for c in rubric.criteria])
        priors[domain.id] = bayes.default_priors(
            float(rubric.weights @ ranges / rubric.weights.sum())
        )
        obs = ds.observations
        _, juror_local = np.unique(totals.juror[obs], return_inverse=True)
        position = {s: i for i, s in enumerate(subs)}
        merits[domain.id], r_hats[domain.id] = bayes.posterior_merit(
            juror_local,
            np.array([position[int(s)] for s in totals.submission[obs]], dtype=np.int64),
            totals.total[obs],
            len(ds.jurors),
            len(subs),
            rubric.sign,
            priors[domain.id],
            method.burn_in,
            method.draws,
            derived_rng(method.seed, "gibbs", domain.id),
            progress,
        )
    selected = _replicate_selection(competition, plain, merits, members, ineligible, method.seed)
    out: dict[str, Any] = {
        "replicates": method.draws,
        "seed": method.seed,
        "method": "bayes",
        "record": bayes.run_record(method.burn_in, method.draws),
        "domains": {},
        "bands": {},
        "warnings": [],
    }
    for ds in domains:
        domain = competition.domains[ds.domain_index]
        subs = members[domain.id]
        out["domains"][domain.id], out["bands"][domain.id] = bayes.domain_figures(
            domain.id,
            [competition.submissions[s].id for s in subs],
            merits[domain.id],
            np.array([not ineligible[s] for s in subs], dtype=bool),
            selected[domain.id],
            domain.winners,
            r_hats.get(domain.id),
            priors.get(domain.id),
        )
        problem = bayes.convergence_problem(
            domain.id, r_hats.get(domain.id), competition.spec.scores or "scores"
        )
        if problem:
            out["warnings"].append(problem)
    return out


def _replicate_selection(
    competition: Competition,
    selection: Any,
    merits: dict[str, np.ndarray],
    members: dict[str, list[int]],
    ineligible: list[list[str]],
    seed: int,
) -> dict[str, np.ndarray]:
    """Which submissions each replicate selects: vectorised for plain places per domain,
    the full selection rules otherwise."""
    eligible = {
        d: np.array([not ineligible[s] for s in subs], dtype=bool) for d, subs in members.items()
    }
    simple = selection.mode == "per_domain" and all(d.budget is None for d in competition.domains)
    if simple:
        return {
            d.id: selected_mask(merits[d.id], eligible[d.id], d.winners)
            for d in competition.domains
        }
    replicates = next(iter(merits.values())).shape[0] if merits else 0
    out = {d: np.zeros((replicates, len(subs)), dtype=bool) for d, subs in members.items()}
    position = {
        d: {competition.submissions[s].id: i for i, s in enumerate(subs)}
        for d, subs in members.items()
    }
    for r in range(replicates):
        rankings = {}
        for d, subs in members.items():
            merit = merits[d][r]
            order = [
                i
                for i in np.argsort(-np.where(np.isfinite(merit), merit, -np.inf), kind="stable")
                if np.isfinite(merit[i])
            ]
            rankings[d] = [
                Entry(
                    competition.submissions[subs[i]].id,
                    d,
                    float(merit[i]),
                    bool(eligible[d][i]),
                    competition.submissions[subs[i]].requested_amount,
                )
                for i in order
            ]
        outcome = select(rankings, competition.domains, selection, seed)
        for d, winners in outcome.winners.items():
            for sub_id in winners:
                out[d][r, position[d][sub_id]] = True
    return out


@dataclass(frozen=True)
class RunResult:
    competition: Competition
    method: Method
    scoring: Scoring
    results: Results
    warnings: tuple[Problem, ...]


def score(competition: Competition, method: Method, progress: Progress | None = None) -> RunResult:
    """Score a competition, check how much it rests on the method and on each juror, and
    build its results (see docs/results.md).

    With revisions, the first round (the locked, independent scores) is scored first by the
    same stages and seed, for its winners; the results are the final round's, with the
    record of what the meeting changed (``results.deliberation``).

    With stages, the written round is scored for its shortlist, then the final round
    (``stages.py``); the results are the final round's, with the written round's record."""
    if competition.spec.stages is not None:
        return score_stages(competition, method, progress)
    first_round = None
    if competition.spec.revisions is not None:
        first_round = score_all(competition, method).outcome.winners
        competition = revised(competition)
    scoring = score_all(competition, method, progress)
    warnings = [
        *competition.warnings,
        *scoring.exclusions.warnings,
        *scoring.totals.warnings,
        *calibration_warnings(scoring),
        *(scoring.stability or {}).get("warnings", ()),
        *sensitivity_notes(scoring),
    ]
    results = build_results(scoring, sensitivity(scoring), warnings)
    meeting_record: dict[str, Any] = {"first_round_lock": lock_record(competition)}
    if first_round is not None:
        final = {d: list(w) for d, w in scoring.outcome.winners.items()}
        meeting_record["deliberation"] = deliberation(competition, first_round, final)
    results = results.model_copy(update=meeting_record)
    return RunResult(competition, method, scoring, results, tuple(warnings))


def score_stages(
    competition: Competition, method: Method, progress: Progress | None = None
) -> RunResult:
    """Score the written round for its shortlist, then the final round on its own rubric,
    scores and jury; ``InvalidInput`` when the final round's files are wrong."""
    written = score(written_round(competition), method)
    log = ProblemLog()
    final = final_round(competition, written.results, method, log)
    log.raise_if_any()
    assert final is not None
    result = score(final, final_method(method), progress)
    inputs = {i.path: i for i in (*written.results.inputs, *result.results.inputs)}
    results = result.results.model_copy(
        update={
            "inputs": [inputs[p] for p in sorted(inputs)],
            "stages": stages_record(competition, written.results),
            "first_round_lock": written.results.first_round_lock,
            "deliberation": written.results.deliberation,
        }
    )
    warnings = (*written.warnings, *result.warnings)
    return dataclasses.replace(result, results=results, warnings=warnings)


def load_final_round(path: Path) -> Competition:
    """The final round of a staged competition as the secretary's steps need it (its scores
    may not be in yet): the written round is scored for the shortlist first."""
    competition = load_competition(path)
    if competition.spec.stages is None:
        log = ProblemLog()
        log.error(
            Path(competition.path).name,
            "this competition has no final round",
            field="stages",
            expected='a stages: key with shortlist and final (docs/format.md, "Stages")',
        )
        log.raise_if_any()
    method = competition.spec.method
    written = score(written_round(competition), method)
    log = ProblemLog()
    final = final_round(competition, written.results, method, log, require_scores=False)
    log.raise_if_any()
    assert final is not None
    return final


SENSITIVITY_MAX_TOTALS = 100_000
"""Above this many totals (about 500,000 score rows of 5 criteria), ``winners_by_method``
leaves out the methods whose fit is iterative (affine), unless the run uses one: at a million
score rows the affine fit alone takes longer than the whole ranking. The results say so."""
ITERATIVE_METHODS = ("affine", "hetero")

LEAVE_ONE_OUT_MAX_WORK = 20_000_000
"""Leave-one-juror-out under rules other than plain places (budgets, lotteries, overall
selection) re-runs the whole selection once per juror: its cost is jurors × submissions. Above
this product it is left out, and the results say so (``leave_one_out_left_out``). Under plain
places it is always run: linear in the scores (see ``leave_one_out``)."""


def plain_rule(competition: Competition) -> bool:
    """Whether winners are the first ``winners`` eligible of each domain's ranking."""
    selection = competition.spec.selection
    return (
        selection.mode == "per_domain"
        and selection.lottery is None
        and all(d.budget is None for d in competition.domains)
    )


def sensitivity_methods(scoring: Scoring) -> tuple[str, ...]:
    """The calibration methods whose winners the sensitivity check computes."""
    return _methods(scoring.method, int(scoring.totals.totals.total.size))


def _methods(method: Method, n_totals: int) -> tuple[str, ...]:
    large = n_totals > SENSITIVITY_MAX_TOTALS
    return tuple(
        name
        for name in METHODS
        if name == method.calibration or not (large and name in ITERATIVE_METHODS)
    )


def _leave_one_out_bounded(competition: Competition, method: Method) -> bool:
    """Whether leave-one-juror-out is left out (see ``LEAVE_ONE_OUT_MAX_WORK``)."""
    exact = method.refit and method.calibration in GRAPH_METHODS
    work = len(competition.jurors) * len(competition.submissions)
    return (exact or not plain_rule(competition)) and work > LEAVE_ONE_OUT_MAX_WORK


def sensitivity_notes(scoring: Scoring) -> list[Problem]:
    """Say which methods the sensitivity check left out, and why."""
    return _notes(scoring.competition, scoring.method, int(scoring.totals.totals.total.size))


def _notes(competition: Competition, method: Method, n_totals: int) -> list[Problem]:
    notes = []
    left_out = [m for m in METHODS if m not in _methods(method, n_totals)]
    if left_out:
        notes.append(
            Problem.coded(
                Path(competition.path).name,
                "sensitivity_left_out",
                field="winners_by_method",
                methods=left_out,
                totals=n_totals,
                limit=SENSITIVITY_MAX_TOTALS,
            )
        )
    if _leave_one_out_bounded(competition, method):
        notes.append(
            Problem.coded(
                Path(competition.path).name,
                "leave_one_out_left_out",
                field="leave_one_out",
                jurors=len(competition.jurors),
                submissions=len(competition.submissions),
                limit=LEAVE_ONE_OUT_MAX_WORK,
            )
        )
    return notes


def sensitivity(scoring: Scoring) -> Sensitivity:
    """Would the winners differ under another calibration method, or without one juror?"""
    competition = scoring.competition
    by_method: dict[str, dict[str, list[str]]] = {d.id: {} for d in competition.domains}
    for name in sensitivity_methods(scoring):
        if name == scoring.method.calibration:
            winners_of = scoring.outcome.winners
        else:
            method = scoring.method.model_copy(update={"calibration": name})
            winners_of = _winners_under(scoring, method)
        for domain_id, winners in winners_of.items():
            by_method[domain_id][name] = list(winners)
    bounded = _leave_one_out_bounded(scoring.competition, scoring.method)
    leave_one_out = None if bounded else _leave_one_out(scoring)
    return Sensitivity(by_method, leave_one_out)


def _members_merit(competition: Competition, ds: DomainScoring, score: np.ndarray) -> np.ndarray:
    """Published signed merit of each member of the domain (NaN where unscored), from the
    score of each scored submission (``ds.submissions``)."""
    members = np.array(competition.domain_members(ds.domain_index), dtype=np.int64)
    merit = np.full(members.size, np.nan)
    at = np.searchsorted(members, ds.submissions)
    merit[at] = competition.rubrics[competition.domains[ds.domain_index].id].sign * score
    return published_array(merit)


def _eligible_members(competition: Competition, ds: DomainScoring, ineligible: list) -> np.ndarray:
    members = competition.domain_members(ds.domain_index)
    return np.array([not ineligible[s] for s in members], dtype=bool)


def _winner_ids(competition: Competition, members: list[int], positions: list[int]) -> list[str]:
    """Ids of the submissions at these positions among a domain's ``members``."""
    return [competition.submissions[members[i]].id for i in positions]


def _winners_under(scoring: Scoring, method: Method) -> dict[str, list[str]]:
    """Each domain's winners under another method: under plain places, the first eligible
    by merit (``select.top_winners``), without building rankings; else (or on a tie that
    only the tie-break chain settles) the full ranking and selection."""
    competition, totals = scoring.competition, scoring.totals.totals
    if plain_rule(competition):
        winners: dict[str, list[str]] = {}
        for ds in scoring.domains:
            domain = competition.domains[ds.domain_index]
            obs = ds.observations
            juror_local = np.unique(totals.juror[obs], return_inverse=True)[1]
            sub_local = np.unique(totals.submission[obs], return_inverse=True)[1]
            cal = calibrate(
                method.calibration,
                juror_local,
                sub_local,
                totals.total[obs],
                len(ds.jurors),
                len(ds.submissions),
            )
            score, _ = aggregate_scores(
                sub_local, cal.calibrated, len(ds.submissions), method.aggregate
            )
            top = top_winners(
                _members_merit(competition, ds, score),
                _eligible_members(competition, ds, scoring.ineligible),
                domain.winners,
            )
            if top is None:
                break
            members = competition.domain_members(ds.domain_index)
            winners[domain.id] = _winner_ids(competition, members, top)
        else:
            return winners
    return rescore_without(scoring, method).winners


def _leave_one_out(scoring: Scoring) -> dict[str, dict[str, Any]]:
    """Would the winners change without one juror? For every juror, every domain.

    The other jurors keep their calibration as fitted on the whole jury, and the juror's
    calibrated totals are dropped from the scores of the submissions they scored (the
    bootstrap's reweighting, with the juror's weight set to 0): for the per-juror methods
    the same as calibrating again up to the domain's pooled scale, conditional on the fitted
    biases for the graph methods. ``method.refit: true`` (with a graph method) fits the
    calibration again without each juror instead: one fit per juror and domain.

    Under plain places only the submissions the juror scored get a new score, and the new
    winners are the best of these and of the first eligible of the full ranking (a tie among
    them is settled by the full ranking and its tie-break chain): linear in the scores.
    Under other rules the whole selection is run again without each juror.
    """
    competition, method = scoring.competition, scoring.method
    totals = scoring.totals.totals
    exact = method.refit and method.calibration in GRAPH_METHODS
    plain = plain_rule(competition) and not exact
    scored = set(totals.juror.tolist())
    winners_without: dict[int, dict[str, list[str]]] = {j: {} for j in scored}
    for ds in scoring.domains if plain else ():
        domain = competition.domains[ds.domain_index]
        obs = ds.observations
        juror_global = totals.juror[obs]
        sub_local = np.unique(totals.submission[obs], return_inverse=True)[1]
        calibrated = ds.calibration.calibrated
        by_sub = np.argsort(sub_local, kind="stable")
        starts = np.searchsorted(sub_local[by_sub], np.arange(len(ds.submissions) + 1))
        by_juror = np.argsort(juror_global, kind="stable")
        juror_starts = np.searchsorted(juror_global[by_juror], ds.jurors)
        juror_ends = np.searchsorted(juror_global[by_juror], ds.jurors, side="right")
        merit = _members_merit(competition, ds, ds.score)
        eligible = _eligible_members(competition, ds, scoring.ineligible)
        members = competition.domain_members(ds.domain_index)
        member_at = np.searchsorted(members, ds.submissions)
        ranked = np.flatnonzero(eligible & np.isfinite(merit))
        ranked = ranked[np.argsort(-merit[ranked], kind="stable")]
        sign = competition.rubrics[domain.id].sign
        for k, j in enumerate(ds.jurors.tolist()):
            own = by_juror[juror_starts[k] : juror_ends[k]]
            affected = np.unique(sub_local[own])
            rows = np.concatenate([by_sub[starts[s] : starts[s + 1]] for s in affected])
            rows = rows[juror_global[rows] != j]
            rows.sort()  # in the observations' order, as a full aggregate sums them
            codes = np.searchsorted(affected, sub_local[rows])
            score, _ = aggregate_scores(codes, calibrated[rows], affected.size, method.aggregate)
            # The unaffected keep their merit: the first places + 1 of them in the full
            # ranking hold every new winner that is not one of the affected.
            new_at = member_at[affected]
            head = ranked[: domain.winners + 1 + new_at.size]
            keep = head[~np.isin(head, new_at)][: domain.winners + 1]
            pool = np.concatenate([keep, new_at])
            pool_merit = np.concatenate([merit[keep], published_array(sign * score)])
            top = top_winners(pool_merit, eligible[pool], domain.winners)
            if top is not None:
                chosen = pool[top].tolist()
                winners_without[j][domain.id] = _winner_ids(competition, members, chosen)
    for j in sorted(scored):
        missing = [
            ds
            for ds in scoring.domains
            if competition.domains[ds.domain_index].id not in winners_without[j]
            and np.any(ds.jurors == j)
        ]
        if not plain or missing:
            outcome = _outcome_without(scoring, j, exact)
            for ds in missing if plain else scoring.domains:
                domain_id = competition.domains[ds.domain_index].id
                winners_without[j][domain_id] = outcome.winners[domain_id]
    order = {d.id: i for i, d in enumerate(competition.domains)}
    out = {}
    for j, juror in enumerate(competition.jurors):
        changes = []
        found = winners_without.get(j, {})
        for domain_id in sorted(found, key=order.__getitem__):
            winners, before = found[domain_id], scoring.outcome.winners[domain_id]
            if set(winners) != set(before):
                changes.append(
                    {
                        "domain": domain_id,
                        "winners_without": list(winners),
                        "lost": sorted(set(before) - set(winners)),
                        "gained": sorted(set(winners) - set(before)),
                    }
                )
        out[juror.id] = {"changes_winners": bool(changes), "changes": changes}
    return out


def _outcome_without(scoring: Scoring, juror: int, exact: bool) -> Outcome:
    """The selection without one juror's totals, every domain they scored ranked again in
    full; the calibration is fitted again when ``exact``, else kept as fitted."""
    competition, totals = scoring.competition, scoring.totals.totals
    domains = []
    for ds in scoring.domains:
        keep_mask = totals.juror[ds.observations] != juror
        if keep_mask.all():
            domains.append(ds)
            continue
        keep = ds.observations[keep_mask]
        calibration = None
        if not exact:
            cal = ds.calibration
            kept_jurors = ds.jurors != juror
            calibration = Calibration(
                cal.method,
                cal.calibrated[keep_mask],
                cal.bias[kept_jurors],
                cal.scale[kept_jurors],
                cal.fallback[kept_jurors],
            )
        domains.append(
            score_domain(competition, totals, ds.domain_index, scoring.method, keep, calibration)
        )
    bands = scoring.stability["bands"] if scoring.stability else None
    return select_winners(competition, scoring.method, tuple(domains), scoring.ineligible, bands)


def rescore_without(scoring: Scoring, method: Method, juror: int | None = None) -> Outcome:
    """Winners when one juror's scores are dropped, or under another method (same seed)."""
    competition, totals = scoring.competition, scoring.totals.totals
    domains = []
    for ds in scoring.domains:
        keep = (
            ds.observations
            if juror is None
            else ds.observations[totals.juror[ds.observations] != juror]
        )
        if keep.size == ds.observations.size and method == scoring.method:
            domains.append(ds)
        else:
            domains.append(score_domain(competition, totals, ds.domain_index, method, keep))
    bands = scoring.stability["bands"] if scoring.stability else None
    return select_winners(competition, method, tuple(domains), scoring.ineligible, bands)


def inspect(path: Path) -> tuple[Competition, tuple[Problem, ...]]:
    """Validate a competition (scores optional) and gather the warnings its data give.

    Conflicts, totals and each domain's calibration are computed (their warnings: excluded
    and incomplete score sets, jurors left uncalibrated, fits that did not converge), but
    nothing is ranked, selected or resampled: ``validate`` costs a fraction of ``rank``.
    """
    competition = load_competition(path, require_scores=False)
    if not len(competition.scores):
        return competition, competition.warnings
    method = competition.spec.method.model_copy(update={"replicates": 0, "draws": 0})
    if competition.spec.stages is not None:
        # The final round's scores may not be in yet: its files are checked as far as they go.
        written = score(written_round(competition), method)
        log = ProblemLog()
        final = final_round(competition, written.results, method, log, require_scores=False)
        log.raise_if_any()
        assert final is not None
        if len(final.scores):
            return competition, score_stages(competition, method).warnings
        return competition, (*written.warnings, *final.warnings)
    with cycle_collector_paused():
        exclusions = exclude_conflicts(competition)
        totals_result = juror_totals(competition, exclusions.excluded)
        totals = totals_result.totals
        obs_domain = observation_domains(competition, totals)
        fits = []
        for d in range(len(competition.domains)):
            obs = np.flatnonzero(obs_domain == d)
            if not obs.size:
                continue
            jurors, juror_local = np.unique(totals.juror[obs], return_inverse=True)
            subs, sub_local = np.unique(totals.submission[obs], return_inverse=True)
            cal = calibrate(
                method.calibration,
                juror_local,
                sub_local,
                totals.total[obs],
                len(jurors),
                len(subs),
            )
            fits.append((d, jurors, cal))
    warnings = [
        *competition.warnings,
        *exclusions.warnings,
        *totals_result.warnings,
        *calibration_problems(competition, method, fits),
        *_notes(competition, method, int(totals.total.size)),
    ]
    return competition, tuple(warnings)


def run(
    path: Path, overrides: dict[str, Any] | None = None, progress: Progress | None = None
) -> RunResult:
    """Load, validate and score the competition at ``path``."""
    with cycle_collector_paused():
        competition = load_competition(path)
        method = effective_method(competition, overrides or {})
        return score(competition, method, progress)
