"""The rule pack ma-commune on the sample's variant (docs/examples/ma-commune/)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from grantjury.errors import InvalidInput
from grantjury.pipeline import effective_method, load_competition, score
from grantjury.report import results_json
from grantjury.rules.ma_commune import normalised_name

ROOT = Path(__file__).resolve().parent.parent


def plain_text(markup: str) -> str:
    """Text of an HTML fragment without tags, isolates or entities."""
    text = re.sub(r"<[^>]+>", "", str(markup))
    return Markup(re.sub("[\u2066-\u2069]", "", text)).unescape()


VARIANT = ROOT / "docs" / "examples" / "ma-commune"


def copy_variant(tmp_path: Path) -> Path:
    """The variant copied with its rubric, at the same relative place."""
    target = tmp_path / "docs" / "examples" / "ma-commune"
    shutil.copytree(VARIANT, target)
    shutil.copytree(ROOT / "rubrics", tmp_path / "rubrics")
    return target


@pytest.fixture(scope="module")
def competition():
    return load_competition(VARIANT)


@pytest.fixture(scope="module")
def results(competition):
    method = effective_method(competition, {"replicates": 0})
    return score(competition, method).results


def reasons_of(results, submission: str) -> list[dict]:
    entry = next(e for _, e in results.entries() if e.submission == submission)
    return [r.model_dump() for r in entry.ineligible_reasons]


def test_an_association_whose_president_is_an_elected_members_spouse_is_not_eligible(results):
    assert reasons_of(results, "CUL-25") == [
        {
            "code": "tied_to_elected_member",
            "member": "C03",
            "link": "spouse",
            "role": "president",
            "law": "113-14",
            "article": "65",
        }
    ]
    assert "CUL-25" not in results.domain("cultural").winners


def test_an_elected_member_is_found_by_his_cin_under_another_spelling_of_his_name(results):
    (reason,) = reasons_of(results, "SPO-26")
    assert (reason["member"], reason["link"], reason["role"]) == ("C05", "self", "treasurer")


def test_an_incomplete_file_is_not_admissible_and_says_what_is_missing(competition, results):
    assert reasons_of(results, "CUL-20") == [
        {"code": "documents_missing", "missing": ["bank_certificate"]}
    ]
    assert reasons_of(results, "SPO-03")[0]["missing"] == ["statutes", "financial_report"]
    assert competition.inadmissible == {"CUL-20", "SPO-03", "SOC-08"}
    assert results.rules.admissibility["CUL-20"] is False
    assert results.rules.admissibility["CUL-04"] is True


def test_governing_bodies_out_of_term_make_the_file_not_admissible(results):
    (reason,) = reasons_of(results, "SOC-08")
    assert reason["code"] == "governing_bodies_not_renewed"
    assert (str(reason["renewed"]), reason["term_years"]) == ("2008-06-14", 4)


def test_a_juror_related_to_an_official_is_in_family_conflict(results):
    detected = {
        (c.juror, c.submission, c.category)
        for c in results.conflicts
        if c.source == "detected" and c.category in ("family", "governance")
    }
    assert ("J09", "CUL-01", "family") in detected
    assert ("J04", "SOC-02", "governance") in detected


def test_no_identity_number_and_no_official_name_reaches_the_results(results):
    text = results_json(results).decode()
    for secret in ("EB774105", "EB 774105", "EE220917", "Latifa Kettani", "Ahmed Tazi"):
        assert secret not in text


def test_a_competition_without_a_rule_pack_writes_no_rules_key():
    competition = load_competition(ROOT / "sample_submissions")
    method = effective_method(competition, {"replicates": 0})
    assert '"rules"' not in results_json(score(competition, method).results).decode()


def test_a_malformed_identity_number_is_reported_without_being_shown(tmp_path):
    folder = copy_variant(tmp_path)
    council = folder / "council.yaml"
    council.write_text(council.read_text().replace("EE220917", "XYZ-99-ABC"))
    with pytest.raises(InvalidInput) as error:
        load_competition(folder)
    message = str(error.value)
    assert "council.yaml, line" in message and "cin" in message
    assert "XYZ" not in message


def test_an_unknown_document_and_an_unknown_pack_are_both_reported(tmp_path):
    folder = copy_variant(tmp_path)
    sub = folder / "submissions" / "CUL-01.yaml"
    sub.write_text(sub.read_text().replace("documents: [statutes", "documents: [statuts"))
    spec = folder / "competition.yaml"
    spec.write_text(spec.read_text().replace("rules: [ma-commune]", "rules: [ma-commune, fr]"))
    with pytest.raises(InvalidInput) as error:
        load_competition(folder)
    message = str(error.value)
    assert "submissions/CUL-01.yaml" in message and "unknown document id" in message
    assert "unknown rule pack" in message and "rules.1" in message


@given(st.lists(st.sampled_from(["Fatima", "Zahra", "Benali", "El", "Ouazzani"]), min_size=1))
def test_a_name_is_the_same_in_any_word_order_case_or_accents(words):
    shuffled = " ".join(reversed(words)).upper()
    assert normalised_name(" ".join(words)) == normalised_name(shuffled)


def test_arabic_letter_variants_and_french_accents_are_folded():
    assert normalised_name("أحمد الكتانيّ") == normalised_name("احمد الكتاني")
    assert normalised_name("Fatima-Zahra Bénali") == normalised_name("fatima zahra benali")


def test_score_sheets_and_assignments_leave_inadmissible_submissions_out(competition):
    import dataclasses

    from grantjury.secretary.sheets import assigned_by_juror
    from grantjury.secretary.workflow import plan_assignments

    sample = load_competition(ROOT / "sample_submissions", require_scores=False)
    assert any(
        sample.submissions[s].id == "CUL-01" for v in assigned_by_juror(sample).values() for s in v
    )
    refused = dataclasses.replace(sample, inadmissible=frozenset({"CUL-01"}))
    listed = {refused.submissions[s].id for v in assigned_by_juror(refused).values() for s in v}
    assert listed and "CUL-01" not in listed
    plan = plan_assignments(competition, 4)
    assigned = {s for _, s in plan.pairs}
    assert assigned and not assigned & {"CUL-20", "SPO-03", "SOC-08"}
    assert "CUL-25" in assigned  # not eligible for a tie, but its file is admissible


def test_a_file_not_admissible_is_never_scored_and_decided_by_its_reasons(results):
    _, entry = _entry(results, "CUL-20")
    assert (entry.rank, entry.n_jurors, entry.decision.code) == (None, 0, "not_eligible")
    assert not any(
        n.code == "unranked" and n.submission == "CUL-20"
        for n in results.domain("cultural").warnings
    )


def test_validate_prints_the_admissibility_table():
    from click.testing import CliRunner

    from grantjury.cli import cli

    result = CliRunner().invoke(cli, ["validate", str(VARIANT)])
    assert result.exit_code == 0
    assert "85 admissible, 3 not admissible" in result.output
    assert (
        "  CUL-20       cultural     application file not admissible: missing bank_certificate"
        in result.output
    )


def _entry(results, submission: str):
    return next((d, e) for d, e in results.entries() if e.submission == submission)


def test_every_unfavourable_letter_states_its_rule_the_law_and_the_appeal(results):
    from grantjury.documents import wording

    for domain, entry in results.entries():
        grounds = wording.motivation(results, domain, entry, "fr")
        if entry.winner:
            assert grounds == []
            continue
        text = " ".join(plain_text(g) for g in grounds)
        assert "loi n° 03-01" in text and "60 jours" in text, entry.submission
    domain, entry = _entry(results, "CUL-08")
    rank, law, appeal = (plain_text(g) for g in wording.motivation(results, domain, entry, "fr"))
    assert law.startswith("Décision motivée en fait et en droit")
    assert appeal.startswith("Voie de recours\u00a0: recours gracieux écrit")
    assert rank == (
        f"Classé au rang {entry.rank} sur {sum(e.rank is not None for e in domain.ranking)} "
        "projets classés du domaine, qui compte 3 places "
        "de lauréat."
    )
    arabic = plain_text(wording.motivation(results, domain, entry, "ar")[2])
    assert "60" in arabic and "المحكمة الإدارية" in arabic


def test_a_missing_document_is_named_in_each_language(results):
    from grantjury.documents import wording

    _, entry = _entry(results, "CUL-20")
    (reason,) = entry.ineligible_reasons
    documents = results.rules.documents
    assert plain_text(wording.ineligibility(reason, (), "fr", documents)).endswith(
        "Attestation bancaire"
    )
    assert plain_text(wording.ineligibility(reason, (), "ar", documents)).endswith("شهادة بنكية")


def test_the_annex_lists_beneficiaries_with_domain_and_overall_totals(results):
    import csv
    import io

    from grantjury.documents.annex import annex_csv

    rows = list(csv.DictReader(io.StringIO(annex_csv(results).decode("utf-8-sig"))))
    beneficiaries = [r for r in rows if r["list"] == "beneficiary"]
    assert [r["submission"] for r in beneficiaries if r["domain"] == "cultural"] == (
        results.domain("cultural").winners
    )
    assert "CUL-25" not in {r["submission"] for r in rows}
    for domain in results.domains:
        total = next(r for r in rows if r["list"] == "domain_total" and r["domain"] == domain.id)
        amounts = [float(r["amount"]) for r in beneficiaries if r["domain"] == domain.id]
        assert float(total["amount"]) == pytest.approx(sum(amounts))
    overall = next(r for r in rows if r["list"] == "overall_total")
    assert float(overall["amount"]) == pytest.approx(sum(float(r["amount"]) for r in beneficiaries))
    reserve = [r["submission"] for r in rows if r["list"] == "reserve" and r["domain"] == "social"]
    assert reserve == results.domain("social").reserve


def test_the_annex_html_is_bilingual_and_rendered_by_default_only_under_a_rule_pack(results):
    from grantjury.documents.build import KINDS, Run, build_html

    annex = KINDS["annex"]
    html = build_html(annex, Run(results, "0123456789ab", "results.json"))
    assert "Total général" in html and "المجموع العام" in html and "Liste d&#39;attente" in html
    assert annex.by_default(results) is True
    assert annex.by_default(results.model_copy(update={"rules": None})) is False


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    from grantjury import api

    folder = tmp_path_factory.mktemp("report") / "reports"
    api.write_report(api.rank(VARIANT, replicates=0), folder)
    return folder


def test_the_public_export_holds_no_personal_name_and_verifies(report_dir, tmp_path):
    from grantjury import api
    from grantjury.results import load_results

    out = tmp_path / "public"
    api.export_public(report_dir, out)
    full = load_results(report_dir)
    text = (out / "results.json").read_text() + (out / "ranking.csv").read_text("utf-8-sig")
    for juror in full.jurors:
        for name in juror.name.values() if isinstance(juror.name, dict) else [juror.name]:
            assert name not in text
    assert "sa sœur préside" not in text
    assert json.loads((out / "export.json").read_text())["source_digest"] == full.digest
    assert api.verify_public_export(report_dir, out).ok


def test_a_changed_public_export_is_refused_and_says_what_changed(report_dir, tmp_path):
    from grantjury import api

    out = tmp_path / "public"
    api.export_public(report_dir, out)
    ranking = out / "ranking.csv"
    ranking.write_bytes(ranking.read_bytes().replace(b"CUL-04", b"CUL-99", 1))
    check = api.verify_public_export(report_dir, out)
    assert check.problems == ["ranking.csv differs from the public copy of the report (changed)"]


def test_the_register_of_the_processing_counts_people_and_names_none(results):
    from grantjury.documents.build import KINDS, Run, build_html

    html = build_html(KINDS["register"], Run(results, "0123456789ab", "results.json"))
    assert "loi n° 09-08" in html and "رقم 09.08" in html
    assert "Membres élus du conseil (7)" in html and "Liens familiaux déclarés (2)" in html
    assert "24 mois" in html
    for name in ("Kettani", "Tazi", "Ouazzani", "EB774105"):
        assert name not in html


def test_a_submissions_csv_gives_documents_and_the_renewal_date_in_columns(tmp_path):
    import yaml

    folder = copy_variant(tmp_path)
    spec = folder / "competition.yaml"
    spec.write_text(spec.read_text().replace("submissions: submissions/", "submissions: subs.csv"))
    rows = [
        "id,domain,association_id,association_name_ar,association_name_fr,title_ar,"
        "title_fr,requested_amount,documents,governing_bodies_renewed"
    ]
    for path in sorted((folder / "submissions").glob("*.yaml")):
        sub = yaml.safe_load(path.read_text())
        name, title = sub["association"]["name"], sub["title"]
        rows.append(
            ",".join(
                [
                    sub["id"],
                    sub["domain"],
                    sub["association"]["id"],
                    name["ar"],
                    '"' + name["fr"] + '"',
                    title["ar"],
                    '"' + title["fr"] + '"',
                    str(sub["requested_amount"]),
                    " | ".join(sub["documents"]),
                    str(sub["governing_bodies_renewed"]),
                ]
            )
        )
    (folder / "subs.csv").write_text("\n".join(rows) + "\n")
    shutil.rmtree(folder / "submissions")
    loaded = load_competition(folder)
    assert loaded.inadmissible == {"CUL-20", "SPO-03", "SOC-08"}


def test_officials_listed_in_a_submissions_association_block_are_matched_too(tmp_path):
    folder = copy_variant(tmp_path)
    sub = folder / "submissions" / "SOC-13.yaml"
    text = sub.read_text()
    name_line = next(line for line in text.splitlines() if line.startswith("  name:"))
    officials = "  officials:\n    - {name: Zineb EL-AMRANI, role: treasurer}\n"
    sub.write_text(text.replace(name_line + "\n", name_line + "\n" + officials, 1))
    loaded = load_competition(folder)
    (tie,) = loaded.rule_reasons["SOC-13"]
    assert (tie.member, tie.link, tie.role) == ("C04", "self", "treasurer")
