r"""Synthetic competitions with a known truth, to measure how well calibration recovers it.

The generator is pure and seeded: ``simulate(options)`` draws everything from one
``numpy.random.Generator`` built from ``options.seed``; ``render`` turns the draw into file
texts in the competition format (docs/format.md); ``write`` puts them into a folder. The
same options give byte-identical files.

Model, with every latent quantity in units of the true-quality standard deviation:

.. math::

    q_s \sim N(0, 1), \quad b_j \sim N(0, \sigma_b^2), \quad
    \log a_j \sim N(0, \sigma_a^2),

    x_{jsc} = \mathrm{centre} + \mathrm{spread} \cdot (a_j q_s + b_j + e_{jsc}), \quad
    e_{jsc} = \sqrt{\rho}\, u_{js} + \sqrt{1 - \rho}\, v_{jsc}, \quad
    u, v \sim N(0, \sigma_e^2),

where ``q_s`` is submission s's true quality, ``b_j`` juror j's bias (harsh below 0,
lenient above), ``a_j`` their scale, and ``e_jsc`` their error on criterion c. ``ρ``
(``halo``) is the correlation of one juror's errors across the criteria of one submission:
0 gives independent errors per criterion (a total's error then has standard deviation
``σ_e · √Σw² / Σw``, about ``σ_e / √5`` for five criteria), 1 one error per juror and
submission (a total's error has standard deviation ``σ_e``). Criterion scores are rounded to
the rubric's step and clipped to its scale; ``Simulation.clipped_low`` / ``clipped_high``
count how often clipping bit. With the defaults (centre 10, spread 2 points per sd) a
criterion score of the reference scenario has a standard deviation of about
``2·√(1.06 + 1 + 0.64) ≈ 3.3`` points, so 0 and 20 lie three standard deviations away:
over 100 seeds 0.2% of its scores are clipped on average (at most 0.8%), 1.4% with noise
sd 1.5.

Panels and assignment: domain d's panel is ``panel_size`` consecutive jurors of a shuffled
circle (every juror on at least one panel). ``random`` deals each submission ``k`` distinct
panel jurors with loads differing by at most one (``deal``); ``specialised`` sends the
harshest jurors mostly to the strongest submissions (``assign_specialised``).

Hard jurors (all off by default; drawn from a generator of their own, so they change no
other draw): ``noisy_jurors`` have ``noisy_factor`` × the noise; ``ceiling_jurors`` and
``floor_jurors`` have bias ``±end_shift`` (about 4 sd: their scores pile up at the scale's
ends and are clipped there); ``coarse_jurors`` use three values only: their latent score
(quality, bias and mean error) is read to the nearest of ``−L, 0, L`` (``L = coarse_step``)
and every criterion gets that value, so their totals take three distinct values.
``Simulation.noise`` records each juror's noise sd and ``kind`` their type (``JUROR_KINDS``).

Conflicts: each assignment is declared a conflict with probability ``conflict_rate`` *after*
the assignment was made, and the conflicted juror scored anyway. Their rows are in
``scores.csv`` and the engine excludes them, so some submissions keep fewer jurors and
jurors' subsets of submissions become uneven, as in a real call where conflicts come to light
late. ``assignments.csv`` (not read by the engine) lists every assignment.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .. import __version__
from ..errors import OutputError
from ..model import CONFLICT_CATEGORIES

GENERATOR = "grantjury.simulate"  # the name truth.json records, kept when the module moved
"""Marks ``truth.json`` of a simulation, so a later run may overwrite the folder."""
SCALE_MIN, SCALE_MAX, SCALE_STEP = 0.0, 20.0, 0.5
CRITERIA: tuple[tuple[str, dict[str, str], int], ...] = (
    ("relevance", {"ar": "الملاءمة", "fr": "Pertinence"}, 3),
    ("impact", {"ar": "الأثر على المستفيدين", "fr": "Impact sur les bénéficiaires"}, 3),
    ("networking", {"ar": "التشبيك والشراكة", "fr": "Réseautage et partenariat"}, 2),
    ("feasibility", {"ar": "قابلية الإنجاز", "fr": "Faisabilité"}, 2),
    ("sustainability", {"ar": "الاستدامة", "fr": "Durabilité"}, 2),
)
FILES = (
    "competition.yaml",
    "rubric.yaml",
    "jurors.yaml",
    "submissions.csv",
    "scores.csv",
    "conflicts.csv",
    "assignments.csv",
    "truth.json",
)
LANGUAGE_SETS = (("fr",), ("ar", "fr"))
JUROR_KINDS = ("plain", "noisy", "ceiling", "floor", "coarse")
"""Codes of ``Simulation.kind``."""


class SimulationOptions(BaseModel):
    """Options of a simulated competition; the defaults are the reference scenario."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    submissions: int = Field(default=120, ge=1, le=10_000_000)
    domains: int = Field(default=3, ge=1)
    winners: int = Field(default=3, ge=1)
    """Winners per domain."""
    jurors: int = Field(default=12, ge=1)
    per_submission: int = Field(default=4, ge=1)
    """Jurors assigned to each submission (k)."""
    panel_size: int | None = Field(default=None, ge=1)
    """Jurors on each domain's panel; None puts every juror on every panel."""
    bias_sd: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    scale_sd: float = Field(default=0.25, ge=0, allow_inf_nan=False)
    noise_sd: float = Field(default=0.8, ge=0, allow_inf_nan=False)
    icc: float | None = Field(default=None, gt=0, le=1)
    """One juror's reliability on their total (ICC(1)) when jurors differ only by noise: when
    given, it sets the criterion error in place of ``noise_sd`` (see ``criterion_error_sd``),
    so that selection reliability can be checked against a known ICC."""
    halo: float = Field(default=0.0, ge=0, le=1)
    """Correlation of a juror's errors across the criteria of one submission."""
    conflict_rate: float = Field(default=0.05, ge=0, le=1)
    assignment: Literal["random", "specialised"] = "random"
    languages: tuple[str, ...] = ("ar", "fr")
    seed: int = Field(default=1, ge=0, lt=2**63)
    centre: float = Field(default=10.0, gt=SCALE_MIN, lt=SCALE_MAX)
    """Score (on the 0–20 scale) of an average submission from a neutral juror."""
    spread: float = Field(default=2.0, gt=0, allow_inf_nan=False)
    """Points on the 0–20 scale per unit of the latent scale (one true-quality sd)."""
    noisy_jurors: int = Field(default=0, ge=0)
    """Jurors whose noise is ``noisy_factor`` times the others'."""
    noisy_factor: float = Field(default=3.0, gt=0, allow_inf_nan=False)
    ceiling_jurors: int = Field(default=0, ge=0)
    """Jurors with bias ``+end_shift``: their scores pile up at the scale's maximum."""
    floor_jurors: int = Field(default=0, ge=0)
    """Jurors with bias ``−end_shift``: their scores pile up at the scale's minimum."""
    end_shift: float = Field(default=4.0, ge=0, allow_inf_nan=False)
    coarse_jurors: int = Field(default=0, ge=0)
    """Jurors who use three values only (``centre`` and ``centre ± spread·coarse_step``)."""
    coarse_step: float = Field(default=1.5, gt=0, allow_inf_nan=False)

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if tuple(value) not in LANGUAGE_SETS:
            raise ValueError("languages must be [fr] or [ar, fr]")
        return tuple(value)

    @property
    def criterion_error_sd(self) -> float:
        """The sd of each criterion score's error: ``noise_sd``, or the one that gives a
        juror's weighted total the reliability ``icc`` on a unit-variance quality. The
        total's error variance is ``σ² (halo + (1 − halo) Σw² / (Σw)²)``, so
        ``σ² = (1 − icc) / icc / (halo + (1 − halo) Σw² / (Σw)²)``."""
        if self.icc is None:
            return self.noise_sd
        weights = np.array([weight for _, _, weight in CRITERIA], dtype=float)
        spread = self.halo + (1 - self.halo) * float((weights**2).sum() / weights.sum() ** 2)
        return math.sqrt((1 - self.icc) / self.icc / spread)

    @model_validator(mode="after")
    def _consistent(self) -> SimulationOptions:
        if self.domains > self.submissions:
            raise ValueError(
                f"{self.domains} domains need at least as many submissions (got {self.submissions})"
            )
        smallest = self.submissions // self.domains
        if self.winners > smallest:
            raise ValueError(
                f"{self.winners} winners per domain is more than the smallest domain's "
                f"{smallest} submissions"
            )
        panel = self.panel
        if panel > self.jurors:
            raise ValueError(f"panel size {panel} is more than the {self.jurors} jurors")
        if self.per_submission > panel:
            raise ValueError(
                f"{self.per_submission} jurors per submission is more than the panel size {panel}"
            )
        special = self.noisy_jurors + self.ceiling_jurors + self.floor_jurors + self.coarse_jurors
        if special > self.jurors:
            raise ValueError(
                f"{special} noisy, ceiling, floor and coarse jurors are more than the "
                f"{self.jurors} jurors"
            )
        if panel * self.domains < self.jurors:
            raise ValueError(
                f"{self.domains} panels of {panel} leave some of the {self.jurors} jurors "
                "on no panel; raise the panel size or lower the number of jurors"
            )
        return self

    @property
    def panel(self) -> int:
        """Jurors on each domain's panel."""
        return self.jurors if self.panel_size is None else self.panel_size

    def command(self) -> str:
        """The ``grantjury simulate`` command line that draws this competition."""
        defaults = SimulationOptions()
        parts = ["grantjury simulate OUT_DIR"]
        for name in type(self).model_fields:
            if name in ("centre", "spread"):
                continue
            value = getattr(self, name)
            if name != "seed" and value == getattr(defaults, name):
                continue
            text = ",".join(value) if name == "languages" else value
            parts.append(f"--{name.replace('_', '-')} {text}")
        return " ".join(parts)


@dataclass(frozen=True)
class Simulation:
    """A drawn competition: the truth and the observations, as arrays.

    Submissions, jurors and domains are coded 0..n−1 in the order of their ids. Assignment
    arrays (``pair_*``, ``conflicted``, ``scores``) have one entry per (submission, juror)
    assignment, sorted by submission then juror.
    """

    options: SimulationOptions
    quality: np.ndarray
    """(submissions,) true quality q_s."""
    domain: np.ndarray
    """(submissions,) domain code."""
    bias: np.ndarray
    """(jurors,) true bias b_j, latent units (points: × spread)."""
    scale: np.ndarray
    """(jurors,) true scale a_j."""
    panels: np.ndarray
    """(jurors, domains) True where the juror sits on the domain's panel."""
    pair_submission: np.ndarray
    pair_juror: np.ndarray
    conflicted: np.ndarray
    """(assignments,) True where the pair is a declared conflict (the juror scored anyway)."""
    conflict_category: np.ndarray
    """(assignments,) index into ``CONFLICT_CATEGORIES`` (meaningful where conflicted)."""
    scores: np.ndarray
    """(assignments, criteria) criterion scores on the rubric's scale, as written."""
    clipped_low: int
    clipped_high: int
    noise: np.ndarray
    """(jurors,) noise sd of each juror's errors, latent units."""
    kind: np.ndarray
    """(jurors,) index into ``JUROR_KINDS``."""

    @property
    def special(self) -> bool:
        """Whether any juror is other than plain (truth.json then records their noise)."""
        return bool((self.kind != 0).any())

    @property
    def submission_ids(self) -> list[str]:
        return _ids("S", self.quality.size, 3)

    @property
    def juror_ids(self) -> list[str]:
        return _ids("J", self.bias.size, 2)

    @property
    def domain_ids(self) -> list[str]:
        return [f"d{d}" for d in range(1, self.options.domains + 1)]

    def top(self, d: int) -> np.ndarray:
        """Codes of domain d's true top ``winners`` submissions, best first."""
        members = np.flatnonzero(self.domain == d)
        order = np.argsort(-self.quality[members], kind="stable")
        return members[order[: self.options.winners]]

    @property
    def clipped_share(self) -> float:
        return (self.clipped_low + self.clipped_high) / max(self.scores.size, 1)


def _ids(prefix: str, n: int, width: int) -> list[str]:
    width = max(width, len(str(n)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


# --- Drawing -----------------------------------------------------------------------------------


def simulate(options: SimulationOptions) -> Simulation:
    """Draw a competition from ``options`` (see the module docstring for the model)."""
    rng = np.random.default_rng(options.seed)
    n_subs, n_jurors, k = options.submissions, options.jurors, options.per_submission
    quality = rng.standard_normal(n_subs)
    bias = options.bias_sd * rng.standard_normal(n_jurors)
    scale = np.exp(options.scale_sd * rng.standard_normal(n_jurors))
    # Contiguous blocks of ids per domain, sizes differing by at most one.
    domain = np.repeat(
        np.arange(options.domains),
        [len(block) for block in np.array_split(np.arange(n_subs), options.domains)],
    )
    panels = draw_panels(rng, n_jurors, options.domains, options.panel)
    kind = draw_kinds(options)
    noise = np.where(kind == 1, options.noisy_factor, 1.0) * options.criterion_error_sd
    bias = np.where(kind == 2, options.end_shift, np.where(kind == 3, -options.end_shift, bias))

    assigned = np.empty((n_subs, k), dtype=np.int64)
    load = np.zeros(n_jurors, dtype=np.int64)
    for d in range(options.domains):
        subs = np.flatnonzero(domain == d)
        panel = np.flatnonzero(panels[:, d])
        if options.assignment == "specialised":
            chosen = assign_specialised(rng, subs, panel, quality, bias, k, load)
        else:
            chosen = deal(rng, panel, subs.size, k, load)
        assigned[subs] = chosen
        load += np.bincount(chosen.ravel(), minlength=n_jurors)
    assigned.sort(axis=1)
    pair_submission = np.repeat(np.arange(n_subs), k)
    pair_juror = assigned.ravel()

    n_pairs = pair_juror.size
    conflicted = rng.random(n_pairs) < options.conflict_rate
    category = rng.integers(len(CONFLICT_CATEGORIES), size=n_pairs)

    # Both error components are always drawn, so `halo` changes no other draw.
    shared = rng.standard_normal(n_pairs)
    own = rng.standard_normal((n_pairs, len(CRITERIA)))
    rho = options.halo
    error = noise[pair_juror, None] * (math.sqrt(rho) * shared[:, None] + math.sqrt(1 - rho) * own)
    latent = scale[pair_juror] * quality[pair_submission] + bias[pair_juror]
    points = options.centre + options.spread * (latent[:, None] + error)
    coarse = kind[pair_juror] == 4
    if coarse.any():
        level = np.clip(np.rint((latent + error.mean(axis=1)) / options.coarse_step), -1, 1)
        read = options.centre + options.spread * options.coarse_step * level
        points[coarse] = read[coarse, None]
    steps = np.rint((points - SCALE_MIN) / SCALE_STEP)
    top_step = round((SCALE_MAX - SCALE_MIN) / SCALE_STEP)
    clipped_low, clipped_high = int((steps < 0).sum()), int((steps > top_step).sum())
    scores = SCALE_MIN + SCALE_STEP * np.clip(steps, 0, top_step)
    return Simulation(
        options,
        quality,
        domain,
        bias,
        scale,
        panels,
        pair_submission,
        pair_juror,
        conflicted,
        category,
        scores,
        clipped_low,
        clipped_high,
        noise,
        kind,
    )


def draw_kinds(options: SimulationOptions) -> np.ndarray:
    """Each juror's kind (``JUROR_KINDS``), from a generator of its own: with no hard jurors
    asked for, every juror is plain and no draw of ``simulate`` changes."""
    kind = np.zeros(options.jurors, dtype=np.int64)
    counts = (options.noisy_jurors, options.ceiling_jurors, options.floor_jurors)
    counts += (options.coarse_jurors,)
    if not any(counts):
        return kind
    order = np.random.default_rng([options.seed, 1]).permutation(options.jurors)
    start = 0
    for code, n in enumerate(counts, start=1):
        kind[order[start : start + n]] = code
        start += n
    return kind


def draw_panels(rng: np.random.Generator, n_jurors: int, n_domains: int, size: int) -> np.ndarray:
    """Panels of ``size`` jurors: consecutive windows of a shuffled circle of jurors.

    Domain d takes positions ``d·size … d·size + size − 1`` (mod the number of jurors), so
    every juror sits on ⌊·⌋ or ⌈size·domains / jurors⌉ panels, at least one.
    """
    circle = rng.permutation(n_jurors)
    panels = np.zeros((n_jurors, n_domains), dtype=bool)
    for d in range(n_domains):
        panels[circle[(d * size + np.arange(size)) % n_jurors], d] = True
    return panels


def deal(
    rng: np.random.Generator,
    pool: np.ndarray,
    n: int,
    k: int,
    load: np.ndarray | None = None,
) -> np.ndarray:
    """``k`` distinct jurors of ``pool`` for each of ``n`` submissions, loads within one.

    Jurors are dealt from successive shuffled decks of the pool; submission i takes slots
    ``i·k … i·k + k − 1``, so every juror's load is ⌊nk/P⌋ or ⌈nk/P⌉. A submission whose
    slots straddle two decks could get a juror twice: the repeated juror is swapped with a
    later card of the same deck (which keeps every deck a permutation, so loads stay
    balanced). A partner always exists when ``k ≤ P``: after the h head cards, the deck holds
    ``P − h`` cards of which at most ``k − h − d`` are among the previous deck's tail, leaving
    ``P − k + d ≥ d`` partners for the d repeats. With ``load``, the last, partial deck is
    ordered least-loaded first, so jurors on several panels end up balanced overall.
    """
    size = pool.size
    slots = n * k
    if slots == 0:
        return np.empty((n, k), dtype=np.int64)
    decks = -(-slots // size)
    order = rng.permuted(np.tile(np.arange(size), (decks, 1)), axis=1)
    keys = rng.random(size)
    if load is not None and slots % size:
        order[-1] = np.lexsort((keys, load[pool]))
    flat = order.ravel()
    for start in range(size, slots, size):
        cut = start % k
        if cut == 0:
            continue
        first, stop = start - cut, min(start - cut + k, slots)
        tail = set(flat[first:start].tolist())
        repeats = [i for i in range(start, stop) if flat[i] in tail]
        if not repeats:
            continue
        partners = (i for i in range(stop, start + size) if flat[i] not in tail)
        for i, partner in zip(repeats, partners, strict=False):
            flat[i], flat[partner] = flat[partner], flat[i]
    return pool[flat[:slots].reshape(n, k)]


def assign_specialised(
    rng: np.random.Generator,
    subs: np.ndarray,
    panel: np.ndarray,
    quality: np.ndarray,
    bias: np.ndarray,
    k: int,
    load: np.ndarray,
) -> np.ndarray:
    """Harsh jurors mostly see strong submissions: the case that defeats per-juror z-scores.

    The panel, harshest first, and the domain's submissions, strongest first, are cut into
    ``G = ⌊P/k⌋`` strata of equal rank. Each submission gets ``k − 1`` jurors of its own
    stratum and one from the rest of the panel, which keeps the juror–submission graph
    connected (so graph methods can still compare strata). With ``G = 1`` (a panel smaller
    than 2k) or ``k = 1`` there is nothing to specialise and jurors are dealt at random.
    """
    groups = panel.size // k
    if groups < 2 or k < 2:
        return deal(rng, panel, subs.size, k, load)
    by_bias = panel[np.argsort(bias[panel], kind="stable")]
    order = np.argsort(-quality[subs], kind="stable")
    chosen = np.empty((subs.size, k), dtype=np.int64)
    juror_strata = np.array_split(by_bias, groups)
    for jurors, rows in zip(juror_strata, np.array_split(order, groups), strict=True):
        others = np.setdiff1d(panel, jurors)
        chosen[rows, : k - 1] = deal(rng, jurors, rows.size, k - 1, load)
        chosen[rows, k - 1 :] = deal(rng, others, rows.size, 1, load)
    return chosen


# --- Files -------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """A safe dumper that never writes anchors or aliases (the loader refuses them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def yaml_text(data: Any, header: str = "") -> str:
    """YAML in the style of the format's examples (flow style for leaf mappings, no aliases)."""
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=None,
        width=1_000,
    )
    return header + body


def _text(languages: tuple[str, ...], **by_language: str) -> dict[str, str]:
    return {lang: by_language[lang] for lang in languages}


def render(sim: Simulation) -> dict[str, str]:
    """The text of every file of the simulated competition, by file name."""
    options = sim.options
    languages = options.languages
    header = (
        f"# Generated by `{options.command()}` (grantjury {__version__}):\n"
        "# a synthetic competition. The truth it was drawn from is in truth.json.\n"
    )
    sub_ids, juror_ids, domain_ids = sim.submission_ids, sim.juror_ids, sim.domain_ids
    return {
        "competition.yaml": _competition_yaml(sim, header),
        "rubric.yaml": yaml_text(
            {
                "id": "simulation",
                "name": _text(languages, ar="شبكة التقييم", fr="Grille d'évaluation"),
                "criteria": [
                    {
                        "id": cid,
                        "name": {lang: name[lang] for lang in languages},
                        "weight": weight,
                        "scale": {"min": int(SCALE_MIN), "max": int(SCALE_MAX), "step": SCALE_STEP},
                    }
                    for cid, name, weight in CRITERIA
                ],
            },
            header,
        ),
        "jurors.yaml": yaml_text(
            [
                {
                    "id": juror_ids[j],
                    "name": f"Juré·e {juror_ids[j]}",
                    "domains": [domain_ids[d] for d in np.flatnonzero(sim.panels[j]).tolist()],
                }
                for j in range(len(juror_ids))
            ],
            header,
        ),
        "submissions.csv": _submissions_csv(sim, sub_ids, domain_ids),
        "scores.csv": _scores_csv(sim, sub_ids, juror_ids),
        "conflicts.csv": _conflicts_csv(sim, sub_ids, juror_ids),
        "assignments.csv": _pairs_csv(
            ("juror", "submission"), sim.pair_juror, sim.pair_submission, juror_ids, sub_ids
        ),
        "truth.json": _truth_json(sim, sub_ids, juror_ids, domain_ids),
    }


def _competition_yaml(sim: Simulation, header: str) -> str:
    options = sim.options
    languages = options.languages
    seed = options.seed
    data = {
        "id": f"simulation-{seed}",
        "title": _text(
            languages, ar=f"مسابقة محاكاة (البذرة {seed})", fr=f"Concours simulé (graine {seed})"
        ),
        "date": "2000-01-01",
        "place": _text(languages, ar="محاكاة", fr="Simulation"),
        "languages": list(languages),
        "rubric": "rubric.yaml",
        "domains": [
            {
                "id": domain_id,
                "name": _text(languages, ar=f"المجال {d + 1}", fr=f"Domaine {d + 1}"),
                "winners": options.winners,
            }
            for d, domain_id in enumerate(sim.domain_ids)
        ],
        "submissions": "submissions.csv",
        "jurors": "jurors.yaml",
        "scores": "scores.csv",
        "conflicts": "conflicts.csv",
        "method": {"seed": seed},
    }
    return yaml_text(data, header)


def _lines(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


def _submissions_csv(sim: Simulation, sub_ids: list[str], domain_ids: list[str]) -> str:
    languages = sim.options.languages
    columns = [
        "id",
        "domain",
        "association_id",
        *(f"association_name_{lang}" for lang in languages),
        *(f"title_{lang}" for lang in languages),
        "requested_amount",
    ]
    words = {"ar": ("جمعية", "مشروع"), "fr": ("Association", "Projet")}
    ids = np.array(sub_ids, dtype=object)
    associations = np.array(["A" + i[1:] for i in sub_ids], dtype=object)
    # Amounts are a function of the id, not a draw, so they change no other draw.
    amounts = 10_000 + 1_000 * ((np.arange(len(sub_ids)) * 7_919) % 191)
    cells = [ids, np.array(domain_ids, dtype=object)[sim.domain], associations]
    cells += [words[lang][0] + " " + associations for lang in languages]
    cells += [words[lang][1] + " " + ids for lang in languages]
    cells.append(amounts.astype(str).astype(object))
    rows = cells[0]
    for column in cells[1:]:
        rows = rows + "," + column
    rows = rows.tolist()
    return _lines(",".join(columns), rows)


def _scores_csv(sim: Simulation, sub_ids: list[str], juror_ids: list[str]) -> str:
    """One row per assignment and criterion, built with object-array concatenation."""
    n_criteria = len(CRITERIA)
    pairs = (
        np.array(juror_ids, dtype=object)[sim.pair_juror]
        + ","
        + np.array(sub_ids, dtype=object)[sim.pair_submission]
    )
    criteria = np.array([f",{cid}," for cid, _, _ in CRITERIA], dtype=object)
    top_step = round((SCALE_MAX - SCALE_MIN) / SCALE_STEP)
    labels = np.array([f"{SCALE_MIN + SCALE_STEP * i:g}" for i in range(top_step + 1)], object)
    steps = np.rint((sim.scores - SCALE_MIN) / SCALE_STEP).astype(np.int64)
    rows = np.repeat(pairs, n_criteria) + np.tile(criteria, pairs.size) + labels[steps.ravel()]
    return _lines("juror,submission,criterion,score", rows.tolist())


def _conflicts_csv(sim: Simulation, sub_ids: list[str], juror_ids: list[str]) -> str:
    rows = [
        f"{juror_ids[j]},{sub_ids[s]},{CONFLICT_CATEGORIES[c]}: simulated"
        for j, s, c in zip(
            sim.pair_juror[sim.conflicted].tolist(),
            sim.pair_submission[sim.conflicted].tolist(),
            sim.conflict_category[sim.conflicted].tolist(),
            strict=True,
        )
    ]
    return _lines("juror,submission,reason", rows)


def _pairs_csv(
    header: tuple[str, str],
    juror: np.ndarray,
    submission: np.ndarray,
    juror_ids: list[str],
    sub_ids: list[str],
) -> str:
    rows = (
        np.array(juror_ids, dtype=object)[juror] + "," + np.array(sub_ids, dtype=object)[submission]
    )
    return _lines(",".join(header), rows.tolist())


def _truth_json(
    sim: Simulation, sub_ids: list[str], juror_ids: list[str], domain_ids: list[str]
) -> str:
    """The truth, one line per submission and juror.

    Written by hand around compact ``json.dumps`` calls: ``json`` with ``indent`` falls back
    to its pure-Python encoder, which takes seconds for 50,000 submissions.
    """
    options = sim.options
    head = {
        "generator": GENERATOR,
        "version": __version__,
        "command": options.command(),
        "options": options.model_dump(mode="json"),
        "model": {
            "formula": "score = centre + spread * (scale * quality + bias + error), "
            "rounded to the step and clipped to the scale",
            "centre": options.centre,
            "spread": options.spread,
            "units": "quality, bias and error in units of the true-quality sd",
        },
        "clipping": {
            "criterion_scores": int(sim.scores.size),
            "at_min": sim.clipped_low,
            "at_max": sim.clipped_high,
            "share": sim.clipped_share,
        },
        "declared_conflicts": int(sim.conflicted.sum()),
        "domains": {
            domain_ids[d]: {
                "winners": options.winners,
                "top": [sub_ids[s] for s in sim.top(d).tolist()],
            }
            for d in range(options.domains)
        },
    }
    # Ids and domain ids need no escaping, and json writes floats as repr() does.
    submissions = ",\n".join(
        f'  "{i}": {{"domain": "{domain_ids[d]}", "quality": {q!r}}}'
        for i, d, q in zip(sub_ids, sim.domain.tolist(), sim.quality.tolist(), strict=True)
    )
    if sim.special:
        jurors = ",\n".join(
            f'  "{i}": {{"bias": {b!r}, "scale": {a!r}, "noise": {e!r}, '
            f'"kind": "{JUROR_KINDS[k]}"}}'
            for i, b, a, e, k in zip(
                juror_ids,
                sim.bias.tolist(),
                sim.scale.tolist(),
                sim.noise.tolist(),
                sim.kind.tolist(),
                strict=True,
            )
        )
    else:
        jurors = ",\n".join(
            f'  "{i}": {{"bias": {b!r}, "scale": {a!r}}}'
            for i, b, a in zip(juror_ids, sim.bias.tolist(), sim.scale.tolist(), strict=True)
        )
    parts = [f" {json.dumps(key)}: {_compact(value)}" for key, value in head.items()]
    parts.append(f' "submissions": {{\n{submissions}\n }}')
    parts.append(f' "jurors": {{\n{jurors}\n }}')
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def is_simulation(folder: Path) -> bool:
    """Whether ``folder`` holds a competition written by ``write`` (its truth.json says so)."""
    truth = folder / "truth.json"
    if not truth.is_file():
        return False
    with truth.open("rb") as handle:
        head = handle.read(200)
    return head.startswith(b'{\n "generator": "' + GENERATOR.encode() + b'"')


def write(folder: Path, files: dict[str, str], force: bool = False) -> list[Path]:
    """Write ``files`` into ``folder``, refusing a non-empty folder that is no simulation.

    Every file is written beside its destination first and renamed at the end, so a failure
    leaves no half-written competition over an earlier one.
    """
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file; give a folder to write the simulation into")
    if folder.is_dir() and any(folder.iterdir()) and not is_simulation(folder) and not force:
        raise OutputError(
            f"{folder} is not empty and holds no earlier simulation (no truth.json written by "
            "grantjury simulate); choose an empty folder, or pass --force to write into it"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staged = []
        for name, text in files.items():
            part = folder / f".{name}.part"
            part.write_text(text, encoding="utf-8", newline="\n")
            staged.append((part, folder / name))
        for part, target in staged:
            os.replace(part, target)
    except OSError as exc:
        raise OutputError(f"cannot write the simulation into {folder}: {exc}") from None
    return [target for _, target in staged]


def describe(sim: Simulation) -> str:
    """A one-line summary of what was drawn."""
    options = sim.options
    return (
        f"{options.submissions} submissions in {options.domains} domains, {options.jurors} "
        f"jurors ({options.per_submission} per submission, {options.assignment}), "
        f"{sim.scores.size} score rows, {int(sim.conflicted.sum())} declared conflicts; "
        f"{sim.clipped_share:.2%} of criterion scores clipped "
        f"({sim.clipped_low} at {SCALE_MIN:g}, {sim.clipped_high} at {SCALE_MAX:g})"
    )
