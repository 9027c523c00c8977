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
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter

from ..errors import GrantjuryError, Problem, ProblemLog
from ..loading import read_bounded, read_csv
from ..model import Competition, Criterion
from ..safe_text import spreadsheet_text
from ..validate import parse_number
from .sheets import (
    ASSIGNMENTS_MARK,
    COMMENT_KEY,
    FIRST_ROW,
    JUROR_CELL,
    KEY_ROW,
    SCORES,
    SUBMISSION_KEY,
    ScoreSheet,
    assigned_by_juror,
    assignments_digest,
    juror_name,
    layout,
    number_text,
    replaced_assignments,
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
    assignments_digest: str | None = None
    """Digest of the assignments file as it is now (sheets record the one they came from)."""
    assignments_path: Path | None = None
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
    reading.assignments_digest = assignments_digest(competition)
    if competition.spec.assignments is not None:
        reading.assignments_path = Path(competition.path).parent / competition.spec.assignments
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


MAX_WORKBOOK_BYTES = 32 * 2**20
"""The largest returned workbook read: a score sheet is a few tens of kilobytes."""
MAX_UNPACKED_BYTES = 256 * 2**20
"""The most a returned workbook may unpack to (a zip bomb is refused before it is opened)."""
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The first bytes of an Excel 97–2003 file (and of a password-protected .xlsx)."""


DAMAGED = (
    "the workbook is damaged (a part of it cannot be read); ask the juror to open it, save it "
    "again as “Excel 2007-365 (.xlsx)” and send it again"
)


def _not_a_workbook(raw: bytes) -> str | None:
    """Why ``raw`` cannot be an .xlsx workbook, in words a juror can act on; None if it may be."""
    if raw.startswith(_OLE2):
        return (
            "an Excel 97–2003 (.xls) file renamed .xlsx, or a workbook protected by a "
            "password: open it, remove any password, save it as “Excel 2007-365 (.xlsx)” "
            "and collect again"
        )
    if not raw.startswith(b"PK"):
        return (
            "this is not an .xlsx workbook (an .xlsx file is a zip archive, this file is not: "
            "another file renamed, or one cut off in transfer); ask the juror to send the "
            ".xlsx file again"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            parts = archive.infolist()
            names = {part.filename for part in parts}
            mimetype = archive.read("mimetype")[:64] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return (
            "the workbook is damaged (its zip archive is broken, as when a file is cut off "
            "in transfer); ask the juror to send it again"
        )
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return (
            "an OpenDocument spreadsheet (.ods) renamed .xlsx: open it and save it as "
            "“Excel 2007-365 (.xlsx)”, then collect again"
        )
    if "xl/workbook.xml" not in names:
        return (
            "a zip archive but not an Excel workbook (it has no xl/workbook.xml); ask the "
            "juror to send the score sheet they received"
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        return (
            f"the workbook unpacks to {unpacked // 2**20} MB, more than the "
            f"{MAX_UNPACKED_BYTES // 2**20} MB a score sheet could need; it is not read"
        )
    return None


def _open_workbook(reading: _Reading, path: Path) -> Any:
    """The workbook, opened read-only with formulas as written; None with the problem logged.

    Read-only mode streams each sheet's rows as they are stored, so a stray cell far down a
    sheet costs nothing; formulas are kept as written (not their cached values) so that a
    formula in a score cell is found and refused.
    """
    log = ProblemLog()
    raw = read_bounded(path, path.name, MAX_WORKBOOK_BYTES, log)
    reading.problems.extend(log.errors)
    if raw is None:
        return None
    why = _not_a_workbook(raw)
    if why is None:
        try:
            with warnings.catch_warnings():
                # Workbooks saved by Excel carry extensions openpyxl does not read; the
                # scores do not depend on them.
                warnings.simplefilter("ignore")
                return load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
        except Exception:  # any parse failure of a foreign file is its damage
            why = DAMAGED
    reading.problems.append(SheetProblem(path.name, None, why))
    return None


@dataclass(frozen=True)
class _Grid:
    """The non-empty cells of one sheet: value by (row, column), and which hold formulas."""

    title: str
    cells: dict[tuple[int, int], Any]
    formulas: frozenset[tuple[int, int]]

    def at(self, coordinate: str) -> Any:
        return self.cells.get(coordinate_to_tuple(coordinate))

    def value(self, row: int, column: int) -> Any:
        return self.cells.get((row, column))

    def row_values(self, row: int) -> dict[int, Any]:
        return {c: v for (r, c), v in self.cells.items() if r == row}

    def column_rows(self, column: int, first_row: int) -> list[int]:
        return sorted(r for (r, c) in self.cells if c == column and r >= first_row)

    def formula(self, row: int, column: int) -> bool:
        return (row, column) in self.formulas


def _grid(ws: Any) -> _Grid:
    """Read a read-only worksheet's stored cells once, skipping the rows it does not store."""
    cells: dict[tuple[int, int], Any] = {}
    formulas: set[tuple[int, int]] = set()
    previous: Any = None
    for row in ws.iter_rows():
        if row is previous:
            continue  # openpyxl fills a run of missing rows with one shared empty row
        previous = row
        for cell in row:
            value = cell.value
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            cells[(cell.row, cell.column)] = value
            if cell.data_type == "f":
                formulas.add((cell.row, cell.column))
    return _Grid(ws.title, cells, frozenset(formulas))


def _other_assignments(reading: _Reading, file: str, digest: str) -> SheetProblem:
    """A workbook made from assignments other than the current file: say so, and where the
    file it was made from is, rather than list every submission that differs."""
    label = reading.assignments_label
    kept = ""
    if reading.assignments_path is not None:
        copy = replaced_assignments(reading.assignments_path, digest)
        if copy.is_file():
            kept = f" (kept by grantjury assign as {copy.name})"
    return SheetProblem(
        file,
        None,
        f"was made from other assignments than the current {label}: the sheets came from the "
        f"assignments with digest {digest.removeprefix('sha256:')[:12]}{kept}, and {label} was "
        "assigned again after they went out. Put back the assignments the sheets were made "
        "from and collect again, or make new sheets (grantjury sheets) and send them",
    )


def _coordinate(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"


def _formula_problem(file: str, grid: _Grid, row: int, column: int, what: str) -> SheetProblem:
    formula = str(grid.value(row, column))[:80]
    return SheetProblem(
        file,
        _sheet_ref(grid.title, _coordinate(row, column)),
        f"holds a formula ({formula}) where {what} is expected; type the value itself "
        "(grantjury reads what is typed, not what a formula computes)",
    )


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
    made_from = str(book.properties.identifier or "")
    if (
        made_from.startswith(ASSIGNMENTS_MARK)
        and reading.assignments_digest is not None
        and made_from.removeprefix(ASSIGNMENTS_MARK) != reading.assignments_digest
    ):
        problems.append(_other_assignments(reading, file, made_from.removeprefix(ASSIGNMENTS_MARK)))
        return
    try:  # read-only sheets are parsed here, as their rows are read
        grids = {name: _grid(book[name]) for name in names}
    except Exception:
        problems.append(SheetProblem(file, None, DAMAGED))
        return
    first = grids[names[0]]
    if coordinate_to_tuple(JUROR_CELL) in first.formulas:
        problems.append(
            _formula_problem(file, first, *coordinate_to_tuple(JUROR_CELL), "a juror id")
        )
        return
    value = first.at(JUROR_CELL)
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
        _read_scores_sheet(reading, file, grids[sheet.name], sheet, juror)


def _read_scores_sheet(
    reading: _Reading, file: str, grid: _Grid, sheet: ScoreSheet, juror: int
) -> None:
    competition = reading.competition
    problems = reading.problems
    juror_id = competition.jurors[juror].id
    found = str(grid.at(JUROR_CELL) or "").strip()
    if found != juror_id:
        problems.append(
            SheetProblem(
                file,
                _sheet_ref(grid.title, JUROR_CELL),
                f"names juror {found!r}, but this workbook is juror {juror_id}'s",
            )
        )
        return
    columns: dict[str, int] = {}
    for column, key in sorted(grid.row_values(KEY_ROW).items()):
        if isinstance(key, str) and key.strip():
            columns.setdefault(key.strip(), column)
    criteria = sheet.rubric.criteria
    missing = [k for k in (SUBMISSION_KEY, *(c.id for c in criteria)) if k not in columns]
    if missing:
        problems.append(
            SheetProblem(
                file,
                _sheet_ref(grid.title, f"{KEY_ROW}:{KEY_ROW}"),
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
    for row in grid.column_rows(sub_column, FIRST_ROW):
        here = _sheet_ref(grid.title, _coordinate(row, sub_column))
        if grid.formula(row, sub_column):
            mismatched = True
            problems.append(_formula_problem(file, grid, row, sub_column, "a submission id"))
            continue
        sub_id = str(grid.value(row, sub_column)).strip()
        if sub_id not in expected:
            mismatched = True
            problems.append(
                SheetProblem(
                    file,
                    here,
                    f"{sub_id} is not assigned to juror {juror_id} in {reading.assignments_label}",
                )
            )
        elif sub_id in rows:
            mismatched = True
            problems.append(
                SheetProblem(
                    file,
                    here,
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
                grid.title,
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
            column = columns[criterion.id]
            coordinate = _coordinate(row, column)
            ref = _sheet_ref(grid.title, coordinate)
            content = grid.value(row, column)
            if grid.formula(row, column):
                problems.append(_formula_problem(file, grid, row, column, "a score"))
                continue
            if content is None:
                empty.append(
                    _EmptyCell(
                        (juror, s, c),
                        grid.title,
                        row,
                        coordinate,
                        sub_id,
                        criterion.id,
                        len(criteria),
                    )
                )
                continue
            value = _cell_score(reading.problems, file, ref, content, criterion)
            if value is not None:
                reading.give((juror, s, c), value, file, ref)
                scored = True
        if comment_column is not None:
            if grid.formula(row, comment_column):
                problems.append(_formula_problem(file, grid, row, comment_column, "a comment"))
                continue
            note = grid.value(row, comment_column)
            text = "" if note is None else str(note).strip()
            if text:
                reading.comments[(juror, s)] = text
                if not scored:
                    reading.warnings.append(
                        f"{file}, {_sheet_ref(grid.title, _coordinate(row, comment_column))}: "
                        f"a comment on {sub_id} without any score: {text!r}"
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
    if _saved_score_sheet(reading.competition, path):
        reading.problems.append(
            SheetProblem(
                file,
                None,
                "this looks like a grantjury score sheet saved as CSV (a spreadsheet saves one "
                "sheet that way and drops its checks); send back the .xlsx file itself, filled "
                "in, and collect again",
            )
        )
        return
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


def _saved_score_sheet(competition: Competition, path: Path) -> bool:
    """Whether a CSV file is a score sheet saved as CSV rather than a file in the scores format.

    Such a file has no ``juror,submission,criterion,score`` header but holds what a sheet
    holds: its hidden key row (``submission`` then criterion ids) or the competition's title.
    Only the start of the file is looked at.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(256 * 1024).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    lines = head.splitlines()
    if not lines:
        return False
    header = {cell.strip().lower() for cell in re.split(r"[,;\t]", lines[0])}
    if {"juror", "submission", "criterion", "score"} <= header:
        return False
    criteria = {c.id for rubric in competition.rubrics.values() for c in rubric.criteria}
    for line in lines[:50]:
        cells = {cell.strip().strip('"') for cell in re.split(r"[,;\t]", line)}
        if SUBMISSION_KEY in cells and cells & criteria:
            return True
    titles = [title for title in competition.spec.title.values() if len(title) >= 8]
    return any(title in head for title in titles)


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
