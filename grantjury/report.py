"""Report stage: serialise results to stable bytes and write them atomically.

Outputs are built in memory, written into a temporary folder beside the target, then moved
into place, so a failure never leaves a half-written report.
"""

from __future__ import annotations

import csv
import ctypes
import errno
import io
import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import orjson
import pydantic_core

from .errors import OutputError
from .figures import shown_figure, shown_share
from .manifest import (
    MANIFEST,
    build_manifest,
    engine_versions,
    input_contents,
    manifest_json,
    record_outputs,
    run_digest,
)
from .results import Results
from .safe_text import spreadsheet_text

OUR_FILES = {"results.json", "ranking.csv", MANIFEST, "README.md"}
"""Files a previous report may hold; anything else in the output folder needs --force."""


def build_outputs(
    results: Results,
    given_options: dict[str, Any],
    competition_file: Path,
    out_dir: Path,
    engine: dict[str, str] | None = None,
    contents: dict[str, str] | None = None,
) -> tuple[Results, dict[str, bytes]]:
    """The results with their run digest, and every output file's bytes, manifest included.

    The manifest records where the competition file is, relative to the output folder, so
    that ``grantjury verify`` finds the inputs again, and each input's content digest
    (``contents``; read from the inputs when not given).
    """
    engine = engine or engine_versions()
    if contents is None:
        contents = input_contents(competition_file, results.inputs)
    results = results.model_copy(update={"digest": run_digest(results, engine)})
    files = {"results.json": results_json(results), "ranking.csv": ranking_csv(results)}
    where = Path(os.path.relpath(competition_file.resolve(), out_dir.resolve())).as_posix()
    manifest = build_manifest(results, engine, given_options, files, contents)
    files[MANIFEST] = manifest_json({**manifest, "competition_file": where})
    return results, files


def results_json(results: Results) -> bytes:
    """Stable JSON: sorted keys, two-space indent, UTF-8, trailing newline.

    Written by orjson (a tenth of the time at 50,000 submissions), byte for byte what
    ``pretty_json`` writes: integers beyond 64 bits go to ``pretty_json``, and the few numbers
    orjson writes otherwise than Python (below 10⁻⁴) are rewritten as Python writes them.
    orjson would write NaN and infinity as ``null``: pydantic's serializer (as fast) looks for
    them first, and when it finds one (or a text that reads like one) ``pretty_json`` writes
    the file, refusing a real one as it always did.
    """
    data = results.as_json()
    if _may_hold_non_finite(data):
        return (pretty_json(data) + "\n").encode("utf-8")
    try:
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits, a key that is not text
        return (pretty_json(data) + "\n").encode("utf-8")
    return python_floats(text) + b"\n"


def _may_hold_non_finite(data: Any) -> bool:
    """Whether ``data`` may hold a NaN or an infinity (a text holding "NaN" also says yes)."""
    try:
        text = pydantic_core.to_json(data, inf_nan_mode="constants")
    except (TypeError, ValueError, pydantic_core.PydanticSerializationError):
        return True
    return b"NaN" in text or b"Infinity" in text


_NUMBER_BYTES = frozenset(b"0123456789.-+e")


def python_floats(text: bytes) -> bytes:
    """Indented JSON from orjson with its small numbers written as Python's ``repr`` writes
    them (``1e-05``, not ``0.00001``; ``1e-07``, not ``1e-7``).

    orjson and Python agree on every other float (both write the shortest text that reads
    back to the same double). A number is a value only where a line holds it alone (a list
    item) or after a key, then a comma or the end of the line: inside a string a line never
    ends (newlines are escaped) and a string ends with its quote, so text is never rewritten.
    """
    spans = []
    for marker in (b"e-", b"0.0000"):
        at = text.find(marker)
        while at >= 0:
            start = end = at
            while start > 0 and text[start - 1] in _NUMBER_BYTES:
                start -= 1
            while end < len(text) and text[end] in _NUMBER_BYTES:
                end += 1
            after = text[end : end + 2]
            line = text.rfind(b"\n", 0, start) + 1
            before_ok = text[start - 2 : start] == b": " or not text[line:start].strip(b" ")
            if (after[:1] == b"\n" or after == b",\n" or end == len(text)) and before_ok:
                spans.append((start, end))
            at = text.find(marker, end)
    if not spans:
        return text
    parts, done = [], 0
    for start, end in sorted(set(spans)):
        parts += [text[done:start], repr(float(text[start:end])).encode()]
        done = end
    parts.append(text[done:])
    return b"".join(parts)


class _NotPlain(Exception):
    """A value ``pretty_json`` leaves to ``json.dumps`` (non-text keys, NaN, other types)."""


_INFINITY = float("inf")


def pretty_json(data: Any) -> str:
    """``json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)``,
    byte for byte, about twice as fast: the standard library writes indented JSON with its
    pure-Python encoder, which takes seconds for the results of 50,000 submissions. Anything
    unusual (a key that is not text, NaN, a type JSON does not know) goes to ``json.dumps``,
    which writes it or raises as it always did."""
    parts: list[str] = []
    try:
        _write_json(data, "\n", parts)
    except _NotPlain:
        return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return "".join(parts)


def _json_scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float and -_INFINITY < value < _INFINITY:  # False for NaN too
        return float.__repr__(value)
    raise _NotPlain


def _write_json(value: Any, newline: str, parts: list[str]) -> None:
    kind = type(value)
    if kind is dict:
        if not value:
            parts.append("{}")
            return
        inner = newline + "  "
        parts.append("{")
        separator = inner
        for key in sorted(value):
            if type(key) is not str:
                raise _NotPlain
            item = value[key]
            if type(item) in (dict, list, tuple):
                parts.append(f"{separator}{encode_basestring(key)}: ")
                _write_json(item, inner, parts)
            else:
                parts.append(f"{separator}{encode_basestring(key)}: {_json_scalar(item)}")
            separator = "," + inner
        parts.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            parts.append("[]")
            return
        inner = newline + "  "
        parts.append("[")
        separator = inner
        for item in value:
            if type(item) in (dict, list, tuple):
                parts.append(separator)
                _write_json(item, inner, parts)
            else:
                parts.append(separator + _json_scalar(item))
            separator = "," + inner
        parts.append(newline + "]")
    else:
        parts.append(_json_scalar(value))


CSV_DELIMITER = ";"
"""ranking.csv's separator: with the decimal comma, what a spreadsheet in a French (or
Arabic, Moroccan) locale reads as numbers on opening, as Excel's and LibreOffice's own
French CSV exports are written."""

CSV_DECIMAL = ","
"""ranking.csv's decimal mark (see ``CSV_DELIMITER``)."""

CSV_COLUMNS_AFTER_TEXT = (
    "score",
    "raw_mean",
    "n_jurors",
    "eligible",
    "ineligible_reasons",
    "decision",
    "winner",
    "reserve_position",
    "p_win_percent",
    "rank_low",
    "rank_high",
    "funded_amount",
    "tie_break",
)
"""The columns after the names and titles (docs/results.md describes each)."""


def ranking_csv(results: Results) -> bytes:
    """The rankings as a table for spreadsheets (UTF-8 with BOM so Excel reads Arabic).

    Figures are the published ones as the documents show them (``figures.shown_figure``:
    scores with 2 decimals; ``figures.shown_share``: p(win) as a whole percentage, never 0 or
    100 unless certain), written with a decimal comma and separated by ``;`` so that a
    spreadsheet in a French locale opens them as numbers. Text cells that a spreadsheet would
    run as formulas get a leading apostrophe (``safe_text.spreadsheet_text``); results.json
    keeps the text as it was given."""
    languages = results.competition.languages
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(
        [
            "domain",
            "rank",
            "submission",
            "association_id",
            *(f"association_name_{lang}" for lang in languages),
            *(f"title_{lang}" for lang in languages),
            *CSV_COLUMNS_AFTER_TEXT,
        ]
    )
    for domain, entry in results.entries():
        sub = results.submissions[entry.submission]
        text = spreadsheet_text  # every text cell; the numbers stay numbers
        reserve = (
            domain.reserve.index(entry.submission) + 1 if entry.submission in domain.reserve else ""
        )
        interval = entry.rank_interval
        writer.writerow(
            [
                text(domain.id),
                "" if entry.rank is None else entry.rank,
                text(entry.submission),
                text(sub.association.id),
                *(text(sub.association.name.get(lang, "")) for lang in languages),
                *(text(sub.title.get(lang, "")) for lang in languages),
                _number(entry.score),
                _number(entry.raw_mean),
                entry.n_jurors,
                "yes" if entry.eligible else "no",
                " ".join(reason.code for reason in entry.ineligible_reasons),
                entry.decision.code,
                "yes" if entry.winner else "no",
                reserve,
                "" if entry.p_selected is None else csv_share(entry.p_selected),
                "" if interval is None else interval[0],
                "" if interval is None else interval[1],
                _number(entry.funded, 0),
                text(entry.tie_break.key) if entry.tie_break else "",
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_share(value: float) -> int:
    """p(win) in ranking.csv: the whole percentage every document and the console show
    (``figures.shown_share``; 0.998 is 99, shown "over 99 %" in documents)."""
    return shown_share(value).percent


def _number(value: float | None, digits: int = 2) -> str:
    """A published figure as shown (``digits`` decimals, trailing zeros dropped), with the
    decimal comma of ``CSV_DECIMAL`` and no grouping: one cell a spreadsheet reads as a
    number."""
    if value is None:
        return ""
    text = f"{shown_figure(value, digits):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", CSV_DECIMAL)


def check_output_dir(out_dir: Path) -> None:
    """Refuse an output path that is a file or a folder we cannot write into."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(
            f"{out_dir}: the output path is a file, not a folder; choose a folder with --out"
        )
    parent = out_dir if out_dir.exists() else _existing_parent(out_dir)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"{parent}: cannot write into this folder (permission denied); "
            "choose another folder with --out"
        )


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    if not path.is_dir():
        raise OutputError(f"{path}: is a file, so {path} cannot hold the output folder")
    return path


def record_documents(results_dir: Path, documents: list[Path]) -> None:
    """Add documents already in the results folder to its manifest, so ``verify`` checks
    them; the manifest is replaced in one step (``replace_report``)."""
    manifest = documents_manifest(results_dir, documents)
    if manifest is not None:
        replace_report(results_dir, {MANIFEST: manifest}, force=True, keep=True)


def documents_manifest(results_dir: Path, documents: list[Path]) -> bytes | None:
    """The results folder's manifest with ``documents`` recorded (by name, digest and size);
    None when the folder has no manifest (then nothing is recorded)."""
    path = results_dir / MANIFEST
    if not path.is_file():
        return None
    manifest = json.loads(path.read_text(encoding="utf-8"))
    return manifest_json(record_outputs(manifest, {d.name: d.read_bytes() for d in documents}))


def staging_folder(target: Path, role: str = "build") -> Path:
    """A new private folder beside ``target`` (same file system, so its files can be moved
    into a report by renames), named so that the next run removes it if this one is killed."""
    target = Path(os.path.realpath(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=_temporary_prefix(target) + role + "-", dir=target.parent))


def previous_outputs(out_dir: Path) -> set[str]:
    """Names of the files a previous run recorded in the folder's manifest (documents too)."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("generator") != "grantjury":
            return set()
        return {o["path"] for o in manifest.get("outputs", []) if "/" not in o["path"]}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return set()


def check_not_foreign(out_dir: Path, force: bool) -> None:
    """Refuse a folder holding something else than a previous grantjury report."""
    if force or not out_dir.is_dir():
        return
    known = OUR_FILES | previous_outputs(out_dir)
    foreign = sorted(
        p.name
        for p in out_dir.iterdir()
        if p.name not in known and not p.name.startswith(".") and not _is_site(p)
    )
    if foreign:
        listed = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        raise OutputError(
            f"{out_dir}: this folder holds files that are not a grantjury report ({listed}); "
            "choose an empty or new folder with --out, or pass --force to write there anyway"
        )


def _is_site(path: Path) -> bool:
    """A public site written by ``grantjury site`` (``make demo`` writes reports/site/)."""
    try:
        marker = json.loads((path / "site.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("generator") == "grantjury site"


@dataclass(frozen=True)
class Replaced:
    """What replacing a report did: the files written and the documents removed."""

    written: list[Path]
    """The new report's files, in the order given."""
    removed: list[str]
    """Names of the documents the previous manifest recorded that the new report does not
    hold (PDFs of the replaced results), sorted: the command line names them."""


def write_outputs(out_dir: Path, files: Mapping[str, bytes], force: bool = False) -> list[Path]:
    """Write every file into ``out_dir`` at once (``replace_report``); the paths written."""
    return replace_report(out_dir, files, force).written


def replace_report(
    out_dir: Path,
    files: Mapping[str, bytes | Path],
    force: bool = False,
    keep: bool = False,
    spare: Path | None = None,
) -> Replaced:
    """Replace the report in ``out_dir`` by ``files`` in one step.

    A file is given as its bytes, or as the path of a file already written beside the
    folder (in a ``staging_folder``): that one is moved, not copied. With ``keep`` every
    file of the previous folder not in ``files`` is kept (``render`` adds documents and the
    updated manifest this way); ``spare`` is a temporary folder of this run that must
    survive the clean-up of killed runs' folders.

    The whole new folder is built beside the old one (``.<name>.grantjury-<pid>-…``): the new
    files, and links to (or copies of) every file of the old folder that is not part of a
    report (those ``--force`` accepted). The two folders are then exchanged by one
    ``renameat2(RENAME_EXCHANGE)`` call (Linux), or, where the system has none, by two
    renames whose gap is repaired on the next run. At every instant ``out_dir`` holds the
    old complete report or the new one. Documents recorded by the previous manifest and not
    in ``files`` are left out of the new folder: they describe results that the new ones
    replace (``Replaced.removed`` names them). On any failure the temporary folder is
    removed; one left by a killed run is removed by the next run.
    """
    check_output_dir(out_dir)
    check_not_foreign(out_dir, force)
    target = Path(os.path.realpath(out_dir))  # a link to the folder stays a link
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_temporaries(target, spare)
    exists = target.is_dir()
    stale = sorted(previous_outputs(target) - set(files)) if exists and not keep else []
    staging = Path(tempfile.mkdtemp(prefix=_temporary_prefix(target), dir=target.parent))
    try:
        if exists:
            for entry in sorted(os.listdir(target)):
                if entry in files or entry in stale or entry.startswith(_LEGACY_TEMPORARY):
                    continue
                _keep(target / entry, staging / entry)
            os.chmod(staging, stat.S_IMODE(os.stat(target).st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(staging, 0o777 & ~umask)
        for name, data in files.items():
            if isinstance(data, Path):
                _move_synced(data, staging / name)
            else:
                _write_synced(staging / name, data)
        _sync_folder(staging)
        if exists:
            previous = _swap(staging, target)
        else:
            os.rename(staging, target)
            previous = staging  # gone: nothing to remove
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _sync_folder(target.parent)
    shutil.rmtree(previous, ignore_errors=True)  # a kill here: the next run removes it
    return Replaced([out_dir / name for name in files], [s for s in stale if s not in files])


_LEGACY_TEMPORARY = ".grantjury-"
"""Prefix of the temporary folders that earlier versions made inside the output folder."""


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}.grantjury-{os.getpid()}-"


def _clean_temporaries(target: Path, spare: Path | None = None) -> None:
    """Remove the temporary folders of runs that were killed (their process is gone).

    With two renames (no ``RENAME_EXCHANGE``), a kill between them leaves no ``target`` and
    the previous report in a temporary folder marked ``-old-``: it is put back first.
    """
    prefix = f".{target.name}.grantjury-"
    try:
        names = sorted(os.listdir(target.parent))
    except OSError:
        return
    for name in names:
        if not name.startswith(prefix):
            continue
        pid = name[len(prefix) :].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        path = target.parent / name
        if spare is not None and path == Path(os.path.realpath(spare)):
            continue
        if "-old-" in name and not os.path.lexists(target):
            os.rename(path, target)
        else:
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a folder of ours from before: this run has made none yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process
        return True
    return True


def _keep(source: Path, copy: Path) -> None:
    """Carry a file that is not ours into the new folder: a hard link (no bytes copied)
    where the file system allows it, else a copy; links stay links."""
    if source.is_symlink():
        os.symlink(os.readlink(source), copy)
    elif source.is_dir():
        shutil.copytree(source, copy, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(source, copy)


def _link_or_copy(source: Any, copy: Any) -> None:
    try:
        os.link(source, copy)
    except OSError:
        shutil.copy2(source, copy)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _move_synced(source: Path, path: Path) -> None:
    """Move a file written by another writer (WeasyPrint) into place, on disk first."""
    with open(source, "rb") as handle:
        os.fsync(handle.fileno())
    os.rename(source, path)


def _sync_folder(path: Path) -> None:
    """Make the folder's entries durable (a crash of the machine keeps the renames)."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename is still atomic
    finally:
        os.close(handle)


def _swap(staging: Path, target: Path) -> Path:
    """Put ``staging`` in the place of ``target``, atomically where the system can, else by
    two renames; the path that now holds the previous folder."""
    if _exchange(staging, target):
        return staging
    old = Path(tempfile.mkdtemp(prefix=_temporary_prefix(target) + "old-", dir=target.parent))
    os.rmdir(old)  # only its unique name is wanted
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(old, target)
        raise
    return old


def _exchange(a: Path, b: Path) -> bool:
    """``renameat2(a, b, RENAME_EXCHANGE)``: both names swap at once. False where the
    system or file system has no such call (the caller falls back to two renames)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
