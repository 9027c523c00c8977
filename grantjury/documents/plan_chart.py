"""The chart of ``grantjury plan``: the expected share of winners a noise-free jury would also
pick, against the number of jurors per submission, with the scores each choice asks for.

Drawn with matplotlib's object API (no pyplot, no global state), in the style of the
documents' charts (``documents/charts.py``), as a PNG or a byte-stable SVG.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from grantjury.documents.charts import ACCENT, GREY, INK, MUTED, STYLE
from grantjury.selection_reliability import PlanRow

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = ("png", "svg")


def plan_chart(
    rows: Sequence[PlanRow], icc_single: float, winners: int, submissions: int
) -> Figure:
    """The plan as a figure: the true-positive share per number of jurors per submission."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({**STYLE, "font.size": 8}):
        figure = Figure(figsize=(6.4, 3.6))
        ax = figure.add_subplot()
        ks = [r.jurors_per_submission for r in rows]
        shares = [r.shares.true_positive for r in rows]
        ax.plot(ks, shares, color=ACCENT, marker="o", markersize=3.5)
        ax.axhline(winners / submissions, color=GREY, linewidth=0.6, linestyle="--")
        ax.text(
            ks[0],
            winners / submissions,
            "  chance alone",
            color=MUTED,
            va="bottom",
            ha="left",
        )
        for row in rows:
            load = f"{row.load:.0f}/juror" if row.load is not None else f"{row.reviews}"
            ax.annotate(
                f"{row.shares.true_positive:.0%}\n{load}",
                (row.jurors_per_submission, row.shares.true_positive),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                color=INK,
                fontsize=6.5,
            )
        ax.set_xlabel("jurors per submission")
        ax.set_ylabel("winners a noise-free jury also picks")
        ax.set_ylim(0, 1.08)
        ax.set_xticks(ks)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.grid(axis="y")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_title(
            f"{winners} winners among {submissions} submissions; one juror's ICC {icc_single:.2f}",
            fontsize=8.5,
            color=INK,
            loc="left",
        )
        per_juror = rows[0].load is not None
        figure.text(
            0.11,
            0.015,
            "Above each point: the share, and the scores "
            + ("each juror gives." if per_juror else "to give in all.")
            + " Model: Bartoš & Martinková (2024).",
            color=MUTED,
            fontsize=6.5,
        )
        figure.subplots_adjust(left=0.11, right=0.98, top=0.9, bottom=0.19)
    return figure


def write_chart(figure: Figure, target: Path) -> None:
    """Write the figure as PNG or SVG (by the target's suffix), byte-stable."""
    kind = target.suffix.lower().lstrip(".")
    buffer = io.BytesIO()
    import matplotlib

    with matplotlib.rc_context(STYLE):
        metadata = {"Date": None, "Creator": None} if kind == "svg" else {"Software": None}
        figure.savefig(buffer, format=kind, metadata=metadata, dpi=72 if kind == "svg" else 160)
    staging = target.with_name(f".{target.name}.tmp")
    staging.write_bytes(buffer.getvalue())
    staging.replace(target)
