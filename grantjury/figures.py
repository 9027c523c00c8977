"""How a figure is published: the one rounding rule of every number in results.json.

Stages, the results model and the audit all round through ``published`` (or ``rounded``,
the same rule for sort keys and comparisons) so that a figure compared, tie-broken or printed
is the same number everywhere.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Literal, NamedTuple

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


class ShownShare(NamedTuple):
    """A probability as it is shown: a whole percentage and whether it stands for a bound.

    ``bound`` is ``"under"`` for ``percent == 1`` meaning "under 1 %", ``"over"`` for
    ``percent == 99`` meaning "over 99 %", ``"exact"`` otherwise.
    """

    percent: int
    bound: Literal["exact", "under", "over"]


def shown_share(value: float) -> ShownShare:
    """The one rule for a shown probability (console, documents, ranking.csv).

    A probability is shown as a whole percentage, rounded half to even from its published
    (6-decimal) value; one strictly between 0 and 1 is never shown as 0 % or 100 %, which
    would claim a certainty the resampling does not give: above 0.99 it is "over 99 %"
    (0.998), below 0.01 "under 1 %" (0.003). Only 0 and 1 show as 0 % and 100 %.
    """
    share = rounded(value)
    if not math.isfinite(share):
        raise ValueError(f"a probability must be a finite number, not {value!r}")
    if share <= 0:
        return ShownShare(0, "exact")
    if share >= 1:
        return ShownShare(100, "exact")
    if share < 0.01:
        return ShownShare(1, "under")
    if share > 0.99:
        return ShownShare(99, "over")
    return ShownShare(round(Decimal(repr(share)) * 100), "exact")


def share_text(value: float) -> str:
    """A probability in plain text (console, chart labels), by ``shown_share``: ``57%``,
    ``>99%`` for 0.998, ``<1%`` for 0.003. Documents word the bounds instead (in Arabic a
    comparison sign is mirrored)."""
    shown = shown_share(value)
    return {"under": "<", "over": ">"}.get(shown.bound, "") + f"{shown.percent}%"


def shown_figure(value: float, digits: int) -> float:
    """A figure as documents, the console and ranking.csv show it: ``digits`` decimals,
    rounded from its published value (so that 2.675 published is 2.68 everywhere), no -0."""
    figure = round(Decimal(repr(rounded(value))), digits)
    result = float(figure)
    return 0.0 if result == 0 else result
