"""Explainable weights of the default calibration: juror fields in the results, the warning
when one juror carries a submission, and what ``explain`` shows for one submission."""

from __future__ import annotations

from pathlib import Path

import pytest

from grantjury import messages
from grantjury.audit import explain, explain_text
from grantjury.calibrate import DOMINANT_SHARE
from grantjury.model import Method
from grantjury.pipeline import run
from grantjury.secretary.simulate import SimulationOptions, render, simulate, write
from grantjury.summary import summary

# The Marrakech size (one domain): 120 submissions, 12 jurors, 4 per submission; three jurors
# three times as noisy as the rest, which the fit sees from their 40 totals each (with 2
# jurors per submission and 10 totals each it cannot: every juror is then weighed alike).
LOPSIDED = SimulationOptions(
    submissions=120, domains=1, winners=3, jurors=12, per_submission=4, noisy_jurors=3, seed=5
)


@pytest.fixture(scope="module")
def lopsided(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("lopsided") / "competition"
    write(folder, render(simulate(LOPSIDED)), force=True)
    return run(folder, {"replicates": 0})


def test_hetero_is_the_default_calibration() -> None:
    assert Method().calibration == "hetero"


def test_the_results_give_each_juror_a_noise_and_a_weight_with_standard_errors(lopsided):
    results = lopsided.results
    records = [c for j in results.jurors for c in j.calibration.values()]
    assert records and all(c.noise_sd is not None and c.noise_sd > 0 for c in records)
    assert all(c.weight_se is not None and c.weight_se > 0 for c in records)
    assert sum(c.weight for c in records) == pytest.approx(1, abs=1e-5)


def test_noisy_jurors_weigh_less_in_the_results(lopsided):
    truth = simulate(LOPSIDED)
    noisy = {truth.juror_ids[j] for j in range(len(truth.juror_ids)) if truth.kind[j] == 1}
    weight = {j.id: next(iter(j.calibration.values())).weight for j in lopsided.results.jurors}
    assert len(noisy) == 3
    mean_noisy = sum(weight[j] for j in noisy) / len(noisy)
    plain = [w for j, w in weight.items() if j not in noisy]
    # A ninth of the precision; shares are diluted by how many submissions each juror shares.
    assert mean_noisy < 0.5 * sum(plain) / len(plain)


def test_a_juror_carrying_most_of_a_submissions_weight_is_warned_about(lopsided):
    warned = [w for w in lopsided.results.warnings if w.code == "dominant_juror"]
    assert warned
    text = summary(lopsided.results)
    for notice in warned:
        assert f"  warning: {messages.text(notice.code, notice.params)}" in text
    # Each warned submission's explanation shows that juror above the line.
    notice = warned[0]
    shown = explain(lopsided, notice.params["submissions"][0])
    shares = {j["juror"]: j["calibration"]["share"] for j in shown["jurors"] if "total" in j}
    assert shares[notice.params["juror"]] > DOMINANT_SHARE
    assert sum(shares.values()) == pytest.approx(1, abs=1e-5)


def test_explain_shows_each_jurors_reading_weight_and_the_shrinkage(lopsided):
    submission = lopsided.results.domains[0].ranking[0].submission
    shown = explain(lopsided, submission)
    assert 0 < shown["calibration"]["shrinkage"] < 1
    text = explain_text(shown)
    assert "weighted mean of the readings" in text
    counted = [j for j in shown["jurors"] if "total" in j]
    for juror in counted:
        weight = f"weight {100 * juror['calibration']['share']:.0f}%"
        assert weight in text


def test_methods_that_weigh_jurors_alike_publish_no_weights(tmp_path: Path) -> None:
    folder = tmp_path / "competition"
    write(folder, render(simulate(LOPSIDED)), force=True)
    result = run(folder, {"replicates": 0, "calibration": "additive"})
    records = [c for j in result.results.jurors for c in j.calibration.values()]
    assert all(c.weight is None and c.noise_sd is None for c in records)
    assert not [w for w in result.results.warnings if w.code == "dominant_juror"]
