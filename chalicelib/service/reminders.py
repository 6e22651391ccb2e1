"""The sending half of 알림: Kakao's event channel, in batches, with retries, and the admin told how it went.

Runs after the step's write committed (the conditional write that makes a survey's
reminder go out once per interval), on the queue when there is one. Sending is never
part of a chat reply's time: the reply says it is on its way, and the result waits as
a note on the admin's next message. Each run makes one attempt; the people whose batch
failed in a way worth trying again (timeouts, 5xx, 429) go back on the queue, held back
a minute, then five (Kakao's trouble rarely passes in seconds, and no function waits
meanwhile); a batch Kakao accepted is never sent again. A timeout may hide an accepted
batch, so a retried person could, rarely, get two reminders: that is the one double
send left, and it is bounded by RETRIES.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from chalicelib.domain.ports import Conflict, ExportTask, Notifier, Store
from chalicelib.domain.session import MAX_NOTES, Session
from chalicelib.domain.words import pp
from chalicelib.domain.writes import PutUser
from chalicelib.logsafe import failure
from chalicelib.metrics import emf

log = logging.getLogger("haengjeong")

RETRIES = 2  # further attempts for people whose batch failed in a retryable way
BACKOFF_SECONDS = (60, 300)  # how long the queue holds each retry back
NOTE_ATTEMPTS = 5

Requeue = Callable[[ExportTask, int], None]  # (task, delay in seconds): hand the task back to the queue


def attempt(
    notifier: Notifier, task: ExportTask, data: dict[str, str], requeue: Requeue
) -> tuple[list[str], list[str]]:
    """One attempt at ``task.user_keys``; the people whose batch failed in a retryable way go back to the
    queue as a retry of ``task``, held back a while (RETRIES at most). Returns (reached now, given up on now)."""
    try:
        delivery = notifier.send(list(task.user_keys), data)
    except Exception as exc:  # a bug in the adapter must not lose the note
        log.error("event send failed", extra=failure(exc))
        return [], list(task.user_keys)
    again = list(delivery.retry)
    given_up = list(delivery.failed)
    if again and task.attempt < RETRIES:
        retry = replace(
            task,
            user_keys=again,
            attempt=task.attempt + 1,
            reached=task.reached + len(delivery.accepted),
            missed=task.missed + len(given_up),
        )
        try:
            requeue(retry, BACKOFF_SECONDS[min(task.attempt, len(BACKOFF_SECONDS) - 1)])
            return list(delivery.accepted), given_up
        except Exception as exc:  # no queue to come back on: these people are not reached
            log.error("event retry not queued", extra=failure(exc))
    return list(delivery.accepted), given_up + again


def run_task(task: ExportTask, store: Store, notifier: Notifier, requeue: Requeue) -> dict[str, int]:
    """One attempt at the reminder of ``task``; the admin's note once no retry is left to come (for logs and
    tests: the counts of this attempt)."""
    sid = task.survey_ids[0] if task.survey_ids else ""
    retries: list[ExportTask] = []

    def keep(retry: ExportTask, delay: int) -> None:
        requeue(retry, delay)
        retries.append(retry)

    reached, missed = attempt(notifier, task, {task.kind if task.kind == "opened" else "remind": sid}, keep)
    counts = {"sent": len(reached), "failed": len(missed), "retry": sum(len(r.user_keys) for r in retries)}
    sent = emf({"RemindersSent": counts["sent"], "RemindersFailed": counts["failed"]})
    log.info("reminders sent", extra={"survey": sid, "attempt": task.attempt, **counts, **sent})
    if retries:  # the retry tells the admin, with these counts carried along
        return counts
    reached_all, missed_all = task.reached + len(reached), task.missed + len(missed)
    what = "열림 알림" if task.kind == "opened" else "알림"
    note = f"'{task.title}' {what}: {reached_all}명에게 보냈어요."
    if missed_all:
        note += f" {missed_all}명에게는 보내지 못했어요."
    leave_note(store, task.user_key, note)
    return counts


def run_closed(task: ExportTask, store: Store, notifier: Notifier | None, requeue: Requeue) -> None:
    """A closed survey's summary to its admins: by Kakao's event channel, or (without it, or where it
    failed for good) as a note on their next message."""
    sid = task.survey_ids[0] if task.survey_ids else ""
    undelivered = list(task.user_keys)
    if notifier is not None:
        _, undelivered = attempt(notifier, task, {"summary": sid}, requeue)
    survey = store.get_survey(sid)
    if survey is None or not undelivered:
        return
    answered = len(store.list_answers(sid))
    t = survey.title
    via = pp(t, "(으)로")
    note = f"'{t}'{pp(t, '이(가)')} 마감되었어요. 응답 {answered}명. '다운로드 {t}'{via} 결과를 받아요."
    for key in dict.fromkeys(undelivered):
        leave_note(store, key, note)


def leave_note(store: Store, user_key: str, note: str, settles: str = "") -> bool:
    """Add ``note`` to what ``user_key`` is told on their next message (re-read on a race).

    With ``settles`` (an upload page's token), only while that upload is still pending, and it stops
    being pending in the same write: of two runs that finished the same upload, one tells the admin.
    Returns whether the note was left."""
    for _ in range(NOTE_ATTEMPTS):
        user = store.get_user(user_key)
        if user is None:
            return False
        session = Session.from_dict(user.session)
        if settles:
            if session.upload != settles:
                return False
            session.upload, session.upload_until = "", ""
        session.notes = [*session.notes, note][-MAX_NOTES:]
        user.session = session.to_dict()
        try:
            store.commit([PutUser(user)])
            return True
        except Conflict:  # they were chatting at the same moment
            continue
    log.warning("could not leave a note")
    return False
