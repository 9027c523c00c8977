"""Invariants of every competition, over whole competitions drawn by ``tests/strategies.py``.

A failure shrinks to a small competition (printed as a ``Drawn`` dataclass), not to a seed.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, find, given, settings
from hypothesis import strategies as st

from grantjury.figures import published
from grantjury.pipeline import run
from grantjury.report import build_outputs, write_outputs
from grantjury.results import Results
from tests.strategies import (
    Conflict,
    Drawn,
    Score,
    competitions,
    room_for_shift,
    shift_unit,
    write,
)

SETTINGS = settings(max_examples=20, deadline=None)
FAST = {"replicates": 0}


@contextmanager
def folder() -> Iterator[Path]:
    # hypothesis runs the test body many times: a fixture's tmp_path would be shared.
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def results_of(competition: Drawn, root: Path, overrides: dict[str, Any] | None = None) -> Results:
    return run(write(competition, root), overrides or FAST).results


def dump(results: Results, *, exclude: set[str]) -> dict[str, Any]:
    return results.model_dump(mode="json", exclude=exclude)


@SETTINGS
@given(competitions(), st.randoms(use_true_random=False))
def test_reordering_rows_conflicts_and_files_changes_nothing_but_input_digests(
    competition: Drawn, rng: Any
) -> None:
    rows, conflicts, columns = (
        list(competition.scores),
        list(competition.conflicts),
        list(("juror", "submission", "criterion", "score")),
    )
    rng.shuffle(rows)
    rng.shuffle(conflicts)
    rng.shuffle(columns)
    shuffled = dataclasses.replace(competition, scores=tuple(rows), conflicts=tuple(conflicts))
    with folder() as tmp:
        before = results_of(competition, tmp / "a")
        root = write(shuffled, tmp / "b", score_columns=tuple(columns))
        for path in sorted((root / "submissions").iterdir()):
            path.rename(path.with_name(f"{rng.randrange(10**6):06d}-{path.name}"))
        after = run(root, FAST).results
    # Only the inputs' record may differ: the renamed submission files and the digests of the
    # reordered CSV files. Warnings carry no line numbers, so they must be identical too.
    assert dump(after, exclude={"inputs"}) == dump(before, exclude={"inputs"})
    kept = {"competition.yaml", "jurors.yaml"} | {
        f"rubric-{d.id}.yaml" for d in competition.domains
    }
    assert [f for f in after.inputs if f.path in kept] == [
        f for f in before.inputs if f.path in kept
    ]


@SETTINGS
@given(competitions(), st.data())
def test_a_score_from_a_conflicted_juror_changes_nothing_but_exclusions_and_warnings(
    competition: Drawn, data: st.DataObject
) -> None:
    juror = data.draw(st.sampled_from(competition.jurors), label="conflicted juror")
    panel = competition.panel(juror)
    sub = data.draw(st.sampled_from(panel), label="conflicted submission")
    criteria = competition.rubric_of(sub.id).criteria
    levels = data.draw(
        st.tuples(*(st.integers(0, c.levels) for c in criteria)), label="the new scores"
    )
    others = tuple(s for s in competition.scores if (s.juror, s.submission) != (juror.id, sub.id))
    kept = [c for c in competition.conflicts if (c.juror, c.submission) != (juror.id, sub.id)]
    conflicts = (*kept, Conflict(juror.id, sub.id, "family"))
    without = dataclasses.replace(competition, scores=others, conflicts=conflicts)
    assume(without.scores)  # the new rows must not be the only ones
    added = tuple(
        Score(juror.id, sub.id, c.id, c.value(level))
        for c, level in zip(criteria, levels, strict=True)
    )
    with_score = dataclasses.replace(without, scores=others + added)
    with folder() as tmp:
        before = results_of(without, tmp / "a")
        after = results_of(with_score, tmp / "b")
    legitimate = {"inputs", "exclusions", "warnings"}
    assert dump(after, exclude=legitimate) == dump(before, exclude=legitimate)
    assert any(
        (e.juror, e.submission, e.reason) == (juror.id, sub.id, "conflict")
        for e in after.exclusions
    )


@SETTINGS
@given(competitions(calibrations=("zscore",), complete=True), st.data())
def test_a_constant_added_to_one_jurors_scores_leaves_the_zscore_order_unchanged(
    competition: Drawn, data: st.DataObject
) -> None:
    juror = data.draw(st.sampled_from(competition.jurors), label="juror")
    unit = shift_unit(competition, juror.id)
    assume(unit)  # the juror scored something
    shift = unit * data.draw(st.sampled_from((1, -1, 2, -2)), label="steps of the shift")
    # Scores at the scale's ends could not move: pull them in first (that is the competition
    # the property is about), then move every score of the juror by the same amount.
    competition = room_for_shift(competition, juror.id, shift)
    assume(competition is not None)  # a scale shorter than the shift
    moved = dataclasses.replace(
        competition,
        scores=tuple(
            dataclasses.replace(s, value=s.value + shift) if s.juror == juror.id else s
            for s in competition.scores
        ),
    )
    with folder() as tmp:
        before = results_of(competition, tmp / "a")
        after = results_of(moved, tmp / "b")
    record = before.juror(juror.id)
    assert record is not None
    touched = [d for d in before.domains if d.id in record.calibration]
    # A juror left neutral (too few totals, or no spread) is not standardised: shifting them,
    # or the pooled scale under them, moves them against the others.
    for domain in touched:
        for other in (before, after):
            assume(
                not any(
                    j.calibration[domain.id].fallback
                    for j in other.jurors
                    if domain.id in j.calibration
                )
            )
    orders = {d.id: _clearly_ordered(d.ranking) for d in touched}
    assume(sum(len(order) for order in orders.values()) >= 2)
    for domain_id, order in orders.items():
        after_domain = after.domain(domain_id)
        assert after_domain is not None
        assert [e.submission for e in after_domain.ranking if e.submission in order] == order


def _clearly_ordered(ranking: list[Any]) -> list[str]:
    """Ranked submissions whose score is apart from every other's (ties may reorder)."""
    scores = [e.score for e in ranking if e.score is not None]
    return [
        e.submission
        for e in ranking
        if e.score is not None and sum(abs(e.score - v) < 1e-4 for v in scores) == 1
    ]


@SETTINGS
@given(competitions())
def test_every_submission_is_ranked_once_and_winners_are_eligible_and_within_limits(
    competition: Drawn,
) -> None:
    with folder() as tmp:
        results = results_of(competition, tmp / "a")
    ranked = 0
    for domain in results.domains:
        members = sorted(s.id for s in competition.submissions if s.domain == domain.id)
        assert sorted(e.submission for e in domain.ranking) == members
        ranks = [e.rank for e in domain.ranking if e.rank is not None]
        assert ranks == list(range(1, len(ranks) + 1))
        ranked += len(ranks)
        drawn = competition.domain(domain.id)
        assert len(domain.winners) <= drawn.winners
        entries = {e.submission: e for e in domain.ranking}
        for sub_id in domain.winners:
            assert entries[sub_id].eligible and entries[sub_id].winner
            assert not entries[sub_id].ineligible_reasons
        assert sorted(domain.winners) == sorted(e.submission for e in domain.ranking if e.winner)
        if drawn.budget is not None:
            spent = sum(competition.submission(s).requested_amount or 0 for s in domain.winners)
            assert spent <= drawn.budget
    assume(ranked)


@SETTINGS
@given(competitions())
def test_a_threshold_reason_is_given_exactly_when_the_published_mean_misses_it(
    competition: Drawn,
) -> None:
    with folder() as tmp:
        results = results_of(competition, tmp / "a")
    checked = 0
    for domain in results.domains:
        rubric = competition.domain(domain.id).rubric
        for entry in domain.ranking:
            reasons = {
                r.criterion: r for r in entry.ineligible_reasons if r.code == "threshold_not_met"
            }
            means = entry.criteria
            if any(means.get(c.id) is None for c in rubric.criteria):
                assert not reasons  # thresholds are checked on complete means only
                continue
            for criterion in rubric.criteria:
                if criterion.threshold is None:
                    assert criterion.id not in reasons
                    continue
                mean = published(means[criterion.id])
                misses = (
                    mean < criterion.threshold
                    if rubric.direction == "higher"
                    else mean > criterion.threshold
                )
                assert (criterion.id in reasons) == misses, (entry.submission, criterion.id)
                if misses:
                    reason = reasons[criterion.id]
                    assert (reason.mean, reason.threshold, reason.direction) == (
                        mean,
                        criterion.threshold,
                        rubric.direction,
                    )
                    assert not entry.eligible and not entry.winner
                checked += 1
    assume(checked)


@SETTINGS
@given(competitions())
def test_two_runs_give_identical_results_json_bytes(competition: Drawn) -> None:
    with folder() as tmp:
        root = write(competition, tmp / "a")
        outputs = []
        for _ in range(2):
            result = run(root, {})
            outputs.append(
                build_outputs(result.results, {}, Path(result.competition.path), tmp / "out")[1]
            )
    assert outputs[0]["results.json"] == outputs[1]["results.json"]
    assert outputs[0] == outputs[1]


@SETTINGS
@given(competitions())
def test_verify_passes_on_a_written_report(competition: Drawn) -> None:
    # Imported here: on this branch's base grantjury.audit does not import (it asks
    # grantjury.results for ``published``, now in grantjury.figures); the other properties
    # must not depend on it.
    from grantjury.audit import verify

    with folder() as tmp:
        root, out = write(competition, tmp / "a"), tmp / "out"
        result = run(root, {})
        _, files = build_outputs(result.results, {}, Path(result.competition.path), out)
        write_outputs(out, files)
        report = verify(out)
        assert report.exit_code(strict=True) == 0, report.text()


# --- the strategy itself ----------------------------------------------------------------


NO_DATABASE = settings(database=None, max_examples=2000)
"""``find`` shrinks a competition of a few hundred draws: about a minute on two cores."""


@pytest.mark.slow
def test_the_strategy_shrinks_to_a_small_competition() -> None:
    smallest = find(competitions(), lambda c: len(c.submissions) >= 3, settings=NO_DATABASE)
    assert len(smallest.domains) == 1
    assert len(smallest.submissions) == 3
    assert len(smallest.jurors) == 2
    assert len(smallest.domains[0].rubric.criteria) == 1
    assert len(smallest.scores) == 2 * 3  # complete sets, two jurors, one criterion
    assert {s.value for s in smallest.scores} == {smallest.domains[0].rubric.criteria[0].min}
    assert smallest.conflicts == ()
    assert smallest.method.calibration == "raw" and smallest.method.replicates == 0


@pytest.mark.slow
def test_a_detected_conflict_shrinks_to_one_affiliation() -> None:
    def detected(c: Drawn) -> bool:
        return any(s.association in j.affiliations for j in c.jurors for s in c.panel(j))

    smallest = find(competitions(), detected, settings=NO_DATABASE)
    assert len(smallest.domains) == 1
    assert len(smallest.submissions) == 2
    assert sum(len(j.affiliations) for j in smallest.jurors) == 1
