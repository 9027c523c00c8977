"""Rank stage: order each domain and settle ties by the recorded chain of keys.

Scores are compared as published (rounded to 6 decimals), so two submissions that show the
same score are a tie, settled by the tie-break chain; the last key, ``lot``, is a seeded draw
recorded with its seed, purpose and candidates.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

PRECISION = 6


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


def _published(value: float) -> float:
    return round(value, PRECISION)


def rank_domain(
    domain_id: str, candidates: list[Candidate], tie_break: tuple[str, ...], seed: int
) -> DomainRanking:
    """Rank one domain's candidates by merit (best first), settling ties by ``tie_break``."""
    scored = [c for c in candidates if np.isfinite(c.merit)]
    unranked = tuple(sorted(c.submission for c in candidates if not np.isfinite(c.merit)))
    # Each merit is rounded once (not once per comparison): a national call ranks tens of
    # thousands of submissions per domain.
    keyed = sorted(((-_published(c.merit), c.submission, c) for c in scored), key=lambda k: k[:2])
    published = [-k[0] for k in keyed]
    scored = [k[2] for k in keyed]
    order: list[str] = []
    ties: list[dict] = []
    settled: dict[str, dict] = {}
    position = 0
    while position < len(scored):
        end = position
        merit = published[position]
        while end < len(scored) and published[end] == merit:
            end += 1
        group = scored[position:end]
        if len(group) == 1:
            order.append(group[0].submission)
        else:
            steps: list[dict] = []
            ranked = _settle(domain_id, group, tie_break, seed, steps, settled, position + 1)
            order.extend(c.submission for c in ranked)
            ties.append(
                {
                    "submissions": [c.submission for c in ranked],
                    "score": abs(merit),
                    "ranks": [position + 1, end],
                    "steps": steps,
                    "separated_by": [_separating_key(a, b, tie_break) for a, b in pairwise(ranked)],
                }
            )
        position = end
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
    return _published(value) if np.isfinite(value) else -np.inf
