"""The register of the processing of personal data (law 09-08): what, why, how long.

``grantjury render --only register`` writes ``register.pdf`` from ``results.json``: the
controller, then one row per kind of personal data the competition processes (jurors,
associations' officials and members, council members, family links, identity numbers),
with what is kept, why, where it comes from, who sees it and how long it is kept. Only
counts of people are printed, never a name. Rendered by default under a rule pack.

Law 09-08 of 18 February 2009 asks that personal data be collected for a stated, legitimate
purpose, be adequate and not excessive for it, and be kept no longer than it needs (as
summarised by the sources cited in ``docs/format.md``); the retention period is the
competition's setting ``retention_months``, to be set to the council's archiving rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grantjury.documents.build import Run

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "register": "Registre du traitement des données à caractère personnel",
        "intro": (
            "Registre tenu au titre de la loi n° 09-08 relative à la protection des personnes "
            "physiques à l'égard du traitement des données à caractère personnel."
        ),
        "controller": "Responsable du traitement",
        "unnamed": "le conseil de la commune (à préciser dans competition.yaml)",
        "purpose_all": (
            "Finalité\u00a0: l'examen des demandes de subvention des associations, la "
            "prévention des conflits d'intérêts et la motivation des décisions."
        ),
        "kept": "Durée de conservation\u00a0: {months} mois après la décision, puis suppression.",
        "category": "Personnes",
        "data": "Données",
        "why": "Pourquoi",
        "who": "Qui y accède",
        "jurors": "Jurés ({n})",
        "jurors_data": "nom, associations d'appartenance, domaines, notes",
        "jurors_why": "noter les projets, écarter les conflits d'intérêts",
        "officials": "Dirigeants et membres des associations ({n})",
        "officials_data": "nom, fonction dans l'association, n° de CIN (empreinte salée)",
        "officials_why": "appliquer l'article 65 de la loi organique n° 113-14",
        "council": "Membres élus du conseil ({n})",
        "council_data": "nom, n° de CIN (empreinte salée)",
        "council_why": "appliquer l'article 65 de la loi organique n° 113-14",
        "family": "Liens familiaux déclarés ({n})",
        "family_data": "noms, lien (conjoint, ascendant, descendant)",
        "family_why": "liens visés par l'article 65 et conflits des jurés",
        "restricted": "secrétariat du jury\u00a0; jamais publié",
        "jury_only": "secrétariat et jury\u00a0; la copie publique ne garde que les identifiants",
        "cin_note": (
            "Les numéros de CIN ne sont gardés qu'en empreinte salée (SHA-256) le temps du "
            "calcul\u00a0: aucun document, résultat ni message ne les contient."
        ),
    },
    "ar": {
        "register": "سجل معالجة المعطيات ذات الطابع الشخصي",
        "intro": (
            "سجل ممسوك تطبيقا للقانون رقم 09.08 المتعلق بحماية الأشخاص الذاتيين تجاه معالجة "
            "المعطيات ذات الطابع الشخصي."
        ),
        "controller": "المسؤول عن المعالجة",
        "unnamed": "مجلس الجماعة (يحدد في competition.yaml)",
        "purpose_all": (
            "الغاية: دراسة طلبات دعم الجمعيات، والوقاية من تضارب المصالح، وتعليل القرارات."
        ),
        "kept": "مدة الحفظ: {months} شهرا بعد القرار، ثم الحذف.",
        "category": "الأشخاص",
        "data": "المعطيات",
        "why": "الغرض",
        "who": "من يطلع عليها",
        "jurors": "أعضاء لجنة التحكيم ({n})",
        "jurors_data": "الاسم، الجمعيات المنتمى إليها، المجالات، النقط",
        "jurors_why": "تنقيط المشاريع، واستبعاد تضارب المصالح",
        "officials": "مسيرو الجمعيات وأعضاؤها ({n})",
        "officials_data": "الاسم، المهمة في الجمعية، رقم البطاقة الوطنية (بصمة مملحة)",
        "officials_why": "تطبيق المادة 65 من القانون التنظيمي رقم 113.14",
        "council": "الأعضاء المنتخبون بالمجلس ({n})",
        "council_data": "الاسم، رقم البطاقة الوطنية (بصمة مملحة)",
        "council_why": "تطبيق المادة 65 من القانون التنظيمي رقم 113.14",
        "family": "الروابط العائلية المصرح بها ({n})",
        "family_data": "الأسماء، الرابطة (زوج، أصول، فروع)",
        "family_why": "الروابط المشار إليها في المادة 65 وتضارب مصالح أعضاء اللجنة",
        "restricted": "كتابة لجنة التحكيم؛ لا تنشر أبدا",
        "jury_only": "الكتابة ولجنة التحكيم؛ النسخة العمومية لا تحتفظ إلا بالمعرفات",
        "cin_note": (
            "لا تحفظ أرقام البطاقة الوطنية إلا في شكل بصمة مملحة (SHA-256) أثناء الحساب: "
            "لا تتضمنها أي وثيقة أو نتيجة أو رسالة."
        ),
    },
    "en": {
        "register": "Register of the processing of personal data",
        "intro": (
            "Register kept under law no. 09-08 on the protection of natural persons with "
            "regard to the processing of personal data."
        ),
        "controller": "Controller",
        "unnamed": "the commune's council (to be named in competition.yaml)",
        "purpose_all": (
            "Purpose: examining the associations' grant applications, preventing conflicts of "
            "interest and stating the grounds of decisions."
        ),
        "kept": "Kept for {months} months after the decision, then deleted.",
        "category": "People",
        "data": "Data",
        "why": "Why",
        "who": "Who sees it",
        "jurors": "Jurors ({n})",
        "jurors_data": "name, associations they belong to, domains, scores",
        "jurors_why": "score the projects, set conflicts of interest aside",
        "officials": "Associations' officials and members ({n})",
        "officials_data": "name, role in the association, CIN (salted digest)",
        "officials_why": "apply article 65 of organic law no. 113-14",
        "council": "Elected council members ({n})",
        "council_data": "name, CIN (salted digest)",
        "council_why": "apply article 65 of organic law no. 113-14",
        "family": "Declared family links ({n})",
        "family_data": "names, link (spouse, ascendant, descendant)",
        "family_why": "links named by article 65, and jurors' conflicts",
        "restricted": "the jury's secretariat; never published",
        "jury_only": "secretariat and jury; the public copy keeps ids only",
        "cin_note": (
            "CINs are kept only as salted digests (SHA-256) while the run lasts: no document, "
            "result or message holds one."
        ),
    },
}
"""The register's words, in every document language (English where a language has none)."""


@dataclass(frozen=True)
class Row:
    key: str
    count: int
    access: str


def register_context(run: Run) -> Mapping[str, Any]:
    """What ``register.html`` prints: counts of people by kind, the controller, the period."""
    results = run.results
    rules = results.rules
    people = rules.people if rules is not None else {}
    rows = [
        Row("jurors", len(results.jurors), "jury_only"),
        Row("officials", people.get("officials", 0), "restricted"),
        Row("council", people.get("council", 0), "restricted"),
        Row("family", people.get("family_links", 0), "restricted"),
    ]
    return {
        "rows": rows,
        "controller": rules.controller if rules is not None else None,
        "months": rules.retention_months if rules is not None and rules.retention_months else 24,
        "register_words": {lang: WORDS.get(lang, WORDS["en"]) for lang in run.languages},
    }
