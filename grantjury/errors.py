"""Errors that speak to a person: each problem names where it is, what was found and expected."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import messages


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth a warning) in the inputs, located as precisely as we can."""

    file: str
    line: int | None = None
    field: str | None = None
    message: str = ""
    found: str | None = None
    expected: str | None = None
    code: str = dataclasses.field(default="", compare=False)
    """The catalog code of a warning (``grantjury.messages``); its words come from there."""
    params: tuple[tuple[str, Any], ...] = dataclasses.field(default=(), compare=False)
    """The code's parameters, in a hashable form (lists as tuples)."""

    @classmethod
    def coded(
        cls,
        file: str,
        code: str,
        *,
        line: int | None = None,
        field: str | None = None,
        found: str | None = None,
        expected: str | None = None,
        **params: Any,
    ) -> Problem:
        """A warning worded by the catalog from its code and parameters."""
        frozen = tuple(
            (
                k,
                tuple(tuple(x) if isinstance(x, list) else x for x in v)
                if isinstance(v, list | tuple)
                else v,
            )
            for k, v in sorted(params.items())
        )
        return cls(file, line, field, messages.text(code, params), found, expected, code, frozen)

    def parameters(self) -> dict[str, Any]:
        """The parameters as plain JSON values (tuples back to lists)."""
        return {
            k: [list(x) if isinstance(x, tuple) else x for x in v] if isinstance(v, tuple) else v
            for k, v in self.params
        }

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", {self.field}"
        text = f"{where}: {self.message}"
        if self.found is not None:
            text += f"; found {_shortened(self.found)}"
        if self.expected is not None:
            text += f"; expected {self.expected}"
        return text


MAX_FOUND_CHARS = 200
"""A found value is shown up to this length: a 100,000-character cell is no help on a
screen, and a million of them would not fit in memory."""


def _shortened(found: str) -> str:
    if len(found) <= MAX_FOUND_CHARS:
        return found
    return f"{found[:MAX_FOUND_CHARS]}… ({len(found)} characters)"


class GrantjuryError(Exception):
    """Base of every error the command line shows to a person (exit code 1)."""


class InvalidInput(GrantjuryError):
    """The inputs hold one or more problems; all of them are listed, sorted by place."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(sorted(set(problems), key=_problem_order))
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} found in the inputs:"
        shown = [f"  - {p}" for p in self.problems[:MAX_LISTED_PROBLEMS]]
        if count > MAX_LISTED_PROBLEMS:
            shown.append(
                f"  … and {count - MAX_LISTED_PROBLEMS} more (the first ones usually show the "
                "mistake; fix them and run again)"
            )
        return "\n".join([head, *shown])


MAX_LISTED_PROBLEMS = 500
"""A file saved with the wrong separator gives one problem per row: a million lines help no
one. The message lists the first ones (in file order) and counts the rest; ``problems``
keeps them all."""


class OutputError(GrantjuryError):
    """The output folder cannot be written as asked."""


def _problem_order(p: Problem) -> tuple:
    return (p.file, p.line if p.line is not None else -1, p.field or "", p.message, str(p.found))


class ProblemLog:
    """Collects problems (errors) and warnings while a stage runs, then raises them all at once."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, file: str, message: str, **where: object) -> None:
        self.errors.append(Problem(file=file, message=message, **where))  # type: ignore[arg-type]

    def warn(self, file: str, code: str, **where_and_params: Any) -> None:
        """A warning by catalog code; ``line``, ``field``, ``found``, ``expected`` locate it,
        the other keywords are the code's parameters."""
        self.warnings.append(Problem.coded(file, code, **where_and_params))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)
