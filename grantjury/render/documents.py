"""The printed documents of a competition, made from `results.json` alone.

Each kind of document is one entry of `KINDS`: a template, its stylesheet, the file it writes
and the context it needs; `render_documents` renders every requested kind, then moves the PDFs
into place. The ceremony sheets and certificates need only the winners (`Results`); the jury
minutes, the audit report and the feedback letters print the whole run (`record.py`), with
their contexts in `proceedings.py` and their words in `wording.py`. The letters, one page per
submission, are rendered in parts by parallel processes (`parallel.py`).

Wording and order decided here:

- **Ceremony sheets** (`ceremony.pdf`): one section per prize domain, in the order of
  `results.json`. Winners are listed in the order the announcer **reads them out: from the
  last prize up to the first** (third, second, first), so the first prize comes last. Each
  entry shows the prize, the association, the project title and the requested amount (if
  any), in every language of the competition, side by side in `languages` order (the first
  language on the reading start side: on the right when it is Arabic).
- **Certificates** (`certificates.pdf`): one landscape A4 page per winner, domains in results
  order, first prize first; the languages side by side as above.

Every page footer carries the competition title, the page number and the results digest (the
`digest` field of results.json when present, else the first 12 hex digits of the SHA-256 of the
file's bytes), so a printed sheet can be traced to the exact results it came from.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from grantjury.manifest import SHORT_DIGEST, short
from grantjury.render import proceedings
from grantjury.render.errors import RenderError, ResultsFileError
from grantjury.render.record import MAX_NAME, MAX_TITLE, Reader, Text
from grantjury.render.safety import make_environment, pick, sanitize_text
from grantjury.render.wording import FILTERS as RECORD_FILTERS
from grantjury.render.wording import ordinal

TEMPLATES = Path(__file__).parent / "templates"
RESULTS_FILE = "results.json"


# --- the results, as the documents see them -------------------------------------------------


@dataclass(frozen=True)
class Event:
    """The competition as printed on every page."""

    id: str
    title: Text
    date: dt.date
    place: Text
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Winner:
    """A winning submission; `position` 1 is the first prize."""

    position: int
    submission: str
    association: Text
    title: Text
    amount: float | None


@dataclass(frozen=True)
class DomainWinners:
    """A prize domain and its winners in rank order."""

    id: str
    name: Text
    winners: tuple[Winner, ...]

    @property
    def reading_order(self) -> tuple[Winner, ...]:
        """Winners as read out at the ceremony: last prize first, first prize last."""
        return tuple(reversed(self.winners))


@dataclass(frozen=True)
class Results:
    """What the documents need from `results.json`."""

    event: Event
    domains: tuple[DomainWinners, ...]
    digest: str
    version: str
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The parsed results.json, for the documents that print the whole run (`record.py`)."""
    source: str = RESULTS_FILE

    @property
    def certificates(self) -> tuple[tuple[DomainWinners, Winner], ...]:
        """(domain, winner) for each certificate: domains in order, first prize first."""
        return tuple((domain, winner) for domain in self.domains for winner in domain.winners)


def parse_results(data: Any, digest: str, source: str = RESULTS_FILE) -> Results:
    """Build the documents' view of results.json; raise `ResultsFileError` naming a bad key."""
    read = Reader(source)
    comp = read.get(data, "competition", "", dict)
    try:
        date = dt.date.fromisoformat(read.get(comp, "date", "competition", str))
    except ValueError as exc:
        raise read.fail("competition.date", f"expected YYYY-MM-DD ({exc})") from None
    languages = tuple(
        sanitize_text(lang, 20) for lang in read.get(comp, "languages", "competition", list)
    )
    if not languages:
        raise read.fail("competition.languages", "empty; expected e.g. [ar, fr]")
    event = Event(
        id=sanitize_text(read.get(comp, "id", "competition", str), 100),
        title=read.text(comp, "title", "competition", MAX_NAME),
        date=date,
        place=read.text(comp, "place", "competition", MAX_NAME),
        languages=languages,
    )
    submissions = read.get(data, "submissions", "", dict)
    domains = []
    for index, raw in enumerate(read.get(data, "domains", "", list)):
        where = f"domains[{index}]"
        winners = []
        for position, sid in enumerate(read.get(raw, "winners", where, list), start=1):
            sub = submissions.get(sid) if isinstance(sid, str) else None
            if not isinstance(sub, dict):
                raise read.fail(f"{where}.winners", f"winner {sid!r} is not in submissions")
            at = f"submissions.{sid}"
            amount = sub.get("requested_amount")
            if amount is not None and (
                isinstance(amount, bool)
                or not isinstance(amount, int | float)
                or not math.isfinite(amount)
                or amount < 0
            ):
                raise read.fail(
                    f"{at}.requested_amount", f"expected a positive number, found {amount!r}"
                )
            winners.append(
                Winner(
                    position=position,
                    submission=sanitize_text(sid, 100),
                    association=read.text(
                        read.get(sub, "association", at, dict),
                        "name",
                        f"{at}.association",
                        MAX_NAME,
                    ),
                    title=read.text(sub, "title", at, MAX_TITLE),
                    amount=None if amount is None else float(amount),
                )
            )
        domains.append(
            DomainWinners(
                id=sanitize_text(read.get(raw, "id", where, str), 100),
                name=read.text(raw, "name", where, MAX_NAME),
                winners=tuple(winners),
            )
        )
    version = sanitize_text(data.get("version", "?"), 40)
    return Results(
        event=event,
        domains=tuple(domains),
        digest=digest,
        version=version,
        data=data,
        source=source,
    )


_HEX = re.compile(r"[0-9a-f]+")


def results_digest(data: Any, raw: bytes, source: str = RESULTS_FILE) -> str:
    """The short digest printed on every page: the `digest` field, else SHA-256 of the bytes."""
    declared = data.get("digest") if isinstance(data, dict) else None
    if declared is None:
        return short(hashlib.sha256(raw).hexdigest())
    text = str(declared).lower().removeprefix("sha256:")
    if len(text) < SHORT_DIGEST or not _HEX.fullmatch(text):
        raise ResultsFileError(
            source,
            f"expected sha256: and hexadecimal digits (at least {SHORT_DIGEST}), "
            f"found {declared!r}",
            key="digest",
        )
    return short(text)


def load_results(path: Path) -> Results:
    """Read and check `results.json`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ResultsFileError(
            str(path), "not found; run `grantjury rank` first to write the results"
        ) from None
    except OSError as exc:
        raise ResultsFileError(str(path), f"cannot be read ({exc.strerror})") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ResultsFileError(str(path), f"not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ResultsFileError(
            str(path), f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    return parse_results(data, results_digest(data, raw, str(path)), str(path))


# --- wording ---------------------------------------------------------------------------------

LABELS: dict[str, dict[str, str]] = {
    "ar": {
        "announcement": "إعلان المشاريع الفائزة",
        "domain": "المجال",
        "amount": "المبلغ المطلوب",
        "reading_order": "ترتيب الإعلان",
        "from": "من",
        "to": "إلى",
        "certificate": "شهادة تتويج",
        "awarded_to": "تُمنح هذه الشهادة إلى",
        "for_project": "تقديرًا لمشروع",
        "jury_president": "رئيس لجنة التحكيم",
        "digest": "بصمة النتائج",
        "no_winner": "لا يوجد فائز في هذا المجال",
        "colon": ": ",
        "quote_open": "«",
        "quote_close": "»",
        "dash": " — ",
    },
    "fr": {
        "announcement": "Annonce des projets lauréats",
        "domain": "Domaine",
        "amount": "Montant demandé",
        "reading_order": "Ordre de lecture",
        "from": "du",
        "to": "au",
        "certificate": "Certificat de lauréat",
        "awarded_to": "Ce certificat est décerné à",
        "for_project": "pour le projet",
        "jury_president": "Le président du jury",
        "digest": "Empreinte des résultats",
        "no_winner": "Aucun lauréat dans ce domaine",
        "colon": "\u00a0: ",
        "quote_open": "«\u00a0",
        "quote_close": "\u00a0»",
        "dash": " — ",
    },
    "en": {
        "announcement": "Announcement of the winning projects",
        "domain": "Domain",
        "amount": "Requested amount",
        "reading_order": "Reading order",
        "from": "from",
        "to": "to",
        "certificate": "Certificate of award",
        "awarded_to": "This certificate is awarded to",
        "for_project": "for the project",
        "jury_president": "President of the jury",
        "digest": "Results digest",
        "no_winner": "No winner in this domain",
        "colon": ": ",
        "quote_open": "“",
        "quote_close": "”",
        "dash": " — ",
    },
}
"""The documents' own words. A language without labels here is printed with English labels."""


def labels_for(lang: str) -> dict[str, str]:
    """The documents' words in `lang` (English when grantjury has none for it)."""
    return LABELS.get(lang, LABELS["en"])


def reading_order_note(first: int, last: int, lang: str) -> str:
    """`Ordre de lecture : du troisième prix au premier prix` and its translations."""
    words = labels_for(lang)

    def name(position: int) -> str:
        text = ordinal(position, lang)
        return text if lang == "ar" else text[:1].lower() + text[1:]

    return (
        f"{words['reading_order']}{words['colon']}"
        f"{words['from']} {name(first)} {words['to']} {name(last)}"
    )


def size_class(value: Text, lang: str) -> str:
    """A size step for a long name or title, so every certificate stays on one page."""
    length = len(pick(value, lang))
    return "s" if length <= 50 else "m" if length <= 100 else "l" if length <= 180 else "xl"


def plain(value: Text | str, lang: str | None = None) -> str:
    """A field as sanitised text without bidi marks (for PDF metadata)."""
    return sanitize_text(pick(value, lang))


# --- kinds of document -------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document: a template, its stylesheet and the PDF file it becomes."""

    name: str
    filename: str
    template: str
    stylesheet: str
    title: Text
    context: Callable[..., Mapping[str, Any]]
    """`context(results)`, or `context(results, part)` for a kind printed in parts."""
    pages: Callable[[Results], int] | None = None
    """For a kind of exactly one page per item (the letters): how many pages it has. Such a
    kind is rendered in parts by parallel processes (`parallel.py`) and its `context` gets the
    `range` of 0-based page indices of one part."""


KINDS: dict[str, DocumentKind] = {
    kind.name: kind
    for kind in (
        DocumentKind(
            name="ceremony",
            filename="ceremony.pdf",
            template="ceremony.html",
            stylesheet="ceremony.css",
            title={lang: words["announcement"] for lang, words in LABELS.items()},
            context=lambda results: {"domains": results.domains},
        ),
        DocumentKind(
            name="certificates",
            filename="certificates.pdf",
            template="certificates.html",
            stylesheet="certificate.css",
            title={lang: words["certificate"] for lang, words in LABELS.items()},
            context=lambda results: {"certificates": results.certificates},
        ),
        DocumentKind(
            name="minutes",
            filename="minutes.pdf",
            template="minutes.html",
            stylesheet="minutes.css",
            title=proceedings.titles("minutes"),
            context=proceedings.minutes_context,
        ),
        DocumentKind(
            name="audit",
            filename="audit.pdf",
            template="audit.html",
            stylesheet="audit.css",
            title=proceedings.titles("audit"),
            context=proceedings.audit_context,
        ),
        DocumentKind(
            name="letters",
            filename="letters.pdf",
            template="letters.html",
            stylesheet="letters.css",
            title=proceedings.titles("letter"),
            context=proceedings.letters_context,
            pages=proceedings.letter_count,
        ),
    )
}
"""Every document `grantjury render` can write, by name."""


@functools.cache
def _environment() -> Any:
    return make_environment(
        TEMPLATES,
        {
            "ordinal": ordinal,
            "size": size_class,
            "plain": plain,
            "reading_order": reading_order_note,
            **RECORD_FILTERS,
        },
    )


def build_html(kind: DocumentKind, results: Results, part: range | None = None) -> str:
    """The HTML of one document, fully determined by the results (golden-tested).

    For a kind printed in parts, `part` is the range of pages to build (all when None).
    """
    languages = results.event.languages
    template = _environment().get_template(kind.template)
    if kind.pages is not None:
        context = kind.context(results, range(kind.pages(results)) if part is None else part)
    else:
        context = kind.context(results)
    return template.render(
        kind=kind,
        event=results.event,
        results=results,
        languages=languages,
        primary=languages[0],
        words={lang: labels_for(lang) for lang in languages},
        digest=Markup('<span dir="ltr" class="digest">%s</span>') % results.digest,
        **context,
    )


def select_kinds(only: Iterable[str] | None) -> list[DocumentKind]:
    """The kinds to render, in registry order; all of them when `only` is None."""
    if only is None:
        return list(KINDS.values())
    unknown = sorted(set(only) - set(KINDS))
    if unknown:
        raise RenderError(
            f"unknown document kind {', '.join(map(repr, unknown))}; "
            f"expected one of: {', '.join(KINDS)}"
        )
    return [kind for name, kind in KINDS.items() if name in set(only)]


def render_documents(
    results_dir: Path,
    out_dir: Path,
    only: set[str] | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> list[Path]:
    """Write the PDF documents made from `results_dir/results.json` into `out_dir`.

    Every requested kind (all of `KINDS` when `only` is None) is rendered into a temporary
    folder first; the PDFs are moved into `out_dir` only when all succeeded, so a failure
    leaves the previous documents untouched. `progress`, if given, receives one line per
    document. Kinds printed in parts (the letters) use up to `workers` processes (default:
    two, or one on a single CPU); the PDF is the same whatever the number. Returns the paths
    written, in `KINDS` order.
    """
    from grantjury.render import parallel, pdf  # WeasyPrint is loaded only when needed

    kinds = select_kinds(only)
    results = load_results(results_dir / RESULTS_FILE)
    pdf.ensure_fonts()
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=".render-"))
    try:
        staged = []
        for kind in kinds:
            target = staging / kind.filename
            if kind.pages is not None:
                report = parallel.write_in_parts(kind, results, target, workers=workers)
            else:
                report = pdf.write_pdf(build_html(kind, results), target, day=results.event.date)
            staged.append(target)
            if progress is not None:
                progress(f"{kind.filename}: {report.pages} page{'s' if report.pages != 1 else ''}")
        written = []
        for target in staged:
            final = out_dir / target.name
            target.replace(final)
            written.append(final)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
