"""Load stage: read competition files into models and raw columns, locating every problem.

YAML is parsed with a safe loader that refuses aliases (no "billion laughs") and deep nesting,
and keeps each node's line so that a schema error names its line. CSV files are read as people
produce them: UTF-8 with or without BOM, ``,`` or ``;`` delimiter, decimal comma with ``;``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml
    CParser = None

from .errors import ProblemLog
from .model import (
    CompetitionFile,
    InputFile,
    Juror,
    Rubric,
    Submission,
)

MAX_YAML_DEPTH = 20
MAX_INPUT_BYTES = 2**31
MAX_CELL_CHARS = 131_072
"""The longest CSV cell read, in characters: the ``csv`` module's own field limit, applied
to unquoted files too (docs/format.md)."""
MAX_BYTES = {
    "competition": 16 * 2**20,
    "rubric": 16 * 2**20,
    "jurors": 64 * 2**20,
    "submission": 4 * 2**20,
    "submissions": 1 * 2**30,
    "scores": MAX_INPUT_BYTES,
    "assignments": 512 * 2**20,
    "conflicts": 512 * 2**20,
}
"""The largest file of each kind that is read (docs/format.md, "Large files"): far above
any real competition, far below what would exhaust a laptop's memory."""


class _Guarded(Composer):
    """A composer that refuses aliases and deep nesting."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None, "YAML aliases (*name) are not allowed", event.start_mark
            )
        depth = getattr(self, "_depth", 0) + 1
        if depth > MAX_YAML_DEPTH:
            raise yaml.MarkedYAMLError(
                None,
                None,
                f"nesting deeper than {MAX_YAML_DEPTH} levels",
                self.peek_event().start_mark,
            )
        self._depth = depth
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth = depth - 1

    def compose_mapping_node(self, anchor: Any) -> Any:  # type: ignore[override]
        """A mapping whose keys are all different: YAML would keep the last of two equal
        keys and drop the first without a word (a juror's second ``affiliations: []`` would
        erase their conflicts)."""
        node = super().compose_mapping_node(anchor)
        first: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = (key_node.tag, key_node.value)
            line = key_node.start_mark.line + 1
            if key in first:
                where = (
                    f"twice on line {line}"
                    if first[key] == line
                    else f"twice, on line {first[key]} and on line {line}"
                )
                raise yaml.MarkedYAMLError(
                    None,
                    None,
                    f"the key {key_node.value!r} is given {where} "
                    "(YAML would silently keep only the last one); keep one",
                    key_node.start_mark,
                )
            first[key] = line
        return node


class _LineLoader(_Guarded, yaml.SafeLoader):
    """Safe loader that refuses aliases and deep nesting (pure Python: its messages are the
    ones shown for a file that does not parse)."""


if CParser is not None:

    class _FastLoader(_Guarded, CParser, SafeConstructor, Resolver):  # type: ignore[misc]
        """The same loader over libyaml's parser: our composer (aliases, depth) and
        constructor run on libyaml's events, several times faster than the Python scanner."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _FAST_LOADER: type | None = _FastLoader
else:  # PyYAML built without libyaml
    _FAST_LOADER = None


@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML document and the line of each node, keyed by its path of keys/indexes."""

    data: Any
    lines: dict[tuple, int]

    def line_of(self, loc: tuple) -> int | None:
        """Line of the deepest node along ``loc`` that exists (pydantic error locations)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)


def _node_lines(node: yaml.Node, prefix: tuple, lines: dict[tuple, int]) -> None:
    lines[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            lines[(*prefix, key)] = key_node.start_mark.line + 1
            _node_lines(value_node, (*prefix, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _node_lines(item, (*prefix, index), lines)


def decode_text(raw: bytes, label: str, log: ProblemLog) -> str | None:
    """Decode UTF-8 (BOM allowed); on failure say where and suggest saving as UTF-8."""
    if b"\x00" in raw[:4096]:
        log.error(
            label, "this is not a text file (it contains NUL bytes)", expected="a UTF-8 text file"
        )
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        log.error(
            label,
            "the file is not valid UTF-8 (perhaps Latin-1 or Windows-1252); "
            "save it as UTF-8 and try again",
            line=line,
            found=f"byte 0x{raw[exc.start]:02x}",
            expected="UTF-8 text",
        )
        return None


def read_yaml(path: Path, label: str, log: ProblemLog, raw: bytes | None = None) -> YamlDoc | None:
    """Parse a YAML file safely; problems go to ``log`` and return None."""
    if raw is None:
        raw = read_bounded(path, label, MAX_INPUT_BYTES, log)
        if raw is None:
            return None
    text = decode_text(raw, label, log)
    if text is None:
        return None
    if _FAST_LOADER is not None:
        try:
            return _without_bidi(_parse_yaml(_FAST_LOADER, text, label, log), label, log)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            pass  # parsed again below, for the pure-Python parser's clearer message
    try:
        return _without_bidi(_parse_yaml(_LineLoader, text, label, log), label, log)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context
        if mark is not None and "'\\t'" in (problem or "") and _tab_indented(text, mark.line):
            problem = "a tab in the indentation; indent with spaces, not tabs"
        log.error(label, f"invalid YAML: {problem}", line=mark.line + 1 if mark else None)
        return None
    except yaml.YAMLError as exc:
        log.error(label, f"invalid YAML: {exc}")
        return None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date such as 2013-02-30
        log.error(label, f"invalid YAML: a value cannot be read ({exc})")
        return None


BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Unicode's bidirectional embeddings, overrides and isolates (U+202A–U+202E,
U+2066–U+2069): invisible, they make a text read in another order ("Prix \u202e81\u202c"
shows as "Prix 18"), so no input may carry them into an output."""
_BIDI_BYTES = re.compile(rb"\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
MAX_BIDI_LISTED = 100


def _bidi_problem(
    label: str, log: ProblemLog, line: int | None, field_name: str | None, text: str, at: int
) -> None:
    character = text[at]
    log.error(
        label,
        f"a bidirectional control character, U+{ord(character):04X} "
        f"{unicodedata.name(character)}, at character {at + 1} of the text: invisible, it "
        "changes the order in which the text reads; remove it",
        line=line,
        field=field_name,
        expected="text without bidirectional controls (U+202A–U+202E, U+2066–U+2069)",
    )


def _without_bidi(doc: YamlDoc | None, label: str, log: ProblemLog) -> YamlDoc | None:
    """The document, or None when a text (a value or a key) holds a bidirectional control."""
    if doc is None:
        return None
    found = 0
    for where, text in _texts(doc.data, ()):
        for match in BIDI_CONTROLS.finditer(text):
            if found < MAX_BIDI_LISTED:
                field_name = ".".join(str(part) for part in where) or None
                _bidi_problem(label, log, doc.line_of(where), field_name, text, match.start())
            found += 1
    return None if found else doc


def _texts(data: Any, where: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(data, str):
        yield where, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                yield (*where, key), key
            yield from _texts(value, (*where, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _texts(value, (*where, index))


def _csv_bidi(raw: bytes, header: list[str], delimiter: str, label: str, log: ProblemLog) -> bool:
    """Log the bidirectional controls of a CSV file (found in its bytes, at C speed); any."""
    found = False
    for count, match in enumerate(_BIDI_BYTES.finditer(raw)):
        if count == MAX_BIDI_LISTED:
            break
        found = True
        start = raw.rfind(b"\n", 0, match.start()) + 1
        end = raw.find(b"\n", match.start())
        before = raw[start : match.start()].decode("utf-8-sig", "replace")
        line_text = before + raw[match.start() : len(raw) if end < 0 else end].decode(
            "utf-8", "replace"
        )
        column = before.count(delimiter)
        cell_start = before.rfind(delimiter) + 1
        name = header[column] if column < len(header) else None
        _bidi_problem(
            label,
            log,
            raw.count(b"\n", 0, match.start()) + 1,
            name,
            line_text[cell_start:],
            len(before) - cell_start,
        )
    return found


def _tab_indented(text: str, line: int) -> bool:
    """Whether a tab is among the blanks that start line ``line`` (counted from 0)."""
    lines = text.splitlines()
    if line >= len(lines):
        return False
    content = lines[line]
    return "\t" in content[: len(content) - len(content.lstrip(" \t"))]


def _parse_yaml(loader_class: type, text: str, label: str, log: ProblemLog) -> YamlDoc | None:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            log.error(label, "the file is empty", expected="a YAML document")
            return None
        lines: dict[tuple, int] = {}
        _node_lines(node, (), lines)
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return YamlDoc(data, lines)


def model_from_yaml(
    model: type[BaseModel], doc: YamlDoc, label: str, log: ProblemLog, loc: tuple = ()
) -> Any:
    """Validate ``doc.data[loc]`` against a pydantic model, logging each error with its line."""
    data = doc.data
    for key in loc:
        data = data[key]
    infinite = list(_not_finite(data, loc))
    for where, value in infinite:  # YAML reads .inf, .nan and 1.0e309 as floats
        log.error(
            label,
            "not a finite number",
            line=doc.line_of(where),
            field=".".join(str(part) for part in where),
            found=repr(value),
            expected="a finite number such as 14 or 14.5",
        )
    if infinite:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            where = (*loc, *err["loc"])
            field_name = ".".join(str(part) for part in where) or None
            found = err.get("input")
            found_text = None if isinstance(found, dict | list) else repr(found)
            if err["type"] == "missing":
                message, found_text = "required field is missing", None
            elif err["type"] == "finite_number":  # '1e309', read as text by YAML
                message = "not a finite number"
                log.error(
                    label,
                    message,
                    line=doc.line_of(where),
                    field=field_name,
                    found=found_text,
                    expected="a finite number such as 14 or 14.5",
                )
                continue
            elif err["type"] == "extra_forbidden":
                message = "unknown field (check its spelling in docs/format.md)"
                found_text = None
            else:
                message = err["msg"].removeprefix("Value error, ")
            log.error(label, message, line=doc.line_of(where), field=field_name, found=found_text)
        return None


def _not_finite(data: Any, where: tuple) -> Iterator[tuple[tuple, float]]:
    """Each float of ``data`` (values and keys, at any depth) that is infinite or NaN."""
    if isinstance(data, float) and not math.isfinite(data):
        yield where, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, float) and not math.isfinite(key):
                yield (*where, key), key
            yield from _not_finite(value, (*where, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _not_finite(value, (*where, index))


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as columns of stripped strings, with each row's line number."""

    label: str
    header: tuple[str, ...]
    columns: dict[str, np.ndarray]
    lines: np.ndarray
    decimal_comma: bool
    factors: dict[str, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Distinct values of some columns, filled by ``factorize``."""

    def __len__(self) -> int:
        return int(self.lines.shape[0])

    def factorize(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The distinct values of a column, sorted, and the index of each cell's value among
        them (``np.unique(column, return_inverse=True)``, computed once)."""
        if name not in self.factors:
            column = self.columns[name]
            if column.size == 0:
                self.factors[name] = (np.array([], dtype=object), np.array([], dtype=np.int64))
            elif max(map(len, column.tolist())) > 256:
                # A fixed-width string array would give every cell the longest one's width
                # (a 100,000-character cell in a million rows: 400 GB): sort distinct values.
                uniques = sorted(set(column.tolist()))
                where = {value: i for i, value in enumerate(uniques)}
                inverse = np.fromiter((where[v] for v in column.tolist()), np.int64, column.size)
                self.factors[name] = (np.array(uniques, dtype=object), inverse)
            else:
                uniques, inverse = np.unique(column.astype(str), return_inverse=True)
                self.factors[name] = (uniques.astype(object), inverse.astype(np.int64).ravel())
        return self.factors[name]


def blank_comment_header(data: bytes) -> bytes:
    """``data`` with its leading ``#`` lines emptied (line numbers kept), for files whose first
    lines record the command that wrote them (``grantjury assign``'s assignments)."""
    lines = data.split(b"\n")
    for at, line in enumerate(lines):
        if not line.lstrip(b"\xef\xbb\xbf").startswith(b"#"):
            break
        lines[at] = b"\r" if line.endswith(b"\r") else b""
    return b"\n".join(lines)


def read_csv(
    path: Path,
    label: str,
    required: tuple[str, ...],
    log: ProblemLog,
    raw: bytes | None = None,
    extra: bool = True,
) -> CsvTable | None:
    """Read a CSV file into columns; a missing column or ragged row is logged with its line.

    A file without quotes is split with numpy over the whole buffer (no Python object per
    row); a file with quotes, or with old Mac line ends, goes through the ``csv`` module.
    ``extra=False`` turns only the ``required`` columns into strings (a free-text comment
    column of a large scores file is never materialised).
    """
    if raw is None:
        raw = read_bounded(path, label, MAX_INPUT_BYTES, log)
        if raw is None:
            return None
    if not _is_utf8_text(raw, label, log):
        return None
    body = 3 if raw.startswith(_BOM) else 0
    first = re.compile(rb"[^ \t\r\n\x0b\x0c]").search(raw, body)
    if first is None:
        log.error(label, "the file is empty", expected=f"a header line: {','.join(required)}")
        return None
    first_start = raw.rfind(b"\n", body, first.start()) + 1 or body
    first_end = raw.find(b"\n", first_start)
    first_line = raw[first_start : len(raw) if first_end < 0 else first_end].decode().strip("\r")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if "\t" in first_line and first_line.count("\t") > first_line.count(delimiter):
        delimiter = "\t"
    if b'"' in raw or raw.count(b"\r") != raw.count(b"\r\n"):
        text = raw[body:].decode("utf-8")
        try:
            found = _rows_by_csv_module(text, delimiter)
        except _UnreadableCsv as exc:
            log.error(label, exc.message, line=exc.line, expected=exc.expected)
            return None
    else:
        found = _rows_by_numpy(raw, body, delimiter)
        if found is not None and _long_cells(found[2], delimiter, label, log):
            return None
    if found is None:
        log.error(
            label,
            "the file holds no header line, only separators",
            found=repr(first_line[:80]),
            expected=f"a header line: {','.join(required)}",
        )
        return None
    header, header_line, rows = found
    if _csv_bidi(raw, header, delimiter, label, log):
        return None
    missing = [name for name in required if name not in header]
    if missing:
        log.error(
            label,
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            line=header_line,
            found=", ".join(header) if len(header) > 1 else repr(first_line[:80]),
            expected=f"a header with {', '.join(required)} (separated by ',' or ';')",
        )
        return None
    wanted = {
        name: i for i, name in enumerate(header) if extra or name in required
    }  # a repeated name keeps its last column, as a dict of the header would
    columns, lines, factors = rows.columns(wanted, len(header), label, log)
    return CsvTable(
        label,
        tuple(header),
        columns,
        lines,
        decimal_comma=delimiter == ";",
        factors=factors,
    )


_BOM = b"\xef\xbb\xbf"
_BLANK_BYTES = b" \t\r\n\x0b\x0c"


def _is_utf8_text(raw: bytes, label: str, log: ProblemLog) -> bool:
    """Like ``decode_text`` without keeping the text: checked in slices of whole lines."""
    if b"\x00" in raw[:4096]:
        return decode_text(raw[:4096], label, log) is not None
    nul = raw.find(b"\x00")
    if nul >= 0:
        log.error(
            label,
            "this is not a text file (it contains NUL bytes)",
            line=raw.count(b"\n", 0, nul) + 1,
            expected="a UTF-8 text file",
        )
        return False
    view = memoryview(raw)
    start = 0
    while start < len(raw):
        end = raw.find(b"\n", start + 2**24)
        end = len(raw) if end < 0 else end + 1  # a newline never splits a UTF-8 sequence
        try:
            codecs.utf_8_decode(view[start:end], "strict", True)
        except UnicodeDecodeError as exc:
            bad = start + exc.start
            log.error(
                label,
                "the file is not valid UTF-8 (perhaps Latin-1 or Windows-1252); "
                "save it as UTF-8 and try again",
                line=raw.count(b"\n", 0, bad) + 1,
                found=f"byte 0x{raw[bad]:02x}",
                expected="UTF-8 text",
            )
            return False
        start = end
    return True


_Columns = tuple[dict[str, np.ndarray], np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]
"""Columns by name, the line of each row, and the distinct values of the columns that have
them already (see ``CsvTable.factorize``)."""


class _ParsedRows:
    """Rows as the ``csv`` module read them (quoted fields)."""

    def __init__(self, rows: list[list[str]], lines: list[int]):
        self.rows, self.lines = rows, lines

    def columns(self, wanted: dict[str, int], width: int, label: str, log: ProblemLog) -> _Columns:
        good_rows, good_lines = [], []
        for row, line in zip(self.rows, self.lines, strict=True):
            if _ragged(row, width):
                _wrong_cells(label, line, len(row), width, log)
                continue
            good_rows.append(row[:width])
            good_lines.append(line)
        transposed = list(zip(*good_rows, strict=True))
        columns = {
            name: np.array([_cell(c) for c in transposed[i]] if good_rows else [], dtype=object)
            for name, i in wanted.items()
        }
        return columns, np.array(good_lines, dtype=np.int64), {}


def _cell(text: str) -> str:
    """A cell as the engine reads it: without surrounding spaces, in Unicode's composed form
    (NFC), so that an id typed with a decomposed accent or Arabic mark is the same id."""
    text = text.strip()
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _ragged(row: list[str], width: int) -> bool:
    """Cells beyond the header's are allowed when they are all empty (a trailing separator)."""
    return len(row) != width and not (len(row) > width and not any(c.strip() for c in row[width:]))


def _wrong_cells(label: str, line: int, found: int, width: int, log: ProblemLog) -> None:
    log.error(
        label,
        "wrong number of cells",
        line=line,
        found=str(found),
        expected=f"{width} (as in the header)",
    )


def _rows_by_csv_module(
    text: str, delimiter: str
) -> tuple[list[str], int, _ParsedRows | _SplitRows] | None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in row]
                header_line = reader.line_num
                continue
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise _UnreadableCsv(
                f"a cell is longer than {MAX_CELL_CHARS} characters",
                reader.line_num,
                f"at most {MAX_CELL_CHARS} characters in a cell (a long text belongs in a "
                "document of its own; check that every opening quote is closed)",
            ) from None
        raise _UnreadableCsv(f"the file cannot be read as CSV ({exc})", reader.line_num) from None
    if header is None:
        return None
    return header, header_line, _ParsedRows(rows, lines)


class _UnreadableCsv(Exception):
    """A CSV file the ``csv`` module stops on (a cell above the limit), with its line."""

    def __init__(self, message: str, line: int, expected: str | None = None):
        super().__init__(message)
        self.message, self.line, self.expected = message, line, expected


def _long_cells(
    rows: _ParsedRows | _SplitRows, delimiter: str, label: str, log: ProblemLog
) -> bool:
    """Log each line of an unquoted file with a cell above ``MAX_CELL_CHARS``; any found.

    Only lines longer than the limit are looked at (with numpy, over all lines at once):
    such a cell would otherwise be copied into every fixed-width string array that holds
    its column."""
    if not isinstance(rows, _SplitRows):
        return False
    found = False
    for k in np.flatnonzero(rows.ends - rows.starts > MAX_CELL_CHARS).tolist():
        line = rows.data[rows.starts[k] : rows.ends[k]].tobytes().decode()
        longest = max(len(cell) for cell in line.split(delimiter))
        if longest > MAX_CELL_CHARS:
            found = True
            log.error(
                label,
                f"a cell is longer than {MAX_CELL_CHARS} characters",
                line=int(rows.numbers[k]),
                found=f"{longest} characters",
                expected=f"at most {MAX_CELL_CHARS} characters in a cell (a long text "
                "belongs in a document of its own)",
            )
    return found


class _SplitRows:
    """Rows of a file without quotes: each line is one row, split at each separator."""

    def __init__(
        self,
        raw: bytes,
        data: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
        delimiters: np.ndarray,
        numbers: np.ndarray,
        delimiter: str,
    ):
        self.raw, self.data, self.starts, self.ends = raw, data, starts, ends
        self.delimiters, self.numbers, self.delimiter = delimiters, numbers, delimiter

    def columns(self, wanted: dict[str, int], width: int, label: str, log: ProblemLog) -> _Columns:
        first = np.searchsorted(self.delimiters, self.starts)
        count = np.searchsorted(self.delimiters, self.ends) - first
        regular = count == width - 1
        kept: list[tuple[int, list[str]]] = []
        for k in np.flatnonzero(~regular).tolist():
            line = self.data[self.starts[k] : self.ends[k]].tobytes().decode()
            row = line.split(self.delimiter)
            if _ragged(row, width):
                _wrong_cells(label, int(self.numbers[k]), len(row), width, log)
            else:
                kept.append((int(self.numbers[k]), row[:width]))
        rows = np.flatnonzero(regular)
        lines = self.numbers[rows]
        columns: dict[str, np.ndarray] = {}
        factors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, i in wanted.items():
            cell_start = self.starts[rows] if i == 0 else self.delimiters[first[rows] + i - 1] + 1
            cell_end = self.ends[rows] if i == width - 1 else self.delimiters[first[rows] + i]
            uniques, inverse = _distinct_cells(self.data, cell_start, cell_end)
            columns[name] = uniques[inverse]
            if not kept:
                factors[name] = (uniques, inverse)
        if kept:
            order = np.argsort(np.concatenate([lines, [n for n, _ in kept]]), kind="stable")
            lines = np.concatenate([lines, [n for n, _ in kept]]).astype(np.int64)[order]
            for name, i in wanted.items():
                added = np.array([_cell(row[i]) for _, row in kept], dtype=object)
                columns[name] = np.concatenate([columns[name], added])[order]
        return columns, lines.astype(np.int64), factors


def _rows_by_numpy(
    raw: bytes, body: int, delimiter: str
) -> tuple[list[str], int, _ParsedRows | _SplitRows] | None:
    data = np.frombuffer(raw, dtype=np.uint8)[body:]
    newlines = _positions(data, "\n")
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [data.size]))
    if starts[-1] == data.size:  # the file ends with a newline
        starts, ends = starts[:-1], ends[:-1]
    numbers = np.arange(1, starts.size + 1, dtype=np.int64)
    # A line is blank when all its cells are empty. Most lines start with a letter or a
    # digit and are not; the few that start with a space or a separator are looked at.
    doubtful = np.zeros(256, dtype=bool)
    doubtful[list(_BLANK_BYTES + delimiter.encode())] = True
    filled = ends > starts
    filled[filled] = ~doubtful[data[starts[filled]]]
    for k in np.flatnonzero((ends > starts) & ~filled).tolist():
        cells = data[starts[k] : ends[k]].tobytes().decode().split(delimiter)
        filled[k] = any(cell.strip() for cell in cells)
    rows = np.flatnonzero(filled)
    if rows.size == 0:
        return None
    h = int(rows[0])
    line = data[starts[h] : ends[h]].tobytes().decode()
    header = [cell.strip().lower() for cell in line.split(delimiter)]
    rows = rows[1:]
    delimiters = _positions(data, delimiter)
    split = _SplitRows(raw, data, starts[rows], ends[rows], delimiters, numbers[rows], delimiter)
    return header, int(numbers[h]), split


def _positions(data: np.ndarray, character: str) -> np.ndarray:
    """Where a one-byte character occurs, scanned in slices: a comparison over the whole
    buffer would need a boolean array as large as the file."""
    byte = ord(character)
    step = 2**24
    found = [
        np.flatnonzero(data[start : start + step] == byte) + start
        for start in range(0, data.size, step)
    ]
    return np.concatenate(found) if found else np.array([], dtype=np.int64)


def _distinct_cells(
    data: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct stripped texts of some cells (sorted, as ``np.unique`` would give them)
    and the index of each cell's text among them.

    A cell of at most 16 bytes is exactly its length, its first 8 bytes and its last 8
    bytes: three integers read with numpy, hashed into one key whose collisions are checked.
    Longer cells go through a dictionary of their bytes. Only distinct values become Python
    strings.
    """
    n = start.size
    if n == 0:
        return np.array([], dtype=object), np.array([], dtype=np.int64)
    if data.size < 8:  # too short for an 8-byte window: pad (a file this small is cheap)
        data = np.concatenate([data, np.zeros(8, dtype=np.uint8)])
    length = end - start
    inverse = np.empty(n, dtype=np.int64)
    short = np.flatnonzero(length <= 16)
    firsts: list[int] = []
    if short.size:
        size = length[short]
        head = _word_at(data, start[short], np.minimum(size, 8))
        tail = np.zeros(short.size, dtype=np.uint64)
        over = size > 8
        tail[over] = _word_at(data, end[short][over] - 8, np.full(int(over.sum()), 8))
        key = head * _MIX[0] ^ tail * _MIX[1] ^ size.astype(np.uint64)
        distinct, found = np.unique(key, return_inverse=True)  # no return_index: a faster sort
        found = found.ravel()
        first = np.empty(distinct.size, dtype=np.int64)
        first[found] = np.arange(found.size)  # one cell of each key (any will do)
        same = first[found]
        if not (
            np.array_equal(head, head[same])
            and np.array_equal(tail, tail[same])
            and np.array_equal(size, size[same])
        ):  # a hash collision: sort the three integers themselves
            order = np.lexsort((tail, head, size))
            change = np.ones(order.size, dtype=bool)
            change[1:] = (
                (size[order][1:] != size[order][:-1])
                | (head[order][1:] != head[order][:-1])
                | (tail[order][1:] != tail[order][:-1])
            )
            group = np.cumsum(change) - 1
            found = np.empty(order.size, dtype=np.int64)
            found[order] = group
            first = order[change]
        inverse[short] = found
        firsts = short[first].tolist()
    texts = [_cell(data[start[i] : end[i]].tobytes().decode()) for i in firsts]
    longer = np.flatnonzero(length > 16)
    if longer.size:
        ids: dict[bytes, int] = {}
        codes = []
        for s, e in zip(start[longer].tolist(), end[longer].tolist(), strict=True):
            codes.append(ids.setdefault(data[s:e].tobytes(), len(texts) + len(ids)))
        inverse[longer] = codes
        texts += [_cell(cell.decode()) for cell in ids]
    distinct = sorted(set(texts))
    position = {text: i for i, text in enumerate(distinct)}
    remap = np.array([position[text] for text in texts], dtype=np.int64)
    return np.array(distinct, dtype=object), remap[inverse]


_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [2**64 - 1], dtype=np.uint64)
"""``_LOW_BYTES[k]`` keeps the k lowest bytes of a little-endian 64-bit word."""


def _word_at(data: np.ndarray, position: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The ``count`` (≤ 8) bytes at each position as a little-endian integer, zero above."""
    windows = np.lib.stride_tricks.sliding_window_view(data, 8)
    base = np.minimum(position, data.size - 8)  # a window may not run past the end
    words = windows[base].view("<u8").ravel()
    words >>= ((position - base) * 8).astype(np.uint64)
    return words & _LOW_BYTES[count]


@dataclass
class RawCompetition:
    """Everything loaded from the files, before cross-file validation."""

    path: Path
    base: Path
    spec: CompetitionFile | None
    rubrics: dict[str, Rubric] = field(default_factory=dict)
    rubric_files: dict[str, str] = field(default_factory=dict)
    """Label of the rubric file used by each domain (for messages)."""
    submissions: list[tuple[Submission, str, dict[str, int | None]]] = field(default_factory=list)
    """Each submission with its file label and the line of its ``id`` and ``domain``."""
    submission_ids_seen: set[str] = field(default_factory=set)
    """Ids of every submission found, including those whose other fields are invalid."""
    submissions_label: str = ""
    jurors_readable: bool = False
    """False when the jurors file could not be read at all: juror references go unchecked."""
    submissions_readable: bool = True
    """False when some submission file could not be read: submission references go unchecked."""
    jurors: list[tuple[Juror, int | None]] = field(default_factory=list)
    juror_panel_lines: list[tuple[int | None, ...]] = field(default_factory=list)
    """The line of each domain of each juror's panel (``domains``), parallel to ``jurors``."""
    juror_ids_seen: set[str] = field(default_factory=set)
    jurors_label: str = ""
    scores: CsvTable | None = None
    conflicts: CsvTable | None = None
    assignments: CsvTable | None = None
    revisions: CsvTable | None = None
    """The consensus round's revisions (``revisions:``), validated by ``revisions.py``."""
    still_to_come: dict[str, str] = field(default_factory=dict)
    """Files named in competition.yaml that do not exist yet, by key (``scores``,
    ``assignments``): a later step writes them; validation decides whether that is allowed."""
    inputs: dict[str, InputFile] = field(default_factory=dict)


class _Inputs:
    """Reads input files once, recording path (relative to the competition), size and digest."""

    def __init__(self, base: Path, log: ProblemLog, record: dict[str, InputFile]):
        self.base, self.log, self.record = base, log, record

    def label(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.base.resolve()).as_posix()
        except ValueError:
            return Path(*_relative_parts(path.resolve(), self.base.resolve())).as_posix()

    def read(
        self, relative: str, what: str, referrer: str, key: str
    ) -> tuple[Path, str, bytes] | None:
        path = self.base / relative
        label = self.label(path)
        if not path.exists():
            self.log.error(
                referrer,
                f"{what} file not found",
                field=key,
                found=relative,
                expected="a path relative to the competition file",
            )
            return None
        if path.is_dir():
            self.log.error(
                referrer, f"{what} must be a file, not a folder", field=key, found=relative
            )
            return None
        named = f"{relative} (a link to {path.resolve()})" if path.is_symlink() else label
        raw = read_bounded(path, named, MAX_BYTES.get(what, MAX_INPUT_BYTES), self.log)
        if raw is None:
            return None
        self.record[label] = InputFile(label, "sha256:" + hashlib.sha256(raw).hexdigest(), len(raw))
        return path, label, raw


def read_bounded(path: Path, label: str, limit: int, log: ProblemLog) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes, or None with the reason logged.

    The file is opened once, following links, without blocking (``O_NONBLOCK``: a named pipe
    opens at once instead of waiting for a writer), and its kind and size are taken from the
    open file (``fstat``), so that what is checked is what is read. A device such as
    ``/dev/zero``, a pipe or a socket is refused before a byte is read; so is a file above
    the limit, and one that grows past it while it is read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(path, flags)
    except OSError as exc:
        log.error(label, f"the file cannot be read ({exc.strerror})")
        return None
    with os.fdopen(handle, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            log.error(
                label,
                f"this is not a regular file but {_file_kind(info.st_mode)}",
                expected="a regular file (save the data into a file and name that file)",
            )
            return None
        if info.st_size > limit:
            log.error(
                label,
                "the file is too large",
                found=_size(info.st_size),
                expected=f"at most {_size(limit)}",
            )
            return None
        raw = file.read(info.st_size + 1)  # one buffer of the file's size, not the limit's
        if len(raw) > info.st_size:  # it grows as it is read: take the rest in steps
            parts, total = [raw], len(raw)
            while total <= limit:
                chunk = file.read(min(2**20, limit + 1 - total))
                if not chunk:
                    break
                parts.append(chunk)
                total += len(chunk)
            raw = b"".join(parts)
    if len(raw) > limit:
        log.error(
            label,
            "the file is too large (it grew while it was read)",
            expected=f"at most {_size(limit)}",
        )
        return None
    return raw


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _size(size: int) -> str:
    return f"{size} bytes" if size < 2**20 else f"{size / 2**20:.0f} MB ({size} bytes)"


def _relative_parts(path: Path, base: Path) -> list[str]:
    common = 0
    for a, b in zip(path.parts, base.parts, strict=False):
        if a != b:
            break
        common += 1
    return [".."] * (len(base.parts) - common) + list(path.parts[common:])


def find_competition_file(path: Path) -> Path:
    """A competition is named by its YAML file or by the folder that holds competition.yaml."""
    return path / "competition.yaml" if path.is_dir() else path


def load_raw(competition_path: Path, log: ProblemLog) -> RawCompetition:
    """Read every file of a competition; problems are logged, never raised."""
    competition_path = find_competition_file(competition_path)
    base = competition_path.parent
    raw = RawCompetition(path=competition_path, base=base, spec=None)
    files = _Inputs(base, log, raw.inputs)
    if not competition_path.is_file():
        log.error(
            str(competition_path),
            "competition file not found",
            expected="a competition.yaml file or a folder that holds one",
        )
        return raw
    got = files.read(competition_path.name, "competition", str(competition_path), "")
    if got is None:
        return raw
    _, comp_label, comp_bytes = got
    doc = read_yaml(competition_path, comp_label, log, comp_bytes)
    if doc is None:
        return raw
    if not isinstance(doc.data, dict):
        log.error(
            comp_label,
            "the competition file must be a mapping of keys to values",
            line=1,
            expected="keys such as id, title, domains (see docs/format.md)",
        )
        return raw
    raw.spec = spec = model_from_yaml(CompetitionFile, doc, comp_label, log)
    if spec is None:
        return raw
    _check_languages(spec, doc, comp_label, log)
    _load_files(raw, files, spec, comp_label, log)
    return raw


def load_stage(competition_path: Path, spec: CompetitionFile, log: ProblemLog) -> RawCompetition:
    """Read the files of one stage of a competition (``stages.py``): ``spec`` is the
    competition file with that stage's rubric, jurors, scores and assignments in place."""
    competition_path = find_competition_file(competition_path)
    raw = RawCompetition(path=competition_path, base=competition_path.parent, spec=spec)
    files = _Inputs(raw.base, log, raw.inputs)
    _load_files(raw, files, spec, competition_path.name, log)
    return raw


def _load_files(
    raw: RawCompetition, files: _Inputs, spec: CompetitionFile, comp_label: str, log: ProblemLog
) -> None:
    """Read the files the competition file names (rubrics, submissions, jurors, CSVs)."""
    base = raw.base
    rubric_cache: dict[str, Rubric | None] = {}
    for index, domain in enumerate(spec.domains):
        relative = domain.rubric or spec.rubric
        key = f"domains.{index}.rubric" if domain.rubric else "rubric"
        if relative not in rubric_cache:
            rubric_cache[relative] = _load_rubric(files, relative, comp_label, key, spec, log)
        rubric = rubric_cache[relative]
        if rubric is not None:
            raw.rubrics[domain.id] = rubric
            raw.rubric_files[domain.id] = files.label(base / relative)

    _load_submissions(raw, files, spec, comp_label, log)
    _load_jurors(raw, files, spec, comp_label, log)
    if spec.scores is not None and not (base / spec.scores).exists():
        raw.still_to_come["scores"] = spec.scores
    elif spec.scores is not None:
        got = files.read(spec.scores, "scores", comp_label, "scores")
        if got is not None:
            path, label, data = got
            # Only the four columns the engine reads: a comment column is never turned into
            # strings (a 200 MB file of comments stays a 200 MB file).
            raw.scores = read_csv(
                path, label, ("juror", "submission", "criterion", "score"), log, data, extra=False
            )
    if spec.assignments is not None and not (base / spec.assignments).exists():
        raw.still_to_come["assignments"] = spec.assignments
    elif spec.assignments is not None:
        got = files.read(spec.assignments, "assignments", comp_label, "assignments")
        if got is not None:
            path, label, data = got
            data = blank_comment_header(data)  # grantjury assign's record of how it was made
            raw.assignments = read_csv(path, label, ("juror", "submission"), log, data)
    if spec.conflicts is not None:
        got = files.read(spec.conflicts, "conflicts", comp_label, "conflicts")
        if got is not None:
            path, label, data = got
            raw.conflicts = read_csv(path, label, ("juror", "submission", "reason"), log, data)
    if spec.revisions is not None:
        got = files.read(spec.revisions, "revisions", comp_label, "revisions")
        if got is not None:
            path, label, data = got
            raw.revisions = read_csv(path, label, REVISION_COLUMNS, log, data)


REVISION_COLUMNS = ("juror", "submission", "criterion", "score", "reason")


def _check_languages(spec: CompetitionFile, doc: YamlDoc, label: str, log: ProblemLog) -> None:
    texts: list[tuple[tuple, dict[str, str]]] = [(("title",), spec.title), (("place",), spec.place)]
    texts += [(("domains", i, "name"), d.name) for i, d in enumerate(spec.domains)]
    for loc, text in texts:
        _check_text(text, spec.languages, label, ".".join(map(str, loc)), doc.line_of(loc), log)


def _check_text(
    text: dict[str, str],
    languages: tuple[str, ...],
    label: str,
    field_name: str,
    line: int | None,
    log: ProblemLog,
) -> None:
    missing = [lang for lang in languages if lang not in text]
    if missing:
        log.error(
            label,
            f"text missing in {', '.join(missing)}",
            line=line,
            field=field_name,
            found=", ".join(sorted(text)) or "no language",
            expected=f"one entry per language: {', '.join(languages)}",
        )


def _load_rubric(
    files: _Inputs, relative: str, referrer: str, key: str, spec: CompetitionFile, log: ProblemLog
) -> Rubric | None:
    if files.label(files.base / relative) == referrer:  # a reference that loops back
        log.error(
            referrer,
            "the rubric cannot be the competition file itself",
            field=key,
            found=relative,
            expected="a rubric YAML file of its own (id, name, criteria)",
        )
        return None
    got = files.read(relative, "rubric", referrer, key)
    if got is None:
        return None
    path, label, data = got
    doc = read_yaml(path, label, log, data)
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        log.error(label, "a rubric must be a mapping with id, name and criteria", line=1)
        return None
    rubric = model_from_yaml(Rubric, doc, label, log)
    if rubric is None:
        return None
    seen: set[str] = set()
    for i, criterion in enumerate(rubric.criteria):
        line = doc.line_of(("criteria", i))
        if criterion.id in seen:
            log.error(
                label,
                "duplicate criterion id",
                line=line,
                field=f"criteria.{i}.id",
                found=criterion.id,
                expected="each criterion id once",
            )
        seen.add(criterion.id)
        _check_text(criterion.name, spec.languages, label, f"criteria.{i}.name", line, log)
    return rubric


def _load_submissions(
    raw: RawCompetition, files: _Inputs, spec: CompetitionFile, referrer: str, log: ProblemLog
) -> None:
    folder = raw.base / spec.submissions
    raw.submissions_label = files.label(folder)
    if folder.is_dir():
        paths = sorted(
            p for p in folder.iterdir() if p.suffix.lower() in (".yaml", ".yml") and not p.is_dir()
        )
        for path in paths:
            got = files.read(
                path.relative_to(raw.base).as_posix(), "submission", referrer, "submissions"
            )
            if got is None:
                continue
            _, label, data = got
            doc = read_yaml(path, label, log, data)
            if doc is None:
                raw.submissions_readable = False
                continue
            if isinstance(doc.data, dict) and isinstance(doc.data.get("id"), str):
                raw.submission_ids_seen.add(_cell(doc.data["id"]))
            if not isinstance(doc.data, dict):
                log.error(label, "a submission file must be a mapping of keys to values", line=1)
                continue
            submission = model_from_yaml(Submission, doc, label, log)
            if submission is not None:
                _check_submission_texts(submission, spec, label, doc.line_of(("title",)), log)
                lines = {key: doc.line_of((key,)) for key in ("id", "domain")}
                raw.submissions.append((submission, label, lines))
        return
    if folder.suffix.lower() == ".csv" or folder.is_file():
        got = files.read(spec.submissions, "submissions", referrer, "submissions")
        if got is None:
            raw.submissions_readable = False
            return
        path, label, data = got
        names = tuple(f"association_name_{lang}" for lang in spec.languages)
        titles = tuple(f"title_{lang}" for lang in spec.languages)
        table = read_csv(
            path, label, ("id", "domain", "association_id", *names, *titles), log, data
        )
        if table is None:
            return
        col = {name: column.tolist() for name, column in table.columns.items()}
        amounts = col.get("requested_amount")
        attribute_columns = [name for name in table.header if name.startswith("attribute_")]
        records, lines = [], table.lines.tolist()
        for row in range(len(table)):
            raw.submission_ids_seen.add(col["id"][row])
            record = {
                "id": col["id"][row],
                "domain": col["domain"][row],
                "association": {
                    "id": col["association_id"][row],
                    "name": {lang: col[f"association_name_{lang}"][row] for lang in spec.languages},
                },
                "title": {lang: col[f"title_{lang}"][row] for lang in spec.languages},
            }
            if amounts is not None and amounts[row] != "":
                record["requested_amount"] = _number_text(amounts[row], table.decimal_comma)
            if "eligible" in col and col["eligible"][row] != "":
                record["eligible"] = col["eligible"][row]
            if "reason" in col and col["reason"][row] != "":
                record["reason"] = col["reason"][row]
            reasons = {
                lang: col[f"reason_{lang}"][row]
                for lang in spec.languages
                if f"reason_{lang}" in col and col[f"reason_{lang}"][row] != ""
            }
            if reasons:  # reason_<lang> columns: the reason in each language
                record["reason"] = reasons
            if "documents" in col:  # ids separated by spaces or `|` (rule packs)
                record["documents"] = [d for d in re.split(r"[|\s]+", col["documents"][row]) if d]
            if "governing_bodies_renewed" in col and col["governing_bodies_renewed"][row] != "":
                record["governing_bodies_renewed"] = col["governing_bodies_renewed"][row]
            attributes = {
                name.removeprefix("attribute_"): col[name][row]
                for name in attribute_columns
                if col[name][row] != ""
            }
            if attributes:
                record["attributes"] = attributes
            records.append(record)
        try:  # all rows in one call; row by row only to locate the problems
            valid = _SUBMISSION_LIST.validate_python(records)
        except ValidationError:
            valid = None
        if valid is not None:
            raw.submissions.extend(
                (submission, label, {"id": line, "domain": line})
                for submission, line in zip(valid, lines, strict=True)
            )
            return
        for record, line in zip(records, lines, strict=True):
            doc = YamlDoc(record, {(): line})
            submission = model_from_yaml(Submission, doc, label, log)
            if submission is not None:
                raw.submissions.append((submission, label, {"id": line, "domain": line}))
        return
    log.error(
        referrer,
        "submissions folder or CSV file not found",
        field="submissions",
        found=spec.submissions,
        expected="a folder of YAML files or a CSV file",
    )


_SUBMISSION_LIST = TypeAdapter(list[Submission])


def _number_text(text: str, decimal_comma: bool) -> str:
    return text.replace(",", ".") if decimal_comma else text


def _check_submission_texts(
    submission: Submission, spec: CompetitionFile, label: str, line: int | None, log: ProblemLog
) -> None:
    _check_text(submission.title, spec.languages, label, "title", line, log)
    _check_text(submission.association.name, spec.languages, label, "association.name", line, log)


def _load_jurors(
    raw: RawCompetition, files: _Inputs, spec: CompetitionFile, referrer: str, log: ProblemLog
) -> None:
    got = files.read(spec.jurors, "jurors", referrer, "jurors")
    if got is None:
        return
    path, label, data = got
    raw.jurors_label = label
    doc = read_yaml(path, label, log, data)
    if doc is None:
        return
    if not isinstance(doc.data, list):
        log.error(
            label,
            "the jurors file must be a list of jurors",
            line=1,
            expected="- id: J01\n  name: ...",
        )
        return
    raw.jurors_readable = True
    for index, item in enumerate(doc.data):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            raw.juror_ids_seen.add(_cell(item["id"]))
        juror = model_from_yaml(Juror, doc, label, log, loc=(index,))
        if juror is not None:
            raw.jurors.append((juror, doc.line_of((index, "id"))))
            raw.juror_panel_lines.append(
                tuple(doc.line_of((index, "domains", k)) for k in range(len(juror.domains)))
            )
