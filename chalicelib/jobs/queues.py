"""Background work: exports too big to build inside Kakao's 5-second window, the steps of pushes, roster files.

The skill answers at once and hands the job to a queue (the domain's ``Queue`` port).
On Lambda the queue is SQS and the same app consumes it (``app.on_sqs_message``, one
message per invocation); ``make run`` uses the same SQS API on the local moto server
with the queue's settings from the template (scripts/sqsworker.py consumes it as
Lambda would); tests run jobs inline or on a simulated queue. How a finished job
reaches the admin is the service's business (Kakao's callback,
``chalicelib.kakao.callback``, a push, or "파일 받기" on the next message).

Messages stay small: a push's chunk names at most 100 people (about 8 KB), and a
message over the queue's limit (256 KiB, set in the template: SQS's default became
1 MiB in 2025) is refused here, before SQS would refuse it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.domain.ports import Queue
from chalicelib.domain.tasks import ExportTask
from chalicelib.platform.logsafe import failure

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

    BATCH = 10  # SendMessageBatch takes ten messages a call

    def __init__(self, queue_name: str, region: str, endpoint: str = "") -> None:
        self.queue_name = queue_name
        self.region = region
        self.endpoint = endpoint
        self._client: Any = None
        self._url: str | None = None

    def _connect(self) -> None:
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

    def body(self, task: ExportTask) -> str:
        """The message of ``task``; ValueError when it is over the queue's limit."""
        text = task.to_json()
        if len(text.encode("utf-8")) > self.MAX_MESSAGE_BYTES:
            raise ValueError(f"a {task.kind} task is over the queue's {self.MAX_MESSAGE_BYTES} bytes")
        return text

    def send(self, task: ExportTask, delay_seconds: int = 0) -> None:
        body = self.body(task)
        self._connect()
        delay = {"DelaySeconds": min(delay_seconds, self.MAX_DELAY_SECONDS)} if delay_seconds > 0 else {}
        self._client.send_message(QueueUrl=self._url, MessageBody=body, **delay)

    def send_many(self, tasks: Sequence[ExportTask], delay_seconds: int = 0) -> None:
        bodies = [self.body(t) for t in tasks]
        self._connect()
        delay = {"DelaySeconds": min(delay_seconds, self.MAX_DELAY_SECONDS)} if delay_seconds > 0 else {}
        for start in range(0, len(bodies), self.BATCH):
            entries = [
                {"Id": str(i), "MessageBody": b, **delay} for i, b in enumerate(bodies[start : start + self.BATCH])
            ]
            answer = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            if answer.get("Failed"):
                raise RuntimeError(f"{len(answer['Failed'])} of {len(entries)} messages were not queued")
