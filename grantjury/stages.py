"""Two rounds: a written round that shortlists, and a final round at the forum.

A competition may declare ``stages``: the written round (the competition's own rubric,
jurors and scores) ranks each domain as usual and its selection rules name ``shortlist``
submissions per domain instead of the winners; the final round (the associations present
their projects in person) is scored on its own rubric, possibly by another jury, with its own
scores and assignments, and only the shortlisted submissions may be scored there. Each round
is calibrated on its own scores; conflicts (declared, and detected from the jurors'
affiliations) apply to both. The final ranking follows the declared rule:

- ``final_only``: the final round's scores alone;
- ``final_then_written``: the final round's, with the written round's calibrated score as
  the first tie-break key (``attribute:written_round_score``) before the rubric's own chain.

This module reads and checks the final round; ``pipeline.score`` runs both.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from .errors import ProblemLog
from .loading import CsvTable, load_stage
from .model import Competition, CompetitionFile, Method, Selection
from .results import DomainResults, Results, StageDomain, StagesRecord
from .validate import validate

WRITTEN_SCORE = "written_round_score"
"""The submission attribute that carries the written round's calibrated score into the final
round, for the ``final_then_written`` tie-break."""


def written_round(competition: Competition) -> Competition:
    """The written round as a competition whose selection names the shortlist: each domain's
    ``shortlist`` best eligible submissions, by the usual ranking, thresholds and lottery
    (budgets are for the final round's winners, not for the shortlist)."""
    stages = competition.spec.stages
    assert stages is not None
    size = stages.shortlist
    domains = tuple(
        d.model_copy(update={"winners": size, "budget": None, "reserve": 0, "minimum": 0})
        for d in competition.spec.domains
    )
    lottery = competition.spec.selection.lottery
    selection = Selection(reserve=0, lottery=lottery if lottery is not None else None)
    spec = competition.spec.model_copy(
        update={"stages": None, "domains": domains, "selection": selection}
    )
    return dataclasses.replace(competition, spec=spec)


def final_spec(spec: CompetitionFile) -> CompetitionFile:
    """The competition file as the final round reads it: its rubric for every domain, its
    jurors (default: the competition's), scores and assignments; no revisions, no stages."""
    stages = spec.stages
    assert stages is not None
    final = stages.final
    return spec.model_copy(
        update={
            "rubric": final.rubric,
            "domains": tuple(d.model_copy(update={"rubric": None}) for d in spec.domains),
            "jurors": final.jurors or spec.jurors,
            "scores": final.scores,
            "assignments": final.assignments,
            "revisions": None,
            "stages": None,
            "method": spec.method.model_copy(
                update={"tie_break": final_chain(spec.method.tie_break)}
            ),
        }
    )


def final_chain(chain: tuple[str, ...]) -> tuple[str, ...]:
    """The tie-break chain of the final round: the written rubric's criteria are not the final
    rubric's, so ``criterion:`` keys are left out (the final rubric may name its own in its
    ``tie_break``)."""
    return tuple(key for key in chain if not key.startswith("criterion:"))


def final_method(method: Method) -> Method:
    """The options of the final round: the run's, with the final tie-break chain."""
    return method.model_copy(update={"tie_break": final_chain(method.tie_break)})


def final_round(
    competition: Competition,
    written: Results,
    method: Method,
    log: ProblemLog,
    require_scores: bool = True,
) -> Competition | None:
    """The final round of a staged competition: the shortlisted submissions, scored on the
    final rubric; a final-round score of a submission that was not shortlisted is an error at
    its line. None when anything is wrong (logged)."""
    spec = competition.spec
    stages = spec.stages
    assert stages is not None
    shortlist = {d.id: list(d.winners) for d in written.domains}
    chosen = {s for ids in shortlist.values() for s in ids}
    before = len(log.errors)
    raw = load_stage(Path(competition.path), final_spec(spec), log)
    _final_keys(log, before, Path(competition.path).name)
    if raw.scores is not None:
        raw.scores = _only_shortlisted(
            raw.scores, chosen, shortlist, written, stages.shortlist, log
        )
    if raw.conflicts is not None:
        # Conflicts apply to both rounds, where the juror sits: the final round keeps those
        # of its own jurors with shortlisted submissions.
        jurors = {juror.id for juror, _ in raw.jurors}
        column_j, column_s = raw.conflicts.columns["juror"], raw.conflicts.columns["submission"]
        keep = np.array(
            [
                j in jurors and s in chosen
                for j, s in zip(column_j.tolist(), column_s.tolist(), strict=True)
            ],
            dtype=bool,
        )
        raw.conflicts = _rows(raw.conflicts, keep)
    if raw.assignments is not None:
        raw.assignments = _only_shortlisted(
            raw.assignments, chosen, shortlist, written, stages.shortlist, log
        )
    written_score = {
        e.submission: (e.score, domain.direction)
        for domain in written.domains
        for e in domain.ranking
    }
    kept = []
    for submission, label, lines in raw.submissions:
        if submission.id in chosen:
            score, _ = written_score[submission.id]
            attributes = {**submission.attributes, WRITTEN_SCORE: score}
            kept.append((submission.model_copy(update={"attributes": attributes}), label, lines))
    raw.submissions = kept
    final = validate(raw, log, require_scores=require_scores)
    if final is None:
        return None
    if stages.rule == "final_then_written":
        rubrics = {}
        for domain_id, rubric in final.rubrics.items():
            direction = next((d.direction for d in written.domains if d.id == domain_id), "higher")
            key = f"attribute:{WRITTEN_SCORE}:{direction}"
            chain = rubric.tie_break or final_chain(method.tie_break)
            rubrics[domain_id] = rubric.model_copy(update={"tie_break": (key, *chain)})
        final = dataclasses.replace(final, rubrics=rubrics)
    return final


FINAL_KEYS = {
    "rubric": "stages.final.rubric",
    "jurors": "stages.final.jurors",
    "scores": "stages.final.scores",
    "assignments": "stages.final.assignments",
}


def _final_keys(log: ProblemLog, start: int, comp_label: str) -> None:
    """Problems about the final round's files name the keys under ``stages.final`` where the
    competition file names them (they were read as the competition's own keys)."""
    for index in range(start, len(log.errors)):
        problem = log.errors[index]
        if problem.file == comp_label and problem.field in FINAL_KEYS:
            log.errors[index] = dataclasses.replace(problem, field=FINAL_KEYS[problem.field])


def _only_shortlisted(
    table: CsvTable,
    chosen: set[str],
    shortlist: dict[str, list[str]],
    written: Results,
    size: int,
    log: ProblemLog,
) -> CsvTable:
    """The rows of shortlisted submissions; every other known submission is an error, once
    per submission, at its first line (unknown ids are left for the validation to name)."""
    column = table.columns["submission"]
    known = {e.submission: (d, e) for d in written.domains for e in d.ranking}
    keep = np.ones(len(table), dtype=bool)
    reported = set()
    for row, sub_id in enumerate(column.tolist()):
        if sub_id in chosen or sub_id not in known:
            continue
        keep[row] = False
        if sub_id in reported:
            continue
        reported.add(sub_id)
        domain, entry = known[sub_id]
        rank = f"rank {entry.rank}" if entry.rank is not None else "not ranked"
        log.error(
            table.label,
            f"{sub_id} was not shortlisted ({rank} in the written round of domain {domain.id}): "
            "the final round scores only the shortlisted submissions",
            line=int(table.lines[row]),
            field="submission",
            found=sub_id,
            expected=f"one of the {size} shortlisted in {domain.id}: "
            f"{', '.join(shortlist.get(domain.id, [])) or 'none'}",
        )
    return _rows(table, keep)


def _rows(table: CsvTable, keep: np.ndarray) -> CsvTable:
    """The table with only the rows where ``keep`` is True."""
    if keep.all():
        return table
    return CsvTable(
        table.label,
        table.header,
        {name: values[keep] for name, values in table.columns.items()},
        table.lines[keep],
        table.decimal_comma,
    )


def stages_record(competition: Competition, written: Results) -> StagesRecord:
    """What the results say about the stages: the rule, the final round's files, and the
    written round's rankings (each domain's shortlist first)."""
    stages = competition.spec.stages
    assert stages is not None
    return StagesRecord(
        shortlist=stages.shortlist,
        rule=stages.rule,
        final_rubric=stages.final.rubric,
        final_jurors=stages.final.jurors,
        final_scores=stages.final.scores,
        written_rubrics=dict(written.rubrics),
        written=[_domain(d) for d in written.domains],
    )


def _domain(domain: DomainResults) -> StageDomain:
    return StageDomain(
        domain=domain.id,
        shortlist=list(domain.winners),
        too_close=list(domain.too_close),
        ranking=list(domain.ranking),
    )
