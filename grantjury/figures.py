"""How a figure is published: the one rounding rule of every number in results.json.

Stages, the results model and the audit all round through ``published`` (or ``rounded``,
the same rule for sort keys and comparisons) so that a figure compared, tie-broken or printed
is the same number everywhere.
"""

from __future__ import annotations

import math

PUBLISHED_DECIMALS = 6
"""Decimals of every published figure (results.json, ties, thresholds)."""


def rounded(value: float) -> float:
    """A figure rounded as published (6 decimals, Python's correctly rounded ``round``, no
    -0), kept a float: NaN and ±inf stay as they are, for sort keys and comparisons."""
    value = float(value)
    if not math.isfinite(value):
        return value
    figure = round(value, PUBLISHED_DECIMALS)
    return 0.0 if figure == 0 else figure


def published(value: float) -> float | None:
    """A figure as results.json publishes it: 6 decimals, no -0, None when not finite."""
    figure = rounded(value)
    return figure if math.isfinite(figure) else None
