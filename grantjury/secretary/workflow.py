"""The secretary's steps before ranking: start a competition, assign jurors, make the score
sheets and collect them into scores.csv.

Each step loads the competition without requiring scores, computes its output in memory, and
writes it atomically (a temporary file or folder beside the target, then moved into place),
so a failure leaves nothing half-written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..conflicts import conflict_register, forbidden_pairs
from ..errors import GrantjuryError, OutputError
from ..figures import published
from ..manifest import engine_versions, sha256
from ..model import Competition
from ..pipeline import load_competition, load_final_round
from ..ranking import derived_rng
from .affinity import PairAffinity, read_affinity, read_keywords
from .assign import (
    Affinity,
    Assignment,
    AssignmentInfeasible,
    CompetitionAssignment,
    CompetitionInfeasible,
    DomainProblem,
    assign_competition,
)
from .collect import Collected, read_returns, scores_csv
from .constraints import Constraints, read_constraints
from .sheets import (
    assigned_by_juror,
    assignments_digest,
    build_workbook,
    layout,
    replaced_assignments,
    workbook_name,
)

STARTER_FILES = ("competition.yaml", "rubric.yaml", "jurors.yaml", "README.md")
"""Files ``init`` writes (from ``grantjury/starter/``), besides an empty submissions folder."""


class NotReady(GrantjuryError):
    """A step needs what an earlier step makes (e.g. sheets before the assignments)."""


class InfeasibleDomains(GrantjuryError):
    """No assignment exists in one or more domains; each failure keeps its reasons."""

    def __init__(self, failures: list[AssignmentInfeasible]):
        self.failures = tuple(failures)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(failure) for failure in self.failures) + (
            "\nnothing was written; change --per-submission, --max-load or --cap, the panels "
            "(jurors.yaml domains) or the conflicts, and try again"
        )


# --- writing ---------------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _as_usual(path: Path, folder: bool = False) -> None:
    """Give a temporary file or folder (created private) the permissions of a normal one."""
    os.chmod(path, (0o777 if folder else 0o666) & ~_umask())


def write_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` at once: a temporary file beside it, then renamed."""
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; name a file")
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"{folder}: no such folder")
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        _as_usual(Path(staging))
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return path


def write_folder(folder: Path, files: dict[str, bytes], force: bool = False) -> list[Path]:
    """Write ``files`` into ``folder`` at once.

    A new folder is filled under a temporary name and renamed; an existing one must be empty
    (or ``force``), and its files are replaced one by one from a staging folder inside it.
    """
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file; name a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise OutputError(
            f"{folder}: this folder is not empty; choose a new or empty folder, or pass "
            "--force to write there anyway (files of the same name are replaced)"
        )
    parent = folder.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    inside = folder.is_dir()
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder if inside else parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        if not inside:
            _as_usual(staging, folder=True)
            os.replace(staging, folder)
        else:
            for name in files:
                os.replace(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [folder / name for name in files]


# --- init ------------------------------------------------------------------------------------


def starter_files(name: str) -> dict[str, bytes]:
    """The files of a new competition called ``name``, commented in French and English."""
    source = resources.files("grantjury") / "starter"
    files = {}
    for file in STARTER_FILES:
        text = (source / file).read_text(encoding="utf-8")
        value = json.dumps(name, ensure_ascii=False) if file.endswith(".yaml") else name
        files[file] = text.replace("{{id}}", value).encode("utf-8")
    return files


def init_competition(folder: Path) -> list[Path]:
    """Create a ready-to-edit competition in ``folder``, which must be new or empty.

    Everything is made in a staging folder first. A new folder is then renamed into place; an
    existing empty one (perhaps the current folder of the secretary's shell) is kept and
    filled by moving the entries in, removing them again if a move fails.
    """
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file; name a new or empty folder")
    if folder.is_dir() and any(folder.iterdir()):
        raise OutputError(
            f"{folder}: this folder is not empty; grantjury init needs a new or empty folder "
            "(it never overwrites a competition)"
        )
    name = folder.absolute().name or "competition"
    entries = (*STARTER_FILES, "submissions")
    inside = folder.is_dir()
    parent = folder.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".grantjury-init.", dir=folder if inside else parent))
    moved: list[Path] = []
    try:
        for file, data in starter_files(name).items():
            (staging / file).write_bytes(data)
        (staging / "submissions").mkdir()
        _as_usual(staging / "submissions", folder=True)
        if not inside:
            _as_usual(staging, folder=True)
            os.replace(staging, folder)
        else:
            for entry in entries:
                os.replace(staging / entry, folder / entry)
                moved.append(folder / entry)
    except BaseException:
        for path in moved:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [folder / entry for entry in entries]


# --- assign ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainPlan:
    """One domain's assignment, with the ids its codes stand for."""

    domain: str
    submissions: tuple[str, ...]
    """Eligible submissions, in id order (the rows of ``result.jurors``)."""
    left_out: tuple[str, ...]
    """Submissions marked not eligible: not assigned."""
    panel: tuple[str, ...]
    """Jurors of the domain's panel, in id order (the codes of ``result``)."""
    result: Assignment


@dataclass(frozen=True)
class AssignmentPlan:
    seed: int
    per_submission: int
    max_load: int | None
    domains: tuple[DomainPlan, ...]
    whole: CompetitionAssignment | None = None
    """Loads across the competition and why they are not closer (None: nothing assigned)."""
    juror_ids: tuple[str, ...] = ()
    balance: str = "competition"
    objective: str = "balance"
    cap: float | None = None

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Every (juror, submission) pair, sorted."""
        pairs = [
            (plan.panel[j], plan.submissions[s])
            for plan in self.domains
            for s, row in enumerate(plan.result.jurors.tolist())
            for j in row
        ]
        return sorted(pairs)


def panel_of(competition: Competition, domain_id: str) -> list[int]:
    """Codes of a domain's panel: jurors who list the domain, and jurors with no panel."""
    return [
        j
        for j, juror in enumerate(competition.jurors)
        if not juror.domains or domain_id in juror.domains
    ]


def plan_assignments(
    competition: Competition,
    per_submission: int,
    max_load: int | None = None,
    seed: int | None = None,
    balance: str = "competition",
    *,
    objective: str = "balance",
    cap: float | None = None,
    affinity: PairAffinity | None = None,
    constraints: Constraints | None = None,
) -> AssignmentPlan:
    """Assign ``per_submission`` conflict-free jurors of its domain's panel to every eligible
    submission, with loads balanced across the competition (``balance="competition"``) or
    within each domain (``"domain"``); each domain has its own generator derived from the seed.

    Raises ``InfeasibleDomains`` with the exact reasons of every domain that has no solution.
    """
    seed = competition.spec.method.seed if seed is None else seed
    forbidden: dict[str, list[tuple[int, int]]] = {}
    for j, s in forbidden_pairs(competition, conflict_register(competition)):
        forbidden.setdefault(competition.submissions[s].domain, []).append((j, s))
    problems, left_outs, panels, rngs = [], [], [], []
    for index, domain in enumerate(competition.domains):
        members = competition.domain_members(index)
        subs = [
            s
            for s in members
            if competition.submissions[s].eligible
            and competition.submissions[s].id not in competition.inadmissible
        ]
        panel = panel_of(competition, domain.id)
        sub_at = {s: i for i, s in enumerate(subs)}
        jur_at = {j: i for i, j in enumerate(panel)}
        pairs = sorted(
            (jur_at[j], sub_at[s])
            for j, s in forbidden.get(domain.id, ())
            if j in jur_at and s in sub_at
        )
        sub_ids = tuple(competition.submissions[s].id for s in subs)
        problems.append(
            DomainProblem(
                domain.id,
                sub_ids,
                tuple(panel),
                np.array(pairs, dtype=np.int64).reshape(-1, 2),
                _domain_affinity(affinity, jur_at, sub_at),
                None if constraints is None else constraints.for_domain(panel, subs),
            )
        )
        left_outs.append(tuple(competition.submissions[s].id for s in members if s not in sub_at))
        panels.append(tuple(competition.jurors[j].id for j in panel))
        rngs.append(derived_rng(seed, "assign", domain.id))
    rngs.append(derived_rng(seed, "assign", "split"))
    juror_ids = tuple(j.id for j in competition.jurors)
    try:
        whole = assign_competition(
            problems,
            len(juror_ids),
            per_submission,
            rngs,
            max_load=max_load,
            balance=balance,
            juror_ids=juror_ids,
            objective=objective,
            cap=cap,
        )
    except CompetitionInfeasible as failure:
        raise InfeasibleDomains(list(failure.failures)) from None
    plans = tuple(
        DomainPlan(problem.domain, problem.submission_ids, left_out, panel, result)
        for problem, left_out, panel, result in zip(
            problems, left_outs, panels, whole.domains, strict=True
        )
    )
    return AssignmentPlan(
        seed, per_submission, max_load, plans, whole, juror_ids, balance, objective, cap
    )


def _domain_affinity(
    affinity: PairAffinity | None, jur_at: dict[int, int], sub_at: dict[int, int]
) -> Affinity | None:
    """The pairs of one domain, coded by panel and submission positions."""
    if affinity is None:
        return None
    jurors, subs, values = affinity
    panel = np.full(max(jur_at, default=-1) + 1 if jur_at else 0, -1, dtype=np.int64)
    for j, at in jur_at.items():
        panel[j] = at
    domain = np.full(max(sub_at, default=-1) + 1 if sub_at else 0, -1, dtype=np.int64)
    for sub, at in sub_at.items():
        domain[sub] = at
    inside = (jurors < panel.size) & (subs < domain.size)
    jurors, subs, values = jurors[inside], subs[inside], values[inside]
    j_at, s_at = panel[jurors], domain[subs]
    keep = (j_at >= 0) & (s_at >= 0)
    return Affinity(j_at[keep], s_at[keep], values[keep])


def assignments_csv(pairs: list[tuple[str, str]], header: list[str] | None = None) -> bytes:
    """assignments.csv: ``#`` lines recording how it was made (``header``), then the column
    line ``juror,submission`` and one sorted pair per line, UTF-8."""
    lines = [*(f"# {line}" for line in header or ()), "juror,submission"]
    lines += [f"{_csv_cell(j)},{_csv_cell(s)}" for j, s in pairs]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _csv_cell(text: str) -> str:
    if any(ch in text for ch in ',;"\n\r') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def describe_plan(plan: AssignmentPlan) -> list[str]:
    """A short summary per domain: counts, loads, connectivity and overlaps."""
    lines = []
    for domain in plan.domains:
        result = domain.result
        n_subs = len(domain.submissions)
        line = f"{domain.domain}: {n_subs} submission{'s' if n_subs != 1 else ''}"
        if domain.left_out:
            line += f" ({', '.join(domain.left_out)} not eligible, left out)"
        if n_subs == 0:
            lines.append(line + f", panel of {len(domain.panel)}: nothing to assign")
            continue
        working = np.setdiff1d(np.arange(len(domain.panel)), result.excluded)
        loads = result.loads[working] if working.size else np.array([0])
        line += (
            f", {len(working)} juror{'s' if len(working) != 1 else ''}, "
            f"{plan.per_submission} per submission, loads {int(loads.min())}–{int(loads.max())}"
        )
        if result.excluded.size:
            excluded = ", ".join(domain.panel[j] for j in result.excluded.tolist())
            line += f" ({excluded} in conflict with every submission, left out)"
        n = len(working)
        possible = n * (n - 1) // 2
        if result.connected:
            line += ", connected"
        else:
            line += (
                f", NOT connected ({result.n_components} separate groups: calibration cannot "
                "compare jurors across them)"
            )
        line += f", {result.shared_pairs} of {possible} juror pairs share a submission"
        lines.append(line)
        precision = result.precision
        if precision is not None and precision.mean_sd is not None:
            worst = precision.worst_sd or 0.0
            lines.append(
                f"  calibration: connectivity {precision.connectivity:.2f}; a difference of "
                f"two jurors' severities is known to ±{precision.mean_sd:.2f} noise sd on "
                f"average, ±{worst:.2f} at worst"
            )
        figures = result.affinity
        if figures is not None:
            text = (
                f"  affinity {figures.total:.2f} in all; worst-served submission "
                f"{figures.worst_submission:.2f}, worst pair {figures.worst_pair:.2f}"
            )
            if figures.threshold is not None:
                text += f" (fair: every pair at least {figures.threshold:.2f})"
            if figures.cap is not None:
                text += (
                    f"; randomised with cap {figures.cap:g} (largest probability "
                    f"{figures.largest_probability:.2f}): expected {figures.expected:.2f}, "
                    f"{100 * figures.share:.1f}% of the optimal {figures.optimal:.2f}"
                )
            lines.append(text)
    whole = plan.whole
    if whole is not None and whole.eligible.any():
        lo, hi = whole.load_bounds
        n = int(whole.eligible.sum())
        where = "across the competition" if whole.balance == "competition" else "in all"
        lines.append(
            f"loads {where}: {lo}–{hi} over {n} juror{'s' if n != 1 else ''}"
            + ("" if plan.max_load is None else f" (--max-load {plan.max_load})")
        )
        lines += [f"  not closer because {reason}" for reason in whole.reasons]
        lines += [f"  {refused}" for refused in whole.refused]
    return lines


def default_assignments_path(competition: Competition) -> Path:
    """The competition's ``assignments`` file, else assignments.csv beside it."""
    base = Path(competition.path).parent
    return base / (competition.spec.assignments or "assignments.csv")


@dataclass(frozen=True)
class AssignOutcome:
    plan: AssignmentPlan
    written: Path
    lines: list[str]
    notes: list[str]
    manifest: Path | None = None


def sheets_record_path(assignments: Path) -> Path:
    """The record ``sheets`` leaves beside the assignments file it made sheets from."""
    return assignments.with_name(f"{assignments.stem}.sheets.json")


def issued_sheets(assignments: Path) -> dict | None:
    """What ``sheets`` recorded for the assignments file as it is now; None when no sheets
    were made from its current content (or it does not exist)."""
    record_path = sheets_record_path(assignments)
    if not assignments.is_file() or not record_path.is_file():
        return None
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    current = "sha256:" + hashlib.sha256(assignments.read_bytes()).hexdigest()
    return record if isinstance(record, dict) and record.get("sha256") == current else None


def assign(
    path: Path,
    per_submission: int,
    max_load: int | None = None,
    seed: int | None = None,
    out: Path | None = None,
    balance: str = "competition",
    *,
    force: bool = False,
    stage: str = "written",
    objective: str = "balance",
    cap: float | None = None,
    affinity: Path | None = None,
    keywords: Path | None = None,
    constraints: Path | None = None,
) -> AssignOutcome:
    """Load the competition (or its final round, ``stage="final"``: its jury and the
    shortlisted submissions), assign every domain, then write the assignments file (its
    ``#`` header records the options and the affinity file) and its manifest beside it.

    Once score sheets were made from the assignments file as it is (``sheets`` recorded
    it), replacing it would make every returned sheet disagree with it: that needs
    ``force``, and the previous file is kept beside it (``replaced_assignments``).
    """
    competition = (
        load_final_round(path) if stage == "final" else load_competition(path, require_scores=False)
    )
    if affinity is not None and keywords is not None:
        raise NotReady("give --affinity or --keywords, not both")
    if objective != "balance" and affinity is None and keywords is None:
        raise NotReady(
            f"--objective {objective} needs affinities: give --affinity affinity.csv "
            "(juror,submission,affinity) or --keywords keywords.csv (id,keywords)"
        )
    source = affinity or keywords
    pairs_affinity = None
    if affinity is not None:
        pairs_affinity = read_affinity(affinity, competition)
    elif keywords is not None:
        pairs_affinity = read_keywords(keywords, competition)
    if constraints is not None and cap is not None:
        raise NotReady("--cap cannot be combined with --constraints yet")
    rules = read_constraints(constraints, competition) if constraints is not None else None
    plan = plan_assignments(
        competition,
        per_submission,
        max_load,
        seed,
        balance,
        objective=objective,
        cap=cap,
        affinity=pairs_affinity,
        constraints=rules,
    )
    pairs = plan.pairs
    target = out or default_assignments_path(competition)
    options = assign_options(plan, source, "keywords" if keywords is not None else "affinity")
    if constraints is not None:
        options["constraints_file"] = constraints.name
        options["constraints_sha256"] = sha256(constraints.read_bytes())
    data = assignments_csv(pairs, [assign_header(options)])
    kept = _keep_issued(target, data, force)
    record = assign_manifest(competition, plan, options, target, data)
    manifest_path = target.with_name(target.stem + ".manifest.json")
    write_file(manifest_path, record)
    write_file(target, data)
    notes = []
    if kept is not None:
        notes.append(
            f"score sheets were made from the previous {target.name}: it is kept as "
            f"{kept.name}; make the sheets again and send them, or put it back to collect "
            "the sheets already sent"
        )
    if out is None and competition.spec.assignments is None:
        notes.append(
            f"add `assignments: {target.name}` to {Path(competition.path).name} so that "
            "validate, sheets and collect use it"
        )
    summary = [
        *describe_plan(plan),
        f"wrote {target}: {len(pairs)} assignments (seed {plan.seed}), and {manifest_path.name}",
    ]
    return AssignOutcome(plan, target, summary, notes, manifest_path)


def assign_options(
    plan: AssignmentPlan, source: Path | None, kind: str = "affinity"
) -> dict[str, Any]:
    """The options of an assignment run, as recorded in the header and the manifest."""
    options: dict[str, Any] = {
        "per_submission": plan.per_submission,
        "max_load": plan.max_load,
        "balance": plan.balance,
        "objective": plan.objective,
        "cap": plan.cap,
        "seed": plan.seed,
    }
    if source is not None:
        options["affinity_file"] = source.name
        options["affinity_from"] = kind
        options["affinity_sha256"] = sha256(source.read_bytes())
    return options


def assign_header(options: dict[str, Any]) -> str:
    """One line of ``--option value`` pairs (``affinity``: the file's name and digest)."""
    parts = ["grantjury assign"]
    for key in ("per_submission", "max_load", "balance", "objective", "cap", "seed"):
        if options.get(key) is not None:
            parts.append(f"--{key.replace('_', '-')} {options[key]}")
    if "affinity_file" in options:
        flag = "--keywords" if options.get("affinity_from") == "keywords" else "--affinity"
        parts.append(f"{flag} {options['affinity_file']} ({options['affinity_sha256']})")
    if "constraints_file" in options:
        file, digest = options["constraints_file"], options["constraints_sha256"]
        parts.append(f"--constraints {file} ({digest})")
    return " ".join(parts)


def _reason_record(reason: object) -> dict[str, Any]:
    """A reason as its code (class name) and parameters."""
    fields = dataclasses.asdict(reason) if dataclasses.is_dataclass(reason) else {}  # type: ignore[arg-type]
    return {"code": type(reason).__name__, **fields}


def assign_manifest(
    competition: Competition,
    plan: AssignmentPlan,
    options: dict[str, Any],
    target: Path,
    data: bytes,
) -> bytes:
    """The run record of ``grantjury assign``: engine, options, inputs' and output's digests,
    and what the assignment achieves per domain (loads, connectivity, affinity)."""
    domains = []
    for domain in plan.domains:
        result = domain.result
        entry: dict[str, Any] = {
            "domain": domain.domain,
            "submissions": len(domain.submissions),
            "panel": len(domain.panel),
            "loads": [int(result.loads.min(initial=0)), int(result.loads.max(initial=0))],
            "components": result.n_components,
            "shared_pairs": result.shared_pairs,
        }
        if result.precision is not None:
            precision = result.precision
            entry["calibration"] = {
                "connectivity": published(precision.connectivity),
                "severity_difference_sd_mean": None
                if precision.mean_sd is None
                else published(precision.mean_sd),
                "severity_difference_sd_worst": None
                if precision.worst_sd is None
                else published(precision.worst_sd),
            }
        if result.affinity is not None:
            figures = result.affinity
            entry["affinity"] = {
                "total": published(figures.total),
                "worst_submission": published(figures.worst_submission),
                "worst_pair": published(figures.worst_pair),
                "optimal": published(figures.optimal),
                "expected": published(figures.expected),
                "share_of_optimal": published(figures.share),
                "largest_probability": published(figures.largest_probability),
                "fair_threshold": None
                if figures.threshold is None
                else published(figures.threshold),
            }
        domains.append(entry)
    whole = plan.whole
    record = {
        "generator": "grantjury",
        "command": "assign",
        "engine": engine_versions(),
        "options": options,
        "inputs": [
            {"path": f.path, "sha256": f.sha256, "size": f.size}
            for f in competition.inputs
            if f.path != target.name
        ],
        "outputs": {target.name: sha256(data)},
        "loads": None
        if whole is None
        else {
            "balance": whole.balance,
            "bounds": list(whole.load_bounds),
            "reasons": [_reason_record(r) for r in whole.reasons],
            "refused": [
                {"domain": r.domain, "reasons": [_reason_record(x) for x in r.reasons]}
                for r in whole.refused
            ],
        },
        "domains": domains,
    }
    return (json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _keep_issued(target: Path, data: bytes, force: bool) -> Path | None:
    """Refuse (or, with ``force``, keep a copy of) an assignments file sheets were made from."""
    record = issued_sheets(target)
    if record is None or target.read_bytes() == data:
        return None
    if not force:
        where = record.get("sheets") or "a sheets folder"
        raise OutputError(
            f"{target}: score sheets were made from these assignments ({where}, "
            f"{len(record.get('workbooks', []))} workbooks); assigning again now would make "
            "every returned sheet disagree with the file. Collect the sheets first, or pass "
            "--force to assign again (the current file is kept beside it, and the sheets "
            "must be made and sent again)"
        )
    kept = replaced_assignments(target, record["sha256"])
    write_file(kept, target.read_bytes())
    return kept


# --- sheets ----------------------------------------------------------------------------------


def _with_assignments(path: Path, step: str, stage: str = "written") -> Competition:
    """The competition (or its final round), which must have its assignments file for this
    step."""
    if stage == "final":
        competition = load_final_round(path)
    else:
        competition = load_competition(path, require_scores=False)
    name = Path(competition.path).name
    if competition.spec.assignments is None:
        raise NotReady(
            f"{name} names no assignments file, which {step} needs: run grantjury assign, "
            f"then add `assignments: assignments.csv` to {name}"
        )
    if competition.assignments is None:
        raise NotReady(
            f"the assignments file {competition.spec.assignments} does not exist yet, and "
            f"{step} needs it: run grantjury assign first"
        )
    return competition


def make_sheets(competition: Competition) -> dict[str, bytes]:
    """Every juror's workbook, by file name, for the jurors who have assignments.

    Refuses assignments in conflict (declared, detected or by scope): a juror must not
    receive a project they may not judge.
    """
    forbidden = forbidden_pairs(competition, conflict_register(competition))
    conflicted = []
    for j, s in competition.assignments if competition.assignments is not None else []:
        reasons = forbidden.get((int(j), int(s)))
        if reasons:
            conflict, via = sorted(set(reasons))[0]
            sub = competition.submissions[s].id
            scope = "" if via == sub else f", domain scope via {via}"
            conflicted.append(
                f"juror {competition.jurors[j].id} is assigned {sub} despite a "
                f"{conflict.source} conflict ({conflict.category}{scope})"
            )
    if conflicted:
        raise NotReady(
            "\n".join(
                [
                    f"{len(conflicted)} assignment(s) in conflict, so no sheets were made:",
                    *(f"  - {line}" for line in conflicted),
                    "run grantjury assign again: it keeps every juror away from their conflicts",
                ]
            )
        )
    digest = assignments_digest(competition)
    files: dict[str, bytes] = {}
    owners: dict[str, str] = {}
    for j, subs in sorted(assigned_by_juror(competition).items()):
        juror = competition.jurors[j]
        name = workbook_name(juror.id)
        key = name.casefold()  # case-insensitive file systems
        if key in owners:
            raise OutputError(
                f"jurors {owners[key]} and {juror.id} would get the same file name {name}; "
                "give them ids that differ in letters or digits"
            )
        owners[key] = juror.id
        files[name] = build_workbook(competition, juror, layout(competition, subs), digest)
    return files


@dataclass(frozen=True)
class SheetsOutcome:
    written: list[Path]
    lines: list[str]


def sheets(path: Path, out: Path, force: bool = False, stage: str = "written") -> SheetsOutcome:
    """Load the competition, make every juror's workbook, then write them into ``out``.

    ``stage="final"``: the final round's sheets (its rubric, jury and assignments; only the
    shortlisted submissions)."""
    competition = _with_assignments(path, "grantjury sheets", stage)
    files = make_sheets(competition)
    written = write_folder(out, files, force=force)
    _record_sheets(competition, out, sorted(files))
    assigned = assigned_by_juror(competition)
    idle = [j.id for i, j in enumerate(competition.jurors) if i not in assigned]
    names = sorted(files)
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    lines = [f"wrote {len(files)} workbook{'s' if len(files) != 1 else ''} into {out}: {shown}"]
    if idle:
        lines.append(f"no sheet for {', '.join(idle)}: no assigned submissions")
    return SheetsOutcome(written, lines)


def _record_sheets(competition: Competition, out: Path, workbooks: list[str]) -> None:
    """Leave beside the assignments file a record that sheets were made from it (``assign``
    then refuses to replace it without ``--force``)."""
    digest = assignments_digest(competition)
    if digest is None:
        return
    assignments = default_assignments_path(competition)
    try:
        shown = os.path.relpath(out.resolve(), assignments.parent.resolve())
    except ValueError:  # another drive (Windows)
        shown = str(out.resolve())
    record = {
        "assignments": assignments.name,
        "sha256": digest,
        "sheets": Path(shown).as_posix(),
        "workbooks": workbooks,
    }
    text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    write_file(sheets_record_path(assignments), text.encode("utf-8"))


# --- collect ---------------------------------------------------------------------------------


def default_scores_path(competition: Competition) -> Path:
    """The competition's ``scores`` file, else scores.csv beside it."""
    base = Path(competition.path).parent
    return base / (competition.spec.scores or "scores.csv")


@dataclass(frozen=True)
class CollectOutcome:
    collected: Collected
    written: Path
    lines: list[str]
    warnings: list[str]


def collect(
    path: Path, folder: Path, out: Path | None = None, stage: str = "written"
) -> CollectOutcome:
    """Read the returned sheets of ``folder``, check every cell, then write the scores file
    (``stage="final"``: the final round's)."""
    competition = _with_assignments(path, "grantjury collect", stage)
    label = competition.spec.assignments or "assignments.csv"
    collected = read_returns(competition, folder, Path(label).name)
    target = out or default_scores_path(competition)
    write_file(target, scores_csv(collected.rows))
    warnings = list(collected.warnings)
    if out is None and competition.spec.scores is None:
        warnings.append(
            f"add `scores: {target.name}` to {Path(competition.path).name} so that rank uses it"
        )
    n_files = len(collected.files)
    lines = [
        f"read {n_files} file{'s' if n_files != 1 else ''} from {folder}: "
        f"{len(collected.rows)} scores from {len(collected.jurors)} of "
        f"{len(assigned_by_juror(competition))} jurors; wrote {target}"
    ]
    return CollectOutcome(collected, target, lines, warnings)
