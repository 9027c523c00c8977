"""The secretary's workflow: init, assign, sheets, collect, from the command line."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from grantjury.cli import cli
from grantjury.model import Method
from grantjury.pipeline import load_competition
from grantjury.secretary.collect import read_returns
from tests.conftest import CompetitionDir, invoke, problems

ROOT = Path(__file__).resolve().parents[1]
CRITERIA = ("relevance", "impact", "networking", "feasibility", "sustainability")

Cells = dict[tuple[str, str, str], object]
"""Values to type, by (juror, submission, criterion)."""


# --- helpers ---------------------------------------------------------------------------------


def read_scores(path: Path) -> dict[tuple[str, str, str], float]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {
            (r["juror"], r["submission"], r["criterion"]): float(r["score"])
            for r in csv.DictReader(handle)
        }


def read_pairs(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = (line for line in handle if not line.startswith("#"))  # the header's record
        return [(r["juror"], r["submission"]) for r in csv.DictReader(rows)]


def fill(
    sheets: Path,
    returned: Path,
    values: Cells,
    comments: dict[tuple[str, str], str] | None = None,
    edit: Callable[[str, object], None] | None = None,
) -> None:
    """Fill every workbook of ``sheets`` as a juror would, and save it into ``returned``."""
    returned.mkdir(exist_ok=True)
    for path in sorted(sheets.glob("*.xlsx")):
        book = load_workbook(path)
        ws = book["Scores"]
        juror = ws["A2"].value
        keys = {ws.cell(row=3, column=c).value: c for c in range(1, ws.max_column + 1)}
        for row in range(5, ws.max_row + 1):
            sub = ws.cell(row=row, column=1).value
            for criterion in CRITERIA:
                if criterion in keys and (juror, sub, criterion) in values:
                    ws.cell(row=row, column=keys[criterion], value=values[juror, sub, criterion])
            if comments and (juror, sub) in comments:
                ws.cell(row=row, column=keys["comment"], value=comments[juror, sub])
        if edit is not None:
            edit(juror, book)
        book.save(returned / path.name)


def with_assignments(comp: CompetitionDir) -> CompetitionDir:
    comp.replace(
        "competition.yaml",
        "scores: scores.csv\n",
        "scores: scores.csv\nassignments: assignments.csv\n",
    )
    return comp


# --- init ------------------------------------------------------------------------------------


def test_init_makes_a_valid_competition_that_awaits_submissions(tmp_path: Path) -> None:
    folder = tmp_path / "forum-2014"
    result = invoke("init", folder)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.md",
        "competition.yaml",
        "jurors.yaml",
        "rubric.yaml",
        "submissions",
    ]
    assert list((folder / "submissions").iterdir()) == []
    for name in ("competition.yaml", "rubric.yaml", "jurors.yaml"):
        text = (folder / name).read_text(encoding="utf-8")
        assert text.startswith("#"), name
        assert "/ " in text or "\n# " in text
    competition = (folder / "competition.yaml").read_text(encoding="utf-8")
    assert 'id: "forum-2014"' in competition
    assert "Identifiant court" in competition and "short identifier" in competition
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "## Français" in readme and "## English" in readme

    result = invoke("validate", folder)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: submissions: there are no submissions yet",
        "warning: competition.yaml, scores: the scores file scores.csv does not exist yet: "
        "grantjury collect writes it, grantjury rank needs it",
        "warning: competition.yaml, assignments: the assignments file assignments.csv does not "
        "exist yet: grantjury assign writes it",
    ]
    assert result.stdout == (
        f"{folder}: valid — 0 submissions, 3 jurors, 0 score rows, 3 domains\n"
    )


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("precious")
    result = invoke("init", folder)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {folder}: this folder is not empty; grantjury init needs a new or empty "
        "folder (it never overwrites a competition)\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_init_fills_an_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    assert invoke("init", folder).exit_code == 0
    assert (folder / "competition.yaml").is_file()


def test_scores_still_to_come_block_only_the_ranking(mini: CompetitionDir, tmp_path: Path) -> None:
    mini.path("scores.csv").unlink()
    result = invoke("validate", mini.root)
    assert result.exit_code == 0
    assert (
        "warning: competition.yaml, scores: the scores file scores.csv does not exist yet: "
        "grantjury collect writes it, grantjury rank needs it"
    ) in result.stderr.splitlines()
    result = invoke("rank", mini.root, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert problems(result) == [
        "competition.yaml, scores: scores file not found; found scores.csv; "
        "expected a path relative to the competition file"
    ]


# --- assign ----------------------------------------------------------------------------------


def test_assign_the_mini_competition(mini: CompetitionDir) -> None:
    with_assignments(mini)
    result = invoke("assign", mini.root, "--per-submission", "2")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[1] == (
        "  calibration: connectivity 1.50; a difference of two jurors' severities is known to "
        "±1.15 noise sd on average, ±1.15 at worst"
    )
    assert [line for line in lines if not line.startswith("  calibration: ")] == [
        "cultural: 3 submissions, 3 jurors, 2 per submission, loads 2–2, connected, 3 of 3 "
        "juror pairs share a submission",
        "social: 2 submissions, 3 jurors, 2 per submission, loads 1–2, connected, 2 of 3 juror "
        "pairs share a submission",
        "loads across the competition: 3–4 over 3 jurors",
        f"wrote {mini.path('assignments.csv')}: 10 assignments (seed 7), and "
        "assignments.manifest.json",
    ]
    pairs = read_pairs(mini.path("assignments.csv"))
    assert pairs == sorted(pairs) and len(set(pairs)) == 10
    # J1 belongs to A3 (C3's association); J2 declared a conflict with S1.
    assert ("J1", "C3") not in pairs and ("J2", "S1") not in pairs
    assert mini.read("assignments.csv").startswith(
        "# grantjury assign --per-submission 2 --balance competition --objective balance "
        "--seed 7\njuror,submission\n"
    )
    record = json.loads(mini.read("assignments.manifest.json"))
    assert record["command"] == "assign"
    assert record["options"] == {
        "balance": "competition",
        "cap": None,
        "max_load": None,
        "objective": "balance",
        "per_submission": 2,
        "seed": 7,
    }
    digest = "sha256:" + hashlib.sha256(mini.path("assignments.csv").read_bytes()).hexdigest()
    assert record["outputs"] == {"assignments.csv": digest}
    assert record["loads"]["bounds"] == [3, 4]


def test_assign_is_deterministic_for_a_seed(mini: CompetitionDir, tmp_path: Path) -> None:
    outputs = []
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        out = tmp_path / f"{name}.csv"
        args = ("assign", mini.root, "--per-submission", "2", "--seed", seed, "--out", out)
        assert invoke(*args).exit_code == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[2] != outputs[0]  # another seed, another draw


def test_assign_without_the_key_says_where_to_name_the_file(mini: CompetitionDir) -> None:
    result = invoke("assign", mini.root, "--per-submission", "2")
    assert result.exit_code == 0
    assert result.stderr == (
        "note: add `assignments: assignments.csv` to competition.yaml so that validate, sheets "
        "and collect use it\n"
    )
    assert mini.path("assignments.csv").is_file()


def test_infeasible_assignment_says_why_and_writes_nothing(mini: CompetitionDir) -> None:
    result = invoke("assign", mini.root, "--per-submission", "2", "--max-load", "1")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: domain cultural: 3 submissions × 2 = 6 assignments but the panel's 3 jurors can "
        "take at most 3 with --max-load 1\n"
        "domain social: 2 submissions × 2 = 4 assignments but the panel's 3 jurors can take at "
        "most 3 with --max-load 1\n"
        "nothing was written; change --per-submission, --max-load or --cap, the panels "
        "(jurors.yaml domains) or the conflicts, and try again\n"
    )
    result = invoke("assign", mini.root, "--per-submission", "3")
    assert result.exit_code == 1
    assert (
        "  - submission C3 needs 3 jurors but only 2 panel members are free of conflict with it "
        "(J2, J3)"
    ) in result.stderr.splitlines()
    assert not mini.path("assignments.csv").exists()


def test_domain_scope_keeps_a_conflicted_juror_off_the_whole_domain(mini: CompetitionDir) -> None:
    mini.append("competition.yaml", "conflict_scope: domain\n")
    result = invoke("assign", mini.root, "--per-submission", "2")
    assert result.exit_code == 0, result.stderr
    pairs = read_pairs(mini.path("assignments.csv"))
    assert not [p for p in pairs if p[0] == "J1" and p[1].startswith("C")]
    assert not [p for p in pairs if p[0] == "J2" and p[1].startswith("S")]
    assert "J1 in conflict with every submission, left out" in result.stdout


@pytest.fixture
def sample(tmp_path: Path) -> CompetitionDir:
    shutil.copytree(ROOT / "sample_submissions", tmp_path / "sample_submissions")
    shutil.copytree(ROOT / "rubrics", tmp_path / "rubrics")
    return CompetitionDir(tmp_path / "sample_submissions")


def test_assign_the_sample_respects_panels_and_conflicts(sample: CompetitionDir) -> None:
    shipped = sample.read("assignments.csv")
    result = invoke("assign", sample.root, "--per-submission", "4", "--seed", "11")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("  calibration")]
    assert lines[0].startswith("cultural: 30 submissions, 7 jurors, 4 per submission, loads ")
    assert lines[2].startswith("social: 31 submissions (SOC-31 not eligible, left out), 7 jurors")
    assert all(", connected, " in line for line in lines[:3])
    # J06 sits on the sports panel only and can take 25 of its 26 submissions at most.
    assert lines[3] == "loads across the competition: 25–30 over 12 jurors"
    assert lines[5].startswith("  not closer because loads cannot all be at least 26: juror J06")
    assert lines[-1] == (
        f"wrote {sample.path('assignments.csv')}: 348 assignments (seed 11), and "
        "assignments.manifest.json"
    )
    assert sample.read("assignments.csv") != shipped
    competition = load_competition(sample.root, require_scores=False)
    assert competition.assignments is not None
    jurors = {j.id: j for j in competition.jurors}
    subs = {s.id: s for s in competition.submissions}
    for juror, sub in read_pairs(sample.path("assignments.csv")):
        panel = jurors[juror].domains
        assert not panel or subs[sub].domain in panel
    validated = invoke("validate", sample.root)
    assert "despite a" not in validated.stderr.replace("scored CUL-24 despite", "")


def test_the_shipped_assignments_are_consistent_with_the_scores() -> None:
    result = invoke("validate", ROOT / "sample_submissions")
    assert result.exit_code == 0
    assert [line for line in result.stderr.splitlines() if "assign" in line] == [
        "warning: scores.csv, line 1635, submission: juror J12 has scores for 1 submission not "
        "assigned to them in assignments.csv: CUL-24",
        "warning: assignments.csv, line 222, submission: juror J04 has no scores for 1 assigned "
        "submission: SOC-26",
        "warning: assignments.csv, line 256, submission: juror J07 has no scores for 1 assigned "
        "submission: SPO-02",
        "warning: assignments.csv, line 65, submission: juror J12 has no scores for 1 assigned "
        "submission: CUL-16",
    ]


# --- assignments in validation ---------------------------------------------------------------


def test_assignments_are_validated(mini: CompetitionDir) -> None:
    with_assignments(mini)
    mini.write("assignments.csv", "juror,submission\nJ1,C1\nJ9,C2\nJ2,C7\nJ1,C1\nJ1,C3\n")
    result = invoke("validate", mini.root)
    assert result.exit_code == 1
    assert problems(result) == [
        "assignments.csv, line 3, juror: unknown juror; found J9; expected a juror id from "
        "jurors.yaml",
        "assignments.csv, line 4, submission: unknown submission; found C7; expected a "
        "submission id",
    ]
    mini.write("assignments.csv", "juror,submission\nJ1,C1\nJ1,C1\nJ1,C3\n")
    result = invoke("validate", mini.root)
    assert result.exit_code == 0
    warnings = result.stderr.splitlines()
    assert (
        "warning: assignments.csv, line 3: the same assignment appears twice; found J1 / C1 "
        "again; expected one line per juror and submission (first on line 2)"
    ) in warnings
    assert (
        "warning: assignments.csv, line 4, juror: juror J1 is assigned C3 despite a detected "
        "conflict (affiliation): those scores would be excluded; run grantjury assign again "
        "before the sheets go out"
    ) in warnings


def test_sheets_refuse_conflicted_assignments(mini: CompetitionDir, tmp_path: Path) -> None:
    with_assignments(mini)
    mini.write("assignments.csv", "juror,submission\nJ1,C1\nJ1,C3\nJ2,S1\n")
    result = invoke("sheets", mini.root, "--out", tmp_path / "sheets")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: 2 assignment(s) in conflict, so no sheets were made:\n"
        "  - juror J1 is assigned C3 despite a detected conflict (affiliation)\n"
        "  - juror J2 is assigned S1 despite a declared conflict (family)\n"
        "run grantjury assign again: it keeps every juror away from their conflicts\n"
    )
    assert not (tmp_path / "sheets").exists()


def test_sheets_and_collect_need_the_assignments(mini: CompetitionDir, tmp_path: Path) -> None:
    result = invoke("sheets", mini.root, "--out", tmp_path / "sheets")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: competition.yaml names no assignments file, which grantjury sheets needs: run "
        "grantjury assign, then add `assignments: assignments.csv` to competition.yaml\n"
    )
    with_assignments(mini)
    (tmp_path / "returned").mkdir()
    result = invoke("collect", mini.root, tmp_path / "returned")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: the assignments file assignments.csv does not exist yet, and grantjury collect "
        "needs it: run grantjury assign first\n"
    )


# --- sheets ----------------------------------------------------------------------------------


@pytest.fixture
def assigned(mini: CompetitionDir) -> CompetitionDir:
    """The mini competition with its jurors assigned, 2 per submission."""
    with_assignments(mini)
    assert invoke("assign", mini.root, "--per-submission", "2").exit_code == 0
    return mini


def test_sheets_are_byte_identical_across_runs(assigned: CompetitionDir, tmp_path: Path) -> None:
    for name in ("a", "b"):
        result = invoke("sheets", assigned.root, "--out", tmp_path / name)
        assert result.exit_code == 0, result.stderr
    assert result.stdout == f"wrote 3 workbooks into {tmp_path / 'b'}: J1.xlsx, J2.xlsx, J3.xlsx\n"
    for name in ("J1.xlsx", "J2.xlsx", "J3.xlsx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    with zipfile.ZipFile(tmp_path / "a" / "J1.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(2013, 4, 21, 0, 0, 0)}
    book = load_workbook(tmp_path / "a" / "J1.xlsx")
    assert book.properties.creator == "grantjury"
    assert book.properties.created == book.properties.modified == dt.datetime(2013, 4, 21)


def test_a_sheet_lists_only_the_jurors_submissions(
    assigned: CompetitionDir, tmp_path: Path
) -> None:
    invoke("sheets", assigned.root, "--out", tmp_path / "sheets")
    book = load_workbook(tmp_path / "sheets" / "J3.xlsx")
    assert book.sheetnames == ["تعليمات", "Consignes", "Scores"]
    ws = book["Scores"]
    assert ws["A2"].value == "J3"
    keys = [ws.cell(row=3, column=c).value for c in range(1, ws.max_column + 1)]
    assert keys == [
        "submission",
        "association_name_ar",
        "title_ar",
        "association_name_fr",
        "title_fr",
        "relevance",
        "impact",
        "comment",
    ]
    assert ws.row_dimensions[3].hidden
    mine = [p[1] for p in read_pairs(assigned.path("assignments.csv")) if p[0] == "J3"]
    listed = [ws.cell(row=r, column=1).value for r in range(5, ws.max_row + 1)]
    assert listed == mine
    assert [ws.cell(row=5, column=c).value for c in range(2, 6)] == [
        "جمعية A2",
        "مشروع C2",
        "Association A2",
        "Projet C2",
    ]


def test_sheets_protect_validate_and_lay_out_arabic(
    assigned: CompetitionDir, tmp_path: Path
) -> None:
    invoke("sheets", assigned.root, "--out", tmp_path / "sheets")
    book = load_workbook(tmp_path / "sheets" / "J1.xlsx")
    assert book.security.lockStructure
    arabic, french, scores = (book[name] for name in book.sheetnames)
    assert arabic.sheet_view.rightToLeft and not french.sheet_view.rightToLeft
    assert arabic["A1"].value == "مسابقة صغيرة" and arabic["A1"].alignment.readingOrder == 2
    assert "Déclaration d'absence de conflit d'intérêts" in [
        french.cell(row=r, column=1).value for r in range(1, french.max_row + 1)
    ]
    for sheet in (arabic, french, scores):
        assert sheet.protection.sheet
    assert scores["A5"].protection.locked and scores["C5"].protection.locked
    assert scores["B5"].alignment.readingOrder == 2  # Arabic association name
    assert scores["D5"].alignment.readingOrder != 2  # French association name
    last = scores.max_row
    assert last > 5 and scores[f"B{last}"].alignment.readingOrder == 2
    for column in "FGH":  # relevance, impact, comment
        assert not scores[f"{column}5"].protection.locked
        assert not scores[f"{column}{last}"].protection.locked
    assert scores[f"A{last}"].protection.locked
    rules = {str(dv.sqref): dv for dv in scores.data_validations.dataValidation}
    assert set(rules) == {f"F5:F{last}", f"G5:G{last}"}
    rule = rules[f"F5:F{last}"]
    assert rule.type == "custom" and rule.allow_blank
    assert rule.formula1 == (
        "IF(ISNUMBER(F5),AND(F5>=0,F5<=20,ABS((F5-(0))/0.5-ROUND((F5-(0))/0.5,0))<0.000001),FALSE)"
    )
    assert rule.error == "نقطة من 0 إلى 20، بخطوة 0,5\nNote de 0 à 20, par pas de 0,5"


def test_text_that_looks_like_a_formula_stays_text(
    assigned: CompetitionDir, tmp_path: Path
) -> None:
    assigned.replace("submissions/C1.yaml", "fr: Projet C1}", 'fr: "=HYPERLINK(\\"http://x\\")"}')
    invoke("sheets", assigned.root, "--out", tmp_path / "sheets")
    juror = next(j for j, s in read_pairs(assigned.path("assignments.csv")) if s == "C1")
    with zipfile.ZipFile(tmp_path / "sheets" / f"{juror}.xlsx") as archive:
        xml = archive.read("xl/worksheets/sheet3.xml").decode()
    assert "<f>" not in xml
    assert '<is><t>=HYPERLINK("http://x")</t></is>' in xml


def test_sheets_refuse_a_folder_that_is_not_empty(assigned: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "returned"
    out.mkdir()
    (out / "J1.xlsx").write_bytes(b"filled in by J1")
    result = invoke("sheets", assigned.root, "--out", out)
    assert result.exit_code == 1
    assert "this folder is not empty" in result.stderr
    assert (out / "J1.xlsx").read_bytes() == b"filled in by J1"


# --- collect ---------------------------------------------------------------------------------


@pytest.fixture
def sent(assigned: CompetitionDir, tmp_path: Path) -> tuple[CompetitionDir, Path]:
    """The mini competition assigned, its sheets made and the old scores file removed."""
    sheets = tmp_path / "sheets"
    assert invoke("sheets", assigned.root, "--out", sheets).exit_code == 0
    return assigned, sheets


def test_collect_round_trip_on_the_mini(sent: tuple[CompetitionDir, Path], tmp_path: Path) -> None:
    comp, sheets = sent
    pairs = set(read_pairs(comp.path("assignments.csv")))
    values = {
        (j, s, c): 10 + 0.5 * i
        for i, (j, s) in enumerate(sorted(pairs))
        for c in ("relevance", "impact")
    }
    fill(sheets, tmp_path / "returned", values, comments={sorted(pairs)[0]: "Très bien, جيد"})
    comp.path("scores.csv").unlink()
    result = invoke("collect", comp.root, tmp_path / "returned")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == (
        f"read 3 files from {tmp_path / 'returned'}: 20 scores from 3 of 3 jurors; "
        f"wrote {comp.path('scores.csv')}\n"
    )
    assert read_scores(comp.path("scores.csv")) == values
    text = comp.path("scores.csv").read_bytes().decode("utf-8")
    assert text.startswith("\ufeffjuror,submission,criterion,score,comment\nJ1,C1,relevance,10,")
    assert 'J1,C1,relevance,10,"Très bien, جيد"\nJ1,C1,impact,10,\n' in text
    ranked = invoke("rank", comp.root, "--out", tmp_path / "reports", "--replicates", "0")
    assert ranked.exit_code == 0, ranked.stderr


def test_collect_reports_every_bad_cell_and_writes_nothing(
    sent: tuple[CompetitionDir, Path], tmp_path: Path
) -> None:
    comp, sheets = sent
    before = comp.read("scores.csv")
    pairs = sorted(set(read_pairs(comp.path("assignments.csv"))))
    mine = [s for j, s in pairs if j == "J1"]
    values: Cells = {(j, s, c): 12 for j, s in pairs for c in ("relevance", "impact")}
    values["J1", mine[0], "relevance"] = 21
    values["J1", mine[0], "impact"] = -1
    values["J1", mine[1], "relevance"] = 14.3
    values["J1", mine[1], "impact"] = "bien"
    values["J2", "C1", "impact"] = dt.datetime(2013, 4, 21)
    fill(sheets, tmp_path / "returned", values)
    result = invoke("collect", comp.root, tmp_path / "returned")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "error: 5 problems found in the returned sheets:"
    assert problems(result) == [
        "J1.xlsx, Scores!F5: 21 is above the scale maximum 20",
        "J1.xlsx, Scores!G5: -1 is below the scale minimum 0",
        "J1.xlsx, Scores!F6: 14.3 is not on the scale's step: relevance takes multiples of 0.5 "
        "from 0",
        "J1.xlsx, Scores!G6: 'bien' is not a number",
        "J2.xlsx, Scores!G5: holds a date, not a score (the cell was formatted as a date); type "
        "the score again as a number",
    ]
    assert comp.read("scores.csv") == before


def test_collect_reads_decimal_commas_and_arabic_digits(
    sent: tuple[CompetitionDir, Path], tmp_path: Path
) -> None:
    comp, sheets = sent
    pairs = sorted(set(read_pairs(comp.path("assignments.csv"))))
    values: Cells = {(j, s, c): "14,5" for j, s in pairs for c in ("relevance", "impact")}
    values[pairs[0][0], pairs[0][1], "impact"] = "١٤٫٥"
    values[pairs[1][0], pairs[1][1], "impact"] = " ١٢ "
    fill(sheets, tmp_path / "returned", values)
    result = invoke("collect", comp.root, tmp_path / "returned")
    assert result.exit_code == 0, result.stderr
    scores = read_scores(comp.path("scores.csv"))
    assert scores[pairs[0][0], pairs[0][1], "impact"] == 14.5
    assert scores[pairs[1][0], pairs[1][1], "impact"] == 12
    assert set(scores.values()) == {14.5, 12}


def test_collect_lists_missing_sheets_and_empty_cells(
    sent: tuple[CompetitionDir, Path], tmp_path: Path
) -> None:
    comp, sheets = sent
    pairs = sorted(set(read_pairs(comp.path("assignments.csv"))))
    values: Cells = {(j, s, c): 15 for j, s in pairs for c in ("relevance", "impact")}
    first_of_j1 = next(s for j, s in pairs if j == "J1")
    second_of_j1 = [s for j, s in pairs if j == "J1"][1]
    del values["J1", first_of_j1, "relevance"], values["J1", first_of_j1, "impact"]
    del values["J1", second_of_j1, "impact"]
    fill(sheets, tmp_path / "returned", values)
    (tmp_path / "returned" / "J3.xlsx").unlink()
    (tmp_path / "returned" / "~$J1.xlsx").write_bytes(b"Excel lock file")
    (tmp_path / "returned" / "notes.txt").write_text("to do")
    result = invoke("collect", comp.root, tmp_path / "returned")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "warning: notes.txt: ignored (neither an .xlsx workbook nor a .csv file)",
        f"warning: J1.xlsx: 3 score cells still empty: Scores!F5:G5 ({first_of_j1}), "
        f"Scores!G6 ({second_of_j1} impact)",
        "warning: no sheet returned yet by 1 juror(s): J3 (Salma)",
    ]
    n_j3 = 2 * len([p for p in pairs if p[0] == "J3"])
    assert len(read_scores(comp.path("scores.csv"))) == 20 - 3 - n_j3


def test_a_sheet_for_another_juror_or_other_submissions_is_refused(
    sent: tuple[CompetitionDir, Path], tmp_path: Path
) -> None:
    comp, sheets = sent
    returned = tmp_path / "returned"

    def tamper(juror: str, book: object) -> None:
        ws = book["Scores"]  # type: ignore[index]
        if juror == "J2":
            ws["A2"] = "J3"  # J2's workbook claims to be J3's
        if juror == "J1":
            ws["A6"] = "S2"  # a submission J1 was not assigned

    fill(sheets, returned, {}, edit=tamper)
    result = invoke("collect", comp.root, returned)
    assert result.exit_code == 1
    j1 = [s for j, s in read_pairs(comp.path("assignments.csv")) if j == "J1"]
    assert "S2" not in j1
    j3 = [s for j, s in read_pairs(comp.path("assignments.csv")) if j == "J3"]
    j2 = [s for j, s in read_pairs(comp.path("assignments.csv")) if j == "J2"]
    assert problems(result) == [
        "J1.xlsx, Scores!A6: S2 is not assigned to juror J1 in assignments.csv",
        f"J1.xlsx, Scores: {j1[1]} is assigned to juror J1 in assignments.csv but missing from "
        "the sheet",
        *(
            f"J2.xlsx, Scores!A{row}: {sub} is not assigned to juror J3 in assignments.csv"
            for row, sub in enumerate(j2, start=5)
            if sub not in j3
        ),
        f"J2.xlsx, Scores: {', '.join(s for s in j3 if s not in j2)} are assigned to juror J3 "
        "in assignments.csv but missing from the sheet",
        "J3.xlsx: a second workbook for juror J3 (the first is J2.xlsx); keep one",
    ]


def test_a_workbook_of_an_unknown_juror_is_refused(
    sent: tuple[CompetitionDir, Path], tmp_path: Path
) -> None:
    comp, sheets = sent

    def rename(juror: str, book: object) -> None:
        if juror == "J1":
            book["Scores"]["A2"] = "J9"  # type: ignore[index]

    fill(sheets, tmp_path / "returned", {}, edit=rename)
    (tmp_path / "returned" / "broken.xlsx").write_bytes(b"not a zip")
    result = invoke("collect", comp.root, tmp_path / "returned")
    assert problems(result) == [
        "J1.xlsx, Scores!A2: 'J9' is not a juror of this competition",
        "broken.xlsx: this is not an .xlsx workbook (an .xlsx file is a zip archive, this file "
        "is not: another file renamed, or one cut off in transfer); ask the juror to send the "
        ".xlsx file again",
    ]


def test_collect_takes_csv_files_in_the_scores_format(
    sent: tuple[CompetitionDir, Path], tmp_path: Path
) -> None:
    comp, _ = sent
    pairs = sorted(set(read_pairs(comp.path("assignments.csv"))))
    returned = tmp_path / "returned"
    returned.mkdir()
    j3 = [s for j, s in pairs if j == "J3"]
    rows = [f"J3;{s};{c};13,5;" for s in j3 for c in ("relevance", "impact")]
    (returned / "J3.csv").write_text(
        "juror;submission;criterion;score;comment\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    result = invoke("collect", comp.root, returned)
    assert result.exit_code == 0, result.stderr
    assert set(read_scores(comp.path("scores.csv")).values()) == {13.5}
    assert (
        result.stderr
        == "warning: no sheet returned yet by 2 juror(s): J1 (أمينة / Amina), J2 (Karim)\n"
    )
    (returned / "late.csv").write_text(
        "juror,submission,criterion,score\nJ3,S9,relevance,12\n"
        f"J3,{j3[0]},originality,12\nJ3,{j3[0]},relevance,25\n",
        encoding="utf-8",
    )
    result = invoke("collect", comp.root, returned)
    assert result.exit_code == 1
    assert problems(result) == [
        "late.csv, line 2: juror 'J3' is not assigned 'S9' in assignments.csv",
        f"late.csv, line 3, criterion: 'originality' is not a criterion of the rubric of "
        f"{j3[0]} (expected one of relevance, impact)",
        "late.csv, line 4, score: 25 is above the scale maximum 20",
    ]


def test_collect_refuses_a_score_given_twice(
    sent: tuple[CompetitionDir, Path], tmp_path: Path
) -> None:
    comp, sheets = sent
    pairs = sorted(set(read_pairs(comp.path("assignments.csv"))))
    j1 = [s for j, s in pairs if j == "J1"]
    fill(sheets, tmp_path / "returned", {("J1", j1[0], "relevance"): 12})
    (tmp_path / "returned" / "extra.csv").write_text(
        f"juror,submission,criterion,score\nJ1,{j1[0]},relevance,13\n", encoding="utf-8"
    )
    result = invoke("collect", comp.root, tmp_path / "returned")
    assert problems(result) == [
        f"extra.csv, line 2: J1 / {j1[0]} / relevance is scored twice (also in J1.xlsx, Scores!F5)"
    ]


def test_collect_with_only_the_sheets_folder(
    sent: tuple[CompetitionDir, Path], monkeypatch
) -> None:
    comp, sheets = sent
    monkeypatch.chdir(comp.root)
    result = invoke("collect", sheets)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"read 3 files from {sheets}: 0 scores from 3 of 3 jurors")


# --- the sample, from sheets to scores -------------------------------------------------------


def test_sample_round_trip_reproduces_the_scores(sample: CompetitionDir, tmp_path: Path) -> None:
    """Sheets for the sample's shipped assignments, filled with its scores, collect back to
    exactly the scores of assigned pairs (J12 scored CUL-24 without being assigned it)."""
    sheets = tmp_path / "sheets"
    result = invoke("sheets", sample.root, "--out", sheets)
    assert result.exit_code == 0, result.stderr
    scores = read_scores(sample.path("scores.csv"))
    fill(sheets, tmp_path / "returned", scores)
    out = tmp_path / "collected.csv"
    result = invoke("collect", sample.root, tmp_path / "returned", "--out", out)
    assert result.exit_code == 0, result.stderr
    assigned = set(read_pairs(sample.path("assignments.csv")))
    assert read_scores(out) == {k: v for k, v in scores.items() if k[:2] in assigned}
    assert result.stderr.splitlines() == [
        "warning: J01.xlsx: 2 score cells still empty: Scores!I23 (SOC-02 feasibility), "
        "Scores!J23 (SOC-02 sustainability)",
        "warning: J04.xlsx: 5 score cells still empty: Scores!F37:J37 (SOC-26)",
        "warning: J07.xlsx: 5 score cells still empty: Scores!F24:J24 (SPO-02)",
        "warning: J12.xlsx: 5 score cells still empty: Scores!F13:J13 (CUL-16)",
    ]


# --- from an empty folder to the ranking --------------------------------------------------------


def test_from_an_empty_folder_to_the_ranking(tmp_path: Path) -> None:
    folder = tmp_path / "forum"
    assert invoke("init", folder).exit_code == 0
    for domain, prefix in (("cultural", "CUL"), ("sports", "SPO"), ("social", "SOC")):
        for i in range(1, 5):
            (folder / "submissions" / f"{prefix}-{i:02d}.yaml").write_text(
                f"id: {prefix}-{i:02d}\ndomain: {domain}\nassociation:\n  id: A-{prefix}{i}\n"
                f"  name: {{ar: جمعية {i}, fr: Association {prefix} {i}}}\n"
                f"title: {{ar: مشروع {i}, fr: Projet {prefix} {i}}}\n",
                encoding="utf-8",
            )
    assert invoke("validate", folder).exit_code == 0
    result = invoke("assign", folder, "--per-submission", "2")
    assert result.exit_code == 0, result.stderr
    assert invoke("sheets", folder, "--out", folder / "sheets").exit_code == 0
    pairs = read_pairs(folder / "assignments.csv")
    criteria = ("relevance", "impact", "feasibility", "sustainability")
    values = {
        (j, s, c): float(8 + (3 * i + len(c)) % 12)
        for i, (j, s) in enumerate(pairs)
        for c in criteria
    }

    def fill_all(juror: str, book: object) -> None:
        ws = book["Scores"]  # type: ignore[index]
        keys = {ws.cell(row=3, column=c).value: c for c in range(1, ws.max_column + 1)}
        for row in range(5, ws.max_row + 1):
            sub = ws.cell(row=row, column=1).value
            for criterion in criteria:
                ws.cell(row=row, column=keys[criterion], value=values[juror, sub, criterion])

    fill(folder / "sheets", folder / "returned", {}, edit=fill_all)
    result = invoke("collect", folder, folder / "returned")
    assert result.exit_code == 0, result.stderr
    assert read_scores(folder / "scores.csv") == values
    result = invoke("validate", folder)
    assert result.exit_code == 0 and result.stderr == ""
    result = invoke("rank", folder, "--out", folder / "reports", "--replicates", "0")
    assert result.exit_code == 0, result.stderr
    assert "9 winners" in result.stdout


# --- documentation ---------------------------------------------------------------------------


def test_the_readme_walkthrough_uses_real_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From an empty folder to the ceremony", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    commands = [line.split()[1] for line in block.group(1).splitlines() if line.strip()]
    assert commands == [
        "init",
        "validate",
        "assign",
        "sheets",
        "collect",
        "lock",
        "rank",
        "agenda",
        "rank",
        "render",
    ]
    assert set(commands) <= set(cli.commands)


def test_read_returns_is_usable_without_the_command_line(
    sent: tuple[CompetitionDir, Path],
) -> None:
    comp, sheets = sent
    competition = load_competition(comp.root, require_scores=False)
    collected = read_returns(competition, sheets, "assignments.csv")
    assert collected.rows == ()
    assert collected.jurors == ("J1", "J2", "J3")
    assert len(collected.warnings) == 3


def test_the_starter_uses_the_engines_default_method(tmp_path: Path) -> None:
    """A new competition starts from the defaults the benchmark chose (docs/calibration.md)."""
    assert invoke("init", tmp_path / "new").exit_code == 0
    starter = yaml.safe_load((tmp_path / "new" / "competition.yaml").read_text(encoding="utf-8"))
    assert starter["method"]["calibration"] == "hetero"
    defaults = Method()
    for key, value in starter.get("method", {}).items():
        if key in ("calibration", "aggregate", "replicates", "uncertainty"):
            assert value == getattr(defaults, key), key


# --- collect: what a returned file may really be ---------------------------------------------


def all_scores(comp: CompetitionDir) -> Cells:
    """A score of 12 in every cell of the mini's rubric (relevance, impact)."""
    pairs = read_pairs(comp.path("assignments.csv"))
    return {(j, s, c): 12 for j, s in pairs for c in ("relevance", "impact")}


def test_a_formula_in_a_score_cell_is_an_error_naming_the_cell(
    sent: tuple[CompetitionDir, Path], tmp_path: Path
) -> None:
    comp, sheets = sent

    cells: list[str] = []

    def formulas(juror: str, book: object) -> None:
        if juror == "J1":
            ws = book["Scores"]  # type: ignore[index]
            keys = {ws.cell(row=3, column=c).value: c for c in range(1, ws.max_column + 1)}
            for row, (key, formula) in enumerate([("relevance", "=A2"), ("impact", "=1/0")], 5):
                cell = ws.cell(row=row, column=keys[key], value=formula)
                cells.append(cell.coordinate)

    fill(sheets, tmp_path / "returned", all_scores(comp), edit=formulas)
    result = invoke("collect", comp.root, tmp_path / "returned")
    assert result.exit_code == 1
    assert problems(result) == [
        f"J1.xlsx, Scores!{cells[0]}: holds a formula (=A2) where a score is expected; type the "
        "value itself (grantjury reads what is typed, not what a formula computes)",
        f"J1.xlsx, Scores!{cells[1]}: holds a formula (=1/0) where a score is expected; type the "
        "value itself (grantjury reads what is typed, not what a formula computes)",
    ]
    assert not comp.path("scores.csv").exists() or "=A2" not in comp.read("scores.csv")


def test_a_stray_cell_at_the_last_row_costs_nothing(
    sent: tuple[CompetitionDir, Path], tmp_path: Path
) -> None:
    """Read-only streaming reads the rows a sheet stores, not every row up to the last one
    (the old reader walked 1,048,576 rows with ``ws.cell``: 45 s and 350 MB). Memory is
    measured in child processes, one collecting the sheets as sent and one with a stray cell
    at the foot of every sheet: the stray cells may not cost more than a few megabytes."""
    comp, sheets = sent

    def stray(juror: str, book: object) -> None:
        book["Scores"]["A1048576"] = " "  # type: ignore[index]
        book["Scores"]["XFD1048575"] = "x"  # type: ignore[index]

    fill(sheets, tmp_path / "plain", all_scores(comp))
    fill(sheets, tmp_path / "stray", all_scores(comp), edit=stray)
    peaks = {}
    for name in ("plain", "stray"):
        script = (
            "import resource, sys\n"
            "from grantjury.cli import cli\n"
            "try:\n"
            f"    cli.main(['collect', {str(comp.root)!r}, {str(tmp_path / name)!r}])\n"
            "except SystemExit as exit:\n"
            "    code = exit.code\n"
            "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024\n"
            "print('peak', peak, file=sys.stderr)\n"
            "sys.exit(code)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
        )
        assert done.returncode == 0, done.stderr  # text outside the table is not a score
        assert read_scores(comp.path("scores.csv")) == all_scores(comp)
        peaks[name] = int(re.search(r"peak (\d+)", done.stderr).group(1))  # type: ignore[union-attr]
    assert peaks["stray"] - peaks["plain"] < 32, f"stray cells cost {peaks} MB"


def zip_of(parts: dict[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "an Excel 97–2003 (.xls) file renamed .xlsx, or a workbook protected by a password",
        ),
        (
            zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "an OpenDocument spreadsheet (.ods) renamed .xlsx",
        ),
        (zip_of({"word/document.xml": b"<w/>"}), "a zip archive but not an Excel workbook"),
        (b"PK\x03\x04" + bytes(40), "the workbook is damaged (its zip archive is broken"),
        (
            zip_of({"xl/workbook.xml": b"<workbook", "[Content_Types].xml": b"<"}),
            "the workbook is damaged (a part of it cannot be read)",
        ),
        (
            zip_of({"xl/workbook.xml": b"<w/>", "xl/big.bin": bytes(300 * 2**20)}),
            "the workbook unpacks to 300 MB, more than the 256 MB a score sheet could need",
        ),
    ],
    ids=["xls", "ods", "docx", "truncated", "damaged", "zip-bomb"],
)
def test_a_file_that_is_not_a_workbook_is_named_for_what_it_is(
    sent: tuple[CompetitionDir, Path], tmp_path: Path, content: bytes, expected: str
) -> None:
    comp, sheets = sent
    fill(sheets, tmp_path / "returned", all_scores(comp))
    (tmp_path / "returned" / "J4.xlsx").write_bytes(content)
    result = invoke("collect", comp.root, tmp_path / "returned")
    assert result.exit_code == 1
    (problem,) = problems(result)
    assert problem.startswith("J4.xlsx: " + expected), problem
    assert "Error" not in problem  # no internal exception name


def test_a_score_sheet_saved_as_csv_is_recognised(
    sent: tuple[CompetitionDir, Path], tmp_path: Path
) -> None:
    comp, sheets = sent
    fill(sheets, tmp_path / "returned", all_scores(comp))
    book = load_workbook(tmp_path / "returned" / "J2.xlsx")
    ws = book["Scores"]
    rows = [[("" if v is None else str(v)) for v in row] for row in ws.iter_rows(values_only=True)]
    (tmp_path / "returned" / "J2.xlsx").unlink()
    with (tmp_path / "returned" / "J2.csv").open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    result = invoke("collect", comp.root, tmp_path / "returned")
    assert result.exit_code == 1
    assert problems(result) == [
        "J2.csv: this looks like a grantjury score sheet saved as CSV (a spreadsheet saves one "
        "sheet that way and drops its checks); send back the .xlsx file itself, filled in, and "
        "collect again"
    ]


# --- re-assigning after the sheets went out --------------------------------------------------


def test_assigning_again_after_the_sheets_went_out_needs_force(
    sent: tuple[CompetitionDir, Path], tmp_path: Path
) -> None:
    comp, _sheets = sent
    before = comp.read("assignments.csv")
    again = invoke("assign", comp.root, "--per-submission", "2", "--seed", "99")
    assert again.exit_code == 1
    assert "score sheets were made from these assignments" in again.stderr
    assert "--force" in again.stderr
    assert comp.read("assignments.csv") == before  # nothing replaced

    same = invoke("assign", comp.root, "--per-submission", "2")  # the same assignment
    assert same.exit_code == 0, same.stderr

    forced = invoke("assign", comp.root, "--per-submission", "2", "--seed", "99", "--force")
    assert forced.exit_code == 0, forced.stderr
    kept = sorted(comp.root.glob("assignments.replaced-*.csv"))
    assert [p.read_text(encoding="utf-8") for p in kept] == [before]
    assert f"it is kept as {kept[0].name}" in forced.stderr
    assert comp.read("assignments.csv") != before


def test_collect_names_a_reassignment_as_the_cause(
    sent: tuple[CompetitionDir, Path], tmp_path: Path
) -> None:
    comp, sheets = sent
    fill(sheets, tmp_path / "returned", all_scores(comp))
    forced = invoke("assign", comp.root, "--per-submission", "2", "--seed", "99", "--force")
    assert forced.exit_code == 0, forced.stderr
    (kept,) = comp.root.glob("assignments.replaced-*.csv")
    result = invoke("collect", comp.root, tmp_path / "returned")
    assert result.exit_code == 1
    found = problems(result)
    assert len(found) == 3  # one line per workbook, not one per differing submission
    assert found[0].startswith(
        "J1.xlsx: was made from other assignments than the current assignments.csv: the sheets "
        f"came from the assignments with digest {kept.stem.rsplit('-', 1)[1]} (kept by "
        f"grantjury assign as {kept.name}), and assignments.csv was assigned again"
    )
    kept.replace(comp.path("assignments.csv"))  # put back the file the sheets came from
    assert invoke("collect", comp.root, tmp_path / "returned").exit_code == 0


def test_assign_checks_every_row_of_an_affinity_file(mini: CompetitionDir) -> None:
    (mini.root / "affinity.csv").write_text(
        "juror,submission,affinity\nJ1,C1,0.5\nJ9,C1,0.5\nJ2,C2,-1\nJ1,C1,0.7\n", encoding="utf-8"
    )
    result = invoke(
        "assign",
        mini.root,
        "--per-submission",
        "2",
        "--affinity",
        mini.path("affinity.csv"),
        "--objective",
        "affinity",
        "--out",
        mini.path("out.csv"),
    )
    assert result.exit_code == 1
    assert [p.split(", ", 1)[1] for p in problems(result)] == [
        "line 3, juror: unknown juror; found 'J9'; expected a juror id of the jurors file; "
        "correct the id or add the juror",
        "line 4, affinity: not an affinity; found '-1'; expected a finite number at least 0, "
        "such as 0.8 (leave a pair out for 0)",
        "line 5, submission: the pair J1, C1 is given twice (first on line 2); found J1,C1; "
        "expected one line per pair; remove one of them",
    ]
    assert not mini.path("out.csv").exists()


def test_assign_with_affinity_constraints_and_a_cap_records_its_options(
    mini: CompetitionDir,
) -> None:
    (mini.root / "affinity.csv").write_text(
        "juror,submission,affinity\nJ1,C1,0.9\nJ3,C2,0.8\nJ2,S2,0.4\n", encoding="utf-8"
    )
    (mini.root / "constraints.yaml").write_text("never_together:\n  - [J1, J3]\n", encoding="utf-8")
    out = mini.path("out.csv")
    result = invoke(
        "assign",
        mini.root,
        "--per-submission",
        "1",
        "--affinity",
        mini.path("affinity.csv"),
        "--objective",
        "fair",
        "--constraints",
        mini.path("constraints.yaml"),
        "--out",
        out,
    )
    assert result.exit_code == 0, result.stderr
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith(
        "# grantjury assign --per-submission 1 --balance competition --objective fair --seed 7 "
        "--affinity affinity.csv (sha256:"
    )
    assert "--constraints constraints.yaml (sha256:" in header
    record = json.loads(mini.path("out.manifest.json").read_text(encoding="utf-8"))
    assert record["options"]["constraints_file"] == "constraints.yaml"
    assert all("affinity" in domain for domain in record["domains"])
    capped = invoke(
        "assign",
        mini.root,
        "--per-submission",
        "1",
        "--affinity",
        mini.path("affinity.csv"),
        "--cap",
        "0.5",
        "--out",
        out,
    )
    assert capped.exit_code == 0, capped.stderr
    assert "randomised with cap 0.5" in capped.stdout
    misuse = invoke("assign", mini.root, "--per-submission", "1", "--objective", "fair")
    assert misuse.exit_code == 2
