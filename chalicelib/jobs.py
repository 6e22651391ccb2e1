"""Background work: exports too big to build inside Kakao's 5-second window.

The skill answers at once and hands an export job to a queue (the domain's
``Queue`` port). On Lambda the queue is SQS and the same app consumes it
(``app.on_sqs_message``); locally a worker thread runs it; tests run it inline.
How a finished job reaches the admin is the service's business (Kakao's callback,
``chalicelib.kakao.callback``, or "파일 받기" on the next message).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.domain.ports import ExportTask, Queue
from chalicelib.logsafe import failure

log = logging.getLogger("haengjeong")


class InlineQueue(Queue):
    """Runs the task before returning, delay or not (tests: ``delays`` records what was asked)."""

    def __init__(self, runner: Callable[[ExportTask], None]) -> None:
        self.runner = runner
        self.sent: list[ExportTask] = []
        self.delays: list[int] = []

    def send(self, task: ExportTask, delay_seconds: int = 0) -> None:
        self.sent.append(task)
        self.delays.append(delay_seconds)
        self.runner(task)


class ThreadQueue(Queue):
    """Runs tasks on a worker thread of this process (the local server)."""

    def __init__(self, runner: Callable[[ExportTask], None], workers: int = 2) -> None:
        self.runner = runner
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="export")
        self._lock = threading.Lock()

    def send(self, task: ExportTask, delay_seconds: int = 0) -> None:
        def run() -> None:
            try:
                self.runner(task)
            except Exception as exc:
                log.error("export job failed", extra=failure(exc))

        if delay_seconds <= 0:
            self._pool.submit(run)
            return
        timer = threading.Timer(min(delay_seconds, self.MAX_DELAY_SECONDS), self._pool.submit, args=(run,))
        timer.daemon = True
        timer.start()


class SqsQueue(Queue):
    """Sends tasks to the export queue; the client is built on first use.

    Sending happens inside a chat reply: one attempt per request, and the first send
    also looks the queue URL up, so a send takes at most WORST_SEND_SECONDS.
    """

    CONNECT_TIMEOUT_SECONDS = 0.5
    READ_TIMEOUT_SECONDS = 1.0
    WORST_SEND_SECONDS = 2 * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS)

    def __init__(self, queue_name: str, region: str, endpoint: str = "") -> None:
        self.queue_name = queue_name
        self.region = region
        self.endpoint = endpoint
        self._client: Any = None
        self._url: str | None = None

    def send(self, task: ExportTask, delay_seconds: int = 0) -> None:
        if self._client is None:
            import boto3
            from botocore.config import Config

            cfg = Config(
                connect_timeout=self.CONNECT_TIMEOUT_SECONDS,
                read_timeout=self.READ_TIMEOUT_SECONDS,
                retries={"total_max_attempts": 1, "mode": "standard"},
            )
            kw: dict[str, Any] = {"region_name": self.region, "config": cfg}
            if self.endpoint:
                kw["endpoint_url"] = self.endpoint
            self._client = boto3.client("sqs", **kw)
            self._url = self._client.get_queue_url(QueueName=self.queue_name)["QueueUrl"]
        delay = {"DelaySeconds": min(delay_seconds, self.MAX_DELAY_SECONDS)} if delay_seconds > 0 else {}
        self._client.send_message(QueueUrl=self._url, MessageBody=task.to_json(), **delay)
