"""The words of the jury minutes, the audit report and the feedback letters, in each language.

Codes of results.json (calibration methods, conflict categories, decisions, tie-break keys,
ineligibility reasons) become sentences here. Every function returns escaped HTML (`Markup`):
figures and dates are wrapped left-to-right so that an Arabic sentence cannot reorder them,
and untrusted text (names, notes, identifiers) is sanitised and isolated. A language without
words here is printed with the English ones; a code grantjury does not know is printed as it
is, so that nothing is ever hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from grantjury import messages
from grantjury.documents import record
from grantjury.documents.safety import (
    MAX_ID,
    MAX_NAME,
    MAX_NOTE,
    MAX_TITLE,
    format_decimal,
    format_number,
    isolate,
    ltr,
    sanitize_text,
)
from grantjury.languages import direction as language_direction
from grantjury.languages import pick
from grantjury.model import Criterion
from grantjury.results import (
    WINNING_DECISIONS,
    ConflictExclusion,
    ConflictRecord,
    DeclaredIneligible,
    DisconnectedJurors,
    DomainNote,
    DomainResults,
    Entry,
    Exclusion,
    FewJurors,
    IccUnavailable,
    LotStep,
    Notice,
    Reason,
    Results,
    SelectionReliability,
    ShortOfWinners,
    Stability,
    ThresholdNotMet,
    Tie,
    Unranked,
)

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "none_too_close": (
            "Aucun\u00a0: aucun intervalle de lauréat ne chevauche celui d'un non-lauréat de part "
            "et d'autre de la ligne des lauréats."
        ),
        "too_close_item": "{submission}\u00a0: rang {interval}, lauréat dans {p}",
        "selection_reliability": "Fiabilité de la sélection",
        "selection_sentence": (
            "Sur les {selected} lauréats, environ {estimate} seraient aussi retenus par un "
            "jury sans bruit (intervalle à {interval}\u00a0: {low} à {high})."
        ),
        "selection_note": (
            "Estimation selon Bartoš et Martinková (2024), d'après la fiabilité des scores "
            "publiés ({reliability}, {jurors} jurés par dossier en moyenne)\u00a0; elle suppose "
            "des jurés indépendants et une seule dimension de qualité."
        ),
        "opt_uncertainty": "Mesure de l'incertitude du classement",
        "opt_refit": "Calibrage dans les rééchantillonnages",
        "opt_burn_in": "Itérations de chauffe (par chaîne)",
        "opt_draws": "Tirages a posteriori conservés",
        "val_bootstrap": "rééchantillonnage du jury (bootstrap)",
        "val_bayes": "modèle bayésien du FNS (tirages a posteriori)",
        "val_yes": "oui",
        "val_no": "non",
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
        # ineligibility
        # ties, reserve, stability
        "no_ties": "Aucun ex æquo.",
        "tie": (
            "{submissions}\u00a0: même score {score} (rangs {first} à {last}), départagés par "
            "{keys}."
        ),
        "tie_lot": "tirage au sort (graine {seed}, ordre tiré\u00a0: {order})",
        "tie_no_effect": "Sans effet sur les lauréats ni sur la liste d'attente.",
        "no_reserve": "Pas de liste d'attente.",
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
            "{interval} des {resamples} (trait). Rouge\u00a0: "
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
        "engine_warnings": "Avertissements du moteur",
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
            "Rang entre {low} et {high} dans {interval} des {resamples}\u00a0; lauréat dans {p}."
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
        "interval_same": ("Rang {low} dans {interval} des {resamples}\u00a0; lauréat dans {p}."),
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
    },
    "ar": {
        "none_too_close": (
            "لا شيء: لا يتداخل مجال رتبة أي فائز مع مجال رتبة غير فائز على جانبي خط الفوز."
        ),
        "too_close_item": "{submission}: الرتبة {interval}، فائز في {p}",
        "selection_reliability": "موثوقية الاختيار",
        "selection_sentence": (
            "من بين {selected} فائزين، كانت لجنة تحكيم خالية من الأخطاء ستختار نحو {estimate} "
            "منهم أيضًا (مجال {interval}: من {low} إلى {high})."
        ),
        "selection_note": (
            "تقدير وفق بارتوش ومارتينكوفا (2024)، انطلاقًا من موثوقية النقط المنشورة "
            "({reliability}، بمعدل {jurors} محكّمين لكل ملف)؛ ويفترض استقلال المحكّمين وبُعدًا "
            "واحدًا للجودة."
        ),
        "opt_uncertainty": "قياس هامش عدم اليقين في الترتيب",
        "opt_refit": "المعايرة في إعادات المعاينة",
        "opt_burn_in": "تكرارات الإحماء (لكل سلسلة)",
        "opt_draws": "السحبات اللاحقة المحتفظ بها",
        "val_bootstrap": "إعادة معاينة اللجنة (bootstrap)",
        "val_bayes": "النموذج البايزي للصندوق الوطني السويسري (سحبات لاحقة)",
        "val_yes": "نعم",
        "val_no": "لا",
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
        "no_ties": "لا يوجد أي تعادل.",
        "tie": (
            "{submissions}: نفس النقطة {score}، في الرتب من {first} إلى {last}، وتم الفصل "
            "بينها بـ{keys}."
        ),
        "tie_lot": "القرعة بالبذرة {seed}، والترتيب المسحوب: {order}",
        "tie_no_effect": "دون أثر على الفائزين أو على لائحة الانتظار.",
        "no_reserve": "لا توجد لائحة انتظار.",
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
            "لكل ملف رتبته (النقطة) والمجال الذي تقع فيه رتبته في {interval} من {resamples} "
            "(الخط). الأحمر: الفائزون؛ الذهبي: لائحة الانتظار؛ الرمادي: "
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
        "engine_warnings": "تنبيهات البرنامج",
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
        "interval_line": ("رتبة بين {low} و{high} في {interval} من {resamples}؛ فائز في {p} منها."),
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
        "interval_same": "الرتبة {low} في {interval} من {resamples}؛ فائز في {p} منها.",
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
    },
    "en": {
        "none_too_close": (
            "None: no winner's rank interval overlaps a non-winner's across the funding line."
        ),
        "too_close_item": "{submission}: rank {interval}, wins in {p}",
        "selection_reliability": "Selection reliability",
        "selection_sentence": (
            "Of the {selected} winners, about {estimate} would also be picked by a noise-free "
            "jury ({interval} interval: {low} to {high})."
        ),
        "selection_note": (
            "Estimated after Bartoš & Martinková (2024) from the reliability of the published "
            "scores ({reliability}, {jurors} jurors per submission on average); it assumes "
            "independent jurors and a single dimension of quality."
        ),
        "opt_uncertainty": "How the ranking's uncertainty is measured",
        "opt_refit": "Calibration in the resamples",
        "opt_burn_in": "Burn-in iterations (per chain)",
        "opt_draws": "Posterior draws kept",
        "val_bootstrap": "jury resampling (bootstrap)",
        "val_bayes": "the SNSF's Bayesian model (posterior draws)",
        "val_yes": "yes",
        "val_no": "no",
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
        "no_ties": "No ties.",
        "tie": "{submissions}: same score {score} (ranks {first} to {last}), separated by {keys}.",
        "tie_lot": "lot (seed {seed}, order drawn: {order})",
        "tie_no_effect": "No effect on the winners or the reserve list.",
        "no_reserve": "No reserve list.",
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
            "{interval} of the {resamples} (line). Red: winners; gold: reserve "
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
        "engine_warnings": "Engine warnings",
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
            "Rank between {low} and {high} in {interval} of the {resamples}; a winner in {p}."
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
        "interval_same": "Rank {low} in {interval} of the {resamples}; a winner in {p}.",
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

# --- the codes of the results model, in words ------------------------------------------------
#
# Every reason, decision, domain note, warning and ICC-unavailable reason of the results model
# is a code with typed parameters (grantjury.results); each family below has a sentence per
# code in every document language. English notices reuse the engine's catalog
# (grantjury.messages). A test walks the model's codes and formats every sentence.

REASONS: dict[str, dict[str, str]] = {
    "fr": {
        "declared_ineligible": "dossier déclaré non éligible{reason_part}",
        "threshold_not_met": "{criterion}\u00a0: moyenne {mean}, {bound} {threshold}",
        "total_threshold_not_met": "somme des moyennes {total}, {bound} {threshold}",
    },
    "ar": {
        "declared_ineligible": "ملف مصرح بعدم أهليته{reason_part}",
        "threshold_not_met": "{criterion}: المعدل {mean}، {bound} {threshold}",
        "total_threshold_not_met": "مجموع المعدلات {total}، {bound} {threshold}",
    },
    "en": {
        "declared_ineligible": "declared not eligible{reason_part}",
        "threshold_not_met": "{criterion}: mean {mean}, {bound} {threshold}",
        "total_threshold_not_met": "sum of criterion means {total}, {bound} {threshold}",
    },
}
"""Why a submission cannot be selected (`Entry.ineligible_reasons`)."""

BOUNDS: dict[str, dict[str, str]] = {
    "fr": {"higher": "minimum requis", "lower": "maximum admis"},
    "ar": {"higher": "والحد الأدنى المطلوب", "lower": "والحد الأقصى المسموح به"},
    "en": {"higher": "needs at least", "lower": "needs at most"},
}
"""A threshold's side: the mean must be at least (`higher`) or at most (`lower`)."""

DECISIONS: dict[str, dict[str, str]] = {
    "fr": {
        "place_in_domain": "Projet lauréat — {prize}",
        "reserve": "Liste d'attente, position {position}",
        "not_eligible": "Non éligible",
        "not_selected": "Non retenu",
        "not_ranked": "Non classé\u00a0: aucune note sans conflit",
        "over_budget": (
            "Non retenu\u00a0: dépasse l'enveloppe restante (reste {left}, demandé {needed})"
        ),
        "above_lottery_band": "Projet lauréat — {prize}, au-dessus de la bande du tirage au sort",
        "drawn_by_lot": "Projet lauréat, tiré au sort",
        "not_drawn": "Dans la bande du tirage au sort, non tiré",
        "drawn_over_budget": "Tiré au sort, mais dépasse l'enveloppe restante",
        "domain_minimum": (
            "Projet lauréat — {prize}, parmi les {minimum} places garanties au domaine"
        ),
        "overall_place": "Projet lauréat — {prize} (rang {place} du classement général)",
        "domain_full": "Non retenu\u00a0: le domaine a déjà son maximum de lauréats",
    },
    "ar": {
        "place_in_domain": "مشروع فائز — {prize}",
        "reserve": "لائحة الانتظار، الرتبة {position}",
        "not_eligible": "غير مؤهل",
        "not_selected": "لم يُختر",
        "not_ranked": "غير مرتب: لا يوجد تنقيط بدون تضارب",
        "over_budget": "لم يُختر: يتجاوز الغلاف المالي المتبقي (المتبقي {left}، المطلوب {needed})",
        "above_lottery_band": "مشروع فائز — {prize}، فوق نطاق القرعة",
        "drawn_by_lot": "مشروع فائز بالقرعة",
        "not_drawn": "ضمن نطاق القرعة، لم يُسحب",
        "drawn_over_budget": "سُحب بالقرعة، لكنه يتجاوز الغلاف المالي المتبقي",
        "domain_minimum": "مشروع فائز — {prize}، ضمن {minimum} مقاعد مضمونة للمجال",
        "overall_place": "مشروع فائز — {prize} (الرتبة {place} في الترتيب العام)",
        "domain_full": "لم يُختر: بلغ المجال الحد الأقصى من الفائزين",
    },
    "en": {
        "place_in_domain": "Winning project — {prize}",
        "reserve": "Reserve list, position {position}",
        "not_eligible": "Not eligible",
        "not_selected": "Not selected",
        "not_ranked": "Not ranked: no score without a conflict",
        "over_budget": (
            "Not selected: exceeds the remaining envelope ({left} left, {needed} needed)"
        ),
        "above_lottery_band": "Winning project — {prize}, above the lottery band",
        "drawn_by_lot": "Winning project, drawn by lot",
        "not_drawn": "In the lottery band, not drawn",
        "drawn_over_budget": "Drawn by lot, but exceeds the remaining envelope",
        "domain_minimum": (
            "Winning project — {prize}, among the {minimum} places guaranteed to the domain"
        ),
        "overall_place": "Winning project — {prize} (overall place {place})",
        "domain_full": "Not selected: the domain already has its maximum of winners",
    },
}
"""The rule that placed a submission (`Entry.decision`), as the letters say it."""

SHORT_DECISIONS: dict[str, dict[str, str]] = {
    "fr": {
        "reserve": "En attente, n° {position}",
        "over_budget": "Non retenu\u00a0: hors enveloppe",
    },
    "ar": {"reserve": "في الانتظار، رقم {position}", "over_budget": "لم يُختر: خارج الغلاف المالي"},
    "en": {"reserve": "Reserve, no. {position}", "over_budget": "Not selected: over budget"},
}
"""Shorter forms for the ranking tables; a winning decision is shortened to its prize."""

DOMAIN_NOTES: dict[str, dict[str, str]] = {
    "fr": {
        "short_of_winners": (
            "Seuls {named} des {wanted} lauréats prévus peuvent être désignés\u00a0: {cause_text}."
        ),
        "unranked": "{submission} n'a aucune note d'un juré sans conflit\u00a0: non classé.",
        "few_jurors": "{submissions}\u00a0: notés par moins de {min_jurors} jurés sans conflit.",
        "disconnected_jurors": (
            "Les jurés forment {count} groupes sans dossier en commun ({groups_text})\u00a0: "
            "leurs sévérités ne se comparent pas d'un groupe à l'autre, et les scores calibrés "
            "ne sont comparables qu'à l'intérieur de chaque groupe."
        ),
    },
    "ar": {
        "short_of_winners": "لا يمكن تعيين سوى {named} من أصل {wanted} فائزين: {cause_text}.",
        "unranked": "الملف {submission} لا يتوفر على أي تنقيط من عضو بدون تضارب: غير مرتب.",
        "few_jurors": "{submissions}: نُقطت من طرف أقل من {min_jurors} أعضاء بدون تضارب.",
        "disconnected_jurors": (
            "يشكل أعضاء اللجنة {count} مجموعات لا تشترك في أي ملف ({groups_text}): لا تقارن "
            "صرامتهم من مجموعة إلى أخرى، ولا تقارن النقط المعايرة إلا داخل كل مجموعة."
        ),
    },
    "en": {
        "short_of_winners": "Only {named} of {wanted} winners can be named: {cause_text}.",
        "unranked": "{submission} has no score from a juror without conflict: not ranked.",
        "few_jurors": "{submissions}: scored by fewer than {min_jurors} jurors without conflict.",
        "disconnected_jurors": (
            "The jurors form {count} groups that share no submission ({groups_text}): their "
            "severities cannot be compared across groups, so calibrated scores are comparable "
            "only within each group."
        ),
    },
}
"""Notes on a domain (`DomainResults.warnings`)."""

CAUSES: dict[str, dict[str, str]] = {
    "fr": {
        "budget": "l'enveloppe est épuisée",
        "too_few": "trop peu de dossiers classés et éligibles",
    },
    "ar": {"budget": "نفد الغلاف المالي", "too_few": "عدد الملفات المرتبة والمؤهلة غير كاف"},
    "en": {"budget": "the budget ran out", "too_few": "too few ranked and eligible submissions"},
}

ICC_UNAVAILABLE: dict[str, dict[str, str]] = {
    "fr": {
        "few_items": "moins de 2 dossiers",
        "few_raters": "moins de 2 jurés",
        "empty_cells": "chaque juré n'a pas noté chaque dossier ({empty} cases vides sur {cells})",
        "no_variation": "toutes les notes sont identiques",
        "degenerate": "les moyennes des dossiers diffèrent trop peu",
    },
    "ar": {
        "few_items": "أقل من ملفين",
        "few_raters": "أقل من عضوين",
        "empty_cells": "لم ينقط كل عضو كل الملفات ({empty} خانة فارغة من أصل {cells})",
        "no_variation": "كل النقط متطابقة",
        "degenerate": "معدلات الملفات متقاربة جدا",
    },
    "en": {
        "few_items": "fewer than 2 submissions",
        "few_raters": "fewer than 2 jurors",
        "empty_cells": "not every juror scored every submission ({empty} of {cells} cells empty)",
        "no_variation": "every score is the same",
        "degenerate": "the submissions' means differ too little",
    },
}
"""Why the intraclass correlations could not be computed (`Reliability.icc_unavailable`)."""

NOTICES: dict[str, dict[str, str]] = {
    "fr": {
        "conflict_scored": (
            "le juré {juror} a noté {submission} malgré un conflit {source} ({category}){via_part}"
            "\u00a0: ces notes sont écartées"
        ),
        "incomplete_scores": (
            "le juré {juror} n'a pas noté {missing} pour {submission}\u00a0: ses autres notes de "
            "ce "
            "dossier sont écartées"
        ),
        "calibration_fallback": (
            "domaine {domain}\u00a0: {jurors} ont donné trop peu de notes, ou des notes "
            "identiques, "
            "pour être calibrés ({method} en demande {needs})\u00a0; leurs notes sont prises "
            "telles quelles"
        ),
        "not_converged": (
            "domaine {domain}\u00a0: l'ajustement {method} s'est arrêté à sa limite d'itérations "
            "sans converger"
        ),
        "chains_disagree": (
            "domaine {domain}\u00a0: les chaînes de Gibbs divergent (R-hat {r_hat}, au-dessus de "
            "{limit})\u00a0; augmenter method.burn_in et method.draws"
        ),
        "sensitivity_left_out": (
            "{methods} absent(s) des lauréats par méthode\u00a0: {totals} notes totales, plus que "
            "les {limit} jusqu'auxquelles l'ajustement est refait pour comparaison\u00a0; classer "
            "avec --calibration {first} pour voir ses lauréats"
        ),
        "leave_one_out_left_out": (
            "analyse sans chaque juré non faite\u00a0: {jurors} jurés × {submissions} dossiers, "
            "plus que les {limit} jusqu'auxquels ces règles de sélection sont refaites sans "
            "chaque juré"
        ),
        "no_submissions": "aucun dossier pour l'instant",
        "few_submissions_for_prizes": (
            "le domaine {domain} compte {submissions} dossiers pour {prizes} prix\u00a0: au plus "
            "{submissions} lauréats peuvent être désignés"
        ),
        "scores_to_come": (
            "le fichier de notes {path} n'existe pas encore\u00a0: grantjury collect l'écrit, "
            "grantjury rank en a besoin"
        ),
        "assignments_to_come": (
            "le fichier d'affectations {path} n'existe pas encore\u00a0: grantjury assign l'écrit"
        ),
        "assignment_twice": "la même affectation figure deux fois",
        "assigned_outside_panel": (
            "le juré {juror} est affecté à {submission}, du domaine {domain}, hors de son jury "
            "({panel})"
        ),
        "scores_not_assigned": (
            "le juré {juror} a des notes pour {count} dossier(s) qui ne lui sont pas affectés dans "
            "{assignments}\u00a0: {submissions}"
        ),
        "assigned_not_scored": (
            "le juré {juror} n'a pas de notes pour {count} dossier(s) affecté(s)\u00a0: "
            "{submissions}"
        ),
        "assigned_despite_conflict": (
            "le juré {juror} est affecté à {submission} malgré un conflit {source} ({category})"
            "{via_part}\u00a0: ces notes seraient écartées\u00a0; relancer grantjury assign avant "
            "l'envoi des grilles"
        ),
        "ineligible_without_reason": "{submission} est déclaré non éligible sans motif",
        "conflict_twice": "conflit déclaré deux fois",
        "scored_outside_panel": (
            "le juré {juror} a noté dans le domaine {domain}, hors de son jury\u00a0; les notes "
            "sont retenues"
        ),
    },
    "ar": {
        "conflict_scored": (
            "نقط العضو {juror} الملف {submission} رغم تضارب {source} ({category}){via_part}: "
            "استُبعد هذا التنقيط"
        ),
        "incomplete_scores": (
            "لم ينقط العضو {juror} {missing} للملف {submission}: استُبعدت نقطه الأخرى لهذا الملف"
        ),
        "calibration_fallback": (
            "المجال {domain}: قدم {jurors} نقطا قليلة جدا أو متطابقة لا تكفي للمعايرة (تتطلب "
            "{method} {needs})؛ اعتُمدت نقطهم كما هي"
        ),
        "not_converged": (
            "المجال {domain}: توقف تقدير {method} عند حده الأقصى من التكرارات دون تقارب"
        ),
        "chains_disagree": (
            "المجال {domain}: سلاسل جيبس غير متوافقة (R-hat {r_hat}، فوق {limit})؛ ينبغي رفع "
            "method.burn_in وmethod.draws"
        ),
        "sensitivity_left_out": (
            "{methods} خارج مقارنة الفائزين حسب الطريقة: {totals} نقطة إجمالية، أكثر من {limit} "
            "التي يعاد التقدير في حدودها للمقارنة؛ يمكن الترتيب بـ--calibration {first} لمعرفة "
            "فائزيها"
        ),
        "leave_one_out_left_out": (
            "لم يُجرَ تحليل الانتقاء دون كل عضو في لجنة التحكيم: {jurors} عضوا × {submissions} "
            "ملفا، أكثر من {limit} التي تعاد في حدودها قواعد الانتقاء هذه دون كل عضو"
        ),
        "no_submissions": "لا توجد أي ملفات بعد",
        "few_submissions_for_prizes": (
            "يضم المجال {domain} {submissions} ملفات مقابل {prizes} جوائز: لا يمكن تعيين أكثر من "
            "{submissions} فائزين"
        ),
        "scores_to_come": (
            "ملف النقط {path} غير موجود بعد: يكتبه grantjury collect ويحتاجه grantjury rank"
        ),
        "assignments_to_come": "ملف التوزيع {path} غير موجود بعد: يكتبه grantjury assign",
        "assignment_twice": "نفس التوزيع مكرر مرتين",
        "assigned_outside_panel": (
            "أُسند إلى العضو {juror} الملف {submission} من المجال {domain}، خارج لجنته ({panel})"
        ),
        "scores_not_assigned": (
            "للعضو {juror} نقط لـ{count} ملف(ات) غير مسندة إليه في {assignments}: {submissions}"
        ),
        "assigned_not_scored": (
            "ليس للعضو {juror} أي نقط لـ{count} ملف(ات) مسندة إليه: {submissions}"
        ),
        "assigned_despite_conflict": (
            "أُسند إلى العضو {juror} الملف {submission} رغم تضارب {source} ({category}){via_part}: "
            "سيُستبعد هذا التنقيط؛ ينبغي إعادة تشغيل grantjury assign قبل إرسال الشبكات"
        ),
        "ineligible_without_reason": "الملف {submission} مصرح بعدم أهليته دون ذكر السبب",
        "conflict_twice": "تضارب مصرح به مرتين",
        "scored_outside_panel": "نقط العضو {juror} في المجال {domain}، خارج لجنته؛ اعتُمدت النقط",
    },
}
"""Warnings of a run (`Results.warnings`, `Notice.code`); English: `grantjury.messages`."""

VIA_PART: dict[str, str] = {
    "fr": " (portée du domaine, par {via})",
    "ar": " (على مستوى المجال، بسبب {via})",
    "en": " (domain scope, via {via})",
}

TOO_CLOSE_RULES: dict[str, dict[str, str]] = {
    "fr": {
        "rank_intervals_overlap": (
            "Un lauréat dont l'intervalle de rang à {interval} ({resamples}) descend sous la "
            "ligne des lauréats et un non-lauréat dont l'intervalle monte au-dessus sont trop "
            "proches pour être départagés quand leurs deux intervalles se chevauchent. C'est le "
            "cas de\u00a0:"
        ),
    },
    "ar": {
        "rank_intervals_overlap": (
            "يتعذر الحسم بين فائز ينزل مجال رتبته بنسبة {interval} ({resamples}) تحت خط الفوز "
            "وغير فائز يصعد مجال رتبته فوقه، حين يتداخل المجالان. وهذه حالة:"
        ),
    },
    "en": {
        "rank_intervals_overlap": (
            "A winner whose {interval} rank interval ({resamples}) reaches below the funding "
            "line and a non-winner whose interval reaches above it are too close to call when "
            "the two intervals overlap. This is the case of:"
        ),
    },
}
"""The engine's too-close-to-call rule (`Stability.too_close_rule`), in words."""

RESAMPLES: dict[str, dict[str, str]] = {
    "fr": {
        "bootstrap": "{n} rééchantillonnages du jury",
        "bayes": "{n} tirages a posteriori du modèle bayésien",
    },
    "ar": {
        "bootstrap": "{n} إعادة معاينة للجنة",
        "bayes": "{n} سحبة من التوزيع اللاحق للنموذج البايزي",
    },
    "en": {"bootstrap": "{n} jury resamples", "bayes": "{n} posterior draws of the Bayesian model"},
}
"""What the stability analysis drew (`Stability.method`)."""

STABILITY_CALIBRATION: dict[str, dict[str, str]] = {
    "fr": {
        "reweighted": "calibrage des données complètes, repondéré dans chaque rééchantillonnage",
        "refitted": "calibrage réajusté dans chaque rééchantillonnage",
    },
    "ar": {
        "reweighted": "معايرة البيانات الكاملة، مع إعادة ترجيحها في كل إعادة معاينة",
        "refitted": "إعادة تقدير المعايرة في كل إعادة معاينة",
    },
    "en": {
        "reweighted": "full-data calibration, re-weighted in each resample",
        "refitted": "calibration re-fitted in each resample",
    },
}
"""How the bootstrap treated the calibration (`StabilityDomain.calibration`)."""

CATALOGS: dict[str, dict[str, dict[str, str]]] = {
    "reason": REASONS,
    "decision": DECISIONS,
    "domain_note": DOMAIN_NOTES,
    "icc_unavailable": ICC_UNAVAILABLE,
    "notice": NOTICES,
    "too_close_rule": TOO_CLOSE_RULES,
    "stability_method": RESAMPLES,
    "stability_calibration": STABILITY_CALIBRATION,
}
"""Every family of codes, by name (the test of the wording walks them)."""


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


def catalog(family: Mapping[str, Mapping[str, str]], lang: str) -> Mapping[str, str]:
    """One family of code sentences in `lang` (English when grantjury has none for it)."""
    return family.get(lang, family["en"])


# --- building blocks: figures, codes, sentences ----------------------------------------------


def say(lang: str, key: str, **values: Any) -> Markup:
    """The sentence `key` of `WORDS` in `lang` with `values` filled in (see `fill`)."""
    return fill(words_for(lang)[key], lang, values)


def fill(template: str, lang: str, values: Mapping[str, Any]) -> Markup:
    """A sentence of grantjury's with `values` filled in.

    Plain strings are untrusted: sanitised, capped, isolated and escaped. `Markup` values
    (figures wrapped left-to-right, already escaped phrases) go in as they are; numbers as
    figures.
    """
    return Markup(template).format(**{name: _value(value, lang) for name, value in values.items()})


def _value(value: Any, lang: str) -> Any:
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool) or value is None:
        return escape(str(value))
    if isinstance(value, int):
        return ltr(str(value))
    if isinstance(value, float):
        return ltr(format_number(value, lang))
    return escape(isolate(sanitize_text(value, MAX_TITLE)))


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
    currency = sanitize_text(currency, 20)
    unit = CURRENCIES.get(currency, {}).get(lang, currency)
    figures = ltr(format_number(value, lang))
    if not unit:
        return figures
    if language_direction(lang) == "rtl" and unit == currency:
        return Markup("%s %s") % (figures, ltr(unit))
    return Markup("%s\u00a0%s") % (figures, unit)


def code(value: Any) -> Markup:
    """An identifier (submission, juror, file), left-to-right, capped and isolated."""
    return Markup('<span dir="ltr" class="code">%s</span>') % isolate(sanitize_text(value, MAX_ID))


def command(text: str) -> Markup:
    """A shell command, left-to-right, kept on one line."""
    return Markup('<span dir="ltr" class="code nowrap">%s</span>') % isolate(sanitize_text(text))


def codes(values: Iterable[Any], lang: str) -> Markup:
    """Identifiers joined by the language's list separator."""
    return Markup(escape(word("list_sep", lang))).join(code(v) for v in values) or Markup("—")


def note(text: str | None) -> Markup:
    """Free text typed by a person (a juror's note, a declared reason): capped, isolated."""
    return escape(isolate(sanitize_text(text, MAX_NOTE))) if text else Markup("—")


def _known(prefix: str, value: str, lang: str) -> str | None:
    return words_for(lang).get(f"{prefix}_{value}")


def category(value: str, lang: str) -> str:
    """A conflict category in `lang` (as written in the register when grantjury lacks it)."""
    return _known("cat", value, lang) or sanitize_text(value, MAX_ID)


def source(value: str, lang: str) -> str:
    """`declared` / `detected` in `lang`."""
    return _known("src", value, lang) or sanitize_text(value, MAX_ID)


def conflict_note(conflict: ConflictRecord, lang: str) -> Markup:
    """A register note: a detected conflict is worded from its association, a juror's own
    words are kept as they are."""
    if conflict.source == "detected" and conflict.association:
        return say(lang, "member_of", association=code(conflict.association))
    return note(conflict.note)


def criterion_name(criteria: Sequence[Criterion], criterion_id: str, lang: str) -> str:
    """A criterion's name in `lang` from the rubric's criteria, else its id."""
    for criterion in criteria:
        if criterion.id == criterion_id:
            return sanitize_text(pick(criterion.name, lang), MAX_NAME)
    return sanitize_text(criterion_id, MAX_ID)


def exclusion_reason(exclusion: Exclusion, results: Results, lang: str) -> Markup:
    """Why a juror's scores for a submission were set aside."""
    if isinstance(exclusion, ConflictExclusion):
        detail = [category(exclusion.category, lang), source(exclusion.source, lang)]
        text = say(lang, "reason_conflict") + Markup(" (%s)") % ", ".join(d for d in detail if d)
        if exclusion.via and exclusion.via != exclusion.submission:
            text += Markup(" ") + say(lang, "via", via=code(exclusion.via))
        return text
    filed = results.submissions.get(exclusion.submission)
    rubric = record.criteria(results, filed.domain) if filed is not None else ()
    names = word("list_sep", lang).join(criterion_name(rubric, c, lang) for c in exclusion.missing)
    return say(lang, "reason_incomplete") + Markup(" — ") + say(lang, "missing", names=names)


def _params(record_: Any) -> dict[str, Any]:
    data = record_.model_dump()
    data.pop("code", None)
    return data


def decision(
    domain: DomainResults, entry: Entry, lang: str, short: bool = False, currency: str = ""
) -> Markup:
    """The rule that placed a submission (`Entry.decision`), in `lang`.

    `short` is the form of the ranking tables: a winner's prize (`Premier prix`), `En
    attente, n° 1`. The prize is the submission's place among its domain's winners; amounts
    are printed in `currency`.
    """
    code_ = entry.decision.code
    values = _params(entry.decision)
    if entry.submission in domain.winners:
        prize = ordinal(domain.winners.index(entry.submission) + 1, lang)
    else:
        prize = ordinal(int(values.get("place") or 1), lang)
    if short and code_ in WINNING_DECISIONS and code_ != "drawn_by_lot":
        return escape(prize)
    values["prize"] = prize
    for name in ("left", "needed"):
        if name in values:
            values[name] = money(values[name], currency, lang)
    template = (catalog(SHORT_DECISIONS, lang).get(code_) if short else None) or catalog(
        DECISIONS, lang
    ).get(code_)
    if template is None:
        return code(code_)
    return fill(template, lang, values)


def rank_range(interval: tuple[int, int] | None) -> Markup:
    """A rank interval, `2–4`, or one rank when both ends agree; a dash when unknown."""
    if interval is None:
        return Markup("—")
    low, high = interval
    return ltr(str(low) if low == high else f"{low}–{high}")


def outcome(domain: DomainResults, entry: Entry) -> str:
    """A CSS class for the decision: `winner`, `reserve`, `ineligible` or `other`."""
    if entry.winner:
        return "winner"
    if entry.decision.code == "reserve":
        return "reserve"
    if not entry.eligible:
        return "ineligible"
    return "other"


def ineligibility(reason: Reason, criteria: Sequence[Criterion], lang: str) -> Markup:
    """One reason a submission cannot be selected (`Entry.ineligible_reasons`), in `lang`."""
    values: dict[str, Any] = {}
    if isinstance(reason, DeclaredIneligible):
        values["reason_part"] = (
            escape(word("colon", lang)) + note(reason.reason) if reason.reason else Markup("")
        )
    elif isinstance(reason, ThresholdNotMet):
        values["criterion"] = criterion_name(criteria, reason.criterion, lang)
        values["mean"] = ltr(format_decimal(reason.mean, lang))
    else:
        values["total"] = ltr(format_decimal(reason.total, lang))
    if not isinstance(reason, DeclaredIneligible):
        values["threshold"] = ltr(format_number(reason.threshold, lang))
        values["bound"] = catalog(BOUNDS, lang)[reason.direction]
    return fill(catalog(REASONS, lang)[reason.code], lang, values)


def domain_note(item: DomainNote, lang: str) -> Markup:
    """A note on a domain (`DomainResults.warnings`), in `lang`."""
    values: dict[str, Any] = {}
    if isinstance(item, ShortOfWinners):
        values = {
            "named": item.named,
            "wanted": item.wanted,
            "cause_text": catalog(CAUSES, lang)[item.cause],
        }
    elif isinstance(item, Unranked):
        values = {"submission": code(item.submission)}
    elif isinstance(item, FewJurors):
        values = {"submissions": codes(item.submissions, lang), "min_jurors": item.min_jurors}
    elif isinstance(item, DisconnectedJurors):
        values = {
            "count": len(item.groups),
            "groups_text": Markup(" ").join(
                Markup("{%s}") % codes(group, lang) for group in item.groups
            ),
        }
    return fill(catalog(DOMAIN_NOTES, lang)[item.code], lang, values)


def notice(item: Notice, lang: str, results: Results | None = None) -> Markup:
    """A warning of the run (`Results.warnings`), in `lang`, after the file it concerns.

    English uses the engine's own catalog (`grantjury.messages`). A code grantjury has no
    sentence for is printed as it is, with its parameters, so that nothing is ever hidden.
    With `results`, criteria not scored are named from the submission's rubric.
    """
    where = code(item.file) + escape(word("colon", lang))
    params = dict(item.params)
    template = NOTICES.get(lang, {}).get(item.code)
    if template is None:
        if item.code == "message":  # a warning the engine has no code for: its own words
            return where + note(str(params.get("text", "")))
        return where + note(messages.text(item.code, params))
    values: dict[str, Any] = {}
    filed = results.submissions.get(str(params.get("submission"))) if results else None
    for name, value in params.items():
        if name == "missing" and isinstance(value, list) and filed is not None:
            rubric = record.criteria(results, filed.domain)
            values[name] = word("list_sep", lang).join(
                criterion_name(rubric, str(c), lang) for c in value
            )
        elif isinstance(value, list):
            values[name] = codes((", ".join(v) if isinstance(v, list) else v for v in value), lang)
        elif name == "source" and isinstance(value, str):
            values[name] = source(value, lang)
        elif name == "category" and isinstance(value, str):
            values[name] = category(value, lang)
        elif isinstance(value, str):
            values[name] = code(value)
        elif isinstance(value, float) and not value.is_integer():
            values[name] = fixed(value, lang, 3)
        else:
            values[name] = value
    via = params.get("via")
    values["via_part"] = (
        fill(VIA_PART.get(lang, VIA_PART["en"]), lang, {"via": code(via)}) if via else Markup("")
    )
    methods = params.get("methods")
    values["first"] = code(methods[0]) if isinstance(methods, list) and methods else Markup("")
    return where + fill(template, lang, values)


def unavailable(why: IccUnavailable | None, lang: str) -> Markup:
    """Why the intraclass correlations could not be computed, in `lang`."""
    if why is None:
        reason = say(lang, "not_recorded")
    else:
        reason = fill(
            catalog(ICC_UNAVAILABLE, lang)[why.code], lang, {"empty": why.empty, "cells": why.cells}
        )
    return say(lang, "unavailable", why=reason)


def resamples(stability: Stability, lang: str) -> Markup:
    """`1 000 rééchantillonnages du jury`, `2 000 tirages a posteriori…` (`Stability.method`)."""
    template = catalog(RESAMPLES, lang)[stability.method]
    return fill(template, lang, {"n": fixed(float(stability.replicates), lang, 0)})


def too_close_rule(stability: Stability, lang: str) -> Markup:
    """The engine's rule for the too-close-to-call list, with its interval, in `lang`."""
    template = catalog(TOO_CLOSE_RULES, lang)[stability.too_close_rule]
    return fill(
        template,
        lang,
        {"interval": percent(stability.interval, lang), "resamples": resamples(stability, lang)},
    )


def selection_sentence(figures: SelectionReliability | None, lang: str) -> Markup:
    """How many winners a noise-free jury would also pick, with its interval, in `lang`."""
    if figures is None:
        return say(lang, "not_recorded")
    estimate, low, high = figures.expected_true_winners
    return say(
        lang,
        "selection_sentence",
        selected=fixed(figures.selected, lang, 0),
        estimate=fixed(estimate, lang, 1),
        low=fixed(low, lang, 1),
        high=fixed(high, lang, 1),
        interval=percent(figures.interval, lang),
    )


def selection_note(figures: SelectionReliability | None, lang: str) -> Markup:
    """What the selection reliability rests on: the scores' reliability and the model."""
    if figures is None or figures.reliability is None:
        return Markup("")
    return say(
        lang,
        "selection_note",
        reliability=fixed(figures.reliability[0], lang, 2),
        jurors=fixed(figures.jurors_per_submission, lang, 1),
    )


def stability_calibration(value: str, lang: str) -> str:
    """How the bootstrap treated the calibration (`reweighted`, `refitted`), in `lang`."""
    return catalog(STABILITY_CALIBRATION, lang).get(value) or sanitize_text(value, MAX_ID)


def option_value(key: str, value: Any, lang: str) -> str:
    """An option's value in words (`z-score : …`, `moyenne brute, puis tirage au sort`)."""
    if isinstance(value, list | tuple):
        return word("then" if key == "tie_break" else "list_sep", lang).join(
            option_value(key, v, lang) for v in value
        ) or word("val_none", lang)
    if value is None:
        return word("val_none", lang)
    if isinstance(value, bool):
        return word("val_yes" if value else "val_no", lang)
    if isinstance(value, str):
        return _known("val", value, lang) or sanitize_text(value, 120)
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
    "uncertainty",
    "replicates",
    "refit",
    "burn_in",
    "draws",
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
_BAYES_ONLY = frozenset({"burn_in", "draws"})
_BOOTSTRAP_ONLY = frozenset({"replicates", "refit"})


def option_rows(results: Results, lang: str) -> list[tuple[str, str]]:
    """(label, value) of the options and selection rules that applied, in words.

    An option left unset is not listed (a budget or lottery says `aucun`), nor is the budget
    rule when no budget applied, nor an option of the uncertainty method not used. With a
    bootstrap, `refit` is worded from what the stability analysis did in each domain.
    """
    values = record.option_values(results)
    values["conflict_scope"] = results.competition.conflict_scope
    budgeted = values.get("budget") is not None or any(d.budget for d in results.domains)
    bayes = values.get("uncertainty") == "bayes"
    rank = {key: i for i, key in enumerate(OPTION_ORDER)}
    rows: list[tuple[str, str]] = []
    for key in sorted(values, key=lambda k: (rank.get(k, len(rank)), k)):
        if values[key] is None and key not in _SHOWN_WHEN_NONE:
            continue
        if key == "budget_rule" and not budgeted:
            continue
        if key in (_BOOTSTRAP_ONLY if bayes else _BAYES_ONLY):
            continue
        label = _known("opt", key, lang) or sanitize_text(key, 60)
        if key == "refit":
            how = stability_calibrations(results) or (
                ("refitted",) if values[key] else ("reweighted",)
            )
            rows.append(
                (label, word("list_sep", lang).join(stability_calibration(h, lang) for h in how))
            )
            continue
        rows.append((label, option_value(key, values[key], lang)))
    return rows


def stability_calibrations(results: Results) -> tuple[str, ...]:
    """The distinct `StabilityDomain.calibration` values of the run, in domain order."""
    if results.stability is None:
        return ()
    found = (d.calibration for d in results.stability.domains.values())
    return tuple(dict.fromkeys(c for c in found if c is not None))


def exact_options(results: Results) -> list[tuple[str, str]]:
    """(`options.KEY` or `selection.KEY`, value) of every option as recorded, for the audit."""
    rows = []
    for prefix, model in (("options", results.options), ("selection", results.selection)):
        for key, value in sorted(model.model_dump(mode="json").items()):
            rows.append((f"{prefix}.{key}", shown(value)))
    rows.append(("competition.conflict_scope", shown(results.competition.conflict_scope)))
    rows.append(("competition.currency", shown(results.competition.currency or None)))
    return rows


def shown(value: Any, limit: int = MAX_NOTE) -> str:
    """An option's value as one line of text: lists joined by commas, null as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return sanitize_text(", ".join(shown(v, limit) for v in value), limit)
    if isinstance(value, dict):
        return sanitize_text(
            "; ".join(f"{k}: {shown(v, limit)}" for k, v in sorted(value.items())), limit
        )
    return sanitize_text(value, limit)


def tie_keys(tie: Tie, lang: str) -> Markup:
    """How a tie was settled: the keys applied, the lot with its seed and order."""
    keys = [step.key for step in tie.steps] or ([tie.settled_by] if tie.settled_by else [])
    lot = next((step for step in tie.steps if isinstance(step, LotStep)), None)
    parts = []
    for key in dict.fromkeys(keys):
        if key == "lot":
            parts.append(
                say(
                    lang,
                    "tie_lot",
                    seed=ltr(str(lot.seed)) if lot else Markup("—"),
                    order=codes(lot.order if lot else (), lang),
                )
            )
        else:
            parts.append(escape(_known("val", key, lang) or sanitize_text(key, MAX_ID)))
    return Markup(escape(word("then", lang))).join(parts) or Markup("—")


def tie_sentence(tie: Tie, lang: str) -> Markup:
    """`CUL-04, CUL-15 : même score 15,11 (rangs 3 à 4), départagés par moyenne brute.`"""
    first, last = tie.ranks
    text = say(
        lang,
        "tie",
        submissions=codes(tie.submissions, lang),
        score=fixed(tie.score, lang),
        first=ltr(str(first)),
        last=ltr(str(last)),
        keys=tie_keys(tie, lang),
    )
    if not tie.mattered:
        text += Markup(" ") + say(lang, "tie_no_effect")
    return text


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


FILTERS = {
    "say": lambda key, lang, **values: say(lang, key, **values),
    "word": word,
    "fixed": fixed,
    "percent": percent,
    "money": money,
    "code": code,
    "command": command,
    "codes": codes,
    "note": note,
    "category": category,
    "source": source,
    "conflict_note": conflict_note,
    "criterion_name": criterion_name,
    "exclusion_reason": exclusion_reason,
    "decision": decision,
    "outcome": outcome,
    "rank_range": rank_range,
    "ineligibility": ineligibility,
    "domain_note": domain_note,
    "notice": notice,
    "tie_sentence": tie_sentence,
    "unavailable": unavailable,
    "resamples": resamples,
    "too_close_rule": too_close_rule,
    "selection_sentence": selection_sentence,
    "selection_note": selection_note,
    "winner_changes": winner_changes,
}
"""Jinja filters of the record documents (registered beside those of `safety`)."""
