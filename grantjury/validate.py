"""Validate stage: cross-check the loaded files and turn score rows into coded arrays.

Every problem is logged with its file, line, field, what was found and what was expected;
nothing stops at the first one. Score columns are checked with numpy, not row by row.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import unicodedata
from collections import Counter

import numpy as np

from .conflicts import conflict_register, forbidden_pairs
from .errors import ProblemLog
from .loading import CsvTable, RawCompetition
from .messages import MAX_LISTED, listed
from .model import CONFLICT_CATEGORIES, Competition, DeclaredConflict, ScoreTable

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")
"""Arabic-Indic and Eastern Arabic-Indic digits (and the Arabic decimal separator) are read
as the ASCII digits they stand for."""


def parse_number(text: str, decimal_comma: bool) -> float | None:
    """Read one number as people write it; None when it is not a plain finite number."""
    text = text.strip().translate(_DIGITS)
    if decimal_comma:
        text = text.replace(",", ".")
    if not text or any(ch not in "0123456789.-+eE" for ch in text):
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def validate(
    raw: RawCompetition, log: ProblemLog, require_scores: bool = True
) -> Competition | None:
    """Check references, duplicates and scores across files; None when anything is wrong."""
    spec = raw.spec
    if spec is None:
        return None
    comp_label = raw.path.name
    domain_ids = [d.id for d in spec.domains]
    for dup, _ in _duplicates(domain_ids):
        log.error(
            comp_label,
            "duplicate domain id",
            field="domains",
            found=dup,
            expected="each domain id once",
        )
    known_domains = set(domain_ids)

    by_id: dict[str, list] = {}
    for submission, label, lines in raw.submissions:
        by_id.setdefault(submission.id, []).append((label, lines["id"]))
        if submission.domain not in known_domains:
            log.error(
                label,
                "unknown domain",
                line=lines["domain"],
                field="domain",
                found=submission.domain,
                expected=f"one of {', '.join(domain_ids)}",
            )
    _check_near_duplicate_ids(by_id, "submission", log)
    for sub_id, places in by_id.items():
        for label, line in places[1:]:
            first = places[0]
            log.error(
                label,
                "duplicate submission id",
                line=line,
                field="id",
                found=sub_id,
                expected=f"an id not already used ({first[0]}, line {first[1]})",
            )
    submissions = tuple(
        sorted({s.id: s for s, _, _ in raw.submissions}.values(), key=lambda s: s.id)
    )
    if not submissions:
        log.warn(raw.submissions_label or comp_label, "no_submissions")
    per_domain = Counter(s.domain for s in submissions)
    for domain in spec.domains if submissions else ():
        if per_domain[domain.id] < domain.winners:
            log.warn(
                comp_label,
                "few_submissions_for_prizes",
                field="domains",
                domain=domain.id,
                submissions=per_domain[domain.id],
                prizes=domain.winners,
            )

    juror_places: dict[str, list] = {}
    for index, (juror, line) in enumerate(raw.jurors):
        juror_places.setdefault(juror.id, []).append(line)
        panel_lines = raw.juror_panel_lines[index] if index < len(raw.juror_panel_lines) else ()
        for k, panel in enumerate(juror.domains):
            if panel not in known_domains:
                log.error(
                    raw.jurors_label,
                    "unknown domain in the juror's panel",
                    line=panel_lines[k] if k < len(panel_lines) else line,
                    field="domains",
                    found=panel,
                    expected=f"one of {', '.join(domain_ids)}" + suggestion(panel, domain_ids),
                )
    _check_near_duplicate_ids(
        {k: [(raw.jurors_label, v[0])] for k, v in juror_places.items()}, "juror", log
    )
    for juror_id, lines in juror_places.items():
        for line in lines[1:]:
            log.error(
                raw.jurors_label,
                "duplicate juror id",
                line=line,
                field="id",
                found=juror_id,
                expected=f"an id not already used (line {lines[0]})",
            )
    jurors = tuple(sorted({j.id: j for j, _ in raw.jurors}.values(), key=lambda j: j.id))

    known_submissions = raw.submission_ids_seen | set(by_id)
    known_jurors = raw.juror_ids_seen | set(juror_places)
    # An unreadable file was reported already: do not also flag every reference into it.
    if not raw.submissions_readable:
        known_submissions = _Everything()
    if not raw.jurors_readable:
        known_jurors = _Everything()
    conflicts = _validate_conflicts(raw.conflicts, known_jurors, known_submissions, log)

    juror_index = {j.id: i for i, j in enumerate(jurors)}
    submission_index = {s.id: i for i, s in enumerate(submissions)}
    _check_still_to_come(raw, require_scores, log)
    if (
        require_scores
        and raw.scores is not None
        and not len(raw.scores)
        and not any(p.file == raw.scores.label for p in log.errors)
    ):
        log.error(
            raw.scores.label,
            "no scores to rank: the file has a header but no score rows",
            expected="one row per juror, submission and criterion under the header",
        )
    if raw.scores is None:
        if require_scores and spec.scores is None:
            log.error(
                comp_label,
                "no scores to rank",
                field="scores",
                expected="a scores CSV file (juror,submission,criterion,score)",
            )
        table = ScoreTable(
            *(np.array([], dtype=t) for t in (np.int32, np.int32, np.int16, np.float64, np.int64))
        )
    else:
        table = _validate_scores(
            raw,
            raw.scores,
            jurors,
            submissions,
            juror_index,
            submission_index,
            known_jurors,
            known_submissions,
            log,
        )
    assigned = assigned_lines = None
    if raw.assignments is not None:
        assigned, assigned_lines = _validate_assignments(
            raw, raw.assignments, jurors, submissions, known_jurors, known_submissions, log
        )
        if raw.scores is not None:
            labels = (raw.scores.label, raw.assignments.label)
            _check_scored_as_assigned(
                labels, table, assigned, assigned_lines, jurors, submissions, log
            )
    _check_rules(raw, submissions, log)
    if log.errors or len(raw.rubrics) != len(spec.domains):
        return None
    competition = Competition(
        path=str(raw.path),
        spec=spec,
        rubrics=dict(raw.rubrics),
        submissions=submissions,
        jurors=jurors,
        declared_conflicts=conflicts,
        scores=table,
        inputs=tuple(sorted(raw.inputs.values(), key=lambda f: f.path)),
        warnings=tuple(log.warnings),
        assignments=assigned,
    )
    if raw.assignments is not None and assigned_lines is not None and len(assigned_lines):
        # Conflicts need the validated competition (affiliations, scope): checked last.
        _check_assigned_conflicts(competition, raw.assignments.label, assigned_lines, log)
        competition = dataclasses.replace(competition, warnings=tuple(log.warnings))
    return competition


class _Everything(set):
    """A set that contains every id (references into an unreadable file go unchecked)."""

    def __contains__(self, item: object) -> bool:
        return True


def _check_still_to_come(raw: RawCompetition, require_scores: bool, log: ProblemLog) -> None:
    """A named scores or assignments file may be still to come, except scores for ranking."""
    label = raw.path.name
    if "scores" in raw.still_to_come:
        relative = raw.still_to_come["scores"]
        if require_scores:
            log.error(
                label,
                "scores file not found",
                field="scores",
                found=relative,
                expected="a path relative to the competition file",
            )
        else:
            log.warn(
                label,
                "scores_to_come",
                field="scores",
                path=relative,
            )
    if "assignments" in raw.still_to_come:
        log.warn(
            label,
            "assignments_to_come",
            field="assignments",
            path=raw.still_to_come["assignments"],
        )


def _validate_assignments(
    raw: RawCompetition,
    table: CsvTable,
    jurors: tuple,
    submissions: tuple,
    known_jurors: set[str],
    known_submissions: set[str],
    log: ProblemLog,
) -> tuple[np.ndarray, np.ndarray]:
    """Assigned (juror, submission) codes, sorted and unique, with the line of each pair."""
    cols = table.columns
    juror = _code(table.factorize("juror"), {j.id: i for i, j in enumerate(jurors)})
    submission = _code(table.factorize("submission"), {s.id: i for i, s in enumerate(submissions)})
    unknown = (juror < 0) & ~_is_known(table.factorize("juror"), known_jurors)
    expected = f"a juror id from {raw.jurors_label or 'the jurors file'}"
    _report_rows(log, table, unknown, "unknown juror", "juror", cols["juror"], expected, jurors)
    unknown = (submission < 0) & ~_is_known(table.factorize("submission"), known_submissions)
    _report_rows(
        log,
        table,
        unknown,
        "unknown submission",
        "submission",
        cols["submission"],
        "a submission id",
        submissions,
    )
    rows = np.flatnonzero((juror >= 0) & (submission >= 0))
    rows = rows[np.lexsort((submission[rows], juror[rows]))]  # stable: first line first
    pairs = np.stack([juror[rows], submission[rows]], axis=1).astype(np.int64).reshape(-1, 2)
    again = np.flatnonzero(np.all(pairs[1:] == pairs[:-1], axis=1)) + 1
    for k in again.tolist():
        first = k - 1
        while first in again:
            first -= 1
        log.warn(
            table.label,
            "assignment_twice",
            line=int(table.lines[rows[k]]),
            found=f"{jurors[pairs[k, 0]].id} / {submissions[pairs[k, 1]].id} again",
            expected=f"one line per juror and submission (first on line "
            f"{int(table.lines[rows[first]])})",
        )
    keep = np.ones(len(rows), dtype=bool)
    keep[again] = False
    pairs, lines = pairs[keep], table.lines[rows[keep]]
    warned: set[tuple[int, str]] = set()
    for (j, s), line in zip(pairs.tolist(), lines.tolist(), strict=True):
        panel, domain = jurors[j].domains, submissions[s].domain
        if panel and domain not in panel and (j, domain) not in warned:
            warned.add((j, domain))
            log.warn(
                table.label,
                "assigned_outside_panel",
                line=int(line),
                field="juror",
                juror=jurors[j].id,
                submission=submissions[s].id,
                domain=domain,
                panel=list(panel),
            )
    return pairs, lines


def _check_scored_as_assigned(
    labels: tuple[str, str],
    table: ScoreTable,
    assigned: np.ndarray,
    assigned_lines: np.ndarray,
    jurors: tuple,
    submissions: tuple,
    log: ProblemLog,
) -> None:
    """Warn, per juror, of scores outside the assignments and of assignments never scored."""
    scores_label, assignments_label = labels
    n = max(len(submissions), 1)
    scored = table.juror.astype(np.int64) * n + table.submission
    planned = assigned[:, 0] * n + assigned[:, 1]
    unplanned = ~np.isin(scored, planned)
    for j in np.unique(table.juror[unplanned]).tolist():
        rows = unplanned & (table.juror == j)
        subs = [submissions[s].id for s in np.unique(table.submission[rows]).tolist()]
        log.warn(
            scores_label,
            "scores_not_assigned",
            line=int(table.line[rows].min()),
            field="submission",
            juror=jurors[j].id,
            count=len(subs),
            assignments=assignments_label,
            submissions=subs,
        )
    unscored = ~np.isin(planned, scored)
    for j in np.unique(assigned[unscored, 0]).tolist():
        rows = unscored & (assigned[:, 0] == j)
        subs = [submissions[s].id for s in assigned[rows, 1].tolist()]
        log.warn(
            assignments_label,
            "assigned_not_scored",
            line=int(assigned_lines[rows].min()),
            field="submission",
            juror=jurors[j].id,
            count=len(subs),
            submissions=subs,
        )


def _check_assigned_conflicts(
    competition: Competition, label: str, lines: np.ndarray, log: ProblemLog
) -> None:
    """An assigned pair in conflict is a warning: its scores will be excluded anyway, so
    ranking goes on, but the sheets should not go out with it (``grantjury sheets`` refuses)."""
    assigned = competition.assignments if competition.assignments is not None else ()
    pairs = forbidden_pairs(competition, conflict_register(competition))
    for (j, s), line in zip(np.asarray(assigned).tolist(), lines.tolist(), strict=True):
        reasons = pairs.get((j, s))
        if not reasons:
            continue
        conflict, via = sorted(set(reasons))[0]
        submission = competition.submissions[s].id
        log.warn(
            label,
            "assigned_despite_conflict",
            line=int(line),
            field="juror",
            juror=competition.jurors[j].id,
            submission=submission,
            source=conflict.source,
            category=conflict.category,
            via=None if via == submission else via,
        )


def _check_rules(raw: RawCompetition, submissions: tuple, log: ProblemLog) -> None:
    """Selection and tie-break rules must fit the competition's rubrics and submissions."""
    spec = raw.spec
    label = raw.path.name
    for key in spec.method.tie_break:
        kind, _, criterion = key.partition(":")
        if kind != "criterion":
            continue
        # A rubric with its own chain does not use the competition's (its keys were checked
        # against its criteria when it was read).
        lacking = [
            d.id
            for d in spec.domains
            if d.id in raw.rubrics
            and raw.rubrics[d.id].tie_break is None
            and raw.rubrics[d.id].criterion_index(criterion) is None
        ]
        if lacking:
            log.error(
                label,
                f"tie-break key names a criterion that the rubric of "
                f"{', '.join(lacking)} does not have",
                field="method.tie_break",
                found=key,
                expected="criterion:ID with an ID of every domain's rubric",
            )
    selection = spec.selection
    budgeted = {d.id for d in spec.domains if d.budget is not None}
    if selection.budget is not None:
        budgeted = {d.id for d in spec.domains}
    missing = [s.id for s in submissions if s.domain in budgeted and s.requested_amount is None]
    if missing:
        shown = ", ".join(missing[:MAX_LISTED]) + (" …" if len(missing) > MAX_LISTED else "")
        log.error(
            raw.submissions_label or label,
            f"{len(missing)} submission(s) in a domain with a budget have no "
            f"requested_amount: {shown}",
            field="requested_amount",
            expected="an amount for every submission that competes for a budget",
        )
    bayes = spec.method.uncertainty == "bayes"
    if (
        selection.lottery is not None
        and selection.lottery.band == "interval"
        and (spec.method.draws if bayes else spec.method.replicates) == 0
    ):
        log.error(
            label,
            "a lottery with band: interval needs the stability analysis",
            field="selection.lottery.band",
            found="method.draws: 0" if bayes else "method.replicates: 0",
            expected=("draws" if bayes else "replicates") + " above 0, or a band in points",
        )
    for index, domain in enumerate(spec.domains):
        if domain.minimum > domain.winners:
            log.error(
                label,
                f"domain {domain.id} is guaranteed more places than it may have",
                field=f"domains.{index}.minimum",
                found=f"minimum {domain.minimum}, winners {domain.winners}",
                expected="a minimum at most the domain's winners (its maximum)",
            )
    guaranteed = sum(d.minimum for d in spec.domains)
    if (
        selection.mode == "overall"
        and selection.total_winners is not None
        and guaranteed > selection.total_winners
    ):
        log.error(
            label,
            "the domains' minimums add up to more places than the competition has",
            field="selection.total_winners",
            found=f"total_winners {selection.total_winners}, minimums adding up to {guaranteed}",
            expected="total_winners at least the sum of the domains' minimums, or smaller minimums",
        )
    with_budget = [d.id for d in spec.domains if d.budget is not None]
    if selection.mode == "overall" and with_budget:
        log.error(
            label,
            "a budget per domain would be ignored with selection mode overall",
            field="domains.budget",
            found=f"a budget on {listed(with_budget)}",
            expected="one selection.budget for the whole competition with mode overall, or "
            "mode per_domain to fund each domain from its own budget",
        )
    for submission in submissions:
        if not submission.eligible and not submission.reason:
            log.warn(
                raw.submissions_label or label,
                "ineligible_without_reason",
                field="reason",
                submission=submission.id,
            )


def _duplicates(values: list[str]) -> list[tuple[str, int]]:
    return sorted((v, n) for v, n in Counter(values).items() if n > 1)


def _check_near_duplicate_ids(places: dict[str, list], kind: str, log: ProblemLog) -> None:
    """Ids that differ only by case, or that look the same (a Cyrillic 'С' for a Latin 'C'),
    are almost always a typo: refuse them."""
    folded: dict[str, str] = {}
    looks: dict[str, str] = {}
    for ident in sorted(places):
        key = ident.casefold()
        label, line = places[ident][0]
        if key in folded:
            log.error(
                label,
                f"{kind} id differs from {folded[key]!r} only by upper/lower case",
                line=line,
                field="id",
                found=ident,
                expected="ids that differ in letters",
            )
            continue
        folded[key] = ident
        shape = skeleton(ident)
        if shape in looks:
            log.error(
                label,
                f"{kind} id looks the same as {looks[shape]!r} but is written with other "
                "characters",
                line=line,
                field="id",
                found=f"{ident} ({foreign_letters(ident, looks[shape])})",
                expected="ids that differ in letters (type them with the same keyboard layout)",
            )
        else:
            looks[shape] = ident


_LOOKALIKES = str.maketrans(
    "авеѕіјкмнорстухԁɡαβεζηικμνορτυχ",
    "abesijkmhopctyxdgabezhikmnoptyx",
)
"""Cyrillic and Greek letters (after case folding) that look like Latin ones."""


def skeleton(ident: str) -> str:
    """What an id looks like: compatibility-normalised, case-folded, look-alike letters
    (Cyrillic, Greek) replaced by the Latin ones they resemble (after Unicode's confusables,
    UTS #39, restricted to the letters of ids)."""
    return unicodedata.normalize("NFKC", ident).casefold().translate(_LOOKALIKES)


def foreign_letters(ident: str, other: str) -> str:
    """Name the characters that make ``ident`` differ from its look-alike ``other``."""
    differing = [c for c in ident + other if not c.isascii() and (c not in ident or c not in other)]
    named = [f"{c} is {unicodedata.name(c, f'U+{ord(c):04X}')}" for c in dict.fromkeys(differing)]
    if named:
        return ", ".join(named)
    return "upper/lower case aside" if ident.casefold() == other.casefold() else "another form"


def _suggest_in(value: str, known: set[str]) -> str:
    return suggestion(value, sorted(known)) if isinstance(known, set) else ""


def _validate_conflicts(
    table: CsvTable | None, known_jurors: set[str], known_submissions: set[str], log: ProblemLog
) -> tuple:
    if table is None:
        return ()
    declared = []
    seen: dict[tuple[str, str], int] = {}
    cols = table.columns
    # note_<lang> columns: the note in each language (the minutes print each beside its side)
    note_columns = sorted(name for name in table.header if name.startswith("note_"))
    for row in range(len(table)):
        line = int(table.lines[row])
        juror, submission, reason = cols["juror"][row], cols["submission"][row], cols["reason"][row]
        category, _, note = reason.partition(":")
        category = category.strip().lower()
        notes = {
            name.removeprefix("note_"): text.strip()
            for name in note_columns
            if (text := cols[name][row]).strip()
        }
        ok = True
        if juror not in known_jurors:
            log.error(
                table.label,
                "unknown juror",
                line=line,
                field="juror",
                found=juror or "''",
                expected="a juror id from the jurors file" + _suggest_in(juror, known_jurors),
            )
            ok = False
        if submission not in known_submissions:
            log.error(
                table.label,
                "unknown submission",
                line=line,
                field="submission",
                found=submission or "''",
                expected="a submission id" + _suggest_in(submission, known_submissions),
            )
            ok = False
        if category not in CONFLICT_CATEGORIES:
            log.error(
                table.label,
                "unknown conflict category",
                line=line,
                field="reason",
                found=repr(reason),
                expected=f"one of {', '.join(CONFLICT_CATEGORIES)}, "
                "optionally followed by ': a note'",
            )
            ok = False
        if (juror, submission) in seen:
            log.warn(
                table.label,
                "conflict_twice",
                line=line,
                found=f"{juror} / {submission}",
                expected=f"one line (first on line {seen[(juror, submission)]})",
            )
            continue
        seen[(juror, submission)] = line
        if ok:
            declared.append(
                DeclaredConflict(
                    juror, submission, category, tuple(sorted(notes.items())) or note.strip(), line
                )
            )
    return tuple(sorted(declared, key=lambda c: (c.juror, c.submission)))


def _code(factors: tuple[np.ndarray, np.ndarray], index: dict[str, int]) -> np.ndarray:
    """Integer code of each cell (-1 when unknown), via the column's distinct values
    (``CsvTable.factorize``): one dictionary look-up per distinct id, not per row."""
    uniques, inverse = factors
    if inverse.size == 0:
        return np.array([], dtype=np.int64)
    codes = np.array([index.get(u, -1) for u in uniques.tolist()], dtype=np.int64)
    return codes[inverse]


def _is_known(factors: tuple[np.ndarray, np.ndarray], known: set[str]) -> np.ndarray:
    """Whether each cell is a known id, via the column's distinct values."""
    uniques, inverse = factors
    if inverse.size == 0:
        return np.array([], dtype=bool)
    return np.array([u in known for u in uniques.tolist()], dtype=bool)[inverse]


def _report_rows(
    log: ProblemLog,
    table: CsvTable,
    mask: np.ndarray,
    message: str,
    field: str,
    found: np.ndarray,
    expected: str,
    ids: tuple | None = None,
) -> None:
    """Log each masked row; with ``ids`` (models with an ``id``), an unknown id that looks
    like a known one (another case or alphabet) is pointed out."""
    known = [item.id for item in ids] if ids else []
    twins = {skeleton(item): item for item in known}
    for row in np.flatnonzero(mask):
        value = str(found[row])
        log.error(
            table.label,
            message,
            line=int(table.lines[row]),
            field=field,
            found=repr(value) if value == "" or value != value.strip() else value,
            expected=expected + suggestion(value, known, twins),
        )


def suggestion(value: str, known: list[str], twins: dict[str, str] | None = None) -> str:
    """What an unknown id was probably meant to be, as the end of an ``expected`` text: the
    same id in another case ("did you mean CUL-20?"), one written with look-alike letters,
    or the closest id (``difflib``); empty when nothing is close."""
    twins = {skeleton(item): item for item in known} if twins is None else twins
    twin = twins.get(skeleton(value))
    if twin is not None and twin.casefold() == value.casefold():
        return f"; did you mean {twin}? (ids are case-sensitive)"
    if twin is not None:
        return f"; {twin} looks the same ({foreign_letters(value, twin)})"
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.75) if value else []
    return f"; did you mean {close[0]}?" if close else ""


def _validate_scores(
    raw,
    table: CsvTable,
    jurors,
    submissions,
    juror_index,
    submission_index,
    known_jurors,
    known_submissions,
    log: ProblemLog,
) -> ScoreTable:
    spec = raw.spec
    cols = table.columns
    juror = _code(table.factorize("juror"), juror_index)
    submission = _code(table.factorize("submission"), submission_index)
    unknown_juror = (juror < 0) & ~_is_known(table.factorize("juror"), known_jurors)
    _report_rows(
        log,
        table,
        unknown_juror,
        "unknown juror",
        "juror",
        cols["juror"],
        f"a juror id from {raw.jurors_label or 'the jurors file'}",
        jurors,
    )
    unknown_sub = (submission < 0) & ~_is_known(table.factorize("submission"), known_submissions)
    _report_rows(
        log,
        table,
        unknown_sub,
        "unknown submission",
        "submission",
        cols["submission"],
        "a submission id",
        submissions,
    )

    domain_order = {d.id: i for i, d in enumerate(spec.domains)}
    sub_domain = np.array(
        [domain_order.get(s.domain, -1) for s in submissions] + [-1], dtype=np.int64
    )
    row_domain = sub_domain[submission]  # -1 code picks the trailing -1
    crit_names, crit_inverse = table.factorize("criterion")
    crit_table = np.full((len(spec.domains) + 1, max(len(crit_names), 1)), -1, dtype=np.int64)
    for d, domain in enumerate(spec.domains):
        rubric = raw.rubrics.get(domain.id)
        if rubric is None:
            continue
        for u, name in enumerate(crit_names.tolist()):
            found = rubric.criterion_index(name)
            crit_table[d, u] = -1 if found is None else found
    criterion = crit_table[row_domain, crit_inverse] if len(table) else np.array([], np.int64)
    bad_crit = (criterion < 0) & (row_domain >= 0)
    for row in np.flatnonzero(bad_crit):
        domain = spec.domains[int(row_domain[row])]
        rubric = raw.rubrics.get(domain.id)
        if rubric is None:
            continue
        log.error(
            table.label,
            "unknown criterion",
            line=int(table.lines[row]),
            field="criterion",
            found=repr(str(cols["criterion"][row])),
            expected=f"one of {', '.join(c.id for c in rubric.criteria)} "
            f"(rubric of domain {domain.id})",
        )

    score_text = cols["score"]
    values_text, value_inverse = table.factorize("score")
    parsed = np.array(
        [
            np.nan if (v := parse_number(t, table.decimal_comma)) is None else v
            for t in values_text.tolist()
        ],
        dtype=np.float64,
    )
    score = parsed[value_inverse] if len(table) else np.array([], np.float64)
    score = np.where(score == 0, 0.0, score)  # -0 reads as 0
    not_number = np.isnan(score)
    _report_rows(
        log,
        table,
        not_number,
        "the score is not a number",
        "score",
        score_text,
        "a finite number such as 14 or 14.5" + (" or 14,5" if table.decimal_comma else ""),
    )

    valid = (juror >= 0) & (submission >= 0) & (criterion >= 0) & ~not_number
    _check_scales(raw, table, row_domain, criterion, score, valid, log)
    _check_panels(raw, table, jurors, juror, row_domain, valid, log)

    rows = np.flatnonzero(valid)
    order = rows[np.lexsort((criterion[rows], submission[rows], juror[rows]))]
    keys = np.stack([juror[order], submission[order], criterion[order]])
    same = np.all(keys[:, 1:] == keys[:, :-1], axis=0) if order.size > 1 else np.array([], bool)
    for k in np.flatnonzero(same):
        first, second = order[k], order[k + 1]
        log.error(
            table.label,
            "duplicate score row",
            line=int(table.lines[second]),
            found=f"{cols['juror'][second]} / {cols['submission'][second]} / "
            f"{cols['criterion'][second]} again",
            expected=f"one score per juror, submission and criterion "
            f"(first on line {int(table.lines[first])})",
        )
    return ScoreTable(
        juror[order].astype(np.int32),
        submission[order].astype(np.int32),
        criterion[order].astype(np.int16),
        score[order],
        table.lines[order],
    )


def _check_scales(raw, table, row_domain, criterion, score, valid, log: ProblemLog) -> None:
    """Scores must lie within each criterion's scale and on its step."""
    spec = raw.spec
    for d, domain in enumerate(spec.domains):
        rubric = raw.rubrics.get(domain.id)
        if rubric is None:
            continue
        for c, crit in enumerate(rubric.criteria):
            rows = np.flatnonzero(valid & (row_domain == d) & (criterion == c))
            if rows.size == 0:
                continue
            values = score[rows]
            scale = crit.scale
            bounds = f"between {scale.min:g} and {scale.max:g} ({crit.id} scale)"
            inside = scale.contains(values)
            for row in rows[~inside]:
                log.error(
                    table.label,
                    "score outside the scale",
                    line=int(table.lines[row]),
                    field="score",
                    found=f"{score[row]:g}",
                    expected=bounds,
                )
            if scale.step:
                off = ~scale.on_step(values[inside])
                for row in rows[inside][off]:
                    log.error(
                        table.label,
                        "score is not on the scale's step",
                        line=int(table.lines[row]),
                        field="score",
                        found=f"{score[row]:g}",
                        expected=f"a multiple of {scale.step:g} from {scale.min:g} "
                        f"({crit.id} scale)",
                    )


def _check_panels(raw, table, jurors, juror, row_domain, valid, log: ProblemLog) -> None:
    """A juror scoring outside their panel is allowed but worth a warning (one per pair)."""
    spec = raw.spec
    domain_ids = [d.id for d in spec.domains]
    n_domains = len(domain_ids)
    # allowed[j, d]: juror j may score in domain d (no panel means every domain).
    allowed = np.ones((len(jurors), n_domains), dtype=bool)
    for j_index, j in enumerate(jurors):
        if j.domains:
            allowed[j_index] = [d in j.domains for d in domain_ids]
    rows = np.flatnonzero(valid)
    rows = rows[~allowed[juror[rows], row_domain[rows]]]
    # One warning per juror and domain, at its first row; jurors in code order.
    _, first = np.unique(juror[rows] * n_domains + row_domain[rows], return_index=True)
    first = rows[first]
    for row in first[np.lexsort((first, juror[first]))].tolist():
        j, d = int(juror[row]), int(row_domain[row])
        log.warn(
            table.label,
            "scored_outside_panel",
            line=int(table.lines[row]),
            field="juror",
            juror=jurors[j].id,
            domain=domain_ids[d],
        )
