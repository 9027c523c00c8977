"""The one rule for shown probabilities and figures (console, documents, ranking.csv)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from grantjury.documents.wording import percent
from grantjury.figures import ShownShare, rounded, share_text, shown_figure, shown_share
from grantjury.report import csv_share


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0, ShownShare(0, "exact")),
        (0.003, ShownShare(1, "under")),
        (0.01, ShownShare(1, "exact")),
        (0.015, ShownShare(2, "exact")),
        (0.57, ShownShare(57, "exact")),
        (0.985, ShownShare(98, "exact")),
        (0.99, ShownShare(99, "exact")),
        (0.998, ShownShare(99, "over")),
        (1.0, ShownShare(100, "exact")),
    ],
)
def test_a_probability_is_shown_as_a_whole_percentage_or_a_bound(value, shown) -> None:
    assert shown_share(value) == shown


def test_a_probability_of_0_998_reads_over_99_percent_on_the_console_and_in_documents() -> None:
    assert share_text(0.998) == ">99%"
    assert str(percent(0.998, "fr")) == 'plus de <bdi dir="ltr">\u206699\u202f%\u2069</bdi>'
    assert csv_share(0.998) == 99


@given(st.floats(min_value=0, max_value=1, exclude_min=True, exclude_max=True))
def test_an_uncertain_probability_never_shows_as_0_or_100_percent(value: float) -> None:
    assume(0 < rounded(value) < 1)  # as published (6 decimals), it is not a certainty
    shown = shown_share(value)
    assert 1 <= shown.percent <= 99
    assert share_text(value) not in ("0%", "100%")


@given(st.floats(min_value=0, max_value=1))
def test_the_console_the_documents_and_ranking_csv_show_the_same_percentage(value) -> None:
    shown = shown_share(value)
    assert share_text(value).lstrip("<>") == f"{shown.percent}%"
    assert f"{shown.percent}\u202f%" in str(percent(value, "fr"))
    assert csv_share(value) == shown.percent


def test_a_figure_is_rounded_from_its_published_value_half_to_even() -> None:
    assert shown_figure(2.675, 2) == 2.68  # the binary float 2.675 is below 2.675
    assert shown_figure(16.805, 2) == 16.8
    assert shown_figure(-0.001, 2) == 0.0
