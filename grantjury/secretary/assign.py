"""Assign jurors to the submissions of a competition: K distinct conflict-free jurors each,
loads balanced across the whole competition, optionally by affinity and at random under a cap.

`assign_competition` first splits each domain's assignments among its panel with
`split_loads` (a min-cost flow: total loads as even as panels and conflicts allow, with exact
reasons where they cannot be closer), then assigns each domain with `assign_jurors` and those
exact loads. Below, the problem of one domain.

The problem is a bipartite *b*-matching with degree bounds: pick a set of (submission, juror)
pairs, none of them forbidden, such that every submission has exactly ``K`` jurors and every
eligible juror's load lies in ``[lo, hi]``. By default ``lo = ⌊SK/J⌋`` and ``hi = ⌈SK/J⌉``
(loads differ by at most one); with ``max_load=L`` the bounds are the most balanced ones with
``hi ≤ L``: the smallest feasible ``hi``, then the largest feasible ``lo``. A juror free of
conflict with no submission of the domain (e.g. excluded under ``conflict_scope: domain``) is
*excluded*: their load is 0 and they do not count in the balance.

Approach
--------
1. **Feasibility is exact and explained.** Writing the problem as a flow with lower bounds and
   enumerating the cuts of Hoffman's circulation network shows that a solution exists if and
   only if two separate conditions hold (``d_A(j)`` is the number of submissions of ``A`` that
   juror ``j`` is free to judge, ``d_B(i)`` the number of jurors of ``B`` free to judge ``i``):

   * *upper* (Hall): every set ``A`` of submissions has ``K·|A| ≤ Σ_j min(hi, d_A(j))``;
   * *lower* (balance): every set ``B`` of jurors has ``lo·|B| ≤ Σ_i min(K, d_B(i))``.

   Each is one maximum flow (``scipy.sparse.csgraph.maximum_flow``, Dinic); when a flow falls
   short, the source side of its minimum cut is a violated set ``A`` or ``B``, reported with
   the numbers above (Hoffman 1960, "Some recent applications of the theory of linear
   inequalities to extremal combinatorial analysis", Proc. Symp. Appl. Math. 10). Cheap special
   cases (one submission, one juror, the whole panel) are checked first so the usual reasons
   read simply.
2. **Sparse candidates, generated lazily.** The conflict-free graph is nearly complete (85
   million pairs for 50,000 submissions and 5,000 jurors), so the flows run on a random
   subgraph: each submission starts with ``K + 2`` candidate jurors drawn from shuffled copies
   of the panel (so candidate counts per juror are even). When a flow on the subgraph falls
   short, its cut is evaluated on the full conflict-free graph, which is cheap from the sparse
   list of forbidden pairs, as found and after dropping members that only weaken it: if
   violated there too, it is the reason; otherwise candidates are added across the cut, as
   many as the full graph would add to its capacity, and the flow runs again. Every round adds
   pairs, and after ``MAX_ROUNDS`` the full graph is used, so the answer is exact: feasible on
   the subgraph implies feasible, and every reason is a violated condition of the full graph.
3. **Assignment.** A candidate graph of at most ``LP_LIMIT`` pairs is solved as a
   transportation LP with seeded random costs (``scipy.optimize.linprog``, HiGHS dual
   simplex): the constraint matrix is a bipartite incidence matrix, totally unimodular, so the
   vertex returned is integral, and random costs make each submission's jurors a random pick
   among its candidates. A larger graph is solved by one maximum flow with the load bounds
   (``source → submission`` capacity ``K``, ``submission → juror`` 1, ``juror → sink`` ``lo``,
   ``juror → overflow`` ``hi − lo``, ``overflow → sink`` ``SK − Σ lo``), which saturates iff
   the bounds are met, with integral flows; there the randomness comes from the seeded
   candidate subsets (only ``K + 2`` per submission) and a seeded relabelling of the nodes.
   Measured on a 17,000-submission domain, the flow gives as many distinct juror pairs sharing
   a submission as independent random draws would, in hundredths of a second, where the LP
   gives the same spread in 7-11 s. Either way the result is deterministic for a generator's
   state.
4. **Connectivity.** Calibration compares jurors through shared submissions, so the
   juror-submission graph should be connected. When it is not, a local repair exchanges
   jurors between a submission of one component and one of another (or moves an assignment to
   a juror with spare load), keeping every constraint, while the number of components drops.
   This is best-effort: connectivity can be impossible (2 submissions, 8 jurors and ``K = 4``
   need 9 edges but have 8; such counts are checked first), and the repair, bounded in
   attempts, may miss some possible connections, so the result reports the number of
   components. On exhaustive checks of small instances it never missed one.
5. **Affinity and chance** (`objective`, `cap`): on candidate pairs (every pair of a small
   domain; otherwise the feasible candidates above, each submission's best-affinity pairs and
   random ones), an LP maximises the total affinity within the same load bounds (integral
   without a cap: the matrix is totally unimodular). ``fair`` first finds, by binary search
   over the affinity values with one maximum flow each, the largest ``τ`` such that an
   assignment uses only pairs of affinity at least ``τ``, then maximises the total among
   them. With a cap ``q`` the LP bounds every pair by ``q`` and its fractional optimum is the
   pairs' probabilities (Jecmen et al. 2020); `dependent_rounding` draws one assignment with
   exactly those marginals and loads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import breadth_first_order, connected_components, maximum_flow

from ..errors import GrantjuryError

EXTRA_CANDIDATES = 2
"""Candidates per submission beyond ``K`` in the first sparse graph."""
MAX_ROUNDS = 40
"""Rounds of adding candidates before falling back to the full conflict-free graph."""
LP_LIMIT = 50_000
"""Largest candidate graph solved by the random-cost LP; larger ones use one maximum flow."""
REPAIR_WORK = 4_000_000
"""Budget of the connectivity repair in graph elements visited (each attempt visits all)."""
REPAIR_ATTEMPTS = 1_000
"""Most repair attempts, whatever the graph's size."""
LIST_LIMIT = 10
"""Ids named in a message before the rest are counted."""


# --- reasons ----------------------------------------------------------------------------------


def _names(ids: Sequence[str]) -> str:
    """``A, B, C`` or ``A, B, …, J and 7 more``."""
    if len(ids) <= LIST_LIMIT:
        return ", ".join(ids)
    return f"{', '.join(ids[:LIST_LIMIT])} and {len(ids) - LIST_LIMIT} more"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class Reason:
    """Why no assignment exists: one violated condition, with the ids at fault."""


@dataclass(frozen=True)
class PanelTooSmall(Reason):
    """Fewer eligible panel members than the jurors each submission needs."""

    needed: int
    jurors: tuple[str, ...]
    """Panel members free of conflict with at least one submission."""

    def __str__(self) -> str:
        if not self.jurors:
            return (
                f"each submission needs {_count(self.needed, 'distinct juror')} but no panel "
                "member is free of conflict with any submission"
            )
        return (
            f"each submission needs {_count(self.needed, 'distinct juror')} but only "
            f"{_count(len(self.jurors), 'panel member')} can judge any submission "
            f"({_names(self.jurors)})"
        )


@dataclass(frozen=True)
class TooFewFreeJurors(Reason):
    """A submission with fewer conflict-free panel members than it needs."""

    submission: str
    needed: int
    free: tuple[str, ...]

    def __str__(self) -> str:
        if not self.free:
            return (
                f"submission {self.submission} needs {_count(self.needed, 'juror')} but no "
                "panel member is free of conflict with it"
            )
        verb = "is" if len(self.free) == 1 else "are"
        return (
            f"submission {self.submission} needs {_count(self.needed, 'juror')} but only "
            f"{_count(len(self.free), 'panel member')} {verb} free of conflict with it "
            f"({_names(self.free)})"
        )


@dataclass(frozen=True)
class CapacityShortfall(Reason):
    """The panel cannot take all assignments within the per-juror limit."""

    n_submissions: int
    per_submission: int
    n_jurors: int
    capacity: int
    per_juror: int
    """Most assignments one juror may take."""
    max_load: int | None
    """The caller's limit, or None under the default balance."""
    limited: tuple[str, ...] = ()
    """Jurors free of conflict with fewer than ``per_juror`` submissions."""

    def __str__(self) -> str:
        needed = self.n_submissions * self.per_submission
        text = (
            f"{self.n_submissions} submissions × {self.per_submission} = {needed} assignments "
            f"but the panel's {_count(self.n_jurors, 'juror')} can take at most {self.capacity}"
        )
        if self.max_load is not None:
            text += f" with --max-load {self.max_load}"
        else:
            text += f" with balanced loads (at most {self.per_juror} each)"
        if self.limited:
            verb = "is" if len(self.limited) == 1 else "are"
            text += (
                f"; {_names(self.limited)} {verb} free of conflict with fewer than "
                f"{self.per_juror} submissions"
            )
        return text


@dataclass(frozen=True)
class HallDeficit(Reason):
    """A set of submissions whose conflict-free jurors cannot cover them (Hall's condition)."""

    submissions: tuple[str, ...]
    jurors: tuple[str, ...]
    """Jurors free of conflict with at least one of the submissions."""
    needed: int
    capacity: int
    per_juror: int

    def __str__(self) -> str:
        return (
            f"submissions {_names(self.submissions)} need {len(self.submissions)} × "
            f"{self.needed // len(self.submissions)} = {self.needed} assignments but the "
            f"{_count(len(self.jurors), 'juror')} free of conflict with them "
            f"({_names(self.jurors)}) can take at most {self.capacity} (each at most once per "
            f"submission and {self.per_juror} in all)"
        )


@dataclass(frozen=True)
class JurorUnderused(Reason):
    """A juror who cannot reach the minimum balanced load."""

    juror: str
    minimum: int
    free: tuple[str, ...]
    """Submissions the juror is free of conflict with."""

    def __str__(self) -> str:
        return (
            f"juror {self.juror} must take at least {self.minimum} submissions for balanced "
            f"loads but is free of conflict with only {len(self.free)} ({_names(self.free)})"
        )


@dataclass(frozen=True)
class BalanceDeficit(Reason):
    """A set of jurors who cannot all reach the minimum balanced load."""

    jurors: tuple[str, ...]
    minimum: int
    """Least load of each of them."""
    submissions: tuple[str, ...]
    """Submissions free of conflict with at least one of the jurors."""
    capacity: int
    per_submission: int

    def __str__(self) -> str:
        return (
            f"jurors {_names(self.jurors)} must take at least {self.minimum} submissions each "
            f"({self.minimum * len(self.jurors)} in all) for balanced loads but the "
            f"{_count(len(self.submissions), 'submission')} free of conflict with them "
            f"({_names(self.submissions)}) can give them at most {self.capacity} (each "
            f"submission at most {self.per_submission} jurors)"
        )


@dataclass(frozen=True)
class LoadCeiling(Reason):
    """Why loads across the competition cannot all be at most ``limit``.

    The domains of ``domains`` need ``needed`` assignments, but the jurors of their panels can
    take at most ``capacity`` of them with ``limit`` each (and each at most the submissions of
    a domain they are free of conflict with).
    """

    limit: int
    domains: tuple[str, ...]
    needed: int
    jurors: tuple[str, ...]
    capacity: int

    def __str__(self) -> str:
        one = len(self.domains) == 1
        return (
            f"loads cannot all be at most {self.limit}: "
            f"{'domain' if one else 'domains'} {_names(self.domains)} "
            f"{'needs' if one else 'need'} {self.needed} assignments but the "
            f"{_count(len(self.jurors), 'juror')} of {'its panel' if one else 'their panels'} "
            f"({_names(self.jurors)}) can take at most {self.capacity} with {self.limit} each"
        )


@dataclass(frozen=True)
class LoadFloor(Reason):
    """Why loads across the competition cannot all be at least ``limit``.

    The jurors of ``jurors`` sit only on the panels of ``domains``, whose submissions can
    give them at most ``capacity`` assignments, fewer than ``limit`` each.
    """

    limit: int
    jurors: tuple[str, ...]
    domains: tuple[str, ...]
    capacity: int

    def __str__(self) -> str:
        who = (
            f"juror {self.jurors[0]}" if len(self.jurors) == 1 else f"jurors {_names(self.jurors)}"
        )
        several = len(self.domains) != 1
        return (
            f"loads cannot all be at least {self.limit}: {who} can be given at most "
            f"{self.capacity} assignments ({self.limit * len(self.jurors)} needed) by "
            f"{'the domains' if several else 'domain'} {_names(self.domains)}, the only "
            f"{'panels' if several else 'panel'} they sit on"
        )


@dataclass(frozen=True)
class CapTooLow(Reason):
    """No assignment keeps every pair's probability within the cap.

    ``submission`` (with its ``free`` jurors) is one with fewer than ``K / cap`` conflict-free
    jurors, when there is one; otherwise the loads are what the cap cannot meet.
    """

    cap: float
    per_submission: int
    submission: str | None = None
    free: int = 0

    def __str__(self) -> str:
        least = self.per_submission / self.cap
        shown = f"{least:g}" if least == int(least) else f"{least:.2f}"
        head = f"no juror–submission probability can be kept at most {self.cap:g}: "
        if self.submission is not None:
            return head + (
                f"submission {self.submission} needs {_count(self.per_submission, 'juror')}, "
                f"so at least {shown} free of conflict with it, but has {self.free}; raise "
                f"--cap to at least {self.per_submission / max(self.free, 1):.2f}"
            )
        return head + (
            f"each submission needs {_count(self.per_submission, 'juror')} (at least {shown} "
            "candidates each) and the balanced loads leave too few; raise --cap"
        )


@dataclass(frozen=True)
class SplitRefused(Reason):
    """A domain whose conflicts refuse its share of the competition-wide balance.

    Its jurors were then balanced within the domain alone; ``reasons`` says why the share
    could not be met.
    """

    domain: str
    reasons: tuple[Reason, ...]

    def __str__(self) -> str:
        why = "; ".join(str(r) for r in self.reasons)
        return (
            f"domain {self.domain}: its conflicts do not allow its share of the "
            f"competition-wide balance ({why}), so its loads are balanced within the domain only"
        )


class AssignmentInfeasible(GrantjuryError):
    """No assignment meets the constraints; ``reasons`` says why, naming the ids at fault."""

    def __init__(self, reasons: Sequence[Reason], domain: str | None = None):
        self.reasons = tuple(reasons)
        self.domain = domain
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"domain {self.domain}: " if self.domain is not None else ""
        if len(self.reasons) == 1:
            return f"{where}{self.reasons[0]}"
        lines = [f"{where}no assignment of jurors is possible:"]
        lines += [f"  - {reason}" for reason in self.reasons]
        return "\n".join(lines)


# --- result -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """The jurors of every submission of one domain, and how well they overlap.

    ``jurors`` has shape ``(n_submissions, per_submission)``: juror codes, ascending in each
    row. ``loads`` counts the submissions of each juror; every juror not in ``excluded`` has a
    load within ``load_bounds``. ``shared_pairs`` counts the unordered juror pairs who share at
    least one submission; ``n_components`` counts the connected components of the
    juror-submission graph (jurors with no submission left out); ``swaps`` counts the repairs
    made to connect it. Arrays are read-only.
    """

    jurors: np.ndarray
    loads: np.ndarray
    load_bounds: tuple[int, int]
    excluded: np.ndarray
    shared_pairs: int
    n_components: int
    swaps: int
    affinity: AffinityFigures | None = None
    """How well the jurors fit their submissions, when affinities were given."""
    precision: CalibrationPrecision | None = None
    """How precisely calibration can compare the jurors (None: panel too large to compute)."""

    def __post_init__(self) -> None:
        for array in (self.jurors, self.loads, self.excluded):
            array.setflags(write=False)

    @property
    def connected(self) -> bool:
        """Whether every submission and every juror with a load are in one component."""
        return self.n_components <= 1


OBJECTIVES = ("balance", "affinity", "fair")
"""``balance``: a seeded random pick among balanced assignments; ``affinity``: the largest
total affinity; ``fair``: first the largest affinity of the worst-served juror–submission
pair, then the largest total (a bottleneck form of PeerReview4All's max-min fairness)."""


@dataclass(frozen=True)
class Affinity:
    """Affinities of listed (panel position, submission position) pairs of one domain.

    Unlisted pairs have affinity 0. Values are finite and at least 0 (the loader checks).
    """

    jurors: np.ndarray
    submissions: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class AffinityFigures:
    """What an assignment achieves in affinity, and what it gave up for fairness or chance.

    ``total`` is the assignment's total affinity; ``per_submission`` each submission's sum
    over its jurors (``worst_submission`` its minimum), ``worst_pair`` the least affinity of
    an assigned pair. ``optimal`` is the largest total any assignment with the same loads
    (and, under ``fair``, the same worst pair) reaches; ``expected`` the expected total of the
    randomised assignment (its LP value), so ``expected / optimal`` is the share of the
    optimal affinity it keeps (Jecmen et al. 2020); ``cap`` the largest probability of any
    pair (None: deterministic); ``threshold`` the worst pair guaranteed under ``fair``.
    """

    total: float
    per_submission: np.ndarray
    worst_submission: float
    worst_pair: float
    optimal: float
    expected: float
    cap: float | None
    threshold: float | None
    largest_probability: float

    def __post_init__(self) -> None:
        self.per_submission.setflags(write=False)

    @property
    def share(self) -> float:
        """Expected share of the optimal total affinity (1 for a deterministic optimum)."""
        return self.expected / self.optimal if self.optimal > 0 else 1.0


PRECISION_LIMIT = 1_500
"""Largest panel whose calibration precision is computed (a dense eigendecomposition)."""


@dataclass(frozen=True)
class CalibrationPrecision:
    """How well the assignment lets calibration compare jurors' severities.

    Under the additive model ``t_ij = q_i + b_j + e_ij`` (``e`` of sd ``σ``), least squares
    estimates the severities ``b`` with information ``L_J = D_J − Bᵀ D_S⁻¹ B``, the Schur
    complement of the juror–submission Laplacian (``B`` the incidence matrix, ``D`` the
    degrees), so ``Var(b̂_a − b̂_b) = σ² (e_a − e_b)ᵀ L_J⁺ (e_a − e_b)``, an effective
    resistance of the co-review graph. ``connectivity`` is the algebraic connectivity of
    ``L_J`` (its second smallest eigenvalue; 0 when disconnected); ``mean_sd`` and
    ``worst_sd`` are the root mean and the largest of those variances over juror pairs, in
    units of ``σ`` (None when disconnected: the severities of two groups cannot be compared).
    Cook, Golany, Penn & Raviv (2005) make the same point: rankings are compared only through
    shared submissions.
    """

    connectivity: float
    mean_sd: float | None
    worst_sd: float | None


def calibration_precision(matrix: np.ndarray, n_jur: int) -> CalibrationPrecision | None:
    """The `CalibrationPrecision` of an assignment (None for panels over `PRECISION_LIMIT`)."""
    if matrix.size == 0:
        return None
    active = np.unique(matrix)
    if active.size > PRECISION_LIMIT or active.size < 2:
        return None
    s, k = matrix.shape
    at = np.full(n_jur, -1)
    at[active] = np.arange(active.size)
    rows = np.repeat(np.arange(s), k)
    incidence = sp.csr_array(
        (np.ones(s * k), (rows, at[matrix.ravel()])), shape=(s, active.size)
    ).toarray()
    laplacian = np.diag(incidence.sum(axis=0)) - incidence.T @ incidence / k
    values, vectors = np.linalg.eigh(laplacian)
    scale = max(float(values[-1]), 1.0)
    positive = values > 1e-9 * scale
    connectivity = float(values[1]) if values.size > 1 else 0.0
    if int((~positive).sum()) > 1:  # more than one zero eigenvalue: disconnected
        return CalibrationPrecision(0.0, None, None)
    pseudo = (vectors[:, positive] / values[positive]) @ vectors[:, positive].T
    diagonal = np.diag(pseudo)
    resistance = diagonal[:, None] + diagonal[None, :] - 2 * pseudo
    n = active.size
    mean = float(resistance.sum() / (n * (n - 1)))
    return CalibrationPrecision(
        connectivity, float(np.sqrt(mean)), float(np.sqrt(max(resistance.max(), 0.0)))
    )


# --- the instance and its candidate graph ------------------------------------------------------


@dataclass(frozen=True)
class _Instance:
    """One domain's problem as arrays; pairs are coded ``submission * n_jurors + juror``."""

    n_sub: int
    n_jur: int
    k: int
    forbidden: np.ndarray
    f_sub: np.ndarray
    f_jur: np.ndarray
    free_sub: np.ndarray
    """Conflict-free eligible jurors of each submission."""
    free_jur: np.ndarray
    """Conflict-free submissions of each juror."""
    eligible: np.ndarray
    submission_ids: tuple[str, ...]
    juror_ids: tuple[str, ...]

    def is_forbidden(self, codes: np.ndarray) -> np.ndarray:
        return _contains(self.forbidden, codes)

    def free_jurors_of(self, sub: int) -> np.ndarray:
        # Codes are sorted, so a submission's forbidden pairs are one slice.
        start, end = np.searchsorted(self.forbidden, [sub * self.n_jur, (sub + 1) * self.n_jur])
        free = self.eligible.copy()
        free[self.f_jur[start:end]] = False
        return np.flatnonzero(free)

    def free_submissions_of(self, jur: int) -> np.ndarray:
        start, end = np.searchsorted(self.f_jur, [jur, jur + 1], sorter=self.by_juror)
        free = np.ones(self.n_sub, dtype=bool)
        free[self.f_sub[self.by_juror[start:end]]] = False
        return np.flatnonzero(free)

    @cached_property
    def by_juror(self) -> np.ndarray:
        """Order of the forbidden pairs by juror."""
        return np.argsort(self.f_jur, kind="stable")


def _sorted_unique(codes: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort: numpy's hash-based ``unique`` is slow on large arrays)."""
    codes = np.sort(codes)
    return codes[np.r_[True, codes[1:] != codes[:-1]]] if codes.size else codes


def _contains(sorted_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Membership of ``codes`` in a sorted array."""
    if sorted_codes.size == 0:
        return np.zeros(codes.shape, dtype=bool)
    at = np.minimum(np.searchsorted(sorted_codes, codes), sorted_codes.size - 1)
    return sorted_codes[at] == codes


def _forbidden_codes(forbidden: np.ndarray, n_sub: int, n_jur: int) -> np.ndarray:
    """Sorted unique pair codes from a boolean (juror, submission) matrix or a list of pairs."""
    array = np.asarray(forbidden)
    if array.dtype == np.bool_:
        if array.shape != (n_jur, n_sub):
            raise ValueError(
                f"conflict matrix has shape {array.shape}; expected (n_jurors, n_submissions) "
                f"= ({n_jur}, {n_sub})"
            )
        sub, jur = np.nonzero(array.T)  # ordered by submission, then juror: sorted codes
    else:
        if array.size == 0:
            return np.empty(0, dtype=np.int64)
        if array.ndim != 2 or array.shape[1] != 2 or not np.issubdtype(array.dtype, np.integer):
            raise ValueError(
                "forbidden pairs must be a boolean (n_jurors, n_submissions) matrix or an "
                f"integer array of (juror, submission) rows; got {array.dtype} {array.shape}"
            )
        jur, sub = array[:, 0], array[:, 1]
        if jur.min() < 0 or jur.max() >= n_jur or sub.min() < 0 or sub.max() >= n_sub:
            raise ValueError("a forbidden pair names a juror or submission code out of range")
    return _sorted_unique(sub.astype(np.int64) * n_jur + jur.astype(np.int64))


def _instance(
    submission_ids: Sequence[str], juror_ids: Sequence[str], forbidden: np.ndarray, k: int
) -> _Instance:
    n_sub, n_jur = len(submission_ids), len(juror_ids)
    codes = _forbidden_codes(forbidden, n_sub, n_jur)
    f_sub, f_jur = codes // n_jur, codes % n_jur
    free_jur = n_sub - np.bincount(f_jur, minlength=n_jur)
    eligible = free_jur > 0
    # Ineligible jurors are forbidden with every submission, so this counts eligible ones only.
    free_sub = n_jur - np.bincount(f_sub, minlength=n_sub)
    return _Instance(
        n_sub,
        n_jur,
        k,
        codes,
        f_sub,
        f_jur,
        free_sub,
        free_jur,
        eligible,
        tuple(map(str, submission_ids)),
        tuple(map(str, juror_ids)),
    )


class _Graph:
    """Candidate pairs: a growing subgraph of the conflict-free graph, as sorted codes."""

    def __init__(self, inst: _Instance) -> None:
        self.inst = inst
        self.codes = np.empty(0, dtype=np.int64)

    def add(self, codes: np.ndarray) -> int:
        before = self.codes.size
        self.codes = _sorted_unique(np.concatenate([self.codes, codes]))
        return self.codes.size - before

    @property
    def sub(self) -> np.ndarray:
        return self.codes // self.inst.n_jur

    @property
    def jur(self) -> np.ndarray:
        return self.codes % self.inst.n_jur

    def is_new(self, codes: np.ndarray) -> np.ndarray:
        return ~_contains(self.codes, codes) & ~self.inst.is_forbidden(codes)


def _chunks(rows: np.ndarray, width: int) -> list[np.ndarray]:
    """Split ``rows`` so that each chunk times ``width`` stays near a million elements."""
    size = max(1, 1_000_000 // max(width, 1))
    return [rows[i : i + size] for i in range(0, rows.size, size)]


def _enumerate(
    graph: _Graph,
    rows: np.ndarray,
    pool: np.ndarray,
    code: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Every new conflict-free pair between ``rows`` and ``pool``."""
    found = [np.empty(0, dtype=np.int64)]
    for chunk in _chunks(rows, pool.size):
        codes = code(chunk[:, None], pool[None, :]).ravel()
        found.append(codes[graph.is_new(codes)])
    return np.concatenate(found)


def _sample_new(
    graph: _Graph,
    rows: np.ndarray,
    want: np.ndarray,
    pool: np.ndarray,
    code: Callable[[np.ndarray, np.ndarray], np.ndarray],
    rng: np.random.Generator,
) -> np.ndarray:
    """Up to ``want[r]`` new conflict-free pairs per row, partners drawn at random from ``pool``.

    Rejection sampling: draws that are forbidden, already candidates or repeated are dropped,
    so a row may get fewer; callers enumerate rows whose free partners are few.
    """
    width = 2 * int(want.max()) + 4
    found = []
    for part in _chunks(np.arange(rows.size), width):
        draws = pool[rng.integers(0, pool.size, size=(part.size, width))]
        codes = code(rows[part][:, None], draws).ravel()
        position = np.flatnonzero(graph.is_new(codes))
        order = np.argsort(codes[position], kind="stable")
        drawn = codes[position][order]
        first = np.ones(drawn.size, dtype=bool)
        first[1:] = drawn[1:] != drawn[:-1]
        position = np.sort(position[order[first]])
        row = position // width
        rank = np.arange(row.size) - np.searchsorted(row, row)
        found.append(codes[position[rank < want[part][row]]])
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def _initial_graph(inst: _Instance, rng: np.random.Generator) -> _Graph:
    """``K + 2`` candidates per submission, drawn from shuffled copies of the eligible panel."""
    graph = _Graph(inst)
    want = inst.k + EXTRA_CANDIDATES
    subs = np.arange(inst.n_sub, dtype=np.int64)
    few = inst.free_sub <= want
    jurors = np.flatnonzero(inst.eligible)
    graph.add(_enumerate(graph, subs[few], jurors, _sub_code(inst)))
    many = subs[~few]
    if many.size:
        # Shuffled copies of the panel, cut into rows: every juror is a candidate about
        # equally often, and a row repeats a juror only where two copies meet.
        copies = -(-many.size * want // jurors.size) + 1
        stream = rng.permuted(np.tile(jurors, (copies, 1)), axis=1).ravel()
        codes = many[:, None] * inst.n_jur + stream[: many.size * want].reshape(-1, want)
        codes = codes.ravel()
        graph.add(codes[graph.is_new(codes)])
        short = many[np.bincount(graph.sub, minlength=inst.n_sub)[many] < want]
        if short.size:
            have = np.bincount(graph.sub, minlength=inst.n_sub)[short]
            graph.add(_sample_new(graph, short, want - have, jurors, _sub_code(inst), rng))
    return graph


def _sub_code(inst: _Instance) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return lambda sub, jur: sub * inst.n_jur + jur


def _jur_code(inst: _Instance) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return lambda jur, sub: sub * inst.n_jur + jur


def _extend(
    graph: _Graph,
    rows: np.ndarray,
    want: np.ndarray,
    room: np.ndarray,
    pool: np.ndarray,
    code: Callable[[np.ndarray, np.ndarray], np.ndarray],
    rng: np.random.Generator,
) -> None:
    """Add about ``want`` new pairs per row with partners from ``pool`` (``room`` exist).

    Rows whose request is at least half of what remains get every remaining pair; if sampling
    adds nothing, every row does, so each call makes progress.
    """
    want = np.minimum(want, room)
    rows, want, room = rows[want > 0], want[want > 0], room[want > 0]
    if rows.size == 0:
        return
    full = 2 * want >= room
    added = graph.add(_enumerate(graph, rows[full], pool, code))
    if (~full).any():
        added += graph.add(_sample_new(graph, rows[~full], want[~full], pool, code, rng))
    if added == 0:
        graph.add(_enumerate(graph, rows, pool, code))


def _free_in(inst: _Instance, subs: np.ndarray) -> np.ndarray:
    """Per juror, the submissions of the mask ``subs`` they are free to judge (``d_A(j)``)."""
    free = int(subs.sum()) - np.bincount(inst.f_jur[subs[inst.f_sub]], minlength=inst.n_jur)
    return np.where(inst.eligible, free, 0)


def _free_among(inst: _Instance, jurors: np.ndarray) -> np.ndarray:
    """Per submission, the jurors of the mask ``jurors`` free to judge it (``d_B(i)``)."""
    jurors = jurors & inst.eligible
    return int(jurors.sum()) - np.bincount(inst.f_sub[jurors[inst.f_jur]], minlength=inst.n_sub)


def _grow_upper(graph: _Graph, subs: np.ndarray, hi: np.ndarray, rng: np.random.Generator) -> None:
    """Add candidates across a Hall cut that holds on the candidates but not on the full graph.

    Juror ``j`` adds to the cut's capacity ``min(hi_j, d_A(j))`` in the full graph but only its
    candidate count in the subgraph; each juror short of it gets new submissions from ``A``.
    """
    inst = graph.inst
    full = _free_in(inst, subs)
    have = np.bincount(graph.jur[subs[graph.sub]], minlength=inst.n_jur)
    gap = np.minimum(hi, full) - have
    rows = np.flatnonzero(gap > 0)
    pool = np.flatnonzero(subs)
    _extend(graph, rows, 2 * gap[rows], (full - have)[rows], pool, _jur_code(inst), rng)


def _grow_lower(
    graph: _Graph, jurors: np.ndarray, lo: np.ndarray, rng: np.random.Generator
) -> None:
    """Add candidates across a balance cut that holds on the candidates only (see above)."""
    inst = graph.inst
    jurors = jurors & inst.eligible
    full = _free_among(inst, jurors)
    have = np.bincount(graph.sub[jurors[graph.jur]], minlength=inst.n_sub)
    gap = np.minimum(inst.k, full) - have
    rows = np.flatnonzero(gap > 0)
    pool = np.flatnonzero(jurors)
    _extend(graph, rows, 2 * gap[rows], (full - have)[rows], pool, _sub_code(inst), rng)


def _shrink_upper(inst: _Instance, subs: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Drop submissions whose removal widens the Hall deficit in the full graph.

    Removing ``i`` from ``A`` frees ``K`` needed assignments and loses one unit of capacity
    per conflict-free juror ``j`` of ``i`` with ``d_A(j) ≤ hi_j``; a candidate cut often holds
    a few submissions with more such jurors than ``K``.
    """
    for _ in range(8):
        unsaturated = inst.eligible & (_free_in(inst, subs) <= hi)
        loss = int(unsaturated.sum()) - np.bincount(
            inst.f_sub[unsaturated[inst.f_jur]], minlength=inst.n_sub
        )
        drop = subs & (loss > inst.k)
        if not drop.any():
            break
        subs = subs & ~drop
    return subs


def _shrink_lower(inst: _Instance, jurors: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Drop jurors whose removal widens the balance deficit in the full graph (as above)."""
    jurors = jurors & (lo > 0)
    for _ in range(8):
        unsaturated = _free_among(inst, jurors) <= inst.k
        loss = int(unsaturated.sum()) - np.bincount(
            inst.f_jur[unsaturated[inst.f_sub]], minlength=inst.n_jur
        )
        drop = jurors & (loss > lo)
        if not drop.any():
            break
        jurors = jurors & ~drop
    return jurors


# --- flows and cuts ---------------------------------------------------------------------------


def _max_flow(
    n_nodes: int, tail: np.ndarray, head: np.ndarray, cap: np.ndarray, sink: int
) -> tuple[int, np.ndarray, np.ndarray]:
    """Maximum flow from node 0 to ``sink``: its value, each edge's flow, and the cut side.

    The cut side is the set of nodes reachable from the source in the residual graph: the
    source side of a minimum cut (the smallest one).
    """
    keep = cap > 0
    tail, head, cap = tail[keep], head[keep], cap[keep]
    network = sp.csr_array((cap.astype(np.int64), (tail, head)), shape=(n_nodes, n_nodes))
    result = maximum_flow(network, 0, sink)
    flow = np.asarray(result.flow[tail, head]).ravel() if tail.size else np.zeros(0, np.int64)
    forward, backward = flow < cap, flow > 0
    residual = sp.csr_array(
        (
            np.ones(int(forward.sum() + backward.sum()), dtype=np.int8),
            (np.r_[tail[forward], head[backward]], np.r_[head[forward], tail[backward]]),
        ),
        shape=(n_nodes, n_nodes),
    )
    side = np.zeros(n_nodes, dtype=bool)
    side[breadth_first_order(residual, 0, directed=True, return_predecessors=False)] = True
    full_flow = np.zeros(keep.size, dtype=np.int64)
    full_flow[keep] = flow
    return int(result.flow_value), full_flow, side


def _upper_cut(graph: _Graph, hi: np.ndarray) -> np.ndarray | None:
    """Submissions of a violated Hall set on the candidate graph, or None if all fit."""
    inst = graph.inst
    s, j = inst.n_sub, inst.n_jur
    sink = s + j + 1
    tail = np.r_[np.zeros(s, np.int64), 1 + graph.sub, 1 + s + np.arange(j)]
    head = np.r_[1 + np.arange(s), 1 + s + graph.jur, np.full(j, sink)]
    cap = np.r_[np.full(s, inst.k), np.ones(graph.codes.size, np.int64), hi]
    value, _, side = _max_flow(sink + 1, tail, head, cap, sink)
    return None if value == s * inst.k else side[1 : 1 + s]


def _lower_cut(graph: _Graph, lo: np.ndarray) -> np.ndarray | None:
    """Jurors of a violated balance set on the candidate graph, or None if all can reach lo."""
    inst = graph.inst
    s, j = inst.n_sub, inst.n_jur
    sink = s + j + 1
    tail = np.r_[np.zeros(j, np.int64), 1 + graph.jur, 1 + j + np.arange(s)]
    head = np.r_[1 + np.arange(j), 1 + j + graph.sub, np.full(s, sink)]
    cap = np.r_[lo, np.ones(graph.codes.size, np.int64), np.full(s, inst.k)]
    value, _, side = _max_flow(sink + 1, tail, head, cap, sink)
    return None if value == int(lo.sum()) else side[1 : 1 + j]


def _hall_reason(inst: _Instance, subs: np.ndarray, hi: np.ndarray) -> Reason | None:
    """The reason a set of submissions cannot be covered in the full graph, if it cannot."""
    n_a = int(subs.sum())
    free = _free_in(inst, subs)
    capacity = int(np.minimum(hi, free).sum())
    if inst.k * n_a <= capacity:
        return None
    per_juror = int(hi.max(initial=0))
    if n_a == inst.n_sub:
        limited = np.flatnonzero(inst.eligible & (inst.free_jur < hi))
        return CapacityShortfall(
            inst.n_sub,
            inst.k,
            int(inst.eligible.sum()),
            capacity,
            per_juror,
            None,
            tuple(inst.juror_ids[x] for x in limited),
        )
    if n_a == 1:
        sub = int(np.flatnonzero(subs)[0])
        return _too_few(inst, sub)
    return HallDeficit(
        tuple(inst.submission_ids[x] for x in np.flatnonzero(subs)),
        tuple(inst.juror_ids[x] for x in np.flatnonzero(free > 0)),
        inst.k * n_a,
        capacity,
        per_juror,
    )


def _balance_reason(inst: _Instance, jurors: np.ndarray, lo: np.ndarray) -> Reason | None:
    """The reason a set of jurors cannot all reach ``lo`` in the full graph, if they cannot."""
    jurors = jurors & (lo > 0)
    n_b = int(jurors.sum())
    free = _free_among(inst, jurors)
    capacity = int(np.minimum(inst.k, free).sum())
    needed = int(lo[jurors].sum())
    if needed <= capacity:
        return None
    minimum = int(lo.max(initial=0))
    if n_b == 1:
        return _underused(inst, int(np.flatnonzero(jurors)[0]), minimum)
    return BalanceDeficit(
        tuple(inst.juror_ids[x] for x in np.flatnonzero(jurors)),
        minimum,
        tuple(inst.submission_ids[x] for x in np.flatnonzero(free > 0)),
        capacity,
        inst.k,
    )


def _too_few(inst: _Instance, sub: int) -> TooFewFreeJurors:
    free = inst.free_jurors_of(sub)
    return TooFewFreeJurors(
        inst.submission_ids[sub], inst.k, tuple(inst.juror_ids[x] for x in free)
    )


def _underused(inst: _Instance, jur: int, minimum: int) -> JurorUnderused:
    free = inst.free_submissions_of(jur)
    return JurorUnderused(inst.juror_ids[jur], minimum, tuple(inst.submission_ids[x] for x in free))


def _exact_test(
    graph: _Graph,
    bound: np.ndarray,
    upper: bool,
    rng: np.random.Generator,
) -> Reason | None:
    """Decide one condition on the full conflict-free graph, growing the candidates lazily.

    Feasible on the candidates implies feasible. A candidate cut is evaluated on the full
    graph, as found and after dropping members that only weaken it: if violated, it is the
    reason; if not, candidates are added across it. After ``MAX_ROUNDS`` the full graph is
    used, so the answer is always exact.
    """
    inst = graph.inst
    if upper:
        cut_of, reason_of, shrink, grow = _upper_cut, _hall_reason, _shrink_upper, _grow_upper
    else:
        cut_of, reason_of, shrink, grow = _lower_cut, _balance_reason, _shrink_lower, _grow_lower
    for round_ in range(MAX_ROUNDS + 1):
        cut = cut_of(graph, bound)
        if cut is None:
            return None
        reason = reason_of(inst, cut, bound) or reason_of(inst, shrink(inst, cut, bound), bound)
        if reason is not None:
            return reason
        if round_ < MAX_ROUNDS:
            grow(graph, cut, bound, rng)
        else:
            subs = np.arange(inst.n_sub, dtype=np.int64)
            graph.add(_enumerate(graph, subs, np.flatnonzero(inst.eligible), _sub_code(inst)))
    raise AssertionError("a minimum cut of the full graph must be violated")  # pragma: no cover


# --- planning: load bounds and feasibility ------------------------------------------------------


def _bounds(inst: _Instance, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    lo_j = np.where(inst.eligible, lo, 0).astype(np.int64)
    hi_j = np.where(inst.eligible, hi, 0).astype(np.int64)
    return lo_j, hi_j


def _quick_reasons(inst: _Instance, lo: int, hi: int, max_load: int | None) -> list[Reason]:
    """Reasons visible from counts alone: one submission, one juror, the whole panel."""
    n_eligible = int(inst.eligible.sum())
    if inst.k > n_eligible:
        eligible = np.flatnonzero(inst.eligible)
        return [PanelTooSmall(inst.k, tuple(inst.juror_ids[x] for x in eligible))]
    reasons: list[Reason] = [_too_few(inst, int(i)) for i in np.flatnonzero(inst.free_sub < inst.k)]
    capacity = int(np.minimum(inst.free_jur[inst.eligible], hi).sum())
    if capacity < inst.n_sub * inst.k:
        limited = np.flatnonzero(inst.eligible & (inst.free_jur < hi))
        reasons.append(
            CapacityShortfall(
                inst.n_sub,
                inst.k,
                n_eligible,
                capacity,
                hi,
                max_load,
                tuple(inst.juror_ids[x] for x in limited),
            )
        )
    under = np.flatnonzero(inst.eligible & (inst.free_jur < lo))
    reasons += [_underused(inst, int(x), lo) for x in under]
    return reasons


def _plan(
    inst: _Instance, max_load: int | None, rng: np.random.Generator
) -> tuple[int, int, _Graph | None, list[Reason]]:
    """The load bounds, a candidate graph on which they are feasible, or the reasons why not."""
    total = inst.n_sub * inst.k
    n_eligible = int(inst.eligible.sum())
    lo = total // n_eligible if n_eligible else 0
    hi = -(-total // n_eligible) if n_eligible else 0
    if max_load is None:
        reasons = _quick_reasons(inst, lo, hi, None)
        if reasons:
            return lo, hi, None, reasons
        graph = _initial_graph(inst, rng)
        lo_j, hi_j = _bounds(inst, lo, hi)
        found = [_exact_test(graph, hi_j, True, rng), _exact_test(graph, lo_j, False, rng)]
        reasons = [r for r in found if r is not None]
        return lo, hi, (None if reasons else graph), reasons

    # With a limit: the smallest feasible hi ≤ max_load, then the largest feasible lo. The two
    # conditions are independent (see the module docstring), so these are the most balanced.
    reasons = _quick_reasons(inst, 0, max_load, max_load)
    if reasons:
        return 0, max_load, None, reasons
    graph = _initial_graph(inst, rng)
    reason = _exact_test(graph, _bounds(inst, 0, max_load)[1], True, rng)
    if reason is not None:
        return 0, max_load, None, [reason]
    low, high = hi, max_load  # high is feasible; find the smallest feasible in [low, high]
    while low < high:
        mid = (low + high) // 2
        if _exact_test(graph, _bounds(inst, 0, mid)[1], True, rng) is None:
            high = mid
        else:
            low = mid + 1
    hi = high
    low, high = 0, min(lo, int(inst.free_jur[inst.eligible].min()))
    while low < high:  # low is feasible; find the largest feasible in [low, high]
        mid = (low + high + 1) // 2
        if _exact_test(graph, _bounds(inst, mid, hi)[0], False, rng) is None:
            low = mid
        else:
            high = mid - 1
    return low, hi, graph, []


def _plan_exact(
    inst: _Instance, loads: np.ndarray, rng: np.random.Generator
) -> tuple[_Graph | None, list[Reason]]:
    """A candidate graph on which every juror's load can be exactly ``loads``, or why not."""
    reasons: list[Reason] = [_too_few(inst, int(i)) for i in np.flatnonzero(inst.free_sub < inst.k)]
    reasons += [
        _underused(inst, int(x), int(loads[x])) for x in np.flatnonzero(inst.free_jur < loads)
    ]
    if int(loads.sum()) != inst.n_sub * inst.k:
        raise ValueError(
            f"loads sum to {int(loads.sum())}, not {inst.n_sub} submissions × {inst.k}"
        )
    if reasons:
        return None, reasons
    graph = _initial_graph(inst, rng)
    found = [_exact_test(graph, loads, True, rng), _exact_test(graph, loads, False, rng)]
    reasons = [r for r in found if r is not None]
    return (None if reasons else graph), reasons


# --- affinity, fairness and chance ------------------------------------------------------------

FULL_GRAPH_LIMIT = 20_000
"""Conflict-free pairs of a domain up to which affinity objectives use every pair (exact)."""
RANDOM_CANDIDATES = 4
"""Random candidates per submission beyond ``⌈K / cap⌉`` (or ``K``) in a large domain."""
BEST_CANDIDATES = 4
LP_METHOD = "highs-ds"
"""HiGHS's dual simplex: it ends on a vertex (integral without a cap). Measured on these
transportation LPs, faster than the interior point with crossover, and faster with the load
rows as two inequalities than as equalities."""
"""Best-affinity candidates per submission beyond ``2K`` (or ``⌈K / cap⌉``) in a large domain."""


def _affinity_codes(inst: _Instance, affinity: Affinity | None) -> tuple[np.ndarray, np.ndarray]:
    """Sorted pair codes with a positive affinity, and their values (forbidden pairs dropped)."""
    if affinity is None or affinity.values.size == 0:
        return np.empty(0, np.int64), np.empty(0)
    codes = affinity.submissions.astype(np.int64) * inst.n_jur + affinity.jurors.astype(np.int64)
    keep = (affinity.values > 0) & ~inst.is_forbidden(codes) & inst.eligible[affinity.jurors]
    codes, values = codes[keep], affinity.values[keep].astype(np.float64)
    order = np.argsort(codes, kind="stable")
    return codes[order], values[order]


def _best_per_submission(
    inst: _Instance, codes: np.ndarray, values: np.ndarray, keep: int
) -> np.ndarray:
    """The ``keep`` pairs of highest affinity of each submission (ties: lower code first)."""
    sub = codes // inst.n_jur
    order = np.lexsort((codes, -values, sub))
    ranked = sub[order]
    rank = np.arange(ranked.size) - np.searchsorted(ranked, ranked)
    return codes[order[rank < keep]]


def _affinity_graph(
    inst: _Instance,
    graph: _Graph,
    codes: np.ndarray,
    values: np.ndarray,
    cap: float | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """Candidate pairs for an affinity objective: sorted codes.

    A small domain (at most ``FULL_GRAPH_LIMIT`` pairs) uses every conflict-free pair, so its
    optimum is exact. A large one uses the balanced candidates already proven feasible, each
    submission's ``max(2K, ⌈K / cap⌉) + 4`` pairs of highest affinity, and random candidates so
    that each submission has ``⌈K / cap⌉ + 4`` (the cap needs at least ``K / cap``): the LP
    stays about ``S·(3K + 10)`` variables, and its optimum is the best on those candidates
    (a juror beyond a submission's best few rarely enters its optimum, but could).
    """
    eligible = np.flatnonzero(inst.eligible)
    subs = np.arange(inst.n_sub, dtype=np.int64)
    if inst.n_sub * eligible.size <= FULL_GRAPH_LIMIT:
        every = _Graph(inst)
        every.add(_enumerate(every, subs, eligible, _sub_code(inst)))
        return every.codes
    wide = _Graph(inst)
    wide.add(graph.codes)
    need = inst.k if cap is None else int(np.ceil(inst.k / cap - 1e-9))
    wide.add(_best_per_submission(inst, codes, values, max(2 * inst.k, need) + BEST_CANDIDATES))
    want = need + RANDOM_CANDIDATES
    have = np.bincount(wide.sub, minlength=inst.n_sub)
    short = subs[have < want]
    if short.size:
        few = inst.free_sub[short] <= want
        wide.add(_enumerate(wide, short[few], eligible, _sub_code(inst)))
        rest = short[~few]
        if rest.size:
            gap = want - np.bincount(wide.sub, minlength=inst.n_sub)[rest]
            wide.add(_sample_new(wide, rest, np.maximum(gap, 0), eligible, _sub_code(inst), rng))
    return wide.codes


def _values_of(codes: np.ndarray, known: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Affinity of each pair code (0 where not listed)."""
    if known.size == 0:
        return np.zeros(codes.size)
    at = np.minimum(np.searchsorted(known, codes), known.size - 1)
    return np.where(known[at] == codes, values[at], 0.0)


def _fraction(cap: float | None) -> tuple[int, int]:
    """``cap`` as ``p / r`` with a small denominator (a flow needs integral capacities)."""
    from fractions import Fraction

    if cap is None:
        return 1, 1
    value = Fraction(cap).limit_denominator(1000)
    return value.numerator, value.denominator


def _capped_feasible(
    inst: _Instance,
    codes: np.ndarray,
    lo_j: np.ndarray,
    hi_j: np.ndarray,
    cap: float | None,
) -> bool:
    """Whether a fractional assignment on ``codes`` with every pair at most ``cap`` exists.

    With ``cap = p / r`` all capacities are scaled by ``r``: an integral flow exists iff a
    fractional one does (flows with integral capacities have integral optima), and without a
    cap (``p = r = 1``) it is the integral assignment itself.
    """
    p, r = _fraction(cap)
    s, j, k = inst.n_sub, inst.n_jur, inst.k
    sub, jur = codes // inst.n_jur, codes % inst.n_jur
    overflow, sink = s + j + 1, s + j + 2
    tail = np.r_[
        np.zeros(s, np.int64), 1 + sub, 1 + s + np.arange(j), 1 + s + np.arange(j), [overflow]
    ]
    head = np.r_[1 + np.arange(s), 1 + s + jur, np.full(j, sink), np.full(j, overflow), [sink]]
    cap_ = np.r_[
        np.full(s, k * r),
        np.full(codes.size, p),
        lo_j * r,
        (hi_j - lo_j) * r,
        [(s * k - int(lo_j.sum())) * r],
    ]
    value, _, _ = _max_flow(sink + 1, tail, head, cap_.astype(np.int64), sink)
    return value == s * k * r


def _affinity_lp(
    inst: _Instance,
    codes: np.ndarray,
    gain: np.ndarray,
    lo_j: np.ndarray,
    hi_j: np.ndarray,
    upper: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """The fractional (or, with ``upper = 1``, integral) assignment of largest total ``gain``.

    ``max Σ a_e x_e`` subject to ``Σ_j x_ij = K``, ``lo_j ≤ Σ_i x_ij ≤ hi_j``,
    ``0 ≤ x_e ≤ upper``: a transportation LP (HiGHS dual simplex). Its matrix is totally
    unimodular, so with ``upper = 1`` the vertex returned is integral (Jecmen et al. 2020 use
    the same LP with ``upper = q`` for the randomised assignment). A seeded cost far below any
    affinity difference breaks ties at random.
    """
    n = codes.size
    sub, jur = codes // inst.n_jur, codes % inst.n_jur
    spread = float(gain.max() - gain.min()) if n else 0.0
    noise = rng.random(n) * 1e-6 * (spread if spread > 0 else 1.0)
    ones, edges = np.ones(n), np.arange(n)
    by_sub = sp.csr_array((ones, (sub, edges)), shape=(inst.n_sub, n))
    by_jur = sp.csr_array((ones, (jur, edges)), shape=(inst.n_jur, n))
    result = linprog(
        -(gain + noise),
        A_ub=sp.vstack([by_jur, -by_jur]).tocsr(),
        b_ub=np.r_[hi_j, -lo_j].astype(np.float64),
        A_eq=by_sub,
        b_eq=np.full(inst.n_sub, float(inst.k)),
        bounds=(0, upper),
        method=LP_METHOD,
    )
    if result.status != 0:  # pragma: no cover - feasibility was proven by a flow
        raise AssertionError(f"the affinity LP must be feasible: {result.message}")
    x = np.clip(result.x, 0.0, upper)
    return x


def dependent_rounding(
    sub: np.ndarray, jur: np.ndarray, x: np.ndarray, n_sub: int, rng: np.random.Generator
) -> np.ndarray:
    """Round a fractional bipartite assignment to 0/1, keeping every marginal and degree.

    Bipartite dependent rounding (Gandhi, Khuller, Parthasarathy & Srinivasan 2006, "Dependent
    rounding and its applications to approximation algorithms", J. ACM 53:324): while some
    edge is fractional, take a cycle of fractional edges, or a maximal path, split it into two
    alternating matchings ``M1, M2``, and with probability ``β/(α+β)`` add ``α`` to ``M1`` and
    take it from ``M2``, else take ``β`` from ``M1`` and add it to ``M2``, where
    ``α = min(min_{M1} 1−x, min_{M2} x)`` and ``β = min(min_{M1} x, min_{M2} 1−x)``. Each step
    makes an edge integral and keeps ``E[x_e]`` unchanged, so ``P(e chosen) = x_e`` exactly:
    a pair's probability never exceeds its LP value, hence never the cap. A vertex's degree
    changes only at the ends of a path, whose degree is fractional, so an integral degree (a
    submission's ``K``, a juror's exact share) is kept and any other ends at its floor or
    ceiling. Returns the chosen edges as a boolean mask.
    """
    x = np.asarray(x, dtype=np.float64).copy()
    tol = 1e-9
    x[x < tol] = 0.0
    x[x > 1 - tol] = 1.0
    head = n_sub + np.asarray(jur, dtype=np.int64)
    tail = np.asarray(sub, dtype=np.int64)
    fractional = np.flatnonzero((x > 0) & (x < 1))
    adjacency: dict[int, set[int]] = {}
    for e in fractional.tolist():
        adjacency.setdefault(int(tail[e]), set()).add(e)
        adjacency.setdefault(int(head[e]), set()).add(e)
    ends = [v for v, edges in adjacency.items() if len(edges) == 1]

    def other(e: int, v: int) -> int:
        t = int(tail[e])
        return int(head[e]) if t == v else t

    def settle(edges: list[int]) -> None:
        for e in edges:
            if x[e] < tol or x[e] > 1 - tol:
                x[e] = 0.0 if x[e] < tol else 1.0
                for v in (int(tail[e]), int(head[e])):
                    bucket = adjacency.get(v)
                    if bucket is not None:
                        bucket.discard(e)
                        if len(bucket) == 1:
                            ends.append(v)
                        elif not bucket:
                            del adjacency[v]

    while adjacency:
        start = -1
        while ends:
            v = ends.pop()
            if v in adjacency and len(adjacency[v]) == 1:
                start = v
                break
        if start < 0:
            start = next(iter(adjacency))
        walk_nodes, walk_edges, seen = [start], [], {start: 0}
        node, previous = start, -1
        while True:
            step = next((e for e in adjacency.get(node, ()) if e != previous), -1)
            if step < 0:  # a dead end: a maximal path if the walk began at an end
                if len(adjacency.get(start, ())) <= 1 or not walk_edges:
                    path = walk_edges
                    break
                # Began inside a path: walk again from this end, which is one.
                start = node
                walk_nodes, walk_edges, seen, previous = [node], [], {node: 0}, -1
                continue
            nxt = other(step, node)
            if nxt in seen:
                path = [*walk_edges[seen[nxt] :], step]
                break
            seen[nxt] = len(walk_nodes)
            walk_nodes.append(nxt)
            walk_edges.append(step)
            node, previous = nxt, step
        chain = np.array(path, dtype=np.int64)
        first, second = chain[0::2], chain[1::2]
        alpha = min(float((1 - x[first]).min()), float(x[second].min(initial=1.0)))
        beta = min(float(x[first].min()), float((1 - x[second]).min(initial=1.0)))
        if rng.random() * (alpha + beta) < beta:
            x[first] += alpha
            x[second] -= alpha
        else:
            x[first] -= beta
            x[second] += beta
        settle(path)
    return x > 0.5


def _solve_affinity(
    inst: _Instance,
    graph: _Graph,
    lo_j: np.ndarray,
    hi_j: np.ndarray,
    affinity: Affinity | None,
    objective: str,
    cap: float | None,
    rng: np.random.Generator,
) -> tuple[np.ndarray, AffinityFigures]:
    """Juror codes per submission under an affinity objective and an optional cap."""
    known, values = _affinity_codes(inst, affinity)
    codes = _affinity_graph(inst, graph, known, values, cap, rng)
    if cap is not None and not _capped_feasible(inst, codes, lo_j, hi_j, cap):
        # Sparse candidates too few for the cap: every conflict-free pair, then.
        every = _Graph(inst)
        every.add(
            _enumerate(every, np.arange(inst.n_sub), np.flatnonzero(inst.eligible), _sub_code(inst))
        )
        codes = every.codes
        if not _capped_feasible(inst, codes, lo_j, hi_j, cap):
            short = np.flatnonzero(inst.free_sub * cap < inst.k - 1e-9)
            reasons: list[Reason] = [
                CapTooLow(cap, inst.k, inst.submission_ids[i], int(inst.free_sub[i]))
                for i in short.tolist()
            ]
            raise AssignmentInfeasible(reasons or [CapTooLow(cap, inst.k)])
    gain = _values_of(codes, known, values)
    threshold = None
    if objective == "fair":
        levels = np.unique(gain[gain > 0])
        low, high = 0, levels.size  # index into [0, *levels]: level 0 is always feasible
        while low < high:
            mid = (low + high + 1) // 2
            keep = gain >= levels[mid - 1]
            if _capped_feasible(inst, codes[keep], lo_j, hi_j, cap):
                low = mid
            else:
                high = mid - 1
        threshold = float(levels[low - 1]) if low > 0 else 0.0
        keep = gain >= threshold
        codes, gain = codes[keep], gain[keep]
    best = _affinity_lp(inst, codes, gain, lo_j, hi_j, 1.0, rng)
    optimal = float(gain @ np.rint(best))
    if cap is None:
        chosen = np.rint(best) > 0
        expected = optimal
        largest = 1.0
    else:
        x = _affinity_lp(inst, codes, gain, lo_j, hi_j, cap, rng)
        expected = float(gain @ x)
        largest = float(x.max(initial=0.0))
        chosen = dependent_rounding(codes // inst.n_jur, codes % inst.n_jur, x, inst.n_sub, rng)
    sub, jur = codes[chosen] // inst.n_jur, codes[chosen] % inst.n_jur
    order = np.lexsort((jur, sub))
    matrix = jur[order].reshape(inst.n_sub, inst.k)
    per_sub = np.bincount(sub, weights=gain[chosen], minlength=inst.n_sub)
    picked = gain[chosen]
    figures = AffinityFigures(
        total=float(picked.sum()),
        per_submission=per_sub,
        worst_submission=float(per_sub.min()) if inst.n_sub else 0.0,
        worst_pair=float(picked.min()) if picked.size else 0.0,
        optimal=optimal,
        expected=expected,
        cap=cap,
        threshold=threshold,
        largest_probability=largest,
    )
    return matrix, figures


# --- constraints: languages, groups, jurors kept apart ------------------------------------------

MILP_LIMIT = 200_000
"""Conflict-free pairs of a domain up to which constraints are solved exactly (HiGHS MILP)."""


@dataclass(frozen=True)
class DomainConstraints:
    """Constraints of one domain, in panel and submission positions.

    ``reads[j, l]``: juror ``j`` reads language ``l``; ``needs[i, l]``: submission ``i`` needs
    at least one juror who reads ``l``. ``groups[g][j]``: juror ``j``'s value of the ``g``-th
    attribute (−1: none); at most one juror of a value per submission. ``apart``: pairs of
    jurors never on one submission. ``languages`` and ``attributes`` name the columns.
    """

    languages: tuple[str, ...] = ()
    reads: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    needs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    attributes: tuple[str, ...] = ()
    groups: tuple[np.ndarray, ...] = ()
    values: tuple[tuple[str, ...], ...] = ()
    """The names of each attribute's value codes."""
    apart: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))


@dataclass(frozen=True)
class LanguageUncovered(Reason):
    """A submission none of whose conflict-free panel members reads one of its languages."""

    submission: str
    language: str

    def __str__(self) -> str:
        return (
            f"submission {self.submission} needs a juror who reads {self.language} but no panel "
            "member free of conflict with it does; add one to the panel or to the readers of "
            f"{self.language} in the constraints file"
        )


@dataclass(frozen=True)
class GroupsTooFew(Reason):
    """A submission whose free jurors fall into fewer values of an attribute than it needs."""

    submission: str
    attribute: str
    needed: int
    available: int

    def __str__(self) -> str:
        return (
            f"submission {self.submission} needs {_count(self.needed, 'juror')} of different "
            f"{self.attribute} but its conflict-free panel members have only "
            f"{self.available} different values (counting each juror with none as their own)"
        )


@dataclass(frozen=True)
class ConstraintsConflict(Reason):
    """The constraints together leave no assignment with these loads (the MILP is infeasible)."""

    n_submissions: int
    per_submission: int
    load_bounds: tuple[int, int]

    def __str__(self) -> str:
        lo, hi = self.load_bounds
        return (
            f"each condition can be met on its own, but languages, groups and jurors kept "
            f"apart together leave no way to give {self.n_submissions} submissions "
            f"{self.per_submission} jurors each with loads {lo}–{hi}; relax one of them"
        )


@dataclass(frozen=True)
class DomainTooLarge(Reason):
    """Constraints are solved exactly only in domains up to `MILP_LIMIT` pairs."""

    pairs: int

    def __str__(self) -> str:
        return (
            f"constraints are solved exactly in domains of at most {MILP_LIMIT:,} "
            f"conflict-free juror–submission pairs, and this one has {self.pairs:,}; "
            "split the domain or leave the constraints out"
        )


def _constraint_reasons(inst: _Instance, rules: DomainConstraints) -> list[Reason]:
    """Exact reasons visible one submission at a time."""
    reasons: list[Reason] = []
    for i in range(inst.n_sub):
        free = inst.free_jurors_of(i)
        for lang in np.flatnonzero(rules.needs[i]) if rules.needs.size else ():
            if not rules.reads[free, lang].any():
                reasons.append(LanguageUncovered(inst.submission_ids[i], rules.languages[lang]))
        for name, group in zip(rules.attributes, rules.groups, strict=True):
            values = group[free]
            available = int(np.unique(values[values >= 0]).size + (values < 0).sum())
            if available < inst.k:
                reasons.append(GroupsTooFew(inst.submission_ids[i], name, inst.k, available))
    return reasons


def _solve_constrained(
    inst: _Instance,
    lo_j: np.ndarray,
    hi_j: np.ndarray,
    affinity: Affinity | None,
    rules: DomainConstraints,
    rng: np.random.Generator,
) -> tuple[np.ndarray, AffinityFigures | None]:
    """Juror codes per submission meeting every constraint: a MILP over every free pair.

    ``max Σ (a_e + ε_e) x_e`` over binary ``x`` with ``K`` jurors per submission, the load
    bounds, ``Σ_{j reads l} x_ij ≥ 1`` for each language ``l`` of ``i``, ``Σ_{j of value v}
    x_ij ≤ 1`` for each attribute value, and ``x_ia + x_ib ≤ 1`` for each pair kept apart
    (scipy's `milp`, HiGHS branch and cut). ``ε`` is seeded noise: without affinities the
    pick among valid assignments is random.
    """
    from scipy.optimize import LinearConstraint, milp

    reasons = _constraint_reasons(inst, rules)
    if reasons:
        raise AssignmentInfeasible(reasons)
    every = _Graph(inst)
    every.add(
        _enumerate(every, np.arange(inst.n_sub), np.flatnonzero(inst.eligible), _sub_code(inst))
    )
    codes = every.codes
    if codes.size > MILP_LIMIT:
        raise AssignmentInfeasible([DomainTooLarge(int(codes.size))])
    known, values = _affinity_codes(inst, affinity)
    gain = _values_of(codes, known, values)
    n = codes.size
    sub, jur = codes // inst.n_jur, codes % inst.n_jur
    edges = np.arange(n)
    rows: list[sp.csr_array] = []
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []

    def add(row_of: np.ndarray, members: np.ndarray, n_rows: int, lo: np.ndarray, hi: np.ndarray):
        rows.append(sp.csr_array((np.ones(members.size), (row_of, members)), shape=(n_rows, n)))
        lower.append(lo)
        upper.append(hi)

    add(sub, edges, inst.n_sub, np.full(inst.n_sub, inst.k), np.full(inst.n_sub, inst.k))
    add(jur, edges, inst.n_jur, lo_j, hi_j)
    if rules.needs.size:
        need_sub, need_lang = np.nonzero(rules.needs)
        pairs = [
            (r, e)
            for r, (i, lang) in enumerate(zip(need_sub.tolist(), need_lang.tolist(), strict=True))
            for e in edges[(sub == i) & rules.reads[jur, lang]].tolist()
        ]
        if pairs:
            r, e = np.array(pairs).T
            m = need_sub.size
            add(r, e, m, np.ones(m), np.full(m, np.inf))
    for group in rules.groups:
        value = group[jur]
        grouped = value >= 0
        key = sub[grouped] * (int(group.max(initial=0)) + 1) + value[grouped]
        distinct, row = np.unique(key, return_inverse=True)
        if distinct.size:
            add(row, edges[grouped], distinct.size, np.zeros(distinct.size), np.ones(distinct.size))
    if rules.apart.size:
        position = {int(c): e for e, c in enumerate(codes.tolist())}
        pairs = []
        for a, b in rules.apart.tolist():
            for i in range(inst.n_sub):
                ea, eb = position.get(i * inst.n_jur + a), position.get(i * inst.n_jur + b)
                if ea is not None and eb is not None:
                    pairs.append((ea, eb))
        if pairs:
            m = len(pairs)
            flat = np.array(pairs, dtype=np.int64).ravel()
            add(np.repeat(np.arange(m), 2), flat, m, np.zeros(m), np.ones(m))
    spread = float(gain.max() - gain.min()) if n else 0.0
    noise = rng.random(n) * 1e-3 * (spread if spread > 0 else 1.0)
    result = milp(
        -(gain + noise),
        constraints=LinearConstraint(
            sp.vstack(rows).tocsr(), np.concatenate(lower), np.concatenate(upper)
        ),
        integrality=np.ones(n),
        bounds=(0, 1),
    )
    if result.status != 0 or result.x is None:
        active = inst.eligible
        lo = int(lo_j[active].min()) if active.any() else 0
        hi = int(hi_j[active].max()) if active.any() else 0
        raise AssignmentInfeasible([ConstraintsConflict(inst.n_sub, inst.k, (lo, hi))])
    chosen = np.rint(result.x) > 0
    s_, j_ = sub[chosen], jur[chosen]
    order = np.lexsort((j_, s_))
    matrix = j_[order].reshape(inst.n_sub, inst.k)
    figures = None
    if affinity is not None:
        picked = gain[chosen]
        per_sub = np.bincount(s_, weights=picked, minlength=inst.n_sub)
        figures = AffinityFigures(
            float(picked.sum()),
            per_sub,
            float(per_sub.min()) if inst.n_sub else 0.0,
            float(picked.min()) if picked.size else 0.0,
            float(picked.sum()),
            float(picked.sum()),
            None,
            None,
            1.0,
        )
    return matrix, figures


# --- balance across the competition -------------------------------------------------------------


@dataclass(frozen=True)
class LoadSplit:
    """How many submissions of each domain every juror takes, so that their totals balance.

    ``loads`` has shape ``(n_jurors, n_domains)``; each eligible juror's total lies within
    ``load_bounds``; ``reasons`` says why the bounds are more than one apart (empty when they
    are not). Arrays are read-only.
    """

    loads: np.ndarray
    load_bounds: tuple[int, int]
    eligible: np.ndarray
    reasons: tuple[Reason, ...]

    def __post_init__(self) -> None:
        for array in (self.loads, self.eligible):
            array.setflags(write=False)


def _ceiling_cut(capacity: np.ndarray, needed: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
    """Domains of a set whose panels cannot take its assignments with loads ≤ ``hi``, or None.

    Network: source → domain ``d`` (capacity ``T_d``) → juror ``j`` (``c_jd``, the submissions
    of ``d`` the juror is free to judge) → sink (``hi_j``). It saturates iff every set ``A``
    of domains has ``Σ_A T_d ≤ Σ_j min(hi_j, Σ_A c_jd)``; the source side of a minimum cut
    is a violated ``A``.
    """
    n_jur, n_dom = capacity.shape
    jur, dom = np.nonzero(capacity)
    sink = n_dom + n_jur + 1
    tail = np.r_[np.zeros(n_dom, np.int64), 1 + dom, 1 + n_dom + np.arange(n_jur)]
    head = np.r_[1 + np.arange(n_dom), 1 + n_dom + jur, np.full(n_jur, sink)]
    cap = np.r_[needed, capacity[jur, dom], hi].astype(np.int64)
    value, _, side = _max_flow(sink + 1, tail, head, cap, sink)
    return None if value == int(needed.sum()) else side[1 : 1 + n_dom]


def _floor_cut(capacity: np.ndarray, needed: np.ndarray, lo: np.ndarray) -> np.ndarray | None:
    """Jurors of a set who cannot all reach loads ``lo`` from their panels' domains, or None.

    Network: source → juror (``lo_j``) → domain (``c_jd``) → sink (``T_d``); it saturates iff
    every set ``B`` of jurors has ``Σ_B lo_j ≤ Σ_d min(T_d, Σ_B c_jd)``.
    """
    n_jur, n_dom = capacity.shape
    jur, dom = np.nonzero(capacity)
    sink = n_dom + n_jur + 1
    tail = np.r_[np.zeros(n_jur, np.int64), 1 + jur, 1 + n_jur + np.arange(n_dom)]
    head = np.r_[1 + np.arange(n_jur), 1 + n_jur + dom, np.full(n_dom, sink)]
    cap = np.r_[lo, capacity[jur, dom], needed].astype(np.int64)
    value, _, side = _max_flow(sink + 1, tail, head, cap, sink)
    return None if value == int(lo.sum()) else side[1 : 1 + n_jur]


def _ceiling_reason(
    capacity: np.ndarray,
    needed: np.ndarray,
    limit: int,
    domains: np.ndarray,
    domain_ids: Sequence[str],
    juror_ids: Sequence[str],
) -> LoadCeiling:
    reach = capacity[:, domains].sum(axis=1)
    return LoadCeiling(
        limit,
        tuple(domain_ids[d] for d in np.flatnonzero(domains)),
        int(needed[domains].sum()),
        tuple(juror_ids[j] for j in np.flatnonzero(reach > 0)),
        int(np.minimum(reach, limit).sum()),
    )


def _floor_reason(
    capacity: np.ndarray,
    needed: np.ndarray,
    limit: int,
    jurors: np.ndarray,
    domain_ids: Sequence[str],
    juror_ids: Sequence[str],
) -> LoadFloor:
    reach = capacity[jurors].sum(axis=0)
    return LoadFloor(
        limit,
        tuple(juror_ids[j] for j in np.flatnonzero(jurors)),
        tuple(domain_ids[d] for d in np.flatnonzero(reach > 0)),
        int(np.minimum(reach, needed).sum()),
    )


def split_loads(
    capacity: np.ndarray,
    needed: np.ndarray,
    domain_ids: Sequence[str],
    juror_ids: Sequence[str],
    rng: np.random.Generator,
    *,
    max_load: int | None = None,
) -> LoadSplit:
    """Each juror's share of each domain, so that total loads are as balanced as panels allow.

    Parameters
    ----------
    capacity : ndarray of int, shape (n_jurors, n_domains)
        ``c_jd``: the submissions of domain ``d`` juror ``j`` is free to judge (0 off its
        panel).
    needed : ndarray of int, shape (n_domains,)
        ``T_d = S_d·K``: the assignments of each domain.
    rng : numpy.random.Generator
        Breaks ties between equally balanced splits.
    max_load : int, optional
        Most assignments per juror across the competition.

    Returns
    -------
    LoadSplit
        Total loads within ``[lo, hi]``: the smallest feasible ``hi`` (at most ``max_load``),
        then the largest feasible ``lo``; the two conditions are independent (as in
        `assign_jurors`), so no split is more balanced. Within those bounds, each domain's
        shares are as even as they can be: the split minimises ``Σ |x_jd − T_d / n_d|``
        (``n_d`` the jurors able to judge in ``d``), a transportation problem with convex
        piecewise-linear costs, solved as an LP whose constraint matrix is totally unimodular
        (HiGHS dual simplex ends on an integral vertex). Seeded random costs below one pick
        who takes a domain's spare assignments.

    Raises
    ------
    AssignmentInfeasible
        With a `LoadCeiling` when no split keeps every load at most ``max_load`` (or when the
        panels cannot take some domains' assignments at all).
    """
    capacity = np.asarray(capacity, dtype=np.int64)
    needed = np.asarray(needed, dtype=np.int64)
    n_jur, n_dom = capacity.shape
    reach = capacity.sum(axis=1)
    eligible = reach > 0
    n = int(eligible.sum())
    total = int(needed.sum())
    if n == 0 or total == 0:
        return LoadSplit(np.zeros((n_jur, n_dom), np.int64), (0, 0), eligible, ())
    top = int(reach.max()) if max_load is None else max_load
    level = np.where(eligible, 1, 0)
    cut = _ceiling_cut(capacity, needed, level * top)
    if cut is not None:
        reason = _ceiling_reason(capacity, needed, top, cut, domain_ids, juror_ids)
        raise AssignmentInfeasible([reason])
    low, high = -(-total // n), top
    while low < high:  # high is feasible: the smallest feasible ceiling in [low, high]
        mid = (low + high) // 2
        if _ceiling_cut(capacity, needed, level * mid) is None:
            high = mid
        else:
            low = mid + 1
    hi = high
    low, high = 0, min(total // n, int(reach[eligible].min()), hi)
    while low < high:  # low is feasible: the largest feasible floor in [low, high]
        mid = (low + high + 1) // 2
        if _floor_cut(capacity, needed, level * mid) is None:
            low = mid
        else:
            high = mid - 1
    lo = low
    reasons: list[Reason] = []
    if hi - lo > 1 and hi > -(-total // n):
        cut = _ceiling_cut(capacity, needed, level * (hi - 1))
        if cut is not None:
            reasons.append(_ceiling_reason(capacity, needed, hi - 1, cut, domain_ids, juror_ids))
    if hi - lo > 1 and lo < total // n:
        jurors = _floor_cut(capacity, needed, level * (lo + 1))
        if jurors is not None:
            reasons.append(_floor_reason(capacity, needed, lo + 1, jurors, domain_ids, juror_ids))
    loads = _even_split(capacity, needed, level * lo, level * hi, rng)
    return LoadSplit(loads, (lo, hi), eligible, tuple(reasons))


def _even_split(
    capacity: np.ndarray,
    needed: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """The split of `split_loads` within known feasible bounds.

    A min-cost flow written as an LP: source → domain ``d`` (exactly ``T_d``) → juror ``j``
    (``x_jd ≤ c_jd``) → sink (``lo_j`` units, then one unit per level ``t = lo_j+1 … hi_j``).
    Costs, first to last in weight: a juror's unit at level ``t`` costs ``W·(t − m)`` with
    ``m`` the mean load, so totals are as even as the bounds allow (convex in the total);
    ``x_jd`` costs −1 per unit up to ``⌊T_d / n_d⌋``, a seeded random amount below one for
    the next unit and +1 beyond, so each domain's shares are as even as they can be; ``W``
    exceeds any change of the second cost along one augmenting path. The matrix is a network
    matrix (totally unimodular), so the dual simplex's vertex is integral.
    """
    n_jur, n_dom = capacity.shape
    jur, dom = np.nonzero(capacity)
    share = needed / np.maximum((capacity > 0).sum(axis=0), 1)
    floor = np.floor(share[dom]).astype(np.int64)
    cap = capacity[jur, dom]
    first = np.minimum(cap, floor)
    second = np.minimum(cap - first, 1)
    third = cap - first - second
    x_upper = np.r_[first, second, third].astype(np.float64)
    x_cost = np.r_[np.full(jur.size, -1.0), rng.random(jur.size) * 0.5, np.ones(jur.size)]
    x_jur, x_dom = np.tile(jur, 3), np.tile(dom, 3)
    keep = x_upper > 0
    x_upper, x_cost, x_jur, x_dom = x_upper[keep], x_cost[keep], x_jur[keep], x_dom[keep]
    # One unit variable per juror and level above lo_j.
    levels = (hi - lo).astype(np.int64)
    y_jur = np.repeat(np.arange(n_jur), levels)
    y_level = lo[y_jur] + 1 + np.arange(y_jur.size) - np.repeat(np.cumsum(levels) - levels, levels)
    eligible = capacity.sum(axis=1) > 0
    mean = needed.sum() / max(int(eligible.sum()), 1)
    weight = 4.0 * n_dom + 4.0
    y_cost = weight * (y_level - mean)
    n_x, n_y = x_upper.size, y_jur.size
    rows = np.r_[x_dom, n_dom + x_jur, n_dom + y_jur]
    cols = np.r_[np.arange(n_x), np.arange(n_x), n_x + np.arange(n_y)]
    vals = np.r_[np.ones(2 * n_x), -np.ones(n_y)]
    a_eq = sp.csr_array((vals, (rows, cols)), shape=(n_dom + n_jur, n_x + n_y))
    result = linprog(
        np.r_[x_cost, y_cost],
        A_eq=a_eq,
        b_eq=np.r_[needed, lo].astype(np.float64),
        bounds=np.c_[np.zeros(n_x + n_y), np.r_[x_upper, np.ones(n_y)]],
        method="highs-ds",
    )
    if result.status != 0:  # pragma: no cover - both cut conditions hold
        raise AssertionError(f"the load split must be feasible: {result.message}")
    x = np.rint(result.x[:n_x]).astype(np.int64)
    loads = np.zeros((n_jur, n_dom), dtype=np.int64)
    np.add.at(loads, (x_jur, x_dom), x)
    return loads


# --- assignment and connectivity ----------------------------------------------------------------


def _solve(
    graph: _Graph, lo_j: np.ndarray, hi_j: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Juror codes per submission (ascending in each row) meeting the load bounds."""
    chosen = None
    if graph.codes.size <= LP_LIMIT:
        chosen = _solve_lp(graph, lo_j, hi_j, rng)
    if chosen is None:
        chosen = _solve_flow(graph, lo_j, hi_j, rng)
    sub, jur = graph.sub[chosen], graph.jur[chosen]
    order = np.lexsort((jur, sub))
    return jur[order].reshape(graph.inst.n_sub, graph.inst.k)


def _solve_lp(
    graph: _Graph, lo_j: np.ndarray, hi_j: np.ndarray, rng: np.random.Generator
) -> np.ndarray | None:
    """Chosen candidate pairs minimising seeded random costs, or None if HiGHS fails.

    The constraint matrix is the incidence matrix of a bipartite graph, which is totally
    unimodular, and every bound is integral, so each vertex of the polytope is integral; the
    dual simplex ends on a vertex. Continuous random costs make the optimum unique.
    """
    inst = graph.inst
    n = graph.codes.size
    ones, edges = np.ones(n), np.arange(n)
    by_sub = sp.csr_array((ones, (graph.sub, edges)), shape=(inst.n_sub, n))
    by_jur = sp.csr_array((ones, (graph.jur, edges)), shape=(inst.n_jur, n))
    result = linprog(
        rng.random(n),
        A_ub=sp.vstack([by_jur, -by_jur]).tocsr(),
        b_ub=np.r_[hi_j, -lo_j].astype(np.float64),
        A_eq=by_sub,
        b_eq=np.full(inst.n_sub, float(inst.k)),
        bounds=(0, 1),
        method="highs-ds",
    )
    if result.status != 0:  # pragma: no cover - the flow tests proved feasibility
        return None
    x = np.rint(result.x).astype(np.int64)
    loads = np.bincount(graph.jur, weights=x, minlength=inst.n_jur)
    exact = np.abs(result.x - x).max(initial=0.0) < 1e-6
    per_sub = np.bincount(graph.sub, weights=x, minlength=inst.n_sub)
    if not (
        exact and (per_sub == inst.k).all() and (loads >= lo_j).all() and (loads <= hi_j).all()
    ):
        return None  # pragma: no cover - a vertex is integral; kept as a guard
    return x > 0


def _solve_flow(
    graph: _Graph, lo_j: np.ndarray, hi_j: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Chosen candidate pairs from one maximum flow with load bounds."""
    inst = graph.inst
    s, j, k = inst.n_sub, inst.n_jur, inst.k
    # Seeded relabelling: Dinic explores edges in node order, so random labels make the
    # choice among a submission's candidates random rather than biased to low codes.
    sub_node = 1 + rng.permutation(s)
    jur_node = 1 + s + rng.permutation(j)
    overflow, sink = s + j + 1, s + j + 2
    pairs = graph.codes.size
    tail = np.r_[np.zeros(s, np.int64), sub_node[graph.sub], jur_node, jur_node, [overflow]]
    head = np.r_[sub_node, jur_node[graph.jur], np.full(j, sink), np.full(j, overflow), [sink]]
    cap = np.r_[
        np.full(s, k), np.ones(pairs, np.int64), lo_j, hi_j - lo_j, [s * k - int(lo_j.sum())]
    ]
    value, flow, _ = _max_flow(sink + 1, tail, head, cap, sink)
    if value != s * k:  # pragma: no cover - both conditions hold on the graph
        raise AssertionError("the load-bounded flow must saturate when both conditions hold")
    return flow[s : s + pairs] > 0


def _components(matrix: np.ndarray, n_jur: int) -> tuple[int, np.ndarray]:
    """Connected components among submissions and jurors with a load: count and labels."""
    s, k = matrix.shape
    rows = np.repeat(np.arange(s), k)
    graph = sp.csr_array(
        (np.ones(s * k, dtype=np.int8), (rows, s + matrix.ravel())), shape=(s + n_jur,) * 2
    )
    _, labels = connected_components(graph, directed=False)
    active = np.r_[np.ones(s, dtype=bool), np.bincount(matrix.ravel(), minlength=n_jur) > 0]
    return int(np.count_nonzero(np.bincount(labels[active]))), labels


def _connect(
    inst: _Instance,
    matrix: np.ndarray,
    lo_j: np.ndarray,
    hi_j: np.ndarray,
    rng: np.random.Generator,
) -> tuple[int, int]:
    """Repair a disconnected assignment in place; return (components, repairs made).

    Two changes keep every constraint: give submission ``a`` of one component juror ``q`` of
    another instead of ``p`` when their loads allow it, or exchange ``p`` of ``a`` with ``q`` of
    a submission ``b`` of another component. A change is kept when the number of components
    drops; components are tried smallest first, within a budget of attempts.
    """
    repair = _Repair(inst, matrix, lo_j, hi_j, rng)
    # A connected graph needs at least (nodes - 1) edges; jurors with lo ≥ 1 stay nodes.
    possible = matrix.size >= matrix.shape[0] + int((lo_j > 0).sum()) - 1
    while possible and repair.count > 1 and repair.merge_once():
        repair.repairs += 1
    matrix.sort(axis=1)
    return repair.count, repair.repairs


class _Repair:
    """State of the connectivity repair of `_connect`."""

    def __init__(
        self,
        inst: _Instance,
        matrix: np.ndarray,
        lo_j: np.ndarray,
        hi_j: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        self.inst, self.matrix, self.lo_j, self.hi_j, self.rng = inst, matrix, lo_j, hi_j, rng
        self.count, self.labels = _components(matrix, inst.n_jur)
        # Each attempt recomputes the components, so the budget shrinks with the graph's size.
        self.attempts = min(REPAIR_ATTEMPTS, REPAIR_WORK // (matrix.size + inst.n_jur + 1))
        self.examined = 50 * self.attempts
        self.repairs = 0

    def merge_once(self) -> bool:
        """Merge some component with another; False when none merges within the budget."""
        s = self.matrix.shape[0]
        loads = np.bincount(self.matrix.ravel(), minlength=self.inst.n_jur)
        labels = self.labels
        sizes = np.bincount(labels[np.r_[np.ones(s, dtype=bool), loads > 0]])
        for component in np.argsort(np.where(sizes > 0, sizes, sizes.max() + 1), kind="stable"):
            if sizes[component] == 0:
                break
            inside = self.rng.permutation(np.flatnonzero(labels[:s] == component))
            outside = self.rng.permutation(np.flatnonzero(labels[:s] != component))
            spare = self.rng.permutation(
                np.flatnonzero((loads > 0) & (loads < self.hi_j) & (labels[s:] != component))
            )
            for changes in _repair_moves(self.matrix, inside, outside, spare, loads, self.lo_j):
                self.examined -= 1
                if self.examined < 0 or self.attempts <= 0:
                    return False
                if self._allowed(changes) and self._attempt(changes):
                    return True
        return False

    def _allowed(self, changes: list[tuple[int, int, int]]) -> bool:
        codes = np.array([sub * self.inst.n_jur + jur for sub, _, jur in changes])
        return not self.inst.is_forbidden(codes).any()

    def _attempt(self, changes: list[tuple[int, int, int]]) -> bool:
        """Apply the changes; keep them if the components drop, else undo them."""
        self.attempts -= 1
        before = [int(self.matrix[sub, column]) for sub, column, _ in changes]
        for sub, column, jur in changes:
            self.matrix[sub, column] = jur
        count, labels = _components(self.matrix, self.inst.n_jur)
        if count < self.count:
            self.count, self.labels = count, labels
            return True
        for (sub, column, _), jur in zip(changes, before, strict=True):
            self.matrix[sub, column] = jur
        return False


def _repair_moves(
    matrix: np.ndarray,
    inside: np.ndarray,
    outside: np.ndarray,
    spare: np.ndarray,
    loads: np.ndarray,
    lo_j: np.ndarray,
) -> Iterator[list[tuple[int, int, int]]]:
    """Candidate repairs as (submission, column, new juror) changes: moves, then exchanges."""
    k = matrix.shape[1]
    for a in map(int, inside):
        for column in range(k):
            p = int(matrix[a, column])
            if loads[p] > lo_j[p]:
                for q in map(int, spare):
                    if q not in matrix[a]:
                        yield [(a, column, q)]
    for a in map(int, inside):
        for b in map(int, outside):
            for col_a in range(k):
                for col_b in range(k):
                    p, q = int(matrix[a, col_a]), int(matrix[b, col_b])
                    if q not in matrix[a] and p not in matrix[b]:
                        yield [(a, col_a, q), (b, col_b, p)]


def shared_pairs(matrix: np.ndarray, n_jurors: int) -> int:
    """Number of unordered juror pairs who share at least one submission.

    ``matrix`` holds the juror codes of each submission, one row per submission.
    """
    k = matrix.shape[1] if matrix.ndim == 2 else 0
    codes = [
        np.minimum(matrix[:, a], matrix[:, b]).astype(np.int64) * n_jurors
        + np.maximum(matrix[:, a], matrix[:, b])
        for a in range(k)
        for b in range(a + 1, k)
    ]
    return int(_sorted_unique(np.concatenate(codes)).size) if codes else 0


# --- public entry points ----------------------------------------------------------------------


def infeasibility_reasons(
    submission_ids: Sequence[str],
    juror_ids: Sequence[str],
    forbidden: np.ndarray,
    per_submission: int,
    *,
    max_load: int | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[Reason, ...]:
    """Why no assignment exists, or an empty tuple when one does.

    Takes the same arguments as `assign_jurors`. The answer (empty or not) does not depend on
    ``rng``; which violated set a Hall-type reason names may.
    """
    inst = _instance(submission_ids, juror_ids, forbidden, _checked(per_submission, max_load))
    if inst.n_sub == 0 or inst.k == 0:
        return ()
    rng = rng if rng is not None else np.random.default_rng(0)
    return tuple(_plan(inst, max_load, rng)[3])


def assign_jurors(
    submission_ids: Sequence[str],
    juror_ids: Sequence[str],
    forbidden: np.ndarray,
    per_submission: int,
    rng: np.random.Generator,
    *,
    max_load: int | None = None,
    domain: str | None = None,
    loads: np.ndarray | None = None,
    affinity: Affinity | None = None,
    objective: str = "balance",
    cap: float | None = None,
    constraints: DomainConstraints | None = None,
) -> Assignment:
    """Assign ``per_submission`` distinct conflict-free jurors to every submission of a domain.

    Parameters
    ----------
    submission_ids, juror_ids : sequence of str
        Ids of the domain's submissions and of its panel; positions are the codes used in
        ``forbidden`` and in the result.
    forbidden : ndarray
        Pairs that must not be assigned: a boolean ``(n_jurors, n_submissions)`` matrix, or an
        integer array of ``(juror, submission)`` rows (declared, affiliation-detected and
        whole-domain exclusions alike).
    per_submission : int
        ``K``, the number of jurors of every submission.
    rng : numpy.random.Generator
        Source of every random choice; the same state gives the same assignment.
    max_load : int, optional
        Most submissions per juror. By default loads differ by at most one across the
        eligible panel; with a limit they are as balanced as the conflicts allow.
    domain : str, optional
        Named in the error's message.
    loads : ndarray of int, optional
        Every juror's exact load (their share of a competition-wide balance, from
        `split_loads`); replaces the balance within the domain and ``max_load``.
    affinity : Affinity, optional
        Affinities of juror–submission pairs (unlisted pairs: 0).
    objective : {"balance", "affinity", "fair"}
        See `OBJECTIVES`. Under ``affinity`` and ``fair`` the loads are the same as under
        ``balance``; the connectivity repair is not run (it would trade affinity, and under a
        cap it would change the probabilities), so ``n_components`` reports what came out.
    cap : float, optional
        Randomised assignment (Jecmen et al. 2020, "Mitigating manipulation in peer review
        via randomized reviewer assignments", NeurIPS): the LP of the objective with every
        pair's value at most ``cap`` gives each pair's probability, and `dependent_rounding`
        draws one assignment with exactly those probabilities from ``rng``.
    constraints : DomainConstraints, optional
        Languages, attribute groups and jurors kept apart, solved exactly by a MILP over
        every conflict-free pair (domains up to `MILP_LIMIT` pairs; not with a cap; ``fair``
        then maximises the total affinity).

    Returns
    -------
    Assignment

    Raises
    ------
    AssignmentInfeasible
        With every reason found: submissions with too few conflict-free jurors, a panel too
        small or too limited, jurors who cannot reach a balanced load, or Hall-type sets from a
        minimum cut. Each reason is a violated necessary condition, so it is exact.
    """
    inst = _instance(submission_ids, juror_ids, forbidden, _checked(per_submission, max_load))
    excluded = np.flatnonzero(~inst.eligible)
    if inst.n_sub == 0 or inst.k == 0:
        matrix = np.zeros((inst.n_sub, inst.k), dtype=np.int64)
        count, _ = _components(matrix, inst.n_jur)
        return Assignment(matrix, np.zeros(inst.n_jur, np.int64), (0, 0), excluded, 0, count, 0)
    if loads is not None:
        lo_j = hi_j = np.where(inst.eligible, np.asarray(loads, dtype=np.int64), 0)
        graph, reasons = _plan_exact(inst, lo_j, rng)
        active = lo_j[inst.eligible]
        lo, hi = (int(active.min()), int(active.max())) if active.size else (0, 0)
    else:
        lo, hi, graph, reasons = _plan(inst, max_load, rng)
        lo_j, hi_j = _bounds(inst, lo, hi)
    if reasons or graph is None:
        raise AssignmentInfeasible(reasons, domain)
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, not {objective!r}")
    if cap is not None and not 0 < cap <= 1:
        raise ValueError(f"cap must be in (0, 1], not {cap}")
    figures = None
    if constraints is not None:
        if cap is not None:
            raise ValueError("a cap cannot be combined with constraints")
        try:
            matrix, figures = _solve_constrained(inst, lo_j, hi_j, affinity, constraints, rng)
        except AssignmentInfeasible as failure:
            raise AssignmentInfeasible(failure.reasons, domain) from None
        (count, _), repairs = _components(matrix, inst.n_jur), 0
    elif objective == "balance" and cap is None:
        matrix = _solve(graph, lo_j, hi_j, rng)
        count, repairs = _connect(inst, matrix, lo_j, hi_j, rng)
    else:
        try:
            matrix, figures = _solve_affinity(
                inst, graph, lo_j, hi_j, affinity, objective, cap, rng
            )
        except AssignmentInfeasible as failure:
            raise AssignmentInfeasible(failure.reasons, domain) from None
        (count, _), repairs = _components(matrix, inst.n_jur), 0
    loads = np.bincount(matrix.ravel(), minlength=inst.n_jur)
    pairs = shared_pairs(matrix, inst.n_jur)
    precision = calibration_precision(matrix, inst.n_jur)
    return Assignment(matrix, loads, (lo, hi), excluded, pairs, count, repairs, figures, precision)


def _checked(per_submission: int, max_load: int | None) -> int:
    """Reject arguments no valid competition can produce (a bug in the caller)."""
    if per_submission < 0:
        raise ValueError(f"per_submission must be at least 0, not {per_submission}")
    if max_load is not None and max_load < 1:
        raise ValueError(f"max_load must be at least 1, not {max_load}")
    return int(per_submission)


# --- the whole competition ----------------------------------------------------------------------


@dataclass(frozen=True)
class DomainProblem:
    """One domain to assign: its submissions, its panel (codes into the competition's jurors)
    and its forbidden ``(panel position, submission position)`` pairs."""

    domain: str
    submission_ids: tuple[str, ...]
    panel: tuple[int, ...]
    forbidden: np.ndarray
    affinity: Affinity | None = None
    constraints: DomainConstraints | None = None


@dataclass(frozen=True)
class CompetitionAssignment:
    """Every domain's assignment, and the balance of loads across the competition.

    ``loads`` counts each competition juror's submissions over all domains; eligible jurors
    (free to judge at least one submission of a panel they sit on) have loads within
    ``load_bounds``. ``reasons`` says why those bounds are more than one apart; ``refused``
    lists the domains whose conflicts refused their share of the balance (then balanced within
    the domain). ``balance`` is ``"competition"`` or ``"domain"``.
    """

    domains: tuple[Assignment, ...]
    loads: np.ndarray
    load_bounds: tuple[int, int]
    eligible: np.ndarray
    balance: str
    reasons: tuple[Reason, ...] = ()
    refused: tuple[SplitRefused, ...] = ()

    def __post_init__(self) -> None:
        for array in (self.loads, self.eligible):
            array.setflags(write=False)


BALANCES = ("competition", "domain")
"""``competition``: total loads differ by at most one where panels allow; ``domain``: loads
are balanced within each domain separately (as before issue 20)."""


def assign_competition(
    problems: Sequence[DomainProblem],
    n_jurors: int,
    per_submission: int,
    rngs: Sequence[np.random.Generator],
    *,
    max_load: int | None = None,
    balance: str = "competition",
    juror_ids: Sequence[str] | None = None,
    objective: str = "balance",
    cap: float | None = None,
) -> CompetitionAssignment:
    """Assign every domain, with loads balanced across the whole competition.

    With ``balance="competition"``, `split_loads` first decides each juror's share of every
    domain so that total loads differ by at most one where the panels allow it (``max_load``
    bounds the total); each domain is then assigned with those exact loads. A domain whose
    conflicts refuse its share is balanced within itself instead, and named in ``refused``.
    With ``balance="domain"``, each domain is balanced on its own and ``max_load`` bounds each
    domain's load. ``rngs`` holds one generator per domain, plus one for the split.
    ``objective`` and ``cap`` apply in every domain (see `assign_jurors`), with each domain's
    ``affinity``.

    Raises
    ------
    CompetitionInfeasible
        With the exact reasons of every domain that has no assignment, or a `LoadCeiling`
        when the domains have one each but not within ``max_load`` in total.
    """
    if balance not in BALANCES:
        raise ValueError(f"balance must be one of {', '.join(BALANCES)}, not {balance!r}")
    juror_ids = tuple(juror_ids) if juror_ids is not None else tuple(map(str, range(n_jurors)))
    k = _checked(per_submission, max_load)
    split: LoadSplit | None = None
    if balance == "competition" and problems:
        capacity = np.zeros((n_jurors, len(problems)), dtype=np.int64)
        for d, problem in enumerate(problems):
            inst = _instance(
                problem.submission_ids,
                [juror_ids[j] for j in problem.panel],
                problem.forbidden,
                k,
            )
            if k > 0:
                # Under a cap, a juror's expected load in a domain is at most cap × free.
                free = inst.free_jur if cap is None else np.floor(cap * inst.free_jur + 1e-9)
                capacity[list(problem.panel), d] = free
        needed = np.array([len(p.submission_ids) * k for p in problems], dtype=np.int64)
        try:
            split = split_loads(
                capacity,
                needed,
                [p.domain for p in problems],
                juror_ids,
                rngs[len(problems)],
                max_load=max_load,
            )
        except AssignmentInfeasible as ceiling:
            # A domain's own reasons are more precise: they come first, if there are any.
            # A load at most max_load in total is at most max_load in each domain.
            _assign_each(problems, juror_ids, k, rngs, None, max_load, objective, cap)
            raise CompetitionInfeasible([ceiling]) from None
    results, refused = _assign_each(problems, juror_ids, k, rngs, split, max_load, objective, cap)
    loads = np.zeros(n_jurors, dtype=np.int64)
    eligible = np.zeros(n_jurors, dtype=bool)
    for problem, result in zip(problems, results, strict=True):
        panel = np.asarray(problem.panel, dtype=np.int64)
        loads[panel] += result.loads
        if panel.size:
            eligible[panel[np.setdiff1d(np.arange(panel.size), result.excluded)]] = True
    active = loads[eligible]
    bounds = (int(active.min()), int(active.max())) if active.size else (0, 0)
    reasons: tuple[Reason, ...] = split.reasons if split is not None and not refused else ()
    return CompetitionAssignment(
        tuple(results), loads, bounds, eligible, balance, reasons, tuple(refused)
    )


class CompetitionInfeasible(GrantjuryError):
    """No assignment of the competition exists; ``failures`` holds each domain's reasons."""

    def __init__(self, failures: Sequence[AssignmentInfeasible]):
        self.failures = tuple(failures)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(failure) for failure in self.failures)


def _assign_each(
    problems: Sequence[DomainProblem],
    juror_ids: Sequence[str],
    k: int,
    rngs: Sequence[np.random.Generator],
    split: LoadSplit | None,
    max_load: int | None,
    objective: str = "balance",
    cap: float | None = None,
) -> tuple[list[Assignment], list[SplitRefused]]:
    """Each domain's assignment, with its share of ``split`` when there is one."""
    results, refused, failures = [], [], []
    for d, problem in enumerate(problems):
        ids = [juror_ids[j] for j in problem.panel]
        args = (problem.submission_ids, ids, problem.forbidden, k, rngs[d])
        extra: dict[str, Any] = {
            "affinity": problem.affinity,
            "objective": objective,
            "cap": cap,
            "constraints": problem.constraints,
        }
        try:
            if split is not None:
                share = split.loads[list(problem.panel), d] if problem.panel else None
                if share is None or int(share.sum()) != len(problem.submission_ids) * k:
                    # No split covers this domain: its own reasons are below.
                    results.append(
                        assign_jurors(*args, **extra, max_load=max_load, domain=problem.domain)
                    )
                    continue
                try:
                    results.append(
                        assign_jurors(*args, **extra, domain=problem.domain, loads=share)
                    )
                    continue
                except AssignmentInfeasible as failure:
                    refused.append(SplitRefused(problem.domain, failure.reasons))
                if max_load is None:
                    # Balanced within the domain if it can be, else as balanced as it can be.
                    try:
                        results.append(assign_jurors(*args, **extra, domain=problem.domain))
                        continue
                    except AssignmentInfeasible:
                        pass
                limit = max_load if max_load is not None else max(1, len(problem.submission_ids))
                results.append(assign_jurors(*args, **extra, max_load=limit, domain=problem.domain))
                continue
            results.append(assign_jurors(*args, **extra, max_load=max_load, domain=problem.domain))
        except AssignmentInfeasible as failure:
            failures.append(failure)
    if failures:
        raise CompetitionInfeasible(failures)
    return results, refused
