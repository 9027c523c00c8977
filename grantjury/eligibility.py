"""Eligibility: gates from the submission files and thresholds from the rubric.

Thresholds are checked on unweighted, uncalibrated criterion means (as Horizon Europe does:
at least 3 of 5 per criterion and 10 of 15 overall); weights and calibration only order the
submissions that pass. A submission that fails is still ranked but cannot be selected.
"""

from __future__ import annotations

import numpy as np

from .figures import published, rounded
from .model import Competition, Method
from .results import (
    DeclaredIneligible,
    Reason,
    ThresholdNotMet,
    TooFewJurors,
    TotalThresholdNotMet,
)


def ineligibility_reasons(
    competition: Competition,
    criterion_means: np.ndarray,
    jurors_per_submission: np.ndarray | None = None,
    method: Method | None = None,
) -> list[list[Reason]]:
    """For each submission (global code), the reasons it cannot be selected (empty = eligible).

    ``jurors_per_submission`` counts each submission's jurors without conflict (with a
    complete set of scores); under ``method.min_jurors_rule == "gate"`` a submission with at
    least one but fewer than ``method.min_jurors`` cannot be selected: one juror's view is
    not a jury's decision. A submission with none is left to the ranking (it is unranked).
    """
    gated = method is not None and method.min_jurors_rule == "gate"
    needed = method.min_jurors if gated and method is not None else 0
    counts = jurors_per_submission if jurors_per_submission is not None else ()
    reasons: list[list[Reason]] = []
    for s, submission in enumerate(competition.submissions):
        found: list[Reason] = []
        if not submission.eligible:
            found.append(DeclaredIneligible(reason=submission.reason))
        # A rule pack's reasons (admissibility, legal ties: rules/) come before any score.
        found.extend(competition.rule_reasons.get(submission.id, ()))
        jurors = int(counts[s]) if len(counts) else 0
        if 0 < jurors < needed:
            found.append(TooFewJurors(jurors=jurors, min_jurors=needed))
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
