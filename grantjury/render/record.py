"""The whole run as the jury minutes, the audit report and the feedback letters see it.

`parse_record` reads every part of `results.json` those documents print: jurors and their
calibration, the conflict register and the exclusions, each domain's full ranking with its
uncertainty, ties, reserve list, lottery and budget, reliability, winners by method, inputs and
options. Every string is sanitised (`safety.sanitize_text`) and capped; every number is checked
to be finite. Parts that older results files lack (stability, reliability, calibration,
leave-one-out, winners by method) read as `None` or empty and the documents say "not
recorded"; parts no document can do without raise `ResultsFileError` naming the key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grantjury.render.errors import ResultsFileError
from grantjury.render.safety import sanitize_text

MAX_NAME = 200
"""Longest association, juror, domain or event name printed (characters)."""
MAX_TITLE = 300
"""Longest project title printed (characters)."""
MAX_ID = 100
"""Longest identifier printed (characters)."""
MAX_NOTE = 300
"""Longest free-text note (conflict notes, reasons, warnings) printed (characters)."""

Text = Mapping[str, str]
"""Multilingual text: language code -> text (already sanitised)."""

_MISSING = object()


class Reader:
    """Reads keys of the parsed JSON, naming the full key path in every error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> ResultsFileError:
        return ResultsFileError(self.source, message, key=key)

    def get(
        self,
        obj: Any,
        key: str,
        where: str,
        kind: type | tuple[type, ...],
        default: Any = _MISSING,
    ) -> Any:
        """`obj[key]` of type `kind`; `default` when absent or null (if a default is given)."""
        path = f"{where}.{key}" if where else key
        value = obj.get(key) if isinstance(obj, dict) else None
        if value is None and default is not _MISSING:
            return default
        if not isinstance(obj, dict) or key not in obj:
            raise self.fail(path, "missing; results.json may come from another grantjury version")
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
            names = " or ".join(k.__name__ for k in _kinds(kind))
            raise self.fail(path, f"expected {names}, found {type(value).__name__}")
        return value

    def text(self, obj: Any, key: str, where: str, limit: int) -> dict[str, str]:
        """Multilingual text (or a plain string, stored under the language `""`)."""
        value = self.get(obj, key, where, (dict, str))
        if isinstance(value, str):
            return {"": sanitize_text(value, limit)}
        return {str(lang): sanitize_text(text, limit) for lang, text in value.items()}

    def string(
        self, obj: Any, key: str, where: str, limit: int = MAX_ID, default: Any = _MISSING
    ) -> Any:
        """A sanitised string (`default` when absent or null, if given)."""
        value = self.get(obj, key, where, (str, int, float), default)
        return value if value is default else sanitize_text(value, limit)

    def number(self, obj: Any, key: str, where: str) -> float | None:
        """A finite number, or None when absent or null."""
        value = self.get(obj, key, where, (int, float), None)
        if value is None:
            return None
        if not math.isfinite(value):
            raise self.fail(f"{where}.{key}", f"expected a finite number, found {value!r}")
        return float(value)

    def integer(self, obj: Any, key: str, where: str) -> int | None:
        """An integer, or None when absent or null."""
        value = self.get(obj, key, where, int, None)
        return None if value is None else int(value)

    def strings(self, obj: Any, key: str, where: str, limit: int = MAX_ID) -> tuple[str, ...]:
        """A list of sanitised strings (empty when absent or null)."""
        items = self.get(obj, key, where, list, None) or []
        return tuple(sanitize_text(item, limit) for item in items)


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


# --- the record ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """A rubric criterion: weight, pass mark (threshold) and scale."""

    id: str
    name: Text
    weight: float | None
    threshold: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class JurorDomain:
    """A juror's calibration in one domain: severity (bias) and spread (scale)."""

    domain: str
    n_scored: int | None
    bias: float | None
    bias_se: float | None
    scale: float | None
    scale_se: float | None
    fallback: bool


@dataclass(frozen=True)
class WinnerChange:
    """What leaving one juror out would change in a domain's winners."""

    domain: str
    gained: tuple[str, ...]
    lost: tuple[str, ...]


@dataclass(frozen=True)
class Juror:
    """A member of the jury and the statistics of their scores."""

    id: str
    name: Text
    affiliations: tuple[str, ...]
    domains: tuple[str, ...]
    n_scored: int | None
    mean: float | None
    sd: float | None
    calibration: tuple[JurorDomain, ...]
    changes: tuple[WinnerChange, ...] | None
    """Leave-one-out: winners that change without this juror; None when not computed."""


@dataclass(frozen=True)
class Conflict:
    """An entry of the conflict-of-interest register."""

    juror: str
    submission: str
    category: str
    source: str
    note: str
    set_aside: bool
    """True when the juror had scored the submission and those scores were excluded."""


@dataclass(frozen=True)
class Exclusion:
    """Scores of one juror for one submission that were set aside, and why."""

    juror: str
    submission: str
    reason: str
    category: str
    source: str
    via: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Submission:
    """A submission as filed by its association."""

    id: str
    domain: str
    association_id: str
    association: Text
    title: Text
    amount: float | None
    declared_reason: str


@dataclass(frozen=True)
class Entry:
    """A submission's line of its domain's ranking."""

    submission: str
    rank: int | None
    score: float | None
    raw_mean: float | None
    n_jurors: int
    criteria: Mapping[str, float | None]
    eligible: bool
    reasons: tuple[str, ...]
    winner: bool
    decision: str
    funded: float | None
    p_selected: float | None
    interval: tuple[int, int] | None
    tie_key: str | None


@dataclass(frozen=True)
class Tie:
    """Submissions with the same published score and how the tie-break chain ordered them."""

    submissions: tuple[str, ...]
    score: float | None
    ranks: tuple[int, int] | None
    settled_by: str | None
    mattered: bool | None
    lot_seed: int | None
    lot_order: tuple[str, ...]
    keys: tuple[str, ...]
    """Every key of the chain that was applied, in order."""


@dataclass(frozen=True)
class Lottery:
    """A draw by lot among submissions around the funding line."""

    band: str
    line: float | None
    members: tuple[str, ...]
    drawn: tuple[str, ...]
    not_drawn: tuple[str, ...]
    seed: int | None


@dataclass(frozen=True)
class Budget:
    """A budget envelope and what the winners committed of it."""

    envelope: float | None
    committed: float | None
    left: float | None


@dataclass(frozen=True)
class Reliability:
    """Agreement between the jurors of a domain."""

    alpha: float | None
    icc: tuple[tuple[str, float | None], ...]
    icc_unavailable: str
    kendall_w: float | None
    kendall_unavailable: str
    n_items: int | None
    n_raters: int | None
    n_ratings: int | None


@dataclass(frozen=True)
class Domain:
    """A prize domain with its full ranking and everything that settled it."""

    id: str
    name: Text
    direction: str
    winners_wanted: int | None
    winners: tuple[str, ...]
    reserve: tuple[str, ...]
    ranking: tuple[Entry, ...]
    ties: tuple[Tie, ...]
    lottery: Lottery | None
    budget: Budget | None
    too_close: tuple[str, ...]
    warnings: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    reliability: Reliability | None
    by_method: tuple[tuple[str, tuple[str, ...]], ...]

    def entry(self, submission: str) -> Entry | None:
        """The ranking line of `submission`, if it is in this domain."""
        return next((e for e in self.ranking if e.submission == submission), None)

    @property
    def ranked(self) -> tuple[Entry, ...]:
        """Entries with a rank (scored), in rank order."""
        return tuple(e for e in self.ranking if e.rank is not None)

    @property
    def counts(self) -> tuple[int, int, int, int]:
        """(received, not eligible, ranked and eligible, without a rank)."""
        received = len(self.ranking)
        ineligible = sum(not e.eligible for e in self.ranking)
        ranked = sum(e.eligible and e.rank is not None for e in self.ranking)
        unranked = sum(e.rank is None for e in self.ranking)
        return received, ineligible, ranked, unranked

    @property
    def winning_line(self) -> float | None:
        """The score of the last winner (the score a submission had to reach), if any."""
        scores = [e.score for e in self.ranking if e.winner and e.score is not None]
        if not scores:
            return None
        return max(scores) if self.direction == "lower" else min(scores)


@dataclass(frozen=True)
class InputFile:
    """An input file of the run and its SHA-256."""

    path: str
    sha256: str
    size: int | None


@dataclass(frozen=True)
class Stability:
    """How the ranking's uncertainty was measured."""

    method: str
    replicates: int | None
    interval: float | None
    seed: int | None


@dataclass(frozen=True)
class Record:
    """Everything the minutes, the audit report and the letters print."""

    currency: str
    conflict_scope: str
    options: tuple[tuple[str, str], ...]
    selection: tuple[tuple[str, str], ...]
    option_values: Mapping[str, Any]
    selection_values: Mapping[str, Any]
    inputs: tuple[InputFile, ...]
    jurors: tuple[Juror, ...]
    submissions: Mapping[str, Submission]
    domains: tuple[Domain, ...]
    conflicts: tuple[Conflict, ...]
    exclusions: tuple[Exclusion, ...]
    stability: Stability | None
    warnings: tuple[str, ...]
    run_digest: str
    version: str

    def juror(self, juror_id: str) -> Juror | None:
        return next((j for j in self.jurors if j.id == juror_id), None)

    def domain(self, domain_id: str) -> Domain | None:
        return next((d for d in self.domains if d.id == domain_id), None)

    @property
    def letters(self) -> tuple[tuple[Domain, Entry], ...]:
        """(domain, entry) of every submission, domains in order, each in ranking order."""
        return tuple((domain, entry) for domain in self.domains for entry in domain.ranking)


def shown(value: Any, limit: int = MAX_NOTE) -> str:
    """An option's value as one line of text: lists joined by commas, null as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return sanitize_text(", ".join(shown(v, limit) for v in value), limit)
    if isinstance(value, dict):
        return sanitize_text(
            "; ".join(f"{k}: {shown(v, limit)}" for k, v in sorted(value.items())), limit
        )
    return sanitize_text(value, limit)


def parse_record(data: Any, source: str = "results.json") -> Record:
    """Read the whole run from parsed `results.json`; `ResultsFileError` names a bad key."""
    read = Reader(source)
    if not isinstance(data, dict):
        raise read.fail("", f"expected a JSON object, found {type(data).__name__}")
    comp = read.get(data, "competition", "", dict)
    rubrics = read.get(data, "rubrics", "", dict, {})
    reliability = read.get(data, "reliability", "", dict, {})
    by_method = read.get(data, "winners_by_method", "", dict, {})
    submissions = {
        sanitize_text(sid, MAX_ID): _submission(read, sid, raw)
        for sid, raw in read.get(data, "submissions", "", dict).items()
    }
    domains = tuple(
        _domain(read, index, raw, rubrics, reliability, by_method)
        for index, raw in enumerate(read.get(data, "domains", "", list))
    )
    exclusions = tuple(
        _exclusion(read, f"exclusions[{i}]", raw)
        for i, raw in enumerate(read.get(data, "exclusions", "", list, []))
    )
    # With `conflict_scope: domain` an exclusion names, in `via`, the conflicted submission.
    set_aside = {
        (e.juror, target)
        for e in exclusions
        if e.reason == "conflict"
        for target in (e.submission, e.via)
        if target
    }
    conflicts = tuple(
        _conflict(read, f"conflicts[{i}]", raw, set_aside)
        for i, raw in enumerate(read.get(data, "conflicts", "", list, []))
    )
    stability = read.get(data, "stability", "", dict, None)
    options = read.get(data, "options", "", dict, {})
    selection = read.get(data, "selection", "", dict, {})
    return Record(
        currency=read.string(comp, "currency", "competition", 20, ""),
        conflict_scope=read.string(comp, "conflict_scope", "competition", 40, "submission"),
        options=tuple((sanitize_text(k, 60), shown(v)) for k, v in sorted(options.items())),
        selection=tuple((sanitize_text(k, 60), shown(v)) for k, v in sorted(selection.items())),
        option_values=options,
        selection_values=selection,
        inputs=tuple(
            InputFile(
                path=read.string(raw, "path", f"inputs[{i}]", MAX_NOTE),
                sha256=read.string(raw, "sha256", f"inputs[{i}]", 80),
                size=read.integer(raw, "size", f"inputs[{i}]"),
            )
            for i, raw in enumerate(read.get(data, "inputs", "", list, []))
        ),
        jurors=tuple(
            _juror(read, f"jurors[{i}]", raw)
            for i, raw in enumerate(read.get(data, "jurors", "", list, []))
        ),
        submissions=submissions,
        domains=domains,
        conflicts=conflicts,
        exclusions=exclusions,
        stability=None
        if stability is None
        else Stability(
            method=read.string(stability, "method", "stability", MAX_NOTE, ""),
            replicates=read.integer(stability, "replicates", "stability"),
            interval=read.number(stability, "interval", "stability"),
            seed=read.integer(stability, "seed", "stability"),
        ),
        warnings=read.strings(data, "warnings", "", MAX_NOTE),
        run_digest=read.string(data, "digest", "", 80, ""),
        version=read.string(data, "version", "", 40, "?"),
    )


def _submission(read: Reader, sid: str, raw: Any) -> Submission:
    at = f"submissions.{sid}"
    association = read.get(raw, "association", at, dict)
    amount = read.number(raw, "requested_amount", at)
    if amount is not None and amount < 0:
        raise read.fail(f"{at}.requested_amount", f"expected a positive number, found {amount!r}")
    return Submission(
        id=sanitize_text(sid, MAX_ID),
        domain=read.string(raw, "domain", at),
        association_id=read.string(association, "id", f"{at}.association", MAX_ID, ""),
        association=read.text(association, "name", f"{at}.association", MAX_NAME),
        title=read.text(raw, "title", at, MAX_TITLE),
        amount=amount,
        declared_reason=read.string(raw, "reason", at, MAX_NOTE, ""),
    )


def _criterion(read: Reader, where: str, raw: Any) -> Criterion:
    scale = read.get(raw, "scale", where, dict, {})
    return Criterion(
        id=read.string(raw, "id", where),
        name=read.text(raw, "name", where, MAX_NAME),
        weight=read.number(raw, "weight", where),
        threshold=read.number(raw, "threshold", where),
        low=read.number(scale, "min", f"{where}.scale"),
        high=read.number(scale, "max", f"{where}.scale"),
    )


def _entry(read: Reader, where: str, raw: Any) -> Entry:
    interval = read.get(raw, "rank_interval", where, list, None)
    if interval is not None and (
        len(interval) != 2
        or not all(isinstance(r, int) and not isinstance(r, bool) for r in interval)
    ):
        raise read.fail(f"{where}.rank_interval", f"expected [low, high] ranks, found {interval!r}")
    p_selected = read.number(raw, "p_selected", where)
    if p_selected is not None and not 0 <= p_selected <= 1:
        raise read.fail(f"{where}.p_selected", f"expected a probability, found {p_selected!r}")
    tie = read.get(raw, "tie_break", where, dict, None)
    criteria = read.get(raw, "criteria", where, dict, {})
    return Entry(
        submission=read.string(raw, "submission", where),
        rank=read.integer(raw, "rank", where),
        score=read.number(raw, "score", where),
        raw_mean=read.number(raw, "raw_mean", where),
        n_jurors=read.integer(raw, "n_jurors", where) or 0,
        criteria={
            sanitize_text(k, MAX_ID): read.number(criteria, k, f"{where}.criteria")
            for k in criteria
        },
        eligible=read.get(raw, "eligible", where, bool, True),
        reasons=read.strings(raw, "ineligible_reasons", where, MAX_NOTE),
        winner=read.get(raw, "winner", where, bool, False),
        decision=read.string(raw, "decision", where, MAX_NOTE, ""),
        funded=read.number(raw, "funded", where),
        p_selected=p_selected,
        interval=None if interval is None else (int(interval[0]), int(interval[1])),
        tie_key=None if tie is None else read.string(tie, "key", f"{where}.tie_break", 60, None),
    )


def _tie(read: Reader, where: str, raw: Any) -> Tie:
    ranks = read.get(raw, "ranks", where, list, None)
    steps = read.get(raw, "steps", where, list, [])
    lot = next((s for s in steps if isinstance(s, dict) and s.get("key") == "lot"), None)
    legacy_lot = read.get(raw, "lot", where, dict, None)  # the first results format
    lot = lot or legacy_lot
    return Tie(
        submissions=read.strings(raw, "submissions", where),
        score=read.number(raw, "score", where),
        ranks=None if not ranks or len(ranks) != 2 else (int(ranks[0]), int(ranks[1])),
        settled_by=read.string(raw, "settled_by", where, 60, None),
        mattered=read.get(raw, "mattered", where, bool, None),
        lot_seed=None if lot is None else read.integer(lot, "seed", f"{where}.lot"),
        lot_order=() if lot is None else read.strings(lot, "order", f"{where}.lot"),
        keys=tuple(
            sanitize_text(s.get("key"), 60) for s in steps if isinstance(s, dict) and "key" in s
        ),
    )


def _reliability(read: Reader, where: str, raw: Any) -> Reliability:
    icc = read.get(raw, "icc", where, dict, None) or {}
    icc_unavailable = read.string(raw, "icc_unavailable", where, MAX_NOTE, "")
    kendall = read.number(raw, "kendall_w", where)
    return Reliability(
        alpha=read.number(raw, "krippendorff_alpha_interval", where),
        icc=tuple((sanitize_text(k, 20), read.number(icc, k, f"{where}.icc")) for k in icc),
        icc_unavailable=icc_unavailable,
        kendall_w=kendall,
        kendall_unavailable=read.string(raw, "kendall_w_unavailable", where, MAX_NOTE, "")
        or ("" if kendall is not None else icc_unavailable),
        n_items=read.integer(raw, "n_items", where),
        n_raters=read.integer(raw, "n_raters", where),
        n_ratings=read.integer(raw, "n_ratings", where),
    )


def _domain(
    read: Reader,
    index: int,
    raw: Any,
    rubrics: Mapping[str, Any],
    reliability: Mapping[str, Any],
    by_method: Mapping[str, Any],
) -> Domain:
    where = f"domains[{index}]"
    domain_id = read.string(raw, "id", where)
    rubric = rubrics.get(domain_id)
    criteria = (
        ()
        if not isinstance(rubric, dict)
        else read.get(rubric, "criteria", f"rubrics.{domain_id}", list, [])
    )
    lottery = read.get(raw, "lottery", where, dict, None)
    budget = read.get(raw, "budget", where, dict, None)
    methods = by_method.get(domain_id) if isinstance(by_method.get(domain_id), dict) else {}
    return Domain(
        id=domain_id,
        name=read.text(raw, "name", where, MAX_NAME),
        direction=read.string(raw, "direction", where, 20, "higher"),
        winners_wanted=read.integer(raw, "winners_wanted", where),
        winners=read.strings(raw, "winners", where),
        reserve=read.strings(raw, "reserve", where),
        ranking=tuple(
            _entry(read, f"{where}.ranking[{i}]", e)
            for i, e in enumerate(read.get(raw, "ranking", where, list))
        ),
        ties=tuple(
            _tie(read, f"{where}.ties[{i}]", t)
            for i, t in enumerate(read.get(raw, "ties", where, list, []))
        ),
        lottery=None
        if lottery is None
        else Lottery(
            band=read.string(lottery, "band", f"{where}.lottery", 40, ""),
            line=read.number(lottery, "line", f"{where}.lottery"),
            members=read.strings(lottery, "members", f"{where}.lottery"),
            drawn=read.strings(lottery, "drawn", f"{where}.lottery"),
            not_drawn=read.strings(lottery, "not_drawn", f"{where}.lottery"),
            seed=read.integer(lottery, "seed", f"{where}.lottery"),
        ),
        budget=None
        if budget is None
        else Budget(
            envelope=read.number(budget, "envelope", f"{where}.budget"),
            committed=read.number(budget, "committed", f"{where}.budget"),
            left=read.number(budget, "left", f"{where}.budget"),
        ),
        too_close=read.strings(raw, "too_close", where),
        warnings=read.strings(raw, "warnings", where, MAX_NOTE),
        criteria=tuple(
            _criterion(read, f"rubrics.{domain_id}.criteria[{i}]", c)
            for i, c in enumerate(criteria)
        ),
        reliability=None
        if not isinstance(reliability.get(domain_id), dict)
        else _reliability(read, f"reliability.{domain_id}", reliability[domain_id]),
        by_method=tuple(
            (
                sanitize_text(method, 40),
                read.strings(methods, method, f"winners_by_method.{domain_id}"),
            )
            for method in methods
        ),
    )


def _juror(read: Reader, where: str, raw: Any) -> Juror:
    calibration = read.get(raw, "calibration", where, dict, {})
    loo = read.get(raw, "leave_one_out", where, dict, None)
    return Juror(
        id=read.string(raw, "id", where),
        name=read.text(raw, "name", where, MAX_NAME),
        affiliations=read.strings(raw, "affiliations", where),
        domains=read.strings(raw, "domains", where),
        n_scored=read.integer(raw, "n_scored", where),
        mean=read.number(raw, "mean", where),
        sd=read.number(raw, "sd", where),
        calibration=tuple(
            JurorDomain(
                domain=sanitize_text(domain, MAX_ID),
                n_scored=read.integer(cal, "n_scored", f"{where}.calibration.{domain}"),
                bias=read.number(cal, "bias", f"{where}.calibration.{domain}"),
                bias_se=read.number(cal, "bias_se", f"{where}.calibration.{domain}"),
                scale=read.number(cal, "scale", f"{where}.calibration.{domain}"),
                scale_se=read.number(cal, "scale_se", f"{where}.calibration.{domain}"),
                fallback=read.get(cal, "fallback", f"{where}.calibration.{domain}", bool, False),
            )
            for domain, cal in calibration.items()
            if isinstance(cal, dict)
        ),
        changes=None
        if loo is None
        else tuple(
            WinnerChange(
                domain=read.string(change, "domain", f"{where}.leave_one_out.changes[{i}]"),
                gained=read.strings(change, "gained", f"{where}.leave_one_out.changes[{i}]"),
                lost=read.strings(change, "lost", f"{where}.leave_one_out.changes[{i}]"),
            )
            for i, change in enumerate(read.get(loo, "changes", f"{where}.leave_one_out", list, []))
        ),
    )


def _conflict(read: Reader, where: str, raw: Any, set_aside: set[tuple[str, str]]) -> Conflict:
    juror = read.string(raw, "juror", where)
    submission = read.string(raw, "submission", where)
    return Conflict(
        juror=juror,
        submission=submission,
        category=read.string(raw, "category", where, 60, ""),
        source=read.string(raw, "source", where, 40, ""),
        note=read.string(raw, "note", where, MAX_NOTE, ""),
        set_aside=(juror, submission) in set_aside,
    )


def _exclusion(read: Reader, where: str, raw: Any) -> Exclusion:
    return Exclusion(
        juror=read.string(raw, "juror", where),
        submission=read.string(raw, "submission", where),
        reason=read.string(raw, "reason", where, 60, ""),
        category=read.string(raw, "category", where, 60, ""),
        source=read.string(raw, "source", where, 40, ""),
        via=read.string(raw, "via", where, MAX_ID, ""),
        missing=read.strings(raw, "missing", where),
    )
