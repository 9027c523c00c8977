"""Selection rules: places, budgets, overall mode, reserve lists and the SNSF lottery."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grantjury import messages
from grantjury.model import Domain, Selection
from grantjury.pipeline import run
from grantjury.ranking import derived_rng
from grantjury.results import (
    AboveLotteryBand,
    BudgetRecord,
    DomainFull,
    DomainMinimum,
    DrawnByLot,
    DrawnOverBudget,
    NotEligible,
    NotSelected,
    OverallPlace,
    OverBudget,
    PlaceInDomain,
    ReservePosition,
)
from grantjury.select import Entry, select, selected_mask, top_winners
from tests.handmade import by_id, write_handmade

SAMPLE = Path(__file__).parent.parent / "sample_submissions"


def ranking(domain: str, *rows: tuple) -> list[Entry]:
    """Entries in rank order from (id, merit[, eligible[, amount]]) rows."""
    return [
        Entry(row[0], domain, float(row[1]), *(row[2:] + (True, None)[len(row) - 2 :]))
        for row in rows
    ]


def domain(id_: str, winners: int, **extra) -> Domain:
    return Domain(id=id_, name={"fr": id_}, winners=winners, **extra)


# --- places per domain ---------------------------------------------------------------------


def test_exactly_n_winners_per_domain_in_rank_order() -> None:
    rankings = {
        "x": ranking("x", ("X1", 9), ("X2", 8), ("X3", 7)),
        "y": ranking("y", ("Y1", 5), ("Y2", 4)),
    }
    outcome = select(rankings, (domain("x", 2), domain("y", 1)), Selection(), seed=1)
    assert outcome.winners == {"x": ["X1", "X2"], "y": ["Y1"]}
    assert outcome.decisions == {
        "X1": PlaceInDomain(place=1, places=2),
        "X2": PlaceInDomain(place=2, places=2),
        "X3": NotSelected(),
        "Y1": PlaceInDomain(place=1, places=1),
        "Y2": NotSelected(),
    }


def test_the_sample_names_three_winners_in_each_of_its_three_domains() -> None:
    results = run(SAMPLE, {"replicates": 0}).results
    assert {d.id: len(d.winners) for d in results.domains} == {
        "cultural": 3,
        "sports": 3,
        "social": 3,
    }
    for d in results.domains:
        eligible = [e.submission for e in d.ranking if e.eligible]
        assert d.winners == eligible[:3]


def test_an_ineligible_submission_is_skipped_and_never_selected() -> None:
    rankings = {"x": ranking("x", ("X1", 9, False), ("X2", 8, True), ("X3", 7, True))}
    outcome = select(rankings, (domain("x", 1),), Selection(reserve=5), seed=1)
    assert outcome.winners == {"x": ["X2"]}
    assert outcome.reserve == {"x": ["X3"]}
    assert outcome.decisions["X1"] == NotEligible()


# --- budgets -------------------------------------------------------------------------------

BUDGETED = ranking("x", ("A", 9, True, 60_000), ("B", 8, True, 50_000), ("C", 7, True, 30_000))


def test_domain_budget_stops_at_the_first_project_that_does_not_fit() -> None:
    outcome = select({"x": BUDGETED}, (domain("x", 5, budget=100_000),), Selection(), seed=1)
    assert outcome.winners == {"x": ["A"]}
    assert outcome.funded == {"A": 60_000}
    assert outcome.budgets == {"x": {"envelope": 100_000, "committed": 60_000, "left": 40_000}}
    assert outcome.decisions["B"] == OverBudget(left=40_000, needed=50_000)
    assert outcome.decisions["C"] == NotSelected()


def test_domain_budget_with_skip_tries_the_next_project() -> None:
    outcome = select(
        {"x": BUDGETED}, (domain("x", 5, budget=100_000),), Selection(budget_rule="skip"), seed=1
    )
    assert outcome.winners == {"x": ["A", "C"]}
    assert outcome.funded == {"A": 60_000, "C": 30_000}
    assert outcome.budgets["x"] == {"envelope": 100_000, "committed": 90_000, "left": 10_000}
    assert outcome.decisions["B"] == OverBudget(left=40_000, needed=50_000)
    assert outcome.decisions["C"] == PlaceInDomain(place=2, places=5)


@pytest.mark.parametrize("rule", ["stop", "skip"])
def test_a_cap_funds_at_most_the_cap(rule: str) -> None:
    entries = [*BUDGETED[:2], Entry("C", "x", 7.0, True, 10_000)]
    outcome = select(
        {"x": entries},
        (domain("x", 5, budget=100_000),),
        Selection(cap=45_000, budget_rule=rule),
        seed=1,
    )
    assert outcome.winners == {"x": ["A", "B", "C"]}
    assert outcome.funded == {"A": 45_000, "B": 45_000, "C": 10_000}
    assert outcome.budgets["x"] == {"envelope": 100_000, "committed": 100_000, "left": 0}


def test_the_number_of_places_still_limits_a_budgeted_domain() -> None:
    outcome = select({"x": BUDGETED}, (domain("x", 1, budget=10**6),), Selection(), seed=1)
    assert outcome.winners == {"x": ["A"]}
    assert outcome.budgets["x"]["committed"] == 60_000


# --- overall mode --------------------------------------------------------------------------


def test_overall_minimum_per_domain_then_the_best_remaining_within_each_maximum() -> None:
    rankings = {
        "x": ranking("x", ("X1", 90), ("X2", 85), ("X3", 80)),
        "y": ranking("y", ("Y1", 60), ("Y2", 55)),
        "z": ranking("z", ("Z1", 88), ("Z2", 87)),
    }
    domains = (domain("x", 3, minimum=1), domain("y", 1, minimum=1), domain("z", 1))
    outcome = select(rankings, domains, Selection(mode="overall", total_winners=4), seed=1)
    assert outcome.winners == {"x": ["X1", "X2"], "y": ["Y1"], "z": ["Z1"]}
    assert outcome.decisions == {
        "X1": DomainMinimum(minimum=1, domain="x"),
        "Y1": DomainMinimum(minimum=1, domain="y"),
        "Z1": OverallPlace(place=3, places=4),
        "Z2": DomainFull(domain="z"),
        "X2": OverallPlace(place=4, places=4),
        "X3": NotSelected(),
        "Y2": NotSelected(),
    }


def test_overall_pool_keeps_each_domains_tie_break_order() -> None:
    # B and A tie on score; the domain's tie-break chain put B first, so B must win.
    rankings = {"x": ranking("x", ("B", 50), ("A", 50)), "y": ranking("y", ("Y1", 40))}
    outcome = select(
        rankings,
        (domain("x", 2), domain("y", 1)),
        Selection(mode="overall", total_winners=1),
        seed=1,
    )
    assert outcome.winners == {"x": ["B"], "y": []}


@pytest.mark.parametrize(
    ("rule", "winners", "committed"),
    [("stop", {"x": ["X1"], "y": ["Y1"]}, 70), ("skip", {"x": ["X1"], "y": ["Y1", "Y2"]}, 90)],
)
def test_overall_budget(rule: str, winners: dict, committed: float) -> None:
    rankings = {
        "x": ranking("x", ("X1", 90, True, 40), ("X2", 80, True, 50)),
        "y": ranking("y", ("Y1", 85, True, 30), ("Y2", 70, True, 20)),
    }
    outcome = select(
        rankings,
        (domain("x", 5), domain("y", 5)),
        Selection(mode="overall", budget=100, budget_rule=rule),
        seed=1,
    )
    assert outcome.winners == winners
    assert outcome.budgets == {
        "overall": {"envelope": 100, "committed": committed, "left": 100 - committed}
    }
    assert outcome.decisions["X2"] == OverBudget(left=30, needed=50)


# --- reserve lists -------------------------------------------------------------------------


def test_reserve_lists_follow_the_ranking_with_a_length_per_domain_or_default() -> None:
    rankings = {
        "x": ranking("x", ("X1", 9), ("X2", 8), ("X3", 7, False), ("X4", 6), ("X5", 5)),
        "y": ranking("y", ("Y1", 9), ("Y2", 8), ("Y3", 7)),
    }
    domains = (domain("x", 1), domain("y", 1, reserve=1))
    outcome = select(rankings, domains, Selection(reserve=2), seed=1)
    assert outcome.reserve == {"x": ["X2", "X4"], "y": ["Y2"]}
    assert outcome.decisions["X2"] == ReservePosition(position=1)
    assert outcome.decisions["X4"] == ReservePosition(position=2)
    assert outcome.decisions["X5"] == NotSelected()
    assert outcome.decisions["Y3"] == NotSelected()


# --- lottery (partial randomisation) -------------------------------------------------------

BAND = ranking("d", ("A", 20), ("B", 18), ("C", 17.5), ("D", 17), ("E", 12))
"""Funding line after B (at 17.75): a band of 1 point holds B, C and D; A is above it."""


def lottery(seed: int, band: float | str = 1.0, bands: dict | None = None, reserve: int = 0):
    selection = Selection(lottery={"band": band}, reserve=reserve)
    return select({"d": BAND}, (domain("d", 2),), selection, seed, bands)


def test_lottery_funds_above_the_band_and_draws_the_places_left_inside_it() -> None:
    outcome = lottery(seed=11, reserve=3)
    record = outcome.lotteries["d"]
    order = [["B", "C", "D"][i] for i in derived_rng(11, "lottery", "d").permutation(3)]
    assert record == {
        "band": 1.0,
        "line": 17.75,
        "members": ["B", "C", "D"],
        "places_drawn": 1,
        "seed": 11,
        "purpose": ["lottery", "d"],
        "order": order,
        "drawn": order[:1],
        "not_drawn": order[1:],
    }
    assert outcome.winners["d"] == ["A", order[0]]
    assert outcome.decisions["A"] == AboveLotteryBand(place=1, places=2)
    assert outcome.decisions[order[0]] == DrawnByLot()
    assert outcome.reserve["d"] == [*order[1:], "E"]


def test_lottery_is_determined_by_its_seed_and_another_seed_draws_differently() -> None:
    assert lottery(seed=5).lotteries["d"] == lottery(seed=5).lotteries["d"]
    drawn = {tuple(lottery(seed).lotteries["d"]["drawn"]) for seed in range(20)}
    assert drawn == {("B",), ("C",), ("D",)}


def test_no_lottery_when_the_band_does_not_reach_across_the_funding_line() -> None:
    outcome = lottery(seed=1, band=0.1)
    assert outcome.lotteries == {}
    assert outcome.winners["d"] == ["A", "B"]


def test_lottery_with_interval_band_draws_among_the_given_members() -> None:
    outcome = lottery(seed=3, band="interval", bands={"d": ["B", "C"]})
    record = outcome.lotteries["d"]
    assert record["band"] == "interval"
    assert record["members"] == ["B", "C"] and record["places_drawn"] == 1
    assert outcome.winners["d"] == ["A", *record["drawn"]]


def test_interval_band_keeps_a_winner_whose_interval_does_not_reach_the_line() -> None:
    # C (rank 3) is sure of its place; B and D straddle the line after rank 3.
    selection = Selection(lottery={"band": "interval"})
    outcome = select({"d": BAND}, (domain("d", 3),), selection, 3, {"d": ["B", "D"]})
    record = outcome.lotteries["d"]
    assert record["members"] == ["B", "D"] and record["places_drawn"] == 1
    assert outcome.winners["d"] == [s for s in "ABCD" if s in {"A", "C", *record["drawn"]}]
    assert outcome.decisions["C"] == AboveLotteryBand(place=2, places=3)


def test_a_lottery_never_breaks_the_domains_budget() -> None:
    entries = [
        Entry("A", "d", 20.0, True, 50),
        Entry("B", "d", 18.0, True, 40),
        Entry("C", "d", 17.5, True, 80),
        Entry("D", "d", 17.0, True, 45),
    ]
    first_drawn = set()
    for seed in range(20):
        outcome = select(
            {"d": entries},
            (domain("d", 2, budget=100),),
            Selection(lottery={"band": 1.0}),
            seed,
        )
        record = outcome.lotteries["d"]
        first_drawn.add(record["order"][0])
        assert record["members"] == ["B", "C", "D"]
        assert sum(outcome.funded[s] for s in outcome.winners["d"]) <= 100
        assert outcome.winners["d"] == ["A", *record["drawn"]]
        assert outcome.budgets["d"]["committed"] == sum(outcome.funded.values())
        if record["order"][0] == "C":
            assert outcome.decisions["C"] == DrawnOverBudget()
            assert record["drawn"] == record["order"][1:2]
    assert first_drawn == {"B", "C", "D"}


# --- end to end ----------------------------------------------------------------------------


def test_every_ranked_submission_has_a_decision_in_the_results(tmp_path: Path) -> None:
    root = write_handmade(
        tmp_path / "c",
        criteria=[{"id": "q", "scale": {"min": 0, "max": 10, "step": 1}}],
        domains=[{"id": "d", "winners": 1, "budget": 100}],
        submissions=[
            {"id": "P1", "requested_amount": 60},
            {"id": "P2", "requested_amount": 50},
            {"id": "P3", "requested_amount": 30, "eligible": False, "reason": "late"},
            {"id": "P4", "requested_amount": 20},
            {"id": "P5", "requested_amount": 10},
        ],
        scores={
            "P1": [[9], [9]],
            "P2": [[8], [8]],
            "P3": [[7], [7]],
            "P4": [[6], [6]],
            "P5": [[5], [5]],
        },
        selection={"reserve": 2},
    )
    (d,) = run(root).results.domains
    assert {e.submission: e.decision for e in d.ranking} == {
        "P1": PlaceInDomain(place=1, places=1),
        "P2": ReservePosition(position=1),
        "P3": NotEligible(),
        "P4": ReservePosition(position=2),
        "P5": NotSelected(),
    }
    assert d.reserve == ["P2", "P4"]
    assert d.budget == BudgetRecord(envelope=100.0, committed=60.0, left=40.0)
    assert by_id(d)["P1"].funded == 60.0 and by_id(d)["P2"].funded is None
    assert [messages.of(by_id(d)[s].decision) for s in ("P1", "P2", "P3")] == [
        "place 1 of 1 in the domain",
        "reserve list, position 1",
        "not eligible",
    ]


def test_interval_lottery_draws_among_submissions_whose_rank_interval_straddles_the_line(
    tmp_path: Path,
) -> None:
    # Five jurors; T1 is clearly first, T2–T4 are close, T5 clearly last; two places.
    root = write_handmade(
        tmp_path / "c",
        criteria=[{"id": "q", "scale": {"min": 0, "max": 20, "step": 1}}],
        domains=[{"id": "d", "winners": 2}],
        submissions=[{"id": f"T{i}"} for i in range(1, 6)],
        scores={
            "T1": [[19], [19], [18], [19], [18]],
            "T2": [[14], [11], [12], [13], [12]],
            "T3": [[11], [14], [12], [12], [12]],
            "T4": [[12], [12], [14], [11], [11]],
            "T5": [[3], [4], [3], [4], [2]],
        },
        method={"replicates": 300, "seed": 9},
        selection={"lottery": {"band": "interval"}},
    )
    (d,) = run(root).results.domains
    straddling = sorted(
        e.submission
        for e in d.ranking
        if e.rank_interval is not None and e.rank_interval[0] <= 2 < e.rank_interval[1]
    )
    assert d.lottery is not None
    assert d.lottery.members == straddling == ["T2", "T3", "T4"]
    assert d.lottery.places_drawn == 1
    assert d.winners[0] == "T1" and d.winners[1] in straddling


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 30), st.integers(1, 12), st.integers(0, 13), st.integers(0, 2**32 - 1))
def test_selected_mask_takes_the_first_places_of_a_stable_sort(
    replicates: int, n: int, places: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    merit = rng.integers(0, 4, size=(replicates, n)).astype(float)
    merit[rng.random(merit.shape) < 0.2] = np.nan
    eligible = rng.random(n) < 0.7
    filled = np.where(np.isfinite(merit) & eligible[None, :], merit, -np.inf)
    order = np.argsort(-filled, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(n)[None, :], axis=1)
    expected = (rank < places) & np.isfinite(filled)
    assert np.array_equal(selected_mask(merit, eligible, places), expected)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 30), st.integers(0, 6), st.integers(0, 2**32 - 1), st.booleans())
def test_top_winners_are_the_first_eligible_of_a_full_sort_or_none_on_a_tie(
    n: int, places: int, seed: int, coarse: bool
) -> None:
    rng = np.random.default_rng(seed)
    merit = rng.integers(0, 5, size=n).astype(float) if coarse else rng.random(n)
    merit[rng.random(n) < 0.15] = np.nan
    eligible = rng.random(n) < 0.8
    order = np.argsort(-np.nan_to_num(merit, nan=-np.inf), kind="stable")
    ranked = [int(i) for i in order if eligible[i] and np.isfinite(merit[i])]
    got = top_winners(merit, eligible, places)
    head = [merit[i] for i in ranked[: places + 1]]
    tied = len(set(head)) < len(head)
    if tied:
        assert got is None
    else:
        assert got == ranked[:places]
