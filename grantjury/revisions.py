"""The consensus round: scores the jury revised at its meeting, checked and applied.

A jury scores independently first (``grantjury lock`` records that round), then meets; some
jurors change some scores after the discussion. Each change is one row of the revisions file
(``juror,submission,criterion,score,reason``), never an edit of the first-round scores, so
that both rounds can be computed by the same pipeline and what the discussion changed can be
measured (Teplitskiy et al. 2019 found that 47 % of reviewers moved towards the others'
scores once they saw them; Fogelholm et al. 2012 found that panel discussion did not make
the ranking more reliable).

A revision is accepted when the juror scored that criterion of that submission in the first
round, is in no conflict with it (declared or detected, ``conflict_scope`` applied), the new
score is on the criterion's scale and step, and a reason is given.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .conflicts import conflict_register, forbidden_pairs
from .errors import ProblemLog
from .loading import CsvTable
from .model import Competition, Revision
from .results import Deliberation, DomainDeliberation, RevisionRecord
from .validate import parse_number

HOW_TO_REVISE = (
    "record every score changed at the meeting in the revisions file, one row per criterion "
    "(juror,submission,criterion,score,reason), and leave the first-round scores as they are"
)


def check_revisions(table: CsvTable | None, competition: Competition, log: ProblemLog) -> tuple:
    """Validate the revisions file against the first-round scores; every problem is logged
    with its line, and only the rows without any problem are returned (as ``Revision``)."""
    if table is None:
        return ()
    label = table.label
    jurors = {j.id: i for i, j in enumerate(competition.jurors)}
    subs = {s.id: i for i, s in enumerate(competition.submissions)}
    pairs = forbidden_pairs(competition, conflict_register(competition))
    scores = competition.scores
    keys = _row_keys(competition, scores.juror, scores.submission, scores.criterion)
    seen: dict[tuple[int, int, int], int] = {}
    revisions = []
    cols = table.columns
    for k in range(len(table)):
        line = int(table.lines[k])
        juror_id, sub_id = str(cols["juror"][k]), str(cols["submission"][k])
        criterion_id, score_text = str(cols["criterion"][k]), str(cols["score"][k])
        reason = str(cols["reason"][k]).strip()
        ok = True
        if not reason:
            log.error(
                label,
                "a revision needs its reason",
                line=line,
                field="reason",
                found="an empty cell",
                expected="why the juror changed the score at the meeting, in a few words "
                "(it is printed in the jury minutes)",
            )
            ok = False
        j = jurors.get(juror_id)
        if j is None:
            log.error(
                label,
                "unknown juror",
                line=line,
                field="juror",
                found=repr(juror_id),
                expected=f"a juror of {competition.spec.jurors}",
            )
            ok = False
        s = subs.get(sub_id)
        if s is None:
            log.error(
                label,
                "unknown submission",
                line=line,
                field="submission",
                found=repr(sub_id),
                expected="the id of a submission of the competition",
            )
            continue
        submission = competition.submissions[s]
        rubric = competition.rubrics[submission.domain]
        c = rubric.criterion_index(criterion_id)
        if c is None:
            log.error(
                label,
                "unknown criterion",
                line=line,
                field="criterion",
                found=repr(criterion_id),
                expected=f"one of {', '.join(x.id for x in rubric.criteria)} "
                f"(rubric of domain {submission.domain})",
            )
            ok = False
        value = parse_number(score_text, table.decimal_comma)
        if value is None:
            log.error(
                label,
                "the score is not a number",
                line=line,
                field="score",
                found=repr(score_text),
                expected="a finite number such as 14 or 14.5"
                + (" or 14,5" if table.decimal_comma else ""),
            )
            ok = False
        elif c is not None:
            scale = rubric.criteria[c].scale
            if not (bool(scale.contains(value)) and bool(scale.on_step(value))):
                step = f" in steps of {scale.step:g}" if scale.step else ""
                log.error(
                    label,
                    "the score is not on the criterion's scale",
                    line=line,
                    field="score",
                    found=score_text,
                    expected=f"{scale.min:g} to {scale.max:g}{step} ({criterion_id})",
                )
                ok = False
        if j is None:
            continue
        conflicts = pairs.get((j, s))
        if conflicts:
            conflict, via = sorted(set(conflicts))[0]
            through = "" if via == sub_id else f", through {via} (conflict_scope: domain)"
            log.error(
                label,
                f"juror {juror_id} is in conflict with {sub_id} ({conflict.source}, "
                f"{conflict.category}{through}) and may not revise its scores",
                line=line,
                field="juror",
                found=juror_id,
                expected="a juror free of conflict with the submission: a conflicted juror "
                "leaves the room while it is discussed (see grantjury agenda)",
            )
            continue
        if c is None:
            continue
        row = _find_row(keys, _row_keys(competition, j, s, c))
        if row is None:
            scored = bool(np.any((scores.juror == j) & (scores.submission == s)))
            log.error(
                label,
                f"juror {juror_id} gave no first-round score for "
                + (f"criterion {criterion_id} of {sub_id}" if scored else sub_id),
                line=line,
                field="submission" if not scored else "criterion",
                found=f"{juror_id}, {sub_id}, {criterion_id}",
                expected="a score the juror gave in the first round "
                f"({competition.spec.scores}): only a juror who scored a submission may "
                "revise that score",
            )
            continue
        key = (j, s, c)
        if key in seen:
            log.error(
                label,
                "the same score is revised twice",
                line=line,
                found=f"{juror_id}, {sub_id}, {criterion_id}",
                expected=f"one row per juror, submission and criterion (first at line "
                f"{seen[key]}); keep the final revision only",
            )
            continue
        seen[key] = line
        if ok:
            assert value is not None
            revisions.append(
                Revision(j, s, c, row, float(scores.score[row]), float(value), reason, line)
            )
    return tuple(sorted(revisions, key=lambda r: (r.juror, r.submission, r.criterion)))


def _row_keys(competition: Competition, juror, submission, criterion) -> np.ndarray:
    """One integer per (juror, submission, criterion), increasing in the score table's order."""
    n_subs = max(len(competition.submissions), 1)
    n_crit = max((len(r.criteria) for r in competition.rubrics.values()), default=1)
    juror = np.asarray(juror, dtype=np.int64)
    return (juror * n_subs + np.asarray(submission, dtype=np.int64)) * n_crit + np.asarray(
        criterion, dtype=np.int64
    )


def _find_row(keys: np.ndarray, key: np.ndarray) -> int | None:
    """The score row with this key (rows are sorted by key), or None."""
    at = int(np.searchsorted(keys, key))
    return at if at < keys.size and keys[at] == key else None


def revised(competition: Competition) -> Competition:
    """The competition as the jury left the meeting: every revision applied to its scores."""
    if not competition.revisions:
        return competition
    score = competition.scores.score.copy()
    for revision in competition.revisions:
        score[revision.row] = revision.new
    scores = dataclasses.replace(competition.scores, score=score)
    return dataclasses.replace(competition, scores=scores)


def deliberation(
    competition: Competition,
    first_round: dict[str, list[str]],
    final: dict[str, list[str]],
) -> Deliberation:
    """What the meeting changed: every revision (old → new, reason) and, per domain, the
    first-round winners, the final winners and who came in and went out."""
    records = [
        RevisionRecord(
            juror=competition.jurors[r.juror].id,
            submission=competition.submissions[r.submission].id,
            domain=competition.submissions[r.submission].domain,
            criterion=competition.rubrics[competition.submissions[r.submission].domain]
            .criteria[r.criterion]
            .id,
            old=r.old,
            new=r.new,
            reason=r.reason,
            line=r.line,
        )
        for r in competition.revisions
    ]
    domains = []
    for domain in competition.domains:
        before, after = first_round.get(domain.id, []), final.get(domain.id, [])
        domains.append(
            DomainDeliberation(
                domain=domain.id,
                first_round_winners=list(before),
                final_winners=list(after),
                gained=sorted(set(after) - set(before)),
                lost=sorted(set(before) - set(after)),
            )
        )
    return Deliberation(
        revisions_file=competition.spec.revisions,
        revisions=records,
        domains=domains,
    )
