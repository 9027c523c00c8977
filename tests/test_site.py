"""The public site (`grantjury site`): pages, open data, privacy, safety, the partners file.

The browser's view of the same site (console, network, screenshots, accessibility) is in
test_site_browser.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from grantjury import api
from grantjury.errors import InvalidInput, OutputError
from grantjury.results import load_results
from grantjury.site import CSP, MARKER, build_site, find_fonts
from grantjury.site.partners import PartnersFile
from tests.conftest import invoke
from tests.site_fixtures import sample_report

FIXTURES = Path(__file__).parent / "fixtures" / "360giving"
HOSTILE_FR = (
    '<b>gras</b> <script>alert("x")</script> <img src="http://evil.example/x.png"> '
    '<link rel="stylesheet" href="file:///etc/passwd"> prix \u202e18 ' + "W" * 500
)
HOSTILE_AR = "مشروع \u202e2013 <b>عريض</b>"
HOSTILE_ID = "CUL-25"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_report(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def site(reports: Path) -> Path:
    out = reports.parent / "site"
    api.site(reports, out)
    return out


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class Page(HTMLParser):
    """A strict-enough HTML5 reading: elements closed in order, ids unique, every attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()
        self.doctype = False
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            self.errors.append(f"duplicate attribute on <{tag}>")
        values = dict(attrs)
        self.elements.append((tag, values))
        if "id" in values:
            if values["id"] in self.ids:
                self.errors.append(f"duplicate id {values['id']}")
            self.ids.add(values["id"] or "")
        if tag not in VOID:
            self.stack.append(tag)
        self._in_script = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def grant_validator() -> Draft202012Validator:
    package = json.loads((FIXTURES / "360-giving-package-schema.json").read_text())
    grant = json.loads((FIXTURES / "360-giving-schema.json").read_text())
    # The schemas name draft 2020-12 by an http:// address that `referencing` does not know.
    grant_resource = Resource.from_contents(grant, default_specification=DRAFT202012)
    # The package names the grant schema by its 1.4.2 address; the copy is the 1.4.3 one.
    registry = Registry().with_resources(
        [
            (grant["$id"], grant_resource),
            (package["properties"]["grants"]["items"]["$ref"], grant_resource),
        ]
    )
    return Draft202012Validator(package, registry=registry, format_checker=FormatChecker())


# --- what is published --------------------------------------------------------------------


def test_the_site_has_both_languages_a_landing_page_and_a_page_per_winner(site: Path) -> None:
    names = {p.relative_to(site).as_posix() for p in pages(site)}
    assert "index.html" in names
    for lang in ("ar", "fr"):
        for page in ("index", "partners", "jury", "data"):
            assert f"{lang}/{page}.html" in names
    winners = [p for p in names if p.startswith("fr/projects/")]
    assert len(winners) == 9
    assert (site / MARKER).is_file()
    assert (site / "data" / "winners.csv").is_file()


def test_home_page_names_the_nine_winners_with_their_amounts(site: Path, reports: Path) -> None:
    results = load_results(reports)
    html = (site / "fr" / "index.html").read_text(encoding="utf-8")
    for domain in results.domains:
        for submission in domain.winners:
            assert f'href="projects/{submission}.html"' in html
    assert "39\u202f000" in html and "DH" in html
    assert "Fondation Al Ouahat pour la culture" in html


def test_every_page_is_well_formed_html5_with_lang_dir_and_the_csp(site: Path) -> None:
    for path in pages(site):
        page = parse(path)
        assert page.doctype, path
        assert page.errors == [] and page.stack == [], (path, page.errors, page.stack)
        html = dict(page.elements[0][1])
        assert page.elements[0][0] == "html" and html.get("lang") and html.get("dir"), path
        metas = [a for t, a in page.elements if t == "meta"]
        assert {"http-equiv": "Content-Security-Policy", "content": CSP} in metas, path
        # Every element that holds a text in another language carries its own lang and dir.
        for tag, attrs in page.elements:
            if attrs.get("lang") and attrs["lang"] != html["lang"] and tag != "link":
                assert attrs.get("dir") in ("ltr", "rtl") or tag == "a", (path, tag, attrs)


def test_arabic_pages_are_right_to_left_and_french_left_to_right(site: Path) -> None:
    for lang, direction in (("ar", "rtl"), ("fr", "ltr")):
        for path in (site / lang).rglob("*.html"):
            html = parse(path).elements[0][1]
            assert (html["lang"], html["dir"]) == (lang, direction), path


def test_no_page_loads_anything_from_outside_the_site(site: Path) -> None:
    for path in pages(site):
        page = parse(path)
        for tag, attrs in page.elements:
            for name in ("src", "srcset", "data", "poster"):
                assert not attrs.get(name) or not re.match(r"^[a-z]+:|^//", attrs[name]), path
            if tag == "link":
                assert not re.match(r"^[a-z]+:|^//", attrs.get("href") or ""), path
            if tag == "script":
                assert attrs.get("type") == "application/ld+json", path
            assert not any(name.startswith("on") for name in attrs), (path, tag)
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    assert re.findall(r"url\(([^)]*)\)", css) == [
        f'"fonts/{name}"'
        for name in (
            "Amiri-Regular.ttf",
            "Amiri-Bold.ttf",
            "DejaVuSans.ttf",
            "DejaVuSans-Bold.ttf",
        )
    ]
    for name in find_fonts():
        assert (site / "assets" / "fonts" / name).stat().st_size > 100_000


def test_every_internal_link_resolves(site: Path) -> None:
    for path in pages(site):
        for _, attrs in parse(path).elements:
            for name in ("href", "src"):
                target = attrs.get(name)
                if not target or re.match(r"^[a-z]+:", target) or target.startswith("#"):
                    continue
                assert (path.parent / target.split("#")[0]).resolve().is_file(), (path, target)


def test_project_page_has_its_summary_partners_and_monetary_grant(site: Path) -> None:
    page = parse(site / "fr" / "projects" / "CUL-25.html")
    text = " ".join(page.text)
    assert "Un festival annuel où les jeunes de la Médina" in text
    assert "Fondation Al Ouahat pour la culture" in text
    (script,) = page.scripts
    grant = json.loads(script)
    assert grant["@type"] == "MonetaryGrant" and grant["@context"] == "https://schema.org"
    assert grant["amount"] == {"@type": "MonetaryAmount", "currency": "MAD", "value": 39000.0}
    assert grant["identifier"] == "360G-forum-marrakech-marrakech-forum-2013-CUL-25"
    assert grant["sponsor"] == [
        {"@type": "Organization", "name": "Fondation Al Ouahat pour la culture"}
    ]
    arabic = parse(site / "ar" / "projects" / "CUL-25.html")
    assert json.loads(arabic.scripts[0])["inLanguage"] == "ar"


def test_the_360giving_package_validates_against_the_published_schema(site: Path) -> None:
    package = json.loads((site / "data" / "360giving.json").read_text(encoding="utf-8"))
    validator = grant_validator()
    assert list(validator.iter_errors(package)) == []
    assert len(package["grants"]) == 9
    grant = package["grants"][0]
    assert grant["id"] == "360G-forum-marrakech-marrakech-forum-2013-CUL-25"
    assert grant["recipientOrganization"][0]["id"].startswith("360G-forum-marrakech-A-")
    assert grant["fundingOrganization"] == [
        {"id": "360G-forum-marrakech", "name": "Conseil communal de Marrakech"}
    ]


def test_the_schema_check_catches_a_bad_date_and_a_missing_field(site: Path) -> None:
    package = json.loads((site / "data" / "360giving.json").read_text(encoding="utf-8"))
    package["grants"][0]["dateModified"] = "21/04/2013"
    del package["grants"][1]["currency"]
    messages = sorted(e.message for e in grant_validator().iter_errors(package))
    assert any("is not a 'date-time'" in m for m in messages) or any(
        "is not valid under any of the given schemas" in m for m in messages
    ), messages
    assert len(messages) == 2, messages


def test_winners_csv_has_one_row_per_winner(site: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((site / "data" / "winners.csv").read_text())))
    assert len(rows) == 9
    assert rows[0]["submission"] == "CUL-25" and rows[0]["amount_awarded"] == "39000"
    assert rows[0]["title_fr"] == "Festival de théâtre des jeunes de la Médina"


# --- privacy ------------------------------------------------------------------------------


def test_no_juror_name_and_no_losing_association_is_published_by_default(
    site: Path, reports: Path
) -> None:
    results = load_results(reports)
    everything = "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.is_file()
        and p.suffix in (".html", ".csv", ".json")
    )  # fmt: skip
    for juror in results.jurors:
        for name in [juror.name] if isinstance(juror.name, str) else juror.name.values():
            assert name not in everything, name
    winners = {s for d in results.domains for s in d.winners}
    losers = [s for s in results.submissions if s not in winners]
    assert not (site / "data" / "ranking.csv").exists()
    for submission in losers:
        assert results.submissions[submission].title["fr"] not in everything


def test_juror_names_and_the_ranking_are_published_when_the_competition_opts_in(
    reports: Path, tmp_path: Path
) -> None:
    sample = reports.parent / "sample_submissions"
    partners = tmp_path / "partners.yaml"
    text = (sample / "partners.yaml").read_text(encoding="utf-8")
    text = text.replace("jurors: false", "jurors: true").replace("ranking: false", "ranking: true")
    shutil.copytree(sample / "logos", tmp_path / "logos")
    partners.write_text(text, encoding="utf-8")
    api.site(reports, tmp_path / "site", partners=partners)
    jury = (tmp_path / "site" / "fr" / "jury.html").read_text(encoding="utf-8")
    results = load_results(reports)
    first = results.jurors[0].name
    assert (first if isinstance(first, str) else first["fr"]) in jury
    assert (tmp_path / "site" / "data" / "ranking.csv").is_file()


# --- safety -------------------------------------------------------------------------------


def hostile_site(reports: Path) -> dict[str, str]:
    data = json.loads((reports / "results.json").read_text(encoding="utf-8"))
    data["submissions"][HOSTILE_ID]["title"] = {"ar": HOSTILE_AR, "fr": HOSTILE_FR}
    data["submissions"][HOSTILE_ID]["summary"] = {"fr": "</script><script>alert(1)</script>"}
    data["submissions"][HOSTILE_ID]["association"]["name"]["fr"] = '=HYPERLINK("x")'
    from grantjury.results import Results

    results = Results.model_validate(data)
    files = build_site(results, PartnersFile(), None, find_fonts())
    return {
        name: content.decode()
        for name, content in files.items()
        if isinstance(content, bytes) and not name.endswith(".css")
    }


def test_hostile_titles_print_as_text(reports: Path) -> None:
    files = hostile_site(reports)
    page = files[f"fr/projects/{HOSTILE_ID}.html"]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;img src=&#34;http://evil.example/x.png&#34;&gt;" in page
    assert "<b>" not in page and '<img src="http' not in page
    for name, text in files.items():
        assert "\u202e" not in text, name
        assert "alert(" not in text or name.endswith((".csv", ".json")) or "&lt;" in text, name
    parsed = Page()
    parsed.feed(page)
    assert parsed.errors == []
    (script,) = parsed.scripts
    assert json.loads(script)["description"] == "</script><script>alert(1)</script>"
    assert "</script><script>" not in page


def test_a_hostile_arabic_title_keeps_its_own_direction(reports: Path) -> None:
    page = hostile_site(reports)[f"ar/projects/{HOSTILE_ID}.html"]
    assert '<span lang="ar" dir="rtl">\u2068مشروع 2013 &lt;b&gt;عريض&lt;/b&gt;\u2069</span>' in page


def test_csv_cells_cannot_become_spreadsheet_formulas(reports: Path) -> None:
    files = hostile_site(reports)
    assert "'=HYPERLINK" in files["data/winners.csv"]


def test_a_long_title_is_cut(reports: Path) -> None:
    page = hostile_site(reports)[f"fr/projects/{HOSTILE_ID}.html"]
    assert "W" * 300 in page and "W" * 500 not in page


# --- the partners file --------------------------------------------------------------------


def refused(reports: Path, tmp_path: Path, text: str) -> list[str]:
    partners = tmp_path / "partners.yaml"
    partners.write_text(text, encoding="utf-8")
    (tmp_path / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(InvalidInput) as error:
        api.site(reports, tmp_path / "site", partners=partners)
    assert not (tmp_path / "site").exists()
    return [str(p).removeprefix(str(tmp_path) + "/") for p in error.value.problems]


def test_partners_file_problems_name_line_and_field(reports: Path, tmp_path: Path) -> None:
    text = """partners:
  - id: a
    name: {fr: A}
    kind: patron
  - id: b
    name: {fr: B}
    kind: donor
    logo: missing.svg
    amount: -3
  - id: a
    name: {fr: C}
    kind: partner
    url: javascript:alert(1)
    projects: [NOPE-1]
"""
    assert refused(reports, tmp_path, text) == [
        "partners.yaml, line 4, partners.0.kind: Input should be 'donor', 'partner' or "
        "'sponsor'; found 'patron'",
        "partners.yaml, line 9, partners.1.amount: Input should be greater than or equal to 0; "
        "found -3",
        "partners.yaml, line 13, partners.2.url: a link must be a web address starting with "
        "https:// or http://; found 'javascript:alert(1)'",
    ]


def test_partners_logo_and_project_checks(reports: Path, tmp_path: Path) -> None:
    text = """publish: {jurors: yes}
partners:
  - id: a
    name: {fr: A}
    kind: donor
    logo: missing.svg
  - id: a
    name: {fr: B}
    kind: donor
    logo: ../../etc/passwd.svg
    projects: [NOPE-1]
  - {id: c, name: {fr: C}, kind: sponsor, logo: https://example.org/c.png}
"""
    assert refused(reports, tmp_path, text) == [
        "partners.yaml, line 6, partners.0.logo: the logo file does not exist; found "
        "'missing.svg'; expected an existing image file",
        "partners.yaml, line 7, partners.1.id: duplicate partner id; found 'a'; expected "
        "unique ids",
        "partners.yaml, line 10, partners.1.logo: the logo lies outside the partners file's "
        "folder; found '../../etc/passwd.svg'; expected a file in that folder",
        "partners.yaml, line 11, partners.1.projects: the partner supports a project the "
        "results do not know; found 'NOPE-1'; expected a submission id of the competition",
        "partners.yaml, line 12, partners.2.logo: a logo must be a local file; found "
        "'https://example.org/c.png'; expected a path relative to the partners file",
    ]


def test_a_site_without_partners_file_is_still_complete(reports: Path, tmp_path: Path) -> None:
    data = json.loads((reports / "results.json").read_text(encoding="utf-8"))
    from grantjury.results import Results

    files = build_site(Results.model_validate(data), PartnersFile(), None, find_fonts())
    assert "fr/partners.html" in files and "data/360giving.json" in files
    package = json.loads(files["data/360giving.json"])
    assert package["grants"][0]["id"].startswith("360G-marrakech-forum-2013-")
    assert list(grant_validator().iter_errors(package)) == []


# --- the output folder and the command ----------------------------------------------------


def test_a_foreign_folder_is_refused_and_a_previous_site_replaced(
    reports: Path, tmp_path: Path
) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("precious")
    with pytest.raises(OutputError, match="holds no site written by grantjury"):
        api.site(reports, foreign)
    assert (foreign / "thesis.docx").read_text() == "precious"
    api.site(reports, foreign, force=True)
    assert not (foreign / "thesis.docx").exists()
    (foreign / "stale.html").write_text("old")
    api.site(reports, foreign)
    assert not (foreign / "stale.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_site_command(reports: Path, tmp_path: Path) -> None:
    result = invoke("site", reports, "--out", tmp_path / "web")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {tmp_path / 'web'}: 27 pages, 41 files; open {tmp_path / 'web' / 'index.html'}\n"
    )
    assert "grantjury site reports/ --out reports/site/" in invoke("site", "--help").stdout


def test_site_command_reports_a_foreign_folder(reports: Path, tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "notes.txt").write_text("mine")
    result = invoke("site", reports, "--out", tmp_path / "web")
    assert result.exit_code == 1
    assert "use --force to replace it" in result.stderr


def test_a_report_folder_holding_its_site_can_be_ranked_into_again(
    reports: Path, tmp_path: Path
) -> None:
    from grantjury.report import check_not_foreign

    folder = tmp_path / "reports"
    shutil.copytree(reports, folder)
    api.site(folder, folder / "site")
    check_not_foreign(folder, force=False)  # make demo, twice
    (folder / "site" / MARKER).unlink()
    with pytest.raises(OutputError, match=r"not a grantjury report \(site\)"):
        check_not_foreign(folder, force=False)
