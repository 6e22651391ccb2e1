"""Notes: lines a person is told on their next message (how a push went, a summary without the event channel).

Sending itself is ``service.pushing``: pushes go through the queue in chunks of at most 100 people, and
the admin who asked is told how it went with :func:`leave_note` once every chunk has settled.
"""

from __future__ import annotations

import logging

from chalicelib.domain.particles import pp
from chalicelib.domain.ports import Conflict, Store
from chalicelib.domain.session import MAX_NOTES, Session
from chalicelib.domain.writes import PutUser

log = logging.getLogger("haengjeong")

NOTE_ATTEMPTS = 5


def closed_notes(store: Store, survey_id: str, keys: list[str]) -> None:
    """A closed survey's summary as a line on its admins' next message (without Kakao's event channel)."""
    survey = store.get_survey(survey_id)
    if survey is None or not keys:
        return
    answered = len(store.list_answers(survey_id))
    t = survey.title
    note = f"'{t}'{pp(t, '이(가)')} 마감되었어요. 응답 {answered}명. '다운로드 {t}'{pp(t, '(으)로')} 결과를 받아요."
    for key in dict.fromkeys(keys):
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
