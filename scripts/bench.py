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
import contextlib
import datetime as dt
import http.client
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
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from scripts import bench_calls, devstack, engines, local
from scripts.local import ROOT

TITLE = "부하 시험"
DEFAULT_OUT = ROOT / ".bench" / "latest.json"
SUMMARY_OUT = ROOT / ".bench" / "summary.json"
ROUND_OUT = ROOT / ".bench" / "round.json"
REFERENCE_TABLE = "bench-reference"
CALLS_TABLE_PREFIX = "haengjeong-calls"
ADMIN = "bench-admin-" + "0" * 54
HISTORY_MEMBER = "bench-history-" + "0" * 52
BUSY = "잠시 후 다시"

IMPORT_OURS = "import app; from chalicelib import runtime; runtime.bot()"
IMPORT_BARE = "import chalice, boto3, pynamodb"
IMPORT_OURS_MEANS = (
    "import app (the Chalice app and everything it imports), then runtime.bot(): the settings read "
    "and the bot built with its store, exporter and queue, as the first message does before its "
    "first DynamoDB call"
)

READ_ONLY_KINDS = ("메뉴", "신청 목록", "내 신청")
ANSWER_KINDS = ("answer", "answer (number)", "answer (skip)")
KINDS = ("메뉴", "신청 목록", "신청 <제목>", "answer", "제출", "내 신청", "현황")


@dataclass(frozen=True)
class Plan:
    users: int = 100
    # Cycles of alternating rounds: an even number, so that each side runs first in as many cycles as it runs
    # second. With three the round ran second in two, and in most such runs the cycle where it ran first was the
    # lowest (docs/performance.md, *Which runs first, and the engine's warm-up*).
    rounds: int = 4
    # Unmeasured cycles before them: DynamoDB Local (a JVM) compiles the code each kind of request runs as it runs
    # it, and its CPU per message falls for minutes, longer for the round's varied requests than for the floor's
    # (the same section). The closed loops compare the two at the engine's steady state.
    warm_cycles: int = 2
    round_seconds: float = 20.0
    warmup: float = 5.0
    think_seconds: float = 45.0
    closed: int = 500
    history_samples: int = 30
    import_runs: int = 15  # fresh processes a side: with 7, the cold-start figures moved by 0.1–0.3 between runs
    export_runs: int = 3
    export_rows: int = 10_000
    summary_sizes: tuple[int, int] = (200, 20_000)
    summary_samples: int = 5
    workers: int = 2
    threads: int = 16
    smoke: bool = False
    only: str | None = None  # "round": the member round beside the floor alone; "summary": the summaries alone


SMOKE: dict[str, Any] = {
    "users": 10,
    "rounds": 1,
    "warm_cycles": 1,
    "round_seconds": 2.0,
    "warmup": 1.0,
    "think_seconds": 3.0,
    "closed": 20,
    "history_samples": 5,
    "import_runs": 1,
    "export_runs": 1,
    "export_rows": 50,
    "summary_sizes": (20, 200),
    "summary_samples": 1,
}


# --- stopping on a signal -------------------------------------------------------------------------


class Interrupted(Exception):
    pass


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


# --- the stack ------------------------------------------------------------------------------------


_T0 = time.monotonic()
LOAD: list[dict[str, Any]] = []  # the machine's load average as each part began (other work shares the cores)


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def log(text: str) -> None:
    """A progress line, with the seconds since the run started and the machine's load average."""
    at, load = time.monotonic() - _T0, load_average()
    if text:
        LOAD.append({"at_s": round(at, 1), "load": load, "part": text})
    print(f"[{at:5.0f} s · load {' '.join(f'{x:.1f}' for x in load)}] {text}" if text else "", flush=True)


class Stack:
    """The bot's stack (``scripts.devstack``) and the reference skill, both under gunicorn; stopped on exit.

    ``reference=False``: the bot's stack alone.
    """

    def __init__(self, work: Path, plan: Plan, reference: bool = True) -> None:
        self.work, self.plan, self.with_reference = work, plan, reference
        self.devstack: subprocess.Popen[bytes] | None = None
        self.reference: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}
        self.url = self.ref_url = self.secret = ""

    def __enter__(self) -> Stack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start(self) -> None:
        port = engines.free_port()
        # The per-member rate limit is off: simulated members talk faster than people, and the bench
        # measures the work path, not the polite refusal.
        env = dict(os.environ, HJ_RATE_LIMIT="0")
        self.devstack, _ = engines.spawn(
            [
                sys.executable,
                "-m",
                "scripts.devstack",
                "--in-memory",
                "--port",
                str(port),
                "--local-dir",
                str(self.work),
                "--workers",
                str(self.plan.workers),
                "--threads",
                str(self.plan.threads),
            ],
            log=self.work / "stack.out",
            env=env,
            cwd=ROOT,
        )
        stack_file = self.work / "stack.json"
        deadline = time.monotonic() + 180
        while not stack_file.exists():
            if self.devstack.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the local stack did not start:\n" + tail(self.work / "stack.out"))
            time.sleep(0.2)
        self.info = json.loads(stack_file.read_text())
        local.use_stack(self.info)
        self.secret = self.info.get("skill_secret") or "local-dev-secret"
        os.environ["HJ_SKILL_SECRET"] = self.secret
        self.url = f"http://{engines.LOOPBACK}:{port}"
        engines.wait_for(self.url + "/health", timeout=60, proc=self.devstack, what="the bot")
        if self.with_reference:
            create_reference_table()
            self.reference, self.ref_url = start_reference(self.work, self.plan)

    def pids(self, host: str) -> dict[str, list[int]]:
        """The processes whose CPU a round against ``host`` is charged with: its server (gunicorn, whose
        workers are its children) and DynamoDB Local."""
        pids = self.info.get("pids") or {}
        server = self.reference.pid if host == self.ref_url and self.reference else pids.get("gunicorn")
        return {k: [int(v)] for k, v in (("server", server), ("dynamodb", pids.get("dynamodb"))) if v}

    def stop(self) -> None:
        # A second Ctrl-C must not cut the clean-up short.
        saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            engines.stop(self.reference)
            self.reference = None
            engines.stop(self.devstack, timeout=30)  # SIGTERM: devstack stops its engines, then itself
            self.devstack = None
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)

    def store(self) -> Any:
        from chalicelib import runtime
        from chalicelib.platform.config import settings

        return runtime.store(settings())


def tail(path: Path, limit: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return ""


def create_reference_table() -> None:
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client(
        "dynamodb", region_name=os.environ["AWS_REGION"], endpoint_url=os.environ["HJ_DYNAMODB_ENDPOINT"]
    )
    try:
        client.create_table(
            TableName=REFERENCE_TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise
    client.get_waiter("table_exists").wait(TableName=REFERENCE_TABLE, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})


def start_reference(work: Path, plan: Plan, attempts: int = 3) -> tuple[subprocess.Popen[bytes], str]:
    """The reference skill under gunicorn with the bot's settings (``devstack.gunicorn_argv``), on a free port."""
    env = dict(os.environ, BENCH_REFERENCE_TABLE=REFERENCE_TABLE)
    for attempt in range(1, attempts + 1):
        port = engines.free_port()
        argv = devstack.gunicorn_argv(port, plan.workers, plan.threads)
        argv[-1] = "loadtests.reference:application"  # the bot's app spec is the last argument
        proc, log_path = engines.spawn(argv, log=work / "reference.log", env=env, cwd=ROOT)
        base = f"http://{engines.LOOPBACK}:{port}"
        try:
            engines.Engine(proc, base, log_path, what="the reference skill", ready_path="/health").wait_ready(60)
            return proc, base
        except engines.EngineError:
            engines.stop(proc)
            if attempt == attempts or "Address already in use" not in tail(log_path):
                raise
    raise AssertionError("unreachable")


# --- talking to a server --------------------------------------------------------------------------


def post(base: str, secret: str, user: str, text: str, timeout: float = 10) -> tuple[dict[str, Any], float]:
    """One message over a fresh connection (no proxy); the reply and the seconds it took."""
    body = json.dumps({"userRequest": {"utterance": text, "user": {"id": user, "type": "botUserKey"}}}).encode()
    host, port = base.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        t0 = time.perf_counter()
        conn.request(
            "POST", "/skill", body=body, headers={"Content-Type": "application/json", "X-Skill-Secret": secret}
        )
        resp = conn.getresponse()
        data = resp.read()
        took = time.perf_counter() - t0
    finally:
        conn.close()
    if resp.status != 200:
        raise RuntimeError(f"{text!r}: HTTP {resp.status} {data[:200]!r}")
    return json.loads(data), took


def text_of(reply: dict[str, Any]) -> str:
    outputs = reply.get("template", {}).get("outputs", [])
    return "\n".join(o.get("simpleText", {}).get("text", "") for o in outputs)


def seed(stack: Stack) -> str:
    """An admin (promoted in the store, as the operator command does) opens the survey through chat; its id."""
    from scripts.wizard import bbq_messages

    store = stack.store()
    for _ in range(5):  # a cold engine on a busy machine may answer the first message "잠시 후 다시"
        post(stack.url, stack.secret, ADMIN, "등록 본부 부하관리자")
        if store.get_user(ADMIN) is not None:
            break
        time.sleep(1)
    bench_calls.promote(store, ADMIN)
    last: dict[str, Any] = {}
    for text in bbq_messages(title=TITLE, deadline="없음", cap="2000", options="치킨, 피자, 족발"):
        last, _ = post(stack.url, stack.secret, ADMIN, text)
    found = [s.id for s in store.list_surveys() if s.title == TITLE]
    if not found:
        raise SystemExit(f"seeding the survey failed: {json.dumps(last, ensure_ascii=False)[:300]}")
    post(stack.url, stack.secret, HISTORY_MEMBER, "등록 부하중대 기록원")
    return str(found[0])


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


def speaker(stack: Stack, user: str) -> Callable[[str], tuple[str, float]]:
    url, secret = stack.url, stack.secret

    def say(text: str) -> tuple[str, float]:
        reply, took = post(url, secret, user, text, timeout=30)
        return text_of(reply), took

    return say


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


if __name__ == "__main__":
    raise SystemExit(main())
