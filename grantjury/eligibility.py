"""Eligibility: gates from the submission files and thresholds from the rubric.

Thresholds are checked on unweighted, uncalibrated criterion means (as Horizon Europe does:
at least 3 of 5 per criterion and 10 of 15 overall); weights and calibration only order the
submissions that pass. A submission that fails is still ranked but cannot be selected.
"""

from __future__ import annotations

import numpy as np

from .figures import published, rounded
from .model import Competition
from .results import DeclaredIneligible, Reason, ThresholdNotMet, TotalThresholdNotMet


def ineligibility_reasons(
    competition: Competition, criterion_means: np.ndarray
) -> list[list[Reason]]:
    """For each submission (global code), the reasons it cannot be selected (empty = eligible)."""
    reasons: list[list[Reason]] = []
    for s, submission in enumerate(competition.submissions):
        found: list[Reason] = []
        if not submission.eligible:
            found.append(DeclaredIneligible(reason=submission.reason))
        # A rule pack's reasons (admissibility, legal ties: rules/) come before any score.
        found.extend(competition.rule_reasons.get(submission.id, ()))
        rubric = competition.rubrics[submission.domain]
        means = criterion_means[s, : len(rubric.criteria)]
        if np.all(np.isfinite(means)):
            for k, criterion in enumerate(rubric.criteria):
                if criterion.threshold is not None and _fails(
                    means[k], criterion.threshold, rubric.sign
                ):
                    found.append(
                        ThresholdNotMet(
                            criterion=criterion.id,
                            mean=published(means[k]),
                            threshold=criterion.threshold,
                            direction=rubric.direction,
                        )
                    )
            if rubric.total_threshold is not None:
                total = float(np.sum(means))
                if _fails(total, rubric.total_threshold, rubric.sign):
                    found.append(
                        TotalThresholdNotMet(
                            total=published(total),
                            threshold=rubric.total_threshold,
                            direction=rubric.direction,
                        )
                    )
        reasons.append(found)
    return reasons


def _fails(value: float, threshold: float, sign: float) -> bool:
    # Compare as published (6 decimals) so a mean shown as exactly the threshold passes.
    return sign * rounded(value) < sign * threshold
