"""HTML to PDF with WeasyPrint: the only module that imports it, lazily, once per process.

What makes the output trustworthy and reproducible:

- fonts come from a generated `FONTCONFIG_FILE` that lists only the Amiri folder (Arabic and
  French) and the DejaVu folder (fallback), so no other system font leaks in; one
  `FontConfiguration` is shared by every render of the process;
- `libharfbuzz-subset0` must be present: without it WeasyPrint subsets fonts with fontTools,
  which is ten times slower and writes the clock time into each font (no two PDFs alike);
- `SOURCE_DATE_EPOCH` is the competition date and the PDF dates are that day, never the clock;
- resources are fetched only from the assets folder or `data:` URLs; anything else is refused,
  recorded, and fails the render;
- the layout is checked before anything is written (`layout_runs` reads WeasyPrint's layout
  tree, `layout.problems` checks it): a text cut off, outside its page, printed over another
  or struck by a rule fails the render with `LayoutProblems` instead of writing a PDF that
  hides words;
- the PDF is written to a temporary file and moved into place, so a failure leaves nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes.util
import datetime as dt
import functools
import logging
import mimetypes
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from grantjury.documents.errors import (
    BlockedResources,
    FontsMissing,
    LayoutProblems,
    LayoutWarnings,
)
from grantjury.documents.layout import CORE, HEADINGS, Rect, Rule, TextRun, dropped, problems
from grantjury.documents.safety import BIDI_CONTROLS, resolve_asset_url

ASSETS = Path(__file__).parent / "assets"
ARABIC_FAMILY = "Amiri"
FALLBACK_FAMILY = "DejaVu Sans"


@dataclass(frozen=True)
class PdfReport:
    """What one render did: pages written and every URL the fetcher served or refused."""

    pages: int
    fetched: tuple[str, ...]
    blocked: tuple[str, ...]


# --- fonts ----------------------------------------------------------------------------------


def choose_font_dirs(arabic_listing: str, fallback_listing: str) -> tuple[Path, ...]:
    """Folders to give fontconfig, from `fc-list` output (`family<TAB>file` lines).

    `arabic_listing` is `fc-list -f '%{family}\\t%{file}\\n' :lang=ar`; the Amiri folder must be
    in it. `fallback_listing` lists DejaVu Sans files (optional).
    """
    arabic = [line.split("\t", 1) for line in arabic_listing.splitlines() if "\t" in line]
    amiri = sorted(
        {Path(file).parent for families, file in arabic if ARABIC_FAMILY in families.split(",")}
    )
    if not amiri:
        found = sorted({families.split(",")[0] for families, _ in arabic})
        raise FontsMissing(
            f"no {ARABIC_FAMILY} font found by fontconfig (`fc-list :lang=ar`)",
            found=", ".join(found) or "no Arabic font at all",
        )
    fallback = sorted({Path(line).parent for line in fallback_listing.splitlines() if line})
    return tuple(dict.fromkeys([*amiri, *fallback]))


def _fc_list(fc_list: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [fc_list, *args], capture_output=True, text=True, check=False, env=env, timeout=60
    )
    return result.stdout


@functools.cache
def ensure_fonts() -> Path:
    """Check the system can print Arabic and point fontconfig at the chosen folders only.

    Runs once per process, before WeasyPrint is imported; returns the generated config file.
    Raises `FontsMissing` with the command to install what is missing.
    """
    if ctypes.util.find_library("harfbuzz-subset") is None:
        raise FontsMissing("the HarfBuzz subsetting library (libharfbuzz-subset) is missing")
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise FontsMissing("fontconfig's `fc-list` command was not found")
    dirs = choose_font_dirs(
        _fc_list(fc_list, "-f", "%{family}\t%{file}\n", ":lang=ar"),
        _fc_list(fc_list, "-f", "%{file}\n", FALLBACK_FAMILY),
    )
    folder = Path(tempfile.mkdtemp(prefix="grantjury-fonts-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    config = folder / "fonts.conf"
    config.write_text(
        Template((ASSETS / "fonts.conf").read_text(encoding="utf-8")).substitute(
            dirs="\n".join(f"  <dir>{xml_escape(str(d))}</dir>" for d in dirs),
            cachedir=xml_escape(str(folder / "cache")),
        ),
        encoding="utf-8",
    )
    # Check with the configuration WeasyPrint will actually use.
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    families = _fc_list(fc_list, "-f", "%{family}\n", ":lang=ar", env=env)
    if ARABIC_FAMILY not in {f for line in families.splitlines() for f in line.split(",")}:
        raise FontsMissing(
            f"fontconfig does not load {ARABIC_FAMILY} from {', '.join(map(str, dirs))}"
        )
    os.environ["FONTCONFIG_FILE"] = str(config)
    return config


# --- WeasyPrint, imported lazily ------------------------------------------------------------


@dataclass(frozen=True)
class _Engine:
    html: Any
    font_config: Any
    fetcher_class: type
    base_url: str


@functools.cache
def _engine() -> _Engine:
    ensure_fonts()
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import path2url

    return _Engine(weasyprint.HTML, FontConfiguration(), fetcher_class(), path2url(ASSETS))


@functools.cache
def fetcher_class() -> type:
    """The `weasyprint.urls.URLFetcher` subclass that serves only `data:` URLs and assets."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetsOnlyFetcher(URLFetcher):
        """Serve `data:` URLs and files inside `assets`; refuse and record everything else.

        Redirects are off and no other scheme reaches urllib, so nothing goes to the network
        and no other local file is read.
        """

        def __init__(self, assets: Path = ASSETS) -> None:
            super().__init__(
                allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False
            )
            self.assets = assets
            self.fetched: list[str] = []
            self.blocked: list[str] = []

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            if url[:5].lower() == "data:":
                self.fetched.append(url[:40])
                return super().fetch(url, headers)
            path = resolve_asset_url(url, self.assets)
            if path is None:
                self.blocked.append(url)
                raise PermissionError(f"grantjury fetches only its own assets, not {url}")
            self.fetched.append(url)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return AssetsOnlyFetcher


def make_fetcher(assets: Path = ASSETS) -> Any:
    """A fresh fetcher for one render (it keeps the URLs it served and refused)."""
    _engine()
    return fetcher_class()(assets)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _weasyprint_warnings() -> Iterator[list[str]]:
    """Collect what WeasyPrint logs at WARNING or above while the block runs."""
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _source_date_epoch(day: dt.date) -> Iterator[None]:
    """Set `SOURCE_DATE_EPOCH` to midnight UTC of `day` while the block runs."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    os.environ["SOURCE_DATE_EPOCH"] = str(int(midnight.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


# --- the layout, checked -------------------------------------------------------------------

_NOT_COUNTED = frozenset(BIDI_CONTROLS | {"\u00ad"})
"""Characters the layout check does not count: bidi controls and soft hyphens."""


def layout_runs(document: Any, first_page: int = 1) -> tuple[list[TextRun], list[Rule]]:
    """The text runs and horizontal rules of a rendered WeasyPrint `document`, page by page.

    Reads each page's layout tree (`page._page_box`): every text box becomes a `TextRun` with
    its core (see `layout`), the page's content area (or, inside a page-margin box, that box)
    and the padding box of every ancestor that clips its overflow; every visible top or bottom
    border becomes a `Rule`. `first_page` numbers the pages of a part of a document.
    """
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    runs: list[TextRun] = []
    rules: list[Rule] = []
    controls = str.maketrans(dict.fromkeys(map(ord, BIDI_CONTROLS)))

    def padding_rect(box: Any) -> Rect:
        x, y = box.padding_box_x(), box.padding_box_y()
        return Rect(x, y, x + box.padding_width(), y + box.padding_height())

    def walk(
        box: Any, page: int, area: Rect, clips: tuple[Rect, ...], heading: bool, margin: bool
    ) -> None:
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        element = getattr(box, "element", None)
        if not heading and element is not None and not isinstance(box, boxes.TextBox):
            heading = not HEADINGS.isdisjoint((element.get("class") or "").split())
        if isinstance(box, boxes.TextBox):
            text = box.text.translate(controls)
            if text.strip():
                size = box.style["font_size"]
                baseline = box.position_y + getattr(box, "baseline", 0.75 * box.height)
                core = Rect(
                    box.position_x, baseline - CORE * size, box.position_x + box.width, baseline
                )
                runs.append(TextRun(page, text, core, area, clips, heading, margin))
            return
        if isinstance(box, boxes.MarginBox):
            area = padding_rect(box)
            margin = True
        if not isinstance(box, boxes.PageBox | boxes.InlineBox) and box.width:
            x0 = box.border_box_x()
            x1 = x0 + box.border_width()
            for side, y in (("top", box.border_box_y()), ("bottom", box.border_box_y())):
                width = box.style[f"border_{side}_width"]
                if width and box.style[f"border_{side}_style"] not in ("none", "hidden"):
                    if side == "bottom":
                        y += box.border_height() - width
                    rules.append(Rule(page, x0, x1, y + width / 2))
        if isinstance(box, boxes.ParentBox):
            if box.style["overflow"] != "visible" and not isinstance(box, boxes.PageBox):
                clips = (*clips, padding_rect(box))
            for child in box.children:
                walk(child, page, area, clips, heading, margin)

    for index, page in enumerate(document.pages):
        page_box = page._page_box
        x, y = page_box.content_box_x(), page_box.content_box_y()
        area = Rect(x, y, x + page_box.width, y + page_box.height)
        walk(page_box, first_page + index, area, (), False, False)
    return runs, rules


def write_pdf(
    html: str,
    target: Path,
    *,
    day: dt.date,
    fetcher: Any = None,
    document: str | None = None,
    first_page: int = 1,
) -> PdfReport:
    """Render `html` (relative URLs resolve in the assets folder) to the PDF file `target`.

    The PDF goes to a temporary file beside `target` and replaces it only when the render
    succeeded, fetched nothing outside the assets, drew no warning from WeasyPrint and laid
    every text out whole (`layout_runs`). Raises `BlockedResources`, `LayoutWarnings` or
    `LayoutProblems` (naming `document`, by default the target's name, and the page counted
    from `first_page`) otherwise, leaving no file behind.
    """
    engine = _engine()
    fetcher = fetcher if fetcher is not None else engine.fetcher_class(ASSETS)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        with _source_date_epoch(day), _weasyprint_warnings() as warnings:
            rendered = engine.html(
                string=html, base_url=engine.base_url, url_fetcher=fetcher
            ).render(font_config=engine.font_config)
            runs, rules = layout_runs(rendered, first_page)
            found = problems(runs, rules) + dropped(html, runs, _NOT_COUNTED)
            if found:
                raise LayoutProblems(document or target.name, found)
            rendered.write_pdf(temporary)  # attachments are fetched only now
        if fetcher.blocked:
            raise BlockedResources(target.name, fetcher.blocked)
        if warnings:
            raise LayoutWarnings(target.name, warnings)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private to the owner
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return PdfReport(len(rendered.pages), tuple(fetcher.fetched), tuple(fetcher.blocked))
