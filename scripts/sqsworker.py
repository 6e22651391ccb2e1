"""The export queue on a local SQS (moto's server), and its consumer as Lambda runs it (``make run``).

:func:`ensure_queues` creates the queue and its dead-letter queue with the settings the template gives them
(.chalice/resources.json: visibility timeout, largest message, redrive after N receives, retention), so a job
behaves locally as it will on AWS: a message over the limit is refused, a delayed retry waits, a job that
fails comes back when its visibility timeout ends and lands in the dead-letter queue after N tries.

:class:`Worker` is the consumer: one message at a time (the function's ``batch_size=1``), long polling, the
message deleted when its job returns and left for the queue to deliver again when it raises, as Lambda's
SQS event source does.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WAIT_SECONDS = 2  # long polling (short, so a stop is noticed within a couple of seconds)


def queue_settings() -> dict[str, Any]:
    """The export queue's and its dead-letter queue's properties as the template sets them."""
    resources = json.loads((ROOT / ".chalice" / "resources.json").read_text(encoding="utf-8"))["Resources"]
    queue = resources["ExportQueue"]["Properties"]
    dead = resources["ExportDeadLetterQueue"]["Properties"]
    return {
        "visibility": int(queue["VisibilityTimeout"]),
        "max_bytes": int(queue["MaximumMessageSize"]),
        "receives": int(queue["RedrivePolicy"]["maxReceiveCount"]),
        "dead_retention": int(dead["MessageRetentionPeriod"]),
    }


def client(endpoint: str, region: str) -> Any:
    import boto3

    return boto3.client("sqs", endpoint_url=endpoint, region_name=region)


def ensure_queues(sqs: Any, name: str, visibility: int | None = None) -> tuple[str, str]:
    """Create ``name`` and ``name-dlq`` as the template does (idempotent); their URLs. ``visibility`` overrides
    the template's visibility timeout (tests that watch a redelivery)."""
    s = queue_settings()
    dead_url = sqs.create_queue(
        QueueName=f"{name}-dlq", Attributes={"MessageRetentionPeriod": str(s["dead_retention"])}
    )["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(s["visibility"] if visibility is None else visibility),
            "MaximumMessageSize": str(s["max_bytes"]),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": s["receives"]}),
        },
    )["QueueUrl"]
    return url, dead_url


class Worker:
    """Consumes one queue: each message's body goes to ``handle``; deleted when it returns, left when it raises."""

    def __init__(self, sqs: Any, url: str, handle: Callable[[str], None], log: Path | None = None) -> None:
        self.sqs, self.url, self.handle, self.log = sqs, url, handle, log
        self.stop = threading.Event()
        self.done = 0
        self.failed = 0

    def poll_once(self, wait: int = WAIT_SECONDS) -> int:
        """Receive at most one message and run it; how many were received (0 or 1)."""
        answer = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=1, WaitTimeSeconds=wait)
        messages = answer.get("Messages") or []
        for m in messages:
            try:
                self.handle(m["Body"])
            except Exception as exc:  # left on the queue: it comes back after its visibility timeout
                self.failed += 1
                self._note(f"job failed: {type(exc).__name__}")
                continue
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
            self.done += 1
        return len(messages)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # the local server went away: try again shortly
                self._note(f"queue unreachable: {type(exc).__name__}")
                self.stop.wait(1)

    def _note(self, line: str) -> None:
        if self.log is not None:
            with self.log.open("a", encoding="utf-8") as f:
                f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}\n")
