"""Ranking and tie-breaking: order, the key that settled each tie, seeded lots."""

from __future__ import annotations

import math

import numpy as np

from grantjury.figures import published, rounded
from grantjury.ranking import Candidate, _as_text, derived_rng, published_array, rank_domain

CHAIN = ("raw_mean", "lot")


def cand(sub: str, score: float, raw: float = 10.0, n: int = 3, sign: float = 1.0) -> Candidate:
    keys = {"raw_mean": (sign * raw, raw), "n_jurors": (float(n), n)}
    return Candidate(sub, sign * score, keys)


def test_orders_by_score() -> None:
    ranking = rank_domain("d", [cand("A", 12), cand("B", 15), cand("C", 9)], CHAIN, 1)
    assert ranking.order == ("B", "A", "C")
    assert ranking.ties == ()


def test_lower_is_better_scales_rank_ascending() -> None:
    ranking = rank_domain(
        "d", [cand("A", 2.0, sign=-1), cand("B", 1.5, sign=-1), cand("C", 4, sign=-1)], CHAIN, 1
    )
    assert ranking.order == ("B", "A", "C")


def test_tie_settled_by_raw_mean_is_recorded() -> None:
    ranking = rank_domain("d", [cand("A", 12, raw=11), cand("B", 12, raw=13)], CHAIN, 1)
    assert ranking.order == ("B", "A")
    assert ranking.settled_by["B"] == {"key": "raw_mean", "group": ["A", "B"]}
    (tie,) = ranking.ties
    assert tie["ranks"] == [1, 2] and tie["score"] == 12
    assert tie["steps"] == [{"key": "raw_mean", "values": {"B": 13, "A": 11}}]


def test_scores_equal_to_six_decimals_are_a_tie() -> None:
    candidates = [cand("A", 12.0000001, raw=11), cand("B", 12.0, raw=13)]
    assert rank_domain("d", candidates, CHAIN, 1).order == ("B", "A")


def test_lot_is_seeded_and_records_its_draw() -> None:
    candidates = [cand(s, 12, raw=10) for s in "ABCDE"]
    first = rank_domain("d", candidates, CHAIN, 42)
    again = rank_domain("d", list(reversed(candidates)), CHAIN, 42)
    assert first.order == again.order
    lot = first.ties[0]["steps"][-1]
    assert lot["key"] == "lot" and lot["seed"] == 42 and lot["purpose"] == ["lot", "d", 1]
    assert lot["candidates"] == ["A", "B", "C", "D", "E"]
    assert lot["order"] == list(first.order)
    orders = {rank_domain("d", candidates, CHAIN, seed).order for seed in range(20)}
    assert len(orders) > 5, "different seeds must give different draws"


def test_nested_tie_uses_the_next_key() -> None:
    candidates = [cand("A", 12, raw=14), cand("B", 12, raw=10), cand("C", 12, raw=10)]
    ranking = rank_domain("d", candidates, ("n_jurors", "raw_mean", "lot"), 3)
    assert ranking.order[0] == "A"
    assert ranking.settled_by["A"]["key"] == "raw_mean"
    assert ranking.settled_by["B"]["key"] == "lot"
    assert [s["key"] for s in ranking.ties[0]["steps"]] == ["n_jurors", "raw_mean", "lot"]


def test_unscored_submissions_are_not_ranked() -> None:
    ranking = rank_domain("d", [cand("A", math.nan), cand("B", 3)], CHAIN, 1)
    assert ranking.order == ("B",)
    assert ranking.unranked == ("A",)


def test_derived_generators_are_independent_of_call_order() -> None:
    a = derived_rng(5, "lot", "d").integers(0, 10**9, 3)
    derived_rng(5, "bootstrap").integers(0, 10**9, 100)
    b = derived_rng(5, "lot", "d").integers(0, 10**9, 3)
    assert list(a) == list(b)
    assert list(derived_rng(6, "lot", "d").integers(0, 10**9, 3)) != list(a)


def test_attribute_values_compare_as_people_typed_them() -> None:
    assert _as_text(True) == _as_text("yes") == _as_text(" TRUE ") == "yes"
    assert _as_text(2.0) == _as_text("2") == "2"


def test_the_fast_rounding_of_merits_is_the_published_rule() -> None:
    rng = np.random.default_rng(11)
    values = np.concatenate(
        [
            rng.normal(0, 10, 20_000),
            np.round(rng.normal(0, 10, 20_000), 6) + 5e-7,  # on a half: the doubtful cases
            rng.integers(-(10**6), 10**6, 2_000) / 10**6 * (1 + 1e-15),
            [0.0, -0.0, -4e-7, 1e300, -1e300, 2.0**53 / 10**6],
        ]
    )
    fast = published_array(values)
    assert fast.tolist() == [published(v) for v in values]


def test_a_merit_that_is_not_finite_stays_unrounded() -> None:
    assert np.isnan(published_array(np.array([np.nan]))[0])
    assert np.isnan(rounded(np.nan)) and published(np.nan) is None
    assert rounded(-1e-9) == 0.0 and math.copysign(1, rounded(-1e-9)) == 1
