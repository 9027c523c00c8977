"""The command line through click's CliRunner: exit codes and exact output."""

from __future__ import annotations

import json
from pathlib import Path

from grantjury.results import load_results
from tests.conftest import CompetitionDir, invoke


def test_rank_writes_results_and_summary(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("rank", mini.root, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "ranking.csv", "results.json"]
    lines = result.stdout.splitlines()
    assert lines[0] == "Petit concours — calibration zscore, aggregate mean, seed 7"
    assert "*    1  C1           16.33   15.00      3   100%  Projet C1" in lines
    results = load_results(out)
    assert results.digest is not None
    assert lines[-1] == (
        f"run digest {results.digest[7:19]}; wrote {out / 'results.json'}, "
        f"{out / 'ranking.csv'}, {out / 'manifest.json'}"
    )
    assert [d.winners for d in results.domains] == [["C1"], ["S1"]]


def test_two_runs_are_byte_identical(mini: CompetitionDir, tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert invoke("rank", mini.root, "--out", tmp_path / name).exit_code == 0
    for file in ("results.json", "ranking.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_options_override_the_competition(mini: CompetitionDir, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(
        "rank",
        mini.root,
        "--out",
        out,
        "--calibration",
        "raw",
        "--seed",
        "99",
        "--aggregate",
        "median",
    )
    assert result.exit_code == 0
    options = json.loads((out / "results.json").read_text())["options"]
    assert options["calibration"] == "raw" and options["seed"] == 99
    assert options["aggregate"] == "median"


def test_results_record_inputs_with_digests(mini: CompetitionDir, tmp_path: Path) -> None:
    invoke("rank", mini.root, "--out", tmp_path / "out")
    inputs = json.loads((tmp_path / "out" / "results.json").read_text())["inputs"]
    paths = [i["path"] for i in inputs]
    assert paths == sorted(paths)
    assert {"competition.yaml", "scores.csv", "rubric.yaml", "submissions/C1.yaml"} <= set(paths)
    assert all(i["sha256"].startswith("sha256:") and len(i["sha256"]) == 71 for i in inputs)


def test_misuse_exits_2(mini: CompetitionDir) -> None:
    assert invoke("rank", mini.root, "--calibration", "magic").exit_code == 2
    assert invoke("rank", mini.root / "nope.yaml").exit_code == 2
    assert invoke("frobnicate").exit_code == 2


def test_output_path_that_is_a_file(mini: CompetitionDir, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    result = invoke("rank", mini.root, "--out", target)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {target}: the output path is a file, not a folder; choose a folder with --out\n"
    )
    assert target.read_text() == "x"


def test_every_command_has_help() -> None:
    from grantjury.cli import cli

    for name, command in cli.commands.items():
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
        assert "Example:" in (command.help or ""), f"{name} --help needs an example"


def test_default_competition_is_the_sample(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)
    result = invoke("validate")
    assert result.exit_code == 0
    assert result.stdout.startswith("sample_submissions/competition.yaml: valid — 88 submissions")


def test_no_competition_anywhere_is_misuse(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("rank")
    assert result.exit_code == 2
    assert "no competition given" in result.stderr


def test_foreign_output_folder_is_refused_unless_forced(mini, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    result = invoke("rank", mini.root, "--out", out)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {out}: this folder holds files that are not a grantjury report (thesis.docx); "
        "choose an empty or new folder with --out, or pass --force to write there anyway\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]
    assert invoke("rank", mini.root, "--out", out, "--force").exit_code == 0
    assert (out / "thesis.docx").read_text() == "precious"


def test_rerun_replaces_previous_report_and_removes_its_documents(mini, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("rank", mini.root, "--out", out).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["outputs"].append({"path": "ceremony.pdf", "sha256": "sha256:0", "size": 1})
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "ceremony.pdf").write_bytes(b"%PDF old")
    assert invoke("rank", mini.root, "--out", out).exit_code == 0
    assert not (out / "ceremony.pdf").exists()


def test_manifest_records_the_run(mini, tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke("rank", mini.root, "--out", out, "--seed", "5")
    manifest = json.loads((out / "manifest.json").read_text())
    results = load_results(out)
    assert results.digest is not None and manifest["digest"] == results.digest
    assert manifest["given_options"] == {"seed": 5}
    assert manifest["options"]["seed"] == 5
    assert set(manifest["engine"]) == {"grantjury", "python", "numpy", "scipy"}
    assert [o["path"] for o in manifest["outputs"]] == ["ranking.csv", "results.json"]
    assert manifest["competition_file"] == "../mini/competition.yaml"


def test_the_names_the_help_offers_are_the_engines() -> None:
    """`grantjury --help` reads its choices from grantjury.names, without the engine."""
    import typing

    from grantjury import names
    from grantjury.documents.build import KINDS
    from grantjury.model import Method

    assert typing.get_args(Method.model_fields["calibration"].annotation) == names.CALIBRATIONS
    assert typing.get_args(Method.model_fields["aggregate"].annotation) == names.AGGREGATES
    assert tuple(KINDS) == names.DOCUMENT_KINDS


def test_help_starts_without_the_engine() -> None:
    """`grantjury --help` and a command's --help never import numpy, pydantic or jinja2."""
    import subprocess
    import sys

    code = (
        "import sys; from grantjury.cli import cli\n"
        "for args in (['--help'], ['rank', '--help'], ['render', '--help']):\n"
        "    try: cli.main(args, standalone_mode=False)\n"
        "    except SystemExit: pass\n"
        "print(sorted(m for m in ('numpy', 'pydantic', 'jinja2', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
