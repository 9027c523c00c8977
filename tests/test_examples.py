"""The worked examples of docs/ rank as the documentation says."""

from __future__ import annotations

from pathlib import Path

from grantjury import messages
from grantjury.pipeline import run
from grantjury.ranking import derived_rng
from grantjury.results import (
    AboveLotteryBand,
    BudgetRecord,
    DeclaredIneligible,
    DrawnByLot,
    ReservePosition,
    ThresholdNotMet,
    TotalThresholdNotMet,
    load_results,
)
from tests.conftest import invoke
from tests.handmade import by_id

HORIZON = Path(__file__).parent.parent / "docs" / "examples" / "horizon"


def test_horizon_example_applies_thresholds_gates_budget_and_the_chain() -> None:
    results = run(HORIZON).results
    (d,) = results.domains
    entries = by_id(d)
    assert [e.submission for e in d.ranking] == [
        "A1",
        "A5",
        "A2",
        "A3",
        "A7",
        "A4",
        "A8",
        "A6",
    ]
    ineligible = {s: e.ineligible_reasons for s, e in entries.items() if not e.eligible}
    assert ineligible == {
        "A5": [ThresholdNotMet(criterion="impact", mean=2.666667, threshold=3, direction="higher")],
        "A6": [TotalThresholdNotMet(total=9.333333, threshold=10, direction="higher")],
        "A7": [DeclaredIneligible(reason="part B exceeds the page limit")],
    }
    assert {s: [messages.of(r) for r in reasons] for s, reasons in ineligible.items()} == {
        "A5": ["impact: mean 2.67, needs at least 3"],
        "A6": ["sum of criterion means 9.33, needs at least 10"],
        "A7": ["declared not eligible: part B exceeds the page limit"],
    }
    # A3 ties with A2 and loses on excellence; at EUR 3 million it no longer fits, so the
    # budget rule `skip` funds A4 instead and A3 heads the reserve list.
    assert d.winners == ["A1", "A2", "A4"]
    assert d.reserve == ["A3", "A8"]
    assert d.budget == BudgetRecord(envelope=10_000_000.0, committed=10_000_000.0, left=0.0)
    (tie,) = d.ties
    assert (tie.submissions, tie.mattered, tie.settled_by) == (
        ["A2", "A3"],
        True,
        "criterion:excellence",
    )
    assert results.competition.currency == "EUR"
    assert entries["A1"].p_selected == 1.0 and entries["A6"].p_selected == 0.0


def test_horizon_example_ranks_from_the_command_line(tmp_path: Path) -> None:
    result = invoke("rank", HORIZON, "--out", tmp_path / "h")
    assert result.exit_code == 0, result.stderr
    results = load_results(tmp_path / "h")
    assert results.domains[0].winners == ["A1", "A2", "A4"]


LOTTERY = Path(__file__).parent.parent / "docs" / "examples" / "lottery"


def test_lottery_example_draws_inside_the_bayesian_band_from_the_command_line(
    tmp_path: Path,
) -> None:
    result = invoke("rank", LOTTERY, "--out", tmp_path / "l")
    assert result.exit_code == 0, result.stderr
    assert (
        "  lottery among P04, P05, P07, P08 for 2 place(s): drawn P07, P04 (seed 20260302)"
        in result.stdout.splitlines()
    )
    results = load_results(tmp_path / "l")
    (d,) = results.domains
    stability = results.stability
    assert stability is not None
    assert (stability.method, stability.seed) == ("bayes", 20260302)
    # The band, recomputed from the published figures: the 50% credible interval of the rank
    # crosses the expected rank of the fifth proposal by expected rank.
    line = stability.domains["mint"].line_expected_rank
    assert line is not None
    assert all(e.expected_rank is not None and e.rank_interval_50 for e in d.ranking)
    by_er = sorted(d.ranking, key=lambda e: e.expected_rank or 0.0)
    assert line == by_er[4].expected_rank
    band = sorted(
        e.submission
        for e in d.ranking
        if e.rank_interval_50 is not None and e.rank_interval_50[0] <= line <= e.rank_interval_50[1]
    )
    lottery = d.lottery
    assert lottery is not None
    assert lottery.members == band == ["P04", "P05", "P07", "P08"]
    assert (lottery.band, lottery.seed, lottery.purpose) == (
        "interval",
        results.options.seed,
        ["lottery", "mint"],
    )
    # The draw is the recorded seed's permutation of the sorted members.
    rng = derived_rng(lottery.seed, *lottery.purpose)
    order = [band[i] for i in rng.permutation(len(band))]
    assert lottery.order == order == ["P07", "P04", "P05", "P08"]
    assert (lottery.places_drawn, lottery.drawn) == (2, order[:2])
    assert d.winners == ["P01", "P02", "P03", "P04", "P07"]
    assert d.reserve == ["P05", "P08"]
    entries = by_id(d)
    assert entries["P01"].decision == AboveLotteryBand(place=1, places=5)
    assert entries["P07"].decision == DrawnByLot()
    assert entries["P05"].decision == ReservePosition(position=1)
