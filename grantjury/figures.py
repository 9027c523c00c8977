"""How a figure is published: the one rounding rule of every number in results.json.

Stages, the results model and the audit all round through ``published`` so that a figure
compared, tie-broken or printed is the same number everywhere.
"""

from __future__ import annotations

import numpy as np

PUBLISHED_DECIMALS = 6
"""Decimals of every published figure (results.json, ties, thresholds)."""


def published(value: float) -> float | None:
    """A figure as results.json publishes it: 6 decimals, no -0, None when not finite."""
    value = float(value)
    if not np.isfinite(value):
        return None
    rounded = round(value, PUBLISHED_DECIMALS)
    return 0.0 if rounded == 0 else rounded
