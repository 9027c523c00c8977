"""Calibration methods: hand-computed cases, recovery of known jurors, and properties.

Properties that hold only in a restated form are tested in that form, next to a worked
counterexample to the naive statement (see the ``Monotonicity`` section).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from grantjury.calibrate import (
    METHODS,
    MIN_SCORES,
    Calibration,
    calibrate,
    calibrate_additive,
    calibrate_affine,
    calibrate_hetero,
    calibrate_percentile,
    calibrate_raw,
    calibrate_zscore,
    dominant_jurors,
    juror_shapes,
)

EXACT = 1e-9
"""Tolerance for values that are equal in exact arithmetic (closed forms, direct solves)."""
CONVERGED = 1e-7
"""Tolerance for values that are equal at the optimum of an iterative fit."""

quick = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
slow = settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Design:
    juror: np.ndarray
    submission: np.ndarray
    total: np.ndarray
    n_jurors: int
    n_submissions: int

    def run(self, method: str, total: np.ndarray | None = None, **options: object) -> Calibration:
        options.setdefault("min_scores", MIN_SCORES[method])
        return METHODS[method](
            self.juror,
            self.total if total is None else total,
            self.n_jurors,
            submission=self.submission,
            n_submissions=self.n_submissions,
            **options,
        )

    def means(self, values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Mean of per-observation values for each submission (NaN where none)."""
        weight = np.ones(values.size) if mask is None else mask.astype(np.float64)
        count = np.bincount(self.submission, weights=weight, minlength=self.n_submissions)
        sums = np.bincount(self.submission, weights=values * weight, minlength=self.n_submissions)
        means = np.full(self.n_submissions, np.nan)
        np.divide(sums, count, out=means, where=count > 0)
        return means


def complete(n_jurors: int, n_submissions: int) -> tuple[np.ndarray, np.ndarray]:
    """Every juror scores every submission."""
    juror, submission = np.divmod(np.arange(n_jurors * n_submissions), n_submissions)
    return juror, submission


def assert_same_order(before: np.ndarray, after: np.ndarray, tol: float) -> None:
    """No pair ordered one way by more than ``tol`` is ordered the other way afterwards."""
    keep = ~np.isnan(before)
    b, a = before[keep], after[keep]
    was = b[:, None] - b[None, :]
    now = a[:, None] - a[None, :]
    assert not np.any((was > tol) & (now < -tol)), (before, after)


@st.composite
def designs(
    draw: st.DrawFn, min_per_juror: int = 1, max_jurors: int = 5, max_submissions: int = 7
) -> Design:
    """Each juror scores a drawn subset of submissions with totals in 0.0, 0.1, …, 20.0."""
    n_submissions = draw(st.integers(max(2, min_per_juror), max_submissions))
    n_jurors = draw(st.integers(2, max_jurors))
    scored = [
        sorted(
            draw(
                st.sets(
                    st.integers(0, n_submissions - 1),
                    min_size=min_per_juror,
                    max_size=n_submissions,
                )
            )
        )
        for _ in range(n_jurors)
    ]
    juror = np.repeat(np.arange(n_jurors), [len(s) for s in scored])
    submission = np.concatenate([np.array(s, dtype=np.intp) for s in scored])
    size = juror.size
    total = np.array(draw(st.lists(st.integers(0, 200), min_size=size, max_size=size))) / 10
    return Design(juror, submission, total, n_jurors, n_submissions)


@st.composite
def affine_designs(draw: st.DrawFn) -> tuple[Design, np.ndarray, np.ndarray, np.ndarray]:
    """A complete design whose totals follow the affine model with small noise."""
    n_jurors = draw(st.integers(2, 4))
    n_submissions = draw(st.integers(4, 7))
    quality = np.array(
        draw(
            st.lists(
                st.integers(0, 20), min_size=n_submissions, max_size=n_submissions, unique=True
            )
        ),
        dtype=np.float64,
    )
    log_scale = (
        np.array(draw(st.lists(st.integers(-7, 7), min_size=n_jurors, max_size=n_jurors))) / 10
    )
    offset = (
        np.array(draw(st.lists(st.integers(-30, 30), min_size=n_jurors, max_size=n_jurors))) / 10
    )
    juror, submission = complete(n_jurors, n_submissions)
    noise = (
        np.array(draw(st.lists(st.integers(-5, 5), min_size=juror.size, max_size=juror.size))) / 10
    )
    scale = np.exp(log_scale)
    total = scale[juror] * (quality[submission] + noise) + offset[juror]
    return Design(juror, submission, total, n_jurors, n_submissions), quality, scale, offset


# Registry ---------------------------------------------------------------------------------


def test_every_method_is_registered_with_a_minimum() -> None:
    assert (
        set(METHODS)
        == set(MIN_SCORES)
        == {
            "raw",
            "zscore",
            "percentile",
            "additive",
            "affine",
            "hetero",
        }
    )


@pytest.mark.parametrize("method", sorted(METHODS))
def test_calibrate_dispatches_with_the_methods_minimum(method: str) -> None:
    juror, submission = complete(3, 4)
    total = np.array([12, 14, 9, 15, 10, 13, 8, 16, 11, 12, 10, 14], dtype=np.float64)
    result = calibrate(method, juror, submission, total, 3, 4)
    direct = METHODS[method](
        juror, total, 3, submission=submission, n_submissions=4, min_scores=MIN_SCORES[method]
    )
    assert result.method == method
    assert_array_equal(result.calibrated, direct.calibrated)
    assert result.bias_se.shape == result.scale_se.shape == (3,)


def test_calibration_fills_unset_standard_errors_with_nan() -> None:
    result = calibrate_raw(np.array([0, 1]), np.array([3.0, 4.0]), 2)
    assert np.isnan(result.bias_se).all() and np.isnan(result.scale_se).all()
    assert result.components is None and result.converged


# raw and zscore ----------------------------------------------------------------------------


def test_zscore_hand_computed() -> None:
    # Both jurors have sd 2; the pooled totals have mean 9 and sd √(70/5) = √14.
    juror = np.array([0, 0, 0, 1, 1, 1])
    total = np.array([10.0, 12, 14, 4, 6, 8])
    result = calibrate_zscore(juror, total, 2)
    z = np.array([-1.0, 0, 1, -1, 0, 1])
    assert_allclose(result.calibrated, 9 + np.sqrt(14) * z, atol=EXACT)
    assert_allclose(result.scale, 2 / np.sqrt(14), atol=EXACT)


# percentile -------------------------------------------------------------------------------


def test_percentile_hand_computed() -> None:
    # Pooled totals 5 6 7 10 12 12 18 sit at (k − ½)/7. Juror 0's mid-ranks 1, 2.5, 2.5, 4
    # give p = 1/8, 1/2, 1/2, 7/8; Q(1/8) = 5 + 0.375·1, Q(7/8) = 12 + 0.625·6. Juror 1's
    # p = 1/6, 1/2, 5/6 give 5 + 2/3, 10 and 12 + 6/3.
    juror = np.array([0, 0, 0, 0, 1, 1, 1])
    total = np.array([10.0, 12, 12, 18, 5, 6, 7])
    result = calibrate_percentile(juror, total, 2)
    assert_allclose(result.calibrated, [5.375, 10, 10, 15.75, 17 / 3, 10, 14], atol=EXACT)
    # The reported line is the least-squares fit of calibrated ≈ (t − bias)/scale: for
    # juror 1, var(t) = 2/3, cov(t, c) = 25/9, mean c = 89/9.
    assert result.scale[1] == pytest.approx(0.24)
    assert result.bias[1] == pytest.approx(6 - 0.24 * 89 / 9)
    assert np.isnan(result.bias_se).all()


def test_percentile_maps_a_single_juror_onto_itself() -> None:
    total = np.array([3.0, 17.5, 9.0, 9.0, 12.25, 0.5])
    result = calibrate_percentile(np.zeros(6, dtype=np.intp), total, 1)
    assert_allclose(result.calibrated, total, atol=EXACT)


def test_percentile_reads_a_juror_with_all_ties_at_the_median() -> None:
    juror = np.array([0, 0, 0, 1, 1, 1])
    total = np.array([15.0, 15, 15, 2, 8, 11])
    result = calibrate_percentile(juror, total, 2)
    assert_allclose(result.calibrated[:3], np.median(total), atol=EXACT)
    assert result.scale[0] == 1.0 and not result.fallback[0]


def test_percentile_falls_back_below_min_scores() -> None:
    juror = np.array([0, 0, 0, 1, 1])
    total = np.array([10.0, 11, 12, 3, 19])
    result = calibrate_percentile(juror, total, 2, min_scores=3)
    assert_array_equal(result.fallback, [False, True])
    assert_array_equal(result.calibrated[3:], [3.0, 19.0])


@quick
@given(designs(min_per_juror=2), st.data())
def test_percentile_ignores_any_increasing_distortion_of_a_juror(
    design: Design, data: st.DataObject
) -> None:
    j = data.draw(st.integers(0, design.n_jurors - 1))
    power = data.draw(st.sampled_from([0.5, 2.0, 3.0]))
    distorted = design.total.copy()
    own = design.juror == j
    distorted[own] = 20 * (distorted[own] / 20) ** power + 1.0
    fixed = design.total
    before = design.run("percentile", reference=fixed, min_scores=1)
    after = design.run("percentile", distorted, reference=fixed, min_scores=1)
    assert_array_equal(before.calibrated, after.calibrated)


# additive ---------------------------------------------------------------------------------


TWO_BY_TWO = (np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([14.0, 12, 10, 8]))


def test_additive_hand_computed_without_ridge() -> None:
    juror, submission, total = TWO_BY_TWO
    result = calibrate_additive(juror, total, 2, submission=submission, n_submissions=2, ridge=0)
    assert_allclose(result.bias, [2, -2], atol=EXACT)
    assert_allclose(result.calibrated, [12, 10, 12, 10], atol=EXACT)
    assert_allclose(result.bias_se, [0, 0], atol=EXACT)  # a perfect fit
    assert_array_equal(result.components, [0, 0])


def test_additive_hand_computed_with_ridge() -> None:
    # S = [[1+λ, −1], [−1, 1+λ]], S·b = (4, −4): b = ±4/(2+λ). With λ = 1 every residual
    # is ±2/3, σ̂² = (16/9)/(4 − 2 − 2 + 1), and the contrast's variance is ½·1/(2+λ).
    juror, submission, total = TWO_BY_TWO
    result = calibrate_additive(juror, total, 2, submission=submission, n_submissions=2, ridge=1)
    assert_allclose(result.bias, [4 / 3, -4 / 3], atol=EXACT)
    assert_allclose(result.calibrated, [38 / 3, 32 / 3, 34 / 3, 28 / 3], atol=EXACT)
    assert_allclose(result.bias_se, np.sqrt(16 / 9 / 6), atol=EXACT)
    assert_array_equal(result.scale, [1, 1])


def test_additive_chain_is_linked_only_through_the_shared_submission() -> None:
    # Juror 0 scores s0, s1; juror 1 scores s1, s2. Only s1 compares them: b0 − b1 = 13 − 9.
    juror = np.array([0, 0, 1, 1])
    submission = np.array([0, 1, 1, 2])
    total = np.array([15.0, 13, 9, 11])
    result = calibrate_additive(juror, total, 2, submission=submission, n_submissions=3, ridge=0)
    assert_allclose(result.bias, [2, -2], atol=EXACT)
    assert_allclose(result.calibrated, [13, 11, 11, 13], atol=EXACT)
    assert np.isnan(result.bias_se).all()  # no residual degrees of freedom


def recovery_design() -> tuple[Design, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20130418)
    juror, submission = complete(6, 9)
    keep = rng.random(juror.size) < 0.7
    keep[::7] = True
    juror, submission = juror[keep], submission[keep]
    quality = rng.uniform(6, 17, 9)
    bias = rng.normal(0, 2, 6)
    bias -= bias.mean()
    total = quality[submission] + bias[juror]
    return Design(juror, submission, total, 6, 9), quality, bias


def test_additive_recovers_known_biases_exactly_without_noise() -> None:
    design, quality, bias = recovery_design()
    result = design.run("additive", ridge=0)
    assert_array_equal(result.components, np.zeros(9))
    assert_allclose(result.bias, bias, atol=EXACT)
    assert_allclose(result.calibrated, quality[design.submission], atol=EXACT)
    assert_allclose(result.bias_se, 0, atol=1e-6)


def test_additive_ridge_shrinks_by_n_over_n_plus_lambda_in_a_complete_design() -> None:
    # Complete design: S = (n + λ)I − (n/J)·11ᵀ, so centred biases shrink by n/(n + λ).
    juror, submission = complete(4, 5)
    bias = np.array([1.5, -0.5, -2.0, 1.0])
    total = np.array([9.0, 14, 11, 16, 12])[submission] + bias[juror]
    for ridge in (1.0, 5.0):
        result = calibrate_additive(
            juror, total, 4, submission=submission, n_submissions=5, ridge=ridge
        )
        assert_allclose(result.bias, bias * 5 / (5 + ridge), atol=EXACT)


def test_additive_disconnected_design_has_two_components_centred_separately() -> None:
    juror = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    submission = np.array([0, 1, 0, 1, 2, 3, 2, 3])
    total = np.array([14.0, 12, 10, 8, 5, 7, 9, 11])
    result = calibrate_additive(juror, total, 4, submission=submission, n_submissions=4, ridge=0)
    assert_array_equal(result.components, [0, 0, 1, 1])
    assert_allclose(result.bias, [2, -2, -2, 2], atol=EXACT)


def test_additive_falls_back_for_a_juror_with_too_few_totals() -> None:
    juror = np.array([0, 0, 1, 1, 2])
    submission = np.array([0, 1, 0, 1, 2])
    total = np.array([14.0, 12, 10, 8, 19])
    result = calibrate_additive(juror, total, 3, submission=submission, n_submissions=3)
    assert_array_equal(result.fallback, [False, False, True])
    assert result.bias[2] == 0 and result.calibrated[4] == 19.0
    assert np.isnan(result.bias_se[2])
    # Its submission is scored by no fitted juror, so it is a component of its own.
    assert_array_equal(result.components, [0, 0, 1])


def test_additive_conjugate_gradients_agree_with_the_dense_solve() -> None:
    rng = np.random.default_rng(7)
    n_jurors, n_submissions = 40, 150
    submission = np.repeat(np.arange(n_submissions), 3)
    juror = np.concatenate([rng.choice(n_jurors, 3, replace=False) for _ in range(150)])
    total = rng.uniform(5, 18, n_submissions)[submission] + rng.normal(0, 2, n_jurors)[juror]
    total += rng.normal(0, 1, total.size)
    design = Design(juror, submission, total, n_jurors, n_submissions)
    for ridge in (0.0, 1.0):
        dense = design.run("additive", ridge=ridge)
        iterative = design.run("additive", ridge=ridge, se_max_jurors=0)
        assert iterative.converged
        assert_allclose(iterative.bias, dense.bias, atol=CONVERGED)
        assert np.isnan(iterative.bias_se).all() and np.isfinite(dense.bias_se).all()


def test_additive_standard_errors_match_the_spread_of_refits() -> None:
    # Without a ridge the estimate is unbiased and its covariance is σ²·S⁺ exactly.
    rng = np.random.default_rng(11)
    design, _, _ = recovery_design()
    fits, errors = [], []
    for _ in range(300):
        noisy = design.total + rng.normal(0, 1.0, design.total.size)
        result = design.run("additive", noisy, ridge=0)
        fits.append(result.bias)
        errors.append(result.bias_se)
    empirical = np.std(fits, axis=0)
    reported = np.sqrt(np.mean(np.square(errors), axis=0))
    assert_allclose(reported, empirical, rtol=0.15)


# affine -----------------------------------------------------------------------------------


def test_affine_hand_computed_without_noise_or_penalties() -> None:
    # Juror 0 halves the variance around 10, juror 1 doubles it: scales 1/√2 and √2
    # (geometric mean 1), bias = 10·(1 − scale), and every calibrated total is the quality.
    quality = np.array([8.0, 10, 12])
    juror, submission = complete(2, 3)
    scale = np.array([1 / np.sqrt(2), np.sqrt(2)])
    total = 10 + scale[juror] * (quality[submission] - 10)
    result = calibrate_affine(
        juror, total, 2, submission=submission, n_submissions=3, ridge_bias=0, ridge_log_scale=0
    )
    assert result.converged
    assert_allclose(result.scale, scale, atol=CONVERGED)
    assert_allclose(result.bias, 10 * (1 - scale), atol=CONVERGED)
    assert_allclose(result.calibrated, quality[submission], atol=CONVERGED)


def test_affine_recovers_known_scales_and_biases_without_noise() -> None:
    rng = np.random.default_rng(5)
    juror, submission = complete(5, 8)
    keep = rng.random(juror.size) < 0.8
    keep[::6] = True
    juror, submission = juror[keep], submission[keep]
    quality = rng.uniform(4, 18, 8)
    log_scale = rng.normal(0, 0.4, 5)
    scale = np.exp(log_scale - log_scale.mean())
    bias = rng.normal(0, 2, 5)
    total = scale[juror] * quality[submission] + bias[juror]
    design = Design(juror, submission, total, 5, 8)
    result = design.run("affine", ridge_bias=0, ridge_log_scale=0)
    assert result.converged
    assert_allclose(result.scale, scale, atol=CONVERGED)
    # The qualities' origin is free: the fit recovers them up to one shift γ, and the biases
    # up to scale·γ.
    shift = result.calibrated - quality[submission]
    assert_allclose(shift, shift[0], atol=CONVERGED)
    assert_allclose(result.bias - bias, scale * (-shift[0]), atol=CONVERGED)


def test_affine_with_a_rigid_scale_is_the_additive_fit() -> None:
    design, _, _ = recovery_design()
    noisy = design.total + np.random.default_rng(3).normal(0, 1, design.total.size)
    affine = design.run("affine", noisy, min_scores=2, ridge_bias=1.0, ridge_log_scale=1e12)
    additive = design.run("additive", noisy, ridge=1.0)
    assert_allclose(affine.calibrated, additive.calibrated, atol=1e-6)


def test_affine_large_penalties_leave_every_juror_neutral() -> None:
    design, _, _ = recovery_design()
    result = design.run("affine", ridge_bias=1e12, ridge_log_scale=1e12)
    assert_allclose(result.calibrated, design.total, atol=1e-6)


def test_affine_falls_back_for_few_or_constant_totals() -> None:
    juror = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    submission = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    total = np.array([12.0, 15, 9, 11, 11, 11, 4, 18])
    result = calibrate_affine(juror, total, 3, submission=submission, n_submissions=3)
    assert_array_equal(result.fallback, [False, True, True])
    assert_array_equal(result.calibrated[3:], total[3:])
    # Juror 0 is alone in the fit: its own component, left at scale 1 and bias 0.
    assert result.scale[0] == pytest.approx(1) and result.bias[0] == pytest.approx(0)


def test_affine_gauge_holds_in_each_component() -> None:
    rng = np.random.default_rng(9)
    juror, submission = complete(3, 5)
    juror = np.r_[juror, juror + 3]
    submission = np.r_[submission, submission + 5]
    total = rng.uniform(2, 19, juror.size)
    result = calibrate_affine(juror, total, 6, submission=submission, n_submissions=10)
    assert_array_equal(result.components, np.repeat([0, 1], 5))
    log_scale = np.log(result.scale)
    assert_allclose([log_scale[:3].sum(), log_scale[3:].sum()], 0, atol=EXACT)


def test_affine_reports_standard_errors_and_stops_at_its_limit() -> None:
    design, _, _ = recovery_design()
    noisy = design.total + np.random.default_rng(4).normal(0, 1, design.total.size)
    result = design.run("affine", noisy)
    assert result.converged
    assert np.all(result.bias_se > 0) and np.all(result.scale_se > 0)
    assert not design.run("affine", noisy, max_iter=1).converged


# Invariance -------------------------------------------------------------------------------


@quick
@given(designs(min_per_juror=3), st.data())
def test_adding_a_constant_to_a_juror_keeps_the_zscore_order(
    design: Design, data: st.DataObject
) -> None:
    # Exact when no juror falls back: every calibrated total moves by one increasing affine
    # map (the pooled mean and sd change); a fallback juror's raw totals would not move.
    j = data.draw(st.integers(0, design.n_jurors - 1))
    shifted = design.total + (design.juror == j) * data.draw(st.integers(-50, 50)) / 10
    before, after = design.run("zscore"), design.run("zscore", shifted)
    assume(not before.fallback.any())
    assert_same_order(design.means(before.calibrated), design.means(after.calibrated), EXACT)


@quick
@given(designs(min_per_juror=1), st.data())
def test_adding_a_constant_to_a_juror_moves_each_additive_component_rigidly(
    design: Design, data: st.DataObject
) -> None:
    # Exact without a ridge and with every juror fitted: the juror's bias absorbs the
    # constant, and re-centring moves every calibrated total of the component by c/m.
    # (With a ridge λ the bias absorbs only part of it, so the order can change.)
    j = data.draw(st.integers(0, design.n_jurors - 1))
    shifted = design.total + (design.juror == j) * data.draw(st.integers(-50, 50)) / 10
    before = design.run("additive", ridge=0, min_scores=1)
    after = design.run("additive", shifted, ridge=0, min_scores=1)
    moved = design.means(after.calibrated) - design.means(before.calibrated)
    scored = ~np.isnan(moved)
    for component in np.unique(before.components[scored]):
        inside = scored & (before.components == component)
        assert_allclose(moved[inside], moved[inside][0], atol=EXACT)


@quick
@given(designs(min_per_juror=3), st.data())
def test_stretching_a_juror_keeps_the_zscore_order(design: Design, data: st.DataObject) -> None:
    j = data.draw(st.integers(0, design.n_jurors - 1))
    factor = data.draw(st.sampled_from([0.25, 0.5, 2.0, 3.0]))
    centre = data.draw(st.integers(0, 20))
    own = design.juror == j
    stretched = np.where(own, centre + factor * (design.total - centre), design.total)
    before, after = design.run("zscore"), design.run("zscore", stretched)
    assume(not before.fallback.any())
    assert_same_order(design.means(before.calibrated), design.means(after.calibrated), EXACT)


@quick
@given(designs(min_per_juror=1), st.data())
def test_stretching_a_juror_keeps_percentile_values(design: Design, data: st.DataObject) -> None:
    # Percentiles are unchanged, so against a fixed reference the calibrated totals are too.
    # Against the pooled reference (which the stretch moves) only each juror's own order is
    # kept: submission means can reorder.
    j = data.draw(st.integers(0, design.n_jurors - 1))
    factor = data.draw(st.sampled_from([0.25, 0.5, 2.0, 3.0]))
    own = design.juror == j
    stretched = np.where(own, 10 + factor * (design.total - 10), design.total)
    options = {"min_scores": 1}
    fixed = design.run("percentile", reference=design.total, **options)
    again = design.run("percentile", stretched, reference=design.total, **options)
    assert_array_equal(fixed.calibrated, again.calibrated)
    pooled = design.run("percentile", **options)
    after = design.run("percentile", stretched, **options)
    for juror in range(design.n_jurors):
        mine = design.juror == juror
        assert_same_order(pooled.calibrated[mine], after.calibrated[mine], EXACT)


@slow
@given(affine_designs(), st.data())
def test_an_affine_change_of_a_juror_keeps_the_affine_order(
    drawn: tuple[Design, np.ndarray, np.ndarray, np.ndarray], data: st.DataObject
) -> None:
    # Exact (to the fit's tolerance) without penalties, whatever the noise: the model's
    # residuals are on the quality scale, so a juror's t → c·t + k is absorbed by their
    # scale and bias, and the gauge moves every calibrated total by one increasing affine
    # map. With penalties the juror is pulled back towards neutral, so it is approximate.
    design = drawn[0]
    j = data.draw(st.integers(0, design.n_jurors - 1))
    factor = data.draw(st.sampled_from([0.25, 0.5, 2.0, 4.0]))
    offset = data.draw(st.integers(-50, 50)) / 10
    own = design.juror == j
    changed = np.where(own, factor * design.total + offset, design.total)
    options = {"ridge_bias": 0.0, "ridge_log_scale": 0.0}
    before, after = design.run("affine", **options), design.run("affine", changed, **options)
    assume(before.converged and after.converged)
    old, new = design.means(before.calibrated), design.means(after.calibrated)
    slope, intercept = np.polyfit(old, new, 1)
    assert slope > 0
    assert_allclose(new, slope * old + intercept, atol=CONVERGED * 10)


# Monotonicity -----------------------------------------------------------------------------
#
# Naive claim: raising one total never lowers that submission's mean calibrated total
# relative to any other submission. Exact forms that hold:
#   raw         as stated.
#   additive    as stated for the fitted quality (mean over fitted jurors), for every λ ≥ 0;
#               so as stated whenever no juror of the domain falls back. (Proof: the change
#               in fitted values is the response of an attractive Gaussian field — an
#               M-matrix system — to a unit source at the submission and a sink at the
#               juror, so by the maximum principle it is largest at the submission.) A
#               fallback juror's raw total dilutes the mean: see the counterexample.
#   percentile  as stated against a fixed reference. Against the pooled reference the
#               raise also moves the pooled quantiles: only the submission's own mean is
#               sure not to fall.
#   zscore      the raised total's z-score never falls, so (no fallback) the submission
#               never drops below one it was above among submissions the juror did not
#               score; against submissions the same juror scored it can, because the raise
#               changes the juror's mean and spread.


def raise_one(design: Design, data: st.DataObject) -> tuple[np.ndarray, int]:
    k = data.draw(st.integers(0, design.total.size - 1))
    raised = design.total.copy()
    raised[k] += data.draw(st.integers(1, 50)) / 10
    return raised, k


@quick
@given(designs(), st.data())
def test_raising_a_total_never_lowers_its_raw_standing(design: Design, data: st.DataObject):
    raised, k = raise_one(design, data)
    moved = design.means(design.run("raw", raised).calibrated) - design.means(design.total)
    s = design.submission[k]
    assert np.all(moved[s] >= np.nan_to_num(moved, nan=-np.inf))


@quick
@given(designs(), st.sampled_from([0.0, 1.0, 3.0]), st.data())
def test_raising_a_total_never_lowers_its_additive_quality(
    design: Design, ridge: float, data: st.DataObject
) -> None:
    raised, k = raise_one(design, data)
    before = design.run("additive", ridge=ridge, min_scores=2)
    after = design.run("additive", raised, ridge=ridge, min_scores=2)
    fitted = ~before.fallback[design.juror]
    moved = design.means(after.calibrated, fitted) - design.means(before.calibrated, fitted)
    s = design.submission[k]
    if fitted[k]:
        assert np.all(moved[s] >= np.nan_to_num(moved, nan=-np.inf) - EXACT)
    if not before.fallback.any():
        everyone = design.means(after.calibrated) - design.means(before.calibrated)
        assert np.all(everyone[s] >= np.nan_to_num(everyone, nan=-np.inf) - EXACT)


@quick
@given(designs(), st.data())
def test_raising_a_total_never_lowers_its_percentile_standing(design: Design, data):
    raised, k = raise_one(design, data)
    s = design.submission[k]
    fixed = design.run("percentile", reference=design.total)
    moved = design.means(design.run("percentile", raised, reference=design.total).calibrated)
    moved -= design.means(fixed.calibrated)
    assert np.all(moved[s] >= np.nan_to_num(moved, nan=-np.inf) - EXACT)
    pooled = design.means(design.run("percentile", raised).calibrated)
    assert pooled[s] >= design.means(design.run("percentile").calibrated)[s] - EXACT


@quick
@given(designs(min_per_juror=3), st.data())
def test_raising_a_total_never_lowers_its_zscore(design: Design, data: st.DataObject) -> None:
    raised, k = raise_one(design, data)
    before, after = design.run("zscore"), design.run("zscore", raised)
    assume(not before.fallback.any() and not after.fallback.any())

    def z(result: Calibration, total: np.ndarray) -> np.ndarray:
        return (result.calibrated - total.mean()) / total.std(ddof=1)

    assert z(after, raised)[k] >= z(before, design.total)[k] - EXACT
    s, j = design.submission[k], design.juror[k]
    unscored = np.ones(design.n_submissions, dtype=bool)
    unscored[design.submission[design.juror == j]] = False
    old, new = design.means(before.calibrated), design.means(after.calibrated)
    was_above = unscored & (old[s] >= old - EXACT)
    assert np.all(new[s][None] >= new[was_above] - EXACT)


COUNTEREXAMPLES = {
    # Juror 1 raises submission 0 from 6 to 9: their mean rises from 11.67 to 12.67 and
    # their sd shrinks from 4.93 to 3.21, so the raised total's z-score hardly moves
    # (−1.149 to −1.141) while their 15 on submission 1 gains (0.676 to 0.726).
    "zscore": ([19.0, 6, 8, 6, 15, 14], 3, 9.0, 1),
    # Juror 0 raises submission 2 from 4 to 5: the pooled quantile at submission 0's
    # percentiles rises more than submission 2's mean does.
    "percentile": ([3.0, 1, 4, 6, 7, 1], 2, 5.0, 0),
}


@pytest.mark.parametrize("method", sorted(COUNTEREXAMPLES))
def test_raising_a_total_can_lower_its_standing_under(method: str) -> None:
    totals, k, value, overtaker = COUNTEREXAMPLES[method]
    juror, submission = complete(2, 3)
    design = Design(juror, submission, np.array(totals), 2, 3)
    raised = design.total.copy()
    raised[k] = value
    before = design.means(design.run(method).calibrated)
    after = design.means(design.run(method, raised).calibrated)
    s = submission[k]
    assert before[s] > before[overtaker] and after[s] < after[overtaker]


def test_a_fallback_total_dilutes_the_additive_standing() -> None:
    # Juror 0 gives one total (0 on submission 1) and falls back. Jurors 1 and 2 meet on
    # submission 1: b1 − b2 = 13 − 16, so b = (−1.5, 1.5) and the means are 9.5, 29/3, 14.5.
    # Juror 1 raising submission 1 to 20 makes b = (2, −2): both fitted qualities of
    # submissions 0 and 1 rise by 3.5, but submission 1's mean also carries the raw 0, so it
    # rises by only 3.5·2/3 and falls behind submission 0 (13 against 12).
    juror = np.array([0, 1, 1, 2, 2])
    submission = np.array([1, 1, 2, 0, 1])
    design = Design(juror, submission, np.array([0.0, 13, 13, 11, 16]), 3, 3)
    raised = design.total.copy()
    raised[1] = 20.0
    before = design.run("additive", ridge=0)
    after = design.run("additive", raised, ridge=0)
    assert_array_equal(before.fallback, [True, False, False])
    assert_allclose(design.means(before.calibrated), [9.5, 29 / 3, 14.5], atol=EXACT)
    assert_allclose(design.means(after.calibrated), [13, 12, 11], atol=EXACT)


# Heteroscedastic (hetero) -----------------------------------------------------------------

RECOVERY = 0.2
"""Relative tolerance on a juror's recovered scale and noise sd from about 150 noisy totals
(their sampling error is about 1/√(2·150) ≈ 6% for the noise, 8% for the scale)."""


def simulated_jury(
    seed: int = 2013, noise: np.ndarray | None = None, n_jurors: int = 20, n_submissions: int = 600
) -> tuple[Design, dict[str, np.ndarray]]:
    """``t = 10 + d_j + a_j (q_s − 10) + σ_j ε`` with 5 random jurors per submission."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(10, 2, n_submissions)
    offset = rng.normal(0, 1.5, n_jurors)
    scale = np.exp(rng.normal(0, 0.3, n_jurors))
    sd = np.ones(n_jurors) if noise is None else noise
    juror = np.concatenate([rng.choice(n_jurors, 5, replace=False) for _ in range(n_submissions)])
    submission = np.repeat(np.arange(n_submissions), 5)
    total = (
        10
        + offset[juror]
        + scale[juror] * (quality[submission] - 10)
        + sd[juror] * rng.standard_normal(juror.size)
    )
    truth = {"quality": quality, "offset": offset, "scale": scale, "noise": sd}
    return Design(juror, submission, total, n_jurors, n_submissions), truth


def test_hetero_recovers_known_biases_scales_and_noise() -> None:
    noise = np.r_[np.full(4, 2.5), np.ones(16)]
    design, truth = simulated_jury(noise=noise)
    result = design.run("hetero")
    assert result.converged and not result.fallback.any()
    # Scales are identified up to one common factor (the quality scale's unit); the
    # geometric mean of the fitted scales is held at 1.
    ratio = result.scale / truth["scale"]
    assert_allclose(ratio / np.exp(np.log(ratio).mean()), 1, rtol=RECOVERY)
    assert_allclose(result.noise_sd, noise, rtol=RECOVERY)
    # Biases up to the same gauge: each juror's reading of a common total matches the truth's
    # up to one increasing affine map.
    fitted = (12.0 - result.bias) / result.scale
    true_reading = 10 + (12.0 - 10 - truth["offset"]) / truth["scale"]
    slope, intercept = np.polyfit(true_reading, fitted, 1)
    # About 3 standard errors of a noisy juror's offset (2.5 / √150 points, over its scale).
    assert_allclose(fitted, slope * true_reading + intercept, atol=0.75)
    assert slope == pytest.approx(1, rel=RECOVERY)


def test_hetero_weighs_a_noisier_juror_less() -> None:
    noise = np.ones(20)
    noise[0] = 3.0
    design, _ = simulated_jury(seed=7, noise=noise)
    result = design.run("hetero")
    assert result.weight.sum() == pytest.approx(1)
    assert result.weight[0] < 0.3 * np.median(result.weight)
    shares = result.share[design.juror == 0]
    others = result.share[design.juror != 0]
    assert shares.mean() < 0.3 * others.mean()


def test_hetero_noise_standard_error_matches_the_spread_of_refits() -> None:
    """The same jury drawn again with fresh noise: the fitted noise sd of a noisy juror varies
    across refits about as much as its reported standard error says (within a factor 2)."""
    noise = np.r_[np.full(4, 2.5), np.ones(16)]
    fits = [simulated_jury(seed=seed, noise=noise, n_submissions=150)[0] for seed in range(30)]
    results = [design.run("hetero") for design in fits]
    spread = np.std([r.noise_sd[:4] for r in results], axis=0, ddof=1).mean()
    reported = np.mean([r.noise_sd_se[:4] for r in results])
    assert 0.5 < reported / spread < 2.0


def test_a_careful_juror_among_noisy_ones_keeps_their_weight_under_the_default_prior() -> None:
    """One juror of noise sd 0.3 among 19 at 2.0: the conjugate scaled-inverse-χ² prior of the
    first version pulled that juror's noise towards the pool (fitted about 1.5); the default
    Student-t prior on the log-variances believes the data more (docs/calibration.md)."""
    noise = np.r_[0.3, np.full(19, 2.0)]
    conjugate, student, errors = [], [], []
    for seed in range(3):
        design, truth = simulated_jury(seed=seed, noise=noise, n_submissions=150)
        first = design.run("hetero", noise_prior="inv-chi2")
        default = design.run("hetero")
        conjugate.append(first.noise_sd[0])
        student.append(default.noise_sd[0])
        error = [np.abs(r.shrunk - truth["quality"]).mean() for r in (first, default)]
        errors.append(error)
    assert np.mean(student) < 0.7 * np.mean(conjugate)
    assert all(new < old for old, new in errors)


def test_hetero_weight_errors_fall_as_jurors_score_more() -> None:
    small, _ = simulated_jury(seed=4, n_submissions=60)
    large, _ = simulated_jury(seed=4, n_submissions=600)
    few, many = small.run("hetero"), large.run("hetero")
    for result in (few, many):
        assert np.all(np.isfinite(result.weight_se) & (result.weight_se > 0))
    relative_few = np.median(few.weight_se / few.weight)
    relative_many = np.median(many.weight_se / many.weight)
    # About √10 fewer relative error with ten times the totals; at least twice fewer.
    assert relative_many < relative_few / 2


def test_other_methods_leave_noise_and_weight_unestimated() -> None:
    design, _ = simulated_jury(seed=4, n_submissions=60)
    result = design.run("additive")
    for name in ("noise_sd", "noise_sd_se", "weight", "weight_se", "share"):
        assert np.isnan(getattr(result, name)).all(), name
    assert result.prior_mean is None
    assert not dominant_jurors(result, design.submission).any()


def test_one_precise_juror_among_noisy_ones_is_flagged_as_carrying_the_weight() -> None:
    noise = np.full(20, 2.0)
    noise[0] = 0.3
    design, _ = simulated_jury(seed=9, noise=noise, n_submissions=300)
    result = design.run("hetero")
    flagged = dominant_jurors(result, design.submission)
    # The careful juror carries every submission they scored; a juror with a wide scale may
    # carry the odd one (their totals say more about quality per point of noise).
    assert flagged[design.juror == 0].all()
    assert flagged[design.juror != 0].mean() < 0.01
    equal, _ = simulated_jury(seed=9, n_submissions=300)
    # Jurors equally careful: only where a wide-scale juror meets narrow-scale ones (about
    # 5% of the submissions here), against the quarter the careful juror scored above.
    assert dominant_jurors(equal.run("hetero"), equal.submission).sum() < 0.1 * 300


def test_a_submission_left_with_one_juror_is_not_flagged_as_dominated() -> None:
    design, _ = simulated_jury(seed=5, n_submissions=200)
    drop = (design.submission == 0) & (np.arange(design.juror.size) > 0)
    thin = Design(design.juror[~drop], design.submission[~drop], design.total[~drop], 20, 200)
    result = thin.run("hetero")
    assert result.share[thin.submission == 0] == pytest.approx([1.0])
    assert not dominant_jurors(result, thin.submission)[thin.submission == 0].any()


def test_hetero_prior_mean_is_what_each_quality_is_shrunk_towards() -> None:
    design, _ = simulated_jury(seed=3, n_submissions=200)
    result = design.run("hetero")
    readings = (design.total - result.bias[design.juror]) / result.scale[design.juror]
    weighted = np.bincount(design.submission, weights=result.share * readings)
    expected = result.prior_mean + result.shrinkage * (weighted - result.prior_mean)
    assert_allclose(result.shrunk, expected, atol=1e-9)


def test_hetero_score_is_the_mean_of_its_calibrated_totals_and_shares_sum_to_one() -> None:
    design, _ = simulated_jury(seed=3, n_submissions=200)
    result = design.run("hetero")
    assert_allclose(design.means(result.calibrated), result.shrunk, atol=EXACT)
    share_sums = np.bincount(design.submission, weights=result.share)
    assert_allclose(share_sums, 1, atol=EXACT)
    assert np.all((result.shrinkage > 0) & (result.shrinkage < 1))


def test_hetero_ranks_better_than_additive_with_noisy_jurors() -> None:
    noise = np.r_[np.full(5, 3.0), np.ones(15)]
    design, truth = simulated_jury(seed=11, noise=noise)
    hetero = design.run("hetero").shrunk
    additive = design.means(design.run("additive").calibrated)
    oracle_error = np.abs(hetero - truth["quality"]).mean()
    assert oracle_error < np.abs(additive - truth["quality"]).mean()


def test_hetero_shrinks_a_submission_left_with_one_juror() -> None:
    design, _ = simulated_jury(seed=5, n_submissions=200)
    # Submission 0 loses all but its first juror; submission 1 keeps its five.
    drop = (design.submission == 0) & (np.arange(design.juror.size) > 0)
    keep = ~drop
    thin = Design(design.juror[keep], design.submission[keep], design.total[keep].copy(), 20, 200)
    thin.total[thin.submission == 0] = 19.0
    thin.total[thin.submission == 1] = 19.0
    result = thin.run("hetero")
    centre = float(np.mean(result.shrunk))
    single = float(thin.means((thin.total - result.bias[thin.juror]) / result.scale[thin.juror])[0])
    assert result.shrinkage[0] < result.shrinkage[1]
    assert centre < result.shrunk[0] < single


def test_hetero_disconnected_design_gives_one_component_per_group() -> None:
    design, _ = simulated_jury(seed=8, n_jurors=6, n_submissions=40)
    other = Design(
        np.r_[design.juror, design.juror + 6],
        np.r_[design.submission, design.submission + 40],
        np.r_[design.total, design.total - 3],
        12,
        80,
    )
    result = other.run("hetero")
    assert_array_equal(result.components, np.repeat([0, 1], 40))
    assert result.converged
    # The second group scores 3 points lower throughout. Severities compare only within a
    # group, so, as with the other graph methods, each group's biases are centred on their
    # own and the difference stays in its submissions' scores (not exactly 3: the scales
    # act about the domain's mean total, which the two groups sit on either side of).
    assert_allclose(result.shrunk[40:], result.shrunk[:40] - 3, atol=0.3)
    order = np.corrcoef(
        np.argsort(np.argsort(result.shrunk[40:])), np.argsort(np.argsort(result.shrunk[:40]))
    )
    assert order[0, 1] > 0.99


def test_hetero_falls_back_for_few_or_constant_totals() -> None:
    design, _ = simulated_jury(seed=4, n_jurors=6, n_submissions=30)
    juror = np.r_[design.juror, 6, 6, 7, 7, 7]
    submission = np.r_[design.submission, 0, 1, 2, 3, 4]
    total = np.r_[design.total, 15.0, 9.0, 11.0, 11.0, 11.0]
    result = calibrate_hetero(juror, total, 8, submission=submission, n_submissions=30)
    assert_array_equal(result.fallback, [False] * 6 + [True, True])
    assert_array_equal(result.bias[6:], 0)
    assert_array_equal(result.scale[6:], 1)
    # A fallback juror still counts, with the pooled noise variance, so its weight is that of
    # an average juror.
    assert np.all(result.weight[6:] > 0)
    assert_allclose(result.noise_sd[6], result.noise_sd[7])
    # Their submissions are scored by fitted jurors too: no component of their own.
    assert np.unique(result.components).size == 1


def test_hetero_flags_ceiling_floor_and_three_value_jurors() -> None:
    juror = np.repeat([0, 1, 2, 3], 6)
    total = np.r_[
        [20, 20, 20, 18, 17, 19],  # ceiling
        [0, 0, 3, 5, 0, 2],  # floor
        [7, 10, 13, 10, 7, 13],  # three values
        [4, 8, 11, 12, 15, 16],
    ].astype(np.float64)
    ceiling, floor, coarse = juror_shapes(juror, total, 4, (0.0, 20.0))
    assert_array_equal(ceiling, [True, False, False, False])
    assert_array_equal(floor, [False, True, False, False])
    assert_array_equal(coarse, [False, False, True, False])


def test_hetero_censoring_reads_ceiling_totals_beyond_the_end() -> None:
    design, truth = simulated_jury(seed=12, n_submissions=300)
    clipped = np.clip(design.total, 5.0, 15.0)
    plain = design.run("hetero", total=clipped)
    censored = design.run("hetero", total=clipped, censor=(5.0, 15.0))
    assert censored.converged
    error = {
        name: np.abs(np.corrcoef(result.shrunk, truth["quality"])[0, 1])
        for name, result in (("plain", plain), ("censored", censored))
    }
    assert error["censored"] >= error["plain"]


def test_hetero_on_a_jury_of_agreeing_jurors_is_nearly_the_plain_mean() -> None:
    """A worked case with a closed form: jurors who differ only by noise of one variance get
    equal weights, so the score is the plain mean shrunk by ``k = nτ²/(nτ² + σ²)`` (the
    normal–normal posterior mean; Ge, Welling & Ghahramani 2013 with equal precisions)."""
    rng = np.random.default_rng(42)
    juror, submission = complete(8, 60)
    quality = rng.normal(12, 2, 60)
    total = quality[submission] + rng.normal(0, 1, juror.size)
    result = calibrate_hetero(juror, total, 8, submission=submission, n_submissions=60)
    # Each juror's noise variance is estimated from 60 totals (about ±20%).
    assert_allclose(result.weight, 1 / 8, rtol=0.35)
    means = np.bincount(submission, weights=total) / 8
    k = float(np.median(result.shrinkage))
    expected = means.mean() + k * (means - means.mean())
    assert_allclose(result.shrunk, expected, atol=0.15)
    assert 0.9 < k < 1
