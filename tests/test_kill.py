"""A report survives a kill at any step of its writing (fault injection, not timing).

A child process runs ``rank`` or ``render`` with an audit hook (PEP 578) that counts every
file-system step from the moment the run creates its temporary folder: files opened for
writing, renames (``os.replace`` included), links, folders made or removed, permission
changes, and the ``renameat2`` call made through ctypes. At the N-th step the child kills
itself with SIGKILL, which no ``finally`` survives. For every N until the run completes,
the output folder must hold a whole report, the previous one or the new one, whose
manifest matches every file it records; and the next run must leave no temporary folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow

CHILD = r"""
import os, signal, sys
from grantjury.cli import cli

kill_at = int(os.environ["GRANTJURY_KILL_AT"])
skip = os.environ.get("GRANTJURY_KILL_SKIP")
state = {"counting": False, "steps": 0}
WATCHED = {
    "os.rename", "os.link", "os.symlink", "os.mkdir", "os.rmdir", "os.remove",
    "shutil.rmtree", "os.chmod", "ctypes.call_function",
}
WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def hook(event, args):
    if not state["counting"]:
        name = os.fsdecode(args[0]) if event == "os.mkdir" else ""
        if ".grantjury-" in name and not (skip and skip in name):
            state["counting"] = True  # the run's temporary folder: the write begins
        else:
            return
    if event == "open":
        mode, flags = args[1], args[2]
        if not ((isinstance(mode, str) and set(mode) & set("wax+")) or flags & WRITING):
            return
    elif event not in WATCHED:
        return
    state["steps"] += 1
    if state["steps"] == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)


sys.addaudithook(hook)
try:
    cli.main(sys.argv[1:], prog_name="grantjury")
except SystemExit as done:
    sys.exit(done.code)
"""


def run_child(args: list[str], kill_at: int, skip: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRANTJURY_KILL_AT": str(kill_at), "GRANTJURY_KILL_SKIP": skip}
    return subprocess.run(
        [sys.executable, "-c", CHILD, *args], env=env, capture_output=True, text=True, check=False
    )


def whole_report(folder: Path) -> dict[str, str]:
    """The manifest's outputs, after checking that each file holds the bytes it records and
    that the results are the run the manifest names; fails on a mixed folder."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    recorded = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    for name, digest in recorded.items():
        data = (folder / name).read_bytes()
        assert "sha256:" + hashlib.sha256(data).hexdigest() == digest, f"{name} is not the one"
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert results["digest"] == manifest["digest"]
    return recorded


def temporaries(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".grantjury-" in p.name)


def kill_at_every_step(
    tmp_path: Path, command: list[str], folder: Path, previous: Path, skip: str = ""
) -> tuple[int, set[str]]:
    """Kill ``command`` at each step in turn, on a fresh copy of the ``previous`` report;
    the number of steps and the reports seen (by run digest). Counting starts at the
    run's temporary folder, except one whose name holds ``skip``."""
    seen: set[str] = set()
    step = 0
    while True:
        step += 1
        assert step < 400, "the run never completes"
        if folder.exists():
            shutil.rmtree(folder)
        for leftover in temporaries(folder.parent):
            shutil.rmtree(folder.parent / leftover)
        shutil.copytree(previous, folder)
        done = run_child(command, step, skip)
        assert done.returncode in (0, -signal.SIGKILL), done.stderr
        assert "internal error" not in done.stderr
        recorded = whole_report(folder)
        seen.add(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["digest"])
        if done.returncode == 0:
            assert temporaries(folder.parent) == []
            assert len(seen) == 2 or command[0] == "render", "the new report never showed"
            return step, {*recorded}
        again = run_child(command, 10**6)  # the next run cleans up after the killed one
        assert again.returncode == 0, again.stderr
        assert temporaries(folder.parent) == [], f"left after a kill at step {step}"
        whole_report(folder)


def test_rank_killed_at_any_step_leaves_a_whole_report(tmp_path: Path) -> None:
    competition = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", competition)
    reports = tmp_path / "out" / "reports"
    reports.parent.mkdir()
    first = run_child(["rank", str(competition), "--out", str(reports)], 10**6)
    assert first.returncode == 0, first.stderr
    (reports / "notes.txt").write_text("the secretary's own file", encoding="utf-8")
    previous = tmp_path / "previous"
    shutil.copytree(reports, previous)
    command = ["rank", str(competition), "--out", str(reports), "--seed", "8", "--force"]
    steps, outputs = kill_at_every_step(tmp_path, command, reports, previous)
    assert steps > 5
    assert outputs == {"ranking.csv", "results.json"}  # the manifest does not record itself
    assert (reports / "notes.txt").read_text(encoding="utf-8") == "the secretary's own file"


def test_render_killed_at_any_step_leaves_a_whole_report(tmp_path: Path) -> None:
    competition = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", competition)
    reports = tmp_path / "out" / "reports"
    reports.parent.mkdir()
    first = run_child(["rank", str(competition), "--out", str(reports)], 10**6)
    assert first.returncode == 0, first.stderr
    ceremony = run_child(["render", str(reports), "--only", "ceremony"], 10**6)
    assert ceremony.returncode == 0, ceremony.stderr
    previous = tmp_path / "previous"
    shutil.copytree(reports, previous)
    command = ["render", str(reports), "--only", "certificates"]
    # Counted from the swap's folder: before it, the render writes only into its own
    # private build folder (a kill there leaves the report as it was, and the folder is
    # removed by the next run, as every step below also checks).
    steps, outputs = kill_at_every_step(tmp_path, command, reports, previous, skip="-render-")
    assert steps > 5
    assert {"ceremony.pdf", "certificates.pdf"} <= outputs  # the earlier document is kept
