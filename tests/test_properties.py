"""Invariants that must hold for every competition (hypothesis over generated files)."""

from __future__ import annotations

import copy
import random
import shutil
import tempfile
from pathlib import Path

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grantjury.audit import verify
from grantjury.pipeline import run
from grantjury.report import build_outputs, write_outputs
from grantjury.results import Entry, Results
from tests.generate import write_competition, write_rows

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def without_inputs(results: Results) -> dict:
    return results.model_dump(exclude={"inputs"})


def substance(results: Results) -> dict:
    """What a result means: rankings, scores, winners, exclusions (not digests or warnings)."""
    return {
        "domains": [(d.id, d.winners, d.ranking, d.ties) for d in results.domains],
        "exclusions": results.exclusions,
        "conflicts": results.conflicts,
    }


@SETTINGS
@given(seed=st.integers(0, 10_000), shuffle_seed=st.integers(0, 10_000))
def test_reordering_rows_and_files_changes_nothing(seed: int, shuffle_seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "a"
        generated = write_competition(root, seed)
        before = run(root, {"replicates": 0}).results
        rng = random.Random(shuffle_seed)
        rows = list(generated.score_rows)
        rng.shuffle(rows)
        write_rows(
            root / "scores.csv",
            ["submission", "score", "juror", "criterion"],
            [(s, v, j, c) for j, s, c, v in rows],
        )
        conflicts = list(generated.conflicts)
        rng.shuffle(conflicts)
        write_rows(root / "conflicts.csv", ["juror", "submission", "reason"], conflicts)
        for path in sorted((root / "submissions").iterdir()):
            path.rename(path.with_name(f"{rng.randrange(10**6):06d}-{path.name}"))
        after = run(root, {"replicates": 0}).results
        assert substance(after) == substance(before)
        assert after.jurors == before.jurors
        assert (
            {f.path for f in after.inputs} - {f.path for f in before.inputs}
            or after.inputs != before.inputs
            or rows == generated.score_rows
        )


@SETTINGS
@given(seed=st.integers(0, 10_000), noise=st.integers(0, 10_000))
def test_a_conflicted_score_never_changes_any_result(seed: int, noise: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "a"
        generated = write_competition(
            root, seed, conflict_scope=random.Random(seed).choice(["submission", "domain"])
        )
        before = run(root, {"replicates": 0}).results
        excluded = {(e.juror, e.submission) for e in before.exclusions}
        rng = np.random.default_rng(noise)
        rows = [
            (j, s, c, float(rng.integers(0, 201)) / 2) if (j, s) in excluded else (j, s, c, v)
            for j, s, c, v in generated.score_rows
        ]
        write_rows(root / "scores.csv", ["juror", "submission", "criterion", "score"], rows)
        after = run(root, {"replicates": 0}).results
        assert without_inputs(after) == without_inputs(before)


@SETTINGS
@given(seed=st.integers(0, 10_000), shift=st.integers(-20, 20), which=st.integers(0, 100))
def test_a_constant_added_to_one_juror_leaves_zscore_ranking_unchanged(
    seed: int, shift: int, which: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "a"
        generated = write_competition(root, seed, full_panels=True)
        (root / "conflicts.csv").write_text("juror,submission,reason\n")
        # No affiliations either: a juror left with fewer than 3 totals by a detected
        # conflict is not calibrated, and the pooled scale then moves the others past them.
        without_affiliations(root)
        before = run(root, {"replicates": 0}).results
        jurors = sorted({j for j, _, _, _ in generated.score_rows})
        target = jurors[which % len(jurors)]
        rows = [
            (j, s, c, min(100.0, max(0.0, v + shift)) if j == target else v)
            for j, s, c, v in generated.score_rows
        ]
        if any(
            v + shift != min(100.0, max(0.0, v + shift))
            for j, _, _, v in generated.score_rows
            if j == target
        ):
            return  # clipped at the scale's ends: no longer a pure shift
        write_rows(root / "scores.csv", ["juror", "submission", "criterion", "score"], rows)
        after = run(root, {"replicates": 0}).results
        for d_before, d_after in zip(before.domains, after.domains, strict=True):
            # Scores move together (the pooled scale shifts); the order must not change.
            assert _same_order_where_distinct(d_before.ranking, d_after.ranking)


def test_generated_competition_is_valid(tmp_path: Path) -> None:
    write_competition(tmp_path / "g", 1)
    result = run(tmp_path / "g")
    assert [d.id for d in result.results.domains] == ["d0", "d1"]
    shutil.rmtree(tmp_path / "g")


def without_affiliations(root: Path) -> None:
    jurors = yaml.safe_load((root / "jurors.yaml").read_text())
    (root / "jurors.yaml").write_text(
        yaml.safe_dump([{**j, "affiliations": []} for j in jurors], allow_unicode=True)
    )


FAST = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
CALIBRATIONS = st.sampled_from(["raw", "zscore", "percentile", "additive", "affine"])


@FAST
@given(seed=st.integers(0, 10_000), calibration=CALIBRATIONS)
def test_removing_a_juror_who_scored_nothing_changes_nothing(seed: int, calibration: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "a"
        write_competition(root, seed, calibration=calibration)
        jurors = yaml.safe_load((root / "jurors.yaml").read_text())
        idle = {"id": "J99", "name": "Idle juror", "affiliations": []}
        (root / "jurors.yaml").write_text(yaml.safe_dump([*jurors, idle]))
        with_idle = run(root, {"replicates": 0}).results
        (root / "jurors.yaml").write_text(yaml.safe_dump(jurors))
        without = run(root, {"replicates": 0}).results
        assert substance(without) == substance(with_idle)
        assert without.winners_by_method == with_idle.winners_by_method
        assert [j for j in with_idle.jurors if j.id != "J99"] == without.jurors


@FAST
@given(seed=st.integers(0, 10_000))
def test_duplicating_the_jury_leaves_raw_and_zscore_rankings_unchanged(seed: int) -> None:
    """Every juror gets a twin with new id and the same scores: raw means are unchanged, and
    z-scores too (each juror's own mean and spread are), so the orders stay."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "a"
        generated = write_competition(root, seed, full_panels=True)
        (root / "conflicts.csv").write_text("juror,submission,reason\n")
        without_affiliations(root)
        before = {m: run(root, {"replicates": 0, "calibration": m}).results for m in RAW_Z}
        jurors = yaml.safe_load((root / "jurors.yaml").read_text())
        twins = [{**copy.deepcopy(j), "id": f"{j['id']}-twin"} for j in jurors]  # no aliases
        (root / "jurors.yaml").write_text(yaml.safe_dump(jurors + twins))
        rows = generated.score_rows + [
            (f"{j}-twin", s, c, v) for j, s, c, v in generated.score_rows
        ]
        write_rows(root / "scores.csv", ["juror", "submission", "criterion", "score"], rows)
        after = {m: run(root, {"replicates": 0, "calibration": m}).results for m in RAW_Z}
        for b, a in zip(before["raw"].domains, after["raw"].domains, strict=True):
            assert a.ranking == [
                e.model_copy(update={"n_jurors": 2 * e.n_jurors}) for e in b.ranking
            ]
        for b, a in zip(before["zscore"].domains, after["zscore"].domains, strict=True):
            # The pooled spread (ddof 1) moves a little: scores move together, order stays.
            assert [e.submission for e in a.ranking] == [
                e.submission for e in b.ranking
            ] or _same_order_where_distinct(b.ranking, a.ranking)


RAW_Z = ("raw", "zscore")


def _same_order_where_distinct(before: list[Entry], after: list[Entry]) -> bool:
    """The submissions whose score no other shares keep their order."""
    scores = [e.score for e in before if e.score is not None]
    distinct = [
        e.submission
        for e in before
        if e.score is not None and sum(abs(e.score - v) < 1e-5 for v in scores) == 1
    ]
    return [e.submission for e in after if e.submission in distinct] == distinct


@FAST
@given(
    seed=st.integers(0, 10_000),
    calibration=CALIBRATIONS,
    aggregate=st.sampled_from(["mean", "median", "trimmed"]),
)
def test_every_submission_appears_once_in_its_domains_ranking(
    seed: int, calibration: str, aggregate: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "a"
        write_competition(root, seed, n_domains=3, calibration=calibration)
        results = run(root, {"replicates": 0, "aggregate": aggregate}).results
        for domain in results.domains:
            listed = [e.submission for e in domain.ranking]
            members = sorted(s for s, sub in results.submissions.items() if sub.domain == domain.id)
            assert sorted(listed) == members  # each exactly once, none from elsewhere
            ranks = [e.rank for e in domain.ranking if e.rank is not None]
            assert ranks == list(range(1, len(ranks) + 1))


@FAST
@given(seed=st.integers(0, 10_000), calibration=CALIBRATIONS)
def test_verify_passes_on_every_generated_run(seed: int, calibration: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root, out = Path(tmp) / "a", Path(tmp) / "out"
        write_competition(root, seed, calibration=calibration)
        result = run(root, {"replicates": 20})
        given_options = {"replicates": 20}
        _, files = build_outputs(result.results, given_options, Path(result.competition.path), out)
        write_outputs(out, files)
        report = verify(out)
        assert report.exit_code(strict=True) == 0, report.text()
