"""Invariants that must hold for every competition (hypothesis over generated files)."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grantjury.pipeline import run
from tests.generate import write_competition, write_rows

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def without_inputs(results: dict) -> dict:
    return {k: v for k, v in results.items() if k != "inputs"}


def substance(results: dict) -> dict:
    """What a result means: rankings, scores, winners, exclusions (not digests or warnings)."""
    return {
        "domains": [
            {k: d[k] for k in ("id", "winners", "ranking", "ties")} for d in results["domains"]
        ],
        "exclusions": results["exclusions"],
        "conflicts": results["conflicts"],
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
        assert after["jurors"] == before["jurors"]
        assert (
            {f["path"] for f in after["inputs"]} - {f["path"] for f in before["inputs"]}
            or after["inputs"] != before["inputs"]
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
        excluded = {(e["juror"], e["submission"]) for e in before["exclusions"]}
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
        for d_before, d_after in zip(before["domains"], after["domains"], strict=True):
            # Scores move together (the pooled scale shifts); the order must not change.
            scores = [e["score"] for e in d_before["ranking"]]
            distinct = [
                e["submission"]
                for e in d_before["ranking"]
                if sum(abs(e["score"] - v) < 1e-5 for v in scores) == 1
            ]
            order_after = [
                e["submission"] for e in d_after["ranking"] if e["submission"] in distinct
            ]
            assert order_after == distinct


def test_generated_competition_is_valid(tmp_path: Path) -> None:
    write_competition(tmp_path / "g", 1)
    result = run(tmp_path / "g")
    assert [d["id"] for d in result.results["domains"]] == ["d0", "d1"]
    shutil.rmtree(tmp_path / "g")
