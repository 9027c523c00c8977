"""Rank and select stage: order each domain, settle ties by the recorded chain, pick winners.

Scores are compared as published (rounded to 6 decimals), so two submissions that show the
same score are a tie, settled by the tie-break chain; the last key, ``lot``, is a seeded draw.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

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
    """What ranking needs to know of one submission."""

    submission: str
    score: float
    raw_mean: float
    n_jurors: int


@dataclass(frozen=True)
class DomainRanking:
    order: tuple[str, ...]
    """Ranked submission ids, best first (submissions without a score are not ranked)."""
    unranked: tuple[str, ...]
    winners: tuple[str, ...]
    ties: tuple[dict, ...]
    settled_by: dict[str, dict]
    """For each submission that was in a tie: the key that placed it and its tie group."""


def _key_value(candidate: Candidate, key: str) -> float:
    if key == "raw_mean":
        return round(candidate.raw_mean, PRECISION)
    if key == "n_jurors":
        return float(candidate.n_jurors)
    raise ValueError(key)


def rank_domain(
    domain_id: str,
    candidates: list[Candidate],
    winners_wanted: int,
    tie_break: tuple[str, ...],
    seed: int,
) -> DomainRanking:
    """Rank one domain's candidates by score (higher first) and pick the first winners."""
    scored = [c for c in candidates if np.isfinite(c.score)]
    unranked = tuple(sorted(c.submission for c in candidates if not np.isfinite(c.score)))
    scored.sort(key=lambda c: (-round(c.score, PRECISION), c.submission))
    order: list[str] = []
    ties: list[dict] = []
    settled: dict[str, dict] = {}
    position = 0
    while position < len(scored):
        end = position
        score = round(scored[position].score, PRECISION)
        while end < len(scored) and round(scored[end].score, PRECISION) == score:
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
                    "score": score,
                    "ranks": [position + 1, end],
                    "at_winning_line": position < winners_wanted < end,
                    "steps": steps,
                }
            )
        position = end
    winners = tuple(order[:winners_wanted])
    return DomainRanking(tuple(order), unranked, winners, tuple(ties), settled)


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
    members = [c.submission for c in group]
    if key == "lot":
        rng = derived_rng(seed, "lot", domain_id, first_rank)
        candidates = sorted(members)
        draw = rng.permutation(len(candidates))
        ranked_ids = [candidates[i] for i in draw]
        steps.append(
            {
                "key": "lot",
                "candidates": candidates,
                "order": ranked_ids,
                "seed": seed,
                "purpose": ["lot", domain_id, first_rank],
            }
        )
        by_id = {c.submission: c for c in group}
        for sub in ranked_ids:
            settled[sub] = {"key": "lot", "group": candidates}
        return [by_id[s] for s in ranked_ids]
    values = {c.submission: _key_value(c, key) for c in group}
    ordered = sorted(group, key=lambda c: (-values[c.submission], c.submission))
    steps.append({"key": key, "values": {s: values[s] for s in sorted(values)}})
    result: list[Candidate] = []
    i = 0
    while i < len(ordered):
        j = i
        while j < len(ordered) and values[ordered[j].submission] == values[ordered[i].submission]:
            j += 1
        sub_group = ordered[i:j]
        if len(sub_group) == 1:
            settled.setdefault(sub_group[0].submission, {"key": key, "group": sorted(members)})
            result.append(sub_group[0])
        else:
            result.extend(_settle(domain_id, sub_group, rest, seed, steps, settled, first_rank + i))
        i = j
    return result
