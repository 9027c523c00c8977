"""The command line's options agree with the models' defaults and bounds (one copy of each
rule: the models say what is valid, the options must not say otherwise)."""

from __future__ import annotations

import typing

import click
import pytest
from annotated_types import Ge, Le, Lt

from grantjury.cli import cli
from grantjury.model import Method

RANK = cli.commands["rank"]
METHOD_OPTIONS = {
    p.name: p for p in RANK.params if isinstance(p, click.Option) and p.name in Method.model_fields
}


def _bounds(field_name: str) -> tuple[float | None, float | None]:
    low = high = None
    for item in Method.model_fields[field_name].metadata:
        if isinstance(item, Ge):
            low = item.ge
        elif isinstance(item, Le):
            high = item.le
        elif isinstance(item, Lt):
            high = item.lt - 1
    return low, high


def test_rank_offers_the_methods_options() -> None:
    assert set(METHOD_OPTIONS) == {
        "calibration",
        "aggregate",
        "seed",
        "replicates",
        "uncertainty",
        "burn_in",
        "draws",
    }


@pytest.mark.parametrize("name", sorted(METHOD_OPTIONS))
def test_rank_option_accepts_what_the_model_accepts(name: str) -> None:
    option = METHOD_OPTIONS[name]
    annotation = Method.model_fields[name].annotation
    if typing.get_origin(annotation) is typing.Literal:
        assert isinstance(option.type, click.Choice)
        assert tuple(option.type.choices) == typing.get_args(annotation)
    else:
        assert isinstance(option.type, click.IntRange)
        assert (option.type.min, option.type.max) == _bounds(name)
    # Not given means the competition's own method, whose default is the model's.
    assert RANK.make_context("rank", [], resilient_parsing=True).params[name] is None
