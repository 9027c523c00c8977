"""Immutable models of a competition: pydantic at the file edges, numpy arrays for scores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = dict[str, Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]]
"""Multilingual text: language code -> text."""

CONFLICT_CATEGORIES = ("governance", "employment", "family", "financial", "collaboration", "other")
CALIBRATIONS = ("raw", "zscore", "percentile", "additive", "affine")
AGGREGATES = ("mean", "median", "trimmed")
TIE_BREAK_KEYS = ("raw_mean", "n_jurors", "lot")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Scale(Frozen):
    min: float
    max: float
    step: float | None = Field(default=None, gt=0)

    @field_validator("max")
    @classmethod
    def _max_above_min(cls, value: float, info) -> float:
        low = info.data.get("min")
        if low is not None and value <= low:
            raise ValueError(f"max ({value:g}) must be greater than min ({low:g})")
        return value


class Criterion(Frozen):
    id: Identifier
    name: Text
    weight: float = Field(default=1.0, gt=0)
    scale: Scale


class Rubric(Frozen):
    id: Identifier
    name: Text
    criteria: tuple[Criterion, ...] = Field(min_length=1)

    @property
    def weights(self) -> np.ndarray:
        return np.array([c.weight for c in self.criteria], dtype=np.float64)

    def criterion_index(self, criterion_id: str) -> int | None:
        for index, criterion in enumerate(self.criteria):
            if criterion.id == criterion_id:
                return index
        return None


class Domain(Frozen):
    id: Identifier
    name: Text
    winners: int = Field(ge=0)
    rubric: str | None = None


class Method(Frozen):
    """Options of a run; the competition file sets them, the command line may override them."""

    calibration: Literal["raw", "zscore", "percentile", "additive", "affine"] = "zscore"
    aggregate: Literal["mean", "median", "trimmed"] = "mean"
    seed: int = Field(default=20130418, ge=0, lt=2**63)
    min_jurors: int = Field(default=2, ge=1)
    tie_break: tuple[str, ...] = ("raw_mean", "lot")

    @field_validator("tie_break")
    @classmethod
    def _known_keys(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        for key in keys:
            if key not in TIE_BREAK_KEYS:
                raise ValueError(
                    f"unknown tie-break key {key!r}; expected one of {', '.join(TIE_BREAK_KEYS)}"
                )
        return keys if keys and keys[-1] == "lot" else (*keys, "lot")


class CompetitionFile(Frozen):
    """The contents of `competition.yaml`."""

    id: Identifier
    title: Text
    date: dt.date
    place: Text
    languages: tuple[Identifier, ...] = Field(min_length=1)
    rubric: str
    domains: tuple[Domain, ...] = Field(min_length=1)
    submissions: str
    jurors: str
    scores: str | None = None
    conflicts: str | None = None
    conflict_scope: Literal["submission", "domain"] = "submission"
    method: Method = Method()


class Association(Frozen):
    id: Identifier
    name: Text


class Submission(Frozen):
    id: Identifier
    domain: Identifier
    association: Association
    title: Text
    requested_amount: float | None = Field(default=None, ge=0)


class Juror(Frozen):
    id: Identifier
    name: str | Text
    affiliations: tuple[Identifier, ...] = ()
    domains: tuple[Identifier, ...] = ()


@dataclass(frozen=True)
class DeclaredConflict:
    juror: str
    submission: str
    category: str
    note: str
    line: int


@dataclass(frozen=True)
class InputFile:
    """An input file as recorded in the results: path relative to the competition file."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ScoreTable:
    """Score rows as parallel arrays, sorted by (juror, submission, criterion).

    `juror` and `submission` index `Competition.jurors` and `Competition.submissions`;
    `criterion` indexes the criteria of the rubric of the submission's domain; `line` is the
    row's line in the scores file, kept for messages.
    """

    juror: np.ndarray
    submission: np.ndarray
    criterion: np.ndarray
    score: np.ndarray
    line: np.ndarray

    def __len__(self) -> int:
        return int(self.score.shape[0])

    def take(self, rows: np.ndarray) -> ScoreTable:
        return ScoreTable(
            self.juror[rows],
            self.submission[rows],
            self.criterion[rows],
            self.score[rows],
            self.line[rows],
        )


@dataclass(frozen=True)
class Competition:
    """A loaded and validated competition: the single input of the scoring pipeline."""

    path: str
    spec: CompetitionFile
    rubrics: dict[str, Rubric]
    """Rubric of each domain, by domain id."""
    submissions: tuple[Submission, ...]
    """Sorted by id."""
    jurors: tuple[Juror, ...]
    """Sorted by id."""
    declared_conflicts: tuple[DeclaredConflict, ...]
    scores: ScoreTable
    inputs: tuple[InputFile, ...]
    warnings: tuple

    @property
    def domains(self) -> tuple[Domain, ...]:
        return self.spec.domains

    def domain_index(self) -> dict[str, int]:
        return {d.id: i for i, d in enumerate(self.spec.domains)}
