"""`make bench`'s closed loops and think-time load: rounds of simulated members against the bot and the
reference (``loadtests/run.py``), their cycles, and the figures taken from them (``scripts/bench.py``, parts 2-5).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from scripts.bench_plan import BUSY, HISTORY_MEMBER, TITLE, Plan
from scripts.bench_stack import Stack, post, text_of
from scripts.local import ROOT

# --- load rounds ----------------------------------------------------------------------------------


def rotate(items: list[Any], by: int) -> list[Any]:
    by %= len(items)
    return items[by:] + items[:by]


def run_rounds(stack: Stack, plan: Plan, rounds: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Run ``rounds`` (see ``loadtests/run.py``) in one load-generator process; their results."""
    path = stack.work / f"{name}.json"
    path.write_text(json.dumps({"rounds": rounds}, ensure_ascii=False), encoding="utf-8")
    budget = sum(float(r["warmup"]) + float(r["seconds"]) + 5 for r in rounds) + 120
    env = dict(os.environ, HJ_SKILL_SECRET=stack.secret, BENCH_TITLE=TITLE)
    proc = subprocess.run(
        [sys.executable, "-m", "loadtests.run", str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        timeout=budget,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"the load generator failed (exit {proc.returncode})")
    results: list[dict[str, Any]] = json.loads(proc.stdout)["rounds"]
    return results


def round_spec(label: str, user_class: str, host: str, plan: Plan, seconds: float) -> dict[str, Any]:
    return {
        "label": label,
        "user_class": user_class,
        "host": host,
        "users": plan.users,
        "warmup": plan.warmup,
        "seconds": seconds,
    }


# The closed-loop rounds of each block: label, user class (loadtests/locustfile.py), and the server talked to.
# "reference" is the plain reference (every message a GetItem and a PutItem); "floor" is the same skill driven
# with the member round, where 제출 and 예 are a GetItem and a transaction of three items (loadtests/reference.py).
BLOCK_1 = (
    ("reference", "MenuMember", "reference"),
    ("floor", "RoundMember", "reference"),
    ("menu", "MenuMember", "bot"),
    ("round", "RoundMember", "bot"),
)
BLOCK_500 = (("reference", "MenuMember", "reference"), ("menu", "MenuMember", "bot"))
BLOCK_ROUND = (("floor", "RoundMember", "reference"), ("round", "RoundMember", "bot"))  # --only round


WARM = "warm:"  # the label's prefix of an unmeasured cycle's round


def cycle_plan(kinds: tuple[tuple[str, str, str], ...], cycles: int, warm_cycles: int) -> list[tuple[str, str, str]]:
    """The rounds of a closed loop in the order they run, as (label, user class, server): ``warm_cycles`` cycles
    labelled ``warm:<kind>#<n>``, unmeasured, then ``cycles`` cycles labelled ``<kind>#<n>``, the order rotating
    each cycle (the warm cycles rotate with them, so every cycle starts with the kind the one before did not)."""
    out = []
    for r in range(warm_cycles + cycles):
        n = r - warm_cycles + 1
        prefix, number = (WARM, r + 1) if n < 1 else ("", n)
        out += [(f"{prefix}{kind}#{number}", cls, server) for kind, cls, server in rotate(list(kinds), r)]
    return out


def finite_median(values: list[float]) -> float:
    """The median of the finite ``values``; NaN when there is none."""
    kept = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    return statistics.median(kept) if kept else math.nan


def closed_loop(
    stack: Stack, plan: Plan, kinds: tuple[tuple[str, str, str], ...], name: str, warm: int = 0
) -> dict[str, dict[str, Any]]:
    """Alternating closed-loop rounds of ``kinds`` (see BLOCK_1), ``plan.rounds`` cycles, the order rotating,
    after ``warm`` unmeasured cycles (kept apart, under ``warm``, for the record).

    Each round also reads, from /proc, the CPU its server (the gunicorn master and workers) and
    DynamoDB Local used in the measured window: per request completed, ``cpu_ms`` and ``ddb_cpu_ms``.
    """
    hosts = {"bot": stack.url, "reference": stack.ref_url}
    specs = []
    for label, cls, server in cycle_plan(kinds, plan.rounds, warm):
        spec = round_spec(label, cls, hosts[server], plan, plan.round_seconds)
        spec["cpu"] = stack.pids(hosts[server])
        specs.append(spec)
    results = run_rounds(stack, plan, specs, name)
    out: dict[str, dict[str, Any]] = {}
    unmeasured = [x for x in results if x["label"].startswith(WARM)]
    for kind, _, _ in kinds:
        mine = [x for x in results if x["label"].rsplit("#", 1)[0] == kind]  # in cycle order, the warm ones apart
        cpu = [x.get("cpu", {}).get("server", {}).get("ms_per_request", math.nan) for x in mine]
        ddb = [x.get("cpu", {}).get("dynamodb", {}).get("ms_per_request", math.nan) for x in mine]
        out[kind] = {
            "rps": [x["rps"] for x in mine],
            "median_rps": statistics.median(x["rps"] for x in mine),
            "failures": sum(x["failures"] for x in mine),
            "p99_ms": [x["p99_ms"] for x in mine],
            "cpu_ms": cpu,
            "median_cpu_ms": finite_median(cpu),
            "ddb_cpu_ms": ddb,
            "median_ddb_cpu_ms": finite_median(ddb),
            "rounds": mine,
            "warm": [
                {
                    "label": x["label"],
                    "rps": x["rps"],
                    "cpu_ms": x.get("cpu", {}).get("server", {}).get("ms_per_request", math.nan),
                    "ddb_cpu_ms": x.get("cpu", {}).get("dynamodb", {}).get("ms_per_request", math.nan),
                }
                for x in unmeasured
                if x["label"].removeprefix(WARM).rsplit("#", 1)[0] == kind
            ],
        }
    return out


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def throughput(block: dict[str, dict[str, Any]], kind: str, base: str = "reference") -> dict[str, Any]:
    ours, ref = block[kind], block[base]
    return {
        "ratio": ratio(ours["median_rps"], ref["median_rps"]),
        "against": base,
        "ours_rps": ours["rps"],
        "reference_rps": ref["rps"],
        "ours_median_rps": ours["median_rps"],
        "reference_median_rps": ref["median_rps"],
        "ours_failures": ours["failures"],
        "reference_failures": ref["failures"],
    }


def floor_figures(block: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The member round beside the floor (the reference with 제출 and 예 keeping the round's guarantees),
    from the same cycles: requests/s (ratio of medians), server and DynamoDB Local CPU per message (ratio
    of medians), and p99 (the median of each cycle's ratio)."""
    rnd, flr = block["round"], block["floor"]
    nothing = [math.nan] * len(rnd["rps"])
    ref = block.get("reference") or {
        "median_rps": math.nan,
        "median_cpu_ms": math.nan,
        "p99_ms": nothing,
        "cpu_ms": nothing,
        "ddb_cpu_ms": nothing,
    }  # --only round runs none
    p99s = [ratio(a, b) for a, b in zip(rnd["p99_ms"], flr["p99_ms"], strict=True)]
    p99s_reference = [ratio(a, b) for a, b in zip(rnd["p99_ms"], ref["p99_ms"], strict=True)]
    return {
        "throughput_ratio": ratio(rnd["median_rps"], flr["median_rps"]),
        "cpu_ratio": ratio(rnd["median_cpu_ms"], flr["median_cpu_ms"]),
        "ddb_cpu_ratio": ratio(rnd["median_ddb_cpu_ms"], flr["median_ddb_cpu_ms"]),
        "p99_ratio": finite_median(p99s),
        "p99_ratios": p99s,
        "cpu_ratio_reference": ratio(rnd["median_cpu_ms"], ref["median_cpu_ms"]),
        "p99_ratio_reference": finite_median(p99s_reference),
        "p99_ratios_reference": p99s_reference,
        "round_rps": rnd["rps"],
        "floor_rps": flr["rps"],
        "round_p99_ms": rnd["p99_ms"],
        "floor_p99_ms": flr["p99_ms"],
        "round_cpu_ms": rnd["cpu_ms"],
        "floor_cpu_ms": flr["cpu_ms"],
        "round_ddb_cpu_ms": rnd["ddb_cpu_ms"],
        "floor_ddb_cpu_ms": flr["ddb_cpu_ms"],
        "reference_cpu_ms": ref["cpu_ms"],
        "reference_ddb_cpu_ms": ref["ddb_cpu_ms"],
        "floor_to_reference": ratio(flr["median_rps"], ref["median_rps"]),
        "round_failures": rnd["failures"],
        "floor_failures": flr["failures"],
    }


def think_time(stack: Stack, plan: Plan) -> dict[str, Any]:
    specs = [
        round_spec("ours", "Member", stack.url, plan, plan.think_seconds),
        round_spec("reference", "Member", stack.ref_url, plan, plan.think_seconds),
    ]
    ours, ref = run_rounds(stack, plan, specs, "think")
    return {"ours": ours, "reference": ref, "p99_ratio": ratio(ours["p99_ms"], ref["p99_ms"])}


# --- history, store check ---------------------------------------------------------------------------


def history(stack: Stack, plan: Plan) -> dict[str, list[float]]:
    """Milliseconds of 메뉴 and 신청 목록, alternating, one at a time, after a few unmeasured ones."""
    times: dict[str, list[float]] = {"메뉴": [], "신청 목록": []}
    warm = max(3, plan.history_samples // 5)
    for i in range(warm + plan.history_samples):
        for text in times:
            reply, took = post(stack.url, stack.secret, HISTORY_MEMBER, text)
            if BUSY in text_of(reply):
                raise SystemExit(f"{text!r} got a busy reply at no load")
            if i >= warm:
                times[text].append(took * 1000)
    return times


def check_store(stack: Stack, survey_id: str, settle: float = 0.5, tries: int = 20) -> dict[str, Any]:
    """The survey's counter against its stored answers, once nothing moves any more.

    Requests the load generator gave up on at the end may still be committing, and the
    counter and the answers are separate reads: the check waits until two readings
    ``settle`` seconds apart are the same, so it compares one quiet moment.
    """
    store = stack.store()

    def reading() -> tuple[int, list[str]]:
        survey = store.get_survey(survey_id)
        return (survey.response_count if survey else -1), [a.user_key for a in store.list_answers(survey_id)]

    last = reading()
    for _ in range(tries):
        time.sleep(settle)
        now = reading()
        if now == last:
            break
        last = now
    count, keys = last
    return {"stored_answers": len(keys), "response_count": count, "consistent": count == len(keys)}
