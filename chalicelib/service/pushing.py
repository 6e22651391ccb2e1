"""Pushes: what the bot sends first through Kakao's Event API, to any number of people, each chunk once.

A push is an 알림 (``remind``), a survey that opened by itself (``opened``), a closed survey's summary for
its admins (``closed``) or a file finished in the background (``file``). It travels through the queue as
three kinds of message, none of which names more than 100 people:

    plan    the push's id, kind, survey, who asked     work out who gets it now, store them as chunks of at
                                                        most 100 (domain.pushlog), then queue one ``send``
                                                        per chunk. Chunks are stored before any is queued,
                                                        so a plan run twice queues the same chunks again
                                                        and nobody lands in two of them.
    send    the push's id, chunk n (and its people)     claim the chunk (a conditional write), call Kakao
                                                        once for its people, then record what Kakao said
    check   the push's id, chunk n                      read Kakao's result of the chunk's accepted task

What a chunk's call comes to decides what follows (``Notifier.send``'s outcomes):

* accepted: a ``check`` is queued (30 s later, then 2 and 10 minutes until the result is complete);
  the result says how many got it and how many could not (not friends of the channel, blocked it);
* not sent (the connection or the sending failed, 5xx, 429): Kakao cannot have acted on it, so the chunk
  goes back to ``queued`` and is sent again a minute later, then five (three calls at most);
* refused for good (a wrong key, bot id or event name): failed;
* no answer after the request went out whole: Kakao may have taken it. There is no idempotency key to ask
  with, so it is never sent again, and the admin is told that those people may or may not have it.

Because every step is a conditional write on the chunk, a message delivered twice, two workers at once
or a retry after a timeout never call Kakao twice for a chunk Kakao took. A worker that dies between
its claim and its record leaves the chunk ``sending``; the queue delivers the message again once its
visibility timeout passes (12 minutes), and the chunk, claimed longer ago than SEND_LEASE, is settled as
"no answer". Progress lives in the push log, not in the function: an invocation sends one chunk.

When every chunk has settled the admin who asked is told once, with the figures: delivered, could not
receive, accepted but not confirmed, no answer, not sent. A closed survey's admins whose summary did not
reach them find it as a line on their next message instead. Sending happens after the reply's writes
commit and never inside a chat reply.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from chalicelib.domain.effects import NotifyJob
from chalicelib.domain.model import PRESENCE, now_kst
from chalicelib.domain.ports import ACCEPTED, NOT_SENT, REFUSED, Notifier, Store
from chalicelib.domain.pushlog import ACCEPTED as CHUNK_ACCEPTED
from chalicelib.domain.pushlog import PLANNED, PLANNING, QUEUED, SENDING, PushChunk, PushHead, PushLog
from chalicelib.domain.record import record
from chalicelib.domain.rules import REMIND_HOURS as INTERVAL_HOURS
from chalicelib.domain.tasks import Attempt, ExportTask
from chalicelib.platform.logsafe import failure
from chalicelib.platform.metrics import emf
from chalicelib.service.reminders import closed_notes, leave_note

log = logging.getLogger("haengjeong")

# A push's kind -> the key of the event data Kakao hands back to the skill (kakao.request.EVENT_PARAMS must
# know each one: tests/functional/test_event_contract.py holds the two together).
EVENT_DATA = {"remind": "remind", "opened": "opened", "closed": "summary", "file": "file"}
KINDS = frozenset(EVENT_DATA)
FILE_READY = "ready"  # the file event's value: the skill hands out whatever files wait for the person

CHUNK_USERS = Notifier.MAX_USERS  # people per chunk: one Event API call
MAX_TRIES = 3  # calls of a chunk Kakao did not take
RETRY_DELAYS = (60, 300)  # seconds before the second and the third
CHECK_DELAYS = (30, 120, 600)  # seconds before each read of an accepted chunk's task result
PLAN_LEASE = 300  # seconds a plan may take before another run takes it over (the function stops at 120)
SEND_LEASE = 300  # seconds after which a chunk still "sending" is taken as abandoned mid-call
KEEP_SECONDS = 14 * 24 * 3600  # how long a push's records are kept

Enqueue = Callable[[Sequence[ExportTask], int], None]  # (tasks, delay in seconds): hand them to the queue


def new_push(job: NotifyJob) -> ExportTask:
    """The plan of a push for ``job`` (its people are worked out when the plan runs)."""
    push_id = f"{job.kind}-{job.survey_id[:16] or 'x'}-{uuid.uuid4().hex[:16]}"
    return ExportTask(
        user_key=job.admin_key,
        survey_ids=[job.survey_id] if job.survey_id else [],
        kind=job.kind,
        title=job.title,
        send=push_id,
        step="plan",
    )


def recipients(
    store: Store, kind: str, survey_id: str, asker: str, now: datetime, remind_hours: int = INTERVAL_HOURS
) -> list[str]:
    """Who gets a push of ``kind`` now: an 알림, the registered people who have not answered (of the whole survey, but
    for the units their own admin reminded within the interval before it); an opening, the survey's people; a close
    summary, its owner and co-admins but whoever closed it; a file, who asked."""
    if kind == "file":
        return [asker] if asker else []
    from chalicelib.domain.audience import people_of  # who a survey is for: the admin's side, loaded by a push
    from chalicelib.domain.remind import pending, reminded_lately
    from chalicelib.domain.unit_admins import narrowed, units_of

    s = store.get_survey(survey_id)
    if s is None:
        return []
    if kind == "remind":
        admin = store.get_user(asker) if asker else None
        units = units_of(admin, s) if admin is not None and admin.scoped else None
        if units is not None:  # an admin of some units reminds their units' people only
            s = narrowed(s, units)
        # the whole survey's (an admin's 알림, or an automatic one): not the units their own admin reminded lately
        skip = reminded_lately(s, now, remind_hours) if units is None else []
        keys = pending(store, s, skip) if s.is_open(now) and units != [] else []
    elif kind == "opened":
        keys = [p.key for p in people_of(store, s.target_unit)[0] if p.key] if s.is_open(now) else []
    else:
        keys = [k for k in [s.owner, *s.coadmins] if k != asker]
    return [k for k in dict.fromkeys(keys) if k]


@record
class Pusher:
    """Runs the steps of pushes (the queue's consumer calls :meth:`run`)."""

    store: Store
    notifier: Notifier | None
    enqueue: Enqueue
    clock: Callable[[], float] = time.time  # epoch seconds (the leases)
    today: Callable[[], datetime] = now_kst  # the conversation's clock (whether a survey is open)
    remind_hours: int = INTERVAL_HOURS  # 알림's interval (the organisation's rules)

    @property
    def pushes(self) -> PushLog:
        return self.store.push_log()

    def run(self, task: ExportTask) -> None:
        if not task.step:  # queued by an earlier version: the same message always plans the same push
            digest = hashlib.sha256(task.to_json().encode("utf-8")).hexdigest()[:16]
            task.send, task.step = f"{task.kind}-old-{digest}", "plan"
        if task.step == "plan":
            self.plan(task)
        elif task.step == "send":
            self.send(task)
        elif task.step == "check":
            self.check(task)
        else:
            log.error("unknown push step", extra={"step": task.step})

    # --- plan ----------------------------------------------------------------------------------

    def plan(self, task: ExportTask) -> None:
        pid, now = task.send, self.clock()
        sid = task.survey_ids[0] if task.survey_ids else ""
        if self.notifier is None:  # no event channel: a close summary waits as a line, nothing else is sent
            if task.kind == "closed":
                closed_notes(self.store, sid, recipients(self.store, task.kind, sid, task.user_key, self.today()))
            return
        head = self.pushes.head(pid)
        mine = False
        if head is None:
            mine = self.pushes.begin(PushHead(pid, task.kind, sid, task.title, task.user_key), now)
            head = self.pushes.head(pid)
        if head is None:
            raise RuntimeError("a push's head vanished while it was planned")
        if head.state == PLANNING:
            if not mine:
                if now - head.started < PLAN_LEASE:  # another run is on it: look again once its lease is over
                    self.enqueue([task], PLAN_LEASE)
                    return
                if not self.pushes.retake(pid, head.started, now):
                    self.enqueue([task], PLAN_LEASE)
                    return
            keys = recipients(self.store, head.kind, head.survey_id, head.admin, self.today(), self.remind_hours)
            chunks = [keys[i : i + CHUNK_USERS] for i in range(0, len(keys), CHUNK_USERS)]
            self.pushes.store_chunks(pid, chunks, now + KEEP_SECONDS)
            head = self.pushes.head(pid) or head
            log.info("push planned", extra={"push": pid, "kind": head.kind, "users": head.users, "chunks": head.chunks})
        if head.state == PLANNED:
            sends = [self._step(head, "send", c) for c in self.pushes.chunks(pid) if c.state == QUEUED]
            if sends:
                self.enqueue(sends, 0)
            self.pushes.mark_queued(pid)
            if head.chunks == 0:
                self._finish(pid)

    @staticmethod
    def _step(head: PushHead, step: str, chunk: PushChunk) -> ExportTask:
        return ExportTask(
            user_key=head.admin,
            survey_ids=[head.survey_id] if head.survey_id else [],
            kind=head.kind,
            title=head.title,
            send=head.id,
            step=step,
            chunk=chunk.n,
            user_keys=list(chunk.keys) if step == "send" else [],
            attempt=chunk.tries,
        )

    # --- send ----------------------------------------------------------------------------------

    def send(self, task: ExportTask) -> None:
        pid, n, now = task.send, task.chunk, self.clock()
        head, c = self.pushes.head(pid), self.pushes.chunk(pid, n)
        if head is None or c is None:
            log.warning("push chunk not found", extra={"push": pid, "chunk": n})
            return
        if c.state == SENDING:
            if now - c.claimed >= SEND_LEASE:  # its worker stopped mid-call: Kakao may have taken it
                self._settle(head, c, SENDING, unconfirmed=len(c.keys))
            else:  # another run is calling Kakao for it now; if that run dies, this look settles it later
                self.enqueue([self._step(head, "send", c)], SEND_LEASE)
            return
        if c.state == CHUNK_ACCEPTED:  # a check may have been lost with a worker: one more is harmless
            self.enqueue([self._step(head, "check", c)], CHECK_DELAYS[0])
            return
        if c.state != QUEUED:
            return  # settled
        if self.notifier is None:  # reminders were switched off meanwhile
            if self.pushes.claim(pid, n, c.tries, now):
                self._settle(head, c, SENDING, failed=len(c.keys))
            return
        if not self.pushes.claim(pid, n, c.tries, now):
            return  # another run claimed it first
        tries = c.tries + 1
        attempt = self._call(head, c.keys)
        if attempt.outcome == ACCEPTED:
            if not attempt.task_id:  # accepted without a task id: nothing to check it by
                self._settle(head, c, SENDING, unchecked=len(c.keys))
            elif self.pushes.accept(pid, n, tries, attempt.task_id):
                c.task_id, c.state = attempt.task_id, CHUNK_ACCEPTED
                self.enqueue([self._step(head, "check", c)], CHECK_DELAYS[0])
        elif attempt.outcome == NOT_SENT and tries < MAX_TRIES:
            if self.pushes.release(pid, n, tries):
                c.tries = tries
                self.enqueue([self._step(head, "send", c)], RETRY_DELAYS[min(tries, len(RETRY_DELAYS)) - 1])
        elif attempt.outcome in (NOT_SENT, REFUSED):
            self._settle(head, c, SENDING, failed=len(c.keys))
        else:
            self._settle(head, c, SENDING, unconfirmed=len(c.keys))

    def _call(self, head: PushHead, keys: list[str]) -> Attempt:
        data = {EVENT_DATA[head.kind]: head.survey_id if head.kind != "file" else FILE_READY}
        if self.notifier is None:
            return Attempt(NOT_SENT)
        try:
            return self.notifier.send(keys, data)
        except Exception as exc:  # raised before any request (the key unreadable, a bug): not sent
            log.error("push call failed", extra={"push": head.id, **failure(exc)})
            return Attempt(NOT_SENT)

    # --- check ---------------------------------------------------------------------------------

    def check(self, task: ExportTask) -> None:
        pid, n = task.send, task.chunk
        head, c = self.pushes.head(pid), self.pushes.chunk(pid, n)
        if head is None or c is None or c.state != CHUNK_ACCEPTED:
            return  # settled already
        result = None
        if self.notifier is not None:
            try:
                result = self.notifier.result(c.task_id)
            except Exception as exc:
                log.warning("push result unreadable", extra={"push": pid, **failure(exc)})
        people = len(c.keys)
        delivered = min(result.delivered, people) if result is not None else 0
        unreachable = min(result.failed, people - delivered) if result is not None else 0
        if result is not None and result.complete:
            self._settle(
                head,
                c,
                CHUNK_ACCEPTED,
                delivered=delivered,
                unreachable=unreachable,
                unchecked=people - delivered - unreachable,
                failed_keys=result.failed_keys,
            )
            return
        if c.checks + 1 < len(CHECK_DELAYS):
            if self.pushes.count_check(pid, n, c.checks):
                self.enqueue([self._step(head, "check", c)], CHECK_DELAYS[c.checks + 1])
            return
        self._settle(
            head,
            c,
            CHUNK_ACCEPTED,
            delivered=delivered,
            unreachable=unreachable,
            unchecked=people - delivered - unreachable,
        )

    # --- settling and telling ------------------------------------------------------------------

    def _settle(
        self,
        head: PushHead,
        c: PushChunk,
        expect: str,
        failed_keys: Sequence[str] = (),
        **figures: int,
    ) -> None:
        if not self.pushes.settle(head.id, c.n, expect, figures):
            return  # settled by another run
        missed = figures.get("failed", 0) + figures.get("unconfirmed", 0)
        counts = {
            "RemindersSent": len(c.keys) - missed,
            "RemindersDelivered": figures.get("delivered", 0),
            "RemindersUnreachable": figures.get("unreachable", 0),
            "RemindersFailed": missed,
        }
        log.info(
            "push chunk settled", extra={"push": head.id, "kind": head.kind, "chunk": c.n, **figures, **emf(counts)}
        )
        if head.kind == "closed":
            self._summary_notes(head, c, figures, failed_keys)
        self._finish(head.id)

    def _summary_notes(self, head: PushHead, c: PushChunk, figures: dict[str, int], failed_keys: Sequence[str]) -> None:
        """Admins a close summary may not have reached find it on their next message."""
        delivered = figures.get("delivered", 0)
        if delivered >= len(c.keys):
            return
        named = [k for k in failed_keys if k in c.keys]
        closed_notes(self.store, head.survey_id, list(c.keys) if len(c.keys) - delivered > len(named) else named)

    def _finish(self, push_id: str) -> None:
        head = self.pushes.head(push_id)
        if head is None or not head.done or head.kind not in ("remind", "opened") or not head.admin:
            return
        if head.kind == "opened" and head.chunks == 0:
            return  # nobody to announce it to: nothing worth a line
        if not self.pushes.claim_note(push_id):
            return
        log.info("push done", extra={"push": push_id, "kind": head.kind, "users": head.users, **head.figures})
        s = self.store.get_survey(head.survey_id) if head.kind == "remind" else None
        leave_note(self.store, head.admin, note_text(head, counted=s is None or s.mode != PRESENCE))


def note_text(head: PushHead, counted: bool = True) -> str:
    """What the admin who asked is told once every chunk has settled. Not ``counted`` (an 알림 of a 참여만 확인
    survey): no number, since who it reached is who had not taken part, live, and 미응답 shows full batches only."""
    what = "열림 알림" if head.kind == "opened" else "알림"
    lead = f"'{head.title}' {what}:"
    if not counted:
        return f"{lead} 보냈어요. 참여만 확인 신청이라 몇 명에게 전해졌는지는 알리지 않아요(누가 참여했는지 드러나요)."
    users = head.users
    if users == 0:
        return f"{lead} 보낼 사람이 없었어요. 그사이 모두 응답했어요."
    f = head.figures
    delivered, unreachable, unchecked = f.get("delivered", 0), f.get("unreachable", 0), f.get("unchecked", 0)
    failed, unconfirmed = f.get("failed", 0), f.get("unconfirmed", 0)
    if delivered == users:
        return f"{lead} {users:,}명 모두에게 전해졌어요."
    parts: list[str] = []
    if delivered:
        parts.append(f"{users:,}명 중 {delivered:,}명에게 전해졌어요.")
    if unreachable:
        parts.append(f"{unreachable:,}명은 채널을 추가하지 않았거나 차단해서 받지 못했어요.")
    if unchecked == users:
        parts.append(f"카카오가 {users:,}명 몫을 받았지만 전해졌는지는 확인하지 못했어요.")
    elif unchecked:
        parts.append(f"{unchecked:,}명 몫은 카카오가 받았지만 전해졌는지는 확인하지 못했어요.")
    if unconfirmed:
        parts.append(f"{unconfirmed:,}명은 카카오가 답하지 않아 보내졌는지 알 수 없어요.")
    if failed == users:
        parts.append(f"{users:,}명 모두에게 보내지 못했어요.")
    elif failed:
        parts.append(f"{failed:,}명에게는 보내지 못했어요.")
    return " ".join([lead, *parts])
