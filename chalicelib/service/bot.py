"""Runs one message: read the user, take the conversation's step, commit its writes.

Optimistic concurrency: every commit carries the conditions of domain.writes. When
a condition fails (a double tap, two messages racing on two Lambda instances, a
cap reached by someone else), the step is taken again on fresh data, so the
reply always describes what was really stored.

    request A ──read v3──step──commit(v3→v4) ✓
    request B ──read v3──step──commit(v3→v4) ✗ Conflict ──read v4──step──commit ✓/reply

Every call to a port goes through the message's time budget (service.budget); the
rate limit (service.ratelimit) and downloads (service.downloads) have modules of
their own.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.context import Ctx, NotifyJob
from chalicelib.domain.conversation import reads_listing, reads_survey, step
from chalicelib.domain.model import KEEP_DAYS, Answer, AuditEntry, Survey, SurveyInfo, User, now_kst
from chalicelib.domain.ports import Conflict, Exporter, ExportTask, Notifier, Queue, Store, Unavailable, Uploads
from chalicelib.domain.privacy import BATCH, MAX_DELAY_SECONDS
from chalicelib.domain.reply import Button, Card, Quick, Reply
from chalicelib.domain.resume import current_prompt
from chalicelib.domain.session import pending_upload, ready_files
from chalicelib.domain.wizard import AUTO_REMIND_CHOICES
from chalicelib.domain.writes import (
    Audit,
    DeleteSurvey,
    KeepUnnamedAnswer,
    MarkAutoReminded,
    NoteEntryFailure,
    PutUser,
    Write,
)
from chalicelib.logsafe import failure
from chalicelib.metrics import emf
from chalicelib.service import downloads, pushing, roster_files, wording
from chalicelib.service.budget import Budget, Timing, budgeted
from chalicelib.service.ratelimit import RateLimit

log = logging.getLogger("haengjeong")
AUTO_REMIND_HOURS = [h for hours in AUTO_REMIND_CHOICES.values() for h in hours] or [0]

MAX_ATTEMPTS = 6  # the time budget ends the retries earlier when the store is slow
BACKOFF_STEP = 0.025  # seconds; the pause before attempt n+1 is uniform in [0, n * step]


@dataclass
class _Turn:
    """One message on its way through the service."""

    key: str
    text: str
    tap: dict[str, Any]  # clientExtra of a tapped quick reply
    request: downloads.Request  # the ports as this message sees them (budgeted)
    facts: dict[str, Any] = field(default_factory=lambda: {"attempts": 0})
    user: User | None = None  # as last read: what the member was doing when something failed


class Bot:
    """The chatbot over a Store (and an Exporter and a Queue for downloads)."""

    def __init__(
        self,
        store: Store,
        exporter: Exporter | None = None,
        clock: Callable[[], datetime] = now_kst,
        queue: Queue | None = None,
        callback: Callable[[str, Reply], bool] | None = None,
        sync_cells: int = downloads.SYNC_CELLS,
        timing: Timing | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        rate_limit: int = 0,
        open_registration: bool = False,
        notifier: Notifier | None = None,
        uploads: Uploads | None = None,
        remind_hours: int = 12,
        keep_days: int = KEEP_DAYS,
        privacy_key: Callable[[], bytes] | None = None,
        anon_batch: int = BATCH,
    ) -> None:
        self.store = store
        self.privacy_key = privacy_key  # the organisation's key for 익명 participation (SSM); None: surveys salt
        self.anon_batch = max(1, anon_batch)  # answers kept without names are shown in batches of this many
        self.notifier = notifier  # Kakao's event channel (알림); None = reminders are off
        self.uploads = uploads  # where 명단 올리기 pages take a file; None = not here
        self.remind_hours = max(1, remind_hours)  # a survey's 알림 at most once in this many hours
        self.keep_days = max(1, keep_days)  # answers kept this many days after closing (the default)
        self.open_registration = open_registration  # registration ignores the roster (HJ_REGISTRATION=open)
        self.exporter = exporter
        self.clock = clock
        self.queue = queue
        self.callback = callback  # delivers a reply through Kakao's one-time callback URL
        self.sync_cells = sync_cells
        self.timing = timing or Timing()
        self.monotonic = monotonic
        self.rate_limit = rate_limit  # messages per person per minute; 0 = no limit
        self.limiter = RateLimit()  # this process's counts (kept between messages)
        self.sleep: Callable[[float], None] = time.sleep
        self.wall_clock: Callable[[], float] = time.time  # epoch seconds of the background work (pushes' leases)

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
        turn = _Turn(key=user_key, text=text, tap=dict(tap or {}), request=request)
        try:
            reply = self._run(turn)
        except Unavailable:
            turn.facts["result"] = "unavailable"
            reply = self._busy(turn)
        turn.facts["ms"] = round((time.perf_counter() - started) * 1000, 1)
        return reply, turn.facts

    def run_export_task(self, task: ExportTask) -> None:
        """The background half of a big export, a step of a push, a roster file (the queue calls this)."""
        if task.kind in pushing.KINDS:
            self.pusher().run(task)
            return
        if task.kind == "roster":
            if self.uploads is not None:
                roster_files.run_import(self.store, self.uploads, task.title, task.user_key, self.clock())
            return
        if task.kind == "roster_remove":
            roster_files.run_removal(self.store, task.title, task.user_key)
            return
        if task.kind == "answer":
            self._keep_unnamed(answer_of(task.extra))
            return
        try:
            downloads.run_task(
                task, self.store, self.exporter, self.callback, self._file_push(), lambda: self.clock().timestamp()
            )
        except Exception as exc:  # counted, then raised: the queue delivers it again (and at last to its DLQ)
            log.error("export build failed", extra={**failure(exc), **emf({"ExportFailures": 1})})
            raise
        log.info("export built", extra=emf({"ExportBuilds": 1}))

    def _run(self, turn: _Turn) -> Reply:
        facts, store, limiter, per_minute = turn.facts, turn.request.store, self.limiter, self.rate_limit
        for attempt in range(1, MAX_ATTEMPTS + 1):
            facts["attempts"] = attempt
            # One round trip: the user (with the conversation state), and with a command the listing
            # of open surveys too (an answer does without it).
            # A tapped 제출 or 예 says which survey it finishes: that and my answer come along instead.
            listed: list[SurveyInfo] | None = None
            known: dict[str, tuple[Survey | None, Answer | None]] = {}
            if sid := reads_survey(turn.text, turn.tap):
                user, survey, answer = store.get_user_survey_and_answer(turn.key, sid)
                if user is None or user.person_key == turn.key:  # else the answer is under the person's key
                    known[sid] = (survey, answer)
            elif reads_listing(turn.text):
                user, listed = store.get_user_and_listing(turn.key)
            else:
                user = store.get_user(turn.key)
            turn.user = user
            upload_ready = self._upload_arrived(user)
            now = self.clock()
            count = limiter.count(turn.key, user, now, per_minute)
            if count is not None and limiter.exceeded(count):
                facts["result"] = "rate_limited"
                return current_prompt(user, wording.slow_down_text(count.retry_after)) or wording.slow_down(
                    count.retry_after
                )
            out = step(
                Ctx.of(
                    turn.key,
                    user,
                    now,
                    store,
                    turn.tap,
                    listed,
                    known,
                    self.open_registration,
                    self.notifier is not None,
                    upload_ready,
                    self.remind_hours,
                    self.keep_days,
                    self.privacy_key,
                    self.anon_batch,
                ),
                turn.text,
            )
            writes: list[Write] = ([PutUser(out.user)] if out.user is not None else []) + out.writes
            writes, counted = limiter.ride(writes, turn.key, user, count)
            try:
                if writes:
                    store.commit(writes)
            except Conflict as exc:
                facts.setdefault("conflicts", []).append(exc.what)
                self._back_off(attempt, turn.request.budget)
                continue
            limiter.record(turn.key, count, counted)
            facts["result"] = "ok"
            facts["writes"] = [type(w).__name__ for w in writes]
            self._after_commit(out.writes, turn)
            self._alert_locks(out.writes)
            if out.notify is not None:
                self._notify(out.notify)
            if out.roster_import:
                self._queue(ExportTask(user_key=turn.key, survey_ids=[], kind="roster", title=out.roster_import))
            for answer in out.deferred:
                self._defer(answer)
            if out.roster_removal:
                task = ExportTask(user_key=turn.key, survey_ids=[], kind="roster_remove", title=out.roster_removal)
                self._queue(task)
            if out.upload_page:
                return self._upload_page(out.reply, out.upload_page, turn.key)
            if out.report is not None:
                return downloads.hand_out_report(out.report, out.reply, turn.request)
            if out.export is not None:
                return downloads.hand_out(out.export, turn.request, self.timing, self.sync_cells, self.clock())
            stored = out.user if out.user is not None else user
            # Files finished in the background are offered on whatever the admin says next.
            if (
                stored is not None
                and ready_files(stored.session)
                and wording.COLLECT not in (q.text for q in out.reply.quick)
            ):
                out.reply.texts.insert(0, wording.FILES_READY)
                out.reply.quick.insert(0, Quick(wording.COLLECT))
            return out.reply
        facts["result"] = "gave_up"
        return self._busy(turn)

    def auto_remind(self) -> int:
        """The scheduled job's reminders: each open survey's automatic ones whose time came, each sent once
        (a conditional write per survey and hour, so a job running twice, or two at once, sends it once)."""
        if self.notifier is None:
            return 0
        from chalicelib.domain.remind import pending

        now, started = self.clock(), 0
        soon = [
            s.id
            for s in self.store.listed_surveys()
            if s.deadline is not None
            and s.is_open(now)
            and not s.full  # every place taken: nobody left to chase
            and s.deadline - now <= timedelta(hours=max(AUTO_REMIND_HOURS))
        ]
        for s in self.store.get_surveys(soon):
            due = [
                h
                for h in s.auto_remind
                if h not in s.auto_reminded and s.deadline and now >= s.deadline - timedelta(hours=h)
            ]
            if not due:
                continue
            marks: list[Write] = [MarkAutoReminded(s.id, h) for h in due]
            entry = AuditEntry("system", "auto_remind", s.id, ",".join(map(str, due)), now.isoformat())
            try:
                self.store.commit([*marks, Audit(entry)])
            except Conflict:  # sent by another run meanwhile
                continue
            keys = pending(self.store, s)
            if keys:
                self._notify(NotifyJob(s.id, s.title, keys, s.owner))
                started += 1
        return started

    def import_upload(self, token: str) -> bool:
        """A roster file arrived under an upload page's ``token`` (the bucket says so): load it and tell its
        uploader on their next message; False when it was not awaited or another run told them."""
        if self.uploads is None:
            return False
        return roster_files.run_import(self.store, self.uploads, token, now=self.clock())

    def announce_opened(self, surveys: Sequence[Survey]) -> None:
        """Surveys the scheduled job opened: with the event channel on, their target hears of it."""
        if self.notifier is None:
            return
        for s in surveys:  # who hears of it is worked out when the push is planned
            self._notify(NotifyJob(s.id, s.title, [], s.owner, kind="opened"))

    def announce_closed(self, survey_ids: list[str]) -> None:
        """Surveys the scheduled job closed: their owners and co-admins get the summary."""
        from chalicelib.domain.admin import closed_notice

        for s in self.store.get_surveys(survey_ids):
            job = closed_notice(s)
            if job is not None:
                self._notify(job)

    def _notify(self, job: NotifyJob) -> None:
        """Queue a push's plan (or run it now without a queue); never fails the reply."""
        self._queue(pushing.new_push(job))

    def pusher(self) -> pushing.Pusher:
        """The steps of pushes, over this bot's store, event channel and queue."""
        return pushing.Pusher(self.store, self.notifier, self._enqueue, self.wall_clock, self.clock)

    def _enqueue(self, tasks: Sequence[ExportTask], delay_seconds: int) -> None:
        """Tasks of background work back on the queue, held back ``delay_seconds``; without a queue, run now."""
        if self.queue is not None:
            self.queue.send_many(tasks, delay_seconds)
        else:
            for task in tasks:
                self.run_export_task(task)

    def _file_push(self) -> Callable[[str], None] | None:
        """How a file finished in the background is announced to who asked: a push, with the event channel."""
        if self.notifier is None:
            return None

        def push(key: str) -> None:
            self._queue(pushing.new_push(NotifyJob("", "", [key], key, kind="file")))

        return push

    def _queue(self, task: ExportTask) -> None:
        """Background work after the reply's writes: on the queue, or now without one; never fails the reply."""
        try:
            if self.queue is not None:
                self.queue.send(task)
            else:
                self.run_export_task(task)
        except Exception as exc:
            log.error("background task failed", extra={"kind": task.kind, **failure(exc)})

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

    def _upload_page(self, reply: Reply, token: str, key: str) -> Reply:
        """The reply to 명단 올리기, with the page's link as a button."""
        if self.uploads is None:
            return wording.sorry(wording.NO_FILES_HERE)
        try:
            link = self.uploads.upload_page(token, key)
        except Exception as exc:
            log.error("upload page failed", extra=failure(exc))
            return wording.sorry(wording.NO_LINK)
        reply.card = Card(
            title="명단 올리기", description=reply.texts.pop(0), buttons=[Button("파일 올리는 곳", url=link.url)]
        )
        return reply

    def _back_off(self, attempt: int, budget: Budget) -> None:
        """A short random pause before re-reading, so racers (e.g. a rush on one survey's
        counters, which DynamoDB answers with TransactionConflict) spread out instead of
        colliding again; never longer than the budget can spare."""
        pause = random.uniform(0, BACKOFF_STEP * attempt)  # noqa: S311 (jitter, not a secret)
        if budget.allows(self.timing.store_call + pause):
            self.sleep(pause)

    def _busy(self, turn: _Turn) -> Reply:
        """'Try again shortly', with the question the member is on (from the session: no store reads)."""
        return current_prompt(turn.user, wording.BUSY) or wording.busy()

    def _defer(self, answer: Answer) -> None:
        """An answer kept without the person, written apart from its participation record and later, at a random
        moment within MAX_DELAY_SECONDS; without a queue (or if the queue refuses it) at once, never lost."""
        task = ExportTask(user_key="", survey_ids=[answer.survey_id], kind="answer", extra=answer_payload(answer))
        if self.queue is not None:
            try:
                self.queue.send(task, delay_seconds=secrets.randbelow(MAX_DELAY_SECONDS) + 1)
                return
            except Exception as exc:  # the record is written: the answer must be too
                log.error("deferring an answer failed", extra=failure(exc))
        self._keep_unnamed(answer)

    def _keep_unnamed(self, answer: Answer) -> None:
        try:
            self.store.commit([KeepUnnamedAnswer(answer)])
        except Conflict:  # its survey was deleted, or its answers purged, meanwhile: it goes with them
            log.info("a deferred answer's survey is gone")

    def _alert_locks(self, writes: list[Write]) -> None:
        """A roster entry just locked after many wrong guesses: every super admin is told on their next message (a
        real person may be locked out), and it is counted."""
        for w in writes:
            if isinstance(w, NoteEntryFailure) and w.strain.until:
                log.warning("roster entry locked", extra=emf({"RosterEntryLocks": 1}))
                try:
                    roster_files.entry_locked(self.store, w.entry, w.strain.until)
                except Exception as exc:  # told or not, the lock holds
                    log.error("lock alert failed", extra=failure(exc))

    @staticmethod
    def _after_commit(writes: list[Write], turn: _Turn) -> None:
        if turn.request.exporter is None:
            return
        for w in writes:
            if isinstance(w, DeleteSurvey):
                downloads.forget(turn.request.exporter, w.survey_id)


def answer_payload(a: Answer) -> dict[str, Any]:
    """A deferred answer as its queue message carries it (no person in it: there is none)."""
    return {"sid": a.survey_id, "key": a.user_key, "values": a.values, "batch": a.batch}


def answer_of(payload: dict[str, Any]) -> Answer:
    batch = payload.get("batch")
    return Answer(
        survey_id=str(payload["sid"]),
        user_key=str(payload["key"]),
        values=dict(payload.get("values") or {}),
        batch=int(batch) if batch is not None else None,
    )
