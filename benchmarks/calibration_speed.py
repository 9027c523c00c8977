"""Time each graph calibration on the 1M-score-row competition of benchmarks/scale.py.

Draws the competition in memory (``grantjury.simulate``: 50,000 submissions, 5,000 jurors,
4 per submission, 5 criteria, 3 domains), forms the weighted totals of the pairs that are
not conflicts and calibrates each domain, timing the calibration alone.

Usage::

    .venv/bin/python benchmarks/calibration_speed.py
"""

from __future__ import annotations

import time

import numpy as np

from grantjury.calibrate import calibrate
from grantjury.secretary import simulate

METHODS = ("additive", "hetero")


def main() -> None:
    options = simulate.SimulationOptions(submissions=50_000, jurors=5_000, per_submission=4)
    sim = simulate.simulate(options)
    weights = np.array([w for _, _, w in simulate.CRITERIA], dtype=np.float64)
    total = sim.scores @ weights / weights.sum()
    keep = ~sim.conflicted
    print(f"{sim.scores.size} score rows, {int(keep.sum())} totals")
    for method in METHODS:
        start = time.perf_counter()
        converged = []
        for d in range(options.domains):
            rows = np.flatnonzero(keep & (sim.domain[sim.pair_submission] == d))
            jurors, juror = np.unique(sim.pair_juror[rows], return_inverse=True)
            subs, submission = np.unique(sim.pair_submission[rows], return_inverse=True)
            result = calibrate(method, juror, submission, total[rows], len(jurors), len(subs))
            converged.append(result.converged)
        seconds = time.perf_counter() - start
        print(f"{method}: {seconds:.2f} s (converged: {all(converged)})")


if __name__ == "__main__":
    main()
