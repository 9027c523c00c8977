"""Documents of one page per item (the feedback letters), rendered in parts, in parallel.

How, and why so:

- the pages are cut into `PARTS` contiguous parts **whatever the number of workers**, so the
  PDF's bytes depend on the results only, never on the machine's CPUs;
- this process renders the first part itself while worker processes render the others: a
  worker costs about 1.5 s to start (Python, WeasyPrint, fonts, matplotlib), which this process
  has already paid. Workers are started with `spawn`: a fresh interpreter inherits no lock or
  thread of WeasyPrint, fontconfig or matplotlib (forking a process that holds them can hang);
- each part is a complete PDF whose footers carry fixed page numbers (`i / N` over the whole
  document); pypdf joins the parts in order and keeps the first part's metadata (title,
  dates, creator). Each part embeds its own subset of the fonts (a few kilobytes each);
- every part must have exactly one page per item: a letter that overflowed its page would
  shift every page number after it, so that fails the render (`PageOverflow`).

As with any `spawn` pool, a script that calls `render_documents` must do so under
`if __name__ == "__main__":` (the `grantjury` command does).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

from grantjury.results import Results

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from grantjury.documents.build import DocumentKind, Run
    from grantjury.documents.pdf import PdfReport

PARTS = 2
"""Parts a paged document is cut into (fixed, so that the bytes never depend on the CPUs)."""
MAX_WORKERS = 2
"""Processes used by default (this one included): measured best on the 2-CPU machines."""


@dataclass(frozen=True)
class PartTask:
    """Everything a worker needs to render one part: plain data, so it pickles."""

    kind: str
    results: Results
    """The results model (a frozen pydantic model: it pickles, and is not read again)."""
    digest: str
    source: str
    start: int
    stop: int
    target: str


def default_workers() -> int:
    """Processes to use: `MAX_WORKERS`, or fewer when fewer CPUs are available."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cpus))


def split(pages: int, parts: int = PARTS) -> list[range]:
    """`pages` cut into at most `parts` contiguous, non-empty ranges of near-equal length."""
    count = max(1, min(parts, pages))
    bounds = [round(i * pages / count) for i in range(count + 1)]
    return [range(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def write_in_parts(
    kind: DocumentKind,
    run: Run,
    target: Path,
    render_part: Callable[[PartTask], PdfReport],
    *,
    workers: int | None = None,
) -> PdfReport:
    """Render a paged kind into `target`, its parts in up to `workers` processes, then join.

    `render_part` renders one part (in any process): a module-level function, as the spawned
    pool pickles it by name (`build.render_part`)."""
    from grantjury.documents.pdf import PdfReport

    if kind.pages is None:
        raise ValueError(f"{kind.name} is not printed in parts")
    workers = default_workers() if workers is None else max(1, workers)
    folder = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.stem}-parts-"))
    tasks = [
        PartTask(
            kind.name,
            run.results,
            run.digest,
            run.source,
            part.start,
            part.stop,
            str(folder / f"part-{index:03d}.pdf"),
        )
        for index, part in enumerate(split(kind.pages(run)))
    ]
    try:
        reports = _run(tasks, workers, render_part)
        pages = _join([Path(task.target) for task in tasks], target)
    finally:
        for task in tasks:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(task.target)
        with contextlib.suppress(OSError):
            folder.rmdir()
    return PdfReport(
        pages,
        tuple(url for r in reports for url in r.fetched),
        tuple(url for r in reports for url in r.blocked),
    )


def _run(
    tasks: Sequence[PartTask], workers: int, render_part: Callable[[PartTask], PdfReport]
) -> list[PdfReport]:
    """The first part here, the others in `workers - 1` spawned processes."""
    if workers == 1 or len(tasks) == 1:
        return [render_part(task) for task in tasks]
    with ProcessPoolExecutor(
        max_workers=min(workers - 1, len(tasks) - 1), mp_context=get_context("spawn")
    ) as pool:
        futures: list[Future[PdfReport]] = [pool.submit(render_part, t) for t in tasks[1:]]
        try:
            first = render_part(tasks[0])
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return [first, *(future.result() for future in futures)]


def _join(parts: Sequence[Path], target: Path) -> int:
    """Join the part PDFs in order into `target` (atomically); return the page count."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for path in parts:
        writer.append(path)
    with PdfReader(parts[0]) as first:
        metadata = dict(first.metadata or {})
    writer.add_metadata(metadata)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            writer.write(stream)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return len(writer.pages)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
