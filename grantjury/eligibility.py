"""Eligibility: gates from the submission files and thresholds from the rubric.

Thresholds are checked on unweighted, uncalibrated criterion means (as Horizon Europe does:
at least 3 of 5 per criterion and 10 of 15 overall); weights and calibration only order the
submissions that pass. A submission that fails is still ranked but cannot be selected.
"""

from __future__ import annotations

import numpy as np

from .figures import rounded
from .model import Competition


def ineligibility_reasons(competition: Competition, criterion_means: np.ndarray) -> list[list[str]]:
    """For each submission (global code), the reasons it cannot be selected (empty = eligible)."""
    reasons: list[list[str]] = []
    for s, submission in enumerate(competition.submissions):
        found: list[str] = []
        if not submission.eligible:
            found.append(
                "declared not eligible" + (f": {submission.reason}" if submission.reason else "")
            )
        rubric = competition.rubrics[submission.domain]
        means = criterion_means[s, : len(rubric.criteria)]
        if np.all(np.isfinite(means)):
            better = "at least" if rubric.direction == "higher" else "at most"
            for k, criterion in enumerate(rubric.criteria):
                if criterion.threshold is not None and _fails(
                    means[k], criterion.threshold, rubric.sign
                ):
                    found.append(
                        f"{criterion.id}: mean {means[k]:.2f}, needs {better} "
                        f"{criterion.threshold:g}"
                    )
            if rubric.total_threshold is not None:
                total = float(np.sum(means))
                if _fails(total, rubric.total_threshold, rubric.sign):
                    found.append(
                        f"sum of criterion means {total:.2f}, needs {better} "
                        f"{rubric.total_threshold:g}"
                    )
        reasons.append(found)
    return reasons


def _fails(value: float, threshold: float, sign: float) -> bool:
    # Compare as published (6 decimals) so a mean shown as exactly the threshold passes.
    return sign * rounded(value) < sign * threshold
