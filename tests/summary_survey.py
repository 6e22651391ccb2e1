"""A survey that exercises the 요약 sheet, opened and answered through the chat: the BBQ survey with 수량 counted
in 인분 and a 복수선택 question, answered by four members (one without a unit) while a fifth has not answered."""

from __future__ import annotations

import dataclasses
from typing import Any

from harness import Chat

from chalicelib.domain.model import ADMIN
from scripts.wizard import TITLE, bbq_messages

SECRET_NOTE = "비밀 메모 하나"  # a free-text answer: never in 요약


def rich_bbq_messages() -> list[str]:
    """The BBQ survey with 수량 counted in 인분 and a 복수선택 question 곁들임 added at the end."""
    msgs = bbq_messages()
    msgs[msgs.index("1~5")] = "1~5 인분"
    end = msgs.index("질문 끝")
    return [*msgs[:end], "곁들임", "복수선택", "콜라, 사이다, 맥주", "제한 없음", "생략 가능", *msgs[end:]]


# who, unit, then the answers to 메뉴 · 수량 · 메모 · 곁들임 (typed as a list, or one option then 선택 완료)
ANSWERS = [
    ("홍길동", "1중대", "치킨", "3", SECRET_NOTE, "콜라, 맥주"),
    ("김철수", "1중대", "피자", "2", "건너뛰기", "콜라", "선택 완료"),
    ("이영희", "2중대", "치킨", "5", "건너뛰기", "건너뛰기"),
    ("박민수", "", "족발", "4인분", "맛있게 부탁해요", "사이다", "선택 완료"),
]


def answered_chat(exporter: Any = None, mode: str | None = None) -> Chat:
    """An admin's BBQ survey answered by four members (one without a unit); one more member has not answered.
    ``mode`` is the preview's 응답 방식 (실명 when None)."""
    c = Chat(exporter=exporter)
    c.bot.rules = dataclasses.replace(
        c.bot.rules, anon_batch=1
    )  # answers kept without names shown one by one: these tests are about what is shown
    c.register("관리자", "본부", ADMIN)
    for who, unit, *_ in ANSWERS:
        c.register(who, unit)
    c.register("최일병", "2중대")
    messages = rich_bbq_messages()
    if mode is not None:
        messages[-1:-1] = ["응답 방식", mode]  # set in the preview, before 개설
    for text in messages:
        done = c.say(text, who="관리자")
    assert "개설했어요" in done, done
    for who, _, *texts in ANSWERS:
        c.as_(who).say(f"신청 {TITLE}")
        for t in texts:
            c.say(t)
        assert "제출했어요" in c.say("제출")
    return c
