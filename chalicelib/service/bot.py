"""Runs one message: read the user, take the conversation's step, commit its writes, run its effects.

Optimistic concurrency: every commit carries the conditions of domain.writes. When
a condition fails (a double tap, two messages racing on two Lambda instances, a
cap reached by someone else), the step is taken again on fresh data, so the
reply always describes what was really stored.

    request A ──read v3──step──commit(v3→v4) ✓──effects
    request B ──read v3──step──commit(v3→v4) ✗ Conflict ──read v4──step──commit ✓/reply

Every call to a port goes through the message's time budget (service.budget); the
rate limit (service.ratelimit), the effects (service.effects) and the work outside a
reply (service.background) have modules of their own.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.conversation import opens, reads_listing, reads_survey, step
from chalicelib.domain.model import Answer, Survey, SurveyInfo, User, now_kst
from chalicelib.domain.ports import Conflict, Exporter, Notifier, Queue, Store, Unavailable, Uploads
from chalicelib.domain.reply import Quick, Reply
from chalicelib.domain.resume import current_prompt
from chalicelib.domain.rules import Rules
from chalicelib.domain.session import pending_upload, ready_files
from chalicelib.domain.writes import PutUser, Write
from chalicelib.platform.logsafe import failure
from chalicelib.service import downloads, effects, wording
from chalicelib.service.budget import Budget, Timing, budgeted
from chalicelib.service.effects import Turn
from chalicelib.service.ratelimit import RateLimit

log = logging.getLogger("haengjeong")

MAX_ATTEMPTS = 6  # the time budget ends the retries earlier when the store is slow
BACKOFF_STEP = 0.025  # seconds; the pause before attempt n+1 is uniform in [0, n * step]


class Bot(effects.Runner):
    """The chatbot over a Store (and an Exporter and a Queue for downloads, the event channel for pushes, a place
    for uploads), told the organisation's ``rules``."""

    def __init__(
        self,
        store: Store,
        exporter: Exporter | None = None,
        *,
        queue: Queue | None = None,
        notifier: Notifier | None = None,
        uploads: Uploads | None = None,
        callback: Callable[[str, Reply], bool] | None = None,
        rules: Rules | None = None,
        clock: Callable[[], datetime] = now_kst,
        timing: Timing | None = None,
        rate_limit: int = 0,
    ) -> None:
        super().__init__(
            store,
            exporter,
            queue=queue,
            notifier=notifier,
            uploads=uploads,
            callback=callback,
            clock=clock,
            rules=rules,
        )
        self.timing = timing or Timing()
        self.rate_limit = rate_limit  # messages per person per minute; 0 = no limit
        self.sync_cells = downloads.SYNC_CELLS  # exports larger than this are built in the background
        self.limiter = RateLimit()  # this process's counts (kept between messages)
        self.monotonic: Callable[[], float] = time.monotonic  # the budget's clock
        self.sleep: Callable[[float], None] = time.sleep

    def handle(
        self, user_key: str, text: str, callback_url: str = "", tap: Mapping[str, Any] | None = None
    ) -> tuple[Reply, dict[str, Any]]:
        """The reply to one message, and facts for the log line (no answers, no keys)."""
        started = time.perf_counter()
        budget = Budget(self.timing.reply_within, self.monotonic)
        request = downloads.Request(
            key=user_key,
            callback_url=callback_url,
            budget=budget,
            store=budgeted(self.store, budget, self.timing.store_call),
            exporter=None if self.exporter is None else budgeted(self.exporter, budget, self.timing.exporter_calls()),
            queue=None if self.queue is None else budgeted(self.queue, budget, self.timing.queue_send),
        )
        turn = Turn(key=user_key, text=text, tap=dict(tap or {}), request=request)
        try:
            reply = self._run(turn)
        except Unavailable:
            turn.facts["result"] = "unavailable"
            reply = self._busy(turn)
        turn.facts["ms"] = round((time.perf_counter() - started) * 1000, 1)
        return reply, turn.facts

    def _run(self, turn: Turn) -> Reply:
        """Read, step, commit (again on a lost race), then the step's effects."""
        facts = turn.facts
        for attempt in range(1, MAX_ATTEMPTS + 1):
            facts["attempts"] = attempt
            ctx = self._read(turn)
            count = self.limiter.count(turn.key, ctx.user, ctx.now, self.rate_limit)
            if count is not None and self.limiter.exceeded(count):
                facts["result"] = "rate_limited"
                wait = count.retry_after
                return current_prompt(ctx.user, wording.slow_down_text(wait)) or wording.slow_down(wait)
            out = step(ctx, turn.text)
            writes: list[Write] = ([PutUser(out.user)] if out.user is not None else []) + out.writes
            writes, counted = self.limiter.ride(writes, turn.key, ctx.user, count)
            try:
                if writes:
                    turn.request.store.commit(writes)
            except Conflict as exc:
                facts.setdefault("conflicts", []).append(exc.what)
                self._back_off(attempt, turn.request.budget)
                continue
            self.limiter.record(turn.key, count, counted)
            facts["result"] = "ok"
            facts["writes"] = [type(w).__name__ for w in writes]
            return self._after(turn, out, ctx.user)
        facts["result"] = "gave_up"
        return self._busy(turn)

    def _read(self, turn: Turn) -> Ctx:
        """One round trip: the user (with the conversation state), and with a command the listing of open surveys
        too (an answer does without it); a tapped 제출 or 예 says which survey it finishes: that and my answer come
        along instead; a tapped 신청 <제목> which survey it opens: that comes along with the listing."""
        store = turn.request.store
        listed: list[SurveyInfo] | None = None
        known: dict[str, tuple[Survey | None, Answer | None]] = {}
        if opened := opens(turn.text, turn.tap):
            user, listed, survey, answer = store.get_user_listing_survey_and_answer(turn.key, opened)
            if user is None or user.person_key == turn.key:  # else the answer is under the person's key
                known[opened] = (survey, answer)
        elif sid := reads_survey(turn.text, turn.tap):
            user, survey, answer = store.get_user_survey_and_answer(turn.key, sid)
            if user is None or user.person_key == turn.key:  # else the answer is under the person's key
                known[sid] = (survey, answer)
        elif reads_listing(turn.text):
            user, listed = store.get_user_and_listing(turn.key)
        else:
            user = store.get_user(turn.key)
        turn.user = user
        return Ctx.of(
            turn.key,
            user,
            self.clock(),
            store,
            self.rules,
            tap=turn.tap,
            listed=listed,
            known=known,
            reminders=self.notifier is not None,
            upload_ready=self._upload_arrived(user),
        )

    def _after(self, turn: Turn, out: Outcome, read: User | None) -> Reply:
        """The step's effects, in order; then files finished in the background are offered on whatever the admin
        says next (unless an effect gave another reply)."""
        reply = effects.run(self, turn, out.effects, out.reply)
        stored = out.user if out.user is not None else read
        if (
            reply is out.reply
            and stored is not None
            and ready_files(stored.session)
            and wording.COLLECT not in (q.text for q in reply.quick)
        ):
            reply.texts.insert(0, wording.FILES_READY)
            reply.quick.insert(0, Quick(wording.COLLECT))
        return reply

    def _upload_arrived(self, user: User | None) -> bool:
        """Whether the roster file of the speaker's upload page has arrived (only while one is pending)."""
        token, _ = pending_upload(user.session) if user is not None else ("", "")
        if not token or self.uploads is None:
            return False
        try:
            return self.uploads.upload_arrived(token)
        except Exception as exc:
            log.warning("upload check failed", extra=failure(exc))
            return False

    def _back_off(self, attempt: int, budget: Budget) -> None:
        """A short random pause before re-reading, so racers (e.g. a rush on one survey's
        counters, which DynamoDB answers with TransactionConflict) spread out instead of
        colliding again; never longer than the budget can spare."""
        pause = random.uniform(0, BACKOFF_STEP * attempt)  # noqa: S311 (jitter, not a secret)
        if budget.allows(self.timing.store_call + pause):
            self.sleep(pause)

    def _busy(self, turn: Turn) -> Reply:
        """'Try again shortly', with the question the member is on (from the session: no store reads)."""
        return current_prompt(turn.user, wording.BUSY) or wording.busy()
