"""Hypothesis strategies that draw a whole competition as plain data, and write it as files.

Use ``@given(competitions())`` to get a :class:`Drawn` competition (frozen dataclasses of
domains, rubrics, submissions, jurors, score rows, declared conflicts and method options),
change it with :func:`dataclasses.replace` if the property needs a variant, and call
``write(competition, root)`` to get the folder that ``grantjury.pipeline.run`` loads.
Every drawn competition is valid by construction: ids are fixed short strings, scores lie on
their criterion's steps, each domain with a budget gives every submission an amount, and
there is at least one score row. What cannot be guaranteed cheaply (a domain with a ranked
submission, a juror who is calibrated, a shift that stays on the scale) is left to
``assume()`` in the tests.

Shrinking: every list is drawn with a small ``min_size`` and grows by appending, every choice
is an index into a fixed list whose first element is the simplest (one domain, one
criterion, step 1, no threshold, direction higher, raw calibration, no bootstrap), and every
score is drawn as a step index counted from the scale's minimum. A failing example therefore
shrinks to few domains, submissions, jurors and criteria, full score sets, no conflicts and
scores at the scale's minimum, rather than to an opaque random seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

CALIBRATIONS = ("raw", "zscore", "percentile", "additive", "affine")
AGGREGATES = ("mean", "median", "trimmed")
STEPS = (1.0, 0.5, 2.0, 0.25)
"""Every step divides 2: a shift by a multiple of 2 keeps any score on its step."""
ASSOCIATIONS = tuple(f"A{i}" for i in range(6))
CATEGORIES = ("family", "governance", "employment", "financial", "collaboration", "other")
SCORE_COLUMNS = ("juror", "submission", "criterion", "score")


@dataclass(frozen=True)
class Criterion:
    id: str
    weight: float
    min: float
    step: float
    levels: int
    """Steps above ``min``: the scale's maximum is ``min + levels · step``."""
    threshold: float | None

    @property
    def max(self) -> float:
        return self.min + self.levels * self.step

    def value(self, level: int) -> float:
        return self.min + level * self.step


@dataclass(frozen=True)
class Rubric:
    criteria: tuple[Criterion, ...]
    direction: str  # higher | lower


@dataclass(frozen=True)
class Domain:
    id: str
    winners: int
    rubric: Rubric
    budget: float | None


@dataclass(frozen=True)
class Submission:
    id: str
    domain: str
    association: str
    requested_amount: float | None


@dataclass(frozen=True)
class Juror:
    id: str
    affiliations: tuple[str, ...]
    domains: tuple[str, ...]
    """The panel; empty means every domain."""


@dataclass(frozen=True)
class Score:
    juror: str
    submission: str
    criterion: str
    value: float


@dataclass(frozen=True)
class Conflict:
    juror: str
    submission: str
    category: str


@dataclass(frozen=True)
class Method:
    calibration: str
    aggregate: str
    seed: int
    replicates: int


@dataclass(frozen=True)
class Drawn:
    """A competition as plain data: what :func:`write` turns into files."""

    domains: tuple[Domain, ...]
    submissions: tuple[Submission, ...]
    jurors: tuple[Juror, ...]
    scores: tuple[Score, ...]
    conflicts: tuple[Conflict, ...]
    method: Method
    conflict_scope: str

    def domain(self, domain_id: str) -> Domain:
        return next(d for d in self.domains if d.id == domain_id)

    def submission(self, submission_id: str) -> Submission:
        return next(s for s in self.submissions if s.id == submission_id)

    def rubric_of(self, submission_id: str) -> Rubric:
        return self.domain(self.submission(submission_id).domain).rubric

    def panel(self, juror: Juror) -> list[Submission]:
        """The submissions of the juror's panel (every domain when the panel is empty)."""
        return [s for s in self.submissions if not juror.domains or s.domain in juror.domains]


def _pick(options: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    """An element of ``options``, shrinking towards the first."""
    return st.sampled_from(options)


@st.composite
def criteria_scales(draw: st.DrawFn, index: int) -> Criterion:
    step = draw(_pick(STEPS))
    low = draw(_pick((0.0, 1.0)))
    levels = draw(st.integers(1, 12))
    threshold_level = draw(st.none() | st.integers(0, levels))
    return Criterion(
        id=f"c{index}",
        weight=float(draw(st.integers(1, 3))),
        min=low,
        step=step,
        levels=levels,
        threshold=None if threshold_level is None else low + threshold_level * step,
    )


@st.composite
def rubrics(draw: st.DrawFn) -> Rubric:
    n = draw(st.integers(1, 4))
    return Rubric(
        criteria=tuple(draw(criteria_scales(i)) for i in range(n)),
        direction=draw(_pick(("higher", "lower"))),
    )


@st.composite
def competitions(
    draw: st.DrawFn,
    *,
    max_domains: int = 3,
    calibrations: tuple[str, ...] = CALIBRATIONS,
) -> Drawn:
    """A whole valid competition: 1–3 domains of 2–8 submissions, 2–7 jurors, scores."""
    n_domains = draw(st.integers(1, max_domains))
    domains = []
    submissions: list[Submission] = []
    for d in range(n_domains):
        domain_id = f"d{d}"
        n_subs = draw(st.integers(2, 8))
        budget = draw(st.none() | st.integers(1, 40).map(lambda k: k * 5000.0))
        domains.append(Domain(domain_id, draw(st.integers(1, 3)), draw(rubrics()), budget))
        for k in range(n_subs):
            amount = draw(
                st.integers(1, 20).map(lambda k: k * 1000.0)
                if budget is not None
                else st.none() | st.integers(1, 20).map(lambda k: k * 1000.0)
            )
            submissions.append(Submission(f"s{d}{k}", domain_id, draw(_pick(ASSOCIATIONS)), amount))
    domain_ids = tuple(d.id for d in domains)
    n_jurors = draw(st.integers(2, 7))
    jurors = []
    for j in range(n_jurors):
        affiliations = draw(st.lists(_pick(ASSOCIATIONS), max_size=2, unique=True))
        panel = draw(st.lists(_pick(domain_ids), max_size=len(domain_ids), unique=True))
        jurors.append(Juror(f"J{j}", tuple(sorted(affiliations)), tuple(sorted(panel))))
    by_domain = {d.id: d for d in domains}
    scores: list[Score] = []
    conflicts: list[Conflict] = []
    for juror in jurors:
        for sub in submissions:
            if juror.domains and sub.domain not in juror.domains:
                continue
            criteria = by_domain[sub.domain].rubric.criteria
            # full shrinks first: the simplest competition has complete score sets.
            status = draw(_pick(("full", "none", "partial")))
            if status == "none":
                continue
            skipped = (
                draw(st.integers(0, len(criteria) - 1))
                if status == "partial" and len(criteria) > 1
                else None
            )
            for c, criterion in enumerate(criteria):
                if c == skipped:
                    continue
                level = draw(st.integers(0, criterion.levels))
                scores.append(Score(juror.id, sub.id, criterion.id, criterion.value(level)))
        declared = draw(st.lists(_pick(tuple(s.id for s in submissions)), max_size=2, unique=True))
        for sub_id in declared:
            conflicts.append(Conflict(juror.id, sub_id, draw(_pick(CATEGORIES))))
    if not scores:
        # A competition needs one score row to be ranked: the first juror's first set.
        juror = jurors[0]
        sub = next(s for s in submissions if not juror.domains or s.domain in juror.domains)
        scores = [
            Score(juror.id, sub.id, c.id, c.min) for c in by_domain[sub.domain].rubric.criteria
        ]
    method = Method(
        calibration=draw(_pick(calibrations)),
        aggregate=draw(_pick(AGGREGATES)),
        seed=draw(st.integers(0, 2**32)),
        replicates=draw(_pick((0, 20))),
    )
    return Drawn(
        domains=tuple(domains),
        submissions=tuple(submissions),
        jurors=tuple(jurors),
        scores=tuple(scores),
        conflicts=tuple(conflicts),
        method=method,
        conflict_scope=draw(_pick(("submission", "domain"))),
    )


# --- files ----------------------------------------------------------------------------------


class _NoAliases(yaml.SafeDumper):
    """Writes a repeated object twice: grantjury refuses YAML aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(path: Path, data: Any) -> None:
    text = yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")


def _number(value: float) -> float | int:
    """Whole numbers as ints, so files read as a person would write them."""
    return int(value) if float(value).is_integer() else value


def _cell(value: object) -> str:
    # repr is exact for the dyadic steps drawn here (0.25, 0.5 …).
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def write_csv(path: Path, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    lines = [",".join(header)] + [",".join(_cell(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def rubric_yaml(domain: Domain) -> dict[str, Any]:
    criteria = []
    for c in domain.rubric.criteria:
        entry: dict[str, Any] = {
            "id": c.id,
            "name": {"fr": f"Critère {c.id}"},
            "weight": _number(c.weight),
            "scale": {
                "min": _number(c.min),
                "max": _number(c.max),
                "step": _number(c.step),
                "direction": domain.rubric.direction,
            },
        }
        if c.threshold is not None:
            entry["threshold"] = _number(c.threshold)
        criteria.append(entry)
    return {"id": f"r-{domain.id}", "name": {"fr": f"Grille {domain.id}"}, "criteria": criteria}


def write(
    competition: Drawn, root: Path, *, score_columns: tuple[str, ...] = SCORE_COLUMNS
) -> Path:
    """Write ``competition`` into ``root`` in the documented format; return ``root``.

    Rows and submission files are written in the order of the dataclass, one file per
    submission named ``<id>.yaml``; ``score_columns`` is the order of the scores' columns.
    """
    root.mkdir(parents=True, exist_ok=True)
    folder = root / "submissions"
    folder.mkdir(exist_ok=True)
    domains = []
    for domain in competition.domains:
        entry: dict[str, Any] = {
            "id": domain.id,
            "name": {"fr": f"Domaine {domain.id}"},
            "winners": domain.winners,
            "rubric": f"rubric-{domain.id}.yaml",
        }
        if domain.budget is not None:
            entry["budget"] = _number(domain.budget)
        domains.append(entry)
        _dump(root / f"rubric-{domain.id}.yaml", rubric_yaml(domain))
    method = competition.method
    _dump(
        root / "competition.yaml",
        {
            "id": "drawn",
            "title": {"fr": "Concours tiré"},
            "date": "2024-05-01",
            "place": {"fr": "Marrakech"},
            "languages": ["fr"],
            "rubric": f"rubric-{competition.domains[0].id}.yaml",
            "domains": domains,
            "submissions": "submissions",
            "jurors": "jurors.yaml",
            "scores": "scores.csv",
            "conflicts": "conflicts.csv",
            "conflict_scope": competition.conflict_scope,
            "method": {
                "calibration": method.calibration,
                "aggregate": method.aggregate,
                "seed": method.seed,
                "replicates": method.replicates,
            },
        },
    )
    _dump(
        root / "jurors.yaml",
        [
            {
                "id": j.id,
                "name": f"Juré {j.id}",
                "affiliations": list(j.affiliations),
                "domains": list(j.domains),
            }
            for j in competition.jurors
        ],
    )
    for sub in competition.submissions:
        record: dict[str, Any] = {
            "id": sub.id,
            "domain": sub.domain,
            "association": {
                "id": sub.association,
                "name": {"fr": f"Association {sub.association}"},
            },
            "title": {"fr": f"Projet {sub.id}"},
        }
        if sub.requested_amount is not None:
            record["requested_amount"] = _number(sub.requested_amount)
        _dump(folder / f"{sub.id}.yaml", record)
    fields = {"juror": 0, "submission": 1, "criterion": 2, "score": 3}
    write_csv(
        root / "scores.csv",
        score_columns,
        [
            tuple((s.juror, s.submission, s.criterion, s.value)[fields[k]] for k in score_columns)
            for s in competition.scores
        ],
    )
    write_csv(
        root / "conflicts.csv",
        ("juror", "submission", "reason"),
        [(c.juror, c.submission, f"{c.category}: drawn") for c in competition.conflicts],
    )
    return root


def shift_room(competition: Drawn, juror: str) -> tuple[float, float, float]:
    """(most it can go down, most it can go up, unit): how far every score of ``juror`` can
    move together and stay on its scale; ``unit`` is the least common multiple of the steps."""
    down = up = math.inf
    unit = 0.25
    for s in competition.scores:
        if s.juror != juror:
            continue
        c = next(c for c in competition.rubric_of(s.submission).criteria if c.id == s.criterion)
        down, up = min(down, s.value - c.min), min(up, c.max - s.value)
        unit = max(unit, c.step)  # the steps are 0.25, 0.5, 1, 2: the largest is the lcm
    return down, up, unit
