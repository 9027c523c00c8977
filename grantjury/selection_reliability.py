"""Selection reliability: of the winners, how many would a noise-free jury also have picked?

A domain's published score is the mean of its jurors' calibrated totals. Under the classical
model (score = true quality + independent juror error, both normal), the correlation between
the score and the true quality is the square root of the score's reliability ``R`` (the share
of its variance that is true quality). Selecting the top share ``p`` of the candidates by
score then selects, in expectation, a share of the noise-free top of the same size given by
the bivariate normal distribution (Bartoš & Martinková 2024):

.. math::

    P_C = \\Pr(T > t_{1-p},\\ X > x_{1-p}),\\qquad
    \\mathrm{TPR} = P_C / p,\\quad \\mathrm{FPR} = 1 - \\mathrm{TPR},\\quad
    \\mathrm{FNR} = (p - P_C) / (1 - p),

with ``corr(T, X) = sqrt(R)``. ``R`` comes from the single-juror intraclass correlation of
the calibrated totals (one-way random effects, unbalanced: Shrout & Fleiss 1979's ICC(1),
with its F-distribution interval) stepped up to each submission's number of jurors by the
Spearman–Brown formula.

References
----------
Bartoš, F. & Martinková, P. (2024). Assessing quality of selection procedures: Lower bound of
false positive rate as a function of inter-rater reliability. *British Journal of
Mathematical and Statistical Psychology*. doi:10.1111/bmsp.12343 (R package IRR2FPR).
Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
reliability. *Psychological Bulletin* 86(2), 420–428.

Assumptions, said in docs/selection-reliability.md: one-dimensional quality, jurors' errors
independent of each other and of quality, normal distributions, and calibration that removed
each juror's severity (the degrees of freedom the calibration used are not subtracted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

INTERVAL = 0.9
"""Coverage of every interval reported (as the rank intervals)."""


def spearman_brown(icc_single: float | np.ndarray, jurors: float | np.ndarray) -> np.ndarray:
    """Reliability of the mean of ``jurors`` jurors' scores from one juror's reliability:
    ``k ρ / (1 + (k − 1) ρ)`` (Spearman 1910; Brown 1910)."""
    rho = np.asarray(icc_single, dtype=float)
    k = np.asarray(jurors, dtype=float)
    return k * rho / (1.0 + (k - 1.0) * rho)


def correctly_selected(reliability: float, proportion: float) -> float:
    """``P_C``: the probability that a candidate is both selected (top ``proportion`` by
    score) and in the noise-free top of the same size, for a score of the given
    ``reliability`` (Bartoš & Martinková 2024, eq. for the proportion correctly selected)."""
    if not 0.0 <= reliability <= 1.0 or not 0.0 <= proportion <= 1.0:
        raise ValueError("reliability and proportion must lie in [0, 1]")
    if proportion in (0.0, 1.0):
        return proportion
    if reliability == 0.0:
        return proportion * proportion
    if reliability == 1.0:
        return proportion
    h = -float(stats.norm.ppf(1.0 - proportion))
    rho = float(np.sqrt(reliability))
    # P(T > z, X > z) is the bivariate normal CDF at (h, h), h = -z, which Owen's T gives in
    # closed form, deterministic (no quasi-Monte Carlo): Φ₂(h, h; ρ) = Φ(h) − 2 T(h, a) with
    # a = √((1 − ρ) / (1 + ρ)) (Owen 1956, eq. 3.1 with h = k).
    a = np.sqrt((1.0 - rho) / (1.0 + rho))
    return float(stats.norm.cdf(h) - 2.0 * special.owens_t(h, a))


@dataclass(frozen=True)
class Shares:
    """The three shares of a selection at one reliability."""

    true_positive: float
    """Share of the selected that belong to the noise-free top of the same size."""
    false_positive: float
    false_negative: float
    """Share of the not selected that belong to the noise-free top."""


def selection_shares(reliability: float, proportion: float) -> Shares:
    """True-positive, false-positive and false-negative shares of selecting the top
    ``proportion`` by a score of the given ``reliability`` (IRR2FPR's TPR, FPR, FNR)."""
    p_c = correctly_selected(reliability, proportion)
    tpr = p_c / proportion if proportion > 0 else 1.0
    fnr = (proportion - p_c) / (1.0 - proportion) if proportion < 1 else 0.0
    return Shares(tpr, 1.0 - tpr, fnr)


@dataclass(frozen=True)
class IccEstimate:
    """One juror's reliability (ICC(1)) with its interval, and what it was estimated from."""

    icc: float
    low: float
    high: float
    submissions: int
    ratings: int
    k0: float
    """The effective number of jurors per submission of the unbalanced design."""


def icc_one_way(
    submission: np.ndarray,
    value: np.ndarray,
    fitted: int = 0,
    coverage: float = INTERVAL,
) -> IccEstimate | None:
    """ICC(1) of the ratings ``value`` grouped by ``submission`` (integer codes), for an
    unbalanced design, with the F-distribution interval of Shrout & Fleiss (1979, Table 3)
    using the effective group size ``k0 = (N − Σ kᵢ² / N) / (n − 1)``.

    ``fitted`` is the number of parameters a calibration estimated from the same ratings
    (the jurors' biases and scales): they are taken from the within-submission degrees of
    freedom, as the calibration removed that much of the within-submission spread.

    None when there are fewer than 2 submissions with 2 ratings or no variation.
    """
    codes, local, counts = np.unique(submission, return_inverse=True, return_counts=True)
    keep = counts[local] >= 2
    if keep.sum() < 4:
        return None
    codes, local, counts = np.unique(submission[keep], return_inverse=True, return_counts=True)
    values = value[keep]
    n, total = codes.size, values.size
    within_df = total - n - fitted
    if n < 2 or within_df < 1:
        return None
    means = np.bincount(local, weights=values) / counts
    grand = values.mean()
    between = float(np.sum(counts * (means - grand) ** 2)) / (n - 1)
    within = float(np.sum((values - means[local]) ** 2)) / within_df
    if not within > 0.0:
        return None
    k0 = (total - float(np.sum(counts.astype(float) ** 2)) / total) / (n - 1)
    ratio = between / within
    icc = (ratio - 1.0) / (ratio + k0 - 1.0)
    tail = (1.0 + coverage) / 2.0
    f_low = ratio / stats.f.ppf(tail, n - 1, within_df)
    f_high = ratio * stats.f.ppf(tail, within_df, n - 1)
    low = (f_low - 1.0) / (f_low + k0 - 1.0)
    high = (f_high - 1.0) / (f_high + k0 - 1.0)

    def clip(x: float) -> float:
        return float(min(max(x, 0.0), 1.0))

    return IccEstimate(clip(icc), clip(low), clip(high), int(n), int(total), float(k0))


@dataclass(frozen=True)
class DomainSelection:
    """A domain's selection reliability: the figures of ``results.SelectionReliability``."""

    icc: IccEstimate
    reliability: tuple[float, float, float]
    """Mean reliability of the published scores: estimate, low, high."""
    jurors_per_submission: float
    candidates: int
    selected: int
    true_positive: tuple[float, float, float]
    false_positive: tuple[float, float, float]
    false_negative: tuple[float, float, float]
    expected_true_winners: tuple[float, float, float]


def domain_selection(
    submission: np.ndarray,
    calibrated: np.ndarray,
    jurors_of_candidates: np.ndarray,
    selected: int,
    fitted: int = 0,
) -> DomainSelection | None:
    """Selection reliability of one domain.

    ``submission``/``calibrated``: the domain's calibrated totals (one per juror and
    submission); ``jurors_of_candidates``: the number of jurors of each candidate (the
    eligible ranked submissions); ``selected``: how many of them won; ``fitted``: the
    parameters the calibration estimated (see :func:`icc_one_way`). The reliability of the
    published scores is the mean over the candidates of the Spearman–Brown reliability at
    their own number of jurors; its interval maps the ICC's interval, and the shares' intervals
    map the reliability's (every share is monotone in the reliability).
    """
    candidates = int(jurors_of_candidates.size)
    if candidates < 2 or not 0 < selected <= candidates:
        return None
    icc = icc_one_way(submission, calibrated, fitted)
    if icc is None:
        return None
    k = jurors_of_candidates.astype(float)

    def reliability(rho: float) -> float:
        return float(np.mean(spearman_brown(rho, k)))

    levels = (reliability(icc.icc), reliability(icc.low), reliability(icc.high))
    proportion = selected / candidates
    shares = [selection_shares(r, proportion) for r in levels]
    tp = tuple(s.true_positive for s in shares)
    fp = (shares[0].false_positive, shares[2].false_positive, shares[1].false_positive)
    fn = (shares[0].false_negative, shares[2].false_negative, shares[1].false_negative)
    return DomainSelection(
        icc,
        levels,
        float(k.mean()),
        candidates,
        selected,
        tp,  # type: ignore[arg-type]
        fp,
        fn,
        tuple(selected * t for t in tp),  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class PlanRow:
    """One choice of jurors per submission in a plan."""

    jurors_per_submission: int
    reliability: float
    shares: Shares
    reviews: int
    """Scores to give in all (submissions × jurors per submission)."""
    load: float | None
    """Submissions per juror, when the number of jurors is known."""


def plan(
    submissions: int,
    winners: int,
    icc_single: float,
    jurors_per_submission: list[int],
    jurors: int | None = None,
) -> list[PlanRow]:
    """Expected selection reliability of a planned competition for each number of jurors per
    submission (every juror scoring independently, the ICC of one juror known)."""
    proportion = winners / submissions
    rows = []
    for k in jurors_per_submission:
        r = float(spearman_brown(icc_single, k))
        reviews = submissions * k
        rows.append(
            PlanRow(
                k,
                r,
                selection_shares(r, proportion),
                reviews,
                None if not jurors else reviews / jurors,
            )
        )
    return rows
