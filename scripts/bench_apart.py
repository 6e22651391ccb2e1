"""`make bench`'s parts measured apart from the load: 현황 and 결과 보기 at two sizes, and fresh processes for
the import, the cold start and the export (``scripts/bench.py``, parts 6-7).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from scripts.bench_loops import ratio
from scripts.bench_plan import IMPORT_BARE, IMPORT_OURS, IMPORT_OURS_MEANS, Plan, log
from scripts.bench_stack import Stack, speaker
from scripts.local import ROOT

# --- summaries at two sizes ---------------------------------------------------------------------------


SUMMARY_ADMIN = "bench-summary-admin-" + "0" * 46


def summaries(plan: Plan, work: Path) -> dict[str, Any]:
    """현황 and 결과 보기 of a survey of each size, each in a stack of its own (``scripts/bench_summary.py``)."""
    from chalicelib.domain.model import now_kst
    from scripts import bench_summary

    orgs: list[tuple[bench_summary.Org, bench_summary.Talk]] = []
    with contextlib.ExitStack() as stacks:
        for size in plan.summary_sizes:
            folder = work / f"summary-{size}"
            folder.mkdir()
            stack = stacks.enter_context(Stack(folder, plan, reference=False))
            # the store and the bot are made now: the next stack's start points the environment elsewhere
            org = bench_summary.seed(stack.store(), SUMMARY_ADMIN, size, now_kst())
            log(f"  {org.answers} answers and {org.members} people written in {org.seed_seconds:.0f} s")
            talk = bench_summary.Talk(speaker(stack, SUMMARY_ADMIN), bench_summary.direct(SUMMARY_ADMIN))
            orgs.append((org, talk))
        log(
            f"  현황 and 결과 보기, {plan.summary_samples} of each at each size, alternating, over HTTP and "
            "in this process without the reply budget…"
        )
        return bench_summary.measure(orgs, plan.summary_samples)


# --- fresh processes: import and export -------------------------------------------------------------


def timed_import(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    # Both sides read compiled byte code, as installed packages do: the first (unmeasured) run writes
    # the project's, even where the environment says not to.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"python -c {statement!r} failed:\n{proc.stderr[-2000:]}")
    return float(proc.stdout.strip().splitlines()[-1])


def import_ratio(plan: Plan) -> dict[str, Any]:
    for statement in (IMPORT_OURS, IMPORT_BARE):  # once unmeasured: byte code written, files in the page cache
        timed_import(statement)
    ours, bare = [], []
    for _ in range(plan.import_runs):
        ours.append(timed_import(IMPORT_OURS))
        bare.append(timed_import(IMPORT_BARE))
    return {
        "ratio": ratio(statistics.median(ours), statistics.median(bare)),
        "ours_s": ours,
        "bare_s": bare,
        "ours_median_s": statistics.median(ours),
        "bare_median_s": statistics.median(bare),
        "ours": IMPORT_OURS,
        "bare": IMPORT_BARE,
        "ours_includes": IMPORT_OURS_MEANS,
        "timed": "inside each process, from before the first import to the end of the statement; byte code "
        "compiled beforehand on both sides",
    }


def timed_export(which: str, rows: int) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "scripts.bench_export", which, "--rows", str(rows)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"the {which} export failed:\n{proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def export_ratio(plan: Plan) -> dict[str, Any]:
    ours, bare = [], []
    for _ in range(plan.export_runs):
        ours.append(timed_export("ours", plan.export_rows))
        bare.append(timed_export("bare", plan.export_rows))
    ours_s, bare_s = [x["seconds"] for x in ours], [x["seconds"] for x in bare]
    return {
        "ratio": ratio(statistics.median(ours_s), statistics.median(bare_s)),
        "ours_s": ours_s,
        "bare_s": bare_s,
        "rows": plan.export_rows,
        "questions": ours[0]["columns"],
        "peak_rss_mb": max(x["peak_rss_mb"] for x in ours),
        "peak_rss_mb_before_export": max(x["peak_rss_mb_before"] for x in ours),
        "bare_peak_rss_mb": max(x["peak_rss_mb"] for x in bare),
        "ours_bytes": ours[0]["bytes"],
        "bare_bytes": bare[0]["bytes"],
    }


def measure_apart(plan: Plan, work: Path) -> dict[str, Any]:
    """The parts that need no shared stack: the summaries (a stack per organisation), imports, cold start, export."""
    r: dict[str, Any] = {}
    small, large = plan.summary_sizes
    log(f"summaries: an organisation with a survey of {small} answers and one of {large}, a stack each…")
    r["summary"] = summaries(plan, work)
    log("stacks stopped")

    log(f"import: {plan.import_runs} × (ours, bare) in fresh processes…")
    r["import"] = import_ratio(plan)
    log(f"cold start: {plan.import_runs} × (ours, bare) fresh processes from the deployment zip's tree and byte code…")
    from scripts import bench_coldstart

    r["cold_start"] = bench_coldstart.measure(sys.executable, plan.import_runs, bare=True)
    log(f"cold start: {plan.import_runs} × (ours, bare) again, without byte code…")
    r["cold_start_no_bytecode"] = bench_coldstart.measure(sys.executable, plan.import_runs, bare=True, compiled=False)
    log(f"export: {plan.export_rows} × 10, {plan.export_runs} × (ours, bare) in fresh processes…")
    r["export"] = export_ratio(plan)
    return r
