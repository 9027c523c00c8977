"""Shared fixtures: a small valid competition copied into a temporary folder per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from grantjury.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"


class CompetitionDir:
    """A copy of a fixture competition that a test may edit."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, name: str) -> Path:
        return self.root / name

    def write(self, name: str, text: str) -> None:
        (self.root / name).write_text(text, encoding="utf-8")

    def write_bytes(self, name: str, data: bytes) -> None:
        (self.root / name).write_bytes(data)

    def read(self, name: str) -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def append(self, name: str, text: str) -> None:
        with open(self.root / name, "a", encoding="utf-8") as handle:
            handle.write(text)

    def replace(self, name: str, old: str, new: str) -> None:
        text = self.read(name)
        assert old in text, f"{old!r} not in {name}"
        self.write(name, text.replace(old, new, 1))


@pytest.fixture
def mini(tmp_path: Path) -> CompetitionDir:
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    return CompetitionDir(target)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def problems(result: Result) -> list[str]:
    """The listed problems of a failed run, without the leading '  - '."""
    return [line[4:] for line in result.stderr.splitlines() if line.startswith("  - ")]
