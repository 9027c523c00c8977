"""Rule pack ``ma-commune``: the rules of a Moroccan commune's grants to associations.

Switched on by ``rules: [ma-commune]`` in ``competition.yaml``, configured by its block
``rule_settings: {ma-commune: …}`` (``docs/format.md``, "Rule pack ma-commune", gives every
key and the sources). It adds, before any score is used:

1. **Conflicts the law defines.** Organic law 113-14 on communes, art. 65, forbids a council
   member to bind private interests with the commune, personally or through a spouse,
   ascendant or descendant; as reported, it applies the same to partnership and financing
   agreements with associations of which the member is a member. So an association one of
   whose officials or members (``people.csv``, or the ``officials`` of the association block
   of its submissions) is an elected member (``council.yaml``), or
   the spouse, ascendant or descendant of one (``family.csv``), is not eligible:
   ``results.TiedToElectedMember`` with the law and the article. A juror who is an official
   or member of a submitting association is in conflict with its submissions (category
   ``governance``); a juror related to one of them, in conflict too (category ``family``).
2. **The admissibility file.** The documents the call requires (``documents``) and the term
   within which the governing bodies must have been renewed (``renewal_term_years``): a
   submission that lacks one, or whose bodies are out of term, is not admissible
   (``results.DocumentsMissing``, ``results.GoverningBodiesNotRenewed``): it is not assigned,
   gets no score sheet and cannot be selected.

People are matched by a normalised name (:func:`normalised_name`: accents, Arabic short
vowels and letter variants folded, case and word order ignored) and, where both sides give
one, by the national identity card number (CIN), kept only as a salted SHA-256 digest
(:func:`cin_digest`) from the moment it is read: no output, message or result holds a CIN.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from ..errors import ProblemLog
from ..loading import (
    CsvTable,
    RawCompetition,
    YamlDoc,
    _Inputs,
    model_from_yaml,
    read_csv,
    read_yaml,
)
from ..model import Competition, Frozen, Identifier, RuleConflict, Text
from ..results import (
    INADMISSIBLE_REASONS,
    Appeal,
    DocumentsMissing,
    GoverningBodiesNotRenewed,
    RequiredDocument,
    RulesRecord,
    TiedToElectedMember,
)

NAME = "ma-commune"
LAW_COMMUNES = "113-14"
ARTICLE_TIES = "65"
LINKS = ("spouse", "ascendant", "descendant")
INVERSE_LINK = {"spouse": "spouse", "ascendant": "descendant", "descendant": "ascendant"}
CIN_FORM = re.compile(r"[A-Z]{1,2}[0-9]{1,7}")
"""A Moroccan national identity card number: one or two letters, then digits."""


class DocumentSpec(Frozen):
    id: Identifier
    name: Text


class AppealSpec(Frozen):
    way: Text
    """To whom and how the applicant may appeal (e.g. a written request to the president
    of the council, then the administrative court)."""
    deadline_days: int = Field(gt=0)


class Settings(Frozen):
    """The ``rule_settings.ma-commune`` block of ``competition.yaml``."""

    council: str | None = None
    """Path to ``council.yaml``: the council's elected members."""
    people: str | None = None
    """Path to the CSV of the associations' officials and members
    (``association,name,role[,cin]``)."""
    family: str | None = None
    """Path to the CSV of declared family links (``name,relative_name,link[,cin,
    relative_cin]``: ``relative_name`` is the ``link`` of ``name``)."""
    cin_salt: str | None = None
    """Salt of the CIN digests (default: the competition's id). Keep it out of any
    published file: with it, a CIN could be guessed back from its digest."""
    documents: tuple[DocumentSpec, ...] = ()
    """The documents every application must include, in the call's order."""
    renewal_term_years: int | None = Field(default=None, gt=0)
    """The governing bodies must have been renewed within this many years before
    ``reference_date`` (the term is set by each association's statutes: configure it)."""
    reference_date: dt.date | None = None
    """Date at which the file is judged (default: the competition's date)."""
    appeal: AppealSpec | None = None
    ties: bool = True
    """Apply the rule of art. 65 of organic law 113-14 (ties to elected members)."""
    controller: Text | None = None
    """Who is responsible for processing the personal data (law 09-08): printed on the
    register of the processing."""
    retention_months: int = Field(default=24, gt=0)
    """How long the personal data are kept after the decision (law 09-08 asks for no longer
    than the purpose needs; set it to the council's archiving rule)."""


class CouncilMember(Frozen):
    id: Identifier
    name: str | Text
    cin: Any = None
    """Checked by ``_Reader.digest``, never by pydantic: its messages would show the value."""
    role: Text | None = None


@dataclass(frozen=True)
class Person:
    """Someone to match: every normalised form of their name, and their CIN's digest."""

    names: frozenset[str]
    digest: str | None = None

    def same(self, other: Person) -> bool:
        """The same person: equal CIN digests where both have one, else a shared name."""
        if self.digest and other.digest:
            return self.digest == other.digest
        return bool(self.names & other.names)


@dataclass(frozen=True)
class Link:
    person: Person
    relative: Person
    link: str
    """``relative`` is the ``link`` (spouse, ascendant, descendant) of ``person``."""


@dataclass(frozen=True)
class State:
    settings: Settings
    members: tuple[tuple[str, Person], ...]
    people: dict[str, tuple[tuple[str, Person], ...]]
    """By association id: (role, person) of each official or member."""
    links: tuple[Link, ...]
    reference: dt.date


_ARABIC_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None, "ٱ": "ا"})


def normalised_name(text: str) -> str:
    """A name as it is compared: accents and Arabic short vowels dropped, hamza carriers,
    tāʾ marbūṭa and alif maqṣūra folded, case ignored, words sorted (``Benali Fatima`` is
    ``Fatima BENALI``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.findall(r"\w+", bare.translate(_ARABIC_FOLD).casefold())
    return " ".join(sorted(words))


def cin_digest(cin: str, salt: str) -> str:
    """The salted SHA-256 digest of a normalised CIN: what is kept instead of the number."""
    return hashlib.sha256(f"{salt}\x00{cin}".encode()).hexdigest()


def _names(name: str | dict[str, str]) -> frozenset[str]:
    values = name.values() if isinstance(name, dict) else [name]
    return frozenset(n for n in map(normalised_name, values) if n)


class _Reader:
    """Reads the pack's files, turning every CIN into its digest at once."""

    def __init__(self, raw: RawCompetition, log: ProblemLog, settings: Settings):
        self.raw, self.log = raw, log
        self.files = _Inputs(raw.base, log, raw.inputs)
        self.referrer = raw.path.name
        self.salt = settings.cin_salt or (raw.spec.id if raw.spec else "")

    def digest(self, value: Any, label: str, line: int | None, field: str) -> str | None:
        if value is None or value == "":
            return None
        cin = re.sub(r"[\s-]", "", str(value)).upper() if isinstance(value, str | int) else ""
        if not CIN_FORM.fullmatch(cin):
            self.log.error(
                label,
                "national identity card number (CIN) not in the expected form",
                line=line,
                field=field,
                found=f"a value of {len(cin)} characters (not shown: personal data)",
                expected="one or two letters then digits, e.g. AB123456; or leave it empty",
            )
            return None
        return cin_digest(cin, self.salt)

    def csv(self, relative: str, key: str, required: tuple[str, ...]) -> CsvTable | None:
        got = self.files.read(relative, key, self.referrer, f"rule_settings.{NAME}.{key}")
        if got is None:
            return None
        path, label, data = got
        return read_csv(path, label, required, self.log, data)

    def council(self, relative: str) -> tuple[tuple[str, Person], ...]:
        got = self.files.read(relative, "council", self.referrer, f"rule_settings.{NAME}.council")
        if got is None:
            return ()
        path, label, data = got
        doc = read_yaml(path, label, self.log, data)
        if doc is None:
            return ()
        if not isinstance(doc.data, list):
            self.log.error(
                label,
                "the council file must be a list of elected members",
                line=1,
                expected="- id: C01\n  name: {ar: ..., fr: ...}",
            )
            return ()
        members, seen = [], set()
        for index, _ in enumerate(doc.data):
            member = model_from_yaml(CouncilMember, doc, label, self.log, loc=(index,))
            if member is None:
                continue
            line = doc.line_of((index, "id"))
            if member.id in seen:
                self.log.error(
                    label,
                    "duplicate council member id",
                    line=line,
                    field="id",
                    found=member.id,
                    expected="one entry per elected member",
                )
            seen.add(member.id)
            digest = self.digest(member.cin, label, doc.line_of((index, "cin")), "cin")
            members.append((member.id, Person(_names(member.name), digest)))
        return tuple(sorted(members, key=lambda m: m[0]))

    def people(self, relative: str) -> dict[str, tuple[tuple[str, Person], ...]]:
        table = self.csv(relative, "people", ("association", "name", "role"))
        if table is None:
            return {}
        col = {name: column.tolist() for name, column in table.columns.items()}
        found: dict[str, list[tuple[str, Person]]] = {}
        for row, line in enumerate(table.lines.tolist()):
            names = _names(col["name"][row])
            if not col["association"][row] or not names or not col["role"][row]:
                self.log.error(
                    table.label,
                    "an official or member needs an association, a name and a role",
                    line=line,
                    field="association, name, role",
                    found="an empty cell",
                    expected="e.g. A-004,Fatima Benali,president",
                )
                continue
            cin = col["cin"][row] if "cin" in col else None
            person = Person(names, self.digest(cin, table.label, line, "cin"))
            found.setdefault(col["association"][row], []).append((col["role"][row], person))
        return {a: tuple(rows) for a, rows in sorted(found.items())}

    def family(self, relative: str) -> tuple[Link, ...]:
        table = self.csv(relative, "family", ("name", "relative_name", "link"))
        if table is None:
            return ()
        col = {name: column.tolist() for name, column in table.columns.items()}
        links = []
        for row, line in enumerate(table.lines.tolist()):
            link = col["link"][row].strip().lower()
            if link not in LINKS:
                self.log.error(
                    table.label,
                    "unknown family link",
                    line=line,
                    field="link",
                    found=col["link"][row],
                    expected=f"one of {', '.join(LINKS)} (relative_name is the link of name)",
                )
                continue
            a, b = _names(col["name"][row]), _names(col["relative_name"][row])
            if not a or not b:
                self.log.error(
                    table.label,
                    "a family link needs both names",
                    line=line,
                    field="name, relative_name",
                    found="an empty cell",
                    expected="e.g. Ahmed Tazi,Meryem Tazi,descendant",
                )
                continue
            cin_a = self.digest(col.get("cin", [None] * len(table))[row], table.label, line, "cin")
            cin_b = self.digest(
                col.get("relative_cin", [None] * len(table))[row],
                table.label,
                line,
                "relative_cin",
            )
            links.append(Link(Person(a, cin_a), Person(b, cin_b), link))
        return tuple(links)


def _settings(raw: RawCompetition, log: ProblemLog) -> Settings | None:
    """The pack's settings, checked with the line of each wrong key in competition.yaml."""
    label = raw.path.name
    try:
        text = raw.path.read_bytes()
    except OSError:  # load_raw read it a moment ago and said why if it could not
        return None
    doc = read_yaml(raw.path, label, ProblemLog(), text)
    assert raw.spec is not None
    data = raw.spec.rule_settings.get(NAME, {})
    if doc is None or not isinstance(doc.data, dict):
        doc = YamlDoc({"rule_settings": {NAME: data}}, {})
    elif NAME not in (doc.data.get("rule_settings") or {}):
        doc = YamlDoc({"rule_settings": {NAME: data}}, doc.lines)
    return model_from_yaml(Settings, doc, label, log, loc=("rule_settings", NAME))


def load(raw: RawCompetition, log: ProblemLog) -> State | None:
    """Read the pack's settings and files; check the submissions' document lists."""
    assert raw.spec is not None
    settings = _settings(raw, log)
    if settings is None:
        return None
    reader = _Reader(raw, log, settings)
    members = reader.council(settings.council) if settings.council else ()
    people = reader.people(settings.people) if settings.people else {}
    people = _with_submitted_officials(people, raw)
    links = reader.family(settings.family) if settings.family else ()
    if settings.ties and not settings.council:
        log.error(
            raw.path.name,
            "the ma-commune rule of ties to elected members needs the council's members",
            field=f"rule_settings.{NAME}.council",
            expected="council: council.yaml (or ties: false to switch the rule off)",
        )
    known = {d.id for d in settings.documents}
    for submission, label, lines in raw.submissions:
        for document in submission.documents or ():
            if document not in known:
                log.error(
                    label,
                    "unknown document id",
                    line=lines.get("id"),
                    field="documents",
                    found=document,
                    expected="one of the ids in rule_settings.ma-commune.documents: "
                    + (", ".join(sorted(known)) or "(none is listed)"),
                )
    return State(settings, members, people, links, settings.reference_date or raw.spec.date)


def _with_submitted_officials(
    people: dict[str, tuple[tuple[str, Person], ...]], raw: RawCompetition
) -> dict[str, tuple[tuple[str, Person], ...]]:
    """``people`` with the officials the submissions' association blocks list."""
    merged = {a: list(rows) for a, rows in people.items()}
    for submission, _, _ in raw.submissions:
        association = submission.association
        for official in association.officials:
            row = (official.role, Person(_names(official.name)))
            if row not in merged.setdefault(association.id, []):
                merged[association.id].append(row)
    return {a: tuple(rows) for a, rows in sorted(merged.items())}


def related(state: State, a: Person, b: Person) -> str | None:
    """How ``b`` is related to ``a`` (``b`` is ``a``'s spouse, ascendant or descendant)."""
    for link in state.links:
        if link.person.same(a) and link.relative.same(b):
            return link.link
        if link.relative.same(a) and link.person.same(b):
            return INVERSE_LINK[link.link]
    return None


def ties(state: State, association: str) -> list[TiedToElectedMember]:
    """Every tie of the association's officials and members to an elected member (art. 65)."""
    found = []
    for role, person in state.people.get(association, ()):
        for member_id, member in state.members:
            link: Literal["self", "spouse", "ascendant", "descendant"] | str | None
            link = "self" if member.same(person) else related(state, member, person)
            if link is not None:
                found.append(
                    TiedToElectedMember(
                        member=member_id,
                        link=link,  # type: ignore[arg-type]
                        role=role,
                        law=LAW_COMMUNES,
                        article=ARTICLE_TIES,
                    )
                )
    return sorted(set(found), key=lambda t: (t.member, t.link, t.role))


def admissibility(state: State, documents: tuple[str, ...] | None, renewed: dt.date | None):
    """The reasons an application file is not admissible (empty: admissible)."""
    settings, reasons = state.settings, []
    given = set(documents or ())
    missing = [d.id for d in settings.documents if d.id not in given]
    if missing:
        reasons.append(DocumentsMissing(missing=missing))
    term = settings.renewal_term_years
    if term is not None and (renewed is None or _years_after(renewed, term) < state.reference):
        reasons.append(
            GoverningBodiesNotRenewed(renewed=renewed, term_years=term, reference=state.reference)
        )
    return reasons


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)


def juror_conflicts(state: State, competition: Competition) -> tuple[RuleConflict, ...]:
    """A juror who is an official or member of a submitting association (``governance``) or
    related to one (``family``) is in conflict with each of its submissions."""
    by_association: dict[str, list[str]] = {}
    for submission in competition.submissions:
        by_association.setdefault(submission.association.id, []).append(submission.id)
    found = []
    for juror in competition.jurors:
        person = Person(_names(juror.name))
        for association, submissions in sorted(by_association.items()):
            category = None
            for _, official in state.people.get(association, ()):
                if official.same(person):
                    category = "governance"
                    break
                if category is None and related(state, person, official):
                    category = "family"
            if category:
                found.extend(RuleConflict(juror.id, s, category, association) for s in submissions)
    return tuple(found)


def apply(competition: Competition, state: State) -> Competition:
    """The competition with the pack's conflicts, reasons and record."""
    reasons: dict[str, tuple[Any, ...]] = {}
    admissible: dict[str, bool] = {}
    for submission in competition.submissions:
        found: list[Any] = admissibility(
            state, submission.documents, submission.governing_bodies_renewed
        )
        admissible[submission.id] = not found
        if state.settings.ties:
            found.extend(ties(state, submission.association.id))
        if found:
            reasons[submission.id] = tuple(found)
    record = RulesRecord(
        packs=[NAME],
        documents=[RequiredDocument(id=d.id, name=d.name) for d in state.settings.documents],
        renewal_term_years=state.settings.renewal_term_years,
        appeal=None
        if state.settings.appeal is None
        else Appeal(
            way=state.settings.appeal.way, deadline_days=state.settings.appeal.deadline_days
        ),
        admissibility=admissible,
        controller=state.settings.controller,
        retention_months=state.settings.retention_months,
        people={
            "council": len(state.members),
            "officials": sum(len(p) for p in state.people.values()),
            "family_links": len(state.links),
        },
    )
    inadmissible = frozenset(
        s for s, found in reasons.items() if any(r.code in INADMISSIBLE_REASONS for r in found)
    )
    return dataclasses.replace(
        competition,
        rule_conflicts=(*competition.rule_conflicts, *juror_conflicts(state, competition)),
        rule_reasons={**competition.rule_reasons, **reasons},
        inadmissible=competition.inadmissible | inadmissible,
        rule_record=record,
    )
