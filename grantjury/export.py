"""The public copy of a report: the results without the names and personal data of people.

Law 09-08 on the protection of natural persons with regard to the processing of personal
data applies to the jurors', officials', members' and council members' names, their family
links and identity numbers. Officials, members, council members, family links and identity
numbers never enter the results (the rule pack keeps ids, roles and link kinds only, and
CINs only as salted digests in memory); :func:`public_results` removes what is left about
jurors: their names (replaced by their ids) and the notes of declared conflicts (free text
that may name a relative, e.g. « sa sœur préside l'association »).

``grantjury export --public RESULTS_DIR --out DIR`` writes ``results.json`` and
``ranking.csv`` made from the public results, and ``export.json``: the full report's run
digest, the SHA-256 of its ``results.json``, what was removed, and each written file's
SHA-256. ``grantjury verify RESULTS_DIR --public-export DIR`` (:func:`check_export`) makes the
public copy again from the full report and compares every byte.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .manifest import sha256
from .report import ranking_csv, results_json
from .results import Results, read_results

EXPORT_FILE = "export.json"
EXPORT_KIND = "grantjury public export"
EXPORT_VERSION = 1
REMOVED = (
    "jurors[].name (replaced by the juror's id)",
    "conflicts[].note (the declared note)",
)
"""What the public copy leaves out, as recorded in ``export.json``."""


def public_results(results: Results) -> Results:
    """The results without the jurors' names and the notes of declared conflicts."""
    jurors = [j.model_copy(update={"name": j.id}) for j in results.jurors]
    conflicts = [c.model_copy(update={"note": None}) for c in results.conflicts]
    return results.model_copy(update={"jurors": jurors, "conflicts": conflicts})


def public_files(results: Results, source: bytes) -> dict[str, bytes]:
    """Every file of the public copy, by name, from the full results and their bytes."""
    public = public_results(results)
    files = {"results.json": results_json(public), "ranking.csv": ranking_csv(public)}
    record = {
        "kind": EXPORT_KIND,
        "format_version": EXPORT_VERSION,
        "source_digest": results.digest,
        "source_results_sha256": sha256(source),
        "removed": list(REMOVED),
        "files": {name: sha256(data) for name, data in sorted(files.items())},
    }
    files[EXPORT_FILE] = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode()
    return files


def personal_names(results: Results) -> list[tuple[str, str]]:
    """(juror id, name) of every juror name the full results hold, for the checks."""
    found = []
    for juror in results.jurors:
        names = juror.name.values() if isinstance(juror.name, dict) else [juror.name]
        found.extend((juror.id, n) for n in names if n and n != juror.id)
    return found


@dataclass(frozen=True)
class ExportCheck:
    """What ``verify --public-export`` found: empty ``problems`` means the export is the
    public copy of this very report, unchanged."""

    source: str
    export: str
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        if self.ok:
            return (
                f"{self.export}: the public copy of {self.source}, unchanged "
                f"({', '.join(self.checked)} checked; no juror name in it)"
            )
        return "\n".join(
            [f"{self.export}: not the unchanged public copy of {self.source}:"]
            + [f"  - {p}" for p in self.problems]
        )


def check_export(results_dir: Path, export_dir: Path) -> ExportCheck:
    """Make the public copy again from ``results_dir`` and compare it with ``export_dir``."""
    source_path = results_dir / "results.json"
    source = source_path.read_bytes()
    results = read_results(source, str(source_path))
    expected = public_files(results, source)
    problems: list[str] = []
    record: dict[str, Any] = {}
    record_path = export_dir / EXPORT_FILE
    if not record_path.is_file():
        problems.append(f"{EXPORT_FILE} is missing: the folder was not written by grantjury export")
    else:
        try:
            record = json.loads(record_path.read_bytes())
        except ValueError:
            problems.append(f"{EXPORT_FILE} is not valid JSON: it was changed by hand")
    if record:
        if record.get("source_digest") != results.digest:
            problems.append(
                f"{EXPORT_FILE} records run digest {record.get('source_digest')}, but the "
                f"report's is {results.digest}: the export was made from another report"
            )
        if record.get("source_results_sha256") != sha256(source):
            problems.append(
                f"{EXPORT_FILE} records another results.json "
                f"({record.get('source_results_sha256')}); this one is {sha256(source)}"
            )
    for name, data in sorted(expected.items()):
        path = export_dir / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif name != EXPORT_FILE and path.read_bytes() != data:
            problems.append(f"{name} differs from the public copy of the report (changed)")
        elif name != EXPORT_FILE and record.get("files", {}).get(name) != sha256(data):
            problems.append(f"{EXPORT_FILE} records another digest for {name}")
    extra = sorted(p.name for p in export_dir.iterdir() if p.name not in expected)
    if extra:
        problems.append(f"files not made by the export: {', '.join(extra)}")
    for name in ("results.json", "ranking.csv"):
        path = export_dir / name
        text = path.read_bytes().decode("utf-8", "replace") if path.is_file() else ""
        named = sorted({juror for juror, n in personal_names(results) if n in text})
        if named:
            problems.append(f"{name} holds the name of juror(s) {', '.join(named)}")
    return ExportCheck(str(results_dir), str(export_dir), problems, sorted(expected))
