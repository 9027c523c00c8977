"""Mutation fuzzing: whatever a competition's files become, grantjury answers as designed.

Hypothesis mutates the mini competition's files (a byte flipped, a file cut short, odd
Unicode or hostile text inserted, a line deleted or doubled — which doubles YAML keys —, a
value replaced by another type, a file replaced by a folder, a device, a named pipe or a
dangling link) and runs ``rank`` on the result. The examples are derandomised (the same
few hundred cases on every run, so a failure is reproducible) and shrink to the smallest
mutation that fails. Every run must exit 0 (valid), 1 (invalid data) or 2 (misuse), never
70 ("internal error"); a failed run writes nothing, not even a temporary folder; the
inputs are never changed; and the whole test stays under a memory bound. Each case has
an alarm, so a read that blocks (a pipe) fails the test instead of hanging it.
"""

from __future__ import annotations

import os
import shutil
import signal
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, invoke

pytestmark = pytest.mark.slow

MINI = FIXTURES / "mini"
FILES = sorted(p.relative_to(MINI).as_posix() for p in MINI.rglob("*") if p.is_file())

SNIPPETS = [
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\x00",
    "\ufeff",
    "\t",
    "\r",
    "e\u0301",  # a combining accent
    "ﷺ",
    "𝔘𝔫𝔦",
    "1e309",
    "-1e309",
    ".nan",
    "NaN",
    "-0",
    "99999999999999999999999999",
    "'",
    '"',
    "\n",
    ": ",
    "- ",
    "&anchor ",
    "*anchor",
    "!!python/object/apply:os.system ['true']",
    "{",
    "[",
    ",",
    ";",
    '=HYPERLINK("http://example.org","x")',
    "@SUM(A1)",
    "x" * 200_000,
]
"""Text inserted into a file: controls, odd Unicode, numbers YAML reads as infinity or
NaN, YAML syntax, CSV separators, spreadsheet formulas, and one very long cell."""

VALUES = ["[]", "{}", "null", "~", "true", "-1", "0", "1e309", "''", "[1, [2]]", "{a: b}"]
"""Values that replace a YAML scalar: other types, empty, infinite."""


@dataclass(frozen=True)
class Mutation:
    file: str
    kind: str
    where: float
    """Position in the file, as a share of its length (shrinks towards the start)."""
    payload: int

    def apply(self, root: Path) -> None:
        path = root / self.file
        data = path.read_bytes()
        at = min(len(data), int(self.where * len(data)))
        lines = data.split(b"\n")
        line = min(len(lines) - 1, int(self.where * len(lines)))
        if self.kind == "flip":
            if data:
                i = min(at, len(data) - 1)
                data = data[:i] + bytes([data[i] ^ (1 + self.payload % 255)]) + data[i + 1 :]
        elif self.kind == "truncate":
            data = data[:at]
        elif self.kind == "insert":
            snippet = SNIPPETS[self.payload % len(SNIPPETS)].encode("utf-8")
            data = data[:at] + snippet + data[at:]
        elif self.kind == "invalid-utf8":
            data = data[:at] + b"\xff\xfe\xc3" + data[at:]
        elif self.kind == "delete-line":
            data = b"\n".join(lines[:line] + lines[line + 1 :])
        elif self.kind == "double-line":
            data = b"\n".join(lines[: line + 1] + lines[line:])
        elif self.kind == "retype":
            target = lines[line]
            if b": " in target:
                key = target.split(b": ", 1)[0]
                value = VALUES[self.payload % len(VALUES)].encode()
                lines[line] = key + b": " + value
            data = b"\n".join(lines)
        elif self.kind == "special":
            path.unlink()
            self.special(path)
            return
        path.write_bytes(data)

    def special(self, path: Path) -> None:
        choice = self.payload % 5
        if choice == 0:
            path.mkdir()
        elif choice == 1:
            path.symlink_to("/dev/zero")
        elif choice == 2:
            os.mkfifo(path)
        elif choice == 3:
            path.symlink_to(path.parent / "no-such-file")
        else:
            with path.open("wb") as handle:
                handle.truncate(3 * 2**30)  # sparse: larger than any limit, costs no disk


KINDS = [
    "flip",
    "truncate",
    "insert",
    "invalid-utf8",
    "delete-line",
    "double-line",
    "retype",
    "special",
]

mutations = st.builds(
    Mutation,
    file=st.sampled_from(FILES),
    kind=st.sampled_from(KINDS),
    where=st.floats(min_value=0, max_value=1, allow_nan=False),
    payload=st.integers(min_value=0, max_value=10_000),
)


def snapshot(root: Path) -> dict[str, object]:
    """Every entry of the competition folder: bytes of regular files, kind of the rest."""
    seen: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            seen[name] = ("link", os.readlink(path))
        elif path.is_dir():
            seen[name] = "folder"
        elif path.is_fifo():
            seen[name] = "fifo"
        elif path.stat().st_size > 2**26:
            seen[name] = ("large", path.stat().st_size)
        else:
            seen[name] = path.read_bytes()
    return seen


class Blocked(BaseException):
    """A run that did not end in time; a BaseException, so the command line's own handler
    of unexpected errors does not turn it into an "internal error"."""


@contextmanager
def alarm(seconds: int) -> Iterator[None]:
    def expired(signum: int, frame: object) -> None:
        raise Blocked(f"a run took more than {seconds} s (a blocking read?)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


MEMORY_BOUND_MB = 400
"""Most memory one case may allocate, as ``tracemalloc`` counts it (numpy's arrays
included): the mini competition ranks in a few MB; 400 MB means a file was read whole."""


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.lists(mutations, min_size=1, max_size=3))
def test_a_mutated_competition_gets_an_answer_never_a_crash(
    tmp_path_factory: pytest.TempPathFactory, changes: list[Mutation]
) -> None:
    work = tmp_path_factory.mktemp("fuzz")
    root = work / "mini"
    shutil.copytree(MINI, root)
    for change in changes:
        if (root / change.file).is_file() and not (root / change.file).is_symlink():
            change.apply(root)
    before = snapshot(root)
    out = work / "out" / "reports"
    out.parent.mkdir()
    tracemalloc.start()
    try:
        with alarm(300):
            result = invoke("rank", root, "--out", out, "--replicates", "20")
        peak = tracemalloc.get_traced_memory()[1] // 2**20
    finally:
        tracemalloc.stop()
    event(f"exit {result.exit_code}")  # --hypothesis-show-statistics shows the spread
    for change in changes:
        event(change.kind)
    assert result.exit_code in (0, 1, 2), (changes, result.output)
    assert "internal error" not in result.output, (changes, result.output)
    if result.exit_code != 0:
        assert not out.exists(), f"a failed run wrote {out}"
        assert sorted(p.name for p in out.parent.iterdir()) == [], "a temporary was left"
        assert result.stderr.strip(), "a failure must say why"
    else:
        assert sorted(p.name for p in out.iterdir()) == [
            "manifest.json",
            "ranking.csv",
            "results.json",
        ]
    assert snapshot(root) == before, "the inputs were changed"
    assert peak < MEMORY_BOUND_MB, f"{peak} MB allocated after {changes}"
