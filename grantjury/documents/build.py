"""The printed documents of a competition, made from `results.json` alone.

`results.json` is read through the results model (`grantjury.results.load_results`) and
nothing else; `Run` adds what every page prints (the short digest, the languages). Each kind
of document is one entry of `KINDS`: a template, its stylesheet, the file it writes and the
context it needs; `render_documents` renders every requested kind, then moves the PDFs into
place. The ceremony sheets and certificates need only the winners; the jury minutes, the audit
report and the feedback letters print the whole run (views in `record.py`), with their
contexts in `proceedings.py` and their words in `wording.py`. The letters, one page per
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

import functools
import hashlib
import math
import os
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from grantjury import catalogs
from grantjury.documents import annex, proceedings, register
from grantjury.documents.errors import PageOverflow, RenderError
from grantjury.documents.record import MAX_LANGUAGE, iter_numbers
from grantjury.documents.safety import (
    MAX_NAME,
    MAX_TITLE,
    ltr,
    make_environment,
    pick,
    sanitize_text,
)
from grantjury.documents.wording import FILTERS as RECORD_FILTERS
from grantjury.documents.wording import ordinal
from grantjury.manifest import MANIFEST, SHORT_DIGEST, short
from grantjury.model import Text
from grantjury.report import documents_manifest, replace_report, staging_folder
from grantjury.results import (
    CompetitionRecord,
    DomainResults,
    Results,
    ResultsFileError,
    SubmissionRecord,
    load_results,
)

if TYPE_CHECKING:
    from grantjury.documents.parallel import PartTask
    from grantjury.documents.pdf import PdfReport

TEMPLATES = Path(__file__).parent / "templates"
RESULTS_FILE = "results.json"


# --- the results, as the documents see them -------------------------------------------------


@dataclass(frozen=True)
class Winner:
    """A winning submission; `position` 1 is the first prize."""

    position: int
    submission: str
    filed: SubmissionRecord

    @property
    def association(self) -> Text:
        return self.filed.association.name

    @property
    def title(self) -> Text:
        return self.filed.title

    @property
    def amount(self) -> float | None:
        return self.filed.requested_amount


@dataclass(frozen=True)
class DomainWinners:
    """A prize domain and its winners in rank order."""

    domain: DomainResults
    winners: tuple[Winner, ...]

    @property
    def name(self) -> Text:
        return self.domain.name

    @property
    def reading_order(self) -> tuple[Winner, ...]:
        """Winners as read out at the ceremony: last prize first, first prize last."""
        return tuple(reversed(self.winners))


@dataclass(frozen=True)
class Run:
    """The results model as the documents print it: the model itself, the short digest every
    page footer carries, the languages of the documents, and the file it was read from."""

    results: Results
    digest: str
    source: str = RESULTS_FILE

    @property
    def event(self) -> CompetitionRecord:
        return self.results.competition

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sanitize_text(lang, MAX_LANGUAGE) for lang in self.event.languages)

    @property
    def version(self) -> str:
        return sanitize_text(self.results.version, 40)

    @property
    def domains(self) -> tuple[DomainWinners, ...]:
        """Each domain with its winners, in the order of the results."""
        return tuple(
            DomainWinners(
                domain,
                tuple(
                    Winner(position, sid, self.results.submissions[sid])
                    for position, sid in enumerate(domain.winners, start=1)
                ),
            )
            for domain in self.results.domains
        )

    @property
    def certificates(self) -> tuple[tuple[DomainWinners, Winner], ...]:
        """(domain, winner) for each certificate: domains in order, first prize first."""
        return tuple((domain, winner) for domain in self.domains for winner in domain.winners)


def check_printable(results: Results, source: str = RESULTS_FILE) -> None:
    """Refuse, naming the field (as `read_results` names it: `domains.0.winners`), what the
    model accepts but no document can print: no
    language, a winner or ranked submission missing from `submissions`, a figure that is not
    finite, a negative amount, a probability outside 0..1."""
    if not results.competition.languages:
        raise ResultsFileError(
            source,
            "empty; expected the documents' languages, e.g. [ar, fr]",
            key="competition.languages",
        )
    for index, domain in enumerate(results.domains):
        for field_name, ids in (
            ("winners", domain.winners),
            ("reserve", domain.reserve),
            ("ranking", [e.submission for e in domain.ranking]),
        ):
            for sid in ids:
                if sid not in results.submissions:
                    raise ResultsFileError(
                        source,
                        f"{sid!r} is not in submissions; write the file again with "
                        "`grantjury rank`",
                        key=f"domains.{index}.{field_name}",
                    )
        for position, entry in enumerate(domain.ranking):
            p = entry.p_selected
            if p is not None and math.isfinite(p) and not 0 <= p <= 1:
                raise ResultsFileError(
                    source,
                    f"expected a probability between 0 and 1, found {p!r}",
                    key=f"domains.{index}.ranking.{position}.p_selected",
                )
    for sid, filed in results.submissions.items():
        amount = filed.requested_amount
        if amount is not None and math.isfinite(amount) and amount < 0:
            raise ResultsFileError(
                source,
                f"expected a positive number, found {amount!r}",
                key=f"submissions.{sid}.requested_amount",
            )
    for path, number in iter_numbers(results.as_json()):
        if not math.isfinite(number):
            raise ResultsFileError(source, f"expected a finite number, found {number!r}", key=path)


_HEX = re.compile(r"[0-9a-f]+")


def results_digest(results: Results, raw: bytes, source: str = RESULTS_FILE) -> str:
    """The short digest printed on every page: the `digest` field, else SHA-256 of the bytes."""
    declared = results.digest
    if declared is None:
        return short(hashlib.sha256(raw).hexdigest())
    text = declared.lower().removeprefix("sha256:")
    if len(text) < SHORT_DIGEST or not _HEX.fullmatch(text):
        raise ResultsFileError(
            source,
            f"expected sha256: and hexadecimal digits (at least {SHORT_DIGEST}), "
            f"found {declared!r}",
            key="digest",
        )
    return short(text)


def run_of(results: Results, raw: bytes | None = None, source: str = RESULTS_FILE) -> Run:
    """The documents' run of a results model; `raw`, the file's bytes, gives the digest of a
    file that records none."""
    check_printable(results, source)
    if results.digest is None and raw is None:
        raw = results.model_dump_json().encode()
    return Run(results, results_digest(results, raw or b"", source), source)


def load_run(path: Path) -> Run:
    """Read `results.json` at `path` (a file or its folder) through the model
    (`grantjury.results.load_results`) and check that it can be printed."""
    results = load_results(path)
    if path.is_dir():
        path = path / RESULTS_FILE
    raw = path.read_bytes() if results.digest is None else None
    return run_of(results, raw, str(path))


# --- wording ---------------------------------------------------------------------------------


def labels_for(lang: str) -> dict[str, str]:
    """The documents' own words (``label.*`` of the catalogs) in `lang`, by key."""
    return {m[6:]: catalogs.gettext_(lang, m) for m in catalogs.msgids(lang, "label.")}


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


SIZE_STEPS = ((50, "s"), (100, "m"), (180, "l"), (280, "xl"))
"""Type size steps by length (characters) of the longest name or title; above the last, the
floor step `xxl` (the stylesheets give each step its size)."""


def size_class(value: Text, lang: str) -> str:
    """The size step of one name or title in `lang` (see `SIZE_STEPS`)."""
    length = len(sanitize_text(pick(value, lang), MAX_TITLE))
    return next((step for limit, step in SIZE_STEPS if length <= limit), "xxl")


def size_in_all(value: Text, languages: Iterable[str]) -> str:
    """The size step of a name or title printed in several languages side by side: that of
    its longest version, so both columns are set at one size."""
    order = [step for _, step in SIZE_STEPS] + ["xxl"]
    return max((size_class(value, lang) for lang in languages), key=order.index, default="s")


def size_steps(run: Run) -> dict[str, str]:
    """One size step for every association name and one for every title of the winners, from
    the longest in any language: the ceremony sheets and the certificates print their names
    at one size throughout (a certificate must not look smaller than its neighbour), stepping
    down to the floor size for names of 300 or 400 characters, which then wrap."""
    winners = [w for domain in run.domains for w in domain.winners]
    order = [step for _, step in SIZE_STEPS] + ["xxl"]

    def longest(values: list[Text]) -> str:
        steps = [size_class(v, lang) for v in values for lang in run.languages]
        return max(steps, key=order.index, default="s")

    return {
        "association": longest([w.association for w in winners]),
        "title": longest([w.title for w in winners]),
    }


def plain(value: Text | str, lang: str | None = None) -> str:
    """A field as sanitised text without bidi marks (for PDF metadata)."""
    return sanitize_text(pick(value, lang), MAX_NAME)


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
    """`context(run)`, or `context(run, part)` for a kind printed in parts."""
    pages: Callable[[Run], int] | None = None
    """For a kind of exactly one page per item (the letters): how many pages it has. Such a
    kind is rendered in parts by parallel processes (`parallel.py`) and its `context` gets the
    `range` of 0-based page indices of one part."""
    companion: Callable[[Results], tuple[str, bytes]] | None = None
    """A file written beside the PDF (the annex's CSV): its name and bytes."""
    by_default: Callable[[Results], bool] | None = None
    """Whether a render without `--only` writes this kind (None: always)."""


KINDS: dict[str, DocumentKind] = {
    kind.name: kind
    for kind in (
        DocumentKind(
            name="ceremony",
            filename="ceremony.pdf",
            template="ceremony.html",
            stylesheet="ceremony.css",
            title={lang: labels_for(lang)["announcement"] for lang in catalogs.languages()},
            context=lambda run: {"domains": run.domains, "sizes": size_steps(run)},
        ),
        DocumentKind(
            name="certificates",
            filename="certificates.pdf",
            template="certificates.html",
            stylesheet="certificate.css",
            title={lang: labels_for(lang)["certificate"] for lang in catalogs.languages()},
            context=lambda run: {"certificates": run.certificates, "sizes": size_steps(run)},
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
        DocumentKind(
            name="annex",
            filename="annex.pdf",
            template="annex.html",
            stylesheet="annex.css",
            title={lang: catalogs.gettext_(lang, "annex.annex") for lang in catalogs.languages()},
            context=annex.annex_context,
            companion=lambda results: ("annex.csv", annex.annex_csv(results)),
            by_default=lambda results: results.rules is not None,
        ),
        DocumentKind(
            name="register",
            filename="register.pdf",
            template="register.html",
            stylesheet="register.css",
            title={
                lang: catalogs.gettext_(lang, "register.register") for lang in catalogs.languages()
            },
            context=register.register_context,
            by_default=lambda results: results.rules is not None,
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
            "size_in_all": size_in_all,
            "plain": plain,
            "reading_order": reading_order_note,
            **RECORD_FILTERS,
        },
    )


def build_html(kind: DocumentKind, run: Run, part: range | None = None) -> str:
    """The HTML of one document, fully determined by the results (golden-tested).

    For a kind printed in parts, `part` is the range of pages to build (all when None).
    """
    languages = run.languages
    template = _environment().get_template(kind.template)
    if kind.pages is not None:
        context = kind.context(run, range(kind.pages(run)) if part is None else part)
    else:
        context = kind.context(run)
    return template.render(
        kind=kind,
        event=run.event,
        run=run,
        results=run.results,
        languages=languages,
        primary=languages[0],
        words={lang: labels_for(lang) for lang in languages},
        digest=ltr(Markup('<span class="digest">%s</span>') % run.digest),
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
    folder beside `out_dir` first, so a failure leaves the previous documents untouched.
    Rendered into the results folder itself, the PDFs and the manifest that records them
    replace the folder's contents in one step (`grantjury.report.replace_report`): a kill at any
    moment leaves the previous report or the new one, each verified, never a mix. Into
    another folder the PDFs are moved in one by one. `progress`, if given, receives one line
    per document. Kinds printed in parts (the letters) use up to `workers` processes
    (default: two, or one on a single CPU); the PDF is the same whatever the number.
    Returns the paths written, in `KINDS` order.
    """
    from grantjury.documents import parallel, pdf  # WeasyPrint is loaded only when needed

    kinds = select_kinds(only)
    run = load_run(results_dir / RESULTS_FILE)
    if only is None:  # a kind for some competitions only (the annex: under a rule pack)
        kinds = [k for k in kinds if k.by_default is None or k.by_default(run.results)]
    pdf.ensure_fonts()
    into_report = os.path.realpath(out_dir) == os.path.realpath(results_dir)
    if not into_report:
        out_dir.mkdir(parents=True, exist_ok=True)
    staging = staging_folder(out_dir, "render")
    try:
        staged = []
        for kind in kinds:
            target = staging / kind.filename
            if kind.pages is not None:
                made = parallel.write_in_parts(kind, run, target, render_part, workers=workers)
            else:
                made = pdf.write_pdf(
                    build_html(kind, run), target, day=run.event.date, document=kind.filename
                )
            staged.append(target)
            if kind.companion is not None:
                name, data = kind.companion(run.results)
                (staging / name).write_bytes(data)
                staged.append(staging / name)
            if progress is not None:
                progress(f"{kind.filename}: {made.pages} page{'s' if made.pages != 1 else ''}")
        if into_report:
            files: dict[str, bytes | Path] = {path.name: path for path in staged}
            manifest = documents_manifest(results_dir, staged)
            if manifest is not None:
                files[MANIFEST] = manifest
            replace_report(out_dir, files, force=True, keep=True, spare=staging)
            return [out_dir / path.name for path in staged]
        written = []
        for target in staged:
            final = out_dir / target.name
            target.replace(final)
            written.append(final)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def render_part(task: PartTask) -> PdfReport:
    """Render pages `task.start`..`task.stop` of a kind into `task.target` (in any process:
    `parallel.write_in_parts` runs it in this one and in spawned workers)."""
    from grantjury.documents import pdf

    kind = KINDS[task.kind]
    run = Run(task.results, task.digest, task.source)  # checked by the parent already
    part = range(task.start, task.stop)
    target = Path(task.target)
    report = pdf.write_pdf(
        build_html(kind, run, part),
        target,
        day=run.event.date,
        document=kind.filename,
        first_page=task.start + 1,
    )
    if report.pages != len(part):
        raise PageOverflow(kind.filename, task.start + 1, task.stop, report.pages)
    return report
