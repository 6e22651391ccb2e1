"""The per-person rate limit, counted without a write per message.

Each process counts a person's messages of the current minute in memory. The count
is stored on the user item (``User.rate`` = [epoch minute, messages]) only when the
message writes that item anyway (it rides along, costing nothing), or when the
person's messages this minute reach half the limit, which looks like a burst: from
then on every message of theirs stores the count, so processes serving the same
person in parallel see one another's messages and the limit holds across them. A
person well under the limit costs no write for a read-only message.

    total = stored count of this minute + messages this process has not stored yet

A refused message writes nothing and is not counted. Unregistered people have no item
and are not limited: they can only register, which costs one read.

What it allows at worst: a person whose messages are spread over N processes without
ever reaching the burst mark in any of them gets N × (half the limit) - 1 through.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.model import User
from chalicelib.domain.writes import DeleteUser, PutUser, Write

REMEMBERED = 10_000  # people whose counts a process keeps (the least recent are forgotten first)


@dataclass(frozen=True)
class Count:
    """One message's view of the count: its minute, what the item holds, what only this process knows."""

    minute: int
    stored: int
    unstored: int  # this process's messages of the minute not on the item yet, this one included

    @property
    def total(self) -> int:
        return self.stored + self.unstored


class RateLimit:
    def __init__(self, remembered: int = REMEMBERED) -> None:
        self._unstored: OrderedDict[str, tuple[int, int]] = OrderedDict()  # key -> (minute, messages)
        self._remembered = remembered
        self._lock = threading.Lock()

    def count(self, key: str, user: User | None, now: datetime, per_minute: int) -> Count | None:
        """This message counted (not yet recorded), or None when there is no limit."""
        if per_minute <= 0:
            return None
        minute = int(now.timestamp() // 60)
        if user is None:
            return Count(minute, 0, 1)  # registering: the first message of the person's count
        stored = user.rate[1] if len(user.rate) >= 2 and user.rate[0] == minute else 0
        with self._lock:
            seen_minute, messages = self._unstored.get(key, (minute, 0))
        return Count(minute, stored, (messages if seen_minute == minute else 0) + 1)

    @staticmethod
    def exceeded(count: Count | None, per_minute: int) -> bool:
        return count is not None and count.total > per_minute

    @staticmethod
    def ride(
        writes: list[Write], key: str, user: User | None, count: Count | None, per_minute: int
    ) -> tuple[list[Write], bool]:
        """``writes`` with the count stored when it costs nothing or a burst is suspected; and whether it is."""
        if count is None:
            return writes, False
        rate = [count.minute, count.total]
        for w in writes:
            if isinstance(w, PutUser) and w.user.key == key:
                w.user.rate = rate
                return writes, True
            if isinstance(w, DeleteUser) and w.key == key:
                return writes, True  # nothing left to count
        if user is None or count.total * 2 < per_minute:
            return writes, False
        return [PutUser(dataclasses.replace(user, rate=rate)), *writes], True

    def record(self, key: str, count: Count | None, stored: bool) -> None:
        """After the message's writes went through: what this process still has to store."""
        if count is None:
            return
        with self._lock:
            self._unstored[key] = (count.minute, 0 if stored else count.unstored)
            self._unstored.move_to_end(key)
            while len(self._unstored) > self._remembered:
                self._unstored.popitem(last=False)
