"""Hostile and broken inputs: what a person sees for each, exit code 1, nothing written.

A catalogue, one test per kind of bad file, each asserting the exact message; the cases
already covered by test_validate.py (unknown ids, scales, non-numbers, duplicates, a Latin-1
CSV, aliases…) and test_cli.py (output path that is a file, foreign output folder) are not
repeated. The 200 MB scores file is generated on the fly and checked in a subprocess, for its
peak memory (marked slow).
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from grantjury.results import Results, load_results
from tests.conftest import CompetitionDir, invoke, problems

SCORES_HEADER = "juror,submission,criterion,score"


def refused(mini: CompetitionDir, tmp_path: Path, *options: str) -> list[str]:
    """Rank, expecting exit code 1, no traceback and no output folder; the listed problems."""
    out = tmp_path / "out"
    result = invoke("rank", mini.root, "--out", out, *options)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output + result.stderr
    assert not out.exists(), "nothing may be written when the inputs are invalid"
    return problems(result)


def ranks(mini: CompetitionDir, tmp_path: Path) -> Results:
    out = tmp_path / "out"
    result = invoke("rank", mini.root, "--out", out, "--replicates", "0")
    assert result.exit_code == 0, result.stderr
    return load_results(out)


# --- Empty, headless and unreadable files ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("scores.csv", "scores.csv: the file is empty; expected a header line: " + SCORES_HEADER),
        (
            "conflicts.csv",
            "conflicts.csv: the file is empty; expected a header line: juror,submission,reason",
        ),
        ("jurors.yaml", "jurors.yaml: the file is empty; expected a YAML document"),
        ("rubric.yaml", "rubric.yaml: the file is empty; expected a YAML document"),
        ("submissions/C1.yaml", "submissions/C1.yaml: the file is empty; expected a YAML document"),
        ("competition.yaml", "competition.yaml: the file is empty; expected a YAML document"),
    ],
)
@pytest.mark.parametrize("content", ["", "\n  \n\n"], ids=["empty", "blank-lines"])
def test_empty_file(mini, tmp_path, name: str, message: str, content: str) -> None:
    mini.write(name, content)
    assert refused(mini, tmp_path) == [message]


def test_scores_header_only(mini, tmp_path) -> None:
    mini.write("scores.csv", SCORES_HEADER + "\n")
    assert refused(mini, tmp_path) == [
        "scores.csv: no scores to rank: the file has a header but no score rows; "
        "expected one row per juror, submission and criterion under the header"
    ]


def test_scores_without_header(mini, tmp_path) -> None:
    mini.write("scores.csv", "".join(mini.read("scores.csv").splitlines(True)[1:]))
    assert refused(mini, tmp_path) == [
        "scores.csv, line 1: missing columns juror, submission, criterion, score; found j1, c1, "
        "relevance, 17; expected a header with juror, submission, criterion, score "
        "(separated by ',' or ';')"
    ]


def test_separators_only(mini, tmp_path) -> None:
    mini.write("scores.csv", ",,,\n , ,,\n")
    assert refused(mini, tmp_path) == [
        "scores.csv: the file holds no header line, only separators; found ',,,'; "
        "expected a header line: " + SCORES_HEADER
    ]


def test_wrong_delimiter(mini, tmp_path) -> None:
    mini.write("scores.csv", mini.read("scores.csv").replace(",", "|"))
    assert refused(mini, tmp_path) == [
        "scores.csv, line 1: missing columns juror, submission, criterion, score; "
        "found 'juror|submission|criterion|score'; expected a header with juror, submission, "
        "criterion, score (separated by ',' or ';')"
    ]


def test_tabs_quotes_and_windows_line_ends_are_read(mini, tmp_path) -> None:
    before = ranks(mini, tmp_path / "a")
    text = mini.read("scores.csv").replace(",", "\t").replace("\tJ2\t", '\t"J2"\t')
    mini.write_bytes("scores.csv", text.replace("\n", "\r\n").encode())
    after = ranks(mini, tmp_path / "b")
    assert after.domains == before.domains


def test_rows_saved_with_another_separator_are_listed_up_to_a_limit(mini, tmp_path) -> None:
    rows = [f"J1;C1;relevance;{i % 20}" for i in range(2_000)]
    mini.write("scores.csv", SCORES_HEADER + "\n" + "\n".join(rows) + "\n")
    result = invoke("rank", mini.root, "--out", tmp_path / "out")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "error: 2000 problems found in the inputs:"
    assert lines[1] == (
        "  - scores.csv, line 2: wrong number of cells; found 1; expected 4 (as in the header)"
    )
    assert len(lines) == 1 + 500 + 1
    assert lines[-1] == (
        "  … and 1500 more (the first ones usually show the mistake; fix them and run again)"
    )


def test_latin1_yaml_suggests_utf8(mini, tmp_path) -> None:
    mini.write_bytes("jurors.yaml", "- id: J1\n  name: Amina Benséddik\n".encode("latin-1"))
    assert refused(mini, tmp_path) == [
        "jurors.yaml, line 2: the file is not valid UTF-8 (perhaps Latin-1 or Windows-1252); "
        "save it as UTF-8 and try again; found byte 0xe9; expected UTF-8 text"
    ]


def test_binary_garbage(mini, tmp_path) -> None:
    mini.write_bytes("scores.csv", bytes(range(256)) * 64)
    assert refused(mini, tmp_path) == [
        "scores.csv: this is not a text file (it contains NUL bytes); expected a UTF-8 text file"
    ]


def test_binary_garbage_without_nul(mini, tmp_path) -> None:
    mini.write_bytes("scores.csv", bytes(range(1, 256)) * 64)
    assert refused(mini, tmp_path) == [
        "scores.csv, line 2: the file is not valid UTF-8 (perhaps Latin-1 or Windows-1252); "
        "save it as UTF-8 and try again; found byte 0x80; expected UTF-8 text"
    ]


def test_nul_byte_far_into_a_csv(mini, tmp_path) -> None:
    mini.append("scores.csv", "\n" * 5000 + "J1,C1,rele\x00vance,17\n")
    assert refused(mini, tmp_path) == [
        "scores.csv, line 5032: this is not a text file (it contains NUL bytes); "
        "expected a UTF-8 text file"
    ]


# --- YAML that attacks the parser ---------------------------------------------------------------


def test_yaml_bomb_is_refused(mini, tmp_path) -> None:
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):  # nine levels of nine aliases: 9**9 strings if expanded
        previous = chr(ord("a") + i - 1)
        levels.append(
            f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [{', '.join(['*' + previous] * 9)}]"
        )
    mini.write("rubric.yaml", "\n".join(levels) + "\n")
    assert refused(mini, tmp_path) == [
        "rubric.yaml, line 2: invalid YAML: YAML aliases (*name) are not allowed"
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("criteria: " + "[" * 10_000 + "]" * 10_000 + "\n", 1),
        ("".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "end\n", 20),
    ],
    ids=["flow", "block"],
)
def test_deeply_nested_yaml_is_refused(mini, tmp_path, text: str, line: int) -> None:
    mini.write("rubric.yaml", text)
    assert refused(mini, tmp_path) == [
        f"rubric.yaml, line {line}: invalid YAML: nesting deeper than 20 levels"
    ]


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "jurors.yaml",
            "  affiliations: [A3]\n",
            "  affiliations: [A3]\n  affiliations: []\n",
            "jurors.yaml, line 4: invalid YAML: the key 'affiliations' is given twice, on line "
            "3 and on line 4 (YAML would silently keep only the last one); keep one",
        ),
        (
            "submissions/C1.yaml",
            "requested_amount: 10000",
            "requested_amount: 10000\nid: C9",
            "submissions/C1.yaml, line 8: invalid YAML: the key 'id' is given twice, on line "
            "1 and on line 8 (YAML would silently keep only the last one); keep one",
        ),
        (
            "rubric.yaml",
            "scale: {min: 0, max: 20,",
            "scale: {min: 0, max: 20, min: 1,",
            "rubric.yaml, line 7: invalid YAML: the key 'min' is given twice on line 7 "
            "(YAML would silently keep only the last one); keep one",
        ),
    ],
    ids=["juror-affiliations", "submission-id", "rubric-flow-mapping"],
)
def test_duplicate_yaml_keys_are_refused(mini, tmp_path, name, old, new, message) -> None:
    mini.replace(name, old, new)
    assert refused(mini, tmp_path) == [message]


@pytest.mark.parametrize(
    ("name", "old", "new", "line"),
    [
        ("jurors.yaml", "  name: Karim", "\tname: Karim", 5),
        ("rubric.yaml", "    weight: 1\n", "  \t  weight: 1\n", 10),
    ],
    ids=["tab", "tab-among-spaces"],
)
def test_tab_in_yaml_indentation_says_to_indent_with_spaces(
    mini, tmp_path, name, old, new, line
) -> None:
    mini.replace(name, old, new)
    assert refused(mini, tmp_path) == [
        f"{name}, line {line}: invalid YAML: a tab in the indentation; indent with spaces, not tabs"
    ]


def test_impossible_date(mini, tmp_path) -> None:
    mini.replace("competition.yaml", "date: 2013-04-21", "date: 2013-02-30")
    assert refused(mini, tmp_path) == [
        "competition.yaml: invalid YAML: a value cannot be read (day is out of range for month)"
    ]


# --- Ids ----------------------------------------------------------------------------------------


def test_ids_differing_by_surrounding_spaces_are_the_same_id(mini, tmp_path) -> None:
    mini.replace("submissions/C2.yaml", "id: C2", "id: ' C1 '")
    found = refused(mini, tmp_path)
    assert (
        "submissions/C2.yaml, line 1, id: duplicate submission id; found C1; "
        "expected an id not already used (submissions/C1.yaml, line 1)"
    ) in found


def test_spaces_around_ids_in_csv_cells_are_ignored(mini, tmp_path) -> None:
    before = ranks(mini, tmp_path / "a")
    mini.replace("scores.csv", "J1,C1,relevance,17", " J1 ,\tC1 , relevance , 17 ")
    assert ranks(mini, tmp_path / "b").domains == before.domains


@pytest.mark.parametrize("first", ["=", "+", "-", "@"])
def test_an_id_that_a_spreadsheet_would_run_is_refused(mini, tmp_path, first: str) -> None:
    """Ids travel into assignments.csv and scores.csv, which are read back: they cannot take
    an apostrophe there, so an id may not start like a formula at all."""
    mini.replace("jurors.yaml", "- id: J2", f"- id: '{first}J2'")
    assert (
        f"jurors.yaml, line 4, 1.id: an id may not start with {first!r}: a spreadsheet would "
        "run it as a formula (in assignments.csv, scores.csv, ranking.csv); start it with a "
        f"letter or digit; found '{first}J2'"
    ) in refused(mini, tmp_path)


def test_cyrillic_look_alike_submission_id(mini, tmp_path) -> None:
    mini.write("submissions/X.yaml", mini.read("submissions/C3.yaml").replace("C3", "С1"))
    assert refused(mini, tmp_path) == [
        "submissions/X.yaml, line 1, id: submission id looks the same as 'C1' but is written "
        "with other characters; found С1 (С is CYRILLIC CAPITAL LETTER ES); expected ids that "
        "differ in letters (type them with the same keyboard layout)"
    ]


def test_cyrillic_look_alike_in_scores_is_pointed_out(mini, tmp_path) -> None:
    mini.replace("scores.csv", "J1,C1,relevance,17", "J1,С1,relevance,17")  # Cyrillic С
    assert refused(mini, tmp_path) == [
        "scores.csv, line 2, submission: unknown submission; found С1; expected a submission "
        "id; C1 looks the same (С is CYRILLIC CAPITAL LETTER ES)"
    ]


def test_decomposed_ids_are_the_same_id(mini, tmp_path) -> None:
    """An Arabic id typed with a separate hamza (NFD) is the id typed composed (NFC)."""
    composed = "جأ-2"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    mini.replace("jurors.yaml", "- id: J2", f"- id: {composed}")
    mini.write("scores.csv", mini.read("scores.csv").replace("J2,", f"{decomposed},"))
    mini.write("conflicts.csv", mini.read("conflicts.csv").replace("J2,", f"{decomposed},"))
    results = ranks(mini, tmp_path)
    assert composed in {j.id for j in results.jurors}
    assert composed in {e.juror for e in results.exclusions}  # J2's conflict


# --- Scores as people type them ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read"),
    [("-0", 0.0), ("١٧", 17.0), ("١٦٫٥", 16.5), ("+17", 17.0), ("17.0", 17.0)],
)
def test_scores_read_as_numbers(mini, tmp_path, typed: str, read: float) -> None:
    mini.replace("scores.csv", "J1,C1,relevance,17", f"J1,C1,relevance,{typed}")
    results = ranks(mini, tmp_path)
    entry = next(e for _, e in results.entries() if e.submission == "C1")
    assert entry.n_jurors == 3
    mini.replace("scores.csv", f"J1,C1,relevance,{typed}", f"J1,C1,relevance,{read:g}")
    again = ranks(mini, tmp_path / "again")
    assert again.domains == results.domains


@pytest.mark.parametrize("typed", ["1e309", "17 %", "0x11", "1_7", "seventeen", "١٧%"])
def test_scores_refused(mini, tmp_path, typed: str) -> None:
    mini.replace("scores.csv", "J1,C1,relevance,17", f"J1,C1,relevance,{typed}")
    assert refused(mini, tmp_path) == [
        f"scores.csv, line 2, score: the score is not a number; found {typed}; "
        "expected a finite number such as 14 or 14.5"
    ]


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "scores.csv",
            "J1,C1,relevance,17",
            "J1,c1,relevance,17",
            "scores.csv, line 2, submission: unknown submission; found c1; expected a "
            "submission id; did you mean C1? (ids are case-sensitive)",
        ),
        (
            "conflicts.csv",
            "J2,S1,",
            "J2,s1,",
            "conflicts.csv, line 2, submission: unknown submission; found s1; expected a "
            "submission id; did you mean S1? (ids are case-sensitive)",
        ),
        (
            "conflicts.csv",
            "J2,S1,",
            "j2,S1,",
            "conflicts.csv, line 2, juror: unknown juror; found j2; expected a juror id from "
            "the jurors file; did you mean J2? (ids are case-sensitive)",
        ),
    ],
    ids=["scores", "conflicts-submission", "conflicts-juror"],
)
def test_an_id_typed_in_another_case_gets_a_suggestion(mini, tmp_path, name, old, new, message):
    mini.replace(name, old, new)
    assert message in refused(mini, tmp_path)


@pytest.mark.parametrize(
    ("panel", "line"),
    [("  domains: [cultural, socail]", 8), ("  domains:\n    - cultural\n    - socail", 10)],
    ids=["flow", "block"],
)
def test_a_domain_typo_in_a_panel_names_its_own_line(mini, tmp_path, panel, line) -> None:
    mini.replace("jurors.yaml", "  domains: [cultural, social]", panel)
    assert refused(mini, tmp_path) == [
        f"jurors.yaml, line {line}, domains: unknown domain in the juror's panel; found socail; "
        "expected one of cultural, social; did you mean social?"
    ]


def test_empty_juror_cell(mini, tmp_path) -> None:
    mini.replace("scores.csv", "J1,C1,relevance,17", ",C1,relevance,17")
    assert refused(mini, tmp_path) == [
        "scores.csv, line 2, juror: unknown juror; found ''; expected a juror id from jurors.yaml"
    ]


@pytest.mark.parametrize(
    ("name", "old", "new", "where", "found"),
    [
        (
            "rubric.yaml",
            "max: 20, step",
            "max: 1.0e309, step",
            "line 7, criteria.0.scale.max",
            "'1.0e309'",
        ),
        (
            "rubric.yaml",
            "min: 0, max: 20, step: 0.5",
            "min: -.inf, max: 20, step: 0.5",
            "line 7, criteria.0.scale.min",
            "-inf",
        ),
        (
            "rubric.yaml",
            "step: 0.5}\n  - id: impact",
            "step: .nan}\n  - id: impact",
            "line 7, criteria.0.scale.step",
            "nan",
        ),
        (
            "rubric.yaml",
            "    weight: 1\n",
            "    weight: .inf\n",
            "line 10, criteria.1.weight",
            "inf",
        ),
        (
            "rubric.yaml",
            "    weight: 1\n",
            "    weight: 1\n    threshold: .NaN\n",
            "line 11, criteria.1.threshold",
            "nan",
        ),
        (
            "rubric.yaml",
            "id: mini-rubric",
            "id: mini-rubric\ntotal_threshold: .inf",
            "line 2, total_threshold",
            "inf",
        ),
        (
            "submissions/C1.yaml",
            "requested_amount: 10000",
            "requested_amount: .inf",
            "line 7, requested_amount",
            "inf",
        ),
        (
            "submissions/C1.yaml",
            "requested_amount: 10000",
            "attributes: {founded: -.inf}",
            "line 7, attributes.founded",
            "-inf",
        ),
        (
            "competition.yaml",
            "    winners: 1\n  - id: social",
            "    winners: 1\n    budget: .inf\n  - id: social",
            "line 11, domains.0.budget",
            "inf",
        ),
        (
            "competition.yaml",
            "  seed: 7",
            "  seed: 7\nselection: {cap: 1.5e999}",
            "line 21, selection.cap",
            "'1.5e999'",
        ),
    ],
    ids=[
        "scale-max-1e309",
        "scale-min",
        "step",
        "weight",
        "threshold",
        "total-threshold",
        "amount",
        "attribute",
        "budget",
        "cap",
    ],
)
def test_numbers_must_be_finite(mini, tmp_path, name, old, new, where, found) -> None:
    mini.replace(name, old, new)
    assert refused(mini, tmp_path) == [
        f"{name}, {where}: not a finite number; found {found}; "
        "expected a finite number such as 14 or 14.5"
    ]


def test_an_infinite_amount_in_a_submissions_csv_is_refused(mini, tmp_path) -> None:
    rows = [
        "id,domain,association_id,association_name_ar,association_name_fr,title_ar,title_fr,"
        "requested_amount",
    ]
    for sub in ("C1", "C2", "C3", "S1", "S2"):
        domain = "cultural" if sub.startswith("C") else "social"
        amount = "1e309" if sub == "C2" else "1000"
        rows.append(f"{sub},{domain},A{sub},a,a,t,t,{amount}")
    mini.write("submissions.csv", "\n".join(rows) + "\n")
    mini.replace("competition.yaml", "submissions: submissions/", "submissions: submissions.csv")
    found = refused(mini, tmp_path)
    assert found == [
        "submissions.csv, line 3, requested_amount: not a finite number; found '1e309'; "
        "expected a finite number such as 14 or 14.5"
    ]


@pytest.mark.parametrize(
    ("name", "old", "new", "where", "character", "at"),
    [
        (
            "submissions/C1.yaml",
            "fr: Projet C1",
            "fr: Prix \u202e81\u202c",
            "line 6, title.fr",
            "U+202E RIGHT-TO-LEFT OVERRIDE",
            6,
        ),
        (
            "jurors.yaml",
            "name: Karim",
            "name: Ka\u2067rim",
            "line 5, 1.name",
            "U+2067 RIGHT-TO-LEFT ISOLATE",
            3,
        ),
        (
            "competition.yaml",
            "fr: Marrakech}",
            "fr: \u202aMarrakech}",
            "line 4, place.fr",
            "U+202A LEFT-TO-RIGHT EMBEDDING",
            1,
        ),
        (
            "scores.csv",
            "J1,C1,relevance,17",
            "J1,C1\u2066,relevance,17",
            "line 2, submission",
            "U+2066 LEFT-TO-RIGHT ISOLATE",
            3,
        ),
        (
            "conflicts.csv",
            "family: cousin",
            "family: cou\u202dsin",
            "line 2, reason",
            "U+202D LEFT-TO-RIGHT OVERRIDE",
            12,
        ),
    ],
    ids=["title", "juror-name", "place", "scores-id", "conflict-reason"],
)
def test_bidirectional_controls_are_refused_with_their_place(
    mini, tmp_path, name, old, new, where, character, at
) -> None:
    mini.replace(name, old, new)
    assert (
        f"{name}, {where}: a bidirectional control character, {character}, at character {at} "
        "of the text: invisible, it changes the order in which the text reads; remove it; "
        "expected text without bidirectional controls (U+202A–U+202E, U+2066–U+2069)"
    ) in refused(mini, tmp_path)


# --- Files the competition points at ----------------------------------------------------------


def test_rubric_file_missing(mini, tmp_path) -> None:
    mini.replace("competition.yaml", "rubric: rubric.yaml", "rubric: rubrics/forum.yaml")
    assert refused(mini, tmp_path) == [
        "competition.yaml, rubric: rubric file not found; found rubrics/forum.yaml; "
        "expected a path relative to the competition file"
    ]


def test_domain_rubric_missing(mini, tmp_path) -> None:
    mini.replace(
        "competition.yaml",
        "    winners: 1\n  - id: social",
        "    winners: 1\n    rubric: cultural.yaml\n  - id: social",
    )
    assert refused(mini, tmp_path) == [
        "competition.yaml, domains.0.rubric: rubric file not found; found cultural.yaml; "
        "expected a path relative to the competition file"
    ]


def test_rubric_is_a_folder(mini, tmp_path) -> None:
    mini.replace("competition.yaml", "rubric: rubric.yaml", "rubric: submissions")
    assert refused(mini, tmp_path) == [
        "competition.yaml, rubric: rubric must be a file, not a folder; found submissions"
    ]


def test_rubric_pointing_back_at_the_competition(mini, tmp_path) -> None:
    mini.replace("competition.yaml", "rubric: rubric.yaml", "rubric: ./competition.yaml")
    assert refused(mini, tmp_path) == [
        "competition.yaml, rubric: the rubric cannot be the competition file itself; "
        "found ./competition.yaml; expected a rubric YAML file of its own (id, name, criteria)"
    ]


def test_submissions_folder_missing(mini, tmp_path) -> None:
    mini.replace("competition.yaml", "submissions: submissions/", "submissions: dossiers/")
    found = refused(mini, tmp_path)
    assert found[0] == (
        "competition.yaml, submissions: submissions folder or CSV file not found; "
        "found dossiers/; expected a folder of YAML files or a CSV file"
    )


@pytest.mark.parametrize(
    ("name", "special", "kind"),
    [
        ("scores.csv", "fifo", "a named pipe (FIFO)"),
        ("conflicts.csv", "/dev/zero", "a device"),
        ("submissions/C9.yaml", "fifo", "a named pipe (FIFO)"),
        ("rubric.yaml", "/dev/null", "a device"),
    ],
    ids=["scores-fifo", "conflicts-dev-zero", "submission-fifo", "rubric-dev-null"],
)
def test_special_files_are_refused_without_reading_them(
    mini, tmp_path, name: str, special: str, kind: str
) -> None:
    """A named pipe would block a reader for ever and /dev/zero never ends: both are refused
    from the kind of the open file, before a byte is read."""
    target = mini.path(name)
    target.unlink(missing_ok=True)
    if special == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(special)  # a link is followed: what counts is what it points at
    named = name if special == "fifo" else f"{name} (a link to {special})"
    assert refused(mini, tmp_path) == [
        f"{named}: this is not a regular file but {kind}; expected a regular file (save the "
        "data into a file and name that file)"
    ]


def test_assignments_linked_to_a_folder_are_refused(mini, tmp_path) -> None:
    mini.append("competition.yaml", "assignments: assignments.csv\n")
    mini.path("assignments.csv").symlink_to(mini.path("submissions"))
    assert refused(mini, tmp_path) == [
        "competition.yaml, assignments: assignments must be a file, not a folder; "
        "found assignments.csv"
    ]


@pytest.mark.parametrize("name", ["conflicts", "jurors", "submission"])
def test_files_above_their_size_limit_are_refused_before_reading(
    mini, tmp_path, monkeypatch, name: str
) -> None:
    from grantjury import loading

    monkeypatch.setitem(loading.MAX_BYTES, name, 30)
    label = {"conflicts": "conflicts.csv", "jurors": "jurors.yaml"}.get(name, "submissions/C1.yaml")
    size = mini.path(label).stat().st_size
    found = refused(mini, tmp_path)
    assert f"{label}: the file is too large; found {size} bytes; expected at most 30 bytes" in found


# --- Output folders -----------------------------------------------------------------------------


def test_output_folder_inside_a_file(mini, tmp_path) -> None:
    blocker = tmp_path / "report.pdf"
    blocker.write_text("x")
    result = invoke("rank", mini.root, "--out", blocker / "out")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {blocker}: is a file, so {blocker} cannot hold the output folder\n"
    )


def test_output_folder_not_writable(mini, tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip(
                "running as root: a read-only folder is writable anyway, so there is "
                "nothing to refuse (CI runs as root; the check runs for everyone else)"
            )
        result = invoke("rank", mini.root, "--out", locked / "out")
        assert result.exit_code == 1
        assert result.stderr == (
            f"error: {locked}: cannot write into this folder (permission denied); "
            "choose another folder with --out\n"
        )
    finally:
        locked.chmod(0o755)


def test_foreign_output_folder_is_refused_before_any_work(mini, tmp_path) -> None:
    """The refusal comes before ranking, so a national call does not compute for nothing:
    here the inputs are broken too, and the output folder is what is reported."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "budget.xlsx").write_text("precious")
    mini.write("scores.csv", "")
    result = invoke("rank", mini.root, "--out", out)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {out}: this folder holds files that are not a ")
    assert sorted(p.name for p in out.iterdir()) == ["budget.xlsx"]


# --- Long cells -----------------------------------------------------------------------------


@pytest.mark.parametrize("quoted", [True, False], ids=["quoted", "unquoted"])
def test_a_cell_over_the_limit_is_refused_with_its_line(mini, tmp_path, quoted: bool) -> None:
    from grantjury.loading import MAX_CELL_CHARS

    comment = "x" * (MAX_CELL_CHARS + 1)
    text = mini.read("scores.csv").splitlines()
    rows = [text[0] + ",comment", *(f"{line},ok" for line in text[1:])]
    rows[3] = rows[3].removesuffix(",ok") + (f',"{comment}"' if quoted else f",{comment}")
    mini.write("scores.csv", "\n".join(rows) + "\n")
    found = "" if quoted else f"; found {MAX_CELL_CHARS + 1} characters"
    close = "; check that every opening quote is closed" if quoted else ""
    assert refused(mini, tmp_path) == [
        f"scores.csv, line 4: a cell is longer than 131072 characters{found}; expected at most "
        f"131072 characters in a cell (a long text belongs in a document of its own{close})"
    ]


def test_a_long_unknown_id_is_shown_shortened(mini, tmp_path) -> None:
    mini.replace("scores.csv", "J1,C1,relevance,17", "J1," + "C" * 5000 + ",relevance,17")
    assert refused(mini, tmp_path) == [
        "scores.csv, line 2, submission: unknown submission; found "
        + "C" * 200
        + "… (5000 characters); expected a submission id"
    ]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory from /proc")
def test_a_5_mb_line_is_refused_in_bounded_memory(mini, tmp_path) -> None:
    text = mini.read("scores.csv").splitlines()
    rows = [text[0] + ",comment", *(f"{line},ok" for line in text[1:])]
    rows[1] = "J1," + "C" * (5 * 2**20) + ",relevance,17,ok"
    mini.write("scores.csv", "\n".join(rows) + "\n")
    child = (
        "from grantjury.cli import main\ntry:\n    main()\nfinally:\n"
        "    status = open('/proc/self/status').read().splitlines()\n"
        "    print(next(s for s in status if s.startswith('VmHWM:')).split()[1])\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", child, "validate", str(mini.root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 1, process.stderr
    assert "line 2: a cell is longer than 131072 characters; found 5242880" in process.stderr
    peak = int(process.stdout.split()[-1]) * 1024
    assert peak < 300 * 2**20, f"peak memory {peak / 2**20:.0f} MB"


# --- A 200 MB scores file with one bad row at the end ---------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory from /proc")
def test_large_scores_file_with_one_bad_row_at_the_end(tmp_path) -> None:
    from grantjury.secretary import simulate

    options = simulate.SimulationOptions(submissions=20_000, jurors=2_000, seed=3)
    files = simulate.render(simulate.simulate(options))
    lines = files["scores.csv"].splitlines()
    comment = ("Très bon dossier et équipe solide - الملف جيد والفريق متماسك. " * 9)[:470]
    body = [lines[0] + ",comment", *(f"{line},{comment}" for line in lines[1:])]
    body.append(f"J0001,S00001,relevance,douze,{comment}")
    files["scores.csv"] = "\n".join(body) + "\n"
    simulate.write(tmp_path / "big", files)
    size = (tmp_path / "big" / "scores.csv").stat().st_size
    assert size > 200 * 2**20
    # The child reports its own peak (VmHWM of its memory after exec): its rusage would also
    # count the pages of this test process, which it shares until exec.
    child = (
        "import sys\nfrom grantjury.cli import main\ntry:\n    main()\nfinally:\n"
        "    status = open('/proc/self/status').read().splitlines()\n"
        "    print(next(s for s in status if s.startswith('VmHWM:')).split()[1])\n"
    )
    with (tmp_path / "stderr").open("w+b") as err:  # a file: a pipe could fill and block
        process = subprocess.run(
            [sys.executable, "-c", child, "validate", str(tmp_path / "big")],
            stdout=subprocess.PIPE,
            stderr=err,
            check=False,
        )
        err.seek(0)
        stderr = err.read().decode()
    assert process.returncode == 1, stderr
    assert stderr == (
        "error: 1 problem found in the inputs:\n"
        f"  - scores.csv, line {len(body)}, score: the score is not a number; found douze; "
        "expected a finite number such as 14 or 14.5\n"
    )
    peak = int(process.stdout.decode().split()[-1]) * 1024  # VmHWM is in kB
    assert peak < 4 * size, f"peak memory {peak / 2**20:.0f} MB for a {size / 2**20:.0f} MB file"


# --- The crash log ------------------------------------------------------------------------------


def test_a_crash_log_is_a_new_private_file_never_a_shared_path(mini, tmp_path, monkeypatch) -> None:
    import re
    import stat
    import tempfile

    from grantjury import api

    def broken(path):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "validate", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    state = tmp_path / "state"
    state.mkdir()
    (state / "grantjury").symlink_to(tmp_path / "elsewhere")  # not a folder of the user's
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    planted = tmp_path / "grantjury-crash.log"  # a link an attacker left in the shared folder
    planted.symlink_to(tmp_path / "victim")
    result = invoke("validate", mini.root)
    assert result.exit_code == 70, result.output
    match = re.search(r"details in (\S+)\)", result.stderr)
    assert match, result.stderr
    log = Path(match.group(1))
    assert log.parent == tmp_path and log.name.startswith("grantjury-crash-")
    assert log.name.endswith(".log") and not log.is_symlink()
    assert "RuntimeError: boom" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert not (tmp_path / "victim").exists()
    assert not (tmp_path / "elsewhere").exists()


def test_a_crash_log_goes_into_the_users_own_state_folder(mini, tmp_path, monkeypatch) -> None:
    import re
    import stat

    from grantjury import api

    def broken(path):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "validate", broken)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    result = invoke("validate", mini.root)
    assert result.exit_code == 70, result.output
    log = Path(re.search(r"details in (\S+)\)", result.stderr).group(1))  # type: ignore[union-attr]
    assert log.parent == tmp_path / "state" / "grantjury"
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


# --- What the outputs carry -------------------------------------------------------------------


FORMULAS = {
    "C1": '=HYPERLINK("http://x","click")',
    "C2": "+1+1",
    "S1": "-2+3+cmd|' /C calc'!A0",
    "S2": "@SUM(A1)",
}


def test_formulas_in_titles_are_text_in_ranking_csv_and_kept_in_results(mini) -> None:
    import csv
    import io

    from grantjury.pipeline import run
    from grantjury.report import ranking_csv

    for sub, formula in FORMULAS.items():
        mini.replace(
            f"submissions/{sub}.yaml",
            f"fr: Projet {sub}",
            "fr: '" + formula.replace("'", "''") + "'",
        )
    mini.write("rubric.yaml", mini.read("rubric.yaml").replace("min: 0,", "min: -20,"))
    scores = mini.read("scores.csv").splitlines()
    mini.write(
        "scores.csv",
        "\n".join(
            line.replace(line.rsplit(",", 1)[1], "-" + line.rsplit(",", 1)[1])
            if ",C3," in line
            else line
            for line in scores
        )
        + "\n",
    )
    results = run(mini.root, {"replicates": 0, "calibration": "raw"}).results
    text = ranking_csv(results).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    titles = {row["submission"]: row["title_fr"] for row in rows}
    for sub, formula in FORMULAS.items():
        assert titles[sub] == "'" + formula
        assert results.submissions[sub].title["fr"] == formula  # results.json: as given
    scores = [row["score"] for row in rows]
    assert any(score.startswith("-") for score in scores), "a negative score, as a number"
    assert all(
        float(score.replace(",", ".")) == float(score.replace(",", "."))
        for score in scores
        if score
    )


@pytest.mark.parametrize(
    ("text", "written"),
    [("\tx", "'\tx"), ("\rx", "'\rx"), ("=1", "'=1"), ("a=1", "a=1"), ("", ""), ("C-1", "C-1")],
)
def test_spreadsheet_text_neutralises_only_formula_starts(text: str, written: str) -> None:
    from grantjury.safe_text import spreadsheet_text

    assert spreadsheet_text(text) == written
