"""Errors of `grantjury render`: each says what went wrong and how to fix it.

A results file that cannot be read, or that no document can print, raises
`grantjury.results.ResultsFileError` (file, path of the bad field, what was expected)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from grantjury.errors import GrantjuryError

if TYPE_CHECKING:
    from grantjury.documents.layout import LayoutProblem

INSTALL_HINT = "apt-get install fonts-hosny-amiri libharfbuzz-subset0"


class RenderError(GrantjuryError):
    """A document cannot be made from the results as they are."""


class FontsMissing(RenderError):
    """The system lacks what Arabic documents need: an Arabic font or HarfBuzz subsetting."""

    def __init__(self, missing: str, found: str = ""):
        self.missing = missing
        self.found = found
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (type(self), (self.missing, self.found))

    def __str__(self) -> str:
        text = f"cannot print Arabic documents: {self.missing}"
        if self.found:
            text += f" (found: {self.found})"
        return f"{text}. Install it with: {INSTALL_HINT}"


class BlockedResources(RenderError):
    """The document asked for resources outside the assets folder; nothing was written."""

    def __init__(self, document: str, urls: Iterable[str]):
        self.document = document
        self.urls = tuple(urls)
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type, tuple[str, tuple[str, ...]]]:
        return (type(self), (self.document, self.urls))

    def __str__(self) -> str:
        shown = ", ".join(url[:120] for url in self.urls[:5])
        more = f" and {len(self.urls) - 5} more" if len(self.urls) > 5 else ""
        return (
            f"{self.document}: refused to fetch {len(self.urls)} resource(s) outside the "
            f"document assets: {shown}{more}; no file was written"
        )


class LayoutWarnings(RenderError):
    """WeasyPrint reported problems with a document's HTML or CSS (a bug in a template)."""

    def __init__(self, document: str, messages: Iterable[str]):
        self.document = document
        self.messages = tuple(messages)
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type, tuple[str, tuple[str, ...]]]:
        return (type(self), (self.document, self.messages))

    def __str__(self) -> str:
        lines = "\n".join(f"  - {m}" for m in self.messages)
        return f"{self.document}: the PDF engine reported problems:\n{lines}"


class LayoutProblems(RenderError):
    """A document's layout would cut, hide or overprint some of its text; nothing was written.

    Found by reading the layout before writing (`pdf.layout_runs`, `layout.problems`): each
    problem names the page and the text. Names and titles of any length wrap, so this is a bug
    in a template or stylesheet, or a text so long that no page can hold it."""

    def __init__(self, document: str, problems: Iterable[LayoutProblem]) -> None:
        self.document = document
        self.problems = tuple(problems)
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type, tuple[str, tuple[LayoutProblem, ...]]]:
        return (type(self), (self.document, self.problems))

    def __str__(self) -> str:
        shown = "\n".join(f"  - {p}" for p in self.problems[:10])
        more = f"\n  … and {len(self.problems) - 10} more" if len(self.problems) > 10 else ""
        return (
            f"{self.document}: the layout would hide or overprint text, so no file was "
            f"written ({len(self.problems)} problem(s)):\n{shown}{more}\n"
            "Shorten the text named, or report the document and page as a bug."
        )


class PageOverflow(RenderError):
    """A document of one page per item (the letters) had an item spill onto a second page."""

    def __init__(self, document: str, first: int, last: int, pages: int) -> None:
        self.document = document
        self.first = first
        self.last = last
        self.pages = pages
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type, tuple[str, int, int, int]]:
        return (type(self), (self.document, self.first, self.last, self.pages))

    def __str__(self) -> str:
        return (
            f"{self.document}: pages {self.first} to {self.last} came out as {self.pages} "
            f"pages instead of {self.last - self.first + 1}: a page overflowed (a bug in its "
            "stylesheet); no file was written"
        )
