"""Command line: parse options, call the core, print. Nothing here computes a result."""

from __future__ import annotations

import importlib
import json
import os
import stat
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import click

from . import __version__, messages
from .errors import GrantjuryError
from .names import AGGREGATES, CALIBRATIONS, DOCUMENT_KINDS


class _Deferred:
    """A module imported when first used: ``grantjury --help`` and a command's ``--help``
    never import the engine (numpy, scipy, pydantic, the renderer), which takes a second."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


api: Any = _Deferred("grantjury.api")
simulation: Any = _Deferred("grantjury.secretary.simulate")

SAMPLE = Path("sample_submissions") / "competition.yaml"


def resolve_competition(path: Path | None) -> Path:
    """The named competition, else ./competition.yaml, else the bundled sample."""
    if path is not None:
        return path
    for candidate in (Path("competition.yaml"), SAMPLE):
        if candidate.is_file():
            return candidate
    raise click.UsageError(
        "no competition given and no competition.yaml here; pass the competition file or "
        "folder (e.g. grantjury rank sample_submissions/), or start one with grantjury init DIR"
    )


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal (stderr); nothing when the output is piped or captured."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=0, label=label, file=sys.stderr) as bar:

        def advance(steps: int, total: int | None = None) -> None:
            if total is not None:
                bar.length = total
            bar.update(steps)

        yield advance


competition_argument = click.argument(
    "competition", required=False, type=click.Path(exists=True, path_type=Path)
)


stage_option = click.option(
    "--stage",
    type=click.Choice(["written", "final"]),
    default="written",
    show_default=True,
    help="final: the final round of a staged competition (its rubric, jury and files; "
    "the shortlisted submissions only).",
)


class UserError(click.ClickException):
    """A problem in the user's inputs or outputs: printed as is, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class InternalError(click.ClickException):
    """A bug: a short note instead of a traceback (kept in a log file), exit code 70."""

    exit_code = 70

    def show(self, file: Any = None) -> None:
        click.echo(f"internal error: {self.format_message()}", err=True)


class GrantjuryGroup(click.Group):
    """Turns library errors into clean messages and exit codes; click handles the rest."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except GrantjuryError as exc:
            error = UserError(str(exc))
            error.exit_code = getattr(exc, "exit_code", 1)
            raise error from None
        except Exception as exc:
            where = _crash_log(traceback.format_exc())
            raise InternalError(
                f"{type(exc).__name__}: {exc}{where}. This is a bug in grantjury; please report it."
            ) from None


def _crash_log(details: str) -> str:
    """Write a traceback to a new file of its own and say where it is.

    The file goes into the user's own state folder (``$XDG_STATE_HOME/grantjury``, by
    default ``~/.local/state/grantjury``, made with mode 0700), or, when that folder cannot
    be used safely (not a real folder of this user's, writable by others), into the system's
    temporary folder. ``mkstemp`` creates it with ``O_CREAT | O_EXCL`` and mode 0600 under a
    random name, so it never follows a link, never overwrites another log and is readable
    only by its owner.
    """
    try:
        handle, name = tempfile.mkstemp(
            prefix="grantjury-crash-", suffix=".log", dir=_private_folder()
        )
        with os.fdopen(handle, "w", encoding="utf-8") as log:
            log.write(details)
    except OSError:
        return ""
    return f" (details in {name})"


def _private_folder() -> str | None:
    """``$XDG_STATE_HOME/grantjury`` when it is this user's own folder, else None (the
    system's temporary folder)."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    folder = os.path.join(state, "grantjury")
    try:
        os.makedirs(state, mode=0o700, exist_ok=True)
        with suppress(FileExistsError):
            os.mkdir(folder, 0o700)
        info = os.lstat(folder)  # a link is refused, not followed
    except OSError:
        return None
    owned = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    private = stat.S_ISDIR(info.st_mode) and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return folder if owned and private else None


@click.group(cls=GrantjuryGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grantjury")
def cli() -> None:
    """grantjury: fair, explainable, reproducible rankings for grant competitions."""


@cli.command()
@competition_argument
def validate(competition: Path | None) -> None:
    """Check a competition's files and list every problem with its file and line.

    \b
    Example:
        grantjury validate sample_submissions/
    """
    path = resolve_competition(competition)
    loaded, warnings = api.validate(path)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    table = api.admissibility(loaded)
    if table:
        refused = [row for row in table if row[2]]
        click.echo(
            f"application files (rule packs {', '.join(loaded.spec.rules)}): "
            f"{len(table) - len(refused)} admissible, {len(refused)} not admissible"
        )
        click.echo(f"  {'submission':<12} {'domain':<12} file")
        for submission, domain, reasons in table:
            file = "; ".join(messages.of(r) for r in reasons) if reasons else "admissible"
            click.echo(f"  {submission:<12} {domain:<12} {file}")
    click.echo(
        f"{path}: valid — {len(loaded.submissions)} submissions, {len(loaded.jurors)} jurors, "
        f"{len(loaded.scores)} score rows, {len(loaded.domains)} domains"
    )


@cli.command()
@competition_argument
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing lock: the current scores become the first round.",
)
def lock(competition: Path | None, force: bool) -> None:
    """Lock the independent first round before the jury meets.

    Writes first-round.lock.json beside competition.yaml: the digest of the score file and
    every score in it. Every later run refuses a first-round score that differs from the
    lock, naming it; a score changed at the meeting goes into the revisions file.

    \b
    Example:
        grantjury lock forum-2014/
    """
    locked = api.lock(resolve_competition(competition), force=force)
    for path, digest, rows in locked.files:
        click.echo(f"{path}: {rows} score rows, {digest[:19]}…")
    verb = "already locked, unchanged" if locked.unchanged else "wrote"
    click.echo(f"first round {verb}: {locked.path}")


@cli.command()
@competition_argument
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Folder to write the report into.",
)
@click.option(
    "--calibration",
    type=click.Choice(CALIBRATIONS),
    help="Juror calibration method (default: the competition's method.calibration).",
)
@click.option(
    "--aggregate",
    type=click.Choice(AGGREGATES),
    help="How calibrated totals are combined across jurors.",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**63 - 1),
    help="Seed of every random draw (lots); recorded in the results.",
)
@click.option(
    "--replicates",
    type=click.IntRange(0, 100_000),
    help="Jury resamples of the stability analysis (default 1000; 0 turns it off).",
)
@click.option(
    "--uncertainty",
    type=click.Choice(["bootstrap", "bayes"]),
    help="How sure the ranking is: resample the jury (default), or the SNSF's Bayesian "
    "model (expected ranks, credible intervals).",
)
@click.option(
    "--burn-in",
    type=click.IntRange(0, 1_000_000),
    help="With --uncertainty bayes: Gibbs iterations discarded per chain (default 2000).",
)
@click.option(
    "--draws",
    type=click.IntRange(0, 1_000_000),
    help="With --uncertainty bayes: posterior draws kept (default 2000; 0 turns it off).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Write into --out even if it holds files that are not a grantjury report.",
)
def rank(
    competition: Path | None,
    out_dir: Path,
    calibration: str | None,
    aggregate: str | None,
    seed: int | None,
    replicates: int | None,
    uncertainty: str | None,
    burn_in: int | None,
    draws: int | None,
    force: bool,
) -> None:
    """Rank a competition and pick each domain's winners.

    Writes results.json, ranking.csv and manifest.json (the run's record and digest) into
    --out (default reports/), replacing a previous report there.

    \b
    Example:
        grantjury rank sample_submissions/ --out reports/
        grantjury rank sample_submissions/ --out reports/ --uncertainty bayes
    """
    path = resolve_competition(competition)
    given = {
        "calibration": calibration,
        "aggregate": aggregate,
        "seed": seed,
        "replicates": replicates,
        "uncertainty": uncertainty,
        "burn_in": burn_in,
        "draws": draws,
    }
    # Refused before any work (a national call takes minutes), and checked again on writing.
    api.check_report_folder(out_dir, force)
    label = "Sampling the Bayesian model" if uncertainty == "bayes" else "Estimating stability"
    with progress_bar(label) as progress:
        ranked = api.rank(api.load(path), progress=progress, **given)
    report = api.write_report(ranked, out_dir, force=force)
    from .manifest import short
    from .summary import summary

    click.echo(summary(report.results))
    click.echo(
        f"run digest {short(report.results.digest or '')}; wrote "
        + ", ".join(str(p) for p in report.files)
    )
    if report.removed:
        click.echo("removed the documents of the replaced results: " + ", ".join(report.removed))


@cli.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--submissions", type=click.IntRange(1), default=120, show_default=True)
@click.option("--domains", type=click.IntRange(1), default=3, show_default=True)
@click.option("--winners", type=click.IntRange(1), default=3, show_default=True, help="Per domain.")
@click.option("--jurors", type=click.IntRange(1), default=12, show_default=True)
@click.option(
    "--per-submission",
    type=click.IntRange(1),
    default=4,
    show_default=True,
    help="Jurors assigned to each submission.",
)
@click.option(
    "--panel-size",
    type=click.IntRange(1),
    help="Jurors on each domain's panel (default: every juror on every panel).",
)
@click.option(
    "--bias-sd",
    type=click.FloatRange(0),
    default=1.0,
    show_default=True,
    help="Sd of jurors' biases, in true-quality sds.",
)
@click.option(
    "--scale-sd",
    type=click.FloatRange(0),
    default=0.25,
    show_default=True,
    help="Sd of jurors' log-scales.",
)
@click.option(
    "--noise-sd",
    type=click.FloatRange(0),
    default=0.8,
    show_default=True,
    help="Sd of each criterion score's error, in true-quality sds.",
)
@click.option(
    "--noisy-jurors",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Jurors whose error is --noisy-factor times the others'.",
)
@click.option(
    "--noisy-factor", type=click.FloatRange(0, min_open=True), default=3.0, show_default=True
)
@click.option(
    "--ceiling-jurors",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Jurors biased by +--end-shift: their scores pile up at the maximum.",
)
@click.option(
    "--floor-jurors",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Jurors biased by −--end-shift: their scores pile up at the minimum.",
)
@click.option("--end-shift", type=click.FloatRange(0), default=4.0, show_default=True)
@click.option(
    "--coarse-jurors",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Jurors who use three values only (centre and centre ± spread × --coarse-step).",
)
@click.option(
    "--coarse-step", type=click.FloatRange(0, min_open=True), default=1.5, show_default=True
)
@click.option(
    "--icc",
    type=click.FloatRange(0, 1, min_open=True),
    help="One juror's reliability (ICC) on their total; sets the error in place of --noise-sd.",
)
@click.option(
    "--halo",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Correlation of a juror's errors across one submission's criteria.",
)
@click.option(
    "--conflict-rate",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Share of assignments declared conflicts (scored anyway, then excluded).",
)
@click.option(
    "--assignment",
    type=click.Choice(["random", "specialised"]),
    default="random",
    show_default=True,
    help="specialised: the harshest jurors mostly see the strongest submissions.",
)
@click.option("--languages", type=click.Choice(["fr", "ar,fr"]), default="ar,fr", show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True)
@click.option("--force", is_flag=True, help="Write into a non-empty folder anyway.")
def simulate(out_dir: Path, languages: str, force: bool, **options: Any) -> None:
    """Write a synthetic competition, and the truth it was drawn from, into OUT_DIR.

    True qualities, jurors' biases and scales, and scoring errors are drawn from --seed;
    truth.json records them and each domain's true winners (see grantjury/secretary/simulate.py).
    OUT_DIR must be empty or hold an earlier simulation, unless --force.

    \b
    Example:
        grantjury simulate sim/ --submissions 1000 --domains 5 --jurors 60 --seed 7
    """
    from pydantic import ValidationError

    try:
        chosen = simulation.SimulationOptions(languages=tuple(languages.split(",")), **options)
    except ValidationError as exc:
        reasons = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise click.UsageError(reasons) from None
    drawn = simulation.simulate(chosen)
    simulation.write(out_dir, simulation.render(drawn), force=force)
    click.echo(f"wrote {out_dir}: {simulation.describe(drawn)}")


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path))
def init(folder: Path) -> None:
    """Create a ready-to-edit competition in FOLDER, which must be new or empty.

    Writes competition.yaml, rubric.yaml, jurors.yaml, an empty submissions/ folder and a
    README, each commented in French and English and valid as written: replace the examples,
    add one file per submission, then check with grantjury validate.

    \b
    Example:
        grantjury init forum-2014/
    """
    from .secretary import workflow

    written = workflow.init_competition(folder)
    click.echo(
        f"created {folder}: {', '.join(p.name for p in written)}; edit them, add the "
        f"submissions, then run: grantjury validate {folder}"
    )


@cli.command()
@competition_argument
@click.option(
    "--per-submission",
    "per_submission",
    type=click.IntRange(1),
    required=True,
    help="Jurors of each submission.",
)
@click.option(
    "--max-load",
    type=click.IntRange(1),
    help="Most submissions per juror, in all domains together (in each domain with "
    "--balance domain).",
)
@click.option(
    "--balance",
    type=click.Choice(["competition", "domain"]),
    default="competition",
    show_default=True,
    help="competition: each juror's total load over all domains differs by at most one from "
    "every other's where the panels allow it; domain: loads balanced within each domain.",
)
@click.option(
    "--affinity",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV juror,submission,affinity (a number ≥ 0; unlisted pairs: 0).",
)
@click.option(
    "--keywords",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV id,keywords (juror or submission id; keywords separated by ;): affinity is "
    "the Jaccard similarity of the two sets.",
)
@click.option(
    "--objective",
    type=click.Choice(["balance", "affinity", "fair"]),
    default="balance",
    show_default=True,
    help="balance: a random balanced pick; affinity: the largest total affinity; fair: first "
    "the best worst-served pair (max-min), then the largest total. Loads are the same.",
)
@click.option(
    "--constraints",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML: languages jurors read and submissions need, groups (at most one juror of a "
    "neighbourhood or organisation per submission), jurors never together (docs/format.md).",
)
@click.option(
    "--cap",
    type=click.FloatRange(0, 1, min_open=True),
    help="Randomised assignment: no juror–submission pair gets a probability above CAP "
    "(e.g. 0.5); the draw comes from --seed.",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**63 - 1),
    help="Seed of the random choices (default: the competition's method.seed).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: the competition's assignments file, else assignments.csv "
    "beside competition.yaml).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Assign again although score sheets were made from the current assignments (the "
    "current file is kept beside the new one).",
)
@stage_option
def assign(
    competition: Path | None,
    per_submission: int,
    max_load: int | None,
    seed: int | None,
    out: Path | None,
    force: bool,
    stage: str,
    balance: str,
    affinity: Path | None,
    keywords: Path | None,
    objective: str,
    cap: float | None,
    constraints: Path | None,
) -> None:
    """Assign jurors to every eligible submission, from its domain's panel, around conflicts.

    Each submission gets --per-submission distinct jurors among those whose domains include
    its own (or who have no panel), never one in conflict with it (declared, detected from
    affiliations, and the competition's conflict_scope). Loads are balanced, and each
    domain's juror–submission graph is connected where possible, so that calibration can
    compare every juror with every other. The same seed gives the same assignment.

    With --affinity or --keywords, --objective affinity maximises the total affinity and
    --objective fair first protects the worst-served pair; --cap randomises the assignment so
    that no juror can be sure to get a given file.

    Writes assignments.csv (juror,submission; its first line records the options) and
    assignments.manifest.json (the run's record), replacing previous ones, and prints a
    summary per domain. When no assignment exists, prints exactly why and writes nothing.
    Once score sheets were made from the current assignments, assigning again needs --force.

    \b
    Example:
        grantjury assign forum-2014/ --per-submission 4 --seed 2014
        grantjury assign forum-2014/ --per-submission 3 --affinity affinity.csv \\
            --objective fair --cap 0.5
    """
    from .secretary import workflow

    if affinity is not None and keywords is not None:
        raise click.UsageError("give --affinity or --keywords, not both")
    if objective != "balance" and affinity is None and keywords is None:
        raise click.UsageError(f"--objective {objective} needs --affinity or --keywords")
    if constraints is not None and cap is not None:
        raise click.UsageError("--cap cannot be combined with --constraints yet")
    outcome = workflow.assign(
        resolve_competition(competition),
        per_submission,
        max_load,
        seed,
        out,
        force=force,
        stage=stage,
        balance=balance,
        objective=objective,
        cap=cap,
        affinity=affinity,
        keywords=keywords,
        constraints=constraints,
    )
    for note in outcome.notes:
        click.echo(f"note: {note}", err=True)
    click.echo("\n".join(outcome.lines))


@cli.command()
@competition_argument
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the workbooks (new or empty).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Write into a folder that is not empty (files of the same name are replaced).",
)
@stage_option
def sheets(competition: Path | None, out_dir: Path, force: bool, stage: str) -> None:
    """Make one Excel workbook per juror to fill in and send back.

    Each workbook (JUROR.xlsx) holds instructions in every language of the competition
    (right to left in Arabic) with the rubric, each criterion's scale, step, direction and
    labels, and the conflict declaration the juror signs; and a Scores sheet listing only
    the juror's assigned submissions, one column per criterion and a comment column. Score
    cells accept only values on the criterion's scale and step; every other cell is
    protected. Needs the assignments (grantjury assign). Two runs give identical files.

    \b
    Example:
        grantjury sheets forum-2014/ --out forum-2014/sheets/
        grantjury sheets forum-2014/ --out forum-2014/final-sheets/ --stage final
    """
    from .secretary import workflow

    outcome = workflow.sheets(resolve_competition(competition), out_dir, force=force, stage=stage)
    click.echo("\n".join(outcome.lines))


@cli.command()
@click.argument("competition", required=False, type=click.Path(exists=True, path_type=Path))
@click.argument(
    "sheets_dir",
    metavar="SHEETS_DIR",
    required=False,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: the competition's scores file, else scores.csv beside "
    "competition.yaml).",
)
@stage_option
def collect(
    competition: Path | None, sheets_dir: Path | None, out: Path | None, stage: str
) -> None:
    """Read the returned sheets of SHEETS_DIR into the scores file.

    Reads every workbook (.xlsx) made by grantjury sheets, and CSV files in the scores
    format (juror,submission,criterion,score[,comment]). Every cell is checked: each problem
    names the workbook, the sheet and the cell (J03.xlsx, Scores!F7: 21 is above the scale
    maximum 20); a workbook whose juror or submissions do not match the assignments is
    refused; when anything is wrong, all problems are listed and nothing is written. Jurors
    who have not returned a sheet, and cells still empty, are listed as warnings. Decimal
    commas and Arabic-Indic digits typed as text are read as numbers.

    \b
    Example:
        grantjury collect forum-2014/ forum-2014/returned/
    """
    from .secretary import workflow

    if sheets_dir is None:
        competition, sheets_dir = None, competition
    if sheets_dir is None:
        raise click.UsageError(
            "name the folder of returned sheets: collect [COMPETITION] SHEETS_DIR"
        )
    outcome = workflow.collect(resolve_competition(competition), sheets_dir, out, stage=stage)
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo("\n".join(outcome.lines))


results_dir_argument = click.argument(
    "results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
moved_competition_option = click.option(
    "--competition",
    type=click.Path(exists=True, path_type=Path),
    help="Where the competition is now, if it moved (default: the manifest's "
    "competition_file, relative to RESULTS_DIR).",
)


@cli.command()
@results_dir_argument
@moved_competition_option
@click.option(
    "--strict",
    is_flag=True,
    help="Fail also when inputs differ only in byte order or the engine versions differ.",
)
@click.option(
    "--public-export",
    "public_export",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Check instead that this folder is the unchanged public copy of the report "
    "(written by grantjury export --public).",
)
@click.pass_context
def verify(
    ctx: click.Context,
    results_dir: Path,
    competition: Path | None,
    strict: bool,
    public_export: Path | None,
) -> None:
    """Re-run a report's recorded inputs and options and compare every output.

    Exit status 0 when every output is reproduced (a warning if only the engine versions
    differ, a note if an input has the same content in another byte order); 1 when an input
    changed, an output was edited after the run, or the results differ: each is named, with
    the scores, ranks, winners and exclusions that moved. With --public-export DIR: whether
    DIR was exported from this report and nothing in it was changed.

    \b
    Example:
        grantjury verify reports/
        grantjury verify reports/ --public-export public/
    """
    from . import audit

    if public_export is not None:
        check = api.verify_public_export(results_dir, public_export)
        click.echo(check.text())
        ctx.exit(0 if check.ok else 1)

    report = audit.verify(results_dir, competition)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(report.text())
    ctx.exit(report.exit_code(strict))


@cli.command()
@results_dir_argument
@click.argument("submission")
@moved_competition_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: the same derivation as data.",
)
@click.option("--lang", help="Language of titles and names (default: fr, else the first).")
def explain(
    results_dir: Path,
    submission: str,
    competition: Path | None,
    output_format: str,
    lang: str | None,
) -> None:
    """Show how one submission's result was derived, step by step.

    Re-runs the report's recorded inputs and options and prints each juror's criterion
    scores and total, exclusions, calibration, the aggregate, eligibility, rank and
    tie-breaks, selection and stability, checked against the published results.json.

    \b
    Example:
        grantjury explain reports/ CUL-04
        grantjury explain reports/ CUL-04 --format json
    """
    from . import audit

    explanation = audit.explain(results_dir, submission, competition)
    for problem in explanation["check"]["problems"]:
        click.echo(f"warning: {problem}", err=True)
    if output_format == "json":
        click.echo(audit.explain_json(explanation))
    else:
        click.echo(audit.explain_text(explanation, lang))


@cli.command()
@results_dir_argument
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The PDF to write (default: RESULTS_DIR/agenda.pdf, recorded in its manifest).",
)
@moved_competition_option
@click.option("--all", "show_all", is_flag=True, help="Print every item, not the first 12.")
@click.option("--force", is_flag=True, help="Replace a file at --out that is not an agenda.")
def agenda(
    results_dir: Path, out: Path | None, competition: Path | None, show_all: bool, force: bool
) -> None:
    """Make the agenda of the jury's meeting from a results folder.

    Orders the submissions for discussion: those too close to call at each domain's funding
    line, then those on which the jurors disagree most, then the rest; for each, the rank
    interval, p(win), the spread of the calibrated totals, the most disputed criteria (no
    juror named next to a score) and the jurors who must leave the room (every conflict,
    with its category). Prints a short table and writes a bilingual PDF.

    \b
    Example:
        grantjury agenda reports/
        grantjury agenda reports/ --out meeting/agenda.pdf
    """
    from .agenda import agenda_text

    report = api.agenda(results_dir, out=out, competition=competition, force=force)
    click.echo(agenda_text(report.agenda, None if show_all else 12))
    click.echo(f"wrote {report.path} ({report.pages} page{'s' if report.pages != 1 else ''})")


@cli.command()
@click.argument(
    "results_dir",
    required=False,
    default=Path("reports"),
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Folder for the PDFs (default: RESULTS_DIR).",
)
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="KIND",
    help="Render only this kind (repeatable): " + ", ".join(DOCUMENT_KINDS) + ".",
)
def render(results_dir: Path, out_dir: Path | None, only: tuple[str, ...]) -> None:
    """Print the ceremony documents from a results folder, as PDF (never recomputes).

    Rendered into RESULTS_DIR, the documents are added to its manifest.json so that
    `grantjury verify` checks them too.

    \b
    Example:
        grantjury render reports/ --only ceremony --only certificates
    """
    say = (lambda line: click.echo(line, err=True)) if sys.stderr.isatty() else None
    written = api.render(results_dir, only or None, out_dir=out_dir, progress=say)
    click.echo("wrote " + ", ".join(str(p) for p in written))


@cli.command()
@click.option(
    "--public",
    "public",
    is_flag=True,
    required=True,
    help="The public copy: without the names and personal data of people (law 09-08).",
)
@results_dir_argument
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder to write the public copy into (new or empty).",
)
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
def export(public: bool, results_dir: Path, out_dir: Path, force: bool) -> None:
    """Write a copy of a report for publication, without jurors' names or declared notes.

    Officials, members and council members (rule pack ma-commune) and identity numbers never
    enter the results. export.json records the full report's run digest, so that
    `grantjury verify RESULTS_DIR --public-export DIR` can check the copy.

    \b
    Example:
        grantjury export --public reports/ --out public/
    """
    written = api.export_public(results_dir, out_dir, force=force)
    click.echo("wrote " + ", ".join(str(p) for p in written))


def parse_counts(text: str) -> list[int]:
    """``3,5,7`` or ``2-8`` (or both: ``2-4,6``) as a sorted list of whole numbers."""
    counts: set[int] = set()
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        try:
            first, last = int(low), int(high) if dash else int(low)
        except ValueError:
            raise click.BadParameter(
                f"{part.strip()!r} is not a whole number or a range; write e.g. 3,5,7 or 2-8"
            ) from None
        if first < 1 or last < first or last - first > 100:
            raise click.BadParameter(f"{part.strip()!r}: expected a range such as 2-8, from 1 up")
        counts.update(range(first, last + 1))
    return sorted(counts)


@cli.command()
@click.option("--submissions", type=click.IntRange(2), required=True, help="Expected submissions.")
@click.option("--winners", type=click.IntRange(1), required=True, help="Projects to select.")
@click.option(
    "--jurors-per-submission",
    "counts",
    default="2-8",
    show_default=True,
    help="The choices to compare: a comma list (3,5,7) or a range (2-8).",
)
@click.option(
    "--icc",
    type=click.FloatRange(0, 1),
    help="One juror's reliability (ICC); grant panels report 0.26–0.34.",
)
@click.option(
    "--from",
    "previous",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="An earlier edition's results folder: its jurors' ICC is used.",
)
@click.option(
    "--jurors", type=click.IntRange(1), help="Jurors available (to show each one's load)."
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the table as a chart (.png or .svg).",
)
@click.option("--format", "form", type=click.Choice(["text", "json"]), default="text")
def plan(
    submissions: int,
    winners: int,
    counts: str,
    icc: float | None,
    previous: Path | None,
    jurors: int | None,
    chart: Path | None,
    form: str,
) -> None:
    """How many jurors per submission, before the call opens.

    For each choice: the expected share of the winners that a noise-free jury would also
    pick (Bartoš & Martinková 2024), the false-positive and false-negative shares, and the
    scores it asks for. One juror's ICC comes from --icc or from an earlier edition (--from).

    \b
    Example:
        grantjury plan --submissions 120 --winners 9 --icc 0.3 --jurors 12
        grantjury plan --submissions 120 --winners 9 --from reports/ --chart plan.png
    """
    if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter(f"{chart}: expected a .png or .svg file", param_hint="--chart")
    result = api.plan(
        submissions,
        winners,
        parse_counts(counts),
        icc=icc,
        previous=previous,
        jurors=jurors,
    )
    if form == "json":
        click.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        source = "given" if result.icc_source == "given" else f"from {result.icc_source}"
        click.echo(
            f"{winners} winners among {submissions} submissions; one juror's ICC "
            f"{result.icc_single:.2f} ({source})"
        )
        click.echo(
            f"{'jurors':>6}  {'reliability':>11}  {'true winners':>12}  {'false pos.':>10}  "
            f"{'missed':>6}  {'scores':>7}" + ("  per juror" if jurors else "")
        )
        for row in result.rows:
            click.echo(
                f"{row.jurors_per_submission:>6}  {row.reliability:>11.2f}  "
                f"{row.shares.true_positive * winners:>5.1f} ({row.shares.true_positive:>4.0%})  "
                f"{row.shares.false_positive:>10.0%}  {row.shares.false_negative:>6.1%}  "
                f"{row.reviews:>7}" + (f"  {row.load:>9.1f}" if row.load is not None else "")
            )
        click.echo(
            "true winners: of the winners, how many a noise-free jury would also pick; "
            "missed: share of the others that a noise-free jury would pick"
        )
    if chart is not None:
        api.write_plan_chart(result, chart)
        click.echo(f"wrote {chart}", err=form == "json")


@cli.command()
@results_dir_argument
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder of the site (replaced if it holds a previous site).",
)
@click.option(
    "--partners",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The partners file (default: the competition's `partners:` key).",
)
@moved_competition_option
@click.option("--force", is_flag=True, help="Replace a folder that holds no previous site.")
def site(
    results_dir: Path, out_dir: Path, partners: Path | None, competition: Path | None, force: bool
) -> None:
    """Write the public site: bilingual pages, partners, open data (docs/site.md).

    Static files only (no JavaScript, no external request): open OUT/index.html from the
    disk or copy the folder to any web host. Juror names are published only when the
    partners file says so (`publish: {jurors: true}`).

    \b
    Example:
        grantjury site reports/ --out reports/site/
    """
    files = api.site(results_dir, out_dir, partners=partners, competition=competition, force=force)
    pages = sum(1 for name in files if name.endswith(".html"))
    click.echo(f"wrote {out_dir}: {pages} pages, {len(files)} files; open {out_dir / 'index.html'}")


def main() -> None:
    """Entry point of the ``grantjury`` command."""
    cli(prog_name="grantjury")


if __name__ == "__main__":
    main()
