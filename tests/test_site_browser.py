"""The public site in a real browser: headless Chromium (Debian's package) through Playwright.

Every page loads without a console error and without a request outside the site; the home
page's screenshots at phone and desktop widths match the references in tests/golden/site/
(within a tolerance); axe-core finds no serious or critical accessibility violation; Arabic
pages are laid out right to left; every link inside the site resolves.

Chromium missing: the tests fail in CI (``CI=true``) and are skipped elsewhere, with the
reason. ``GRANTJURY_UPDATE_GOLDEN=1`` rewrites the reference screenshots (and the README's
docs/images/site-ar.png and site-fr.png, the desktop ones).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image

from tests.site_fixtures import sample_site

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("GRANTJURY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden" / "site"
AXE = TESTS / "fixtures" / "axe" / "axe.min.js"
DOC_IMAGES = TESTS.parent / "docs" / "images"
UPDATE_GOLDEN = os.environ.get("GRANTJURY_UPDATE_GOLDEN") == "1"
WIDTHS = {"phone": 390, "desktop": 1280}
MAX_DIFFERENT_SHARE = 0.02
"""Share of pixels allowed to differ (by more than PIXEL_TOLERANCE) from a reference."""
PIXEL_TOLERANCE = 48
"""Largest per-channel difference (0–255) still counted as the same pixel (antialiasing)."""


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; scripts/setup-system.sh)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing_browser()
    if reason is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # The PDF renderer points fontconfig at its own folders (FONTCONFIG_FILE) in this
        # process; the browser gets the machine's own configuration, whatever ran before.
        env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, env=env
        )
        yield chromium
        chromium.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The sample's site served on 127.0.0.1 (a free port) from a thread."""
    site = sample_site(tmp_path_factory.mktemp("browser"))
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", site
    finally:
        httpd.shutdown()
        httpd.server_close()


def site_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def test_every_page_loads_without_error_or_outside_request(browser, server) -> None:
    base, site = server
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    outside: list[str] = []
    failed: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
    for name in site_pages(site):
        response = page.goto(f"{base}/{name}", wait_until="networkidle")
        assert response is not None and response.status == 200, name
        page.evaluate("document.fonts.ready")
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    context.close()
    assert problems == [] and outside == [] and failed == []


def test_fonts_are_the_bundled_ones(browser, server) -> None:
    base, _ = server
    page = browser.new_page()
    page.goto(f"{base}/ar/index.html")
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"
    )
    assert {"Amiri", "DejaVu Sans"} <= {name.strip('"') for name in loaded}
    page.close()


def test_arabic_pages_are_laid_out_right_to_left(browser, server) -> None:
    base, site = server
    page = browser.new_page()
    for name in site_pages(site):
        page.goto(f"{base}/{name}")
        body = page.evaluate("getComputedStyle(document.body).direction")
        lang = name.split("/")[0]
        expected = "rtl" if lang == "ar" else "ltr"
        if name == "index.html":
            rtl = page.evaluate(
                "getComputedStyle(document.querySelector('section[lang=ar]')).direction"
            )
            assert rtl == "rtl"
            continue
        assert body == expected, name
    page.goto(f"{base}/ar/index.html")
    # The first winner's card starts on the right: the grid flows right to left.
    first, second = page.eval_on_selector_all(
        ".domain .card", "cards => cards.slice(0, 2).map(c => c.getBoundingClientRect().left)"
    )
    assert first > second
    page.close()


def test_every_link_inside_the_site_resolves(browser, server) -> None:
    base, site = server
    page = browser.new_page()
    request = page.context.request
    seen: set[str] = set()
    for name in site_pages(site):
        page.goto(f"{base}/{name}")
        hrefs = page.eval_on_selector_all("a[href], link[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            url = href.split("#")[0]
            if not url.startswith(base) or url in seen:
                continue
            seen.add(url)
            assert request.get(url).status == 200, (name, href)
    page.close()
    assert len(seen) > 25


def test_no_serious_or_critical_accessibility_violation(browser, server) -> None:
    base, site = server
    # axe is injected as a script: the site's own policy forbids scripts, so it is bypassed
    # for this scan only.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    axe = AXE.read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for name in site_pages(site):
        page.goto(f"{base}/{name}")
        page.add_script_tag(content=axe)
        result = page.evaluate("async () => await axe.run(document)")
        bad = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])})"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            found[name] = bad
    context.close()
    assert found == {}


def pixel_difference(a: Image.Image, b: Image.Image) -> float:
    """Share of pixels differing by more than PIXEL_TOLERANCE in a channel; 1.0 when the
    sizes differ by more than 2% in height (the layout moved)."""
    if a.width != b.width or abs(a.height - b.height) > 0.02 * max(a.height, b.height):
        return 1.0
    height = min(a.height, b.height)
    x = np.asarray(a.convert("RGB"), dtype=np.int16)[:height]
    y = np.asarray(b.convert("RGB"), dtype=np.int16)[:height]
    return float((np.abs(x - y).max(axis=2) > PIXEL_TOLERANCE).mean())


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_home_page_looks_like_its_reference(browser, server, tmp_path, lang, width) -> None:
    base, _ = server
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})
    page.goto(f"{base}/{lang}/index.html")
    page.evaluate("document.fonts.ready")
    shot = tmp_path / f"home-{lang}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    reference = GOLDEN / f"home-{lang}-{width}.png"
    if UPDATE_GOLDEN or not reference.exists():
        GOLDEN.mkdir(parents=True, exist_ok=True)
        reference.write_bytes(shot.read_bytes())
        if width == "desktop":  # the README's pictures of the site
            (DOC_IMAGES / f"site-{lang}.png").write_bytes(shot.read_bytes())
        if not UPDATE_GOLDEN:
            pytest.fail(f"no reference screenshot: wrote {reference}; check it and commit it")
    with Image.open(shot) as new, Image.open(reference) as old:
        share = pixel_difference(new, old)
    assert share <= MAX_DIFFERENT_SHARE, f"{share:.1%} of the pixels differ from {reference}"


def test_screenshot_comparison_notices_a_change() -> None:
    white = Image.new("RGB", (100, 100), "white")
    changed = white.copy()
    changed.paste((0, 0, 0), (0, 0, 100, 10))
    assert pixel_difference(white, white) == 0.0
    assert pixel_difference(white, changed) == pytest.approx(0.10)
    assert pixel_difference(white, Image.new("RGB", (100, 150), "white")) == 1.0


def test_server_is_local(server) -> None:
    assert urlsplit(server[0]).hostname == "127.0.0.1"
