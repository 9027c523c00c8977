"""The short printed summary of a run: winners per domain and what a reader must know."""

from __future__ import annotations

from . import messages
from .figures import share_text, shown_figure
from .languages import pick
from .results import DomainResults, Entry, Results, SelectionReliability


def summary(results: Results) -> str:
    """Winners per domain (with the first runner-up), ties at the winning line, whether the
    calibration method or a single juror decides a winner (or carries most of a submission's
    weight), and what was set aside."""
    languages = results.competition.languages
    lang = "fr" if "fr" in languages else languages[0]
    options = results.options
    lines = [
        f"{pick(results.competition.title, lang) or results.competition.id} — "
        f"calibration {options.calibration}, aggregate {options.aggregate}, "
        f"seed {options.seed}"
    ]
    total_winners = 0
    for domain in results.domains:
        lines.append("")
        reliability = results.reliability.get(domain.id)
        agreement = reliability.krippendorff_alpha_interval if reliability else None
        lines.append(
            f"{pick(domain.name, lang) or domain.id} "
            f"({len(domain.winners)} of {domain.winners_wanted} winners"
            + (f"; juror agreement α = {_shown(agreement, '.2f')}" if agreement is not None else "")
            + ")"
        )
        lines.append(
            f"  {'rank':>4}  {'submission':<10} {'score':>7} {'raw':>7} {'jurors':>6} "
            f"{'p(win)':>6}  title"
        )
        for entry in domain.ranking:
            if (
                not entry.winner
                and (entry.rank is None or entry.rank > domain.winners_wanted + 1)
                and entry.submission not in domain.too_close
            ):
                continue
            title = pick(results.submissions[entry.submission].title, lang)
            mark = "*" if entry.winner else " "
            shown = "" if entry.p_selected is None else share_text(entry.p_selected)
            lines.append(
                f"{mark} {_shown(entry.rank, 'd'):>4}  {entry.submission:<10} "
                f"{_shown(entry.score, '.2f'):>7} {_shown(entry.raw_mean, '.2f'):>7} "
                f"{entry.n_jurors:>6} {shown:>6}  {_clip(title, 46)}"
                + ("" if entry.eligible else f"  (not eligible: {_why_not(entry)})")
            )
        total_winners += len(domain.winners)
        for tie in domain.ties:
            if tie.mattered:
                lines.append(
                    f"  tie at the winning line between {', '.join(tie.submissions)}, "
                    f"settled by {tie.settled_by}"
                )
        if domain.reserve:
            lines.append(f"  reserve list: {', '.join(domain.reserve)}")
        if domain.lottery:
            lottery = domain.lottery
            lines.append(
                f"  lottery among {', '.join(lottery.members)} for {lottery.places_drawn} "
                f"place(s): drawn {', '.join(lottery.drawn)} (seed {lottery.seed})"
            )
        if domain.too_close:
            lines.append(
                f"  too close to call (rank intervals overlap across the funding line): "
                f"{', '.join(domain.too_close)}"
            )
        if domain.selection_reliability:
            lines.append(f"  {_selection_line(domain.selection_reliability)}")
        lines.extend(_method_sensitivity(results, domain))
        lines.extend(
            f"  warning: {messages.text(w.code, w.params)}"
            for w in results.warnings
            if w.code == "dominant_juror" and w.params.get("domain") == domain.id
        )
        lines.extend(f"  note: {messages.of(note)}" for note in domain.warnings)
    deciding = [
        f"{j.id} ({', '.join(c.domain for c in j.leave_one_out.changes)})"
        for j in results.jurors
        if j.leave_one_out and j.leave_one_out.changes_winners
    ]
    lines.append("")
    if results.selection_reliability:
        lines.append(_selection_line(results.selection_reliability).capitalize() + ".")
    if deciding:
        lines.append(f"Without one of these jurors a winner would change: {', '.join(deciding)}.")
    if results.deliberation is not None:
        lines.append(deliberation_line(results) + ".")
    if results.stages is not None:
        lines.append(stages_line(results) + ".")
    exclusions = results.exclusions
    conflicts = sum(1 for e in exclusions if e.reason == "conflict")
    lines.append(
        f"{total_winners} winners (* above; the first runner-up is shown for comparison). "
        f"{len(exclusions)} score sets excluded ({conflicts} for conflicts, "
        f"{len(exclusions) - conflicts} incomplete), "
        f"{len(results.warnings)} warnings (listed in results.json)."
    )
    return "\n".join(lines)


def deliberation_line(results: Results) -> str:
    """What the jury's meeting changed, in one line ("discussion changed 1 winner: SOC-07
    in, SOC-12 out")."""
    record = results.deliberation
    assert record is not None
    count = len(record.revisions)
    revisions = f"{count} revised score{'s' if count != 1 else ''}"
    gained, lost = record.gained, record.lost
    if not gained and not lost:
        return f"Discussion changed no winner ({revisions})"
    changed = max(len(gained), len(lost))
    parts = [f"{s} in" for s in gained] + [f"{s} out" for s in lost]
    return (
        f"Discussion changed {changed} winner{'s' if changed != 1 else ''}: "
        f"{', '.join(parts)} ({revisions})"
    )


STAGE_RULE_TEXT = {
    "final_only": "the final round's scores only",
    "final_then_written": "the final round's scores, the written round's as first tie-break",
}


def stages_line(results: Results) -> str:
    """The two rounds in one line: who the written round shortlisted, how the final ranks."""
    record = results.stages
    assert record is not None
    shortlists = "; ".join(f"{d.domain} {', '.join(d.shortlist)}" for d in record.written)
    return (
        f"Two rounds: the written round shortlisted up to {record.shortlist} per domain "
        f"({shortlists}); the ranking above is the final round's "
        f"({STAGE_RULE_TEXT[record.rule]})"
    )


def _method_sensitivity(results: Results, domain: DomainResults) -> list[str]:
    """Say plainly when another calibration method would name other winners."""
    chosen = set(domain.winners)
    by_method = results.winners_by_method.get(domain.id, {})
    differing = []
    for method, winners in sorted(by_method.items()):
        if set(winners) != chosen:
            swap = ", ".join(sorted(set(winners) - chosen))
            out = ", ".join(sorted(chosen - set(winners)))
            differing.append(f"{method} would name {swap} instead of {out}")
    if not differing:
        return [] if not by_method else ["  every calibration method names the same winners"]
    return [f"  the method matters here: {'; '.join(differing)}"]


def _selection_line(figures: SelectionReliability) -> str:
    """How many winners a noise-free jury would also pick, in one line."""
    estimate, low, high = figures.expected_true_winners
    return (
        f"about {round(estimate)} of the {figures.selected} winners would also be picked by a "
        f"noise-free jury ({_shown(estimate, '.1f')}; {share_text(figures.interval)} interval "
        f"{_shown(low, '.1f')}–{_shown(high, '.1f')})"
    )


def _shown(value: float | int | None, form: str) -> str:
    """A figure in the console: ``.2f`` rounds from the published value (``shown_figure``)."""
    if value is None:
        return "—"
    if form.startswith(".") and form.endswith("f"):
        return format(shown_figure(float(value), int(form[1:-1])), form)
    return format(value, form)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _why_not(entry: Entry) -> str:
    """The reasons an entry cannot be selected, in one short English phrase."""
    return "; ".join(messages.of(reason) for reason in entry.ineligible_reasons) or "see results"
