"""A cold start as Lambda pays it, measured on this machine: ``python -m scripts.bench_coldstart [--python PATH]...``.

A deployed function starts from the zip ``chalice package`` builds: the app and its dependencies without byte
code, so every module is compiled as it is imported. This builds the same tree for an interpreter (the
project's ``app.py`` and ``chalicelib/``, the runtime dependencies copied from that interpreter's
environment without ``__pycache__``), then times, in fresh processes that may not write byte code:

* ``import``: ``import app`` (Chalice, the routes, everything a chat message needs);
* ``wire``: ``runtime.bot()`` (settings read, adapters built; no client yet);
* ``clients``: the botocore clients the first message makes (SSM for the secret, DynamoDB), which is CPU
  work (no request is sent).

``make bench`` reports it for the bench's interpreter (``cold_start`` in .bench/latest.json). To compare
interpreters, give each one's python (with requirements.txt and chalice installed):

    python -m scripts.bench_coldstart --python /path/to/py3.11/bin/python --python /path/to/py3.13/bin/python

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
t0 = time.perf_counter()
import app
t1 = time.perf_counter()
from chalicelib import runtime
runtime.bot()
t2 = time.perf_counter()
import botocore.session
session = botocore.session.get_session()
for service in ("ssm", "dynamodb"):
    session.create_client(service, region_name="ap-northeast-2")
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


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
    """The deployment zip's tree for ``python``: no byte code anywhere."""
    site = purelib(python)
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


def measure(python: str, runs: int = 9) -> dict[str, Any]:
    """Median seconds of each phase over ``runs`` fresh processes of ``python``."""
    with tempfile.TemporaryDirectory(prefix="hj-cold-") as tmp:
        tree = Path(tmp)
        build_tree(python, tree)
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
        phases: list[list[float]] = []
        for _ in range(runs):
            # -I: no user site or PYTHON* variables; -B: no byte code written, so every run compiles again.
            done = subprocess.run(
                [python, "-I", "-B", "-c", f"import sys; sys.path.insert(0, {str(tree)!r})\n" + STATEMENT],
                cwd=tree,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if done.returncode != 0:
                raise SystemExit(f"{python}: {done.stderr[-2000:]}")
            phases.append([float(x) for x in done.stdout.split()])
    names = ("import", "wire", "clients")
    medians = {f"{n}_ms": round(statistics.median(p[i] for p in phases) * 1000, 1) for i, n in enumerate(names)}
    total = round(statistics.median(sum(p) for p in phases) * 1000, 1)
    return {"python": version(python), "runs": runs, "total_ms": total, **medians}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.bench_coldstart", description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--python", action="append", help="an interpreter to measure (default: this one)")
    p.add_argument("--runs", type=int, default=9)
    args = p.parse_args(argv)
    for python in [str(Path(p).absolute()) for p in args.python or [sys.executable]]:
        print(json.dumps(measure(python, args.runs)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
