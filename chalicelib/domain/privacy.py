"""How answers are kept without the person (익명, 참여만 확인), and who has taken part.

A survey in one of these modes stores each answer under a random id, with no name, unit,
key or time of the person, and in the same transaction a participation record in the
partition ``p#<survey id>`` whose key is that of the person: the person's key itself
(참여만 확인: 미응답 knows who took part) or an HMAC of it under the survey's own salt
(익명). The record carries nothing of the answer, and no field of the answer derives from
the person, so the two cannot be paired: not by key, not by time (neither has one), not by
order (answers are kept in the order of their random ids). The record is what makes one
response per person true: it is written only where none exists.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from chalicelib.domain.model import ANONYMOUS, ANSWER_PREFIX, NAMED, PARTICIPATION, PRESENCE, Answer, Survey
from chalicelib.domain.ports import Reader


def participation_key(s: Survey, user_key: str) -> str:
    """The key of ``user_key``'s participation record in ``s``."""
    if s.mode == PRESENCE:
        return user_key
    return hmac.new(s.salt.encode(), user_key.encode(), hashlib.sha256).hexdigest()


def participated(db: Reader, s: Survey, user_key: str) -> bool:
    """Whether ``user_key`` has answered ``s`` (one small read)."""
    return db.get_answer(PARTICIPATION + s.id, participation_key(s, user_key)) is not None


def unnamed_answer(s: Survey, values: dict[str, Any]) -> Answer:
    """An answer to ``s`` that says nothing of who gave it."""
    return Answer(survey_id=s.id, user_key=ANSWER_PREFIX + secrets.token_hex(16), values=dict(values))


def participation(s: Survey, user_key: str) -> Answer:
    """The record that ``user_key`` took part in ``s`` (version 0: written only where none exists)."""
    return Answer(survey_id=PARTICIPATION + s.id, user_key=participation_key(s, user_key), values={})


def answered_keys(db: Reader, s: Survey) -> set[str] | None:
    """The keys of the people who answered ``s``; None for 익명, where nobody can know."""
    if s.mode == NAMED:
        return {a.user_key for a in db.list_answers(s.id)}
    if s.mode == ANONYMOUS:
        return None
    return set(db.participants(s.id))


ANONYMOUS_NOTE = "익명 신청이라 누가 응답했는지는 아무도 알 수 없어요."


def mode_note(s: Survey) -> str:
    """What a member is told before answering a survey kept without names ("" for 실명)."""
    if s.mode == ANONYMOUS:
        return (
            "익명 신청이에요: 답은 이름 없이 저장되고, 누가 냈는지도 남지 않아요. "
            "제출한 뒤에는 고치거나 취소할 수 없어요."
        )
    if s.mode == PRESENCE:
        return "답은 이름 없이 저장돼요. 관리자는 참여 여부만 알 수 있어요. 제출한 뒤에는 고치거나 취소할 수 없어요."
    return ""
