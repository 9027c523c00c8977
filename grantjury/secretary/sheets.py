"""Score sheets: one XLSX workbook per juror to fill in (``collect.py`` reads them back).

A juror's workbook holds one instructions sheet per language of the competition (right to
left for Arabic) and a ``Scores`` sheet listing only the juror's assigned submissions, one
column per criterion and a comment column (``Scores 1``, ``Scores 2``… when the juror's
submissions use several rubrics). Row 2 names the juror (the juror id in ``A2``); row 3,
hidden, holds the key of each column (``submission``, the criterion ids, ``comment``), so
that collecting finds the columns by key, not by position; row 4 is the header; the
submissions start on row 5. Every cell but the scores and comments is protected, and each
score cell is validated against its criterion's scale and step.

Workbooks are byte-reproducible: fixed document properties (dated from the competition's
date) and zip entries with fixed timestamps and attributes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from .. import catalogs
from ..languages import is_rtl, pick
from ..model import STEP_TOLERANCE, Competition, Criterion, Domain, Juror, Rubric, Submission

SCORES = "Scores"
"""Name of the scores sheet (``Scores 1``, ``Scores 2``… when there are several)."""
TITLE_ROW, JUROR_ROW, KEY_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3, 4, 5
JUROR_CELL = "A2"
SUBMISSION_KEY, COMMENT_KEY = "submission", "comment"
GENERATOR = "grantjury"

LISTS = ("how", "columns")
"""Labels of the sheets that are lists: ``sheet.how.1``, ``sheet.how.2``… in the catalogs."""


_THIN = Side(style="thin", color="FFBFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="FFE7E6E6")
_INPUT_FILL = PatternFill("solid", fgColor="FFFFF2CC")
_UNLOCKED = Protection(locked=False)
_BOLD = Font(bold=True)


def labels(lang: str) -> dict[str, Any]:
    """The sheets' texts (``sheet.*`` of the catalogs) in ``lang``, English when grantjury
    has no catalog for it; the competition's own texts, titles and criteria, are always in
    the language. ``how`` and ``columns`` are tuples, in their numbered order."""
    found: dict[str, Any] = {}
    numbered: dict[str, list[tuple[int, str]]] = {name: [] for name in LISTS}
    for msgid in catalogs.msgids(lang, "sheet."):
        key = msgid.removeprefix("sheet.")
        name, _, position = key.rpartition(".")
        if name in numbered and position.isdigit():
            numbered[name].append((int(position), catalogs.gettext_(lang, msgid)))
        else:
            found[key] = catalogs.gettext_(lang, msgid)
    for name, items in numbered.items():
        found[name] = tuple(text for _, text in sorted(items))
    return found


def _align(lang: str | None, wrap: bool = True) -> Alignment:
    """Right to left (reading order 2) for right-to-left languages, so Excel and LibreOffice lay out
    the text correctly in a left-to-right sheet."""
    if is_rtl(lang):
        return Alignment(horizontal="right", vertical="top", wrap_text=wrap, readingOrder=2)
    return Alignment(vertical="top", wrap_text=wrap)


def number_text(value: float, lang: str = "en") -> str:
    """A scale bound or step as people write it (``14``, ``0,5`` in French and Arabic)."""
    text = str(int(value)) if float(value).is_integer() else repr(float(value))
    return text.replace(".", labels(lang)["decimal"])


def score_text(value: float) -> str:
    """A score in scores.csv: the shortest text that reads back as the same float."""
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def juror_name(juror: Juror, lang: str | None = None) -> str:
    """A juror's name in ``lang`` (names may be plain text or one per language)."""
    if isinstance(juror.name, str):
        return juror.name
    if lang is not None and lang in juror.name:
        return juror.name[lang]
    return " / ".join(juror.name.values())


# --- layout ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreSheet:
    """One scores sheet of a juror's workbook: submissions that share a rubric, by id."""

    name: str
    rubric: Rubric
    domains: tuple[Domain, ...]
    submissions: tuple[Submission, ...]

    def keys(self, languages: Iterable[str]) -> list[str]:
        """Key of each column, in order (row 3 of the sheet)."""
        languages = tuple(languages)
        return [
            SUBMISSION_KEY,
            *(key for lang in languages for key in (f"association_name_{lang}", f"title_{lang}")),
            *(c.id for c in self.rubric.criteria),
            COMMENT_KEY,
        ]


def assigned_by_juror(competition: Competition) -> dict[int, list[int]]:
    """Submission codes assigned to each juror code, ascending (jurors without any left out).

    Submissions whose application file is not admissible (a rule pack's
    ``Competition.inadmissible``) are left out: they are not scored, so no sheet lists them.
    """
    by_juror: dict[int, list[int]] = {}
    if competition.assignments is not None:
        left_out = competition.inadmissible
        for j, s in competition.assignments.tolist():
            if competition.submissions[s].id not in left_out:
                by_juror.setdefault(j, []).append(s)
    return by_juror


def layout(competition: Competition, submission_codes: Iterable[int]) -> tuple[ScoreSheet, ...]:
    """The scores sheets for these submissions: one per distinct rubric, in domain order."""
    groups: dict[str, tuple[Rubric, list[Domain], list[Submission]]] = {}
    codes = sorted(submission_codes)
    for domain in competition.domains:
        rubric = competition.rubrics[domain.id]
        members = [
            competition.submissions[s]
            for s in codes
            if competition.submissions[s].domain == domain.id
        ]
        if not members:
            continue
        key = rubric.model_dump_json()
        group = groups.setdefault(key, (rubric, [], []))
        group[1].append(domain)
        group[2].extend(members)
    named = list(groups.values())
    return tuple(
        ScoreSheet(
            SCORES if len(named) == 1 else f"{SCORES} {i}",
            rubric,
            tuple(domains),
            tuple(sorted(subs, key=lambda s: s.id)),
        )
        for i, (rubric, domains, subs) in enumerate(named, start=1)
    )


def workbook_name(juror_id: str) -> str:
    """File name of a juror's workbook: the id, with characters unsafe in file names replaced."""
    safe = re.sub(r"[^\w.-]", "_", juror_id).lstrip(".") or "juror"
    return f"{safe}.xlsx"


# --- writing ---------------------------------------------------------------------------------


ASSIGNMENTS_MARK = "assignments "
"""Start of the workbook's identifier property, followed by the digest of the assignments
file the sheets were made from (``collect`` compares it with the current file)."""


def assignments_digest(competition: Competition) -> str | None:
    """``sha256:…`` of the competition's assignments file as loaded; None without one."""
    if competition.spec.assignments is None or competition.assignments is None:
        return None
    target = (Path(competition.path).parent / competition.spec.assignments).resolve()
    for record in competition.inputs:
        if (Path(competition.path).parent / record.path).resolve() == target:
            return record.sha256
    return None


def replaced_assignments(path: Path, digest: str) -> Path:
    """Where ``assign --force`` keeps an assignments file that sheets were made from."""
    return path.with_name(
        f"{path.stem}.replaced-{digest.removeprefix('sha256:')[:12]}{path.suffix}"
    )


def build_workbook(
    competition: Competition,
    juror: Juror,
    sheets: tuple[ScoreSheet, ...],
    assignments: str | None = None,
) -> bytes:
    """The bytes of one juror's workbook: instructions per language, then the scores sheets.

    ``assignments`` (the digest of the assignments file) is recorded in the workbook's
    identifier property, so that a sheet returned after a re-assignment is recognised.
    """
    spec = competition.spec
    book = Workbook()
    first = book.worksheets[0]  # a new workbook comes with one sheet
    used: set[str] = set()
    for index, lang in enumerate(spec.languages):
        sheet = first if index == 0 else book.create_sheet()
        sheet.title = _unique_title(labels(lang)["instructions"], lang, used)
        _write_instructions(sheet, competition, juror, sheets, lang)
    for score_sheet in sheets:
        _write_scores(book.create_sheet(score_sheet.name), competition, juror, score_sheet)
    book.active = 0
    book.security = WorkbookProtection(lockStructure=True)
    moment = dt.datetime.combine(spec.date, dt.time())
    props = book.properties
    props.creator = props.lastModifiedBy = GENERATOR
    props.title = f"{spec.title[spec.languages[0]]} — {juror.id}"
    props.created = props.modified = moment
    if assignments is not None:
        props.identifier = ASSIGNMENTS_MARK + assignments
    return _save(book, moment)


def _unique_title(title: str, lang: str, used: set[str]) -> str:
    name = title if title not in used else f"{title} ({lang})"
    used.add(name)
    return name[:31]


def _save(book: Workbook, moment: dt.datetime) -> bytes:
    """Workbook bytes that depend only on its contents.

    ``Workbook.save`` stamps the modification date with the clock, and zip entries carry the
    time they were written: the writer is driven directly, then every entry is copied with
    the competition's date, fixed attributes and the same compression.
    """
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    stamp = max(moment.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, source.read(entry.filename))
    return fixed.getvalue()


def _write_instructions(
    ws: Worksheet,
    competition: Competition,
    juror: Juror,
    sheets: tuple[ScoreSheet, ...],
    lang: str,
) -> None:
    spec = competition.spec
    text = labels(lang)
    align = _align(lang)
    ws.sheet_view.rightToLeft = is_rtl(lang)
    widths = [34, 8, 16, 8, 30, 44]
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    row = 1

    def put(value: Any, *, bold: bool = False, size: int | None = None, wide: bool = False) -> None:
        nonlocal row
        cell = _put(ws, row, 1, value)
        cell.alignment = align
        if bold or size:
            cell.font = Font(bold=bold, size=size)
        if wide:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
            ws.row_dimensions[row].height = _height([(str(value), lang)], [sum(widths)])
        row += 1

    put(spec.title[lang], bold=True, size=14, wide=True)
    put(f"{text['form']} — {juror_name(juror, lang)} ({juror.id})", bold=True, wide=True)
    put(f"{spec.date.isoformat()} — {spec.place[lang]}", wide=True)
    row += 1
    put(text["how_heading"], bold=True, wide=True)
    for number, line in enumerate(text["how"], start=1):
        put(f"{number}. {line}", wide=True)
    for score_sheet in sheets:
        row += 1
        heading = text["rubric"].format(
            rubric=score_sheet.rubric.name[lang],
            domains=", ".join(d.name[lang] for d in score_sheet.domains),
            sheet=score_sheet.name,
        )
        put(heading, bold=True, wide=True)
        for column, title in enumerate(text["columns"], start=1):
            cell = _put(ws, row, column, title)
            cell.font, cell.fill, cell.border, cell.alignment = _BOLD, _HEADER_FILL, _BORDER, align
        row += 1
        for criterion in score_sheet.rubric.criteria:
            scale = criterion.scale
            values = (
                criterion.name[lang],
                number_text(criterion.weight, lang),
                text["scale"].format(
                    min=number_text(scale.min, lang), max=number_text(scale.max, lang)
                ),
                number_text(scale.step, lang) if scale.step else text["any_step"],
                text[scale.direction],
                _levels(criterion, lang),
            )
            for column, value in enumerate(values, start=1):
                cell = _put(ws, row, column, value)
                cell.border, cell.alignment = _BORDER, align
            ws.row_dimensions[row].height = _height([(v, lang) for v in values], widths)
            row += 1
    row += 1
    put(text["declaration"], bold=True, wide=True)
    put(text["declaration_text"].format(name=juror_name(juror, lang)), wide=True)
    row += 1
    for label in (text["signature"], text["date"]):
        _put(ws, row, 1, label).alignment = align
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=5)
        target = ws.cell(row=row, column=2)
        target.protection, target.fill, target.alignment = _UNLOCKED, _INPUT_FILL, align
        ws.row_dimensions[row].height = 30
        row += 1
    _fit_width(ws)
    _protect(ws)


def _levels(criterion: Criterion, lang: str) -> str:
    labelled = criterion.scale.labels or {}
    return "\n".join(
        f"{number_text(level, lang)} : {pick(names, lang)}"
        for level, names in sorted(labelled.items())
    )


def _write_scores(ws: Worksheet, competition: Competition, juror: Juror, sheet: ScoreSheet) -> None:
    languages = competition.spec.languages
    keys = sheet.keys(languages)
    criteria = sheet.rubric.criteria
    first_score = 2 + 2 * len(languages)
    comment_column = first_score + len(criteria)
    last_row = FIRST_ROW + len(sheet.submissions) - 1
    widths = [12, *([28, 40] * len(languages)), *([16] * len(criteria)), 40]
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width

    # Rows 1–2: the title and the juror, one block of columns per language.
    _put(ws, JUROR_ROW, 1, juror.id)
    ws[JUROR_CELL].font = _BOLD
    for i, lang in enumerate(languages):
        left = 2 + 2 * i
        for row, value in (
            (TITLE_ROW, competition.spec.title[lang]),
            (JUROR_ROW, f"{labels(lang)['juror']} : {juror_name(juror, lang)}"),
        ):
            cell = _put(ws, row, left, _colon(value, lang))
            cell.alignment = _align(lang, wrap=False)
            cell.font = Font(bold=True, size=13 if row == TITLE_ROW else None)
            ws.merge_cells(start_row=row, start_column=left, end_row=row, end_column=left + 1)
    ws.row_dimensions[TITLE_ROW].height = 20
    for column, key in enumerate(keys, start=1):
        _put(ws, KEY_ROW, column, key)
    ws.row_dimensions[KEY_ROW].hidden = True

    headers: list[tuple[str, str | None]] = [
        ("\n".join(labels(lang)["submission"] for lang in languages), None)
    ]
    for lang in languages:
        headers += [(labels(lang)["association"], lang), (labels(lang)["title"], lang)]
    for criterion in criteria:
        scale = criterion.scale
        bounds = f"{number_text(scale.min)}–{number_text(scale.max)}"
        if scale.step:
            bounds += f" ({number_text(scale.step)})"
        headers.append(("\n".join([*(criterion.name[lang] for lang in languages), bounds]), None))
    headers.append(("\n".join(labels(lang)["comment"] for lang in languages), None))
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for column, (value, lang) in enumerate(headers, start=1):
        cell = _put(ws, HEADER_ROW, column, value)
        cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _BORDER
        cell.alignment = (
            centred
            if not is_rtl(lang)
            else Alignment(horizontal="center", vertical="center", wrap_text=True, readingOrder=2)
        )
    ws.row_dimensions[HEADER_ROW].height = _height(headers, widths)

    for offset, submission in enumerate(sheet.submissions):
        row = FIRST_ROW + offset
        values: list[tuple[str, str | None]] = [(submission.id, None)]
        for lang in languages:
            values += [(submission.association.name[lang], lang), (submission.title[lang], lang)]
        for column, (value, lang) in enumerate(values, start=1):
            cell = _put(ws, row, column, value)
            if offset == 0:
                cell.border, cell.alignment = _BORDER, _align(lang)
        for column in range(first_score, comment_column + 1):
            cell = ws.cell(row=row, column=column)
            if offset == 0:
                cell.protection, cell.fill, cell.border = _UNLOCKED, _INPUT_FILL, _BORDER
                cell.alignment = Alignment(vertical="top", wrap_text=column == comment_column)
        if offset:
            # Every row is styled as the first: copying its style indexes (as openpyxl's own
            # worksheet copy does) is many times faster than setting each style object.
            for column in range(1, comment_column + 1):
                ws.cell(row=row, column=column)._style = copy(
                    ws.cell(row=FIRST_ROW, column=column)._style
                )
        # Spreadsheets do not grow rows to fit wrapped text on opening: size them here.
        ws.row_dimensions[row].height = _height(values, widths)
    for k, criterion in enumerate(criteria):
        letter = get_column_letter(first_score + k)
        if sheet.submissions:
            validation = _validation(criterion, f"{letter}{FIRST_ROW}", languages)
            validation.add(f"{letter}{FIRST_ROW}:{letter}{last_row}")
            ws.add_data_validation(validation)
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=2)
    ws.page_setup.orientation = "landscape"
    _fit_width(ws)
    _protect(ws)


def _colon(text: str, lang: str) -> str:
    """French puts a space before a colon; other languages do not."""
    return text if lang == "fr" else text.replace(" : ", ": ")


def _height(cells: list[tuple[str, str | None]], widths: list[int]) -> float:
    """Points of height for a row whose text wraps in columns of these widths (an estimate:
    a character is about one unit of column width, a line 15 points)."""
    lines = 1
    for (text, _), width in zip(cells, widths, strict=False):
        count = sum(max(1, -(-len(part) // max(width - 2, 1))) for part in str(text).split("\n"))
        lines = max(lines, count)
    return 15.0 * lines + 2


def _validation(criterion: Criterion, cell: str, languages: tuple[str, ...]) -> DataValidation:
    """The criterion's scale (and step) as a data validation of its column.

    A cell takes one validation, so with a step the bounds and the step go into one custom
    formula. The step is checked with a tolerance rather than ``MOD(x, step) = 0``: binary
    fractions make ``MOD(0.3, 0.1)`` come out as 0.0999…, which would refuse a valid score.
    It is ``Scale.contains`` and ``Scale.on_step`` written as a spreadsheet formula.
    """
    scale = criterion.scale
    low, high = _formulanumber_text(scale.min), _formulanumber_text(scale.max)
    prompt = "\n".join(_prompt(scale, lang) for lang in languages)
    common: dict[str, Any] = {
        "allow_blank": True,
        "showErrorMessage": True,
        "showInputMessage": True,
        "errorTitle": _fit([labels(lang)["invalid"] for lang in languages], 32),
        "error": prompt[:255],
        "promptTitle": _fit([criterion.name[lang] for lang in languages], 32),
        "prompt": prompt[:255],
    }
    if not scale.step:
        return DataValidation(
            type="decimal", operator="between", formula1=low, formula2=high, **common
        )
    step = _formulanumber_text(scale.step)
    offset = f"({cell}-({low}))/{step}"
    # IF, not AND: spreadsheets evaluate every argument of AND, so text would give #VALUE!.
    formula = (
        f"IF(ISNUMBER({cell}),AND({cell}>={low},{cell}<={high},"
        f"ABS({offset}-ROUND({offset},0))<{STEP_TOLERANCE:.6f}),FALSE)"
    )
    return DataValidation(type="custom", formula1=formula, **common)


def _prompt(scale: Any, lang: str) -> str:
    text = labels(lang)
    line = text["prompt"].format(min=number_text(scale.min, lang), max=number_text(scale.max, lang))
    if scale.step:
        line += text["prompt_step"].format(step=number_text(scale.step, lang))
    return line


def _formulanumber_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _fit(parts: list[str], limit: int) -> str:
    """As many of ``parts`` as fit in ``limit`` characters, joined by ' / '."""
    text = parts[0][:limit]
    for part in parts[1:]:
        if len(text) + 3 + len(part) > limit:
            break
        text += f" / {part}"
    return text


def _fit_width(ws: Worksheet) -> None:
    """Print on pages one sheet wide (as many pages down as needed)."""
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write a value; text is always text, never a formula (a title starting with ``=``
    must not run in a juror's spreadsheet)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _protect(ws: Worksheet) -> None:
    """Lock every cell but the unlocked ones; people may still resize rows and columns."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
