"""`python -m scripts.devstack` for tests: on a free port, in memory, its state in a temporary directory.

Used by tests/local (the stack starts, answers and stops) and tests/browser (the web chat against it).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scripts import engines
from scripts.local import ROOT


def require_engines() -> None:
    """Skip (fail on CI, which must have them) when Java or DynamoDB Local is missing."""
    import pytest

    try:
        engines.find_java()
        engines.find_dynamodb_jar()
    except engines.EngineUnavailable as e:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(e))


@contextlib.contextmanager
def running_devstack(
    tmp_path: Path, env: Mapping[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, Any]]]:
    """Start the dev stack and yield (process, its stack.json) once it serves; killed, group and all, on exit
    when the test has not stopped it already."""
    port = engines.free_port()
    full_env = dict(os.environ)
    full_env.pop("AWS_ENDPOINT_URL", None)
    full_env.update(env or {})
    out = tmp_path / "devstack.out"
    log = open(out, "wb")  # noqa: SIM115 (the process writes to it until the finally below closes it)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.devstack", "--port", str(port), "--in-memory", "--local-dir", str(tmp_path)],
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack_file = tmp_path / "stack.json"
    deadline = time.monotonic() + 3 * engines.DEFAULT_START_TIMEOUT  # bounds a broken run only
    try:
        while not stack_file.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("devstack did not come up:\n" + out.read_text())
            time.sleep(0.2)
        yield proc, json.loads(stack_file.read_text())
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def group_gone(pid: int) -> bool:
    """Whether no process of the process group ``pid`` is left."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def stop_devstack(proc: subprocess.Popen[bytes], stack: Mapping[str, Any], timeout: float = 60) -> int:
    """Ctrl-C the stack as a terminal would and wait; its exit code. Every engine it started must be gone."""
    os.killpg(proc.pid, signal.SIGINT)
    code = proc.wait(timeout=timeout)
    left = [name for name, pid in stack["pids"].items() if not group_gone(int(pid))]
    assert not left, f"still running after the stack stopped: {left}"
    return code
