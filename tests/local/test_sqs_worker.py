"""The export queue as make run has it: SQS on moto's server, made with the template's settings, and its consumer
as Lambda runs it. A job that keeps failing comes back after its visibility timeout and lands in the dead-letter
queue after the template's number of receives; a message over the queue's limit is refused before it is sent."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain.tasks import ExportTask
from chalicelib.jobs.queues import SqsQueue
from scripts import engines, sqsworker

REGION = "ap-northeast-2"


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    with engines.start_moto() as server:
        yield server.endpoint


def test_jobs_go_through_the_queue_and_a_failing_one_ends_in_the_dead_letter_queue(moto: str) -> None:
    sqs = sqsworker.client(moto, REGION)
    url, dead = sqsworker.ensure_queues(sqs, "t-exports", visibility=1)  # redeliveries within the test
    assert sqsworker.ensure_queues(sqs, "t-exports", visibility=1) == (url, dead)  # idempotent
    queue = SqsQueue("t-exports", REGION, endpoint=moto)
    ran: list[ExportTask] = []

    def handle(body: str) -> None:
        task = ExportTask.from_json(body)
        ran.append(task)
        if task.kind == "poison":
            raise RuntimeError("this job always fails")

    worker = sqsworker.Worker(sqs, url, handle)
    queue.send_many(
        [
            ExportTask(
                "admin", [], kind="remind", step="send", chunk=n, send="p1", user_keys=[f"u{n}-{i}" for i in range(100)]
            )
            for n in range(12)
        ]
    )
    queue.send(ExportTask("admin", [], kind="poison"))
    receives = sqsworker.queue_settings()["receives"]
    deadline = time.monotonic() + 60  # bounds a broken run only
    while time.monotonic() < deadline:
        worker.poll_once(wait=1)
        if worker.done == 12 and worker.failed == receives:
            break
    assert sorted(t.chunk for t in ran if t.kind == "remind") == list(range(12))  # each once, deleted when done
    assert [t.kind for t in ran].count("poison") == receives
    deadline = time.monotonic() + 30
    moved: list[Any] = []
    while not moved and time.monotonic() < deadline:  # SQS moves it when it would be received once more
        assert worker.poll_once(wait=1) == 0
        moved = sqs.receive_message(QueueUrl=dead, WaitTimeSeconds=1).get("Messages") or []
    assert [json.loads(m["Body"])["kind"] for m in moved] == ["poison"]


def test_a_message_over_the_limit_is_refused_here_and_by_the_queue(moto: str) -> None:
    sqs = sqsworker.client(moto, REGION)
    url, _ = sqsworker.ensure_queues(sqs, "t-big")
    queue = SqsQueue("t-big", REGION, endpoint=moto)
    huge = ExportTask("admin", [], kind="remind", user_keys=[f"{n:064x}ab" for n in range(4_000)])  # ~280 KB
    with pytest.raises(ValueError, match="over the queue"):
        queue.send(huge)
    with pytest.raises(Exception, match="shorter than"):  # the queue itself, as SQS would
        sqs.send_message(QueueUrl=url, MessageBody=huge.to_json())
