"""The per-person rate limit: a fixed one-minute window kept on the user item as [epoch minute, messages].

The user is read on every message anyway, and the count rides on the write the
message makes: the conversation's PutUser when it changes the user, else a PutUser
of the user as read (conditional on its version, like every user write). A refused
message writes nothing. Unregistered people have no item and are not limited: they
can only register, which costs one read.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from chalicelib.domain.model import User
from chalicelib.domain.writes import DeleteUser, PutUser, Write


class RateLimit:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = max(0, per_minute)  # 0 = no limit

    def count(self, user: User | None, now: datetime) -> list[int] | None:
        """[window, messages including this one], or None when there is no limit."""
        if not self.per_minute:
            return None
        minute = int(now.timestamp() // 60)
        if user is None or not user.rate:
            return [minute, 1]
        window, count = ([*user.rate, 0, 0])[:2]
        return [minute, count + 1] if window == minute else [minute, 1]

    def exceeded(self, rate: list[int] | None) -> bool:
        return rate is not None and rate[1] > self.per_minute

    @staticmethod
    def ride(writes: list[Write], key: str, user: User | None, rate: list[int] | None) -> list[Write]:
        """``writes`` with the count stored: on the speaker's own PutUser, else on one of the user as read."""
        if not rate:
            return writes
        for w in writes:
            if isinstance(w, PutUser) and w.user.key == key:
                w.user.rate = rate
                return writes
            if isinstance(w, DeleteUser) and w.key == key:
                return writes
        if user is None:
            return writes
        return [PutUser(dataclasses.replace(user, rate=rate)), *writes]
