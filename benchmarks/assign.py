"""Benchmark juror assignment on a large synthetic competition; prints wall time and peak memory.

Default case: 50,000 submissions and 5,000 jurors in 3 domains (panels of about 1,700), 4
jurors per submission, conflicts from affiliations (12,000 associations, about half of the
jurors affiliated with one or two), 2 declared conflicts per juror, and 5 jurors per domain
excluded from the whole domain (``conflict_scope: domain``).

    .venv/bin/python benchmarks/assign.py
    .venv/bin/python benchmarks/assign.py --submissions 5000 --jurors 500 --max-load 50
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from grantjury.secretary.assign import assign_jurors


def synthetic_domain(
    n_sub: int, n_jur: int, n_associations: int, rng: np.random.Generator
) -> tuple[list[str], list[str], np.ndarray]:
    """Ids and forbidden (juror, submission) pairs of one synthetic domain."""
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
    return (
        [f"S{i:06d}" for i in range(n_sub)],
        [f"J{j:05d}" for j in range(n_jur)],
        pairs.astype(np.int64),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=50_000)
    parser.add_argument("--jurors", type=int, default=5_000)
    parser.add_argument("--domains", type=int, default=3)
    parser.add_argument("--per-submission", type=int, default=4)
    parser.add_argument("--max-load", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20130418)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    subs = np.array_split(np.arange(args.submissions), args.domains)
    jurors = np.array_split(np.arange(args.jurors), args.domains)
    domains = [
        synthetic_domain(s.size, j.size, 4_000, rng) for s, j in zip(subs, jurors, strict=True)
    ]
    start = time.perf_counter()
    for index, (sub_ids, jur_ids, pairs) in enumerate(domains):
        began = time.perf_counter()
        generator = np.random.default_rng([args.seed, index])
        result = assign_jurors(
            sub_ids, jur_ids, pairs, args.per_submission, generator, max_load=args.max_load
        )
        print(
            f"domain d{index}: {len(sub_ids)} submissions, {len(jur_ids)} jurors, "
            f"{pairs.shape[0]} forbidden pairs -> loads {result.load_bounds[0]}-"
            f"{result.load_bounds[1]} ({result.excluded.size} excluded), "
            f"{result.shared_pairs} juror pairs share a submission, "
            f"connected={result.connected}, {time.perf_counter() - began:.2f} s"
        )
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"total: {args.submissions} submissions, {args.jurors} jurors, K={args.per_submission}: "
        f"assignment wall time {wall:.2f} s, peak memory (max RSS) {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
