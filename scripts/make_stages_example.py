"""Write the final round of docs/examples/forum-stages/: its assignments and invented scores.

The written round is the sample's; the shortlist is what grantjury's written round names
(5 per domain). Every forum juror scores every shortlisted presentation but those of an
association they belong to; the scores are drawn from a seeded generator around the written
round's calibrated score, so the final round mostly agrees with it, not always.

    .venv/bin/python scripts/make_stages_example.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grantjury.conflicts import conflict_register, forbidden_pairs
from grantjury.errors import ProblemLog
from grantjury.pipeline import load_competition, score
from grantjury.stages import final_round, written_round

FOLDER = Path(__file__).resolve().parent.parent / "docs" / "examples" / "forum-stages"
SEED = 2013_04_21


def main() -> None:
    competition = load_competition(FOLDER)
    method = competition.spec.method
    written = score(written_round(competition), method).results
    (FOLDER / "assignments-forum.csv").write_text("juror,submission\n", encoding="utf-8")
    (FOLDER / "scores-forum.csv").write_text("juror,submission,criterion,score\n", encoding="utf-8")
    log = ProblemLog()
    final = final_round(competition, written, method, log, require_scores=False)
    log.raise_if_any()
    assert final is not None
    forbidden = forbidden_pairs(final, conflict_register(final))
    quality = {e.submission: e.score for d in written.domains for e in d.ranking}
    rng = np.random.default_rng(SEED)
    rubric = next(iter(final.rubrics.values()))
    assignments, rows = [], []
    for j, juror in enumerate(final.jurors):
        severity = rng.normal(0, 0.6)
        for s, submission in enumerate(final.submissions):
            if (j, s) in forbidden:
                continue
            assignments.append(f"{juror.id},{submission.id}")
            centre = (quality[submission.id] or 10.0) / 2 + rng.normal(0, 0.8) + severity
            for criterion in rubric.criteria:
                value = np.clip(centre + rng.normal(0, 0.6), 0, 10)
                rows.append(f"{juror.id},{submission.id},{criterion.id},{round(value * 2) / 2:g}")
    (FOLDER / "assignments-forum.csv").write_text(
        "juror,submission\n" + "\n".join(assignments) + "\n", encoding="utf-8"
    )
    (FOLDER / "scores-forum.csv").write_text(
        "juror,submission,criterion,score\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(assignments)} assignments and {len(rows)} scores into {FOLDER}")


if __name__ == "__main__":
    main()
