"""The per-person rate limit: a bucket that refills continuously, counted without a write per message.

Each person has a level: every message adds one, and it drains at the allowance's rate
(``per_minute`` a minute). A message that would lift it above the allowance's ``burst``
is refused, and the reply says how many seconds until one more fits. So a burst of up
to ``burst`` quick taps goes through, and after it one message every 60/``per_minute``
seconds; nobody waits for "the next minute".

Allowances: admins get ELEVATED times the base, and anyone in the middle of the survey
wizard IN_WIZARD times (it is many quick answers in a row); people not registered yet are
limited too, in this process's memory (they have no item to store it on).

Each process keeps the part of a person's level it has not stored. The level is stored on
the user item (``User.rate`` = [epoch seconds, level]) only when the message writes that
item anyway (it rides along, costing nothing), or when the level reaches half the burst,
which looks like a burst: from then on every message of theirs stores it, so processes
serving the same person in parallel see one another's messages and the limit holds across
them. A person well under the limit costs no write for a read-only message.

    level = stored level, drained since it was stored + this process's unstored part, drained

A refused message writes nothing and is not counted.

What it allows at worst: a person whose messages are spread over N processes without ever
reaching the burst mark in any of them gets about N × (half the burst) through at once.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections import OrderedDict
from datetime import datetime

from chalicelib.domain.model import ADMIN, User
from chalicelib.domain.record import record
from chalicelib.domain.session import Flow
from chalicelib.domain.writes import DeleteUser, PutUser, Write

REMEMBERED = 10_000  # people whose levels a process keeps (the least recent are forgotten first)
ELEVATED = 2  # admins: this many times the base allowance
IN_WIZARD = 3  # anyone in the survey wizard (many quick answers in a row): this many times


@record(frozen=True)
class Allowance:
    burst: float  # messages at once
    per_minute: float  # how fast the bucket drains

    def drained(self, level: float, since: float, now: float) -> float:
        return max(0.0, level - max(0.0, now - since) * self.per_minute / 60)


def allowance(base: int, user: User | None) -> Allowance | None:
    """The allowance of this person now (None: no limit)."""
    if base <= 0:
        return None
    factor = 1
    if user is not None:
        factor = IN_WIZARD if _in_wizard(user) else ELEVATED if user.role >= ADMIN else 1
    return Allowance(burst=base * factor, per_minute=base * factor)


def _in_wizard(user: User) -> bool:
    flow = user.session.get("flow") if isinstance(user.session, dict) else None
    return isinstance(flow, dict) and flow.get("name") == Flow.CREATING.value


@record(frozen=True)
class Level:
    """One message's view of the level: when, what the item holds (drained), what only this process knows."""

    at: float  # epoch seconds
    stored: float
    unstored: float  # this process's messages not on the item yet, drained, this one included
    allowance: Allowance

    @property
    def total(self) -> float:
        return self.stored + self.unstored

    @property
    def exceeded(self) -> bool:
        return self.total > self.allowance.burst + 1e-9

    @property
    def retry_after(self) -> int:
        """Whole seconds until this message would fit."""
        over = self.total - self.allowance.burst
        return max(1, math.ceil(over * 60 / self.allowance.per_minute)) if over > 0 else 0


class RateLimit:
    def __init__(self, remembered: int = REMEMBERED) -> None:
        self._unstored: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (at, level)
        self._remembered = remembered
        self._lock = threading.Lock()

    def count(self, key: str, user: User | None, now: datetime, base: int) -> Level | None:
        """This message counted (not yet recorded), or None when there is no limit."""
        allow = allowance(base, user)
        if allow is None:
            return None
        at = now.timestamp()
        stored = 0.0
        if user is not None and len(user.rate) >= 2 and user.rate[0] > 10**9:  # [epoch seconds, level]
            stored = allow.drained(float(user.rate[1]), float(user.rate[0]), at)
        with self._lock:
            since, mine = self._unstored.get(key, (at, 0.0))
        return Level(at, stored, allow.drained(mine, since, at) + 1, allow)

    @staticmethod
    def exceeded(level: Level | None) -> bool:
        return level is not None and level.exceeded

    @staticmethod
    def ride(writes: list[Write], key: str, user: User | None, level: Level | None) -> tuple[list[Write], bool]:
        """``writes`` with the level stored when it costs nothing or a burst is suspected; and whether it is."""
        if level is None:
            return writes, False
        rate = [round(level.at, 3), round(level.total, 3)]
        for w in writes:
            if isinstance(w, PutUser) and w.user.key == key:
                w.user.rate = rate
                return writes, True
            if isinstance(w, DeleteUser) and w.key == key:
                return writes, True  # nothing left to count
        if user is None or level.total * 2 < level.allowance.burst:
            return writes, False
        return [PutUser(dataclasses.replace(user, rate=rate)), *writes], True

    def record(self, key: str, level: Level | None, stored: bool) -> None:
        """After the message's writes went through: what this process still has to store."""
        if level is None:
            return
        with self._lock:
            self._unstored[key] = (level.at, 0.0 if stored else level.unstored)
            self._unstored.move_to_end(key)
            while len(self._unstored) > self._remembered:
                self._unstored.popitem(last=False)
