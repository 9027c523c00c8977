"""Audit: check a results folder against its inputs, and explain one submission's result.

``verify`` re-reads the inputs recorded in a folder's ``manifest.json``, re-runs the pipeline
with the recorded options and seed, regenerates every output it can and compares the bytes
with the recorded digests. Differences are reported as sentences a person can act on: which
inputs changed, which outputs were edited, and what changed in substance (scores, ranks,
winners, exclusions).

The regenerated outputs carry the record's *labels* (engine versions, and the recorded
digests of inputs whose content is unchanged but whose bytes were reordered), so a byte
comparison isolates real differences; the label differences are then reported on their own,
as warnings and notes that do not fail the check.

``explain`` derives one submission's result step by step from the pipeline's intermediates
(``pipeline.Scoring``) of a fresh run: the same functions ``rank`` uses, never a copy.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, TypeAdapter

from . import messages
from .aggregate import trimmed_out
from .errors import GrantjuryError, InvalidInput
from .figures import published as as_published
from .loading import find_competition_file
from .manifest import (
    MANIFEST,
    build_manifest,
    content_digest,
    engine_versions,
    input_contents,
    manifest_json,
    sha256,
    short,
)
from .pipeline import DomainScoring, RunResult, run
from .report import build_outputs
from .results import (
    FORMAT_VERSION,
    DomainResults,
    Entry,
    Exclusion,
    IncompleteExclusion,
    InputRecord,
    Results,
    ResultsFileError,
    TieBreakUsed,
    read_results,
)

RESULTS = "results.json"
EXIT_MATCH = 0
"""Every output reproduced (byte for byte, or differing only in labels: see ``VerifyReport``)."""
EXIT_DIFFERENT = 1
"""Something differs: an input changed, an output was edited, or the results changed."""
MAX_LISTED = 12
"""Most differences listed for one part of the results before the rest are counted."""
MAX_DETAILS = 6
"""Most differences in the other figures (jurors, reliability…) listed one by one."""


class AuditError(GrantjuryError):
    """The results folder cannot be audited (no manifest, inputs not found, results written in
    another format)."""


# --- the record of a run ---------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """What a results folder says about its run: the manifest and the published results."""

    results_dir: Path
    manifest: dict[str, Any]
    competition_file: Path
    published: Results | None
    """``results.json`` read through the model; None when it is missing or broken
    (``problem`` says which)."""
    problem: str | None = None
    error: ResultsFileError | None = None
    """Why a results file that is there cannot be read through the model."""

    @property
    def given_options(self) -> dict[str, Any]:
        return dict(self.manifest.get("given_options") or {})

    @property
    def engine(self) -> dict[str, str]:
        return dict(self.manifest.get("engine") or {})

    @property
    def inputs(self) -> list[dict[str, Any]]:
        """The recorded inputs, as the manifest lists them (``path``, ``sha256``, ``size``,
        ``content_sha256``); from the results when an old manifest has none."""
        inputs = self.manifest.get("inputs")
        if inputs is None and self.published is not None:
            inputs = [i.model_dump(mode="json") for i in self.published.inputs]
        return list(inputs or [])


def read_record(results_dir: Path, competition: Path | None = None) -> Record:
    """Read a results folder's manifest and results, and find the competition it records.

    Raises ``AuditError`` when the folder holds no run record, when its results are of another
    format version (the run cannot be re-checked by this engine), or when the inputs cannot be
    found. A results file that is missing or broken is not an error here: ``verify`` reports it
    among the outputs (``Record.problem``).
    """
    if not results_dir.is_dir():
        raise AuditError(
            f"{results_dir}: no such folder; give the folder that `grantjury rank --out` wrote"
        )
    path = results_dir / MANIFEST
    if not path.is_file():
        raise AuditError(
            f"{results_dir}: no {MANIFEST} here (looked for {path}); verify and explain need a "
            f"folder written by `grantjury rank`, which records its run in {MANIFEST}"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise AuditError(
            f"{path}: cannot be read as JSON ({exc}); it is not a run record"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("generator") != "grantjury":
        raise AuditError(f"{path}: not a grantjury run record (no generator: grantjury)")
    published, problem, error = _read_results(results_dir, manifest)
    if competition is not None:
        competition_file = find_competition_file(competition)
        where = f"{competition_file} (given with --competition)"
    elif isinstance(manifest.get("competition_file"), str):
        competition_file = results_dir / manifest["competition_file"]
        where = (
            f"{competition_file} (the manifest's competition_file "
            f"{manifest['competition_file']!r}, relative to {results_dir})"
        )
    else:
        raise AuditError(
            f"{path} does not say where the competition is (no competition_file); "
            "pass --competition PATH"
        )
    if not competition_file.is_file():
        raise AuditError(
            f"the inputs cannot be found: no competition file at {where}; "
            "pass --competition PATH to say where the competition is now"
        )
    return Record(results_dir, manifest, competition_file, published, problem, error)


class _FormatProbe(BaseModel):
    """Only the ``format_version`` of a results file (format 1 had none)."""

    model_config = ConfigDict(extra="ignore")
    format_version: Any = 1


def _read_results(
    results_dir: Path, manifest: dict[str, Any]
) -> tuple[Results | None, str | None, ResultsFileError | None]:
    """The published results through the model, or why they cannot be read.

    Another format version raises ``AuditError``: this engine cannot re-check that run, and
    says what to do instead."""
    path = results_dir / RESULTS
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, f"{RESULTS} is missing", None
    except OSError as exc:
        return None, f"{RESULTS} cannot be read ({exc.strerror or exc})", None
    try:
        return read_results(raw, RESULTS), None, None
    except ResultsFileError as error:
        if error.key != "format_version":
            return None, str(error), error
    raise AuditError(_other_format(path, raw, manifest, results_dir)) from None


def _other_format(path: Path, raw: bytes, manifest: dict[str, Any], results_dir: Path) -> str:
    """What to say about results of another format version: what it is, what this engine
    reads, and the command that writes the report again."""
    try:
        version = _FormatProbe.model_validate_json(raw).format_version
    except ValueError:
        version = None
    found = (
        "format 1 (it has no format_version)"
        if version == 1
        else f"format {json.dumps(version, ensure_ascii=False)}"
    )
    engine = (manifest.get("engine") or {}).get("grantjury")
    by = f" by grantjury {engine} ({MANIFEST})" if engine else ""
    where = manifest.get("competition_file")
    competition = (results_dir / where).as_posix() if isinstance(where, str) else "COMPETITION"
    options = "".join(
        f" --{key.replace('_', '-')} {value}"
        for key, value in sorted((manifest.get("given_options") or {}).items())
        if value is not None
    )
    return (
        f"{path} was written in {found}{by}; this grantjury reads format {FORMAT_VERSION} only, "
        f"so it cannot re-check that run. Re-run `grantjury rank {competition} --out "
        f"{results_dir.as_posix()}{options} --force` to write the report again in format "
        f"{FORMAT_VERSION} (it gets a new run digest)"
        + (f", or verify it with the grantjury that wrote it ({engine})" if engine else "")
    )


@dataclass(frozen=True)
class CurrentInput:
    """An input file as it is now."""

    sha256: str
    size: int
    content: str | None


def current_inputs(record: Record) -> dict[str, CurrentInput | None]:
    """Each recorded input as it is now, by recorded path (None: the file is missing)."""
    base = record.competition_file.parent
    found: dict[str, CurrentInput | None] = {}
    for entry in record.inputs:
        try:
            data = (base / entry["path"]).read_bytes()
        except OSError:
            found[entry["path"]] = None
            continue
        found[entry["path"]] = CurrentInput(
            sha256(data), len(data), content_digest(entry["path"], data)
        )
    return found


# --- re-running and regenerating -------------------------------------------------------


@dataclass(frozen=True)
class Rerun:
    """A fresh run of the recorded inputs with the recorded options, labelled as recorded.

    ``results`` are the fresh results with the record's labels: the engine version, and the
    recorded digests of the inputs in ``relabelled`` (same content, other byte order).
    """

    record: Record
    run: RunResult
    results: Results
    engine: dict[str, str]
    contents: dict[str, str]
    relabelled: frozenset[str] = frozenset()


def rerun(record: Record, relabelled: Iterable[str] = ()) -> Rerun:
    """Run the pipeline on the recorded competition with the recorded options.

    Raises ``InvalidInput`` when the inputs no longer validate.
    """
    result = run(record.competition_file, record.given_options)
    relabelled = frozenset(relabelled)
    recorded = {entry["path"]: entry for entry in record.inputs}
    fresh = result.results
    version = record.engine.get("grantjury") or (
        record.published.version if record.published is not None else None
    )
    inputs = [
        InputRecord(path=i.path, sha256=recorded[i.path]["sha256"], size=recorded[i.path]["size"])
        if i.path in relabelled
        else i
        for i in fresh.inputs
    ]
    results = fresh.model_copy(update={"version": version or fresh.version, "inputs": inputs})
    contents: dict[str, str] = {}
    if any("content_sha256" in entry for entry in record.inputs):
        # Content digests of the inputs as the run read them (newer manifests record them).
        contents = input_contents(record.competition_file, list(fresh.inputs))
    engine = record.engine or engine_versions()
    return Rerun(record, result, results, engine, contents, relabelled)


OutputRegenerator = Callable[[Path, Results], dict[str, bytes]]
"""Makes output files from the results (with their digest): name → bytes."""

OUTPUT_REGENERATORS: list[OutputRegenerator] = []
"""Regenerators of outputs beyond results.json and ranking.csv (e.g. the PDF documents)."""


def register_output(regenerator: OutputRegenerator) -> OutputRegenerator:
    """Register a regenerator so that ``verify`` compares its outputs too (a decorator).

    It is called with the results folder and the regenerated results (run digest included)
    and returns the files it would write, by their path in the manifest's ``outputs``.
    """
    OUTPUT_REGENERATORS.append(regenerator)
    return regenerator


def regenerate_outputs(results_dir: Path, rerun_: Rerun) -> dict[str, bytes]:
    """Every output a run would write into ``results_dir``, by name: results.json,
    ranking.csv, the registered outputs (documents) and manifest.json over all of them."""
    return _regenerate(results_dir, rerun_)[1]


def _regenerate(results_dir: Path, rerun_: Rerun) -> tuple[Results, dict[str, bytes]]:
    """The regenerated results (run digest included) and every output's bytes."""
    record = rerun_.record
    results, files = build_outputs(
        rerun_.results,
        record.given_options,
        record.competition_file,
        results_dir,
        engine=rerun_.engine,
        contents=rerun_.contents,
    )
    extra: dict[str, bytes] = {}
    for regenerate in OUTPUT_REGENERATORS:
        extra.update(regenerate(results_dir, results))
    manifest = json.loads(files[MANIFEST])
    if extra:
        outputs = {**{k: v for k, v in files.items() if k != MANIFEST}, **extra}
        recorded = build_manifest(results, rerun_.engine, record.given_options, outputs)
        manifest["outputs"] = recorded["outputs"]
    if "competition_file" in record.manifest:
        # Where the inputs are is a pointer, not a result: --competition may name another place.
        manifest["competition_file"] = record.manifest["competition_file"]
    return results, {**files, **extra, MANIFEST: manifest_json(manifest)}


# --- verify ----------------------------------------------------------------------------


@dataclass
class VerifyReport:
    """What ``verify`` found, as short sentences grouped by kind.

    ``inputs``, ``outputs`` and ``changes`` are differences (the check fails); ``warnings``
    (engine versions) and ``notes`` (inputs with the same content in another byte order,
    outputs checked by digest only) do not fail it.
    """

    results_dir: Path
    competition_file: Path
    digest: str
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reproduced: list[str] = field(default_factory=list)
    """Outputs regenerated byte for byte (under the record's labels)."""
    reordered: list[str] = field(default_factory=list)
    """Inputs whose bytes differ but whose content is the same (rows reordered…)."""
    engine_changes: list[str] = field(default_factory=list)
    """Engine or library versions that differ from the run's: ``numpy 1.26.4 → 2.0.0``."""
    intact: list[str] = field(default_factory=list)
    """Outputs whose bytes on disk still have the digest the manifest records."""

    @property
    def differences(self) -> list[str]:
        return [*self.inputs, *self.outputs, *self.changes]

    @property
    def exact(self) -> bool:
        """True when nothing differs, not even the byte order of an input or a version."""
        return not (self.differences or self.reordered or self.engine_changes)

    def exit_code(self, strict: bool = False) -> int:
        """0 when everything is reproduced, 1 when something differs (``strict``: also when
        only byte order or engine versions differ)."""
        if self.differences or (strict and not self.exact):
            return EXIT_DIFFERENT
        return EXIT_MATCH

    @property
    def status(self) -> int:
        return self.exit_code()

    def text(self) -> str:
        """The account printed by ``grantjury verify`` (warnings are printed apart)."""
        run = short(self.digest) if self.digest else "without a digest"
        where = self.results_dir.as_posix()
        if not self.differences:
            done = _join(self.reproduced) or "nothing"
            head = f"{where}: verified — {done} reproduced byte for byte (run {run})"
            if not self.exact:
                count = len(self.reordered)
                labels = [
                    f"{count} input{' has' if count == 1 else 's have'} the same content in "
                    "another byte order"
                    if count
                    else "",
                    "the engine versions differ" if self.engine_changes else "",
                ]
                head = f"{where}: verified — {done} reproduced (run {run}), but " + " and ".join(
                    label for label in labels if label
                )
            return "\n".join([head, *(f"  note: {n}" for n in self.notes)])
        lines = [f"{where}: verification failed (run {run})"]
        for title, items in (
            ("inputs changed since the run:", self.inputs),
            ("outputs:", self.outputs),
            ("results, as published → as recomputed from the inputs now:", self.changes),
        ):
            if items:
                lines.append(title)
                lines.extend(f"  - {item}" for item in items)
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def verify(results_dir: Path, competition: Path | None = None) -> VerifyReport:
    """Re-run a results folder's recorded inputs and options and compare every output."""
    record = read_record(results_dir, competition)
    report = VerifyReport(results_dir, record.competition_file, record.manifest.get("digest", ""))
    _check_outputs_on_disk(record, report)
    inputs = current_inputs(record)
    reordered = _check_inputs(record, inputs, report)
    try:
        again = rerun(record, reordered)
    except InvalidInput as exc:
        count = len(exc.problems)
        report.changes.append(
            f"the inputs no longer pass validation ({count} problem{'s' if count > 1 else ''}"
            + (f", the first {MAX_DETAILS} listed" if count > MAX_DETAILS else "")
            + "); `grantjury validate` lists them all"
        )
        report.changes.extend(str(p) for p in exc.problems[:MAX_DETAILS])
        return report
    recorded_paths = {entry["path"] for entry in record.inputs}
    report.inputs.extend(
        f"{f.path} was added (it is read now but the run did not record it)"
        for f in again.run.competition.inputs
        if f.path not in recorded_paths
    )
    recomputed, regenerated = _regenerate(results_dir, again)
    results_match = _check_regenerated(record, regenerated, report)
    if record.published is not None:
        report.changes.extend(compare_results(record.published, recomputed))
        if not report.changes and not results_match:
            report.changes.append(
                "no figure changed: the results differ only in the recorded digests of the "
                "inputs and of the run"
            )
    for path in sorted(reordered):
        kind = _reorder_kind(path)
        if results_match:
            report.notes.insert(
                len(report.reordered),
                f"{path}: same content, different byte order ({kind}); results unchanged",
            )
            report.reordered.append(path)
        else:
            report.inputs.append(f"{path}: same content, different byte order ({kind})")
    _check_engine(record, report)
    return report


def _check_unrecorded(record: Record, report: VerifyReport) -> None:
    """Files in the results folder that the manifest does not record: a document left there
    by another run (``rank --force`` into a folder of other PDFs) is named, never taken as
    verified. A public site (``grantjury site``) carries its own record."""
    recorded = {entry["path"].split("/")[0] for entry in record.manifest.get("outputs", [])}
    for path in sorted(record.results_dir.iterdir()):
        if (
            path.name.startswith(".")
            or path.name in recorded
            or path.name in (MANIFEST, "README.md")
        ):
            continue
        if path.is_dir() and (path / "site.json").is_file():
            report.notes.append(
                f"{path.name}/: a public site (grantjury site), not recorded by {MANIFEST}: "
                "build it again after a new ranking"
            )
        else:
            report.notes.append(
                f"{path.name}: in the folder but not recorded by {MANIFEST}, so not part of "
                "this run and not verified"
            )


def _check_outputs_on_disk(record: Record, report: VerifyReport) -> None:
    """Outputs edited, replaced or removed after the run: their digests no longer match."""
    _check_unrecorded(record, report)
    for entry in record.manifest.get("outputs", []):
        path = record.results_dir / entry["path"]
        try:
            data = path.read_bytes()
        except OSError:
            report.outputs.append(f"{entry['path']} is missing (the manifest lists it)")
            continue
        if sha256(data) != entry["sha256"]:
            report.outputs.append(
                f"{entry['path']} was edited after the run: its digest is "
                f"{_digest(sha256(data))}, the manifest records {_digest(entry['sha256'])}"
            )
        else:
            report.intact.append(entry["path"])
    if record.problem:
        if record.problem != f"{RESULTS} is missing" or not any(
            o.startswith(RESULTS) for o in report.outputs
        ):
            report.outputs.append(record.problem)
    elif record.published is not None:
        named = record.published.digest
        if named != record.manifest.get("digest"):
            report.outputs.append(
                f"{RESULTS} names run {_digest(named)} but {MANIFEST} names run "
                f"{_digest(record.manifest.get('digest'))}"
            )


def _check_inputs(
    record: Record, inputs: dict[str, CurrentInput | None], report: VerifyReport
) -> set[str]:
    """Inputs missing or changed since the run; returns those only reordered."""
    reordered = set()
    for entry in record.inputs:
        now = inputs.get(entry["path"])
        if now is None:
            report.inputs.append(f"{entry['path']} is missing")
        elif now.sha256 != entry["sha256"]:
            recorded_content = entry.get("content_sha256")
            if recorded_content and now.content == recorded_content:
                reordered.add(entry["path"])
            else:
                report.inputs.append(
                    f"{entry['path']} changed: {_digest(entry['sha256'])} recorded "
                    f"({entry.get('size', '?')} bytes), {_digest(now.sha256)} now "
                    f"({now.size} bytes)"
                )
    return reordered


def _check_regenerated(record: Record, regenerated: dict[str, bytes], report: VerifyReport) -> bool:
    """Compare regenerated outputs with the recorded digests; True when results.json and
    ranking.csv are reproduced."""
    differing = []
    for entry in record.manifest.get("outputs", []):
        name = entry["path"]
        if name not in regenerated:
            if name in report.intact:
                report.notes.append(
                    f"{name}: its digest is the recorded one (not re-rendered: no renderer "
                    "is registered with verify)"
                )
            continue
        if sha256(regenerated[name]) == entry["sha256"]:
            report.reproduced.append(name)
        else:
            differing.append(name)
    manifest_ok = _manifest_matches(record, regenerated[MANIFEST])
    if manifest_ok is True:
        report.reproduced.append(MANIFEST)
    else:
        differing.append(f"{MANIFEST} ({manifest_ok})")
    if differing:
        report.outputs.append(
            f"regenerated from the inputs now, {_join(differing)} "
            f"{'differs' if len(differing) == 1 else 'differ'} from the recorded "
            f"{'one' if len(differing) == 1 else 'ones'}"
        )
    return not any(name in (RESULTS, "ranking.csv") for name in differing)


def _manifest_matches(record: Record, regenerated: bytes) -> bool | str:
    """True when the regenerated manifest says what the recorded one says, else which keys
    differ (outputs that cannot be regenerated keep their recorded entries)."""
    mine = json.loads(regenerated)
    known = {o["path"] for o in mine.get("outputs", [])}
    kept = [o for o in record.manifest.get("outputs", []) if o["path"] not in known]
    if kept:
        mine["outputs"] = sorted([*mine["outputs"], *kept], key=lambda o: o["path"])
    path = record.results_dir / MANIFEST
    if manifest_json(mine) == path.read_bytes():
        return True
    keys = sorted(
        k for k in set(mine) | set(record.manifest) if mine.get(k) != record.manifest.get(k)
    )
    return "differs in " + ", ".join(keys) if keys else "differs in layout"


def _check_engine(record: Record, report: VerifyReport) -> None:
    recorded, now = record.engine, engine_versions()
    changed = [
        f"{name} {recorded.get(name, '?')} → {now.get(name, '?')}"
        for name in sorted(set(recorded) | set(now))
        if recorded.get(name) != now.get(name)
    ]
    if not changed:
        return
    report.engine_changes = changed
    outcome = (
        "the outputs it gives still match, apart from the versions they record"
        if not report.differences
        else "this may explain the differences reported"
    )
    report.warnings.append(f"the engine differs from the run's ({', '.join(changed)}); {outcome}")


def _reorder_kind(path: str) -> str:
    if path.lower().endswith(".csv"):
        return "rows or columns reordered, or reformatted"
    return "list items or keys reordered, or comments and layout changed"


# --- what changed in substance ---------------------------------------------------------


def compare_results(before: Results, after: Results) -> list[str]:
    """What changed between two results, as sentences (before → after).

    First what matters: options; per domain, the submissions whose jurors' scores changed,
    winners and reserves in and out, ranks and scores that moved, eligibility and decisions
    (worded by ``grantjury.messages``); exclusions added or removed. Then the figures that
    follow from those (jurors' calibration, reliability, stability…), one by one when few,
    else counted per kind.
    """
    lines = _option_changes(before, after)
    secondary: dict[str, list[str]] = {}
    b_domains = {d.id: d for d in before.domains}
    a_domains = {d.id: d for d in after.domains}
    for domain_id in _union(a_domains, b_domains):
        if domain_id not in a_domains:
            lines.append(f"domain {domain_id} is no longer in the results")
        elif domain_id not in b_domains:
            lines.append(f"domain {domain_id} is new in the results")
        else:
            b, a = b_domains[domain_id], a_domains[domain_id]
            lines.extend(_domain_changes(domain_id, b, a, secondary))
    lines.extend(_exclusion_changes(before.exclusions, after.exclusions))
    skip = {"domains", "exclusions", "options", "inputs", "digest", "version"}
    for key in Results.model_fields:
        b_value, a_value = getattr(before, key), getattr(after, key)
        if key in skip or b_value == a_value:
            continue
        found = secondary.setdefault(key, [])
        if key == "warnings":
            found.extend(_worded_changes(_notices(b_value), _notices(a_value), key))
        else:
            _diff(_plain(b_value), _plain(a_value), key, found)
    if sum(len(found) for found in secondary.values()) <= MAX_DETAILS:
        lines.extend(line for found in secondary.values() for line in found)
    else:
        lines.extend(
            found[0] if len(found) == 1 else f"{kind}: {len(found)} figures differ, e.g. {found[0]}"
            for kind, found in secondary.items()
            if found
        )
    return lines


def _option_changes(before: Results, after: Results) -> list[str]:
    changed = [
        f"{k} {_show(_plain(getattr(before.options, k)))} → "
        f"{_show(_plain(getattr(after.options, k)))}"
        for k in type(after.options).model_fields
        if getattr(before.options, k) != getattr(after.options, k)
    ]
    return [f"options changed: {', '.join(changed)}"] if changed else []


RAW_KEYS = ("raw_mean", "n_jurors", "criteria")
PLACE_KEYS = ("score", "rank")
DECISION_KEYS = ("eligible", "ineligible_reasons", "decision", "funded", "tie_break")
LIST_KEYS = ("winners", "reserve")


def _domain_changes(
    domain_id: str, before: DomainResults, after: DomainResults, secondary: dict[str, list[str]]
) -> list[str]:
    """One domain's changes; figures that follow from them go into ``secondary``."""
    b_entries = {e.submission: e for e in before.ranking}
    a_entries = {e.submission: e for e in after.ranking}
    raw, moved, still, decided = [], [], [], []
    new_rank = {s: (e.rank is None, e.rank or 0) for s, e in a_entries.items()}
    for sub in sorted(_union(a_entries, b_entries), key=lambda s: (new_rank.get(s, (True, 0)), s)):
        b, a = b_entries.get(sub), a_entries.get(sub)
        if b is None or a is None:
            side = a if a is not None else b
            assert side is not None  # the submission is in one of the two rankings
            state = "new in" if b is None else "no longer in"
            raw.append(
                f"{sub}: {state} the {domain_id} ranking (rank {_show(side.rank)}, "
                f"score {_show(side.score)})"
            )
            continue
        scores = _raw_changes(b, a)
        if scores:
            raw.append(f"{sub}: jurors' scores changed: {'; '.join(scores)}")
        if b.rank != a.rank:
            moved.append(
                f"{sub}: score {_pair(b.score, a.score)}, rank {_show(b.rank)} → {_show(a.rank)}"
            )
        elif b.score != a.score:
            still.append((sub, b.score, a.score, a.rank))
        for key in Entry.model_fields:
            b_value, a_value = getattr(b, key), getattr(a, key)
            if key in ("submission", "winner", *RAW_KEYS, *PLACE_KEYS) or b_value == a_value:
                continue
            if key in DECISION_KEYS:
                decided.append(f"{sub}: {key} {_worded(b_value)} → {_worded(a_value)}")
            else:
                _diff(
                    _plain(b_value), _plain(a_value), f"{sub}.{key}", secondary.setdefault(key, [])
                )
    lines = raw
    for key in LIST_KEYS:
        was, now = getattr(before, key), getattr(after, key)
        lost = [s for s in was if s not in now]
        gained = [s for s in now if s not in was]
        if lost or gained:
            parts = [f"{_join(lost)} out" if lost else "", f"{_join(gained)} in" if gained else ""]
            lines.append(f"{domain_id} {key}: {', '.join(p for p in parts if p)}")
        elif was != now:
            lines.append(f"{domain_id} {key}: the same, in another order")
    lines.extend([*moved, *_score_moves(still), *_capped(decided, f"in {domain_id}")])
    rest: list[str] = []
    for key in DomainResults.model_fields:
        b_value, a_value = getattr(before, key), getattr(after, key)
        if key in ("id", "ranking", *LIST_KEYS) or b_value == a_value:
            continue
        if key == "warnings":
            rest.extend(
                _worded_changes(
                    [messages.of(n) for n in b_value],
                    [messages.of(n) for n in a_value],
                    f"{domain_id}.warnings",
                )
            )
        else:
            _diff(_plain(b_value), _plain(a_value), f"{domain_id}.{key}", rest)
    lines.extend(_capped(rest, f"in domain {domain_id}"))
    return lines


def _raw_changes(before: Entry, after: Entry) -> list[str]:
    """Changes in what jurors gave (uncalibrated): the cause, not the consequence."""
    changes = []
    for key in ("raw_mean", "n_jurors"):
        b_value, a_value = getattr(before, key), getattr(after, key)
        if b_value != a_value:
            changes.append(f"{key.replace('_', ' ')} {_pair(b_value, a_value)}")
    b_crit, a_crit = before.criteria, after.criteria
    for criterion in _union(a_crit, b_crit):
        if b_crit.get(criterion) != a_crit.get(criterion):
            changes.append(
                f"mean {criterion} {_pair(b_crit.get(criterion), a_crit.get(criterion))}"
            )
    return changes


def _worded(value: Any) -> str:
    """A decision, the reasons, a tie-break or a figure of an entry, for a person."""
    if isinstance(value, BaseModel) and "code" in type(value).model_fields:
        return messages.of(value)
    if isinstance(value, list) and all(isinstance(v, BaseModel) for v in value):
        return "; ".join(messages.of(v) for v in value) if value else "none"
    if isinstance(value, TieBreakUsed):
        return f"settled by {value.key} among {_join(value.group)}"
    return _show(value)


def _notices(notices: Iterable[Any]) -> list[str]:
    """The run's warnings, worded: ``file: sentence``."""
    return [f"{n.file}: {messages.text(n.code, n.params)}" for n in notices]


def _worded_changes(before: list[str], after: list[str], path: str) -> list[str]:
    """Sentences added or removed (notes, warnings): compared as words, never as codes."""
    added = [x for x in after if x not in before]
    removed = [x for x in before if x not in after]
    if not added and not removed:
        return [f"{path}: the same items, in another order"]
    return [f"{path}: added {x}" for x in added] + [f"{path}: removed {x}" for x in removed]


def _score_moves(still: list[tuple[str, Any, Any, Any]]) -> list[str]:
    """Scores that moved without a change of rank: listed, or summed up when many."""
    if len(still) <= 5:
        return [
            f"{sub}: score {_pair(b, a)} (rank {_show(rank)} unchanged)"
            for sub, b, a, rank in still
        ]
    shifts = [abs(a - b) for _, b, a, _ in still if b is not None and a is not None]
    most = f" by at most {_show(round(max(shifts), 6))}" if shifts else ""
    return [
        f"{len(still)} scores moved{most} without a change of rank: "
        + ", ".join(sub for sub, *_ in still)
    ]


def _exclusion_changes(before: list[Exclusion], after: list[Exclusion]) -> list[str]:
    def key(record: Exclusion) -> str:
        return record.model_dump_json()

    b_keys, a_keys = {key(r): r for r in before}, {key(r): r for r in after}
    lines = [f"exclusion added: {_exclusion(a_keys[k])}" for k in a_keys if k not in b_keys]
    lines += [f"exclusion removed: {_exclusion(b_keys[k])}" for k in b_keys if k not in a_keys]
    return lines


def _exclusion(record: Exclusion) -> str:
    return f"{record.juror} / {record.submission} ({_why(record)})"


def _why(record: Exclusion) -> str:
    """Why a score set was excluded: ``conflict, family, declared[, via X]``."""
    if isinstance(record, IncompleteExclusion):
        return f"incomplete, missing {', '.join(record.missing)}"
    why = ", ".join(p for p in (record.reason, record.category, record.source) if p)
    return why + (f", via {record.via}" if record.via else "")


EXCLUSION: TypeAdapter[Exclusion] = TypeAdapter(Exclusion)
ID_KEYS = ("id", "submission", "juror", "path")


def _plain(value: Any) -> Any:
    """A part of the results as its JSON value (what ``results.json`` holds)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _diff(before: Any, after: Any, path: str, out: list[str]) -> None:
    """Append ``path: before → after`` for every leaf that differs (a walk over JSON values:
    the parts of the results have no meaning here, only their place)."""
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        # Keys in the order results.json writes them (sorted), however the results were read.
        for key in sorted(set(after) | set(before), key=str):
            _diff(before.get(key), after.get(key), f"{path}.{key}", out)
        return
    if isinstance(before, list) and isinstance(after, list):
        by = _list_key(before, after)
        if by is not None:
            b_items = {item.get(by): item for item in before}
            a_items = {item.get(by): item for item in after}
            for item_id in _union(a_items, b_items):
                _diff(b_items.get(item_id), a_items.get(item_id), f"{path}[{item_id}]", out)
            return
        if len(before) == len(after) and all(isinstance(x, dict | list) for x in before):
            for index, (b, a) in enumerate(zip(before, after, strict=True)):
                _diff(b, a, f"{path}[{index}]", out)
            return
        if all(isinstance(x, str) for x in before + after):
            added = [x for x in after if x not in before]
            removed = [x for x in before if x not in after]
            if not added and not removed:
                out.append(f"{path}: the same items, in another order")
            for verb, items in (("added", added), ("removed", removed)):
                if items and all(len(x) <= 20 for x in items):  # ids: one line
                    out.append(f"{path}: {verb} {', '.join(items)}")
                else:
                    out.extend(f"{path}: {verb} {_show(x)}" for x in items)
            return
    out.append(f"{path}: {_show(before)} → {_show(after)}")


def _list_key(*lists: list[Any]) -> str | None:
    """The key that identifies the items of every list (each value once per list), if any."""
    items = [item for items in lists for item in items]
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in ID_KEYS:
        if all(key in item for item in items) and all(
            len({str(item.get(key)) for item in items}) == len(items) for items in lists
        ):
            return key
    return None


def _capped(lines: list[str], where: str) -> list[str]:
    if len(lines) <= MAX_LISTED:
        return lines
    return [*lines[:MAX_LISTED], f"… and {len(lines) - MAX_LISTED} more differences {where}"]


# --- explain ---------------------------------------------------------------------------

ENTRY_KEYS = {
    "submission",
    "rank",
    "score",
    "raw_mean",
    "n_jurors",
    "winner",
    "criteria",
    "tie_break",
    "eligible",
    "ineligible_reasons",
    "decision",
    "funded",
    "p_selected",
    "rank_interval",
    "calibrated_criteria",
}
"""Fields of a ranking entry that ``explain`` shows in its own steps; the others (when set)
go under ``other``."""


def explain(
    source: Path | Rerun | RunResult, submission: str, competition: Path | None = None
) -> dict[str, Any]:
    """The derivation of one submission's result, step by step, as data.

    ``source`` is a results folder (its recorded inputs are re-run with the recorded options
    and the published results are checked against the re-run), a ``Rerun`` of one, or a
    ``RunResult``. Every figure comes from the pipeline's intermediates of that run; reasons,
    decisions and notes are kept as their codes (``explain_text`` words them).
    """
    if isinstance(source, RunResult):
        result, published, digest = source, None, source.results.digest
    else:
        record = source.record if isinstance(source, Rerun) else read_record(source, competition)
        if record.error is not None:
            # explain checks its derivation against the published figures: it needs them.
            path = (record.results_dir / RESULTS).as_posix()
            raise ResultsFileError(path, record.error.message, record.error.key)
        again = source if isinstance(source, Rerun) else rerun(record)
        result, published = again.run, record.published
        digest = record.manifest.get("digest")
    return _derivation(result, submission, published, digest)


def _derivation(
    result: RunResult, sub_id: str, published: Results | None, digest: str | None
) -> dict[str, Any]:
    competition, scoring, results = result.competition, result.scoring, result.results
    codes = {s.id: i for i, s in enumerate(competition.submissions)}
    if sub_id not in codes and results.stages is not None:
        for written in results.stages.written:
            entry = next((e for e in written.ranking if e.submission == sub_id), None)
            if entry is not None:
                raise AuditError(
                    f"{sub_id} was not shortlisted for the final round (written round of "
                    f"{written.domain}: rank {_show(entry.rank)}, score {_show(entry.score)}; "
                    f"shortlist {', '.join(written.shortlist)}); explain derives the final "
                    "round's results, results.json's stages.written holds the written round's"
                )
    if sub_id not in codes:
        raise AuditError(_unknown_submission(sub_id, list(codes)))
    s = codes[sub_id]
    submission = competition.submissions[s]
    d = competition.domain_index()[submission.domain]
    domain = competition.domains[d]
    ds = next(x for x in scoring.domains if x.domain_index == d)
    rubric = competition.rubrics[domain.id]
    domain_out = results.domain(domain.id)
    entry = domain_out.entry(sub_id) if domain_out is not None else None
    if domain_out is None or entry is None:  # the results list every submission
        raise AuditError(f"the results of the re-run do not list {sub_id}")

    jurors = _juror_steps(result, s, ds)
    counted = [j for j in jurors if j["status"] == "counted"]
    local = np.flatnonzero(ds.submissions == s)
    i = int(local[0]) if local.size else None
    score = None if i is None else as_published(ds.score[i])
    cal = ds.calibration
    exact = all(
        j["calibration"]["fallback"]
        or math.isclose(
            (j["total"] - j["calibration"]["bias"]) / j["calibration"]["scale"],
            j["calibrated"],
            rel_tol=1e-6,
            abs_tol=1e-5,
        )
        for j in counted
        if j["calibration"]["scale"]
    )
    values = [j["calibrated"] for j in counted]
    options = results.options
    explanation: dict[str, Any] = {
        "submission": sub_id,
        "domain": {"id": domain.id, "name": domain.name},
        "title": submission.title,
        "association": submission.association.model_dump(mode="json"),
        "requested_amount": submission.requested_amount,
        "run": {"digest": digest, "options": options.model_dump(mode="json")},
        "rubric": {
            "id": rubric.id,
            "criteria": [
                {"id": c.id, "name": c.name, "weight": c.weight}
                | ({"threshold": c.threshold} if c.threshold is not None else {})
                for c in rubric.criteria
            ],
            **(
                {"total_threshold": rubric.total_threshold}
                if rubric.total_threshold is not None
                else {}
            ),
        },
        "jurors": jurors,
        "conflicts": [
            {"juror": c.juror, "category": c.category, "source": c.source, "note": c.note}
            for c in scoring.exclusions.register
            if c.submission == sub_id
        ],
        "calibration": {"method": cal.method, "formula_exact": exact} | _shrinkage_step(cal, i),
        "aggregate": {
            "method": options.aggregate,
            "values": values,
            "dropped": trimmed_out(values, options.aggregate),
            "score": score,
            "raw_mean": None if i is None else as_published(ds.raw_mean[i]),
            "n_jurors": 0 if i is None else int(ds.count[i]),
        },
        "eligibility": {
            "n_jurors": entry.n_jurors,
            "min_jurors": options.min_jurors,
            "eligible": entry.eligible,
            "ineligible_reasons": _plain(entry.ineligible_reasons),
        },
        "rank": _rank_step(entry, domain_out),
        "selection": _selection_step(entry, domain_out, results),
        "stability": _stability_step(entry, domain_out, results),
        "notes": [_plain(note) for note in domain_out.warnings if _concerns(note, sub_id)],
    }
    explanation["criteria_means"] = entry.criteria
    explanation["calibrated_criteria_means"] = entry.calibrated_criteria
    other = {
        key: _plain(getattr(entry, key))
        for key in Entry.model_fields
        if key not in ENTRY_KEYS and getattr(entry, key) is not None
    }
    if other:
        explanation["other"] = other
    meeting = _meeting_steps(results, sub_id)
    if meeting:
        explanation["meeting"] = meeting
    explanation["check"] = _check(entry, score, published, domain.id)
    return explanation


def _meeting_steps(results: Results, sub_id: str) -> dict[str, Any]:
    """The jury meeting's part: the submission's revised scores, and its written round."""
    out: dict[str, Any] = {}
    if results.deliberation is not None:
        out["revisions"] = [
            r.model_dump(mode="json", exclude={"submission", "domain"})
            for r in results.deliberation.revisions
            if r.submission == sub_id
        ]
    if results.stages is not None:
        for written in results.stages.written:
            entry = next((e for e in written.ranking if e.submission == sub_id), None)
            if entry is not None:
                out["written_round"] = {
                    "rank": entry.rank,
                    "score": entry.score,
                    "shortlisted": sub_id in written.shortlist,
                    "rule": results.stages.rule,
                }
    return out


def _shrinkage_step(cal: Any, i: int | None) -> dict[str, Any]:
    """For precision-weighted methods: the mean the submission's quality is shrunk towards
    and how much of the jurors' weighted mean is kept (empty for the other methods)."""
    if i is None or cal.shrinkage is None or cal.prior_mean is None:
        return {}
    return {
        "prior_mean": as_published(cal.prior_mean[i]),
        "shrinkage": as_published(cal.shrinkage[i]),
    }


def _concerns(note: Any, sub_id: str) -> bool:
    """Whether a domain note is about this submission (it names it among its parameters)."""
    return sub_id == getattr(note, "submission", None) or sub_id in getattr(note, "submissions", ())


def _juror_steps(result: RunResult, s: int, ds: DomainScoring) -> list[dict[str, Any]]:
    """Every juror who scored the submission: criterion scores, total, calibration."""
    competition, scoring = result.competition, result.scoring
    scores, totals = competition.scores, scoring.totals.totals
    sub_id = competition.submissions[s].id
    rubric = competition.rubrics[competition.submissions[s].domain]
    rows = np.flatnonzero(scores.submission == s)
    steps = []
    for j in sorted(set(scores.juror[rows].tolist())):
        juror = competition.jurors[j]
        mine = rows[scores.juror[rows] == j]
        criteria = {
            rubric.criteria[int(c)].id: float(v)
            for c, v in zip(
                scores.criterion[mine].tolist(), scores.score[mine].tolist(), strict=True
            )
        }
        step: dict[str, Any] = {"juror": juror.id, "name": juror.name, "criteria": criteria}
        excluded = [
            r.model_dump(mode="json", exclude={"juror", "submission"})
            for r in scoring.exclusions.records
            if r.juror == juror.id and r.submission == sub_id
        ]
        incomplete = [
            r for r in scoring.totals.incomplete if r.juror == juror.id and r.submission == sub_id
        ]
        if excluded:
            step |= {"status": "excluded", "exclusions": excluded}
        elif incomplete:
            step |= {"status": "incomplete", "missing": list(incomplete[0].missing)}
        else:
            obs = np.flatnonzero((totals.juror == j) & (totals.submission == s))
            at = np.flatnonzero(ds.observations == obs[0]) if obs.size else obs
            k = np.flatnonzero(ds.jurors == j)
            if not (obs.size and at.size and k.size):
                step["status"] = "not counted"
            else:
                cal, kj = ds.calibration, int(k[0])
                step |= {
                    "status": "counted",
                    "total": as_published(totals.total[obs[0]]),
                    "calibration": {
                        "bias": as_published(cal.bias[kj]),
                        "scale": as_published(cal.scale[kj]),
                        "fallback": bool(cal.fallback[kj]),
                    },
                    "calibrated": as_published(cal.calibrated[int(at[0])]),
                }
                share = float(cal.share[int(at[0])])
                if math.isfinite(share):
                    # Precision-weighted methods: the juror's own reading of the quality,
                    # their noise, and their share of this submission's weight.
                    reading = (float(totals.total[obs[0]]) - cal.bias[kj]) / cal.scale[kj]
                    step["calibration"] |= {
                        "reading": as_published(reading),
                        "noise_sd": as_published(cal.noise_sd[kj]),
                        "share": as_published(share),
                    }
        steps.append(step)
    return steps


def _weighted_lines(calibration: dict[str, Any], counted: list[dict[str, Any]]) -> list[str]:
    """Each juror's reading and weight, and the shrinkage, of a precision-weighted method."""
    lines = [
        "   reading = (total − bias) / scale; each reading weighs scale² / noise²; the score",
        "   is the weighted mean of the readings, pulled towards the domain's mean by the",
        "   shrinkage (less information, more pull)",
    ]
    for j in counted:
        cal = j["calibration"]
        how = (
            "left as given: too few or identical totals to calibrate; "
            if cal["fallback"]
            else f"bias {_fixed(cal['bias'])}, scale {_fixed(cal['scale'])}, "
        )
        share = cal.get("share")
        weight = "—" if share is None else f"{100 * share:.0f}%"
        lines.append(
            f"   {j['juror']:<8}{_fixed(j['total'])} → {_fixed(cal.get('reading'))}   "
            f"({how}noise sd {_fixed(cal.get('noise_sd'))}, weight {weight})"
        )
    readings = [(j["calibration"].get("share"), j["calibration"].get("reading")) for j in counted]
    known = [(s, r) for s, r in readings if s is not None and r is not None]
    centre, kept = calibration.get("prior_mean"), calibration.get("shrinkage")
    if known and centre is not None and kept is not None:
        weighted = sum(s * r for s, r in known) / sum(s for s, _ in known)
        lines.append(
            f"   weighted mean of the readings {_fixed(weighted)}; shrunk towards "
            f"{_fixed(centre)} keeping {100 * kept:.0f}% of the difference: "
            f"{_fixed(centre + kept * (weighted - centre))}"
        )
    return lines


def _rank_step(entry: Entry, domain: DomainResults) -> dict[str, Any]:
    ranked = sum(1 for e in domain.ranking if e.rank is not None)
    tie = next((t for t in domain.ties if entry.submission in t.submissions), None)
    return {
        "rank": entry.rank,
        "ranked": ranked,
        "direction": domain.direction,
        "tie": _plain(tie),
        "tie_break": _plain(entry.tie_break),
    }


def _selection_step(entry: Entry, domain: DomainResults, results: Results) -> dict[str, Any]:
    return {
        "winner": entry.winner,
        "winners_wanted": domain.winners_wanted,
        "winners": domain.winners,
        "decision": _plain(entry.decision),
        "funded": entry.funded,
        "reserve": domain.reserve,
        "budget": _plain(domain.budget),
        "lottery": _plain(domain.lottery),
        "rule": _plain(results.selection),
        "currency": results.competition.currency,
    }


def _stability_step(entry: Entry, domain: DomainResults, results: Results) -> dict[str, Any]:
    sub_id = entry.submission
    step: dict[str, Any] = {
        "p_selected": entry.p_selected,
        "rank_interval": _plain(entry.rank_interval),
        "too_close": sub_id in domain.too_close,
    }
    if results.stability is not None:
        step |= {
            "method": results.stability.method,
            "replicates": results.stability.replicates,
            "interval": results.stability.interval,
        }
    by_method = results.winners_by_method.get(domain.id)
    if by_method:
        step["winner_by_method"] = {m: sub_id in w for m, w in sorted(by_method.items())}
    if any(j.leave_one_out is not None for j in results.jurors):
        changes = []
        for juror in results.jurors:
            for change in juror.leave_one_out.changes if juror.leave_one_out else ():
                if change.domain != domain.id:
                    continue
                if sub_id in change.lost:
                    changes.append({"juror": juror.id, "winner_without_them": False})
                elif sub_id in change.gained:
                    changes.append({"juror": juror.id, "winner_without_them": True})
        step["leave_one_out"] = changes
    return step


def _check(
    entry: Entry, score: float | None, published: Results | None, domain_id: str
) -> dict[str, Any]:
    """Does the derivation give the published figures?"""
    problems = []
    if entry.score != score:
        problems.append(
            f"the derivation gives {_show(score)} but the run's results say {_show(entry.score)}"
        )
    check: dict[str, Any] = {"published": None}
    if published is not None:
        domain = published.domain(domain_id)
        shown = domain.entry(entry.submission) if domain is not None else None
        if shown is None:
            problems.append(f"{RESULTS} does not list {entry.submission}")
        else:
            check["published"] = {"score": shown.score, "rank": shown.rank, "winner": shown.winner}
            for key, was, now in (
                ("score", shown.score, entry.score),
                ("rank", shown.rank, entry.rank),
                ("winner", shown.winner, entry.winner),
            ):
                if was != now:
                    problems.append(
                        f"{RESULTS} publishes {key} {_show(was)}, the re-run gives "
                        f"{_show(now)}: the inputs or the engine changed since the "
                        "run (see grantjury verify)"
                    )
    check["reproduced"] = not problems
    check["problems"] = problems
    return check


def _unknown_submission(sub_id: str, known: list[str]) -> str:
    close = difflib.get_close_matches(sub_id, known, n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"no submission {sub_id!r} in this competition ({len(known)} submissions){hint}"


def explain_text(explanation: dict[str, Any], lang: str | None = None) -> str:
    """The explanation for a terminal: numbered steps, one fact per line."""
    x = explanation
    sub = x["submission"]
    title = _text(x["title"], lang)
    association = x["association"]
    options = x["run"]["options"]
    digest = x["run"]["digest"]
    lines = [
        f"{sub} — {title}",
        f"{_text(association['name'], lang)} ({association['id']}); domain "
        f"{_text(x['domain']['name'], lang)} ({x['domain']['id']})",
        f"run {short(digest) if digest else '(not recorded)'}: calibration "
        f"{options['calibration']}, aggregate {options['aggregate']}, seed {options['seed']}",
        "",
    ]
    criteria = x["rubric"]["criteria"]
    weights = ", ".join(f"{c['id']} ×{_show(c['weight'])}" for c in criteria)
    lines.append(f"1. Jurors' scores and totals (total = Σ weight × score / Σ weight; {weights})")
    ids = [c["id"] for c in criteria]
    widths = [max(len(c), 5) for c in ids]
    lines.append(
        "   "
        + f"{'juror':<8}"
        + " ".join(f"{c:>{w}}" for c, w in zip(ids, widths, strict=True))
        + f" {'total':>9}"
    )
    for j in x["jurors"]:
        cells = " ".join(
            f"{_show(j['criteria'].get(c)):>{w}}" for c, w in zip(ids, widths, strict=True)
        )
        if j["status"] == "counted":
            tail = f" {_fixed(j.get('total')):>9}"
        elif j["status"] == "excluded":
            tail = "  excluded: " + "; ".join(
                _why(EXCLUSION.validate_python({**e, "juror": j["juror"], "submission": sub}))
                for e in j.get("exclusions", [])
            )
        elif j["status"] == "incomplete":
            tail = f"  set aside: did not score {', '.join(j.get('missing', []))}"
        else:
            tail = f"  {j['status']}"
        lines.append(f"   {j['juror']:<8}{cells}{tail}")
    if not x["jurors"]:
        lines.append("   no juror scored it")
    others = [c for c in x["conflicts"] if c["juror"] not in {j["juror"] for j in x["jurors"]}]
    for c in others:
        lines.append(f"   {c['juror']} did not score it: {c['category']} conflict ({c['source']})")
    counted = [j for j in x["jurors"] if j["status"] == "counted"]
    lines += ["", f"2. Calibration ({x['calibration']['method']})"]
    if "shrinkage" in x["calibration"]:
        lines += _weighted_lines(x["calibration"], counted)
    elif not x["calibration"]["formula_exact"]:
        lines.append(
            "   calibrated totals are read from each juror's ranking; bias and scale describe "
            "the mapping approximately"
        )
    else:
        lines.append("   calibrated = (total − bias) / scale")
    for j in counted if "shrinkage" not in x["calibration"] else ():
        cal = j["calibration"]
        how = (
            "left as given: too few or identical totals to calibrate"
            if cal["fallback"]
            else f"bias {_fixed(cal['bias'])}, scale {_fixed(cal['scale'])}"
        )
        lines.append(
            f"   {j['juror']:<8}{_fixed(j['total'])} → {_fixed(j['calibrated'])}   ({how})"
        )
    agg = x["aggregate"]
    lines += ["", "3. Aggregate"]
    if agg["score"] is None:
        lines.append("   no calibrated total to combine: not ranked")
    else:
        values = ", ".join(_fixed(v) for v in agg["values"])
        dropped = (
            f", leaving out the lowest ({_fixed(agg['dropped'][0])}) and the highest "
            f"({_fixed(agg['dropped'][1])})"
            if agg["dropped"]
            else ""
        )
        lines.append(
            f"   {agg['method']} of {agg['n_jurors']} calibrated totals ({values}){dropped} "
            f"= {_show(agg['score'])}"
        )
        lines.append(f"   uncalibrated mean of the totals: {_show(agg['raw_mean'])}")
    elig = x["eligibility"]
    lines += ["", "4. Eligibility"]
    enough = (elig["n_jurors"] or 0) >= (elig["min_jurors"] or 0)
    lines.append(
        f"   {elig['n_jurors']} jurors without conflict (at least {elig['min_jurors']} "
        f"expected): {'yes' if enough else 'no, flagged in the results'}"
    )
    thresholds = [c for c in criteria if c.get("threshold") is not None]
    means = x.get("criteria_means") or {}
    for c in thresholds:
        lines.append(
            f"   threshold {c['id']}: {_show(c['threshold'])} (mean {_show(means.get(c['id']))})"
        )
    if x["rubric"].get("total_threshold") is not None:
        lines.append(
            f"   threshold on the sum of criterion means: {x['rubric']['total_threshold']}"
        )
    if "eligible" in elig:
        reasons = "; ".join(messages.of(r) for r in elig.get("ineligible_reasons") or [])
        lines.append(f"   eligible: {'yes' if elig['eligible'] else 'no — ' + reasons}")
    rank = x["rank"]
    lines += ["", "5. Rank"]
    if rank["rank"] is None:
        lines.append("   not ranked")
    else:
        better = "higher" if rank["direction"] == "higher" else "lower"
        lines.append(
            f"   {rank['rank']} of {rank['ranked']} ranked in {x['domain']['id']} "
            f"({better} scores first)"
        )
    if rank["tie"]:
        tie = rank["tie"]
        others = [s for s in tie.get("submissions", []) if s != sub]
        span = tie.get("ranks")
        lines.append(
            f"   tied at {_show(tie.get('score'))} with {_join(others)}"
            + (f" for ranks {span[0]} to {span[1]}" if span else "")
        )
        for step in tie.get("steps", []):
            if step.get("key") == "lot":
                purpose = ", ".join(str(p) for p in step.get("purpose", []))
                lines.append(
                    f"   lot drawn from seed {step.get('seed')} (purpose {purpose}): "
                    f"{', '.join(step.get('order', []))}"
                )
            else:
                shown = ", ".join(f"{k} {_show(v)}" for k, v in step.get("values", {}).items())
                lines.append(f"   {step.get('key')}: {shown}")
        if rank["tie_break"]:
            lines.append(f"   settled by {rank['tie_break'].get('key')}")
        if "mattered" in tie:
            lines.append(
                "   the tie decided who is selected"
                if tie["mattered"]
                else "   the tie did not change who is selected"
            )
    elif rank["rank"] is not None:
        lines.append("   no tie")
    sel = x["selection"]
    lines += ["", "6. Selection"]
    decision = messages.of(sel["decision"]) if sel.get("decision") else "no decision recorded"
    lines.append(f"   {'winner' if sel['winner'] else 'not a winner'}: {decision}")
    lines.append(
        f"   {x['domain']['id']} names {_count(sel['winners_wanted'], 'winner')}: "
        f"{_join(sel['winners']) or 'none'}"
    )
    if sel.get("reserve"):
        lines.append(f"   reserve list, in order: {_join(sel['reserve'])}")
    if sel.get("funded") is not None:
        lines.append(f"   funded: {_show(sel['funded'])} {sel.get('currency') or ''}".rstrip())
    rule = sel.get("rule")
    if isinstance(rule, dict):
        lines.append(
            "   rule: " + ", ".join(f"{k} {_show(v)}" for k, v in rule.items() if v is not None)
        )
    stab = x["stability"]
    if stab:
        lines += ["", "7. Stability"]
        if stab.get("p_selected") is not None:
            lines.append(
                f"   selected in {_show(round(stab['p_selected'] * 100, 1))}% of "
                f"{stab.get('replicates', 'the')} bootstrap replicates of the jury"
            )
        if stab.get("rank_interval"):
            low, high = stab["rank_interval"]
            share = f"{_show(stab['interval'] * 100)}% " if stab.get("interval") else ""
            lines.append(f"   {share}rank interval: {low} to {high}")
        if stab.get("too_close"):
            lines.append("   too close to the funding line to call")
        by_method = stab.get("winner_by_method")
        if by_method:
            yes = [m for m, w in by_method.items() if w]
            no = [m for m, w in by_method.items() if not w]
            if not no:
                lines.append(f"   a winner under every calibration method ({_join(yes)})")
            elif not yes:
                lines.append(f"   not a winner under any calibration method ({_join(no)})")
            else:
                lines.append(f"   a winner under {_join(yes)}; not under {_join(no)}")
        if "leave_one_out" in stab:
            if stab["leave_one_out"]:
                for change in stab["leave_one_out"]:
                    would = "would" if change["winner_without_them"] else "would not"
                    lines.append(f"   without {change['juror']}'s scores it {would} be a winner")
            else:
                lines.append("   no single juror's absence would change whether it wins")
    if x.get("notes") or x.get("other"):
        lines += ["", "Notes"]
        lines.extend(f"   {messages.of(note)}" for note in x.get("notes") or [])
        lines.extend(f"   {key}: {_show(value)}" for key, value in (x.get("other") or {}).items())
    meeting = x.get("meeting") or {}
    if meeting:
        lines += ["", "Jury meeting"]
        if "written_round" in meeting:
            w = meeting["written_round"]
            lines.append(
                f"   written round: rank {_show(w['rank'])}, score {_show(w['score'])}, "
                f"shortlisted; the steps above are the final round's (rule {w['rule']})"
            )
        revisions = meeting.get("revisions")
        if revisions is not None and not revisions:
            lines.append("   no score of this submission was revised at the meeting")
        for r in revisions or []:
            lines.append(
                f"   {r['juror']} revised {r['criterion']}: {_show(r['old'])} → "
                f"{_show(r['new'])} ({r['reason']}); the steps above use the revised score"
            )
    check = x["check"]
    lines.append("")
    published = check.get("published")
    if check["reproduced"]:
        if published:
            lines.append(
                f"Published in {RESULTS}: score {_show(published['score'])}, rank "
                f"{_show(published['rank'])} — reproduced by this derivation."
            )
        else:
            lines.append("This derivation reproduces the run's results.")
    else:
        lines.extend(f"NOT REPRODUCED: {p}" for p in check["problems"])
    return "\n".join(lines)


# --- small helpers ---------------------------------------------------------------------


def _union(first: Iterable[Any], second: Iterable[Any]) -> list[Any]:
    """Keys of ``first`` in order, then those only in ``second``."""
    seen = list(first)
    return seen + [k for k in second if k not in set(seen)]


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return text if len(text) <= 80 else text[:79] + "…"
    return str(value)


def _fixed(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}"


def _pair(before: Any, after: Any) -> str:
    """``before → after``, with as many decimals as it takes to see the difference."""
    if isinstance(before, float | int) and isinstance(after, float | int):
        for digits in (3, 6):
            b, a = f"{before:.{digits}f}", f"{after:.{digits}f}"
            if b != a or digits == 6:
                return f"{_trim(b)} → {_trim(a)}"
    return f"{_show(before)} → {_show(after)}"


def _trim(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number


def _digest(value: Any) -> str:
    return f"sha256:{short(value)}…" if isinstance(value, str) else "(none)"


def _count(n: Any, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _text(value: Any, lang: str | None) -> str:
    if isinstance(value, dict):
        if lang and lang in value:
            return str(value[lang])
        for fallback in ("fr", "en"):
            if fallback in value:
                return str(value[fallback])
        return str(next(iter(value.values()), ""))
    return "" if value is None else str(value)


def explain_json(explanation: dict[str, Any]) -> str:
    """The explanation as JSON text (``explain --format json``): sorted keys, UTF-8."""
    return json.dumps(explanation, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False)
