"""`make bench`: the project's load benchmark.

Starts a private local stack (DynamoDB Local in memory, S3, the bot under gunicorn) on
free ports in a temporary folder, seeds an admin and a survey "부하 시험" (선택 · 숫자 ·
optional 주관식, 2,000 response cap), runs locust headless with ``--users`` simulated
members (default 100, the seed paper's requirement: 100 req/s, < 1 s at 100 concurrent
users), prints throughput and latency percentiles per request kind and overall, then
checks the stored data (counters equal stored answers) and stops everything.

    python -m scripts.bench [--users 100] [--seconds 60] [--spawn-rate 20]

Figures are for this machine with locust on the same cores: compare runs, not absolutes.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from scripts import engines, local
from scripts.local import ROOT
from scripts.wizard import bbq_messages

TITLE = "부하 시험"


def post(url: str, secret: str, user: str, text: str) -> dict[str, Any]:
    body = json.dumps({"userRequest": {"utterance": text, "user": {"id": user, "type": "botUserKey"}}}).encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json", "X-Skill-Secret": secret})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def seed(url: str, secret: str, stack: dict[str, Any]) -> None:
    """An admin (promoted in the store, as the operator command does) opens the survey through chat."""
    admin = "bench-admin-" + "0" * 52
    first = post(url, secret, admin, "등록 본부 부하관리자")
    store = stack_store(stack)
    from chalicelib.domain.model import ADMIN
    from chalicelib.domain.writes import PutUser

    user = store.get_user(admin)
    if user is None:
        raise SystemExit(f"registering the bench admin failed: {json.dumps(first, ensure_ascii=False)[:300]}")
    user.role = ADMIN
    store.commit([PutUser(user)])
    for text in bbq_messages(title=TITLE, deadline="없음", cap="2000", options="치킨, 피자, 족발"):
        last = post(url, secret, admin, text)
    if not any(s.title == TITLE for s in store.list_surveys()):
        raise SystemExit(f"seeding the survey failed: {json.dumps(last, ensure_ascii=False)[:300]}")


def stack_store(stack: dict[str, Any]) -> Any:
    """The store of the stack's tables (this process is pointed at the stack)."""
    from chalicelib import runtime
    from chalicelib.config import settings

    local.use_stack(stack)
    return runtime.store(settings())


def check_store(stack: dict[str, Any], settle: float = 0.5, tries: int = 20) -> str:
    """The survey's counter against its stored answers, once nothing moves any more.

    Requests locust gave up on at the end may still be committing, and the counter and the
    answers are separate reads: the check waits until two readings ``settle`` seconds apart
    are the same, so it compares one quiet moment.
    """
    store = stack_store(stack)
    sid = next(x.id for x in store.list_surveys() if x.title == TITLE)

    def reading() -> tuple[int, list[str]]:
        survey = store.get_survey(sid)
        return (survey.response_count if survey else -1), [a.user_key for a in store.list_answers(sid)]

    last = reading()
    for _ in range(tries):
        time.sleep(settle)
        now = reading()
        if now == last:
            break
        last = now
    count, keys = last
    ok = count == len(keys)
    return f"stored answers {len(keys)}, response_count {count} ({'consistent' if ok else 'MISMATCH'})"


def summarize(stats_csv: Path) -> str:
    lines = [f"{'request':<16}{'count':>8}{'fail':>6}{'rps':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}"]
    with stats_csv.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            name = r["Name"] if r["Name"] != "Aggregated" else "ALL"
            lines.append(f"{name:<16}{r['Request Count']:>8}{r['Failure Count']:>6}{float(r['Requests/s']):>8.1f}"
                         f"{r['50%']:>8}{r['95%']:>8}{r['99%']:>8}{float(r['Max Response Time']):>8.0f}")
    return "\n".join(lines)


def stop(proc: subprocess.Popen) -> None:
    """Ctrl-C the stack's process group (it stops its engines), then make sure."""
    for sig, wait in ((signal.SIGINT, 30), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=100)
    p.add_argument("--spawn-rate", type=int, default=20)
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers of the stack")
    p.add_argument("--threads", type=int, default=16, help="threads per gunicorn worker")
    args = p.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="hj-bench-"))
    port = engines.free_port()
    # The per-member rate limit is off here: simulated members talk faster than people, and the
    # benchmark measures the work path, not the polite refusal.
    stack_env = dict(os.environ, HJ_RATE_LIMIT="0")
    stack_proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.devstack", "--in-memory", "--port", str(port), "--local-dir", str(work),
         "--workers", str(args.workers), "--threads", str(args.threads)],
        cwd=ROOT, env=stack_env, stdout=(work / "stack.out").open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        stack_file = work / "stack.json"
        deadline = time.monotonic() + 120
        while not stack_file.exists():
            if stack_proc.poll() is not None or time.monotonic() > deadline:
                print((work / "stack.out").read_text(), file=sys.stderr)
                raise SystemExit("the local stack did not start")
            time.sleep(0.5)
        stack = json.loads(stack_file.read_text())
        url = f"http://127.0.0.1:{port}/skill"
        engines.wait_for(f"http://127.0.0.1:{port}/health", timeout=60)
        secret = stack.get("skill_secret") or "local-dev-secret"
        seed(url, secret, stack)
        print(f"stack up on {url}; running {args.users} members for {args.seconds}s…", flush=True)
        prefix = work / "locust"
        env = dict(os.environ, HJ_SKILL_SECRET=secret, BENCH_TITLE=TITLE)
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "locustfile.py"), "--headless",
             "--host", f"http://127.0.0.1:{port}", "-u", str(args.users), "-r", str(args.spawn_rate),
             "-t", f"{args.seconds}s", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, timeout=args.seconds + 120)
        print(summarize(Path(f"{prefix}_stats.csv")))
        print(check_store(stack))
    finally:
        stop(stack_proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
