"""Simulated competitions: valid, deterministic, faithful to their truth and to their options."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import annotated_types
import click
import numpy as np
import pytest
import yaml

from grantjury.cli import simulate as simulate_command
from grantjury.pipeline import run
from grantjury.secretary.simulate import (
    FILES,
    LANGUAGE_SETS,
    SimulationOptions,
    deal,
    render,
    simulate,
    write,
)
from tests.conftest import invoke

SMALL = (
    "--submissions", "30", "--domains", "2", "--winners", "2", "--jurors", "8",
    "--per-submission", "3", "--conflict-rate", "0.1", "--seed", "5",
)  # fmt: skip


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def small(tmp_path: Path) -> Path:
    out = tmp_path / "sim"
    result = invoke("simulate", out, *SMALL)
    assert result.exit_code == 0, result.output
    return out


def test_simulated_competition_validates_and_ranks(small: Path) -> None:
    result = invoke("validate", small)
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("valid — 30 submissions, 8 jurors, 450 score rows, 2 domains\n")
    ranked = run(small, {"calibration": "additive", "replicates": 0}).results
    assert [len(d.winners) for d in ranked.domains] == [2, 2]


def test_cli_summary_line(small: Path, tmp_path: Path) -> None:
    result = invoke("simulate", tmp_path / "again", *SMALL)
    truth = json.loads((small / "truth.json").read_text(encoding="utf-8"))
    clipped = truth["clipping"]
    assert result.stdout == (
        f"wrote {tmp_path / 'again'}: 30 submissions in 2 domains, 8 jurors (3 per submission, "
        f"random), 450 score rows, {truth['declared_conflicts']} declared conflicts; "
        f"{clipped['share']:.2%} of criterion scores clipped ({clipped['at_min']} at 0, "
        f"{clipped['at_max']} at 20)\n"
    )


def test_same_seed_same_bytes_other_seed_other_draw(small: Path, tmp_path: Path) -> None:
    invoke("simulate", tmp_path / "same", *SMALL)
    for name in FILES:
        assert (tmp_path / "same" / name).read_bytes() == (small / name).read_bytes(), name
    invoke("simulate", tmp_path / "other", *SMALL[:-1], "6")
    for name in ("scores.csv", "truth.json", "assignments.csv"):
        assert (tmp_path / "other" / name).read_bytes() != (small / name).read_bytes(), name


def test_truth_matches_the_files(small: Path) -> None:
    truth = json.loads((small / "truth.json").read_text(encoding="utf-8"))
    submissions = rows(small / "submissions.csv")
    jurors = yaml.safe_load((small / "jurors.yaml").read_text(encoding="utf-8"))
    assert {s["id"]: s["domain"] for s in submissions} == {
        sid: t["domain"] for sid, t in truth["submissions"].items()
    }
    assert sorted(truth["jurors"]) == sorted(j["id"] for j in jurors)
    for domain, entry in truth["domains"].items():
        members = [sid for sid, t in truth["submissions"].items() if t["domain"] == domain]
        best = sorted(members, key=lambda sid: -truth["submissions"][sid]["quality"])
        assert entry["top"] == best[:2]
    conflicts = rows(small / "conflicts.csv")
    assert len(conflicts) == truth["declared_conflicts"] > 0
    scored = {(r["juror"], r["submission"]) for r in rows(small / "scores.csv")}
    assert {(c["juror"], c["submission"]) for c in conflicts} <= scored  # they scored anyway
    assert truth["options"]["seed"] == 5
    assert truth["command"].startswith("grantjury simulate OUT_DIR --submissions 30 ")


def test_scores_follow_the_model_without_noise(tmp_path: Path) -> None:
    options = SimulationOptions(noise_sd=0.0, bias_sd=0.5, seed=3)
    write(tmp_path, render(simulate(options)))
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    for row in rows(tmp_path / "scores.csv"):
        juror, quality = truth["jurors"][row["juror"]], truth["submissions"][row["submission"]]
        latent = juror["scale"] * quality["quality"] + juror["bias"]
        expected = np.clip(np.rint((10 + 2 * latent) / 0.5) * 0.5, 0, 20)
        assert float(row["score"]) == expected


def test_options_are_respected(small: Path) -> None:
    competition = yaml.safe_load((small / "competition.yaml").read_text(encoding="utf-8"))
    assert [d["winners"] for d in competition["domains"]] == [2, 2]
    assert competition["languages"] == ["ar", "fr"]
    domain_of = {s["id"]: s["domain"] for s in rows(small / "submissions.csv")}
    assert len(domain_of) == 30
    assert Counter(domain_of.values()) == {"d1": 15, "d2": 15}
    panels = {
        j["id"]: set(j["domains"])
        for j in yaml.safe_load((small / "jurors.yaml").read_text(encoding="utf-8"))
    }
    assert len(panels) == 8
    criteria: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows(small / "scores.csv"):
        assert domain_of[row["submission"]] in panels[row["juror"]]
        criteria[(row["juror"], row["submission"])].append(row["criterion"])
    assert all(len(c) == len(set(c)) == 5 for c in criteria.values())
    jurors_of = Counter(sub for _, sub in criteria)
    assert set(jurors_of.values()) == {3} and len(jurors_of) == 30
    load = Counter((juror, domain_of[sub]) for juror, sub in criteria)
    for domain in ("d1", "d2"):
        counts = [load[(j, domain)] for j in panels if domain in panels[j]]
        assert max(counts) - min(counts) <= 1


def test_panels_and_french_only(tmp_path: Path) -> None:
    options = SimulationOptions(
        submissions=40, domains=4, jurors=10, panel_size=5, per_submission=3, languages=("fr",)
    )
    sim = simulate(options)
    assert sim.panels.sum(axis=0).tolist() == [5, 5, 5, 5]
    assert sim.panels.any(axis=1).all()
    assert sim.panels[sim.pair_juror, sim.domain[sim.pair_submission]].all()
    write(tmp_path, render(sim))
    header = (tmp_path / "submissions.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "id,domain,association_id,association_name_fr,title_fr,requested_amount"
    assert invoke("validate", tmp_path).exit_code == 0


def test_specialised_sends_harsh_jurors_to_strong_submissions() -> None:
    def correlation(assignment: str) -> float:
        sim = simulate(SimulationOptions(assignment=assignment, seed=11))
        return float(np.corrcoef(sim.bias[sim.pair_juror], sim.quality[sim.pair_submission])[0, 1])

    assert correlation("specialised") < -0.4
    assert abs(correlation("random")) < 0.15


@pytest.mark.parametrize(("size", "n", "k"), [(4, 9, 4), (5, 13, 4), (7, 50, 3), (12, 40, 4)])
def test_deal_gives_distinct_jurors_and_balanced_loads(size: int, n: int, k: int) -> None:
    pool = np.arange(100, 100 + size)
    for seed in range(20):
        chosen = deal(np.random.default_rng(seed), pool, n, k)
        assert chosen.shape == (n, k)
        assert all(len(set(row)) == k for row in chosen.tolist())
        load = np.bincount(chosen.ravel() - 100, minlength=size)
        assert load.max() - load.min() <= 1


def test_refuses_a_foreign_folder_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result = invoke("simulate", out, "--submissions", "12")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {out} is not empty and holds no earlier simulation (no truth.json written by "
        "grantjury simulate); choose an empty folder, or pass --force to write into it\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert invoke("simulate", out, "--submissions", "12", "--force").exit_code == 0
    assert (out / "notes.txt").exists()


def test_overwrites_an_earlier_simulation(small: Path) -> None:
    assert invoke("simulate", small, *SMALL[:-1], "9").exit_code == 0
    assert json.loads((small / "truth.json").read_text(encoding="utf-8"))["options"]["seed"] == 9


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--assignment", "clever"), "Invalid value for '--assignment'"),
        (("--noise-sd", "-1"), "Invalid value for '--noise-sd'"),
        (("--per-submission", "13"), "13 jurors per submission is more than the panel size 12"),
        (("--winners", "50"), "50 winners per domain is more than the smallest domain's 40"),
    ],
)
def test_bad_options_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = invoke("simulate", tmp_path / "out", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def model_bounds(name: str) -> tuple[float | None, float | None]:
    """The closed bounds of a simulator option, from its pydantic field (ints: lt n → max n−1)."""
    field = SimulationOptions.model_fields[name]
    whole = field.annotation in (int, int | None)
    low = high = None
    for rule in field.metadata:
        if isinstance(rule, annotated_types.Ge):
            low = rule.ge
        elif isinstance(rule, annotated_types.Gt):
            low = rule.gt + 1 if whole else rule.gt
        elif isinstance(rule, annotated_types.Le):
            high = rule.le
        elif isinstance(rule, annotated_types.Lt):
            high = rule.lt - 1 if whole else rule.lt
    return low, high


OPTIONS = {
    p.name: p
    for p in simulate_command.params
    if isinstance(p, click.Option) and p.name not in ("force", "languages")
}
COMMAND_DEFAULTS = simulate_command.make_context("simulate", ["OUT_DIR"]).params
"""What `grantjury simulate OUT_DIR` passes for each option given no other."""


def test_every_simulator_option_is_on_the_command_line() -> None:
    internal = {"centre", "spread", "languages"}  # fixed by the 0–20 scale; a choice below
    assert set(OPTIONS) == set(SimulationOptions.model_fields) - internal


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_a_simulate_option_restates_the_simulator_default_and_bounds(name: str) -> None:
    option, field = OPTIONS[name], SimulationOptions.model_fields[name]
    assert COMMAND_DEFAULTS[name] == field.default
    if isinstance(option.type, click.Choice):
        assert tuple(option.type.choices) == field.annotation.__args__
        return
    low, high = model_bounds(name)
    assert isinstance(option.type, click.IntRange | click.FloatRange)
    open_low = any(isinstance(r, annotated_types.Gt) for r in field.metadata)
    assert option.type.min_open == (open_low and isinstance(option.type, click.FloatRange))
    assert not option.type.max_open
    assert option.type.min == low
    # A bound the command line leaves to the model is still enforced, as a usage error.
    assert option.type.max in (high, None)


def test_the_languages_option_offers_the_simulator_language_sets() -> None:
    option = next(p for p in simulate_command.params if p.name == "languages")
    assert [tuple(c.split(",")) for c in option.type.choices] == list(LANGUAGE_SETS)
    assert tuple(COMMAND_DEFAULTS["languages"].split(",")) == SimulationOptions().languages


def test_a_bound_the_command_line_leaves_to_the_simulator_is_a_usage_error(
    tmp_path: Path,
) -> None:
    for name, option in OPTIONS.items():
        _, high = model_bounds(name)
        if high is None or getattr(option.type, "max", None) is not None:
            continue
        flag = f"--{name.replace('_', '-')}"
        result = invoke("simulate", tmp_path / name, flag, str(high + 1))
        assert result.exit_code == 2, (name, result.output)
        assert f"{high:_}".replace("_", "") in result.output.replace("_", "")
