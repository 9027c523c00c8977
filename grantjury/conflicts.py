"""Conflict stage: find every conflict of interest and exclude the conflicted scores.

Conflicts are declared (conflicts CSV) or detected (the juror is affiliated with the
submitting association, or a rule pack found a family or governance tie: ``rules/``).
With ``conflict_scope: domain`` a juror conflicted with any submission of a domain is
excluded from that whole domain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import Problem
from .model import Competition
from .results import ConflictExclusion


@dataclass(frozen=True, order=True)
class Conflict:
    """One entry of the conflict-of-interest register."""

    juror: str
    submission: str
    category: str
    source: str
    """``declared`` or ``detected``."""
    note: str | tuple[tuple[str, str], ...] = ""
    """The juror's declared note (declared conflicts): one text, or one per language."""
    association: str = ""
    """The association juror and submission share (detected conflicts)."""


@dataclass(frozen=True)
class Exclusions:
    """Which score rows are set aside for conflicts, and the record of why."""

    register: tuple[Conflict, ...]
    excluded: np.ndarray
    """Boolean mask over ``Competition.scores`` rows: True where a conflict excludes the row."""
    records: tuple[ConflictExclusion, ...]
    """One record per excluded (juror, submission) pair that had scores."""
    warnings: tuple[Problem, ...]


def conflict_register(competition: Competition) -> tuple[Conflict, ...]:
    """Every conflict, declared and detected, sorted by juror and submission."""
    register = {
        (c.juror, c.submission, "declared"): Conflict(
            c.juror, c.submission, c.category, "declared", c.note
        )
        for c in competition.declared_conflicts
    }
    by_association: dict[str, list[str]] = {}
    for submission in competition.submissions:
        by_association.setdefault(submission.association.id, []).append(submission.id)
    for juror in competition.jurors:
        for association in sorted(set(juror.affiliations)):
            for submission_id in by_association.get(association, []):
                register[(juror.id, submission_id, "detected")] = Conflict(
                    juror.id,
                    submission_id,
                    "affiliation",
                    "detected",
                    association=association,
                )
    for found in competition.rule_conflicts:
        register[(found.juror, found.submission, "rule", found.category)] = Conflict(
            found.juror,
            found.submission,
            found.category,
            "detected",
            association=found.association,
        )
    return tuple(sorted(register.values()))


def forbidden_pairs(competition: Competition, register: tuple[Conflict, ...]) -> dict:
    """Map (juror code, submission code) -> the conflicts that forbid the pair, scope applied."""
    juror_code = {j.id: i for i, j in enumerate(competition.jurors)}
    sub_code = {s.id: i for i, s in enumerate(competition.submissions)}
    pairs: dict[tuple[int, int], list[tuple[Conflict, str]]] = {}
    for conflict in register:
        if conflict.juror not in juror_code or conflict.submission not in sub_code:
            continue
        j, s = juror_code[conflict.juror], sub_code[conflict.submission]
        pairs.setdefault((j, s), []).append((conflict, conflict.submission))
    if competition.spec.conflict_scope == "domain":
        domain_members: dict[str, list[int]] = {}
        for index, submission in enumerate(competition.submissions):
            domain_members.setdefault(submission.domain, []).append(index)
        for (j, s), reasons in list(pairs.items()):
            domain = competition.submissions[s].domain
            for other in domain_members[domain]:
                if other != s:
                    pairs.setdefault((j, other), []).extend(reasons)
    return pairs


def exclude_conflicts(competition: Competition) -> Exclusions:
    """Mask the score rows of conflicted pairs and record each exclusion with its source."""
    register = conflict_register(competition)
    pairs = forbidden_pairs(competition, register)
    scores = competition.scores
    n_subs = max(len(competition.submissions), 1)
    row_keys = scores.juror.astype(np.int64) * n_subs + scores.submission
    pair_keys = np.array(sorted(j * n_subs + s for j, s in pairs), dtype=np.int64)
    excluded = np.isin(row_keys, pair_keys)
    scored_pairs, pair_of_row = np.unique(row_keys[excluded], return_inverse=True)
    # Each excluded pair's first line in the file, in one pass (not one scan per pair).
    first_lines = np.full(scored_pairs.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_lines, pair_of_row.ravel(), scores.line[excluded])
    records, warnings = [], []
    for key, line in zip(scored_pairs.tolist(), first_lines.tolist(), strict=True):
        j, s = divmod(key, n_subs)
        juror, submission = competition.jurors[j].id, competition.submissions[s].id
        for conflict, via in sorted(set(pairs[(j, s)])):
            records.append(
                ConflictExclusion(
                    juror=juror,
                    submission=submission,
                    category=conflict.category,
                    source=conflict.source,
                    via=None if via == submission else via,
                )
            )
        first = sorted(set(pairs[(j, s)]))[0][0]
        warnings.append(
            Problem.coded(
                competition.spec.scores or "scores",
                "conflict_scored",
                line=line,
                juror=juror,
                submission=submission,
                source=first.source,
                category=first.category,
                via=None if first.submission == submission else first.submission,
            )
        )
    unique_records = dict.fromkeys(records)
    return Exclusions(register, excluded, tuple(unique_records), tuple(warnings))
