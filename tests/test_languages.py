"""One rule for a language's direction and for the text shown in a language, used by the score
sheets and the documents alike; one scale-and-step rule for scores.csv and returned sheets."""

from __future__ import annotations

import numpy as np
import pytest

from grantjury.documents import safety
from grantjury.languages import direction, for_language, is_rtl, pick
from grantjury.model import Criterion, Scale
from grantjury.secretary.collect import _on_scale


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ar", "rtl"),
        ("ar-EG", "rtl"),
        ("fa_IR", "rtl"),
        ("syr", "rtl"),
        ("ckb", "rtl"),
        ("ku", "ltr"),  # Kurmanji, in Latin script; Sorani is ckb
        ("ku-Arab", "rtl"),
        ("ur-Latn", "ltr"),
        ("fr", "ltr"),
        (None, "ltr"),
    ],
)
def test_a_language_is_written_in_the_direction_of_its_script(lang: str, expected: str) -> None:
    assert direction(lang) == expected
    assert is_rtl(lang) == (expected == "rtl")


def test_documents_and_sheets_read_the_same_direction() -> None:
    assert safety.language_direction is direction
    assert safety.pick is pick


def test_a_text_missing_in_a_language_falls_back_to_the_first_it_is_written_in() -> None:
    title = {"fr": "Forum", "ar": "منتدى"}
    assert pick(title, "ar") == "منتدى"
    assert pick(title, "en") == "Forum"
    assert pick("Forum", "ar") == "Forum"
    assert pick({}, "fr", default="F1") == "F1"


def test_the_engine_speaks_english_where_it_has_no_texts_in_a_language() -> None:
    assert for_language({"en": 1, "fr": 2}, "fr") == 2
    assert for_language({"en": 1, "fr": 2}, "de") == 1
    assert for_language({"en": 1, "fr": 2}, None) == 1


def test_a_score_is_on_its_step_within_the_tolerance_binary_fractions_need() -> None:
    scale = Scale(min=0, max=1, step=0.1)
    values = np.array([0.0, 0.3, 0.7, 1.0, 0.35, 1.1, -0.1])
    assert scale.contains(values).tolist() == [True, True, True, True, True, False, False]
    assert scale.on_step(values[:5]).tolist() == [True, True, True, True, False]
    assert Scale(min=0, max=20).on_step(np.array([13.37])).tolist() == [True]


@pytest.mark.parametrize("value", [0.0, 0.3, 0.35, 1.0, 1.1, -0.1, 0.7000001, 0.70001])
def test_returned_sheets_accept_exactly_the_scores_the_scale_accepts(value: float) -> None:
    criterion = Criterion(id="c", name={"en": "C"}, scale=Scale(min=0, max=1, step=0.1))
    problems: list = []
    accepted = _on_scale(problems, "sheet.xlsx", "B5", value, criterion) is not None
    scale = criterion.scale
    assert accepted == bool(scale.contains(value) and scale.on_step(value))
    assert accepted != bool(problems)
