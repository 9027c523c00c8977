"""The words of the jury minutes, the audit report and the feedback letters, in each language.

Codes of results.json (calibration methods, conflict categories, decisions, tie-break keys,
ineligibility reasons) become sentences here. Every function returns escaped HTML (`Markup`):
figures and dates are wrapped left-to-right so that an Arabic sentence cannot reorder them,
and untrusted text (names, notes, identifiers) is sanitised and isolated. A language without
words here is printed with the English ones; a code grantjury does not know is printed as it
is, so that nothing is ever hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from grantjury import catalogs, messages
from grantjury.documents import record
from grantjury.documents.safety import (
    MAX_ID,
    MAX_NAME,
    MAX_NOTE,
    MAX_TITLE,
    date_filter,
    format_decimal,
    format_number,
    isolate,
    ltr,
    sanitize_text,
)
from grantjury.figures import shown_share
from grantjury.languages import direction as language_direction
from grantjury.languages import pick
from grantjury.model import Criterion
from grantjury.results import (
    WINNING_DECISIONS,
    ConflictExclusion,
    ConflictRecord,
    DeclaredIneligible,
    DisconnectedJurors,
    DocumentsMissing,
    DomainNote,
    DomainResults,
    Entry,
    Exclusion,
    FewJurors,
    GoverningBodiesNotRenewed,
    IccUnavailable,
    LotStep,
    Notice,
    Reason,
    RequiredDocument,
    Results,
    SelectionReliability,
    ShortOfWinners,
    Stability,
    ThresholdNotMet,
    Tie,
    TiedToElectedMember,
    TooFewJurors,
    Unranked,
)

FAMILIES = (
    "reason",
    "bound",
    "decision",
    "short_decision",
    "domain_note",
    "cause",
    "icc_unavailable",
    "notice",
    "too_close_rule",
    "stability_method",
    "stability_calibration",
)
"""Every family of codes of the results model worded in the catalogs, as the prefix of its
message ids (``decision.reserve``, ``notice.conflict_scored``). Every reason, decision,
domain note, warning and ICC-unavailable reason of the results model is a code with typed
parameters (grantjury.results); each family has a sentence per code in every catalog
(``grantjury/locale/<lang>/LC_MESSAGES/grantjury.po``). A test walks the model's codes and
formats every sentence in every language."""

ORDINALS_WORDED = 10
"""Prizes worded in full (``Premier prix``…``Dixième prix``); figures beyond."""


def ordinal(position: int, lang: str) -> str:
    """`Premier prix`, `الجائزة الأولى`, `Third prize`; figures beyond the tenth."""
    if 1 <= position <= ORDINALS_WORDED:
        return catalogs.gettext_(lang, f"ordinal.{position}")
    return catalogs.gettext_(lang, "ordinal.other").format(position=position)


def words_for(lang: str) -> dict[str, str]:
    """The record documents' words (``doc.*`` of the catalog) in `lang`, by key."""
    return {m[4:]: catalogs.gettext_(lang, m) for m in catalogs.msgids(lang, "doc.")}


def family_text(family: str, code_: str, lang: str) -> str | None:
    """The sentence of the code `code_` of `family` in `lang`; None when grantjury has none."""
    msgid = f"{family}.{code_}"
    return catalogs.gettext_(lang, msgid) if catalogs.has(lang, msgid) else None


def _family(family: str, code_: str, lang: str, values: Mapping[str, Any]) -> Markup:
    """The sentence of a known code with `values` filled in, in the plural form they ask."""
    msgid = f"{family}.{code_}"
    return fill(catalogs.message(lang, msgid, dict(values)), lang, values)


# --- building blocks: figures, codes, sentences ----------------------------------------------


def say(lang: str, key: str, **values: Any) -> Markup:
    """The sentence ``doc.<key>`` of the catalog in `lang` with `values` filled in (see
    `fill`); a plural message takes the form its counting parameter (an int) asks."""
    return fill(catalogs.message(lang, f"doc.{key}", values), lang, values)


def fill(template: str, lang: str, values: Mapping[str, Any]) -> Markup:
    """A sentence of grantjury's with `values` filled in.

    Plain strings are untrusted: sanitised, capped, isolated and escaped. `Markup` values
    (figures wrapped left-to-right, already escaped phrases) go in as they are; numbers as
    figures.
    """
    return Markup(template).format(**{name: _value(value, lang) for name, value in values.items()})


def _value(value: Any, lang: str) -> Any:
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool) or value is None:
        return escape(str(value))
    if isinstance(value, int):
        return ltr(str(value))
    if isinstance(value, float):
        return ltr(format_number(value, lang))
    return escape(isolate(sanitize_text(value, MAX_TITLE)))


def word(key: str, lang: str) -> str:
    """One label (``doc.<key>`` of the catalog) in `lang`."""
    return catalogs.gettext_(lang, f"doc.{key}")


def fixed(value: float | None, lang: str, digits: int = 2) -> Markup:
    """A score with `digits` decimals, left-to-right; a dash when there is none."""
    return Markup("—") if value is None else ltr(format_decimal(value, lang, digits))


def percent(value: float | None, lang: str) -> Markup:
    """A probability as a whole percentage (`77 %`, `moins de 1 %`), figures left-to-right.

    Words, not `<` or `>`: inside Arabic the renderer mirrors a comparison sign even in a
    left-to-right span, so `> 99%` would print as `< 99%`.
    """
    if value is None:
        return Markup("—")
    space = "\u202f" if lang == "fr" else ""
    shown = shown_share(value)
    figure = ltr(f"{shown.percent}{space}%")
    return figure if shown.bound == "exact" else say(lang, shown.bound, p=figure)


def money(value: float | None, currency: str, lang: str) -> Markup:
    """An amount with its currency: `39 000 MAD`, `39 000 درهم`."""
    if value is None:
        return Markup("—")
    currency = sanitize_text(currency, 20)
    unit = family_text("currency", currency, lang) or currency
    figures = ltr(format_number(value, lang))
    if not unit:
        return figures
    if language_direction(lang) == "rtl" and unit == currency:
        return Markup("%s %s") % (figures, ltr(unit))
    return Markup("%s\u00a0%s") % (figures, unit)


def code(value: Any) -> Markup:
    """An identifier (submission, juror, file), left-to-right, capped and isolated."""
    return Markup('<span dir="ltr" class="code">%s</span>') % isolate(sanitize_text(value, MAX_ID))


def command(text: str) -> Markup:
    """A shell command, left-to-right, kept on one line."""
    return Markup('<span dir="ltr" class="code nowrap">%s</span>') % isolate(sanitize_text(text))


def codes(values: Iterable[Any], lang: str) -> Markup:
    """Identifiers joined by the language's list separator."""
    return Markup(escape(word("list_sep", lang))).join(code(v) for v in values) or Markup("—")


def note(text: str | None) -> Markup:
    """Free text typed by a person (a juror's note, a declared reason): capped, isolated."""
    return escape(isolate(sanitize_text(text, MAX_NOTE))) if text else Markup("—")


def _known(prefix: str, value: str, lang: str) -> str | None:
    msgid = f"doc.{prefix}_{value}"
    return catalogs.gettext_(lang, msgid) if catalogs.has(lang, msgid) else None


def category(value: str, lang: str) -> str:
    """A conflict category in `lang` (as written in the register when grantjury lacks it)."""
    return _known("cat", value, lang) or sanitize_text(value, MAX_ID)


def source(value: str, lang: str) -> str:
    """`declared` / `detected` in `lang`."""
    return _known("src", value, lang) or sanitize_text(value, MAX_ID)


def conflict_note(conflict: ConflictRecord, lang: str, results: Results | None = None) -> Markup:
    """A register note: a detected conflict is worded from its association (named in `lang`
    when `results` has it), a juror's own words are kept as they are."""
    if conflict.source == "detected" and conflict.association:
        name = association(conflict.association, results, lang)
        key = "member_of" if name == code(conflict.association) else "member_of_named"
        return say(lang, key, association=name)
    return note(pick(conflict.note, lang) if conflict.note else None)


def association(association_id: str, results: Results | None, lang: str) -> Markup:
    """An association by its name in `lang` when a submission of `results` gives it (the
    results hold the names of the associations that applied), else by its id."""
    if results is not None:
        for filed in results.submissions.values():
            if filed.association.id == association_id and filed.association.name:
                name = sanitize_text(pick(filed.association.name, lang), MAX_NAME)
                return escape(isolate(name))
    return code(association_id)


def associations(ids: Iterable[str], results: Results | None, lang: str) -> Markup:
    """Associations by name (see `association`), separated by the language's list separator."""
    parts = [association(i, results, lang) for i in ids]
    return Markup(escape(word("list_sep", lang))).join(parts) or Markup("—")


def criterion_name(criteria: Sequence[Criterion], criterion_id: str, lang: str) -> str:
    """A criterion's name in `lang` from the rubric's criteria, else its id."""
    for criterion in criteria:
        if criterion.id == criterion_id:
            return sanitize_text(pick(criterion.name, lang), MAX_NAME)
    return sanitize_text(criterion_id, MAX_ID)


def exclusion_reason(exclusion: Exclusion, results: Results, lang: str) -> Markup:
    """Why a juror's scores for a submission were set aside."""
    if isinstance(exclusion, ConflictExclusion):
        detail = [category(exclusion.category, lang), source(exclusion.source, lang)]
        details = word("list_sep", lang).join(d for d in detail if d)
        text = say(lang, "reason_conflict") + Markup(" (%s)") % details
        if exclusion.via and exclusion.via != exclusion.submission:
            text += Markup(" ") + say(lang, "via", via=code(exclusion.via))
        return text
    filed = results.submissions.get(exclusion.submission)
    rubric = record.criteria(results, filed.domain) if filed is not None else ()
    names = word("list_sep", lang).join(criterion_name(rubric, c, lang) for c in exclusion.missing)
    return say(lang, "reason_incomplete") + Markup(" — ") + say(lang, "missing", names=names)


def _params(record_: Any) -> dict[str, Any]:
    data = record_.model_dump()
    data.pop("code", None)
    return data


def decision(
    domain: DomainResults, entry: Entry, lang: str, short: bool = False, currency: str = ""
) -> Markup:
    """The rule that placed a submission (`Entry.decision`), in `lang`.

    `short` is the form of the ranking tables: a winner's prize (`Premier prix`), `En
    attente, n° 1`. The prize is the submission's place among its domain's winners; amounts
    are printed in `currency`.
    """
    code_ = entry.decision.code
    values = _params(entry.decision)
    if entry.submission in domain.winners:
        prize = ordinal(domain.winners.index(entry.submission) + 1, lang)
    else:
        prize = ordinal(int(values.get("place") or 1), lang)
    if short and code_ in WINNING_DECISIONS and code_ != "drawn_by_lot":
        return escape(prize)
    values["prize"] = prize
    for name in ("left", "needed"):
        if name in values:
            values[name] = money(values[name], currency, lang)
    template = (family_text("short_decision", code_, lang) if short else None) or family_text(
        "decision", code_, lang
    )
    if template is None:
        return code(code_)
    return fill(template, lang, values)


MOTIVATION_KEYS = (
    "label",
    "ineligible",
    "rank",
    "reserve",
    "lot",
    "budget",
    "not_ranked",
    "law",
    "appeal",
)
"""The grounds an unfavourable decision states in a letter, under a rule pack (law 03-01):
``motivation.<key>`` in each catalog."""


def motivation_label(lang: str) -> str:
    """The heading of a letter's grounds."""
    return catalogs.gettext_(lang, "motivation.label")


def motivation(results: Results, domain: DomainResults, entry: Entry, lang: str) -> list[Markup]:
    """The grounds of an unfavourable decision, in fact and in law (law 03-01, art. 1): the
    rule that decided it with its figures, the law, and the way and deadline of appeal the
    competition sets. Empty for a winner and without a rule pack."""
    if results.rules is None or entry.winner:
        return []
    words = {key: catalogs.gettext_(lang, f"motivation.{key}") for key in MOTIVATION_KEYS}
    decided = entry.decision
    ranked = sum(1 for e in domain.ranking if e.rank is not None)
    values: dict[str, Any] = {
        "rank": entry.rank or 0,
        "ranked": ranked,
        "places": domain.winners_wanted,
    }
    if not entry.eligible:
        key = "ineligible"
    elif decided.code == "reserve":
        key, values["position"] = "reserve", decided.position  # type: ignore[union-attr]
    elif decided.code == "not_drawn":
        key = "lot"
        values["seed"] = domain.lottery.seed if domain.lottery else results.options.seed
    elif decided.code in ("over_budget", "drawn_over_budget"):
        key = "budget"
    elif decided.code == "not_ranked" or entry.rank is None:
        key = "not_ranked"
    else:
        key = "rank"
    lines = [fill(words[key], lang, values), fill(words["law"], lang, {})]
    appeal = results.rules.appeal
    if appeal is not None:
        lines.append(
            fill(
                words["appeal"], lang, {"way": pick(appeal.way, lang), "days": appeal.deadline_days}
            )
        )
    return lines


def rank_range(interval: tuple[int, int] | None) -> Markup:
    """A rank interval, `2–4`, or one rank when both ends agree; a dash when unknown."""
    if interval is None:
        return Markup("—")
    low, high = interval
    return ltr(str(low) if low == high else f"{low}–{high}")


def outcome(domain: DomainResults, entry: Entry) -> str:
    """A CSS class for the decision: `winner`, `reserve`, `ineligible` or `other`."""
    if entry.winner:
        return "winner"
    if entry.decision.code == "reserve":
        return "reserve"
    if not entry.eligible:
        return "ineligible"
    return "other"


def ineligibility(
    reason: Reason,
    criteria: Sequence[Criterion],
    lang: str,
    documents: Sequence[RequiredDocument] = (),
) -> Markup:
    """One reason a submission cannot be selected (`Entry.ineligible_reasons`), in `lang`;
    `documents` names the documents of a rule pack's call (`Results.rules.documents`)."""
    values: dict[str, Any] = {}
    if isinstance(reason, DocumentsMissing):
        names = {d.id: d.name for d in documents}
        separator = "، " if language_direction(lang) == "rtl" else ", "
        values["missing"] = escape(separator).join(
            escape(pick(names[m], lang)) if m in names else code(m) for m in reason.missing
        )
        return _family("reason", reason.code, lang, values)
    if isinstance(reason, GoverningBodiesNotRenewed):
        values["term_years"] = reason.term_years
        values["reference"] = date_filter(reason.reference, lang)
        values["renewed"] = date_filter(reason.renewed, lang) if reason.renewed else Markup("—")
        return _family("reason", reason.code, lang, values)
    if isinstance(reason, TiedToElectedMember):
        values["role"] = (
            catalogs.gettext_(lang, f"role.{reason.role}")
            if catalogs.has(lang, f"role.{reason.role}")
            else reason.role
        )
        values["link"] = catalogs.gettext_(lang, f"tie.{reason.link}")
        values["member"] = code(reason.member)
        values["law"] = ltr(reason.law)
        values["article"] = ltr(reason.article)
        return _family("reason", reason.code, lang, values)
    if isinstance(reason, DeclaredIneligible):
        values["reason_part"] = (
            escape(word("colon", lang)) + note(pick(reason.reason, lang))
            if reason.reason
            else Markup("")
        )
    elif isinstance(reason, TooFewJurors):
        values = {"jurors": reason.jurors, "min_jurors": reason.min_jurors}  # figures, plural
        return _family("reason", reason.code, lang, values)
    elif isinstance(reason, ThresholdNotMet):
        values["criterion"] = criterion_name(criteria, reason.criterion, lang)
        values["mean"] = ltr(format_decimal(reason.mean, lang))
    else:
        values["total"] = ltr(format_decimal(reason.total, lang))
    if not isinstance(reason, DeclaredIneligible):
        values["threshold"] = ltr(format_number(reason.threshold, lang))
        values["bound"] = catalogs.gettext_(lang, f"bound.{reason.direction}")
    return _family("reason", reason.code, lang, values)


def domain_note(item: DomainNote, lang: str) -> Markup:
    """A note on a domain (`DomainResults.warnings`), in `lang`."""
    values: dict[str, Any] = {}
    if isinstance(item, ShortOfWinners):
        values = {
            "named": item.named,
            "wanted": item.wanted,
            "cause_text": catalogs.gettext_(lang, f"cause.{item.cause}"),
        }
    elif isinstance(item, Unranked):
        values = {"submission": code(item.submission)}
    elif isinstance(item, FewJurors):
        values = {"submissions": codes(item.submissions, lang), "min_jurors": item.min_jurors}
    elif isinstance(item, DisconnectedJurors):
        values = {
            "count": len(item.groups),
            "groups_text": Markup(" ").join(
                Markup("{%s}") % codes(group, lang) for group in item.groups
            ),
        }
    return _family("domain_note", item.code, lang, values)


def notice(item: Notice, lang: str, results: Results | None = None) -> Markup:
    """A warning of the run (`Results.warnings`), in `lang`, after the file it concerns.

    English uses the engine's own catalog (`grantjury.messages`). A code grantjury has no
    sentence for is printed as it is, with its parameters, so that nothing is ever hidden.
    With `results`, criteria not scored are named from the submission's rubric.
    """
    where = code(item.file) + escape(word("colon", lang))
    params = dict(item.params)
    if not catalogs.has(lang, f"notice.{item.code}"):
        if item.code == "message":  # a warning the engine has no code for: its own words
            return where + note(str(params.get("text", "")))
        return where + note(messages.text(item.code, params))
    values: dict[str, Any] = {}
    filed = results.submissions.get(str(params.get("submission"))) if results else None
    for name, value in params.items():
        if name == "missing" and isinstance(value, list) and filed is not None:
            rubric = record.criteria(results, filed.domain)
            values[name] = word("list_sep", lang).join(
                criterion_name(rubric, str(c), lang) for c in value
            )
        elif isinstance(value, list):
            values[name] = codes((", ".join(v) if isinstance(v, list) else v for v in value), lang)
        elif name == "source" and isinstance(value, str):
            values[name] = source(value, lang)
        elif name == "category" and isinstance(value, str):
            values[name] = category(value, lang)
        elif isinstance(value, str):
            values[name] = code(value)
        elif isinstance(value, float) and not value.is_integer():
            values[name] = fixed(value, lang, 3)
        else:
            values[name] = value
    via = params.get("via")
    values["via_part"] = (
        fill(catalogs.gettext_(lang, "notice.via_part"), lang, {"via": code(via)})
        if via
        else Markup("")
    )
    methods = params.get("methods")
    values["first"] = code(methods[0]) if isinstance(methods, list) and methods else Markup("")
    return where + _family("notice", item.code, lang, values)


def unavailable(why: IccUnavailable | None, lang: str) -> Markup:
    """Why the intraclass correlations could not be computed, in `lang`."""
    if why is None:
        reason = say(lang, "not_recorded")
    else:
        reason = _family(
            "icc_unavailable", why.code, lang, {"empty": why.empty, "cells": why.cells}
        )
    return say(lang, "unavailable", why=reason)


def resamples(stability: Stability, lang: str) -> Markup:
    """`1 000 rééchantillonnages du jury`, `2 000 tirages a posteriori…` (`Stability.method`)."""
    msgid = f"stability_method.{stability.method}"
    template = catalogs.ngettext_(lang, msgid, stability.replicates)
    return fill(template, lang, {"n": fixed(float(stability.replicates), lang, 0)})


def too_close_rule(stability: Stability, lang: str) -> Markup:
    """The engine's rule for the too-close-to-call list, with its interval, in `lang`."""
    return _family(
        "too_close_rule",
        stability.too_close_rule,
        lang,
        {"interval": percent(stability.interval, lang), "resamples": resamples(stability, lang)},
    )


def selection_sentence(figures: SelectionReliability | None, lang: str) -> Markup:
    """How many winners a noise-free jury would also pick, with its interval, in `lang`."""
    if figures is None:
        return say(lang, "not_recorded")
    estimate, low, high = figures.expected_true_winners
    return say(
        lang,
        "selection_sentence",
        selected=fixed(figures.selected, lang, 0),
        estimate=fixed(estimate, lang, 1),
        low=fixed(low, lang, 1),
        high=fixed(high, lang, 1),
        interval=percent(figures.interval, lang),
    )


def selection_note(figures: SelectionReliability | None, lang: str) -> Markup:
    """What the selection reliability rests on: the scores' reliability and the model."""
    if figures is None or figures.reliability is None:
        return Markup("")
    return say(
        lang,
        "selection_note",
        reliability=fixed(figures.reliability[0], lang, 2),
        jurors=fixed(figures.jurors_per_submission, lang, 1),
    )


def stability_calibration(value: str, lang: str) -> str:
    """How the bootstrap treated the calibration (`reweighted`, `refitted`), in `lang`."""
    return family_text("stability_calibration", value, lang) or sanitize_text(value, MAX_ID)


def tie_key(key: str, criteria: Sequence[Criterion], lang: str) -> str:
    """A tie-break key in words: `moyenne brute`, `moyenne calibrée du critère « Impact »`,
    `montant demandé le plus faible`, `attribut women_led égal à true`; an unknown key as
    it is."""
    known = _known("val", key, lang)
    if known is not None:
        return known
    kind, _, rest = key.partition(":")
    if kind == "criterion" and rest:
        return word("key_criterion", lang).format(criterion=criterion_name(criteria, rest, lang))
    if kind == "requested_amount" and rest in ("higher", "lower"):
        return word(f"key_requested_amount_{rest}", lang)
    if kind == "attribute" and rest:
        if "=" in rest:
            name, _, target = rest.partition("=")
            return word("key_attribute_is", lang).format(
                attribute=sanitize_text(name, MAX_ID), value=sanitize_text(target, MAX_ID)
            )
        name, _, direction = rest.rpartition(":")
        if direction in ("higher", "lower") and name:
            return word(f"key_attribute_{direction}", lang).format(
                attribute=sanitize_text(name, MAX_ID)
            )
    return sanitize_text(key, MAX_ID)


def _all_criteria(results: Results) -> tuple[Criterion, ...]:
    """Every criterion of the run's rubrics, first rubric first (to name a tie-break key)."""
    found: dict[str, Criterion] = {}
    for domain in results.domains:
        for criterion in record.criteria(results, domain.id):
            found.setdefault(criterion.id, criterion)
    return tuple(found.values())


_NOT_GROUPED = frozenset({"seed"})
"""Whole-number options printed as they are: a seed is an identifier, not a quantity."""
_AMOUNTS = frozenset({"budget", "cap"})


def option_value(
    key: str,
    value: Any,
    lang: str,
    criteria: Sequence[Criterion] = (),
    currency: str = "",
) -> str:
    """An option's value in words (`z-score : …`, `moyenne brute, puis tirage au sort`);
    quantities as figures of `lang` (`1 000`), amounts with their currency."""
    if isinstance(value, list | tuple):
        return word("then" if key == "tie_break" else "list_sep", lang).join(
            option_value(key, v, lang, criteria, currency) for v in value
        ) or word("val_none", lang)
    if key == "tie_break" and isinstance(value, str):
        return tie_key(value, criteria, lang)
    if value is None:
        return word("val_none", lang)
    if isinstance(value, bool):
        return word("val_yes" if value else "val_no", lang)
    if isinstance(value, str):
        return _known("val", value, lang) or sanitize_text(value, 120)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dict):
        return "; ".join(
            f"{k}: {option_value(k, v, lang, criteria, currency)}" for k, v in sorted(value.items())
        )
    if isinstance(value, int | float) and key not in _NOT_GROUPED:
        figures = format_number(float(value), lang)
        unit = (family_text("currency", currency, lang) or currency) if currency else ""
        return f"{figures}\u00a0{sanitize_text(unit, 20)}" if key in _AMOUNTS and unit else figures
    return str(value)


OPTION_ORDER = (
    "calibration",
    "aggregate",
    "min_jurors",
    "tie_break",
    "seed",
    "uncertainty",
    "replicates",
    "refit",
    "burn_in",
    "draws",
    "conflict_scope",
    "mode",
    "total_winners",
    "reserve",
    "budget",
    "budget_rule",
    "cap",
    "lottery",
)
"""Options in the order the minutes explain them; others follow in alphabetical order."""

_SHOWN_WHEN_NONE = frozenset({"budget", "lottery"})
_BAYES_ONLY = frozenset({"burn_in", "draws"})
_BOOTSTRAP_ONLY = frozenset({"replicates", "refit"})


def option_rows(results: Results, lang: str) -> list[tuple[str, str]]:
    """(label, value) of the options and selection rules that applied, in words.

    An option left unset is not listed (a budget or lottery says `aucun`), nor is the budget
    rule when no budget applied, nor an option of the uncertainty method not used. With a
    bootstrap, `refit` is worded from what the stability analysis did in each domain.
    """
    values = record.option_values(results)
    values["conflict_scope"] = results.competition.conflict_scope
    budgeted = values.get("budget") is not None or any(d.budget for d in results.domains)
    bayes = values.get("uncertainty") == "bayes"
    rank = {key: i for i, key in enumerate(OPTION_ORDER)}
    criteria = _all_criteria(results)
    rows: list[tuple[str, str]] = []
    for key in sorted(values, key=lambda k: (rank.get(k, len(rank)), k)):
        if values[key] is None and key not in _SHOWN_WHEN_NONE:
            continue
        if key == "budget_rule" and not budgeted:
            continue
        if key in (_BOOTSTRAP_ONLY if bayes else _BAYES_ONLY):
            continue
        label = _known("opt", key, lang) or sanitize_text(key, 60)
        if key == "refit":
            how = stability_calibrations(results) or (
                ("refitted",) if values[key] else ("reweighted",)
            )
            rows.append(
                (label, word("list_sep", lang).join(stability_calibration(h, lang) for h in how))
            )
            continue
        rows.append(
            (
                label,
                option_value(key, values[key], lang, criteria, results.competition.currency or ""),
            )
        )
    return rows


def stability_calibrations(results: Results) -> tuple[str, ...]:
    """The distinct `StabilityDomain.calibration` values of the run, in domain order."""
    if results.stability is None:
        return ()
    found = (d.calibration for d in results.stability.domains.values())
    return tuple(dict.fromkeys(c for c in found if c is not None))


def exact_options(results: Results) -> list[tuple[str, str]]:
    """(`options.KEY` or `selection.KEY`, value) of every option as recorded, for the audit."""
    rows = []
    for prefix, model in (("options", results.options), ("selection", results.selection)):
        for key, value in sorted(model.model_dump(mode="json").items()):
            rows.append((f"{prefix}.{key}", shown(value)))
    rows.append(("competition.conflict_scope", shown(results.competition.conflict_scope)))
    rows.append(("competition.currency", shown(results.competition.currency or None)))
    return rows


def shown(value: Any, limit: int = MAX_NOTE) -> str:
    """An option's value as one line of text: lists joined by commas, null as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return sanitize_text(", ".join(shown(v, limit) for v in value), limit)
    if isinstance(value, dict):
        return sanitize_text(
            "; ".join(f"{k}: {shown(v, limit)}" for k, v in sorted(value.items())), limit
        )
    return sanitize_text(value, limit)


def tie_keys(tie: Tie, lang: str, criteria: Sequence[Criterion] = ()) -> Markup:
    """How a tie was settled: the keys applied, the lot with its seed and order."""
    keys = [step.key for step in tie.steps] or ([tie.settled_by] if tie.settled_by else [])
    lot = next((step for step in tie.steps if isinstance(step, LotStep)), None)
    parts = []
    for key in dict.fromkeys(keys):
        if key == "lot":
            parts.append(
                say(
                    lang,
                    "tie_lot",
                    seed=ltr(str(lot.seed)) if lot else Markup("—"),
                    order=codes(lot.order if lot else (), lang),
                )
            )
        else:
            parts.append(escape(tie_key(key, criteria, lang)))
    return Markup(escape(word("then", lang))).join(parts) or Markup("—")


def tie_sentence(tie: Tie, lang: str, criteria: Sequence[Criterion] = ()) -> Markup:
    """`CUL-04, CUL-15 : même score 15,11 (rangs 3 à 4), départagés par moyenne brute.`"""
    first, last = tie.ranks
    text = say(
        lang,
        "tie",
        submissions=codes(tie.submissions, lang),
        score=fixed(tie.score, lang),
        first=ltr(str(first)),
        last=ltr(str(last)),
        keys=tie_keys(tie, lang, criteria),
    )
    if not tie.mattered:
        text += Markup(" ") + say(lang, "tie_no_effect")
    return text


def winner_changes(changes: Sequence[Any] | None, lang: str) -> Markup:
    """Leave-one-out: `CUL-15 au lieu de CUL-20`, `mêmes lauréats` or `non calculé`."""
    if changes is None:
        return say(lang, "not_computed")
    if not changes:
        return say(lang, "same_winners")
    return Markup("; ").join(
        say(lang, "instead_of", gained=codes(c.gained, lang), lost=codes(c.lost, lang))
        for c in changes
    )


FILTERS = {
    "say": lambda key, lang, **values: say(lang, key, **values),
    "word": word,
    "fixed": fixed,
    "percent": percent,
    "money": money,
    "code": code,
    "command": command,
    "codes": codes,
    "note": note,
    "category": category,
    "source": source,
    "conflict_note": conflict_note,
    "associations": associations,
    "criterion_name": criterion_name,
    "exclusion_reason": exclusion_reason,
    "decision": decision,
    "outcome": outcome,
    "rank_range": rank_range,
    "ineligibility": ineligibility,
    "motivation": motivation,
    "motivation_label": motivation_label,
    "domain_note": domain_note,
    "notice": notice,
    "tie_sentence": tie_sentence,
    "unavailable": unavailable,
    "resamples": resamples,
    "too_close_rule": too_close_rule,
    "selection_sentence": selection_sentence,
    "selection_note": selection_note,
    "winner_changes": winner_changes,
}
"""Jinja filters of the record documents (registered beside those of `safety`)."""
