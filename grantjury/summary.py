"""The short printed summary of a run: winners per domain and what a reader must know."""

from __future__ import annotations

from typing import Any


def summary(results: dict[str, Any]) -> str:
    """Winners per domain (with the first runner-up), ties at the winning line, whether the
    calibration method or a single juror decides a winner, and what was set aside."""
    languages = results["competition"]["languages"]
    lang = "fr" if "fr" in languages else languages[0]
    options = results["options"]
    lines = [
        f"{results['competition']['title'].get(lang, results['competition']['id'])} — "
        f"calibration {options['calibration']}, aggregate {options['aggregate']}, "
        f"seed {options['seed']}"
    ]
    total_winners = 0
    for domain in results["domains"]:
        lines.append("")
        alpha = results.get("reliability", {}).get(domain["id"], {})
        agreement = alpha.get("krippendorff_alpha_interval")
        lines.append(
            f"{domain['name'].get(lang, domain['id'])} "
            f"({len(domain['winners'])} of {domain['winners_wanted']} winners"
            + (f"; juror agreement α = {agreement:.2f}" if agreement is not None else "")
            + ")"
        )
        lines.append(
            f"  {'rank':>4}  {'submission':<10} {'score':>7} {'raw':>7} {'jurors':>6} "
            f"{'p(win)':>6}  title"
        )
        for entry in domain["ranking"]:
            if (
                not entry["winner"]
                and (entry["rank"] is None or entry["rank"] > domain["winners_wanted"] + 1)
                and entry["submission"] not in domain.get("too_close", [])
            ):
                continue
            title = results["submissions"][entry["submission"]]["title"].get(lang, "")
            mark = "*" if entry["winner"] else " "
            chance = entry.get("p_selected")
            shown = "" if chance is None else f"{chance:.0%}"
            lines.append(
                f"{mark} {entry['rank']:>4}  {entry['submission']:<10} "
                f"{entry['score']:>7.2f} {entry['raw_mean']:>7.2f} "
                f"{entry['n_jurors']:>6} {shown:>6}  {_clip(title, 46)}"
                + ("" if entry.get("eligible", True) else "  (not eligible)")
            )
        total_winners += len(domain["winners"])
        for tie in domain["ties"]:
            if tie["mattered"]:
                lines.append(
                    f"  tie at the winning line between {', '.join(tie['submissions'])}, "
                    f"settled by {tie['settled_by']}"
                )
        if domain.get("reserve"):
            lines.append(f"  reserve list: {', '.join(domain['reserve'])}")
        if domain.get("lottery"):
            lottery = domain["lottery"]
            lines.append(
                f"  lottery among {', '.join(lottery['members'])} for {lottery['places_drawn']} "
                f"place(s): drawn {', '.join(lottery['drawn'])} (seed {lottery['seed']})"
            )
        if domain.get("too_close"):
            lines.append(
                f"  too close to call (rank intervals overlap across the funding line): "
                f"{', '.join(domain['too_close'])}"
            )
        lines.extend(_method_sensitivity(results, domain))
        lines.extend(f"  note: {w}" for w in domain["warnings"])
    deciding = [
        f"{j['id']} ({', '.join(c['domain'] for c in j['leave_one_out']['changes'])})"
        for j in results["jurors"]
        if j.get("leave_one_out") and j["leave_one_out"]["changes_winners"]
    ]
    lines.append("")
    if deciding:
        lines.append(f"Without one of these jurors a winner would change: {', '.join(deciding)}.")
    exclusions = results["exclusions"]
    lines.append(
        f"{total_winners} winners (* above; the first runner-up is shown for comparison). "
        f"{len(exclusions)} score sets excluded ({_count(exclusions, 'conflict')} for "
        f"conflicts, {_count(exclusions, 'incomplete')} incomplete), "
        f"{len(results['warnings'])} warnings (listed in results.json)."
    )
    return "\n".join(lines)


def _method_sensitivity(results: dict[str, Any], domain: dict[str, Any]) -> list[str]:
    """Say plainly when another calibration method would name other winners."""
    chosen = set(domain["winners"])
    by_method = results.get("winners_by_method", {}).get(domain["id"], {})
    differing = []
    for method, winners in sorted(by_method.items()):
        if set(winners) != chosen:
            swap = ", ".join(sorted(set(winners) - chosen))
            out = ", ".join(sorted(chosen - set(winners)))
            differing.append(f"{method} would name {swap} instead of {out}")
    if not differing:
        return [] if not by_method else ["  every calibration method names the same winners"]
    return [f"  the method matters here: {'; '.join(differing)}"]


def _count(records: list[dict], reason: str) -> int:
    return sum(1 for r in records if r["reason"] == reason)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
