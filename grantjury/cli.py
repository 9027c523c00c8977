"""Command line: parse options, call the core, print. Nothing here computes a result."""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from . import __version__
from . import simulate as simulation
from .errors import GrantjuryError
from .manifest import short
from .model import AGGREGATES, CALIBRATIONS
from .pipeline import inspect, run
from .render.documents import KINDS, render_documents
from .report import build_outputs, check_output_dir, record_documents, write_outputs
from .summary import summary

SAMPLE = Path("sample_submissions") / "competition.yaml"


def resolve_competition(path: Path | None) -> Path:
    """The named competition, else ./competition.yaml, else the bundled sample."""
    if path is not None:
        return path
    for candidate in (Path("competition.yaml"), SAMPLE):
        if candidate.is_file():
            return candidate
    raise click.UsageError(
        "no competition given and no competition.yaml here; "
        "pass the competition file or folder, e.g. grantjury rank sample_submissions/"
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
            raise UserError(str(exc)) from None
        except Exception as exc:
            log = Path(tempfile.gettempdir()) / "grantjury-crash.log"
            try:
                log.write_text(traceback.format_exc(), encoding="utf-8")
                where = f" (details in {log})"
            except OSError:
                where = ""
            raise InternalError(
                f"{type(exc).__name__}: {exc}{where}. This is a bug in grantjury; please report it."
            ) from None


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
    loaded, warnings = inspect(path)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{path}: valid — {len(loaded.submissions)} submissions, {len(loaded.jurors)} jurors, "
        f"{len(loaded.scores)} score rows, {len(loaded.domains)} domains"
    )


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
    force: bool,
) -> None:
    """Rank a competition and pick each domain's winners.

    Writes results.json, ranking.csv and manifest.json (the run's record and digest) into
    --out (default reports/), replacing a previous report there.

    \b
    Example:
        grantjury rank sample_submissions/ --out reports/
    """
    path = resolve_competition(competition)
    given = {
        "calibration": calibration,
        "aggregate": aggregate,
        "seed": seed,
        "replicates": replicates,
    }
    with progress_bar("Resampling the jury") as progress:
        result = run(path, given, progress)
    results, files = build_outputs(result.results, given, Path(result.competition.path), out_dir)
    written = write_outputs(out_dir, files, force=force)
    click.echo(summary(results))
    click.echo(
        f"run digest {short(results['digest'])}; wrote " + ", ".join(str(p) for p in written)
    )


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
    truth.json records them and each domain's true winners (see grantjury/simulate.py).
    OUT_DIR must be empty or hold an earlier simulation, unless --force.

    \b
    Example:
        grantjury simulate sim/ --submissions 1000 --domains 5 --jurors 60 --seed 7
    """
    try:
        chosen = simulation.SimulationOptions(languages=tuple(languages.split(",")), **options)
    except ValidationError as exc:
        reasons = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise click.UsageError(reasons) from None
    drawn = simulation.simulate(chosen)
    simulation.write(out_dir, simulation.render(drawn), force=force)
    click.echo(f"wrote {out_dir}: {simulation.describe(drawn)}")


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
@click.pass_context
def verify(ctx: click.Context, results_dir: Path, competition: Path | None, strict: bool) -> None:
    """Re-run a report's recorded inputs and options and compare every output.

    Exit status 0 when every output is reproduced (a warning if only the engine versions
    differ, a note if an input has the same content in another byte order); 1 when an input
    changed, an output was edited after the run, or the results differ: each is named, with
    the scores, ranks, winners and exclusions that moved.

    \b
    Example:
        grantjury verify reports/
    """
    from . import audit

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
    help="Render only this kind (repeatable): " + ", ".join(KINDS) + ".",
)
def render(results_dir: Path, out_dir: Path | None, only: tuple[str, ...]) -> None:
    """Print the ceremony documents from a results folder, as PDF (never recomputes).

    Rendered into RESULTS_DIR, the documents are added to its manifest.json so that
    `grantjury verify` checks them too.

    \b
    Example:
        grantjury render reports/ --only ceremony --only certificates
    """
    target = out_dir or results_dir
    check_output_dir(target)
    say = (lambda line: click.echo(line, err=True)) if sys.stderr.isatty() else None
    written = render_documents(results_dir, target, set(only) or None, progress=say)
    if target.resolve() == results_dir.resolve():
        record_documents(results_dir, written)
    click.echo("wrote " + ", ".join(str(p) for p in written))


def main() -> None:
    """Entry point of the ``grantjury`` command."""
    cli(prog_name="grantjury")


if __name__ == "__main__":
    main()
