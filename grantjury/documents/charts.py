"""Charts of the audit report and the feedback letters: matplotlib figures as SVG `data:` URLs.

Why this way:

- matplotlib's SVG backend draws without a display and with no global state when figures are
  made with `matplotlib.figure.Figure` (never pyplot); it is imported only when a chart is
  drawn, so importing grantjury.documents stays cheap;
- the SVG is byte-stable: a fixed `svg.hashsalt` for element ids, no date or creator in the
  metadata, text kept as `<text>` (`svg.fonttype: none`) that WeasyPrint draws with the same
  DejaVu Sans as matplotlib measured, and a fixed figure size (no tight bounding box);
- labels inside a chart are Latin only (identifiers and figures): WeasyPrint draws Arabic in SVG
  text mirrored, so titles and captions are HTML around the chart. An identifier that is not
  plain Latin text is replaced by its position (`#4`); `text.parse_math` is off so that a `$`
  in an identifier prints as itself;
- the SVG goes into the page as a base64 `data:` URL, the only kind of URL besides the assets
  that the PDF fetcher serves; base64 cannot break out of the attribute.
"""

from __future__ import annotations

import base64
import io
import math
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from grantjury.documents import record
from grantjury.documents.safety import sanitize_text
from grantjury.figures import share_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from grantjury.results import DomainResults, Entry, JurorRecord

MM = 1 / 25.4
"""Inches per millimetre (matplotlib sizes figures in inches)."""

INK = "#2a211c"
MUTED = "#75695f"
ACCENT = "#9b3b26"
GOLD = "#b08a4a"
GREY = "#b9afa5"
RULE = "#e4d8c5"

STYLE: dict[str, Any] = {
    "svg.hashsalt": "grantjury",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "text.usetex": False,
    "font.family": "DejaVu Sans",
    "font.size": 6.5,
    "axes.unicode_minus": True,
    "axes.edgecolor": MUTED,
    "axes.linewidth": 0.5,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "xtick.major.width": 0.5,
    "ytick.major.width": 0.5,
    "xtick.major.size": 2.0,
    "ytick.major.size": 0.0,
    "grid.color": RULE,
    "grid.linewidth": 0.4,
    "lines.linewidth": 0.9,
    "figure.dpi": 72,
    "savefig.dpi": 72,
}
"""matplotlib settings of every chart (applied with `rc_context`, never globally)."""

MAX_LABEL = 14
"""Longest identifier printed inside a chart (characters)."""

_LATIN_BIDI = frozenset({"L", "EN", "ES", "ET", "CS", "ON", "WS"})


def chart_label(text: str, position: int) -> str:
    """`text` if it is short plain Latin text, else `#position` (see the module docstring)."""
    text = sanitize_text(text, MAX_LABEL)
    safe = all(
        (ord(ch) < 0x250 or ch == "…") and unicodedata.bidirectional(ch) in _LATIN_BIDI
        for ch in text
    )
    return text if text and safe else f"#{position}"


@contextmanager
def _figure(
    width_mm: float, height_mm: float, margins_mm: tuple[float, float, float, float]
) -> Iterator[Figure]:
    """A figure of fixed size whose axes leave `margins_mm` (left, right, bottom, top).

    Fixed margins rather than a constrained layout: as stable, and three times faster.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    left, right, bottom, top = margins_mm
    with rc_context(STYLE):
        figure = Figure(figsize=(width_mm * MM, height_mm * MM))
        figure.subplots_adjust(
            left=left / width_mm,
            right=1 - right / width_mm,
            bottom=bottom / height_mm,
            top=1 - top / height_mm,
        )
        yield figure


def svg_data_url(figure: Figure) -> str:
    """The figure as a byte-stable SVG in a base64 `data:` URL."""
    from matplotlib import rc_context

    buffer = io.BytesIO()
    with rc_context(STYLE):
        figure.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _style_axes(ax: Axes, grid_axis: str) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, axis=grid_axis)
    ax.set_axisbelow(True)


# --- audit report ------------------------------------------------------------------------------


def severity_limit(jurors: Sequence[JurorRecord]) -> float:
    """A symmetric x range shared by every domain's severity chart (so they compare)."""
    extent = [
        abs(c.bias) + (c.bias_se or 0.0)
        for j in jurors
        for c in j.calibration.values()
        if c.bias is not None
    ]
    return max(1.0, math.ceil(max(extent, default=1.0) * 1.15 * 2) / 2)


def severity_chart(
    domain_id: str, jurors: Sequence[JurorRecord], limit: float, width_mm: float
) -> str:
    """Each juror's bias in one domain, with ± one standard error where known.

    A hollow circle marks a juror left uncalibrated (fallback); jurors top to bottom in the
    order given.
    """
    rows = [
        (juror, cal)
        for juror in jurors
        if (cal := juror.calibration.get(domain_id)) is not None and cal.bias is not None
    ]
    height = 8 + 4.2 * max(len(rows), 1)
    labels = [chart_label(j.id, i + 1) for i, (j, _) in enumerate(rows)]
    with _figure(width_mm, height, (_label_width(labels), 2, 5.5, 1.5)) as fig:
        ax = fig.add_subplot()
        _style_axes(ax, "x")
        ax.axvline(0, color=MUTED, linewidth=0.6)
        for y, (_, cal) in enumerate(rows):
            color = INK if cal.fallback else ACCENT
            if cal.bias_se is not None:
                ax.errorbar(cal.bias, y, xerr=cal.bias_se, fmt="none", ecolor=color, elinewidth=0.9)
            ax.plot(
                [cal.bias],
                [y],
                marker="o",
                markersize=3.6,
                color=color,
                markerfacecolor="white" if cal.fallback else color,
                markeredgewidth=0.9,
                linestyle="none",
            )
        ax.set_yticks(range(len(rows)), [chart_label(j.id, i + 1) for i, (j, _) in enumerate(rows)])
        ax.set_ylim(len(rows) - 0.4, -0.6)
        ax.set_xlim(-limit, limit)
        return svg_data_url(fig)


def uncertainty_chart(domain: DomainResults, width_mm: float) -> str:
    """Each ranked submission's rank and 90 % rank interval, winners in red, the winning line.

    The right axis gives the share of jury resamples in which the submission wins.
    """
    entries = list(record.ranked(domain))
    n = len(entries)
    height = 8 + 3.5 * max(n, 1)
    winners = set(domain.winners)
    reserve = set(domain.reserve)
    labels = [chart_label(e.submission, e.rank or i + 1) for i, e in enumerate(entries)]
    with _figure(width_mm, height, (_label_width(labels), 8, 5.5, 1.5)) as fig:
        ax = fig.add_subplot()
        _style_axes(ax, "x")
        places = len(domain.winners) or (domain.winners_wanted or 0)
        if places:
            ax.axvline(places + 0.5, color=ACCENT, linewidth=0.7, linestyle=(0, (3, 2)))
        for y, entry in enumerate(entries):
            color = (
                ACCENT
                if entry.submission in winners
                else GOLD
                if entry.submission in reserve
                else GREY
            )
            if entry.rank_interval is not None:
                low, high = entry.rank_interval
                ax.plot([low, high], [y, y], color=color, linewidth=1.5, solid_capstyle="round")
            ax.plot(
                [entry.rank],
                [y],
                marker="o",
                markersize=2.6,
                color=INK if entry.eligible else MUTED,
                markerfacecolor=INK if entry.eligible else "white",
                markeredgewidth=0.8,
                linestyle="none",
            )
        ax.set_yticks(range(n), labels)
        ax.set_ylim(n - 0.4, -0.6)
        ax.set_xlim(0.3, max(n, 1) + 0.7)
        ax.xaxis.set_major_locator(_rank_locator(n))
        right = ax.twinx()
        right.set_ylim(ax.get_ylim())
        right.set_yticks(range(n), [_share(e.p_selected) for e in entries])
        right.tick_params(axis="y", length=0, labelcolor=MUTED)
        for side in ("top", "left", "right", "bottom"):
            right.spines[side].set_visible(False)
        return svg_data_url(fig)


def _label_width(labels: Sequence[str]) -> float:
    """Millimetres for y tick labels of 6.5 pt DejaVu Sans (about 1.35 mm a character)."""
    return 3.5 + 1.35 * max((len(label) for label in labels), default=1)


def _share(p: float | None) -> str:
    return "" if p is None else share_text(p)


def _rank_locator(n: int) -> Any:
    from matplotlib.ticker import FixedLocator

    step = 1 if n <= 12 else 5
    ticks = [1, *range(step, n + 1, step)] if step > 1 else list(range(1, n + 1))
    return FixedLocator(sorted(set(ticks)))


# --- feedback letters ----------------------------------------------------------------------------


def position_chart(domain: DomainResults, entry: Entry, width_mm: float) -> str | None:
    """The domain's scores as stacked dots: winners gold, others grey, this one large and red.

    A dashed line marks the last winner's score. None when the submission has no score.
    """
    if entry.score is None:
        return None
    scored = sorted(
        ((e, e.score) for e in domain.ranking if e.score is not None),
        key=lambda pair: (pair[1], pair[0].submission),
    )
    low, high = scored[0][1], scored[-1][1]
    span = max(high - low, 1.0)
    bin_width = span / 45
    stacks: dict[int, int] = {}
    points: list[tuple[Entry, float, int]] = []
    for other, score in scored:
        slot = round((score - low) / bin_width)
        level = stacks.get(slot, 0)
        stacks[slot] = level + 1
        points.append((other, score, level))
    top = max(stacks.values())
    winners = set(domain.winners)
    with _figure(width_mm, 9 + 2.6 * top, (3, 3, 5.5, 1.5)) as fig:
        ax = fig.add_subplot()
        _style_axes(ax, "x")
        ax.spines["left"].set_visible(False)
        ax.set_yticks([])
        line = record.winning_line(domain)
        if line is not None:
            ax.axvline(line, color=ACCENT, linewidth=0.8, linestyle=(0, (3, 2)))
        for color, group in ((GREY, False), (GOLD, True)):
            dots = [
                (score, level)
                for other, score, level in points
                if (other.submission in winners) == group and other.submission != entry.submission
            ]
            if dots:
                xs, ys = zip(*dots, strict=True)
                ax.plot(xs, ys, marker="o", markersize=4.2, color=color, linestyle="none")
        mine = next(level for other, _, level in points if other.submission == entry.submission)
        ax.plot(
            [entry.score],
            [mine],
            marker="o",
            markersize=7.5,
            color=ACCENT,
            markeredgecolor=INK,
            markeredgewidth=0.8,
            linestyle="none",
        )
        ax.set_ylim(-0.8, top - 0.2)
        ax.set_xlim(low - span * 0.04, high + span * 0.04)
        return svg_data_url(fig)
