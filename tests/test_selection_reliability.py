"""Selection reliability (Bartoš & Martinková 2024) and planning the jury.

Oracles: IRR2FPR's published worked example (README of the R package, after Erosheva et al.
2021: IRR = Spearman–Brown(0.34, 2.79), 18 % selected → TPR 0.6027441, FPR 0.3972559,
FNR 0.08720251), Shrout & Fleiss (1979) Table 2 for ICC(1), closed forms at the edges, and
simulated juries.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from grantjury.api import OptionError, plan, rank
from grantjury.cli import cli, parse_counts
from grantjury.selection_reliability import (
    correctly_selected,
    icc_one_way,
    selection_shares,
    spearman_brown,
)
from tests.test_reliability import SHROUT_FLEISS_TABLE_2

ROOT = Path(__file__).resolve().parent.parent


def test_irr2fpr_published_example() -> None:
    reliability = float(spearman_brown(0.34, 2.79))
    shares = selection_shares(reliability, 0.18)
    assert shares.true_positive == pytest.approx(0.6027441, abs=1e-7)
    assert shares.false_positive == pytest.approx(0.3972559, abs=1e-7)
    assert shares.false_negative == pytest.approx(0.08720251, abs=1e-8)


def test_the_closed_form_agrees_with_the_bivariate_normal() -> None:
    for reliability in (0.05, 0.3, 0.59, 0.9):
        for proportion in (0.02, 0.18, 0.5, 0.8):
            rho = math.sqrt(reliability)
            z = stats.norm.ppf(1 - proportion)
            joint = stats.multivariate_normal([0, 0], [[1, rho], [rho, 1]])
            expected = float(joint.cdf([-z, -z]))
            assert correctly_selected(reliability, proportion) == pytest.approx(expected, abs=2e-5)


def test_edges_no_information_and_perfect_information() -> None:
    assert selection_shares(0.0, 0.2).true_positive == pytest.approx(0.2)  # chance
    assert selection_shares(1.0, 0.2).true_positive == 1.0
    assert correctly_selected(0.5, 0.5) == pytest.approx(
        0.25 + math.asin(math.sqrt(0.5)) / (2 * math.pi)
    )


def test_icc_one_way_on_shrout_fleiss_table_2() -> None:
    targets, judges = SHROUT_FLEISS_TABLE_2.shape
    submission = np.repeat(np.arange(targets), judges)
    estimate = icc_one_way(submission, SHROUT_FLEISS_TABLE_2.ravel())
    assert estimate is not None
    assert round(estimate.icc, 2) == 0.17  # Table 4, ICC(1,1)
    # The F interval of Table 3 by hand: F = BMS / WMS = 11.24 / 6.26, df 5 and 18.
    f = 11.241667 / 6.263889
    low_f, high_f = f / stats.f.ppf(0.95, 5, 18), f * stats.f.ppf(0.95, 18, 5)
    assert estimate.low == pytest.approx(max(0.0, (low_f - 1) / (low_f + 3)), abs=1e-6)
    assert estimate.high == pytest.approx((high_f - 1) / (high_f + 3), abs=1e-5)


def test_simulated_juries_agree_with_the_analytic_share() -> None:
    """Noise-free top vs top by the mean of k noisy jurors: the measured share of winners in
    the true top agrees with the analytic expectation within three standard errors."""
    rng = np.random.default_rng(20240101)
    icc, jurors, n, selected, trials = 0.3, 4, 200, 30, 400
    noise_sd = math.sqrt((1 - icc) / icc)
    hits = []
    for _ in range(trials):
        quality = rng.standard_normal(n)
        score = quality + rng.standard_normal((jurors, n)).mean(axis=0) * noise_sd
        true_top = set(np.argsort(-quality)[:selected].tolist())
        chosen = np.argsort(-score)[:selected].tolist()
        hits.append(sum(c in true_top for c in chosen) / selected)
    measured, se = float(np.mean(hits)), float(np.std(hits) / math.sqrt(trials))
    expected = selection_shares(float(spearman_brown(icc, jurors)), selected / n).true_positive
    assert abs(measured - expected) < 3 * se + 0.01  # + the finite-n bias of order 1/n


def test_the_sample_reports_selection_reliability() -> None:
    results = rank(ROOT / "sample_submissions", replicates=0).results
    overall = results.selection_reliability
    assert overall is not None and overall.selected == 9
    estimate, low, high = overall.expected_true_winners
    assert 0 < low <= estimate <= high <= 9
    for domain in results.domains:
        figures = domain.selection_reliability
        assert figures is not None
        assert figures.candidates == sum(1 for e in domain.ranking if e.eligible and e.rank)
        icc, icc_low, icc_high = figures.icc_single
        assert icc_low <= icc <= icc_high
    assert overall.expected_true_winners[0] == pytest.approx(
        sum(d.selection_reliability.expected_true_winners[0] for d in results.domains), abs=1e-5
    )


def test_plan_steps_up_with_more_jurors() -> None:
    result = plan(120, 9, [2, 3, 5, 8], icc=0.3, jurors=12)
    shares = [row.shares.true_positive for row in result.rows]
    assert shares == sorted(shares) and shares[0] > 9 / 120
    assert [row.load for row in result.rows] == [20.0, 30.0, 50.0, 80.0]


def test_plan_refuses_two_sources_or_none() -> None:
    with pytest.raises(OptionError, match="either as a value"):
        plan(120, 9, [3], icc=None)
    with pytest.raises(OptionError, match="winners must be between"):
        plan(9, 9, [3], icc=0.3)


def test_plan_command_json_is_one_entry_per_choice() -> None:
    outcome = CliRunner().invoke(
        cli,
        [
            "plan",
            "--submissions",
            "100",
            "--winners",
            "18",
            "--icc",
            "0.34",
            "--jurors-per-submission",
            "2-4,7",
            "--format",
            "json",
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    rows = json.loads(outcome.output)
    assert [r["jurors_per_submission"] for r in rows] == [2, 3, 4, 7]
    assert rows[0]["reliability"] == pytest.approx(float(spearman_brown(0.34, 2)), abs=1e-6)


def test_plan_command_from_an_earlier_edition_and_chart(tmp_path: Path) -> None:
    runner = CliRunner()
    ranked = runner.invoke(
        cli,
        [
            "rank",
            str(ROOT / "sample_submissions"),
            "--replicates",
            "0",
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert ranked.exit_code == 0, ranked.output
    chart = tmp_path / "plan.svg"
    outcome = runner.invoke(
        cli,
        [
            "plan",
            "--submissions",
            "90",
            "--winners",
            "9",
            "--from",
            str(tmp_path / "r"),
            "--chart",
            str(chart),
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    assert f"(from {tmp_path / 'r'})" in outcome.output
    assert chart.read_bytes().startswith(b"<?xml")


def test_counts_are_parsed_or_refused() -> None:
    assert parse_counts("3,5,7") == [3, 5, 7]
    assert parse_counts("2-4, 6") == [2, 3, 4, 6]
    with pytest.raises(Exception, match="not a whole number"):
        parse_counts("three")


@pytest.mark.slow
def test_the_engines_figure_agrees_with_simulated_juries(tmp_path: Path) -> None:
    """`grantjury simulate --icc 0.3` juries (jurors differ only by noise): the share of the
    winners that are in the true top, measured against truth.json, agrees with the engine's
    own analytic figure (from the ICC it estimated) within three standard errors, plus 0.02
    for the finite size of the domains (300 submissions, 30 winners: the formula is for a
    large population; simulated directly, the gap at this size is under 0.01)."""
    from grantjury.secretary.simulate import SimulationOptions, render, simulate, write

    measured, analytic, estimated = [], [], []
    for seed in range(1, 11):
        options = SimulationOptions(
            icc=0.3,
            bias_sd=0,
            scale_sd=0,
            conflict_rate=0,
            seed=seed,
            submissions=600,
            domains=2,
            winners=30,
            jurors=24,
        )
        folder = tmp_path / str(seed)
        write(folder, render(simulate(options)))
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        results = rank(folder, replicates=0, calibration="raw").results
        for domain in results.domains:
            top = set(truth["domains"][domain.id]["top"][: len(domain.winners)])
            measured.append(len(top & set(domain.winners)) / len(domain.winners))
            figures = domain.selection_reliability
            analytic.append(figures.true_positive_share[0])
            estimated.append(figures.icc_single[0])
    se = float(np.std(measured, ddof=1) / math.sqrt(len(measured)))
    assert abs(float(np.mean(measured)) - float(np.mean(analytic))) < 3 * se + 0.02
    assert abs(float(np.mean(estimated)) - 0.3) < 0.03  # the simulator's ICC is recovered
