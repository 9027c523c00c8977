"""The library API: what the ``grantjury`` command does, as functions (docs/api.md).

>>> import grantjury
>>> competition = grantjury.load("sample_submissions")          # doctest: +SKIP
>>> run = grantjury.rank(competition, replicates=200)            # doctest: +SKIP
>>> report = grantjury.write_report(run, "reports")              # doctest: +SKIP

Every command of the command line calls these functions and only prints what they return,
so a script gets the same bytes as the command with the same options. Errors are the
project's own (``grantjury.errors.GrantjuryError`` and its subclasses), never a raw
``pydantic.ValidationError``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from . import rules
from .errors import GrantjuryError, OutputError, Problem
from .figures import published
from .model import Competition, Method
from .pipeline import (
    Progress,
    RunResult,
    cycle_collector_paused,
    effective_method,
    inspect,
    load_competition,
    score,
)
from .report import build_outputs, check_not_foreign, check_output_dir, replace_report
from .results import Results, ResultsFileError, load_results, read_results
from .selection_reliability import PlanRow
from .selection_reliability import plan as selection_plan

if TYPE_CHECKING:
    from .audit import VerifyReport
    from .export import ExportCheck

PathLike = str | os.PathLike[str]

OPTIONS: tuple[str, ...] = tuple(Method.model_fields)
"""The options of a run, as ``grantjury rank`` takes them (``method`` in competition.yaml)."""


class OptionError(GrantjuryError):
    """An option of a run that does not exist, or whose value is out of its range.

    ``exit_code`` is 2: a misuse of the command or the API, not invalid competition data."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Run:
    """A ranked competition: its typed results and every intermediate ``explain`` needs.

    ``given_options`` are the options the caller set (recorded in the manifest as such);
    ``results.options`` are the effective ones, defaults included."""

    competition: Competition
    method: Method
    results: Results
    warnings: tuple[Problem, ...]
    given_options: dict[str, Any]
    intermediates: RunResult
    """The pipeline's run with its ``scoring`` (calibrations, rankings, stability)."""


@dataclass(frozen=True)
class Report:
    """A report written to disk: the results with their run digest, and the files written."""

    results: Results
    files: tuple[Path, ...]
    removed: tuple[str, ...] = ()
    """Documents of the replaced report that described its results, removed with it."""


def load(path: PathLike) -> Competition:
    """Load and validate a competition: a ``competition.yaml`` or the folder holding one.

    Raises ``grantjury.errors.InvalidInput`` listing every problem found (file, line, field,
    what was found and what was expected)."""
    return load_competition(Path(path))


@dataclass(frozen=True)
class Lock:
    """The first round as ``lock`` recorded it."""

    path: Path
    """``first-round.lock.json``, beside the competition file."""
    files: tuple[tuple[str, str, int], ...]
    """Each locked score file: path, SHA-256, score rows."""
    unchanged: bool
    """True when the lock already held exactly these scores (nothing was written)."""


def lock(competition: PathLike, *, force: bool = False) -> Lock:
    """Record the independent first round: the digest of the competition's score file and
    every score in it, in ``first-round.lock.json`` beside ``competition.yaml``.

    Every later run checks its first-round scores against the lock (a change of score goes
    through the revisions file). An existing lock is kept unless ``force`` (then the current
    scores become the first round); the same scores locked again write nothing."""
    from .lock import LOCK_FILE, lock_bytes, lock_document

    loaded = load_competition(Path(competition), check_first_round=not force)
    if not len(loaded.scores):
        raise OptionError(
            f"{Path(loaded.path).name}: no scores to lock yet; collect them first "
            "(grantjury collect) and name the file under scores:"
        )
    document = lock_document(loaded)
    data = lock_bytes(document)
    target = Path(loaded.path).parent / LOCK_FILE
    files = tuple((f.path, f.sha256, f.rows) for f in document.files)
    if target.exists():
        if target.read_bytes() == data:
            return Lock(target, files, unchanged=True)
        if not force:
            raise OutputError(
                f"{target}: the first round is already locked, with other scores than those "
                "of the competition now; a score changed at the meeting goes into the "
                "revisions file (docs/format.md). To lock the current scores as the first "
                "round instead, run again with --force"
            )
    _write_atomically(target, data)
    return Lock(target, files, unchanged=False)


def _write_atomically(target: Path, data: bytes) -> None:
    """Write a file beside its target, then move it into place (never half-written)."""
    import tempfile

    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def validate(path: PathLike) -> tuple[Competition, tuple[Problem, ...]]:
    """Validate a competition whose scores may not be in yet, and gather every warning a run
    would give (``grantjury validate``)."""
    return inspect(Path(path))


def admissibility(competition: Competition) -> list[tuple[str, str, tuple[Any, ...]]]:
    """The admissibility table of a competition's application files under its rule packs:
    (submission, domain, reasons not admissible) in id order; empty without a pack that
    checks them (``docs/format.md``, "Rule pack ma-commune")."""
    return rules.admissibility(competition)


def method_for(competition: Competition, options: dict[str, Any]) -> Method:
    """The competition's method with ``options`` applied (None means not given), checked:
    an unknown option or a value out of range raises ``OptionError`` naming it."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise OptionError(
            f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"the options of a run are {', '.join(OPTIONS)}"
        )
    try:
        return effective_method(competition, options)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            name = ".".join(str(p) for p in item["loc"])
            problems.append(f"option {name}: {item['msg']}; found {item.get('input')!r}")
        raise OptionError("; ".join(problems)) from None


def rank(
    competition: Competition | PathLike,
    *,
    progress: Progress | None = None,
    **options: Any,
) -> Run:
    """Score a competition, pick its winners and say how sure the result is.

    ``options`` are those of ``grantjury rank`` (``calibration``, ``aggregate``, ``seed``,
    ``replicates``, ``uncertainty``, ``burn_in``, ``draws``, and the other fields of
    ``method`` in competition.yaml: see ``OPTIONS``), with the same defaults: the
    competition's ``method``, else the engine's. ``progress(done, total=None)`` is called as
    the stability analysis advances."""
    if not isinstance(competition, Competition):
        competition = load(competition)
    method = method_for(competition, options)
    with cycle_collector_paused():
        result = score(competition, method, progress)
    given = {k: v for k, v in sorted(options.items()) if v is not None}
    return Run(competition, method, result.results, result.warnings, given, result)


def check_report_folder(out_dir: PathLike, force: bool = False) -> None:
    """Refuse, before any work, a folder that cannot take a report (a file, not writable, or
    holding files that are not a grantjury report, unless ``force``)."""
    check_output_dir(Path(out_dir))
    check_not_foreign(Path(out_dir), force)


def write_report(run: Run, out_dir: PathLike, *, force: bool = False) -> Report:
    """Write ``results.json``, ``ranking.csv`` and ``manifest.json`` into ``out_dir``
    (created if needed), all at once: byte for byte what ``grantjury rank`` writes.

    A folder holding files that are not a previous grantjury report is refused unless
    ``force``; documents of a previous report there are removed (they describe other
    results)."""
    target = Path(out_dir)
    check_report_folder(target, force)
    results, files = build_outputs(
        run.results, run.given_options, Path(run.competition.path), target
    )
    replaced = replace_report(target, files, force=force)
    return Report(results, tuple(replaced.written), tuple(replaced.removed))


def render(
    results_dir: PathLike,
    kinds: Iterable[str] | None = None,
    *,
    out_dir: PathLike | None = None,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Print the documents of a report as PDF (``kinds``: any of ``grantjury.documents.KINDS``;
    all when None) into ``out_dir`` (default: the results folder). Rendered into the results
    folder, the documents are recorded in its manifest so that ``verify`` checks them."""
    from .documents.build import render_documents

    source = Path(results_dir)
    target = Path(out_dir) if out_dir is not None else source
    check_output_dir(target)
    only = set(kinds) if kinds is not None else None
    return render_documents(source, target, only, progress=progress, workers=workers)


@dataclass(frozen=True)
class AgendaReport:
    """The deliberation agenda of a results folder and the PDF it was printed into."""

    agenda: Any
    """``grantjury.agenda.Agenda``: the items in discussion order."""
    path: Path
    pages: int


def agenda(
    results_dir: PathLike,
    *,
    out: PathLike | None = None,
    competition: PathLike | None = None,
    force: bool = False,
) -> AgendaReport:
    """The deliberation agenda of a results folder (``grantjury.agenda``), printed as a
    bilingual PDF into ``out`` (default ``RESULTS_DIR/agenda.pdf``, then recorded in the
    folder's manifest). A file at ``out`` that is not a previous agenda of this folder is
    replaced only with ``force``."""
    from .agenda import agenda as agenda_of
    from .documents.agenda import FILENAME, write_agenda
    from .report import previous_outputs, record_documents

    source = Path(results_dir)
    target = Path(out) if out is not None else source / FILENAME
    inside = target.parent.resolve() == source.resolve()
    ours = inside and target.name in previous_outputs(source)
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give the agenda's file name, e.g. agenda.pdf")
    if target.exists() and not ours and not force:
        raise OutputError(
            f"{target}: already exists and is not an agenda of {source}; choose another --out "
            "or pass --force to replace it"
        )
    check_output_dir(target.parent)
    made = agenda_of(source, None if competition is None else Path(competition))
    target.parent.mkdir(parents=True, exist_ok=True)
    pages = write_agenda(made, target)
    if inside:
        record_documents(source, [target])
    return AgendaReport(made, target, pages)


def verify(results_dir: PathLike, competition: PathLike | None = None) -> VerifyReport:
    """Re-run a report from its recorded inputs and say whether every byte is the same, and
    if not, what differs (``grantjury.audit.VerifyReport``)."""
    from .audit import verify as verify_report

    return verify_report(Path(results_dir), None if competition is None else Path(competition))


def export_public(results_dir: PathLike, out_dir: PathLike, force: bool = False) -> list[Path]:
    """Write the public copy of a report into ``out_dir`` (``grantjury export --public``):
    the results without jurors' names and declared notes, and ``export.json`` recording the
    full report's run digest (``grantjury.export``). Nothing is written if ``out_dir`` is not
    empty, unless ``force``."""
    from .export import public_files
    from .secretary.workflow import write_folder

    source_path = Path(results_dir) / "results.json"
    source = source_path.read_bytes() if source_path.is_file() else None
    if source is None:
        raise ResultsFileError(str(source_path), "not found; give a folder written by rank")
    files = public_files(read_results(source, str(source_path)), source)
    return write_folder(Path(out_dir), files, force=force)


def verify_public_export(results_dir: PathLike, export_dir: PathLike) -> ExportCheck:
    """Check that ``export_dir`` is the unchanged public copy of the report in
    ``results_dir`` (``grantjury verify RESULTS_DIR --public-export DIR``)."""
    from .export import check_export

    return check_export(Path(results_dir), Path(export_dir))


PUBLISHED_ICC_RANGE = (0.26, 0.34)
"""Single-reviewer ICCs reported for grant panels (e.g. 0.34 for NIH study sections in
Erosheva et al. 2021, the example of Bartoš & Martinková 2024): guidance when no earlier
edition has been ranked."""


@dataclass(frozen=True)
class Plan:
    """The expected selection reliability of a planned competition, per jurors-per-submission."""

    submissions: int
    winners: int
    icc_single: float
    icc_source: str
    """``given``, or the results folder of the earlier edition it was read from."""
    jurors: int | None
    rows: tuple[PlanRow, ...]

    def as_json(self) -> list[dict[str, Any]]:
        """One entry per jurors-per-submission value (``grantjury plan --format json``)."""
        return [
            {
                "jurors_per_submission": row.jurors_per_submission,
                "reliability": published(row.reliability),
                "true_positive_share": published(row.shares.true_positive),
                "false_positive_share": published(row.shares.false_positive),
                "false_negative_share": published(row.shares.false_negative),
                "expected_true_winners": published(row.shares.true_positive * self.winners),
                "reviews": row.reviews,
                "load_per_juror": None if row.load is None else published(row.load),
                "icc_single": published(self.icc_single),
                "icc_source": self.icc_source,
            }
            for row in self.rows
        ]


def plan(
    submissions: int,
    winners: int,
    jurors_per_submission: Iterable[int],
    *,
    icc: float | None = None,
    previous: PathLike | None = None,
    jurors: int | None = None,
) -> Plan:
    """How many jurors per submission, before the call opens: for each choice, the expected
    share of winners a noise-free jury would also pick (Bartoš & Martinková 2024), from one
    juror's ICC, given (``icc``) or read from an earlier edition's results (``previous``)."""
    counts = sorted(set(jurors_per_submission))
    if not 0 < winners < submissions:
        raise OptionError(
            f"winners must be between 1 and submissions − 1; found {winners} winners for "
            f"{submissions} submissions"
        )
    if not counts or counts[0] < 1:
        raise OptionError("jurors per submission must be whole numbers of at least 1")
    if (icc is None) == (previous is None):
        raise OptionError(
            "give one juror's ICC either as a value (--icc, or icc= from Python; e.g. 0.3, "
            f"grant panels report {PUBLISHED_ICC_RANGE[0]}–{PUBLISHED_ICC_RANGE[1]}) or as an "
            "earlier edition's results folder (--from, or previous=): exactly one of the two"
        )
    if previous is not None:
        icc, source = icc_of_results(load_results(Path(previous))), str(previous)
    else:
        source = "given"
    assert icc is not None
    if not 0.0 <= icc <= 1.0:
        raise OptionError(f"the ICC of one juror lies between 0 and 1; found {icc}")
    rows = selection_plan(submissions, winners, icc, counts, jurors)
    return Plan(submissions, winners, float(icc), source, jurors, tuple(rows))


def icc_of_results(results: Results) -> float:
    """One juror's ICC in an earlier edition: the domains' estimates, weighted by their
    number of candidates."""
    figures = [
        d.selection_reliability
        for d in results.domains
        if d.selection_reliability and d.selection_reliability.icc_single
    ]
    if not figures:
        raise OptionError(
            "these results have no single-juror ICC (no domain had a submission scored by two "
            "jurors); give the ICC as a value instead"
        )
    weights = sum(f.candidates for f in figures)
    return sum(f.icc_single[0] * f.candidates for f in figures) / weights  # type: ignore[index]


def write_plan_chart(plan: Plan, target: PathLike) -> None:
    """Draw a plan as a chart (``.png`` or ``.svg``, by the target's suffix)."""
    from .documents.plan_chart import plan_chart, write_chart

    figure = plan_chart(plan.rows, plan.icc_single, plan.winners, plan.submissions)
    write_chart(figure, Path(target))


def site(
    results_dir: PathLike,
    out_dir: PathLike,
    *,
    partners: PathLike | None = None,
    competition: PathLike | None = None,
    force: bool = False,
) -> list[str]:
    """Write the public site of a results folder (docs/site.md); returns the files written.

    ``partners``: the partners file (default: the competition's ``partners:`` key, the
    competition being ``competition`` or the one recorded in the results' manifest).
    ``force`` replaces a folder that does not hold a previous site."""
    from .site import make_site

    files = make_site(
        Path(results_dir),
        Path(out_dir),
        partners=None if partners is None else Path(partners),
        competition=None if competition is None else Path(competition),
        force=force,
    )
    return sorted(files)
