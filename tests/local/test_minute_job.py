"""The local stack runs the scheduled job every minute, as the deployed schedule does."""

from __future__ import annotations

import threading
from pathlib import Path

from scripts.devjobs import run_every


def test_the_job_runs_until_stopped_and_a_failure_is_logged_not_fatal(tmp_path: Path) -> None:
    stop = threading.Event()
    runs: list[int] = []

    def job() -> None:
        runs.append(1)
        if len(runs) == 2:
            raise RuntimeError("the store was away")
        if len(runs) == 4:
            stop.set()

    log = tmp_path / "jobs.log"
    worker = threading.Thread(target=run_every, args=(stop, job, 0.001, log))
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive() and len(runs) == 4
    (line,) = log.read_text(encoding="utf-8").splitlines()
    assert line.endswith("minute job failed: RuntimeError")
