"""Small hand-made competitions written as real files, with every score chosen by the test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from grantjury.results import DomainResults, Entry
from tests.generate import write_rows

Scores = dict[str, list[list[float] | None]]
"""Submission id -> one list of criterion scores per juror (J1, J2, …; None = not scored)."""


def write_handmade(
    root: Path,
    *,
    criteria: list[dict[str, Any]],
    submissions: list[dict[str, Any]],
    scores: Scores,
    domains: list[dict[str, Any]] | None = None,
    rubric: dict[str, Any] | None = None,
    method: dict[str, Any] | None = None,
    selection: dict[str, Any] | None = None,
    currency: str | None = None,
) -> Path:
    """Write a one-language competition into ``root`` and return ``root``.

    ``criteria`` are rubric criteria without their ``name`` (added); ``submissions`` need
    ``id`` and may give ``domain`` (default ``d``), ``requested_amount``, ``eligible``,
    ``reason`` and ``attributes``. ``method`` defaults to raw calibration, seed 1 and no
    bootstrap, so that scores are exactly the means of the jurors' weighted totals.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "submissions").mkdir(exist_ok=True)
    domains = domains or [{"id": "d", "winners": 1}]
    spec: dict[str, Any] = {
        "id": "handmade",
        "title": {"fr": "Concours fait main"},
        "date": "2024-05-01",
        "place": {"fr": "Berne"},
        "languages": ["fr"],
        "rubric": "rubric.yaml",
        "domains": [{"name": {"fr": d["id"]}, **d} for d in domains],
        "submissions": "submissions",
        "jurors": "jurors.yaml",
        "scores": "scores.csv",
        "method": {"calibration": "raw", "seed": 1, "replicates": 0, **(method or {})},
    }
    if selection is not None:
        spec["selection"] = selection
    if currency is not None:
        spec["currency"] = currency
    _dump(root / "competition.yaml", spec)
    _dump(
        root / "rubric.yaml",
        {
            "id": "r",
            "name": {"fr": "Grille"},
            "criteria": [{"name": {"fr": c["id"]}, **c} for c in criteria],
            **(rubric or {}),
        },
    )
    n_jurors = max(len(per_juror) for per_juror in scores.values())
    _dump(root / "jurors.yaml", [{"id": f"J{j}", "name": f"J{j}"} for j in range(1, n_jurors + 1)])
    for sub in submissions:
        record = {
            "domain": "d",
            "association": {"id": f"A-{sub['id']}", "name": {"fr": f"Association {sub['id']}"}},
            "title": {"fr": f"Projet {sub['id']}"},
            **sub,
        }
        _dump(root / "submissions" / f"{sub['id']}.yaml", record)
    rows = [
        (f"J{j}", sub_id, criterion["id"], float(value))
        for sub_id, per_juror in scores.items()
        for j, values in enumerate(per_juror, start=1)
        if values is not None
        for criterion, value in zip(criteria, values, strict=True)
    ]
    write_rows(root / "scores.csv", ["juror", "submission", "criterion", "score"], rows)
    return root


class _NoAliases(yaml.SafeDumper):
    """Writes a repeated object twice: grantjury refuses YAML aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(path: Path, data: Any) -> None:
    text = yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")


def by_id(domain: DomainResults) -> dict[str, Entry]:
    """A domain's ranking entries by submission id."""
    return {entry.submission: entry for entry in domain.ranking}
