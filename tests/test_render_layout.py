"""Documents that hold with real names: nothing cut, hidden, outside its page or overprinted.

Three layers of tests:

- the layout check's geometry (`grantjury.documents.layout`), with no PDF engine;
- the check at work in `pdf.write_pdf` on small hand-made pages: a page that would clip,
  overprint or orphan a heading fails with `LayoutProblems` and writes nothing;
- the long-names competition (`tests/fixtures/long_names/`, made by `make_long_names.py`:
  Arabic and French association names and titles of 300–390 characters, jurors with long
  names, a dozen conflicts), ranked and rendered in every document kind, each PDF then read
  back through its characters' boxes (pypdfium2): every name and title whole and in reading
  order, no two glyphs over each other, nothing outside the page's printable area, and in the
  audit's right-to-left tables every value standing before its uncertainty.
"""

from __future__ import annotations

import functools
import json
import pickle
import re
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from test_render import mirror_blind, rank_competition

from grantjury.documents import build as documents
from grantjury.documents import layout, safety
from grantjury.documents.errors import LayoutProblems, RenderError
from grantjury.results import Results, read_results

LONG_NAMES = Path(__file__).parent / "fixtures" / "long_names"
MM = 72 / 25.4
"""PDF points per millimetre."""

# --- the geometry of the check (no PDF engine) ----------------------------------------------

PAGE = layout.Rect(0, 0, 600, 800)


def run_at(x: float, y: float, w: float = 40, h: float = 8, **kw: object) -> layout.TextRun:
    return layout.TextRun(1, f"t{x:g},{y:g}", layout.Rect(x, y, x + w, y + h), PAGE, **kw)  # type: ignore[arg-type]


@given(
    st.lists(
        st.tuples(st.integers(0, 13), st.integers(0, 79)), min_size=1, max_size=40, unique=True
    )
)
def test_runs_on_a_grid_inside_the_page_have_no_problem(cells: list[tuple[int, int]]) -> None:
    runs = [run_at(40 * col + 1, 10 * row + 1, w=38, h=8) for col, row in cells]
    assert layout.problems(runs) == []


@given(
    st.floats(40, 500),
    st.floats(10, 700),
    st.floats(-30, 30),
    st.floats(-6, 6),
)
def test_a_run_moved_over_another_is_an_overlap(x: float, y: float, dx: float, dy: float) -> None:
    assume(abs(dx) < 40 - 2 * layout.TOLERANCE and abs(dy) < 8 - 2 * layout.TOLERANCE)
    found = layout.problems([run_at(x, y), run_at(x + dx, y + dy)])
    assert [p.kind for p in found] == ["overlap"]
    assert "is printed over" in str(found[0])


def test_a_run_past_its_clip_is_clipped_and_not_also_an_overlap() -> None:
    clip = layout.Rect(0, 0, 600, 100)
    hidden = run_at(10, 120, clips=(clip,))
    footer = run_at(10, 121)
    found = layout.problems([run_at(10, 10, clips=(clip,)), hidden, footer])
    assert [(p.kind, p.text) for p in found] == [("clipped", hidden.text)]
    assert str(found[0]) == f"page 1: {hidden.text!r} is cut off by the box that holds it"


def test_a_run_outside_the_page_area_is_named_with_its_page() -> None:
    found = layout.problems([run_at(580, 10)])
    assert [str(p) for p in found] == ["page 1: 't580,10' runs outside the page's printable area"]


def test_a_rule_through_a_run_is_found_and_a_rule_between_lines_is_not() -> None:
    runs = [run_at(10, 10), run_at(10, 30)]
    assert layout.problems(runs, [layout.Rule(1, 0, 600, 24)]) == []
    found = layout.problems(runs, [layout.Rule(1, 0, 600, 34)])
    assert [(p.kind, p.text) for p in found] == [("rule", runs[1].text)]


def test_a_heading_that_ends_its_page_is_an_orphan() -> None:
    body = run_at(10, 10)
    heading = run_at(10, 700, heading=True)
    footer = run_at(10, 790, margin=True)
    found = layout.problems([body, heading, footer])
    assert [(p.kind, p.text) for p in found] == [("heading", heading.text)]
    assert layout.problems([heading, run_at(10, 720)]) == []


def test_a_problem_quotes_a_long_text_shortened() -> None:
    text = "x" * 200
    shown = str(layout.LayoutProblem(3, "clipped", text))
    assert shown.startswith("page 3: 'xxxx") and "…" in shown and len(shown) < 120


def test_layout_problems_name_the_document_and_survive_a_worker_process() -> None:
    error = LayoutProblems("letters.pdf", [layout.LayoutProblem(4, "clipped", "Association")])
    assert isinstance(error, RenderError)
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error)
    assert str(error).startswith("letters.pdf: the layout would hide or overprint text")
    assert "page 4: 'Association' is cut off" in str(error)


# --- text never cut mid-word; figures isolated -----------------------------------------------


def test_a_name_of_400_characters_prints_whole() -> None:
    name = ("Association marrakchie pour le développement culturel " * 8)[:400].strip()
    assert safety.sanitize_text(name, safety.MAX_NAME) == name
    assert safety.sanitize_text(name, safety.MAX_TITLE) == name


def test_a_text_past_the_cap_is_cut_between_words() -> None:
    text = safety.sanitize_text("الحمراء " * 100, 50)
    assert text.endswith("الحمراء…")
    assert len(text) <= 50


def test_figures_are_one_left_to_right_isolate() -> None:
    assert safety.ltr("0,67") == '<bdi dir="ltr">\u20660,67\u2069</bdi>'
    both = safety.plus_minus(safety.ltr("0,67"), safety.ltr("0,14"))
    assert both.startswith('<bdi dir="ltr">\u2066<bdi dir="ltr">\u20660,67')
    assert both.index("0,67") < both.index("±") < both.index("0,14")
    assert safety.plus_minus("0,67", None) == safety.ltr("0,67")


# --- the check inside the renderer ------------------------------------------------------------

PAGE_HTML = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><style>
@page {{ size: A6; margin: 10mm; }}
body {{ font-family: "DejaVu Sans"; font-size: 10pt; margin: 0; }}
.heading {{ font-weight: bold; }}
</style></head><body>{body}</body></html>"""


def write(tmp_path: Path, body: str) -> Path:
    import datetime as dt

    from grantjury.documents import pdf

    target = tmp_path / "page.pdf"
    pdf.write_pdf(PAGE_HTML.format(body=body), target, day=dt.date(2013, 4, 21), document="x.pdf")
    return target


def test_a_page_that_clips_a_name_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    name = "Association marrakchie pour le développement culturel et social " * 4
    with pytest.raises(LayoutProblems) as caught:
        write(tmp_path, f'<div style="height: 12mm; overflow: hidden">{name}</div>')
    assert caught.value.document == "x.pdf"
    assert {p.kind for p in caught.value.problems} == {"clipped"}
    assert "page 1:" in str(caught.value) and "is cut off" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_line_printed_over_another_is_refused(tmp_path: Path) -> None:
    body = (
        '<div style="position: relative"><div>Dossier : CUL-01</div>'
        '<div style="position: absolute; top: 1pt; left: 0">Titre du projet</div></div>'
    )
    with pytest.raises(LayoutProblems) as caught:
        write(tmp_path, body)
    assert [p.kind for p in caught.value.problems] == ["overlap"]
    assert "'Dossier : CUL-01' is printed over 'Titre du projet'" in str(caught.value)


def test_a_text_that_overflows_a_fixed_box_at_the_page_foot_is_never_lost(
    tmp_path: Path,
) -> None:
    """WeasyPrint drops what overflows a fixed-height box at a page's foot: it is on no page,
    so the check counts the characters written against those laid out."""
    body = '<div style="height: 118mm"><div style="height: 110mm"></div>' + "Perdu " * 60 + "</div>"
    with pytest.raises(LayoutProblems) as caught:
        write(tmp_path, body)
    assert {p.kind for p in caught.value.problems} <= {"outside", "dropped"}


def test_a_heading_left_alone_at_the_foot_of_a_page_is_refused(tmp_path: Path) -> None:
    body = '<div style="height: 118mm"></div><div class="heading">Classement</div><p>Suite</p>'
    with pytest.raises(LayoutProblems) as caught:
        write(tmp_path, body)
    assert [(p.kind, p.text) for p in caught.value.problems] == [("heading", "Classement")]


def test_a_certificate_that_cannot_hold_its_names_is_refused_naming_them(
    tmp_path: Path, long_results: Results
) -> None:
    """Two unbreakable words of 500 characters, in the name and the title, are more than one
    certificate can hold at the floor size: the render fails and names what would be lost."""
    data = long_results.as_json()
    sid = long_results.domains[0].winners[0]
    data["submissions"][sid]["association"]["name"]["fr"] = "Association " + "W" * 500
    data["submissions"][sid]["title"]["fr"] = "Projet " + "M" * 500
    run = documents.run_of(read_results(json.dumps(data).encode()))
    with pytest.raises(LayoutProblems) as caught:
        write_kind(tmp_path, "certificates", run)
    assert caught.value.document == "certificates.pdf"
    assert "Projet MMMM" in str(caught.value) and "never laid out" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def write_kind(folder: Path, kind: str, run: documents.Run) -> Path:
    from grantjury.documents import pdf

    target = folder / documents.KINDS[kind].filename
    html = documents.build_html(documents.KINDS[kind], run)
    pdf.write_pdf(html, target, day=run.event.date, document=target.name)
    return target


def test_a_page_that_holds_its_text_is_written(tmp_path: Path) -> None:
    target = write(tmp_path, "<div class='heading'>Classement</div><p>Association Atlas</p>")
    assert target.stat().st_size > 0


# --- the long-names competition, in every document kind ---------------------------------------


@functools.cache
def long_names_results() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder) / "long_names"
        shutil.copytree(LONG_NAMES, work)
        return rank_competition(work)


@pytest.fixture(scope="module")
def long_results() -> Results:
    return read_results(long_names_results())


@pytest.fixture(scope="module")
def long_run(long_results: Results) -> documents.Run:
    return documents.run_of(long_results, long_names_results())


def test_the_fixture_has_names_and_titles_of_300_to_400_characters(long_results: Results) -> None:
    lengths = [
        len(text)
        for sub in long_results.submissions.values()
        for field in (sub.association.name, sub.title)
        for text in field.values()
    ]
    assert len(lengths) == 4 * len(long_results.submissions) == 48
    assert min(lengths) >= 250 and max(lengths) <= 400
    assert len(long_results.conflicts) >= 12
    assert min(len(j.name["fr"]) for j in long_results.jurors) >= 45


def test_every_certificate_sets_its_names_at_one_size(long_run: documents.Run) -> None:
    html = documents.build_html(documents.KINDS["certificates"], long_run)
    sizes = set(re.findall(r'class="association (size-\w+)"', html))
    assert sizes == {"size-xxl"}
    assert set(re.findall(r'class="project (size-\w+)"', html)) == {"size-xxl"}


@pytest.mark.parametrize("kind", list(documents.KINDS))
def test_every_name_is_in_the_html_whole(kind: str, long_run: documents.Run) -> None:
    html = documents.build_html(documents.KINDS[kind], long_run)
    for name in names_printed(kind, long_run.results):
        assert name in html or html_escaped(name) in html, name[:40]


def html_escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def names_printed(kind: str, results: Results) -> list[str]:
    """The long texts each kind must print whole, in both languages."""
    winners = [sid for d in results.domains for sid in d.winners]
    subs = results.submissions
    if kind in ("ceremony", "certificates", "annex"):
        fields = [f for sid in winners for f in (subs[sid].association.name, subs[sid].title)]
    elif kind == "register":
        fields = []  # counts of people only, never a name (law 09-08)
    elif kind == "letters":
        fields = [f for s in subs.values() for f in (s.association.name, s.title)]
    elif kind == "minutes":
        fields = [s.title for s in subs.values()] + [j.name for j in results.jurors]
    else:
        fields = [j.name for j in results.jurors]
    return [text for field in fields for text in (field["ar"], field["fr"])]


@pytest.fixture(scope="module")
def long_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every kind made from the long-names results, once for the module (about 30 s)."""
    folder = tmp_path_factory.mktemp("long-results")
    (folder / "results.json").write_bytes(long_names_results())
    out = tmp_path_factory.mktemp("long-documents")
    kinds = set(documents.KINDS)  # the annex and the register too (by default under a rule pack)
    written = documents.render_documents(folder, out, kinds, workers=2)
    return {p.stem: p for p in written if p.suffix == ".pdf"}


@functools.cache
def glyphs(path: Path) -> list[tuple[str, np.ndarray, tuple[float, float]]]:
    """Each page's text (in the order it is drawn) and its characters' boxes (left, bottom,
    right, top, in points), with the page's size."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        pages = []
        for page in document:
            text_page = page.get_textpage()
            count = text_page.count_chars()
            text = text_page.get_text_range(0, count)
            boxes = np.array([text_page.get_charbox(i) for i in range(count)], dtype=float)
            pages.append((text, boxes.reshape(-1, 4), page.get_size()))
        return pages
    finally:
        document.close()


_INVISIBLE = set(safety.BIDI_CONTROLS) | {"\u00ad"}


def folded(text: str) -> str:
    """Text as compared: NFKC, without white space, bidi marks or the quotes around titles
    (text extraction places a quote drawn at a line's end anywhere), mirrored pairs folded, and
    a hyphen that ends a line (pdfium reads it as U+FFFE) a hyphen again."""
    text = unicodedata.normalize("NFKC", text).replace("\ufffe", "-")
    kept = (ch for ch in text if not ch.isspace() and ch not in _INVISIBLE and ch not in "«»")
    return mirror_blind("".join(kept))


@pytest.mark.slow
def test_every_kind_has_the_expected_pages(
    long_pdfs: dict[str, Path], long_results: Results
) -> None:
    winners = sum(len(d.winners) for d in long_results.domains)
    assert len(glyphs(long_pdfs["certificates"])) == winners
    assert len(glyphs(long_pdfs["letters"])) == len(long_results.submissions)
    assert sorted(long_pdfs) == sorted(documents.KINDS)


WRAP_JUMP = 60
"""Points a letter may move back against its script's direction within one line (a figure
isolated left to right inside Arabic moves right); more means the line wrapped."""
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def pieces(path: Path) -> list[tuple[str, int, float]]:
    """The document's text as drawn, in one-script pieces: each line pdfium reads, cut where
    its letters change between Arabic and Latin script (two columns side by side share a
    line), as (folded text, page, top of the piece in points from the page's foot)."""
    found = []
    for number, (text, boxes, _) in enumerate(glyphs(path), start=1):
        start = 0
        script = None
        last = None  # the previous letter's box
        for i, ch in enumerate([*text, "\n"]):
            kind = "ar" if _ARABIC.match(ch) else "la" if _LATIN.match(ch) else None
            box = boxes[i] if kind else None
            # pdfium now and then reads two close lines as one: a letter far back against its
            # script's direction (to the right in Arabic, to the left in Latin) starts a line.
            new_line = (
                box is not None
                and last is not None
                and kind == script
                and (box[0] - last[0] if kind == "ar" else last[0] - box[0]) > WRAP_JUMP
            )
            if ch in "\r\n" or new_line or (kind and script and kind != script):
                if text[start:i].strip():
                    top = float(boxes[start:i, 3].max())
                    found.append((folded(text[start:i]), number, top))
                start, script = (i + 1, None) if ch in "\r\n" else (i, kind)
                last = None if ch in "\r\n" else box
            elif kind:
                script = script or kind
                last = box
    return found


LINE_GAP = 30
"""Points from one line's top to the next line's, at most (names are set at 8 to 24 pt)."""


def printed_whole(name: str, drawn: list[tuple[str, int, float]]) -> bool:
    """Whether `name` reads whole, in order, from consecutive lines: its first words end one
    piece, each next piece is the whole of a line just below (or at the next page's top), and
    its last words start a piece (or the whole name is inside one piece)."""
    target = folded(name)

    def follow(rest: str, page: int, top: float) -> bool:
        if not rest:
            return True
        for text, on, at in drawn:
            # The next line: just below on this page (extraction may list it first), or the
            # top of the next page.
            if not text or not (on == page + 1 or (on == page and top - LINE_GAP < at < top - 1)):
                continue
            if rest.startswith(text) and follow(rest[len(text) :], on, at):
                return True
            if text.startswith(rest):
                return True
        return False

    for text, page, top in drawn:
        if target in text:
            return True
        for cut in range(min(len(text), len(target)), 7, -1):
            if text.endswith(target[:cut]) and follow(target[cut:], page, top):
                return True
    return False


def test_a_name_reads_whole_only_from_consecutive_lines() -> None:
    name = "Association marrakchie pour le développement culturel"
    lines = [("Àl'attentionde:", 1, 700.0), ("Associationmarrakchiepour", 1, 680.0)]
    below = ("ledéveloppementculturel", 1, 666.0)
    assert printed_whole(name, [*lines, below])
    assert printed_whole(name, [below, *lines])  # extraction order does not matter
    assert not printed_whole(name, lines)  # the second line was cut off
    assert not printed_whole(name, [*lines, ("Dossier:CUL-01", 1, 666.0), ("ledév", 1, 652.0)])
    assert not printed_whole(name, [*lines, ("ledéveloppementcultu…", 1, 666.0)])


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(documents.KINDS))
def test_every_name_and_title_prints_whole_in_reading_order(
    kind: str, long_pdfs: dict[str, Path], long_results: Results
) -> None:
    """Each name, white space aside, reads from the page's glyphs line after line, top to
    bottom: no word lost to a clip, no line dropped, no line of another text in between."""
    drawn = pieces(long_pdfs[kind])
    missing = [n[:50] for n in names_printed(kind, long_results) if not printed_whole(n, drawn)]
    assert missing == []


def _overlapping(text: str, boxes: np.ndarray, shrink: float = 0.2) -> list[tuple[int, int]]:
    """Pairs of glyphs whose boxes, each shrunk by `shrink` of its size on every side, still
    overlap. Marks (harakat) sit on their letter, the letters of a ligature share one box and
    neighbours in a word may kern into each other: none of these count."""
    keep = [
        i
        for i, ch in enumerate(text[: len(boxes)])
        if not ch.isspace() and unicodedata.category(ch) not in ("Mn", "Me", "Cf")
    ]
    if len(keep) < 2:
        return []
    b = boxes[keep]
    w, h = (b[:, 2] - b[:, 0])[:, None], (b[:, 3] - b[:, 1])[:, None]
    inner = b + np.hstack([shrink * w, shrink * h, -shrink * w, -shrink * h])
    order = np.argsort(inner[:, 0], kind="stable")
    left = inner[order, 0]
    found = []
    for a, i in enumerate(order):
        stop = int(np.searchsorted(left, inner[i, 2], side="left"))
        for j in order[a + 1 : stop]:
            if abs(keep[i] - keep[j]) <= 2 or np.array_equal(b[i], b[j]):
                continue
            if min(inner[i, 3], inner[j, 3]) > max(inner[i, 1], inner[j, 1]):
                found.append((keep[i], keep[j]))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(documents.KINDS))
def test_no_two_glyphs_overlap(kind: str, long_pdfs: dict[str, Path]) -> None:
    found = []
    for number, (text, boxes, _) in enumerate(glyphs(long_pdfs[kind]), start=1):
        for i, j in _overlapping(text, boxes):
            found.append((number, text[max(0, i - 10) : i + 10], text[max(0, j - 10) : j + 10]))
    assert found == []


PRINTABLE_MM = {
    "ceremony": (5, 20, 20),  # a continued domain's name is printed in the top margin
    "certificates": (13, 28, 13),
    "minutes": (16, 18, 18),
    "audit": (16, 18, 18),
    "letters": (11, 18, 8),
    "annex": (16, 16, 24),
    "register": (16, 16, 24),
}
"""Each kind's top, side and bottom margin (mm) from its stylesheet's `@page` (and, for the
certificates, the frame's border and padding): its content area. The running footer of the
ceremony sheets, minutes and audit report sits in the bottom margin, so below the content only
the page's last `EDGE_MM` must stay blank."""
EDGE_MM = 5
"""The edge of a sheet that office printers cannot print on."""
MARKS_MM = 1.5
"""How far above a page's first line Arabic marks (hamza, tanwin) may reach: they rise above
the line box, not the layout."""


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(documents.KINDS))
def test_nothing_lies_outside_the_page_content_area(kind: str, long_pdfs: dict[str, Path]) -> None:
    top, side, bottom = PRINTABLE_MM[kind]
    bottom = min(bottom, EDGE_MM)
    outside = []
    for number, (text, boxes, (width, height)) in enumerate(glyphs(long_pdfs[kind]), start=1):
        inked = [i for i, ch in enumerate(text[: len(boxes)]) if not ch.isspace()]
        b = boxes[inked]
        bad = (
            (b[:, 0] < side * MM - 1)
            | (b[:, 2] > width - side * MM + 1)
            | (b[:, 3] > height - (top - MARKS_MM) * MM)
            | (b[:, 1] < bottom * MM - 1)
        )
        outside += [(number, text[inked[i]]) for i in np.flatnonzero(bad)]
    assert outside == []


_FIGURE = re.compile(r"[−-]?\d[\d\u202f.,]*")


@pytest.mark.slow
def test_in_the_audit_rtl_tables_the_value_stands_before_its_uncertainty(
    long_pdfs: dict[str, Path],
) -> None:
    """`0,67 ± 0,14` reads left to right inside the right-to-left table: the value's glyphs left
    of the ±, the uncertainty's right of it (the bug read `± 0,14 0,67`)."""
    seen = 0
    for text, boxes, _ in glyphs(long_pdfs["audit"]):
        for match in re.finditer(
            r"([−-]?\d[\d,]*)[\s\u00a0\u2066-\u2069]*±[\s\u00a0\u2066-\u2069]*(\d[\d,]*)", text
        ):
            value = boxes[match.start(1) : match.end(1)]
            sign = boxes[text.index("±", match.end(1))]
            uncertainty = boxes[match.start(2) : match.end(2)]
            assert value[:, 2].max() <= sign[0] + 0.5, match.group(0)
            assert sign[2] <= uncertainty[:, 0].min() + 0.5, match.group(0)
            assert list(value[:, 0]) == sorted(value[:, 0]), match.group(0)
            seen += 1
    assert seen >= 12  # bias and scale of every juror in each of their domains


@pytest.mark.slow
def test_a_ceremony_page_continuing_a_domain_is_headed_with_its_name(
    long_pdfs: dict[str, Path], long_results: Results
) -> None:
    pages = [folded(text) for text, _, _ in glyphs(long_pdfs["ceremony"])]
    assert len(pages) > len(long_results.domains)  # long names: some domains take two pages
    for text in pages:
        assert any(
            folded(d.name["fr"]) in text and folded(d.name["ar"]) in text
            for d in long_results.domains
        )
