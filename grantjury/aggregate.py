"""Aggregate stage: per-juror totals from criterion scores, then one score per submission.

A juror's total for a submission is the weighted mean of their criterion scores on the
rubric's scale; only complete sets count. Across jurors, calibrated totals are combined by
mean, median or trimmed mean (drop the highest and the lowest where at least 4 remain).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .errors import Problem
from .model import Competition
from .results import IncompleteExclusion


@dataclass(frozen=True)
class Totals:
    """One observation per (juror, submission) pair with a complete set of criterion scores.

    Sorted by juror then submission. ``criteria`` holds the criterion scores, one column per
    criterion of the submission's rubric (NaN past that rubric's length).
    """

    juror: np.ndarray
    submission: np.ndarray
    total: np.ndarray
    criteria: np.ndarray


@dataclass(frozen=True)
class TotalsResult:
    totals: Totals
    incomplete: tuple[IncompleteExclusion, ...]
    warnings: tuple[Problem, ...]


def juror_totals(competition: Competition, excluded: np.ndarray) -> TotalsResult:
    """Weighted-mean totals of each juror for each submission, from rows not excluded.

    Pairs that miss some criterion are set aside and recorded as ``incomplete``.
    """
    scores = competition.scores
    keep = np.flatnonzero(~excluded)
    juror, submission = scores.juror[keep], scores.submission[keep]
    criterion, score = scores.criterion[keep].astype(np.int64), scores.score[keep]
    domain_code = {d.id: i for i, d in enumerate(competition.domains)}
    rubrics = [competition.rubrics[d.id] for d in competition.domains]
    width = max(len(r.criteria) for r in rubrics)
    weight_table = np.zeros((len(rubrics), width))
    n_criteria = np.array([len(r.criteria) for r in rubrics])
    for d, rubric in enumerate(rubrics):
        weight_table[d, : len(rubric.criteria)] = rubric.weights
    sub_domain = np.array([domain_code[s.domain] for s in competition.submissions], dtype=np.int64)

    if keep.size == 0:
        empty = np.array([], dtype=np.int64)
        return TotalsResult(Totals(empty, empty, np.array([]), np.zeros((0, width))), (), ())
    # Rows are sorted by (juror, submission, criterion): each pair is one contiguous run.
    new_pair = np.ones(keep.size, dtype=bool)
    new_pair[1:] = (juror[1:] != juror[:-1]) | (submission[1:] != submission[:-1])
    starts = np.flatnonzero(new_pair)
    pair_juror, pair_sub = juror[starts].astype(np.int64), submission[starts].astype(np.int64)
    pair_domain = sub_domain[pair_sub]
    row_weight = weight_table[sub_domain[submission], criterion]
    count = np.diff(np.append(starts, keep.size))
    weighted = np.add.reduceat(row_weight * score, starts)
    weight_sum = np.add.reduceat(row_weight, starts)
    complete = count == n_criteria[pair_domain]

    pair_index = np.repeat(np.arange(starts.size), count)
    matrix = np.full((starts.size, width), np.nan)
    matrix[pair_index, criterion] = score

    incomplete, warnings = [], []
    label = competition.spec.scores or "scores"
    for p in np.flatnonzero(~complete).tolist():
        j, s = competition.jurors[pair_juror[p]], competition.submissions[pair_sub[p]]
        rubric = rubrics[pair_domain[p]]
        missing = [c.id for i, c in enumerate(rubric.criteria) if np.isnan(matrix[p, i])]
        incomplete.append(IncompleteExclusion(juror=j.id, submission=s.id, missing=missing))
        warnings.append(
            Problem.coded(
                label,
                "incomplete_scores",
                line=int(scores.line[keep[starts[p]]]),
                juror=j.id,
                submission=s.id,
                missing=missing,
            )
        )
    totals = Totals(
        pair_juror[complete],
        pair_sub[complete],
        weighted[complete] / weight_sum[complete],
        matrix[complete],
    )
    return TotalsResult(totals, tuple(incomplete), tuple(warnings))


TRIM_FROM = 4
"""A trimmed mean leaves out the lowest and the highest value from this many values on."""


def trimmed_out(values: list[float], how: str) -> list[float]:
    """The values of one submission that the aggregate ``how`` leaves out of its score.

    The same rule as ``aggregate_scores`` applies over arrays: ``trimmed`` leaves out the
    lowest and the highest value where at least ``TRIM_FROM`` values exist; ``mean``,
    ``median`` and a short ``trimmed`` leave none out. Shown so a reader can redo the sum.
    """
    if how != "trimmed" or len(values) < TRIM_FROM:
        return []
    return [min(values), max(values)]


def aggregate_scores(
    submission: np.ndarray, value: np.ndarray, n_submissions: int, how: str
) -> tuple[np.ndarray, np.ndarray]:
    """Combine observations per submission; returns (score, count), NaN where count is 0.

    ``how`` is ``mean``, ``median`` or ``trimmed`` (mean without the highest and the lowest
    value, where at least ``TRIM_FROM`` values exist; a plain mean otherwise; ``trimmed_out``
    names the values left out of one submission's score).
    """
    count = np.bincount(submission, minlength=n_submissions)
    result = np.full(n_submissions, np.nan)
    has = count > 0
    if how == "mean":
        sums = np.bincount(submission, weights=value, minlength=n_submissions)
        result[has] = sums[has] / count[has]
        return result, count
    order = np.lexsort((value, submission))
    sorted_values = value[order]
    start = np.concatenate(([0], np.cumsum(count)[:-1]))
    if how == "median":
        low = sorted_values[(start + (count - 1) // 2)[has]]
        high = sorted_values[(start + count // 2)[has]]
        result[has] = (low + high) / 2
        return result, count
    if how == "trimmed":
        sums = np.bincount(submission, weights=value, minlength=n_submissions)
        trim = has & (count >= TRIM_FROM)
        plain = has & ~trim
        result[plain] = sums[plain] / count[plain]
        lowest = sorted_values[start[trim]]
        highest = sorted_values[(start + count - 1)[trim]]
        result[trim] = (sums[trim] - lowest - highest) / (count[trim] - 2)
        return result, count
    raise ValueError(f"unknown aggregate {how!r}")


def criterion_means(totals: Totals, n_submissions: int) -> np.ndarray:
    """Mean uncalibrated score of each criterion per submission (NaN where none)."""
    width = totals.criteria.shape[1]
    out = np.full((n_submissions, width), np.nan)
    for c in range(width):
        column = totals.criteria[:, c]
        present = ~np.isnan(column)
        sums = np.bincount(
            totals.submission[present], weights=column[present], minlength=n_submissions
        )
        counts = np.bincount(totals.submission[present], minlength=n_submissions)
        out[counts > 0, c] = sums[counts > 0] / counts[counts > 0]
    return out


def juror_graph_components(totals: Totals, observations: np.ndarray) -> tuple[int, np.ndarray]:
    """Connected components of a domain's juror–submission graph.

    Returns the number of components and the component label of each juror (in the order
    of their codes): calibration can only compare jurors linked through shared submissions.
    """
    jurors, j_local = np.unique(totals.juror[observations], return_inverse=True)
    subs, s_local = np.unique(totals.submission[observations], return_inverse=True)
    n = len(jurors) + len(subs)
    if n == 0:
        return 0, np.array([], np.int64)
    graph = coo_matrix((np.ones(len(observations)), (j_local, len(jurors) + s_local)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    return int(count), labels[: len(jurors)]
