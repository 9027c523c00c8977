"""Calibrate jurors' totals so that a harsh or lenient juror does not decide the outcome.

Every method maps one juror's total ``t`` to ``(t - bias[j]) / scale[j]``, a value on the
rubric's own scale, so calibrated scores read like the scores jurors gave. Methods are pure
functions over parallel arrays of one domain's observations (one per juror and submission).

``raw`` and ``zscore`` look at each juror alone; ``percentile`` too, but only at the order of
a juror's totals. ``additive`` and ``affine`` fit a model over the juror–submission graph, so
they can tell a lenient juror from one who happened to read strong submissions; their biases
are comparable only within a connected component of that graph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator, cg
from scipy.special import log_ndtr

MIN_SCORES = {"raw": 0, "zscore": 3, "percentile": 3, "additive": 2, "affine": 3, "hetero": 3}
"""Fewest totals a juror needs for the method to estimate them; fewer leaves them neutral."""


@dataclass(frozen=True)
class Calibration:
    """The result of calibrating one domain.

    ``calibrated`` has one value per observation; ``bias``, ``scale``, ``fallback``,
    ``bias_se`` and ``scale_se`` one per juror (indexed by the juror codes passed in).
    ``fallback`` marks jurors left neutral (bias 0, scale 1) because they gave too few totals,
    or totals with no spread. ``bias_se`` and ``scale_se`` are standard errors, NaN where the
    method does not estimate them (left unset, they are filled with NaN). ``components`` is,
    for graph methods, the connected component of each submission in the juror–submission
    graph the method fitted (``None`` otherwise): biases are comparable only within one.
    ``converged`` is False when an iterative fit stopped at its iteration limit.

    Precision-weighted methods (``hetero``) also fill ``noise_sd`` and ``weight`` per juror
    (noise standard deviation in points; share of the domain's influence, summing to 1),
    ``share`` per observation (its share of its submission's weight, summing to 1 per
    submission) and ``shrunk`` and ``shrinkage`` per submission (the shrunk quality, i.e.
    the mean of ``calibrated``, and the factor ``k`` that pulled it towards the domain
    mean). Left unset they are NaN (``noise_sd``, ``weight`` per juror; ``share`` per
    observation; ``shrunk``, ``shrinkage`` have one value per submission, unknown to other
    methods, and stay ``None``). ``ceiling``, ``floor`` and ``coarse`` flag jurors whose
    totals pile up at an end of the scale or take at most 3 distinct values (``hetero``;
    False for other methods). ``noise_sd_se`` and ``weight_se`` are approximate standard
    errors of ``noise_sd`` and ``weight`` (NaN where not estimated); ``prior_mean`` (per
    submission, ``None`` for other methods) is the mean each quality is shrunk towards.
    """

    method: str
    calibrated: np.ndarray
    bias: np.ndarray
    scale: np.ndarray
    fallback: np.ndarray
    bias_se: np.ndarray | None = None
    scale_se: np.ndarray | None = None
    components: np.ndarray | None = None
    converged: bool = True
    noise_sd: np.ndarray | None = None
    weight: np.ndarray | None = None
    share: np.ndarray | None = None
    shrunk: np.ndarray | None = None
    shrinkage: np.ndarray | None = None
    ceiling: np.ndarray | None = None
    floor: np.ndarray | None = None
    coarse: np.ndarray | None = None
    noise_sd_se: np.ndarray | None = None
    weight_se: np.ndarray | None = None
    prior_mean: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("ceiling", "floor", "coarse"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.zeros(self.bias.shape, dtype=bool))
        for name in ("bias_se", "scale_se", "noise_sd", "weight", "noise_sd_se", "weight_se"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.full(self.bias.shape, np.nan))
        if self.share is None:
            object.__setattr__(self, "share", np.full(self.calibrated.shape, np.nan))


def calibrate_raw(juror: np.ndarray, total: np.ndarray, n_jurors: int, **_: object) -> Calibration:
    """No correction: each juror's totals are used as given."""
    return Calibration(
        "raw",
        total.astype(np.float64, copy=True),
        np.zeros(n_jurors),
        np.ones(n_jurors),
        np.zeros(n_jurors, dtype=bool),
    )


def calibrate_zscore(
    juror: np.ndarray, total: np.ndarray, n_jurors: int, *, min_scores: int = 3, **_: object
) -> Calibration:
    """Standardise each juror's totals, then map them back onto the domain's pooled scale.

    ``calibrated = M + S · (t − m_j) / s_j`` where ``m_j, s_j`` are juror j's mean and standard
    deviation and ``M, S`` those of all totals of the domain. Assumes each juror saw a similar
    mix of quality (Gaussian-normalisation of reviewer scores; e.g. Flach et al. 2010,
    "Novel tools to streamline the conference review process", SIGKDD Explorations 12(2)).
    A juror with fewer than ``min_scores`` totals, or no spread, is left neutral.
    """
    count = np.bincount(juror, minlength=n_jurors).astype(np.float64)
    sums = np.bincount(juror, weights=total, minlength=n_jurors)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / count
        squares = np.bincount(juror, weights=(total - mean[juror]) ** 2, minlength=n_jurors)
        sd = np.sqrt(squares / (count - 1))
    pooled_mean = float(total.mean()) if total.size else 0.0
    pooled_sd = float(total.std(ddof=1)) if total.size > 1 else 0.0
    spread_floor = 1e-9 * max(1.0, abs(pooled_mean))
    fallback = (count < max(min_scores, 2)) | ~(sd > spread_floor) | (pooled_sd <= spread_floor)
    scale = np.where(fallback, 1.0, sd / pooled_sd if pooled_sd > 0 else 1.0)
    bias = np.where(fallback, 0.0, mean - scale * pooled_mean)
    calibrated = (total - bias[juror]) / scale[juror]
    return Calibration("zscore", calibrated, bias, scale, fallback)


def calibrate_percentile(
    juror: np.ndarray,
    total: np.ndarray,
    n_jurors: int,
    *,
    min_scores: int = 3,
    reference: np.ndarray | None = None,
    **_: object,
) -> Calibration:
    """Replace each total by its percentile among the juror's totals, read on a pooled scale.

    Juror j's total ranked ``r`` (mid-rank for ties, 1-based) among their ``n_j`` totals has
    percentile ``p = (r − ½) / n_j``, and ``calibrated = Q(p)``, where ``Q`` is the empirical
    quantile function of the reference totals (by default all totals of the domain) with
    Hazen plotting positions: the k-th smallest of ``N`` reference totals sits at
    ``(k − ½) / N``, linearly interpolated in between and held constant beyond the ends
    (definition 5 of Hyndman & Fan 1996, "Sample quantiles in statistical packages",
    The American Statistician 50(4)). Calibrated totals therefore stay on the rubric's scale,
    a domain with a single juror is mapped onto itself, and a juror whose totals all tie
    is read at the reference median.

    Assumes only that each juror saw a similar mix of quality; unlike ``zscore`` it is
    unchanged by any strictly increasing distortion of a juror's scale (a juror who uses only
    the top of the scale, or stretches its middle), since only the order of a juror's totals
    is used. That order carries less information than the totals when jurors are reliable.

    Parameters
    ----------
    juror, total, n_jurors
        Juror codes, totals and the number of jurors of the domain.
    min_scores
        Jurors with fewer totals keep them as given (``fallback``).
    reference
        Totals whose distribution the percentiles are read on; defaults to ``total``. Pass a
        fixed reference to make one juror's calibrated totals independent of the others'.

    Returns
    -------
    Calibration
        The mapping is not affine, so ``bias`` and ``scale`` describe it only approximately:
        they are the least-squares fit of ``calibrated ≈ (t − bias) / scale`` over the juror's
        totals, never NaN (scale 1 with matching means when the juror's totals, or their
        calibrated totals, all tie; exact when the totals tie). Standard errors are NaN.
    """
    juror = np.asarray(juror, dtype=np.intp)
    total = np.asarray(total, dtype=np.float64)
    count = np.bincount(juror, minlength=n_jurors)
    fallback = count < max(min_scores, 1)
    ref = np.sort(np.asarray(total if reference is None else reference, dtype=np.float64))
    calibrated = total.copy()
    bias = np.zeros(n_jurors)
    scale = np.ones(n_jurors)
    if total.size == 0 or ref.size == 0:
        return Calibration("percentile", calibrated, bias, scale, fallback)

    order = np.lexsort((total, juror))
    j, t = juror[order], total[order]
    index = np.arange(t.size)
    new_juror = np.r_[True, j[1:] != j[:-1]]
    new_run = new_juror | np.r_[True, t[1:] != t[:-1]]
    juror_start = np.maximum.accumulate(np.where(new_juror, index, 0))
    run_start = np.flatnonzero(new_run)
    run_end = np.r_[run_start[1:], t.size] - 1
    run = np.cumsum(new_run) - 1
    middle = (run_start[run] + run_end[run]) / 2 - juror_start
    percentile = (middle + 0.5) / count[j]
    grid = (np.arange(ref.size) + 0.5) / ref.size
    mapped = np.interp(percentile, grid, ref)
    keep = ~fallback[j]
    calibrated[order[keep]] = mapped[keep]

    n = count.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_t = np.bincount(juror, weights=total, minlength=n_jurors) / n
        mean_c = np.bincount(juror, weights=calibrated, minlength=n_jurors) / n
        dt = total - mean_t[juror]
        var_t = np.bincount(juror, weights=dt * dt, minlength=n_jurors) / n
        cov = np.bincount(juror, weights=dt * (calibrated - mean_c[juror]), minlength=n_jurors) / n
    first = np.flatnonzero(new_juror)
    last = np.r_[first[1:], t.size] - 1
    spread = np.zeros(n_jurors, dtype=bool)
    spread[j[first]] = t[last] > t[first]
    # cov > 0 whenever the calibrated totals vary, as they rise with the totals; where they
    # do not (a flat stretch of the reference), scale 1 and matching means is the best fit.
    sloped = ~fallback & spread & (cov > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(sloped, var_t / cov, 1.0)
    bias = np.where(fallback, 0.0, mean_t - scale * mean_c)
    return Calibration("percentile", calibrated, bias, scale, fallback)


def _components(
    juror: np.ndarray, submission: np.ndarray, n_jurors: int, n_submissions: int
) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the bipartite juror–submission graph, numbered 0, 1, … in
    order of their first submission (then of their first juror, for jurors with no edge)."""
    n = n_jurors + n_submissions
    edges = sp.coo_array(
        (np.ones(juror.size), (juror, n_jurors + submission)), shape=(n, n)
    ).tocsr()
    n_labels, labels = connected_components(edges, directed=False)
    seen = np.r_[labels[n_jurors:], labels[:n_jurors]]
    _, first = np.unique(seen, return_index=True)
    renumber = np.empty(n_labels, dtype=np.intp)
    renumber[np.argsort(first, kind="stable")] = np.arange(n_labels)
    labels = renumber[labels]
    return labels[:n_jurors], labels[n_jurors:]


def _batches(component: np.ndarray, limit: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Pack the members of components (labels 0..C-1) into batches of at most ``limit``
    members, whole components only; return the batches and the members of larger components."""
    size = np.bincount(component)
    order = np.argsort(component, kind="stable")
    start = np.r_[0, np.cumsum(size)]
    batches: list[np.ndarray] = []
    big: list[np.ndarray] = []
    current: list[np.ndarray] = []
    filled = 0
    for c, members in enumerate(size.tolist()):
        block = order[start[c] : start[c + 1]]
        if members > limit:
            big.append(block)
            continue
        if filled + members > limit:
            batches.append(np.concatenate(current))
            current, filled = [], 0
        current.append(block)
        filled += members
    if current:
        batches.append(np.concatenate(current))
    return batches, np.concatenate(big) if big else np.zeros(0, dtype=np.intp)


@dataclass(frozen=True)
class _Graph:
    """The observations a graph method fits, with jurors and submissions numbered locally."""

    jurors: np.ndarray  # domain codes of the fitted jurors
    juror: np.ndarray  # local juror code of each fitted observation
    submission: np.ndarray  # local submission code of each fitted observation
    total: np.ndarray
    n_submissions: int
    component: np.ndarray  # component of each fitted juror, numbered 0..C-1
    size: np.ndarray  # fitted jurors per component, as floats
    components: np.ndarray  # component of each of the domain's submissions


def _graph(
    juror: np.ndarray,
    submission: np.ndarray,
    total: np.ndarray,
    fallback: np.ndarray,
    n_jurors: int,
    n_submissions: int,
) -> _Graph:
    fit = ~fallback[juror]
    juror_label, components = _components(juror[fit], submission[fit], n_jurors, n_submissions)
    jurors = np.flatnonzero(~fallback)
    local = np.zeros(n_jurors, dtype=np.intp)
    local[jurors] = np.arange(jurors.size)
    seen, local_submission = np.unique(submission[fit], return_inverse=True)
    component = np.unique(juror_label[jurors], return_inverse=True)[1]
    return _Graph(
        jurors,
        local[juror[fit]],
        local_submission,
        total[fit],
        seen.size,
        component,
        np.bincount(component).astype(np.float64),
        components,
    )


def _conjugate_gradient(
    matrix: sp.csr_array, rhs: np.ndarray, component: np.ndarray, alpha: float
) -> tuple[np.ndarray, bool]:
    """Solve ``(matrix + alpha·P) x = rhs`` by Jacobi-preconditioned conjugate gradients, where
    ``P`` averages within each component."""
    component = np.unique(component, return_inverse=True)[1]
    size = np.bincount(component).astype(np.float64)

    def apply(x: np.ndarray) -> np.ndarray:
        x = np.ravel(x)
        return matrix @ x + alpha * (np.bincount(component, x, size.size) / size)[component]

    inverse_diagonal = 1.0 / (matrix.diagonal() + alpha / size[component])
    n = rhs.size
    system = LinearOperator((n, n), matvec=apply, dtype=np.float64)
    jacobi = LinearOperator((n, n), matvec=lambda x: inverse_diagonal * np.ravel(x))
    x, info = cg(system, rhs, rtol=1e-10, atol=0.0, maxiter=10 * n + 100, M=jacobi)
    return x, info == 0


def calibrate_additive(
    juror: np.ndarray,
    total: np.ndarray,
    n_jurors: int,
    *,
    submission: np.ndarray,
    n_submissions: int,
    min_scores: int = 2,
    ridge: float | str = "auto",
    se_max_jurors: int = 2000,
    **_: object,
) -> Calibration:
    r"""Fit each submission's quality and each juror's bias jointly over the juror–submission graph.

    Model: ``t_js = q_s + b_j + ε_js`` with independent noise of variance ``σ²``. The fit
    minimises

    .. math:: \sum_{(j,s)} (t_{js} - q_s - b_j)^2 + \lambda \sum_j b_j^2,

    the regularised least squares used to calibrate NIPS reviews from 2006 to 2012 (J. Platt
    and C. Burges 2012, "Regularised least squares to remove reviewer bias"); NIPS 2013 and
    2014 used its Bayesian reading (H. Ge, M. Welling and Z. Ghahramani 2013, "A Bayesian
    model for calibrating conference review scores"; N. Lawrence 2014, "Reviewer calibration
    for NIPS", inverseprobability.com). ``calibrated = t − b_j``, so a submission's mean
    calibrated total over its fitted jurors is its fitted quality ``q_s``.

    Eliminating ``q`` (``q_s`` is the mean of ``t − b`` over its jurors) leaves the normal
    equations for the biases, the Schur complement
    ``S = diag(n_j + λ) − A diag(1/n_s) Aᵀ``, ``S b = T_j − A (T_s / n_s)``, with ``A`` the
    juror × submission incidence matrix, ``n`` counts and ``T`` sums of totals. ``S`` is
    sparse; it is solved by dense Cholesky per batch of connected components of at most
    ``se_max_jurors`` jurors, and by preconditioned conjugate gradients for larger components.

    Biases are identified only up to a constant within each connected component of the graph
    (add ``c`` to every bias and subtract it from every quality). The ridge penalty fixes it:
    at the optimum the biases of each component have a plain (unweighted) mean of zero, which
    is also imposed explicitly, and is the constraint used when ``ridge = 0``. The penalty also
    shrinks the bias of a juror with few totals towards 0; it is the ratio ``σ² / τ²`` of the
    noise variance to a prior variance of biases, ``b_j ~ N(0, τ²)``: the default 1 says a
    juror's bias is a priori about as large as one total's noise. Biases of different
    components are not comparable; ``components`` labels each submission's component.

    Parameters
    ----------
    juror, total, n_jurors, submission, n_submissions
        The domain's observations: parallel juror codes, totals and submission codes.
    min_scores
        Jurors with fewer totals are left out of the fit and keep their totals (``fallback``).
    ridge
        The penalty ``λ ≥ 0`` on biases, in units of the noise variance; ``"auto"``
        (default) estimates it from the data by the method of moments, empirical-Bayes
        style: ``λ = σ̂² / τ̂²`` with ``σ̂²`` the residual variance of an unpenalised fit and
        ``τ̂² = max(0, var(b̂) − mean(σ̂² / n_j))`` the spread of biases beyond what noise
        alone would give. A jury without real differences in severity (``τ̂² ≈ 0``) is then
        left nearly uncorrected, and a jury with large ones is corrected fully (chosen by the
        benchmark in docs/calibration.md: a fixed λ lost to ``raw`` when jurors agree).
    se_max_jurors
        Standard errors need a dense inverse; components with more fitted jurors get NaN.

    Returns
    -------
    Calibration
        ``bias`` (``scale`` is 1), ``components`` of the graph of fitted jurors, and
        ``bias_se``: the posterior standard deviation of ``b_j`` relative to its component's
        mean under the Bayesian reading of the penalty (flat prior on quality),
        ``σ̂² [S⁺]_jj`` restricted to contrasts within the component, with
        ``σ̂² = RSS / (N − #submissions − #jurors + #components)``.
    """
    juror = np.asarray(juror, dtype=np.intp)
    submission = np.asarray(submission, dtype=np.intp)
    total = np.asarray(total, dtype=np.float64)
    count = np.bincount(juror, minlength=n_jurors)
    fallback = count < max(min_scores, 1)
    graph = _graph(juror, submission, total, fallback, n_jurors, n_submissions)
    bias = np.zeros(n_jurors)
    bias_se = np.full(n_jurors, np.nan)
    converged = True
    if graph.jurors.size:
        if ridge == "auto":
            ridge = _empirical_ridge(graph, se_max_jurors)
        b, se, converged = _fit_additive(graph, float(ridge), se_max_jurors)
        bias[graph.jurors] = b
        bias_se[graph.jurors] = se
    return Calibration(
        "additive",
        total - bias[juror],
        bias,
        np.ones(n_jurors),
        fallback,
        bias_se=bias_se,
        components=graph.components,
        converged=converged,
    )


MAX_RIDGE = 1e6
"""λ used when the data show no spread of severity beyond noise: biases are then ≈ 0."""


def _empirical_ridge(graph: _Graph, se_max_jurors: int) -> float:
    """Method-of-moments estimate of ``σ² / τ²`` from an unpenalised additive fit."""
    b, _, _ = _fit_additive(graph, 0.0, se_max_jurors)
    shifted = graph.total - b[graph.juror]
    counts = np.bincount(graph.submission, minlength=graph.n_submissions)
    sums = np.bincount(graph.submission, weights=shifted, minlength=graph.n_submissions)
    quality = np.divide(sums, counts, out=np.zeros(graph.n_submissions), where=counts > 0)
    residual = shifted - quality[graph.submission]
    n_components = int(graph.size.size)
    dof = graph.total.size - np.count_nonzero(counts) - graph.jurors.size + n_components
    if dof <= 0 or b.size < 2:
        return MAX_RIDGE
    noise = float(residual @ residual) / dof
    per_juror = np.bincount(graph.juror, minlength=graph.jurors.size)
    spread = float(np.var(b, ddof=1)) - noise * float(np.mean(1.0 / per_juror))
    if spread <= noise / MAX_RIDGE:
        return MAX_RIDGE
    return noise / spread


def _fit_additive(
    graph: _Graph, ridge: float, se_max_jurors: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    j, s, t = graph.juror, graph.submission, graph.total
    n_j, n_s = graph.jurors.size, graph.n_submissions
    incidence = sp.csr_array((np.ones(t.size), (j, s)), shape=(n_j, n_s))
    per_submission = np.bincount(s, minlength=n_s).astype(np.float64)
    sum_submission = np.bincount(s, weights=t, minlength=n_s)
    per_juror = np.bincount(j, minlength=n_j).astype(np.float64)
    sum_juror = np.bincount(j, weights=t, minlength=n_j)
    normal = (
        sp.diags_array(per_juror + ridge)
        - incidence @ sp.diags_array(1.0 / per_submission) @ incidence.T
    ).tocsr()
    rhs = sum_juror - incidence @ (sum_submission / per_submission)

    # S·1 = λ·1 on each component, so adding α·P (P averages within a component) changes no
    # solution orthogonal to the constants, and makes S positive definite even when λ = 0.
    component, size = graph.component, graph.size
    alpha = max(1.0, float(normal.diagonal().mean()))
    b = np.zeros(n_j)
    variance = np.full(n_j, np.nan)
    converged = True
    batches, big = _batches(component, se_max_jurors)
    for members in batches:
        c = component[members]
        block = normal[members][:, members].toarray()
        block += alpha * (c[:, None] == c[None, :]) / size[c]
        factor, info = lapack.dpotrf(block, lower=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"normal equations not positive definite (info={info})")
        b[members] = lapack.dpotrs(factor, rhs[members], lower=1)[0]
        # (S + αP)⁻¹ = S⁺ on contrasts + P/(λ + α): subtracting the last term leaves the
        # variance of b_j minus its component mean.
        inverse = lapack.dpotri(factor, lower=1)[0]
        variance[members] = np.diag(inverse) - 1.0 / ((ridge + alpha) * size[c])
    if big.size:
        b[big], converged = _conjugate_gradient(
            normal[big][:, big], rhs[big], component[big], alpha
        )
    b -= (np.bincount(component, weights=b) / size)[component]

    quality = (sum_submission - incidence.T @ b) / per_submission
    residual = t - quality[s] - b[j]
    dof = t.size - n_s - n_j + size.size
    sigma2 = float(residual @ residual) / dof if dof > 0 else np.nan
    se = np.sqrt(sigma2 * np.clip(variance, 0.0, None))
    return b, se, converged


def calibrate_affine(
    juror: np.ndarray,
    total: np.ndarray,
    n_jurors: int,
    *,
    submission: np.ndarray,
    n_submissions: int,
    min_scores: int = 3,
    ridge_bias: float = 1.0,
    ridge_log_scale: float = 1.0,
    tol: float = 1e-10,
    max_iter: int = 100,
    se_max_jurors: int = 1000,
    **_: object,
) -> Calibration:
    r"""Fit each submission's quality and each juror's offset and scale over the graph.

    Model: ``t_js = m + a_j (q_s − m + ε_js) + d_j``, with ``m`` the mean of the fitted
    totals, ``a_j = exp(u_j) > 0`` juror j's scale (how much of a difference in quality shows
    in their totals), ``d_j`` their offset at ``m``, and noise ``ε`` of variance ``σ²`` on the
    quality scale, so that a juror's noise in points grows with their scale. It is the
    examiner-calibration model of R. Paul 1981 ("Bayesian methods for calibration of
    examiners", Brit. J. Math. Stat. Psychol. 34), the affine extension of ``additive``.
    ``calibrated = m + (t − m − d_j) / a_j``, i.e. ``bias = d_j + m (1 − a_j)`` and
    ``scale = a_j`` in the contract's form, and the fit minimises

    .. math:: \sum_{(j,s)} (c_{js} - q_s)^2 + \lambda_d \sum_j d_j^2
              + \lambda_u v \sum_j u_j^2,

    over ``q, u, d``, where ``c_js`` is the calibrated total: jurors are mapped so that they
    agree as closely as possible on each submission, and a submission's mean calibrated total
    is its fitted quality ``q_s``. A juror whose totals run against everyone else's gets a
    large scale (their totals are read as mostly noise) rather than a scale near 0 that
    would magnify them. The penalties are Gaussian priors on the jurors (``λ_d = σ²/τ_d²``,
    ``λ_u v = σ²/τ_u²``), with ``v`` the variance of the fitted totals so that ``λ_u``, like
    ``λ_d``, counts pseudo-totals (one standard deviation from the mean): a juror with few
    totals stays near scale 1 and offset 0.

    Identifiability: within each connected component, ``q − m → α(q − m) + β`` with
    ``a → a/α`` and ``d → d − aβ/α`` leaves every fitted total unchanged and moves every
    calibrated total by the same increasing affine map. The shift ``β`` leaves the residuals
    unchanged too; the offset penalty fixes it by ``Σ_j a_j d_j = 0``
    in each component at its optimum, which is also imposed afterwards (and so holds when
    ``λ_d = 0``). The stretch ``α`` does not (the residuals shrink with the calibrated
    totals), so the log-scales are held to mean 0 in each component throughout the fit.

    Fitting: ``q`` is the mean calibrated total of each submission, eliminated in closed
    form, which leaves residuals ``c − q`` that are a fixed projection of ``c`` (variable
    projection, G. Golub and V. Pereyra 2003, "Separable nonlinear least squares: the
    variable projection method and its applications", Inverse Problems 19, here with an
    exact Jacobian). ``(u, d)`` are fitted by Levenberg–Marquardt with Nielsen's damping
    update (H. B. Nielsen 1999, "Damping parameter in Marquardt's method", IMM DTU), each
    step solved matrix-free by preconditioned conjugate gradients, from the neutral start
    ``u = 0, d = 0``: deterministic, stopped when a step is below ``tol`` relative to the
    parameters or after ``max_iter`` steps (then ``converged`` is False).

    Parameters
    ----------
    juror, total, n_jurors, submission, n_submissions
        The domain's observations: parallel juror codes, totals and submission codes.
    min_scores
        Jurors with fewer totals (at least 2), or whose totals are all equal, are left out of
        the fit and keep their totals (``fallback``).
    ridge_bias, ridge_log_scale
        The penalties ``λ_d, λ_u ≥ 0``. With ``λ_u = 0`` a juror whose totals run against
        the others' has no finite scale.
    tol, max_iter
        Relative step size at which the fit stops, and the most steps it tries.
    se_max_jurors
        Standard errors need a dense inverse; components with more fitted jurors get NaN.

    Returns
    -------
    Calibration
        ``bias``, ``scale``, ``components`` of the graph of fitted jurors, and approximate
        standard errors: the Gauss–Newton (Laplace) covariance ``σ̂² (JᵀJ)⁻¹`` of ``(u, d)``
        at the optimum, penalty rows included, restricted to the constraint surface above
        (the inverse of the bordered matrix), then the delta method for ``a = eᵘ`` and
        ``d + m(1 − a)``; ``σ̂² = RSS / (N − #submissions − 2·#jurors + 2·#components)``.
        Being linearised, they understate the uncertainty of jurors with few totals.
    """
    juror = np.asarray(juror, dtype=np.intp)
    submission = np.asarray(submission, dtype=np.intp)
    total = np.asarray(total, dtype=np.float64)
    count = np.bincount(juror, minlength=n_jurors)
    low = np.full(n_jurors, np.inf)
    high = np.full(n_jurors, -np.inf)
    np.minimum.at(low, juror, total)
    np.maximum.at(high, juror, total)
    fallback = (count < max(min_scores, 2)) | ~(high > low)
    graph = _graph(juror, submission, total, fallback, n_jurors, n_submissions)
    bias = np.zeros(n_jurors)
    scale = np.ones(n_jurors)
    bias_se = np.full(n_jurors, np.nan)
    scale_se = np.full(n_jurors, np.nan)
    converged = True
    if graph.jurors.size:
        fit = _AffineFit(graph, ridge_bias, ridge_log_scale)
        theta, converged = fit.solve(tol, max_iter)
        fitted_scale, fitted_bias, se_scale, se_bias = fit.summary(theta, se_max_jurors)
        bias[graph.jurors] = fitted_bias
        scale[graph.jurors] = fitted_scale
        bias_se[graph.jurors] = se_bias
        scale_se[graph.jurors] = se_scale
    return Calibration(
        "affine",
        (total - bias[juror]) / scale[juror],
        bias,
        scale,
        fallback,
        bias_se=bias_se,
        scale_se=scale_se,
        components=graph.components,
        converged=converged,
    )


class _AffineFit:
    """The affine model's residuals and Gauss–Newton pieces in ``θ = (u, d)``, with the
    qualities profiled out and the log-scales ``u`` kept centred within each component."""

    def __init__(self, graph: _Graph, ridge_bias: float, ridge_log_scale: float) -> None:
        self.graph = graph
        self.n = graph.jurors.size
        self.centre = float(graph.total.mean())
        self.y = graph.total - self.centre
        self.w_u = float(np.sqrt(ridge_log_scale * (self.y @ self.y) / self.y.size))
        self.w_d = float(np.sqrt(ridge_bias))
        n_s = graph.n_submissions
        self.per_submission = np.bincount(graph.submission, minlength=n_s).astype(np.float64)
        pairs, self.pair = np.unique(graph.juror * n_s + graph.submission, return_inverse=True)
        self.pair_juror, self.pair_submission = pairs // n_s, pairs % n_s

    def centred(self, v: np.ndarray) -> np.ndarray:
        component, size = self.graph.component, self.graph.size
        return v - (np.bincount(component, weights=v, minlength=size.size) / size)[component]

    def project(self, x: np.ndarray) -> np.ndarray:
        """Remove each submission's mean from per-observation values."""
        s = self.graph.submission
        means = np.bincount(s, weights=x, minlength=self.graph.n_submissions)
        return x - (means / self.per_submission)[s]

    def calibrated(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scales, and calibrated totals minus ``m``."""
        a = np.exp(theta[: self.n])
        return a, (self.y - theta[self.n :][self.graph.juror]) / a[self.graph.juror]

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        c = self.calibrated(theta)[1]
        return np.r_[self.project(c), self.w_u * theta[: self.n], self.w_d * theta[self.n :]]

    def derivatives(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``∂c/∂u_j`` and ``∂c/∂d_j`` of each observation, for its juror j."""
        a, c = self.calibrated(theta)
        return -c, -1.0 / a[self.graph.juror]

    def gradient(self, der: tuple[np.ndarray, np.ndarray], residual: np.ndarray) -> np.ndarray:
        """``Jᵀr`` with its log-scale part centred (steps keep ``u`` centred)."""
        j, n, rows = self.graph.juror, self.n, self.y.size
        fit = residual[:rows]
        by_u = np.bincount(j, weights=der[0] * fit, minlength=n) + self.w_u * residual[rows:-n]
        by_d = np.bincount(j, weights=der[1] * fit, minlength=n) + self.w_d * residual[-n:]
        return np.r_[self.centred(by_u), by_d]

    def hessian_vector(self, der: tuple[np.ndarray, np.ndarray], p: np.ndarray) -> np.ndarray:
        """``JᵀJ p``."""
        j, n = self.graph.juror, self.n
        image = self.project(der[0] * p[:n][j] + der[1] * p[n:][j])
        return np.r_[
            np.bincount(j, weights=der[0] * image, minlength=n) + self.w_u**2 * p[:n],
            np.bincount(j, weights=der[1] * image, minlength=n) + self.w_d**2 * p[n:],
        ]

    def hessian_diagonal(self, der: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        j, n = self.graph.juror, self.n

        def column_norms(x: np.ndarray) -> np.ndarray:
            per_pair = np.bincount(self.pair, weights=x)
            within = per_pair**2 / self.per_submission[self.pair_submission]
            return np.bincount(j, weights=x * x, minlength=n) - np.bincount(
                self.pair_juror, weights=within, minlength=n
            )

        return np.r_[column_norms(der[0]) + self.w_u**2, column_norms(der[1]) + self.w_d**2]

    def step(
        self,
        der: tuple[np.ndarray, np.ndarray],
        gradient: np.ndarray,
        damping: np.ndarray,
        alpha: float,
        rtol: float,
    ) -> np.ndarray:
        """Solve ``(Π(JᵀJ + D)Π + αP) δ = −g`` by preconditioned conjugate gradients, where
        ``Π`` centres the log-scale part and ``P`` averages it within components."""
        n = self.n
        component, size = self.graph.component, self.graph.size

        def apply(p: np.ndarray) -> np.ndarray:
            p = np.ravel(p)
            centred = np.r_[self.centred(p[:n]), p[n:]]
            out = self.hessian_vector(der, centred) + damping * centred
            # The centred log-scales' null direction gets eigenvalue α; the right-hand side is
            # centred, so the solution is too.
            out[:n] = self.centred(out[:n]) + alpha * (p[:n] - centred[:n])
            return out

        size_2n = 2 * n
        diagonal = self.hessian_diagonal(der) + damping
        diagonal[:n] += alpha / size[component]
        system = LinearOperator((size_2n, size_2n), matvec=apply, dtype=np.float64)
        jacobi = LinearOperator((size_2n, size_2n), matvec=lambda x: np.ravel(x) / diagonal)
        delta, _ = cg(system, -gradient, rtol=rtol, atol=0.0, maxiter=2 * size_2n + 100, M=jacobi)
        delta[:n] = self.centred(delta[:n])
        return delta

    def solve(self, tol: float, max_iter: int) -> tuple[np.ndarray, bool]:
        """Levenberg–Marquardt with Nielsen's damping update, from the neutral start."""
        theta = np.zeros(2 * self.n)
        residual = self.residuals(theta)
        cost = 0.5 * float(residual @ residual)
        der = self.derivatives(theta)
        gradient = self.gradient(der, residual)
        first = float(np.linalg.norm(gradient)) or 1.0
        alpha = max(1.0, float(self.hessian_diagonal(der).mean()))
        mu, nu = 1e-3, 2.0
        for _ in range(max_iter):
            diagonal = self.hessian_diagonal(der)
            marquardt = mu * np.maximum(diagonal, 1e-12 * max(1.0, float(diagonal.max())))
            rtol = max(1e-12, min(1e-2, float(np.linalg.norm(gradient)) / first))
            delta = self.step(der, gradient, marquardt, alpha, rtol)
            if np.linalg.norm(delta) <= tol * (tol + np.linalg.norm(theta)):
                return self.gauge(theta), True
            trial = theta + delta
            trial_residual = self.residuals(trial)
            trial_cost = 0.5 * float(trial_residual @ trial_residual)
            predicted = -float(gradient @ delta + 0.5 * delta @ self.hessian_vector(der, delta))
            if trial_cost < cost and predicted > 0:
                rho = (cost - trial_cost) / predicted
                theta, residual, cost = trial, trial_residual, trial_cost
                der = self.derivatives(theta)
                gradient = self.gradient(der, residual)
                mu *= max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
                nu = 2.0
            else:
                mu *= nu
                nu *= 2.0
        return self.gauge(theta), False

    def gauge(self, theta: np.ndarray) -> np.ndarray:
        """The representative with ``Σ u = 0`` and ``Σ a·d = 0`` in each component."""
        component = self.graph.component
        u = self.centred(theta[: self.n])
        a = np.exp(u)
        d = theta[self.n :]
        shift = np.bincount(component, weights=a * d) / np.bincount(component, weights=a * a)
        return np.r_[u, d - a * shift[component]]

    def projected(self, theta: np.ndarray) -> sp.csc_array:
        """The fit rows of the Jacobian, ``∂(c − q)/∂(u, d)``, as a sparse matrix."""
        a, c = self.calibrated(theta)
        j, s = self.graph.juror, self.graph.submission
        rows = np.arange(self.y.size)
        direct = sp.csr_array(
            (np.r_[-c, -1.0 / a[j]], (np.r_[rows, rows], np.r_[j, self.n + j])),
            shape=(self.y.size, 2 * self.n),
        )
        incidence = sp.csr_array(
            (np.ones(rows.size), (rows, s)), shape=(rows.size, self.graph.n_submissions)
        )
        means = sp.diags_array(1.0 / self.per_submission) @ (incidence.T @ direct)
        return sp.csc_array(direct - incidence @ means)

    def centring(self, members: np.ndarray) -> np.ndarray:
        component = self.graph.component[members]
        same = component[:, None] == component[None, :]
        return np.eye(members.size) - same / self.graph.size[component]

    def summary(
        self, theta: np.ndarray, se_max_jurors: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Scale, bias (contract form) and their standard errors per fitted juror."""
        n, m = self.n, self.centre
        component, size = self.graph.component, self.graph.size
        a, _ = self.calibrated(theta)
        d = theta[n:]
        residual = self.residuals(theta)[: self.y.size]
        dof = residual.size - self.graph.n_submissions - 2 * n + 2 * size.size
        sigma2 = float(residual @ residual) / dof if dof > 0 else np.nan
        var_u = np.full(n, np.nan)
        var_d = np.full(n, np.nan)
        cov_ud = np.full(n, np.nan)
        projected = self.projected(theta)
        batches, _ = _batches(component, se_max_jurors)
        for members in batches:
            k = members.size
            block = projected[:, np.r_[members, n + members]]
            hessian = (block.T @ block).toarray()
            centring = self.centring(members)
            hessian[:, :k] = hessian[:, :k] @ centring
            hessian[:k, :] = centring @ hessian[:k, :]
            hessian[:k, :k] += self.w_u**2 * centring
            hessian[k:, k:] += self.w_d**2 * np.eye(k)
            # Bordering with the linearised constraints Σv = 0 and Σ a·d = 0 makes the leading
            # block of the inverse the covariance on the constraint surface, where u = v.
            local = np.unique(component[members], return_inverse=True)[1]
            n_c = int(local.max()) + 1
            border = np.zeros((2 * k, 2 * n_c))
            border[np.arange(k), 2 * local] = 1.0
            border[np.arange(k), 2 * local + 1] = a[members] * d[members]
            border[k + np.arange(k), 2 * local + 1] = a[members]
            kkt = np.block([[hessian, border], [border.T, np.zeros((2 * n_c, 2 * n_c))]])
            unit = np.zeros((2 * k + 2 * n_c, 2 * k))
            unit[np.arange(2 * k), np.arange(2 * k)] = 1.0
            try:
                covariance = np.linalg.solve(kkt, unit)[: 2 * k]
            except np.linalg.LinAlgError:
                continue
            var_u[members] = np.diag(covariance)[:k]
            var_d[members] = np.diag(covariance)[k:]
            cov_ud[members] = covariance[np.arange(k), k + np.arange(k)]
        scale_se = a * np.sqrt(sigma2 * np.clip(var_u, 0.0, None))
        var_bias = var_d + (m * a) ** 2 * var_u - 2.0 * m * a * cov_ud
        bias_se = np.sqrt(sigma2 * np.clip(var_bias, 0.0, None))
        return a, d + m * (1.0 - a), scale_se, bias_se


NOISE_DF_MIN, NOISE_DF_MAX = 2.0, 1e6
"""Range of the pseudo-totals ``ν`` of the prior that shrinks a juror's noise variance to
the pooled one (estimated from the data, ``noise_df = "auto"``)."""
NOISE_INNER_ITER = 20
NOISE_INNER_TOL = 1e-9
"""Inner iterations (and the relative change of ``ν`` that ends them) of the noise prior's
hyper-parameters within one M-step."""
NOISE_NEWTON_STEPS = 4
"""Newton steps per M-step for the noise variances under their log-normal prior (started at
the previous iteration's value, so a few suffice; EM's own iterations finish the job)."""
HETERO_MAX_ITER = 500
HETERO_TOL = 1e-6
HYPER_DF = 2.0
"""Pseudo-jurors of the hyper-priors on the spread of biases and of log-scales."""
HYPER_BIAS_SD = 0.25
"""Prior guess of the biases' sd, as a share of the totals' sd."""
HYPER_LOG_SCALE_SD = 0.25
"""Prior guess of the log-scales' sd."""
NOISE_T_DF = 3.0
"""Degrees of freedom of the Student-t prior on the jurors' log noise variances: heavy
tails, so that one juror much more (or less) careful than the rest is believed."""
HYPER_LOG_NOISE_SD = 0.25
"""Prior guess of the sd of the jurors' log noise variances."""


def calibrate_hetero(
    juror: np.ndarray,
    total: np.ndarray,
    n_jurors: int,
    *,
    submission: np.ndarray,
    n_submissions: int,
    min_scores: int = 3,
    noise_df: float | str = "auto",
    tol: float = HETERO_TOL,
    max_iter: int = HETERO_MAX_ITER,
    censor: tuple[float, float] | None = None,
    scales: bool = True,
    joint_prior: bool = True,
    noise_prior: str = "lognormal",
    **_: object,
) -> Calibration:
    r"""Per juror a bias, a scale and a noise variance; precision-weighted, shrunk qualities.

    Model, with ``m`` the mean of the domain's totals:

    .. math::

        t_{js} = m + d_j + a_j (q_s - m) + \varepsilon_{js}, \quad
        \varepsilon_{js} \sim N(0, \sigma_j^2), \quad q_s \sim N(m + \mu, \tau^2),

        d_j \sim N(0, \tau_d^2), \quad \log a_j \sim N(0, \tau_a^2), \quad
        \sigma_j^2 \sim \text{scaled-Inv-}\chi^2(\nu, \sigma_0^2),

    the bias-and-precision model of reviewer calibration (H. Ge, M. Welling and
    Z. Ghahramani 2013, "A Bayesian model for calibrating conference review scores", its
    per-reviewer precision variant; J. Guiver and R. Herbrich 2009, the SIGKDD 2009 reviewer
    model of Infer.NET's "Calibrating reviews of conference submissions"), with an affine
    scale per juror (R. Paul 1981). The noise ``σ_j`` is in points and free per juror, so
    noise that lives on the quality scale (``σ_j ∝ a_j``) is the special case the data
    choose, not an assumption.

    Fit: EM with the qualities as latent variables, deterministic from a neutral start.
    E-step (normal–normal): with juror j's reading ``x_js = m + (t_js − m − d_j) / a_j``,
    of precision ``w_j = a_j² / σ_j²`` about ``q_s``,

    .. math::

        P_s = 1/\tau^2 + \sum_j w_j, \quad
        \hat q_s = \Big(\frac{m + \mu}{\tau^2} + \sum_j w_j x_{js}\Big) / P_s, \quad
        V_s = 1 / P_s.

    (``μ`` is per connected component.) M-step, per juror (a 2 × 2 ridge regression of
    ``t − m`` on ``q̂ − m`` with ``E[(q − m)²] = (q̂ − m)² + V``, closed form, no loop over
    jurors):
    ``(d_j, a_j)`` maximise the expected log-posterior, then
    ``σ_j² = (Σ_s E[r_js²] + ν σ_0²) / (n_j + ν)``, with ``σ_0²`` the pooled residual
    variance; the hyper-parameters ``μ, τ², τ_d², τ_a²`` are their EM updates
    (empirical Bayes; ``τ_d², τ_a²`` include the posterior variances of ``d, a`` and a weak
    hyper-prior of 2 pseudo-jurors at sd 0.25, so that they do not collapse to 0). Every
    step is a few ``bincount`` passes over the totals.

    Output: the published score is the posterior mean ``q̂_s``: a precision-weighted mean of
    the jurors' readings pulled towards the domain mean by ``k_s = Σ_j w_j / P_s`` (a
    submission with one remaining juror is pulled the most). So that the domain's ``mean``
    aggregation gives ``q̂_s``, observation (j, s) is published as
    ``c_js = m + μ + n_s π_js k_s (x_js − m − μ)`` with ``π_js = w_j / Σ_j' w_j'`` its
    share of the submission's weight; ``median`` and ``trimmed`` over these values have no
    meaning beyond the mean's. ``bias = d_j + m(1 − a_j)`` and ``scale = a_j`` give each
    juror's reading ``x = (t − bias) / scale`` (used for the calibrated criteria).

    Parameters
    ----------
    juror, total, n_jurors, submission, n_submissions
        The domain's observations: parallel juror codes, totals and submission codes.
    min_scores
        Jurors with fewer totals (at least 3), or whose totals are all equal, are not
        fitted (``fallback``): they keep bias 0, scale 1 and the pooled noise variance, and
        enter every submission's weighted mean with those.
    noise_prior
        The prior that shrinks each juror's noise variance towards the pooled one.
        ``"lognormal"`` (default): ``log σ_j²`` is Student-t (``NOISE_T_DF`` = 3 degrees of
        freedom) about ``log σ_0²`` with spread ``τ_s² = 2/ν``, a scale mixture of normals
        fitted by EM (``_HeteroFit.lognormal_noise``): symmetric in precise and noisy jurors,
        and heavy-tailed, so that one juror much more careful than the rest keeps their
        weight. ``"inv-chi2"``: the conjugate scaled-inverse-χ²(ν, σ_0²) prior of the first
        version, ``σ_j² = (Σ_s E[r_js²] + ν σ_0²)/(n_j + ν)``, whose light left tail pulled a
        careful juror among noisy ones to 2–3 times their true noise sd.
    noise_df
        ``ν``: the prior's pseudo-totals. ``"auto"`` (default) estimates it in each
        iteration: for ``"lognormal"`` by the EM update of ``τ_s²`` (with a weak hyper-prior
        of 2 pseudo-jurors at ``HYPER_LOG_NOISE_SD``), for ``"inv-chi2"`` by the method of
        moments from the spread of the jurors' residual variances beyond what sampling alone
        gives (``_HeteroFit.noise_prior_df``); both clipped to [2, 10⁶], so a jury whose
        members are equally reliable is weighed nearly equally (a fixed ν = 4 lost 0.03 of
        top-k recall to ``additive`` when jurors mostly read submissions of one stratum,
        ``specialised``).
    censor
        The scale's ends ``(low, high)``. Given, totals at an end are read as censored
        there (the true total could lie beyond): in each iteration they are replaced by
        their expectation under the fit beyond the end (the iterative estimator of
        M. Schmee and G. Hahn 1979, "A simple method for regression analysis with censored
        data", Technometrics 21). Off by default: the benchmark of docs/calibration.md
        found it no better (see there).
    scales
        False holds every scale at 1 (bias and noise per juror only).
    joint_prior
        True (default) fits the jurors under the prior on quality (full EM). False fits
        them with a flat prior on quality (fixed effects: a submission's quality is not
        pulled towards the mean while it is used to judge its jurors), and the prior,
        estimated by the method of moments, only shrinks the final qualities. In the
        benchmark of docs/calibration.md the joint fit finds more true winners with 2 jurors
        per submission (+0.046 ± 0.012 top-k recall) and as many elsewhere; the flat fit
        orders the whole field better when harsh jurors mostly read strong submissions
        (``specialised``, Kendall's τ 0.709 against 0.687).
    tol, max_iter
        EM stops when no parameter moves by more than ``tol`` (relative to the totals'
        spread) or after ``max_iter`` iterations (then ``converged`` is False).

    Returns
    -------
    Calibration
        ``ceiling``, ``floor`` and ``coarse`` flag jurors with at least a third of their
        totals (and at least 2) at the top or the bottom end (within ``END_BAND`` = 5% of
        the range from it) (``censor``, or else the
        highest and the lowest total of the domain), and jurors with at least
        ``COARSE_MIN_TOTALS`` totals taking at most ``COARSE_DISTINCT`` distinct values.
        ``noise_sd`` (``σ_j``, points), ``weight`` (each juror's share of the domain's
        influence: ``Σ_s π_js`` over the domain's scored submissions, summing to 1),
        ``share`` (``π_js`` per observation), ``shrunk`` (``q̂_s`` per submission) and
        ``shrinkage`` (``k_s``), ``components`` of the graph of fitted jurors. Biases are
        comparable within a component only; each component has its own prior mean ``μ``
        (so its jurors' biases are centred, ``Σ a_j d_j = 0``, as with the other graph
        methods) and all share ``τ²`` and the jurors' priors.
        ``bias_se`` and ``scale_se`` are the conditional posterior standard deviations of
        the M-step (given the qualities), an under-estimate.
    """
    juror = np.asarray(juror, dtype=np.intp)
    submission = np.asarray(submission, dtype=np.intp)
    total = np.asarray(total, dtype=np.float64)
    count = np.bincount(juror, minlength=n_jurors)
    low = np.full(n_jurors, np.inf)
    high = np.full(n_jurors, -np.inf)
    if total.size:
        np.minimum.at(low, juror, total)
        np.maximum.at(high, juror, total)
    fallback = (count < max(min_scores, 3)) | ~(high > low)
    graph = _graph(juror, submission, total, fallback, n_jurors, n_submissions)
    nan_j = np.full(n_jurors, np.nan)
    if total.size == 0:
        empty = np.full(n_submissions, np.nan)
        return Calibration(
            "hetero",
            total.copy(),
            np.zeros(n_jurors),
            np.ones(n_jurors),
            fallback,
            components=graph.components,
            noise_sd=nan_j,
            weight=nan_j,
            share=total.copy(),
            shrunk=empty,
            shrinkage=empty,
            prior_mean=empty,
        )
    ceiling, floor, coarse = juror_shapes(juror, total, n_jurors, censor)
    fit = _HeteroFit(
        juror, submission, total, n_jurors, n_submissions, fallback, noise_df, graph.components
    )
    if censor is not None:
        fit.censor(*censor)
    fit.scales = scales
    fit.flat = not joint_prior
    fit.noise_prior = noise_prior
    converged = fit.solve(tol, max_iter)
    a, d, sigma2 = fit.a, fit.d, fit.sigma2
    w = a[juror] ** 2 / sigma2[juror]
    per_submission = np.bincount(submission, minlength=n_submissions)
    weight_sum = np.bincount(submission, weights=w, minlength=n_submissions)
    scored = per_submission > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = w / weight_sum[submission]
        shrinkage = np.where(scored, weight_sum / (weight_sum + 1.0 / fit.tau2), np.nan)
    centre_s = fit.m + fit.mu[fit.comp_s]
    centre = centre_s[submission]
    reading = fit.m + (total - fit.m - d[juror]) / a[juror]
    calibrated = centre + per_submission[submission] * share * shrinkage[submission] * (
        reading - centre
    )
    shrunk = np.where(scored, fit.quality, np.nan)
    weight = np.bincount(juror, weights=share, minlength=n_jurors) / max(int(scored.sum()), 1)
    noise_sd_se, weight_se = _weight_errors(fit, weight)
    return Calibration(
        "hetero",
        calibrated,
        d + fit.m * (1.0 - a),
        a,
        fallback,
        bias_se=fit.bias_se,
        scale_se=fit.scale_se,
        components=graph.components,
        converged=converged,
        noise_sd=np.where(count > 0, np.sqrt(sigma2), np.nan),
        weight=np.where(count > 0, weight, np.nan),
        share=share,
        shrunk=shrunk,
        shrinkage=shrinkage,
        ceiling=ceiling,
        floor=floor,
        coarse=coarse,
        noise_sd_se=np.where(count > 0, noise_sd_se, np.nan),
        weight_se=np.where(count > 0, weight_se, np.nan),
        prior_mean=np.where(scored, centre_s, np.nan),
    )


def _weight_errors(fit: _HeteroFit, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Approximate standard errors of each juror's noise sd and weight share.

    ``σ_j²`` is a scaled-inverse-χ² posterior with ``n_j + ν`` degrees of freedom, so
    ``se(σ_j) ≈ σ_j / \sqrt{2 (n_j + ν)}``; the precision ``w_j = a_j² / σ_j²`` then has
    relative error ``\sqrt{(2\,se(a_j)/a_j)^2 + (2\,se(σ_j)/σ_j)^2}`` (delta method), which
    carries over to the share ``Σ_s π_js / S`` when the juror's share of each submission is
    small. Conditional on the qualities, as ``bias_se`` and ``scale_se``: an under-estimate,
    meant to tell a weight learnt from 5 totals from one learnt from 50.
    """
    sigma = np.sqrt(fit.sigma2)
    noise_se = sigma / np.sqrt(2.0 * (fit.count + fit.nu))
    relative_a = np.where(fit.free, fit.scale_se / fit.a, 0.0)
    relative = np.sqrt((2.0 * relative_a) ** 2 + (2.0 * noise_se / sigma) ** 2)
    return noise_se, weight * relative


DOMINANT_SHARE = 0.5
"""Share of a submission's weight above which one juror is said to carry it."""


def dominant_jurors(cal: Calibration, submission: np.ndarray) -> np.ndarray:
    """Observations whose juror carries more than ``DOMINANT_SHARE`` of the weight of a
    submission that at least two jurors scored (a boolean mask over the observations, one
    per juror and submission, ``submission`` their submission codes).

    Only precision-weighted methods fill ``share``; for the others nothing is flagged. A
    submission's one remaining juror carries all of its weight by construction (said by the
    ``few_jurors`` note instead), so single-juror submissions are not flagged.
    """
    share = np.asarray(cal.share, dtype=np.float64)
    if share.size == 0:
        return np.zeros(share.shape, dtype=bool)
    jurors_of = np.bincount(submission)
    with np.errstate(invalid="ignore"):
        return (share > DOMINANT_SHARE) & (jurors_of[submission] >= 2)


END_SHARE = 1.0 / 3.0
"""Share of a juror's totals at one end of the scale that flags them as a ceiling or floor
juror."""
END_BAND = 0.05
"""Share of the scale's range from an end within which a total counts as at that end."""
COARSE_DISTINCT = 3
COARSE_MIN_TOTALS = 5


def juror_shapes(
    juror: np.ndarray, total: np.ndarray, n_jurors: int, ends: tuple[float, float] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ceiling, floor and coarse jurors (see ``calibrate_hetero``), as boolean arrays."""
    count = np.bincount(juror, minlength=n_jurors)
    if total.size == 0:
        none = np.zeros(n_jurors, dtype=bool)
        return none, none.copy(), none.copy()
    low, high = (float(total.min()), float(total.max())) if ends is None else ends
    # A total is "at" an end when within END_BAND of the range from it: totals are weighted
    # means of criteria, so a juror at the ceiling rarely has every criterion at the maximum.
    tolerance = max(END_BAND * (high - low), 1e-9 * max(1.0, abs(low), abs(high)))
    at_top = np.bincount(juror, weights=total >= high - tolerance, minlength=n_jurors)
    at_bottom = np.bincount(juror, weights=total <= low + tolerance, minlength=n_jurors)
    ceiling = (at_top >= 2) & (at_top >= END_SHARE * count)
    floor = (at_bottom >= 2) & (at_bottom >= END_SHARE * count)
    values, value_code = np.unique(total, return_inverse=True)
    pairs = np.unique(np.asarray(juror, dtype=np.int64) * values.size + value_code)
    distinct = np.bincount(pairs // values.size, minlength=n_jurors)
    coarse = (count >= COARSE_MIN_TOTALS) & (distinct <= COARSE_DISTINCT)
    return ceiling, floor, coarse


class _HeteroFit:
    """EM for ``calibrate_hetero``: every quantity a vector over jurors or submissions."""

    def __init__(
        self,
        juror: np.ndarray,
        submission: np.ndarray,
        total: np.ndarray,
        n_jurors: int,
        n_submissions: int,
        fallback: np.ndarray,
        noise_df: float | str,
        components: np.ndarray,
    ) -> None:
        self.j, self.s = juror, submission
        # Each component of the graph of fitted jurors has its own prior mean of quality, so
        # that, as with the other graph methods, its jurors' biases are centred on their own.
        self.comp_s = np.asarray(components, dtype=np.intp)
        self.n_c = int(self.comp_s.max()) + 1 if self.comp_s.size else 1
        self.comp_j = np.zeros(n_jurors, dtype=np.intp)
        fitted = ~fallback[juror]
        self.comp_j[juror[fitted]] = self.comp_s[submission[fitted]]
        self.n_j, self.n_s = n_jurors, n_submissions
        self.fixed = fallback
        self.free = ~fallback
        self.auto_nu = noise_df == "auto"
        self.noise_prior = "lognormal"
        self.noise_weight = np.ones(n_jurors)
        self.nu = NOISE_DF_MIN if self.auto_nu else float(noise_df)
        scored = np.count_nonzero(np.bincount(submission, minlength=n_submissions))
        self.per_submission = max(juror.size / max(scored, 1), 1.0 + 1e-9)
        self.m = float(total.mean())
        self.y = total - self.m
        self.observed = self.y.copy()
        self.above = np.zeros(self.y.size, dtype=bool)
        self.below = np.zeros(self.y.size, dtype=bool)
        self.count = np.bincount(juror, minlength=n_jurors).astype(np.float64)
        spread = float(self.y @ self.y) / self.y.size
        self.spread = spread
        # A floor on every variance, relative to the totals' own: keeps weights finite when a
        # juror agrees exactly with the fitted qualities.
        self.floor = 1e-6 * max(spread, 1e-12)
        self.scale_unit = np.sqrt(max(spread, 1e-12))
        self.d = np.zeros(n_jurors)
        self.a = np.ones(n_jurors)
        # Start: the additive model's picture, every juror with the pooled variance.
        self.sigma2 = np.full(n_jurors, max(spread, self.floor))
        self.pooled = float(self.sigma2[0])
        self.mu = np.zeros(self.n_c)
        self.scales = True
        self.flat = True
        self.tau2 = max(spread, self.floor)
        self.tau2_d = max(spread, self.floor)
        self.tau2_a = 0.25
        self.quality = np.zeros(n_submissions)
        self.variance = np.zeros(n_submissions)
        self.bias_se = np.full(n_jurors, np.nan)
        self.scale_se = np.full(n_jurors, np.nan)

    def censor(self, low: float, high: float) -> None:
        """Read totals at the scale's ends as censored there."""
        tolerance = 1e-9 * max(1.0, abs(low), abs(high))
        self.above = self.observed + self.m >= high - tolerance
        self.below = self.observed + self.m <= low + tolerance

    def impute(self) -> None:
        """Censored totals → their expectation beyond the end under the current fit."""
        if not (self.above.any() or self.below.any()):
            return
        j, s = self.j, self.s
        mean = self.d[j] + self.a[j] * self.quality_c[s]
        sd = np.sqrt(self.sigma2[j] + self.a[j] ** 2 * self.variance[s])
        z = (self.observed - mean) / sd
        y = self.observed.copy()
        # Inverse Mills ratios; log-space forms keep them finite far in the tails.
        up = self.above
        # scipy.special, not scipy.stats: importing scipy.stats costs every run a second.
        log_pdf = -0.5 * z * z - 0.5 * np.log(2.0 * np.pi)
        y[up] = mean[up] + sd[up] * np.exp(log_pdf[up] - log_ndtr(-z[up]))
        down = self.below
        y[down] = mean[down] - sd[down] * np.exp(log_pdf[down] - log_ndtr(z[down]))
        self.y = y

    def e_step(self) -> None:
        j, s = self.j, self.s
        a, d, sigma2 = self.a, self.d, self.sigma2
        w = a[j] ** 2 / sigma2[j]
        x = (self.y - d[j]) / a[j]
        # While the jurors are fitted the prior on quality is flat (``flat``); see solve.
        inverse_tau2 = 0.0 if self.flat else 1.0 / self.tau2
        precision = inverse_tau2 + np.bincount(s, weights=w, minlength=self.n_s)
        prior = self.mu[self.comp_s] * inverse_tau2
        weighted = prior + np.bincount(s, weights=w * x, minlength=self.n_s)
        self.variance = 1.0 / precision
        self.quality_c = weighted / precision  # q̂ − m
        self.quality = self.m + self.quality_c

    def m_step(self) -> None:
        j, s, n = self.j, self.s, self.n_j
        q, v, y = self.quality_c[s], self.variance[s], self.y
        free = self.free
        # Sufficient statistics per juror of the expected complete-data log-likelihood.
        s_q = np.bincount(j, weights=q, minlength=n)
        s_qq = np.bincount(j, weights=q * q + v, minlength=n)
        s_y = np.bincount(j, weights=y, minlength=n)
        s_yq = np.bincount(j, weights=y * q, minlength=n)
        s_yy = np.bincount(j, weights=y * y, minlength=n)
        sigma2 = self.sigma2
        # The prior log a ~ N(0, τ_a²), linearised at the current a (log a ≈ log a₀ +
        # (a − a₀)/a₀): a ~ N(a₀(1 − log a₀), (a₀ τ_a)²). Its gradient equals the exact
        # prior's at a = a₀, so the fixed points are those of the log-normal prior.
        a0 = self.a
        prior_a = sigma2 / (a0 * a0 * self.tau2_a)
        centre_a = a0 * (1.0 - np.log(a0))
        # Normal equations of (d, a), multiplied through by σ²: prior precisions × σ².
        h11 = self.count + sigma2 / self.tau2_d
        h12 = s_q
        h22 = s_qq + prior_a
        g1 = s_y
        g2 = s_yq + prior_a * centre_a
        det = h11 * h22 - h12 * h12
        d = (h22 * g1 - h12 * g2) / det
        a = (h11 * g2 - h12 * g1) / det
        # A juror whose totals run against the others' would get a ≤ 0: keep a small positive
        # scale, which reads them as mostly noise (their weight a²/σ² is then small).
        a = np.maximum(a, 0.05)
        if not self.scales:
            # Scales held at 1: (d, a = 1) maximises the same objective over d alone.
            d = (s_y - s_q) / h11
            a = np.ones(n)
        self.d = np.where(free, d, 0.0)
        self.a = np.where(free, a, 1.0)
        var_d = sigma2 * h22 / det
        var_a = sigma2 * h11 / det
        d, a = self.d, self.a
        rss = s_yy - 2 * d * s_y - 2 * a * s_yq + self.count * d * d + 2 * a * d * s_q
        rss = np.maximum(rss + a * a * s_qq, 0.0)
        fitted = free & (self.count > 0)
        if fitted.any():
            self.pooled = max(float(rss[fitted].sum() / self.count[fitted].sum()), self.floor)
        lognormal = self.noise_prior == "lognormal"
        if self.auto_nu and fitted.sum() >= 3 and not lognormal:
            self.nu = self.noise_prior_df(rss[fitted], self.count[fitted])
        if lognormal:
            fitted_sigma2 = self.lognormal_noise(rss, fitted)
        else:
            fitted_sigma2 = (rss + self.nu * self.pooled) / (self.count + self.nu)
        self.sigma2 = np.where(free, np.maximum(fitted_sigma2, self.floor), self.pooled)
        self.bias_se = np.where(free, np.sqrt(var_d), np.nan)
        self.scale_se = np.where(free, np.sqrt(var_a), np.nan)
        if not self.flat:
            self.quality_prior(em=True)
        # EM updates of the jurors' prior variances, each with a weak scaled-inverse-χ²
        # hyper-prior (HYPER_DF pseudo-jurors at HYPER_BIAS_SD, HYPER_LOG_SCALE_SD): without
        # it EM creeps towards 0 for hundreds of iterations when jurors barely differ.
        n_free, nu = float(free.sum()), HYPER_DF
        sum_d = float(np.sum(d[free] ** 2 + var_d[free]))
        self.tau2_d = (sum_d + nu * HYPER_BIAS_SD**2 * self.spread) / (n_free + nu)
        log_a = np.log(a[free])
        sum_a = float(np.sum(log_a**2 + var_a[free] / a[free] ** 2))
        self.tau2_a = (sum_a + nu * HYPER_LOG_SCALE_SD**2) / (n_free + nu)

    def lognormal_noise(self, rss: np.ndarray, fitted: np.ndarray) -> np.ndarray:
        r"""Each juror's noise variance under ``log σ_j² ~ N(log σ_0², 2/ν)``: the mode of

        .. math:: -\frac{n_j}{2} s - \frac{R_j}{2} e^{-s} - \frac{(s - s_0)^2}{2 τ_s^2},
            \quad s = \log σ_j^2,\ s_0 = \log σ_0^2,\ τ_s^2 = 2/ν,

        (``R_j`` the expected residual sum of squares), concave in ``s``: a few vectorised
        Newton steps from the current value. The same spread of log-variances as the
        scaled-inverse-χ² prior of ``ν`` pseudo-totals, but symmetric: that prior gives a
        juror much more precise than the pool almost no mass (its density falls as
        ``exp(−ν σ_0² / 2σ²)``), so a careful juror among noisy ones was fitted at 2–3 times
        their true noise sd and weighed accordingly.
        """
        n = self.count
        r = np.maximum(rss, self.floor)
        centre = np.log(self.pooled)
        s = np.log(np.maximum(self.sigma2, self.floor))
        auto = self.auto_nu and fitted.sum() >= 3
        # Given the residuals, the modes and the prior's hyper-parameters are iterated to their
        # joint fixed point here (vectors over jurors only, cheap): left to the outer EM, the
        # spread τ_s² crept for hundreds of iterations over the totals.
        for _ in range(NOISE_INNER_ITER if auto else 1):
            inverse_spread = self.nu / 2.0 * self.noise_weight
            for _ in range(NOISE_NEWTON_STEPS):
                scaled = r * np.exp(-s)
                gradient = -0.5 * n + 0.5 * scaled - (s - centre) * inverse_spread
                curvature = -0.5 * scaled - inverse_spread
                s = s - gradient / curvature
            if not auto:
                break
            # EM updates of the Student-t prior as a scale mixture of normals: each juror's
            # mixing weight u_j, then the spread τ_s² of the log-variances (mode plus
            # posterior variance, Laplace), with a weak hyper-prior as for biases and scales.
            tau2_s = 2.0 / self.nu
            second = (s - centre) ** 2 - 1.0 / curvature
            df = NOISE_T_DF
            self.noise_weight = np.where(fitted, (df + 1.0) / (df + second / tau2_s), 1.0)
            spread = float(np.sum(self.noise_weight[fitted] * second[fitted]))
            spread = (spread + HYPER_DF * HYPER_LOG_NOISE_SD**2) / (fitted.sum() + HYPER_DF)
            before, self.nu = self.nu, float(np.clip(2.0 / spread, NOISE_DF_MIN, NOISE_DF_MAX))
            if abs(np.log(self.nu / before)) < NOISE_INNER_TOL:
                break
        return np.exp(s)

    def noise_prior_df(self, rss: np.ndarray, count: np.ndarray) -> float:
        """Method-of-moments ``ν``: how much the jurors' noise variances truly differ.

        ``log(σ̂_j² / σ_0²)`` varies by about ``2 / dof_j`` from sampling alone (χ² with
        ``dof_j = n_j (1 − 1/k̄)``, k̄ jurors per submission); the excess is the spread of
        the true log-variances, ``≈ 2/ν`` under the scaled-inverse-χ² prior. Jurors whose
        noise looks alike are pooled (large ν), so weights are not made of sampling noise.
        """
        ratio = np.log(np.maximum(rss / count, self.floor) / self.pooled)
        dof = np.maximum(count * (1.0 - 1.0 / self.per_submission), 1.0)
        excess = float(np.var(ratio, ddof=1) - np.mean(2.0 / dof))
        if excess <= 2.0 / NOISE_DF_MAX:
            return NOISE_DF_MAX
        return float(np.clip(2.0 / excess, NOISE_DF_MIN, NOISE_DF_MAX))

    def quality_prior(self, em: bool) -> None:
        """``μ`` per component and ``τ²``: their EM update (``em``), or the method of
        moments from flat-prior estimates, ``τ² = mean((q̂ − μ)² − V)``."""
        scored = np.bincount(self.s, minlength=self.n_s) > 0
        qc, vv, cs = self.quality_c[scored], self.variance[scored], self.comp_s[scored]
        members = np.bincount(cs, minlength=self.n_c)
        sums = np.bincount(cs, weights=qc, minlength=self.n_c)
        self.mu = np.divide(sums, members, out=np.zeros(self.n_c), where=members > 0)
        spread = (qc - self.mu[cs]) ** 2 + (vv if em else -vv)
        self.tau2 = max(float(np.mean(spread)), self.floor)

    def gauge(self) -> None:
        """Move along the two directions that leave the marginal likelihood unchanged.

        ``q → q + β, μ → μ + β, d → d − aβ`` (in each component) and
        ``q − m → (q − m)/γ, μ → μ/γ, τ → τ/γ, a → γa`` change only the priors on ``d``
        and ``log a``; each move takes the best ``β`` (``Σ a d / Σ a²``) and ``γ``
        (``exp(−mean log a)``) for them. Plain EM creeps along these directions (hundreds
        of iterations); the moves are exact and keep the posterior rising
        (parameter-expanded EM, C. Liu, D. Rubin and Y. Wu 1998, Biometrika 85).
        """
        free = self.free
        if not free.any():
            return
        a, d, c = self.a[free], self.d[free], self.comp_j[free]
        beta = np.bincount(c, weights=a * d, minlength=self.n_c)
        norm2 = np.bincount(c, weights=a * a, minlength=self.n_c)
        beta = np.divide(beta, norm2, out=np.zeros(self.n_c), where=norm2 > 0)
        self.d = np.where(free, self.d - self.a * beta[self.comp_j], 0.0)
        self.mu = self.mu + beta
        gamma = float(np.exp(-np.log(a).mean())) if self.scales else 1.0
        self.a = np.where(free, self.a * gamma, 1.0)
        self.mu /= gamma
        self.tau2 /= gamma**2

    def solve(self, tol: float, max_iter: int) -> bool:
        for _ in range(max_iter):
            before = np.r_[self.d / self.scale_unit, self.a, np.sqrt(self.sigma2) / self.scale_unit]
            self.e_step()
            self.impute()
            self.m_step()
            self.gauge()
            after = np.r_[self.d / self.scale_unit, self.a, np.sqrt(self.sigma2) / self.scale_unit]
            if float(np.max(np.abs(after - before), initial=0.0)) <= tol:
                self.shrink()
                return True
        self.shrink()
        return False

    def shrink(self) -> None:
        """The final E-step, under the empirical-Bayes prior on quality."""
        if self.flat:
            self.e_step()
            self.quality_prior(em=False)
            self.flat = False
        self.e_step()


METHODS: dict[str, Callable[..., Calibration]] = {
    "raw": calibrate_raw,
    "zscore": calibrate_zscore,
    "percentile": calibrate_percentile,
    "additive": calibrate_additive,
    "affine": calibrate_affine,
    "hetero": calibrate_hetero,
}


def calibrate(
    method: str,
    juror: np.ndarray,
    submission: np.ndarray,
    total: np.ndarray,
    n_jurors: int,
    n_submissions: int,
) -> Calibration:
    """Calibrate one domain's totals with the named method (see ``METHODS``)."""
    return METHODS[method](
        juror,
        total,
        n_jurors,
        submission=submission,
        n_submissions=n_submissions,
        min_scores=MIN_SCORES.get(method, 3),
    )
