"""The stack's background work, in `make run`'s own process: the minute job, the bucket's notices of uploaded files
and the queue's consumer, each on a thread, as AWS runs them for the deployed stack (:mod:`scripts.devstack`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scripts.devstack import Paths


JOB_INTERVAL_SECONDS = 60  # the deployed schedule's rate: opens what is due, closes what expired


def run_every(
    stop: threading.Event, job: Callable[[], object], interval: float, log: Path, what: str = "minute job"
) -> None:
    """Run ``job`` every ``interval`` seconds until ``stop`` is set, as the deployed schedule does; a failed
    run is written to ``log`` and the next one tries again."""
    while not stop.wait(interval):
        try:
            job()
        except Exception as exc:  # the stack keeps serving; the next minute tries again
            with log.open("a", encoding="utf-8") as f:
                f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {what} failed: {type(exc).__name__}\n")


def run_job(body: str) -> None:
    """One queue message, as the deployed export function runs it."""
    from chalicelib import runtime

    runtime.run_export_task(body)


def minute_job() -> object:
    """The scheduled function's work, in this process (which points at the local engines)."""
    from chalicelib import runtime

    return runtime.every_minute()


UPLOAD_WATCH_SECONDS = 1.0  # how soon a roster file put on the local S3 is imported (AWS: at once, by notice)


class UploadNotices:
    """What S3 does on AWS when a file is put under ``exports/uploads/``: call the import function with a notice
    of it (chalicelib.runtime.import_uploads), once per file. The local S3 server sends no notices, so this looks."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._exporter: Any = None

    def __call__(self) -> int:
        from urllib.parse import quote_plus

        from chalicelib import runtime
        from chalicelib.export.s3 import UPLOAD_PREFIX
        from chalicelib.platform.config import settings

        if self._exporter is None:
            self._exporter = runtime.exporter(settings())
        listed = self._exporter.client.list_objects_v2(Bucket=self._exporter.bucket, Prefix=UPLOAD_PREFIX)
        new = [o["Key"] for o in listed.get("Contents") or [] if o["Key"] not in self.seen]
        if not new:
            return 0
        self.seen.update(new)
        records = [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Post",
                "s3": {"bucket": {"name": self._exporter.bucket}, "object": {"key": quote_plus(k, safe="/")}},
            }
            for k in new
        ]
        return runtime.import_uploads({"Records": records})


def start_background(job_stop: threading.Event, worker: Any, paths: Paths) -> None:
    """The minute job, the upload notices and the queue's consumer, each on a thread until ``job_stop`` is set."""
    threading.Thread(
        target=run_every,
        args=(job_stop, minute_job, JOB_INTERVAL_SECONDS, paths.logs / "jobs.log"),
        name="minute-job",
        daemon=True,
    ).start()
    threading.Thread(
        target=run_every,
        args=(job_stop, UploadNotices(), UPLOAD_WATCH_SECONDS, paths.logs / "jobs.log", "upload notice"),
        name="upload-notices",
        daemon=True,
    ).start()
    worker.stop = job_stop
    threading.Thread(target=worker.run, name="queue-worker", daemon=True).start()
