"""Affinities of jurors for submissions, read from a file, for `grantjury assign`.

Two forms: ``affinity.csv`` with columns ``juror,submission,affinity`` (a finite number at
least 0; unlisted pairs have affinity 0), or ``keywords.csv`` with columns ``id,keywords``
where ``id`` is a juror or a submission and ``keywords`` a ``;``-separated list; a pair's
affinity is then the Jaccard similarity of their keyword sets, ``|K_j ∩ K_s| / |K_j ∪ K_s|``
(case and surrounding spaces ignored). Every problem is reported with its line, all at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ProblemLog
from ..loading import read_csv
from ..model import Competition
from ..validate import parse_number

PairAffinity = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Competition juror codes, competition submission codes and affinities, one per pair."""


_NONE: PairAffinity = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))


def read_affinity(path: Path, competition: Competition) -> PairAffinity:
    """The affinities of ``affinity.csv`` (``juror,submission,affinity``), every row checked.

    Raises `InvalidInput` listing every unknown id, bad number and repeated pair with its line.
    """
    log = ProblemLog()
    label = str(path)
    table = read_csv(path, label, ("juror", "submission", "affinity"), log)
    log.raise_if_any()
    if table is None:  # pragma: no cover - read_csv logs an error whenever it returns None
        return _NONE
    juror_at = {j.id: i for i, j in enumerate(competition.jurors)}
    sub_at = {s.id: i for i, s in enumerate(competition.submissions)}
    jurors, subs, values = [], [], []
    seen: dict[tuple[int, int], int] = {}
    rows = zip(
        table.columns["juror"].tolist(),
        table.columns["submission"].tolist(),
        table.columns["affinity"].tolist(),
        table.lines.tolist(),
        strict=True,
    )
    for juror, sub, text, line in rows:
        j, s = juror_at.get(juror), sub_at.get(sub)
        value = parse_number(text, table.decimal_comma)
        if j is None:
            log.error(
                label,
                "unknown juror",
                line=line,
                field="juror",
                found=repr(juror),
                expected="a juror id of the jurors file; correct the id or add the juror",
            )
        if s is None:
            log.error(
                label,
                "unknown submission",
                line=line,
                field="submission",
                found=repr(sub),
                expected="a submission id of the competition; correct the id",
            )
        if value is None or value < 0:
            log.error(
                label,
                "not an affinity",
                line=line,
                field="affinity",
                found=repr(text),
                expected="a finite number at least 0, such as 0.8 (leave a pair out for 0)",
            )
        if j is None or s is None or value is None or value < 0:
            continue
        if (j, s) in seen:
            log.error(
                label,
                f"the pair {juror}, {sub} is given twice (first on line {seen[j, s]})",
                line=line,
                field="submission",
                found=f"{juror},{sub}",
                expected="one line per pair; remove one of them",
            )
            continue
        seen[j, s] = line
        jurors.append(j)
        subs.append(s)
        values.append(value)
    log.raise_if_any()
    return (
        np.array(jurors, dtype=np.int64),
        np.array(subs, dtype=np.int64),
        np.array(values, dtype=np.float64),
    )


def _keyword_set(text: str) -> frozenset[str]:
    return frozenset(w.strip().casefold() for w in text.split(";") if w.strip())


def read_keywords(path: Path, competition: Competition) -> PairAffinity:
    """Affinities from ``keywords.csv`` (``id,keywords``): Jaccard similarity of keyword sets.

    Only pairs sharing a keyword are returned (the others have affinity 0). Raises
    `InvalidInput` for an unknown id or an id given twice, with its line.
    """
    log = ProblemLog()
    label = str(path)
    table = read_csv(path, label, ("id", "keywords"), log)
    log.raise_if_any()
    if table is None:  # pragma: no cover - read_csv logs an error whenever it returns None
        return _NONE
    juror_at = {j.id: i for i, j in enumerate(competition.jurors)}
    sub_at = {s.id: i for i, s in enumerate(competition.submissions)}
    of_juror: dict[int, frozenset[str]] = {}
    of_sub: dict[int, frozenset[str]] = {}
    first: dict[str, int] = {}
    rows = zip(
        table.columns["id"].tolist(),
        table.columns["keywords"].tolist(),
        table.lines.tolist(),
        strict=True,
    )
    for name, text, line in rows:
        if name in first:
            log.error(
                label,
                f"{name} is given twice (first on line {first[name]})",
                line=line,
                field="id",
                found=repr(name),
                expected="one line per juror or submission; merge their keywords",
            )
            continue
        first[name] = line
        if name in juror_at:
            of_juror[juror_at[name]] = _keyword_set(text)
        elif name in sub_at:
            of_sub[sub_at[name]] = _keyword_set(text)
        else:
            log.error(
                label,
                "unknown juror or submission",
                line=line,
                field="id",
                found=repr(name),
                expected="a juror id of the jurors file or a submission id; correct the id",
            )
    log.raise_if_any()
    return keyword_affinity(of_juror, of_sub)


def keyword_affinity(
    of_juror: dict[int, frozenset[str]], of_sub: dict[int, frozenset[str]]
) -> PairAffinity:
    """Jaccard similarity of every (juror, submission) pair sharing a keyword.

    Pairs are found through an inverted index (each keyword's jurors × its submissions), so
    the work is the number of sharing pairs, not jurors × submissions.
    """
    jurors_with: dict[str, list[int]] = {}
    subs_with: dict[str, list[int]] = {}
    for j, words in sorted(of_juror.items()):
        for w in words:
            jurors_with.setdefault(w, []).append(j)
    for s, words in sorted(of_sub.items()):
        for w in words:
            subs_with.setdefault(w, []).append(s)
    shared_words = sorted(set(jurors_with) & set(subs_with))
    j_of = [np.array(jurors_with[w], np.int64) for w in shared_words]
    s_of = [np.array(subs_with[w], np.int64) for w in shared_words]
    pieces_j, pieces_s = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    for jurors, subs in zip(j_of, s_of, strict=True):
        if jurors.size and subs.size:
            pieces_j.append(np.repeat(jurors, subs.size))
            pieces_s.append(np.tile(subs, jurors.size))
    jur, sub = np.concatenate(pieces_j), np.concatenate(pieces_s)
    if jur.size == 0:
        return jur, sub, np.empty(0)
    width = int(sub.max()) + 1
    pair, shared = np.unique(jur * width + sub, return_counts=True)
    jur, sub = pair // width, pair % width
    size_j = np.array([len(of_juror[j]) for j in jur.tolist()])
    size_s = np.array([len(of_sub[s]) for s in sub.tolist()])
    return jur, sub, shared / (size_j + size_s - shared)
