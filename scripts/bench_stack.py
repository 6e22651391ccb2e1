"""`make bench`'s stack: the bot and the reference skill under gunicorn on one DynamoDB Local, a message to
either, and the seeded admin and survey (``scripts/bench.py``).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts import bench_calls, devstack, engines, local
from scripts.bench_plan import ADMIN, HISTORY_MEMBER, REFERENCE_TABLE, TITLE, Plan
from scripts.local import ROOT


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


def speaker(stack: Stack, user: str) -> Callable[[str], tuple[str, float]]:
    url, secret = stack.url, stack.secret

    def say(text: str) -> tuple[str, float]:
        reply, took = post(url, secret, user, text, timeout=30)
        return text_of(reply), took

    return say
