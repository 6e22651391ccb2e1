"""The sending half of 알림: Kakao's event channel, in batches, with retries, and the admin told how it went.

Runs after the step's write committed (the conditional write that makes a survey's
reminder go out once per interval), on the queue when there is one. Sending is never
part of a chat reply's time: the reply says it is on its way, and the result waits as
a note on the admin's next message. Retries send only to people whose batch failed in
a way worth trying again (timeouts, 5xx, 429); a batch Kakao accepted is never sent
again. A timeout may hide an accepted batch, so a retried person could, rarely, get
two reminders: that is the one double send left, and it is bounded by RETRIES.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from chalicelib.domain.ports import Conflict, ExportTask, Notifier, Store
from chalicelib.domain.session import MAX_NOTES, Session
from chalicelib.domain.words import pp
from chalicelib.domain.writes import PutUser
from chalicelib.logsafe import failure

log = logging.getLogger("haengjeong")

RETRIES = 2  # further attempts for people whose batch failed in a retryable way
BACKOFF_SECONDS = (2.0, 8.0)  # the pause before each retry
NOTE_ATTEMPTS = 5


def send(
    notifier: Notifier, keys: list[str], data: dict[str, str], sleep: Callable[[float], None]
) -> tuple[list[str], list[str]]:
    """Send to ``keys``, again (up to RETRIES times, after a pause) to those whose batch failed in a
    retryable way; returns (reached, not reached)."""
    reached: list[str] = []
    missed: list[str] = []
    for attempt in range(RETRIES + 1):
        if attempt:
            sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1])
        try:
            delivery = notifier.send(keys, data)
        except Exception as exc:  # a bug in the adapter must not lose the note
            log.error("event send failed", extra=failure(exc))
            break
        reached += delivery.accepted
        missed += delivery.failed
        keys = list(delivery.retry)
        if not keys:
            break
    return reached, missed + keys


def run_task(task: ExportTask, store: Store, notifier: Notifier, sleep: Callable[[float], None]) -> dict[str, int]:
    """Send the reminder of ``task`` and leave the admin a note; returns the counts (for logs and tests)."""
    sid = task.survey_ids[0] if task.survey_ids else ""
    reached, missed = send(notifier, list(task.user_keys), {"remind": sid}, sleep)
    counts = {"sent": len(reached), "failed": len(missed)}
    log.info("reminders sent", extra={"survey": sid, **counts})
    note = f"'{task.title}' 알림: {len(reached)}명에게 보냈어요."
    if missed:
        note += f" {len(missed)}명에게는 보내지 못했어요."
    leave_note(store, task.user_key, note)
    return counts


def run_closed(task: ExportTask, store: Store, notifier: Notifier | None, sleep: Callable[[float], None]) -> None:
    """A closed survey's summary to its admins: by Kakao's event channel, or (without it, or where it
    failed) as a note on their next message."""
    sid = task.survey_ids[0] if task.survey_ids else ""
    undelivered = list(task.user_keys)
    if notifier is not None:
        _, undelivered = send(notifier, undelivered, {"summary": sid}, sleep)
    survey = store.get_survey(sid)
    if survey is None or not undelivered:
        return
    answered = len(store.list_answers(sid))
    t = survey.title
    via = pp(t, "(으)로")
    note = f"'{t}'{pp(t, '이(가)')} 마감되었어요. 응답 {answered}명. '다운로드 {t}'{via} 결과를 받아요."
    for key in dict.fromkeys(undelivered):
        leave_note(store, key, note)


def leave_note(store: Store, user_key: str, note: str) -> None:
    """Add ``note`` to what ``user_key`` is told on their next message (re-read on a race)."""
    for _ in range(NOTE_ATTEMPTS):
        user = store.get_user(user_key)
        if user is None:
            return
        session = Session.from_dict(user.session)
        session.notes = [*session.notes, note][-MAX_NOTES:]
        user.session = session.to_dict()
        try:
            store.commit([PutUser(user)])
            return
        except Conflict:  # they were chatting at the same moment
            continue
    log.warning("could not leave a note")
