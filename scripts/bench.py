"""`make bench`: the bot measured beside a reference skill, in one run, on a private local stack.

    python -m scripts.bench [--users 100] [--rounds 4] [--warm-cycles 2] [--round-seconds 20]
                            [--seconds 45] [--smoke] [--only round]

One stack: DynamoDB Local (in memory) and moto (S3) started once by ``scripts.devstack``
with the bot under gunicorn, and the reference skill (``loadtests/reference.py``: parse,
one GetItem, one PutItem, a one-line reply; for ``제출`` and ``예``, the floor: one GetItem
and one transaction of three items, the guarantees the bot keeps) under gunicorn with the
same settings against the same DynamoDB Local, each on a free port, in a temporary folder;
the per-member rate limit is off for the load. In order:

1. ``ddb_calls`` / ``items_read``: a scripted conversation in this process on tables of
   its own, with a botocore hook counting calls per message kind, with one survey and
   with ``--closed`` closed surveys added (``scripts/bench_calls.py``; deterministic).
2. Closed loop, one survey: ``--users`` members with no think time, in alternating
   rounds (reference, floor, menu, round; the order rotates each cycle), ``--warm-cycles``
   unmeasured cycles (the engine's warm-up) and then ``--rounds`` measured cycles
   (an even number): ``throughput_ratio_menu`` is the median requests/s of the menu-only members ÷
   the plain reference's (menu-only members against the reference);
   ``throughput_ratio_round_floor`` the full-round members' ÷ the floor's (full-round
   members against the reference), ``cpu_ratio_round_floor`` the server's CPU per message
   (gunicorn and its workers, from /proc, in the measured window) of the same rounds,
   ``p99_ratio_round_floor`` the median of each cycle's p99 ratio. For the record, the round
   beside the plain reference (``throughput_ratio_round``, ``cpu_ratio_round_reference``,
   ``p99_ratio_round_reference``) and DynamoDB Local's CPU.
3. Think time: ``--users`` members, each message 0.5–1.5 s after the last reply, for
   ``--seconds``, against the bot and then against the reference (whose 제출 and 예 are
   the floor's): ``p50_ms``, ``p99_ms``, ``failures``, ``p99_ratio``.
   Then the survey's counter is checked against its stored answers at a quiet moment.
4. ``history_ratio``: 메뉴 and 신청 목록 one at a time from one client, with one survey,
   then with ``--closed`` closed surveys added; median time of each, larger ratio.
5. Closed loop again, with those surveys in the table: ``throughput_ratio_menu_500``.
6. With that stack stopped, ``summary_ratio`` and ``results_ratio``: two organisations, a
   stack each, with a survey of ``--summary-sizes`` answers (200 and 20,000) written
   through the store; 현황 and 결과 보기 one at a time, alternating, median round trip at
   the large size ÷ at the small one (``scripts/bench_summary.py``).
7. In fresh processes: ``import_ratio`` (``import app`` and building the bot ÷ ``import
   chalice, boto3, pynamodb``), ``cold_start_ratio`` and ``cold_start_ms`` (the same, from
   the deployment zip's tree with the byte code it ships, as Lambda starts, with the first clients:
   ``scripts/bench_coldstart.py``, which also compares interpreters; ``cold_start_cpu_ratio``, the same in
   CPU time, ``cold_start_ratio_no_bytecode`` and ``cold_start_ms_no_bytecode``, the tree without byte code,
   for the record; ``cold_start_init_share``,
   the part of it that can run before the handler, beside the first message) and ``export_ratio`` /
   ``export_peak_rss_mb`` (``scripts/bench_export.py``).

Prints a table (figure, target, pass/fail, raw inputs), the figures kept for the record,
and writes ``--out`` (``.bench/latest.json``): every figure with its raw inputs, the
targets, the commit, the machine's core count and its load average as each part began
(other work on the machine shows there). Locust, both servers and DynamoDB Local share this
machine's cores: the ratios compare like with like, the absolute figures do not carry
over to Lambda. ``--smoke`` runs every part for a few seconds only, to prove it works.

``--only round`` runs part 2's member round beside the floor alone (``--rounds`` cycles of floor
and round, no plain reference, nothing else): the three ``*_round_floor`` figures and DynamoDB
Local's CPU ratio in a few minutes, written to ``--out`` (default ``.bench/round.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from scripts import bench_calls
from scripts.bench_apart import measure_apart, summaries
from scripts.bench_loops import (
    BLOCK_1,
    BLOCK_500,
    BLOCK_ROUND,
    check_store,
    closed_loop,
    floor_figures,
    history,
    ratio,
    think_time,
    throughput,
)
from scripts.bench_plan import (
    CALLS_TABLE_PREFIX,
    DEFAULT_OUT,
    LOAD,
    ROUND_OUT,
    SMOKE,
    SUMMARY_OUT,
    Interrupted,
    Plan,
    _on_signal,
    load_average,
    log,
)
from scripts.bench_report import cut_short, evaluate, fmt, fmt_counts, pad, records, report, round_table
from scripts.bench_stack import Stack, seed, tail
from scripts.local import ROOT


def clean(x: Any) -> Any:
    """JSON without NaN: NaN becomes null."""
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    return x


def git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


# --- the run ---------------------------------------------------------------------------------------


def measure(plan: Plan, work: Path) -> dict[str, Any]:
    from chalicelib.domain.model import now_kst

    r: dict[str, Any] = {}
    with Stack(work, plan) as stack:
        survey_id = seed(stack)
        log(f"stack up: the bot on {stack.url}, the reference on {stack.ref_url}")

        log(f"DynamoDB calls per message kind (1 survey, then {plan.closed} closed added)…")
        r["ddb"] = bench_calls.measure(CALLS_TABLE_PREFIX, plan.closed, now_kst())

        log(
            f"closed loop, 1 survey: {plan.users} users, {plan.warm_cycles} unmeasured and {plan.rounds} measured × "
            f"(reference, floor, menu, round), {plan.warmup:g}+{plan.round_seconds:g} s each…"
        )
        one = closed_loop(stack, plan, BLOCK_1, "closed-1", warm=plan.warm_cycles)

        log(
            f"think time: {plan.users} members, each message 0.5–1.5 s after the last reply, "
            f"{plan.warmup:g}+{plan.think_seconds:g} s, the bot then the reference…"
        )
        r["think"] = think_time(stack, plan)
        r["store"] = check_store(stack, survey_id)

        log("history: 메뉴 and 신청 목록 one at a time, 1 survey…")
        one_survey = history(stack, plan)
        log(f"adding {plan.closed} closed surveys…")
        bench_calls.add_closed_surveys(stack.store(), survey_id, plan.closed, now_kst())
        log(f"history: {1 + plan.closed} surveys…")
        many = history(stack, plan)

        log(f"closed loop, {1 + plan.closed} surveys: {plan.rounds} × (reference, menu)…")
        many_block = closed_loop(stack, plan, BLOCK_500, "closed-500")
    log("stack stopped")

    r["throughput"] = {
        "menu": throughput(one, "menu"),
        "round": throughput(one, "round"),
        "round_floor": throughput(one, "round", base="floor"),
        "menu_500": throughput(many_block, "menu"),
        "rounds_1": one,
        "rounds_500": many_block,
    }
    r["floor"] = floor_figures(one)
    r["history"] = {}
    for text in ("메뉴", "신청 목록"):
        ms_1, ms_500 = statistics.median(one_survey[text]), statistics.median(many[text])
        r["history"][text] = {
            "ms_1": ms_1,
            "ms_500": ms_500,
            "ratio": ratio(ms_500, ms_1),
            "samples_1": one_survey[text],
            "samples_500": many[text],
        }

    r.update(measure_apart(plan, work))
    return r


def measure_round(plan: Plan, work: Path) -> dict[str, Any]:
    """``--only round``: the member round beside the floor, alternating, and nothing else."""
    with Stack(work, plan) as stack:
        survey_id = seed(stack)
        log(f"stack up: the bot on {stack.url}, the reference on {stack.ref_url}")
        log(
            f"closed loop, 1 survey: {plan.users} users, {plan.warm_cycles} unmeasured and {plan.rounds} measured × "
            f"(floor, round), {plan.warmup:g}+{plan.round_seconds:g} s each…"
        )
        block = closed_loop(stack, plan, BLOCK_ROUND, "closed-round", warm=plan.warm_cycles)
        store = check_store(stack, survey_id)
    log("stack stopped")
    return {"floor": floor_figures(block), "store": store, "rounds": block}


def summarize(r: dict[str, Any]) -> dict[str, Any]:
    """The headline figures, from the raw results."""
    ddb1, ddb500 = r["ddb"]["deployed"]["surveys_1"], r["ddb"]["deployed"]["surveys_500"]
    kinds = list(ddb1)
    return {
        "throughput_ratio_menu": r["throughput"]["menu"]["ratio"],
        "throughput_ratio_round": r["throughput"]["round"]["ratio"],
        "throughput_ratio_menu_500": r["throughput"]["menu_500"]["ratio"],
        "history_ratio": max(h["ratio"] for h in r["history"].values()),
        "history_ratio_menu": r["history"]["메뉴"]["ratio"],
        "history_ratio_list": r["history"]["신청 목록"]["ratio"],
        "p50_ms": r["think"]["ours"]["p50_ms"],
        "p99_ms": r["think"]["ours"]["p99_ms"],
        "failures": r["think"]["ours"]["failures"],
        "p99_ratio": r["think"]["p99_ratio"],
        "ddb_calls": {k: ddb1[k]["calls"] for k in kinds},
        "ddb_writes": {k: ddb1[k]["writes"] for k in kinds},
        "items_read": {k: ddb1[k]["items_read"] for k in kinds},
        "ddb_calls_500": {k: ddb500[k]["calls"] for k in kinds},
        "items_read_500": {k: ddb500[k]["items_read"] for k in kinds},
        "throughput_ratio_round_floor": r["floor"]["throughput_ratio"],
        "cpu_ratio_round_floor": r["floor"]["cpu_ratio"],
        "p99_ratio_round_floor": r["floor"]["p99_ratio"],
        "summary_ratio": r["summary"]["현황"]["ratio"],
        "results_ratio": r["summary"]["결과 보기"]["ratio"],
        "summary_ms": {"small": r["summary"]["현황"]["ms_small"], "large": r["summary"]["현황"]["ms_large"]},
        "results_ms": {"small": r["summary"]["결과 보기"]["ms_small"], "large": r["summary"]["결과 보기"]["ms_large"]},
        "summary_ratio_unbudgeted": r["summary"]["현황"]["unbudgeted_ratio"],
        "results_ratio_unbudgeted": r["summary"]["결과 보기"]["unbudgeted_ratio"],
        "import_ratio": r["import"]["ratio"],
        "cold_start_ratio": r["cold_start"]["ratio"],
        "cold_start_ms": r["cold_start"]["total_ms"],
        "cold_start_cpu_ratio": r["cold_start"].get("cpu_ratio", math.nan),
        "cold_start_ratio_no_bytecode": r["cold_start_no_bytecode"]["ratio"],
        "cold_start_ms_no_bytecode": r["cold_start_no_bytecode"]["total_ms"],
        "cold_start_init_share": r["cold_start"].get("init_share", math.nan),
        "export_ratio": r["export"]["ratio"],
        "export_peak_rss_mb": r["export"]["peak_rss_mb"],
        "store_consistent": r["store"]["consistent"],
    }


def parse(argv: list[str] | None) -> tuple[Plan, Path]:
    """The plan the command line asks for, and where its JSON goes."""
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="every part for a few seconds (proves it works)")
    p.add_argument("--users", type=int, help="simulated members (default 100)")
    p.add_argument("--rounds", type=int, help="alternating cycles per ratio (default 4; keep it even)")
    p.add_argument("--round-seconds", type=float, help="measured seconds of a closed-loop round (default 20)")
    p.add_argument("--warmup", type=float, help="unmeasured seconds before each round (default 5)")
    p.add_argument(
        "--warm-cycles", type=int, help="unmeasured cycles before the measured ones, for the engine (default 2)"
    )
    p.add_argument(
        "--seconds", type=float, dest="think_seconds", help="measured seconds of the think-time run (default 45)"
    )
    p.add_argument("--closed", type=int, help="closed surveys added for the history figures (default 500)")
    p.add_argument(
        "--summary-sizes",
        type=int,
        nargs=2,
        metavar=("SMALL", "LARGE"),
        help="answers of the two surveys of summary_ratio and results_ratio (default 200 20000)",
    )
    p.add_argument("--summary-samples", type=int, help="requests of each view at each size (default 5)")
    p.add_argument("--workers", type=int, help="gunicorn workers of both servers (default 2)")
    p.add_argument("--threads", type=int, help="threads per gunicorn worker (default 16)")
    p.add_argument(
        "--only",
        choices=("round", "summary"),
        help="round: the member round beside the floor alone, a few minutes; summary: 현황 and 결과 보기 of the two "
        "organisations alone (default: everything)",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="where the JSON goes (default .bench/latest.json; with --only round, .bench/round.json)",
    )
    args = p.parse_args(argv)
    given = {k: v for k, v in vars(args).items() if v is not None and k not in ("smoke", "out", "only")}
    if "summary_sizes" in given:
        given["summary_sizes"] = tuple(given["summary_sizes"])
    plan = Plan(**{**(SMOKE if args.smoke else {}), **given, "smoke": args.smoke, "only": args.only})
    return plan, args.out or {"round": ROUND_OUT, "summary": SUMMARY_OUT}.get(args.only or "", DEFAULT_OUT)


def main(argv: list[str] | None = None) -> int:
    plan, out = parse(argv)
    started, stamp = time.monotonic(), dt.datetime.now(dt.UTC)
    # Installed explicitly (SIGINT too): a shell starting us in the background leaves SIGINT ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    work = Path(tempfile.mkdtemp(prefix="hj-bench-"))
    try:
        if plan.only == "summary":
            raw = {"summary": summaries(plan, work)}
        else:
            raw = measure_round(plan, work) if plan.only == "round" else measure(plan, work)
    except (KeyboardInterrupt, Interrupted) as e:
        print(f"\ninterrupted ({e or 'SIGINT'}); everything started was stopped", file=sys.stderr)
        return 130
    except BaseException:
        for name in ("stack.out", "reference.log", "logs/gunicorn.log"):
            for path in sorted(work.rglob(name)):
                print(f"--- {path.relative_to(work)} (last lines) ---\n{tail(path)}", file=sys.stderr)
        raise
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        shutil.rmtree(work, ignore_errors=True)

    result: dict[str, Any] = {
        "timestamp": stamp.isoformat(timespec="seconds"),
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "cpu_count": os.cpu_count(),
        "mode": "smoke" if plan.smoke else "full",
        "plan": asdict(plan),
    }
    if plan.only == "round":
        return write_round(result, raw, plan, out, started)
    if plan.only == "summary":
        return write_summary(result, raw, plan, out, started)
    result.update(summarize(raw))
    result.update(raw)
    result["targets"] = evaluate(result)
    result["records"] = records(result)
    result["all_targets_hold"] = all(t["holds"] for t in result["targets"])
    result["wall_seconds"] = round(time.monotonic() - started, 1)
    result["load_average"] = {"cores": os.cpu_count(), "parts": LOAD, "end": load_average()}
    report(result, plan)
    return _written(result, out)


def _written(result: dict[str, Any], out: Path) -> int:
    """``result`` saved to ``out`` whole or not at all (written beside it, then moved over it)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(clean(result), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    print(f"written: {out}")
    return 0


def write_round(result: dict[str, Any], raw: dict[str, Any], plan: Plan, out: Path, started: float) -> int:
    """``--only round``: its figures on the terminal and in ``out``."""
    fl = raw["floor"]
    result.update(
        {
            "throughput_ratio_round_floor": fl["throughput_ratio"],
            "cpu_ratio_round_floor": fl["cpu_ratio"],
            "p99_ratio_round_floor": fl["p99_ratio"],
            "ddb_cpu_ratio_round_floor": fl["ddb_cpu_ratio"],
        }
    )
    result.update(raw)
    result["wall_seconds"] = round(time.monotonic() - started, 1)
    result["load_average"] = {"cores": os.cpu_count(), "parts": LOAD, "end": load_average()}
    print("")
    print(round_table(raw))
    loads = [x["load"][0] for x in LOAD if x["load"]]
    seen = f" · load average {min(loads):.1f}–{max(loads):.1f}" if loads else ""
    print(
        f"\nround beside the floor only · {os.cpu_count()} cores{seen} · {result['wall_seconds']:.0f} s"
        f"{' · SMOKE: figures mean nothing' if plan.smoke else ''}"
    )
    return _written(result, out)


def write_summary(result: dict[str, Any], raw: dict[str, Any], plan: Plan, out: Path, started: float) -> int:
    """``--only summary``: 현황 and 결과 보기 at both sizes, on the terminal and in ``out``."""
    su = raw["summary"]
    result.update(raw)
    result["summary_ratio"], result["results_ratio"] = su["현황"]["ratio"], su["결과 보기"]["ratio"]
    result["wall_seconds"] = round(time.monotonic() - started, 1)
    small, large = plan.summary_sizes
    print("")
    for view, name in (("현황", "summary_ratio"), ("결과 보기", "results_ratio")):
        v = su[view]
        print(
            f"  {pad(name, 16)}{fmt(v['ratio']):>7}  {view} {v['ms_small']:.0f} → {v['ms_large']:.0f} ms over HTTP "
            f"({small} → {large} answers); in process {v['unbudgeted_ms_small']:.0f} → "
            f"{v['unbudgeted_ms_large']:.0f} ms{cut_short(v, large)}"
        )
    print(f"  현황 without the seeded counts: {fmt_counts(su['wrong_counts'])}")
    print(f"\nsummaries only · {os.cpu_count()} cores · {result['wall_seconds']:.0f} s")
    return _written(result, out)


if __name__ == "__main__":
    raise SystemExit(main())
