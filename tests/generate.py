"""Small random competitions written as real files, for property tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml


@dataclass(frozen=True)
class Generated:
    root: Path
    score_rows: list[tuple[str, str, str, float]]
    conflicts: list[tuple[str, str, str]]


def write_competition(
    root: Path,
    seed: int,
    *,
    n_domains: int = 2,
    calibration: str = "zscore",
    full_panels: bool = False,
    conflict_scope: str = "submission",
) -> Generated:
    """Write a random but valid competition into ``root``.

    With ``full_panels`` every juror scores every submission of their domains (no fallback);
    otherwise each submission gets a random subset of 2–4 jurors.
    """
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "submissions").mkdir(exist_ok=True)
    criteria = [("c1", 2.0), ("c2", 1.0), ("c3", 1.0)]
    rubric = {
        "id": "r",
        "name": {"fr": "Grille"},
        "criteria": [
            {"id": c, "name": {"fr": c}, "weight": w, "scale": {"min": 0, "max": 100, "step": 0.5}}
            for c, w in criteria
        ],
    }
    domains = [f"d{i}" for i in range(n_domains)]
    jurors = [f"J{i:02d}" for i in range(int(rng.integers(3, 7)))]
    submissions = []
    for d in domains:
        for k in range(int(rng.integers(3, 8))):
            submissions.append((f"{d.upper()}-{k:02d}", d, f"A{int(rng.integers(0, 30)):02d}"))
    affiliations = {
        j: sorted({f"A{int(rng.integers(0, 30)):02d}"}) if rng.random() < 0.3 else []
        for j in jurors
    }
    competition = {
        "id": f"gen-{seed}",
        "title": {"fr": "Concours généré"},
        "date": "2013-04-21",
        "place": {"fr": "Marrakech"},
        "languages": ["fr"],
        "rubric": "rubric.yaml",
        "domains": [{"id": d, "name": {"fr": d}, "winners": 2} for d in domains],
        "submissions": "submissions",
        "jurors": "jurors.yaml",
        "scores": "scores.csv",
        "conflicts": "conflicts.csv",
        "conflict_scope": conflict_scope,
        "method": {"calibration": calibration, "seed": seed},
    }
    (root / "competition.yaml").write_text(yaml.safe_dump(competition, allow_unicode=True))
    (root / "rubric.yaml").write_text(yaml.safe_dump(rubric, allow_unicode=True))
    (root / "jurors.yaml").write_text(
        yaml.safe_dump([{"id": j, "name": j, "affiliations": affiliations[j]} for j in jurors])
    )
    for sub_id, domain, association in submissions:
        (root / "submissions" / f"{sub_id}.yaml").write_text(
            yaml.safe_dump(
                {
                    "id": sub_id,
                    "domain": domain,
                    "association": {
                        "id": association,
                        "name": {"fr": f"Association {association}"},
                    },
                    "title": {"fr": f"Projet {sub_id}"},
                },
                allow_unicode=True,
            )
        )
    quality = {s: rng.uniform(30, 70) for s, _, _ in submissions}
    bias = {j: rng.normal(0, 8) for j in jurors}
    rows: list[tuple[str, str, str, float]] = []
    for sub_id, _, _ in submissions:
        chosen = (
            jurors
            if full_panels
            else list(
                rng.choice(jurors, size=min(len(jurors), int(rng.integers(2, 5))), replace=False)
            )
        )
        for j in chosen:
            for c, _ in criteria:
                value = quality[sub_id] + bias[j] + rng.normal(0, 6)
                rows.append((str(j), sub_id, c, float(np.clip(np.round(value * 2) / 2, 0, 100))))
    conflicts = []
    for j in jurors:
        if rng.random() < 0.4:
            sub_id = submissions[int(rng.integers(0, len(submissions)))][0]
            conflicts.append((j, sub_id, "family: generated"))
    write_rows(root / "scores.csv", ["juror", "submission", "criterion", "score"], rows)
    write_rows(root / "conflicts.csv", ["juror", "submission", "reason"], conflicts)
    return Generated(root, rows, conflicts)


def write_rows(path: Path, header: list[str], rows: list[tuple]) -> None:
    lines = [",".join(header)] + [",".join(_cell(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _cell(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
