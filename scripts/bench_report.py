"""`make bench`'s report: every figure against its target, the figures for the record, and the tables printed
(``scripts/bench.py``).
"""

from __future__ import annotations

import math
import os
import statistics
import unicodedata
from collections.abc import Callable
from typing import Any

from scripts.bench_loops import finite_median, ratio
from scripts.bench_plan import ANSWER_KINDS, LOAD, READ_ONLY_KINDS, Plan

# --- targets and report ---------------------------------------------------------------------------


OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
}


def target(name: str, figure: Any, op: str, bound: float, detail: str = "") -> dict[str, Any]:
    ok = (
        isinstance(figure, (int, float))
        and not (isinstance(figure, float) and math.isnan(figure))
        and OPS[op](figure, bound)
    )
    return {"name": name, "figure": figure, "target": f"{op} {bound:g}", "holds": bool(ok), "detail": detail}


def cycles(ours: list[float], base: list[float]) -> str:
    return ", ".join(fmt(ratio(a, b)) for a, b in zip(ours, base, strict=True))


def cut_short(view: dict[str, Any], large: int) -> str:
    """A note when the large survey's replies were the budget's busy reply: the time is a lower bound."""
    n = view["busy"].get(large, view["busy"].get(str(large), 0))
    return f"; {n} of its replies at {large} were 잠시 후 다시 (cut short: a lower bound)" if n else ""


def fmt_counts(counts: dict[Any, int]) -> str:
    return " · ".join(f"{n} at {size}" for size, n in counts.items())


def evaluate(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with its figure and how it was reached, in the order of the README's table (long on purpose:
    one entry per target, read top to bottom like the table it mirrors)."""
    t, th, hi, fl, su, cs = r["throughput"], r["think"], r["history"], r["floor"], r["summary"], r["cold_start"]
    small, large = su["sizes"][0], su["sizes"][-1]
    fl = {
        **fl,
        "round_rps_median": t["round_floor"]["ours_median_rps"],
        "floor_rps_median": t["round_floor"]["reference_median_rps"],
    }
    out = [
        target(
            "throughput_ratio_menu",
            r["throughput_ratio_menu"],
            ">=",
            0.9,
            f"{t['menu']['ours_median_rps']:.1f} ÷ {t['menu']['reference_median_rps']:.1f} req/s",
        ),
        target(
            "throughput_ratio_menu_500",
            r["throughput_ratio_menu_500"],
            ">=",
            0.9,
            f"{t['menu_500']['ours_median_rps']:.1f} ÷ {t['menu_500']['reference_median_rps']:.1f} req/s",
        ),
        target(
            "throughput_ratio_round_floor",
            r["throughput_ratio_round_floor"],
            ">=",
            0.9,
            f"{fl['round_rps_median']:.1f} ÷ {fl['floor_rps_median']:.1f} req/s "
            f"(cycles {cycles(fl['round_rps'], fl['floor_rps'])})",
        ),
        target(
            "cpu_ratio_round_floor",
            r["cpu_ratio_round_floor"],
            "<=",
            1.15,
            f"bot {finite_median(fl['round_cpu_ms']):.2f} ÷ floor {finite_median(fl['floor_cpu_ms']):.2f} ms CPU "
            f"per message; DynamoDB Local {fl['ddb_cpu_ratio']:.2f}×",
        ),
        target(
            "p99_ratio_round_floor",
            r["p99_ratio_round_floor"],
            "<=",
            1.5,
            f"median of cycles {', '.join(fmt(x) for x in fl['p99_ratios'])} "
            f"(p99 {fmt(finite_median(fl['round_p99_ms']))} vs {fmt(finite_median(fl['floor_p99_ms']))} ms)",
        ),
        target(
            "history_ratio",
            r["history_ratio"],
            "<=",
            1.2,
            f"메뉴 {hi['메뉴']['ms_1']:.1f}→{hi['메뉴']['ms_500']:.1f} ms, "
            f"신청 목록 {hi['신청 목록']['ms_1']:.1f}→{hi['신청 목록']['ms_500']:.1f} ms",
        ),
        target(
            "p99_ratio",
            r["p99_ratio"],
            "<=",
            1.5,
            f"p99 {th['ours']['p99_ms']:.1f} ÷ {th['reference']['p99_ms']:.1f} ms, p50 {r['p50_ms']:.1f} ms",
        ),
        target("failures", r["failures"], "==", 0, f"reference: {th['reference']['failures']}"),
    ]
    calls, writes, items, items_500 = r["ddb_calls"], r["ddb_writes"], r["items_read"], r["items_read_500"]
    ops, off = r["ddb"]["deployed"]["surveys_1"], r["ddb"]["rate_limit_off"]["surveys_1"]

    def how(kind: str) -> str:
        return f"{' '.join(ops[kind]['operations'])}  (rate limit off: {off[kind]['calls']} calls)"

    for kind in READ_ONLY_KINDS:
        out.append(target(f"ddb_calls[{kind}]", calls[kind], "<=", 2, how(kind)))
        out.append(
            target(f"ddb_writes[{kind}]", writes[kind], "==", 0, f"rate limit off: {off[kind]['writes']} writes")
        )
    for kind in ANSWER_KINDS:
        out.append(target(f"ddb_calls[{kind}]", calls[kind], "<=", 2, how(kind)))
    out.append(target("ddb_calls[제출]", calls["제출"], "<=", 3, how("제출")))
    out.append(target("ddb_calls[제출 (tapped)]", calls["제출 (tapped)"], "<=", 2, how("제출 (tapped)")))
    grown = {k: f"{items[k]}→{items_500[k]}" for k in items if items_500.get(k, 0) > items[k]}
    out.append(
        target(
            "items_read growth",
            len(grown),
            "==",
            0,
            ", ".join(f"{k} {v}" for k, v in grown.items()) or "no kind reads more",
        )
    )
    out += [
        target(
            "summary_ratio",
            r["summary_ratio"],
            "<=",
            1.5,
            f"현황 {su['현황']['ms_small']:.0f} → {su['현황']['ms_large']:.0f} ms over HTTP ({small} → {large} answers)"
            + cut_short(su["현황"], large),
        ),
        target(
            "results_ratio",
            r["results_ratio"],
            "<=",
            1.5,
            f"결과 보기 {su['결과 보기']['ms_small']:.0f} → {su['결과 보기']['ms_large']:.0f} ms over HTTP"
            + cut_short(su["결과 보기"], large),
        ),
        target(
            "summary replies",
            sum(su["wrong_counts"].values())
            + sum(su["unbudgeted_wrong_counts"].values())
            + sum(sum(su[v][k].values()) for v in ("현황", "결과 보기") for k in ("busy", "unbudgeted_busy")),
            "==",
            0,
            f"busy over HTTP: 현황 {fmt_counts(su['현황']['busy'])}, 결과 보기 {fmt_counts(su['결과 보기']['busy'])}; "
            f"without the budget: {sum(sum(su[v]['unbudgeted_busy'].values()) for v in ('현황', '결과 보기'))}; "
            f"현황 without the seeded counts: {fmt_counts(su['wrong_counts'])}",
        ),
        target(
            "import_ratio",
            r["import_ratio"],
            "<=",
            1.1,
            f"{r['import']['ours_median_s'] * 1000:.0f} ÷ {r['import']['bare_median_s'] * 1000:.0f} ms",
        ),
        target(
            "cold_start_ratio",
            r["cold_start_ratio"],
            "<=",
            1.15,
            f"import and wiring {cs['ours_ms']:.0f} ÷ {cs['bare_ms']:.0f} ms, with byte code as the zip ships it",
        ),
        target(
            "export_ratio",
            r["export_ratio"],
            "<=",
            1.2,
            f"{statistics.median(r['export']['ours_s']):.2f} ÷ {statistics.median(r['export']['bare_s']):.2f} s",
        ),
        target(
            "export_peak_rss_mb",
            r["export_peak_rss_mb"],
            "<",
            100,
            f"{r['export']['peak_rss_mb_before_export']:.0f} MB before the export",
        ),
        target(
            "store consistent",
            int(r["store"]["consistent"]),
            "==",
            1,
            f"{r['store']['stored_answers']} answers, response_count {r['store']['response_count']}",
        ),
    ]
    return out


def records(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Figures kept for the record, without a target (one entry each, like :func:`evaluate`, hence its length)."""
    t, fl, cs, src = r["throughput"], r["floor"], r["cold_start"], r["cold_start_no_bytecode"]

    def entry(name: str, figure: Any, detail: str) -> dict[str, Any]:
        return {"name": name, "figure": figure, "detail": detail}

    return [
        entry(
            "throughput_ratio_round",
            r["throughput_ratio_round"],
            f"÷ the plain reference: {t['round']['ours_median_rps']:.1f} ÷ {t['round']['reference_median_rps']:.1f} "
            "req/s (was ≥ 0.8 against a skill without transactions)",
        ),
        entry(
            "cpu_ratio_round_reference",
            fl["cpu_ratio_reference"],
            f"bot CPU per message ÷ the plain reference's: {finite_median(fl['round_cpu_ms']):.2f} ÷ "
            f"{finite_median(fl['reference_cpu_ms']):.2f} ms",
        ),
        entry(
            "p99_ratio_round_reference",
            fl["p99_ratio_reference"],
            f"median of cycles {', '.join(fmt(x) for x in fl['p99_ratios_reference'])} (the round's p99 ÷ the plain "
            "reference's)",
        ),
        entry(
            "floor_to_reference",
            fl["floor_to_reference"],
            "the floor's requests/s ÷ the plain reference's "
            f"(cycles {cycles(fl['floor_rps'], t['round']['reference_rps'])})",
        ),
        entry(
            "ddb_cpu_ratio_round_floor",
            fl["ddb_cpu_ratio"],
            f"DynamoDB Local's CPU per message: {finite_median(fl['round_ddb_cpu_ms']):.2f} ÷ "
            f"{finite_median(fl['floor_ddb_cpu_ms']):.2f} ms",
        ),
        entry(
            "summary_ratio_unbudgeted",
            r["summary"]["현황"]["unbudgeted_ratio"],
            f"현황 in this process without the reply budget: {r['summary']['현황']['unbudgeted_ms_small']:.0f} → "
            f"{r['summary']['현황']['unbudgeted_ms_large']:.0f} ms",
        ),
        entry(
            "results_ratio_unbudgeted",
            r["summary"]["결과 보기"]["unbudgeted_ratio"],
            f"결과 보기 the same: {r['summary']['결과 보기']['unbudgeted_ms_small']:.0f} → "
            f"{r['summary']['결과 보기']['unbudgeted_ms_large']:.0f} ms",
        ),
        entry(
            "cold_start_ratio_with_clients",
            cs["ratio_with_clients"],
            f"with the first message's two clients on both sides: {cs['total_ms']:.0f} ÷ "
            f"{cs['bare']['total_ms']:.0f} ms",
        ),
        entry(
            "cold_start_cpu_ratio",
            cs.get("cpu_ratio", math.nan),
            f"cold_start_ratio in CPU time, which the machine's load disturbs less: {cs.get('cpu_ms', math.nan):.0f} ÷ "
            f"{cs.get('bare_cpu_ms', math.nan):.0f} ms",
        ),
        entry(
            "cold_start_ratio_no_bytecode",
            src["ratio"],
            f"the same tree without byte code (every module compiled as imported): {src['ours_ms']:.0f} ÷ "
            f"{src['bare_ms']:.0f} ms",
        ),
        entry(
            "cold_start_init_share",
            cs.get("init_share", math.nan),
            f"import, wiring and clients {cs['total_ms']:.0f} ms ÷ that plus the first 메뉴 "
            f"{cs.get('first_ms', math.nan):.1f} ms (warm: {cs.get('warm_ms', math.nan):.1f} ms): what a SnapStart "
            "snapshot could hold",
        ),
    ]


def fmt(x: Any) -> str:
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, float):
        return "nan" if math.isnan(x) else f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"
    return str(x)


def pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (Hangul takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return text + " " * max(0, width - used)


def table(targets: list[dict[str, Any]]) -> str:
    lines = [f"{pad('figure', 30)}{'value':>9}  {'target':<8}{'':<6}raw"]
    for t in targets:
        lines.append(
            f"{pad(t['name'], 30)}{fmt(t['figure']):>9}  {t['target']:<8}{'ok' if t['holds'] else 'FAIL':<6}"
            f"{t['detail']}"
        )
    return "\n".join(lines)


def by_name_table(title: str, result: dict[str, Any]) -> str:
    lines = [title, f"  {pad('request', 16)}{'count':>8}{'fail':>6}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"]
    for name, s in result["by_name"].items():
        lines.append(
            f"  {pad(name, 16)}{s['ok']:>8}{s['failures']:>6}{s['rps']:>8.1f}{s['p50_ms']:>9.1f}"
            f"{s['p95_ms']:>9.1f}{s['p99_ms']:>9.1f}"
        )
    lines.append(
        f"  {pad('ALL', 16)}{result['ok']:>8}{result['window_failures']:>6}{result['rps']:>8.1f}"
        f"{result['p50_ms']:>9.1f}{result['p95_ms']:>9.1f}{result['p99_ms']:>9.1f}"
    )
    return "\n".join(lines)


def round_table(r: dict[str, Any]) -> str:
    """``--only round``'s figures, with their inputs (the targets of :func:`evaluate`)."""
    fl = r["floor"]
    rows = [
        target(
            "throughput_ratio_round_floor",
            fl["throughput_ratio"],
            ">=",
            0.9,
            f"{finite_median(fl['round_rps']):.1f} ÷ {finite_median(fl['floor_rps']):.1f} req/s "
            f"(cycles {cycles(fl['round_rps'], fl['floor_rps'])})",
        ),
        target(
            "cpu_ratio_round_floor",
            fl["cpu_ratio"],
            "<=",
            1.15,
            f"bot {finite_median(fl['round_cpu_ms']):.2f} ÷ floor {finite_median(fl['floor_cpu_ms']):.2f} ms CPU "
            f"per message (cycles {cycles(fl['round_cpu_ms'], fl['floor_cpu_ms'])})",
        ),
        target(
            "p99_ratio_round_floor",
            fl["p99_ratio"],
            "<=",
            1.5,
            f"median of cycles {', '.join(fmt(x) for x in fl['p99_ratios'])} "
            f"(p99 {fmt(finite_median(fl['round_p99_ms']))} vs {fmt(finite_median(fl['floor_p99_ms']))} ms)",
        ),
        target(
            "failures",
            fl["round_failures"] + fl["floor_failures"],
            "==",
            0,
            f"round {fl['round_failures']}, floor {fl['floor_failures']}",
        ),
        target(
            "store consistent",
            int(r["store"]["consistent"]),
            "==",
            1,
            f"{r['store']['stored_answers']} answers, response_count {r['store']['response_count']}",
        ),
    ]
    ddb = (
        f"DynamoDB Local's CPU per message, round ÷ floor: {fl['ddb_cpu_ratio']:.2f} "
        f"({finite_median(fl['round_ddb_cpu_ms']):.2f} ÷ {finite_median(fl['floor_ddb_cpu_ms']):.2f} ms)"
    )
    return table(rows) + "\n" + ddb


def report(result: dict[str, Any], plan: Plan) -> None:
    """The figures on the terminal: think time both ways, the targets, the records, how many hold."""
    think = result["think"]
    print("")
    print(by_name_table("think time, the bot:", think["ours"]))
    print(by_name_table("think time, the reference (same members, same load):", think["reference"]))
    print("")
    print(table(result["targets"]))
    print("\nfor the record:")
    for rec in result["records"]:
        print(f"  {pad(rec['name'], 30)}{fmt(rec['figure']):>9}  {rec['detail']}")
    held = sum(t["holds"] for t in result["targets"])
    loads = [x["load"][0] for x in LOAD if x["load"]]
    seen = f" · load average {min(loads):.1f}–{max(loads):.1f}" if loads else ""
    print(
        f"\n{held} of {len(result['targets'])} targets hold · {os.cpu_count()} cores{seen} · "
        f"{result['wall_seconds']:.0f} s{' · SMOKE: figures mean nothing' if plan.smoke else ''}"
    )
