"""A cold start as Lambda pays it, measured on this machine: ``python -m scripts.bench_coldstart [--python PATH]...``.

A deployed function starts from the zip ``make package`` builds: the app and its dependencies, with byte code
compiled by the functions' Python (``scripts/bytecode.py``: unchecked-hash ``.pyc`` files, used whatever the
sources' mtimes). This builds the same tree for an interpreter (the project's ``app.py`` and ``chalicelib/``, the
runtime dependencies copied from that interpreter's environment without their ``__pycache__``) and compiles it with
that interpreter the way the package step does (:func:`scripts.bytecode.compile_tree`); with ``--bytecode no`` it
leaves the tree without byte code, as Chalice's zip is and as ours was, so every module is compiled as it is
imported. Then it times, in fresh processes that may not write byte code:

* ``import``: ``import app`` (Chalice, the routes, everything a chat message needs);
* ``wire``: ``runtime.bot()`` (settings read, adapters built; no client yet);
* ``clients``: the clients the first message makes (botocore's for SSM, for the secret; the store's wire client
  for DynamoDB), which is CPU work (no request is sent);
* ``first`` and ``warm`` (ours only, outside ``total``): the first ``메뉴`` a bot handles in that process, then the
  same message again, on a bot wired the same way over the in-memory store (no network: the first DynamoDB
  call's own client work and every TLS handshake are not in it). ``first`` is what the first message adds to a cold
  start once everything is imported and wired (lazy imports, first-time code paths).

``cpu_ratio`` (with ``--bare``) is ``ratio`` in the processes' CPU time instead of the wall clock: the work of
the import and the wiring without the time spent waiting for a core, which a busy machine adds to both sides
unevenly.

``init_share`` is ``total`` ÷ (``total`` + ``first``): the part of a cold start's CPU that can be done before the
handler runs, which is what a SnapStart snapshot can hold (docs/performance.md, *SnapStart*).

With ``--bare``, each run is followed by one of the bare libraries in the same tree: ``import chalice,
boto3, pynamodb`` (``import``; nothing to wire) and botocore's clients for SSM and DynamoDB. ``ratio`` is our import and
wiring ÷ the bare import, ``ratio_with_clients`` the same with the clients on both sides (medians of
the runs).

What is fair: both sides start from the one tree, so the bare libraries get byte code exactly when ours do. A
bare skill would be packaged the same way, and byte code takes a larger share off the libraries than off our
code (they are most of the modules), so comparing our compiled tree with an uncompiled bare one would flatter
us. The interpreter's standard library has its byte code in both cases (Lambda's runtime ships it, as an
installed Python does). The byte code is compiled by the measured interpreter: for the figures, what counts is
that the interpreter that runs is the one that compiled, as on Lambda.

``make bench`` reports it for the bench's interpreter, with ``--bare``: the tree as shipped, with byte code
(``cold_start``, ``cold_start_ratio`` in .bench/latest.json), and without (``cold_start_no_bytecode``,
``cold_start_ratio_no_bytecode``, for the record). To compare interpreters, give each one's python (with
requirements.txt and chalice installed):

    python -m scripts.bench_coldstart --bare --python /path/to/py3.11/bin/python --python /path/to/py3.13/bin/python

The figures are this machine's (x86_64): Lambda's CPU share at 512 MB is about a third of a core, and an
arm64 function runs on other cores, so they compare interpreters, not clouds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scripts import bytecode

ROOT = Path(__file__).resolve().parents[1]
# What the zip holds besides the app: requirements.txt's packages with their own dependencies, and the module
# of chalice that the packager adds. Top-level names as they are installed.
PACKAGES = (
    "boto3",
    "botocore",
    "s3transfer",
    "pynamodb",
    "openpyxl",
    "et_xmlfile",
    "jmespath",
    "urllib3",
    "dateutil",
    "six.py",
    "typing_extensions.py",
    "chalice",
)
STATEMENT = """
import time
c0, t0 = time.process_time(), time.perf_counter()
import app
t1 = time.perf_counter()
from chalicelib import runtime
wired = runtime.bot()
t2, c2 = time.perf_counter(), time.process_time()
import botocore.session
session = botocore.session.get_session()
session.create_client("ssm", region_name="ap-northeast-2")
wired.store.tables.connection.client  # the store's DynamoDB client: its wire client, not botocore's
t3 = time.perf_counter()
from chalicelib import web
from chalicelib.platform.config import settings
from chalicelib.domain.model import User
from chalicelib.domain.writes import PutUser
from chalicelib.storage.memory import MemoryStore
store = MemoryStore()
store.commit([PutUser(User(key=USER, name="홍길동", unit="1중대"))])
runtime.store = lambda s: store
memory_bot = runtime.build(settings())
body = {"userRequest": {"utterance": "메뉴", "user": {"id": USER, "type": "botUserKey"}}}
times = []
for _ in range(2):
    t4 = time.perf_counter()
    status, reply = web.handle_skill({"X-Skill-Secret": "s"}, body, memory_bot, ("s",))
    times.append(time.perf_counter() - t4)
    assert status == 200 and "무엇을 할까요" in str(reply), reply
print(t1 - t0, t2 - t1, t3 - t2, *times, c2 - c0)
""".replace("USER", repr("cold-" + "0" * 61))
# The bare libraries: what any Chalice skill on DynamoDB imports, and botocore's two clients.
BARE = """
import time
c0, t0 = time.process_time(), time.perf_counter()
import chalice, boto3, pynamodb
t1 = t2 = time.perf_counter()
c1 = time.process_time()
import botocore.session
session = botocore.session.get_session()
for service in ("ssm", "dynamodb"):
    session.create_client(service, region_name="ap-northeast-2")
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, c1 - c0)
"""
PHASES = ("import", "wire", "clients")
MESSAGES = ("first", "warm")  # ours only: see the module


def purelib(python: str) -> Path:
    out = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


def version(python: str) -> str:
    out = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def build_tree(python: str, into: Path) -> None:
    """The deployment zip's sources for ``python``: no byte code anywhere."""
    site = purelib(python)
    into.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGES:
        src = site / name
        if src.is_dir():
            shutil.copytree(src, into / name, ignore=ignore)
        elif src.is_file():
            shutil.copy2(src, into / name)
        # else: not a dependency under this interpreter (typing_extensions, say); a missing one that is needed
        # fails the import below, loudly
    shutil.copy2(ROOT / "app.py", into / "app.py")
    shutil.copytree(ROOT / "chalicelib", into / "chalicelib", ignore=ignore)


def run(python: str, tree: Path, statement: str, env: dict[str, str]) -> list[float]:
    """The seconds of each phase of ``statement`` in one fresh process, which writes no byte code; the last is the
    process's CPU seconds for the import (and, for ours, the wiring)."""
    # -I: no user site or PYTHON* variables; -B: no byte code written, so every run without it compiles again (and
    # reads what the tree holds, as /var/task is read-only).
    done = subprocess.run(
        [python, "-I", "-B", "-c", f"import sys; sys.path.insert(0, {str(tree)!r})\n" + statement],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise SystemExit(f"{python}: {done.stderr[-2000:]}")
    return [float(x) for x in done.stdout.strip().splitlines()[-1].split()]  # after any log lines


def medians(phases: list[list[float]]) -> dict[str, float]:
    """Median milliseconds of each phase; ``total`` is import, wiring and clients (a run's ``first`` and ``warm``
    message, when it has them, are reported beside it, with ``init_share``)."""
    out = {f"{n}_ms": round(statistics.median(p[i] for p in phases) * 1000, 1) for i, n in enumerate(PHASES)}
    out["total_ms"] = round(statistics.median(sum(p[: len(PHASES)]) for p in phases) * 1000, 1)
    out["import_wire_ms"] = round(statistics.median(p[0] + p[1] for p in phases) * 1000, 1)
    if phases and len(phases[0]) == len(PHASES) + len(MESSAGES):
        for i, n in enumerate(MESSAGES, start=len(PHASES)):
            out[f"{n}_ms"] = round(statistics.median(p[i] for p in phases) * 1000, 1)
        shares = [sum(p[: len(PHASES)]) / (sum(p[: len(PHASES)]) + p[len(PHASES)]) for p in phases]
        out["init_share"] = round(statistics.median(shares), 3)
    return out


def measure(python: str, runs: int = 9, bare: bool = False, compiled: bool = True) -> dict[str, Any]:
    """Median milliseconds of each phase over ``runs`` fresh processes of ``python`` (alternating with the
    bare libraries' with ``bare``), from the tree with the byte code ``python`` compiles (``compiled``) or none."""
    with tempfile.TemporaryDirectory(prefix="hj-cold-") as tmp:
        tree = Path(tmp) / "task"
        build_tree(python, tree)
        if compiled:
            bytecode.compile_tree(python, tree)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_REGION": "ap-northeast-2",
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_LAMBDA_FUNCTION_NAME": "cold",
            "HJ_TABLE_PREFIX": "haengjeong-cold",
            "HJ_SKILL_SECRET_PARAM": "/haengjeong/cold/skill-secret",
            "HOME": tmp,
        }
        ours: list[list[float]] = []
        theirs: list[list[float]] = []
        for _ in range(runs):
            ours.append(run(python, tree, STATEMENT, env))
            if bare:
                theirs.append(run(python, tree, BARE, env))
    cpu_ours, cpu_bare = [p.pop() for p in ours], [p.pop() for p in theirs]
    out: dict[str, Any] = {"python": version(python), "bytecode": compiled, "runs": runs, **medians(ours)}
    if bare:
        b = medians(theirs)
        # The same import and wiring in CPU seconds, which another process's load on the machine disturbs less than
        # the wall clock: the process's own work, without the time it waited for a core.
        out["cpu_ms"], out["bare_cpu_ms"] = (round(statistics.median(c) * 1000, 1) for c in (cpu_ours, cpu_bare))
        out["cpu_ratio"] = out["cpu_ms"] / out["bare_cpu_ms"] if out["bare_cpu_ms"] else float("nan")
        out["bare"] = {**b, "statement": "import chalice, boto3, pynamodb"}
        out["ours_ms"], out["bare_ms"] = out["import_wire_ms"], b["import_ms"]
        out["ratio"] = out["import_wire_ms"] / b["import_ms"] if b["import_ms"] else float("nan")
        out["ratio_with_clients"] = out["total_ms"] / b["total_ms"] if b["total_ms"] else float("nan")
        out["ratios"] = [round((o[0] + o[1]) / t[0], 3) for o, t in zip(ours, theirs, strict=True) if t[0]]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.bench_coldstart", description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--python", action="append", help="an interpreter to measure (default: this one)")
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--bare", action="store_true", help="alternate with the bare libraries, and give the ratios")
    p.add_argument(
        "--bytecode",
        choices=("yes", "no", "both"),
        default="both",
        help="the tree with byte code (as shipped), without (as Chalice packages it), or both (default)",
    )
    args = p.parse_args(argv)
    modes = {"yes": [True], "no": [False], "both": [True, False]}[args.bytecode]
    for python in [str(Path(p).absolute()) for p in args.python or [sys.executable]]:
        for compiled in modes:
            print(json.dumps(measure(python, args.runs, args.bare, compiled)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
