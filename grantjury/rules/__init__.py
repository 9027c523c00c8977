"""Rule packs: the rules of a kind of programme, switched on by the competition.

``rules: [ma-commune]`` in ``competition.yaml`` switches on the rules of a Moroccan commune's
grants to associations (``ma_commune.py``). A pack is a module with two functions:

- ``load(raw, log) -> state``: read and check the pack's settings and files (every file read
  is recorded among the run's inputs, so ``verify`` checks it like any other);
- ``apply(competition, state) -> Competition``: the competition with the pack's detected
  conflicts, reasons (codes with parameters, ``results.Reason``), inadmissible submissions and
  its ``results.RulesRecord``.

The pipeline calls :func:`load` between loading and validation and :func:`apply` after
validation; the stages only see the generic fields of ``Competition`` (``rule_conflicts``,
``rule_reasons``, ``inadmissible``, ``rule_record``), so another programme brings its rules
by adding a module here and a line to :data:`PACKS`.
"""

from __future__ import annotations

from typing import Any

from ..errors import ProblemLog
from ..loading import RawCompetition
from ..model import Competition
from ..results import INADMISSIBLE_REASONS
from . import ma_commune

PACKS = {"ma-commune": ma_commune}
"""Every rule pack, by the name a competition gives in ``rules``."""


def load(raw: RawCompetition, log: ProblemLog) -> dict[str, Any]:
    """Each switched-on pack's state, by name; unknown packs are logged as errors."""
    spec = raw.spec
    if spec is None:
        return {}
    label = raw.path.name
    states: dict[str, Any] = {}
    for index, name in enumerate(spec.rules):
        pack = PACKS.get(name)
        if pack is None:
            log.error(
                label,
                "unknown rule pack",
                field=f"rules.{index}",
                found=name,
                expected=f"one of {', '.join(sorted(PACKS))}",
            )
            continue
        states[name] = pack.load(raw, log)
    for name in sorted(set(spec.rule_settings) - set(spec.rules)):
        log.error(
            label,
            "settings for a rule pack that is not switched on",
            field=f"rule_settings.{name}",
            found=name,
            expected=f"add {name} to `rules`, or remove its settings",
        )
    return states


def apply(competition: Competition, states: dict[str, Any]) -> Competition:
    """The competition with every pack's conflicts, reasons and record applied, in order."""
    for name, state in states.items():
        if state is not None:
            competition = PACKS[name].apply(competition, state)
    return competition


def admissibility(competition: Competition) -> list[tuple[str, str, tuple[Any, ...]]]:
    """The admissibility table: (submission, domain, reasons its file is not admissible) of
    every submission in id order, empty reasons meaning admissible; an empty table when no
    rule pack checks application files (``grantjury validate`` prints it)."""
    record = competition.rule_record
    if record is None or not record.admissibility:
        return []
    return [
        (
            s.id,
            s.domain,
            tuple(
                r for r in competition.rule_reasons.get(s.id, ()) if r.code in INADMISSIBLE_REASONS
            ),
        )
        for s in competition.submissions
    ]
