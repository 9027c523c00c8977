"""A document's own check of its layout: no text cut, hidden, outside its page or overprinted.

A page can look finished and still lose words: a name clipped by a box with `overflow: hidden`,
a line pushed below the page's content area, two lines printed over each other. The PDF keeps
the hidden text (it still copies out), so only the layout can tell. `pdf.py` reads WeasyPrint's
layout tree into `TextRun`s (one per laid-out piece of text, with the rectangles that bound
it) and `problems` checks them here, as plain geometry (no WeasyPrint in this module):

- **outside**: a run lies outside the area it belongs to, the page's content area (or, for
  the running footer, its margin box);
- **clipped**: a run lies outside a box that clips its overflow (it would not be drawn);
- **overlap**: two runs of the same page overlap (one is printed over the other);
- **rule**: a horizontal rule (a border) is drawn through a run;
- **heading**: a heading is the last text of its page (its first entry went to the next page);
- **dropped**: a text of the HTML was never laid out at all (WeasyPrint drops what overflows a
  box of fixed height at a page's foot: it is in no page's tree, so only a count of the
  characters written against those laid out finds it; `dropped`).

Vertically a run is its *core*: the band from half a font size above its baseline down to the
baseline, where the letters' bodies are drawn. Line boxes of tight line heights overlap by
design (Arabic ascenders and vowel marks reach into the line above); their cores never do
unless the lines really are printed over each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TypeVar

import numpy as np

TOLERANCE = 0.5
"""CSS pixels (1/96 in) of overlap or overhang allowed: rounding in the layout, not a defect."""
CORE = 0.5
"""Height of a run's core above its baseline, in font sizes."""
SHOWN = 60
"""Characters of a run's text quoted in a problem."""
HEADINGS = frozenset({"heading", "domain-heading", "h4"})
"""Classes of the templates' headings: none may end a page."""


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle in CSS pixels, y growing downwards."""

    x0: float
    y0: float
    x1: float
    y1: float

    def contains(self, other: Rect, tolerance: float = TOLERANCE) -> bool:
        """Whether `other` lies inside this rectangle, give or take `tolerance`."""
        return (
            other.x0 >= self.x0 - tolerance
            and other.y0 >= self.y0 - tolerance
            and other.x1 <= self.x1 + tolerance
            and other.y1 <= self.y1 + tolerance
        )


@dataclass(frozen=True)
class TextRun:
    """One piece of laid-out text on a page: its core rectangle and what must contain it."""

    page: int
    """1-based page number in the whole document."""
    text: str
    core: Rect
    area: Rect
    """The page's content area (or the margin box of a running footer)."""
    clips: tuple[Rect, ...] = ()
    """Every ancestor box that clips its overflow (its padding box)."""
    heading: bool = False
    """Whether the run is part of a heading (an element of a class in `HEADINGS`)."""
    margin: bool = False
    """Whether the run is in a page-margin box (a running footer or header)."""


@dataclass(frozen=True)
class Rule:
    """A horizontal border drawn on a page: a segment from `x0` to `x1` at height `y`."""

    page: int
    x0: float
    x1: float
    y: float


@dataclass(frozen=True)
class LayoutProblem:
    """What is wrong, on which page, with which text (and the other text, for an overlap)."""

    page: int
    kind: str
    """`outside`, `clipped`, `overlap`, `rule`, `heading` or `dropped` (page 0: unknown)."""
    text: str
    other: str = ""

    def __str__(self) -> str:
        text = _quote(self.text)
        if self.kind == "outside":
            return f"page {self.page}: {text} runs outside the page's printable area"
        if self.kind == "clipped":
            return f"page {self.page}: {text} is cut off by the box that holds it"
        if self.kind == "overlap":
            return f"page {self.page}: {text} is printed over {_quote(self.other)}"
        if self.kind == "dropped":
            return f"{text} was never laid out on any page (it overflowed its page)"
        if self.kind == "heading":
            return f"page {self.page}: the heading {text} ends the page, apart from what it heads"
        return f"page {self.page}: a rule is drawn through {text}"


_Paged = TypeVar("_Paged", "TextRun", "Rule")


_CONTROLS = str.maketrans(
    dict.fromkeys(
        map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    )
)


def _quote(text: str) -> str:
    text = " ".join(text.translate(_CONTROLS).split())
    return repr(text if len(text) <= SHOWN else text[: SHOWN - 1] + "…")


def problems(runs: Sequence[TextRun], rules: Iterable[Rule] = ()) -> list[LayoutProblem]:
    """Every layout problem among `runs` and `rules`: first the runs outside their area or
    clipped, in the order of `runs`, then overlaps and struck runs among the others."""
    found: list[LayoutProblem] = []
    shown: list[TextRun] = []
    for run in runs:
        if not run.area.contains(run.core):
            found.append(LayoutProblem(run.page, "outside", run.text))
        elif not all(clip.contains(run.core) for clip in run.clips):
            found.append(LayoutProblem(run.page, "clipped", run.text))
        else:
            shown.append(run)
    # A run already reported as hidden is not also reported as overprinted.
    found += overlaps(shown)
    found += struck(shown, list(rules))
    found += orphans(shown)
    return found


def orphans(runs: Sequence[TextRun]) -> list[LayoutProblem]:
    """Headings that end their page: the lowest text of the page's body is a heading's."""
    found = []
    for page, on_page in _by_page(r for r in runs if not r.margin).items():
        lowest = max(on_page, key=lambda r: r.core.y1)
        if lowest.heading:
            found.append(LayoutProblem(page, "heading", lowest.text))
    return found


def _by_page(items: Iterable[_Paged]) -> dict[int, list[_Paged]]:
    grouped: dict[int, list[_Paged]] = {}
    for item in items:
        grouped.setdefault(item.page, []).append(item)
    return dict(sorted(grouped.items()))


def _cores(runs: Sequence[TextRun]) -> np.ndarray:
    return np.array([(r.core.x0, r.core.y0, r.core.x1, r.core.y1) for r in runs], dtype=float)


def overlaps(runs: Sequence[TextRun], tolerance: float = TOLERANCE) -> list[LayoutProblem]:
    """Pairs of runs of one page whose cores overlap by more than `tolerance` both ways."""
    found = []
    for page, on_page in _by_page(runs).items():
        if len(on_page) < 2:
            continue
        box = _cores(on_page)
        # Overlap widths of every pair at once: a page holds at most a few thousand runs.
        wide = np.minimum.outer(box[:, 2], box[:, 2]) - np.maximum.outer(box[:, 0], box[:, 0])
        high = np.minimum.outer(box[:, 3], box[:, 3]) - np.maximum.outer(box[:, 1], box[:, 1])
        hit = np.triu((wide > tolerance) & (high > tolerance), k=1)
        for i, j in zip(*np.nonzero(hit), strict=True):
            found.append(LayoutProblem(page, "overlap", on_page[i].text, on_page[j].text))
    return found


def struck(
    runs: Sequence[TextRun], rules: Sequence[Rule], tolerance: float = TOLERANCE
) -> list[LayoutProblem]:
    """Runs whose core a horizontal rule crosses."""
    found = []
    by_page = _by_page(runs)
    for page, page_rules in _by_page(rules).items():
        on_page = by_page.get(page, [])
        lines = np.array([(r.x0, r.x1, r.y) for r in page_rules], dtype=float)
        if not on_page:
            continue
        box = _cores(on_page)
        across = (box[:, 1, None] + tolerance < lines[None, :, 2]) & (
            lines[None, :, 2] < box[:, 3, None] - tolerance
        )
        wide = np.minimum(box[:, 2, None], lines[None, :, 1]) - np.maximum(
            box[:, 0, None], lines[None, :, 0]
        )
        for i in np.flatnonzero((across & (wide > tolerance)).any(axis=1)):
            found.append(LayoutProblem(page, "rule", on_page[i].text))
    return found


class _BodyText(HTMLParser):
    """The text nodes of a document's body, in order (the head is not printed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("head", "style", "script", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "script", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data)


def _letters(text: str, ignored: frozenset[str]) -> Counter[str]:
    return Counter(ch for ch in text if not ch.isspace() and ch not in ignored)


def dropped(
    html: str, runs: Sequence[TextRun], ignored: frozenset[str] = frozenset()
) -> list[LayoutProblem]:
    """Texts of `html`'s body of which some character was laid out on no page.

    Every character written must be laid out at least as often as it is written (generated
    content, running footers and page headers only add to what is laid out); `ignored`
    characters (bidi controls, soft hyphens) are not counted.
    """
    parser = _BodyText()
    parser.feed(html)
    parser.close()
    missing = sum((_letters(t, ignored) for t in parser.texts), Counter()) - sum(
        (_letters(r.text, ignored) for r in runs), Counter()
    )
    if not missing:
        return []
    # Name the texts: those whose letters are not found, in order, among the laid-out ones.
    laid = "".join(ch for r in runs for ch in r.text if not ch.isspace() and ch not in ignored)
    found = [
        LayoutProblem(0, "dropped", text)
        for text in parser.texts
        if "".join(_letters_in_order(text, ignored)) not in laid
    ]
    return found or [LayoutProblem(0, "dropped", "".join(sorted(missing.elements())))]


def _letters_in_order(text: str, ignored: frozenset[str]) -> list[str]:
    return [ch for ch in text if not ch.isspace() and ch not in ignored]
