"""The results contract: schema committed, one reader, codes worded by the catalog."""

from __future__ import annotations

import ast
import datetime as dt
import json
import string
import typing
from pathlib import Path

import pytest

from grantjury import messages
from grantjury.api import rank, write_report
from grantjury.report import results_json
from grantjury.results import (
    FORMAT_VERSION,
    Decision,
    DomainNote,
    IccUnavailable,
    Reason,
    ResultsFileError,
    load_results,
    read_results,
    schema_json,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_submissions"


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_report(rank(SAMPLE, replicates=100), out, force=True)
    return out


def test_committed_schema_is_the_models() -> None:
    committed = (ROOT / "docs" / "results.schema.json").read_text(encoding="utf-8")
    assert committed == schema_json(), (
        "docs/results.schema.json differs from the model: run "
        "`python -m grantjury.results > docs/results.schema.json` and review the diff"
    )


def test_results_read_back_write_the_same_bytes(sample_report: Path) -> None:
    raw = (sample_report / "results.json").read_bytes()
    results = load_results(sample_report)
    assert results.format_version == FORMAT_VERSION
    assert results_json(results) == raw


def test_a_format_1_file_is_named_as_such(sample_report: Path) -> None:
    data = json.loads((sample_report / "results.json").read_bytes())
    del data["format_version"]
    data["domains"][0]["ranking"][0]["decision"] = "place 1 of 3 in the domain"
    with pytest.raises(ResultsFileError) as caught:
        read_results(json.dumps(data), "reports/results.json")
    message = str(caught.value)
    assert message.startswith("reports/results.json, format_version: written in format 1")
    assert "by grantjury 0.1.0" in message and "reads format 2" in message


def test_a_damaged_field_is_named_by_its_path(sample_report: Path) -> None:
    data = json.loads((sample_report / "results.json").read_bytes())
    data["domains"][1]["ranking"][3]["score"] = "high"
    with pytest.raises(ResultsFileError) as caught:
        read_results(json.dumps(data))
    assert str(caught.value).startswith("results.json, domains.1.ranking.3.score: Input should")
    assert 'found "high"' in str(caught.value)


def test_an_unknown_decision_code_is_refused(sample_report: Path) -> None:
    data = json.loads((sample_report / "results.json").read_bytes())
    data["domains"][0]["ranking"][0]["decision"] = {"code": "elected_by_acclamation"}
    with pytest.raises(ResultsFileError, match=r"domains\.0\.ranking\.0\.decision"):
        read_results(json.dumps(data))


def test_not_json_is_said_plainly() -> None:
    with pytest.raises(ResultsFileError, match="not valid JSON"):
        read_results(b"{not json")


def _codes(union: object) -> dict[str, type]:
    """Each code of a discriminated union of coded models, with its model."""
    members = typing.get_args(typing.get_args(union)[0])
    return {typing.get_args(m.model_fields["code"].annotation)[0]: m for m in members}


def _example(annotation: object) -> object:
    """A value of a parameter's type, to format the sentences with."""
    text = str(annotation)
    if "list[list" in text:
        return [["J01", "J02"], ["J03"]]
    if "list" in text:
        return ["A", "B"]
    if "Literal" in text:
        return typing.get_args(annotation)[0]
    if "date" in text:
        return dt.date(2013, 3, 1)
    if "int" in text:
        return 3
    if "float" in text:
        return 2.5
    return "x"


MODEL_CODES = {**_codes(Reason), **_codes(Decision), **_codes(DomainNote)}


@pytest.mark.parametrize("code", sorted(MODEL_CODES))
def test_every_code_of_the_model_has_an_english_sentence(code: str) -> None:
    model = MODEL_CODES[code]
    params = {
        name: _example(field.annotation)
        for name, field in model.model_fields.items()
        if name != "code"
    }
    record = model(**params)
    sentence = messages.of(record)
    assert code in messages.ENGLISH
    placeholders = [f for _, f, _, _ in string.Formatter().parse(messages.ENGLISH[code]) if f]
    assert sentence
    assert not any("{" + f + "}" in sentence for f in placeholders)


def test_every_icc_reason_has_a_sentence() -> None:
    for code in typing.get_args(IccUnavailable.model_fields["code"].annotation):
        assert code in messages.ENGLISH
        assert "{" not in messages.of(IccUnavailable(code=code, empty=2, cells=10))


def _emitted_codes() -> dict[str, set[str]]:
    """Every warning code the engine emits (``log.warn(file, code, …)`` and
    ``Problem.coded(file, code, …)``), with the keyword parameters it passes."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "grantjury").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if name not in ("warn", "coded") or not isinstance(node.args[1], ast.Constant):
                continue
            keywords = {k.arg for k in node.keywords if k.arg}
            found.setdefault(node.args[1].value, set()).update(keywords)
    return found


WHERE = {"line", "field", "found", "expected"}
DERIVED = {
    "bound",
    "reason_part",
    "via_part",
    "of_places",
    "cause_text",
    "count",
    "groups_text",
    "submission_noun",
}


def test_every_emitted_warning_code_has_a_sentence_with_its_parameters() -> None:
    emitted = _emitted_codes()
    assert len(emitted) >= 15  # the scan sees the engine's warnings
    for code, keywords in emitted.items():
        assert code in messages.ENGLISH, f"{code} has no sentence in grantjury.messages"
        fields = {f for _, f, _, _ in string.Formatter().parse(messages.ENGLISH[code]) if f}
        needed = {f.split(":")[0].split(".")[0] for f in fields} - DERIVED - {"first"}
        assert needed <= keywords - WHERE, f"{code}: the sentence uses {needed - keywords}"
