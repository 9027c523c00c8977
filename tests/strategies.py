"""Hypothesis strategies that draw a whole competition as plain data, and write it as files.

Use ``@given(competitions())`` to get a :class:`Drawn` competition (frozen dataclasses of
domains with their rubrics, submissions, jurors, score rows, declared conflicts and method
options), change it with :func:`dataclasses.replace` when the property needs a variant, and
call ``write(competition, root)`` to get the folder that ``grantjury.pipeline.run`` loads.
``competitions(calibrations=("zscore",))`` fixes the method; ``complete=True`` draws
competitions in which every juror scores all of their panel and no conflict sets a score
aside. Every drawn competition is valid by construction: ids are fixed short strings, scores
lie on their criterion's steps, a domain with a budget gives every submission an amount, and
there is at least one score row. What cannot be guaranteed cheaply (a ranked submission, a
calibrated juror, a threshold that is checked) is left to ``assume()`` in the tests.

Shrinking: domains, submissions and jurors are ``st.lists`` with a small ``min_size``, so the
shrinker deletes whole elements without reinterpreting the draws that follow; every choice
is an element of a fixed tuple whose first element is the simplest (step 1, minimum 0, no
threshold, direction higher, complete score sets, raw calibration, no bootstrap), and every
score is a step index counted from the scale's minimum. A failure therefore shrinks to one
domain of two submissions, two jurors, one criterion and scores at the minimum, plus only
what the failure needs (``test_the_strategy_shrinks_to_a_small_competition`` checks it),
rather than to an opaque random seed. Strategies are built once at import: drawing is about
200 choices per competition (10–50 ms), and shrinking a failure takes a minute or two.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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


# Strategies are built once, at import: building one per draw costs hypothesis a validation
# each time, and that made drawing (and shrinking) several times slower.
MAX_LEVELS = 12
LEVELS = {n: st.integers(0, n) for n in range(MAX_LEVELS + 1)}
"""A score as a step index from the scale's minimum (0 shrinks to the minimum)."""
SCORE_SETS = _pick(("full", "none", "partial"))
"""full first: the simplest competition has complete score sets."""
INDEX = {n: st.integers(0, n - 1) for n in range(1, 30)}
AMOUNTS = st.integers(1, 20).map(lambda k: k * 1000.0)
BUDGETS = st.none() | st.integers(1, 40).map(lambda k: k * 5000.0)


@st.composite
def _scales(draw: st.DrawFn) -> tuple[float, float, int, float | None, float]:
    """(min, step, levels, threshold, weight) of one criterion."""
    step = draw(_pick(STEPS))
    low = draw(_pick((0.0, 1.0)))
    levels = draw(st.integers(1, MAX_LEVELS))
    threshold_level = draw(st.none() | LEVELS[levels])
    threshold = None if threshold_level is None else low + threshold_level * step
    return low, step, levels, threshold, float(draw(st.integers(1, 3)))


def _rubric(scales: list[tuple[float, float, int, float | None, float]], direction: str) -> Rubric:
    return Rubric(
        tuple(
            Criterion(f"c{i}", weight, low, step, levels, threshold)
            for i, (low, step, levels, threshold, weight) in enumerate(scales)
        ),
        direction,
    )


RUBRICS = st.builds(
    _rubric, st.lists(_scales(), min_size=1, max_size=4), _pick(("higher", "lower"))
)
DOMAIN_SPECS = st.tuples(
    st.integers(1, 3),
    RUBRICS,
    BUDGETS,
    st.lists(st.tuples(_pick(ASSOCIATIONS), st.none() | AMOUNTS), min_size=2, max_size=8),
)
"""(winners, rubric, budget, [(association, requested amount)]) of one domain."""
FULL_DOMAIN_SPECS = st.tuples(
    st.integers(1, 3),
    RUBRICS,
    BUDGETS,
    st.lists(st.tuples(_pick(ASSOCIATIONS), st.none() | AMOUNTS), min_size=3, max_size=8),
)
"""The same with at least three submissions: enough totals to calibrate every juror."""
JUROR_SPECS = st.tuples(
    st.lists(_pick(ASSOCIATIONS), max_size=2, unique=True),
    st.lists(st.integers(0, 2), max_size=3, unique=True),
)
"""(affiliations, panel as domain positions 0–2; empty: every domain) of one juror."""
DECLARED = st.lists(st.tuples(st.integers(0, 23), _pick(CATEGORIES)), max_size=2)
"""A juror's declared conflicts: (submission position, modulo their number; category)."""
METHODS = st.builds(
    lambda c, a, seed, r: (c, a, seed, r),
    st.integers(0, 4),
    _pick(AGGREGATES),
    st.integers(0, 2**32),
    _pick((0, 20)),
)


@st.composite
def competitions(
    draw: st.DrawFn,
    *,
    max_domains: int = 3,
    calibrations: tuple[str, ...] = CALIBRATIONS,
    complete: bool = False,
) -> Drawn:
    """A whole valid competition: 1–3 domains of 2–8 submissions, 2–7 jurors, scores.

    ``complete``: at least 3 submissions per domain, every juror scores every criterion of
    every submission of their panel, and no conflict (declared or detected) sets a score
    aside, so that every juror is calibrated unless their totals have no spread.
    """
    # Lists, not counts: the shrinker deletes whole domains, submissions and jurors without
    # reinterpreting the draws that follow.
    drawn_domains = draw(
        st.lists(FULL_DOMAIN_SPECS if complete else DOMAIN_SPECS, min_size=1, max_size=max_domains)
    )
    domains = []
    submissions: list[Submission] = []
    for d, (winners, rubric, budget, entries) in enumerate(drawn_domains):
        domains.append(Domain(f"d{d}", winners, rubric, budget))
        for k, (association, amount) in enumerate(entries):
            if budget is not None and amount is None:
                amount = 1000.0  # a domain with a budget needs every amount
            submissions.append(Submission(f"s{d}{k}", f"d{d}", association, amount))
    domain_ids = tuple(d.id for d in domains)
    jurors = [
        Juror(
            f"J{j}",
            () if complete else tuple(sorted(affiliations)),
            tuple(domain_ids[p] for p in sorted(panel) if p < len(domain_ids)),
        )
        for j, (affiliations, panel) in enumerate(
            draw(st.lists(JUROR_SPECS, min_size=2, max_size=7))
        )
    ]
    by_domain = {d.id: d for d in domains}
    scores: list[Score] = []
    conflicts: list[Conflict] = []
    for juror in jurors:
        for sub in submissions:
            if juror.domains and sub.domain not in juror.domains:
                continue
            criteria = by_domain[sub.domain].rubric.criteria
            status = "full" if complete else draw(SCORE_SETS)
            if status == "none":
                continue
            skipped = (
                draw(INDEX[len(criteria)]) if status == "partial" and len(criteria) > 1 else None
            )
            for c, criterion in enumerate(criteria):
                if c != skipped:
                    level = draw(LEVELS[criterion.levels])
                    scores.append(Score(juror.id, sub.id, criterion.id, criterion.value(level)))
        declared = {}
        for position, category in () if complete else draw(DECLARED):
            declared.setdefault(submissions[position % len(submissions)].id, category)
        conflicts.extend(Conflict(juror.id, sub_id, c) for sub_id, c in declared.items())
    if not scores:
        # A competition needs one score row to be ranked: the first juror's first set.
        juror = jurors[0]
        sub = next(s for s in submissions if not juror.domains or s.domain in juror.domains)
        scores = [
            Score(juror.id, sub.id, c.id, c.min) for c in by_domain[sub.domain].rubric.criteria
        ]
    calibration, aggregate, seed, replicates = draw(METHODS)
    return Drawn(
        domains=tuple(domains),
        submissions=tuple(submissions),
        jurors=tuple(jurors),
        scores=tuple(scores),
        conflicts=tuple(conflicts),
        method=Method(calibrations[calibration % len(calibrations)], aggregate, seed, replicates),
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


def criterion_of(competition: Drawn, score: Score) -> Criterion:
    return next(
        c for c in competition.rubric_of(score.submission).criteria if c.id == score.criterion
    )


def shift_unit(competition: Drawn, juror: str) -> float:
    """The least shift that keeps every score of ``juror`` on its step: the largest step
    (the steps drawn are 0.25, 0.5, 1 and 2, each a multiple of the smaller ones)."""
    return max(
        (criterion_of(competition, s).step for s in competition.scores if s.juror == juror),
        default=0.0,
    )


def room_for_shift(competition: Drawn, juror: str, shift: float) -> Drawn | None:
    """``competition`` with the scores of ``juror`` pulled in from the scale's ends just far
    enough that all of them can then move by ``shift`` and stay on the scale (None when a
    scale is shorter than the shift). ``shift`` must be a multiple of every step involved."""
    scores = []
    for s in competition.scores:
        if s.juror == juror:
            c = criterion_of(competition, s)
            low, high = c.min + max(0.0, -shift), c.max - max(0.0, shift)
            if low > high:
                return None
            s = replace(s, value=min(high, max(low, s.value)))
        scores.append(s)
    return replace(competition, scores=tuple(scores))
