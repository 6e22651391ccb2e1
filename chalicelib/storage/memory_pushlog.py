"""The push log (domain.pushlog) in memory: the MemoryStore's, with the same conditions on every move as the
DynamoDB one (:mod:`chalicelib.storage.pushlog`)."""

from __future__ import annotations

import copy
import threading

from chalicelib.domain.pushlog import (
    ACCEPTED,
    FIGURES,
    FINAL,
    PLANNED,
    PLANNING,
    QUEUED,
    QUEUED_ALL,
    SENDING,
    PushChunk,
    PushHead,
    PushLog,
)


class MemoryPushLog(PushLog):
    """The push log of a MemoryStore (tests and the in-process bot)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._heads: dict[str, PushHead] = {}
        self._chunks: dict[str, dict[int, PushChunk]] = {}

    def begin(self, head: PushHead, now: float) -> bool:
        with self._lock:
            if head.id in self._heads:
                return False
            self._heads[head.id] = copy.deepcopy(head)
            self._heads[head.id].state, self._heads[head.id].started = PLANNING, now
            return True

    def retake(self, push_id: str, started: float, now: float) -> bool:
        with self._lock:
            h = self._heads.get(push_id)
            if h is None or h.state != PLANNING or h.started != started:
                return False
            h.started = now
            return True

    def head(self, push_id: str) -> PushHead | None:
        with self._lock:
            return copy.deepcopy(self._heads.get(push_id))

    def store_chunks(self, push_id: str, chunks: list[list[str]], expires: float) -> None:
        with self._lock:
            h = self._heads.get(push_id)
            if h is None or h.state != PLANNING:
                return
            self._chunks[push_id] = {n: PushChunk(n, list(keys)) for n, keys in enumerate(chunks)}
            h.state, h.chunks, h.users = PLANNED, len(chunks), sum(len(k) for k in chunks)

    def mark_queued(self, push_id: str) -> None:
        with self._lock:
            h = self._heads.get(push_id)
            if h is not None and h.state == PLANNED:
                h.state = QUEUED_ALL

    def chunk(self, push_id: str, n: int) -> PushChunk | None:
        with self._lock:
            return copy.deepcopy(self._chunks.get(push_id, {}).get(n))

    def chunks(self, push_id: str) -> list[PushChunk]:
        with self._lock:
            return [copy.deepcopy(c) for _, c in sorted(self._chunks.get(push_id, {}).items())]

    def _move(
        self, push_id: str, n: int, expect: str, tries: int | None = None, checks: int | None = None
    ) -> PushChunk | None:
        c = self._chunks.get(push_id, {}).get(n)
        if c is None or c.state != expect:
            return None
        if tries is not None and c.tries != tries:
            return None
        if checks is not None and c.checks != checks:
            return None
        return c

    def claim(self, push_id: str, n: int, tries: int, now: float) -> bool:
        with self._lock:
            c = self._move(push_id, n, QUEUED, tries=tries)
            if c is None:
                return False
            c.state, c.tries, c.claimed = SENDING, tries + 1, now
            return True

    def release(self, push_id: str, n: int, tries: int) -> bool:
        with self._lock:
            c = self._move(push_id, n, SENDING, tries=tries)
            if c is None:
                return False
            c.state = QUEUED
            return True

    def accept(self, push_id: str, n: int, tries: int, task_id: str) -> bool:
        with self._lock:
            c = self._move(push_id, n, SENDING, tries=tries)
            if c is None:
                return False
            c.state, c.task_id = ACCEPTED, task_id
            return True

    def count_check(self, push_id: str, n: int, checks: int) -> bool:
        with self._lock:
            c = self._move(push_id, n, ACCEPTED, checks=checks)
            if c is None:
                return False
            c.checks = checks + 1
            return True

    def settle(self, push_id: str, n: int, expect: str, figures: dict[str, int]) -> bool:
        with self._lock:
            c = self._move(push_id, n, expect)
            h = self._heads.get(push_id)
            if c is None or h is None:
                return False
            c.state = FINAL
            h.finals += 1
            for name in FIGURES:
                h.figures[name] = h.figures.get(name, 0) + int(figures.get(name, 0))
            return True

    def claim_note(self, push_id: str) -> bool:
        with self._lock:
            h = self._heads.get(push_id)
            if h is None or h.noted:
                return False
            h.noted = True
            return True
