"""One test per class of input problem: the exact message, exit code 1, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CompetitionDir, invoke, problems


def check(mini: CompetitionDir, tmp_path: Path) -> list[str]:
    out = tmp_path / "out"
    result = invoke("rank", mini.root, "--out", out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output + result.stderr
    assert not out.exists(), "nothing may be written when the inputs are invalid"
    return problems(result)


def test_valid_fixture_passes(mini: CompetitionDir) -> None:
    result = invoke("validate", mini.root)
    assert result.exit_code == 0
    assert result.stdout.endswith("valid — 5 submissions, 3 jurors, 30 score rows, 2 domains\n")
    assert (
        "warning: scores.csv, line 18: juror J2 scored S1 despite a declared conflict (family): "
        "these scores are excluded" in result.stderr
    )


def test_unknown_juror_submission_criterion(mini, tmp_path) -> None:
    mini.append("scores.csv", "J9,C1,relevance,10\nJ1,C9,relevance,10\nJ1,C1,budget,10\n")
    assert check(mini, tmp_path) == [
        "scores.csv, line 32, juror: unknown juror; found J9; expected a juror id from jurors.yaml",
        "scores.csv, line 33, submission: unknown submission; found C9; expected a submission id",
        "scores.csv, line 34, criterion: unknown criterion; found 'budget'; "
        "expected one of relevance, impact (rubric of domain cultural)",
    ]


def test_all_problems_are_reported_together(mini, tmp_path) -> None:
    mini.append("scores.csv", "J9,C1,relevance,10\n")
    mini.replace("jurors.yaml", "- id: J2", "- id: J1")
    found = check(mini, tmp_path)
    assert len(found) >= 2
    assert any("duplicate juror id" in p for p in found)
    assert any("unknown juror" in p for p in found)


def test_score_outside_scale_and_off_step(mini, tmp_path) -> None:
    mini.replace("scores.csv", "J1,C1,relevance,17", "J1,C1,relevance,21")
    mini.replace("scores.csv", "J1,C1,impact,18", "J1,C1,impact,17.3")
    assert check(mini, tmp_path) == [
        "scores.csv, line 2, score: score outside the scale; found 21; "
        "expected between 0 and 20 (relevance scale)",
        "scores.csv, line 3, score: score is not on the scale's step; found 17.3; "
        "expected a multiple of 0.5 from 0 (impact scale)",
    ]


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "abc", "", "1e308x", "14%"])
def test_non_numeric_scores(mini, tmp_path, bad) -> None:
    mini.replace("scores.csv", "J1,C1,relevance,17", f"J1,C1,relevance,{bad}")
    shown = repr(bad) if bad == "" else bad
    assert check(mini, tmp_path) == [
        f"scores.csv, line 2, score: the score is not a number; found {shown}; "
        "expected a finite number such as 14 or 14.5"
    ]


def test_huge_score_is_outside_the_scale(mini, tmp_path) -> None:
    mini.replace("scores.csv", "J1,C1,relevance,17", "J1,C1,relevance,1e308")
    assert check(mini, tmp_path) == [
        "scores.csv, line 2, score: score outside the scale; found 1e+308; "
        "expected between 0 and 20 (relevance scale)"
    ]


def test_duplicate_score_row(mini, tmp_path) -> None:
    mini.append("scores.csv", "J1,C1,relevance,12\n")
    assert check(mini, tmp_path) == [
        "scores.csv, line 32: duplicate score row; found J1 / C1 / relevance again; "
        "expected one score per juror, submission and criterion (first on line 2)"
    ]


def test_duplicate_submission_id_across_files(mini, tmp_path) -> None:
    mini.write("submissions/C9.yaml", mini.read("submissions/C2.yaml"))
    assert check(mini, tmp_path) == [
        "submissions/C9.yaml, line 1, id: duplicate submission id; found C2; "
        "expected an id not already used (submissions/C2.yaml, line 1)"
    ]


def test_ids_differing_only_by_case(mini, tmp_path) -> None:
    mini.write("submissions/c2.yaml", mini.read("submissions/C2.yaml").replace("C2", "c2"))
    assert check(mini, tmp_path) == [
        "submissions/c2.yaml, line 1, id: submission id differs from 'C2' only by upper/lower "
        "case; found c2; expected ids that differ in letters"
    ]


def test_missing_required_field_names_its_line(mini, tmp_path) -> None:
    mini.replace("submissions/C1.yaml", "domain: cultural\n", "")
    assert check(mini, tmp_path) == [
        "submissions/C1.yaml, line 1, domain: required field is missing"
    ]


def test_unknown_domain_and_missing_language(mini, tmp_path) -> None:
    mini.replace("submissions/C1.yaml", "domain: cultural", "domain: culture")
    mini.replace("submissions/C2.yaml", "title: {ar: مشروع C2, fr: Projet C2}", "title: {fr: x}")
    assert check(mini, tmp_path) == [
        "submissions/C1.yaml, line 2, domain: unknown domain; found culture; "
        "expected one of cultural, social",
        "submissions/C2.yaml, line 6, title: text missing in ar; found fr; "
        "expected one entry per language: ar, fr",
    ]


def test_missing_column(mini, tmp_path) -> None:
    mini.write("scores.csv", "juror,submission,score\nJ1,C1,10\n")
    assert check(mini, tmp_path) == [
        "scores.csv, line 1: missing column criterion; found juror, submission, score; "
        "expected a header with juror, submission, criterion, score (separated by ',' or ';')"
    ]


def test_wrong_number_of_cells(mini, tmp_path) -> None:
    mini.append("scores.csv", "J1,C1\n")
    assert check(mini, tmp_path) == [
        "scores.csv, line 32: wrong number of cells; found 2; expected 4 (as in the header)"
    ]


def test_missing_file_named_by_competition(mini, tmp_path) -> None:
    mini.path("jurors.yaml").unlink()
    assert check(mini, tmp_path) == [
        "competition.yaml, jurors: jurors file not found; found jurors.yaml; "
        "expected a path relative to the competition file"
    ]


def test_folder_instead_of_file(mini, tmp_path) -> None:
    mini.replace("competition.yaml", "scores: scores.csv", "scores: submissions")
    assert check(mini, tmp_path) == [
        "competition.yaml, scores: scores must be a file, not a folder; found submissions"
    ]


def test_unknown_key_in_competition(mini, tmp_path) -> None:
    mini.replace("competition.yaml", "conflicts: conflicts.csv", "conflict: conflicts.csv")
    assert check(mini, tmp_path) == [
        "competition.yaml, line 17, conflict: unknown field (check its spelling in docs/format.md)"
    ]


def test_latin1_file_suggests_utf8(mini, tmp_path) -> None:
    mini.write_bytes(
        "conflicts.csv", "juror,submission,reason\nJ2,S1,family: cousine née\n".encode("latin-1")
    )
    assert check(mini, tmp_path) == [
        "conflicts.csv, line 2: the file is not valid UTF-8 (perhaps Latin-1 or Windows-1252); "
        "save it as UTF-8 and try again; found byte 0xe9; expected UTF-8 text"
    ]


def test_yaml_alias_refused(mini, tmp_path) -> None:
    mini.write("jurors.yaml", "- &a {id: J1, name: A}\n- *a\n")
    found = check(mini, tmp_path)
    assert found[0] == "jurors.yaml, line 2: invalid YAML: YAML aliases (*name) are not allowed"


def test_unknown_conflict_category(mini, tmp_path) -> None:
    mini.write("conflicts.csv", "juror,submission,reason\nJ2,S1,friendship\n")
    assert check(mini, tmp_path) == [
        "conflicts.csv, line 2, reason: unknown conflict category; found 'friendship'; expected "
        "one of governance, employment, family, financial, collaboration, other, optionally "
        "followed by ': a note'"
    ]


def test_competition_without_scores_validates_but_cannot_rank(mini, tmp_path) -> None:
    mini.replace("competition.yaml", "scores: scores.csv\n", "")
    assert invoke("validate", mini.root).exit_code == 0
    assert check(mini, tmp_path) == [
        "competition.yaml, scores: no scores to rank; "
        "expected a scores CSV file (juror,submission,criterion,score)"
    ]


def test_semicolon_and_decimal_comma_and_bom(mini, tmp_path) -> None:
    text = mini.read("scores.csv").replace(",", ";").replace(";17\n", ";16,5\n", 1)
    mini.write_bytes("scores.csv", b"\xef\xbb\xbf" + text.encode())
    result = invoke("rank", mini.root, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr


def test_arabic_indic_digits_are_read(mini, tmp_path) -> None:
    mini.replace("scores.csv", "J1,C1,relevance,17", "J1,C1,relevance,١٧")
    result = invoke("validate", mini.root)
    assert result.exit_code == 0, result.stderr


def test_fewer_submissions_than_winners_is_a_warning(mini, tmp_path) -> None:
    mini.replace(
        "competition.yaml", "    winners: 1\n  - id: social", "    winners: 5\n  - id: social"
    )
    result = invoke("rank", mini.root, "--out", tmp_path / "out")
    assert result.exit_code == 0
    expected = "only 3 of 5 winners can be named: too few ranked and eligible submissions"
    assert expected in result.stdout


def overall(mini: CompetitionDir, total_winners: int, cultural: str) -> None:
    """Selection mode overall, with ``cultural`` appended to the cultural domain's keys."""
    mini.replace(
        "competition.yaml",
        "    winners: 1\n  - id: social",
        f"    winners: 1\n{cultural}  - id: social",
    )
    mini.append(
        "competition.yaml", f"selection: {{mode: overall, total_winners: {total_winners}}}\n"
    )


def test_a_minimum_above_the_domains_winners_is_refused(mini, tmp_path) -> None:
    overall(mini, 2, "    minimum: 2\n")
    assert check(mini, tmp_path) == [
        "competition.yaml, domains.0.minimum: domain cultural is guaranteed more places than "
        "it may have; found minimum 2, winners 1; expected a minimum at most the domain's "
        "winners (its maximum)"
    ]


def test_minimums_above_the_total_winners_are_refused(mini, tmp_path) -> None:
    overall(mini, 0, "    minimum: 1\n")
    assert check(mini, tmp_path) == [
        "competition.yaml, selection.total_winners: the domains' minimums add up to more "
        "places than the competition has; found total_winners 0, minimums adding up to 1; "
        "expected total_winners at least the sum of the domains' minimums, or smaller minimums"
    ]


def test_a_domain_budget_in_overall_mode_is_refused(mini, tmp_path) -> None:
    overall(mini, 2, "    budget: 50000\n")
    found = check(mini, tmp_path)
    assert (
        "competition.yaml, domains.budget: a budget per domain would be ignored with selection "
        "mode overall; found a budget on cultural; expected one selection.budget for the whole "
        "competition with mode overall, or mode per_domain to fund each domain from its own "
        "budget"
    ) in found
