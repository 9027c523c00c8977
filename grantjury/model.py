"""Immutable models of a competition: pydantic at the file edges, numpy arrays for scores."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)


def _not_a_formula(text: str) -> str:
    if text.startswith(("=", "+", "-", "@")):
        raise ValueError(
            f"an id may not start with {text[0]!r}: a spreadsheet would run it as a formula "
            "(in assignments.csv, scores.csv, ranking.csv); start it with a letter or digit"
        )
    return text


Identifier = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(lambda text: unicodedata.normalize("NFC", text)),
    AfterValidator(_not_a_formula),
]
"""An id: surrounding spaces removed, in Unicode's composed form (NFC), so that an id typed
with a decomposed accent or Arabic mark is the same id (docs/format.md, "Ids")."""
Text = dict[str, Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]]
"""Multilingual text: language code -> text."""

CONFLICT_CATEGORIES = ("governance", "employment", "family", "financial", "collaboration", "other")
TIE_BREAK_KEYS = ("raw_mean", "n_jurors", "lot")
TIE_BREAK_FORMS = (
    "raw_mean, n_jurors, lot, criterion:ID, requested_amount:lower|higher, "
    "attribute:NAME:lower|higher or attribute:NAME=VALUE"
)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


STEP_TOLERANCE = 1e-6
"""A score is on its step when (score − min) / step is within this of a whole number: binary
fractions make steps such as 0.1 inexact, so an exact multiple test would refuse 0.3."""


class Scale(Frozen):
    min: float
    max: float
    step: float | None = Field(default=None, gt=0)
    direction: Literal["higher", "lower"] = "higher"
    """``lower``: lower scores are better (e.g. NIH's 1–9 where 1 is exceptional)."""
    labels: dict[float, Text] | None = None
    """Optional label of each level, printed on score sheets."""

    @field_validator("max")
    @classmethod
    def _max_above_min(cls, value: float, info) -> float:
        low = info.data.get("min")
        if low is not None and value <= low:
            raise ValueError(f"max ({value:g}) must be greater than min ({low:g})")
        return value

    def contains(self, values: np.ndarray | float) -> np.ndarray:
        """Whether each value lies on the scale, bounds included (NaN does not)."""
        values = np.asarray(values, dtype=np.float64)
        return (values >= self.min) & (values <= self.max)

    def on_step(self, values: np.ndarray | float) -> np.ndarray:
        """Whether each value is a whole number of steps from the minimum (within
        ``STEP_TOLERANCE``); every value is on a scale without a step.

        The one scale-and-step rule of the validation of scores.csv, of the returned sheets
        and (as a formula) of the sheets' data validation.
        """
        values = np.asarray(values, dtype=np.float64)
        if not self.step:
            return np.ones(values.shape, dtype=bool)
        steps = (values - self.min) / self.step
        return np.abs(steps - np.round(steps)) <= STEP_TOLERANCE


class Criterion(Frozen):
    id: Identifier
    name: Text
    weight: float = Field(default=1.0, gt=0)
    scale: Scale
    threshold: float | None = None
    """The unweighted, uncalibrated mean must reach it (at least, or at most when lower is
    better) for the submission to be eligible."""


class Rubric(Frozen):
    id: Identifier
    name: Text
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    total_threshold: float | None = None
    """The sum of the unweighted, uncalibrated criterion means must reach it (Horizon Europe:
    10 of 15 over three criteria scored 0–5)."""
    tie_break: tuple[str, ...] | None = None
    """Tie-break chain of the domains that use this rubric (Horizon Europe's innovation
    actions: Impact, then Excellence); when absent, the competition's ``method.tie_break``."""

    @field_validator("tie_break")
    @classmethod
    def _known_keys(cls, keys: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if keys is None else _complete_chain(keys)

    @model_validator(mode="after")
    def _chain_names_own_criteria(self) -> Rubric:
        for key in self.tie_break or ():
            kind, _, criterion = key.partition(":")
            if kind == "criterion" and self.criterion_index(criterion) is None:
                known = ", ".join(c.id for c in self.criteria)
                raise ValueError(
                    f"tie-break key {key!r} names no criterion of this rubric; "
                    f"expected criterion:ID with ID one of {known}"
                )
        return self

    @model_validator(mode="after")
    def _one_direction(self) -> Rubric:
        directions = {c.scale.direction for c in self.criteria}
        if len(directions) > 1:
            raise ValueError(
                "every criterion of a rubric must have the same scale direction "
                "(all higher-is-better or all lower-is-better)"
            )
        return self

    @property
    def direction(self) -> str:
        return self.criteria[0].scale.direction

    @property
    def sign(self) -> float:
        """+1 when higher scores are better, −1 when lower are: ranking sorts by sign × score."""
        return 1.0 if self.direction == "higher" else -1.0

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
    """Places in the domain (with ``selection.mode: overall``, its maximum)."""
    rubric: str | None = None
    budget: float | None = Field(default=None, gt=0)
    """Envelope of the domain: fund down its ranked list while the amounts fit."""
    reserve: int | None = Field(default=None, ge=0)
    """Length of the domain's reserve list (default: the selection's ``reserve``)."""
    minimum: int = Field(default=0, ge=0)
    """With ``selection.mode: overall``: winners guaranteed to the domain before the rest."""


class Lottery(Frozen):
    """Partial randomisation around the funding line (SNSF, since 2021)."""

    band: float | Literal["interval"]
    """Submissions whose score lies within ``band`` points of the funding line, or (with
    ``interval``) whose 90% rank interval from the stability bootstrap straddles it (with
    ``method.uncertainty: bayes``: whose 50% credible interval of the rank crosses the expected
    rank of the last fundable submission), cannot be told apart: the places left for them are
    drawn by lot."""


class Selection(Frozen):
    """How winners are picked from the rankings."""

    mode: Literal["per_domain", "overall"] = "per_domain"
    """``per_domain``: each domain names its ``winners``. ``overall``: each domain's
    ``minimum`` first, then the best remaining across domains up to ``total_winners``."""
    total_winners: int | None = Field(default=None, ge=0)
    budget: float | None = Field(default=None, gt=0)
    """Overall envelope (both modes): fund down the list while the amounts fit."""
    cap: float | None = Field(default=None, gt=0)
    """Most a single project may receive; the funded amount is min(requested, cap)."""
    budget_rule: Literal["stop", "skip"] = "stop"
    """``stop`` at the first project that does not fit, or ``skip`` it and try the next."""
    reserve: int = Field(default=0, ge=0)
    lottery: Lottery | None = None

    @model_validator(mode="after")
    def _overall_needs_total(self) -> Selection:
        if self.mode == "overall" and self.total_winners is None and self.budget is None:
            raise ValueError("selection mode overall needs total_winners or budget")
        if self.lottery is not None and self.mode == "overall":
            raise ValueError("a lottery is only available with selection mode per_domain")
        if self.budget is not None and self.mode != "overall":
            raise ValueError(
                "an overall budget needs selection mode overall; give each domain its own "
                "budget for per_domain selection"
            )
        return self


class Method(Frozen):
    """Options of a run; the competition file sets them, the command line may override them."""

    calibration: Literal["raw", "zscore", "percentile", "additive", "affine", "hetero"] = "hetero"
    """Default chosen by the benchmark in docs/calibration.md."""
    aggregate: Literal["mean", "median", "trimmed"] = "mean"
    seed: int = Field(default=20130418, ge=0, lt=2**63)
    min_jurors: int = Field(default=2, ge=1)
    """Fewest jurors without conflict a submission needs (docs/format.md, "Method")."""
    min_jurors_rule: Literal["gate", "flag"] = "gate"
    """``gate``: a submission scored by fewer than ``min_jurors`` jurors without conflict is
    ranked but cannot be selected (reason ``too_few_jurors``); ``flag``: it can be selected,
    and the domain's notes name it (``few_jurors``)."""
    tie_break: tuple[str, ...] = ("raw_mean", "lot")
    replicates: int = Field(default=1000, ge=0, le=100_000)
    """Bootstrap replicates of the stability analysis (0 turns it off)."""
    refit: bool = False
    """Fit graph calibrations (additive, affine) again in every bootstrap replicate."""
    uncertainty: Literal["bootstrap", "bayes"] = "bootstrap"
    """How sure the ranking is: ``bootstrap`` resamples each domain's jury (stability.py);
    ``bayes`` samples the SNSF's Bayesian model of the totals (bayes.py)."""
    burn_in: int = Field(default=2000, ge=0, le=1_000_000)
    """With ``uncertainty: bayes``: Gibbs iterations discarded at the start of each chain."""
    draws: int = Field(default=2000, ge=0, le=1_000_000)
    """With ``uncertainty: bayes``: posterior draws kept, over all chains (0 turns it off)."""

    @field_validator("tie_break")
    @classmethod
    def _known_keys(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        for key in keys:
            if not _tie_break_form(key):
                raise ValueError(f"unknown tie-break key {key!r}; expected {TIE_BREAK_FORMS}")
        return keys if keys and keys[-1] == "lot" else (*keys, "lot")


def _complete_chain(keys: tuple[str, ...]) -> tuple[str, ...]:
    """A checked tie-break chain, ending with ``lot`` so that every tie is settled."""
    for key in keys:
        if not _tie_break_form(key):
            raise ValueError(f"unknown tie-break key {key!r}; expected {TIE_BREAK_FORMS}")
    return keys if keys and keys[-1] == "lot" else (*keys, "lot")


def _tie_break_form(key: str) -> bool:
    if key in TIE_BREAK_KEYS:
        return True
    kind, _, rest = key.partition(":")
    if kind == "criterion":
        return bool(rest)
    if kind == "requested_amount":
        return rest in ("lower", "higher")
    if kind == "attribute":
        name, _, direction = rest.partition(":")
        if "=" in rest:
            return bool(rest.partition("=")[0]) and not direction
        return bool(name) and direction in ("lower", "higher")
    return False


class FinalStage(Frozen):
    """The final round (the presentations at the forum): its own rubric, scores, and
    possibly its own jury and assignments; paths relative to the competition file."""

    rubric: str
    jurors: str | None = None
    """Default: the competition's jurors."""
    scores: str | None = None
    assignments: str | None = None


STAGE_RULES = ("final_only", "final_then_written")


class Stages(Frozen):
    """A written round that shortlists ``shortlist`` submissions per domain (by the usual
    ranking and selection rules), then a final round scored on its own rubric."""

    shortlist: int = Field(ge=1)
    rule: Literal["final_only", "final_then_written"] = "final_then_written"
    """How the final ranking is made: the final round's scores only, or the final round
    with the written round's calibrated score as the first tie-break key."""
    final: FinalStage


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
    assignments: str | None = None
    """Path to the assignments CSV (``juror,submission``) that ``grantjury assign`` writes."""
    conflicts: str | None = None
    conflict_scope: Literal["submission", "domain"] = "submission"
    method: Method = Method()
    selection: Selection = Selection()
    currency: str = "MAD"
    partners: str | None = None
    """Path to the partners and donors file of the public site (``grantjury site``)."""
    stages: Stages | None = None
    """A written round that shortlists, then a final round (``stages.py``)."""
    revisions: str | None = None
    """Path to the revisions CSV of the jury's consensus round
    (``juror,submission,criterion,score,reason``): the scores changed at the meeting."""

    rules: tuple[Identifier, ...] = ()
    """Rule packs switched on (``ma-commune``: the rules of a Moroccan commune's grants to
    associations, ``grantjury/rules/``); each brings its own checks, reasons and conflicts."""
    rule_settings: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Each rule pack's settings, by pack name; the pack validates its own block."""


class Official(Frozen):
    """An official or member of an association, as a submission lists them (rule packs)."""

    name: str | Text
    role: Identifier = "member"


class Association(Frozen):
    id: Identifier
    name: Text
    officials: tuple[Official, ...] = ()
    """The association's officials and members (rule pack ``ma-commune`` matches them with
    the council's elected members). Identity numbers go in the pack's ``people.csv`` only."""


class Submission(Frozen):
    id: Identifier
    domain: Identifier
    association: Association
    title: Text
    requested_amount: float | None = Field(default=None, ge=0)
    eligible: bool = True
    reason: str | Text | None = None
    """Why the submission is not eligible (e.g. an incomplete file): one text, or one per
    language (``{ar: …, fr: …}``) so that each side of a bilingual letter gives it in its own
    language."""
    summary: Text | None = None
    """A short public description of the project (the public site prints it)."""
    attributes: dict[str, bool | int | float | str] = Field(default_factory=dict)
    """Free attributes that tie-break keys may use (``attribute:NAME``)."""
    documents: tuple[Identifier, ...] | None = None
    """Ids of the documents of the application file that the submission provided (a rule
    pack such as ``ma-commune`` checks them against the call's list)."""
    governing_bodies_renewed: dt.date | None = None
    """Date of the general assembly that last renewed the association's governing bodies."""


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
    note: str | tuple[tuple[str, str], ...]
    """The free-text note after the category, or (language, note) pairs from ``note_<lang>``
    columns (a tuple, so that conflicts stay hashable and ordered)."""
    line: int


@dataclass(frozen=True)
class RuleConflict:
    """A conflict of interest a rule pack detected (e.g. a juror related to an official)."""

    juror: str
    submission: str
    category: str
    association: str


@dataclass(frozen=True)
class InputFile:
    """An input file as recorded in the results: path relative to the competition file."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Revision:
    """One score revised at the jury's meeting (a row of the revisions file), validated.

    ``juror``, ``submission`` and ``criterion`` are codes as in ``ScoreTable``; ``row`` is
    the first-round score row it replaces; ``line`` its line in the revisions file."""

    juror: int
    submission: int
    criterion: int
    row: int
    old: float
    new: float
    reason: str
    line: int


@dataclass(frozen=True)
class RoundLock:
    """The lock of the independent first round a competition was checked against."""

    file: InputFile
    """``first-round.lock.json`` itself."""
    locked: tuple[InputFile, ...]
    """The score files as locked (path, digest, size)."""
    rows: tuple[int, ...]
    """Score rows of each locked file."""


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
    assignments: np.ndarray | None = None
    """Assigned (juror code, submission code) pairs, shape (n, 2), sorted and unique; None
    when the competition has no assignments file (yet)."""
    revisions: tuple[Revision, ...] = ()
    """The consensus round's revisions (``revisions:``); ``scores`` are the first round's."""
    lock: RoundLock | None = None
    """The first-round lock the scores were checked against (``grantjury lock``)."""
    rule_conflicts: tuple[RuleConflict, ...] = ()
    """Conflicts the competition's rule packs detected (conflicts.py adds them)."""
    rule_reasons: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """By submission id: the ``results.Reason``s a rule pack found (eligibility.py adds them)."""
    inadmissible: frozenset[str] = frozenset()
    """Submissions whose file is not admissible: not assigned, no score sheet, not selected."""
    rule_record: Any = None
    """The ``results.RulesRecord`` of the rule packs (None without any)."""

    @property
    def domains(self) -> tuple[Domain, ...]:
        return self.spec.domains

    def domain_index(self) -> dict[str, int]:
        return {d.id: i for i, d in enumerate(self.spec.domains)}

    def domain_members(self, domain_index: int) -> list[int]:
        """Codes of the domain's submissions, in id order."""
        domain_id = self.spec.domains[domain_index].id
        return [i for i, s in enumerate(self.submissions) if s.domain == domain_id]
