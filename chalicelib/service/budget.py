"""Time: Kakao drops a reply that takes longer than 5 s.

Every outbound call of a message (store, files, queue) goes through :class:`Budgeted`,
which starts it only if the call, in its worst case (every attempt timing out), still
ends within ``Timing.reply_within`` of the message's arrival; otherwise it raises
Unavailable without starting. A failing or slow store therefore yields a polite
"잠시 후 다시" (with the question the member is on) in time, and nothing half-written:
a commit either ran whole or did not start.

    |<--- store calls may start --->|<--- the last one may take 3.1 s --->|
    0 s                            1.4 s                                 4.5 s   (Kakao gives up at 5 s)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar, cast

from chalicelib.domain.ports import Unavailable

P = TypeVar("P")


class Timing(NamedTuple):
    """When a reply must have left, and the worst case of each kind of outbound call, in seconds (a NamedTuple: every
    process builds one as it wires the bot).

    The defaults are those of the deployed adapters (runtime passes the values the
    adapters compute from their own botocore settings; a test keeps them equal).
    """

    reply_within: float = 4.5  # Kakao waits 5 s; leave room for API Gateway and the network
    store_call: float = 3.1  # the DynamoDB store's WORST_CALL_SECONDS
    file_call: float = 1.5  # the S3 exporter's WORST_CALL_SECONDS (one S3 request)
    build: float = 0.5  # building an export of at most SYNC_CELLS cells
    queue_send: float = 3.0  # jobs.SqsQueue.WORST_SEND_SECONDS

    def exporter_calls(self) -> dict[str, float]:
        return {
            "export_survey": self.build + 2 * self.file_call,  # xlsx and csv
            "export_master": self.build + self.file_call,
            "presign": 0.5,  # signing is local; the first one builds the client
            "forget_survey": 2 * self.file_call,  # list, then delete
            "publish_report": self.build + self.file_call,  # draw the page, store it; signing is local
        }


class Budget:
    """The time one message has left (a monotonic clock, so tests can fake it)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.deadline = clock() + seconds

    def left(self) -> float:
        return self.deadline - self._clock()

    def allows(self, seconds: float) -> bool:
        """True when something taking ``seconds`` at worst would still end in time."""
        return self.left() >= seconds

    def require(self, seconds: float, what: str) -> None:
        if not self.allows(seconds):
            raise Unavailable(f"no time left for {what}")


def budgeted(port: P, budget: Budget, seconds: float | Mapping[str, float]) -> P:
    """``port`` (a store, exporter or queue) as one message sees it: a call that might not end in time
    never starts. It has the port's type, so the service's calls to it are checked as calls to the port."""
    return cast(P, Budgeted(port, budget, seconds))


class Budgeted:
    """The proxy behind :func:`budgeted`: each call first asks the budget for its worst case."""

    def __init__(self, target: Any, budget: Budget, seconds: float | Mapping[str, float]) -> None:
        self._target = target
        self._budget = budget
        self._seconds = seconds

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr
        need = self._seconds if isinstance(self._seconds, (int, float)) else self._seconds.get(name, 0.0)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._budget.require(need, name)
            return attr(*args, **kwargs)

        return call
