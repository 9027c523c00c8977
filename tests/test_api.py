"""The library API: docs/api.md's examples run, and give the command's bytes."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import grantjury
from grantjury.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "api.md"


def doc_blocks() -> list[str]:
    """The ```python blocks of docs/api.md, in order (one session, as a reader runs them)."""
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture
def in_sample_copy(tmp_path: Path):
    shutil.copytree(ROOT / "sample_submissions", tmp_path / "sample_submissions")
    shutil.copytree(ROOT / "rubrics", tmp_path / "rubrics")  # the sample's rubric is there
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


@pytest.mark.slow
def test_the_documented_examples_run_and_match_the_command(in_sample_copy: Path) -> None:
    blocks = doc_blocks()
    assert len(blocks) >= 4
    namespace: dict = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), namespace)
    text = printed.getvalue()
    assert "cultural ['CUL-25', 'CUL-04', 'CUL-20']" in text
    assert "unknown option replicate; the options of a run are calibration" in text
    assert "['certificates.pdf']" in text and "True []" in text
    assert "1 too_close CUL-20 (2, 5)" in text
    command = CliRunner().invoke(
        cli, ["rank", "sample_submissions", "--replicates", "200", "--out", "cli-report"]
    )
    assert command.exit_code == 0, command.output
    for name in ("results.json", "ranking.csv"):
        assert (in_sample_copy / "api-report" / name).read_bytes() == (
            in_sample_copy / "cli-report" / name
        ).read_bytes()


def test_a_misspelt_option_names_the_valid_ones() -> None:
    with pytest.raises(grantjury.OptionError) as caught:
        grantjury.rank(ROOT / "sample_submissions", calibraton="raw")
    assert str(caught.value) == (
        "unknown option calibraton; the options of a run are " + ", ".join(grantjury.OPTIONS)
    )
    assert caught.value.exit_code == 2


def test_a_value_out_of_range_is_the_projects_error_not_pydantics() -> None:
    with pytest.raises(grantjury.OptionError, match=r"option replicates: Input should be"):
        grantjury.rank(ROOT / "sample_submissions", replicates=-1)


def test_the_api_names_are_functions_not_modules() -> None:
    for name in ("load", "rank", "write_report", "render", "verify"):
        assert callable(getattr(grantjury, name)), name
        assert not isinstance(getattr(grantjury, name), type(grantjury))
