"""How sure are we: the bootstrap over jurors, p_selected, rank intervals, and properties of
selection that must hold for every competition."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from grantjury.calibrate import calibrate
from grantjury.pipeline import run
from grantjury.report import results_json
from grantjury.results import WINNING_DECISIONS, load_results
from grantjury.stability import (
    DomainInput,
    _replicate,
    _weighted_means,
    bootstrap_figures,
    rank_matrix,
)
from tests.conftest import invoke
from tests.generate import write_competition
from tests.handmade import by_id, write_handmade

SPREAD = {
    "R": [19, 19, 18, 19, 18, 19],
    "M1": [13, 10, 12, 11, 12, 13],
    "M2": [11, 13, 12, 12, 10, 12],
    "M3": [12, 12, 10, 13, 12, 10],
    "M4": [10, 11, 13, 10, 13, 11],
    "L": [2, 3, 2, 1, 3, 2],
}
"""Six jurors' scores: R runs away, L trails far behind, M1–M4 are close."""


def spread(root: Path, seed: int = 1, replicates: int = 1000) -> Path:
    """The ``SPREAD`` scores as a one-criterion competition with two places."""
    return write_handmade(
        root,
        criteria=[{"id": "q", "scale": {"min": 0, "max": 20, "step": 1}}],
        domains=[{"id": "d", "winners": 2}],
        submissions=[{"id": s} for s in SPREAD],
        scores={s: [[v] for v in values] for s, values in SPREAD.items()},
        method={"calibration": "zscore", "seed": seed, "replicates": replicates},
    )


def test_the_same_seed_gives_byte_identical_results(tmp_path: Path) -> None:
    root = spread(tmp_path / "c")
    assert results_json(run(root).results) == results_json(run(root).results)


def test_another_seed_draws_other_replicates(tmp_path: Path) -> None:
    one = run(spread(tmp_path / "a", seed=1)).results
    two = run(spread(tmp_path / "b", seed=2)).results
    assert one.stability is not None and two.stability is not None
    assert (one.stability.seed, two.stability.seed) == (1, 2)
    p_one = {e.submission: e.p_selected for e in one.domains[0].ranking}
    p_two = {e.submission: e.p_selected for e in two.domains[0].ranking}
    assert p_one != p_two
    assert p_one["R"] == p_two["R"] == 1.0


def test_p_selected_is_certain_for_a_runaway_and_nil_for_a_clear_loser(tmp_path: Path) -> None:
    results = run(spread(tmp_path / "c")).results
    assert results.stability is not None and results.stability.replicates == 1000
    entries = by_id(results.domains[0])
    p_selected = [e.p_selected for e in entries.values()]
    assert all(p is not None and 0 <= p <= 1 for p in p_selected)
    assert entries["R"].p_selected == 1.0
    assert entries["L"].p_selected == 0.0
    # Two places: the probabilities of being selected add up to two in every replicate.
    assert sum(p or 0.0 for p in p_selected) == pytest.approx(2.0)


def test_rank_intervals_contain_the_point_rank_for_clear_cases(tmp_path: Path) -> None:
    (d,) = run(spread(tmp_path / "c")).results.domains
    entries = by_id(d)
    assert (entries["R"].rank, entries["R"].rank_interval) == (1, (1, 1))
    assert (entries["L"].rank, entries["L"].rank_interval) == (6, (6, 6))
    for entry in d.ranking:
        assert entry.rank_interval is not None
        low, high = entry.rank_interval
        assert 1 <= low <= high <= 6
    assert set(d.too_close) <= {"M1", "M2", "M3", "M4"} and d.too_close


def test_replicates_zero_turns_stability_off(tmp_path: Path) -> None:
    root = spread(tmp_path / "c")
    result = invoke("rank", root, "--out", tmp_path / "out", "--replicates", "0")
    assert result.exit_code == 0, result.stderr
    results = load_results(tmp_path / "out")
    assert results.stability is None
    assert results.options.replicates == 0
    (d,) = results.domains
    assert d.too_close == []
    assert {(e.p_selected, e.rank_interval) for e in d.ranking} == {(None, None)}


def test_weighted_means_and_explicit_replicates_agree_for_zscore() -> None:
    rng = np.random.default_rng(4)
    n_jurors, n_subs = 5, 8
    cells = [(j, s) for j in range(n_jurors) for s in range(n_subs) if rng.random() < 0.7]
    juror = np.array([j for j, _ in cells])
    submission = np.array([s for _, s in cells])
    total = np.round(rng.uniform(5, 19, len(cells)) * 2) / 2
    cal = calibrate("zscore", juror, submission, total, n_jurors, n_subs)
    data = DomainInput("d", juror, submission, total, cal.calibrated, n_jurors, n_subs, 1.0)
    weights = rng.multinomial(n_jurors, np.full(n_jurors, 1 / n_jurors), size=200).astype(float)
    vectorised = _weighted_means(data, weights, None)
    explicit = np.vstack([_replicate(data, w, "zscore", "mean", refit=False) for w in weights])
    np.testing.assert_allclose(vectorised, explicit, rtol=1e-12, atol=1e-12)
    assert np.array_equal(np.isnan(vectorised), np.isnan(explicit))
    assert np.array_equal(rank_matrix(vectorised), rank_matrix(explicit))


# --- properties of selection, on generated competitions ------------------------------------

RULES = st.fixed_dictionaries(
    {
        "mode": st.sampled_from(["per_domain", "overall"]),
        "budget_rule": st.sampled_from(["stop", "skip"]),
        "cap": st.sampled_from([None, 40_000]),
        "domain_budget": st.sampled_from([None, 60_000, 150_000]),
        "overall_budget": st.sampled_from([None, 120_000]),
        "total_winners": st.integers(1, 5),
        "minimum": st.integers(0, 2),
        "lottery": st.sampled_from([None, 5.0, 20.0]),
        "reserve": st.integers(0, 3),
    }
)


def with_rules(root: Path, seed: int, rules: dict[str, Any]) -> None:
    """Add selection rules, requested amounts and declared gates to a generated competition."""
    rng = np.random.default_rng(seed)
    spec = yaml.safe_load((root / "competition.yaml").read_text())
    selection: dict[str, Any] = {
        "mode": rules["mode"],
        "budget_rule": rules["budget_rule"],
        "reserve": rules["reserve"],
    }
    if rules["cap"]:
        selection["cap"] = rules["cap"]
    if rules["mode"] == "overall":
        # Validation refuses minimums that add up to more than total_winners.
        guaranteed = rules["minimum"] * len(spec["domains"])
        selection["total_winners"] = max(rules["total_winners"], guaranteed)
        if rules["overall_budget"]:
            selection["budget"] = rules["overall_budget"]
        for domain in spec["domains"]:
            domain["minimum"] = rules["minimum"]
    else:
        if rules["lottery"]:
            selection["lottery"] = {"band": rules["lottery"]}
        if rules["domain_budget"]:
            for domain in spec["domains"]:
                domain["budget"] = rules["domain_budget"]
    spec["selection"] = selection
    spec["method"]["replicates"] = 20
    (root / "competition.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    for path in sorted((root / "submissions").iterdir()):
        sub = yaml.safe_load(path.read_text())
        sub["requested_amount"] = int(rng.integers(10, 100)) * 1000
        if rng.random() < 0.25:
            sub.update(eligible=False, reason="incomplete file")
        path.write_text(yaml.safe_dump(sub, allow_unicode=True))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), rules=RULES)
def test_selection_keeps_quotas_budgets_and_gates(seed: int, rules: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "g"
        write_competition(root, seed, full_panels=True)
        with_rules(root, seed, rules)
        results = run(root).results
    selection = results.selection
    all_winners = []
    funded_total = 0.0
    for d in results.domains:
        entries = by_id(d)
        members = sorted(s for s, sub in results.submissions.items() if sub.domain == d.id)
        assert sorted(e.submission for e in d.ranking) == members
        assert len(d.winners) <= d.winners_wanted
        for sub in d.winners + d.reserve:
            assert entries[sub].eligible, f"{sub} is not eligible"
        assert not set(d.winners) & set(d.reserve)
        for entry in d.ranking:
            if not entry.eligible:
                assert not entry.winner and entry.p_selected == 0.0
            # The decision's code says whether it wins.
            assert (entry.decision.code in WINNING_DECISIONS) == entry.winner, entry
        funded = [entries[s].funded for s in d.winners]
        assert all(f is not None for f in funded)
        amounts = [f for f in funded if f is not None]
        if selection.cap:
            assert max(amounts, default=0) <= selection.cap
        if d.budget is not None and d.budget.envelope is not None:
            assert sum(amounts) <= d.budget.envelope + 1e-6
        funded_total += sum(amounts)
        all_winners += d.winners
        if selection.mode == "overall" and selection.budget is None:
            eligible = sum(1 for e in d.ranking if e.eligible and e.rank is not None)
            assert len(d.winners) >= min(rules["minimum"], eligible)
    if selection.mode == "overall":
        assert selection.total_winners is not None
        assert len(all_winners) <= max(
            selection.total_winners, rules["minimum"] * len(results.domains)
        )
        if selection.budget is not None:
            assert funded_total <= selection.budget + 1e-6


def test_interval_band_ignores_an_ineligible_submission_above_the_line(tmp_path: Path) -> None:
    root = write_handmade(
        tmp_path / "c",
        criteria=[{"id": "q", "scale": {"min": 0, "max": 20, "step": 1}}],
        domains=[{"id": "d", "winners": 2}],
        submissions=[
            {"id": "X", "eligible": False, "reason": "late"},
            *({"id": s} for s in ("R", "M1", "M2", "M3", "M4", "L")),
        ],
        scores={"X": [[20]] * 6, **{s: [[v] for v in SPREAD[s]] for s in SPREAD}},
        method={"calibration": "zscore", "seed": 1, "replicates": 300},
        selection={"lottery": {"band": "interval"}},
    )
    (d,) = run(root).results.domains
    assert d.winners[0] == "R"
    assert d.lottery is not None and set(d.lottery.members) <= {"M1", "M2", "M3", "M4"}


def test_the_band_holds_the_eligible_submissions_whose_rank_interval_straddles_the_line() -> None:
    # A is always first, D always last; B and C swap places: one place is funded after A's...
    merit = np.array([[9.0, 5.0, 4.0, 1.0], [9.0, 4.0, 5.0, 1.0]] * 10)
    selected = merit >= np.sort(merit, axis=1)[:, [-2]]
    eligible = np.array([True, True, True, True])
    figures, band = bootstrap_figures(["A", "B", "C", "D"], merit, eligible, selected, 2)
    assert band == ["B", "C"]
    assert figures["A"] == {"p_selected": 1.0, "rank_interval": [1, 1]}
    assert figures["B"]["p_selected"] == 0.5
    # ... unless C cannot be selected: then B is second among the eligible in every replicate.
    eligible = np.array([True, True, False, True])
    assert bootstrap_figures(["A", "B", "C", "D"], merit, eligible, selected, 2)[1] == []
    # Funding every ranked eligible submission leaves no band.
    assert bootstrap_figures(["A", "B", "C", "D"], merit, eligible, selected, 3)[1] == []


def _two_sort_figures(merit: np.ndarray, eligible: np.ndarray, winners: int) -> tuple:
    """The figures as computed before streaming: two full sorts and a sorted selection."""
    filled = np.where(np.isfinite(merit) & eligible[None, :], merit, -np.inf)
    order = np.argsort(-filled, axis=1, kind="stable")
    places = np.empty_like(order)
    np.put_along_axis(places, order, np.arange(merit.shape[1])[None, :], axis=1)
    selected = (places < winners) & np.isfinite(filled)
    intervals = np.quantile(rank_matrix(merit), (0.05, 0.95), axis=0, method="inverted_cdf")
    among = np.quantile(
        rank_matrix(np.where(eligible, merit, np.nan)), (0.05, 0.95), axis=0, method="inverted_cdf"
    )
    return selected.mean(axis=0), intervals.T.astype(int), among.T.astype(int)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 12),
    st.integers(1, 5),
    st.integers(0, 2**32 - 1),
    st.integers(1, 7),
)
def test_streamed_figures_equal_the_two_sort_figures_block_by_block(
    replicates: int, n: int, winners: int, seed: int, block: int
) -> None:
    from grantjury.stability import _intervals, _Ranks

    rng = np.random.default_rng(seed)
    # Few distinct values (ties), some unscored cells, some ineligible submissions.
    merit = rng.integers(0, 4, size=(replicates, n)).astype(float)
    merit[rng.random(merit.shape) < 0.2] = np.nan
    eligible = rng.random(n) < 0.7
    ranks = _Ranks(eligible, replicates, winners)
    for start in range(0, replicates, block):
        ranks.add(merit[start : start + block])
    p, intervals, among = _two_sort_figures(merit, eligible, winners)
    assert np.array_equal(ranks.selected / replicates, p)
    assert np.array_equal(_intervals(ranks.ranks), intervals)
    among_streamed = _intervals(ranks.among_eligible)
    assert np.array_equal(among_streamed[eligible], among[eligible])
