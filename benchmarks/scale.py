"""Scale benchmark: `grantjury rank` on national-programme sizes, side by side with pandas.

Generates (with ``grantjury.secretary.simulate``) competitions of 1k to 4M score rows (1M:
50,000 submissions, 5,000 jurors, 4 jurors per submission, 5 criteria, 3 domains, submissions
as one CSV file) and measures, for each, in alternating rounds (median of ``--rounds``):

- the pandas reference a data-minded secretary would write instead: read the scores and
  submissions CSVs, weighted total per juror and submission, z-score of each juror's totals
  within a domain, mean per submission, rank per domain, write the ranking;
- ``grantjury rank`` with its defaults (additive calibration, 1000 bootstrap replicates,
  sensitivity and leave-one-juror-out), and ``grantjury rank --replicates 0``;

each in its own process: wall time, CPU time (user + system, all threads: the machine's two
cores serve the bootstrap, one thread per domain), and peak resident memory
(VmHWM). It prints the ratios to pandas and a growth table (CPU per million score rows). With
``--stage-table`` it also times the pipeline's stages one by one in-process (wall time, and
the peak memory each allocates, tracemalloc). pandas is a benchmark-only extra
(``pip install -e '.[bench]'``), never a dependency. Never a timed test.

    .venv/bin/python benchmarks/scale.py                       # 10k, 40k, 100k, 1M; 3 rounds
    .venv/bin/python benchmarks/scale.py --sizes 1k,10k --rounds 1
    .venv/bin/python benchmarks/scale.py --sizes 1M --keep /tmp/scale --stage-table
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

SIZES: dict[str, dict[str, int]] = {
    "1k": {"submissions": 50, "jurors": 10},
    "10k": {"submissions": 500, "jurors": 50},
    "40k": {"submissions": 2_000, "jurors": 200},
    "100k": {"submissions": 5_000, "jurors": 500},
    "1M": {"submissions": 50_000, "jurors": 5_000},
    "4M": {"submissions": 200_000, "jurors": 20_000},
}
"""Each size: 4 jurors per submission, 5 criteria, 3 domains (rows = submissions × 20)."""
CALIBRATIONS = ("zscore", "additive")
MB = 2**20


def generate(folder: Path, size: str, seed: int = 1) -> None:
    """Write the simulated competition of ``size`` into ``folder``."""
    from grantjury.secretary import simulate

    options = simulate.SimulationOptions(**SIZES[size], per_submission=4, seed=seed)
    simulate.write(folder, simulate.render(simulate.simulate(options)))


LAST_CPU = [0.0]
PEAK_WRAPPER = """
import atexit, os, runpy, sys

def _peak():  # VmHWM: the peak resident memory of this program, counted from its exec
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(os.environ["SCALE_PEAK_FILE"], "w").write(line.split()[1])

if os.path.exists("/proc/self/status"):
    atexit.register(_peak)
target, sys.argv = sys.argv[1], sys.argv[1:]
if target.endswith(".py"):
    runpy.run_path(target, run_name="__main__")
else:
    runpy.run_module(target, run_name="__main__", alter_sys=True)
"""
"""Runs a script or module and writes its peak memory to $SCALE_PEAK_FILE on exit. The
child's rusage would also count the pages of this process, which it shares until exec."""


def run_child(args: list[str]) -> tuple[float, float, str]:
    """Run a script or module (``args[0]``) in a new interpreter: its wall time (s), its own
    peak resident memory (MB), its stdout. Its CPU time (user + system, every thread) is
    kept in ``LAST_CPU``."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(suffix=".peak") as peak,
    ):
        env = {**os.environ, "SCALE_PEAK_FILE": peak.name}
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", PEAK_WRAPPER, *args], stdout=out, stderr=err, env=env
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        LAST_CPU[0] = usage.ru_utime + usage.ru_stime
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{err.read().decode()}")
        recorded = Path(peak.name).read_text().strip()
        peak_kb = int(recorded) if recorded else usage.ru_maxrss
        return wall, peak_kb / 1024, out.read().decode()


# --- The pandas reference ----------------------------------------------------------------------


def pandas_reference(folder: Path) -> dict[str, Any]:
    """Rank the competition the simplest way, in pandas; returns the timing and the winners."""
    start = time.perf_counter()
    import pandas as pd
    import yaml

    imported = time.perf_counter()
    rubric = yaml.safe_load((folder / "rubric.yaml").read_text(encoding="utf-8"))
    weights = pd.Series({c["id"]: float(c.get("weight", 1)) for c in rubric["criteria"]})
    scores = pd.read_csv(folder / "scores.csv", dtype={"score": "float64"})
    submissions = pd.read_csv(folder / "submissions.csv", usecols=["id", "domain"])
    scores["weight"] = scores["criterion"].map(weights)
    scores["weighted"] = scores["score"] * scores["weight"]
    pairs = scores.groupby(["juror", "submission"], sort=False)[["weighted", "weight"]].sum()
    totals = (pairs["weighted"] / pairs["weight"]).rename("total").reset_index()
    totals = totals.merge(submissions, left_on="submission", right_on="id")
    by_juror = totals.groupby(["domain", "juror"])["total"]
    totals["z"] = (totals["total"] - by_juror.transform("mean")) / by_juror.transform("std")
    means = totals.groupby(["domain", "submission"])["z"].mean().reset_index()
    means["rank"] = means.groupby("domain")["z"].rank(ascending=False, method="first")
    top = means[means["rank"] <= 3].sort_values(["domain", "rank"])
    with tempfile.TemporaryDirectory() as out:  # and write the ranking, as rank does
        means.sort_values(["domain", "rank"]).to_csv(Path(out) / "ranking.csv", index=False)
    done = time.perf_counter()
    return {
        "work": done - imported,
        "total": done - start,
        "winners": {d: list(g["submission"]) for d, g in top.groupby("domain")},
    }


# --- grantjury, stage by stage -----------------------------------------------------------------


def stages(folder: Path, calibration: str, replicates: int, measure: str) -> dict[str, Any]:
    """Run the pipeline's stages one by one; ``measure`` is ``time`` (s) or ``memory`` (MB
    allocated at the peak of each stage, tracemalloc)."""
    import numpy as np

    from grantjury import pipeline
    from grantjury.aggregate import aggregate_scores, criterion_means, juror_totals
    from grantjury.assemble import build_results, calibration_warnings
    from grantjury.calibrate import calibrate
    from grantjury.conflicts import exclude_conflicts
    from grantjury.eligibility import ineligibility_reasons
    from grantjury.errors import ProblemLog
    from grantjury.loading import load_raw
    from grantjury.report import build_outputs, write_outputs
    from grantjury.results import Results
    from grantjury.validate import validate

    figures: dict[str, float] = {}

    def stage(name: str, work: Callable[[], Any]) -> Any:
        if measure == "memory":
            tracemalloc.start()
            result = work()
            figures[name] = figures.get(name, 0.0) + tracemalloc.get_traced_memory()[1] / MB
            tracemalloc.stop()
            return result
        start = time.perf_counter()
        result = work()
        figures[name] = figures.get(name, 0.0) + time.perf_counter() - start
        return result

    paused = ExitStack()  # as `grantjury rank` runs: collector paused in pipeline.run
    paused.enter_context(pipeline.cycle_collector_paused())
    log = ProblemLog()
    raw = stage("load", lambda: load_raw(folder, log))
    competition = stage("validate", lambda: validate(raw, log))
    log.raise_if_any()
    method = pipeline.effective_method(
        competition, {"calibration": calibration, "replicates": replicates}
    )
    exclusions = stage("conflicts", lambda: exclude_conflicts(competition))

    def totals_stage() -> tuple:
        result = juror_totals(competition, exclusions.excluded)
        means = criterion_means(result.totals, len(competition.submissions))
        return result, means, ineligibility_reasons(competition, means)

    totals_result, means, ineligible = stage("totals", totals_stage)
    totals = totals_result.totals
    obs_domain = pipeline.observation_domains(competition, totals)
    domains = []
    for d in range(len(competition.domains)):
        observations = np.flatnonzero(obs_domain == d)
        jurors, juror_local = np.unique(totals.juror[observations], return_inverse=True)
        subs, sub_local = np.unique(totals.submission[observations], return_inverse=True)
        values = totals.total[observations]
        cal = stage(
            "calibrate",
            partial(
                calibrate,
                method.calibration,
                juror_local,
                sub_local,
                values,
                len(jurors),
                len(subs),
            ),
        )
        stage(
            "aggregate",
            partial(aggregate_scores, sub_local, cal.calibrated, len(subs), method.aggregate),
        )
        before = figures.get("calibrate", 0.0) + figures.get("aggregate", 0.0)
        ds = stage(
            "rank",
            partial(pipeline.score_domain, competition, totals, d, method, observations),
        )
        # score_domain calibrates and aggregates again: only the rest counts as ranking.
        if measure == "time":
            figures["rank"] -= figures["calibrate"] + figures["aggregate"] - before
        domains.append(ds)
    domains_t = tuple(domains)
    stability = stage(
        "stability",
        lambda: pipeline.bootstrap(competition, method, totals, domains_t, ineligible),
    )
    bands = stability["bands"]
    outcome = stage(
        "select",
        lambda: pipeline.select_winners(competition, method, domains_t, ineligible, bands),
    )
    scoring = pipeline.Scoring(
        competition=competition,
        method=method,
        exclusions=exclusions,
        totals=totals_result,
        criterion_means=means,
        ineligible=ineligible,
        domains=domains_t,
        stability=stability,
        outcome=outcome,
    )
    sensitivity = stage("sensitivity", lambda: pipeline.sensitivity(scoring))

    def results_stage() -> Results:
        warnings = [
            *competition.warnings,
            *exclusions.warnings,
            *totals_result.warnings,
            *calibration_warnings(scoring),
        ]
        return build_results(scoring, sensitivity, warnings)

    results = stage("results", results_stage)
    paused.close()  # writing runs after pipeline.run, with the collector on
    with tempfile.TemporaryDirectory() as out:
        target = Path(out) / "report"
        stage(
            "writing",
            lambda: write_outputs(
                target, build_outputs(results, {}, Path(competition.path), target)[1]
            ),
        )
    ranked = ("load", "validate", "conflicts", "totals", "calibrate", "aggregate", "rank")
    figures["ranked"] = sum(figures[k] for k in (*ranked, "select"))
    return figures


# --- Driver ------------------------------------------------------------------------------------


def rank_command(folder: Path, out: Path, replicates: int | None) -> list[str]:
    """``grantjury rank`` as a user types it (its defaults: additive, 1000 replicates)."""
    args = ["grantjury.cli", "rank", str(folder), "--out", str(out), "--force"]
    return [*args, "--replicates", str(replicates)] if replicates is not None else args


def measure_size(
    size: str, rounds: int, pandas: bool, keep: Path | None, stages_too: bool, replicates: int
) -> dict[str, Any]:
    """Rounds alternate pandas, ``rank`` with its defaults and ``rank --replicates 0``; each
    figure is the median of its rounds (wall and CPU seconds, peak memory in MB)."""
    folder_context = tempfile.TemporaryDirectory(prefix=f"grantjury-scale-{size}-")
    with folder_context as tmp:
        folder = (keep / size) if keep else Path(tmp) / "competition"
        start = time.perf_counter()
        if not (folder / "competition.yaml").is_file():
            generate(folder, size)
        row: dict[str, Any] = {"size": size, "generated": time.perf_counter() - start}
        me = [__file__]
        runs: dict[str, list[tuple[float, float, float]]] = {}
        jobs = {
            "defaults": rank_command(folder, Path(tmp) / "out", None),
            "replicates 0": rank_command(folder, Path(tmp) / "out", 0),
        }
        if pandas:
            jobs = {"pandas": [*me, "--pandas", str(folder)], **jobs}
        for _ in range(rounds):
            for name, args in jobs.items():
                wall, peak, _ = run_child(args)
                runs.setdefault(name, []).append((wall, LAST_CPU[0], peak))
        for name, measured in runs.items():
            wall, cpu, peak = (sorted(m[i] for m in measured)[len(measured) // 2] for i in range(3))
            row[name] = {"wall": wall, "cpu": cpu, "peak_mb": peak}
        if stages_too:
            for calibration in CALIBRATIONS:
                _, _, text = run_child(
                    [*me, "--stages", str(folder), calibration, str(replicates), "time"]
                )
                row[f"stages_{calibration}"] = json.loads(text)
                _, _, text = run_child(
                    [*me, "--stages", str(folder), calibration, str(replicates), "memory"]
                )
                row[f"memory_{calibration}"] = json.loads(text)
        return row


STAGES = [
    "load",
    "validate",
    "conflicts",
    "totals",
    "calibrate",
    "aggregate",
    "rank",
    "select",
    "ranked",
    "stability",
    "sensitivity",
    "results",
    "writing",
]


def report(rows: list[dict[str, Any]], replicates: int) -> str:
    """The tables of docs/performance.md: against pandas, the growth, and the stages."""
    lines = []
    if all("pandas" in r for r in rows):
        lines += [
            "| size | pandas wall / CPU / peak | rank (defaults) wall / CPU / peak | ratio wall"
            " / CPU | rank --replicates 0 wall / CPU / peak | ratio wall / CPU |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            p = r["pandas"]
            cells = [f"{p['wall']:.2f} s / {p['cpu']:.2f} s / {p['peak_mb']:.0f} MB"]
            for name in ("defaults", "replicates 0"):
                g = r[name]
                cells.append(f"{g['wall']:.2f} s / {g['cpu']:.2f} s / {g['peak_mb']:.0f} MB")
                cells.append(f"{g['wall'] / p['wall']:.1f}× / {g['cpu'] / p['cpu']:.1f}×")
            lines.append(f"| {r['size']} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += [
        "| size | score rows | rank (defaults) CPU | per million rows | peak | --replicates 0 CPU"
        " | per million rows | peak |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        n = SIZES[r["size"]]["submissions"] * 20
        cells = []
        for name in ("defaults", "replicates 0"):
            g = r[name]
            cells += [
                f"{g['cpu']:.2f} s",
                f"{g['cpu'] / n * 1e6:.1f} s",
                f"{g['peak_mb']:.0f} MB",
            ]
        lines.append(f"| {r['size']} | {n:,} | " + " | ".join(cells) + " |")
    staged = [r for r in rows if "stages_zscore" in r]
    if staged:
        lines += [
            "",
            "| stage |" + "".join(f" {r['size']} {c} |" for r in staged for c in CALIBRATIONS),
        ]
        lines.append("|---|" + "---:|" * (len(staged) * len(CALIBRATIONS)))
        for name in STAGES:
            label = f"stability ({replicates} replicates)" if name == "stability" else name
            label = "**ranked (load → select)**" if name == "ranked" else label
            cells = "".join(
                f" {r[f'stages_{c}'][name]:.2f} s / {r[f'memory_{c}'][name]:.0f} MB |"
                for r in staged
                for c in CALIBRATIONS
            )
            lines.append(f"| {label} |{cells}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="10k,40k,100k,1M", help="Comma-separated, of " + ", ".join(SIZES) + "."
    )
    parser.add_argument("--rounds", type=int, default=3, help="Alternating rounds (median).")
    parser.add_argument(
        "--stage-table", action="store_true", help="Also time each stage in-process."
    )
    parser.add_argument("--replicates", type=int, default=1000, help="Of the stage table.")
    parser.add_argument("--no-pandas", action="store_true", help="Skip the pandas reference.")
    parser.add_argument("--keep", type=Path, help="Folder to keep (and reuse) the competitions.")
    parser.add_argument("--json", type=Path, help="Also write every figure to this file.")
    parser.add_argument("--stages", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--pandas", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stages:
        folder, calibration, replicates, what = args.stages
        print(json.dumps(stages(Path(folder), calibration, int(replicates), what)))
        return
    if args.pandas:
        print(json.dumps(pandas_reference(args.pandas)))
        return
    rows = []
    for size in args.sizes.split(","):
        rows.append(
            measure_size(
                size, args.rounds, not args.no_pandas, args.keep, args.stage_table, args.replicates
            )
        )
        print(f"measured {size}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(f"{os.cpu_count()} CPUs; {sys.version.split()[0]}")
    print(report(rows, args.replicates))


if __name__ == "__main__":
    main()
