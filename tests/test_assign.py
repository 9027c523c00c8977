"""Juror assignment: hand cases, exact reasons, determinism, and properties against brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from grantjury.secretary import assign
from grantjury.secretary.assign import (
    Affinity,
    Assignment,
    AssignmentInfeasible,
    BalanceDeficit,
    CapacityShortfall,
    CapTooLow,
    CompetitionInfeasible,
    ConstraintsConflict,
    DomainConstraints,
    DomainProblem,
    GroupsTooFew,
    HallDeficit,
    JurorUnderused,
    LanguageUncovered,
    LoadCeiling,
    LoadFloor,
    PanelTooSmall,
    Reason,
    TooFewFreeJurors,
    assign_competition,
    assign_jurors,
    dependent_rounding,
    infeasibility_reasons,
    shared_pairs,
)

SETTINGS = settings(max_examples=100, deadline=None)


def ids(prefix: str, n: int, width: int = 1) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(n)]


def no_conflicts(n_jur: int, n_sub: int) -> np.ndarray:
    return np.zeros((n_jur, n_sub), dtype=bool)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def assert_valid(result: Assignment, forbidden: np.ndarray, k: int) -> None:
    """Every submission has k distinct allowed jurors; loads are counted and within bounds."""
    n_jur, n_sub = forbidden.shape
    matrix = result.jurors
    assert matrix.shape == (n_sub, k)
    assert all(len(set(row)) == k for row in matrix.tolist())
    assert (np.diff(matrix, axis=1) > 0).all()
    assert not forbidden[matrix.ravel(), np.repeat(np.arange(n_sub), k)].any()
    assert result.loads.tolist() == np.bincount(matrix.ravel(), minlength=n_jur).tolist()
    eligible = ~forbidden.all(axis=1)
    lo, hi = result.load_bounds
    assert result.excluded.tolist() == np.flatnonzero(~eligible).tolist()
    assert (result.loads[~eligible] == 0).all()
    assert ((result.loads[eligible] >= lo) & (result.loads[eligible] <= hi)).all()


def balanced_bounds(forbidden: np.ndarray, k: int) -> tuple[int, int]:
    eligible = int((~forbidden.all(axis=1)).sum())
    total = forbidden.shape[1] * k
    return total // eligible, -(-total // eligible)


def assert_certificate(
    reason: Reason, sub_ids: list[str], jur_ids: list[str], forbidden: np.ndarray, k: int
) -> None:
    """A reason is a violated necessary condition, recomputed here from the matrix."""
    free = ~forbidden
    eligible = free.any(axis=1)
    sub_at = {s: i for i, s in enumerate(sub_ids)}
    jur_at = {j: i for i, j in enumerate(jur_ids)}
    if isinstance(reason, PanelTooSmall):
        assert [jur_at[j] for j in reason.jurors] == np.flatnonzero(eligible).tolist()
        assert len(reason.jurors) < reason.needed == k
    elif isinstance(reason, TooFewFreeJurors):
        column = free[:, sub_at[reason.submission]]
        assert [jur_at[j] for j in reason.free] == np.flatnonzero(column).tolist()
        assert len(reason.free) < reason.needed == k
    elif isinstance(reason, CapacityShortfall):
        capacity = np.minimum(free[eligible].sum(axis=1), reason.per_juror).sum()
        assert reason.capacity == capacity < reason.n_submissions * k
    elif isinstance(reason, HallDeficit):
        subs = [sub_at[s] for s in reason.submissions]
        d = free[:, subs].sum(axis=1)
        assert [jur_at[j] for j in reason.jurors] == np.flatnonzero(d).tolist()
        assert reason.capacity == np.minimum(d, reason.per_juror).sum() < reason.needed
        assert reason.needed == k * len(subs)
    elif isinstance(reason, JurorUnderused):
        row = free[jur_at[reason.juror]]
        assert [sub_at[s] for s in reason.free] == np.flatnonzero(row).tolist()
        assert len(reason.free) < reason.minimum
    elif isinstance(reason, BalanceDeficit):
        jurors = [jur_at[j] for j in reason.jurors]
        d = free[jurors].sum(axis=0)
        assert [sub_at[s] for s in reason.submissions] == np.flatnonzero(d).tolist()
        assert reason.capacity == np.minimum(d, k).sum() < reason.minimum * len(jurors)
    else:  # pragma: no cover
        raise AssertionError(f"unknown reason {reason!r}")


def brute_force(forbidden: np.ndarray, k: int, lo: int, hi: int) -> bool:
    """Whether some assignment has every eligible juror's load in [lo, hi] (backtracking)."""
    n_jur, n_sub = forbidden.shape
    eligible = ~forbidden.all(axis=1)
    loads = np.zeros(n_jur, dtype=int)
    options = [
        list(itertools.combinations(np.flatnonzero(~forbidden[:, i]).tolist(), k))
        for i in range(n_sub)
    ]

    def search(sub: int) -> bool:
        if sub == n_sub:
            return bool((loads[eligible] >= lo).all())
        for combo in options[sub]:
            if all(loads[j] < hi for j in combo):
                loads[list(combo)] += 1
                found = search(sub + 1)
                loads[list(combo)] -= 1
                if found:
                    return True
        return False

    return search(0)


def naive_greedy(forbidden: np.ndarray, k: int, hi: int) -> np.ndarray | None:
    """Each submission in turn takes its k least-loaded allowed jurors; None when stuck."""
    n_jur, n_sub = forbidden.shape
    loads = np.zeros(n_jur, dtype=int)
    rows = []
    for i in range(n_sub):
        allowed = [j for j in range(n_jur) if not forbidden[j, i] and loads[j] < hi]
        if len(allowed) < k:
            return None
        chosen = sorted(allowed, key=lambda j: (loads[j], j))[:k]
        loads[chosen] += 1
        rows.append(sorted(chosen))
    return np.array(rows)


# --- feasible hand cases -------------------------------------------------------------------------


def test_loads_are_equal_when_they_can_be() -> None:
    forbidden = no_conflicts(4, 10)
    forbidden[0, 3] = forbidden[2, 7] = True
    result = assign_jurors(ids("S", 10), ids("J", 4), forbidden, 2, rng())
    assert_valid(result, forbidden, 2)
    assert result.loads.tolist() == [5, 5, 5, 5]
    assert result.load_bounds == (5, 5)


def test_loads_differ_by_at_most_one() -> None:
    result = assign_jurors(ids("S", 7), ids("J", 3), no_conflicts(3, 7), 2, rng())
    assert sorted(result.loads.tolist()) == [4, 5, 5]
    assert result.load_bounds == (4, 5)


def test_forbidden_pairs_are_never_used_and_both_forms_agree() -> None:
    generator = rng(3)
    forbidden = generator.random((12, 40)) < 0.3
    matrix = assign_jurors(ids("S", 40), ids("J", 12), forbidden, 3, rng(7))
    pairs = np.argwhere(forbidden)  # (juror, submission) rows
    listed = assign_jurors(ids("S", 40), ids("J", 12), pairs, 3, rng(7))
    assert_valid(matrix, forbidden, 3)
    assert matrix.jurors.tolist() == listed.jurors.tolist()


def test_a_juror_excluded_from_the_domain_is_left_out_of_the_balance() -> None:
    forbidden = no_conflicts(5, 8)
    forbidden[2, :] = True  # conflict_scope: domain
    result = assign_jurors(ids("S", 8), ids("J", 5), forbidden, 2, rng())
    assert_valid(result, forbidden, 2)
    assert result.excluded.tolist() == [2]
    assert result.loads.tolist() == [4, 4, 0, 4, 4]


def test_max_load_keeps_loads_as_balanced_as_conflicts_allow() -> None:
    # J0-J2 may only judge S0 and S1, which give them 4 assignments at most: balanced loads
    # (2 each) are impossible, but with a limit of 3 the best is 1 to 3.
    forbidden = no_conflicts(9, 10)
    forbidden[:3, 2:] = True
    result = assign_jurors(ids("S", 10), ids("J", 9), forbidden, 2, rng(), max_load=3)
    assert_valid(result, forbidden, 2)
    assert result.load_bounds == (1, 3)
    assert result.loads.max() == 3 and result.loads.min() == 1


def test_the_result_is_read_only() -> None:
    result = assign_jurors(ids("S", 4), ids("J", 3), no_conflicts(3, 4), 2, rng())
    with pytest.raises(ValueError, match="read-only"):
        result.jurors[0, 0] = 2


def test_no_submissions_gives_an_empty_assignment() -> None:
    result = assign_jurors([], ids("J", 3), no_conflicts(3, 0), 2, rng())
    assert result.jurors.shape == (0, 2)
    assert result.loads.tolist() == [0, 0, 0]


def test_a_naive_greedy_gets_stuck_where_a_solution_exists() -> None:
    # S2 and S3 may only have C and D, who then need no other submission; a greedy that gives
    # each submission its least-loaded jurors hands S1 to C and D and is stuck at S3.
    forbidden = no_conflicts(4, 4)
    forbidden[:2, 2:] = True
    assert naive_greedy(forbidden, 2, hi=2) is None
    result = assign_jurors(ids("S", 4), list("ABCD"), forbidden, 2, rng())
    assert_valid(result, forbidden, 2)
    assert result.jurors.tolist() == [[0, 1], [0, 1], [2, 3], [2, 3]]


# --- infeasible cases: exact reasons ---------------------------------------------------------


def test_a_submission_with_too_few_free_jurors_is_named_with_them() -> None:
    sub_ids = [f"SOC-{i:02d}" for i in range(1, 11)]
    jur_ids = ids("J", 10, width=2)
    forbidden = no_conflicts(10, 10)
    forbidden[[0, 1, 3, 4, 6, 7, 8], 6] = True
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_jurors(sub_ids, jur_ids, forbidden, 4, rng(), domain="social")
    assert caught.value.reasons == (TooFewFreeJurors("SOC-07", 4, ("J02", "J05", "J09")),)
    assert str(caught.value) == (
        "domain social: submission SOC-07 needs 4 jurors but only 3 panel members are free of "
        "conflict with it (J02, J05, J09)"
    )


def test_a_panel_too_small_for_max_load_is_counted() -> None:
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_jurors(
            ids("SP", 26), ids("J", 5), no_conflicts(5, 26), 4, rng(), max_load=20, domain="sports"
        )
    assert caught.value.reasons == (CapacityShortfall(26, 4, 5, 100, 20, 20, ()),)
    assert str(caught.value) == (
        "domain sports: 26 submissions × 4 = 104 assignments but the panel's 5 jurors can "
        "take at most 100 with --max-load 20"
    )


def test_a_panel_smaller_than_k_is_one_reason() -> None:
    forbidden = no_conflicts(4, 3)
    forbidden[3, :] = True
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_jurors(ids("S", 3), ids("J", 4), forbidden, 4, rng())
    assert caught.value.reasons == (PanelTooSmall(4, ("J0", "J1", "J2")),)
    assert str(caught.value) == (
        "each submission needs 4 distinct jurors but only 3 panel members can judge any "
        "submission (J0, J1, J2)"
    )


def test_jurors_who_cannot_reach_a_balanced_load_are_named() -> None:
    forbidden = no_conflicts(6, 12)
    forbidden[:2, 3:] = True  # J0 and J1 may judge S0-S2 only, but balance needs 4 each
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_jurors(ids("S", 12), ids("J", 6), forbidden, 2, rng(), domain="d")
    subs = ("S0", "S1", "S2")
    assert caught.value.reasons == (
        CapacityShortfall(12, 2, 6, 22, 4, None, ("J0", "J1")),
        JurorUnderused("J0", 4, subs),
        JurorUnderused("J1", 4, subs),
    )
    assert str(caught.value) == (
        "domain d: no assignment of jurors is possible:\n"
        "  - 12 submissions × 2 = 24 assignments but the panel's 6 jurors can take at most 22 "
        "with balanced loads (at most 4 each); J0, J1 are free of conflict with fewer than 4 "
        "submissions\n"
        "  - juror J0 must take at least 4 submissions for balanced loads but is free of "
        "conflict with only 3 (S0, S1, S2)\n"
        "  - juror J1 must take at least 4 submissions for balanced loads but is free of "
        "conflict with only 3 (S0, S1, S2)"
    )


def test_a_hall_deficit_is_found_by_a_minimum_cut() -> None:
    # Every count passes (each submission has 2 free jurors, each juror 6 or more free
    # submissions), but S0-S7 need 16 assignments from J0 and J1, who can take 7 each.
    forbidden = no_conflicts(6, 20)
    forbidden[2:, :8] = True
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_jurors(ids("S", 20), ids("J", 6), forbidden, 2, rng())
    reason = HallDeficit(tuple(ids("S", 8)), ("J0", "J1"), 16, 14, 7)
    assert caught.value.reasons == (reason,)
    assert str(reason) == (
        "submissions S0, S1, S2, S3, S4, S5, S6, S7 need 8 × 2 = 16 assignments but the 2 "
        "jurors free of conflict with them (J0, J1) can take at most 14 (each at most once per "
        "submission and 7 in all)"
    )


def test_with_equal_loads_a_hall_deficit_comes_with_its_balance_deficit() -> None:
    # Loads must all be 4: J0 and J1 cannot cover S0-S4, so J2-J5 cannot reach 4 either.
    forbidden = no_conflicts(6, 12)
    forbidden[2:, :5] = True
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_jurors(ids("S", 12), ids("J", 6), forbidden, 2, rng())
    assert caught.value.reasons == (
        HallDeficit(("S0", "S1", "S2", "S3", "S4"), ("J0", "J1"), 10, 8, 4),
        BalanceDeficit(("J2", "J3", "J4", "J5"), 4, tuple(ids("S", 12)[5:]), 14, 2),
    )


def test_a_balance_deficit_is_found_by_a_minimum_cut() -> None:
    # J0-J2 may judge 2 submissions each (enough alone) but only S0 and S1, which can give
    # the three of them 4 assignments, not the 6 that balance needs.
    forbidden = no_conflicts(9, 10)
    forbidden[:3, 2:] = True
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_jurors(ids("S", 10), ids("J", 9), forbidden, 2, rng())
    reason = BalanceDeficit(("J0", "J1", "J2"), 2, ("S0", "S1"), 4, 2)
    assert caught.value.reasons == (reason,)
    assert str(reason) == (
        "jurors J0, J1, J2 must take at least 2 submissions each (6 in all) for balanced loads "
        "but the 2 submissions free of conflict with them (S0, S1) can give them at most 4 "
        "(each submission at most 2 jurors)"
    )


def test_long_lists_are_shortened_in_messages() -> None:
    reason = TooFewFreeJurors("S1", 20, tuple(ids("J", 12, width=2)))
    assert str(reason).endswith("(J00, J01, J02, J03, J04, J05, J06, J07, J08, J09 and 2 more)")


def test_infeasibility_reasons_returns_reasons_without_raising() -> None:
    forbidden = no_conflicts(6, 20)
    forbidden[2:, :8] = True
    assert infeasibility_reasons(ids("S", 20), ids("J", 6), forbidden, 2) == (
        HallDeficit(tuple(ids("S", 8)), ("J0", "J1"), 16, 14, 7),
    )
    assert infeasibility_reasons(ids("S", 12), ids("J", 6), no_conflicts(6, 12), 2) == ()


def test_a_deficit_in_a_large_domain_is_found_without_the_full_graph() -> None:
    # 2,010 submissions and 200 jurors (402,000 pairs); S0-S59 may only have J0-J4, who can
    # take 41 each.
    forbidden = no_conflicts(200, 2010)
    forbidden[5:, :60] = True
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_jurors(ids("S", 2010), ids("J", 200), forbidden, 4, rng())
    reason = HallDeficit(tuple(ids("S", 60)), tuple(ids("J", 5)), 240, 205, 41)
    assert caught.value.reasons == (reason,)
    assert_certificate(reason, ids("S", 2010), ids("J", 200), forbidden, 4)


@pytest.mark.parametrize(
    ("forbidden", "message"),
    [
        (np.zeros((3, 2), dtype=bool), r"shape \(3, 2\); expected .* = \(2, 3\)"),
        (np.array([[0, 5]]), "out of range"),
        (np.array([0.5, 1.0]), "boolean .* or an integer array"),
    ],
)
def test_malformed_forbidden_pairs_are_a_bug_in_the_caller(
    forbidden: np.ndarray, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        assign_jurors(ids("S", 3), ids("J", 2), forbidden, 1, rng())


# --- determinism, overlap and connectivity ------------------------------------------------------


def test_the_same_seed_gives_the_same_assignment_and_another_seed_another() -> None:
    forbidden = rng(1).random((15, 60)) < 0.2
    args = (ids("S", 60), ids("J", 15), forbidden, 3)
    first = assign_jurors(*args, rng(42))
    again = assign_jurors(*args, rng(42))
    other = assign_jurors(*args, rng(43))
    assert first.jurors.tolist() == again.jurors.tolist()
    assert first.jurors.tolist() != other.jurors.tolist()
    assert_valid(other, forbidden, 3)


def test_overlaps_are_spread_over_many_juror_pairs() -> None:
    result = assign_jurors(ids("S", 60), ids("J", 15), no_conflicts(15, 60), 3, rng())
    # 60 submissions give at most 180 pairs; independent random triples would give about 90
    # of the 105 possible pairs.
    assert result.shared_pairs >= 80
    assert result.connected


def test_shared_pairs_counts_distinct_unordered_pairs() -> None:
    assert shared_pairs(np.array([[0, 1, 2], [0, 1, 3], [1, 3, 4]]), 5) == 7


def test_connectivity_is_reported_when_it_is_impossible() -> None:
    # 2 submissions × 4 jurors and 8 jurors with one submission each: two separate groups.
    result = assign_jurors(ids("S", 2), ids("J", 8), no_conflicts(8, 2), 4, rng())
    assert not result.connected
    assert result.n_components == 2
    assert result.shared_pairs == 12


@pytest.mark.parametrize("seed", range(25))
def test_the_graph_is_connected_whenever_it_can_be(seed: int) -> None:
    # 4 jurors, 4 submissions of 2: {AB, AB, CD, CD} is valid but disconnected.
    result = assign_jurors(ids("S", 4), list("ABCD"), no_conflicts(4, 4), 2, rng(seed))
    assert result.connected
    assert result.loads.tolist() == [2, 2, 2, 2]


def test_a_large_domain_uses_the_flow_and_stays_valid() -> None:
    # 9,000 × 6 candidates exceed the LP limit: one maximum flow assigns them.
    generator = rng(5)
    n_sub, n_jur = 9000, 900
    pairs = np.c_[generator.integers(0, n_jur, 20_000), generator.integers(0, n_sub, 20_000)]
    forbidden = no_conflicts(n_jur, n_sub)
    forbidden[pairs[:, 0], pairs[:, 1]] = True
    result = assign_jurors(ids("S", n_sub), ids("J", n_jur), pairs, 4, rng())
    assert_valid(result, forbidden, 4)
    assert result.load_bounds == (40, 40)
    assert result.connected
    # Independent random draws of the 6 pairs of each submission would give P(1 - e^(-N/P))
    # distinct pairs out of P possible ones.
    possible, drawn = n_jur * (n_jur - 1) // 2, 6 * n_sub
    assert result.shared_pairs > 0.98 * possible * -np.expm1(-drawn / possible)


def test_the_flow_path_meets_the_same_constraints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assign, "LP_LIMIT", 0)
    generator = rng(11)
    for seed in range(30):
        n_jur, n_sub, k = int(generator.integers(3, 12)), int(generator.integers(1, 40)), 2
        forbidden = generator.random((n_jur, n_sub)) < 0.15
        try:
            result = assign_jurors(ids("S", n_sub), ids("J", n_jur), forbidden, k, rng(seed))
        except AssignmentInfeasible as error:
            for reason in error.reasons:
                assert_certificate(reason, ids("S", n_sub), ids("J", n_jur), forbidden, k)
        else:
            assert_valid(result, forbidden, k)
            assert result.load_bounds == balanced_bounds(forbidden, k)


# --- properties --------------------------------------------------------------------------------


@st.composite
def tiny_instances(draw: st.DrawFn) -> tuple[np.ndarray, int, int | None]:
    n_sub = draw(st.integers(1, 4))
    n_jur = draw(st.integers(1, 5))
    k = draw(st.integers(1, min(n_jur, 3)))
    cells = draw(st.lists(st.booleans(), min_size=n_sub * n_jur, max_size=n_sub * n_jur))
    max_load = draw(st.one_of(st.none(), st.integers(1, n_sub)))
    return np.array(cells, dtype=bool).reshape(n_jur, n_sub), k, max_load


@SETTINGS
@given(tiny_instances(), st.integers(0, 2**32))
def test_an_assignment_is_found_exactly_when_one_exists(
    instance: tuple[np.ndarray, int, int | None], seed: int
) -> None:
    forbidden, k, max_load = instance
    n_jur, n_sub = forbidden.shape
    sub_ids, jur_ids = ids("S", n_sub), ids("J", n_jur)
    eligible = int((~forbidden.all(axis=1)).sum())
    if max_load is None:
        lo, hi = balanced_bounds(forbidden, k) if eligible else (0, 0)
        exists = eligible > 0 and brute_force(forbidden, k, lo, hi)
    else:
        exists = eligible > 0 and brute_force(forbidden, k, 0, max_load)
    try:
        result = assign_jurors(sub_ids, jur_ids, forbidden, k, rng(seed), max_load=max_load)
    except AssignmentInfeasible as error:
        assert not exists
        assert error.reasons
        for reason in error.reasons:
            assert_certificate(reason, sub_ids, jur_ids, forbidden, k)
        return
    assert exists
    assert_valid(result, forbidden, k)
    if max_load is not None:
        # As balanced as possible: no smaller largest load, then no larger smallest load.
        lo, hi = result.load_bounds
        assert hi <= max_load
        assert not brute_force(forbidden, k, 0, hi - 1)
        assert not brute_force(forbidden, k, lo + 1, hi)


@st.composite
def planted_instances(draw: st.DrawFn) -> tuple[np.ndarray, int]:
    """A balanced assignment is planted first; conflicts are then drawn only outside it."""
    n_jur = draw(st.integers(2, 12))
    k = draw(st.integers(1, min(n_jur, 4)))
    n_sub = draw(st.integers(1, 40))
    generator = rng(draw(st.integers(0, 2**32)))
    # Submission i takes jurors ik, ik+1, ..., ik+k-1 (mod J) of a shuffled panel: distinct,
    # and consecutive blocks give every juror the same load within one.
    juror = generator.permutation(n_jur)[np.arange(n_sub * k) % n_jur]
    plant = np.zeros((n_jur, n_sub), dtype=bool)
    plant[juror, np.repeat(np.arange(n_sub), k)] = True
    density = draw(st.floats(0, 0.9))
    forbidden = ~plant & (generator.random((n_jur, n_sub)) < density)
    return forbidden, k


@SETTINGS
@given(planted_instances(), st.integers(0, 2**32))
def test_instances_with_a_planted_solution_are_always_solved(
    instance: tuple[np.ndarray, int], seed: int
) -> None:
    forbidden, k = instance
    n_jur, n_sub = forbidden.shape
    result = assign_jurors(ids("S", n_sub), ids("J", n_jur), forbidden, k, rng(seed))
    assert_valid(result, forbidden, k)
    assert result.load_bounds == balanced_bounds(forbidden, k)


# --- balance across the competition -------------------------------------------------------------


def domain_problems(
    sizes: list[int], panels: list[list[int]], forbidden: list[np.ndarray]
) -> list[DomainProblem]:
    """Domains ``d0, d1…`` with ``sizes[d]`` submissions; ``forbidden[d]``: (juror, submission)
    booleans over the whole jury, restricted here to the domain's panel."""
    problems = []
    for d, (size, panel, conflicts) in enumerate(zip(sizes, panels, forbidden, strict=True)):
        pairs = np.argwhere(conflicts[panel]) if panel else np.zeros((0, 2), np.int64)
        problems.append(
            DomainProblem(f"d{d}", tuple(ids(f"S{d}-", size)), tuple(panel), pairs.astype(np.int64))
        )
    return problems


def generators(n: int, seed: int = 0) -> list[np.random.Generator]:
    return [rng(seed + i) for i in range(n + 1)]


def test_loads_balance_across_domains_where_each_domain_alone_cannot() -> None:
    # The case: 42 submissions in 3 domains, 3 jurors each, 9 jurors on every panel.
    # 14 per domain × 3 / 9 = 4.67 per domain; balanced domain by domain, totals range 13-15.
    problems = domain_problems([14] * 3, [list(range(9))] * 3, [no_conflicts(9, 14)] * 3)
    whole = assign_competition(problems, 9, 3, generators(3))
    assert whole.loads.tolist() == [14] * 9
    assert whole.load_bounds == (14, 14) and whole.reasons == () and whole.refused == ()
    for result in whole.domains:
        assert sorted(set(result.loads.tolist())) == [4, 5]  # each domain still even
    by_domain = assign_competition(problems, 9, 3, generators(3), balance="domain")
    assert by_domain.loads.sum() == 126


def test_a_juror_on_one_small_panel_is_named_as_the_reason_loads_differ() -> None:
    # J8 sits only on d0, which has 2 submissions: it can take 2, the others must take 11.
    panels = [list(range(9)), list(range(8)), list(range(8))]
    problems = domain_problems([2, 14, 14], panels, [no_conflicts(9, n) for n in (2, 14, 14)])
    whole = assign_competition(problems, 9, 3, generators(3), juror_ids=ids("J", 9))
    assert whole.loads.tolist() == [11] * 8 + [2]
    assert whole.load_bounds == (2, 11)
    ceiling, floor = whole.reasons
    assert ceiling == LoadCeiling(10, ("d0", "d1", "d2"), 90, tuple(ids("J", 9)), 82)
    assert floor == LoadFloor(3, ("J8",), ("d0",), 2)
    assert str(floor) == (
        "loads cannot all be at least 3: juror J8 can be given at most 2 assignments (3 needed) "
        "by domain d0, the only panel they sit on"
    )


def test_max_load_bounds_the_total_over_all_domains() -> None:
    problems = domain_problems([10, 10], [list(range(6))] * 2, [no_conflicts(6, 10)] * 2)
    whole = assign_competition(problems, 6, 3, generators(2), max_load=10)
    assert whole.loads.tolist() == [10] * 6
    with pytest.raises(CompetitionInfeasible) as caught:
        assign_competition(problems, 6, 3, generators(2), max_load=9, juror_ids=ids("J", 6))
    assert str(caught.value) == (
        "loads cannot all be at most 9: domains d0, d1 need 60 assignments but the 6 jurors of "
        "their panels (J0, J1, J2, J3, J4, J5) can take at most 54 with 9 each"
    )


def test_a_domain_whose_conflicts_refuse_its_share_is_assigned_on_its_own() -> None:
    # In d0, J0 and J1 may judge S0-0 only, which needs one juror: the split gives each of them
    # one submission of d0 (their capacity, counted juror by juror), which d0 cannot honour.
    conflicts = no_conflicts(4, 4)
    conflicts[0, 1:] = conflicts[1, 1:] = True
    problems = domain_problems([4, 4], [list(range(4))] * 2, [conflicts, no_conflicts(4, 4)])
    whole = assign_competition(problems, 4, 1, generators(2), juror_ids=ids("J", 4))
    (refused,) = whole.refused
    assert refused.domain == "d0"
    assert str(refused).startswith("domain d0: its conflicts do not allow its share")
    assert whole.reasons == ()
    for result, problem in zip(whole.domains, problems, strict=True):
        assert not _uses_forbidden(result, problem)
    assert whole.loads.sum() == 8


def _uses_forbidden(result: Assignment, problem: DomainProblem) -> bool:
    pairs = {(int(j), int(s)) for j, s in problem.forbidden.tolist()}
    return any((j, s) in pairs for s, row in enumerate(result.jurors.tolist()) for j in row)


def _reach(problems: list[DomainProblem], n_jur: int, k: int) -> np.ndarray:
    """c_jd, recomputed directly: submissions of d juror j sits on the panel of and may judge."""
    capacity = np.zeros((n_jur, len(problems)), dtype=np.int64)
    for d, problem in enumerate(problems):
        for position, juror in enumerate(problem.panel):
            barred = {int(s) for j, s in problem.forbidden.tolist() if j == position}
            free = len(problem.submission_ids) - len(barred)
            capacity[juror, d] = free if free > 0 and k > 0 else 0
    return capacity


@st.composite
def competitions(draw: st.DrawFn) -> tuple[list[DomainProblem], int, int]:
    n_jur = draw(st.integers(2, 9))
    n_dom = draw(st.integers(1, 3))
    k = draw(st.integers(1, 3))
    generator = rng(draw(st.integers(0, 2**32)))
    sizes = [draw(st.integers(0, 8)) for _ in range(n_dom)]
    full = draw(st.booleans())
    panels = [
        list(range(n_jur))
        if full
        else sorted(np.flatnonzero(generator.random(n_jur) < 0.7).tolist())
        for _ in range(n_dom)
    ]
    density = draw(st.sampled_from([0.0, 0.1, 0.3]))
    forbidden = [generator.random((n_jur, size)) < density for size in sizes]
    return domain_problems(sizes, panels, forbidden), n_jur, k


@SETTINGS
@given(competitions(), st.integers(0, 2**32))
def test_competition_loads_are_as_balanced_as_the_panels_allow(
    instance: tuple[list[DomainProblem], int, int], seed: int
) -> None:
    problems, n_jur, k = instance
    try:
        whole = assign_competition(problems, n_jur, k, generators(len(problems), seed))
    except CompetitionInfeasible as error:
        assert error.failures and all(f.reasons for f in error.failures)
        return
    for result, problem in zip(whole.domains, problems, strict=True):
        n_sub = len(problem.submission_ids)
        assert result.jurors.shape == (n_sub, k)
        assert all(len(set(row)) == k for row in result.jurors.tolist())
        assert not _uses_forbidden(result, problem)
    capacity = _reach(problems, n_jur, k)
    needed = np.array([len(p.submission_ids) * k for p in problems])
    eligible = capacity.sum(axis=1) > 0
    assert whole.eligible.tolist() == eligible.tolist()
    assert (whole.loads[~eligible] == 0).all()
    lo, hi = whole.load_bounds
    if whole.refused:
        return
    # Loads differ by at most one, or each reason is a violated condition, checked here
    # from the data alone: no assignment can have loads closer together.
    assert hi - lo <= 1 or whole.reasons
    for reason in whole.reasons:
        if isinstance(reason, LoadCeiling):
            domains = np.array([p.domain in reason.domains for p in problems])
            reach = capacity[:, domains].sum(axis=1)
            assert reason.limit == hi - 1
            assert reason.needed == int(needed[domains].sum())
            assert reason.capacity == int(np.minimum(reach, reason.limit).sum())
            assert reason.needed > reason.capacity
        else:
            assert isinstance(reason, LoadFloor)
            jurors = np.array([f"{j}" in reason.jurors for j in range(n_jur)])
            reach = capacity[jurors].sum(axis=0)
            assert reason.limit == lo + 1
            assert reason.capacity == int(np.minimum(reach, needed).sum())
            assert reason.limit * int(jurors.sum()) > reason.capacity


@SETTINGS
@given(st.integers(1, 4), st.integers(3, 10), st.integers(1, 3), st.integers(0, 2**32))
def test_loads_differ_by_at_most_one_when_every_juror_sits_on_every_panel(
    n_dom: int, n_jur: int, k: int, seed: int
) -> None:
    generator = rng(seed)
    sizes = generator.integers(0, 12, size=n_dom).tolist()
    problems = domain_problems(
        sizes, [list(range(n_jur))] * n_dom, [no_conflicts(n_jur, n) for n in sizes]
    )
    whole = assign_competition(problems, n_jur, k, generators(n_dom, seed))
    assert whole.loads.max() - whole.loads.min() <= 1
    assert whole.loads.sum() == sum(sizes) * k


# --- affinity, fairness and the randomised assignment --------------------------------------------


def affinity_of(matrix: np.ndarray) -> Affinity:
    """The positive cells of a (juror, submission) matrix as an `Affinity`."""
    jurors, subs = np.nonzero(matrix)
    return Affinity(jurors, subs, matrix[jurors, subs])


def all_assignments(forbidden: np.ndarray, k: int, lo: int, hi: int) -> list[np.ndarray]:
    """Every assignment (juror codes per submission) with eligible loads in [lo, hi]."""
    n_jur, n_sub = forbidden.shape
    eligible = ~forbidden.all(axis=1)
    options = [
        list(itertools.combinations(np.flatnonzero(~forbidden[:, i]).tolist(), k))
        for i in range(n_sub)
    ]
    found = []
    for rows in itertools.product(*options):
        loads = np.bincount(np.array(rows, dtype=int).ravel(), minlength=n_jur)
        if ((loads[eligible] >= lo) & (loads[eligible] <= hi)).all():
            found.append(np.array(rows, dtype=int))
    return found


@st.composite
def affinity_instances(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    n_sub = draw(st.integers(1, 3))
    n_jur = draw(st.integers(2, 4))
    k = draw(st.integers(1, 2))
    generator = rng(draw(st.integers(0, 2**32)))
    forbidden = generator.random((n_jur, n_sub)) < draw(st.sampled_from([0.0, 0.2]))
    # Few distinct values, so ties (and the tie-breaking) are exercised.
    values = generator.integers(0, 4, size=(n_jur, n_sub)) / 4
    return forbidden, values, k


@SETTINGS
@given(affinity_instances(), st.integers(0, 2**32))
def test_the_affinity_objectives_reach_the_brute_force_optimum(
    instance: tuple[np.ndarray, np.ndarray, int], seed: int
) -> None:
    forbidden, values, k = instance
    n_jur, n_sub = forbidden.shape
    args = (ids("S", n_sub), ids("J", n_jur), forbidden, k)
    try:
        plain = assign_jurors(*args, rng(seed))
    except AssignmentInfeasible:
        assume(False)
        return
    lo, hi = plain.load_bounds
    candidates = all_assignments(forbidden, k, lo, hi)
    total = [float(values[a, np.arange(n_sub)[:, None]].sum()) for a in candidates]
    worst = [float(values[a, np.arange(n_sub)[:, None]].min()) for a in candidates]
    best = assign_jurors(*args, rng(seed), affinity=affinity_of(values), objective="affinity")
    assert_valid(best, forbidden, k)
    assert best.affinity is not None
    assert best.affinity.total == pytest.approx(max(total))
    fair = assign_jurors(*args, rng(seed), affinity=affinity_of(values), objective="fair")
    assert_valid(fair, forbidden, k)
    assert fair.affinity is not None
    assert fair.affinity.worst_pair == pytest.approx(max(worst))
    among = [t for t, w in zip(total, worst, strict=True) if w >= max(worst) - 1e-9]
    assert fair.affinity.total == pytest.approx(max(among))
    per_sub = values[fair.jurors, np.arange(n_sub)[:, None]].sum(axis=1)
    assert fair.affinity.per_submission.tolist() == pytest.approx(per_sub.tolist())
    assert fair.affinity.worst_submission == pytest.approx(per_sub.min())


@SETTINGS
@given(affinity_instances(), st.sampled_from([0.5, 0.75, 1.0]), st.integers(0, 2**32))
def test_no_conflict_is_ever_assigned_under_any_objective_or_cap(
    instance: tuple[np.ndarray, np.ndarray, int], cap: float, seed: int
) -> None:
    forbidden, values, k = instance
    n_jur, n_sub = forbidden.shape
    for objective in ("affinity", "fair"):
        try:
            result = assign_jurors(
                ids("S", n_sub),
                ids("J", n_jur),
                forbidden,
                k,
                rng(seed),
                affinity=affinity_of(values),
                objective=objective,
                cap=cap,
            )
        except AssignmentInfeasible as error:
            assert error.reasons
            continue
        assert_valid(result, forbidden, k)
        assert result.affinity is not None
        assert result.affinity.largest_probability <= cap + 1e-9


def test_dependent_rounding_keeps_every_marginal_and_every_degree() -> None:
    # A fractional assignment of 3 submissions × 2 jurors among 4 jurors, loads 1.5 each.
    x = np.array([[0.5, 0.5, 0.5, 0.5], [0.75, 0.25, 0.25, 0.75], [0.25, 0.75, 0.75, 0.25]])
    sub, jur = np.nonzero(x)
    draws = 4000
    counts = np.zeros(x.shape)
    for seed in range(draws):
        chosen = dependent_rounding(sub, jur, x[sub, jur], 3, rng(seed))
        picked = np.zeros(x.shape, dtype=int)
        picked[sub[chosen], jur[chosen]] = 1
        assert picked.sum(axis=1).tolist() == [2, 2, 2]  # each submission keeps its 2 jurors
        assert set(picked.sum(axis=0).tolist()) <= {1, 2}  # loads: floor or ceiling of 1.5
        counts += picked
    # Each frequency is within 4 standard errors of its marginal.
    error = np.sqrt(x * (1 - x) / draws)
    assert (np.abs(counts / draws - x) <= 4 * error + 1e-12).all()


@pytest.mark.slow
def test_the_cap_is_never_exceeded_in_the_sampling_distribution() -> None:
    n_jur, n_sub, k, cap = 6, 8, 2, 0.5
    generator = rng(11)
    values = generator.random((n_jur, n_sub)) * (generator.random((n_jur, n_sub)) < 0.7)
    forbidden = no_conflicts(n_jur, n_sub)
    forbidden[0, 0] = forbidden[3, 5] = True
    draws = 600
    counts = np.zeros((n_jur, n_sub))
    shares = []
    for seed in range(draws):
        result = assign_jurors(
            ids("S", n_sub),
            ids("J", n_jur),
            forbidden,
            k,
            rng(seed),
            affinity=affinity_of(values),
            objective="affinity",
            cap=cap,
        )
        assert_valid(result, forbidden, k)
        assert result.affinity is not None and result.affinity.largest_probability <= cap
        counts[result.jurors.ravel(), np.repeat(np.arange(n_sub), k)] += 1
        shares.append(result.affinity.share)
    frequency = counts / draws
    assert frequency[0, 0] == frequency[3, 5] == 0
    # The largest frequency of 48 pairs, each a binomial with p ≤ 0.5, stays within
    # 4.5 standard errors of the cap (false alarm below 1 in 10,000).
    assert frequency.max() <= cap + 4.5 * np.sqrt(cap * (1 - cap) / draws)
    # Without the cap the optimum would take the best pairs always: the cap costs affinity.
    assert min(shares) > 0.5 and max(shares) < 1


def test_a_cap_that_needs_more_free_jurors_than_a_submission_has_is_named() -> None:
    forbidden = no_conflicts(4, 3)
    forbidden[:2, 1] = True  # S1 keeps J2 and J3 only
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_jurors(ids("S", 3), ids("J", 4), forbidden, 2, rng(), cap=0.75)
    assert caught.value.reasons == (CapTooLow(0.75, 2, "S1", 2),)
    assert str(caught.value.reasons[0]) == (
        "no juror–submission probability can be kept at most 0.75: submission S1 needs 2 "
        "jurors, so at least 2.67 free of conflict with it, but has 2; raise --cap to at "
        "least 1.00"
    )


# --- constraints ----------------------------------------------------------------------------------


@st.composite
def constrained_instances(draw: st.DrawFn) -> tuple[np.ndarray, int, DomainConstraints]:
    n_sub = draw(st.integers(1, 5))
    n_jur = draw(st.integers(3, 6))
    k = draw(st.integers(1, 3))
    generator = rng(draw(st.integers(0, 2**32)))
    forbidden = generator.random((n_jur, n_sub)) < 0.15
    reads = generator.random((n_jur, 2)) < 0.6
    needs = generator.random((n_sub, 2)) < 0.4
    group = generator.integers(-1, 3, size=n_jur)
    apart = generator.choice(n_jur, size=(draw(st.integers(0, 2)), 2), replace=True)
    apart = apart[apart[:, 0] != apart[:, 1]]
    rules = DomainConstraints(
        ("ar", "fr"), reads, needs, ("neighbourhood",), (group,), (("a", "b", "c"),), apart
    )
    return forbidden, k, rules


@SETTINGS
@given(constrained_instances(), st.integers(0, 2**32))
def test_every_constraint_holds_or_an_exact_reason_is_given(
    instance: tuple[np.ndarray, int, DomainConstraints], seed: int
) -> None:
    forbidden, k, rules = instance
    n_jur, n_sub = forbidden.shape
    sub_ids = ids("S", n_sub)
    try:
        result = assign_jurors(sub_ids, ids("J", n_jur), forbidden, k, rng(seed), constraints=rules)
    except AssignmentInfeasible as error:
        assert error.reasons
        for reason in error.reasons:
            if isinstance(reason, LanguageUncovered):
                i, lang = sub_ids.index(reason.submission), rules.languages.index(reason.language)
                assert rules.needs[i, lang] and not (rules.reads[:, lang] & ~forbidden[:, i]).any()
            elif isinstance(reason, GroupsTooFew):
                free = np.flatnonzero(~forbidden[:, sub_ids.index(reason.submission)])
                values = rules.groups[0][free]
                distinct = np.unique(values[values >= 0]).size + int((values < 0).sum())
                assert reason.available == distinct < k
            elif isinstance(reason, ConstraintsConflict):
                if math.comb(n_jur, k) ** n_sub < 5e4:
                    # Brute force: no assignment within the loads meets every constraint.
                    lo, hi = reason.load_bounds
                    for rows in all_assignments(forbidden, k, lo, hi):
                        assert not _meets(rows, rules)
            else:  # the reasons of an unconstrained domain, as exact as ever
                assert_certificate(reason, sub_ids, ids("J", n_jur), forbidden, k)
        return
    assert_valid(result, forbidden, k)
    assert _meets(result.jurors, rules)


def _meets(rows: np.ndarray, rules: DomainConstraints) -> bool:
    """Whether an assignment meets languages, groups and jurors kept apart."""
    for i, row in enumerate(np.asarray(rows).tolist()):
        for lang in np.flatnonzero(rules.needs[i]).tolist():
            if not rules.reads[row, lang].any():
                return False
        values = rules.groups[0][row]
        values = values[values >= 0]
        if np.unique(values).size != values.size:
            return False
        if any(a in row and b in row for a, b in rules.apart.tolist()):
            return False
    return True


# --- connectivity and calibration precision -------------------------------------------------------


def test_a_complete_design_compares_every_two_jurors_to_the_textbook_variance() -> None:
    # Every juror scores all S submissions: Var(b_a - b_b) = 2 σ² / S.
    result = assign_jurors(ids("S", 8), ids("J", 4), no_conflicts(4, 8), 4, rng())
    precision = result.precision
    assert precision is not None
    assert precision.mean_sd == pytest.approx(np.sqrt(2 / 8))
    assert precision.worst_sd == pytest.approx(np.sqrt(2 / 8))
    assert precision.connectivity == pytest.approx(8.0)


def test_a_disconnected_design_cannot_compare_its_groups() -> None:
    matrix = np.array([[0, 1], [0, 1], [2, 3], [2, 3]])
    precision = assign.calibration_precision(matrix, 4)
    assert precision == assign.CalibrationPrecision(0.0, None, None)


def test_more_shared_submissions_make_severities_more_precise() -> None:
    # A chain of jurors (each pair shares one submission) against a ring (one more link).
    chain = np.array([[0, 1], [1, 2], [2, 3], [3, 4]])
    ring = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 0]])
    weak, strong = (assign.calibration_precision(m, 5) for m in (chain, ring))
    assert weak is not None and strong is not None
    assert strong.worst_sd < weak.worst_sd and strong.connectivity > weak.connectivity
