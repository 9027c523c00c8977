"""Per-juror totals and aggregation across jurors."""

from __future__ import annotations

import numpy as np
import pytest

from grantjury.aggregate import aggregate_scores, trimmed_out
from grantjury.pipeline import run
from grantjury.results import IncompleteExclusion
from tests.conftest import CompetitionDir


def test_mean_median_trimmed() -> None:
    sub = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1])
    val = np.array([1.0, 9.0, 2.0, 3.0, 100.0, 5.0, 6.0, 7.0, 8.0])
    mean, count = aggregate_scores(sub, val, 3, "mean")
    assert count.tolist() == [5, 4, 0]
    assert mean[:2].tolist() == [23.0, 6.5] and np.isnan(mean[2])
    median, _ = aggregate_scores(sub, val, 3, "median")
    assert median[:2].tolist() == [3.0, 6.5]
    trimmed, _ = aggregate_scores(sub, val, 3, "trimmed")
    assert trimmed[:2].tolist() == [pytest.approx(14 / 3), 6.5]


def test_trimmed_needs_four_scores() -> None:
    trimmed, _ = aggregate_scores(np.array([0, 0, 0]), np.array([1.0, 2.0, 9.0]), 1, "trimmed")
    assert trimmed.tolist() == [4.0]


def test_trimmed_keeps_all_but_the_lowest_and_the_highest_from_four_values() -> None:
    sub = np.array([0, 1, 0, 0, 1, 0, 1, 0])
    val = np.array([5.0, 1.0, 2.0, 9.0, 2.0, 2.0, 3.0, 7.0])
    # Submission 0 has five values (5, 2, 9, 2, 7): one 2 and the 9 go; submission 1 has three.
    assert sorted(trimmed_out([5.0, 2.0, 9.0, 2.0, 7.0], "trimmed")) == [2.0, 9.0]
    assert trimmed_out([1.0, 2.0, 3.0], "trimmed") == []
    trimmed, _ = aggregate_scores(sub, val, 2, "trimmed")
    assert trimmed.tolist() == [pytest.approx(14 / 3), 2.0]


def test_total_is_the_weighted_mean_of_criteria(mini: CompetitionDir) -> None:
    # relevance weighs 2, impact 1: J1 gave C1 17 and 18 -> (2*17 + 18) / 3
    mini.replace("competition.yaml", "calibration: zscore", "calibration: raw")
    result = run(mini.root).results
    c1 = result.domains[0].entry("C1")
    assert c1 is not None
    j1, j2, j3 = (2 * 17 + 18) / 3, (2 * 12 + 13) / 3, (2 * 15 + 16) / 3
    assert c1.score == pytest.approx((j1 + j2 + j3) / 3, abs=1e-6)
    assert c1.criteria == {
        "relevance": pytest.approx(44 / 3, abs=1e-6),
        "impact": pytest.approx(47 / 3, abs=1e-6),
    }


def test_incomplete_set_is_set_aside_and_listed(mini: CompetitionDir) -> None:
    mini.replace("scores.csv", "J3,C2,impact,13\n", "")
    result = run(mini.root).results
    assert IncompleteExclusion(juror="J3", submission="C2", missing=["impact"]) in result.exclusions
    c2 = result.domains[0].entry("C2")
    assert c2 is not None
    assert c2.n_jurors == 2


@pytest.mark.parametrize(
    "values", [[3.0, 1.0, 2.0], [3.0, 1.0, 2.0, 8.0], [5.0, 5.0, 1.0, 9.0, 4.0]]
)
def test_the_values_trimmed_out_are_those_the_trimmed_mean_leaves_out(values: list[float]) -> None:
    score, _ = aggregate_scores(np.zeros(len(values), np.int64), np.array(values), 1, "trimmed")
    kept = list(values)
    for value in trimmed_out(values, "trimmed"):
        kept.remove(value)
    assert score[0] == pytest.approx(sum(kept) / len(kept))
    assert trimmed_out(values, "mean") == trimmed_out(values, "median") == []
