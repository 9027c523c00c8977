"""The words of the jury minutes, the audit report and the feedback letters, in each language.

Codes of results.json (calibration methods, conflict categories, decisions, tie-break keys,
ineligibility reasons) become sentences here. Every function returns escaped HTML (`Markup`):
figures and dates are wrapped left-to-right so that an Arabic sentence cannot reorder them,
and untrusted text (names, notes, identifiers) is sanitised and isolated. A language without
words here is printed with the English ones; a code grantjury does not know is printed as it
is, so that nothing is ever hidden.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from grantjury.render.safety import (
    format_decimal,
    format_number,
    isolate,
    language_direction,
    ltr,
    pick,
    sanitize_text,
)

if TYPE_CHECKING:
    from grantjury.render.record import Conflict, Domain, Entry, Exclusion, Record, Tie

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        # titles
        "minutes": "Procès-verbal des délibérations du jury",
        "audit": "Rapport d'audit",
        "letter": "Résultat de votre candidature",
        # minutes
        "minutes_intro": (
            "Le jury s'est réuni le {date}, {place}, pour statuer sur les dossiers reçus. "
            "Le présent procès-verbal consigne sa composition, les conflits d'intérêts, la "
            "méthode suivie, le classement complet de chaque domaine et les décisions prises."
        ),
        "jury": "Composition du jury",
        "conflicts": "Registre des conflits d'intérêts",
        "conflicts_intro": (
            "Conflits déclarés par les jurés ou détectés par grantjury (juré membre de "
            "l'association candidate)."
        ),
        "scope_submission": "Un conflit écarte les notes du juré pour le dossier concerné.",
        "scope_domain": "Un conflit écarte le juré de tout le domaine du dossier concerné.",
        "no_conflicts": "Aucun conflit d'intérêts.",
        "exclusions": "Notes écartées",
        "no_exclusions": "Aucune note écartée.",
        "counts": "Dossiers reçus, non éligibles et classés",
        "method": "Méthode et options",
        "ranking": "Classement complet",
        "ties": "Départage des ex æquo",
        "reserve": "Liste d'attente",
        "too_close": "Résultats trop serrés pour être tranchés",
        "signatures": "Signatures des membres du jury",
        "run_digest": "Empreinte de l'exécution",
        # columns
        "code": "Code",
        "name": "Nom",
        "domains": "Domaines",
        "scored": "Dossiers notés",
        "affiliations": "Affiliations",
        "juror": "Juré",
        "submission": "Dossier",
        "category": "Nature",
        "source": "Source",
        "note": "Précision",
        "effect": "Effet",
        "reason": "Motif",
        "received": "Reçus",
        "ineligible": "Non éligibles",
        "ranked": "Classés",
        "unranked": "Sans note",
        "winners": "Lauréats",
        "in_reserve": "En attente",
        "total": "Total",
        "rank": "Rang",
        "project": "Projet",
        "score": "Score",
        "raw_mean": "Moy. brute",
        "n_jurors": "Jurés",
        "p_selected": "Lauréat dans",
        "interval": "Rang à {p}",
        "decision": "Décision",
        "criterion": "Critère",
        "weight": "Poids",
        "threshold": "Seuil",
        "your_mean": "Votre moyenne",
        "domain_mean": "Moyenne du domaine",
        "option": "Option",
        "value": "Valeur",
        # effects, reasons
        "set_aside": "notes écartées",
        "not_scored": "pas de note à écarter",
        "reason_conflict": "conflit d'intérêts",
        "reason_incomplete": "évaluation incomplète",
        "missing": "critères non notés\u00a0: {names}",
        "via": "par le dossier {via}",
        # decisions
        "winner": "Projet lauréat — {prize}",
        "winner_drawn": "Projet lauréat, tiré au sort",
        "reserve_position": "Liste d'attente, position {n}",
        "reserve_short": "En attente, n° {n}",
        "not_eligible": "Non éligible",
        "not_ranked": "Non classé\u00a0: aucune note sans conflit",
        "not_drawn": "Dans la bande du tirage au sort, non tiré",
        "over_budget": "Non retenu\u00a0: dépasse l'enveloppe restante",
        "not_selected": "Non retenu",
        # ineligibility
        "declared": "dossier déclaré non éligible",
        "below": "{criterion}\u00a0: moyenne {mean}, minimum requis {threshold}",
        "above": "{criterion}\u00a0: moyenne {mean}, maximum admis {threshold}",
        "total_below": "somme des moyennes {mean}, minimum requis {threshold}",
        "total_above": "somme des moyennes {mean}, maximum admis {threshold}",
        # ties, reserve, stability
        "no_ties": "Aucun ex æquo.",
        "tie": (
            "{submissions}\u00a0: même score {score} (rangs {first} à {last}), départagés par "
            "{keys}."
        ),
        "tie_lot": "tirage au sort (graine {seed}, ordre tiré\u00a0: {order})",
        "tie_no_effect": "Sans effet sur les lauréats ni sur la liste d'attente.",
        "no_reserve": "Pas de liste d'attente.",
        "too_close_intro": (
            "Dossiers lauréats dans {low} à {high} des {replicates} rééchantillonnages du "
            "jury\u00a0: leur sélection dépend de la composition du jury."
        ),
        "none_too_close": (
            "Aucun\u00a0: les lauréats sont les mêmes dans presque tous les rééchantillonnages."
        ),
        "not_measured": "Stabilité non mesurée.",
        "lottery": (
            "Tirage au sort parmi {members} (graine {seed})\u00a0: tirés {drawn}\u00a0; non tirés "
            "{not_drawn}."
        ),
        "budget": "Enveloppe {envelope}\u00a0: engagé {committed}, reste {left}.",
        # signatures, digest
        "done_at": "Fait le {date}, {place}.",
        "signature": "Signature",
        "engine": "Moteur",
        "verify_hint": (
            "Avec les fichiers d'entrée, chacun peut refaire le calcul et retrouver cette "
            "empreinte\u00a0: {command}"
        ),
        # audit
        "rerun": "Refaire le calcul",
        "rerun_text": (
            "Le dossier de résultats (results.json, manifest.json) et les fichiers d'entrée "
            "listés plus bas suffisent. La commande suivante relit chaque fichier, contrôle son "
            "empreinte SHA-256, recalcule le classement avec les mêmes options et la même "
            "graine, et compare chaque résultat :"
        ),
        "results_dir": "RESULTS_DIR\u00a0: le dossier qui contient results.json.",
        "juror_stats": "Statistiques par juré",
        "mean": "Moyenne",
        "sd": "Écart type",
        "bias": "Biais",
        "scale": "Échelle",
        "fallback": "non calibré",
        "without_juror": "Sans ce juré",
        "same_winners": "mêmes lauréats",
        "instead_of": "{gained} au lieu de {lost}",
        "not_computed": "non calculé",
        "severity": "Sévérité des jurés",
        "severity_caption": (
            "Biais de chaque juré dans chaque domaine, en points de la grille\u00a0: négatif = "
            "plus sévère que l'ensemble du jury, positif = plus indulgent. Barre\u00a0: ± une "
            "erreur type, quand le calibrage la fournit. Cercle vide\u00a0: juré non calibré "
            "(trop peu de notes)."
        ),
        "reliability": "Fiabilité\u00a0: accord entre les jurés",
        "alpha": "α de Krippendorff",
        "icc": "CCI (ICC)",
        "kendall": "W de Kendall",
        "items": "Dossiers",
        "raters": "Jurés",
        "ratings": "Notes",
        "unavailable": "non calculable\u00a0: {why}",
        "reliability_note": (
            "Calculés sur les notes totales non calibrées. Un α au-dessus de {ok} est souvent "
            "jugé acceptable, au-dessus de {good} bon (Krippendorff, 2004)."
        ),
        "uncertainty": "Classement et incertitude",
        "uncertainty_caption": (
            "Pour chaque dossier\u00a0: son rang (point) et l'intervalle où tombe son rang dans "
            "{interval} des {replicates} rééchantillonnages du jury (trait). Rouge\u00a0: "
            "lauréats\u00a0; or\u00a0: liste d'attente\u00a0; gris\u00a0: autres\u00a0; "
            "vide\u00a0: non éligible. Pointillé\u00a0: ligne des lauréats. À droite\u00a0: part "
            "des rééchantillonnages où le dossier est lauréat."
        ),
        "by_method": "Lauréats selon la méthode de calibrage",
        "by_method_note": (
            "Même calcul avec un autre calibrage\u00a0; en gras, les dossiers qui ne sont pas "
            "lauréats avec la méthode retenue."
        ),
        "adopted": "méthode retenue",
        "method_col": "Méthode",
        "inputs": "Fichiers d'entrée et empreintes SHA-256",
        "path": "Fichier",
        "size": "Octets",
        "exact_options": "Options exactes de l'exécution",
        "engine_warnings": "Avertissements du moteur (tels qu'enregistrés, en anglais)",
        "no_warnings": "Aucun avertissement.",
        "not_recorded": "non enregistré",
        # letters
        "to": "À l'attention de",
        "subject": "Objet\u00a0: résultat de votre candidature",
        "letter_intro": (
            "Le jury a examiné votre projet parmi les {n} dossiers du domaine "
            "«\u00a0{domain}\u00a0». Voici sa décision et vos notes."
        ),
        "jury_decision": "Décision du jury",
        "rank_line": "Rang {rank} sur {n}",
        "score_line": "Score calibré\u00a0: {score} sur {high} (moyenne brute {raw})",
        "interval_line": (
            "Rang entre {low} et {high} dans {interval} des rééchantillonnages du jury\u00a0; "
            "lauréat dans {p}."
        ),
        "funded_line": "Montant accordé\u00a0: {amount}",
        "requested_line": "Montant demandé\u00a0: {amount}",
        "reasons": "Motif de non-éligibilité",
        "your_scores": "Vos notes par critère",
        "scores_note": (
            "Moyennes des notes des jurés avant calibrage, sur une échelle de {low} à {high}."
        ),
        "in_domain": "Votre projet dans son domaine",
        "in_domain_caption": (
            "Chaque point est un dossier du domaine, placé selon son score\u00a0: en or les "
            "lauréats, en gris les autres\u00a0; le vôtre est en rouge et agrandi. "
            "Pointillé\u00a0: score du dernier lauréat."
        ),
        "thanks": "Le jury remercie votre association pour sa participation.",
        "closing": (
            "Résultats officiels, empreinte en bas de page\u00a0; procès-verbal du jury sur "
            "demande."
        ),
        "congratulations": "Félicitations\u00a0!",
        "president": "Le président du jury",
        # option labels
        "opt_calibration": "Calibrage des notes de chaque juré",
        "opt_aggregate": "Agrégation des notes",
        "opt_min_jurors": "Jurés sans conflit attendus par dossier (minimum)",
        "opt_tie_break": "Départage des ex æquo",
        "opt_seed": "Graine des tirages au sort",
        "opt_replicates": "Rééchantillonnages du jury (stabilité)",
        "opt_mode": "Mode de sélection",
        "opt_reserve": "Longueur de la liste d'attente",
        "opt_budget": "Budget total",
        "opt_cap": "Plafond par projet",
        "opt_budget_rule": "Règle budgétaire",
        "opt_lottery": "Tirage au sort autour de la ligne des lauréats",
        "opt_total_winners": "Nombre total de lauréats",
        "opt_conflict_scope": "Portée d'un conflit",
        # option values
        "val_raw": "aucun (notes brutes)",
        "val_zscore": (
            "z-score\u00a0: moyenne et écart type de chaque juré ramenés à ceux du domaine"
        ),
        "val_percentile": "rangs centiles de chaque juré",
        "val_additive": "modèle additif\u00a0: sévérité de chaque juré",
        "val_affine": "modèle affine\u00a0: sévérité et étendue de chaque juré",
        "val_mean": "moyenne",
        "val_median": "médiane",
        "val_trimmed": "moyenne tronquée",
        "val_raw_mean": "moyenne brute",
        "val_lot": "tirage au sort",
        "val_per_domain": "par domaine",
        "val_overall": "classement général",
        "val_stop": "s'arrêter au premier projet qui dépasse l'enveloppe",
        "val_skip": "passer au projet suivant",
        "val_submission": "le dossier concerné",
        "val_domain": "tout le domaine",
        "val_none": "aucun",
        "then": ", puis ",
        "colon": "\u00a0: ",
        "under": "moins de {p}",
        "over": "plus de {p}",
        "interval_same": (
            "Rang {low} dans {interval} des rééchantillonnages du jury\u00a0; lauréat dans {p}."
        ),
        "list_sep": ", ",
        # conflict categories and sources
        "cat_governance": "gouvernance",
        "cat_employment": "emploi",
        "cat_family": "lien familial",
        "cat_financial": "intérêt financier",
        "cat_collaboration": "collaboration",
        "cat_other": "autre",
        "cat_affiliation": "membre de l'association",
        "src_declared": "déclaré",
        "src_detected": "détecté",
        "member_of": "membre de l'association {association}",
        # reliability reasons
        "why_few_submissions": "moins de 2 dossiers",
        "why_few_jurors": "moins de 2 jurés",
        "why_missing": "chaque juré n'a pas noté chaque dossier ({empty} cases vides sur {cells})",
        "why_constant": "toutes les notes sont identiques",
        "why_close": "les moyennes des dossiers diffèrent trop peu",
    },
    "ar": {
        "minutes": "محضر مداولات لجنة التحكيم",
        "audit": "تقرير التدقيق",
        "letter": "نتيجة ترشيحكم",
        "minutes_intro": (
            "اجتمعت لجنة التحكيم بتاريخ {date}، {place}، للبت في الملفات المتوصل بها. ويتضمن "
            "هذا المحضر تركيبة اللجنة وحالات تضارب المصالح والمنهجية المتبعة والترتيب الكامل "
            "لكل مجال والقرارات المتخذة."
        ),
        "jury": "تركيبة لجنة التحكيم",
        "conflicts": "سجل تضارب المصالح",
        "conflicts_intro": (
            "حالات التضارب التي صرح بها أعضاء اللجنة أو التي رصدها البرنامج، أي انتماء العضو "
            "إلى الجمعية المترشحة."
        ),
        "scope_submission": "يؤدي التضارب إلى استبعاد تنقيط العضو للملف المعني.",
        "scope_domain": "يؤدي التضارب إلى استبعاد العضو من كامل مجال الملف المعني.",
        "no_conflicts": "لا توجد أي حالة تضارب مصالح.",
        "exclusions": "التنقيط المستبعد",
        "no_exclusions": "لم يُستبعد أي تنقيط.",
        "counts": "الملفات المتوصل بها وغير المؤهلة والمرتبة",
        "method": "المنهجية والخيارات",
        "ranking": "الترتيب الكامل",
        "ties": "الفصل بين المتعادلين",
        "reserve": "لائحة الانتظار",
        "too_close": "نتائج متقاربة يتعذر الحسم فيها",
        "signatures": "توقيعات أعضاء لجنة التحكيم",
        "run_digest": "بصمة التنفيذ",
        "code": "الرمز",
        "name": "الاسم",
        "domains": "المجالات",
        "scored": "الملفات المنقطة",
        "affiliations": "الانتماءات",
        "juror": "العضو",
        "submission": "الملف",
        "category": "الطبيعة",
        "source": "المصدر",
        "note": "توضيح",
        "effect": "الأثر",
        "reason": "السبب",
        "received": "المتوصل بها",
        "ineligible": "غير المؤهلة",
        "ranked": "المرتبة",
        "unranked": "بدون تنقيط",
        "winners": "الفائزة",
        "in_reserve": "في الانتظار",
        "total": "المجموع",
        "rank": "الرتبة",
        "project": "المشروع",
        "score": "النقطة",
        "raw_mean": "المعدل الخام",
        "n_jurors": "المقيمون",
        "p_selected": "نسبة الفوز",
        "interval": "الرتبة بنسبة {p}",
        "decision": "القرار",
        "criterion": "المعيار",
        "weight": "الوزن",
        "threshold": "العتبة",
        "your_mean": "معدلكم",
        "domain_mean": "معدل المجال",
        "option": "الخيار",
        "value": "القيمة",
        "set_aside": "استُبعد تنقيطه",
        "not_scored": "لا تنقيط لاستبعاده",
        "reason_conflict": "تضارب المصالح",
        "reason_incomplete": "تقييم غير مكتمل",
        "missing": "معايير غير منقطة: {names}",
        "via": "بسبب الملف {via}",
        "winner": "مشروع فائز — {prize}",
        "winner_drawn": "مشروع فائز بالقرعة",
        "reserve_position": "لائحة الانتظار، الرتبة {n}",
        "reserve_short": "في الانتظار، رقم {n}",
        "not_eligible": "غير مؤهل",
        "not_ranked": "غير مرتب: لا يوجد تنقيط بدون تضارب",
        "not_drawn": "ضمن نطاق القرعة، لم يُسحب",
        "over_budget": "لم يُختر: يتجاوز الغلاف المالي المتبقي",
        "not_selected": "لم يُختر",
        "declared": "ملف مصرح بعدم أهليته",
        "below": "{criterion}: المعدل {mean}، والحد الأدنى المطلوب {threshold}",
        "above": "{criterion}: المعدل {mean}، والحد الأقصى المسموح به {threshold}",
        "total_below": "مجموع المعدلات {mean}، والحد الأدنى المطلوب {threshold}",
        "total_above": "مجموع المعدلات {mean}، والحد الأقصى المسموح به {threshold}",
        "no_ties": "لا يوجد أي تعادل.",
        "tie": (
            "{submissions}: نفس النقطة {score}، في الرتب من {first} إلى {last}، وتم الفصل "
            "بينها بـ{keys}."
        ),
        "tie_lot": "القرعة بالبذرة {seed}، والترتيب المسحوب: {order}",
        "tie_no_effect": "دون أثر على الفائزين أو على لائحة الانتظار.",
        "no_reserve": "لا توجد لائحة انتظار.",
        "too_close_intro": (
            "ملفات فازت في ما بين {low} و{high} من {replicates} إعادة معاينة للجنة: اختيارها "
            "رهين بتركيبة اللجنة."
        ),
        "none_too_close": "لا شيء: الفائزون أنفسهم في جل إعادات المعاينة.",
        "not_measured": "لم يُقس الاستقرار.",
        "lottery": (
            "قرعة بين {members} بالبذرة {seed}: المسحوبة {drawn}؛ غير المسحوبة {not_drawn}."
        ),
        "budget": "الغلاف المالي {envelope}: الملتزم به {committed}، المتبقي {left}.",
        "done_at": "حرر بتاريخ {date}، {place}.",
        "signature": "التوقيع",
        "engine": "البرنامج",
        "verify_hint": (
            "يمكن لكل من يتوفر على ملفات الإدخال إعادة الحساب والحصول على نفس البصمة: {command}"
        ),
        "rerun": "إعادة الحساب",
        "rerun_text": (
            "يكفي مجلد النتائج، أي الملفان results.json وmanifest.json، وملفات الإدخال المبينة "
            "أسفله. يعيد الأمر التالي قراءة كل ملف، ويتحقق من بصمته SHA-256، ويعيد حساب الترتيب "
            "بنفس الخيارات ونفس البذرة، ثم يقارن كل نتيجة:"
        ),
        "results_dir": "RESULTS_DIR: المجلد الذي يحتوي على results.json.",
        "juror_stats": "إحصاءات حسب العضو",
        "mean": "المعدل",
        "sd": "الانحراف المعياري",
        "bias": "الانحياز",
        "scale": "السلم",
        "fallback": "غير معاير",
        "without_juror": "بدون هذا العضو",
        "same_winners": "نفس الفائزين",
        "instead_of": "{gained} بدل {lost}",
        "not_computed": "لم يُحسب",
        "severity": "صرامة أعضاء اللجنة",
        "severity_caption": (
            "انحياز كل عضو في كل مجال بنقط الشبكة: السالب أكثر صرامة من مجموع اللجنة، والموجب "
            "أكثر تساهلا. الخط: ± خطأ معياري واحد حين توفره المعايرة. الدائرة الفارغة: عضو غير "
            "معاير (تنقيط غير كاف)."
        ),
        "reliability": "الموثوقية: التوافق بين أعضاء اللجنة",
        "alpha": "ألفا كريبندورف",
        "icc": "معامل الارتباط الداخلي ICC",
        "kendall": "معامل W لكندال",
        "items": "الملفات",
        "raters": "الأعضاء",
        "ratings": "التنقيطات",
        "unavailable": "غير قابل للحساب: {why}",
        "reliability_note": (
            "محسوبة على النقط الإجمالية غير المعايرة. تعد قيمة ألفا التي تفوق {ok} مقبولة "
            "عادة، والتي تفوق {good} جيدة، حسب كريبندورف، 2004."
        ),
        "uncertainty": "الترتيب وهامش عدم اليقين",
        "uncertainty_caption": (
            "لكل ملف رتبته (النقطة) والمجال الذي تقع فيه رتبته في {interval} من {replicates} "
            "إعادة معاينة للجنة (الخط). الأحمر: الفائزون؛ الذهبي: لائحة الانتظار؛ الرمادي: "
            "الباقي؛ الفارغ: غير مؤهل. الخط المتقطع: خط الفوز. على اليمين: نسبة إعادات المعاينة "
            "التي يفوز فيها الملف."
        ),
        "by_method": "الفائزون حسب طريقة المعايرة",
        "by_method_note": (
            "نفس الحساب بطريقة معايرة أخرى؛ بخط عريض الملفات التي لا تفوز بالطريقة المعتمدة."
        ),
        "adopted": "الطريقة المعتمدة",
        "method_col": "الطريقة",
        "inputs": "ملفات الإدخال وبصماتها SHA-256",
        "path": "الملف",
        "size": "بايت",
        "exact_options": "الخيارات الدقيقة للتنفيذ",
        "engine_warnings": "تنبيهات البرنامج (كما سُجلت، بالإنجليزية)",
        "no_warnings": "لا توجد أي تنبيهات.",
        "not_recorded": "غير مسجل",
        "to": "إلى",
        "subject": "الموضوع: نتيجة ترشيحكم",
        "letter_intro": (
            "درست لجنة التحكيم مشروعكم ضمن ملفات مجال «{domain}» (عددها {n}). إليكم قرارها "
            "وتنقيطكم."
        ),
        "jury_decision": "قرار لجنة التحكيم",
        "rank_line": "الرتبة {rank} من أصل {n}",
        "score_line": "النقطة بعد المعايرة: {score} من {high} (المعدل الخام {raw})",
        "interval_line": (
            "رتبة بين {low} و{high} في {interval} من إعادات معاينة اللجنة؛ فائز في {p} منها."
        ),
        "funded_line": "المبلغ الممنوح: {amount}",
        "requested_line": "المبلغ المطلوب: {amount}",
        "reasons": "سبب عدم الأهلية",
        "your_scores": "تنقيطكم حسب المعيار",
        "scores_note": "معدلات نقط أعضاء اللجنة قبل المعايرة، على سلم من {low} إلى {high}.",
        "in_domain": "مشروعكم ضمن مجاله",
        "in_domain_caption": (
            "كل نقطة تمثل ملفا من المجال حسب نقطته: الذهبية للفائزين والرمادية للباقي؛ ملفكم "
            "باللون الأحمر وبحجم أكبر. الخط المتقطع: نقطة آخر فائز."
        ),
        "thanks": "تشكر لجنة التحكيم جمعيتكم على مشاركتها.",
        "closing": "النتائج الرسمية، وبصمتها أسفل الصفحة؛ محضر لجنة التحكيم متاح عند الطلب.",
        "congratulations": "تهانينا!",
        "president": "رئيس لجنة التحكيم",
        "opt_calibration": "معايرة تنقيط كل عضو",
        "opt_aggregate": "تجميع النقط",
        "opt_min_jurors": "الحد الأدنى للمقيمين بدون تضارب لكل ملف",
        "opt_tie_break": "الفصل بين المتعادلين",
        "opt_seed": "بذرة السحب بالقرعة",
        "opt_replicates": "إعادات معاينة اللجنة (الاستقرار)",
        "opt_mode": "طريقة الاختيار",
        "opt_reserve": "عدد ملفات لائحة الانتظار",
        "opt_budget": "الميزانية الإجمالية",
        "opt_cap": "السقف لكل مشروع",
        "opt_budget_rule": "قاعدة الميزانية",
        "opt_lottery": "القرعة حول خط الفوز",
        "opt_total_winners": "العدد الإجمالي للفائزين",
        "opt_conflict_scope": "نطاق التضارب",
        "val_raw": "بدون (النقط الخام)",
        "val_zscore": "z-score: توحيد معدل وانحراف تنقيط كل عضو مع المجال",
        "val_percentile": "الرتب المئينية لكل عضو",
        "val_additive": "نموذج جمعي: صرامة كل عضو",
        "val_affine": "نموذج تآلفي: صرامة كل عضو ومدى تنقيطه",
        "val_mean": "المعدل",
        "val_median": "الوسيط",
        "val_trimmed": "المعدل المشذب",
        "val_raw_mean": "المعدل الخام",
        "val_lot": "القرعة",
        "val_per_domain": "حسب المجال",
        "val_overall": "ترتيب عام",
        "val_stop": "التوقف عند أول مشروع يتجاوز الغلاف المالي",
        "val_skip": "الانتقال إلى المشروع الموالي",
        "val_submission": "الملف المعني",
        "val_domain": "المجال بأكمله",
        "val_none": "لا شيء",
        "then": "، ثم ",
        "colon": ": ",
        "under": "أقل من {p}",
        "over": "أكثر من {p}",
        "interval_same": "الرتبة {low} في {interval} من إعادات معاينة اللجنة؛ فائز في {p} منها.",
        "list_sep": "، ",
        "cat_governance": "التسيير",
        "cat_employment": "الشغل",
        "cat_family": "قرابة عائلية",
        "cat_financial": "مصلحة مالية",
        "cat_collaboration": "تعاون",
        "cat_other": "أخرى",
        "cat_affiliation": "عضو في الجمعية",
        "src_declared": "مصرح به",
        "src_detected": "مرصود",
        "member_of": "عضو في الجمعية {association}",
        "why_few_submissions": "أقل من ملفين",
        "why_few_jurors": "أقل من عضوين",
        "why_missing": "لم ينقط كل عضو كل الملفات ({empty} خانة فارغة من أصل {cells})",
        "why_constant": "كل النقط متطابقة",
        "why_close": "معدلات الملفات متقاربة جدا",
    },
    "en": {
        "minutes": "Minutes of the jury's deliberations",
        "audit": "Audit report",
        "letter": "Result of your application",
        "minutes_intro": (
            "The jury met on {date}, {place}, to decide on the submissions received. These "
            "minutes record its members, the conflicts of interest, the method followed, the "
            "full ranking of each domain and the decisions taken."
        ),
        "jury": "Members of the jury",
        "conflicts": "Conflict-of-interest register",
        "conflicts_intro": (
            "Conflicts declared by the jurors or detected by grantjury (a juror who is a member "
            "of the applying association)."
        ),
        "scope_submission": "A conflict sets aside the juror's scores for that submission.",
        "scope_domain": "A conflict removes the juror from the submission's whole domain.",
        "no_conflicts": "No conflict of interest.",
        "exclusions": "Scores set aside",
        "no_exclusions": "No score was set aside.",
        "counts": "Submissions received, ineligible and ranked",
        "method": "Method and options",
        "ranking": "Full ranking",
        "ties": "Ties",
        "reserve": "Reserve list",
        "too_close": "Too close to call",
        "signatures": "Signatures of the jurors",
        "run_digest": "Run digest",
        "code": "Code",
        "name": "Name",
        "domains": "Domains",
        "scored": "Submissions scored",
        "affiliations": "Affiliations",
        "juror": "Juror",
        "submission": "Submission",
        "category": "Kind",
        "source": "Source",
        "note": "Detail",
        "effect": "Effect",
        "reason": "Reason",
        "received": "Received",
        "ineligible": "Ineligible",
        "ranked": "Ranked",
        "unranked": "Unscored",
        "winners": "Winners",
        "in_reserve": "Reserve",
        "total": "Total",
        "rank": "Rank",
        "project": "Project",
        "score": "Score",
        "raw_mean": "Raw mean",
        "n_jurors": "Jurors",
        "p_selected": "Wins in",
        "interval": "Rank, {p}",
        "decision": "Decision",
        "criterion": "Criterion",
        "weight": "Weight",
        "threshold": "Pass mark",
        "your_mean": "Your mean",
        "domain_mean": "Domain mean",
        "option": "Option",
        "value": "Value",
        "set_aside": "scores set aside",
        "not_scored": "no score to set aside",
        "reason_conflict": "conflict of interest",
        "reason_incomplete": "incomplete scoring",
        "missing": "criteria not scored: {names}",
        "via": "through submission {via}",
        "winner": "Winning project — {prize}",
        "winner_drawn": "Winning project, drawn by lot",
        "reserve_position": "Reserve list, position {n}",
        "reserve_short": "Reserve, no. {n}",
        "not_eligible": "Not eligible",
        "not_ranked": "Not ranked: no score without a conflict",
        "not_drawn": "In the lottery band, not drawn",
        "over_budget": "Not selected: exceeds the remaining envelope",
        "not_selected": "Not selected",
        "declared": "declared not eligible",
        "below": "{criterion}: mean {mean}, needs at least {threshold}",
        "above": "{criterion}: mean {mean}, needs at most {threshold}",
        "total_below": "sum of criterion means {mean}, needs at least {threshold}",
        "total_above": "sum of criterion means {mean}, needs at most {threshold}",
        "no_ties": "No ties.",
        "tie": "{submissions}: same score {score} (ranks {first} to {last}), separated by {keys}.",
        "tie_lot": "lot (seed {seed}, order drawn: {order})",
        "tie_no_effect": "No effect on the winners or the reserve list.",
        "no_reserve": "No reserve list.",
        "too_close_intro": (
            "Submissions that win in {low} to {high} of the {replicates} jury resamples: whether "
            "they are selected depends on who sat on the jury."
        ),
        "none_too_close": "None: the winners are the same in nearly every resample.",
        "not_measured": "Stability not measured.",
        "lottery": "Lot among {members} (seed {seed}): drawn {drawn}; not drawn {not_drawn}.",
        "budget": "Envelope {envelope}: committed {committed}, left {left}.",
        "done_at": "Done on {date}, {place}.",
        "signature": "Signature",
        "engine": "Engine",
        "verify_hint": (
            "With the input files anyone can re-run the ranking and find this digest: {command}"
        ),
        "rerun": "Re-running the ranking",
        "rerun_text": (
            "The results folder (results.json, manifest.json) and the input files listed below "
            "are enough. This command reads each file again, checks its SHA-256, ranks again "
            "with the same options and seed, and compares every result:"
        ),
        "results_dir": "RESULTS_DIR: the folder that holds results.json.",
        "juror_stats": "Statistics per juror",
        "mean": "Mean",
        "sd": "SD",
        "bias": "Bias",
        "scale": "Scale",
        "fallback": "not calibrated",
        "without_juror": "Without this juror",
        "same_winners": "same winners",
        "instead_of": "{gained} instead of {lost}",
        "not_computed": "not computed",
        "severity": "Juror severity",
        "severity_caption": (
            "Each juror's bias in each domain, in rubric points: negative = more severe than "
            "the jury as a whole, positive = more lenient. Bar: ± one standard error where the "
            "calibration gives it. Hollow circle: juror not calibrated (too few scores)."
        ),
        "reliability": "Reliability: agreement between jurors",
        "alpha": "Krippendorff's α",
        "icc": "ICC",
        "kendall": "Kendall's W",
        "items": "Submissions",
        "raters": "Jurors",
        "ratings": "Scores",
        "unavailable": "unavailable: {why}",
        "reliability_note": (
            "Computed on the uncalibrated totals. An α above {ok} is often taken as "
            "acceptable, above {good} as good (Krippendorff, 2004)."
        ),
        "uncertainty": "Ranking and uncertainty",
        "uncertainty_caption": (
            "For each submission: its rank (dot) and the interval its rank falls in for "
            "{interval} of the {replicates} jury resamples (line). Red: winners; gold: reserve "
            "list; grey: others; hollow: not eligible. Dashed: the winning line. Right: share of "
            "resamples in which the submission wins."
        ),
        "by_method": "Winners by calibration method",
        "by_method_note": (
            "The same ranking with another calibration; in bold, submissions that do not win "
            "with the adopted method."
        ),
        "adopted": "adopted method",
        "method_col": "Method",
        "inputs": "Input files and their SHA-256",
        "path": "File",
        "size": "Bytes",
        "exact_options": "Exact options of the run",
        "engine_warnings": "Engine warnings (as recorded)",
        "no_warnings": "No warnings.",
        "not_recorded": "not recorded",
        "to": "To",
        "subject": "Subject: result of your application",
        "letter_intro": (
            "The jury examined your project among the {n} submissions of the domain “{domain}”. "
            "Here are its decision and your scores."
        ),
        "jury_decision": "Decision of the jury",
        "rank_line": "Rank {rank} of {n}",
        "score_line": "Calibrated score: {score} out of {high} (raw mean {raw})",
        "interval_line": (
            "Rank between {low} and {high} in {interval} of the jury resamples; a winner in {p}."
        ),
        "funded_line": "Amount granted: {amount}",
        "requested_line": "Amount requested: {amount}",
        "reasons": "Why the submission is not eligible",
        "your_scores": "Your scores by criterion",
        "scores_note": (
            "Means of the jurors' scores before calibration, on a scale of {low} to {high}."
        ),
        "in_domain": "Your project in its domain",
        "in_domain_caption": (
            "Each dot is a submission of the domain, placed by its score: gold for the winners, "
            "grey for the others; yours is red and larger. Dashed: the score of the last winner."
        ),
        "thanks": "The jury thanks your association for taking part.",
        "closing": (
            "Official results, digest at the foot of the page; the jury's minutes on request."
        ),
        "congratulations": "Congratulations!",
        "president": "President of the jury",
        "opt_calibration": "Calibration of each juror's scores",
        "opt_aggregate": "Aggregation",
        "opt_min_jurors": "Jurors without conflict expected per submission (minimum)",
        "opt_tie_break": "Tie-break chain",
        "opt_seed": "Seed of every draw",
        "opt_replicates": "Jury resamples (stability)",
        "opt_mode": "Selection",
        "opt_reserve": "Reserve list length",
        "opt_budget": "Total budget",
        "opt_cap": "Cap per project",
        "opt_budget_rule": "Budget rule",
        "opt_lottery": "Lottery around the winning line",
        "opt_total_winners": "Total number of winners",
        "opt_conflict_scope": "Scope of a conflict",
        "val_raw": "none (raw scores)",
        "val_zscore": "z-score: each juror's mean and spread brought to the domain's",
        "val_percentile": "each juror's percentile ranks",
        "val_additive": "additive model: each juror's severity",
        "val_affine": "affine model: each juror's severity and spread",
        "val_mean": "mean",
        "val_median": "median",
        "val_trimmed": "trimmed mean",
        "val_raw_mean": "raw mean",
        "val_lot": "lot",
        "val_per_domain": "per domain",
        "val_overall": "overall ranking",
        "val_stop": "stop at the first project that does not fit",
        "val_skip": "skip to the next project",
        "val_submission": "the submission",
        "val_domain": "the whole domain",
        "val_none": "none",
        "then": ", then ",
        "colon": ": ",
        "under": "under {p}",
        "over": "over {p}",
        "interval_same": "Rank {low} in {interval} of the jury resamples; a winner in {p}.",
        "list_sep": ", ",
        "cat_governance": "governance",
        "cat_employment": "employment",
        "cat_family": "family",
        "cat_financial": "financial interest",
        "cat_collaboration": "collaboration",
        "cat_other": "other",
        "cat_affiliation": "member of the association",
        "src_declared": "declared",
        "src_detected": "detected",
        "member_of": "member of association {association}",
        "why_few_submissions": "fewer than 2 submissions",
        "why_few_jurors": "fewer than 2 jurors",
        "why_missing": "not every juror scored every submission ({empty} of {cells} cells empty)",
        "why_constant": "every score is the same",
        "why_close": "the submissions' means differ too little",
    },
}
"""The words of the record documents. A language without words here gets the English ones."""

_ORDINALS = {
    "ar": (
        "الأولى",
        "الثانية",
        "الثالثة",
        "الرابعة",
        "الخامسة",
        "السادسة",
        "السابعة",
        "الثامنة",
        "التاسعة",
        "العاشرة",
    ),
    "fr": (
        "Premier",
        "Deuxième",
        "Troisième",
        "Quatrième",
        "Cinquième",
        "Sixième",
        "Septième",
        "Huitième",
        "Neuvième",
        "Dixième",
    ),
    "en": (
        "First",
        "Second",
        "Third",
        "Fourth",
        "Fifth",
        "Sixth",
        "Seventh",
        "Eighth",
        "Ninth",
        "Tenth",
    ),
}

CURRENCIES = {"MAD": {"ar": "درهم", "fr": "MAD", "en": "MAD"}}
"""How a currency code is written in each language (the code itself otherwise)."""

LOW_P, HIGH_P = 0.1, 0.9
"""A submission is too close to call when it wins in between 10 % and 90 % of the resamples."""


def ordinal(position: int, lang: str) -> str:
    """`Premier prix`, `الجائزة الأولى`, `Third prize`; figures beyond the tenth."""
    lang = lang if lang in _ORDINALS else "en"
    words = _ORDINALS[lang]
    if lang == "ar":
        return f"الجائزة {words[position - 1]}" if position <= len(words) else f"الجائزة {position}"
    if lang == "fr":
        return f"{words[position - 1]} prix" if position <= len(words) else f"{position}e prix"
    return f"{words[position - 1]} prize" if position <= len(words) else f"Prize {position}"


def words_for(lang: str) -> dict[str, str]:
    """The record documents' words in `lang` (English when grantjury has none for it)."""
    return WORDS.get(lang, WORDS["en"])


# --- building blocks: figures, codes, sentences ----------------------------------------------


def say(lang: str, key: str, **values: Any) -> Markup:
    """The sentence `key` in `lang` with `values` filled in.

    Plain strings are untrusted: sanitised, isolated and escaped. `Markup` values (figures
    wrapped left-to-right, already escaped phrases) go in as they are; numbers as figures.
    """
    template = Markup(words_for(lang)[key])
    return template.format(**{name: _value(value, lang) for name, value in values.items()})


def _value(value: Any, lang: str) -> Any:
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool) or value is None:
        return escape(str(value))
    if isinstance(value, int):
        return ltr(str(value))
    if isinstance(value, float):
        return ltr(format_number(value, lang))
    return escape(isolate(sanitize_text(value)))


def word(key: str, lang: str) -> str:
    """One label of `WORDS` in `lang`."""
    return words_for(lang)[key]


def fixed(value: float | None, lang: str, digits: int = 2) -> Markup:
    """A score with `digits` decimals, left-to-right; a dash when there is none."""
    return Markup("—") if value is None else ltr(format_decimal(value, lang, digits))


def percent(value: float | None, lang: str) -> Markup:
    """A probability as a whole percentage (`77 %`, `moins de 1 %`), figures left-to-right.

    Words, not `<` or `>`: inside Arabic the renderer mirrors a comparison sign even in a
    left-to-right span, so `> 99%` would print as `< 99%`.
    """
    if value is None:
        return Markup("—")
    space = "\u202f" if lang == "fr" else ""
    share = value * 100
    if 0 < share < 1:
        return say(lang, "under", p=ltr(f"1{space}%"))
    if 99 < share < 100:
        return say(lang, "over", p=ltr(f"99{space}%"))
    return ltr(f"{round(share)}{space}%")


def money(value: float | None, currency: str, lang: str) -> Markup:
    """An amount with its currency: `39 000 MAD`, `39 000 درهم`."""
    if value is None:
        return Markup("—")
    unit = CURRENCIES.get(currency, {}).get(lang, currency)
    figures = ltr(format_number(value, lang))
    if not unit:
        return figures
    if language_direction(lang) == "rtl" and unit == currency:
        return Markup("%s %s") % (figures, ltr(unit))
    return Markup("%s\u00a0%s") % (figures, unit)


def code(value: str) -> Markup:
    """An identifier (submission, juror, file), left-to-right and isolated."""
    return Markup('<span dir="ltr" class="code">%s</span>') % isolate(sanitize_text(value))


def command(text: str) -> Markup:
    """A shell command, left-to-right, kept on one line."""
    return Markup('<span dir="ltr" class="code nowrap">%s</span>') % isolate(sanitize_text(text))


def codes(values: Iterable[str], lang: str) -> Markup:
    """Identifiers joined by the language's list separator."""
    return Markup(escape(word("list_sep", lang))).join(code(v) for v in values) or Markup("—")


def _known(prefix: str, value: str, lang: str) -> str | None:
    return words_for(lang).get(f"{prefix}_{value}")


def category(value: str, lang: str) -> str:
    """A conflict category in `lang` (as written in the register when grantjury lacks it)."""
    return _known("cat", value, lang) or value


def source(value: str, lang: str) -> str:
    """`declared` / `detected` in `lang`."""
    return _known("src", value, lang) or value


_MEMBER_OF = re.compile(r"member of association (\S+)")


def conflict_note(conflict: Conflict, lang: str) -> Markup:
    """A register note: grantjury's own notes are translated, a juror's own words kept."""
    match = _MEMBER_OF.fullmatch(conflict.note)
    if match and conflict.source == "detected":
        return say(lang, "member_of", association=code(match.group(1)))
    return escape(isolate(conflict.note)) if conflict.note else Markup("—")


def criterion_name(domain: Domain | None, criterion_id: str, lang: str) -> str:
    """A criterion's name in `lang` from the domain's rubric, else its id."""
    for criterion in domain.criteria if domain is not None else ():
        if criterion.id == criterion_id:
            return pick(criterion.name, lang)
    return criterion_id


def exclusion_reason(exclusion: Exclusion, record: Record, lang: str) -> Markup:
    """Why a juror's scores for a submission were set aside."""
    if exclusion.reason == "conflict":
        detail = [category(exclusion.category, lang), source(exclusion.source, lang)]
        text = say(lang, "reason_conflict") + Markup(" (%s)") % ", ".join(d for d in detail if d)
        if exclusion.via and exclusion.via != exclusion.submission:
            text += Markup(" ") + say(lang, "via", via=code(exclusion.via))
        return text
    if exclusion.reason == "incomplete":
        submission = record.submissions.get(exclusion.submission)
        domain = record.domain(submission.domain) if submission is not None else None
        names = word("list_sep", lang).join(
            criterion_name(domain, c, lang) for c in exclusion.missing
        )
        return say(lang, "reason_incomplete") + Markup(" — ") + say(lang, "missing", names=names)
    return escape(isolate(exclusion.reason))


def decision(domain: Domain, entry: Entry, lang: str, short: bool = False) -> Markup:
    """The jury's decision on a submission, in `lang`, from the structured results.

    results.json words decisions in English for the log; the documents rebuild them from
    winners, reserve, eligibility and lottery so that each language reads naturally. `short`
    is the form of the ranking tables (`Premier prix`, `En attente, n° 1`).
    """
    if entry.winner and entry.submission in domain.winners:
        if domain.lottery is not None and entry.submission in domain.lottery.drawn:
            return say(lang, "winner_drawn")
        prize = ordinal(domain.winners.index(entry.submission) + 1, lang)
        return escape(prize) if short else say(lang, "winner", prize=prize)
    if entry.submission in domain.reserve:
        position = domain.reserve.index(entry.submission) + 1
        return say(lang, "reserve_short" if short else "reserve_position", n=position)
    if not entry.eligible:
        return say(lang, "not_eligible")
    if entry.rank is None:
        return say(lang, "not_ranked")
    if domain.lottery is not None and entry.submission in domain.lottery.not_drawn:
        return say(lang, "not_drawn")
    if entry.decision.startswith("does not fit"):
        return say(lang, "over_budget")
    return say(lang, "not_selected")


def rank_range(interval: tuple[int, int] | None) -> Markup:
    """A rank interval, `2–4`, or one rank when both ends agree; a dash when unknown."""
    if interval is None:
        return Markup("—")
    low, high = interval
    return ltr(str(low) if low == high else f"{low}–{high}")


def outcome(domain: Domain, entry: Entry) -> str:
    """A CSS class for the decision: `winner`, `reserve`, `ineligible` or `other`."""
    if entry.winner and entry.submission in domain.winners:
        return "winner"
    if entry.submission in domain.reserve:
        return "reserve"
    if not entry.eligible:
        return "ineligible"
    return "other"


_THRESHOLD = re.compile(
    r"(?P<criterion>\S+): mean (?P<mean>[-\d.]+), "
    r"needs (?P<side>at least|at most) (?P<threshold>[-\d.e+]+)"
)
_TOTAL = re.compile(
    r"sum of criterion means (?P<mean>[-\d.]+), "
    r"needs (?P<side>at least|at most) (?P<threshold>[-\d.e+]+)"
)
_DECLARED = "declared not eligible"


def ineligibility(reason: str, domain: Domain, lang: str) -> Markup:
    """One reason a submission cannot be selected, translated when grantjury wrote it."""
    if reason.startswith(_DECLARED):
        own = reason[len(_DECLARED) :].removeprefix(":").strip()
        text = say(lang, "declared")
        return text + escape(word("colon", lang)) + escape(isolate(own)) if own else text
    for pattern, below, above in (
        (_THRESHOLD, "below", "above"),
        (_TOTAL, "total_below", "total_above"),
    ):
        match = pattern.fullmatch(reason)
        if match:
            key = below if match["side"] == "at least" else above
            values = {
                "mean": ltr(format_decimal(float(match["mean"]), lang)),
                "threshold": ltr(format_number(float(match["threshold"]), lang)),
            }
            if "criterion" in match.groupdict():
                values["criterion"] = criterion_name(domain, match["criterion"], lang)
            return say(lang, key, **values)
    return escape(isolate(reason))


def option_value(key: str, value: Any, lang: str) -> str:
    """An option's value in words (`z-score : …`, `moyenne brute, puis tirage au sort`)."""
    if isinstance(value, list | tuple):
        return word("then" if key == "tie_break" else "list_sep", lang).join(
            option_value(key, v, lang) for v in value
        ) or word("val_none", lang)
    if value is None:
        return word("val_none", lang)
    if isinstance(value, str):
        return _known("val", value, lang) or sanitize_text(value, 120)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {option_value(k, v, lang)}" for k, v in sorted(value.items()))
    return str(value)


OPTION_ORDER = (
    "calibration",
    "aggregate",
    "min_jurors",
    "tie_break",
    "seed",
    "replicates",
    "conflict_scope",
    "mode",
    "total_winners",
    "reserve",
    "budget",
    "budget_rule",
    "cap",
    "lottery",
)
"""Options in the order the minutes explain them; others follow in alphabetical order."""

_SHOWN_WHEN_NONE = frozenset({"budget", "lottery"})


def option_rows(record: Record, lang: str) -> list[tuple[str, str]]:
    """(label, value) of the options and selection rules that applied, in words.

    An option left unset is not listed (a budget or lottery says `aucun`), nor is the budget
    rule when no budget applied.
    """
    values = {**record.option_values, **record.selection_values}
    values["conflict_scope"] = record.conflict_scope
    budgeted = values.get("budget") is not None or any(d.budget for d in record.domains)
    rank = {key: i for i, key in enumerate(OPTION_ORDER)}
    rows: list[tuple[str, str]] = []
    for key in sorted(values, key=lambda k: (rank.get(k, len(rank)), k)):
        if values[key] is None and key not in _SHOWN_WHEN_NONE:
            continue
        if key == "budget_rule" and not budgeted:
            continue
        label = _known("opt", key, lang) or sanitize_text(key, 60)
        rows.append((label, option_value(key, values[key], lang)))
    return rows


def tie_keys(tie: Tie, lang: str) -> Markup:
    """How a tie was settled: the keys applied, the lot with its seed and order."""
    keys = tie.keys or ((tie.settled_by,) if tie.settled_by else ())
    parts = []
    for key in dict.fromkeys(keys):
        if key == "lot":
            parts.append(
                say(lang, "tie_lot", seed=ltr(str(tie.lot_seed)), order=codes(tie.lot_order, lang))
            )
        else:
            parts.append(escape(_known("val", key, lang) or key))
    return Markup(escape(word("then", lang))).join(parts) or Markup("—")


def tie_sentence(tie: Tie, lang: str) -> Markup:
    """`CUL-04, CUL-15 : même score 15,11 (rangs 3 à 4), départagés par moyenne brute.`"""
    first, last = tie.ranks if tie.ranks is not None else (None, None)
    text = say(
        lang,
        "tie",
        submissions=codes(tie.submissions, lang),
        score=fixed(tie.score, lang),
        first=Markup("—") if first is None else ltr(str(first)),
        last=Markup("—") if last is None else ltr(str(last)),
        keys=tie_keys(tie, lang),
    )
    if tie.mattered is False:
        text += Markup(" ") + say(lang, "tie_no_effect")
    return text


_MISSING_CELLS = re.compile(
    r"not every juror scored every submission \((\d+) of (\d+) cells empty\)"
)
_WHY = {
    "fewer than 2 submissions": "why_few_submissions",
    "fewer than 2 jurors": "why_few_jurors",
    "every score is the same, so there is no variation to apportion": "why_constant",
    "the submissions' mean scores differ too little for every ICC form to be defined": "why_close",
}


def unavailable(why: str, lang: str) -> Markup:
    """Why a reliability coefficient could not be computed, translated when known."""
    match = _MISSING_CELLS.fullmatch(why)
    if match:
        reason = say(lang, "why_missing", empty=int(match[1]), cells=int(match[2]))
    elif why in _WHY:
        reason = say(lang, _WHY[why])
    else:
        reason = escape(isolate(why)) if why else say(lang, "not_recorded")
    return say(lang, "unavailable", why=reason)


def winner_changes(changes: Sequence[Any] | None, lang: str) -> Markup:
    """Leave-one-out: `CUL-15 au lieu de CUL-20`, `mêmes lauréats` or `non calculé`."""
    if changes is None:
        return say(lang, "not_computed")
    if not changes:
        return say(lang, "same_winners")
    return Markup("; ").join(
        say(lang, "instead_of", gained=codes(c.gained, lang), lost=codes(c.lost, lang))
        for c in changes
    )


def juror_name(name: Mapping[str, str], lang: str) -> str:
    """A juror's name in `lang` (or as given)."""
    return pick(name, lang)


FILTERS = {
    "say": lambda key, lang, **values: say(lang, key, **values),
    "word": word,
    "fixed": fixed,
    "percent": percent,
    "money": money,
    "code": code,
    "command": command,
    "codes": codes,
    "category": category,
    "source": source,
    "conflict_note": conflict_note,
    "criterion_name": criterion_name,
    "exclusion_reason": exclusion_reason,
    "decision": decision,
    "outcome": outcome,
    "rank_range": rank_range,
    "ineligibility": ineligibility,
    "tie_sentence": tie_sentence,
    "unavailable": unavailable,
    "winner_changes": winner_changes,
}
"""Jinja filters of the record documents (registered beside those of `safety`)."""
