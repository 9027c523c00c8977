"""Inter-rater reliability of one domain's scores: how far jurors agree on the submissions.

Every function takes ``ratings``, a 2-D float array of shape ``(n_items, n_raters)`` (rows are
submissions, columns are jurors) with NaN where a juror did not score a submission, and returns
a plain float, or None when the coefficient is undefined for those data. Krippendorff's alpha
uses every pairable score; the intraclass correlations and Kendall's W need every juror to have
scored every submission. ``reliability_summary`` gathers them for the audit report.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .figures import PUBLISHED_DECIMALS, rounded

ICC_FORMS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
"""Keys of :func:`icc`: Shrout & Fleiss's ICC(1,1), (2,1), (3,1), (1,k), (2,k), (3,k)."""

SUMMARY_DECIMALS = PUBLISHED_DECIMALS
"""Floats in :func:`reliability_summary` are rounded to this many decimals for byte-stable JSON."""

_DEGENERATE = 1e-12
"""A mean square (or ICC denominator) this small relative to the total mean square is zero:
it is rounding noise left after subtracting equal means, not variation in the scores."""


class MeanSquares(NamedTuple):
    """The two-way ANOVA (submissions × jurors, one score per cell) behind the ICCs.

    Names follow Shrout & Fleiss (1979): ``bms`` between targets (submissions),
    ``wms`` within targets, ``jms`` between judges (jurors), ``ems`` residual.
    """

    bms: float
    wms: float
    jms: float
    ems: float
    n_items: int
    n_raters: int


def _as_ratings(ratings: np.ndarray) -> np.ndarray:
    """Return ``ratings`` as a 2-D float64 array, refusing shapes and values that are bugs."""
    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"ratings must be 2-D (submissions × jurors), got shape {x.shape}")
    if np.isinf(x).any():
        raise ValueError("ratings contain an infinite score; only NaN may mark a missing one")
    return x


def krippendorff_alpha_interval(ratings: np.ndarray) -> float | None:
    r"""Krippendorff's alpha for interval data, with missing scores.

    .. math::

        \alpha = 1 - \frac{D_o}{D_e}
               = 1 - (n - 1)\,\frac{\sum_u \frac{m_u}{m_u - 1}\,SS_u}{n \cdot SS}

    where the sums run over *pairable* submissions only (``m_u >= 2`` scores; the others are
    dropped), ``n = Σ m_u`` is the number of pairable scores, ``SS_u`` the sum of squared
    deviations of submission u's scores from their mean and ``SS`` that of all pairable scores
    from their grand mean. This is Krippendorff's coincidence-matrix definition with the
    interval metric ``δ²(c, k) = (c - k)²``, rewritten with the identity
    ``Σ_{i≠j} (v_i - v_j)² = 2m Σ_i (v_i - v̄)²`` over the ordered pairs of ``m`` values, so
    time and memory are linear in the size of ``ratings`` rather than quadratic in the number
    of scores.

    Parameters
    ----------
    ratings : numpy.ndarray
        Shape ``(n_items, n_raters)``; NaN marks a missing score.

    Returns
    -------
    float or None
        Alpha (1 is perfect agreement, 0 agreement at chance, negative systematic
        disagreement); None when fewer than 2 scores are pairable or all pairable scores are
        equal (no disagreement is expected, so alpha is undefined).

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for
    Communication, University of Pennsylvania, https://repository.upenn.edu/asc_papers/43.
    Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard reliability
    measure for coding data. Communication Methods and Measures 1(1), 77-89.
    """
    x = _as_ratings(ratings)
    present = ~np.isnan(x)
    count = present.sum(axis=1)
    pairable = count >= 2
    x, present, count = x[pairable], present[pairable], count[pairable]
    values = x[present]
    n = values.size
    # Comparing extremes is exact, unlike a computed sum of squares, which can be a few ulps
    # above zero for equal values that are not exactly representable.
    if n < 2 or values.min() == values.max():
        return None
    filled = np.where(present, x, 0.0)
    unit_mean = filled.sum(axis=1) / count  # count >= 2 on every remaining row
    # Squared deviations from each mean, not Σv² - (Σv)²/m: same identity, no cancellation.
    unit_ss = (np.where(present, x - unit_mean[:, None], 0.0) ** 2).sum(axis=1)
    total_ss = float(((values - values.mean()) ** 2).sum())
    if not total_ss > 0.0:  # distinct values so close that their squared spread underflows
        return None
    observed = float((count * unit_ss / (count - 1)).sum())
    return 1.0 - (n - 1) * observed / (n * total_ss)


def icc_unavailable_reason(ratings: np.ndarray) -> dict[str, Any] | None:
    """Say why :func:`icc` cannot be computed for ``ratings`` (a code of
    ``results.IccUnavailable`` and its counts), or None when it can."""
    x = _as_ratings(ratings)
    n_items, n_raters = x.shape
    if n_items < 2:
        return {"code": "few_items"}
    if n_raters < 2:
        return {"code": "few_raters"}
    empty = int(np.isnan(x).sum())
    if empty:
        return {"code": "empty_cells", "empty": empty, "cells": int(x.size)}
    if x.min() == x.max():
        return {"code": "no_variation"}
    ms = two_way_mean_squares(x)
    total = (ms.bms * (n_items - 1) + ms.wms * n_items * (n_raters - 1)) / (x.size - 1)
    if any(abs(den) <= _DEGENERATE * total for _, den in _icc_ratios(ms).values()):
        return {"code": "degenerate"}
    return None


def two_way_mean_squares(ratings: np.ndarray) -> MeanSquares:
    r"""Mean squares of the two-way ANOVA of complete ``ratings`` (no NaN, at least 2 × 2).

    With ``n`` submissions, ``k`` jurors, row means ``x̄_i.``, column means ``x̄_.j`` and grand
    mean ``x̄``:

    .. math::

        BMS = \frac{k \sum_i (\bar x_{i.} - \bar x)^2}{n - 1}, \quad
        JMS = \frac{n \sum_j (\bar x_{.j} - \bar x)^2}{k - 1}, \quad
        EMS = \frac{\sum_{ij} (x_{ij} - \bar x_{i.} - \bar x_{.j} + \bar x)^2}{(n - 1)(k - 1)},

    and ``WMS = (SS_J + SS_E) / (n (k - 1))``, the within-submission mean square of the one-way
    model (Shrout & Fleiss 1979).

    Raises
    ------
    ValueError
        If ``ratings`` has a missing score or fewer than 2 rows or columns (check with
        :func:`icc_unavailable_reason` first).
    """
    x = _as_ratings(ratings)
    n, k = x.shape
    if n < 2 or k < 2 or np.isnan(x).any():
        raise ValueError(
            f"the two-way ANOVA needs complete ratings of at least 2 submissions by 2 jurors, "
            f"got shape {x.shape} with {int(np.isnan(x).sum())} missing"
        )
    grand = x.mean()
    row = x.mean(axis=1)
    col = x.mean(axis=0)
    ss_rows = k * float(((row - grand) ** 2).sum())
    ss_cols = n * float(((col - grand) ** 2).sum())
    # The residual is summed directly rather than as SS_total - SS_rows - SS_cols, which loses
    # precision when the jurors agree closely (a small difference of large sums).
    ss_error = float(((x - row[:, None] - col[None, :] + grand) ** 2).sum())
    return MeanSquares(
        bms=ss_rows / (n - 1),
        wms=(ss_cols + ss_error) / (n * (k - 1)),
        jms=ss_cols / (k - 1),
        ems=ss_error / ((n - 1) * (k - 1)),
        n_items=n,
        n_raters=k,
    )


def _icc_ratios(ms: MeanSquares) -> dict[str, tuple[float, float]]:
    """Numerator and denominator of each Shrout & Fleiss (1979) form, keyed as ``ICC_FORMS``."""
    bms, wms, jms, ems, n, k = ms
    return {
        "ICC1": (bms - wms, bms + (k - 1) * wms),
        "ICC2": (bms - ems, bms + (k - 1) * ems + k * (jms - ems) / n),
        "ICC3": (bms - ems, bms + (k - 1) * ems),
        "ICC1k": (bms - wms, bms),
        "ICC2k": (bms - ems, bms + (jms - ems) / n),
        "ICC3k": (bms - ems, bms),
    }


def icc(ratings: np.ndarray) -> dict[str, float] | None:
    r"""The six intraclass correlations of Shrout & Fleiss (1979), from two-way ANOVA.

    With the mean squares of :func:`two_way_mean_squares`, ``n`` submissions and ``k`` jurors:

    .. math::

        ICC(1,1) &= \frac{BMS - WMS}{BMS + (k-1)\,WMS}, &
        ICC(1,k) &= \frac{BMS - WMS}{BMS}, \\
        ICC(2,1) &= \frac{BMS - EMS}{BMS + (k-1)\,EMS + k\,(JMS - EMS)/n}, &
        ICC(2,k) &= \frac{BMS - EMS}{BMS + (JMS - EMS)/n}, \\
        ICC(3,1) &= \frac{BMS - EMS}{BMS + (k-1)\,EMS}, &
        ICC(3,k) &= \frac{BMS - EMS}{BMS}.

    Form 1 treats each submission's jurors as a random draw, form 2 the panel as a random
    sample of jurors (absolute agreement), form 3 the panel as fixed (consistency); the
    ``k`` forms are the reliability of the mean of the ``k`` jurors' scores.

    Parameters
    ----------
    ratings : numpy.ndarray
        Shape ``(n_items, n_raters)``; must be complete (no NaN).

    Returns
    -------
    dict of str to float, or None
        Keys ``ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k`` (see ``ICC_FORMS``); None when
        :func:`icc_unavailable_reason` gives a reason (missing scores, fewer than 2
        submissions or jurors, or no variation between submissions).

    References
    ----------
    Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
    reliability. Psychological Bulletin 86(2), 420-428.
    """
    if icc_unavailable_reason(ratings) is not None:
        return None
    ratios = _icc_ratios(two_way_mean_squares(ratings))
    return {form: num / den for form, (num, den) in ratios.items()}


def kendall_w(ratings: np.ndarray) -> float | None:
    r"""Kendall's coefficient of concordance W, corrected for ties.

    Each juror's scores are ranked across the submissions (tied scores share their average
    rank); with ``R_i`` the sum of submission i's ranks over the ``m`` jurors and ``n``
    submissions:

    .. math::

        W = \frac{12 \sum_i \left(R_i - \tfrac{m (n + 1)}{2}\right)^2}
                 {m^2 (n^3 - n) - m \sum_j \sum_g (t_{jg}^3 - t_{jg})}

    where ``t_jg`` is the size of the g-th group of tied scores of juror j. W is 1 when every
    juror orders the submissions the same way and 0 when their rank sums are all equal.

    Parameters
    ----------
    ratings : numpy.ndarray
        Shape ``(n_items, n_raters)``; must be complete (no NaN).

    Returns
    -------
    float or None
        W; None when a score is missing, there are fewer than 2 submissions or jurors, or
        every juror gave every submission the same score (the denominator is zero).

    References
    ----------
    Kendall, M. G. & Babington Smith, B. (1939). The problem of m rankings. Annals of
    Mathematical Statistics 10(3), 275-287.
    Kendall, M. G. (1948). Rank Correlation Methods. London: Griffin (the tie correction).
    Siegel, S. & Castellan, N. J. (1988). Nonparametric Statistics for the Behavioral
    Sciences, 2nd ed. New York: McGraw-Hill.
    """
    x = _as_ratings(ratings)
    n, m = x.shape
    if n < 2 or m < 2 or np.isnan(x).any():
        return None
    ranks, tie_sizes = _average_ranks(x)
    # Tie sizes are integers: sum t³ - t exactly in Python ints, so a panel that tied every
    # submission gives a denominator of exactly zero, not a rounding residue.
    ties = sum(int(t) ** 3 - int(t) for t in tie_sizes[tie_sizes > 1])
    denominator = m * m * (n**3 - n) - m * ties
    if denominator <= 0:
        return None
    spread = float(((ranks.sum(axis=1) - m * (n + 1) / 2) ** 2).sum())
    return 12.0 * spread / denominator


def _average_ranks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank each column of complete ``x`` from 1, giving tied values their average rank.

    Returns the ranks (same shape as ``x``) and the size of every group of equal values in
    every column (singletons included).
    """
    n, m = x.shape
    order = np.argsort(x, axis=0, kind="stable")
    ordered = np.take_along_axis(x, order, axis=0)
    starts = np.ones((n, m), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    # Number the groups of equal values across all columns (column-major), so that one
    # bincount gives every group's size and sum of positions.
    group = np.cumsum(starts.T.ravel()).reshape(m, n).T - 1
    position = np.broadcast_to(np.arange(1, n + 1, dtype=np.float64)[:, None], (n, m))
    sizes = np.bincount(group.ravel())
    mean_position = np.bincount(group.ravel(), weights=position.ravel()) / sizes
    ranks = np.empty_like(x)
    np.put_along_axis(ranks, order, mean_position[group], axis=0)
    return ranks, sizes


def _rounded(value: float | None) -> float | None:
    """Round as every published figure is (``figures.rounded``: 6 decimals, no -0)."""
    return None if value is None else rounded(value)


def reliability_summary(ratings: np.ndarray) -> dict[str, Any]:
    """Every reliability coefficient of one domain, ready to be written as JSON.

    Floats are rounded to ``SUMMARY_DECIMALS`` decimals so the same scores always give the
    same bytes; a coefficient that is undefined for these data is None.
    """
    x = _as_ratings(ratings)
    icc_values = icc(x)
    return {
        "krippendorff_alpha_interval": _rounded(krippendorff_alpha_interval(x)),
        "icc": None
        if icc_values is None
        else {form: _rounded(icc_values[form]) for form in ICC_FORMS},
        "icc_unavailable": None if icc_values is not None else icc_unavailable_reason(x),
        "kendall_w": _rounded(kendall_w(x)),
        "n_items": int(x.shape[0]),
        "n_raters": int(x.shape[1]),
        "n_ratings": int((~np.isnan(x)).sum()),
    }


DENSE_CELLS = 4_000_000
"""Largest submissions × jurors matrix built for :func:`reliability_of_scores`; a larger
one that has empty cells (ICCs and Kendall's W are undefined) is never built."""


def reliability_of_scores(
    item: np.ndarray, rater: np.ndarray, value: np.ndarray, n_items: int, n_raters: int
) -> dict[str, Any]:
    """:func:`reliability_summary` of the scores given as parallel arrays (one per cell).

    A national call (50,000 submissions, 5,000 jurors, 4 jurors each) would need a dense
    matrix of gigabytes that is almost entirely empty: then alpha is computed from the
    scores themselves and the other coefficients are reported unavailable, as they would be.
    """
    cells = n_items * n_raters
    if cells <= DENSE_CELLS or value.size == cells:
        matrix = np.full((n_items, n_raters), np.nan)
        matrix[item, rater] = value
        return reliability_summary(matrix)
    unavailable = (
        {"code": "few_items"}
        if n_items < 2
        else {"code": "few_raters"}
        if n_raters < 2
        else {"code": "empty_cells", "empty": int(cells - value.size), "cells": int(cells)}
    )
    return {
        "krippendorff_alpha_interval": _rounded(_alpha_of_scores(item, value, n_items)),
        "icc": None,
        "icc_unavailable": unavailable,
        "kendall_w": None,
        "n_items": int(n_items),
        "n_raters": int(n_raters),
        "n_ratings": int(value.size),
    }


def _alpha_of_scores(item: np.ndarray, value: np.ndarray, n_items: int) -> float | None:
    """:func:`krippendorff_alpha_interval` from one score per (item, rater) cell."""
    count = np.bincount(item, minlength=n_items)
    keep = count[item] >= 2
    item, value = item[keep], value[keep]
    n = value.size
    if n < 2 or value.min() == value.max():
        return None
    count = np.bincount(item, minlength=n_items)
    unit_mean = np.bincount(item, weights=value, minlength=n_items) / np.maximum(count, 1)
    unit_ss = np.bincount(item, weights=(value - unit_mean[item]) ** 2, minlength=n_items)
    total_ss = float(((value - value.mean()) ** 2).sum())
    if not total_ss > 0.0:
        return None
    pairable = count >= 2
    observed = float((count[pairable] * unit_ss[pairable] / (count[pairable] - 1)).sum())
    return 1.0 - (n - 1) * observed / (n * total_ss)
