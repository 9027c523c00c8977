"""Command line: parse options, call the core, print. Nothing here computes a result."""

from __future__ import annotations

import tempfile
import traceback
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import GrantjuryError
from .manifest import short
from .model import AGGREGATES, CALIBRATIONS
from .pipeline import inspect, run
from .report import build_outputs, write_outputs
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
    given = {"calibration": calibration, "aggregate": aggregate, "seed": seed}
    result = run(path, given)
    results, files = build_outputs(result.results, given, Path(result.competition.path), out_dir)
    written = write_outputs(out_dir, files, force=force)
    click.echo(summary(results))
    click.echo(
        f"run digest {short(results['digest'])}; wrote " + ", ".join(str(p) for p in written)
    )


def main() -> None:
    """Entry point of the ``grantjury`` command."""
    cli(prog_name="grantjury")


if __name__ == "__main__":
    main()
