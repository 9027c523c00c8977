"""The lock of the independent first round (``grantjury lock``).

Jurors score independently first; then the jury meets and some revise their scores. To
measure what the discussion changed, the first round must stay what it was: ``grantjury
lock`` writes ``first-round.lock.json`` beside ``competition.yaml`` with the digest of the
first-round score file and every score in it. Every later run reads the lock and refuses a
first-round score that differs from it, naming the juror, the submission, the criterion and
both values; a change of score goes through the revisions file (``revisions.py``) instead.
The rest of the competition (titles, rubric wording, conflicts…) may still be edited.

The comparison is over the scores, not the bytes: reordering rows or writing 14,5 for 14.5
is no change. The lock holds no date, so locking twice gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import ProblemLog
from .loading import read_bounded
from .model import Competition, InputFile, RoundLock
from .results import FirstRoundLock, LockedFile

LOCK_FILE = "first-round.lock.json"
MAX_LOCK_BYTES = 1 * 2**30
LOCK_FORMAT = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class LockedScores(_Frozen):
    key: Literal["scores"] = "scores"
    """The key of competition.yaml that names the file."""
    path: str
    sha256: str
    size: int
    rows: int
    scores: dict[str, dict[str, dict[str, float]]]
    """juror → submission → criterion → score, as locked."""


class LockDocument(_Frozen):
    """The contents of ``first-round.lock.json``."""

    generator: Literal["grantjury"] = "grantjury"
    lock_format: Literal[1] = LOCK_FORMAT
    competition: str
    round: Literal["first"] = "first"
    files: list[LockedScores]


def lock_path(competition: Competition) -> Path:
    """Where the lock of this competition lives: beside its competition file."""
    return Path(competition.path).parent / LOCK_FILE


def scores_input(competition: Competition) -> InputFile | None:
    """The recorded input of the first-round score file."""
    if competition.spec.scores is None:
        return None
    target = (Path(competition.path).parent / competition.spec.scores).resolve()
    base = Path(competition.path).parent
    for entry in competition.inputs:
        if (base / entry.path).resolve() == target:
            return entry
    return None


def score_map(competition: Competition) -> dict[str, dict[str, dict[str, float]]]:
    """Every first-round score as juror → submission → criterion → score."""
    scores = competition.scores
    out: dict[str, dict[str, dict[str, float]]] = {}
    crit_ids = {d: [c.id for c in r.criteria] for d, r in competition.rubrics.items()}
    for j, s, c, v in zip(
        scores.juror.tolist(),
        scores.submission.tolist(),
        scores.criterion.tolist(),
        scores.score.tolist(),
        strict=True,
    ):
        submission = competition.submissions[s]
        by_sub = out.setdefault(competition.jurors[j].id, {})
        by_sub.setdefault(submission.id, {})[crit_ids[submission.domain][c]] = v
    return out


def lock_document(competition: Competition) -> LockDocument:
    """The lock of the competition's current first-round scores."""
    entry = scores_input(competition)
    if entry is None:
        raise ValueError("a competition without a scores file cannot be locked")
    return LockDocument(
        competition=competition.spec.id,
        files=[
            LockedScores(
                path=entry.path,
                sha256=entry.sha256,
                size=entry.size,
                rows=len(competition.scores),
                scores=score_map(competition),
            )
        ],
    )


def lock_bytes(document: LockDocument) -> bytes:
    """Stable bytes of a lock: sorted keys, two-space indent, trailing newline."""
    data = document.model_dump(mode="json")
    return (json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def read_lock(path: Path, log: ProblemLog) -> tuple[LockDocument, bytes] | None:
    """Read a lock file, or log why it cannot be read."""
    raw = read_bounded(path, LOCK_FILE, MAX_LOCK_BYTES, log)
    if raw is None:
        return None
    try:
        return LockDocument.model_validate_json(raw), raw
    except ValidationError as error:
        first = error.errors()[0]
        log.error(
            LOCK_FILE,
            "not a first-round lock written by grantjury lock",
            field=".".join(str(p) for p in first["loc"]) or None,
            found=first["msg"],
            expected="the file as `grantjury lock` wrote it; if it was damaged, restore it "
            "from a copy (locking again would accept the current scores as the first round)",
        )
        return None


def check_lock(competition: Competition, log: ProblemLog) -> Competition:
    """Check the first-round scores against the competition's lock, if it has one.

    Every score that differs is logged with its line in the scores file, both values and how
    to fix it; the competition is returned with the lock attached (and recorded as an input,
    so that the manifest and ``verify`` cover it)."""
    path = lock_path(competition)
    if not path.is_file():
        return competition
    got = read_lock(path, log)
    if got is None:
        return competition
    document, raw = got
    if document.competition != competition.spec.id:
        log.error(
            LOCK_FILE,
            "this lock belongs to another competition",
            field="competition",
            found=document.competition,
            expected=f"{competition.spec.id} (the id in {Path(competition.path).name})",
        )
        return competition
    locked = document.files[0]
    label = scores_input(competition)
    scores_label = label.path if label else (competition.spec.scores or "scores")
    _compare(competition, locked, scores_label, log)
    record = InputFile(LOCK_FILE, "sha256:" + hashlib.sha256(raw).hexdigest(), len(raw))
    inputs = tuple(
        sorted({*(i for i in competition.inputs if i.path != LOCK_FILE), record}, key=_path)
    )
    lock = RoundLock(
        record,
        tuple(InputFile(f.path, f.sha256, f.size) for f in document.files),
        tuple(f.rows for f in document.files),
    )
    return dataclasses.replace(competition, inputs=inputs, lock=lock)


def _path(entry: InputFile) -> str:
    return entry.path


def _compare(
    competition: Competition, locked: LockedScores, scores_label: str, log: ProblemLog
) -> None:
    """Log every (juror, submission) whose scores differ from the locked ones."""
    current = score_map(competition)
    scores = competition.scores
    line_of: dict[tuple[str, str, str], int] = {}
    crit_ids = {d: [c.id for c in r.criteria] for d, r in competition.rubrics.items()}
    differ = {
        (j, sub)
        for j in set(current) | set(locked.scores)
        for sub in set(current.get(j, {})) | set(locked.scores.get(j, {}))
        if current.get(j, {}).get(sub) != locked.scores.get(j, {}).get(sub)
    }
    if differ:
        for j, s, c, line in zip(
            scores.juror.tolist(),
            scores.submission.tolist(),
            scores.criterion.tolist(),
            scores.line.tolist(),
            strict=True,
        ):
            sub = competition.submissions[s]
            if (competition.jurors[j].id, sub.id) in differ:
                line_of[(competition.jurors[j].id, sub.id, crit_ids[sub.domain][c])] = line
    how = (
        f"the scores locked in {LOCK_FILE} ({locked.path}); put them back, and record a "
        "change made at the meeting in the revisions file (revisions: in competition.yaml, "
        "docs/format.md)"
    )
    for juror in sorted(set(current) | set(locked.scores)):
        now, then = current.get(juror, {}), locked.scores.get(juror, {})
        for sub in sorted(set(now) | set(then)):
            a, b = then.get(sub, {}), now.get(sub, {})
            if a == b:
                continue
            if not a:
                what = "were added after the lock"
            elif not b:
                what = "were removed after the lock"
            else:
                what = "differ from the lock"
            changed = [c for c in sorted(set(a) | set(b)) if a.get(c) != b.get(c)]
            changes = [f"{c} {_value(a.get(c))} → {_value(b.get(c))}" for c in changed]
            lines = [line_of[(juror, sub, c)] for c in changed if (juror, sub, c) in line_of]
            # A removed score has no line: point at the pair's other rows, if any are left.
            lines = lines or [line_of[(juror, sub, c)] for c in b if (juror, sub, c) in line_of]
            log.error(
                scores_label,
                f"juror {juror}'s first-round scores for {sub} {what}",
                line=min(lines) if lines else None,
                field="score",
                found="; ".join(changes) + " (locked → now)",
                expected=how,
            )


def _value(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"


def lock_record(competition: Competition) -> FirstRoundLock | None:
    """The lock a run was checked against, as the results record it."""
    lock = competition.lock
    if lock is None:
        return None
    return FirstRoundLock(
        path=lock.file.path,
        sha256=lock.file.sha256,
        files=[
            LockedFile(path=f.path, sha256=f.sha256, size=f.size, rows=rows)
            for f, rows in zip(lock.locked, lock.rows, strict=True)
        ],
    )
