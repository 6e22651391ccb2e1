"""Fault injection for the chat tests: a Store wrapper that throttles, conflicts or stalls chosen calls."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from chalicelib.domain.ports import Conflict, Unavailable
from chalicelib.storage.memory import MemoryStore


class FakeMonotonic:
    """A monotonic clock that only moves when told (a stalled call 'takes' time without sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def throttle() -> None:
    raise Unavailable("ProvisionedThroughputExceededException")


def conflict() -> None:
    raise Conflict("user")


def stall(clock: FakeMonotonic, seconds: float, then: Callable[[], None] | None = throttle) -> Callable[[], None]:
    """The call takes ``seconds`` (on the fake clock), then fails like a timeout (or goes through if then=None)."""

    def run() -> None:
        clock.advance(seconds)
        if then is not None:
            then()

    return run


def sleep(seconds: float) -> Callable[[], None]:
    """The call really takes ``seconds`` (short real sleeps), then goes through."""
    return lambda: time.sleep(seconds)


class FaultyStore:
    """A MemoryStore whose calls can be made to fail.

    ``faults`` maps a method name (or "*" for every call) to an action run before the
    call; the action raises to make the call fail. ``calls`` records every call made.
    """

    def __init__(self, inner: MemoryStore | None = None) -> None:
        self.inner = inner or MemoryStore()
        self.faults: dict[str, Callable[[], None]] = {}
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            fault = self.faults.get(name) or self.faults.get("*")
            if fault is not None:
                fault()
            return attr(*args, **kwargs)

        return call

    def snapshot(self) -> tuple:
        """Everything stored, for 'nothing was written' checks."""
        s = self.inner
        return copy.deepcopy((s.users, s.surveys, s.answers, s.audit))
