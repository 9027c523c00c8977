"""The Bayesian model (grantjury/bayes.py) against three oracles: a published result
(ERforResearch, the SNSF's R package), posteriors computed in closed form (fixed variances)
or by one-dimensional quadrature (one free standard deviation), and simulations whose truth
is known; then end to end through the pipeline and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from grantjury.bayes import (
    Priors,
    SdPrior,
    convergence_problem,
    default_priors,
    gibbs_totals,
    interval_band,
    rank_summary,
    split_r_hat,
)
from grantjury.pipeline import run
from grantjury.report import results_json
from grantjury.results import load_results
from tests.conftest import invoke, problems
from tests.handmade import by_id
from tests.test_stability import SPREAD, spread

# --- a published result: the ERforResearch vignette -----------------------------------------

MOCK_PANEL_1 = [
    [1, 1, 1, 2, 5],
    [1, 1, 2, 2, 6],
    [1, 2, 1, 3, 5],
    [1, 3, 2, 1, 5],
    [1, 2, 2, 3, 5],
    [1, 3, 1, 4, 5],
    [1, 2, 3, 4, 5],
    [1, 5, 2, 2, 5],
    [1, 3, 4, 3, 5],
    [1, 4, 2, 5, 5],
    [2, 3, 4, 4, 5],
    [2, 4, 3, 5, 5],
    [2, 5, 4, 4, 6],
    [2, 3, 4, 6, 6],
    [2, 5, 5, 4, 6],
]
"""Grades (1 best, 6 worst) of proposals #1–#15 by voters v_1–v_5: panel p1 of
``get_mock_data()`` in snsf-data/ERforResearch, R/data.R; the model uses 7 − grade."""

PUBLISHED_ER = [
    2.44,
    4.06,
    4.09,
    4.12,
    5.08,
    6.19,
    7.34,
    7.26,
    8.43,
    9.42,
    10.4,
    11.4,
    13.0,
    13.0,
    13.7,
]
"""Expected ranks of #1–#15 printed by the ERforResearch 4.0.0 vignette ("Demo
ERforResearch", ``get_er_from_jags`` on panel p1; four JAGS chains, 20,000 iterations)."""


def er_for_research(overall_mean: float) -> Priors:
    """ERforResearch's default model (``get_default_jags_model``, continuous, homogeneous):
    grade = overall_mean + proposal_intercept + assessor_intercept[proposal, assessor] + noise,
    with assessor_intercept ~ N(nu[assessor], tau_assessor²), nu ~ N(0, 0.5²), and sigma,
    tau_proposal, tau_assessor ~ U(0, 2); overall_mean is fixed at the mean of the
    proposals' mean grades."""
    return Priors(
        submission=SdPrior("uniform", 2.0),
        juror=SdPrior("fixed", 0.5),
        noise=SdPrior("uniform", 2.0),
        pair=SdPrior("uniform", 2.0),
        mean=overall_mean,
    )


def test_expected_ranks_reproduce_the_er_for_research_vignette() -> None:
    grades = 7 - np.array(MOCK_PANEL_1, dtype=float)
    submission, juror = np.nonzero(np.ones_like(grades))
    total = grades[submission, juror]
    priors = er_for_research(float(grades.mean(axis=1).mean()))
    posterior = gibbs_totals(juror, submission, total, 5, 15, priors, 1000, 2500, rng(6))
    assert split_r_hat(posterior.effect).max() < 1.01
    summary = rank_summary(posterior.effect.reshape(-1, 15))
    # Within 0.2 of every published ER (the Monte Carlo error of each run is about 0.05).
    np.testing.assert_allclose(summary.expected, PUBLISHED_ER, atol=0.2)
    # The vignette's funding line: five fundable, FL = ER of the fifth. #1 is accepted,
    # #2–#6 are in the random selection group ("four proposals will be randomly selected
    # from a group of five"), #9–#15 are rejected. #7 and #8 are on the edge: each ranks
    # fifth or better with posterior probability about 0.27, just above the 0.25 that puts
    # rank 5 inside their 50% interval, so here they join the group.
    band, line = interval_band(summary, np.ones(15, dtype=bool), 5)
    assert line == pytest.approx(5.08, abs=0.2)
    low, high = summary.intervals["rank_interval_50"].T
    assert [i + 1 for i in range(15) if high[i] < line] == [1]
    assert {i + 1 for i in np.flatnonzero(band)} >= {2, 3, 4, 5, 6}
    assert [i + 1 for i in range(15) if low[i] > line] == list(range(9, 16))


# --- closed forms -----------------------------------------------------------------------------


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def unbalanced(seed: int, n_subs: int = 12, n_jurors: int = 5) -> tuple[np.ndarray, ...]:
    """Each juror scores each submission with probability 0.6; known effects and noise."""
    g = rng(seed)
    cells = [(j, s) for s in range(n_subs) for j in range(n_jurors) if g.random() < 0.6]
    juror = np.array([j for j, _ in cells])
    submission = np.array([s for _, s in cells])
    effect, bias = g.normal(0, 1.2, n_subs), g.normal(0, 0.8, n_jurors)
    total = 10 + effect[submission] + bias[juror] + g.normal(0, 0.7, juror.size)
    return juror, submission, total


def covariance(juror: np.ndarray, submission: np.ndarray, sds: dict[str, float]) -> np.ndarray:
    """Marginal covariance of the totals given the SDs (μ aside)."""
    by_sub = submission[:, None] == submission[None, :]
    by_juror = juror[:, None] == juror[None, :]
    noise = sds["noise"] ** 2 + sds.get("pair", 0.0) ** 2
    return noise * np.eye(juror.size) + sds["sub"] ** 2 * by_sub + sds["jur"] ** 2 * by_juror


def gaussian_posterior(
    juror: np.ndarray, submission: np.ndarray, total: np.ndarray, sds: dict[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form posterior of (θ, ν, μ) with known variances and a flat prior on μ:
    precision Q = XᵀX/σ² + diag(1/τ_θ², 1/τ_ν², 0), mean Q⁻¹Xᵀy/σ²."""
    n_subs, n_jurors, n = submission.max() + 1, juror.max() + 1, total.size
    design = np.zeros((n, n_subs + n_jurors + 1))
    design[np.arange(n), submission] = 1
    design[np.arange(n), n_subs + juror] = 1
    design[:, -1] = 1
    noise = sds["noise"] ** 2 + sds.get("pair", 0.0) ** 2
    prior = np.r_[np.full(n_subs, sds["sub"] ** -2), np.full(n_jurors, sds["jur"] ** -2), 0]
    cov = np.linalg.inv(design.T @ design / noise + np.diag(prior))
    return cov @ design.T @ total / noise, cov


@pytest.mark.parametrize("pair", [None, 0.5])
def test_fixed_variances_give_the_closed_form_gaussian_posterior(pair: float | None) -> None:
    # With every variance known the posterior of the effects is Gaussian. Without the
    # juror × submission term each iteration is an exact joint draw; with it (ERforResearch's
    # term, marginally extra noise) the sampler alternates and must still agree.
    juror, submission, total = unbalanced(5)
    sds = {"sub": 1.2, "jur": 0.8, "noise": 0.7}
    priors = Priors(
        submission=SdPrior("fixed", 1.2),
        juror=SdPrior("fixed", 0.8),
        noise=SdPrior("fixed", 0.7),
        pair=None if pair is None else SdPrior("fixed", pair),
    )
    if pair is not None:
        sds["pair"] = pair
    posterior = gibbs_totals(juror, submission, total, 5, 12, priors, 50, 1500, rng(1))
    draws = np.column_stack(
        [
            posterior.effect.reshape(-1, 12),
            posterior.juror_effect.reshape(-1, 5),
            posterior.mean.reshape(-1, 1),
        ]
    )
    mean, cov = gaussian_posterior(juror, submission, total, sds)
    sd = np.sqrt(np.diag(cov))
    # 6,000 draws: the error of a mean is about 0.013 sd if independent, more if not.
    assert np.abs((draws.mean(axis=0) - mean) / sd).max() < 0.08
    assert np.abs(np.cov(draws.T) - cov).max() < 0.06 * cov.diagonal().max()


def marginal_log_likelihood(
    juror: np.ndarray, submission: np.ndarray, total: np.ndarray, sds: dict[str, float]
) -> float:
    """log p(y | SDs) with μ integrated out under its flat prior (restricted likelihood):
    −½ log|V| − ½ log(1ᵀV⁻¹1) − ½ (yᵀV⁻¹y − (1ᵀV⁻¹y)² / 1ᵀV⁻¹1)."""
    lower = np.linalg.cholesky(covariance(juror, submission, sds))
    one = np.linalg.solve(lower, np.ones(total.size))
    y = np.linalg.solve(lower, total)
    a, b = one @ one, one @ y
    return float(-np.log(np.diag(lower)).sum() - 0.5 * np.log(a) - 0.5 * (y @ y - b * b / a))


@pytest.mark.parametrize(
    ("free", "prior"),
    [
        ("noise", SdPrior("half-cauchy", 2.0)),
        ("sub", SdPrior("half-cauchy", 2.0)),
        ("noise", SdPrior("uniform", 2.0)),
        ("sub", SdPrior("uniform", 3.0)),
    ],
)
def test_one_free_standard_deviation_matches_quadrature(free: str, prior: SdPrior) -> None:
    # With the other SDs known, p(τ | y) ∝ p(τ) p(y | τ) is one-dimensional: its mean by
    # quadrature on a fine grid checks the conjugate updates (half-Cauchy by augmentation,
    # uniform by truncated gamma) together with the location block.
    juror, submission, total = unbalanced(5)
    known = {"sub": 1.2, "jur": 0.8, "noise": 0.7}
    grid = np.geomspace(1e-3, 200, 3000)
    log_post = np.array(
        [marginal_log_likelihood(juror, submission, total, {**known, free: t}) for t in grid]
    )
    if prior.kind == "half-cauchy":
        log_post -= np.log1p((grid / prior.scale) ** 2)
    else:
        log_post[grid > prior.scale] = -np.inf
    weight = np.exp(log_post - log_post.max())
    exact = np.trapezoid(grid * weight, grid) / np.trapezoid(weight, grid)

    sds = {name: SdPrior("fixed", value) for name, value in known.items()}
    sds[free] = prior
    priors = Priors(submission=sds["sub"], juror=sds["jur"], noise=sds["noise"])
    posterior = gibbs_totals(juror, submission, total, 5, 12, priors, 200, 1500, rng(3))
    sampled = posterior.sd["noise" if free == "noise" else "submission"]
    assert split_r_hat(sampled[:, :, None])[0] < 1.01
    assert sampled.mean() == pytest.approx(exact, rel=0.03)


# --- simulations with a known truth -----------------------------------------------------------


def test_credible_intervals_cover_effects_drawn_from_the_prior() -> None:
    # Simulation-based calibration in its simplest form: draw the SDs and the effects from
    # the prior, totals from the model, and check that 90% credible intervals of the
    # submission effects hold the true effect about 90% of the time (Cook, Gelman & Rubin
    # 2006; Talts et al. 2018). μ is fixed (a flat prior cannot be drawn from).
    priors = Priors(
        submission=SdPrior("half-cauchy", 1.0),
        juror=SdPrior("half-cauchy", 1.0),
        noise=SdPrior("half-cauchy", 1.0),
        mean=0.0,
    )
    g = rng(2024)
    covered = []
    for _ in range(25):
        sd_sub, sd_jur, sd_noise = np.abs(g.standard_cauchy(3))
        juror, submission = (a.ravel() for a in np.meshgrid(range(4), range(10)))
        effect = g.normal(0, sd_sub, 10)
        total = effect[submission] + g.normal(0, sd_jur, 4)[juror]
        total = total + g.normal(0, sd_noise, juror.size)
        posterior = gibbs_totals(juror, submission, total, 4, 10, priors, 200, 250, g)
        draws = posterior.effect.reshape(-1, 10)
        low, high = np.quantile(draws, [0.05, 0.95], axis=0)
        covered.extend((low <= effect) & (effect <= high))
    assert 0.84 <= np.mean(covered) <= 0.96


def test_a_known_order_is_recovered_with_uncertainty_where_qualities_are_close() -> None:
    # Ten submissions, the first three far ahead, the last three far behind, four close in
    # the middle; seven jurors with strong biases, each scoring every submission.
    quality = np.array([9.0, 8.0, 7.0, 5.1, 5.0, 4.9, 4.8, 2.0, 1.0, 0.0])
    g = rng(7)
    juror, submission = (a.ravel() for a in np.meshgrid(range(7), range(10)))
    total = 10 + quality[submission] + g.normal(0, 2, 7)[juror] + g.normal(0, 0.5, 70)
    posterior = gibbs_totals(juror, submission, total, 7, 10, default_priors(20), 500, 500, rng(1))
    summary = rank_summary(posterior.effect.reshape(-1, 10))
    interval = summary.intervals["rank_interval"]
    for clear in (0, 1, 2, 7, 8, 9):
        assert interval[clear].tolist() == [clear + 1, clear + 1]
    assert np.all(interval[3:7, 0] <= 5) and np.all(interval[3:7, 1] >= 6)
    assert np.argsort(summary.expected)[:3].tolist() == [0, 1, 2]


# --- split-R̂ ----------------------------------------------------------------------------------


def test_split_r_hat_by_hand_and_on_chains_that_disagree() -> None:
    # Two chains of four draws make four halves of n = 2: means 1.5, 3.5, 1.5, 3.5, whose
    # variance is B/n = 4/3; each half's variance is 0.5 = W. var+ = (n − 1)/n·W + B/n
    # = 0.25 + 4/3, and R̂ = sqrt(var+ / W) = 1.78.
    draws = np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]])[:, :, None]
    assert split_r_hat(draws)[0] == pytest.approx(np.sqrt((0.25 + 4 / 3) / 0.5))
    g = rng(0)
    mixed = g.normal(size=(4, 500, 3))
    assert np.all(split_r_hat(mixed) < 1.02)
    apart = mixed + np.array([0.0, 0.0, 0.0, 1.0])[:, None, None]
    assert np.all(split_r_hat(apart) > 1.05)
    assert convergence_problem("d", 1.2, "scores.csv") is not None
    assert convergence_problem("d", 1.01, "scores.csv") is None


# --- through the pipeline -----------------------------------------------------------------------


def bayes_spread(root: Path, **method: object) -> Path:
    path = spread(root)
    text = (path / "competition.yaml").read_text()
    extra = "".join(f"  {k}: {v}\n" for k, v in {"uncertainty": "bayes", **method}.items())
    (path / "competition.yaml").write_text(text.replace("method:\n", "method:\n" + extra, 1))
    return path


def test_bayes_stability_in_the_results(tmp_path: Path) -> None:
    results = run(bayes_spread(tmp_path / "c", burn_in=500, draws=1000)).results
    stability = results.stability
    assert stability is not None
    assert (
        stability.method,
        stability.burn_in,
        stability.draws,
        stability.chains,
        stability.replicates,
    ) == ("bayes", 500, 1000, 4, 1000)
    assert stability.domains["d"].seed_purpose == ["gibbs", "d"]
    r_hat = stability.domains["d"].r_hat_max
    assert r_hat is not None and r_hat < 1.05
    (d,) = results.domains
    entries = by_id(d)
    assert (entries["R"].expected_rank, entries["R"].rank_interval) == (1.0, (1, 1))
    assert entries["L"].rank_interval_50 == (6, 6) and entries["L"].p_selected == 0.0
    for entry in d.ranking:
        assert entry.rank_interval_50 is not None and entry.rank_interval is not None
        assert entry.expected_rank is not None
        low50, high50 = entry.rank_interval_50
        low90, high90 = entry.rank_interval
        assert 1 <= low90 <= low50 <= entry.expected_rank + 0.5 and high50 <= high90 <= 6
    # Two places: in every draw two submissions are selected.
    assert sum(e.p_selected or 0.0 for e in d.ranking) == pytest.approx(2.0)
    assert all(e.p_selected is not None for e in d.ranking)
    assert set(d.too_close) <= {"M1", "M2", "M3", "M4"}


def test_bayes_respects_a_lower_is_better_scale(tmp_path: Path) -> None:
    # The SPREAD scores mirrored on a scale where lower is better give the same ranks (up to
    # Monte Carlo error: the draws themselves are not mirrored).
    higher = run(bayes_spread(tmp_path / "h", burn_in=300, draws=400)).results
    root = bayes_spread(tmp_path / "l", burn_in=300, draws=400)
    rubric = (root / "rubric.yaml").read_text()
    (root / "rubric.yaml").write_text(rubric.replace("step: 1", "step: 1\n    direction: lower"))
    scores = (root / "scores.csv").read_text().splitlines()
    mirrored = [scores[0]] + [
        ",".join([*row.split(",")[:3], str(20 - float(row.split(",")[3]))]) for row in scores[1:]
    ]
    (root / "scores.csv").write_text("\n".join(mirrored) + "\n")
    lower = run(root).results
    assert lower.domains[0].direction == "lower"
    ranks = {
        name: {e.submission: e.expected_rank for e in r.domains[0].ranking}
        for name, r in (("higher", higher), ("lower", lower))
    }
    assert None not in [*ranks["higher"].values(), *ranks["lower"].values()]
    for sub, expected in ranks["higher"].items():
        assert ranks["lower"][sub] == pytest.approx(expected, abs=0.3)
    assert min(ranks["lower"], key=ranks["lower"].get) == "R"
    assert max(ranks["lower"], key=ranks["lower"].get) == "L"


def test_the_same_seed_gives_the_same_posterior_and_another_seed_another(
    tmp_path: Path,
) -> None:
    root = bayes_spread(tmp_path / "c", burn_in=200, draws=400)
    assert results_json(run(root).results) == results_json(run(root).results)
    other = run(root, {"seed": 2}).results.domains[0].ranking
    first = run(root).results.domains[0].ranking
    assert [e.expected_rank for e in other] != [e.expected_rank for e in first]


def test_bootstrap_results_have_no_bayesian_figures(tmp_path: Path) -> None:
    results = run(spread(tmp_path / "c", replicates=50)).results
    assert results.stability is not None and results.stability.method == "bootstrap"
    for entry in results.domains[0].ranking:
        assert entry.expected_rank is None and entry.rank_interval_50 is None
        assert entry.p_selected is not None


def test_uncertainty_bayes_from_the_command_line(tmp_path: Path) -> None:
    root = spread(tmp_path / "c")
    out = tmp_path / "out"
    result = invoke(
        "rank", root, "--out", out, "--uncertainty", "bayes", "--burn-in", "300", "--draws", "800"
    )
    assert result.exit_code == 0, result.stderr
    results = load_results(out)
    assert results.options.uncertainty == "bayes"
    assert (results.options.burn_in, results.options.draws) == (300, 800)
    assert results.stability is not None and results.stability.method == "bayes"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["given_options"]["uncertainty"] == "bayes"
    assert len(SPREAD) == len(results.domains[0].ranking)


def test_an_interval_lottery_under_bayes_needs_draws(tmp_path: Path) -> None:
    root = bayes_spread(tmp_path / "c", draws=0)
    text = (root / "competition.yaml").read_text()
    (root / "competition.yaml").write_text(text + "selection:\n  lottery: {band: interval}\n")
    result = invoke("validate", root)
    assert result.exit_code == 1
    assert problems(result) == [
        "competition.yaml, selection.lottery.band: a lottery with band: interval needs the "
        "stability analysis; found method.draws: 0; expected draws above 0, or a band in points"
    ]
