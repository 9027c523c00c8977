"""Bayesian ranking (the SNSF's model): expected ranks and credible intervals by Gibbs sampling.

Heyard, Ott, Salanti & Egger (2022), "Rethinking the funding line at the Swiss National
Science Foundation: Bayesian ranking and lottery", *Statistics and Public Policy* 9(1)
(arXiv:2102.09958), and its R package ERforResearch (github.com/snsf-data/ERforResearch).
Within one domain, juror j's total for submission s is

    y_js = μ + θ_s + ν_j + ε_js,    θ_s ~ N(0, τ_θ²),  ν_j ~ N(0, τ_ν²),  ε_js ~ N(0, σ²),

with a flat prior on the overall mean μ and, by default, half-Cauchy priors
τ_θ, τ_ν, σ ~ C⁺(0, A) with A half the range of the rubric's totals (weakly informative and
well behaved with few jurors: Gelman 2006, "Prior distributions for variance parameters in
hierarchical models", *Bayesian Analysis* 1(3)). Each half-Cauchy prior is sampled by data
augmentation (Makalic & Schmidt 2016, "A simple sampler for the horseshoe estimator", *IEEE
Signal Processing Letters* 23(1)): τ² | a ~ IG(1/2, 1/a) with a ~ IG(1/2, 1/A²), so that
every full conditional is conjugate:

    τ² | x, a ~ IG((n + 1)/2, Σx²/2 + 1/a),    a | τ² ~ IG(1, 1/A² + 1/τ²).

ERforResearch's default model is also expressible (for checking against its published
results): μ fixed at the mean of the submissions' mean totals, uniform priors on the standard
deviations, a fixed prior on the juror effects and a juror × submission term (``Priors``).

The Gibbs sampler updates, in each iteration and for every chain at once (numpy arrays with
a leading chain axis):

1. the location block (θ, ν, μ) jointly, from its Gaussian full conditional: the precision
   matrix is diagonal in θ, so ν and μ are drawn from their marginal (the Schur complement,
   a dense (J + 1)² matrix) and θ given them, element-wise. A joint draw avoids the slow
   mixing of one-at-a-time updates when μ, the θ and the ν are strongly correlated;
2. the juror × submission terms, if any, element-wise given the effects (they are integrated
   out of step 1, so that the effects do not stick to them);
3. each variance from its conjugate (or truncated conjugate) full conditional.

Ranks are those of sign × θ_s (``Rubric.sign``: lower-is-better rubrics rank the lowest
effect first). Every draw comes from the generator passed in (``derived_rng(seed, "gibbs",
domain)`` in the pipeline), so the same seed gives the same posterior.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.special import gammaincc, gammainccinv

from .errors import Problem
from .figures import published
from .stability import rank_matrix

CHAINS = 4
"""Chains run side by side; split-R̂ compares their halves."""
R_HAT_LIMIT = 1.05
"""A larger split-R̂ on a submission effect is reported as a warning (Gelman et al. 2013)."""
INTERVALS = {"rank_interval_50": (0.25, 0.75), "rank_interval": (0.05, 0.95)}
"""Quantiles of each credible interval of a rank."""


@dataclass(frozen=True)
class SdPrior:
    """Prior of one standard deviation τ of the model.

    ``half-cauchy``: τ ~ C⁺(0, scale), by data augmentation; ``uniform``: τ ~ U(0, scale),
    ERforResearch's choice (needs at least two values to update); ``fixed``: τ = scale.
    """

    kind: Literal["half-cauchy", "uniform", "fixed"]
    scale: float


@dataclass(frozen=True)
class Priors:
    """Priors of the model; scales are in score points."""

    submission: SdPrior
    juror: SdPrior
    noise: SdPrior
    pair: SdPrior | None = None
    """Juror × submission term ξ_js ~ N(0, τ_ξ²), ERforResearch's ``assessor_intercept``
    around ν_j. With one total per pair it only widens the noise; None leaves it out."""
    mean: float | None = None
    """None: flat prior on μ. A number: μ fixed at it (ERforResearch fixes it at the mean of
    the submissions' mean totals)."""

    def describe(self) -> str:
        """The priors in one line, as the results record them."""

        def one(name: str, prior: SdPrior) -> str:
            kind = {"half-cauchy": "half-Cauchy", "uniform": "uniform", "fixed": "fixed"}
            shown = f"(0, {prior.scale:g})" if prior.kind != "fixed" else f"= {prior.scale:g}"
            return f"{name} {kind[prior.kind]}{shown}"

        parts = [
            "mu flat" if self.mean is None else f"mu = {self.mean:g}",
            one("tau_submission", self.submission),
            one("tau_juror", self.juror),
            one("sigma", self.noise),
        ]
        if self.pair is not None:
            parts.append(one("tau_pair", self.pair))
        return "; ".join(parts)


def default_priors(score_range: float) -> Priors:
    """Half-Cauchy priors with scale half the range of the totals, on all three SDs."""
    prior = SdPrior("half-cauchy", max(score_range, 1e-9) / 2)
    return Priors(submission=prior, juror=prior, noise=prior)


@dataclass(frozen=True)
class Posterior:
    """Kept draws of a Gibbs run, chain by chain."""

    effect: np.ndarray
    """(chains, draws, submissions): θ."""
    juror_effect: np.ndarray
    """(chains, draws, jurors): ν."""
    mean: np.ndarray
    """(chains, draws): μ."""
    sd: dict[str, np.ndarray]
    """(chains, draws) draws of each standard deviation: submission, juror, noise[, pair]."""


def gibbs_totals(
    juror: np.ndarray,
    submission: np.ndarray,
    total: np.ndarray,
    n_jurors: int,
    n_submissions: int,
    priors: Priors,
    burn_in: int,
    draws: int,
    rng: np.random.Generator,
    chains: int = CHAINS,
    progress: Callable[[int], None] | None = None,
) -> Posterior:
    """Sample the posterior of y_js = μ + θ_s + ν_j (+ ξ_js) + ε_js by Gibbs sampling.

    Parameters
    ----------
    juror, submission : int arrays
        Codes (0-based) of each total's juror and submission.
    total : float array
        One total per (juror, submission) pair.
    n_jurors, n_submissions : int
        Numbers of codes (a submission without totals is drawn from its prior).
    priors : Priors
        See ``default_priors``.
    burn_in, draws : int
        Iterations discarded, then kept, in each chain.
    rng : numpy.random.Generator
        Source of every draw.
    chains : int
        Chains run side by side, each from its own overdispersed start.
    progress : callable, optional
        Called with a number of iterations done (every 100).

    Returns
    -------
    Posterior
        The kept draws.

    Notes
    -----
    Location block. With the totals y (less μ when it is fixed) and the ξ integrated out
    (σ² below then stands for σ² + τ_ξ²), the conditional of (θ, φ), φ = (ν, μ), given the
    variances is Gaussian with precision [[D, B], [Bᵀ, C]], where
    D = n_s/σ² + 1/τ_θ² (diagonal), B = N/σ² (N: counts of each submission with each juror
    and in all) and C = Nφ/σ² + diag(1/τ_ν², 0). φ is drawn from its marginal, precision
    M = C − Bᵀ D⁻¹ B and mean M⁻¹(b_φ − Bᵀ D⁻¹ b_θ) (Cholesky of M: (J + 1)³ per iteration),
    then θ | φ ~ N((b_θ − Bφ)/D, 1/D) element-wise; b are the data sums over σ². This is an
    exact joint draw, so with fixed variances (and no ξ) the sampler returns independent
    draws of the closed-form Gaussian posterior. The ξ are then drawn given the effects,
    ξ | rest ~ N(r τ_ξ²/(τ_ξ² + σ²), σ²τ_ξ²/(τ_ξ² + σ²)) with r the residuals, which makes
    (effects, ξ) one joint draw too.
    """
    y = np.asarray(total, dtype=np.float64)
    s_idx = np.asarray(submission, dtype=np.int64)
    j_idx = np.asarray(juror, dtype=np.int64)
    n_obs, n_s, n_j, c = y.size, n_submissions, n_jurors, chains
    free_mean = priors.mean is None
    fixed_mean = 0.0 if priors.mean is None else float(priors.mean)
    k = n_j + int(free_mean)
    y = y - fixed_mean
    per_sub = np.bincount(s_idx, minlength=n_s).astype(np.float64)
    per_juror = np.bincount(j_idx, minlength=n_j).astype(np.float64)
    # Counts coupling each submission to the block φ = (ν, μ), and the block with itself.
    coupling = np.zeros((n_s, k))
    np.add.at(coupling, (s_idx, j_idx), 1.0)
    block = np.diag(np.concatenate([per_juror, [n_obs] if free_mean else []]))
    if free_mean:
        coupling[:, n_j] = per_sub
        block[:n_j, n_j] = block[n_j, :n_j] = per_juror
    quadratic: sp.csr_matrix | np.ndarray = _outer_rows(coupling)
    if k * k * n_s <= 200_000:
        quadratic = quadratic.toarray()  # small: a dense product costs less than the call
    juror_diag = np.arange(n_j)

    sizes = {"noise": n_obs, "submission": n_s, "juror": n_j, "pair": n_obs}
    names = [name for name in sizes if getattr(priors, name) is not None]
    prior_list: list[SdPrior] = [getattr(priors, name) for name in names]
    count = np.array([sizes[name] for name in names])
    half_cauchy = np.array([p.kind == "half-cauchy" for p in prior_list])
    uniform = [i for i, p in enumerate(prior_list) if p.kind == "uniform"]
    row = {name: i for i, name in enumerate(names)}
    # Overdispersed starts: each chain's variances spread a factor e^±1.5 around var(y).
    spread = float(np.var(y)) if n_obs > 1 and np.var(y) > 0 else 1.0
    var = spread * np.exp(rng.uniform(-1.5, 1.5, size=(len(names), c)))
    for i, prior in enumerate(prior_list):
        if prior.kind == "fixed":
            var[i] = prior.scale**2
    aux = np.ones((len(names), c))
    inverse_a2 = np.array(
        [1.0 / p.scale**2 if p.kind == "half-cauchy" else 0.0 for p in prior_list]
    )
    shape_hc = np.where(half_cauchy, (count + 1) / 2, 1.0)

    pair = np.zeros((c, n_obs)) if "pair" in row else None
    # Data sums per submission, and per juror then in all: the same in every iteration.
    sum_s = np.bincount(s_idx, y, n_s)[None, :]
    sums_phi = np.concatenate([np.bincount(j_idx, y, n_j), [y.sum()]])[None, :k]
    y_row = y[None, :]

    kept_effect = np.empty((c, draws, n_s))
    kept_juror = np.empty((c, draws, n_j))
    kept_mean = np.empty((c, draws))
    kept_sd = np.empty((len(names), c, draws))
    mu = np.zeros(c)
    block_size = 256
    for step in range(burn_in + draws):
        t = step % block_size
        if t == 0:
            # Random numbers in blocks: fewer calls, the same stream for the same seed.
            size = min(block_size, burn_in + draws - step)
            normal_phi = rng.standard_normal((size, c, k))
            normal_theta = rng.standard_normal((size, c, n_s))
            gamma = rng.gamma(shape_hc[None, :, None], size=(size, len(names), c))
            exponential = rng.standard_exponential((size, len(names), c))
        sub_var = var[row["submission"]]
        # The juror × submission terms are integrated out of the location block (they only
        # add to the noise), then drawn given it: (location, ξ) is one joint draw, and the
        # effects do not stick to the ξ when σ and τ_ξ trade places.
        noise = var[row["noise"]] + (var[row["pair"]] if pair is not None else 0.0)
        diag = per_sub / noise[:, None] + 1.0 / sub_var[:, None]
        noise_diag = noise[:, None] * diag
        weight = 1.0 / (noise[:, None] * noise_diag)
        precision = block / noise[:, None, None] - (quadratic @ weight.T).T.reshape(c, k, k)
        precision[:, juror_diag, juror_diag] += 1.0 / var[row["juror"]][:, None]
        scaled = sum_s / noise_diag
        rhs = (sums_phi - scaled @ coupling) / noise[:, None]
        # φ ~ N(M⁻¹ r, M⁻¹) with M = L Lᵀ: φ = L⁻ᵀ (L⁻¹ r + ε).
        inverse = np.linalg.inv(np.linalg.cholesky(precision))
        half = np.einsum("ckl,cl->ck", inverse, rhs) + normal_phi[t]
        phi = np.einsum("clk,cl->ck", inverse, half)
        theta = scaled - (phi @ coupling.T) / noise_diag + normal_theta[t] / np.sqrt(diag)
        nu = phi[:, :n_j]
        if free_mean:
            mu = phi[:, n_j]
        residual = y_row - mu[:, None] - np.take(theta, s_idx, axis=1) - np.take(nu, j_idx, axis=1)
        squares = np.empty((len(names), c))
        if pair is not None:
            # ξ | rest: the residual shrunk by τ_ξ² / (τ_ξ² + σ²).
            pair_var = var[row["pair"]]
            shrink = pair_var / noise
            spread_pair = np.sqrt(shrink * var[row["noise"]])[:, None]
            pair = residual * shrink[:, None] + spread_pair * rng.standard_normal((c, n_obs))
            residual = residual - pair
            squares[row["pair"]] = np.einsum("ci,ci->c", pair, pair)
        squares[row["noise"]] = np.einsum("ci,ci->c", residual, residual)
        squares[row["submission"]] = np.einsum("cs,cs->c", theta, theta)
        squares[row["juror"]] = np.einsum("cj,cj->c", nu, nu)
        # Half-Cauchy (Makalic & Schmidt 2016): τ² | a, then a | τ², both inverse gamma.
        drawn = (squares * 0.5 + 1.0 / aux) / gamma[t]
        drawn_aux = (inverse_a2[:, None] + 1.0 / drawn) / exponential[t]
        var = np.where(half_cauchy[:, None], drawn, var)
        aux = np.where(half_cauchy[:, None], drawn_aux, aux)
        for i in uniform:
            var[i] = _truncated_variance(prior_list[i].scale, squares[i], count[i], rng)
        if step >= burn_in:
            kept_effect[:, step - burn_in] = theta
            kept_juror[:, step - burn_in] = nu
            kept_mean[:, step - burn_in] = mu
            kept_sd[:, :, step - burn_in] = var
        if progress and (step + 1) % 100 == 0:
            progress(100)
    if progress:
        progress((burn_in + draws) % 100)
    kept_mean += fixed_mean
    sd = {name: np.sqrt(kept_sd[i]) for i, name in enumerate(names)}
    return Posterior(kept_effect, kept_juror, kept_mean, sd)


def _outer_rows(coupling: np.ndarray) -> sp.csr_matrix:
    """(k², submissions) sparse matrix whose column s is vec(c_s c_sᵀ), c_s = coupling[s].

    ``quadratic @ w`` is then vec(Σ_s w_s c_s c_sᵀ) = vec(Cᵀ diag(w) C), at the cost of the
    non-zeros: each submission is read by a few jurors.
    """
    n_s, k = coupling.shape
    rows, cols, values = [], [], []
    for s in range(n_s):
        (nonzero,) = np.nonzero(coupling[s])
        weights = coupling[s, nonzero]
        rows.append((nonzero[:, None] * k + nonzero[None, :]).ravel())
        cols.append(np.full(nonzero.size**2, s))
        values.append(np.outer(weights, weights).ravel())
    if not rows:
        return sp.csr_matrix((k * k, 0))
    return sp.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(k * k, n_s)
    )


def _truncated_variance(
    upper: float, squares: np.ndarray, count: int, rng: np.random.Generator
) -> np.ndarray:
    """A variance under a uniform(0, upper) prior on its SD, given n values' sum of squares.

    Uniform(0, U) on τ is p(τ²) ∝ τ⁻¹, so the precision λ = 1/τ² is Gamma((n − 1)/2,
    rate Σx²/2) truncated to λ ≥ 1/U². It is drawn by inverting the upper tail of the gamma
    distribution, which stays accurate when the truncation point lies far in that tail.
    """
    shape = (count - 1) / 2
    rate = np.maximum(squares / 2, 1e-300)
    low = rate / upper**2
    tail = gammaincc(shape, low)
    u = rng.uniform(size=squares.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        drawn = gammainccinv(shape, u * tail)
    drawn = np.where((tail > 0) & np.isfinite(drawn), np.maximum(drawn, low), low)
    return rate / drawn


def split_r_hat(draws: np.ndarray) -> np.ndarray:
    """Split-R̂ of each parameter from (chains, draws, parameters) samples.

    Each chain is cut in two halves, giving m = 2 × chains sequences of n draws; with W the
    mean within-sequence variance and B/n the variance of the sequence means,
    R̂ = sqrt(((n − 1)/n · W + B/n) / W) (Gelman et al. 2013, *Bayesian Data Analysis*, 3rd
    ed., §11.4). Near 1 when the chains agree; a parameter that does not vary gets 1.
    """
    n = draws.shape[1]
    half = n // 2
    if half < 2:
        return np.full(draws.shape[2], np.nan)
    parts = np.concatenate([draws[:, :half], draws[:, half : 2 * half]], axis=0)
    within = parts.var(axis=1, ddof=1).mean(axis=0)
    between = half * parts.mean(axis=1).var(axis=0, ddof=1)
    pooled = (half - 1) / half * within + between / half
    with np.errstate(divide="ignore", invalid="ignore"):
        r_hat = np.sqrt(pooled / within)
    return np.where(within > 0, r_hat, 1.0)


@dataclass(frozen=True)
class RankSummary:
    """Posterior of each submission's rank (NaN / sentinel where it has no score)."""

    expected: np.ndarray
    """ER: posterior mean of the rank (NaN for a submission without a score)."""
    intervals: dict[str, np.ndarray]
    """(submissions × 2) integer credible intervals, by name (see ``INTERVALS``)."""


def rank_summary(merit: np.ndarray) -> RankSummary:
    """Expected ranks and credible intervals from (draws × submissions) signed merits.

    Rank 1 is the highest merit in a draw; NaN merits (no score) rank last and get NaN and
    zeros. Interval bounds are quantiles of the ranks taken as draws (``inverted_cdf``),
    so they are ranks themselves.
    """
    if merit.shape[0] == 0:
        empty = np.zeros((merit.shape[1], 2), dtype=np.int64)
        return RankSummary(np.full(merit.shape[1], np.nan), dict.fromkeys(INTERVALS, empty))
    scored = np.isfinite(merit).all(axis=0)
    ranks = rank_matrix(merit)
    expected = np.where(scored, ranks.mean(axis=0), np.nan)
    intervals = {}
    for name, (low, high) in INTERVALS.items():
        bounds = np.quantile(ranks, (low, high), axis=0, method="inverted_cdf")
        intervals[name] = np.where(scored[:, None], bounds.T, 0).astype(np.int64)
    return RankSummary(expected, intervals)


def interval_band(
    summary: RankSummary, eligible: np.ndarray, places: int
) -> tuple[np.ndarray, float | None]:
    """The SNSF's lottery band: submissions whose 50% credible interval of the rank crosses
    the expected rank of the last fundable one.

    ``summary`` is of ranks among the eligible (ineligible submissions have NaN merits); the
    provisional funding line FL is the ER of the ``places``-th eligible submission by ER.
    A submission is in the band when its 50% interval [l, h] holds FL (l ≤ FL ≤ h), and the
    last fundable one always is (its ER is a mean, its interval quantiles): Heyard et al.
    (2022); ERforResearch's ``plot_er_distributions``. Returns the band as a boolean mask
    and FL (None, and an empty band, when every eligible submission or none can be funded).
    """
    ranked = np.flatnonzero(eligible & np.isfinite(summary.expected))
    if not 0 < places < ranked.size:
        return np.zeros(eligible.shape, dtype=bool), None
    by_er = ranked[np.argsort(summary.expected[ranked], kind="stable")]
    last = by_er[places - 1]
    line = float(summary.expected[last])
    low, high = summary.intervals["rank_interval_50"].T
    band = np.zeros(eligible.shape, dtype=bool)
    band[ranked] = (low[ranked] <= line) & (line <= high[ranked])
    band[last] = True
    return band, line


def chain_length(draws: int) -> int:
    """Kept iterations per chain for ``draws`` kept draws in all."""
    return -(-draws // CHAINS)


def posterior_merit(
    juror: np.ndarray,
    submission: np.ndarray,
    total: np.ndarray,
    n_jurors: int,
    n_submissions: int,
    sign: float,
    priors: Priors,
    burn_in: int,
    draws: int,
    rng: np.random.Generator,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, float | None]:
    """Signed submission effects sign × θ, (draws × submissions), and the largest split-R̂.

    ``draws`` are kept in all, over ``CHAINS`` chains of ``burn_in`` + ``chain_length(draws)``
    iterations, taken iteration by iteration across the chains. Submissions without a total
    get NaN (they are not ranked) and are left out of the R̂ (None: too few draws for one).
    """
    posterior = gibbs_totals(
        juror,
        submission,
        total,
        n_jurors,
        n_submissions,
        priors,
        burn_in,
        chain_length(draws),
        rng,
        progress=progress,
    )
    scored = np.bincount(submission, minlength=n_submissions) > 0
    r_hat = split_r_hat(posterior.effect[:, :, scored])
    merit = sign * posterior.effect.transpose(1, 0, 2).reshape(-1, n_submissions)[:draws]
    merit[:, ~scored] = np.nan
    finite = r_hat[np.isfinite(r_hat)]
    return merit, float(finite.max()) if finite.size else None


def domain_figures(
    domain_id: str,
    ids: list[str],
    merit: np.ndarray,
    eligible: np.ndarray,
    selected: np.ndarray,
    places: int,
    r_hat: float | None,
    priors: Priors | None,
) -> tuple[dict, list[str]]:
    """A domain's record in the results and its lottery band.

    ``merit`` is (draws × submissions) signed effects (NaN: no score); ``selected`` the
    (draws × submissions) selections under the competition's rules, so that ``p_selected``
    is the posterior probability of being among the domain's places. Expected ranks and
    intervals are over every scored submission of the domain, as published; the band is
    computed among the eligible ones, as only they can be funded.
    """
    summary = rank_summary(merit)
    among_eligible = rank_summary(np.where(eligible[None, :], merit, np.nan))
    band, line = interval_band(among_eligible, eligible, places)
    p = selected.mean(axis=0) if selected.shape[0] else np.zeros(len(ids))
    per_sub = {}
    for i, sub_id in enumerate(ids):
        scored = bool(np.isfinite(summary.expected[i]))
        per_sub[sub_id] = {
            "p_selected": published(p[i]),
            "expected_rank": published(summary.expected[i]) if scored else None,
            **{
                name: [int(b) for b in summary.intervals[name][i]] if scored else None
                for name in INTERVALS
            },
        }
    record = {
        "submissions": per_sub,
        "line_expected_rank": None if line is None else published(line),
        "priors": None if priors is None else priors.describe(),
        "r_hat_max": None if r_hat is None else published(r_hat),
        "seed_purpose": ["gibbs", domain_id],
    }
    return record, sorted(ids[i] for i in np.flatnonzero(band))


def run_record(burn_in: int, draws: int) -> dict:
    """What the results say of the model and the sampler."""
    return {
        "model": "total = mean + submission effect + juror effect + noise, per domain "
        "(Heyard et al. 2022); half-Cauchy priors on the three standard deviations",
        "sampler": f"Gibbs, {CHAINS} chains, location block drawn jointly",
        "burn_in": burn_in,
        "draws": draws,
        "chains": CHAINS,
        "interval_50": 0.5,
        "band": "50% credible interval of the rank crosses the expected rank of the last "
        "fundable submission",
    }


def convergence_problem(domain_id: str, r_hat: float | None, label: str) -> Problem | None:
    """A warning when the chains of a domain disagree (split-R̂ above ``R_HAT_LIMIT``)."""
    if r_hat is None or r_hat <= R_HAT_LIMIT:
        return None
    return Problem.coded(
        label, "chains_disagree", domain=domain_id, r_hat=round(r_hat, 3), limit=R_HAT_LIMIT
    )
