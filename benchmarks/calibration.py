"""How well does each calibration method recover the true winners of simulated competitions?

For each scenario, many seeded replications of ``grantjury.secretary.simulate`` are ranked
in-process with every method of ``grantjury.calibrate.METHODS`` (the scoring stages of
``grantjury.pipeline.run``, see ``replicate``) and with an oracle that knows each juror's true
bias ``b_j`` and scale ``a_j``: its calibrated total is ``centre + (t − centre − spread·b_j) /
a_j``, averaged per submission over the same totals the engine keeps (conflicted scores
excluded). Two measures, each averaged over domains, then over replications (± one standard
error over replications):

* top-k recall: ``|selected winners ∩ true top-k| / k``, k the winners per domain;
* Kendall's τ between the submissions' scores and their true qualities (unranked
  submissions, left without a juror by conflicts, are left out).

A second, strong oracle (``posterior``) scores each submission by its posterior mean quality
under the true observation model (true bias, scale and noise of every juror); variants of
``hetero`` (``ALL_VARIANTS``, ``--variant``) are fitted on the same totals. Also reported:
the share of domains whose selected set is exactly the true top k, and paired differences of
top-k recall.
``--method`` restricts the methods run (the variants run with ``hetero``).

Every method sees the same draws (common random numbers), so differences between methods are
measured more precisely than their standard errors suggest.

Usage::

    .venv/bin/python benchmarks/calibration.py --quick      # 20 replications, ~30 s on 2 cores
    .venv/bin/python benchmarks/calibration.py              # 200 replications, ~5 min
    .venv/bin/python benchmarks/calibration.py --scenario reference --replications 50
"""

from __future__ import annotations

import argparse
import math
import shlex
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError
from scipy.stats import kendalltau

from grantjury import __version__
from grantjury.aggregate import Totals
from grantjury.calibrate import METHODS
from grantjury.pipeline import effective_method, load_competition, score_all
from grantjury.secretary.simulate import Simulation, SimulationOptions, render, simulate, write

ORACLE = "oracle"
HALO = {"halo": 1.0}
"""The issue's reference: a juror's errors on one submission move its five criteria together,
so the noise sd 0.8 is on the juror's total (the issue's plain simulation measured raw 0.59,
z-score 0.68, additive 0.68, oracle 0.70 top-3 recall for it)."""
SCENARIOS: dict[str, tuple[str, dict[str, Any]]] = {
    "reference": (
        "120 submissions in 3 domains (3 winners each), 12 jurors on every panel, 4 per "
        "submission at random; bias sd 1, log-scale sd 0.25, noise sd 0.8 on a juror's total, "
        "5% conflicts",
        HALO,
    ),
    "specialised": (
        "reference, but the harshest jurors mostly see the strongest submissions: jurors in "
        "3 strata by bias, submissions in 3 strata by quality, 3 of each submission's 4 "
        "jurors from the matching stratum and 1 from the rest of the panel",
        {**HALO, "assignment": "specialised"},
    ),
    "no-bias": (
        "reference without bias or scale differences",
        {**HALO, "bias_sd": 0.0, "scale_sd": 0.0},
    ),
    "high-noise": ("reference with noise sd 1.5", {**HALO, "noise_sd": 1.5}),
    "two-per-submission": (
        "reference with 2 jurors per submission",
        {**HALO, "per_submission": 2},
    ),
    "sparse-panels": (
        "60 jurors in disjoint panels of 20, so each juror scores only 8 submissions",
        {**HALO, "jurors": 60, "panel_size": 20},
    ),
    "independent-criteria": (
        "reference with independent noise sd 0.8 on each of the five criteria (so about "
        "0.8/√5 on the total)",
        {},
    ),
    "compressed": (
        "reference with log-scale sd 0.5: compressed ranges next to jurors who use the whole scale",
        {**HALO, "scale_sd": 0.5},
    ),
    "noisy-jurors": (
        "reference with 3 of the 12 jurors 3× noisier (noise sd 2.4)",
        {**HALO, "noisy_jurors": 3},
    ),
    "ends": (
        "reference with 2 ceiling jurors and 1 floor juror (bias ±4 sd: about a third of "
        "their criterion scores clipped at 20 or 0)",
        {**HALO, "ceiling_jurors": 2, "floor_jurors": 1},
    ),
    "coarse": (
        "reference with 3 jurors who use three values only (7, 10, 13 on every criterion)",
        {**HALO, "coarse_jurors": 3},
    ),
    "conflicts-20": (
        "reference with 20% of assignments lost to conflicts (0.16% of submissions keep no "
        "juror, 2.7% one)",
        {**HALO, "conflict_rate": 0.2},
    ),
    "marrakech": (
        "Marrakech-size (3 domains of 40 submissions, 3 winners, 12 jurors, 4 per "
        "submission) with everything at once: log-scale sd 0.5, 2 noisy jurors, 1 ceiling "
        "juror, 1 three-value juror, 10% conflicts",
        {
            **HALO,
            "scale_sd": 0.5,
            "noisy_jurors": 2,
            "ceiling_jurors": 1,
            "coarse_jurors": 1,
            "conflict_rate": 0.1,
        },
    ),
}
POSTERIOR = "posterior"
"""The strong oracle: each submission's posterior mean quality under the true observation
model (every juror's bias, scale and noise known; rounding and clipping ignored, three-value
jurors' rounding counted as noise of variance L²/12)."""
CENSORED = "hetero-censored"
"""``hetero`` with totals at the scale's ends read as censored (``censor=(0, 20)``)."""
ALL_VARIANTS: dict[str, dict[str, Any]] = {
    "hetero-invchi2": {"noise_prior": "inv-chi2"},
    CENSORED: {"censor": (0.0, 20.0)},
    "hetero-unscaled": {"scales": False},
    "hetero-flat": {"joint_prior": False},
}
"""Variants of ``hetero`` (keyword options of ``calibrate_hetero``), fitted on the totals of
the ``hetero`` run and selected by their shrunk scores: the scaled-inverse-χ² noise prior of
the first version, censoring at the scale's ends, scales held at 1, the flat-prior fit."""


@dataclass(frozen=True)
class Replication:
    """One scenario's draw, ranked by every method: per method, (recall, tau, exact,
    seconds)."""

    scenario: str
    seed: int
    measures: dict[str, tuple[float, float, float, float]]
    warnings: tuple[str, ...]


@dataclass
class Tally:
    """Measures of one scenario and method across replications."""

    recall: list[float] = field(default_factory=list)
    tau: list[float] = field(default_factory=list)
    exact: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def recall_and_tau(
    sim: Simulation, ids: list[str], scores: np.ndarray, winners: dict[int, set[str]]
) -> tuple[float, float, float]:
    """Mean over domains of top-k recall, of Kendall's τ (scores vs true quality) and of
    whether the selected set is exactly the true top k.

    ``scores`` holds one score per simulated submission (NaN when unranked), ``winners`` the
    ids each domain selected.
    """
    recalls, taus, exact = [], [], []
    for d in range(sim.options.domains):
        true_top = {ids[s] for s in sim.top(d).tolist()}
        recalls.append(len(true_top & winners[d]) / sim.options.winners)
        exact.append(float(true_top == winners[d]))
        members = np.flatnonzero((sim.domain == d) & np.isfinite(scores))
        if members.size >= 2:
            taus.append(kendalltau(scores[members], sim.quality[members]).statistic)
    tau = float(np.mean(taus)) if taus else math.nan
    return float(np.mean(recalls)), tau, float(np.mean(exact))


def oracle_scores(sim: Simulation, totals: Totals, codes: np.ndarray) -> np.ndarray:
    """Mean per submission of the totals corrected by the true bias and scale.

    ``totals`` are the engine's (conflicted scores excluded); ``codes`` maps the engine's
    submission codes to the simulation's (jurors are coded in id order by both).
    """
    subs, jurors = codes[totals.submission], totals.juror
    centre, spread = sim.options.centre, sim.options.spread
    corrected = centre + (totals.total - centre - spread * sim.bias[jurors]) / sim.scale[jurors]
    n = sim.quality.size
    count = np.bincount(subs, minlength=n)
    sums = np.bincount(subs, weights=corrected, minlength=n)
    return np.divide(sums, count, out=np.full(n, np.nan), where=count > 0)


def posterior_scores(sim: Simulation, totals: Totals, codes: np.ndarray) -> np.ndarray:
    """Posterior mean of each submission's quality under the true observation model.

    In latent units a juror's total reads ``x = (t − centre)/spread − b_j = a_j q + e`` with
    ``q ~ N(0, 1)`` and ``e ~ N(0, s_j²)``, ``s_j² = σ_j² (ρ + (1 − ρ) Σw² / (Σw)²)`` (the
    weighted mean of the criteria's errors; plus ``L²/12`` for three-value jurors), so
    ``E[q | x] = Σ a_j x / s_j² / (1 + Σ a_j² / s_j²)`` (normal–normal). NaN where no total.
    """
    from grantjury.secretary.simulate import CRITERIA

    options = sim.options
    subs, jurors = codes[totals.submission], totals.juror
    weights = np.array([w for _, _, w in CRITERIA], dtype=np.float64)
    spread_share = float((weights**2).sum() / weights.sum() ** 2)
    rho = options.halo
    variance = sim.noise**2 * (rho + (1.0 - rho) * spread_share)
    variance = variance + np.where(sim.kind == 4, options.coarse_step**2 / 12.0, 0.0)
    x = (totals.total - options.centre) / options.spread - sim.bias[jurors]
    a = sim.scale[jurors]
    n = sim.quality.size
    precision = 1.0 + np.bincount(subs, weights=a * a / variance[jurors], minlength=n)
    weighted = np.bincount(subs, weights=a * x / variance[jurors], minlength=n)
    count = np.bincount(subs, minlength=n)
    return np.where(count > 0, weighted / precision, np.nan)


def variant_scores(scoring: Any, codes: np.ndarray, n: int, options: dict[str, Any]) -> np.ndarray:
    """A variant of ``hetero`` per domain, from a run's totals: its shrunk scores."""
    from grantjury.calibrate import calibrate_hetero

    totals = scoring.totals.totals
    out = np.full(n, np.nan)
    for ds in scoring.domains:
        obs = ds.observations
        jurors, juror_local = np.unique(totals.juror[obs], return_inverse=True)
        subs, sub_local = np.unique(totals.submission[obs], return_inverse=True)
        cal = calibrate_hetero(
            juror_local,
            totals.total[obs],
            len(jurors),
            submission=sub_local,
            n_submissions=len(subs),
            **options,
        )
        out[codes[subs]] = cal.shrunk
    return out


def top_winners(sim: Simulation, ids: list[str], scores: np.ndarray) -> dict[int, set[str]]:
    """Each domain's k best submissions by ``scores`` (no tie-break chain: ties are rare)."""
    chosen = {}
    for d in range(sim.options.domains):
        members = np.flatnonzero((sim.domain == d) & np.isfinite(scores))
        best = members[np.argsort(-scores[members], kind="stable")[: sim.options.winners]]
        chosen[d] = {ids[s] for s in best.tolist()}
    return chosen


def replicate(task: tuple[str, int, str, tuple[str, ...], tuple[str, ...]]) -> Replication:
    """Draw one competition of a scenario and rank it with every method and the oracle.

    The competition is written and loaded once; each method then runs the scoring stages of
    ``pipeline.run`` (``score_all``: conflicts, totals, calibration, aggregation, ranking,
    selection) with the bootstrap turned off. ``run`` itself would add the bootstrap (1,000
    replicates) and the sensitivity checks (every other method, every juror left out), which
    cost 10–100 times more and change no winner.
    """
    scenario, seed, root, methods, variant_names = task
    sim = simulate(SimulationOptions(**SCENARIOS[scenario][1], seed=seed))
    ids = sim.submission_ids
    path = Path(root) / f"{scenario}-{seed}"
    write(path, render(sim), force=True)
    measures: dict[str, tuple[float, float, float, float]] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        competition = load_competition(path)
        loading = time.perf_counter() - start
        code = {s: i for i, s in enumerate(ids)}
        codes = np.array([code[s.id] for s in competition.submissions])
        if [j.id for j in competition.jurors] != sim.juror_ids:
            raise RuntimeError("the engine and the simulation code jurors differently")
        domain_code = {d: i for i, d in enumerate(sim.domain_ids)}
        oracle = np.full(len(ids), np.nan)
        posterior = np.full(len(ids), np.nan)
        variants: dict[str, np.ndarray] = {}
        for method in methods:
            start = time.perf_counter()
            chosen = effective_method(competition, {"calibration": method, "replicates": 0})
            scoring = score_all(competition, chosen)
            seconds = loading + time.perf_counter() - start
            scores = np.full(len(ids), np.nan)
            for ds in scoring.domains:
                scores[codes[ds.submissions]] = ds.score
            winners = {domain_code[d]: set(w) for d, w in scoring.outcome.winners.items()}
            measures[method] = (*recall_and_tau(sim, ids, scores, winners), seconds)
            oracle = oracle_scores(sim, scoring.totals.totals, codes)
            posterior = posterior_scores(sim, scoring.totals.totals, codes)
            if method == "hetero":
                variants = {
                    name: variant_scores(scoring, codes, len(ids), ALL_VARIANTS[name])
                    for name in variant_names
                }
    extra = {ORACLE: oracle, POSTERIOR: posterior}
    extra.update(variants)
    for name, values in extra.items():
        measures[name] = (
            *recall_and_tau(sim, ids, values, top_winners(sim, ids, values)),
            math.nan,
        )
    shutil.rmtree(path)
    found = tuple(sorted({f"{w.category.__name__}: {w.message}" for w in caught}))
    return Replication(scenario, seed, measures, found)


def paired(
    tallies: dict[str, dict[str, Tally]], scenarios: list[str], pairs: list[tuple[str, str]]
) -> Iterator[str]:
    """Paired differences of top-k recall (same draws), ``mean ± se``."""
    yield "| difference | " + " | ".join(scenarios) + " |"
    yield "|---" * (len(scenarios) + 1) + "|"
    for first, second in pairs:
        cells = []
        for scenario in scenarios:
            a, b = tallies[scenario][first].recall, tallies[scenario][second].recall
            mean, se = mean_se([x - y for x, y in zip(a, b, strict=True)])
            cells.append(f"{mean:+.3f} ± {se:.3f}")
        yield f"| {first} − {second} | " + " | ".join(cells) + " |"


def usable_methods() -> tuple[tuple[str, ...], list[str]]:
    """Methods of ``calibrate.METHODS`` that a run accepts, and notes on those it refuses."""
    from grantjury.model import Method

    usable, notes = [], []
    for name in METHODS:
        try:
            Method(calibration=name)
        except ValidationError:
            notes.append(f"`{name}` is in calibrate.METHODS but not yet accepted by a run")
            continue
        usable.append(name)
    return tuple(usable), notes


def mean_se(values: list[float]) -> tuple[float, float]:
    data = np.array([v for v in values if math.isfinite(v)])
    if data.size == 0:
        return math.nan, math.nan
    se = float(data.std(ddof=1) / math.sqrt(data.size)) if data.size > 1 else math.nan
    return float(data.mean()), se


def table(
    tallies: dict[str, dict[str, Tally]], scenarios: list[str], methods: list[str], what: str
) -> Iterator[str]:
    """A Markdown table: one row per method, one column per scenario, ``mean ± se``."""
    yield "| method | " + " | ".join(scenarios) + " |"
    yield "|---" * (len(scenarios) + 1) + "|"
    for method in methods:
        cells = []
        for scenario in scenarios:
            mean, se = mean_se(getattr(tallies[scenario][method], what))
            cells.append(f"{mean:.3f} ± {se:.3f}")
        yield f"| {method} | " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 replications per scenario")
    parser.add_argument("--replications", type=int, help="replications per scenario")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        help="run only this scenario (repeatable; default: all)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the first replication")
    parser.add_argument("--workers", type=int, default=2, help="processes (1: no pool)")
    parser.add_argument(
        "--method",
        action="append",
        help="rank only with this calibration method (repeatable; default: all)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        choices=list(ALL_VARIANTS),
        help="fit only this variant of hetero (repeatable; default: all)",
    )
    args = parser.parse_args(argv)
    variant_names = tuple(args.variant or ALL_VARIANTS)
    replications = args.replications or (20 if args.quick else 200)
    scenarios = args.scenario or list(SCENARIOS)
    methods, notes = usable_methods()
    if args.method:
        methods = tuple(m for m in methods if m in args.method)
    root = tempfile.mkdtemp(prefix="grantjury-benchmark-")
    tasks = [
        (scenario, args.seed + r, root, methods, variant_names)
        for scenario in scenarios
        for r in range(replications)
    ]
    extras = (ORACLE, POSTERIOR, *(variant_names if "hetero" in methods else ()))
    tallies = {s: {m: Tally() for m in (*methods, *extras)} for s in scenarios}
    problems: set[str] = set()
    start = time.perf_counter()
    try:
        if args.workers > 1:
            with ProcessPoolExecutor(args.workers) as pool:
                done = pool.map(replicate, tasks, chunksize=4)
                _collect(done, tallies, problems, len(tasks))
        else:
            _collect(map(replicate, tasks), tallies, problems, len(tasks))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    elapsed = time.perf_counter() - start

    command = ".venv/bin/python benchmarks/calibration.py " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    rows = [*methods, *extras]
    print(
        f"Top-k recall of the true winners (mean ± se over {replications} replications, "
        f"seeds {args.seed}–{args.seed + replications - 1}; grantjury {__version__}):\n"
    )
    print("\n".join(table(tallies, scenarios, rows, "recall")))
    print("\nKendall's τ of submission scores against true quality, per domain:\n")
    print("\n".join(table(tallies, scenarios, rows, "tau")))
    print("\nShare of domains whose selected set is exactly the true top k:\n")
    print("\n".join(table(tallies, scenarios, rows, "exact")))
    pairs = [(m, POSTERIOR) for m in methods]
    if "hetero" in methods:
        pairs += [("hetero", m) for m in methods if m != "hetero"] + [
            (v, "hetero") for v in variant_names
        ]
    print("\nPaired differences of top-k recall (same draws):\n")
    print("\n".join(paired(tallies, scenarios, pairs)))
    print("\nScenarios:\n")
    for scenario in scenarios:
        print(f"- **{scenario}**: {SCENARIOS[scenario][0]}.")
    timing = ", ".join(f"{m} {1000 * _mean_seconds(tallies, m):.0f} ms" for m in methods)
    print(f"\nMean time to load and rank one competition: {timing}.")
    for note in notes:
        print(f"\nNote: {note}.")
    for problem in sorted(problems):
        print(f"\nWarning raised during the runs: {problem}")
    print(f"\nReproduce with `{command.strip()}` ({elapsed:.0f} s).")


def _collect(
    done: Iterator[Replication],
    tallies: dict[str, dict[str, Tally]],
    problems: set[str],
    total: int,
) -> None:
    for count, rep in enumerate(done, start=1):
        for method, (recall, tau, exact, seconds) in rep.measures.items():
            tally = tallies[rep.scenario][method]
            tally.recall.append(recall)
            tally.tau.append(tau)
            tally.exact.append(exact)
            tally.seconds.append(seconds)
        problems.update(rep.warnings)
        if count % 20 == 0 or count == total:
            print(f"  {count}/{total} replications", file=sys.stderr, flush=True)


def _mean_seconds(tallies: dict[str, dict[str, Tally]], method: str) -> float:
    return float(np.mean([s for t in tallies.values() for s in t[method].seconds]))


if __name__ == "__main__":
    main()
