"""Byte code in the deployment zip, compiled by the functions' own Python: ``python -m scripts.bytecode BUILD_DIR``.

Chalice's zip holds sources only, and Lambda's /var/task is read-only: without byte code every cold start compiles
every module it imports (the app's and the dependencies'), and no container keeps the result. ``make package`` runs
this after Chalice has built ``BUILD_DIR/deployment.zip`` and ``scripts/package_fix.py`` has set the functions'
runtime in ``BUILD_DIR/sam.json``:

1. The runtime (``python3.13``) is read from that template, where package_fix wrote it: it is named in one place.
2. An interpreter of that version compiles, since byte code is per minor version (a 3.11 ``.pyc`` has another magic
   number and file name, and 3.13 would ignore it): ``--python`` (``RUNTIME_PYTHON=`` for make) if given, which
   must be that version; else ``python3.13`` on PATH, else the newest 3.13 among pyenv's versions
   (``$PYENV_ROOT``, ``~/.pyenv``). Each candidate is run and asked its byte-code tag (``cpython-313``), so a
   stub on PATH that does not run (a pyenv shim of a version not selected) is passed over.
3. Every ``.py`` of the zip is compiled (``compileall``) with ``--invalidation-mode unchecked-hash``: the ``.pyc``
   records a hash of its source, which Python does not check, nor does it read the source. The default, a
   timestamp ``.pyc``, is used only while its source's mtime and size match the ones it records; Chalice dates
   every entry 1980-01-01, a zip's dates are local times without a zone, and the mtimes of /var/task are whatever
   Lambda's extraction gives them, so such a ``.pyc`` would be stale on arrival and silently compiled again at
   every cold start. ``checked-hash`` would hold too, at the price of reading and hashing every source on import.
   Nothing can change a source under an unchecked ``.pyc``: both are in one zip, built and uploaded together, and
   /var/task is read-only. The code objects name their files under /var/task, where Lambda unpacks the zip.
4. The ``.pyc`` files are added beside their sources (``pkg/__pycache__/mod.cpython-313.pyc``), with the date and
   permissions of the source's entry; the zip is replaced only when every one was added. Chalice copies the app's
   folders as they are, with whatever ``__pycache__`` the working tree has (the developer's interpreter's byte code,
   checked by timestamp, so never valid on Lambda): those entries are left out, with or without byte code.

Without an interpreter of the runtime's version the package step stops, saying how to get one: a deploy must not
lose the byte code unnoticed (its cold starts would be slower, and nothing would say why). ``--no-bytecode``
(``make package BYTECODE=no``) is the explicit way to package without it; ``make scan``, which reads only the
template, does that.

``scripts/bench_coldstart.py`` compiles the tree it measures with :func:`compile_tree`, as this does.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

TASK_ROOT = "/var/task"  # where Lambda unpacks a function's zip (LAMBDA_TASK_ROOT)
INVALIDATION = "unchecked-hash"
UNCHECKED_HASH = 0b01  # the flags word of such a .pyc (PEP 552): hash-based, not checked


def runtime_of(template: dict[str, Any]) -> str:
    """The one runtime of the template's functions (``python3.13``): they share one zip, so one byte code."""
    resources = template.get("Resources", {})
    runtimes = {r["Properties"]["Runtime"] for r in resources.values() if r.get("Type") == "AWS::Serverless::Function"}
    if len(runtimes) != 1:
        raise SystemExit(f"the template's functions should share one runtime, not {sorted(runtimes) or 'none'}")
    (runtime,) = runtimes
    if not re.fullmatch(r"python3\.\d+", runtime):
        raise SystemExit(f"the functions' runtime {runtime!r} is not a CPython 3 runtime")
    return str(runtime)


def cache_tag(python: str) -> str | None:
    """``python``'s byte-code tag (``cpython-313``), or None when it does not run."""
    try:
        done = subprocess.run(
            [python, "-I", "-c", "import sys; print(sys.implementation.cache_tag)"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def tag_of(runtime: str) -> str:
    """The byte-code tag of a Lambda runtime: ``python3.13`` → ``cpython-313``."""
    return "cpython-" + runtime.removeprefix("python").replace(".", "")


def candidates(runtime: str) -> Iterator[str]:
    """Where an interpreter for ``runtime`` may be, most likely first: PATH, then pyenv's versions, newest first."""
    if found := shutil.which(runtime):
        yield found
    version = runtime.removeprefix("python")
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found_versions = [p for p in root.glob(f"{version}.*") if re.fullmatch(rf"{re.escape(version)}\.\d+", p.name)]
    for path in sorted(found_versions, key=lambda p: int(p.name.rsplit(".", 1)[1]), reverse=True):
        yield str(path / "bin" / runtime)


def find_python(runtime: str, given: str | None = None) -> str | None:
    """An interpreter whose byte code ``runtime`` reads: ``given`` (which must be one), else the first candidate."""
    want = tag_of(runtime)
    if given:
        if (tag := cache_tag(given)) != want:
            raise SystemExit(f"{given} is not {runtime} (its byte code is {tag or 'unknown: it did not run'})")
        return given
    return next((c for c in candidates(runtime) if cache_tag(c) == want), None)


def compile_tree(python: str, tree: Path, root: str | None = None) -> None:
    """Compile every ``.py`` under ``tree`` with ``python`` into ``__pycache__`` beside it (unchecked-hash; the code
    objects name their files under ``root`` instead of ``tree`` when given); fails on any file it cannot compile."""
    command = [python, "-I", "-m", "compileall", "-q", "-f", "-j", "0", "--invalidation-mode", INVALIDATION]
    if root:
        command += ["-s", str(tree), "-p", root]
    done = subprocess.run([*command, str(tree)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{python} could not compile {tree}:\n{(done.stdout + done.stderr)[-3000:]}")


def pyc_name(source: str, tag: str) -> str:
    """The zip entry of ``source``'s byte code: ``a/b.py`` → ``a/__pycache__/b.cpython-313.pyc``."""
    path = PurePosixPath(source)
    return str(path.parent / "__pycache__" / f"{path.stem}.{tag}.pyc")


def stale(name: str) -> bool:
    """Whether a zip entry is byte code Chalice copied from the working tree (``chalicelib/__pycache__``: the
    developer's interpreter's, checked by timestamp, so of no use on Lambda)."""
    return name.endswith(".pyc") or "__pycache__" in PurePosixPath(name).parts


def repack(zip_path: Path, python: str | None) -> tuple[int, int]:
    """Rewrite the zip without stale byte code and, with ``python``, with that interpreter's byte code of every
    ``.py`` beside it; (files added, stale files dropped). The zip is replaced only once the new one is complete."""
    tag = cache_tag(python) if python else None
    if python and tag is None:
        raise SystemExit(f"{python} does not run")
    with tempfile.TemporaryDirectory(prefix="hj-pyc-") as tmp:
        tree, staged = Path(tmp) / "task", Path(tmp) / zip_path.name
        with zipfile.ZipFile(zip_path) as z, zipfile.ZipFile(staged, "w") as out:
            entries = z.infolist()
            kept = [i for i in entries if not stale(i.filename)]
            for info in kept:
                out.writestr(copy.copy(info), z.read(info))  # writing sets the entry's offset: not the original's
            sources = [i for i in kept if i.filename.endswith(".py")] if tag else []
            for info in sources:
                z.extract(info, tree)
            if tag:
                compile_tree(str(python), tree, TASK_ROOT)
            for source in sources:
                name = pyc_name(source.filename, str(tag))
                entry = zipfile.ZipInfo(name, date_time=source.date_time)
                entry.external_attr, entry.create_system = source.external_attr, source.create_system
                out.writestr(entry, (tree / name).read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
        os.replace(staged, zip_path)
    return len(sources), len(entries) - len(kept)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.bytecode", description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("build_dir", type=Path, help="where `chalice package` wrote sam.json and deployment.zip")
    p.add_argument(
        "--python",
        default=os.environ.get("RUNTIME_PYTHON") or None,
        help="the interpreter of the functions' runtime (default: RUNTIME_PYTHON, then PATH, then pyenv)",
    )
    p.add_argument("--no-bytecode", action="store_true", help="package without byte code (cold starts compile)")
    args = p.parse_args(argv)
    with open(args.build_dir / "sam.json", encoding="utf-8") as f:
        runtime = runtime_of(json.load(f))
    package = args.build_dir / "deployment.zip"
    if args.no_bytecode:
        _, dropped = repack(package, None)
        print(
            f"{package}: no byte code (BYTECODE=no): every cold start on {runtime} compiles every module"
            + (f" ({dropped} stale files of the working tree's __pycache__ left out)" if dropped else "")
        )
        return 0
    python = find_python(runtime, args.python)
    if python is None:
        raise SystemExit(
            f"no {runtime} found to compile the deployment zip's byte code for the functions' runtime (looked on "
            f"PATH and in pyenv's versions). Install it (pyenv install {runtime.removeprefix('python')}, your "
            f"system's package, python.org), or name it with RUNTIME_PYTHON=/path/to/{runtime}; BYTECODE=no "
            "packages without byte code, and every cold start then compiles every module (docs/performance.md, "
            "*Cold starts and the runtime*)."
        )
    count, dropped = repack(package, python)
    print(
        f"{package}: byte code of {count} modules for {runtime} ({INVALIDATION}), compiled by {python}"
        + (f"; {dropped} stale files of the working tree's __pycache__ left out" if dropped else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
