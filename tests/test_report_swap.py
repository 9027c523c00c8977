"""Replacing a report is one step: a failure at any step of the write leaves the previous
report whole, and no temporary folder stays behind (fault injection, not timing)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grantjury import report
from grantjury.report import replace_report


def manifest(*outputs: str) -> bytes:
    return json.dumps(
        {"generator": "grantjury", "outputs": [{"path": name} for name in outputs]}
    ).encode()


OLD = {
    "results.json": b'{"run": "old"}\n',
    "ranking.csv": b"domain,rank\r\nold,1\r\n",
    "manifest.json": manifest("results.json", "ranking.csv", "ceremony.pdf"),
    "ceremony.pdf": b"%PDF-old",
}
NEW = {
    "results.json": b'{"run": "new"}\n',
    "ranking.csv": b"domain,rank\r\nnew,1\r\n",
    "manifest.json": manifest("results.json", "ranking.csv"),
}


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    return make_previous(tmp_path / "parent")


def make_previous(parent: Path) -> Path:
    out = parent / "out"
    out.mkdir(parents=True)
    for name, data in OLD.items():
        (out / name).write_bytes(data)
    (out / "notes.txt").write_bytes(b"the secretary's notes")  # not ours: kept with --force
    return out


class Injected(OSError):
    pass


STEPS = [
    (tempfile, "mkdtemp"),
    (os, "link"),
    (shutil, "copy2"),
    (os, "chmod"),
    (report, "_write_synced"),
    (os, "fsync"),
    (os, "rename"),
    (report, "_exchange"),
]


def inject(monkeypatch, fail_at: int) -> list[str]:
    """Make the ``fail_at``-th call to any step of the write raise; the calls made."""
    calls: list[str] = []
    for owner, name in STEPS:
        original = getattr(owner, name)

        def step(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            if len(calls) == fail_at:
                raise Injected(f"injected failure at {_name}")
            return _original(*args, **kwargs)

        monkeypatch.setattr(owner, name, step)
    return calls


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_a_failure_at_any_step_leaves_the_previous_report_whole(
    tmp_path: Path, monkeypatch, exchange: bool
) -> None:
    if not exchange:
        monkeypatch.setattr(report, "_exchange", lambda a, b: False)
    fail_at, failures = 0, 0
    while True:
        fail_at += 1
        out = make_previous(tmp_path / str(fail_at))
        before = contents(out)
        with monkeypatch.context() as patch:
            calls = inject(patch, fail_at)
            try:
                done = replace_report(out, NEW, force=True)
            except Injected:
                done = None
        assert os.listdir(out.parent) == ["out"], f"a failure at {calls[fail_at - 1]}"
        if done is None:  # the previous report, whole
            assert contents(out) == before, f"after a failure at {calls[-1]}"
            failures += 1
            continue
        assert contents(out) == {**NEW, "notes.txt": b"the secretary's notes"}
        assert done.removed == ["ceremony.pdf"]
        assert done.written == [out / name for name in NEW]
        if len(calls) < fail_at:  # no step left to fail
            break
    assert failures >= 9, f"{failures} failures injected, over the steps {calls}"


def test_a_first_report_that_fails_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        inject(patch, 3)
        with pytest.raises(Injected):
            replace_report(out, NEW)
    assert os.listdir(tmp_path) == []
    replace_report(out, NEW)
    assert contents(out) == NEW


def dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(child.stdout)


def test_a_killed_run_leaves_a_temporary_folder_that_the_next_run_removes(
    previous: Path,
) -> None:
    stray = previous.parent / f".out.grantjury-{dead_pid()}-abc123"
    stray.mkdir()
    (stray / "results.json").write_bytes(b"half")
    replace_report(previous, NEW, force=True)
    assert os.listdir(previous.parent) == ["out"]
    assert contents(previous)["results.json"] == NEW["results.json"]


def test_a_run_killed_between_two_renames_gets_the_previous_report_back(
    previous: Path,
) -> None:
    """Without RENAME_EXCHANGE the folder is missing between the two renames: the next run
    puts the previous report back before replacing it."""
    old = previous.parent / f".out.grantjury-{dead_pid()}-old-xyz789"
    previous.rename(old)
    report._clean_temporaries(previous)
    assert contents(previous) == {**OLD, "notes.txt": b"the secretary's notes"}
    assert os.listdir(previous.parent) == ["out"]


def test_a_foreign_folder_still_needs_force(previous: Path) -> None:
    from grantjury.errors import OutputError

    with pytest.raises(OutputError, match=r"notes\.txt.*--force"):
        replace_report(previous, NEW)
    assert contents(previous)["results.json"] == OLD["results.json"]
