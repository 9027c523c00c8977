"""Benchmark juror assignment on a large synthetic competition: wall time and peak memory.

Default case: 50,000 submissions and 5,000 jurors in 3 domains; each juror sits on one
domain's panel and one in five on a second one (panels of about 1,900); 4 jurors per
submission; conflicts from affiliations (4,000 associations per domain, about half of the
jurors affiliated with one or two), 2 declared conflicts per juror, and 5 jurors per domain
excluded from the whole domain (``conflict_scope: domain``). Affinities are the Jaccard
similarity of keyword sets (3 keywords each of 2,000), as ``--keywords`` computes them.

Each objective runs in its own process, so that each peak memory (max RSS) is its own:

    .venv/bin/python benchmarks/assign.py                 # every objective, one table
    .venv/bin/python benchmarks/assign.py --only affinity --cap 0.5
    .venv/bin/python benchmarks/assign.py --submissions 5000 --jurors 500

Measured on 2 shared cores (load about 8), 2 December 2026:

- 50,000 × 5,000: ``balance`` by domain 2.5 s, loads 32–69 in total; ``balance`` across the
  competition 3.9 s, loads 40–41; peak memory 238 MiB both (the synthetic inputs' own peak).
  ``affinity`` had not finished after 22 minutes (3 min 40 s of CPU): the HiGHS LP over
  about 370,000 candidate pairs per domain is the bottleneck, so ``fair`` and the capped
  runs were not measured at this size.
- 5,000 × 500: ``balance`` 3.0 s (domain) and 3.2 s (competition), loads 33–73 against
  40–41; ``affinity`` 18.4 s; ``fair`` 9.9 s; randomised with cap 0.5: 38.6 s, expected
  share of the optimal affinity 0.516; cap 0.75: 22.9 s, share 0.762; peak 122–138 MiB.
  (Keyword affinities are sparse: most pairs have 0, so the worst-served submission has 0
  under every objective and ``fair`` finds the same optimum.)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

from grantjury.secretary.affinity import keyword_affinity
from grantjury.secretary.assign import Affinity, DomainProblem, assign_competition

RUNS = (
    ("balance", None, "domain"),
    ("balance", None, "competition"),
    ("affinity", None, "competition"),
    ("fair", None, "competition"),
    ("affinity", 0.5, "competition"),
    ("affinity", 0.75, "competition"),
)
"""(objective, cap, balance) of each row of the table."""


def synthetic(
    n_sub: int, n_jur: int, n_dom: int, rng: np.random.Generator
) -> tuple[list[DomainProblem], int]:
    """The domains of a synthetic competition, with keyword affinities."""
    home = rng.integers(0, n_dom, size=n_jur)
    second = np.where(rng.random(n_jur) < 0.2, (home + rng.integers(1, n_dom, n_jur)) % n_dom, -1)
    subs = np.array_split(np.arange(n_sub), n_dom)
    vocabulary = 2_000
    juror_words = {
        j: frozenset(rng.choice(vocabulary, 3, replace=False).tolist()) for j in range(n_jur)
    }
    sub_words = {
        s: frozenset(rng.choice(vocabulary, 3, replace=False).tolist()) for s in range(n_sub)
    }
    jur_a, sub_a, val_a = keyword_affinity(juror_words, sub_words)
    problems = []
    for d in range(n_dom):
        panel = np.flatnonzero((home == d) | (second == d))
        members = subs[d]
        pairs = _conflicts(members.size, panel.size, 4_000, rng)
        at_panel = np.full(n_jur, -1)
        at_panel[panel] = np.arange(panel.size)
        at_sub = np.full(n_sub, -1)
        at_sub[members] = np.arange(members.size)
        keep = (at_panel[jur_a] >= 0) & (at_sub[sub_a] >= 0)
        affinity = Affinity(at_panel[jur_a[keep]], at_sub[sub_a[keep]], val_a[keep])
        ids = tuple(f"S{i:06d}" for i in members.tolist())
        problems.append(DomainProblem(f"d{d}", ids, tuple(panel.tolist()), pairs, affinity))
    return problems, n_jur


def _conflicts(n_sub: int, n_jur: int, n_associations: int, rng: np.random.Generator) -> np.ndarray:
    """Forbidden (panel position, submission position) pairs of one synthetic domain."""
    association = rng.integers(0, n_associations, size=n_sub)
    n_affiliations = np.minimum(rng.poisson(0.6, size=n_jur), 2)
    juror_of = np.repeat(np.arange(n_jur), n_affiliations)
    affiliation = rng.integers(0, n_associations, size=juror_of.size)
    # Affiliation-detected conflicts: a juror against every submission of their association.
    order = np.argsort(association, kind="stable")
    starts = np.searchsorted(association[order], affiliation, side="left")
    ends = np.searchsorted(association[order], affiliation, side="right")
    counts = ends - starts
    detected_jur = np.repeat(juror_of, counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    detected_sub = order[np.repeat(starts, counts) + offsets]
    declared_jur = np.repeat(np.arange(n_jur), 2)
    declared_sub = rng.integers(0, n_sub, size=declared_jur.size)
    excluded = rng.choice(n_jur, size=min(5, n_jur), replace=False)
    pairs = np.concatenate(
        [
            np.c_[detected_jur, detected_sub],
            np.c_[declared_jur, declared_sub],
            np.c_[np.repeat(excluded, n_sub), np.tile(np.arange(n_sub), excluded.size)],
        ]
    )
    return pairs.astype(np.int64)


def run_one(args: argparse.Namespace) -> dict[str, object]:
    """One objective: build the competition, time the assignment, measure the peak memory."""
    problems, n_jur = synthetic(
        args.submissions, args.jurors, args.domains, np.random.default_rng(args.seed)
    )
    rngs = [np.random.default_rng([args.seed, d]) for d in range(len(problems) + 1)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    whole = assign_competition(
        problems,
        n_jur,
        args.per_submission,
        rngs,
        max_load=args.max_load,
        balance=args.balance,
        objective=args.only,
        cap=args.cap,
    )
    wall = time.perf_counter() - start
    figures = [r.affinity for r in whole.domains]
    total = sum(f.total for f in figures if f is not None)
    optimal = sum(f.optimal for f in figures if f is not None)
    expected = sum(f.expected for f in figures if f is not None)
    return {
        "objective": args.only,
        "cap": args.cap,
        "balance": args.balance,
        "seconds": round(wall, 2),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_mib_before": round(before),
        "loads": list(whole.load_bounds),
        "refused": [r.domain for r in whole.refused],
        "components": [r.n_components for r in whole.domains],
        "affinity": round(total, 2) if figures[0] is not None else None,
        "share_of_optimal": round(expected / optimal, 4) if optimal else None,
        "worst_submission": min(
            (f.worst_submission for f in figures if f is not None), default=None
        ),
        "largest_probability": max(
            (f.largest_probability for f in figures if f is not None), default=None
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--submissions", type=int, default=50_000)
    parser.add_argument("--jurors", type=int, default=5_000)
    parser.add_argument("--domains", type=int, default=3)
    parser.add_argument("--per-submission", type=int, default=4)
    parser.add_argument("--max-load", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20130418)
    parser.add_argument("--only", choices=["balance", "affinity", "fair"], default=None)
    parser.add_argument("--cap", type=float, default=None)
    parser.add_argument("--balance", choices=["competition", "domain"], default="competition")
    args = parser.parse_args()
    if args.only is not None:
        print(json.dumps(run_one(args)))
        return
    common = [
        f"--submissions={args.submissions}",
        f"--jurors={args.jurors}",
        f"--domains={args.domains}",
        f"--per-submission={args.per_submission}",
        f"--seed={args.seed}",
    ] + ([f"--max-load={args.max_load}"] if args.max_load else [])
    print(
        f"{args.submissions} submissions, {args.jurors} jurors, {args.domains} domains, "
        f"K={args.per_submission}"
    )
    for objective, cap, balance in RUNS:
        extra = [f"--only={objective}", f"--balance={balance}"] + ([f"--cap={cap}"] if cap else [])
        done = subprocess.run(
            [sys.executable, __file__, *common, *extra], capture_output=True, text=True, check=True
        )
        row = json.loads(done.stdout)
        print(
            f"{objective:8} cap {cap!s:4} balance {balance:11}: {row['seconds']:7.2f} s, "
            f"peak {row['peak_mib']} MiB (inputs {row['peak_mib_before']} MiB), loads "
            f"{row['loads'][0]}-{row['loads'][1]}, components {row['components']}"
            + (
                f", affinity {row['affinity']}, share of optimal {row['share_of_optimal']}, "
                f"worst-served submission {row['worst_submission']:.3f}"
                if row["affinity"] is not None
                else ""
            )
            + (f", refused {row['refused']}" if row["refused"] else ""),
            flush=True,
        )


if __name__ == "__main__":
    main()
