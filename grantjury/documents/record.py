"""Small views over the results model (`grantjury.results.Results`) that the documents print.

The documents read the run only through the model; this module adds what several templates
need and the model does not say in one word: counts per domain, the ranked entries, the
winning line, a domain's criteria, the scores set aside by conflicts, the letters' order. Each
is a pure function of the model, never a second parsed copy.

Nothing here sanitises: the model holds untrusted text (names, titles, notes, ids) exactly as
filed, and the filters of `safety` and `wording` sanitise, cap (`safety.MAX_*`) and escape it
when it is printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from grantjury.model import Criterion
from grantjury.results import DomainResults, Entry, Results

MAX_LANGUAGE = 20
"""Longest language code used (characters)."""


def ranked(domain: DomainResults) -> tuple[Entry, ...]:
    """Entries with a rank (scored), in rank order."""
    return tuple(e for e in domain.ranking if e.rank is not None)


def counts(domain: DomainResults) -> tuple[int, int, int, int]:
    """(received, not eligible, ranked and eligible, without a rank)."""
    received = len(domain.ranking)
    ineligible = sum(not e.eligible for e in domain.ranking)
    ranked_ = sum(e.eligible and e.rank is not None for e in domain.ranking)
    unranked = sum(e.rank is None for e in domain.ranking)
    return received, ineligible, ranked_, unranked


def winning_line(domain: DomainResults) -> float | None:
    """The score of the last winner (the score a submission had to reach), if any."""
    scores = [e.score for e in domain.ranking if e.winner and e.score is not None]
    if not scores:
        return None
    return max(scores) if domain.direction == "lower" else min(scores)


def criteria(results: Results, domain_id: str) -> tuple[Criterion, ...]:
    """The criteria of a domain's rubric, in rubric order (none when it has no rubric)."""
    rubric = results.rubrics.get(domain_id)
    return tuple(rubric.criteria) if rubric is not None else ()


def set_aside(results: Results) -> frozenset[tuple[str, str]]:
    """(juror, submission) of every conflict whose scores were excluded.

    With ``conflict_scope: domain`` an exclusion names, in ``via``, the conflicted submission.
    """
    return frozenset(
        (e.juror, target)
        for e in results.exclusions
        if e.reason == "conflict"
        for target in (e.submission, e.via)
        if target
    )


def letters(results: Results) -> tuple[tuple[DomainResults, Entry], ...]:
    """(domain, entry) of every submission: domains in order, each in ranking order."""
    return tuple(results.entries())


def stability_interval(results: Results) -> float:
    """The coverage of the rank intervals (0.9 when stability was not measured)."""
    return results.stability.interval if results.stability is not None else 0.9


def option_values(results: Results) -> dict[str, Any]:
    """Options and selection rules as plain values (``options`` and ``selection`` merged)."""
    return {**results.options.model_dump(mode="json"), **results.selection.model_dump(mode="json")}


def iter_numbers(value: Any, path: str = "") -> Iterator[tuple[str, float]]:
    """Every float of a JSON value with its dotted path, `domains.0.ranking.2.score` (to refuse
    NaN and infinities)."""
    if isinstance(value, float):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from iter_numbers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from iter_numbers(item, f"{path}.{index}" if path else str(index))
