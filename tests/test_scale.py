"""The fast paths that make a national call affordable give what the plain ones give.

Each fast path (numpy CSV splitting, look-up keys of cells, rounding as published, indented
JSON, sparse reliability, the content digest) is checked against the straightforward
implementation it replaces, on generated inputs (hypothesis). Timings are not tested here:
they are measured by benchmarks/scale.py and recorded in docs/performance.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from grantjury.errors import ProblemLog
from grantjury.loading import _rows_by_csv_module, _rows_by_numpy, read_csv
from grantjury.manifest import canonical, content_digest, sha256
from grantjury.ranking import published_array
from grantjury.reliability import krippendorff_alpha_interval, reliability_of_scores
from grantjury.report import pretty_json
from tests.generate import write_competition

CELL = st.lists(st.sampled_from([*"aB1 \t.-é\u0301عأ\u0654", "xyz", "  ", "١٤"]), max_size=8).map(
    "".join
)
"""Cell texts with spaces, decomposed accents and hamzas, Arabic-Indic digits."""


@settings(max_examples=200, deadline=None)
@given(
    delimiter=st.sampled_from([",", ";", "\t"]),
    width=st.integers(1, 5),
    rows=st.lists(st.lists(CELL, min_size=0, max_size=7), max_size=12),
    crlf=st.booleans(),
    ending=st.sampled_from(["", "\n", "\n\n"]),
)
def test_numpy_splitting_reads_what_the_csv_module_reads(
    delimiter: str, width: int, rows: list[list[str]], crlf: bool, ending: str
) -> None:
    header = delimiter.join(f"h{i}" for i in range(width))
    text = "\n".join([header, *(delimiter.join(r) for r in rows)]) + ending
    text = text.replace("\n", "\r\n") if crlf else text
    expected = _rows_by_csv_module(text, delimiter)
    found = _rows_by_numpy(text.encode(), 0, delimiter)
    assert found is not None and expected is not None
    assert found[:2] == expected[:2]
    wanted = {name: i for i, name in enumerate(expected[0])}
    log_a, log_b = ProblemLog(), ProblemLog()
    columns_a, lines_a, _ = expected[2].columns(wanted, width, "f.csv", log_a)
    columns_b, lines_b, factors = found[2].columns(wanted, width, "f.csv", log_b)
    assert log_b.errors == log_a.errors
    assert lines_b.tolist() == lines_a.tolist()
    assert {k: v.tolist() for k, v in columns_b.items()} == {
        k: v.tolist() for k, v in columns_a.items()
    }
    for name, (uniques, inverse) in factors.items():
        assert uniques.tolist() == sorted(set(columns_b[name].tolist()))
        assert uniques[inverse].tolist() == columns_b[name].tolist()


def test_long_cells_and_one_byte_files_are_read() -> None:
    long = "x" * 40
    text = f"id,title\nA,{long}\nB,{long}é\nC,{long}\n"
    table = read_csv(Path("s.csv"), "s.csv", ("id",), ProblemLog(), text.encode())
    assert table is not None
    assert table.columns["title"].tolist() == [long, long + "é", long]
    assert table.factorize("title")[1].tolist() == [0, 1, 0]
    tiny = read_csv(Path("t.csv"), "t.csv", ("a",), ProblemLog(), b"a\n1")
    assert tiny is not None and tiny.columns["a"].tolist() == ["1"]


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=50))
def test_published_array_rounds_as_python_does(values: list[float]) -> None:
    halves = [k / 2e6 for k in range(-7, 8, 2)]  # exactly half-way at the 7th decimal
    array = np.array(values + halves, dtype=np.float64)
    expected = [round(v, 6) if np.isfinite(v) else v for v in array.tolist()]
    assert np.array_equal(published_array(array), np.array(expected), equal_nan=True)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(JSON)
def test_pretty_json_writes_what_json_dumps_writes(data: object) -> None:
    assert pretty_json(data) == json.dumps(
        data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False
    )


def test_pretty_json_leaves_the_unusual_to_json_dumps() -> None:
    assert pretty_json({2: "a", 1: (1, 2)}) == json.dumps(
        {2: "a", 1: (1, 2)}, sort_keys=True, indent=2, ensure_ascii=False
    )
    try:
        pretty_json({"a": float("nan")})
    except ValueError as exc:
        assert "Out of range float values are not JSON compliant" in str(exc)
    else:
        raise AssertionError("NaN must be refused, as json.dumps refuses it")


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 30),
    st.integers(1, 8),
    st.floats(0.1, 0.9),
)
def test_reliability_without_the_dense_matrix(
    seed: int, n_items: int, n_raters: int, share: float
) -> None:
    rng = np.random.default_rng(seed)
    matrix = np.where(
        rng.random((n_items, n_raters)) < share,
        np.round(rng.normal(10, 3, (n_items, n_raters)) * 2) / 2,
        np.nan,
    )
    item, rater = np.nonzero(~np.isnan(matrix))
    dense = reliability_of_scores(item, rater, matrix[item, rater], n_items, n_raters)
    alpha = krippendorff_alpha_interval(matrix)
    assert dense["krippendorff_alpha_interval"] == (None if alpha is None else round(alpha, 6))
    # Pretend the matrix is too large to build: the same alpha, the same counts.
    import grantjury.reliability as reliability

    cells, reliability.DENSE_CELLS = reliability.DENSE_CELLS, 0
    try:
        sparse = reliability_of_scores(item, rater, matrix[item, rater], n_items, n_raters)
    finally:
        reliability.DENSE_CELLS = cells
    if item.size < n_items * n_raters:
        assert sparse["krippendorff_alpha_interval"] == dense["krippendorff_alpha_interval"]
        assert sparse["n_ratings"] == dense["n_ratings"]
        assert sparse["icc"] is None and sparse["kendall_w"] is None


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["x", "y", "é", "Z", "10", "9", "", " q"]), CELL, CELL),
        max_size=15,
    ),
    st.booleans(),
)
def test_content_digest_sorts_rows_as_text(rows: list[tuple[str, str, str]], quoted: bool) -> None:
    lines = ["b,a,c"] + [",".join(r).replace("\t", " ") for r in rows]
    data = ("\n".join(lines) + "\n").encode()
    data = data.replace(b"x", b'"x"') if quoted else data
    table = read_csv(Path("a.csv"), "a.csv", (), ProblemLog(), data)
    if table is None:
        return
    header = sorted(table.header)
    expected = sorted(zip(*(table.columns[h].tolist() for h in header), strict=True))
    assert content_digest("a.csv", data) == sha256(
        canonical({"header": header, "rows": [list(r) for r in expected]})
    )


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    calibration=st.sampled_from(["raw", "zscore", "additive", "percentile"]),
    aggregate=st.sampled_from(["mean", "median", "trimmed"]),
)
def test_linear_leave_one_out_names_the_winners_the_full_selection_names(
    tmp_path_factory: pytest.TempPathFactory, seed: int, calibration: str, aggregate: str
) -> None:
    """Under plain places, each juror's winners-without come from the submissions they
    scored and the head of the ranking: the same as ranking and selecting again in full
    with the calibration kept as fitted (``pipeline._outcome_without``)."""
    from grantjury import pipeline
    from grantjury.model import Method

    root = tmp_path_factory.mktemp("loo")
    write_competition(root, seed, n_domains=2, calibration=calibration)
    competition = pipeline.load_competition(root)
    method = Method.model_validate(
        {**competition.spec.method.model_dump(), "aggregate": aggregate, "replicates": 0}
    )
    scoring = pipeline.score_all(competition, method)
    assume(pipeline.plain_rule(competition))
    fast = pipeline._leave_one_out(scoring)
    scored = set(scoring.totals.totals.juror.tolist())
    assume(scored)
    for j, juror in enumerate(competition.jurors):
        if j not in scored:
            assert fast[juror.id] == {"changes_winners": False, "changes": []}
            continue
        outcome = pipeline._outcome_without(scoring, j, exact=False)
        expected = [
            d.id
            for d in competition.domains
            if set(outcome.winners[d.id]) != set(scoring.outcome.winners[d.id])
        ]
        assert [c["domain"] for c in fast[juror.id]["changes"]] == expected
        for change in fast[juror.id]["changes"]:
            assert change["winners_without"] == outcome.winners[change["domain"]]


SMALL = st.floats(min_value=-1e-3, max_value=1e-3, allow_nan=False) | st.floats(
    allow_nan=False, allow_infinity=False
)
JSON_SMALL_FLOATS = st.recursive(
    st.none() | st.integers(-(2**63), 2**63 - 1) | SMALL | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(JSON_SMALL_FLOATS)
def test_orjson_with_python_floats_writes_what_json_dumps_writes(data: object) -> None:
    import orjson

    from grantjury.report import python_floats

    text = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    expected = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    assert python_floats(text).decode() == expected


def test_python_floats_never_rewrites_text_that_looks_like_a_number() -> None:
    from grantjury.report import python_floats

    data = {"a": ["1e-5", "0.00001", "x: 1e-5"], "1e-5": 1e-05, "b": [0.00001, -2e-7]}
    text = orjson_text(data)
    assert python_floats(text).decode() == json.dumps(data, sort_keys=True, indent=2)


def orjson_text(data: object) -> bytes:
    import orjson

    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


def test_results_json_refuses_nan_as_json_dumps_does(tmp_path: Path) -> None:
    """orjson would write NaN as null: results_json must refuse it as it always did."""
    from grantjury.pipeline import run
    from grantjury.report import results_json

    root = tmp_path / "c"
    write_competition(root, 3)
    results = run(root).results
    submission = next(iter(results.submissions))
    record = results.submissions[submission].model_copy(update={"requested_amount": float("nan")})
    broken = results.model_copy(update={"submissions": {**results.submissions, submission: record}})
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        results_json(broken)
    assert results_json(results).endswith(b"}\n")
