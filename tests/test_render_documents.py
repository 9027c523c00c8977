"""Jury minutes, audit report and feedback letters: wording, golden files, reproducible PDFs.

The fixture `results_full.json` is the bundled sample cut down to 21 submissions and ranked by
the engine (`tests/fixtures/make_results_full.py`), so it has every part of a real run.
Regenerate the golden files after an intended change with
`GRANTJURY_UPDATE_GOLDEN=1 pytest tests/test_render_documents.py`, then look at the PNGs.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import pickle
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from markupsafe import Markup
from PIL import Image
from test_render import (
    DOC_IMAGE_DPI,
    DOC_IMAGES,
    GOLDEN,
    GOLDEN_DPI,
    HOSTILE_TITLE_AR,
    HOSTILE_TITLE_FR,
    MAX_MEAN_PIXEL_DIFFERENCE,
    ROOT,
    UPDATE_GOLDEN,
    char_boxes,
    check_golden,
    find_boxes,
    mirror_blind,
    pdf_text,
    rasterise,
    words,
)

from grantjury.render import charts, documents, parallel, proceedings, wording
from grantjury.render.errors import BlockedResources, LayoutWarnings, PageOverflow
from grantjury.render.record import Record, parse_record

FULL = Path(__file__).parent / "fixtures" / "results_full.json"
SMALL = Path(__file__).parent / "fixtures" / "results_small.json"
NEW_KINDS = ("minutes", "audit", "letters")
LETTERS_GOLDEN_PART = range(9, 14)
"""Letters kept as golden HTML, all of sports but its first two: a winner, both reserves, one
not selected and one ineligible file."""
HOSTILE_ID = "SPO-22"

_CHART = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+")


def full_data() -> dict:
    return json.loads(FULL.read_text(encoding="utf-8"))


def results_of(data: dict) -> documents.Results:
    raw = json.dumps(data).encode()
    return documents.parse_results(data, documents.results_digest(data, raw))


def without_charts(html: str) -> str:
    """The HTML with each chart's SVG payload replaced by its length (charts are tested apart:
    their bytes follow matplotlib's version, the HTML must not)."""
    return _CHART.sub("data:image/svg+xml;base64,…", html)


def letter_index(submission: str) -> int:
    record = parse_record(full_data())
    return next(i for i, (_, e) in enumerate(record.letters) if e.submission == submission)


@pytest.fixture(scope="module")
def results() -> documents.Results:
    return documents.load_results(FULL)


@pytest.fixture(scope="module")
def record() -> Record:
    return parse_record(full_data())


# --- the record ------------------------------------------------------------------------------


def test_record_reads_every_part_of_a_run(record: Record) -> None:
    assert [d.id for d in record.domains] == ["cultural", "sports", "social"]
    assert len(record.letters) == len(record.submissions) == 21
    culture = record.domain("cultural")
    assert culture.winners == ("CUL-25", "CUL-20", "CUL-04")
    assert culture.reserve == ("CUL-15", "CUL-22")
    assert culture.too_close == ("CUL-04", "CUL-20", "CUL-15")
    assert culture.reliability is not None and culture.reliability.alpha == pytest.approx(
        0.5267, abs=1e-4
    )
    assert record.domain("social").counts == (7, 1, 6, 0)
    assert record.stability is not None and record.stability.replicates == 1000
    assert record.run_digest.startswith("sha256:")
    juror = record.juror("J02")
    assert juror is not None and juror.calibration[0].fallback
    assert [(c.gained, c.lost) for c in juror.changes] == [(("CUL-15",), ("CUL-20",))]


def test_conflict_register_says_which_scores_were_set_aside(record: Record) -> None:
    set_aside = [(c.juror, c.submission) for c in record.conflicts if c.set_aside]
    assert set_aside == [("J12", "CUL-24")]  # the others had not scored their conflicted file
    assert [(e.juror, e.reason) for e in record.exclusions] == [
        ("J01", "incomplete"),
        ("J12", "conflict"),
    ]


def test_an_old_results_file_still_reads(tmp_path: Path) -> None:
    """results_small.json predates stability, reliability and calibration: nothing fails."""
    old = parse_record(json.loads(SMALL.read_text(encoding="utf-8")))
    assert old.stability is None and old.domains[0].reliability is None
    assert old.jurors[0].changes is None
    results = documents.load_results(SMALL)
    for name in NEW_KINDS:
        html = documents.build_html(documents.KINDS[name], results)
        assert "grantjury" in html


def test_a_bad_probability_is_named_with_its_key() -> None:
    data = full_data()
    data["domains"][0]["ranking"][0]["p_selected"] = 1.5
    with pytest.raises(documents.ResultsFileError, match=r"domains\[0\]\.ranking\[0\]\.p_selected"):
        parse_record(data)


# --- wording ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submission", "fr", "ar"),
    [
        ("CUL-25", "Projet lauréat — Premier prix", "مشروع فائز — الجائزة الأولى"),
        ("CUL-22", "Liste d'attente, position 2", "لائحة الانتظار، الرتبة 2"),
        ("CUL-29", "Non retenu", "لم يُختر"),
        ("SPO-22", "Non éligible", "غير مؤهل"),
    ],
)
def test_decisions_are_worded_from_the_structured_results(
    record: Record, submission: str, fr: str, ar: str
) -> None:
    domain = next(d for d in record.domains if d.entry(submission))
    entry = domain.entry(submission)
    assert plain_text(wording.decision(domain, entry, "fr")) == fr
    assert plain_text(wording.decision(domain, entry, "ar")) == ar


def test_ineligibility_reasons_are_translated(record: Record) -> None:
    sports = record.domain("sports")
    (reason,) = sports.entry("SPO-22").reasons
    assert reason == "relevance: mean 7.50, needs at least 8"
    assert plain_text(wording.ineligibility(reason, sports, "fr")) == (
        "Pertinence\u00a0: moyenne 7,50, minimum requis 8"
    )
    assert plain_text(wording.ineligibility(reason, sports, "ar")) == (
        "الملاءمة: المعدل 7,50، والحد الأدنى المطلوب 8"
    )
    declared = record.domain("social").entry("SOC-31").reasons[0]
    assert plain_text(wording.ineligibility(declared, record.domain("social"), "fr")).startswith(
        "dossier déclaré non éligible\u00a0: dossier incomplet"
    )
    unknown = wording.ineligibility("<b>a new rule</b>", sports, "fr")
    assert "&lt;b&gt;" in unknown  # printed as it is, escaped


def test_figures_in_sentences_are_marked_left_to_right() -> None:
    text = wording.say("ar", "rank_line", rank=4, n=30)
    assert text == 'الرتبة <span dir="ltr">4</span> من أصل <span dir="ltr">30</span>'
    assert wording.percent(0.766, "fr") == '<span dir="ltr">77\u202f%</span>'
    # No comparison sign inside Arabic: the renderer would mirror it.
    assert plain_text(wording.percent(0.998, "ar")) == "أكثر من 99%"
    assert plain_text(wording.percent(0.001, "fr")) == "moins de 1\u202f%"
    assert wording.money(39000.0, "MAD", "ar") == '<span dir="ltr">39\u202f000</span>\u00a0درهم'


def test_untrusted_text_in_sentences_is_escaped_and_isolated() -> None:
    text = wording.say("fr", "letter_intro", domain="<script>x</script>\u202e", n=3)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\u202e" not in text and "\u2068&lt;script" in text


def test_ties_say_how_they_were_settled(results: documents.Results) -> None:
    data = full_data()
    data["domains"][0]["ties"] = [
        {
            "submissions": ["CUL-04", "CUL-15"],
            "score": 15.15,
            "ranks": [3, 4],
            "steps": [
                {"key": "raw_mean", "values": {"CUL-04": 15.05, "CUL-15": 15.05}},
                {
                    "key": "lot",
                    "candidates": ["CUL-04", "CUL-15"],
                    "order": ["CUL-04", "CUL-15"],
                    "seed": 20130418,
                    "purpose": ["lot", "cultural", 3],
                },
            ],
            "separated_by": ["lot"],
            "mattered": True,
            "settled_by": "lot",
        }
    ]
    html = documents.build_html(documents.KINDS["minutes"], results_of(data))
    text = plain_text(Markup(html))
    assert (
        "même score 15,15 (rangs 3 à 4), départagés par moyenne brute, puis tirage au sort" in text
    )
    assert "graine 20130418, ordre tiré\u00a0: CUL-04, CUL-15" in text
    assert "نفس النقطة 15,15، في الرتب من 3 إلى 4" in text
    assert html.count("Aucun ex æquo.") == 2  # the two other domains


def plain_text(markup: str) -> str:
    """Text of an HTML fragment without tags, isolates or entities."""
    text = re.sub(r"<[^>]+>", "", str(markup))
    text = text.replace("\u2068", "").replace("\u2069", "")
    return Markup(text).unescape()


# --- charts ----------------------------------------------------------------------------------


def test_charts_are_byte_stable_svg_without_dates(record: Record) -> None:
    domain = record.domain("cultural")
    first = charts.uncertainty_chart(domain, 80)
    assert first == charts.uncertainty_chart(domain, 80)
    svg = base64.b64decode(first.split(",", 1)[1]).decode()
    assert svg.startswith("<?xml") and "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert ">CUL-25<" in svg  # labels stay text, in the font WeasyPrint draws


def test_chart_labels_are_latin_or_a_position() -> None:
    assert charts.chart_label("CUL-25", 1) == "CUL-25"
    assert charts.chart_label("ثقافي-1", 4) == "#4"  # would be drawn mirrored
    assert charts.chart_label("$x^2$", 2) == "$x^2$"  # mathtext is off
    assert charts.chart_label("A" * 40, 3) == "A" * 13 + "…"


def test_a_letter_without_a_score_has_no_chart(record: Record) -> None:
    domain = record.domain("cultural")
    entry = dataclasses.replace(domain.ranking[0], score=None)
    assert charts.position_chart(domain, entry, 170) is None


def test_importing_the_renderer_loads_neither_weasyprint_nor_matplotlib() -> None:
    code = (
        "import sys, grantjury.render.documents; "
        "assert 'weasyprint' not in sys.modules; assert 'matplotlib' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --- parts of the letters ------------------------------------------------------------------------


@pytest.mark.parametrize(("pages", "expected"), [(88, [44, 44]), (21, [10, 11]), (1, [1]), (0, [])])
def test_pages_are_split_into_fixed_parts(pages: int, expected: list[int]) -> None:
    parts = parallel.split(pages)
    assert [len(p) for p in parts] == expected
    assert [i for p in parts for i in p] == list(range(pages))


def test_render_errors_survive_the_trip_from_a_worker_process() -> None:
    for error in (
        PageOverflow("letters.pdf", 1, 10, 11),
        BlockedResources("letters.pdf", ["file:///etc/passwd"]),
        LayoutWarnings("letters.pdf", ["bad css"]),
        documents.ResultsFileError("results.json", "missing", key="domains"),
    ):
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error) and str(again) == str(error)


# --- golden HTML -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NEW_KINDS)
def test_html_matches_golden(name: str, results: documents.Results) -> None:
    kind = documents.KINDS[name]
    part = LETTERS_GOLDEN_PART if name == "letters" else None
    html = documents.build_html(kind, results, part)
    check_golden(GOLDEN / f"{name}.html", without_charts(html))


def test_letters_html_prints_the_hostile_title_as_text() -> None:
    data = full_data()
    data["submissions"][HOSTILE_ID]["title"] = {"ar": HOSTILE_TITLE_AR, "fr": HOSTILE_TITLE_FR}
    index = letter_index(HOSTILE_ID)
    html = documents.build_html(
        documents.KINDS["letters"], results_of(data), range(index, index + 1)
    )
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<script" not in html and '<img src="file:' not in html and "\u202e" not in html


# --- PDFs --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three kinds made from the fixture (letters in two processes), once for the module."""
    folder = tmp_path_factory.mktemp("results")
    (folder / "results.json").write_bytes(FULL.read_bytes())
    out = tmp_path_factory.mktemp("documents")
    paths = documents.render_documents(folder, out, set(NEW_KINDS), workers=2)
    return {path.stem: path for path in paths}


def expected_words(record: Record, name: str) -> list[str]:
    """Arabic and French words each kind must print: names, titles, domains, criteria."""
    expected: list[str] = []
    for lang in ("ar", "fr"):
        for domain in record.domains:
            expected += words(domain.name[lang])
        if name in ("minutes", "audit"):
            for juror in record.jurors:
                expected += words(juror.name[lang])
        if name in ("minutes", "letters"):
            for submission in record.submissions.values():
                expected += words(submission.title[lang])
        if name == "letters":
            for submission in record.submissions.values():
                expected += words(submission.association[lang])
            for criterion in record.domains[0].criteria:
                expected += words(criterion.name[lang])
    return expected


@pytest.mark.slow
@pytest.mark.parametrize("name", NEW_KINDS)
def test_pdf_text_has_every_name_word_by_word(
    name: str, rendered: dict[str, Path], record: Record
) -> None:
    found = set(words("\n".join(pdf_text(rendered[name]))))
    missing = [word for word in expected_words(record, name) if word not in found]
    assert missing == []


@pytest.mark.slow
def test_one_letter_per_submission_in_ranking_order(
    rendered: dict[str, Path], record: Record
) -> None:
    pages = pdf_text(rendered["letters"])
    assert len(pages) == len(record.submissions) == 21
    for page, (_, entry) in zip(pages, record.letters, strict=True):
        assert entry.submission in page


@pytest.mark.slow
@pytest.mark.parametrize("name", NEW_KINDS)
def test_every_page_footer_has_title_page_number_and_digest(
    name: str, rendered: dict[str, Path], results: documents.Results
) -> None:
    pages = pdf_text(rendered[name])
    for number, page in enumerate(pages, start=1):
        assert results.digest in page
        assert f"{number} / {len(pages)}" in page
        assert "Marrakech" in page


@pytest.mark.slow
def test_minutes_have_a_signature_for_every_juror_and_the_run_digest(
    rendered: dict[str, Path], record: Record
) -> None:
    last = words(pdf_text(rendered["minutes"])[-1])
    for juror in record.jurors:
        assert all(w in last for w in words(juror.name["ar"]) + words(juror.name["fr"]))
    assert record.run_digest.removeprefix("sha256:") in pdf_text(rendered["minutes"])[-1]


@pytest.mark.slow
def test_audit_prints_the_command_and_every_input_digest(
    rendered: dict[str, Path], record: Record
) -> None:
    text = "".join("\n".join(pdf_text(rendered["audit"])).split())
    assert "grantjuryverifyRESULTS_DIR" in text
    for item in record.inputs:
        assert item.sha256.removeprefix("sha256:") in text, item.path


@pytest.mark.slow
def test_figures_inside_arabic_keep_their_order(rendered: dict[str, Path]) -> None:
    """In the first letter the amount, the year and the score read left to right."""
    text, boxes = char_boxes(rendered["letters"], 0)
    for figures in ("39\u202f000", "2013", "16,25"):
        xs = [b[0] for b in find_boxes(text, boxes, figures)]
        assert xs == sorted(xs), figures


@pytest.mark.slow
def test_two_renders_are_byte_identical_whatever_the_workers(
    rendered: dict[str, Path], tmp_path: Path
) -> None:
    """Again, all in this one process this time: the same bytes, letters included."""
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "results.json").write_bytes(FULL.read_bytes())
    again = documents.render_documents(folder, tmp_path / "again", set(NEW_KINDS), workers=1)
    for path in again:
        assert path.read_bytes() == rendered[path.stem].read_bytes(), path.name
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == sorted(
        f"{name}.pdf" for name in NEW_KINDS
    )


@pytest.mark.slow
def test_a_hostile_title_prints_as_text_in_its_letter(tmp_path: Path) -> None:
    from grantjury.render import pdf

    data = full_data()
    data["submissions"][HOSTILE_ID]["title"] = {"ar": HOSTILE_TITLE_AR, "fr": HOSTILE_TITLE_FR}
    index = letter_index(HOSTILE_ID)
    html = documents.build_html(
        documents.KINDS["letters"], results_of(data), range(index, index + 1)
    )
    fetcher = pdf.make_fetcher()
    target = tmp_path / "letter.pdf"
    report = pdf.write_pdf(html, target, day=results_of(data).event.date, fetcher=fetcher)
    assert report.pages == 1  # the long word wraps, the letter stays one page
    assert fetcher.blocked == []
    text = pdf_text(target)[0]
    joined = mirror_blind("".join(unicodedata.normalize("NFKC", text).split()))
    for shown in ("<b>gras</b>", '<script>alert("x")</script>', '<imgsrc="file:///etc/passwd">'):
        assert mirror_blind(shown) in joined, shown
    assert "W" * 100 in joined


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "image"), [(k, "letter" if k == "letters" else k) for k in NEW_KINDS]
)
def test_first_page_looks_like_golden(name: str, image: str, rendered: dict[str, Path]) -> None:
    import numpy as np

    actual = rasterise(rendered[name], GOLDEN_DPI)
    golden = GOLDEN / f"{image}.png"
    if UPDATE_GOLDEN or not golden.exists():
        actual.save(golden, optimize=True)
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        rasterise(rendered[name], DOC_IMAGE_DPI, "RGB").save(
            DOC_IMAGES / f"{image}.png", optimize=True
        )
        if not UPDATE_GOLDEN:
            pytest.fail(f"{golden.name} did not exist and was written; look at it and rerun")
    expected = np.asarray(Image.open(golden).convert("L"), dtype=np.float64)
    got = np.asarray(actual, dtype=np.float64)
    assert got.shape == expected.shape
    assert float(np.abs(got - expected).mean()) <= MAX_MEAN_PIXEL_DIFFERENCE


def test_every_kind_has_words_in_both_languages() -> None:
    assert set(wording.WORDS["fr"]) == set(wording.WORDS["ar"]) == set(wording.WORDS["en"])
    assert proceedings.titles("minutes")["ar"] == "محضر مداولات لجنة التحكيم"
