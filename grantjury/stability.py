"""Stability stage: how sure is the result? Resample the jury and re-run the selection.

The bootstrap resamples jurors with replacement within each domain (Efron & Tibshirani 1993,
"An Introduction to the Bootstrap", ch. 6), re-aggregates each submission's calibrated totals
with the resampled jurors, ranks and re-selects. It gives, for every submission, the share of
replicates in which it was selected (``p_selected``) and a 90% interval for its rank.

By default the calibrated totals of the full data are re-weighted: scores = (W·C) / (W·N)
for the replicate weight matrix W, fully vectorised. For the per-juror methods (``raw``,
``zscore``, ``percentile``) this is the same ranking as re-calibrating each replicate, since a
juror's transformation does not depend on which other jurors were drawn (up to a common
monotone rescaling). For the graph methods (``additive``, ``affine``) it is conditional on
the fitted biases and scales; ``method.refit: true`` fits them again in every replicate
(slower: about 4 ms an additive fit and 30 ms an affine fit per domain of the sample).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

from .aggregate import aggregate_scores
from .calibrate import calibrate
from .figures import published
from .ranking import derived_rng

GRAPH_METHODS = ("additive", "affine", "hetero")
INTERVAL = (0.05, 0.95)


@dataclass(frozen=True)
class DomainInput:
    """One domain's data for the bootstrap (codes local to the domain)."""

    domain_id: str
    juror: np.ndarray
    submission: np.ndarray
    total: np.ndarray
    calibrated: np.ndarray
    n_jurors: int
    n_submissions: int
    sign: float


@dataclass(frozen=True)
class DomainReplicates:
    merit: np.ndarray
    """(replicates × submissions): signed score per replicate, NaN where unscored."""
    refitted: bool


def replicate_domain(
    data: DomainInput,
    calibration: str,
    aggregate: str,
    replicates: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    refit: bool = False,
) -> DomainReplicates:
    """Scores of one domain's submissions in each bootstrap replicate of its jurors.

    With ``refit``, graph calibrations (additive, affine) are fitted again in every
    replicate; otherwise the full-data calibration is re-weighted (exact for the per-juror
    methods, conditional on the fitted biases for the graph methods).
    """
    blocks = list(replicate_blocks(data, calibration, aggregate, replicates, seed, progress, refit))
    merit = np.vstack(blocks) if blocks else np.empty((0, data.n_submissions))
    return DomainReplicates(merit, refit and calibration in GRAPH_METHODS)


def replicate_blocks(
    data: DomainInput,
    calibration: str,
    aggregate: str,
    replicates: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    refit: bool = False,
) -> Iterator[np.ndarray]:
    """``replicate_domain``'s signed merits, a block of replicates at a time.

    The blocks hold the same figures as the whole matrix (each replicate's row is computed
    on its own), so a caller that reduces them block by block never holds the
    replicates × submissions matrix: a tenth of a million-row run's peak memory.
    """
    rng = derived_rng(seed, "bootstrap", data.domain_id)
    weights = rng.multinomial(
        data.n_jurors, np.full(data.n_jurors, 1.0 / data.n_jurors), size=replicates
    ).astype(np.float64)
    refit = refit and calibration in GRAPH_METHODS
    if aggregate == "mean" and not refit:
        for block in _weighted_means_blocks(data, weights, progress):
            yield data.sign * block
        return
    step = 50
    for start in range(0, replicates, step):
        stop = min(start + step, replicates)
        merit = np.empty((stop - start, data.n_submissions))
        for r in range(start, stop):
            merit[r - start] = _replicate(data, weights[r], calibration, aggregate, refit)
        if progress:
            progress(stop - start)
        yield data.sign * merit


BLOCK_CELLS = 4_000_000
"""Replicates × submissions cells computed at once (32 MB of float64)."""


def _weighted_means(
    data: DomainInput, weights: np.ndarray, progress: Callable[[int], None] | None
) -> np.ndarray:
    blocks = list(_weighted_means_blocks(data, weights, progress))
    return np.vstack(blocks) if blocks else np.empty((0, data.n_submissions))


def _weighted_means_blocks(
    data: DomainInput, weights: np.ndarray, progress: Callable[[int], None] | None
) -> Iterator[np.ndarray]:
    """(W·C) / (W·N) for blocks of the replicate weights W (rows of the result are
    independent: a block gives the same figures as the whole)."""
    shape = (data.n_jurors, data.n_submissions)
    values = csr_matrix((data.calibrated, (data.juror, data.submission)), shape=shape).T
    present = csr_matrix((np.ones(data.juror.size), (data.juror, data.submission)), shape=shape).T
    chunk = max(1, BLOCK_CELLS // max(data.n_submissions, 1))
    for start in range(0, weights.shape[0], chunk):
        block = weights[start : start + chunk]
        sums = (values @ block.T).T
        counts = (present @ block.T).T
        with np.errstate(invalid="ignore", divide="ignore"):
            yield np.where(counts > 0, sums / counts, np.nan)
        if progress:
            progress(block.shape[0])


def _replicate(
    data: DomainInput, weight: np.ndarray, calibration: str, aggregate: str, refit: bool
) -> np.ndarray:
    """One replicate: each juror drawn k times enters k times (as k distinct jurors if refit)."""
    copies = weight.astype(np.int64)[data.juror]
    rows = np.repeat(np.arange(data.juror.size), copies)
    if rows.size == 0:
        return np.full(data.n_submissions, np.nan)
    if refit:
        copy_index = np.arange(rows.size) - np.repeat(np.cumsum(copies) - copies, copies)
        juror = data.juror[rows] * (int(weight.max()) + 1) + copy_index
        juror_codes, juror_local = np.unique(juror, return_inverse=True)
        cal = calibrate(
            calibration,
            juror_local,
            data.submission[rows],
            data.total[rows],
            len(juror_codes),
            data.n_submissions,
        )
        values = cal.calibrated
    else:
        values = data.calibrated[rows]
    score, _ = aggregate_scores(data.submission[rows], values, data.n_submissions, aggregate)
    return score


def rank_matrix(merit: np.ndarray) -> np.ndarray:
    """1-based rank of each submission in each replicate (unscored rank last)."""
    filled = np.where(np.isfinite(merit), merit, -np.inf)
    order = np.argsort(-filled, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, merit.shape[1] + 1)[None, :], axis=1)
    return ranks


def rank_intervals(ranks: np.ndarray) -> np.ndarray:
    """(submissions × 2) 90% interval of each submission's rank over the replicates."""
    if ranks.shape[0] == 0:
        return np.zeros((ranks.shape[1], 2), dtype=np.int64)
    bounds = np.quantile(ranks, INTERVAL, axis=0, method="inverted_cdf")
    return bounds.T.astype(np.int64)


class _Ranks:
    """Ranks of one domain's submissions over the replicates, gathered block by block.

    One stable sort per replicate gives both the rank among every submission and the rank
    among the eligible ones (the eligible keep their relative order in the sort over all):
    the same figures as ``rank_matrix`` of the merits and of the merits with the ineligible
    set aside, at half the cost. Ranks are kept as ``int32``, submissions × replicates, so
    that each submission's quantiles read contiguous memory.
    """

    def __init__(self, eligible: np.ndarray, replicates: int, places: int):
        n = eligible.size
        self.eligible, self.places, self.done = eligible, places, 0
        self.all_eligible = bool(eligible.all())
        self.ranks = np.empty((n, replicates), dtype=np.int32)
        self.among_eligible = (
            self.ranks if self.all_eligible else np.empty((n, replicates), dtype=np.int32)
        )
        self.selected = np.zeros(n, dtype=np.int64)
        self.scored = np.zeros(n, dtype=bool)

    def add(self, merit: np.ndarray, selected: np.ndarray | None = None) -> None:
        """Add a block of replicates (rows of ``merit``); ``selected`` is which submissions
        each one selects, or None for the plain rule (the first ``places`` eligible)."""
        rows, n = merit.shape
        if rows == 0:
            return
        finite = np.isfinite(merit)
        order = np.argsort(-np.where(finite, merit, -np.inf), axis=1, kind="stable")
        ranks = np.empty(order.shape, dtype=np.int32)
        positions = np.broadcast_to(np.arange(1, n + 1, dtype=np.int32), order.shape)
        np.put_along_axis(ranks, order, positions, axis=1)
        block = slice(self.done, self.done + rows)
        self.ranks[:, block] = ranks.T
        if self.all_eligible:
            among, counted = ranks, finite
        else:
            counted = finite & self.eligible[None, :]
            # Counted submissions: their place among the counted in the sort over all.
            place = np.cumsum(np.take_along_axis(counted, order, axis=1), axis=1, dtype=np.int32)
            among = np.empty(order.shape, dtype=np.int32)
            np.put_along_axis(among, order, place, axis=1)
            # The others rank after them, in the order of their columns (a stable sort of -inf).
            after = counted.sum(axis=1, dtype=np.int32)[:, None] + np.cumsum(
                ~counted, axis=1, dtype=np.int32
            )
            among = np.where(counted, among, after)
            self.among_eligible[:, block] = among.T
        if selected is None:
            selected = counted & (among <= self.places)
        self.selected += selected.sum(axis=0)
        self.scored |= finite.any(axis=0)
        self.done += rows


def bootstrap_figures(
    ids: list[str],
    merit: np.ndarray,
    eligible: np.ndarray,
    selected: np.ndarray,
    winners: int,
) -> tuple[dict[str, dict], list[str]]:
    """One domain's published bootstrap figures and its lottery band.

    ``merit`` and ``selected`` are (replicates × submissions), columns in the order of
    ``ids``; ``eligible`` marks the submissions selection may choose. Each submission gets
    the share of replicates that selected it (``p_selected``) and its 90% rank interval over
    every submission of the domain. The band holds the eligible submissions whose 90% rank
    interval among the eligible straddles the funding line (``winners`` places): the jury
    cannot tell them apart from the line, so a lottery may draw among them. There is no band
    when every ranked eligible submission is funded (or none is).
    """
    ranks = _Ranks(eligible, merit.shape[0], winners)
    ranks.add(merit, selected)
    return _figures(ids, ranks, winners)


def streamed_figures(
    ids: list[str],
    blocks: Iterable[np.ndarray],
    eligible: np.ndarray,
    replicates: int,
    winners: int,
) -> tuple[dict[str, dict], list[str]]:
    """``bootstrap_figures`` for the plain rule (the first ``winners`` eligible by merit are
    selected), from blocks of replicates: the merit matrix is never held whole."""
    ranks = _Ranks(eligible, replicates, winners)
    for block in blocks:
        ranks.add(block)
    return _figures(ids, ranks, winners)


def _figures(ids: list[str], ranks: _Ranks, winners: int) -> tuple[dict[str, dict], list[str]]:
    replicates = ranks.done
    intervals = _intervals(ranks.ranks)
    p = ranks.selected / replicates if replicates else np.zeros(len(ids))
    figures = {
        sub_id: {
            "p_selected": published(p[i]),
            "rank_interval": [int(intervals[i, 0]), int(intervals[i, 1])],
        }
        for i, sub_id in enumerate(ids)
    }
    eligible = ranks.eligible
    n_ranked = int(np.count_nonzero(eligible & ranks.scored))
    if not 0 < winners < n_ranked:
        return figures, []
    among_eligible = intervals if ranks.all_eligible else _intervals(ranks.among_eligible)
    straddles = eligible & (among_eligible[:, 0] <= winners) & (winners < among_eligible[:, 1])
    return figures, sorted(ids[i] for i in np.flatnonzero(straddles).tolist())


def _intervals(ranks: np.ndarray) -> np.ndarray:
    """``rank_intervals`` of submissions × replicates ranks."""
    if ranks.shape[1] == 0:
        return np.zeros((ranks.shape[0], 2), dtype=np.int64)
    bounds = np.quantile(ranks, INTERVAL, axis=1, method="inverted_cdf")
    return bounds.T.astype(np.int64)
