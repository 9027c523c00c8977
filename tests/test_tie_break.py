"""Tie-break chains end to end: criteria, requested amounts, attributes, lots, and which key
settled each tie that mattered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grantjury.pipeline import run
from grantjury.ranking import Candidate, rank_domain
from grantjury.results import DomainResults, KeyStep, LotStep, Tie, TieBreakUsed
from tests.handmade import by_id, write_handmade

HALF_POINTS = {"min": 0, "max": 5, "step": 0.5}
CRITERIA = [{"id": c, "scale": HALF_POINTS} for c in ("excellence", "impact", "implementation")]
RIA = ["criterion:excellence", "criterion:impact", "lot"]
"""Horizon Europe, research and innovation actions: Excellence, then Impact."""
IA = ["criterion:impact", "criterion:excellence", "lot"]
"""Horizon Europe, innovation actions: Impact first."""


def tied(
    root: Path,
    chain: list[str],
    *,
    h1: dict[str, Any] | None = None,
    h2: dict[str, Any] | None = None,
    winners: int = 1,
    reserve: int = 0,
    calibration: str = "raw",
) -> DomainResults:
    """H1 and H2 tie at 25/6 (H1 stronger on excellence, H2 on impact); H3 is last."""
    write_handmade(
        root,
        criteria=CRITERIA,
        domains=[{"id": "d", "winners": winners}],
        submissions=[{"id": "H1", **(h1 or {})}, {"id": "H2", **(h2 or {})}, {"id": "H3"}],
        scores={
            "H1": [[5, 4, 4], [4.5, 4, 3.5]],
            "H2": [[4, 5, 4], [4, 4.5, 3.5]],
            "H3": [[2, 2, 2], [3, 3, 3]],
        },
        method={"tie_break": chain, "calibration": calibration},
        selection={"reserve": reserve},
    )
    (domain,) = run(root).results.domains
    return domain


def test_horizon_chain_puts_excellence_first(tmp_path: Path) -> None:
    d = tied(tmp_path / "c", RIA)
    assert d.winners == ["H1"]
    assert d.ties == [
        Tie(
            submissions=["H1", "H2"],
            score=4.166667,
            ranks=(1, 2),
            steps=[KeyStep(key="criterion:excellence", values={"H1": 4.75, "H2": 4.0})],
            separated_by=["criterion:excellence"],
            mattered=True,
            settled_by="criterion:excellence",
        )
    ]
    assert by_id(d)["H1"].tie_break == TieBreakUsed(key="criterion:excellence", group=["H1", "H2"])


def test_innovation_actions_chain_puts_impact_first(tmp_path: Path) -> None:
    d = tied(tmp_path / "c", IA)
    assert [e.submission for e in d.ranking] == ["H2", "H1", "H3"]
    assert d.ties[0].settled_by == "criterion:impact"
    assert d.ties[0].steps == [KeyStep(key="criterion:impact", values={"H2": 4.75, "H1": 4.0})]


def test_criterion_keys_compare_calibrated_criterion_means(tmp_path: Path) -> None:
    d = tied(tmp_path / "c", RIA, calibration="zscore")
    entries = by_id(d)
    (step,) = d.ties[0].steps
    assert isinstance(step, KeyStep)
    assert step.values == {s: entries[s].calibrated_criteria["excellence"] for s in ("H1", "H2")}
    assert step.values["H1"] != entries["H1"].criteria["excellence"]
    assert d.winners == ["H1"]


def test_requested_amount_lower_first(tmp_path: Path) -> None:
    chain = ["requested_amount:lower", "lot"]
    d = tied(
        tmp_path / "c", chain, h1={"requested_amount": 30_000}, h2={"requested_amount": 20_000}
    )
    assert d.winners == ["H2"]
    assert d.ties[0].steps == [
        KeyStep(key="requested_amount:lower", values={"H2": 20_000.0, "H1": 30_000.0})
    ]
    assert d.ties[0].settled_by == "requested_amount:lower"


def test_attribute_with_a_target_value(tmp_path: Path) -> None:
    chain = ["attribute:women_led=yes", "lot"]
    d = tied(
        tmp_path / "c",
        chain,
        h1={"attributes": {"women_led": "no"}},
        h2={"attributes": {"women_led": "yes"}},
    )
    assert d.winners == ["H2"]
    assert d.ties[0].steps == [
        KeyStep(key="attribute:women_led=yes", values={"H2": "yes", "H1": "no"})
    ]
    tie_break = by_id(d)["H2"].tie_break
    assert tie_break is not None and tie_break.key == "attribute:women_led=yes"


def test_attribute_target_matches_an_unquoted_yaml_yes(tmp_path: Path) -> None:
    root = tmp_path / "c"
    tied(root, ["attribute:women_led=yes", "lot"])
    for sub, value in (("H1", "no"), ("H2", "yes")):
        with open(root / "submissions" / f"{sub}.yaml", "a", encoding="utf-8") as handle:
            handle.write(f"attributes:\n  women_led: {value}\n")
    (tie,) = run(root).results.domains[0].ties
    assert tie.settled_by == "attribute:women_led=yes"


def test_attribute_with_a_direction_and_a_missing_value_last(tmp_path: Path) -> None:
    d = tied(
        tmp_path / "c",
        ["attribute:previous_grants:lower", "lot"],
        h1={"attributes": {"previous_grants": 2}},
        h2={"attributes": {"previous_grants": 0}},
    )
    assert d.winners == ["H2"]
    d = tied(
        tmp_path / "e", ["attribute:founded:higher", "lot"], h2={"attributes": {"founded": 2001}}
    )
    assert d.winners == ["H2"]
    assert d.ties[0].steps == [
        KeyStep(key="attribute:founded:higher", values={"H2": 2001.0, "H1": None})
    ]


def test_attributes_from_csv_columns(tmp_path: Path) -> None:
    root = tmp_path / "c"
    tied(root, ["attribute:women_led=yes", "lot"])
    for path in (root / "submissions").iterdir():
        path.unlink()
    (root / "submissions").rmdir()
    (root / "submissions.csv").write_text(
        "id,domain,association_id,association_name_fr,title_fr,attribute_women_led\n"
        "H1,d,A1,Association 1,Projet 1,no\n"
        "H2,d,A2,Association 2,Projet 2,yes\n"
        "H3,d,A3,Association 3,Projet 3,\n",
        encoding="utf-8",
    )
    spec = root / "competition.yaml"
    spec.write_text(
        spec.read_text().replace("submissions: submissions", "submissions: submissions.csv")
    )
    assert run(root).results.domains[0].winners == ["H2"]


def test_a_lot_settles_what_the_chain_cannot_and_is_recorded(tmp_path: Path) -> None:
    d = tied(tmp_path / "c", ["n_jurors", "lot"])
    (tie,) = d.ties
    assert [s.key for s in tie.steps] == ["n_jurors", "lot"]
    lot = tie.steps[1]
    assert isinstance(lot, LotStep)
    assert lot.candidates == ["H1", "H2"] and lot.seed == 1
    assert lot.purpose == ["lot", "d", 1]
    assert lot.order == d.winners + [s for s in ("H1", "H2") if s not in d.winners]
    assert tie.settled_by == "lot" and tie.separated_by == ["lot"]


def test_a_tie_below_the_line_does_not_matter(tmp_path: Path) -> None:
    root = tmp_path / "c"
    write_handmade(
        root,
        criteria=CRITERIA,
        domains=[{"id": "d", "winners": 1}],
        submissions=[{"id": s} for s in ("H0", "H1", "H2")],
        scores={
            "H0": [[5, 5, 5], [5, 5, 5]],
            "H1": [[5, 4, 4], [4.5, 4, 3.5]],
            "H2": [[4, 5, 4], [4, 4.5, 3.5]],
        },
        method={"tie_break": RIA},
    )
    (d,) = run(root).results.domains
    assert d.ties[0].ranks == (2, 3)
    assert d.ties[0].mattered is False and d.ties[0].settled_by is None


def test_a_tie_across_the_reserve_line_matters(tmp_path: Path) -> None:
    d = tied(tmp_path / "c", RIA, winners=0, reserve=1)
    assert d.reserve == ["H1"]
    assert d.ties[0].mattered is True
    assert d.ties[0].settled_by == "criterion:excellence"


def test_a_tie_with_an_ineligible_submission_does_not_matter(tmp_path: Path) -> None:
    d = tied(tmp_path / "c", IA, h2={"eligible": False, "reason": "late"})
    assert [e.submission for e in d.ranking] == ["H2", "H1", "H3"]
    assert d.winners == ["H1"]
    assert d.ties[0].mattered is False


def test_a_tie_between_the_last_winner_and_the_first_reserve_matters(tmp_path: Path) -> None:
    d = tied(tmp_path / "c", RIA, winners=1, reserve=1)
    assert (d.winners, d.reserve) == (["H1"], ["H2"])
    assert d.ties[0].mattered is True
    assert d.ties[0].settled_by == "criterion:excellence"


def test_each_pair_of_neighbours_in_a_tie_records_the_key_between_them() -> None:
    def cand(sub: str, raw: float) -> Candidate:
        return Candidate(sub, 12.0, {"raw_mean": (raw, raw), "n_jurors": (3.0, 3)})

    ranking = rank_domain(
        "d", [cand("A", 14), cand("B", 10), cand("C", 10)], ("n_jurors", "raw_mean", "lot"), 3
    )
    (tie,) = ranking.ties
    assert tie["submissions"][0] == "A"
    assert tie["separated_by"] == ["raw_mean", "lot"]
