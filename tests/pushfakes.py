"""Test doubles for pushes: Kakao's event channel in memory, and a queue that behaves like SQS in virtual time."""

from __future__ import annotations

import heapq
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib.domain.ports import ACCEPTED, Notifier, Queue
from chalicelib.domain.tasks import Attempt, ExportTask, TaskResult


class Crash(BaseException):
    """A worker that dies mid-run (the function timed out, the container was killed): nothing after it runs,
    and the queue delivers the message again once its visibility timeout passes."""


class FakeNotifier(Notifier):
    """Kakao's event channel in memory. Each call is recorded (its keys and data); ``outcomes`` are the outcomes
    of the next calls in turn (then every call is accepted); an accepted call's task result counts everyone
    delivered but the ``unreachable`` (not friends of the channel), or nothing yet while ``results_ready`` is
    False."""

    def __init__(self, outcomes: Sequence[str] = (), unreachable: Sequence[str] = ()) -> None:
        self.calls: list[tuple[list[str], dict[str, Any]]] = []
        self.outcomes = list(outcomes)
        self.unreachable = set(unreachable)
        self.tasks: dict[str, list[str]] = {}
        self.results_ready = True
        self.lock = threading.Lock()

    def send(self, user_keys: Sequence[str], data: Mapping[str, Any]) -> Attempt:
        assert 0 < len(user_keys) <= self.MAX_USERS and len(set(user_keys)) == len(user_keys)
        with self.lock:
            self.calls.append((list(user_keys), dict(data)))
            outcome = self.outcomes.pop(0) if self.outcomes else ACCEPTED
            if outcome != ACCEPTED:
                return Attempt(outcome)
            task_id = f"task-{len(self.calls)}"
            self.tasks[task_id] = list(user_keys)
        return Attempt(ACCEPTED, task_id, 200)

    def result(self, task_id: str) -> TaskResult | None:
        keys = self.tasks.get(task_id)
        if keys is None:
            return None
        if not self.results_ready:
            return TaskResult(len(keys), 0, 0)
        failed = tuple(k for k in keys if k in self.unreachable)
        return TaskResult(len(keys), len(keys) - len(failed), len(failed), failed)

    def sent_to(self) -> list[str]:
        """Every key of every call, in order (a key twice = a second call for that person)."""
        return [k for keys, _ in self.calls for k in keys]


class SimulatedQueue(Queue):
    """A standard SQS queue as its consumer meets it, in virtual time (``now``, seconds).

    A message is delivered at the earliest ``delay`` after it was sent; among the messages due, one at random
    (a seeded generator) is delivered next; with probability ``duplicate`` a delivered message is delivered
    again later (SQS is at-least-once); a message whose run raised comes back after ``visibility`` seconds,
    and after ``max_receives`` deliveries goes to ``dead``. Every message's size is checked against the
    queue's limit and kept in ``sizes``.
    """

    def __init__(
        self,
        runner: Callable[[ExportTask], None] | None = None,
        seed: int = 0,
        duplicate: float = 0.0,
        max_receives: int = 3,
        visibility: float = 720.0,
        before: Callable[[ExportTask], object] | None = None,
    ) -> None:
        self.runner = runner
        self.before = before  # called before each delivery (a test waits there for what the real delay covers)
        self.rng = random.Random(seed)
        self.duplicate = duplicate
        self.max_receives = max_receives
        self.visibility = visibility
        self.now = 0.0
        self._seq = 0
        self._pending: list[tuple[float, int, str, int]] = []  # (visible at, order, body, deliveries so far)
        self.sent: list[ExportTask] = []
        self.delays: list[int] = []
        self.sizes: list[int] = []
        self.dead: list[str] = []
        self.deliveries = 0
        self.lock = threading.Lock()

    def send(self, task: ExportTask, delay_seconds: int = 0) -> None:
        body = task.to_json()
        size = len(body.encode("utf-8"))
        if size > self.MAX_MESSAGE_BYTES:
            raise ValueError(f"message of {size} bytes is over the queue's {self.MAX_MESSAGE_BYTES}")
        delay = min(max(0, delay_seconds), self.MAX_DELAY_SECONDS)
        with self.lock:
            self.sent.append(task)
            self.delays.append(delay)
            self.sizes.append(size)
            self._push(self.now + delay, body, 0)

    def _push(self, at: float, body: str, deliveries: int) -> None:
        self._seq += 1
        heapq.heappush(self._pending, (at, self._seq, body, deliveries))

    def drain(self, limit: int = 1_000_000) -> int:
        """Deliver messages until none is left (virtual time jumps to the next one due); how many ran."""
        assert self.runner is not None
        ran = 0
        while self._pending and ran < limit:
            with self.lock:
                self.now = max(self.now, self._pending[0][0])
                due = [m for m in self._pending if m[0] <= self.now]
                chosen = self.rng.choice(due)
                self._pending.remove(chosen)
                heapq.heapify(self._pending)
                _, _, body, deliveries = chosen
                if self.rng.random() < self.duplicate:
                    self._push(self.now + self.rng.uniform(0, 5), body, deliveries)  # the same message, again
            ran += 1
            self.deliveries += 1
            task = ExportTask.from_json(body)
            if self.before is not None:
                self.before(task)
            try:
                self.runner(task)
            except (Exception, Crash):
                with self.lock:
                    if deliveries + 1 >= self.max_receives:
                        self.dead.append(body)
                    else:
                        self._push(self.now + self.visibility, body, deliveries + 1)
        return ran
