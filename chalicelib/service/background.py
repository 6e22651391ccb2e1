"""The bot's work outside a reply: the queue's tasks (big exports, pushes, roster files, answers kept without
names), the scheduled job's reminders and announcements, and how work reaches the queue.

Every piece of it goes through :meth:`Background.queue` (or runs at once where there is no queue), and none of
it may fail a reply: what fails is logged and counted, and the queue delivers it again.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain import census
from chalicelib.domain.effects import NotifyJob
from chalicelib.domain.model import Answer, AuditEntry, Survey, now_kst
from chalicelib.domain.ports import Conflict, Exporter, Notifier, Queue, Store, Uploads
from chalicelib.domain.privacy import MAX_DELAY_SECONDS
from chalicelib.domain.reply import Reply
from chalicelib.domain.rules import Rules
from chalicelib.domain.tasks import ExportTask
from chalicelib.domain.writes import Audit, KeepUnnamedAnswer, MarkAutoReminded, Write
from chalicelib.platform.logsafe import failure
from chalicelib.platform.metrics import emf
from chalicelib.service import downloads

if TYPE_CHECKING:
    from chalicelib.service import pushing

log = logging.getLogger("haengjeong")
CENSUS_ATTEMPTS = 6  # a background census waits for settled indexes this many times at most
CENSUS_RETRY_SECONDS = 30  # ... this long each time (domain.census: how long the indexes may lag)
CENSUS_DELAY_SECONDS = 5  # a census is counted this long after what asked for it (the indexes then show it)


class Background:
    """The ports of background work and what runs on them; the bot is one (:class:`chalicelib.service.bot.Bot`)."""

    def __init__(
        self,
        store: Store,
        exporter: Exporter | None = None,
        *,
        queue: Queue | None = None,
        notifier: Notifier | None = None,
        uploads: Uploads | None = None,
        callback: Callable[[str, Reply], bool] | None = None,
        clock: Callable[[], datetime] = now_kst,
        rules: Rules | None = None,
    ) -> None:
        self.store = store
        self.rules = rules or Rules()  # the organisation's settings (알림's interval, among others)
        self.exporter = exporter
        self.queue = queue
        self.notifier = notifier  # Kakao's event channel (알림); None = reminders are off
        self.uploads = uploads  # where 명단 올리기 pages take a file; None = not here
        self.callback = callback  # delivers a reply through Kakao's one-time callback URL
        self.clock = clock
        self.wall_clock: Callable[[], float] = time.time  # epoch seconds of the background work (pushes' leases)

    # --- the queue's tasks ---------------------------------------------------------------------------

    def run_export_task(self, task: ExportTask) -> None:
        """The background half of a big export, a step of a push, a roster file, an answer (the queue calls this)."""
        from chalicelib.service import pushing  # pushes: imported by the first that is sent or run

        if task.kind in pushing.KINDS:
            self.pusher().run(task)
        elif task.kind == "roster":
            from chalicelib.service import roster_files  # the roster's loads: a worker's, imported on the first

            if self.uploads is not None:
                roster_files.run_import(self.store, self.uploads, task.title, task.user_key, self.clock())
        elif task.kind == "roster_remove":
            from chalicelib.service import roster_files

            roster_files.run_removal(self.store, task.title, task.user_key)
        elif task.kind == "answer":
            self.keep_unnamed(answer_of(task.extra))
        elif task.kind == "census":
            self.take_census(task)
        else:
            self._build_export(task)

    def _build_export(self, task: ExportTask) -> None:
        try:
            downloads.run_task(
                task, self.store, self.exporter, self.callback, self.file_push(), lambda: self.clock().timestamp()
            )
        except Exception as exc:  # counted, then raised: the queue delivers it again (and at last to its DLQ)
            log.error("export build failed", extra={**failure(exc), **emf({"ExportFailures": 1})})
            raise
        log.info("export built", extra=emf({"ExportBuilds": 1}))

    def take_census(self, task: ExportTask) -> None:
        """Count a survey's people and keep its census (domain.census), a view's work when there are too many to
        count while an admin waits. A change meanwhile, or indexes that may still lag one, make it try again later,
        a few times: the next view asks again anyway."""
        keep, later = census.taken(self.store, task.survey_ids[0])
        if keep is not None:
            try:
                self.store.commit([keep])
                log.info("census kept", extra={"survey": task.survey_ids[0]})
                return
            except Conflict:
                later = True
        if later and task.attempt < CENSUS_ATTEMPTS:
            self.enqueue([dataclasses.replace(task, attempt=task.attempt + 1)], CENSUS_RETRY_SECONDS)

    def queue_task(self, task: ExportTask) -> None:
        """Background work after the reply's writes: on the queue, or now without one; never fails the reply."""
        try:
            if self.queue is not None:
                self.queue.send(task)
            else:
                self.run_export_task(task)
        except Exception as exc:
            log.error("background task failed", extra={"kind": task.kind, **failure(exc)})

    def enqueue(self, tasks: Sequence[ExportTask], delay_seconds: int) -> None:
        """Tasks of background work back on the queue, held back ``delay_seconds``; without a queue, run now."""
        if self.queue is not None:
            self.queue.send_many(tasks, delay_seconds)
        else:
            for task in tasks:
                self.run_export_task(task)

    # --- pushes ----------------------------------------------------------------------------------------

    def notify(self, job: NotifyJob) -> None:
        """Queue a push's plan (or run it now without a queue); never fails the reply."""
        from chalicelib.service import pushing

        self.queue_task(pushing.new_push(job))

    def pusher(self) -> pushing.Pusher:
        """The steps of pushes, over this bot's store, event channel and queue."""
        from chalicelib.service import pushing

        return pushing.Pusher(
            self.store, self.notifier, self.enqueue, self.wall_clock, self.clock, self.rules.remind_hours
        )

    def file_push(self) -> Callable[[str], None] | None:
        """How a file finished in the background is announced to who asked: a push, with the event channel."""
        if self.notifier is None:
            return None

        def push(key: str) -> None:
            self.notify(NotifyJob("", "", [key], key, kind="file"))

        return push

    # --- answers kept without names ------------------------------------------------------------------

    def defer(self, answer: Answer) -> None:
        """An answer kept without the person, written apart from its participation record and later, at a random
        moment within MAX_DELAY_SECONDS; without a queue (or if the queue refuses it) at once, never lost."""
        task = ExportTask(user_key="", survey_ids=[answer.survey_id], kind="answer", extra=answer_payload(answer))
        if self.queue is not None:
            try:
                self.queue.send(task, delay_seconds=secrets.randbelow(MAX_DELAY_SECONDS) + 1)
                return
            except Exception as exc:  # the record is written: the answer must be too
                log.error("deferring an answer failed", extra=failure(exc))
        self.keep_unnamed(answer)

    def keep_unnamed(self, answer: Answer) -> None:
        try:
            self.store.commit([KeepUnnamedAnswer(answer)])
        except Conflict:  # its survey was deleted, or its answers purged, meanwhile: it goes with them
            log.info("a deferred answer's survey is gone")

    # --- the scheduled job ---------------------------------------------------------------------------

    def auto_remind(self) -> int:
        """The scheduled job's reminders: each open survey's automatic ones whose time came, each sent once
        (a conditional write per survey and hour, so a job running twice, or two at once, sends it once)."""
        from chalicelib.domain.remind import pending, reminded_lately  # the minute job's (not a chat message's)

        if self.notifier is None:
            return 0

        now, started = self.clock(), 0
        for s in self.store.get_surveys(self._near_deadline(now)):
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
            # as an admin's 알림 of the whole survey: not the units their own admin reminded within the interval
            keys = pending(self.store, s, reminded_lately(s, now, self.rules.remind_hours))
            if keys:
                self.notify(NotifyJob(s.id, s.title, keys, s.owner))
                started += 1
        return started

    def _near_deadline(self, now: datetime) -> list[str]:
        """Open surveys with places left whose deadline is within the longest automatic reminder."""
        from chalicelib.domain.wizard_settings import AUTO_REMIND_CHOICES  # the minute job's, not a message's

        longest = max([h for hours in AUTO_REMIND_CHOICES.values() for h in hours] or [0])
        return [
            s.id
            for s in self.store.listed_surveys()
            if s.deadline is not None
            and s.is_open(now)
            and not s.full  # every place taken: nobody left to chase
            and s.deadline - now <= timedelta(hours=longest)
        ]

    def announce_opened(self, surveys: Sequence[Survey]) -> None:
        """Surveys the scheduled job opened: their people counted in the background (domain.census: their first
        현황 reads a census), and with the event channel on, their target hears of it."""
        counts = [ExportTask(user_key=s.owner, survey_ids=[s.id], kind="census") for s in surveys if not s.anonymous]
        if counts:
            try:
                self.enqueue(counts, CENSUS_DELAY_SECONDS)
            except Exception as exc:  # their first view counts them instead
                log.error("census not queued", extra=failure(exc))
        if self.notifier is None:
            return
        for s in surveys:  # who hears of it is worked out when the push is planned
            self.notify(NotifyJob(s.id, s.title, [], s.owner, kind="opened"))

    def announce_closed(self, survey_ids: list[str]) -> None:
        """Surveys the scheduled job closed: their owners and co-admins get the summary."""
        from chalicelib.domain.admin import closed_notice

        for s in self.store.get_surveys(survey_ids):
            for job in closed_notice(s):
                self.notify(job)

    def import_upload(self, token: str) -> bool:
        """A roster file arrived under an upload page's ``token`` (the bucket says so): load it and tell its
        uploader on their next message; False when it was not awaited or another run told them."""
        if self.uploads is None:
            return False
        from chalicelib.service import roster_files

        return roster_files.run_import(self.store, self.uploads, token, now=self.clock())


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
