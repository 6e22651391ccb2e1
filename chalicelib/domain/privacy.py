"""How answers are kept without the person (익명, 참여만 확인), who has taken part, and what an admin may see.

A survey in one of these modes stores each answer under a random id, with no name, unit,
key or time of the person, and a participation record in the partition ``p#<survey id>``
whose key is that of the person: their person key itself (참여만 확인: 미응답 knows who took
part) or, in 익명, an HMAC of it under the **organisation's privacy key**, which lives in SSM
and never in a table (surveys of earlier versions used a salt kept on the survey item). The
record is what makes one response per person true: it is written, with the counters, only
where none exists.

The answer itself is written apart from the record, later and at a random moment (through
the queue, up to :data:`MAX_DELAY_SECONDS`): the record carries no time, the answer none
either, and their writes are minutes apart and mixed with others, so neither a dump of the
tables nor a point-in-time restore pairs them.

What an admin sees of such a survey moves in **batches** (``Survey.batch_size``, by default
:data:`BATCH` from ``HJ_ANON_BATCH``): each submission joins the first batch that has fewer
than that many, and an answer is shown (in 현황, 결과 보기, 요약, the exports) and its person
counted as having taken part (참여만 확인's 미응답) only once its batch is full. So between any
two looks an admin sees at least a batch of new answers and as many new participants, never
one person's answer: a submission changes nothing an admin can see until the batch fills, and
the last batch of fewer than that stays hidden. The member's own view is not batched: they
are told at once that they took part.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import Any

from chalicelib.domain.kinds import option_deltas
from chalicelib.domain.model import ANONYMOUS, ANSWER_PREFIX, NAMED, PARTICIPATION, PRESENCE, Answer, Survey
from chalicelib.domain.ports import Reader

BATCH = 5  # answers shown together, at least, of a survey kept without names (HJ_ANON_BATCH)
MAX_DELAY_SECONDS = 900  # an anonymous answer is written within this after its participation record
BATCH_KEY = "#b:"  # the per-batch counters among a survey's option_counts: "#b:0", "#b:1", ...


class NoPrivacyKey(Exception):
    """A 익명 survey needs the organisation's privacy key, and none is configured here."""


def participation_key(s: Survey, person: str, key: bytes | None) -> str:
    """The key of ``person``'s participation record in ``s`` (``key``: the organisation's privacy key)."""
    if s.mode == PRESENCE:
        return person
    if s.salt:  # a survey of an earlier version: its own salt, kept on its item
        return hmac.new(s.salt.encode(), person.encode(), hashlib.sha256).hexdigest()
    if not key:
        raise NoPrivacyKey(s.id)
    return hmac.new(key, f"{s.id}:{person}".encode(), hashlib.sha256).hexdigest()


def participated(db: Reader, s: Survey, person: str, key: bytes | None) -> bool:
    """Whether ``person`` has answered ``s`` (one small read)."""
    return db.get_answer(PARTICIPATION + s.id, participation_key(s, person, key)) is not None


def batch_for(s: Survey) -> int | None:
    """The batch a new submission joins: the first with fewer than the survey's batch size (None: not batched)."""
    if not s.batch_size:
        return None
    n = 0
    while s.option_counts.get(f"{BATCH_KEY}{n}", 0) >= s.batch_size:
        n += 1
    return n


def full_batches(s: Survey) -> set[int]:
    """The batches that are full: what an admin may see."""
    return {
        int(k[len(BATCH_KEY) :])
        for k, v in s.option_counts.items()
        if k.startswith(BATCH_KEY) and v >= (s.batch_size or 1)
    }


def shown(s: Survey, answers: Sequence[Answer]) -> list[Answer]:
    """The answers of ``s`` an admin may see: all of a named survey's; of one kept without names, those of full
    batches (and those written before batches existed), in an order that says nothing of when they came."""
    if not s.anonymous:
        return list(answers)
    full = full_batches(s)
    kept = [a for a in answers if a.batch is None or a.batch in full] if s.batch_size else list(answers)
    return sorted(kept, key=lambda a: repr(sorted(a.values.items())))


def shown_count(s: Survey) -> int:
    """How many responses an admin is told of: all of a named survey's, the full batches' of one without names."""
    if not (s.anonymous and s.batch_size):
        return s.response_count
    return sum(v for k, v in s.option_counts.items() if k.startswith(BATCH_KEY) and v >= s.batch_size)


def waiting_count(s: Survey) -> int:
    """Responses not shown yet, for want of a full batch (0 for a named survey)."""
    return s.response_count - shown_count(s)


def unnamed_answer(s: Survey, values: dict[str, Any], batch: int | None = None) -> Answer:
    """An answer to ``s`` that says nothing of who gave it."""
    return Answer(survey_id=s.id, user_key=ANSWER_PREFIX + secrets.token_hex(16), values=dict(values), batch=batch)


def participation(s: Survey, person: str, key: bytes | None, batch: int | None = None) -> Answer:
    """The record that ``person`` took part in ``s`` (version 0: written only where none exists)."""
    return Answer(survey_id=PARTICIPATION + s.id, user_key=participation_key(s, person, key), values={}, batch=batch)


def answered_keys(db: Reader, s: Survey) -> set[str] | None:
    """The person keys of those an admin may know answered ``s``: everyone who did, in a named survey; in
    참여만 확인 those of full batches; None in 익명, where nobody can know."""
    if s.mode == NAMED:
        return db.answer_keys(s.id)
    if s.mode == ANONYMOUS:
        return None
    records = db.list_answers(PARTICIPATION + s.id)
    full = full_batches(s)
    return {r.user_key for r in records if not s.batch_size or r.batch is None or r.batch in full}


def took_part(db: Reader, s: Survey) -> set[str]:
    """Everyone who took part in a 참여만 확인 survey, full batch or not (whom not to remind); empty in 익명."""
    if s.mode != PRESENCE:
        return set()
    return {r.user_key for r in db.list_answers(PARTICIPATION + s.id)}


ANONYMOUS_NOTE = "익명 신청이라 관리자는 누가 응답했는지 알 수 없어요."


def batch_note(s: Survey) -> str:
    """Why the figures move in steps: always the same words (whether anyone waits is itself not told)."""
    if not (s.anonymous and s.batch_size > 1):
        return ""
    return f"답은 {s.batch_size}명씩 모이면 함께 보여요(한 사람의 답을 알아볼 수 없도록)."


def as_shown(s: Survey, answers: Sequence[Answer]) -> Survey:
    """``s`` as an admin is shown it beside ``answers`` (those :func:`shown` lets them see): a survey kept without
    names gets the counters of those answers, so places left and counts move with the batches too."""
    if not (s.anonymous and s.batch_size):
        return s

    counts = {k: 0 for k in s.option_counts if not k.startswith(BATCH_KEY)}
    for a in answers:
        for k, d in option_deltas(s.questions, {}, a.values).items():
            counts[k] = counts.get(k, 0) + d
    return dataclasses.replace(s, option_counts=counts, response_count=len(answers))


def mode_note(s: Survey) -> str:
    """What a member is told before answering a survey kept without names ("" for 실명)."""
    if s.mode == ANONYMOUS:
        return (
            "익명 신청이에요: 답은 이름 없이, 몇 분 안에 따로 저장돼요. 관리자는 누가 응답했는지도 알 수 없어요. "
            "제출한 뒤에는 고치거나 취소할 수 없어요."
        )
    if s.mode == PRESENCE:
        return "답은 이름 없이 저장돼요. 관리자는 참여 여부만 알 수 있어요. 제출한 뒤에는 고치거나 취소할 수 없어요."
    return ""
