"""Reliability coefficients: published worked examples first, then properties.

Matrices are submissions × jurors (rows are items, columns are raters), NaN for a missing score.
Published figures are checked to the number of decimals their source prints.
"""

from __future__ import annotations

import json
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grantjury import messages
from grantjury.reliability import (
    ICC_FORMS,
    icc,
    icc_unavailable_reason,
    kendall_w,
    krippendorff_alpha_interval,
    reliability_summary,
    two_way_mean_squares,
)

nan = math.nan

# Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
# reliability. Psychological Bulletin 86(2), 420-428. Table 2: six targets rated by four judges.
SHROUT_FLEISS_TABLE_2 = np.array(
    [
        [9, 2, 5, 8],
        [6, 1, 3, 2],
        [8, 4, 6, 8],
        [7, 1, 2, 6],
        [10, 5, 6, 9],
        [6, 2, 4, 7],
    ],
    dtype=float,
)

# Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability (Annenberg School for
# Communication, https://repository.upenn.edu/asc_papers/43): the reliability data of section C,
# 4 observers A-D (printed as rows) coding 12 units with missing values, which the paper reuses
# for every metric; transposed here to units × observers. Unit 12 has one value: not pairable.
KRIPPENDORFF_2011_C = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],  # observer A
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],  # observer B
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],  # observer C
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],  # observer D
    ]
).T

# The 3 coders × 15 units example of Krippendorff's alpha (the Wikipedia entry's computational
# example, from Krippendorff's Content Analysis), as used in the test suite of the reference
# Python implementation: pln-fing-udelar/fast-krippendorff, tests/test_krippendorff.py,
# test_interval_metric, which expects 0.810845 (6 decimals). Transposed to units × coders.
KRIPPENDORFF_3_CODERS = np.array(
    [
        [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
        [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
        [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
    ]
).T

# NAG Library, routine G08DAF (nagf_nonpar_concordance_kendall), example program: k = 3
# comparisons (jurors) of n = 10 objects, with tied scores in every comparison. Data file
# g08dafe.d; results file g08dafe.r prints "Kendall's coefficient = 0.828" (Marks 26.2, 27.1,
# 27.2: https://support.nag.com/numeric/fl/nagdoc_fl26.2/examples/baseresults/g08dafe.r.html).
# Printed as one row per comparison; transposed to objects × comparisons.
NAG_G08DAF_EXAMPLE = np.array(
    [
        [1.0, 4.5, 2.0, 4.5, 3.0, 7.5, 6.0, 9.0, 7.5, 10.0],
        [2.5, 1.0, 2.5, 4.5, 4.5, 8.0, 9.0, 6.5, 10.0, 6.5],
        [2.0, 1.0, 4.5, 4.5, 4.5, 4.5, 8.0, 8.0, 8.0, 10.0],
    ]
).T

PROPERTY = settings(max_examples=50, deadline=None)
"""Settings of the property tests: enough examples to find edge cases, few enough to stay fast."""

# Jury-like scores: half points on a small scale, so ties and equal values are common and
# arithmetic is exact enough to compare two implementations to 1e-9.
SCORE = st.integers(-20, 20).map(lambda v: v / 2)
SCORE_OR_MISSING = st.one_of(st.just(nan), SCORE)


def matrices(
    elements: st.SearchStrategy[float] = SCORE_OR_MISSING, max_side: int = 7
) -> st.SearchStrategy[np.ndarray]:
    """Submissions × jurors matrices of at least 1 × 1."""
    shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=max_side)
    return hnp.arrays(np.float64, shapes, elements=elements)


def naive_alpha_interval(ratings: np.ndarray) -> float | None:
    """Krippendorff's alpha straight from the definition: every pair, one at a time.

    ``D_o = (1/n) Σ_u 1/(m_u - 1) Σ_{i≠j in u} (v_i - v_j)²`` and
    ``D_e = 1/(n (n - 1)) Σ_{i≠j} (v_i - v_j)²`` over all pairable values (Krippendorff 2011).
    """
    units = [[v for v in row if not math.isnan(v)] for row in ratings.tolist()]
    units = [unit for unit in units if len(unit) >= 2]
    values = [v for unit in units for v in unit]
    n = len(values)
    if n < 2:
        return None
    expected = sum((a - b) ** 2 for a in values for b in values) / (n * (n - 1))
    if expected == 0:
        return None
    observed = (
        sum(
            sum((a - b) ** 2 for i, a in enumerate(unit) for j, b in enumerate(unit) if i != j)
            / (len(unit) - 1)
            for unit in units
        )
        / n
    )
    return 1 - observed / expected


# --- Published worked examples ---------------------------------------------------------------


def test_mean_squares_match_shrout_fleiss_table_3() -> None:
    """Shrout & Fleiss (1979), Table 3: BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02."""
    ms = two_way_mean_squares(SHROUT_FLEISS_TABLE_2)
    printed = [round(v, 2) for v in (ms.bms, ms.wms, ms.jms, ms.ems)]
    assert printed == [11.24, 6.26, 32.49, 1.02]


def test_icc_matches_shrout_fleiss_table_4() -> None:
    """Shrout & Fleiss (1979), Table 4 (p. 424), printed to two decimals.

    ICC(1,1) = .17, ICC(2,1) = .29, ICC(3,1) = .71, ICC(1,4) = .44, ICC(2,4) = .62,
    ICC(3,4) = .91 for the Table 2 data.
    """
    values = icc(SHROUT_FLEISS_TABLE_2)
    assert values is not None
    assert {form: round(v, 2) for form, v in values.items()} == {
        "ICC1": 0.17,
        "ICC2": 0.29,
        "ICC3": 0.71,
        "ICC1k": 0.44,
        "ICC2k": 0.62,
        "ICC3k": 0.91,
    }


def test_alpha_matches_krippendorff_2011_interval_example() -> None:
    """Krippendorff (2011), section C, 4 observers × 12 units with missing values: the paper
    prints alpha = 0.849 for the interval metric (0.743 nominal, 0.815 ordinal, 0.797 ratio)."""
    assert round(krippendorff_alpha_interval(KRIPPENDORFF_2011_C), 3) == 0.849


def test_alpha_drops_the_unpairable_unit_of_krippendorff_2011() -> None:
    """Unit 12 of Krippendorff (2011) has one value: removing it leaves alpha unchanged."""
    without_unit_12 = KRIPPENDORFF_2011_C[:11]
    assert krippendorff_alpha_interval(without_unit_12) == krippendorff_alpha_interval(
        KRIPPENDORFF_2011_C
    )


def test_alpha_matches_fast_krippendorff_interval_test() -> None:
    """pln-fing-udelar/fast-krippendorff, tests/test_krippendorff.py::test_interval_metric:
    the 3 coders × 15 units example gives 0.810845 to 6 decimals."""
    assert round(krippendorff_alpha_interval(KRIPPENDORFF_3_CODERS), 6) == 0.810845


def test_kendall_w_matches_nag_g08daf_example_with_ties() -> None:
    """NAG G08DAF example program results: "Kendall's coefficient = 0.828" (3 decimals).

    Without the tie correction W would be 0.796, so this pins the correction down.
    """
    assert round(kendall_w(NAG_G08DAF_EXAMPLE), 3) == 0.828


# --- Krippendorff's alpha: properties -------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(matrices())
def test_alpha_equals_naive_pairwise_definition(ratings: np.ndarray) -> None:
    expected = naive_alpha_interval(ratings)
    actual = krippendorff_alpha_interval(ratings)
    if expected is None:
        assert actual is None
    else:
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-9)


@PROPERTY
@given(matrices(), st.integers(-2000, 2000).map(lambda v: v / 2))
def test_alpha_is_invariant_to_adding_a_constant(ratings: np.ndarray, shift: float) -> None:
    before = krippendorff_alpha_interval(ratings)
    after = krippendorff_alpha_interval(ratings + shift)
    if before is None:
        assert after is None
    else:
        assert after == pytest.approx(before, rel=1e-9, abs=1e-9)


@PROPERTY
@given(matrices(), st.sampled_from([0.25, 0.5, 2.0, 10.0]))
def test_alpha_is_invariant_to_rescaling(ratings: np.ndarray, factor: float) -> None:
    before = krippendorff_alpha_interval(ratings)
    after = krippendorff_alpha_interval(ratings * factor)
    if before is None:
        assert after is None
    else:
        assert after == pytest.approx(before, rel=1e-9, abs=1e-9)


@PROPERTY
@given(matrices(), st.data())
def test_alpha_is_invariant_to_permuting_jurors_and_submissions(
    ratings: np.ndarray, data: st.DataObject
) -> None:
    rows = data.draw(st.permutations(range(ratings.shape[0])))
    cols = data.draw(st.permutations(range(ratings.shape[1])))
    before = krippendorff_alpha_interval(ratings)
    after = krippendorff_alpha_interval(ratings[np.ix_(rows, cols)])
    if before is None:
        assert after is None
    else:
        assert after == pytest.approx(before, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("desc", "ratings"),
    [
        ("no submissions", np.empty((0, 3))),
        ("no jurors", np.empty((4, 0))),
        ("every cell empty", np.full((3, 3), nan)),
        ("one juror", np.array([[1.0], [2.0], [3.0]])),
        ("one score per submission", np.array([[1.0, nan], [nan, 2.0], [3.0, nan]])),
        ("every pairable score equal", np.array([[0.1, 0.1], [0.1, 0.1], [7.0, nan]])),
    ],
)
def test_alpha_is_none_when_undefined(desc: str, ratings: np.ndarray) -> None:
    assert krippendorff_alpha_interval(ratings) is None, desc


def test_alpha_is_one_for_perfect_agreement_with_missing_scores() -> None:
    ratings = np.array([[1.0, 1.0, nan], [3.0, nan, 3.0], [5.0, 5.0, 5.0]])
    assert krippendorff_alpha_interval(ratings) == pytest.approx(1.0)


def test_alpha_is_negative_for_systematic_disagreement() -> None:
    ratings = np.array([[1.0, 5.0], [5.0, 1.0], [1.0, 5.0], [5.0, 1.0]])
    assert krippendorff_alpha_interval(ratings) < 0


def test_alpha_runs_in_memory_linear_in_the_matrix() -> None:
    """5,000 submissions × 40 jurors, 10 scores each: 50,000 scores. The pairwise definition
    would need 50,000² ≈ 2.5e9 differences; the sums-of-squares identity needs a few copies
    of the 1.6 MB matrix."""
    rng = np.random.default_rng(20240601)
    n_items, n_raters = 5000, 40
    ratings = np.full((n_items, n_raters), nan)
    quality = rng.normal(size=n_items)
    for item in range(n_items):
        jurors = rng.choice(n_raters, size=10, replace=False)
        ratings[item, jurors] = quality[item] + rng.normal(scale=0.5, size=10)
    tracemalloc.start()
    try:
        alpha = krippendorff_alpha_interval(ratings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert alpha is not None
    assert 0.7 < alpha < 0.9  # true reliability 1 / (1 + 0.25)
    assert peak < 16 * ratings.nbytes


def test_alpha_refuses_a_matrix_that_is_not_2d() -> None:
    with pytest.raises(ValueError, match="2-D"):
        krippendorff_alpha_interval(np.array([1.0, 2.0, 3.0]))


def test_alpha_refuses_infinite_scores() -> None:
    with pytest.raises(ValueError, match="infinite"):
        krippendorff_alpha_interval(np.array([[1.0, np.inf], [2.0, 3.0]]))


# --- ICC: properties and availability --------------------------------------------------------


@PROPERTY
@given(matrices(elements=SCORE))
def test_icc_k_forms_are_spearman_brown_of_single_forms(ratings: np.ndarray) -> None:
    """ICC(x,k) = k ICC(x,1) / (1 + (k - 1) ICC(x,1)) for x = 1, 2, 3 (Shrout & Fleiss 1979)."""
    values = icc(ratings)
    if values is None:
        return
    k = ratings.shape[1]
    for single, average in (("ICC1", "ICC1k"), ("ICC2", "ICC2k"), ("ICC3", "ICC3k")):
        r = values[single]
        assert values[average] == pytest.approx(k * r / (1 + (k - 1) * r), rel=1e-9, abs=1e-9)


@PROPERTY
@given(matrices(elements=SCORE), st.data())
def test_icc3_ignores_juror_leniency(ratings: np.ndarray, data: st.DataObject) -> None:
    """Form 3 measures consistency: shifting each juror's scores by a constant changes nothing."""
    k = ratings.shape[1]
    leniency = np.array(data.draw(st.lists(SCORE, min_size=k, max_size=k)))
    shifted = ratings + leniency
    before, after = icc(ratings), icc(shifted)
    if before is None or after is None:
        return
    assert after["ICC3"] == pytest.approx(before["ICC3"], rel=1e-9, abs=1e-9)
    assert after["ICC3k"] == pytest.approx(before["ICC3k"], rel=1e-9, abs=1e-9)


def test_icc_penalises_juror_leniency_in_absolute_agreement() -> None:
    """Form 2 measures absolute agreement: a lenient juror lowers ICC(2,1) but not ICC(3,1)."""
    lenient = SHROUT_FLEISS_TABLE_2 + np.array([0.0, 0.0, 0.0, 5.0])
    before, after = icc(SHROUT_FLEISS_TABLE_2), icc(lenient)
    assert before is not None and after is not None
    assert after["ICC2"] < before["ICC2"]
    assert after["ICC3"] == pytest.approx(before["ICC3"])


def test_icc_unavailable_reason_counts_empty_cells() -> None:
    ratings = np.arange(120, dtype=float).reshape(12, 10) % 7
    empty = np.random.default_rng(7).choice(120, size=37, replace=False)
    ratings.flat[empty] = nan
    reason = icc_unavailable_reason(ratings)
    assert reason == {"code": "empty_cells", "empty": 37, "cells": 120}
    assert messages.of(reason) == (
        "not every juror scored every submission (37 of 120 cells empty)"
    )
    assert icc(ratings) is None


@pytest.mark.parametrize(
    ("ratings", "reason"),
    [
        (np.array([[1.0, 2.0, 3.0]]), ("few_items", "fewer than 2 submissions")),
        (np.empty((0, 3)), ("few_items", "fewer than 2 submissions")),
        (np.array([[1.0], [2.0]]), ("few_raters", "fewer than 2 jurors")),
        (
            np.full((3, 2), 4.0),
            ("no_variation", "every score is the same, so there is no variation to apportion"),
        ),
        (
            np.array([[1.0, 2.0], [2.0, 1.0], [1.5, 1.5]]),
            (
                "degenerate",
                "the submissions' mean scores differ too little for every ICC form to be defined",
            ),
        ),
        (SHROUT_FLEISS_TABLE_2, None),
    ],
)
def test_icc_unavailable_reason(ratings: np.ndarray, reason: tuple[str, str] | None) -> None:
    found = icc_unavailable_reason(ratings)
    if reason is None:
        assert found is None
    else:
        assert found == {"code": reason[0]}
        assert messages.of(found) == reason[1]
    assert (icc(ratings) is None) == (reason is not None)


def test_mean_squares_refuse_incomplete_ratings() -> None:
    with pytest.raises(ValueError, match="1 missing"):
        two_way_mean_squares(np.array([[1.0, 2.0], [nan, 3.0]]))


# --- Kendall's W ------------------------------------------------------------------------------


@PROPERTY
@given(st.integers(2, 12), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_kendall_w_matches_mean_spearman_without_ties(n: int, m: int, seed: int) -> None:
    """Without ties, the mean Spearman correlation over juror pairs is (mW - 1) / (m - 1)
    (Kendall & Babington Smith 1939; Siegel & Castellan 1988)."""
    ratings = np.random.default_rng(seed).normal(size=(n, m))  # continuous: no ties
    ranks = ratings.argsort(axis=0).argsort(axis=0)
    correlations = np.corrcoef(ranks, rowvar=False)
    mean_rho = correlations[np.triu_indices(m, k=1)].mean()
    w = kendall_w(ratings)
    assert w is not None
    assert (m * w - 1) / (m - 1) == pytest.approx(mean_rho, abs=1e-9)


@PROPERTY
@given(matrices(elements=SCORE), st.data())
def test_kendall_w_ignores_each_jurors_scale(ratings: np.ndarray, data: st.DataObject) -> None:
    """W uses only each juror's ordering: a strictly increasing map per juror changes nothing."""
    k = ratings.shape[1]
    slopes = np.array(data.draw(st.lists(st.sampled_from([0.5, 1.0, 3.0]), min_size=k, max_size=k)))
    transformed = np.exp(ratings / 4) * slopes + np.arange(k)
    before, after = kendall_w(ratings), kendall_w(transformed)
    if before is None:
        assert after is None
    else:
        assert after == pytest.approx(before, rel=1e-9, abs=1e-9)
        assert -1e-12 <= before <= 1 + 1e-12


def test_kendall_w_is_one_when_jurors_order_alike() -> None:
    ratings = np.array([[1.0, 10.0, 3.0], [2.0, 20.0, 4.0], [2.0, 20.0, 4.0], [5.0, 50.0, 9.0]])
    assert kendall_w(ratings) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("desc", "ratings"),
    [
        ("a missing score", np.array([[1.0, 2.0], [2.0, nan], [3.0, 1.0]])),
        ("one submission", np.array([[1.0, 2.0, 3.0]])),
        ("one juror", np.array([[1.0], [2.0], [3.0]])),
        ("every juror ties every submission", np.array([[3.0, 1.0], [3.0, 1.0], [3.0, 1.0]])),
    ],
)
def test_kendall_w_is_none_when_undefined(desc: str, ratings: np.ndarray) -> None:
    assert kendall_w(ratings) is None, desc


# --- Summary --------------------------------------------------------------------------------


def test_summary_of_complete_scores() -> None:
    summary = reliability_summary(SHROUT_FLEISS_TABLE_2)
    values = icc(SHROUT_FLEISS_TABLE_2)
    assert values is not None
    assert summary == {
        "krippendorff_alpha_interval": round(krippendorff_alpha_interval(SHROUT_FLEISS_TABLE_2), 6),
        "icc": {form: round(values[form], 6) for form in ICC_FORMS},
        "icc_unavailable": None,
        "kendall_w": round(kendall_w(SHROUT_FLEISS_TABLE_2), 6),
        "n_items": 6,
        "n_raters": 4,
        "n_ratings": 24,
    }
    assert list(summary["icc"]) == list(ICC_FORMS)


def test_summary_of_incomplete_scores() -> None:
    summary = reliability_summary(KRIPPENDORFF_2011_C)
    assert summary == {
        "krippendorff_alpha_interval": round(krippendorff_alpha_interval(KRIPPENDORFF_2011_C), 6),
        "icc": None,
        "icc_unavailable": {"code": "empty_cells", "empty": 7, "cells": 48},
        "kendall_w": None,
        "n_items": 12,
        "n_raters": 4,
        "n_ratings": 41,
    }
    assert summary["krippendorff_alpha_interval"] == pytest.approx(0.849, abs=5e-4)


@PROPERTY
@given(matrices())
def test_summary_is_strict_json_and_byte_stable(ratings: np.ndarray) -> None:
    first = json.dumps(reliability_summary(ratings), sort_keys=True, allow_nan=False)
    second = json.dumps(reliability_summary(ratings.copy()), sort_keys=True, allow_nan=False)
    assert first == second
    assert "-0.0," not in first and "-0.0}" not in first
