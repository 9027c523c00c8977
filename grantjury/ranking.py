"""Rank stage: order each domain and settle ties by the recorded chain of keys.

Scores are compared as published (rounded to 6 decimals), so two submissions that show the
same score are a tie, settled by the tie-break chain; the last key, ``lot``, is a seeded draw
recorded with its seed, purpose and candidates.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from .figures import PUBLISHED_DECIMALS, published, rounded
from .model import Rubric, Submission

PRECISION = PUBLISHED_DECIMALS


def derived_rng(seed: int, *purpose: str | int) -> np.random.Generator:
    """A generator for one purpose (e.g. the lot of one domain), derived from the run's seed.

    Draws for different purposes are independent and each depends only on the seed and the
    purpose, not on what else was drawn before.
    """
    key = tuple(zlib.crc32(str(p).encode()) for p in purpose)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


@dataclass(frozen=True)
class Candidate:
    """What ranking needs to know of one submission.

    ``merit`` is the score signed so that higher is better (−score on lower-is-better
    scales); ``keys`` maps each tie-break key to ``(merit, shown value)``.
    """

    submission: str
    merit: float
    keys: dict[str, tuple[float, float | str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class DomainRanking:
    order: tuple[str, ...]
    """Ranked submission ids, best first (submissions without a score are not ranked)."""
    unranked: tuple[str, ...]
    ties: tuple[dict, ...]
    settled_by: dict[str, dict]
    """For each submission that was in a tie: the key that placed it and its tie group."""


def published_array(values: np.ndarray) -> np.ndarray:
    """``round(v, 6)`` of each value, as Python rounds it (correctly, in decimal), fast.

    The same rule as ``figures.published`` and ``figures.rounded`` (a test compares them on
    random values), vectorised for whole domains; it keeps NaN and may keep a -0, which
    compares equal to 0.

    ``np.round`` takes ``rint(v · 10⁶) / 10⁶``: the division is exact to the nearest double,
    as Python's result is, so the two differ only where ``v · 10⁶`` lies so close to a
    half that its own rounding decides the side; those few are rounded by Python.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # huge values are left to Python
        scaled = values * 10.0**PRECISION
        out = np.round(values, PRECISION)
        doubtful = ~(np.abs(scaled - np.floor(scaled) - 0.5) > 1e-6) | ~(np.abs(scaled) < 2.0**52)
    for i in np.flatnonzero(doubtful & np.isfinite(values)).tolist():
        out[i] = rounded(values[i])
    return out


def tie_break_keys(
    submission: Submission,
    rubric: Rubric,
    chain: tuple[str, ...],
    raw_mean: float,
    n_jurors: int,
    criteria: np.ndarray,
) -> dict[str, tuple[float, Any]]:
    """The value of each tie-break key of ``chain`` for one submission: ``(merit, shown)``.

    ``merit`` is signed so that higher is better (the rubric's sign for scores, the key's
    direction for amounts and attributes); ``shown`` is the value as results.json publishes
    it. ``raw_mean`` and ``criteria`` (calibrated criterion means, in rubric order) are NaN
    where the submission has no scores.
    """
    sign = rubric.sign
    keys: dict[str, tuple[float, Any]] = {}
    for key in chain:
        kind, _, rest = key.partition(":")
        if key == "raw_mean":
            keys[key] = (sign * raw_mean, published(raw_mean))
        elif key == "n_jurors":
            keys[key] = (float(n_jurors), n_jurors)
        elif kind == "criterion":
            k = rubric.criterion_index(rest)
            value = float(criteria[k]) if k is not None else np.nan
            keys[key] = (sign * value, published(value))
        elif kind == "requested_amount":
            amount = submission.requested_amount
            value = np.nan if amount is None else float(amount)
            keys[key] = ((1 if rest == "higher" else -1) * value, amount)
        elif kind == "attribute":
            keys[key] = _attribute_key(submission.attributes, rest)
    return keys


def _attribute_key(attributes: dict[str, Any], spec: str) -> tuple[float, Any]:
    """``attribute:name=value`` (1 when it matches) or ``attribute:name:higher|lower``."""
    if "=" in spec:
        name, _, target = spec.partition("=")
        value = attributes.get(name)
        matches = value is not None and _as_text(value) == _as_text(target)
        return (1.0 if matches else 0.0, value)
    name, _, direction = spec.partition(":")
    value = attributes.get(name)
    try:
        number = float(value) if value is not None else np.nan
    except (TypeError, ValueError):
        number = np.nan
    return ((1 if direction == "higher" else -1) * number, value)


def _as_text(value: Any) -> str:
    """An attribute as written: YAML's yes/true and whole numbers compare as people typed them."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip().lower()
    return {"true": "yes", "false": "no"}.get(text, text)


def rank_domain(
    domain_id: str, candidates: list[Candidate], tie_break: tuple[str, ...], seed: int
) -> DomainRanking:
    """Rank one domain's candidates by merit (best first), settling ties by ``tie_break``."""
    ordered = sorted(candidates, key=lambda c: c.submission)
    return rank_merits(
        domain_id,
        [c.submission for c in ordered],
        np.array([c.merit for c in ordered], dtype=np.float64),
        ordered.__getitem__,
        tie_break,
        seed,
    )


def rank_merits(
    domain_id: str,
    ids: list[str],
    merit: np.ndarray,
    candidate: Callable[[int], Candidate],
    tie_break: tuple[str, ...],
    seed: int,
) -> DomainRanking:
    """``rank_domain`` over arrays: ``ids`` sorted, ``merit[i]`` the merit of ``ids[i]``.

    Only the members of a tie become ``Candidate`` objects (``candidate(i)`` builds the i-th,
    with its tie-break keys): a national call ranks tens of thousands of submissions per
    domain, and ties are few.
    """
    finite = np.isfinite(merit)
    unranked = tuple(ids[i] for i in np.flatnonzero(~finite).tolist())
    scored = np.flatnonzero(finite)
    # Merits compared as published: rounded by Python's round(), as results.json prints them.
    published = published_array(merit[scored])
    by_rank = np.lexsort((scored, -published))  # ids are sorted: the index breaks ties by id
    scored, published = scored[by_rank], published[by_rank]
    new_merit = np.ones(scored.size, dtype=bool)
    new_merit[1:] = published[1:] != published[:-1]
    starts = np.flatnonzero(new_merit).tolist()
    order: list[str] = []
    ties: list[dict] = []
    settled: dict[str, dict] = {}
    for position, end in zip(starts, [*starts[1:], scored.size][: len(starts)], strict=True):
        if end - position == 1:
            order.append(ids[scored[position]])
            continue
        group = [candidate(i) for i in scored[position:end].tolist()]
        steps: list[dict] = []
        ranked = _settle(domain_id, group, tie_break, seed, steps, settled, position + 1)
        order.extend(c.submission for c in ranked)
        ties.append(
            {
                "submissions": [c.submission for c in ranked],
                "score": abs(float(published[position])),
                "ranks": [position + 1, end],
                "steps": steps,
                "separated_by": [_separating_key(a, b, tie_break) for a, b in pairwise(ranked)],
            }
        )
    return DomainRanking(tuple(order), unranked, tuple(ties), settled)


def _settle(
    domain_id: str,
    group: list[Candidate],
    keys: tuple[str, ...],
    seed: int,
    steps: list[dict],
    settled: dict[str, dict],
    first_rank: int,
) -> list[Candidate]:
    """Order a tied group by the first key that separates it, recursing on what stays tied."""
    key, rest = keys[0], keys[1:]
    members = sorted(c.submission for c in group)
    if key == "lot":
        purpose = ["lot", domain_id, first_rank]
        draw = derived_rng(seed, *purpose).permutation(len(members))
        ranked_ids = [members[i] for i in draw]
        steps.append(
            {
                "key": "lot",
                "candidates": members,
                "order": ranked_ids,
                "seed": seed,
                "purpose": purpose,
            }
        )
        for sub in ranked_ids:
            settled[sub] = {"key": "lot", "group": members}
        by_id = {c.submission: c for c in group}
        return [by_id[s] for s in ranked_ids]
    merit = {c.submission: _key_merit(c, key) for c in group}
    ordered = sorted(group, key=lambda c: (-merit[c.submission], c.submission))
    steps.append({"key": key, "values": {c.submission: c.keys[key][1] for c in ordered}})
    result: list[Candidate] = []
    i = 0
    while i < len(ordered):
        j = i
        while j < len(ordered) and merit[ordered[j].submission] == merit[ordered[i].submission]:
            j += 1
        sub_group = ordered[i:j]
        if len(sub_group) == 1:
            settled.setdefault(sub_group[0].submission, {"key": key, "group": members})
            result.append(sub_group[0])
        else:
            result.extend(_settle(domain_id, sub_group, rest, seed, steps, settled, first_rank + i))
        i = j
    return result


def _separating_key(a: Candidate, b: Candidate, keys: tuple[str, ...]) -> str:
    """The first key of the chain on which two neighbours of a tie differ (else ``lot``)."""
    for key in keys:
        if key == "lot" or _key_merit(a, key) != _key_merit(b, key):
            return key
    return "lot"


def _key_merit(candidate: Candidate, key: str) -> float:
    """The key's merit, rounded as published; a missing value ranks after every other."""
    value = candidate.keys[key][0]
    return _published_once(value) if np.isfinite(value) else -np.inf


_published_once = functools.lru_cache(maxsize=2**16)(rounded)
"""Tie-break values repeat (a large tie compares each neighbour on every key): round once."""
