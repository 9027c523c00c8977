"""The jury meeting: the first round locked, the consensus round's revisions, what they changed."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from grantjury.errors import InvalidInput
from grantjury.lock import LOCK_FILE
from grantjury.pipeline import run
from tests.conftest import CompetitionDir, invoke, problems
from tests.strategies import Conflict, Drawn, competitions, write

REVISIONS_HEADER = "juror,submission,criterion,score,reason\n"
RAISE_C2 = (
    "J1,C2,relevance,20,vu le projet de plus près\n"
    "J1,C2,impact,20,vu le projet de plus près\n"
    "J2,C2,relevance,20,convaincu par la discussion\n"
    "J2,C2,impact,20,convaincu par la discussion\n"
    "J3,C2,relevance,20,idem\n"
    "J3,C2,impact,20,idem\n"
)


def with_revisions(mini: CompetitionDir, rows: str) -> None:
    mini.write("revisions.csv", REVISIONS_HEADER + rows)
    mini.append("competition.yaml", "revisions: revisions.csv\n")


# --- lock ------------------------------------------------------------------------------------


def test_lock_writes_the_first_round_and_twice_gives_the_same_bytes(mini: CompetitionDir) -> None:
    first = invoke("lock", mini.root)
    assert first.exit_code == 0, first.output
    data = mini.path(LOCK_FILE).read_bytes()
    lock = json.loads(data)
    assert lock["files"][0]["path"] == "scores.csv"
    assert lock["files"][0]["rows"] == 30
    assert lock["files"][0]["scores"]["J1"]["C1"] == {"impact": 18.0, "relevance": 17.0}
    again = invoke("lock", mini.root)
    assert again.exit_code == 0
    assert "already locked, unchanged" in again.output
    assert mini.path(LOCK_FILE).read_bytes() == data


def test_a_score_changed_after_the_lock_is_refused_naming_juror_submission_and_values(
    mini: CompetitionDir,
) -> None:
    assert invoke("lock", mini.root).exit_code == 0
    mini.replace("scores.csv", "J2,C2,impact,10", "J2,C2,impact,14")
    mini.replace("scores.csv", "J3,S2,impact,12\n", "")
    result = invoke("rank", mini.root, "--out", mini.root / "out", "--replicates", "0")
    assert result.exit_code == 1
    assert problems(result) == [
        "scores.csv, line 15, score: juror J2's first-round scores for C2 differ from the lock; "
        "found impact 10 → 14 (locked → now); expected the scores locked in "
        "first-round.lock.json (scores.csv); put them back, and record a change made at the "
        "meeting in the revisions file (revisions: in competition.yaml, docs/format.md)",
        "scores.csv, line 30, score: juror J3's first-round scores for S2 differ from the lock; "
        "found impact 12 → none (locked → now); expected the scores locked in "
        "first-round.lock.json (scores.csv); put them back, and record a change made at the "
        "meeting in the revisions file (revisions: in competition.yaml, docs/format.md)",
    ]
    assert not (mini.root / "out").exists()


def test_reordered_rows_and_decimal_commas_are_no_change_to_the_lock(
    mini: CompetitionDir,
) -> None:
    assert invoke("lock", mini.root).exit_code == 0
    lines = mini.read("scores.csv").splitlines()
    reordered = [lines[0].replace(",", ";")] + [r.replace(",", ";") for r in reversed(lines[1:])]
    mini.write("scores.csv", "\n".join(reordered) + "\n")
    assert invoke("validate", mini.root).exit_code == 0


def test_an_existing_lock_is_replaced_only_with_force(mini: CompetitionDir) -> None:
    assert invoke("lock", mini.root).exit_code == 0
    before = mini.path(LOCK_FILE).read_bytes()
    mini.replace("scores.csv", "J2,C2,impact,10", "J2,C2,impact,14")
    refused = invoke("lock", mini.root)
    assert refused.exit_code == 1
    assert "juror J2's first-round scores for C2 differ from the lock" in refused.stderr
    assert mini.path(LOCK_FILE).read_bytes() == before
    forced = invoke("lock", mini.root, "--force")
    assert forced.exit_code == 0, forced.output
    assert mini.path(LOCK_FILE).read_bytes() != before
    assert invoke("validate", mini.root).exit_code == 0


def test_the_lock_is_recorded_in_the_results_and_the_manifest(mini: CompetitionDir) -> None:
    assert invoke("lock", mini.root).exit_code == 0
    out = mini.root / "out"
    assert invoke("rank", mini.root, "--out", out, "--replicates", "0").exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    lock = manifest["first_round_lock"]
    assert lock["path"] == LOCK_FILE
    assert [f["path"] for f in lock["files"]] == ["scores.csv"]
    scores = next(i for i in manifest["inputs"] if i["path"] == "scores.csv")
    assert lock["files"][0]["sha256"] == scores["sha256"]
    assert LOCK_FILE in [i["path"] for i in manifest["inputs"]]
    results = json.loads((out / "results.json").read_text())
    assert results["first_round_lock"] == lock
    assert invoke("verify", out).exit_code == 0


def test_a_damaged_lock_is_refused_with_its_field(mini: CompetitionDir) -> None:
    mini.write(LOCK_FILE, '{"generator": "grantjury"}')
    result = invoke("validate", mini.root)
    assert result.exit_code == 1
    assert problems(result)[0].startswith(
        "first-round.lock.json, competition: not a first-round lock written by grantjury lock"
    )


# --- revisions -------------------------------------------------------------------------------


def test_revisions_change_the_winner_and_the_results_say_which_and_why(
    mini: CompetitionDir,
) -> None:
    assert invoke("lock", mini.root).exit_code == 0
    with_revisions(mini, RAISE_C2)
    out = mini.root / "out"
    result = invoke("rank", mini.root, "--out", out, "--replicates", "0")
    assert result.exit_code == 0, result.output
    assert "Discussion changed 1 winner: C2 in, C1 out (6 revised scores)." in result.output
    record = json.loads((out / "results.json").read_text())["deliberation"]
    cultural = next(d for d in record["domains"] if d["domain"] == "cultural")
    assert cultural == {
        "domain": "cultural",
        "first_round_winners": ["C1"],
        "final_winners": ["C2"],
        "gained": ["C2"],
        "lost": ["C1"],
    }
    assert record["revisions"][0] == {
        "juror": "J1",
        "submission": "C2",
        "domain": "cultural",
        "criterion": "relevance",
        "old": 14.0,
        "new": 20.0,
        "reason": "vu le projet de plus près",
        "line": 2,
    }
    assert len(record["revisions"]) == 6
    assert invoke("verify", out).exit_code == 0


def test_every_wrong_revision_is_listed_with_its_line(mini: CompetitionDir) -> None:
    with_revisions(
        mini,
        "J2,S1,impact,14,discuté\n"  # declared conflict (family)
        "J1,C3,impact,14,discuté\n"  # detected conflict (affiliation A3)
        "J1,C1,impact,15,\n"  # no reason
        "J1,C1,relevance,20.3,trop bas\n"  # off the step
        "J1,C1,budget,12,x\n"  # no such criterion
        "J9,C1,impact,12,x\n"  # no such juror
        "J3,C1,impact,17,x\n"
        "J3,C1,impact,18,x\n",  # twice
    )
    mini.replace("scores.csv", "J3,S2,relevance,11\nJ3,S2,impact,12\n", "")
    mini.append("revisions.csv", "J3,S2,impact,12,pas noté\n")
    result = invoke("validate", mini.root)
    assert result.exit_code == 1
    found = problems(result)
    assert [p.split(": ")[0] for p in found] == [
        "revisions.csv, line 2, juror",
        "revisions.csv, line 3, juror",
        "revisions.csv, line 4, reason",
        "revisions.csv, line 5, score",
        "revisions.csv, line 6, criterion",
        "revisions.csv, line 7, juror",
        "revisions.csv, line 9",
        "revisions.csv, line 10, submission",
    ]
    assert "juror J2 is in conflict with S1 (declared, family)" in found[0]
    assert "juror J1 is in conflict with C3 (detected, affiliation)" in found[1]
    assert "a revision needs its reason" in found[2]
    assert "expected 0 to 20 in steps of 0.5 (relevance)" in found[3]
    assert "the same score is revised twice" in found[6]
    assert "juror J3 gave no first-round score for S2" in found[7]


def test_a_competition_without_revisions_has_no_deliberation(mini: CompetitionDir) -> None:
    results = run(mini.root, {"replicates": 0}).results
    assert results.deliberation is None
    assert results.first_round_lock is None


# --- properties ------------------------------------------------------------------------------

SETTINGS = settings(max_examples=15, deadline=None)
FAST = {"replicates": 0}


@contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def add_revisions(root: Path, rows: list[tuple[str, str, str, float, str]]) -> None:
    lines = [REVISIONS_HEADER.strip()] + [",".join(map(str, r)) for r in rows]
    (root / "revisions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(root / "competition.yaml", "a", encoding="utf-8") as handle:
        handle.write("revisions: revisions.csv\n")


def conflicted_pairs(competition: Drawn) -> set[tuple[str, str]]:
    """Declared and detected conflicts, before ``conflict_scope`` (tests keep the scope out)."""
    pairs = {(c.juror, c.submission) for c in competition.conflicts}
    for juror in competition.jurors:
        for sub in competition.submissions:
            if sub.association in juror.affiliations:
                pairs.add((juror.id, sub.id))
    return pairs


@SETTINGS
@given(competitions(), st.data())
def test_revisions_that_restate_the_first_round_change_nothing(
    competition: Drawn, data: st.DataObject
) -> None:
    competition = dataclasses.replace(competition, conflict_scope="submission")
    free = [
        s
        for s in competition.scores
        if (s.juror, s.submission) not in conflicted_pairs(competition)
    ]
    assume(free)
    restated = data.draw(st.lists(st.sampled_from(free), min_size=1, unique=True), label="rows")
    with folder() as tmp:
        before = run(write(competition, tmp / "a"), FAST).results
        root = write(competition, tmp / "b")
        add_revisions(
            root, [(s.juror, s.submission, s.criterion, s.value, "restated") for s in restated]
        )
        after = run(root, FAST).results
    excluded = {"inputs", "deliberation"}
    assert after.model_dump(exclude=excluded) == before.model_dump(exclude=excluded)
    assert after.deliberation is not None
    assert len(after.deliberation.revisions) == len(restated)
    assert not after.deliberation.gained and not after.deliberation.lost
    for domain in after.deliberation.domains:
        assert domain.first_round_winners == domain.final_winners


@SETTINGS
@given(competitions(), st.data())
def test_a_conflicted_jurors_revision_is_refused(competition: Drawn, data: st.DataObject) -> None:
    score = data.draw(st.sampled_from(competition.scores), label="the revised score")
    category = data.draw(st.sampled_from(("family", "financial", "other")), label="category")
    kept = [
        c
        for c in competition.conflicts
        if (c.juror, c.submission) != (score.juror, score.submission)
    ]
    conflicted = dataclasses.replace(
        competition, conflicts=(*kept, Conflict(score.juror, score.submission, category))
    )
    with folder() as tmp:
        root = write(conflicted, tmp / "a")
        add_revisions(root, [(score.juror, score.submission, score.criterion, score.value, "x")])
        with pytest.raises(InvalidInput) as refused:
            run(root, FAST)
    mine = [p for p in refused.value.problems if p.file == "revisions.csv"]
    assert [(p.line, p.field) for p in mine] == [(2, "juror")]
    assert f"juror {score.juror} is in conflict with {score.submission}" in mine[0].message


def test_the_minutes_list_every_revision_and_what_it_changed(mini: CompetitionDir) -> None:
    from grantjury.documents import build as documents

    assert invoke("lock", mini.root).exit_code == 0
    with_revisions(mini, RAISE_C2 + 'J1,S2,impact,15,"<b>mieux</b> compris"\n')
    out = mini.root / "out"
    assert invoke("rank", mini.root, "--out", out, "--replicates", "0").exit_code == 0
    raw = (out / "results.json").read_bytes()
    from grantjury.results import read_results

    html = documents.build_html(
        documents.KINDS["minutes"], documents.run_of(read_results(raw), raw)
    )
    section = html[html.index('data-block="deliberation"') : html.index('data-block="counts"')]
    table = section[section.index('class="data revisions"') :]
    table = table[: table.index("</table>")]
    assert table.count("<tr>") == 1 + 7  # the header and one row per revision
    assert "vu le projet de plus près" in section
    assert "&lt;b&gt;mieux&lt;/b&gt;" in section and "<b>mieux" not in section
    assert "la discussion a changé les lauréats" in section
    assert "la discussion n'a changé aucun lauréat" in section  # the social domain
    assert "ce premier tour a été verrouillé" in section


# --- agenda ----------------------------------------------------------------------------------


def ranked(mini: CompetitionDir, replicates: str = "200") -> Path:
    out = mini.root / "out"
    result = invoke("rank", mini.root, "--out", out, "--replicates", replicates)
    assert result.exit_code == 0, result.output
    return out


def test_the_agenda_orders_close_calls_first_and_names_who_leaves_the_room(
    mini: CompetitionDir,
) -> None:
    from grantjury.agenda import agenda

    made = agenda(ranked(mini))
    groups = [item.group for item in made.items]
    assert groups == sorted(groups, key=("too_close", "disagreement", "rest").index)
    assert [item.position for item in made.items] == list(range(1, 6))
    close = {s for d in made.results.domains for s in d.too_close}
    assert {item.submission for item in made.group("too_close")} == close
    leaving = {item.submission: item.leaving for item in made.items}
    assert [(x.juror, x.category, x.source) for x in leaving["S1"]] == [
        ("J2", "family", "declared")
    ]
    assert [(x.juror, x.category, x.source) for x in leaving["C3"]] == [
        ("J1", "affiliation", "detected")
    ]
    assert leaving["C1"] == ()
    c1 = next(item for item in made.items if item.submission == "C1")
    # C1's calibrated totals, and each criterion's range over J1, J2, J3 (no juror named).
    assert c1.n_jurors == 3
    assert {c.criterion: (c.low, c.high) for c in c1.criteria} == {
        "relevance": (12.0, 17.0),
        "impact": (13.0, 18.0),
    }


def test_conflict_scope_domain_sends_the_juror_out_for_the_whole_domain(
    mini: CompetitionDir,
) -> None:
    from grantjury.agenda import agenda

    mini.append("competition.yaml", "conflict_scope: domain\n")
    made = agenda(ranked(mini, "0"))
    leaving = {item.submission: item.leaving for item in made.items}
    assert [(x.juror, x.via) for x in leaving["S2"]] == [("J2", "S1")]
    assert [(x.juror, x.via) for x in leaving["C1"]] == [("J1", "C3")]


def test_the_agenda_pdf_names_no_juror_beside_a_score_and_is_recorded(
    mini: CompetitionDir,
) -> None:
    from grantjury.agenda import agenda
    from grantjury.documents.agenda import agenda_html

    out = ranked(mini)
    html = agenda_html(agenda(out))
    body = html[html.index("<tbody>") :]
    without_leave = re.sub(r'<td class="leave">.*?</td>\s*</tr>', "", body, flags=re.S)
    for name in ("J1", "J2", "J3", "Amina", "Karim", "Salma", "أمينة"):
        assert name not in without_leave
    assert "Karim" in body  # J2 leaves the room for S1
    result = invoke("agenda", out)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"wrote {out / 'agenda.pdf'} (2 pages)"
    manifest = json.loads((out / "manifest.json").read_text())
    assert "agenda.pdf" in [o["path"] for o in manifest["outputs"]]
    assert invoke("verify", out).exit_code == 0
    again = invoke("agenda", out)  # its own earlier agenda is replaced without --force
    assert again.exit_code == 0


def test_the_agenda_refuses_results_whose_inputs_changed_and_a_foreign_file(
    mini: CompetitionDir,
) -> None:
    out = ranked(mini, "0")
    foreign = mini.root / "notes.pdf"
    foreign.write_text("mine")
    refused = invoke("agenda", out, "--out", foreign)
    assert refused.exit_code == 1
    assert "already exists and is not an agenda" in refused.stderr
    assert foreign.read_text() == "mine"
    mini.replace("scores.csv", "J2,C2,impact,10", "J2,C2,impact,14")
    changed = invoke("agenda", out)
    assert changed.exit_code == 1
    assert "the results no longer match their inputs" in changed.stderr
    assert not (out / "agenda.pdf").exists()


def test_explain_lists_the_revisions_of_the_submission(mini: CompetitionDir) -> None:
    with_revisions(mini, RAISE_C2)
    out = ranked(mini, "0")
    shown = invoke("explain", out, "C2")
    assert shown.exit_code == 0, shown.output
    assert "   J1 revised relevance: 14 → 20 (vu le projet de plus près)" in shown.output
    other = invoke("explain", out, "C1")
    assert "   no score of this submission was revised at the meeting" in other.output


MEETING = Path("docs") / "examples" / "forum-meeting"


@pytest.fixture
def meeting_example(tmp_path: Path) -> Path:
    """A copy of the jury-meeting example, with the sample files its paths lead to."""
    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / MEETING, tmp_path / MEETING)
    shutil.copytree(root / "sample_submissions", tmp_path / "sample_submissions")
    shutil.copytree(root / "rubrics", tmp_path / "rubrics")
    return tmp_path / MEETING


def test_the_meeting_example_says_what_the_discussion_changed(meeting_example: Path) -> None:
    out = meeting_example / "out"
    result = invoke("rank", meeting_example, "--out", out, "--replicates", "0")
    assert result.exit_code == 0, result.output
    assert "Discussion changed 1 winner: SOC-13 in, SOC-02 out (5 revised scores)." in (
        result.output
    )
    with open(meeting_example / "revisions.csv", "a", encoding="utf-8") as handle:
        handle.write("J04,SOC-02,impact,10,discuté\nJ10,SOC-13,impact,15,\n")
    refused = invoke("rank", meeting_example, "--out", out, "--replicates", "0")
    assert refused.exit_code == 1
    assert [p.split(": ")[0] for p in problems(refused)] == [
        "revisions.csv, line 7, juror",
        "revisions.csv, line 8, reason",
    ]
