"""Eligibility: thresholds on unweighted, uncalibrated means, gates from the submission files,
and lower-is-better scales."""

from __future__ import annotations

from pathlib import Path

import pytest

from grantjury import messages
from grantjury.pipeline import run
from grantjury.report import results_json
from grantjury.results import (
    DeclaredIneligible,
    NotEligible,
    ThresholdNotMet,
    TooFewJurors,
    TotalThresholdNotMet,
)
from tests.conftest import CompetitionDir, invoke, problems
from tests.handmade import by_id, write_handmade

HALF_POINTS = {"min": 0, "max": 5, "step": 0.5}
HORIZON = [
    {"id": "excellence", "scale": HALF_POINTS, "threshold": 3},
    {"id": "impact", "scale": HALF_POINTS, "threshold": 3, "weight": 3},
    {"id": "implementation", "scale": HALF_POINTS, "threshold": 3},
]
"""Horizon Europe: three criteria scored 0–5, at least 3 each and 10 of 15 overall. Impact is
weighted 3 here to show that weights order the proposals above the thresholds."""


def horizon(root: Path) -> Path:
    two = [{"id": s} for s in ("P1", "P2", "P3", "P4", "P5")]
    return write_handmade(
        root,
        criteria=HORIZON,
        rubric={"total_threshold": 10},
        domains=[{"id": "d", "winners": 2}],
        submissions=two,
        scores={
            # weighted total (e + 3i + m) / 5; unweighted sum e + i + m
            "P1": [[4.5, 4, 4], [4.5, 4, 4]],  # 4.1; 12.5
            "P2": [[2.5, 5, 5], [2.5, 5, 5]],  # 4.5; 12.5 but excellence 2.5 < 3
            "P3": [[2.5, 3, 3.5], [3.5, 3, 3.5]],  # 3.1; excellence 3 passes, sum 9.5 < 10
            "P4": [[5, 3, 5], [5, 3, 5]],  # 3.8; 13
            "P5": [[3.5, 4.5, 3], [3.5, 4.5, 3]],  # 4.0; 11
        },
    )


def test_a_criterion_below_its_threshold_is_ranked_but_not_eligible(tmp_path: Path) -> None:
    (d,) = run(horizon(tmp_path / "c")).results.domains
    p2 = by_id(d)["P2"]
    assert (p2.rank, p2.score, p2.eligible, p2.winner) == (1, 4.5, False, False)
    assert p2.ineligible_reasons == [
        ThresholdNotMet(criterion="excellence", mean=2.5, threshold=3, direction="higher")
    ]
    assert p2.decision == NotEligible()
    assert [messages.of(r) for r in p2.ineligible_reasons] == [
        "excellence: mean 2.50, needs at least 3"
    ]


def test_the_total_threshold_uses_the_sum_of_unweighted_means(tmp_path: Path) -> None:
    (d,) = run(horizon(tmp_path / "c")).results.domains
    p3 = by_id(d)["P3"]
    assert p3.criteria == {"excellence": 3.0, "impact": 3.0, "implementation": 3.5}
    assert p3.ineligible_reasons == [
        TotalThresholdNotMet(total=9.5, threshold=10, direction="higher")
    ]


def test_weights_order_the_submissions_above_the_thresholds(tmp_path: Path) -> None:
    (d,) = run(horizon(tmp_path / "c")).results.domains
    assert [e.submission for e in d.ranking] == ["P2", "P1", "P5", "P4", "P3"]
    # P4 has the higher unweighted sum (13 against 11), but impact weighs three times.
    assert d.winners == ["P1", "P5"]
    assert [e.eligible for e in d.ranking] == [False, True, True, True, False]


@pytest.mark.parametrize("calibration", ["zscore", "additive"])
def test_thresholds_ignore_calibration(tmp_path: Path, calibration: str) -> None:
    root = horizon(tmp_path / "c")
    raw = run(root).results.domains[0]
    other = run(root, {"calibration": calibration}).results.domains[0]
    reasons = {e.submission: e.ineligible_reasons for e in raw.ranking}
    assert any(reasons.values())
    assert {e.submission: e.ineligible_reasons for e in other.ranking} == reasons


NIH_SCALE = {
    "min": 1,
    "max": 9,
    "step": 1,
    "direction": "lower",
    "labels": {1: {"fr": "Exceptionnel"}, 5: {"fr": "Bon"}, 9: {"fr": "Faible"}},
}


def nih(root: Path) -> Path:
    return write_handmade(
        root,
        criteria=[
            {"id": "significance", "scale": NIH_SCALE},
            {"id": "approach", "scale": NIH_SCALE, "threshold": 5},
        ],
        rubric={"total_threshold": 9},
        domains=[{"id": "d", "winners": 1}],
        submissions=[{"id": s} for s in ("N1", "N2", "N3", "N4")],
        scores={
            "N1": [[2, 2], [2, 2]],  # 2
            "N2": [[3, 4], [4, 4]],  # 3.75; sum 7.5
            "N3": [[4, 6], [4, 7]],  # 5.25; approach 6.5 > 5, sum 10.5 > 9
            "N4": [[5, 5], [5, 4]],  # 4.75; sum 9.5 > 9
        },
    )


def test_lower_is_better_ranks_ascending(tmp_path: Path) -> None:
    (d,) = run(nih(tmp_path / "c")).results.domains
    assert d.direction == "lower"
    assert [(e.submission, e.score) for e in d.ranking] == [
        ("N1", 2.0),
        ("N2", 3.75),
        ("N4", 4.75),
        ("N3", 5.25),
    ]
    assert d.winners == ["N1"]


def test_lower_is_better_thresholds_are_maxima(tmp_path: Path) -> None:
    (d,) = run(nih(tmp_path / "c")).results.domains
    assert {e.submission: e.ineligible_reasons for e in d.ranking} == {
        "N1": [],
        "N2": [],
        "N3": [
            ThresholdNotMet(criterion="approach", mean=6.5, threshold=5, direction="lower"),
            TotalThresholdNotMet(total=10.5, threshold=9, direction="lower"),
        ],
        "N4": [TotalThresholdNotMet(total=9.5, threshold=9, direction="lower")],
    }
    assert [messages.of(r) for r in by_id(d)["N3"].ineligible_reasons] == [
        "approach: mean 6.50, needs at most 5",
        "sum of criterion means 10.50, needs at most 9",
    ]


def test_scale_labels_travel_with_the_rubric(tmp_path: Path) -> None:
    results = run(nih(tmp_path / "c")).results
    scale = results.rubrics["d"].criteria[0].scale
    assert scale.direction == "lower"
    assert scale.labels == {1: {"fr": "Exceptionnel"}, 5: {"fr": "Bon"}, 9: {"fr": "Faible"}}
    # and in results.json, labels keyed by the score as text
    assert '"labels": {\n' in results_json(results).decode()
    assert '"1.0": {\n' in results_json(results).decode()


def gated(root: Path) -> Path:
    return write_handmade(
        root,
        criteria=[{"id": "q", "scale": {"min": 0, "max": 20, "step": 1}, "threshold": 8}],
        domains=[{"id": "d", "winners": 2}],
        submissions=[
            {"id": "G1", "eligible": False, "reason": "incomplete file: budget annex missing"},
            {"id": "G2"},
            {"id": "G3", "eligible": False, "reason": "late"},
            {"id": "G4"},
        ],
        scores={"G1": [[18], [18]], "G2": [[15], [15]], "G3": [[6], [6]], "G4": [[12], [12]]},
    )


def test_a_submission_declared_not_eligible_is_ranked_and_listed(tmp_path: Path) -> None:
    results = run(gated(tmp_path / "c")).results
    (d,) = results.domains
    g1 = by_id(d)["G1"]
    assert (g1.rank, g1.eligible, g1.decision) == (1, False, NotEligible())
    assert g1.ineligible_reasons == [
        DeclaredIneligible(reason="incomplete file: budget annex missing")
    ]
    assert results.submissions["G1"].eligible is False
    assert results.submissions["G1"].reason == "incomplete file: budget annex missing"
    assert d.winners == ["G2", "G4"]


def test_a_declared_gate_and_a_failed_threshold_are_both_recorded(tmp_path: Path) -> None:
    (d,) = run(gated(tmp_path / "c")).results.domains
    assert by_id(d)["G3"].ineligible_reasons == [
        DeclaredIneligible(reason="late"),
        ThresholdNotMet(criterion="q", mean=6, threshold=8, direction="higher"),
    ]


def test_csv_submissions_carry_eligible_and_reason_columns(tmp_path: Path) -> None:
    root = gated(tmp_path / "c")
    for path in (root / "submissions").iterdir():
        path.unlink()
    (root / "submissions").rmdir()
    (root / "submissions.csv").write_text(
        "id,domain,association_id,association_name_fr,title_fr,eligible,reason\n"
        "G1,d,A1,Association 1,Projet 1,false,incomplete file\n"
        "G2,d,A2,Association 2,Projet 2,,\n"
        "G3,d,A3,Association 3,Projet 3,true,\n"
        "G4,d,A4,Association 4,Projet 4,,\n",
        encoding="utf-8",
    )
    spec = root / "competition.yaml"
    spec.write_text(
        spec.read_text().replace("submissions: submissions", "submissions: submissions.csv")
    )
    (d,) = run(root).results.domains
    assert by_id(d)["G1"].ineligible_reasons == [DeclaredIneligible(reason="incomplete file")]
    assert by_id(d)["G3"].ineligible_reasons == [
        ThresholdNotMet(criterion="q", mean=6, threshold=8, direction="higher")
    ]
    assert d.winners == ["G2", "G4"]


def test_a_rubric_mixing_directions_is_refused(mini: CompetitionDir) -> None:
    mini.replace(
        "rubric.yaml",
        "weight: 1\n    scale: {min: 0, max: 20, step: 0.5}",
        "weight: 1\n    scale: {min: 0, max: 20, step: 0.5, direction: lower}",
    )
    result = invoke("validate", mini.root)
    assert result.exit_code == 1
    (problem,) = problems(result)
    assert problem.startswith("rubric.yaml, line 1: ")
    assert problem.endswith(
        "every criterion of a rubric must have the same scale direction "
        "(all higher-is-better or all lower-is-better)"
    )


def one_juror_leader(root: Path, rule: str | None = None) -> Path:
    """S1 has the best mean but only one juror; S2 and S3 have two each."""
    method = {"calibration": "raw", "seed": 1, "replicates": 0}
    if rule is not None:
        method["min_jurors_rule"] = rule
    return write_handmade(
        root,
        criteria=[{"id": "q", "scale": {"min": 0, "max": 20}}],
        domains=[{"id": "d", "winners": 1}],
        submissions=[{"id": "S1"}, {"id": "S2"}, {"id": "S3"}],
        scores={"S1": [[19]], "S2": [[15], [16]], "S3": [[12], [13]]},
        method=method,
    )


def test_a_submission_scored_by_one_juror_cannot_win_by_default(tmp_path: Path) -> None:
    results = run(one_juror_leader(tmp_path / "c")).results
    (d,) = results.domains
    s1 = by_id(d)["S1"]
    assert (s1.rank, s1.eligible, s1.decision) == (1, False, NotEligible())
    assert s1.ineligible_reasons == [TooFewJurors(jurors=1, min_jurors=2)]
    assert messages.of(s1.ineligible_reasons[0]) == (
        "scored by 1 juror(s) without conflict, needs at least 2"
    )
    assert d.winners == ["S2"]
    assert results.options.min_jurors_rule == "gate"
    assert [n.model_dump() for n in d.warnings if n.code == "few_jurors"] == [
        {"code": "few_jurors", "submissions": ["S1"], "min_jurors": 2}
    ]


def test_the_flag_rule_lets_it_win_and_names_it(tmp_path: Path) -> None:
    (d,) = run(one_juror_leader(tmp_path / "c", rule="flag")).results.domains
    assert by_id(d)["S1"].eligible and d.winners == ["S1"]
    assert [n.code for n in d.warnings] == ["few_jurors"]


def test_the_summary_says_why_a_submission_is_not_eligible(tmp_path: Path) -> None:
    result = invoke("rank", str(one_juror_leader(tmp_path / "c")), "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    assert (
        "(not eligible: scored by 1 juror(s) without conflict, needs at least 2)" in result.output
    )
    assert "note: S1: scored by fewer than 2 jurors without conflict" in result.output
