"""Documents made from results.json: safety of untrusted text, reproducible PDFs, golden files.

Golden files live in tests/golden/. The HTML goldens are compared block by block (each element
of a template with a `data-block` attribute starts a block), so that a change of wording shows
as a small diff of the block it is in. Regenerate them (and docs/images/) after an intended
change of the documents with `GRANTJURY_UPDATE_GOLDEN=1 pytest tests/test_render.py
tests/test_render_documents.py`, read the diff and look at the PNGs before committing; without
that variable a golden that differs, or is missing, fails the test.

The documents read results through the model (format 2). `results_small.json` is a hand-made
file of the first format: the tests read it upgraded to format 2 (`upgraded`), and check that
the file itself is refused with a clear message.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from grantjury.documents import build as documents
from grantjury.documents import safety
from grantjury.documents.errors import (
    INSTALL_HINT,
    BlockedResources,
    FontsMissing,
    LayoutWarnings,
    RenderError,
)
from grantjury.results import ResultsFileError, read_results

TESTS = Path(__file__).parent
ROOT = TESTS.parent
FIXTURE = TESTS / "fixtures" / "results_small.json"
GOLDEN = TESTS / "golden"
DOC_IMAGES = ROOT / "docs" / "images"
UPDATE_GOLDEN = os.environ.get("GRANTJURY_UPDATE_GOLDEN") == "1"

GOLDEN_DPI = 50
DOC_IMAGE_DPI = 80
MAX_MEAN_PIXEL_DIFFERENCE = 2.0
"""Mean absolute difference (0-255 grey levels) allowed against a golden page image."""

PASSWD = Path("/etc/passwd")
LONG_WORD = "W" * 110
"""An unbreakable word wider than any column. (Two of 500 characters, in a name and a title,
cannot fit one certificate: that render is refused, `test_render_layout`.)"""
HOSTILE_TITLE_FR = (
    '<b>gras</b> <script>alert("x")</script> <img src="file:///etc/passwd"> '
    '<link rel="attachment" href="file:///etc/passwd"> prix \u202e18 ' + LONG_WORD
)
HOSTILE_TITLE_AR = "مشروع \u202e2013 <b>عريض</b>"
HOSTILE_ID = "CUL-02"  # first prize in culture: first certificate, last entry of sheet 1


# --- helpers -----------------------------------------------------------------------------------

_ARABIC_LETTERS = "\u0621-\u065f\u0670-\u06d3\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff"
_WORD = re.compile(rf"[{_ARABIC_LETTERS}]+|[^\W\d_{_ARABIC_LETTERS}]+|\d+")


def words(text: str) -> list[str]:
    """Words of a text after NFKC normalisation and without bidi marks.

    Arabic letters, other letters and digits make separate words: text extraction glues the
    cells of one table row together ("رياضيDeuxième").
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch not in safety.BIDI_CONTROLS)
    return _WORD.findall(text)


_MIRRORED = str.maketrans({">": "<", ")": "(", "]": "[", "}": "{", "»": "«"})


def mirror_blind(text: str) -> str:
    """`text` with each mirrored pair folded into one character.

    WeasyPrint maps each glyph to one text in the PDF, so once `«` or `<` has been drawn
    mirrored in Arabic, the same glyph copies out as its mirror in French. Only extraction is
    affected (the page is right); tests compare brackets and quotes through this fold.
    """
    return text.translate(_MIRRORED)


@functools.cache
def pdf_text(path: Path) -> list[str]:
    """Text of each page of a PDF, as pypdf extracts it (each PDF here is written once)."""
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


def rasterise(path: Path, dpi: int, mode: str = "L") -> Image.Image:
    """The first page of a PDF as a PIL image (greyscale unless `mode` says otherwise)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return document[0].render(scale=dpi / 72).to_pil().convert(mode)
    finally:
        document.close()


def char_boxes(path: Path, page_index: int) -> tuple[str, list[tuple[float, float, float, float]]]:
    """Text of a page and the box (left, bottom, right, top) of each of its characters."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        text_page = document[page_index].get_textpage()
        text = text_page.get_text_range()
        boxes = [text_page.get_charbox(i) for i in range(len(text))]
        return text, boxes
    finally:
        document.close()


def page_with(path: Path, needle: str) -> int:
    """Index of the first page of a PDF whose text contains `needle`."""
    return next(i for i, page in enumerate(pdf_text(path)) if needle in page)


def find_boxes(text: str, boxes: list, needle: str) -> list[tuple[float, float, float, float]]:
    """Boxes of the characters of the first occurrence of `needle` in a page's text."""
    start = text.find(needle)
    assert start >= 0, f"{needle!r} not found on the page"
    return boxes[start : start + len(needle)]


def write_results(folder: Path, data: dict | None = None) -> Path:
    """A results folder holding `data`, or the fixture upgraded to format 2."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(fixture_data() if data is None else data, ensure_ascii=False, indent=2)
    (folder / "results.json").write_text(text + "\n", encoding="utf-8")
    return folder


def upgraded(old: dict, digest: str) -> dict:
    """A results file of the first format (`results_small.json`) in format 2, with `digest`.

    Only what that hand-made file lacks is added, with neutral values: no stability, no
    reliability, nothing ineligible, the default options and selection.
    """
    data = json.loads(json.dumps(old))
    data["format_version"] = 2
    data["digest"] = digest
    data["competition"].setdefault("currency", "")
    data["options"] = old.get("options", {})
    data["selection"] = {}
    for rubric_id, rubric in data["rubrics"].items():
        rubric.setdefault("id", rubric_id)
        rubric.setdefault("name", {"fr": rubric_id})
    for sub in data["submissions"].values():
        sub.setdefault("eligible", True)
        sub.setdefault("reason", None)
        sub.setdefault("requested_amount", None)
    data["jurors"] = [
        {
            "id": j["id"],
            "name": j["name"],
            "affiliations": j.get("affiliations", []),
            "domains": j.get("domains", []),
            "n_scored": j.get("n_scored", 0),
            "mean": None,
            "sd": None,
            "calibration": {},
            "leave_one_out": None,
        }
        for j in old.get("jurors", [])
    ]
    for domain in data["domains"]:
        winners = domain.get("winners", [])
        domain.setdefault("direction", "higher")
        domain.setdefault("winners_wanted", len(winners))
        for key in ("reserve", "ties", "too_close", "warnings"):
            domain.setdefault(key, [])
        domain.setdefault("tie_break", ["raw_mean", "lot"])
        domain.setdefault("lottery", None)
        domain.setdefault("budget", None)
        for entry in domain["ranking"]:
            place = winners.index(entry["submission"]) + 1 if entry.get("winner") else None
            entry.setdefault("calibrated_criteria", entry.get("criteria", {}))
            entry.setdefault("eligible", True)
            entry.setdefault("ineligible_reasons", [])
            entry["decision"] = (
                {"code": "place_in_domain", "place": place, "places": len(winners)}
                if place
                else {"code": "not_selected"}
            )
            for key in ("funded", "tie_break", "p_selected", "rank_interval"):
                entry.setdefault(key, None)
            if entry["tie_break"] is not None:
                tie = entry["tie_break"]
                entry["tie_break"] = {"key": tie["key"], "group": tie.get("against", [])}
        ranks = {e["submission"]: (e["rank"], e["score"]) for e in domain["ranking"]}
        domain["ties"] = [
            {
                "submissions": tie["submissions"],
                "score": ranks[tie["submissions"][0]][1],
                "ranks": [ranks[tie["submissions"][0]][0], ranks[tie["submissions"][-1]][0]],
                "steps": [],
                "separated_by": [tie["settled_by"]] * (len(tie["submissions"]) - 1),
                "mattered": False,
                "settled_by": tie["settled_by"],
            }
            for tie in domain["ties"]
        ]
    data["conflicts"] = [
        {
            **c,
            "note": None if c["source"] == "detected" else c.get("note"),
            "association": c["note"].removeprefix("member of ")
            if c["source"] == "detected"
            else None,
        }
        for c in old.get("conflicts", [])
    ]
    for key, value in (
        ("budget", None),
        ("reliability", {}),
        ("stability", None),
        ("winners_by_method", {}),
    ):
        data.setdefault(key, value)
    return data


def fixture_data() -> dict:
    """The fixture in format 2; its digest is the SHA-256 of the fixture's own bytes (the digest
    its first-format documents printed)."""
    old = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return upgraded(old, "sha256:" + hashlib.sha256(FIXTURE.read_bytes()).hexdigest())


SAMPLE = ROOT / "sample_submissions"
SMALL_KEEP = frozenset(
    {
        "CUL-25", "CUL-20", "CUL-04", "CUL-15", "CUL-22", "CUL-24", "CUL-29",
        "SPO-26", "SPO-20", "SPO-11", "SPO-08", "SPO-14", "SPO-01", "SPO-22",
        "SOC-24", "SOC-08", "SOC-02", "SOC-13", "SOC-18", "SOC-20", "SOC-31",
    }
)  # fmt: skip
"""Seven submissions per domain of the sample, with conflicts and ineligible files: every part
of a real run on few enough submissions to render quickly."""
FIXED_ENGINE = {"grantjury": "0.1.0", "python": "3", "numpy": "2", "scipy": "1"}
"""Engine versions recorded for the results the tests rank, so that their run digest (printed
on every page of the golden documents) does not follow the machine's library versions."""


def rank_competition(folder: Path) -> bytes:
    """The bytes of `results.json` for the competition in `folder`, as `grantjury rank` writes
    them (the engine's own library calls), with `FIXED_ENGINE` versions."""
    from grantjury.pipeline import run
    from grantjury.report import build_outputs

    result = run(folder, {})
    competition_file = Path(result.competition.path)
    _, files = build_outputs(result.results, {}, competition_file, folder / "out", FIXED_ENGINE)
    return files["results.json"]


def _filter_csv(source: Path, target: Path, keep: set[str]) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    kept = [rows[0], *(row for row in rows[1:] if row[1] in keep)]
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(kept)


@functools.cache
def sample_results(keep: frozenset[str] | None = None) -> bytes:
    """`results.json` of the bundled sample, or of the sample cut down to the submissions in
    `keep` (with their scores and conflicts), ranked by the engine."""
    if keep is None:
        return rank_competition(SAMPLE)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder) / "sample"
        work.mkdir()
        # A copy, not a link: inputs are recorded by their resolved path, which must not
        # depend on where the repository is checked out.
        shutil.copytree(ROOT / "rubrics", Path(folder) / "rubrics")
        for name in ("competition.yaml", "jurors.yaml"):
            (work / name).write_bytes((SAMPLE / name).read_bytes())
        for name in ("scores.csv", "conflicts.csv"):
            _filter_csv(SAMPLE / name, work / name, set(keep))
        (work / "submissions").mkdir()
        for sub in sorted(keep):
            name = f"{sub}.yaml"
            (work / "submissions" / name).write_bytes((SAMPLE / "submissions" / name).read_bytes())
        return rank_competition(work)


def hostile_data() -> dict:
    data = fixture_data()
    submission = data["submissions"][HOSTILE_ID]
    submission["title"] = {"ar": HOSTILE_TITLE_AR, "fr": HOSTILE_TITLE_FR}
    submission["association"]["name"]["fr"] = "Association " + LONG_WORD
    return data


def results_of(data: dict) -> documents.Run:
    """The documents' run of results given as a JSON value (read through the model)."""
    raw = json.dumps(data).encode()
    return documents.run_of(read_results(raw), raw)


_BLOCK = re.compile(r"<([a-z][a-z0-9]*)\b[^>]*\bdata-block=\"([^\"]*)\"")


def html_blocks(html: str) -> dict[str, str]:
    """The HTML cut into its blocks: each element with a `data-block` attribute starts one.

    A block is named by that attribute, after the `<section>` block it is in (`letter-10 /
    decision`, `domain-sports / after-ranking`), with `#2` for the second of a name; `(head)`
    is what comes before the first block.
    """
    starts = [(m.start(), m.group(1), m.group(2)) for m in _BLOCK.finditer(html)]
    blocks = {"(head)": html[: starts[0][0] if starts else len(html)]}
    seen: dict[str, int] = {}
    section = ""
    for index, (start, tag, name) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(html)
        if tag == "section":
            section = name
        elif section:
            name = f"{section} / {name}"
        seen[name] = seen.get(name, 0) + 1
        key = name if seen[name] == 1 else f"{name} #{seen[name]}"
        blocks[key] = html[start:end]
    return blocks


def check_golden(path: Path, actual: str) -> None:
    """Compare a document's HTML with its golden file block by block, naming each block that
    differs with a diff of that block alone. Only `GRANTJURY_UPDATE_GOLDEN=1` writes goldens."""
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(
            f"{path} does not exist: write it with GRANTJURY_UPDATE_GOLDEN=1 and read it before "
            "committing"
        )
    expected = html_blocks(path.read_text(encoding="utf-8"))
    got = html_blocks(actual)
    report = []
    for name in [*expected, *(n for n in got if n not in expected)]:
        if expected.get(name) == got.get(name):
            continue
        if name not in got or name not in expected:
            report.append(f"block {name!r}: {'missing' if name not in got else 'new'}")
            continue
        diff = difflib.unified_diff(
            expected[name].splitlines(),
            got[name].splitlines(),
            f"golden {path.name} [{name}]",
            f"rendered [{name}]",
            n=1,
            lineterm="",
        )
        report.append("\n".join(list(diff)[:60]))
    if report:
        pytest.fail(
            f"{path.name}: {len(report)} block(s) differ (GRANTJURY_UPDATE_GOLDEN=1 rewrites the "
            "golden after an intended change):\n" + "\n\n".join(report),
            pytrace=False,
        )


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def results() -> documents.Run:
    return results_of(fixture_data())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """ceremony.pdf and certificates.pdf made from the fixture, once for the module."""
    folder = write_results(tmp_path_factory.mktemp("results"))
    out = tmp_path_factory.mktemp("documents")
    paths = documents.render_documents(folder, out, {"ceremony", "certificates"})
    return {path.stem: path for path in paths}


@dataclass(frozen=True)
class HostileRender:
    """A document made from results with a hostile title, and the fetcher it used."""

    path: Path
    report: Any
    fetcher: Any


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, HostileRender]:
    """Both documents made from results with a hostile title, by kind."""
    from grantjury.documents import pdf

    results = results_of(hostile_data())
    out = tmp_path_factory.mktemp("hostile")
    made = {}
    for name in ("ceremony", "certificates"):
        fetcher = pdf.make_fetcher()
        target = out / f"{name}.pdf"
        html = documents.build_html(documents.KINDS[name], results)
        report = pdf.write_pdf(html, target, day=results.event.date, fetcher=fetcher)
        made[name] = HostileRender(target, report, fetcher)
    return made


# --- text safety (no PDF engine) ------------------------------------------------------------


def test_sanitize_strips_bidi_and_control_characters() -> None:
    text = "a\u202eb\u2066c\u200fd\u061ce\x00f\x1bg\x85h\u2028i\tj\nk\ud800l"
    assert safety.sanitize_text(text) == "abcdefg h i j kl"


def test_sanitize_normalises_to_nfc_and_keeps_no_break_spaces() -> None:
    assert safety.sanitize_text("Cafe\u0301\u00a0:  ok ") == "Café\u00a0: ok"


def test_sanitize_caps_length_with_an_ellipsis() -> None:
    text = safety.sanitize_text("x" * 500, max_length=20)
    assert text == "x" * 19 + "…"


def test_isolate_wraps_in_first_strong_isolate() -> None:
    assert safety.isolate("abc") == "\u2068abc\u2069"
    assert safety.isolate("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [("جمعية Atlas", "rtl"), ("Atlas جمعية", "ltr"), ("2013 «مشروع»", "rtl"), ("2013", "ltr")],
)
def test_text_direction_follows_the_first_strong_character(text: str, expected: str) -> None:
    assert safety.text_direction(text) == expected


def test_figures_and_dates_are_marked_left_to_right() -> None:
    assert safety.number_filter(45000.0, "fr") == '<bdi dir="ltr">\u206645\u202f000\u2069</bdi>'
    assert safety.number_filter(18500.5, "ar") == '<bdi dir="ltr">\u206618\u202f500,50\u2069</bdi>'
    day = dt.date(2013, 4, 21)
    assert safety.date_filter(day, "fr") == '<bdi dir="ltr">\u206621\u00a0avril 2013\u2069</bdi>'
    assert (
        safety.date_filter(day, "ar")
        == '<bdi dir="ltr">\u206621\u2069</bdi> أبريل <bdi dir="ltr">\u20662013\u2069</bdi>'
    )
    assert safety.date_filter(day, "zgh") == '<bdi dir="ltr">\u20662013-04-21\u2069</bdi>'


def test_templates_print_markup_as_text() -> None:
    html = documents.build_html(documents.KINDS["ceremony"], results_of(hostile_data()))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "<script" not in html and '<img src="file:' not in html
    assert "\u202e" not in html


def test_sandbox_refuses_unsafe_attribute_access() -> None:
    from jinja2.exceptions import SecurityError, UndefinedError

    env = safety.make_environment(documents.TEMPLATES)
    with pytest.raises(SecurityError):
        env.from_string("{{ x.__init__.__globals__ }}").render(x=documents.load_run)
    with pytest.raises(UndefinedError):
        env.from_string("{{ missing }}").render()


def test_asset_urls_resolve_only_inside_the_assets_folder(tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "a.css").write_text("p {}")
    (tmp_path / "secret.txt").write_text("secret")
    (assets / "link.css").symlink_to(tmp_path / "secret.txt")
    root = assets.as_uri()
    assert safety.resolve_asset_url(f"{root}/a.css", assets) == (assets / "a.css").resolve()
    for url in (
        "file:///etc/passwd",
        f"{root}/../secret.txt",
        f"{root}/%2e%2e/secret.txt",
        f"{root}/link.css",
        f"{root}/missing.css",
        f"file://evil.example{assets}/a.css",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/a.css",
        "a.css",
    ):
        assert safety.resolve_asset_url(url, assets) is None, url


# --- results.json -----------------------------------------------------------------------------


def test_fixture_reads_as_nine_winners_in_rank_order(results: documents.Run) -> None:
    assert [d.domain.id for d in results.domains] == ["cultural", "social", "sports"]
    assert [w.submission for w in results.domains[0].winners] == ["CUL-02", "CUL-01", "CUL-03"]
    assert [w.position for w in results.domains[0].reading_order] == [3, 2, 1]
    assert len(results.certificates) == 9


def test_digest_is_sha256_of_the_file_unless_given(tmp_path: Path) -> None:
    data = fixture_data()
    data["digest"] = None
    folder = write_results(tmp_path, data)
    raw = (folder / "results.json").read_bytes()
    assert documents.load_run(folder).digest == hashlib.sha256(raw).hexdigest()[:12]
    data["digest"] = "sha256:ABCDEF0123456789abcdef"
    assert results_of(data).digest == "abcdef012345"


def test_a_digest_that_is_not_hexadecimal_is_refused() -> None:
    data = fixture_data()
    data["digest"] = "<b>nope</b>"
    with pytest.raises(ResultsFileError, match=r"digest: expected sha256: and hexadecimal digits"):
        results_of(data)


def test_a_missing_key_is_named_with_its_path() -> None:
    data = fixture_data()
    del data["submissions"]["SOC-02"]["title"]
    with pytest.raises(ResultsFileError) as caught:
        results_of(data)
    assert str(caught.value).startswith(
        "results.json, submissions.SOC-02.title: Field required; found "
    )


def test_a_results_file_of_the_first_format_is_refused_with_its_version(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_bytes(FIXTURE.read_bytes())
    with pytest.raises(ResultsFileError) as caught:
        documents.render_documents(tmp_path, tmp_path / "out", {"ceremony"})
    assert str(caught.value).startswith(
        f"{tmp_path / 'results.json'}, format_version: written in format 1 (it has no "
        "format_version) by grantjury 0.1.0; this grantjury reads format 2."
    )


@pytest.mark.parametrize("amount", [float("nan"), -5.0])
def test_an_amount_that_is_not_a_number_is_refused(amount: float) -> None:
    data = fixture_data()
    data["submissions"]["CUL-01"]["requested_amount"] = amount
    with pytest.raises(ResultsFileError, match=r"submissions.CUL-01.requested_amount: expected a"):
        results_of(data)


def test_a_winner_missing_from_submissions_is_named() -> None:
    data = fixture_data()
    del data["submissions"]["CUL-02"]
    with pytest.raises(ResultsFileError, match=r"domains\.0\.winners: 'CUL-02' is not in"):
        results_of(data)


def test_missing_results_file_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(ResultsFileError, match="written by `grantjury rank`"):
        documents.render_documents(tmp_path, tmp_path / "out", None)


def test_unknown_kind_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="unknown document kind 'menu'; expected one of"):
        documents.render_documents(tmp_path, tmp_path, {"menu"})


def test_fonts_missing_says_what_to_install() -> None:
    from grantjury.documents import pdf

    with pytest.raises(FontsMissing) as caught:
        pdf.choose_font_dirs("DejaVu Sans\t/usr/share/fonts/dejavu/DejaVuSans.ttf\n", "")
    assert INSTALL_HINT in str(caught.value)
    assert "found: DejaVu Sans" in str(caught.value)
    amiri = "Amiri\t/fonts/amiri/Amiri-Regular.ttf\nAmiri Quran\t/fonts/amiri/AmiriQuran.ttf\n"
    dirs = pdf.choose_font_dirs(amiri, "/fonts/dejavu/DejaVuSans.ttf\n")
    assert dirs == (Path("/fonts/amiri"), Path("/fonts/dejavu"))


def test_page_direction_follows_the_first_language() -> None:
    data = fixture_data()
    data["competition"]["languages"] = ["fr", "ar"]
    html = documents.build_html(documents.KINDS["ceremony"], results_of(data))
    assert '<html lang="fr" dir="ltr">' in html
    assert html.index('lang="fr" dir="ltr"') < html.index('lang="ar" dir="rtl"')


def test_a_language_without_labels_gets_english_labels() -> None:
    data = fixture_data()
    data["competition"]["languages"] = ["ar", "zgh"]
    html = documents.build_html(documents.KINDS["certificates"], results_of(data))
    assert '<td lang="zgh" dir="ltr">Certificate of award</td>' in html


@pytest.mark.parametrize("name", ["ceremony", "certificates"])  # others: test_render_documents
def test_html_matches_golden(name: str, results: documents.Run) -> None:
    check_golden(GOLDEN / f"{name}.html", documents.build_html(documents.KINDS[name], results))


def test_imports_go_one_way() -> None:
    """Scoring stages never import the renderer; importing it does not load WeasyPrint."""
    for module in (ROOT / "grantjury").glob("*.py"):
        if module.name == "cli.py":
            continue
        source = module.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+(grantjury\.render|\.render)", source, re.M), (
            f"{module.name} imports grantjury.documents"
        )
    for module in (ROOT / "grantjury" / "documents").glob("*.py"):
        if module.name != "pdf.py":
            source = module.read_text(encoding="utf-8")
            assert not re.search(r"^\s*(from|import)\s+weasyprint", source, re.M), module.name
    code = (
        "import sys, grantjury.documents; "
        "assert 'weasyprint' not in sys.modules, 'weasyprint imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --- PDFs ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ceremony", "certificates"])
def test_pdf_text_has_every_name_and_title_word_by_word(
    name: str, rendered: dict[str, Path], results: documents.Run
) -> None:
    found = set(words("\n".join(pdf_text(rendered[name]))))
    expected = []
    for domain in results.domains:
        for lang in ("ar", "fr"):
            expected += words(domain.name[lang])
            for winner in domain.winners:
                expected += words(winner.association[lang]) + words(winner.title[lang])
    missing = [word for word in expected if word not in found]
    assert missing == []
    assert {"Deuxième", "lauréat", "Troisième"} & found  # French accents came through


@pytest.mark.slow
def test_ceremony_reads_winners_from_last_prize_to_first(rendered: dict[str, Path]) -> None:
    first_page = words(pdf_text(rendered["ceremony"])[0])
    order = [first_page.index(w) for w in ("Troisième", "Deuxième", "Premier")]
    assert order == sorted(order)


@pytest.mark.slow
def test_one_certificate_page_per_winner(rendered: dict[str, Path]) -> None:
    pages = pdf_text(rendered["certificates"])
    assert len(pages) == 9
    assert "melhoun" in pages[0]  # first prize of the first domain comes first


@pytest.mark.slow
def test_every_page_footer_has_title_page_number_and_digest(
    rendered: dict[str, Path], results: documents.Run
) -> None:
    for path in rendered.values():
        pages = pdf_text(path)
        for number, page in enumerate(pages, start=1):
            assert results.digest in page
            assert f"{number} / {len(pages)}" in page
            assert "Marrakech" in page


@pytest.mark.slow
def test_two_renders_are_byte_identical(rendered: dict[str, Path], tmp_path: Path) -> None:
    """Again in this process (certificates) and in a fresh one (ceremony): the same bytes."""
    folder = write_results(tmp_path / "results")
    (again,) = documents.render_documents(folder, tmp_path / "again", {"certificates"})
    assert again.read_bytes() == rendered["certificates"].read_bytes()
    code = (
        "import sys; from pathlib import Path; from grantjury.documents import render_documents; "
        "render_documents(Path(sys.argv[1]), Path(sys.argv[2]), {'ceremony'})"
    )
    subprocess.run([sys.executable, "-c", code, folder, tmp_path / "process"], check=True)
    fresh = tmp_path / "process" / "ceremony.pdf"
    assert fresh.read_bytes() == rendered["ceremony"].read_bytes()


@pytest.mark.slow
def test_pdf_metadata_carries_no_clock_time(rendered: dict[str, Path]) -> None:
    from pypdf import PdfReader

    info = PdfReader(rendered["ceremony"]).metadata
    assert info["/CreationDate"] == "D:20130421"
    assert info["/ModDate"] == "D:20130421"
    assert info["/Creator"] == "grantjury 0.1.0"


@pytest.mark.slow
def test_hostile_text_prints_as_text(hostile: dict[str, HostileRender]) -> None:
    for name in ("ceremony", "certificates"):
        pages = pdf_text(hostile[name].path)
        joined = mirror_blind("".join(unicodedata.normalize("NFKC", "".join(pages)).split()))
        for shown in (
            "<b>gras</b>",
            '<script>alert("x")</script>',
            '<imgsrc="file:///etc/passwd">',
        ):
            assert mirror_blind(shown) in joined, shown
        assert "W" * 100 in joined


@pytest.mark.slow
def test_hostile_text_fetches_nothing(hostile: dict[str, HostileRender]) -> None:
    from pypdf import PdfReader

    secret = PASSWD.read_text(encoding="utf-8").splitlines()[0]
    for name in ("ceremony", "certificates"):
        fetcher = hostile[name].fetcher
        assert fetcher.blocked == []
        assert all(url.endswith((".css", ".svg")) for url in fetcher.fetched)
        path = hostile[name].path
        reader = PdfReader(path)
        assert list(reader.attachments) == []
        assert b"/EmbeddedFile" not in path.read_bytes()
        assert secret not in "".join(pdf_text(path))


@pytest.mark.slow
def test_hostile_text_does_not_move_other_cells(
    hostile: dict[str, HostileRender], rendered: dict[str, Path]
) -> None:
    arabic_name = "جمعية فنون الملحون"  # beside the hostile French cell
    for name in ("certificates", "ceremony"):
        normal_text, normal_boxes = char_boxes(rendered[name], page_with(rendered[name], "melhoun"))
        path = hostile[name].path
        text, boxes = char_boxes(path, page_with(path, "WWW"))

        # The Arabic cell keeps its horizontal place, to a tenth of a point: its centre on
        # a certificate, its right edge on a sheet (the hostile name steps the type of every
        # name down, so the glyphs themselves move).
        def anchor(found: list, kind: str = name) -> float:
            left, right = min(b[0] for b in found), max(b[2] for b in found)
            return (left + right) / 2 if kind == "certificates" else right

        before = anchor(find_boxes(normal_text, normal_boxes, arabic_name))
        after = anchor(find_boxes(text, boxes, arabic_name))
        assert abs(after - before) < 0.1, name
        # The long word wraps inside its own (left) column, before the Arabic column starts.
        arabic_left = min(b[0] for b in find_boxes(text, boxes, arabic_name))
        long_word = [b for ch, b in zip(text, boxes, strict=True) if ch == "W"]
        assert long_word and max(b[2] for b in long_word) < arabic_left, name


@pytest.mark.slow
def test_a_right_to_left_override_cannot_reverse_figures(hostile: dict[str, HostileRender]) -> None:
    text, boxes = char_boxes(hostile["certificates"].path, 0)
    for figures in ("18", "2013"):
        xs = [b[0] for b in find_boxes(text, boxes, figures)]
        assert xs == sorted(xs), figures


@pytest.mark.slow
def test_hostile_certificates_stay_one_page_each(hostile: dict[str, HostileRender]) -> None:
    assert hostile["certificates"].report.pages == 9


@pytest.mark.slow
def test_a_blocked_fetch_fails_the_render_and_leaves_no_file(tmp_path: Path) -> None:
    from grantjury.documents import pdf

    html = (
        '<html><head><link rel="attachment" href="file:///etc/passwd">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>'
        '<body><img src="file:///etc/passwd"><img src="../pdf.py">'
        '<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E">'
        "</body></html>"
    )
    target = tmp_path / "evil.pdf"
    fetcher = pdf.make_fetcher()
    with pytest.raises(BlockedResources) as caught:
        pdf.write_pdf(html, target, day=dt.date(2013, 4, 21), fetcher=fetcher)
    assert sorted(fetcher.blocked) == sorted(caught.value.urls)
    assert "file:///etc/passwd" in caught.value.urls
    assert "http://127.0.0.1:9/x.css" in caught.value.urls
    assert any(url.endswith("/grantjury/documents/pdf.py") for url in caught.value.urls)
    assert [url[:18] for url in fetcher.fetched] == ["data:image/svg+xml"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_css_problem_fails_the_render(tmp_path: Path) -> None:
    from grantjury.documents import pdf

    html = '<html><body><p style="colour: red">x</p></body></html>'
    with pytest.raises(LayoutWarnings, match="colour"):
        pdf.write_pdf(html, tmp_path / "bad.pdf", day=dt.date(2013, 4, 21))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_failing_document_leaves_the_previous_ones_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grantjury.documents import pdf

    folder = write_results(tmp_path / "results")
    out = tmp_path / "out"
    out.mkdir()
    (out / "ceremony.pdf").write_bytes(b"previous")
    real_write = pdf.write_pdf

    def failing_write(html: str, target: Path, *, day: dt.date, **options: Any) -> pdf.PdfReport:
        if target.name == "certificates.pdf":
            raise BlockedResources(target.name, ["file:///etc/passwd"])
        return real_write(html, target, day=day, **options)

    monkeypatch.setattr(pdf, "write_pdf", failing_write)
    lines: list[str] = []
    with pytest.raises(BlockedResources):
        documents.render_documents(folder, out, None, progress=lines.append)
    assert lines == ["ceremony.pdf: 3 pages"]
    assert sorted(p.name for p in out.iterdir()) == ["ceremony.pdf"]
    assert (out / "ceremony.pdf").read_bytes() == b"previous"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "image"), [("ceremony", "ceremony"), ("certificates", "certificate")]
)
def test_first_page_looks_like_golden(name: str, image: str, rendered: dict[str, Path]) -> None:
    import numpy as np

    actual = rasterise(rendered[name], GOLDEN_DPI)
    golden = GOLDEN / f"{image}.png"
    if UPDATE_GOLDEN or not golden.exists():
        actual.save(golden, optimize=True)
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        picture = rasterise(rendered[name], DOC_IMAGE_DPI, "RGB")
        picture.save(DOC_IMAGES / f"{image}.png", optimize=True)
        if not UPDATE_GOLDEN:
            pytest.fail(f"{golden.name} did not exist and was written; look at it and rerun")
    expected = np.asarray(Image.open(golden).convert("L"), dtype=np.float64)
    got = np.asarray(actual, dtype=np.float64)
    assert got.shape == expected.shape
    assert float(np.abs(got - expected).mean()) <= MAX_MEAN_PIXEL_DIFFERENCE
