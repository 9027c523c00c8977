"""The worked examples of docs/ rank as the documentation says."""

from __future__ import annotations

import json
from pathlib import Path

from grantjury.pipeline import run
from tests.conftest import invoke
from tests.handmade import by_id

HORIZON = Path(__file__).parent.parent / "docs" / "examples" / "horizon"


def test_horizon_example_applies_thresholds_gates_budget_and_the_chain() -> None:
    results = run(HORIZON).results
    (d,) = results["domains"]
    entries = by_id(d)
    assert [e["submission"] for e in d["ranking"]] == [
        "A1",
        "A5",
        "A2",
        "A3",
        "A7",
        "A4",
        "A8",
        "A6",
    ]
    assert {s: e["ineligible_reasons"] for s, e in entries.items() if not e["eligible"]} == {
        "A5": ["impact: mean 2.67, needs at least 3"],
        "A6": ["sum of criterion means 9.33, needs at least 10"],
        "A7": ["declared not eligible: part B exceeds the page limit"],
    }
    # A3 ties with A2 and loses on excellence; at EUR 3 million it no longer fits, so the
    # budget rule `skip` funds A4 instead and A3 heads the reserve list.
    assert d["winners"] == ["A1", "A2", "A4"]
    assert d["reserve"] == ["A3", "A8"]
    assert d["budget"] == {"envelope": 10_000_000.0, "committed": 10_000_000.0, "left": 0.0}
    (tie,) = d["ties"]
    assert (tie["submissions"], tie["mattered"], tie["settled_by"]) == (
        ["A2", "A3"],
        True,
        "criterion:excellence",
    )
    assert results["competition"]["currency"] == "EUR"
    assert entries["A1"]["p_selected"] == 1.0 and entries["A6"]["p_selected"] == 0.0


def test_horizon_example_ranks_from_the_command_line(tmp_path: Path) -> None:
    result = invoke("rank", HORIZON, "--out", tmp_path / "h")
    assert result.exit_code == 0, result.stderr
    results = json.loads((tmp_path / "h" / "results.json").read_text(encoding="utf-8"))
    assert results["domains"][0]["winners"] == ["A1", "A2", "A4"]
