"""The forum's public site (``grantjury site``): static, bilingual, from ``results.json`` only.

Every page is built in memory from the typed results (:func:`grantjury.results.load_results`)
and the optional partners file, through the same Jinja2 sandbox and text filters as the
printed documents (``grantjury.documents.safety``); then the whole site is written into a
temporary folder and moved into place. No JavaScript, no external request: the fonts and
logos are copied into the site and a Content-Security-Policy says so to the browser.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from ..documents.safety import (
    format_decimal,
    format_number,
    isolate,
    make_environment,
    sanitize_text,
    text_direction,
)
from ..errors import GrantjuryError, OutputError, ProblemLog
from ..languages import direction, pick
from ..results import Results, load_results
from .partners import PartnersFile, logo_path, read_partners
from .words import CURRENCY, words, words_lang

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
ASSETS = HERE / "assets"
MARKER = "site.json"
GENERATOR = "grantjury site"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)
"""No script, no frame, no connection; styles, images and fonts from the site only."""
FONT_FILES = {
    "Amiri-Regular.ttf": ("fonts-hosny-amiri", "Amiri"),
    "Amiri-Bold.ttf": ("fonts-hosny-amiri", "Amiri"),
    "DejaVuSans.ttf": ("fonts-dejavu-core", "DejaVu"),
    "DejaVuSans-Bold.ttf": ("fonts-dejavu-core", "DejaVu"),
}
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")


class SiteError(GrantjuryError):
    """The site cannot be built as asked (fonts missing, no results, a bad option)."""


# --- text on the page ---------------------------------------------------------------------


def text_lang(value: str | Mapping[str, str], lang: str) -> str | None:
    """The language the text printed for ``lang`` is in (None for a plain string)."""
    if isinstance(value, str):
        return None
    if lang in value:
        return lang
    return next(iter(value), None)


def bidi_text(value: str | Mapping[str, str] | None, lang: str, max_length: int = 500) -> Markup:
    """A field as an inline element with its own ``lang`` and ``dir``: sanitised, isolated,
    escaped. A French page showing an Arabic-only name marks it Arabic, right to left."""
    if value is None:
        return Markup("")
    shown = sanitize_text(pick(value, lang), max_length)
    used = text_lang(value, lang)
    dir_ = direction(used) if used else text_direction(shown, direction(lang))
    lang_attr = Markup(' lang="%s"') % used if used else Markup("")
    return Markup('<span%s dir="%s">%s</span>') % (lang_attr, dir_, isolate(shown))


def plain(value: str | Mapping[str, str] | None, lang: str, max_length: int = 200) -> str:
    """A field as plain sanitised text (titles, attributes, data files)."""
    return "" if value is None else sanitize_text(pick(value, lang), max_length)


def money(value: float | None, lang: str, currency: str) -> Markup:
    if value is None:
        return Markup("")
    unit = CURRENCY.get(words_lang(lang), {}).get(currency, currency)
    return Markup('<span class="money"><span dir="ltr">%s</span>\u00a0%s</span>') % (
        format_number(value, lang),
        unit,
    )


def decimal(value: float | None, lang: str, digits: int = 2) -> Markup:
    if value is None:
        return Markup("")
    return Markup('<span dir="ltr">%s</span>') % format_decimal(value, lang, digits)


def fmt(template: str, **values: Any) -> Markup:
    """A sentence of the catalog with its values put in (each escaped unless markup)."""
    return Markup(escape(template)).format(**values)


def _textlang_filter(value: str | Mapping[str, str], lang: str) -> str:
    return text_lang(value, lang) or lang


def json_ld(data: Any) -> Markup:
    """JSON for a ``<script type="application/ld+json">`` block: nothing in it can close the
    element (``<``, ``>`` and ``&`` are written as escapes)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    for ch, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, code)
    return Markup(text)


def slug(submission: str) -> str:
    """A file name for a submission's page: its id when safe, else a digest of it."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,80}", submission):
        return submission
    return "p-" + hashlib.sha256(submission.encode()).hexdigest()[:16]


# --- what the site shows ------------------------------------------------------------------


@dataclass(frozen=True)
class Winner:
    submission: str
    domain: str
    place: int
    funded: float | None
    requested: float | None
    title: dict[str, str]
    association: dict[str, str]
    association_id: str
    summary: dict[str, str] | None
    slug: str


@dataclass(frozen=True)
class SiteOptions:
    prefix: str
    data_language: str
    organiser_id: str
    organiser_name: dict[str, str]


def winners_of(results: Results) -> list[Winner]:
    out = []
    for domain in results.domains:
        for place, submission in enumerate(domain.winners, start=1):
            entry = domain.entry(submission)
            record = results.submissions[submission]
            out.append(
                Winner(
                    submission=submission,
                    domain=domain.id,
                    place=place,
                    funded=entry.funded if entry and entry.funded is not None else None,
                    requested=record.requested_amount,
                    title=dict(record.title),
                    association=dict(record.association.name),
                    association_id=record.association.id,
                    summary=dict(record.summary) if record.summary else None,
                    slug=slug(submission),
                )
            )
    return out


def options_of(results: Results, spec: PartnersFile) -> SiteOptions:
    languages = results.competition.languages
    data_language = spec.data_language or ("fr" if "fr" in languages else languages[0])
    prefix = spec.identifier_prefix or "360G-" + re.sub(
        r"[^A-Za-z0-9_.-]", "-", results.competition.id
    )
    organiser = spec.organiser
    return SiteOptions(
        prefix=prefix,
        data_language=data_language,
        organiser_id=(organiser.id if organiser and organiser.id else prefix),
        organiser_name=dict(organiser.name) if organiser else dict(results.competition.title),
    )


# --- open data ----------------------------------------------------------------------------


def grants_package(results: Results, spec: PartnersFile, opts: SiteOptions) -> dict[str, Any]:
    """The 360Giving data package: one grant per funded winner (standard 1.4)."""
    lang = opts.data_language
    comp = results.competition
    when = comp.date.isoformat()
    grants = []
    for w in winners_of(results):
        if w.funded is None:
            continue
        domain = results.domain(w.domain)
        assert domain is not None
        grant: dict[str, Any] = {
            "id": f"{opts.prefix}-{comp.id}-{w.submission}",
            "title": plain(w.title, lang, 500),
            "description": plain(w.summary, lang, 2000)
            if w.summary
            else f"{plain(domain.name, lang)} — {plain(comp.title, lang)}",
            "currency": comp.currency,
            "amountAwarded": w.funded,
            "awardDate": when,
            "recipientOrganization": [
                {"id": f"{opts.prefix}-{w.association_id}", "name": plain(w.association, lang, 500)}
            ],
            "fundingOrganization": [
                {"id": opts.organiser_id, "name": plain(opts.organiser_name, lang, 500)}
            ],
            "grantProgramme": [
                {
                    "code": f"{comp.id}-{domain.id}",
                    "title": f"{plain(comp.title, lang)} — {plain(domain.name, lang)}",
                }
            ],
            "fromOpenCall": "Yes",
            "dateModified": f"{when}T00:00:00+00:00",
        }
        if w.requested is not None:
            grant["amountAppliedFor"] = w.requested
        grants.append(grant)
    return {
        "grants": grants,
        "version": "1.4",
        "title": plain(comp.title, lang),
        "publisher": {"name": plain(opts.organiser_name, lang, 500)},
        "issued": when,
        "modified": f"{when}T00:00:00+00:00",
    }


def winners_csv(results: Results, opts: SiteOptions) -> str:
    languages = results.competition.languages
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["domain", "place", "submission", "association_id"]
        + [f"association_{lang}" for lang in languages]
        + [f"title_{lang}" for lang in languages]
        + ["amount_awarded", "currency", "grant_id"]
    )
    for w in winners_of(results):
        writer.writerow(
            [w.domain, w.place, _cell(w.submission), _cell(w.association_id)]
            + [_cell(plain(w.association, lang, 500)) for lang in languages]
            + [_cell(plain(w.title, lang, 500)) for lang in languages]
            + [
                "" if w.funded is None else f"{w.funded:g}",
                results.competition.currency,
                f"{opts.prefix}-{results.competition.id}-{w.submission}",
            ]
        )
    return out.getvalue()


def ranking_csv(results: Results) -> str:
    lang = results.competition.languages[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["domain", "rank", "submission", "association", "title", "score", "winner"])
    for domain, entry in results.entries():
        record = results.submissions[entry.submission]
        writer.writerow(
            [
                domain.id,
                "" if entry.rank is None else entry.rank,
                _cell(entry.submission),
                _cell(plain(record.association.name, lang, 500)),
                _cell(plain(record.title, lang, 500)),
                "" if entry.score is None else f"{entry.score:.2f}",
                "yes" if entry.winner else "no",
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def monetary_grant(results: Results, w: Winner, spec: PartnersFile, opts: SiteOptions, lang: str):
    """schema.org ``MonetaryGrant`` of a winner, for the project page."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MonetaryGrant",
        "identifier": f"{opts.prefix}-{results.competition.id}-{w.submission}",
        "name": plain(w.title, lang, 500),
        "inLanguage": lang,
        "funder": {"@type": "Organization", "name": plain(opts.organiser_name, lang, 500)},
        "fundedItem": {
            "@type": "Project",
            "name": plain(w.title, lang, 500),
            "parentOrganization": {"@type": "Organization", "name": plain(w.association, lang)},
        },
        "startDate": results.competition.date.isoformat(),
    }
    if w.funded is not None:
        data["amount"] = {
            "@type": "MonetaryAmount",
            "value": w.funded,
            "currency": results.competition.currency,
        }
    if w.summary:
        data["description"] = plain(w.summary, lang, 2000)
    sponsors = [p for p in spec.partners if w.submission in p.projects]
    if sponsors:
        data["sponsor"] = [{"@type": "Organization", "name": plain(p.name, lang)} for p in sponsors]
    return data


# --- building -----------------------------------------------------------------------------


def find_fonts(dirs: tuple[Path, ...] = FONT_DIRS) -> dict[str, Path]:
    """The bundled fonts' files on this system (Amiri for Arabic, DejaVu Sans for Latin)."""
    found: dict[str, Path] = {}
    for folder in dirs:
        if not folder.is_dir():
            continue
        for name in FONT_FILES:
            if name not in found:
                match = next(iter(sorted(folder.rglob(name))), None)
                if match is not None:
                    found[name] = match
    missing = sorted(set(FONT_FILES) - set(found))
    if missing:
        packages = sorted({FONT_FILES[name][0] for name in missing})
        raise SiteError(
            f"fonts not found: {', '.join(missing)}; install them with "
            f"`apt-get install {' '.join(packages)}` (scripts/setup-system.sh)"
        )
    return found


def resolve_partners_file(
    results_dir: Path, partners: Path | None, competition: Path | None
) -> Path | None:
    """The partners file: given, else the competition's ``partners:`` key (the competition
    given, else the one recorded in ``manifest.json``), else none."""
    if partners is not None:
        return partners
    if competition is None:
        try:
            manifest = json.loads((results_dir / "manifest.json").read_text(encoding="utf-8"))
            competition = results_dir / manifest["competition_file"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
    if competition.is_dir():
        competition = competition / "competition.yaml"
    if not competition.is_file():
        return None
    from ..loading import read_yaml

    doc = read_yaml(competition, competition.name, ProblemLog())
    key = doc.data.get("partners") if doc is not None and isinstance(doc.data, dict) else None
    return competition.parent / key if isinstance(key, str) else None


def build_site(
    results: Results, spec: PartnersFile, partners_base: Path | None, fonts: dict[str, Path]
) -> dict[str, bytes | Path]:
    """Every file of the site: its relative path and its bytes (or a file to copy)."""
    opts = options_of(results, spec)
    languages = list(results.competition.languages)
    env = make_environment(TEMPLATES)
    winners = winners_of(results)
    env.filters.update(t=bidi_text, plain=plain, jsonld=json_ld, textlang=_textlang_filter)
    env.globals.update(
        fmt=fmt,
        decimal=decimal,
        ltrtext=lambda value: Markup('<span dir="ltr">%s</span>') % value,
        words_name=lambda lang: words(lang)["language_name"],
        words_of=words,
        place_words=lambda w_, n: w_.get(f"place_{n}") or fmt(w_["place"], n=n),
        winner_of=lambda submission: next((w for w in winners if w.submission == submission), None),
    )
    files: dict[str, bytes | Path] = {}
    logos: dict[str, str] = {}
    for partner in spec.partners:
        if partner.logo is not None and partners_base is not None:
            source = logo_path(partners_base, partner.logo)
            name = f"assets/logos/{slug(partner.id)}{source.suffix.lower()}"
            files[name] = source
            logos[partner.id] = name
    for name, source in fonts.items():
        files[f"assets/fonts/{name}"] = source
    for package in sorted({p for p, _ in FONT_FILES.values()}):
        licence = Path("/usr/share/doc") / package / "copyright"
        if licence.is_file():
            files[f"assets/fonts/{package}-copyright.txt"] = licence
    files["assets/site.css"] = (ASSETS / "site.css").read_bytes()
    files["assets/favicon.svg"] = (ASSETS / "favicon.svg").read_bytes()
    files["data/winners.csv"] = winners_csv(results, opts).encode()
    if spec.publish.ranking:
        files["data/ranking.csv"] = ranking_csv(results).encode()
    package = grants_package(results, spec, opts)
    has_grants = bool(package["grants"])
    if has_grants:
        files["data/360giving.json"] = (
            json.dumps(package, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        ).encode()
    n_scores = sum(j.n_scored for j in results.jurors)
    n_conflicts = sum(1 for e in results.exclusions if e.reason == "conflict")
    total = sum(w.funded or 0.0 for w in winners)
    common = {
        "results": results,
        "competition": results.competition,
        "spec": spec,
        "opts": opts,
        "languages": languages,
        "winners": winners,
        "by_domain": {d.id: [w for w in winners if w.domain == d.id] for d in results.domains},
        "logos": logos,
        "csp": CSP,
        "total": total,
        "n_scores": n_scores,
        "n_conflicts": n_conflicts,
        "has_grants": has_grants,
        "digest": results.digest or "",
        "kinds": ("donor", "partner", "sponsor"),
        "money": lambda value, lang: money(value, lang, results.competition.currency),
    }
    pages = [("index.html", "home.html", {}), ("partners.html", "partners.html", {}),
             ("jury.html", "jury.html", {}), ("data.html", "data.html", {})]  # fmt: skip
    for w in winners:
        pages.append((f"projects/{w.slug}.html", "project.html", {"w": w}))
    for lang in languages:
        for path, template, extra in pages:
            depth = path.count("/") + 1
            context = {
                **common,
                **extra,
                "lang": lang,
                "dir": direction(lang),
                "w_": words(lang),
                "wlang": words_lang(lang),
                "root": "../" * depth,
                "here": path,
                "page": template.removesuffix(".html"),
            }
            if template == "project.html":
                context["ld"] = monetary_grant(results, extra["w"], spec, opts, lang)
                context["sponsors"] = [
                    p for p in spec.partners if extra["w"].submission in p.projects
                ]
            files[f"{lang}/{path}"] = env.get_template(template).render(context).encode()
    files["index.html"] = (
        env.get_template("landing.html")
        .render({**common, "lang": languages[0], "dir": direction(languages[0]), "root": ""})
        .encode()
    )
    return files


def write_site(
    files: dict[str, bytes | Path], out_dir: Path, results: Results, force: bool
) -> None:
    """Write the files into a temporary folder beside ``out_dir``, then move it into place."""
    check_site_folder(out_dir, force)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        record = {}
        for name, content in sorted(files.items()):
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            data = content.read_bytes() if isinstance(content, Path) else content
            target.write_bytes(data)
            record[name] = "sha256:" + hashlib.sha256(data).hexdigest()
        marker = {"generator": GENERATOR, "version": results.version,
                  "competition": results.competition.id, "digest": results.digest,
                  "files": record}  # fmt: skip
        (staging / MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n")
        os.chmod(staging, 0o755)
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}")
            out_dir.rename(old)
        staging.rename(out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def check_site_folder(out_dir: Path, force: bool) -> None:
    """Refuse a file, or a non-empty folder that is not a previous site (unless ``force``)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a folder; give a folder for the site")
    if not out_dir.is_dir() or force or not any(out_dir.iterdir()):
        return
    try:
        marker = json.loads((out_dir / MARKER).read_text(encoding="utf-8"))
        if marker.get("generator") == GENERATOR:
            return
    except (OSError, ValueError, AttributeError):
        pass
    raise OutputError(
        f"{out_dir}: the folder is not empty and holds no site written by grantjury "
        f"(no {MARKER}); choose another folder, or use --force to replace it"
    )


def make_site(
    results_dir: Path,
    out_dir: Path,
    *,
    partners: Path | None = None,
    competition: Path | None = None,
    force: bool = False,
) -> dict[str, bytes | Path]:
    """Build the site of ``results_dir`` into ``out_dir``; returns the files written."""
    results = load_results(results_dir)
    if out_dir.resolve() == results_dir.resolve():
        raise OutputError(f"{out_dir}: the site cannot replace the results folder")
    check_site_folder(out_dir, force)
    partners_file = resolve_partners_file(results_dir, partners, competition)
    spec, base = PartnersFile(), None
    if partners_file is not None:
        log = ProblemLog()
        read = read_partners(partners_file, log, str(partners_file), set(results.submissions))
        log.raise_if_any()
        assert read is not None
        spec, base = read, partners_file.parent
    files = build_site(results, spec, base, find_fonts())
    write_site(files, out_dir, results, force)
    return files


__all__ = ["SiteError", "build_site", "make_site", "write_site"]
