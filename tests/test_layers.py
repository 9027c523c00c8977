"""The import contract of ARCHITECTURE.md is checked, not only written: `lint-imports` keeps
the layers of `[tool.importlinter]` in pyproject.toml, and a reversed import breaks them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("importlinter", reason="import-linter is in the test extra")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run `lint-imports` on the package in `tree` with the configuration in `tree`."""
    command = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run(
        [sys.executable, "-c", command, "--no-cache"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=False,
    )


def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "grantjury", tmp_path / "grantjury", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_every_import_contract() -> None:
    checked = lint_imports(ROOT)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 broken" in checked.stdout


def test_a_stage_importing_the_command_line_breaks_the_layers(tmp_path: Path) -> None:
    tree = copy_of_the_package(tmp_path)
    rank = tree / "grantjury" / "ranking.py"
    rank.write_text(rank.read_text() + "\nimport grantjury.cli  # noqa: E402\n")
    checked = lint_imports(tree)
    assert checked.returncode != 0
    assert "Imports go one way" in checked.stdout and "BROKEN" in checked.stdout
    assert "grantjury.ranking -> grantjury.cli" in checked.stdout


def test_the_pipeline_importing_the_secretary_breaks_the_layers(tmp_path: Path) -> None:
    tree = copy_of_the_package(tmp_path)
    pipeline = tree / "grantjury" / "pipeline.py"
    pipeline.write_text(pipeline.read_text() + "\nfrom grantjury.secretary import sheets\n")
    checked = lint_imports(tree)
    assert checked.returncode != 0
    assert "grantjury.pipeline -> grantjury.secretary.sheets" in checked.stdout


def test_a_stage_importing_click_is_forbidden(tmp_path: Path) -> None:
    tree = copy_of_the_package(tmp_path)
    select = tree / "grantjury" / "select.py"
    select.write_text(select.read_text() + "\nimport click  # noqa: E402\n")
    checked = lint_imports(tree)
    assert checked.returncode != 0
    assert "grantjury.select -> click" in checked.stdout


def test_a_cycle_between_two_documents_modules_is_caught(tmp_path: Path) -> None:
    tree = copy_of_the_package(tmp_path)
    record = tree / "grantjury" / "documents" / "record.py"
    record.write_text(record.read_text() + "\nfrom grantjury.documents import wording\n")
    checked = lint_imports(tree)
    assert checked.returncode != 0
    assert "No cycles are allowed in grantjury.documents" in checked.stdout
