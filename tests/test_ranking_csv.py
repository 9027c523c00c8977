"""ranking.csv for spreadsheets: published figures, decisions, p(win) and amounts."""

from __future__ import annotations

import csv
import io
import re

from grantjury.figures import shown_share
from grantjury.pipeline import run
from grantjury.report import ranking_csv
from tests.conftest import CompetitionDir

NUMBER = re.compile(r"-?\d+(,\d+)?")
"""A cell a spreadsheet in a French locale reads as a number: digits, a decimal comma."""


def _rows(mini: CompetitionDir) -> tuple[list[dict[str, str]], object]:
    results = run(mini.root, {"replicates": 200}).results
    text = ranking_csv(results).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";")), results


def test_ranking_csv_has_the_decision_columns_with_published_figures(mini) -> None:
    rows, results = _rows(mini)
    assert list(rows[0])[-13:] == [
        "score",
        "raw_mean",
        "n_jurors",
        "eligible",
        "ineligible_reasons",
        "decision",
        "winner",
        "reserve_position",
        "p_win_percent",
        "rank_low",
        "rank_high",
        "funded_amount",
        "tie_break",
    ]
    by_id = {row["submission"]: row for row in rows}
    for domain, entry in results.entries():
        row = by_id[entry.submission]
        assert row["decision"] == entry.decision.code
        assert row["eligible"] == ("yes" if entry.eligible else "no")
        if entry.score is not None:
            assert row["score"] == f"{entry.score:.2f}".rstrip("0").rstrip(".").replace(".", ",")
        if entry.p_selected is not None:
            assert int(row["p_win_percent"]) == shown_share(entry.p_selected).percent
        if entry.submission in domain.reserve:
            assert int(row["reserve_position"]) == domain.reserve.index(entry.submission) + 1
        else:
            assert row["reserve_position"] == ""


def test_every_figure_of_ranking_csv_is_a_number_for_a_french_spreadsheet(mini) -> None:
    rows, _ = _rows(mini)
    numeric = ("rank", "score", "raw_mean", "n_jurors", "reserve_position", "p_win_percent")
    numeric += ("rank_low", "rank_high", "funded_amount")
    cells = [row[column] for row in rows for column in numeric if row[column]]
    assert cells, "the fixture has figures"
    assert all(NUMBER.fullmatch(cell) for cell in cells), cells
    assert not any("." in row["score"] for row in rows)  # no six decimals, no decimal point
