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

MIN_SCORES = {"raw": 0, "zscore": 3, "percentile": 3, "additive": 2, "affine": 3}
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

    def __post_init__(self) -> None:
        for name in ("bias_se", "scale_se"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.full(self.bias.shape, np.nan))


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


METHODS: dict[str, Callable[..., Calibration]] = {
    "raw": calibrate_raw,
    "zscore": calibrate_zscore,
    "percentile": calibrate_percentile,
    "additive": calibrate_additive,
    "affine": calibrate_affine,
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
