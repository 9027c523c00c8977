"""verify and explain: a report checked against its inputs, and one result derived step by step.

Also the reproducibility guarantees: the same bytes across runs, processes, working
directories and CPU thread counts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grantjury import audit, messages, report
from grantjury.errors import GrantjuryError
from grantjury.manifest import engine_versions, sha256
from grantjury.results import PlaceInDomain, ReservePosition, Results, load_results
from tests.conftest import CompetitionDir, invoke

ROOT = Path(__file__).parent.parent
OUTPUTS = ("results.json", "ranking.csv", "manifest.json")


def rank(competition: Path, out: Path, *options: str) -> Results:
    """Rank into ``out`` and return the results, read through the model."""
    result = invoke("rank", competition, "--out", out, *options)
    assert result.exit_code == 0, result.stderr
    return load_results(out)


def outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def run_id(results: Results) -> str:
    assert results.digest is not None
    return results.digest[7:19]


@pytest.fixture
def sample(tmp_path: Path) -> CompetitionDir:
    """A copy of the sample competition (its rubric lives in ../rubrics)."""
    shutil.copytree(ROOT / "sample_submissions", tmp_path / "sample_submissions")
    shutil.copytree(ROOT / "rubrics", tmp_path / "rubrics")
    return CompetitionDir(tmp_path / "sample_submissions")


@pytest.fixture(scope="module")
def ranked_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample ranked once, as `make demo` does, for the tests that only read the report."""
    root = tmp_path_factory.mktemp("ranked")
    shutil.copytree(ROOT / "sample_submissions", root / "sample_submissions")
    shutil.copytree(ROOT / "rubrics", root / "rubrics")
    rank(root / "sample_submissions", root / "reports")
    return root / "reports"


@pytest.fixture(scope="module")
def sample_rerun(ranked_sample: Path) -> audit.Rerun:
    return audit.rerun(audit.read_record(ranked_sample))


# --- verify ----------------------------------------------------------------------------


def test_verify_passes_right_after_rank(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    results = rank(mini.root, out)
    result = invoke("verify", out)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        f"{out.as_posix()}: verified — ranking.csv, results.json and manifest.json reproduced "
        f"byte for byte (run {run_id(results)})\n"
    )


def test_verify_names_files_the_manifest_does_not_record(
    mini: CompetitionDir, tmp_path: Path
) -> None:
    """A PDF left by another run (rank --force into its folder) is named, not verified."""
    out = tmp_path / "out"
    results = rank(mini.root, out)
    (out / "minutes.pdf").write_bytes(b"%PDF-1.7 of another run")
    result = invoke("verify", out)
    assert result.exit_code == 0
    assert result.stdout == (
        f"{out.as_posix()}: verified — ranking.csv, results.json and manifest.json reproduced "
        f"byte for byte (run {run_id(results)})\n"
        "  note: minutes.pdf: in the folder but not recorded by manifest.json, so not part of "
        "this run and not verified\n"
    )


def test_verify_passes_on_the_sample(ranked_sample: Path) -> None:
    result = invoke("verify", ranked_sample)
    assert result.exit_code == 0, result.stdout
    assert "verified — ranking.csv, results.json and manifest.json reproduced" in result.stdout


def test_editing_one_score_names_its_submission_and_the_rank_changes(
    sample: CompetitionDir, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    before = rank(sample.root, out, "--replicates", "100")
    sample.replace("scores.csv", "J04,CUL-20,relevance,14,", "J04,CUL-20,relevance,4,")
    result = invoke("verify", out)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{out.as_posix()}: verification failed (run {run_id(before)})"
    assert lines[1] == "inputs changed since the run:"
    assert lines[2].startswith("  - scores.csv changed: sha256:")
    # What the same inputs give when ranked afresh is what verify must report.
    after = rank(sample.root, tmp_path / "again", "--replicates", "100")
    old, new = ({e.submission: e for _, e in r.entries()} for r in (before, after))
    moved = [s for s in old if old[s].rank != new[s].rank]
    assert "CUL-20" in moved
    assert any(line.startswith("  - CUL-20: jurors' scores changed: raw mean ") for line in lines)
    for sub in moved:
        assert f"  - {sub}: score " in result.stdout
        assert f", rank {old[sub].rank} → {new[sub].rank}" in result.stdout
    winners = [(d.id, set(d.winners)) for d in before.domains]
    for (domain, was), now in zip(winners, (set(d.winners) for d in after.domains), strict=True):
        if was != now:
            out_, in_ = ", ".join(sorted(was - now)), ", ".join(sorted(now - was))
            assert f"  - {domain} winners: {out_} out, {in_} in" in lines


def test_changed_score_in_the_mini_competition(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    results = rank(mini.root, out)
    recorded = sha256(mini.path("scores.csv").read_bytes())
    mini.replace("scores.csv", "J1,C1,relevance,17\n", "J1,C1,relevance,7\n")
    result = invoke("verify", out)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:7] == [
        f"{out.as_posix()}: verification failed (run {run_id(results)})",
        "inputs changed since the run:",
        f"  - scores.csv changed: {recorded[:19]}… recorded (553 bytes), "
        f"{sha256(mini.path('scores.csv').read_bytes())[:19]}… now (552 bytes)",
        "outputs:",
        "  - regenerated from the inputs now, ranking.csv, results.json and manifest.json "
        "(differs in digest, inputs, outputs) differ from the recorded ones",
        "results, as published → as recomputed from the inputs now:",
        "  - C1: jurors' scores changed: raw mean 15 → 12.778; mean relevance 14.667 → 11.333",
    ]
    assert "  - C1: score 16.328 → 13.076 (rank 1 unchanged)" in lines


def test_a_new_conflict_shows_as_an_added_exclusion(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rank(mini.root, out)
    mini.append("conflicts.csv", "J3,C2,other: advisor\n")
    result = invoke("verify", out)
    assert result.exit_code == 1
    assert "  - exclusion added: J3 / C2 (conflict, other, declared)" in result.stdout
    assert "  - C2: jurors' scores changed: raw mean 12 → 11.833; n jurors 3 → 2; " in (
        result.stdout
    )


def test_results_edited_by_hand_fail(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    results = rank(mini.root, out)
    recorded = sha256((out / "results.json").read_bytes())
    text = (out / "results.json").read_text(encoding="utf-8")
    assert text.count('"score": 16.327657') == 1
    (out / "results.json").write_text(text.replace('"score": 16.327657', '"score": 17.5'))
    edited = sha256((out / "results.json").read_bytes())
    result = invoke("verify", out)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{out.as_posix()}: verification failed (run {run_id(results)})",
        "outputs:",
        f"  - results.json was edited after the run: its digest is sha256:{edited[7:19]}…, "
        f"the manifest records sha256:{recorded[7:19]}…",
        "results, as published → as recomputed from the inputs now:",
        "  - C1: score 17.5 → 16.328 (rank 1 unchanged)",
    ]


def test_an_old_format_results_file_is_explained_not_compared(
    mini: CompetitionDir, tmp_path: Path
) -> None:
    """A report of grantjury 0.1.0 before the typed model: no format_version, decisions as
    English sentences. This engine cannot re-check it and says what to do instead."""
    out = tmp_path / "out"
    rank(mini.root, out, "--seed", "9")
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    del data["format_version"]
    data["domains"][0]["ranking"][0]["decision"] = "place 1 of 1 in the domain"
    (out / "results.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    message = (
        f"error: {(out / 'results.json')} was written in format 1 (it has no format_version) "
        "by grantjury 0.1.0 (manifest.json); this grantjury reads format 2 only, so it cannot "
        f"re-check that run. Re-run `grantjury rank {out.as_posix()}/../mini/competition.yaml "
        f"--out {out.as_posix()} --seed 9 --force` to write the report again in format 2 (it "
        "gets a new run digest), or verify it with the grantjury that wrote it (0.1.0)\n"
    )
    result = invoke("verify", out)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)
    explained = invoke("explain", out, "C1")
    assert (explained.exit_code, explained.stdout, explained.stderr) == (1, "", message)
    with pytest.raises(GrantjuryError):
        audit.read_record(out)
    # What the message says to do works: the report is written again and verifies.
    assert invoke("rank", mini.root, "--out", out, "--seed", "9", "--force").exit_code == 0
    assert invoke("verify", out).exit_code == 0


def test_a_wrong_type_deep_in_the_results_names_its_path(
    mini: CompetitionDir, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    rank(mini.root, out)
    recorded = sha256((out / "results.json").read_bytes())
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    data["domains"][0]["ranking"][1]["score"] = "high"
    (out / "results.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    result = invoke("verify", out)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        "outputs:",
        "  - results.json was edited after the run: its digest is "
        f"{sha256((out / 'results.json').read_bytes())[:19]}…, the manifest records "
        f"{recorded[:19]}…",
        "  - results.json, domains.0.ranking.1.score: Input should be a valid number, unable to "
        'parse string as a number; found "high". The file was changed by hand or is damaged: '
        "write it again with `grantjury rank`",
    ]
    explained = invoke("explain", out, "C1")
    assert explained.exit_code == 1
    assert explained.stderr.startswith(
        f"error: {(out / 'results.json').as_posix()}, domains.0.ranking.1.score: Input should be "
        "a valid number"
    )


def test_a_decision_is_compared_by_its_code_and_worded_from_the_catalog(
    mini: CompetitionDir, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    published = rank(mini.root, out)
    domain = published.domains[0]
    winner = domain.ranking[0]
    assert winner.decision == PlaceInDomain(place=1, places=domain.winners_wanted)
    edited = published.model_copy(
        update={
            "domains": [
                domain.model_copy(
                    update={
                        "ranking": [
                            winner.model_copy(update={"decision": ReservePosition(position=1)}),
                            *domain.ranking[1:],
                        ]
                    }
                ),
                *published.domains[1:],
            ]
        }
    )
    assert audit.compare_results(edited, published) == [
        f"{winner.submission}: decision {messages.of(ReservePosition(position=1))} → "
        f"{messages.of(winner.decision)}"
    ]
    assert audit.compare_results(published, published) == []


def test_edited_ranking_csv_and_manifest_fail(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rank(mini.root, out)
    with open(out / "ranking.csv", "ab") as handle:
        handle.write(b"cultural,9,C9\r\n")
    result = invoke("verify", out)
    assert result.exit_code == 1
    assert "  - ranking.csv was edited after the run: its digest is sha256:" in result.stdout
    rank(mini.root, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["given_options"] = {"seed": 8}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = invoke("verify", out)
    assert result.exit_code == 1
    assert "  - options changed: seed 7 → 8" in result.stdout


def test_reordered_rows_are_the_same_content(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    results = rank(mini.root, out)
    header, *rows = mini.read("scores.csv").splitlines(keepends=True)
    mini.write("scores.csv", header + "".join(reversed(rows)))
    result = invoke("verify", out)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{out.as_posix()}: verified — ranking.csv, results.json and manifest.json reproduced "
        f"(run {run_id(results)}), but 1 input has the same content in another byte order",
        "  note: scores.csv: same content, different byte order (rows or columns reordered, "
        "or reformatted); results unchanged",
    ]
    assert invoke("verify", out, "--strict").exit_code == 1
    # The guarantee itself: ranked again, only the reordered file's digest moves.
    again = rank(mini.root, tmp_path / "again")
    changed = {i.path for i in results.inputs} - {
        i.path for i in again.inputs if i in results.inputs
    }
    assert changed == {"scores.csv"}
    strip = {"inputs", "digest"}
    assert again.model_dump(exclude=strip) == results.model_dump(exclude=strip)


def test_reordered_jurors_and_files_are_the_same_content(
    mini: CompetitionDir, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    rank(mini.root, out)
    jurors = mini.read("jurors.yaml").split("- id: ")
    mini.write("jurors.yaml", "# reordered\n- id: " + "- id: ".join(reversed(jurors[1:])))
    mini.write("conflicts.csv", "submission;juror;reason\r\nS1;J2;family: cousin\r\n")
    result = invoke("verify", out)
    assert result.exit_code == 0, result.stdout
    assert [line[:40] for line in result.stdout.splitlines()[1:]] == [
        "  note: conflicts.csv: same content, dif",
        "  note: jurors.yaml: same content, diffe",
    ]


def test_a_change_that_moves_no_figure_still_fails(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rank(mini.root, out)
    header, *rows = mini.read("scores.csv").splitlines()
    mini.write("scores.csv", "\n".join([header + ",comment", *(r + ",ok" for r in rows)]) + "\n")
    result = invoke("verify", out)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        "  - no figure changed: the results differ only in the recorded digests of the inputs "
        "and of the run"
    )


def test_invalid_inputs_are_listed(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rank(mini.root, out)
    mini.replace("scores.csv", "J1,C1,relevance,17\n", "J1,C1,relevance,21\n")
    result = invoke("verify", out)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2:] == [
        "  - the inputs no longer pass validation (1 problem); `grantjury validate` lists them all",
        "  - scores.csv, line 2, score: score outside the scale; found 21; expected between 0 "
        "and 20 (relevance scale)",
    ]


def test_only_engine_versions_differ_is_a_warning(
    mini: CompetitionDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = engine_versions()
    older = {**now, "numpy": "1.26.4", "python": "3.11.0"}
    monkeypatch.setattr(report, "engine_versions", lambda: older)
    out = tmp_path / "out"
    results = rank(mini.root, out)
    monkeypatch.undo()
    result = invoke("verify", out)
    assert result.exit_code == 0
    assert result.stderr == (
        f"warning: the engine differs from the run's (numpy 1.26.4 → {now['numpy']}, "
        f"python 3.11.0 → {now['python']}); the outputs it gives still match, apart from the "
        "versions they record\n"
    )
    assert result.stdout == (
        f"{out.as_posix()}: verified — ranking.csv, results.json and manifest.json reproduced "
        f"(run {run_id(results)}), but the engine versions differ\n"
    )
    assert invoke("verify", out, "--strict").exit_code == 1


def test_no_manifest_is_an_error(tmp_path: Path) -> None:
    result = invoke("verify", tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {tmp_path}: no manifest.json here (looked for {tmp_path / 'manifest.json'}); "
        "verify and explain need a folder written by `grantjury rank`, which records its run "
        "in manifest.json\n"
    )


def test_inputs_that_moved_are_found_with_competition(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rank(mini.root, out)
    moved = tmp_path / "elsewhere"
    mini.root.rename(moved)
    result = invoke("verify", out)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: the inputs cannot be found: no competition file at "
        f"{out / '../mini/competition.yaml'} (the manifest's competition_file "
        f"'../mini/competition.yaml', relative to {out}); pass --competition PATH to say where "
        "the competition is now\n"
    )
    assert invoke("verify", out, "--competition", moved).exit_code == 0


def test_outputs_registered_for_regeneration_are_compared(
    mini: CompetitionDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def letters(results_dir: Path, results: Results) -> dict[str, bytes]:
        return {"letters.txt": f"run {results.digest}\n".encode()}

    out = tmp_path / "out"
    rank(mini.root, out)
    monkeypatch.setattr(audit, "OUTPUT_REGENERATORS", [letters])
    # What a run that also wrote letters.txt leaves in the folder.
    files = audit.regenerate_outputs(out, audit.rerun(audit.read_record(out)))
    assert set(files) == {"results.json", "ranking.csv", "manifest.json", "letters.txt"}
    for name, data in files.items():
        (out / name).write_bytes(data)
    assert "letters.txt, " in invoke("verify", out).stdout
    (out / "letters.txt").write_text("run forged\n")
    result = invoke("verify", out)
    assert result.exit_code == 1
    assert "  - letters.txt was edited after the run: its digest is sha256:" in result.stdout
    (out / "letters.txt").write_bytes(files["letters.txt"])
    monkeypatch.setattr(audit, "OUTPUT_REGENERATORS", [])
    result = invoke("verify", out)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == (
        "  note: letters.txt: its digest is the recorded one (not re-rendered: no renderer is "
        "registered with verify)"
    )


def test_documents_edited_after_rendering_fail(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rank(mini.root, out)
    (out / "ceremony.pdf").write_bytes(b"%PDF-1.7 as rendered")
    report.record_documents(out, [out / "ceremony.pdf"])  # what `grantjury render` does
    assert invoke("verify", out).exit_code == 0
    (out / "ceremony.pdf").write_bytes(b"%PDF-1.7 as rendered, then edited")
    result = invoke("verify", out)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:3] == [
        "outputs:",
        "  - ceremony.pdf was edited after the run: its digest is "
        f"{sha256((out / 'ceremony.pdf').read_bytes())[:19]}…, the manifest records "
        f"{sha256(b'%PDF-1.7 as rendered')[:19]}…",
    ]
    (out / "ceremony.pdf").unlink()
    assert "  - ceremony.pdf is missing (the manifest lists it)" in invoke("verify", out).stdout


# --- explain ---------------------------------------------------------------------------


def test_explain_reproduces_every_published_score(
    ranked_sample: Path, sample_rerun: audit.Rerun
) -> None:
    published = load_results(ranked_sample)
    entries = [e for _, e in published.entries()]
    assert len(entries) == len(published.submissions)
    for entry in entries:
        x = audit.explain(sample_rerun, entry.submission)
        assert x["check"] == {
            "published": {"score": entry.score, "rank": entry.rank, "winner": entry.winner},
            "problems": [],
            "reproduced": True,
        }, entry.submission
        assert x["aggregate"]["score"] == entry.score
        assert x["rank"]["rank"] == entry.rank
        # The steps add up: weighted totals, calibration, then the mean of the calibrated.
        weights = {c["id"]: c["weight"] for c in x["rubric"]["criteria"]}
        counted = [j for j in x["jurors"] if j["status"] == "counted"]
        for j in counted:
            total = sum(weights[c] * v for c, v in j["criteria"].items()) / sum(weights.values())
            assert j["total"] == pytest.approx(total, abs=1e-6)
            cal = j["calibration"]
            # The default (hetero) publishes each juror's reading and weight; its calibrated
            # values carry the weights, so that their mean is the shrunk weighted mean.
            reading = cal.get("reading", j["calibrated"])
            assert reading == pytest.approx((j["total"] - cal["bias"]) / cal["scale"], abs=1e-4)
        if entry.score is not None:
            assert x["aggregate"]["method"] == "mean"
            mean = sum(j["calibrated"] for j in counted) / len(counted)
            assert mean == pytest.approx(entry.score, abs=1e-5)
            if "shrinkage" in x["calibration"]:
                shares = [j["calibration"]["share"] for j in counted]
                weighted = sum(
                    j["calibration"]["share"] * j["calibration"]["reading"] for j in counted
                )
                centre, kept = x["calibration"]["prior_mean"], x["calibration"]["shrinkage"]
                assert sum(shares) == pytest.approx(1, abs=1e-5)
                assert centre + kept * (weighted - centre) == pytest.approx(entry.score, abs=1e-4)
            text = audit.explain_text(x)
            assert f"= {entry.score:.6f}".rstrip("0").rstrip(".") in text
            assert "— reproduced by this derivation." in text


def test_explain_json_is_the_same_derivation(
    ranked_sample: Path, sample_rerun: audit.Rerun
) -> None:
    result = invoke("explain", ranked_sample, "CUL-04", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data == audit.explain(sample_rerun, "CUL-04")
    text = audit.explain_text(data)
    assert f"= {data['aggregate']['score']}" in text
    for j in data["jurors"]:
        # With the default (hetero) the text shows each juror's reading and weight.
        shown = j["calibration"].get("reading", j["calibrated"])
        assert f"{j['total']:.3f} → {shown:.3f}" in text
        if "share" in j["calibration"]:
            assert f"weight {100 * j['calibration']['share']:.0f}%" in text


def test_explain_text(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    results = rank(mini.root, out)
    result = invoke("explain", out, "S1")
    assert result.exit_code == 0
    assert result.stdout == "\n".join(
        [
            "S1 — Projet S1",
            "Association A4 (A4); domain Social (social)",
            f"run {run_id(results)}: calibration zscore, aggregate mean, seed 7",
            "",
            "1. Jurors' scores and totals (total = Σ weight × score / Σ weight; relevance ×2, "
            "impact ×1)",
            "   juror   relevance impact     total",
            "   J1             16     17    16.333",
            "   J2             11     12  excluded: conflict, family, declared",
            "   J3             14     15    14.333",
            "",
            "2. Calibration (zscore)",
            "   calibrated = (total − bias) / scale",
            "   J1      16.333 → 16.333   (left as given: too few or identical totals to "
            "calibrate)",
            "   J3      14.333 → 14.333   (left as given: too few or identical totals to "
            "calibrate)",
            "",
            "3. Aggregate",
            "   mean of 2 calibrated totals (16.333, 14.333) = 15.333333",
            "   uncalibrated mean of the totals: 15.333333",
            "",
            "4. Eligibility",
            "   2 jurors without conflict (at least 2 expected): yes",
            "   eligible: yes",
            "",
            "5. Rank",
            "   1 of 2 ranked in social (higher scores first)",
            "   no tie",
            "",
            "6. Selection",
            "   winner: place 1 of 1 in the domain",
            "   social names 1 winner: S1",
            "   funded: 10000 MAD",
            "   rule: mode per_domain, budget_rule stop, reserve 0",
            "",
            "7. Stability",
            "   selected in 96.4% of 1000 bootstrap replicates of the jury",
            "   90% rank interval: 1 to 1",
            "   a winner under every calibration method (additive, affine, hetero, percentile, "
            "raw and zscore)",
            "   no single juror's absence would change whether it wins",
            "",
            "Published in results.json: score 15.333333, rank 1 — reproduced by this derivation.",
            "",
        ]
    )


def test_explain_shows_a_tie_and_its_lot(mini: CompetitionDir, tmp_path: Path) -> None:
    mini.replace("jurors.yaml", "  affiliations: [A3]\n", "")
    for juror, old, new in (("J1", 12, 14), ("J2", 7, 9), ("J3", 10, 12)):
        mini.replace("scores.csv", f"{juror},C3,relevance,{old}\n", f"{juror},C3,relevance,{new}\n")
        mini.replace(
            "scores.csv", f"{juror},C3,impact,{old + 1}\n", f"{juror},C3,impact,{new + 1}\n"
        )
    out = tmp_path / "out"
    rank(mini.root, out)
    x = audit.explain(out, "C3")
    tie = x["rank"]["tie"]
    assert tie["submissions"] in (["C2", "C3"], ["C3", "C2"])
    assert [step["key"] for step in tie["steps"]] == ["raw_mean", "lot"]
    assert x["rank"]["tie_break"]["key"] == "lot"
    text = audit.explain_text(x)
    assert "   tied at 11.472475 with C2 for ranks 2 to 3" in text
    assert "   raw_mean: C2 12, C3 12" in text
    assert "   lot drawn from seed 7 (purpose lot, cultural, 2): C2, C3" in text
    assert "   settled by lot" in text


def test_explain_an_unknown_submission(mini: CompetitionDir, tmp_path: Path) -> None:
    rank(mini.root, tmp_path / "out")
    result = invoke("explain", tmp_path / "out", "C11")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no submission 'C11' in this competition (5 submissions); did you mean C1?\n"
    )


def test_explain_says_when_the_published_result_is_not_reproduced(
    mini: CompetitionDir, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    rank(mini.root, out)
    mini.replace("scores.csv", "J1,C1,relevance,17\n", "J1,C1,relevance,7\n")
    x = audit.explain(out, "C1")
    assert x["check"]["reproduced"] is False
    assert x["check"]["problems"] == [
        "results.json publishes score 16.327657, the re-run gives 13.076334: the inputs or the "
        "engine changed since the run (see grantjury verify)"
    ]


# --- reproducibility -------------------------------------------------------------------


def test_results_do_not_depend_on_the_number_of_threads(
    sample: CompetitionDir, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grantjury.cli", "rank"]
    seen = []
    for threads in ("1", "2"):
        env = {
            **os.environ,
            "OMP_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
        }
        done = subprocess.run(
            [*command, sample.root, "--out", out, "--replicates", "200"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        seen.append(outputs(out))
    assert seen[0] == seen[1]
    rank(sample.root, out, "--replicates", "200")  # and in this process too
    assert outputs(out) == seen[0]


def test_same_bytes_from_any_working_directory(
    mini: CompetitionDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.chdir(mini.root.parent)
    rank(Path("mini"), out)
    first = outputs(out)
    elsewhere = tmp_path / "a" / "b"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    rank(Path("../../mini/competition.yaml"), out)
    assert outputs(out) == first
    assert invoke("verify", out).exit_code == 0


def test_every_random_draw_is_derived_from_the_recorded_seed() -> None:
    """Scoring draws (lots, bootstrap) come from ``ranking.derived_rng(seed, purpose…)`` only;
    ``simulate`` and ``assign`` make synthetic data and assignments from their own seeds."""
    own_seed = {"ranking.py", "simulate.py", "assign.py"}
    for path in sorted((ROOT / "grantjury").rglob("*.py")):
        if path.name in own_seed:
            continue
        text = path.read_text(encoding="utf-8")
        for forbidden in ("default_rng(", "np.random.seed", "RandomState(", "import random"):
            assert forbidden not in text, f"{path.name} draws outside derived_rng: {forbidden}"
