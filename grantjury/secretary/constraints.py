"""The constraints file of `grantjury assign --constraints`: languages, groups, jurors apart.

```yaml
reads:              # the languages each juror reads
  J01: [ar, fr]
  J02: [fr]
languages:          # the languages of each submission: at least one juror must read each
  CUL-01: [ar]
languages_from: language   # or: each submission's `language` attribute ("ar" or "ar,fr")
groups:             # at most one juror of one value on a submission
  neighbourhood: {J01: Medina, J02: Gueliz, J03: Medina}
never_together:     # jurors never on one submission
  - [J03, J07]
```

Every key is optional. Every problem (an unknown id, a value of the wrong kind) is reported
with its line, all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ProblemLog
from ..loading import read_yaml
from ..model import Competition
from .assign import DomainConstraints

KEYS = ("reads", "languages", "languages_from", "groups", "never_together")


@dataclass(frozen=True)
class Constraints:
    """The constraints of a competition, by competition juror and submission codes."""

    reads: dict[int, frozenset[str]] = field(default_factory=dict)
    needs: dict[int, frozenset[str]] = field(default_factory=dict)
    groups: dict[str, dict[int, str]] = field(default_factory=dict)
    apart: tuple[tuple[int, int], ...] = ()

    def for_domain(self, panel: list[int], subs: list[int]) -> DomainConstraints:
        """The constraints of one domain, in panel and submission positions."""
        languages = tuple(sorted({w for s in subs for w in self.needs.get(s, ())}))
        reads = np.array(
            [[lang in self.reads.get(j, ()) for lang in languages] for j in panel], dtype=bool
        ).reshape(len(panel), len(languages))
        needs = np.array(
            [[lang in self.needs.get(s, ()) for lang in languages] for s in subs], dtype=bool
        ).reshape(len(subs), len(languages))
        names, groups, values = [], [], []
        for name, of in sorted(self.groups.items()):
            distinct = tuple(sorted({of[j] for j in panel if j in of}))
            code = {v: i for i, v in enumerate(distinct)}
            names.append(name)
            groups.append(np.array([code.get(of.get(j, ""), -1) for j in panel], dtype=np.int64))
            values.append(distinct)
        at = {j: i for i, j in enumerate(panel)}
        apart = [(at[a], at[b]) for a, b in self.apart if a in at and b in at]
        return DomainConstraints(
            languages,
            reads,
            needs,
            tuple(names),
            tuple(groups),
            tuple(values),
            np.array(apart, dtype=np.int64).reshape(-1, 2),
        )


def _words(value: Any) -> frozenset[str] | None:
    """A list of language codes, or one string of them separated by commas."""
    if isinstance(value, str):
        return frozenset(w.strip() for w in value.split(",") if w.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(v.strip() for v in value if v.strip())
    return None


def read_constraints(path: Path, competition: Competition) -> Constraints:
    """Read and check a constraints file (see the module docstring).

    Raises `InvalidInput` listing every problem with its line.
    """
    log = ProblemLog()
    label = str(path)
    doc = read_yaml(path, label, log)
    log.raise_if_any()
    data = doc.data if doc is not None else None
    if data is None:
        return Constraints()
    if not isinstance(data, dict):
        log.error(label, "not a mapping", line=1, expected=f"keys among {', '.join(KEYS)}")
        log.raise_if_any()
    juror_at = {j.id: i for i, j in enumerate(competition.jurors)}
    sub_at = {s.id: i for i, s in enumerate(competition.submissions)}

    def problem(loc: tuple, message: str, found: object, expected: str) -> None:
        field_name = ".".join(str(p) for p in loc)
        line = doc.line_of(loc) if doc is not None else None
        log.error(label, message, line=line, field=field_name, found=repr(found), expected=expected)

    def juror(loc: tuple, name: object) -> int | None:
        if isinstance(name, str) and name in juror_at:
            return juror_at[name]
        problem(loc, "unknown juror", name, "a juror id of the jurors file")
        return None

    for key in data:
        if key not in KEYS:
            problem((key,), "unknown key", key, f"one of {', '.join(KEYS)}")
    reads: dict[int, frozenset[str]] = {}
    for name, value in _mapping(data, "reads", problem).items():
        j, words = juror(("reads", name), name), _words(value)
        if words is None:
            problem(("reads", name), "not a list of languages", value, "a list such as [ar, fr]")
        elif j is not None:
            reads[j] = words
    needs: dict[int, frozenset[str]] = {}
    for name, value in _mapping(data, "languages", problem).items():
        words = _words(value)
        if name not in sub_at:
            problem(("languages", name), "unknown submission", name, "a submission id")
        elif words is None:
            problem(("languages", name), "not a list of languages", value, "a list such as [ar]")
        else:
            needs[sub_at[name]] = words
    attribute = data.get("languages_from")
    if attribute is not None:
        if not isinstance(attribute, str):
            problem(("languages_from",), "not an attribute name", attribute, "a name")
        else:
            for s, sub in enumerate(competition.submissions):
                words = _words(sub.attributes.get(attribute))
                if words:
                    needs[s] = needs.get(s, frozenset()) | words
    groups: dict[str, dict[int, str]] = {}
    for name, members in _mapping(data, "groups", problem).items():
        if not isinstance(members, dict):
            problem(("groups", name), "not a mapping of jurors to values", members, "{J01: A}")
            continue
        of: dict[int, str] = {}
        for who, value in members.items():
            j = juror(("groups", name, who), who)
            if j is not None:
                of[j] = str(value)
        groups[str(name)] = of
    apart: list[tuple[int, int]] = []
    pairs = data.get("never_together", [])
    if not isinstance(pairs, list):
        problem(("never_together",), "not a list of pairs", pairs, "a list such as [[J03, J07]]")
        pairs = []
    for index, pair in enumerate(pairs):
        if not (isinstance(pair, list) and len(pair) == 2):
            problem(("never_together", index), "not a pair of jurors", pair, "[J03, J07]")
            continue
        a, b = (juror(("never_together", index, k), pair[k]) for k in (0, 1))
        if a is not None and b is not None and a != b:
            apart.append((min(a, b), max(a, b)))
    log.raise_if_any()
    return Constraints(reads, needs, groups, tuple(sorted(set(apart))))


def _mapping(data: dict, key: str, problem: Any) -> dict:
    value = data.get(key, {})
    if value is None:
        return {}
    if not isinstance(value, dict):
        problem((key,), "not a mapping", value, "ids as keys")
        return {}
    return value
