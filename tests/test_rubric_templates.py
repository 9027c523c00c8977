"""The rubric templates of rubrics/ load and rank a small competition as their programmes do:
Horizon Europe (research and innovation actions, innovation actions) and the NIH."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from grantjury.model import Rubric
from grantjury.pipeline import load_competition, run
from grantjury.results import DomainResults, KeyStep, ThresholdNotMet, TotalThresholdNotMet
from tests.conftest import invoke, problems
from tests.handmade import by_id, write_handmade

RUBRICS = Path(__file__).parent.parent / "rubrics"
HORIZON = ["excellence", "impact", "implementation"]
NIH = ["significance", "investigators", "innovation", "approach", "environment"]


def with_template(
    root: Path,
    template: str,
    scores: dict[str, list[list[float]]],
    winners: int = 1,
    method: dict[str, Any] | None = None,
) -> Path:
    """A one-domain competition scored on ``template`` (copied in as its rubric)."""
    ids = NIH if template == "nih.yaml" else HORIZON
    write_handmade(
        root,
        criteria=[{"id": c, "scale": {"min": 0, "max": 9}} for c in ids],
        domains=[{"id": "d", "winners": winners}],
        submissions=[{"id": s} for s in scores],
        scores=scores,
        method=method,
    )
    shutil.copy(RUBRICS / template, root / "rubric.yaml")
    return root


# Each proposal gets the same three criterion scores from three experts. Weighted totals:
#   RIA (weights 1, 1, 1)      P1 = P2 = P4 = 12.5/3, tied, below P3 = 13/3
#   IA  (weights 1, 1.5, 1)    P1 = 14.5/3.5 < P2 = 14.75/3.5 < P3 = P4 = 15/3.5, tied
PROPOSALS = {
    "P1": [4.5, 4, 4],
    "P2": [4, 4.5, 4],
    "P3": [5, 4, 4],
    "P4": [3.5, 5, 4],
    "P5": [2.5, 5, 5],  # excellence below its threshold of 3
    "P6": [3, 3, 3.5],  # every criterion passes, but the sum 9.5 is below 10
}


def horizon(root: Path, template: str, ids: list[str], winners: int = 1) -> DomainResults:
    scores = {s: [PROPOSALS[s]] * 3 for s in ids}
    # The competition's own chain is not the programme's: the rubric's must win.
    (domain,) = run(
        with_template(root, template, scores, winners, method={"tie_break": ["raw_mean"]})
    ).results.domains
    return domain


@pytest.mark.parametrize(
    ("template", "impact_weight", "chain"),
    [
        ("horizon-europe-ria.yaml", 1.0, ("criterion:excellence", "criterion:impact")),
        ("horizon-europe-ia.yaml", 1.5, ("criterion:impact", "criterion:excellence")),
    ],
)
def test_horizon_templates_hold_the_award_criteria(
    tmp_path: Path, template: str, impact_weight: float, chain: tuple[str, ...]
) -> None:
    competition = load_competition(with_template(tmp_path / "c", template, {"P1": [[4, 4, 4]]}))
    rubric = competition.rubrics["d"]
    assert [c.id for c in rubric.criteria] == HORIZON
    assert rubric.total_threshold == 10
    assert [c.weight for c in rubric.criteria] == [1.0, impact_weight, 1.0]
    for criterion in rubric.criteria:
        assert (criterion.threshold, criterion.scale.direction) == (3, "higher")
        assert (criterion.scale.min, criterion.scale.max, criterion.scale.step) == (0, 5, 0.5)
        assert criterion.scale.labels[3.0] == {"en": "Good", "fr": "Bien"}
    assert rubric.tie_break == (*chain, "attribute:gender_balance=yes", "lot")


def test_ria_thresholds_and_the_excellence_first_chain(tmp_path: Path) -> None:
    d = horizon(tmp_path / "c", "horizon-europe-ria.yaml", ["P1", "P2", "P5", "P6"])
    assert d.tie_break == [
        "criterion:excellence",
        "criterion:impact",
        "attribute:gender_balance=yes",
        "lot",
    ]
    entries = by_id(d)
    assert entries["P5"].ineligible_reasons == [
        ThresholdNotMet(criterion="excellence", mean=2.5, threshold=3, direction="higher")
    ]
    assert entries["P6"].ineligible_reasons == [
        TotalThresholdNotMet(total=9.5, threshold=10, direction="higher")
    ]
    # P5's weighted total (12.5/3) ties P1 and P2; ineligible, it could not win anyway.
    assert [e.submission for e in d.ranking] == ["P1", "P2", "P5", "P6"]
    assert d.winners == ["P1"]
    (tie,) = d.ties
    assert tie.steps[0] == KeyStep(
        key="criterion:excellence", values={"P1": 4.5, "P2": 4.0, "P5": 2.5}
    )
    assert (tie.mattered, tie.settled_by) == (True, "criterion:excellence")


def test_ia_weighs_impact_and_settles_ties_on_impact_first(tmp_path: Path) -> None:
    d = horizon(tmp_path / "c", "horizon-europe-ia.yaml", ["P1", "P2", "P3", "P4"])
    assert [e.submission for e in d.ranking] == ["P4", "P3", "P2", "P1"]
    assert by_id(d)["P4"].score == pytest.approx(15 / 3.5, abs=1e-6)
    assert d.winners == ["P4"]
    (tie,) = d.ties
    assert tie.submissions == ["P4", "P3"]
    assert (tie.mattered, tie.settled_by) == (True, "criterion:impact")


def test_ria_and_ia_order_the_same_scores_differently(tmp_path: Path) -> None:
    ria = horizon(tmp_path / "r", "horizon-europe-ria.yaml", ["P1", "P2", "P3", "P4"], 2)
    ia = horizon(tmp_path / "i", "horizon-europe-ia.yaml", ["P1", "P2", "P3", "P4"], 2)
    assert [e.submission for e in ria.ranking] == ["P3", "P1", "P2", "P4"]
    assert ria.ties[0].settled_by == "criterion:excellence"
    assert [e.submission for e in ia.ranking] == ["P4", "P3", "P2", "P1"]


def test_nih_template_ranks_lower_scores_first(tmp_path: Path) -> None:
    scores = {
        "N1": [[2, 1, 2, 3, 1], [2, 2, 1, 2, 2]],  # mean 1.8: between outstanding and excellent
        "N2": [[3, 3, 4, 4, 2], [4, 3, 3, 5, 2]],  # mean 3.3
        "N3": [[6, 5, 7, 8, 4], [7, 6, 6, 7, 5]],  # mean 6.1
    }
    results = run(with_template(tmp_path / "c", "nih.yaml", scores)).results
    (d,) = results.domains
    assert d.direction == "lower"
    assert [e.submission for e in d.ranking] == ["N1", "N2", "N3"]
    assert [e.score for e in d.ranking] == [1.8, 3.3, 6.1]
    assert d.winners == ["N1"]
    rubric = results.rubrics["d"]
    assert [c.id for c in rubric.criteria] == NIH
    for criterion in rubric.criteria:
        assert criterion.weight == 1.0 and criterion.threshold is None
        scale = criterion.scale
        assert (scale.min, scale.max, scale.step, scale.direction) == (1.0, 9.0, 1.0, "lower")
        labels = scale.labels
        assert labels is not None and len(labels) == 9
        assert labels[1.0]["en"] == "Exceptional" and labels[9.0]["en"] == "Poor"
    # No chain of its own: the competition's applies.
    assert d.tie_break == ["raw_mean", "lot"]


def test_nih_scores_off_the_scale_are_refused(tmp_path: Path) -> None:
    root = with_template(tmp_path / "c", "nih.yaml", {"N1": [[2, 1, 2, 3, 1]]})
    scores = (root / "scores.csv").read_text().replace("N1,approach,3\n", "N1,approach,2.5\n")
    (root / "scores.csv").write_text(scores)
    result = invoke("validate", root)
    assert result.exit_code == 1
    assert any("2.5" in p and "step" in p for p in problems(result)), problems(result)


def test_a_rubric_chain_must_name_the_rubrics_own_criteria() -> None:
    with pytest.raises(ValidationError, match="names no criterion of this rubric"):
        Rubric(
            id="r",
            name={"en": "r"},
            criteria=[{"id": "q", "name": {"en": "q"}, "scale": {"min": 0, "max": 5}}],
            tie_break=["criterion:impact"],
        )
    rubric = Rubric(
        id="r",
        name={"en": "r"},
        criteria=[{"id": "q", "name": {"en": "q"}, "scale": {"min": 0, "max": 5}}],
        tie_break=["criterion:q"],
    )
    assert rubric.tie_break == ("criterion:q", "lot")


def test_a_rubric_chain_replaces_the_competitions(tmp_path: Path) -> None:
    # method.tie_break names a criterion the Horizon rubric lacks: harmless while the rubric
    # has its own chain, an error once it has none.
    root = with_template(tmp_path / "c", "horizon-europe-ria.yaml", {"P1": [[4, 4, 4]]})
    text = (root / "competition.yaml").read_text()
    (root / "competition.yaml").write_text(
        text.replace("method:\n", "method:\n  tie_break: [criterion:relevance]\n", 1)
    )
    assert load_competition(root).rubrics["d"].tie_break[0] == "criterion:excellence"
    rubric = (root / "rubric.yaml").read_text()
    (root / "rubric.yaml").write_text(rubric.replace("\ntie_break:", "\n# tie_break:", 1))
    result = invoke("validate", root)
    assert result.exit_code == 1
    assert problems(result) == [
        "competition.yaml, method.tie_break: tie-break key names a criterion that the rubric "
        "of d does not have; found criterion:relevance; expected criterion:ID with an ID of "
        "every domain's rubric"
    ]
