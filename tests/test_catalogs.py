"""The gettext catalogs: the only home of the documents' and sheets' words, in every language."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from grantjury import catalogs
from grantjury.documents import wording
from grantjury.model import Criterion
from grantjury.pipeline import run
from grantjury.results import DeclaredIneligible

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ar", "en", "fr")


def _used_msgids() -> dict[str, list[str]]:
    """Every message id the code and templates write literally, as `pybabel extract -F
    babel.cfg` finds it, with where it is used."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    used: dict[str, list[str]] = {}
    for filename, line, msgid, _, _ in extract_from_dir(
        str(ROOT), method_map, options_map, keywords={"gettext": None}
    ):
        used.setdefault(msgid, []).append(f"{filename}:{line}")
    return used


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_catalogs_are_the_three_languages() -> None:
    assert catalogs.languages() == LANGUAGES


def test_extraction_finds_the_templates_and_the_code() -> None:
    used = _used_msgids()
    assert "doc.jury" in used  # r.heading("jury") in minutes.html
    assert "label.digest" in used  # words[lang].digest in base.html
    assert "doc.tie_no_effect" in used  # say(lang, "tie_no_effect") in wording.py
    assert len(used) > 100


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_the_code_uses_is_in_the_catalog(lang: str) -> None:
    missing = {
        msgid: places for msgid, places in _used_msgids().items() if not catalogs.has(lang, msgid)
    }
    assert not missing, f"{catalogs.catalog_path(lang)} lacks {missing}"


def test_every_catalog_has_the_same_messages_each_translated() -> None:
    ids = {lang: set(catalogs.msgids(lang)) for lang in LANGUAGES}
    assert ids["ar"] == ids["fr"] == ids["en"]
    for lang in LANGUAGES:
        for message in catalogs.catalog(lang):
            if not message.id:
                continue
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(forms), (lang, message.id)
            assert not message.fuzzy, (lang, message.id)


def test_a_translation_uses_only_the_parameters_of_its_english_message() -> None:
    english = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalogs.catalog("en")}
    for lang in ("ar", "fr"):
        for message in catalogs.catalog(lang):
            if not message.id:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            source = english[msgid]
            allowed = set().union(
                *(_fields(s) for s in (source if isinstance(source, tuple) else (source,)))
            )
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            for form in forms:
                assert _fields(form) <= allowed, (lang, msgid, form)


def test_arabic_has_its_six_plural_forms_and_french_its_three() -> None:
    assert catalogs.catalog("ar").num_plurals == 6
    assert catalogs.catalog("fr").num_plurals == 3
    forms = {
        n: catalogs.ngettext_("ar", "stability_method.bootstrap", n) for n in (0, 1, 2, 3, 11, 100)
    }
    assert forms[1] == "إعادة معاينة واحدة للجنة"
    assert forms[2] == "إعادتا معاينة للجنة"
    assert forms[3] == "{n} إعادات معاينة للجنة"
    assert len({forms[1], forms[2], forms[3]}) == 3
    assert (
        catalogs.ngettext_("fr", "stability_method.bootstrap", 1) == "{n} rééchantillonnage du jury"
    )
    assert catalogs.ngettext_("fr", "stability_method.bootstrap", 1_000_000).startswith("{n} de ")


def test_a_plural_message_takes_its_form_from_its_counting_parameter() -> None:
    one = wording.say("ar", "letter_intro", domain="ثقافي", n=1)
    many = wording.say("ar", "letter_intro", domain="ثقافي", n=30)
    assert "الملف الوحيد" in one and "30" not in one
    assert "ملفا" in many and "30" in many
    assert "seul dossier" in wording.say("fr", "letter_intro", domain="Culturel", n=1)


def test_a_message_a_catalog_lacks_is_an_error_naming_the_catalog() -> None:
    with pytest.raises(
        catalogs.MissingMessage, match=r"ar/LC_MESSAGES/grantjury.po: no message 'doc.nope'"
    ):
        catalogs.gettext_("ar", "doc.nope")


def test_a_language_without_a_catalog_is_printed_with_the_english_one() -> None:
    assert catalogs.catalog_language("es") == "en"
    assert catalogs.catalog_language("ar-MA") == "ar"
    assert wording.word("jury", "es") == wording.word("jury", "en")


def test_no_document_or_sheet_module_keeps_a_word_table() -> None:
    """The catalogs are the only home of document wording: no language-keyed table of
    sentences is left in the modules that print documents and sheets."""
    table = re.compile(r'^\s*"(fr|ar)": \{', re.MULTILINE)
    for module in ("documents/wording.py", "documents/build.py", "secretary/sheets.py"):
        assert not table.search((ROOT / "grantjury" / module).read_text(encoding="utf-8")), module


def test_figures_follow_cldr_with_the_moroccan_overrides() -> None:
    assert catalogs.format_decimal(-12345.678, "ar", 2) == "\u221212\u202f345,68"
    assert catalogs.format_decimal(-12345.678, "fr", 2) == "\u221212\u202f345,68"
    assert catalogs.format_decimal(12345.678, "en", 2) == "12,345.68"
    assert catalogs.format_decimal(-0.001, "fr", 2) == "0,00"


def test_a_reason_given_per_language_is_printed_in_each_side_of_the_letter() -> None:
    reason = DeclaredIneligible(reason={"ar": "ملف غير مكتمل", "fr": "dossier incomplet"})
    assert "ملف غير مكتمل" in wording.ineligibility(reason, (), "ar")
    assert "dossier incomplet" not in wording.ineligibility(reason, (), "ar")
    assert "dossier incomplet" in wording.ineligibility(reason, (), "fr")


def test_a_tie_break_key_and_a_quantity_are_worded_not_printed_raw() -> None:
    name = {"fr": "Impact", "ar": "الأثر"}
    criteria = (Criterion(id="impact", name=name, weight=1, scale={"min": 0, "max": 20}),)
    assert wording.option_value("tie_break", ["criterion:impact", "lot"], "fr", criteria) == (
        "moyenne calibrée du critère «\u00a0Impact\u00a0», puis tirage au sort"
    )
    assert "criterion:" not in wording.option_value(
        "tie_break", ["criterion:impact"], "ar", criteria
    )
    assert wording.option_value("replicates", 1000, "fr") == "1\u202f000"
    assert wording.option_value("seed", 20130418, "fr") == "20130418"


def test_a_conflict_note_given_per_language_reaches_each_side_of_the_minutes(mini) -> None:
    mini.write(
        "conflicts.csv",
        "juror,submission,reason,note_ar,note_fr\nJ2,S1,family,ابن عمه,son cousin\n",
    )
    results = run(mini.root, {"replicates": 0}).results
    (conflict,) = [c for c in results.conflicts if c.source == "declared"]
    assert conflict.note == {"ar": "ابن عمه", "fr": "son cousin"}
    assert "ابن عمه" in wording.conflict_note(conflict, "ar")
    assert "son cousin" in wording.conflict_note(conflict, "fr")


def test_a_conflict_note_in_the_reason_column_stays_one_text(mini) -> None:
    results = run(mini.root, {"replicates": 0}).results
    (conflict,) = [c for c in results.conflicts if c.source == "declared"]
    assert conflict.note == "cousin"
