"""The results contract: a frozen, versioned model of everything a run found.

``grantjury rank`` writes it as ``results.json``; the summary, ``verify``, ``explain``, every
document and anything added later read it back through :func:`read_results` and nothing
else. Reasons, decisions and warnings are codes with typed parameters (``threshold_not_met``
with its criterion, mean and threshold); they become words only in the catalogs
(``grantjury.messages`` for the terminal, ``grantjury.documents.wording`` for the documents).

The JSON Schema generated from :class:`Results` is committed as ``docs/results.schema.json``
(``python -m grantjury.results > docs/results.schema.json``); a test fails when the two
disagree. Change the model, bump :data:`FORMAT_VERSION` when an older reader could
misunderstand the new file, and regenerate the schema.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import GrantjuryError
from .model import Method, Rubric, Selection, Text

FORMAT_VERSION = 2
"""Version of the results format. 1: grantjury 0.1.0 before the typed model (reasons and
decisions as English sentences). 2: codes with parameters, ``format_version`` at the top."""

Direction = Literal["higher", "lower"]
ParamValue = str | int | float | bool | None | list[str] | list[list[str]]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- reasons a submission cannot be selected ----------------------------------------------


class DeclaredIneligible(Frozen):
    """The submission file says the submission is not eligible (e.g. an incomplete file)."""

    code: Literal["declared_ineligible"] = "declared_ineligible"
    reason: str | None = None
    """The reason as the submission file gives it (untrusted text)."""


class ThresholdNotMet(Frozen):
    """A criterion's unweighted, uncalibrated mean misses the rubric's threshold."""

    code: Literal["threshold_not_met"] = "threshold_not_met"
    criterion: str
    mean: float
    threshold: float
    direction: Direction
    """``higher``: the mean must be at least the threshold; ``lower``: at most."""


class TotalThresholdNotMet(Frozen):
    """The sum of the criterion means misses the rubric's total threshold."""

    code: Literal["total_threshold_not_met"] = "total_threshold_not_met"
    total: float
    threshold: float
    direction: Direction


Reason = Annotated[
    DeclaredIneligible | ThresholdNotMet | TotalThresholdNotMet, Field(discriminator="code")
]


# --- decisions: the rule that placed each submission --------------------------------------


class PlaceInDomain(Frozen):
    code: Literal["place_in_domain"] = "place_in_domain"
    place: int
    places: int


class ReservePosition(Frozen):
    code: Literal["reserve"] = "reserve"
    position: int


class NotEligible(Frozen):
    code: Literal["not_eligible"] = "not_eligible"


class NotSelected(Frozen):
    code: Literal["not_selected"] = "not_selected"


class NotRanked(Frozen):
    """No score from a juror without conflict."""

    code: Literal["not_ranked"] = "not_ranked"


class OverBudget(Frozen):
    """The amount does not fit what is left of the envelope."""

    code: Literal["over_budget"] = "over_budget"
    left: float
    needed: float


class AboveLotteryBand(Frozen):
    code: Literal["above_lottery_band"] = "above_lottery_band"
    place: int
    places: int


class DrawnByLot(Frozen):
    code: Literal["drawn_by_lot"] = "drawn_by_lot"


class NotDrawn(Frozen):
    code: Literal["not_drawn"] = "not_drawn"


class DrawnOverBudget(Frozen):
    """Drawn by lot, but its amount does not fit the remaining envelope."""

    code: Literal["drawn_over_budget"] = "drawn_over_budget"


class DomainMinimum(Frozen):
    """Among the places guaranteed to the domain (selection mode ``overall``)."""

    code: Literal["domain_minimum"] = "domain_minimum"
    minimum: int
    domain: str


class OverallPlace(Frozen):
    code: Literal["overall_place"] = "overall_place"
    place: int
    places: int | None


class DomainFull(Frozen):
    """The domain already has its maximum of winners (selection mode ``overall``)."""

    code: Literal["domain_full"] = "domain_full"
    domain: str


Decision = Annotated[
    PlaceInDomain
    | ReservePosition
    | NotEligible
    | NotSelected
    | NotRanked
    | OverBudget
    | AboveLotteryBand
    | DrawnByLot
    | NotDrawn
    | DrawnOverBudget
    | DomainMinimum
    | OverallPlace
    | DomainFull,
    Field(discriminator="code"),
]
WINNING_DECISIONS = frozenset(
    {"place_in_domain", "above_lottery_band", "drawn_by_lot", "domain_minimum", "overall_place"}
)


# --- notes on a domain --------------------------------------------------------------------


class ShortOfWinners(Frozen):
    code: Literal["short_of_winners"] = "short_of_winners"
    named: int
    wanted: int
    cause: Literal["budget", "too_few"]


class Unranked(Frozen):
    code: Literal["unranked"] = "unranked"
    submission: str


class FewJurors(Frozen):
    code: Literal["few_jurors"] = "few_jurors"
    submissions: list[str]
    min_jurors: int


class DisconnectedJurors(Frozen):
    """Groups of jurors that share no submission: their severities cannot be compared."""

    code: Literal["disconnected_jurors"] = "disconnected_jurors"
    groups: list[list[str]]


DomainNote = Annotated[
    ShortOfWinners | Unranked | FewJurors | DisconnectedJurors, Field(discriminator="code")
]


class Notice(Frozen):
    """A warning of the run: a code of ``grantjury.messages`` and its parameters.

    Line numbers are left out: reordering an input's rows must change nothing but its digest
    (``grantjury validate`` prints the lines)."""

    code: str
    file: str
    field: str | None = None
    params: dict[str, ParamValue] = {}


# --- the parts of a run -------------------------------------------------------------------


class CompetitionRecord(Frozen):
    id: str
    title: Text
    date: dt.date
    place: Text
    languages: list[str]
    conflict_scope: Literal["submission", "domain"]
    currency: str


class InputRecord(Frozen):
    path: str
    sha256: str
    size: int


class AssociationRecord(Frozen):
    id: str
    name: Text


class SubmissionRecord(Frozen):
    """A submission as filed (untrusted text: documents escape it)."""

    domain: str
    association: AssociationRecord
    title: Text
    requested_amount: float | None
    eligible: bool
    reason: str | None
    summary: Text | None = None


class JurorCalibration(Frozen):
    """A juror's severity (bias) and spread (scale) in one domain, with standard errors."""

    n_scored: int
    bias: float | None
    bias_se: float | None
    scale: float | None
    scale_se: float | None
    fallback: bool
    """True when the juror gave too few or identical totals and was used as given."""


class WinnerChange(Frozen):
    domain: str
    winners_without: list[str]
    lost: list[str]
    gained: list[str]


class LeaveOneOut(Frozen):
    changes_winners: bool
    changes: list[WinnerChange]


class JurorRecord(Frozen):
    id: str
    name: str | Text
    affiliations: list[str]
    domains: list[str]
    n_scored: int
    mean: float | None
    sd: float | None
    calibration: dict[str, JurorCalibration]
    leave_one_out: LeaveOneOut | None
    """None when there were too many jurors to check one by one."""


class TieBreakUsed(Frozen):
    """The key that set a submission apart from the others of its tie."""

    key: str
    group: list[str]


class Entry(Frozen):
    """A submission's line of its domain's ranking."""

    submission: str
    rank: int | None
    """None: no score from a juror without conflict, not ranked."""
    score: float | None
    raw_mean: float | None
    n_jurors: int
    criteria: dict[str, float | None]
    """Unweighted, uncalibrated criterion means."""
    calibrated_criteria: dict[str, float | None]
    eligible: bool
    ineligible_reasons: list[Reason]
    winner: bool
    decision: Decision
    funded: float | None
    tie_break: TieBreakUsed | None
    p_selected: float | None
    """Share of the jury resamples (bayes: posterior probability) that select it."""
    rank_interval: tuple[int, int] | None
    """90% interval of its rank over the resamples (bayes: credible interval)."""
    expected_rank: float | None = None
    """With ``uncertainty: bayes`` only: posterior mean rank."""
    rank_interval_50: tuple[int, int] | None = None
    """With ``uncertainty: bayes`` only: 50% credible interval of the rank."""


class KeyStep(Frozen):
    """One tie-break key applied to a tie: each member's value of the key."""

    key: str
    values: dict[str, str | int | float | bool | None]


class LotStep(Frozen):
    """A draw by lot that ordered what the chain's keys could not."""

    key: Literal["lot"] = "lot"
    candidates: list[str]
    order: list[str]
    seed: int
    purpose: list[str | int]


class Tie(Frozen):
    submissions: list[str]
    """In the order the chain gave."""
    score: float
    ranks: tuple[int, int]
    steps: list[LotStep | KeyStep]
    separated_by: list[str]
    """The key between each pair of neighbours."""
    mattered: bool
    """It decided who wins or who is on the reserve list."""
    settled_by: str | None


class LotteryRecord(Frozen):
    band: float | Literal["interval"]
    line: float
    members: list[str]
    places_drawn: int
    seed: int
    purpose: list[str]
    order: list[str]
    drawn: list[str]
    not_drawn: list[str]


class BudgetRecord(Frozen):
    envelope: float | None
    committed: float
    left: float | None


Range = tuple[float, float, float]
"""An estimate with its interval: (estimate, low, high)."""


class SelectionReliability(Frozen):
    """How many winners a noise-free jury would also have picked (Bartoš & Martinková 2024;
    docs/selection-reliability.md). Shares are expectations under the classical model (one
    quality, independent normal juror errors); each is given with its interval, from the
    interval of the single-juror ICC."""

    method: Literal["bartos_martinkova_2024"] = "bartos_martinkova_2024"
    interval: float
    """Coverage of the intervals (0.9)."""
    icc_single: Range | None
    """ICC(1) of one juror's calibrated totals (one-way random effects, unbalanced); None for
    the competition as a whole."""
    reliability: Range | None
    """Mean reliability of the published scores (Spearman–Brown at each candidate's number
    of jurors); None for the competition as a whole."""
    jurors_per_submission: float
    candidates: int
    """Eligible ranked submissions: those the winners are chosen from."""
    selected: int
    true_positive_share: Range
    """Share of the winners that belong to the noise-free top of the same size."""
    false_positive_share: Range
    false_negative_share: Range
    """Share of the candidates not selected that belong to the noise-free top."""
    expected_true_winners: Range
    """``selected × true_positive_share``: how many winners a noise-free jury also picks."""


class DomainResults(Frozen):
    id: str
    name: Text
    direction: Direction
    winners_wanted: int
    winners: list[str]
    """In rank order."""
    reserve: list[str]
    ranking: list[Entry]
    ties: list[Tie]
    tie_break: list[str]
    lottery: LotteryRecord | None
    budget: BudgetRecord | None
    too_close: list[str]
    """Submissions the engine's rule (``stability.too_close_rule``) calls too close to call."""
    warnings: list[DomainNote]
    selection_reliability: SelectionReliability | None = None
    """None when it cannot be estimated (fewer than 2 candidates, no winner, no
    submission with two jurors)."""

    def entry(self, submission: str) -> Entry | None:
        """The ranking line of ``submission``, if it is in this domain."""
        return next((e for e in self.ranking if e.submission == submission), None)


class IccUnavailable(Frozen):
    """Why the intraclass correlations could not be computed."""

    code: Literal["few_items", "few_raters", "empty_cells", "no_variation", "degenerate"]
    empty: int | None = None
    cells: int | None = None


class Reliability(Frozen):
    """Agreement between the jurors of a domain on their uncalibrated totals."""

    krippendorff_alpha_interval: float | None
    icc: dict[str, float | None] | None
    icc_unavailable: IccUnavailable | None
    kendall_w: float | None
    n_items: int
    n_raters: int
    n_ratings: int


class StabilityDomain(Frozen):
    too_close: list[str] = []
    calibration: Literal["reweighted", "refitted"] | None = None
    """Bootstrap: full-data calibration re-weighted per replicate, or re-fitted in each."""
    seed_purpose: list[str]
    line_expected_rank: float | None = None
    priors: str | None = None
    r_hat_max: float | None = None


class Stability(Frozen):
    method: Literal["bootstrap", "bayes"]
    """``bootstrap``: jurors resampled within each domain; ``bayes``: posterior draws."""
    replicates: int
    seed: int
    interval: float
    too_close_rule: Literal["rank_intervals_overlap"] = "rank_intervals_overlap"
    """A winner whose rank interval falls below the funding line and a non-winner whose
    interval rises above it are too close to call when the two intervals overlap."""
    domains: dict[str, StabilityDomain]
    interval_50: float | None = None
    model: str | None = None
    sampler: str | None = None
    burn_in: int | None = None
    draws: int | None = None
    chains: int | None = None
    band: str | None = None


class ConflictRecord(Frozen):
    juror: str
    submission: str
    category: str
    source: Literal["declared", "detected"]
    note: str | None
    """The juror's declared note (untrusted text); None for detected conflicts."""
    association: str | None
    """Detected conflicts: the association both the juror and the submission belong to."""


class ConflictExclusion(Frozen):
    juror: str
    submission: str
    reason: Literal["conflict"] = "conflict"
    category: str
    source: Literal["declared", "detected"]
    via: str | None = None
    """With ``conflict_scope: domain``: the submission whose conflict excluded the juror."""


class IncompleteExclusion(Frozen):
    juror: str
    submission: str
    reason: Literal["incomplete"] = "incomplete"
    missing: list[str]


Exclusion = Annotated[ConflictExclusion | IncompleteExclusion, Field(discriminator="reason")]


class Results(Frozen):
    """Everything a run found: the contract between the engine and every reader."""

    format_version: Literal[2]
    """:data:`FORMAT_VERSION`; required, so that a file of format 1 (which has none) is told
    apart from a damaged one."""
    version: str
    """The engine version that wrote the file."""
    digest: str | None = None
    """The run digest (``manifest.run_digest``); None until the report is written."""
    competition: CompetitionRecord
    options: Method
    selection: Selection
    inputs: list[InputRecord]
    rubrics: dict[str, Rubric]
    jurors: list[JurorRecord]
    submissions: dict[str, SubmissionRecord]
    domains: list[DomainResults]
    budget: BudgetRecord | None
    """Selection mode ``overall`` with a budget: the overall envelope."""
    reliability: dict[str, Reliability]
    selection_reliability: SelectionReliability | None = None
    """The domains' figures combined: expected true winners and shares summed over the
    domains that have one (intervals added end to end, a conservative combination)."""
    stability: Stability | None
    winners_by_method: dict[str, dict[str, list[str]]]
    conflicts: list[ConflictRecord]
    exclusions: list[Exclusion]
    warnings: list[Notice]

    def domain(self, domain_id: str) -> DomainResults | None:
        return next((d for d in self.domains if d.id == domain_id), None)

    def juror(self, juror_id: str) -> JurorRecord | None:
        return next((j for j in self.jurors if j.id == juror_id), None)

    def entries(self) -> Iterator[tuple[DomainResults, Entry]]:
        """(domain, entry) of every submission, domains in order, each in ranking order."""
        for domain in self.domains:
            for entry in domain.ranking:
                yield domain, entry

    def as_json(self) -> dict[str, Any]:
        """The plain JSON value of the results (as written, before key sorting)."""
        return self.model_dump(mode="json")


# --- the one reader -----------------------------------------------------------------------


class ResultsFileError(GrantjuryError):
    """A results file that cannot be read: another format version, or a broken file."""

    def __init__(self, source: str, message: str, key: str | None = None) -> None:
        self.source, self.message, self.key = source, message, key
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}, {self.key}" if self.key else self.source
        return f"{where}: {self.message}"


def read_results(raw: bytes | str, source: str = "results.json") -> Results:
    """Read a results file through the model, or raise ``ResultsFileError`` saying which
    field is wrong, what was expected, and what to do."""
    try:
        return Results.model_validate_json(raw)
    except ValidationError as error:
        version, engine = _format_version(raw)
        if version != FORMAT_VERSION:
            found = (
                "format 1 (it has no format_version)" if version is None else f"format {version}"
            )
            by = f" by grantjury {engine}" if isinstance(engine, str) else ""
            raise ResultsFileError(
                source,
                f"written in {found}{by}; this grantjury reads format {FORMAT_VERSION}. "
                "Re-run `grantjury rank` with the grantjury that is installed now, or read it "
                "with the grantjury version recorded in its manifest.json",
                key="format_version",
            ) from None
        first = error.errors()[0]
        if first["type"] == "json_invalid":
            raise ResultsFileError(
                source,
                f"not valid JSON ({first['ctx'].get('error', first['msg'])}); write it again "
                "with `grantjury rank`",
            ) from None
        path = ".".join(str(p) for p in first["loc"]) or "(top)"
        more = error.error_count() - 1
        raise ResultsFileError(
            source,
            f"{first['msg']}; found {_shown(first.get('input'))}"
            + (f" (and {more} more problem{'s' if more != 1 else ''})" if more else "")
            + ". The file was changed by hand or is damaged: write it again with `grantjury "
            "rank`",
            key=path,
        ) from None


def load_results(path: str | os.PathLike[str]) -> Results:
    """Read ``results.json`` at ``path`` (a file or the folder holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ResultsFileError(
            str(path),
            f"cannot be read ({error.strerror or error}); give a results folder "
            "written by `grantjury rank`",
        ) from None
    return read_results(raw, str(path))


def _format_version(raw: bytes | str) -> tuple[Any, Any]:
    """The file's format version and engine version, read loosely (the file failed the model)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return FORMAT_VERSION, None  # not JSON at all: the parse error itself is reported
    if not isinstance(data, dict):
        return FORMAT_VERSION, None
    return data.get("format_version"), data.get("version")


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


def schema_json() -> str:
    """The JSON Schema of :class:`Results`, as committed in ``docs/results.schema.json``."""
    schema = Results.model_json_schema(mode="serialization")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(schema_json(), end="")
