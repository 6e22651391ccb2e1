"""Run rounds of the locustfile's users, one after another, and print what each measured as JSON.

    python -m loadtests.run PLAN.json

The plan is ``{"rounds": [{"label", "user_class", "host", "users", "warmup", "seconds"}, ...]}``.
Each round starts ``users`` of ``user_class`` (from ``loadtests/locustfile.py``) against
``host`` at once, lets them run ``warmup`` seconds (registration, connections, caches),
then measures ``seconds``: every request completed in that window counts, by its own
clock. Failures are counted over the whole round, warm-up included. The users are then
stopped, and the next round starts only once the server has finished what it still had
queued: when ``/health`` answers within 50 ms twice in a row (at most ``drain`` seconds,
default 30), so that a server left behind by its round does not slow the next one down.

A round may name processes to watch: ``"cpu": {"server": [pid], "dynamodb": [pid]}``. The CPU
time (user + system, from ``/proc``) of each group, the processes and all their descendants
(gunicorn's workers), is read when the measured window opens and when it closes: the seconds
used in the window, and per request completed in it.

The result is one JSON object on stdout: ``{"rounds": [...]}``, each round with its
requests, failures (and why), successful requests per second, exact latency
percentiles (ms), per request name, the watched processes' CPU, and the CPU this
process used (a load generator near one full core limits what it can measure).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


class Recorder:
    """The request events of one round: latencies inside the measured window, failures throughout."""

    def __init__(self) -> None:
        self.measuring = False
        self.times: dict[str, list[float]] = defaultdict(list)
        self.window_failures = Counter[str]()
        self.failures = Counter[str]()

    def __call__(self, name: str, response_time: float, exception: Any = None, **_: Any) -> None:
        if exception is not None:
            self.failures[f"{name}: {exception}"[:200]] += 1
            if self.measuring:
                self.window_failures[name] += 1
            return
        if self.measuring:
            self.times[name].append(float(response_time))

    def all_times(self) -> list[float]:
        """Every latency of the window, whatever the message."""
        return [t for ts in self.times.values() for t in ts]


def cpu_times() -> tuple[dict[int, int], dict[int, float]]:
    """Every process's parent, and its CPU seconds (user + system), from ``/proc``; empty without it."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    try:
        names = os.listdir("/proc")
        tick = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError):
        return parents, used
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:  # gone meanwhile
            continue
        # pid (comm) state ppid ... utime stime: the name may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    return parents, used


def tree_cpu(roots: list[int]) -> dict[int, float]:
    """CPU seconds of each of ``roots`` and of every descendant of theirs, by pid."""
    parents, used = cpu_times()
    children: dict[int, list[int]] = defaultdict(list)
    for pid, parent in parents.items():
        children[parent].append(pid)
    out: dict[int, float] = {}
    todo = [r for r in roots if r in used]
    while todo:
        pid = todo.pop()
        if pid not in out:
            out[pid] = used[pid]
            todo.extend(children.get(pid, []))
    return out


def cpu_used(before: dict[int, float], after: dict[int, float], requests: int) -> dict[str, Any]:
    """What a group of processes used between two :func:`tree_cpu` readings."""
    seconds = sum(t - before.get(pid, 0.0) for pid, t in after.items())
    return {
        "seconds": seconds,
        "ms_per_request": seconds * 1000 / requests if requests and after else math.nan,
        "processes": len(after),
        "changed": set(before) != set(after),  # a process came or went: its share may be missing
    }


def drain(host: str, limit: float, quick_ms: float = 50.0) -> float:
    """Seconds until ``host``'s /health answered within ``quick_ms`` twice in a row (``limit`` at most)."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(host)
    t0 = time.perf_counter()
    quick = 0
    while quick < 2 and time.perf_counter() - t0 < limit:
        conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port or 80, timeout=limit)
        try:
            start = time.perf_counter()
            conn.request("GET", "/health")
            conn.getresponse().read()
            quick = quick + 1 if (time.perf_counter() - start) * 1000 < quick_ms else 0
        except OSError:
            quick = 0
        finally:
            conn.close()
        time.sleep(0.1)
    return time.perf_counter() - t0


def run_round(spec: dict[str, Any]) -> dict[str, Any]:
    # Imported here, not at the top: locust patches the standard library for gevent on import,
    # which only this process (not one that merely imports percentile) should get.
    import gevent
    from locust.env import Environment

    from loadtests import locustfile

    user_class = getattr(locustfile, spec["user_class"])
    users = int(spec["users"])
    env = Environment(user_classes=[user_class], host=spec["host"])
    rec = Recorder()
    env.events.request.add_listener(rec)
    runner = env.create_local_runner()
    # All users at once: the warm-up absorbs the start, and the window sees the steady state.
    runner.start(users, spawn_rate=users)
    gevent.sleep(float(spec["warmup"]))
    watched: dict[str, list[int]] = {k: [int(p) for p in v] for k, v in (spec.get("cpu") or {}).items()}
    first = {k: tree_cpu(v) for k, v in watched.items()}
    rec.measuring = True
    cpu0, t0 = time.process_time(), time.perf_counter()
    gevent.sleep(float(spec["seconds"]))
    rec.measuring = False
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    last = {k: tree_cpu(v) for k, v in watched.items()}
    runner.quit()
    drained = drain(spec["host"], float(spec.get("drain", 30.0)))

    return figures(
        spec, rec, elapsed, cpu, {k: cpu_used(first[k], last[k], len(rec.all_times())) for k in watched}, drained
    )


def figures(
    spec: dict[str, Any], rec: Recorder, elapsed: float, cpu: float, used: dict[str, Any], drained: float
) -> dict[str, Any]:
    """A round's figures: counts, rates and percentiles overall and per message kind, CPU, the drain."""
    users = int(spec["users"])
    every = rec.all_times()
    ok = len(every)
    failed_in_window = sum(rec.window_failures.values())
    by_name = {
        name: {
            "ok": len(ts),
            "failures": rec.window_failures.get(name, 0),
            "rps": len(ts) / elapsed,
            "p50_ms": percentile(ts, 0.50),
            "p95_ms": percentile(ts, 0.95),
            "p99_ms": percentile(ts, 0.99),
            "max_ms": max(ts),
        }
        for name, ts in sorted(rec.times.items())
    }
    return {
        "label": spec["label"],
        "user_class": spec["user_class"],
        "host": spec["host"],
        "users": users,
        "warmup_s": float(spec["warmup"]),
        "seconds": elapsed,
        "ok": ok,
        "window_failures": failed_in_window,
        "failures": sum(rec.failures.values()),
        "failure_reasons": dict(rec.failures.most_common(5)),
        "rps": ok / elapsed,
        "p50_ms": percentile(every, 0.50),
        "p95_ms": percentile(every, 0.95),
        "p99_ms": percentile(every, 0.99),
        "loadgen_cpu": cpu / elapsed,
        "cpu": used,
        "drain_s": drained,
        "by_name": by_name,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    plan = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    out = []
    for spec in plan["rounds"]:
        result = run_round(spec)
        out.append(result)
        print(
            f"  {result['label']:<18} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  "
            f"p99 {result['p99_ms']:7.1f} ms  failures {result['failures']}",
            file=sys.stderr,
            flush=True,
        )
    json.dump({"rounds": out}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
