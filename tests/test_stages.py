"""Two rounds: the written round's shortlist, the final round at the forum, the combination."""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grantjury.model import FinalStage, Stages
from grantjury.pipeline import load_competition, score
from grantjury.stages import written_round
from tests.conftest import invoke, problems
from tests.strategies import Drawn, competitions, write

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = Path("docs") / "examples" / "forum-stages"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the two-stage example, with the sample files its paths lead to."""
    shutil.copytree(ROOT / EXAMPLE, tmp_path / EXAMPLE)
    shutil.copytree(ROOT / "sample_submissions", tmp_path / "sample_submissions")
    shutil.copytree(ROOT / "rubrics", tmp_path / "rubrics")
    return tmp_path / EXAMPLE


def test_the_two_stage_example_ranks_the_final_round_of_the_shortlist(example: Path) -> None:
    out = example / "out"
    result = invoke("rank", example, "--out", out, "--replicates", "0")
    assert result.exit_code == 0, result.output
    assert "Two rounds: the written round shortlisted up to 5 per domain" in result.output
    results = json.loads((out / "results.json").read_text())
    record = results["stages"]
    assert record["rule"] == "final_then_written"
    assert record["final_rubric"] == "rubric-forum.yaml"
    for written, final in zip(record["written"], results["domains"], strict=True):
        assert len(written["shortlist"]) == 5
        ranked = [e["submission"] for e in final["ranking"]]
        assert sorted(ranked) == sorted(written["shortlist"])  # the final ranks the shortlist
        assert set(final["winners"]) <= set(written["shortlist"])
        assert len(written["ranking"]) > 5  # the written round ranked every submission
    assert results["rubrics"]["cultural"]["id"] == "forum-final-2013"
    assert results["rubrics"]["cultural"]["tie_break"][0] == (
        "attribute:written_round_score:higher"
    )
    paths = {i["path"] for i in results["inputs"]}
    assert {"scores-forum.csv", "jury-forum.yaml", "rubric-forum.yaml"} <= paths
    assert "../../../sample_submissions/scores.csv" in paths
    assert invoke("verify", out).exit_code == 0


def test_a_final_round_score_for_a_submission_not_shortlisted_is_refused_at_its_line(
    example: Path,
) -> None:
    scores = example / "scores-forum.csv"
    lines = scores.read_text().splitlines()
    scores.write_text("\n".join([*lines, "F01,CUL-01,presentation,5"]) + "\n")
    result = invoke("rank", example, "--out", example / "out", "--replicates", "0")
    assert result.exit_code == 1
    found = problems(result)
    assert len(found) == 1
    assert found[0].startswith(
        f"scores-forum.csv, line {len(lines) + 1}, submission: CUL-01 was not shortlisted ("
    )
    assert "in the written round of domain cultural): the final round scores only" in found[0]
    assert "expected one of the 5 shortlisted in cultural: CUL-25, CUL-04" in found[0]


def test_conflicts_apply_to_the_final_round_too(example: Path) -> None:
    jury = example / "jury-forum.yaml"
    text = jury.read_text().replace(
        '  name: {ar: "ليلى بنجلون", fr: "Leila Benjelloun"}',
        '  name: {ar: "ليلى بنجلون", fr: "Leila Benjelloun"}\n  affiliations: [A-071]',
    )
    jury.write_text(text)
    out = example / "out"
    assert invoke("rank", example, "--out", out, "--replicates", "0").exit_code == 0
    results = json.loads((out / "results.json").read_text())
    assert {(e["juror"], e["submission"], e["source"]) for e in results["exclusions"]} >= {
        ("F01", "CUL-25", "detected")
    }


def test_the_final_rounds_sheets_hold_only_its_jury_and_the_shortlist(example: Path) -> None:
    out = example / "final-sheets"
    result = invoke("sheets", example, "--out", out, "--stage", "final")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "F01.xlsx",
        "F02.xlsx",
        "F03.xlsx",
        "F04.xlsx",
        "J02.xlsx",
    ]
    import openpyxl

    sheet = openpyxl.load_workbook(out / "F01.xlsx")["Scores"]
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "CUL-25" in cells and "CUL-01" not in cells


@settings(max_examples=15, deadline=None)
@given(competitions(), st.integers(1, 4))
def test_the_shortlist_never_exceeds_n(drawn: Drawn, size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        competition = load_competition(write(drawn, Path(tmp)))
        stages = Stages(shortlist=size, final=FinalStage(rubric="final.yaml"))
        staged = dataclasses.replace(
            competition, spec=competition.spec.model_copy(update={"stages": stages})
        )
        method = competition.spec.method.model_copy(update={"replicates": 0})
        results = score(written_round(staged), method).results
    for domain in results.domains:
        assert len(domain.winners) <= size
        for sub in domain.winners:
            entry = domain.entry(sub)
            assert entry is not None and entry.eligible and entry.rank is not None
        # Nobody is left out of the shortlist while a place is free and an eligible,
        # ranked submission is waiting (per-domain places, no budget in the written round).
        waiting = [e for e in domain.ranking if e.eligible and e.rank is not None]
        assert len(domain.winners) == min(size, len(waiting))


def test_explain_and_the_minutes_show_both_rounds(example: Path) -> None:
    from grantjury.documents import build as documents
    from grantjury.results import load_results

    out = example / "out"
    assert invoke("rank", example, "--out", out, "--replicates", "0").exit_code == 0
    shown = invoke("explain", out, "CUL-25")
    assert shown.exit_code == 0, shown.output
    assert "   written round: rank 1, score " in shown.output
    assert "shortlisted; the steps above are the final round's" in shown.output
    refused = invoke("explain", out, "CUL-01")
    assert refused.exit_code == 1
    assert "CUL-01 was not shortlisted for the final round (written round of cultural" in (
        refused.stderr
    )
    html = documents.build_html(documents.KINDS["minutes"], documents.run_of(load_results(out)))
    block = html[html.index('data-block="stages"') : html.index('data-block="counts"')]
    assert "Culturel\u2069\u00a0: retenus" in block
    assert "départagées d'abord par le score du tour écrit" in block


def test_a_missing_final_round_file_is_named_by_its_key_under_stages(example: Path) -> None:
    competition = example / "competition.yaml"
    competition.write_text(
        competition.read_text().replace("rubric: rubric-forum.yaml", "rubric: rubric-final.yml")
    )
    result = invoke("rank", example, "--out", example / "out", "--replicates", "0")
    assert result.exit_code == 1
    assert problems(result) == [
        "competition.yaml, stages.final.rubric: rubric file not found; found rubric-final.yml; "
        "expected a path relative to the competition file"
    ]
