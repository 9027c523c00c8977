"""The engine's English catalog: every code of the results model, put into words.

Reasons, decisions, domain notes and warnings travel as codes with parameters
(``grantjury.results``); the terminal (summary, ``validate``, ``verify``) words them here, the
documents in each language in ``grantjury.documents.wording``. A test checks that every code the
model can hold has a sentence here and in every document language, and that each sentence
uses only the parameters its code has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

ENGLISH: dict[str, str] = {
    # reasons a submission cannot be selected
    "declared_ineligible": "declared not eligible{reason_part}",
    "threshold_not_met": "{criterion}: mean {mean:.2f}, needs {bound} {threshold:g}",
    "total_threshold_not_met": "sum of criterion means {total:.2f}, needs {bound} {threshold:g}",
    "too_few_jurors": "scored by {jurors} juror(s) without conflict, needs at least {min_jurors}",
    "documents_missing": "application file not admissible: missing {missing}",
    "governing_bodies_not_renewed": "application file not admissible: governing bodies not "
    "renewed within {term_years} years before {reference} (last renewal: {renewed_text})",
    "tied_to_elected_member": "association tied to elected member {member} (its {role}: "
    "{link_text}): organic law {law} on communes, art. {article}",
    # decisions
    "place_in_domain": "place {place} of {places} in the domain",
    "reserve": "reserve list, position {position}",
    "not_eligible": "not eligible",
    "not_selected": "not selected",
    "not_ranked": "not ranked",
    "over_budget": "does not fit the remaining envelope ({left:g} left, {needed:g} needed)",
    "above_lottery_band": "place {place} of {places}: above the lottery band",
    "drawn_by_lot": "drawn by lot inside the band around the funding line",
    "not_drawn": "in the lottery band, not drawn",
    "drawn_over_budget": "drawn by lot, but does not fit the remaining envelope",
    "domain_minimum": "among the {minimum} places guaranteed to domain {domain}",
    "overall_place": "overall place {place}{of_places}",
    "domain_full": "domain {domain} already has its maximum",
    # notes on a domain
    "short_of_winners": "only {named} of {wanted} winners can be named: {cause_text}",
    "unranked": "{submission} has no score from a juror without conflict: not ranked",
    "few_jurors": "{submissions}: scored by fewer than {min_jurors} jurors without conflict",
    "disconnected_jurors": (
        "the jurors form {count} groups that share no submission ({groups_text}): their "
        "severities cannot be compared across groups, so calibrated scores are comparable only "
        "within each group"
    ),
    # why the intraclass correlations are unavailable
    "few_items": "fewer than 2 submissions",
    "few_raters": "fewer than 2 jurors",
    "empty_cells": "not every juror scored every submission ({empty} of {cells} cells empty)",
    "no_variation": "every score is the same, so there is no variation to apportion",
    "degenerate": (
        "the submissions' mean scores differ too little for every ICC form to be defined"
    ),
    # warnings of a run
    "conflict_scored": (
        "juror {juror} scored {submission} despite a {source} conflict ({category}){via_part}: "
        "these scores are excluded"
    ),
    "incomplete_scores": (
        "juror {juror} did not score {missing} for {submission}: their other scores for it are "
        "set aside"
    ),
    "calibration_fallback": (
        "domain {domain}: {jurors} gave too few or identical totals to be calibrated ({method} "
        "needs {needs}); their totals are used as given"
    ),
    "not_converged": (
        "domain {domain}: the {method} fit stopped at its iteration limit before converging"
    ),
    "dominant_juror": (
        "domain {domain}: juror {juror} carries more than half of the weight of {submissions} "
        "(the other jurors' totals count for less; see grantjury explain)"
    ),
    "chains_disagree": (
        "domain {domain}: the Gibbs chains disagree (split R-hat {r_hat:.3f} above {limit}); "
        "raise method.burn_in and method.draws"
    ),
    "sensitivity_left_out": (
        "{methods} left out of the winners by method: {totals} totals, more than the {limit} "
        "up to which its fit is run for comparison; rank with --calibration {first} to see its "
        "winners"
    ),
    "leave_one_out_left_out": (
        "leave-one-juror-out left out: {jurors} jurors × {submissions} submissions is more "
        "than the {limit} up to which these selection rules are run again without each juror"
    ),
    "no_submissions": "there are no submissions yet",
    "few_submissions_for_prizes": (
        "domain {domain} has {submissions} submissions for {prizes} prizes: at most "
        "{submissions} winners can be named"
    ),
    "scores_to_come": (
        "the scores file {path} does not exist yet: grantjury collect writes it, grantjury rank "
        "needs it"
    ),
    "assignments_to_come": (
        "the assignments file {path} does not exist yet: grantjury assign writes it"
    ),
    "assignment_twice": "the same assignment appears twice",
    "assigned_outside_panel": (
        "juror {juror} is assigned {submission}, in domain {domain}, outside their panel ({panel})"
    ),
    "scores_not_assigned": (
        "juror {juror} has scores for {count} {submission_noun} not assigned to them in "
        "{assignments}: {submissions}"
    ),
    "assigned_not_scored": (
        "juror {juror} has no scores for {count} assigned {submission_noun}: {submissions}"
    ),
    "assigned_despite_conflict": (
        "juror {juror} is assigned {submission} despite a {source} conflict ({category}){via_part}"
        ": those scores would be excluded; run grantjury assign again before the sheets go out"
    ),
    "ineligible_without_reason": "{submission} is marked not eligible without a reason",
    "conflict_twice": "conflict declared twice",
    "scored_outside_panel": (
        "juror {juror} scored in domain {domain}, outside their panel; the scores are used"
    ),
}

MAX_LISTED = 5
"""Longest list of ids written out in one sentence; the rest are counted."""


def listed(values: Iterable[Any], limit: int = MAX_LISTED) -> str:
    """Ids joined by commas, the first ``limit`` of them and a count of the rest."""
    items = [str(v) for v in values]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def _derived(code: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as the English sentences use them: lists joined, optional parts worded."""
    values = {k: listed(v) if isinstance(v, list | tuple) else v for k, v in params.items()}
    direction = params.get("direction")
    values["bound"] = "at most" if direction == "lower" else "at least"
    renewed = params.get("renewed")
    values["renewed_text"] = renewed if renewed else "not given"
    values["link_text"] = {
        "self": "the member themself",
        "spouse": "the member's spouse",
        "ascendant": "an ascendant of the member",
        "descendant": "a descendant of the member",
    }.get(params.get("link") or "", "")
    reason = params.get("reason")
    if isinstance(reason, Mapping):  # one text per language: the terminal's English, or first
        reason = reason.get("en") or next(iter(reason.values()), None)
    values["reason_part"] = f": {reason}" if reason else ""
    via = params.get("via")
    values["via_part"] = f" (domain scope, via {via})" if via else ""
    places = params.get("places")
    values["of_places"] = f" of {places}" if places is not None else ""
    cause = params.get("cause")
    values["cause_text"] = (
        "the budget ran out" if cause == "budget" else "too few ranked and eligible submissions"
    )
    groups = params.get("groups") or []
    values["count"] = params.get("count", len(groups))
    values["submission_noun"] = "submission" if values["count"] == 1 else "submissions"
    values["groups_text"] = " ".join("{" + ", ".join(g) + "}" for g in groups)
    first = params.get("methods")
    values["first"] = first[0] if isinstance(first, list | tuple) and first else ""
    return values


def text(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The English sentence of ``code`` with its parameters; an unknown code is printed as it
    is, with its parameters, so that nothing is ever hidden."""
    params = dict(params or {})
    template = ENGLISH.get(code)
    if template is None:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
        return f"{code} ({shown})" if shown else code
    return template.format(**_derived(code, params))


def of(record: Any) -> str:
    """The English sentence of a coded record of the results model (reason, decision, note)."""
    data = record.model_dump() if hasattr(record, "model_dump") else dict(record)
    return text(data.pop("code"), data)
