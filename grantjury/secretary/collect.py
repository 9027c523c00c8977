"""Collect stage: read the returned score sheets (and CSV files) into scores.csv rows.

Every cell is checked against its criterion's scale and step; each problem names the
workbook, the sheet and the cell (``J03.xlsx, Scores!D7: 12 is above the scale maximum 10``)
or the CSV file and line. All problems are gathered before anything is raised, so nothing is
written while one is left; empty cells and jurors who returned nothing are warnings.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import GrantjuryError, Problem, ProblemLog
from ..loading import read_csv
from ..model import Competition, Criterion
from ..safe_text import spreadsheet_text
from ..validate import parse_number
from .sheets import (
    COMMENT_KEY,
    FIRST_ROW,
    JUROR_CELL,
    KEY_ROW,
    SCORES,
    SUBMISSION_KEY,
    ScoreSheet,
    assigned_by_juror,
    juror_name,
    layout,
    number_text,
    score_text,
)


@dataclass(frozen=True)
class SheetProblem:
    """A problem in a returned workbook, located by sheet and cell (``Scores!D7``)."""

    file: str
    where: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, {self.where}" if self.where else self.file
        return f"{where}: {self.message}"


class ReturnedSheetsInvalid(GrantjuryError):
    """Returned sheets hold problems; all are listed, and nothing is written."""

    def __init__(self, problems: Iterable[SheetProblem | Problem]):
        self.problems = tuple(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} found in the returned sheets:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


@dataclass(frozen=True)
class ScoreRow:
    juror: str
    submission: str
    criterion: str
    score: float
    comment: str = ""


@dataclass(frozen=True)
class Collected:
    """The scores read from the returned sheets, sorted, and what is still missing."""

    rows: tuple[ScoreRow, ...]
    files: tuple[str, ...]
    """Workbooks and CSV files read."""
    jurors: tuple[str, ...]
    """Jurors with at least one returned sheet or CSV row."""
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _EmptyCell:
    key: tuple[int, int, int]
    sheet: str
    row: int
    coordinate: str
    submission: str
    criterion: str
    row_size: int
    """Score cells in the row (the rubric's criteria)."""


@dataclass
class _Reading:
    """What reading has found so far: values by (juror, submission, criterion), and where."""

    competition: Competition
    assignments_label: str
    assigned: dict[int, list[int]]
    problems: list[SheetProblem | Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    values: dict[tuple[int, int, int], tuple[float, str]] = field(default_factory=dict)
    comments: dict[tuple[int, int], str] = field(default_factory=dict)
    empty: dict[str, list[_EmptyCell]] = field(default_factory=dict)
    """Empty score cells of each workbook."""
    workbook_of: dict[int, str] = field(default_factory=dict)
    returned: set[int] = field(default_factory=set)
    files: list[str] = field(default_factory=list)

    def give(self, key: tuple[int, int, int], value: float, file: str, where: str) -> None:
        """Record a score, unless another cell or row already gave it (a problem)."""
        if key in self.values:
            juror, sub, crit = self.ids(key)
            self.problems.append(
                SheetProblem(
                    file,
                    where,
                    f"{juror} / {sub} / {crit} is scored twice (also in {self.values[key][1]})",
                )
            )
            return
        self.values[key] = (value, f"{file}, {where}")

    def ids(self, key: tuple[int, int, int]) -> tuple[str, str, str]:
        j, s, c = key
        submission = self.competition.submissions[s]
        rubric = self.competition.rubrics[submission.domain]
        return self.competition.jurors[j].id, submission.id, rubric.criteria[c].id


def read_returns(competition: Competition, folder: Path, assignments_label: str) -> Collected:
    """Read every returned workbook (``*.xlsx``) and CSV file (``*.csv``) of ``folder``.

    Raises ``ReturnedSheetsInvalid`` with every problem found: values off the scale or step,
    text that is not a number, workbooks of unknown jurors or whose submissions do not match
    the assignments, scores given twice. Empty cells and jurors who returned nothing are
    warnings.
    """
    reading = _Reading(competition, assignments_label, assigned_by_juror(competition))
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        name = path.name
        if name.startswith((".", "~$")) or not path.is_file():
            continue  # hidden files and the lock files Excel and LibreOffice leave behind
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            _read_workbook(reading, path)
        elif suffix == ".csv":
            _read_scores_csv(reading, path)
        elif suffix in (".xls", ".ods", ".xlsm", ".numbers"):
            reading.problems.append(
                SheetProblem(
                    name,
                    None,
                    "this is not an .xlsx workbook; open it and save it as "
                    "“Excel 2007-365 (.xlsx)”, then collect again",
                )
            )
        else:
            reading.warnings.append(f"{name}: ignored (neither an .xlsx workbook nor a .csv file)")
    if reading.problems:
        raise ReturnedSheetsInvalid(reading.problems)
    return _collected(reading)


def _sheet_ref(sheet: str, cell: str) -> str:
    quoted = sheet if re.fullmatch(r"\w+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{cell}"


def _open_workbook(reading: _Reading, path: Path) -> Any:
    try:
        with warnings.catch_warnings():
            # Workbooks saved by Excel carry extensions openpyxl does not read; the scores
            # do not depend on them.
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(path.read_bytes()), data_only=True)
    except Exception as exc:  # a damaged or foreign file: zip, XML or openpyxl errors
        reading.problems.append(
            SheetProblem(
                path.name,
                None,
                f"cannot be read as an .xlsx workbook ({type(exc).__name__}); "
                "ask the juror to send it again",
            )
        )
        return None


def _read_workbook(reading: _Reading, path: Path) -> None:
    book = _open_workbook(reading, path)
    if book is None:
        return
    file = path.name
    problems = reading.problems
    competition = reading.competition
    names = [n for n in book.sheetnames if n == SCORES or re.fullmatch(rf"{SCORES} \d+", n)]
    if not names:
        problems.append(
            SheetProblem(
                file, None, f"no sheet named {SCORES}: this is not a grantjury score sheet"
            )
        )
        return
    value = book[names[0]][JUROR_CELL].value
    juror_id = "" if value is None else str(value).strip()
    where = _sheet_ref(names[0], JUROR_CELL)
    codes = {j.id: i for i, j in enumerate(competition.jurors)}
    if juror_id not in codes:
        problems.append(
            SheetProblem(file, where, f"{juror_id!r} is not a juror of this competition")
        )
        return
    juror = codes[juror_id]
    if juror not in reading.assigned:
        problems.append(
            SheetProblem(
                file,
                where,
                f"juror {juror_id} has no assigned submissions in {reading.assignments_label}",
            )
        )
        return
    if juror in reading.workbook_of:
        problems.append(
            SheetProblem(
                file,
                None,
                f"a second workbook for juror {juror_id} (the first is "
                f"{reading.workbook_of[juror]}); keep one",
            )
        )
        return
    reading.workbook_of[juror] = file
    expected = layout(competition, reading.assigned[juror])
    expected_names = [s.name for s in expected]
    if names != expected_names:
        problems.append(
            SheetProblem(
                file,
                None,
                f"holds the scores sheets {', '.join(names)} but juror {juror_id}'s assignments "
                f"in {reading.assignments_label} need {', '.join(expected_names)}; make the "
                "sheets again (grantjury sheets) and send the new one",
            )
        )
        return
    reading.files.append(file)
    reading.returned.add(juror)
    for sheet in expected:
        _read_scores_sheet(reading, file, book[sheet.name], sheet, juror)


def _read_scores_sheet(
    reading: _Reading, file: str, ws: Worksheet, sheet: ScoreSheet, juror: int
) -> None:
    competition = reading.competition
    problems = reading.problems
    juror_id = competition.jurors[juror].id
    found = str(ws[JUROR_CELL].value or "").strip()
    if found != juror_id:
        problems.append(
            SheetProblem(
                file,
                _sheet_ref(ws.title, JUROR_CELL),
                f"names juror {found!r}, but this workbook is juror {juror_id}'s",
            )
        )
        return
    columns: dict[str, int] = {}
    for column in range(1, ws.max_column + 1):
        key = ws.cell(row=KEY_ROW, column=column).value
        if isinstance(key, str) and key.strip():
            columns.setdefault(key.strip(), column)
    criteria = sheet.rubric.criteria
    missing = [k for k in (SUBMISSION_KEY, *(c.id for c in criteria)) if k not in columns]
    if missing:
        problems.append(
            SheetProblem(
                file,
                _sheet_ref(ws.title, f"{KEY_ROW}:{KEY_ROW}"),
                f"no column for {', '.join(missing)}: the sheet does not match the rubric "
                "(changed since the sheets were made?); make the sheets again",
            )
        )
        return
    sub_column = columns[SUBMISSION_KEY]
    wanted = {s.id: i for i, s in enumerate(competition.submissions)}
    expected = {s.id for s in sheet.submissions}
    rows: dict[str, int] = {}
    mismatched = False
    for row in range(FIRST_ROW, ws.max_row + 1):
        cell = ws.cell(row=row, column=sub_column)
        sub_id = "" if cell.value is None else str(cell.value).strip()
        if not sub_id:
            continue
        if sub_id not in expected:
            mismatched = True
            problems.append(
                SheetProblem(
                    file,
                    _sheet_ref(ws.title, cell.coordinate),
                    f"{sub_id} is not assigned to juror {juror_id} in {reading.assignments_label}",
                )
            )
        elif sub_id in rows:
            mismatched = True
            problems.append(
                SheetProblem(
                    file,
                    _sheet_ref(ws.title, cell.coordinate),
                    f"{sub_id} is listed twice (first on row {rows[sub_id]})",
                )
            )
        else:
            rows[sub_id] = row
    absent = sorted(expected - set(rows))
    if absent:
        mismatched = True
        problems.append(
            SheetProblem(
                file,
                ws.title,
                f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} assigned to juror "
                f"{juror_id} in {reading.assignments_label} but missing from the sheet",
            )
        )
    if mismatched:
        return
    comment_column = columns.get(COMMENT_KEY)
    empty = reading.empty.setdefault(file, [])
    for sub_id, row in sorted(rows.items(), key=lambda item: item[1]):
        s = wanted[sub_id]
        scored = False
        for c, criterion in enumerate(criteria):
            cell = ws.cell(row=row, column=columns[criterion.id])
            ref = _sheet_ref(ws.title, cell.coordinate)
            if cell.value is None or (isinstance(cell.value, str) and not cell.value.strip()):
                empty.append(
                    _EmptyCell(
                        (juror, s, c),
                        ws.title,
                        row,
                        cell.coordinate,
                        sub_id,
                        criterion.id,
                        len(criteria),
                    )
                )
                continue
            value = _cell_score(reading.problems, file, ref, cell.value, criterion)
            if value is not None:
                reading.give((juror, s, c), value, file, ref)
                scored = True
        if comment_column is not None:
            note = ws.cell(row=row, column=comment_column)
            text = "" if note.value is None else str(note.value).strip()
            if text:
                reading.comments[(juror, s)] = text
                if not scored:
                    reading.warnings.append(
                        f"{file}, {_sheet_ref(ws.title, note.coordinate)}: a comment on "
                        f"{sub_id} without any score: {text!r}"
                    )


def _cell_score(
    problems: list[SheetProblem | Problem],
    file: str,
    where: str,
    value: Any,
    criterion: Criterion,
) -> float | None:
    """A non-empty cell's score; None (a problem logged) when it is not a valid score.

    Numbers typed as text are read as people write them: decimal commas and Arabic-Indic
    digits included (``parse_number``).
    """
    if isinstance(value, bool):
        number = None
        shown = "TRUE" if value else "FALSE"
    elif isinstance(value, int | float):
        number, shown = float(value), score_text(float(value))
    elif isinstance(value, dt.date | dt.time | dt.timedelta):
        problems.append(
            SheetProblem(
                file,
                where,
                "holds a date, not a score (the cell was formatted as a date); type the "
                "score again as a number",
            )
        )
        return None
    else:
        shown = str(value).strip()
        number = parse_number(shown, decimal_comma=True)
        shown = repr(shown)
    if number is None:
        problems.append(SheetProblem(file, where, f"{shown} is not a number"))
        return None
    return _on_scale(problems, file, where, number, criterion)


def _on_scale(
    problems: list[SheetProblem | Problem],
    file: str,
    where: str | None,
    number: float,
    criterion: Criterion,
) -> float | None:
    scale = criterion.scale
    shown = score_text(number)
    if number < scale.min:
        message = f"{shown} is below the scale minimum {number_text(scale.min)}"
    elif number > scale.max:
        message = f"{shown} is above the scale maximum {number_text(scale.max)}"
    elif not scale.on_step(number):
        message = (
            f"{shown} is not on the scale's step: {criterion.id} takes multiples of "
            f"{number_text(scale.step)} from {number_text(scale.min)}"
        )
    else:
        return number + 0.0  # -0.0 reads as 0
    problems.append(SheetProblem(file, where, message))
    return None


def _read_scores_csv(reading: _Reading, path: Path) -> None:
    """A CSV file in the scores format: every row must be an assigned pair of the rubric."""
    log = ProblemLog()
    file = path.name
    table = read_csv(path, file, ("juror", "submission", "criterion", "score"), log)
    reading.problems.extend(log.errors)
    if table is None:
        return
    competition = reading.competition
    jurors = {j.id: i for i, j in enumerate(competition.jurors)}
    subs = {s.id: i for i, s in enumerate(competition.submissions)}
    assigned = {j: set(s) for j, s in reading.assigned.items()}
    cols = table.columns
    comments = cols.get("comment")
    reading.files.append(file)
    for row in range(len(table)):
        line = int(table.lines[row])
        juror_id, sub_id = str(cols["juror"][row]), str(cols["submission"][row])
        crit_id, text = str(cols["criterion"][row]), str(cols["score"][row])
        j, s = jurors.get(juror_id), subs.get(sub_id)
        where = f"line {line}"
        if j is None or s is None or s not in assigned.get(j, set()):
            reading.problems.append(
                SheetProblem(
                    file,
                    where,
                    f"juror {juror_id!r} is not assigned {sub_id!r} in {reading.assignments_label}",
                )
            )
            continue
        rubric = competition.rubrics[competition.submissions[s].domain]
        c = rubric.criterion_index(crit_id)
        if c is None:
            reading.problems.append(
                SheetProblem(
                    file,
                    f"{where}, criterion",
                    f"{crit_id!r} is not a criterion of the rubric of {sub_id} (expected one "
                    f"of {', '.join(x.id for x in rubric.criteria)})",
                )
            )
            continue
        reading.returned.add(j)
        if not text:
            continue
        number = parse_number(text, table.decimal_comma)
        if number is None:
            reading.problems.append(
                SheetProblem(file, f"{where}, score", f"{text!r} is not a number")
            )
            continue
        value = _on_scale(reading.problems, file, f"{where}, score", number, rubric.criteria[c])
        if value is not None:
            reading.give((j, s, c), value, file, where)
            note = "" if comments is None else str(comments[row]).strip()
            if note:
                reading.comments[(j, s)] = note


def _collected(reading: _Reading) -> Collected:
    competition = reading.competition
    rows = []
    first_of_pair: set[tuple[int, int]] = set()
    order = sorted(
        reading.values,
        key=lambda key: (competition.jurors[key[0]].id, competition.submissions[key[1]].id, key[2]),
    )
    for key in order:
        juror, sub, crit = reading.ids(key)
        pair = key[:2]
        comment = reading.comments.get(pair, "") if pair not in first_of_pair else ""
        first_of_pair.add(pair)
        rows.append(ScoreRow(juror, sub, crit, reading.values[key][0], comment))
    warnings_ = list(reading.warnings)
    for file, cells in reading.empty.items():
        still = [cell for cell in cells if cell.key not in reading.values]
        if still:
            warnings_.append(
                f"{file}: {len(still)} score cell{'s' if len(still) != 1 else ''} still "
                f"empty: {_empty_cells(still)}"
            )
    for j, subs in sorted(reading.assigned.items()):
        if j in reading.returned and j not in reading.workbook_of:
            missing = [
                f"{competition.submissions[s].id} {criterion.id}"
                for s in subs
                for c, criterion in enumerate(
                    competition.rubrics[competition.submissions[s].domain].criteria
                )
                if (j, s, c) not in reading.values
            ]
            if missing:
                shown = ", ".join(missing[:20]) + (" …" if len(missing) > 20 else "")
                warnings_.append(
                    f"juror {competition.jurors[j].id} (CSV): {len(missing)} assigned score"
                    f"{'s' if len(missing) != 1 else ''} still missing: {shown}"
                )
    absent = [
        f"{competition.jurors[j].id} ({juror_name(competition.jurors[j])})"
        for j in sorted(reading.assigned)
        if j not in reading.returned
    ]
    if absent:
        warnings_.append(f"no sheet returned yet by {len(absent)} juror(s): {', '.join(absent)}")
    returned = sorted(competition.jurors[j].id for j in reading.returned)
    return Collected(tuple(rows), tuple(reading.files), tuple(returned), tuple(warnings_))


def _empty_cells(cells: list[_EmptyCell]) -> str:
    """``Scores!F13:J13 (CUL-16), Scores!I23 (SOC-02 feasibility)``: a row left wholly
    empty is shown as one range."""
    parts = []
    for _, group in itertools.groupby(cells, key=lambda cell: (cell.sheet, cell.row)):
        row = list(group)
        first = _sheet_ref(row[0].sheet, row[0].coordinate)
        if len(row) == row[0].row_size > 1:
            parts.append(f"{first}:{row[-1].coordinate} ({row[0].submission})")
        else:
            parts += [
                f"{_sheet_ref(c.sheet, c.coordinate)} ({c.submission} {c.criterion})" for c in row
            ]
    return ", ".join(parts)


def scores_csv(rows: Iterable[ScoreRow]) -> bytes:
    """scores.csv in the long format, UTF-8 with a byte-order mark (Excel then reads Arabic
    comments correctly; the loader accepts it)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("juror", "submission", "criterion", "score", "comment"))
    for r in rows:
        writer.writerow(
            (r.juror, r.submission, r.criterion, score_text(r.score), spreadsheet_text(r.comment))
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
