"""Jury minutes, audit report and feedback letters: wording, golden files, reproducible PDFs.

The results are the bundled sample cut down to 21 submissions and ranked by the engine when
the tests start (`test_render.sample_results`), so they have every part of a real run in the
current format. Regenerate the golden files after an intended change with
`GRANTJURY_UPDATE_GOLDEN=1 pytest tests/test_render_documents.py`, then read the block diff
and look at the PNGs.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import pickle
import re
import subprocess
import sys
import typing
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
    SMALL_KEEP,
    UPDATE_GOLDEN,
    char_boxes,
    check_golden,
    find_boxes,
    html_blocks,
    mirror_blind,
    pdf_text,
    rasterise,
    results_of,
    sample_results,
    words,
)

from grantjury import catalogs, messages
from grantjury import results as model
from grantjury.documents import build as documents
from grantjury.documents import charts, parallel, proceedings, record, wording
from grantjury.documents.errors import BlockedResources, LayoutWarnings, PageOverflow
from grantjury.results import Results, ResultsFileError, read_results

SMALL = Path(__file__).parent / "fixtures" / "results_small.json"
NEW_KINDS = ("minutes", "audit", "letters")
LETTERS_GOLDEN_PART = range(9, 14)
"""Letters kept as golden HTML, all of sports but its first two: a winner, both reserves, one
not selected and one ineligible file."""
HOSTILE_ID = "SPO-22"

_CHART = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+")


def full_data() -> dict:
    return json.loads(sample_results(SMALL_KEEP))


def without_charts(html: str) -> str:
    """The HTML with each chart's SVG payload replaced by its length (charts are tested apart:
    their bytes follow matplotlib's version, the HTML must not)."""
    return _CHART.sub("data:image/svg+xml;base64,…", html)


def letter_index(results: Results, submission: str) -> int:
    return next(i for i, (_, e) in enumerate(record.letters(results)) if e.submission == submission)


@pytest.fixture(scope="module")
def run() -> documents.Run:
    raw = sample_results(SMALL_KEEP)
    return documents.run_of(read_results(raw), raw)


@pytest.fixture(scope="module")
def results(run: documents.Run) -> Results:
    return run.results


def domain_of(results: Results, submission: str) -> model.DomainResults:
    return next(d for d in results.domains if d.entry(submission))


# --- the views over the model ---------------------------------------------------------------


def test_the_views_read_every_part_of_a_run(results: Results) -> None:
    assert [d.id for d in results.domains] == ["cultural", "sports", "social"]
    assert len(record.letters(results)) == len(results.submissions) == 21
    culture = results.domain("cultural")
    assert culture.winners == ["CUL-25", "CUL-04", "CUL-20"]
    assert culture.reserve == ["CUL-15", "CUL-22"]
    assert culture.too_close == ["CUL-20", "CUL-15"]
    assert record.counts(results.domain("social")) == (7, 1, 6, 0)
    assert record.winning_line(culture) == culture.entry("CUL-20").score
    assert record.criteria(results, "cultural")[0].id == "relevance"
    assert results.stability is not None and results.stability.replicates == 1000
    assert results.digest.startswith("sha256:")


def test_conflict_register_says_which_scores_were_set_aside(results: Results) -> None:
    assert record.set_aside(results) == {("J12", "CUL-24")}  # the others had not scored theirs
    assert [(e.juror, e.reason) for e in results.exclusions] == [
        ("J01", "incomplete"),
        ("J12", "conflict"),
    ]


def test_a_results_file_of_the_first_format_is_refused(tmp_path: Path) -> None:
    written_in_format_1 = r"format_version: written in format 1 \(it has no format_version\)"
    with pytest.raises(ResultsFileError, match=written_in_format_1):
        documents.load_run(SMALL)


def test_a_bad_probability_is_named_with_its_key() -> None:
    data = full_data()
    data["domains"][0]["ranking"][0]["p_selected"] = 1.5
    with pytest.raises(ResultsFileError, match=r"domains\.0\.ranking\.0\.p_selected"):
        results_of(data)


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
def test_decisions_are_worded_from_their_codes(
    results: Results, submission: str, fr: str, ar: str
) -> None:
    domain = domain_of(results, submission)
    entry = domain.entry(submission)
    assert plain_text(wording.decision(domain, entry, "fr")) == fr
    assert plain_text(wording.decision(domain, entry, "ar")) == ar


def test_ineligibility_reasons_are_worded_from_their_codes(results: Results) -> None:
    criteria = record.criteria(results, "sports")
    (reason,) = results.domain("sports").entry("SPO-22").ineligible_reasons
    assert reason == model.ThresholdNotMet(
        criterion="relevance", mean=7.5, threshold=8.0, direction="higher"
    )
    assert plain_text(wording.ineligibility(reason, criteria, "fr")) == (
        "Pertinence\u00a0: moyenne 7,50, minimum requis 8"
    )
    assert plain_text(wording.ineligibility(reason, criteria, "ar")) == (
        "الملاءمة: المعدل 7,50، والحد الأدنى المطلوب 8"
    )
    lower = reason.model_copy(update={"direction": "lower"})
    assert plain_text(wording.ineligibility(lower, criteria, "fr")).endswith("maximum admis 8")
    (declared,) = results.domain("social").entry("SOC-31").ineligible_reasons
    assert plain_text(wording.ineligibility(declared, criteria, "fr")).startswith(
        "dossier déclaré non éligible\u00a0: dossier incomplet"
    )
    hostile = model.DeclaredIneligible(reason="<b>bold</b>\u202e" + "x" * 400)
    text = wording.ineligibility(hostile, criteria, "fr")
    assert "&lt;b&gt;" in text and "\u202e" not in text and "x" * 300 not in text


def test_a_detected_conflict_is_worded_from_its_association(results: Results) -> None:
    detected = next(c for c in results.conflicts if c.source == "detected")
    assert detected.note is None and detected.association == "A-086"
    assert plain_text(wording.conflict_note(detected, "fr")) == "membre de l'association A-086"
    assert plain_text(wording.conflict_note(detected, "ar")) == "عضو في الجمعية A-086"
    declared = next(c for c in results.conflicts if c.source == "declared")
    assert plain_text(wording.conflict_note(declared, "fr")) == declared.note["fr"]
    assert plain_text(wording.conflict_note(declared, "ar")) == declared.note["ar"]
    named = wording.conflict_note(detected, "fr", results)  # the association's name, when known
    name = next(
        s.association.name["fr"]
        for s in results.submissions.values()
        if s.association.id == detected.association
    )
    assert plain_text(named) == f"membre de «\u00a0{name}\u00a0»"


def test_run_warnings_are_worded_in_each_language(results: Results) -> None:
    scored = next(w for w in results.warnings if w.code == "conflict_scored")
    assert plain_text(wording.notice(scored, "fr")) == (
        "scores.csv\u00a0: le juré J12 a noté CUL-24 malgré un conflit déclaré (collaboration)"
        "\u00a0: ces notes sont écartées"
    )
    assert plain_text(wording.notice(scored, "ar")) == (
        "scores.csv: نقط العضو J12 الملف CUL-24 رغم تضارب مصرح به (تعاون): استُبعد هذا التنقيط"
    )
    assert plain_text(wording.notice(scored, "en")) == "scores.csv: " + messages.text(
        scored.code, scored.params
    )


def test_icc_unavailable_and_stability_are_worded(results: Results) -> None:
    why = results.reliability["cultural"].icc_unavailable
    assert why is not None and why.code == "empty_cells"
    assert plain_text(wording.unavailable(why, "fr")).startswith(
        "non calculable\u00a0: chaque juré n'a pas noté chaque dossier ("
    )
    assert plain_text(wording.resamples(results.stability, "ar")) == "1\u202f000 إعادة معاينة للجنة"
    bayes = results.stability.model_copy(update={"method": "bayes"})
    assert plain_text(wording.resamples(bayes, "fr")) == (
        "1\u202f000 tirages a posteriori du modèle bayésien"
    )
    assert wording.stability_calibration("refitted", "fr") == (
        "calibrage réajusté dans chaque rééchantillonnage"
    )


def _codes(annotation: typing.Any) -> list[str]:
    """The `code` literals of every member of a discriminated union of the results model."""
    union = typing.get_args(annotation)[0]
    members = typing.get_args(union) or (union,)
    return [c for m in members for c in typing.get_args(m.model_fields["code"].annotation)]


def _example(field: typing.Any) -> typing.Any:
    """An example value for a field of a coded record."""
    kinds = {typing.get_origin(field.annotation), field.annotation}
    args = set(typing.get_args(field.annotation))
    if float in kinds or float in args:
        return 2.5
    if int in kinds or int in args:
        return 3
    if list in kinds:
        inner = typing.get_args(field.annotation)[0]
        return [["J01", "J02"], ["J03"]] if typing.get_origin(inner) is list else ["A", "B"]
    if typing.get_origin(field.annotation) is typing.Literal:
        return typing.get_args(field.annotation)[0]
    if dt.date in kinds or dt.date in args:
        return dt.date(2013, 3, 1)
    return "x"


def _instance(annotation: typing.Any, code: str) -> typing.Any:
    union = typing.get_args(annotation)[0]
    members = typing.get_args(union) or (union,)
    cls = next(m for m in members if code in typing.get_args(m.model_fields["code"].annotation))
    values = {name: _example(f) for name, f in cls.model_fields.items() if name != "code"}
    return cls(**({"code": code} | values if cls is model.IccUnavailable else values))


NOTICE_EXAMPLES = {
    "juror": "J01",
    "submission": "CUL-01",
    "source": "declared",
    "category": "family",
    "via": "CUL-02",
    "missing": ["impact", "feasibility"],
    "domain": "cultural",
    "jurors": ["J01", "J02"],
    "method": "additive",
    "needs": 3,
    "r_hat": 1.0234,
    "limit": 1.01,
    "methods": ["affine"],
    "totals": 12000,
    "submissions": ["CUL-01", "CUL-02"],
    "prizes": 3,
    "path": "scores.csv",
    "panel": "cultural",
    "count": 2,
    "assignments": "assignments.csv",
}


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_every_code_the_model_can_hold_has_a_sentence_in_every_language(lang: str) -> None:
    """Reasons, decisions, domain notes, ICC reasons and every notice of the engine's catalog:
    each has its own sentence in `lang` and formats with example parameters."""
    domain = model.DomainResults.model_construct(winners=["CUL-01"], id="cultural")
    entry = model.Entry.model_construct(submission="CUL-02", winner=False)
    families = {
        "reason": (model.Reason, _family(lang, "reason")),
        "decision": (model.Decision, _family(lang, "decision")),
        "domain note": (model.DomainNote, _family(lang, "domain_note")),
        "ICC": (typing.Annotated[model.IccUnavailable, None], _family(lang, "icc_unavailable")),
    }
    for family, (annotation, catalog) in families.items():
        codes = _codes(annotation)
        assert codes and sorted(catalog) == sorted(codes), family
        for code in codes:
            item = _instance(annotation, code)
            if family == "reason":
                text = wording.ineligibility(item, (), lang)
            elif family == "decision":
                text = wording.decision(domain, entry.model_copy(update={"decision": item}), lang)
                short = wording.decision(
                    domain, entry.model_copy(update={"decision": item}), lang, short=True
                )
                assert "{" not in short and short
            elif family == "domain note":
                text = wording.domain_note(item, lang)
            else:
                text = wording.unavailable(item, lang)
            assert text and "{" not in plain_text(text).replace("{J", ""), (family, code)
    coded = {c for annotation, _ in families.values() for c in _codes(annotation)}
    notices = sorted(messages.ENGLISH.keys() - coded)  # the rest of the catalog: run warnings
    assert coded <= messages.ENGLISH.keys()
    assert sorted(_family(lang, "notice")) == sorted([*notices, "via_part"])
    for code in notices:
        fields = set(re.findall(r"{(\w+)", messages.ENGLISH[code]))
        params = {k: v for k, v in NOTICE_EXAMPLES.items() if k in fields | {"via", "methods"}}
        item = model.Notice(code=code, file="scores.csv", params=params)
        text = plain_text(wording.notice(item, lang))
        assert text.startswith("scores.csv") and "{" not in text, code
    for rule in typing.get_args(model.Stability.model_fields["too_close_rule"].annotation):
        assert rule in _family(lang, "too_close_rule")
    for method in typing.get_args(model.Stability.model_fields["method"].annotation):
        assert method in _family(lang, "stability_method")
    calibrations = model.StabilityDomain.model_fields["calibration"].annotation
    for how in typing.get_args(typing.get_args(calibrations)[0]):
        assert how in _family(lang, "stability_calibration")


def _family(lang: str, family: str) -> list[str]:
    """The codes of one family of the results model that `lang`'s catalog words."""
    return [m.removeprefix(f"{family}.") for m in catalogs.msgids(lang, f"{family}.")]


def test_no_regular_expression_reads_the_engines_words() -> None:
    source = (ROOT / "grantjury" / "documents" / "wording.py").read_text(encoding="utf-8")
    assert not re.search(r"^import re$", source, re.M)
    for name in ("_THRESHOLD", "_TOTAL", "_MEMBER_OF", "_MISSING_CELLS", "LOW_P", "HIGH_P"):
        assert not hasattr(wording, name), name


def test_figures_in_sentences_are_marked_left_to_right() -> None:
    text = wording.say("ar", "rank_line", rank=4, n=30)
    assert (
        text
        == 'الرتبة <bdi dir="ltr">\u20664\u2069</bdi> من أصل <bdi dir="ltr">\u206630\u2069</bdi>'
    )
    assert wording.percent(0.766, "fr") == '<bdi dir="ltr">\u206677\u202f%\u2069</bdi>'
    # No comparison sign inside Arabic: the renderer would mirror it.
    assert plain_text(wording.percent(0.998, "ar")) == "أكثر من 99%"
    assert plain_text(wording.percent(0.001, "fr")) == "moins de 1\u202f%"
    assert (
        wording.money(39000.0, "MAD", "ar")
        == '<bdi dir="ltr">\u206639\u202f000\u2069</bdi>\u00a0درهم'
    )


def test_untrusted_text_in_sentences_is_escaped_and_isolated() -> None:
    text = wording.say("fr", "letter_intro", domain="<script>x</script>\u202e", n=3)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\u202e" not in text and "\u2068&lt;script" in text


def test_ties_say_how_they_were_settled() -> None:
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
    text = re.sub("[\u2066-\u2069]", "", text)
    return Markup(text).unescape()


# --- charts ----------------------------------------------------------------------------------


def test_charts_are_byte_stable_svg_without_dates(results: Results) -> None:
    domain = results.domain("cultural")
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


def test_a_letter_without_a_score_has_no_chart(results: Results) -> None:
    domain = results.domain("cultural")
    entry = domain.ranking[0].model_copy(update={"score": None})
    assert charts.position_chart(domain, entry, 170) is None


def test_importing_the_renderer_loads_neither_weasyprint_nor_matplotlib() -> None:
    code = (
        "import sys, grantjury.documents.build; "
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
    ):
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error) and str(again) == str(error)


# --- golden HTML -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NEW_KINDS)
def test_html_matches_golden(name: str, run: documents.Run) -> None:
    kind = documents.KINDS[name]
    part = LETTERS_GOLDEN_PART if name == "letters" else None
    html = documents.build_html(kind, run, part)
    check_golden(GOLDEN / f"{name}.html", without_charts(html))


def test_letters_html_prints_the_hostile_title_as_text(results: Results) -> None:
    data = full_data()
    data["submissions"][HOSTILE_ID]["title"] = {"ar": HOSTILE_TITLE_AR, "fr": HOSTILE_TITLE_FR}
    index = letter_index(results, HOSTILE_ID)
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
    (folder / "results.json").write_bytes(sample_results(SMALL_KEEP))
    out = tmp_path_factory.mktemp("documents")
    paths = documents.render_documents(folder, out, set(NEW_KINDS), workers=2)
    return {path.stem: path for path in paths}


def expected_words(results: Results, name: str) -> list[str]:
    """Arabic and French words each kind must print: names, titles, domains, criteria."""
    expected: list[str] = []
    for lang in ("ar", "fr"):
        for domain in results.domains:
            expected += words(domain.name[lang])
        if name in ("minutes", "audit"):
            for juror in results.jurors:
                expected += words(juror.name[lang])
        if name in ("minutes", "letters"):
            for submission in results.submissions.values():
                expected += words(submission.title[lang])
        if name == "letters":
            for submission in results.submissions.values():
                expected += words(submission.association.name[lang])
            for criterion in record.criteria(results, results.domains[0].id):
                expected += words(criterion.name[lang])
    return expected


@pytest.mark.slow
@pytest.mark.parametrize("name", NEW_KINDS)
def test_pdf_text_has_every_name_word_by_word(
    name: str, rendered: dict[str, Path], results: Results
) -> None:
    found = set(words("\n".join(pdf_text(rendered[name]))))
    missing = [word for word in expected_words(results, name) if word not in found]
    assert missing == []


@pytest.mark.slow
def test_one_letter_per_submission_in_ranking_order(
    rendered: dict[str, Path], results: Results
) -> None:
    pages = pdf_text(rendered["letters"])
    assert len(pages) == len(results.submissions) == 21
    for page, (_, entry) in zip(pages, record.letters(results), strict=True):
        assert entry.submission in page


@pytest.mark.slow
@pytest.mark.parametrize("name", NEW_KINDS)
def test_every_page_footer_has_title_page_number_and_digest(
    name: str, rendered: dict[str, Path], run: documents.Run
) -> None:
    pages = pdf_text(rendered[name])
    for number, page in enumerate(pages, start=1):
        assert run.digest in page
        assert f"{number} / {len(pages)}" in page
        assert "Marrakech" in page


@pytest.mark.slow
def test_minutes_have_a_signature_for_every_juror_and_the_run_digest(
    rendered: dict[str, Path], results: Results
) -> None:
    last = words(pdf_text(rendered["minutes"])[-1])
    for juror in results.jurors:
        assert all(w in last for w in words(juror.name["ar"]) + words(juror.name["fr"]))
    assert results.digest.removeprefix("sha256:") in pdf_text(rendered["minutes"])[-1]


@pytest.mark.slow
def test_audit_prints_the_command_and_every_input_digest(
    rendered: dict[str, Path], results: Results
) -> None:
    text = "".join("\n".join(pdf_text(rendered["audit"])).split())
    assert "grantjuryverifyRESULTS_DIR" in text
    for item in results.inputs:
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
    (folder / "results.json").write_bytes(sample_results(SMALL_KEEP))
    again = documents.render_documents(folder, tmp_path / "again", set(NEW_KINDS), workers=1)
    for path in again:
        assert path.read_bytes() == rendered[path.stem].read_bytes(), path.name
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == sorted(
        f"{name}.pdf" for name in NEW_KINDS
    )


@pytest.mark.slow
def test_a_hostile_title_prints_as_text_in_its_letter(tmp_path: Path, results: Results) -> None:
    from grantjury.documents import pdf

    data = full_data()
    data["submissions"][HOSTILE_ID]["title"] = {"ar": HOSTILE_TITLE_AR, "fr": HOSTILE_TITLE_FR}
    index = letter_index(results, HOSTILE_ID)
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
    assert (
        set(wording.words_for("fr")) == set(wording.words_for("ar")) == set(wording.words_for("en"))
    )
    for name in wording.FAMILIES:
        assert _family("fr", name) == _family("ar", name) == _family("en", name), name
    assert proceedings.titles("minutes")["ar"] == "محضر مداولات لجنة التحكيم"


# --- the too-close-to-call list, on the bundled sample --------------------------------------


@pytest.fixture(scope="module")
def sample_run() -> documents.Run:
    raw = sample_results()
    return documents.run_of(read_results(raw), raw)


def test_the_minutes_introduce_the_too_close_list_with_the_engines_rule(
    sample_run: documents.Run,
) -> None:
    """The engine calls SPO-11 and SPO-08 too close because their 90 % rank intervals overlap
    across the funding line, not because of a band of p(win) (with the additive calibration
    SPO-11 won in 92 % of the resamples and SPO-08 in 9 %, outside any 10–90 % band). The
    minutes must say the engine's rule, not another one."""
    results = sample_run.results
    sports = results.domain("sports")
    assert results.stability.too_close_rule == "rank_intervals_overlap"
    assert sports.too_close == ["SPO-11", "SPO-08"]
    p_winner = round(100 * sports.entry("SPO-11").p_selected)
    p_runner_up = round(100 * sports.entry("SPO-08").p_selected)
    assert 1 < p_runner_up < p_winner < 99
    html = documents.build_html(documents.KINDS["minutes"], sample_run)
    block = html_blocks(html)["domain-sports / after-ranking"]
    text = plain_text(Markup(block))
    low, high = sports.entry("SPO-11").rank_interval
    assert (
        "Un lauréat dont l'intervalle de rang à 90\u202f% (1\u202f000 rééchantillonnages du jury) "
        "descend sous la ligne des lauréats et un non-lauréat dont l'intervalle monte au-dessus "
        "sont trop proches pour être départagés quand leurs deux intervalles se chevauchent."
    ) in text
    assert f"SPO-11\u00a0: rang {low}–{high}, lauréat dans {p_winner}\u202f%" in text
    assert "SPO-08\u00a0: rang " in text and f"lauréat dans {p_runner_up}\u202f%" in text
    assert "حين يتداخل المجالان" in text and "بنسبة 90%" in text
    for wrong in ("10\u202f% à 90\u202f%", "10 % à 90 %", "ما بين 10%"):
        assert wrong not in html


def test_the_audit_report_states_the_same_rule(sample_run: documents.Run) -> None:
    html = documents.build_html(documents.KINDS["audit"], sample_run)
    text = plain_text(Markup(html))
    assert "trop proches pour être départagés quand leurs deux intervalles se chevauchent" in text
    assert "SPO-11, SPO-08" in text
