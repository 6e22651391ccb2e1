"""A person's item, read and written by almost every message, stays small however many surveys pass."""

from __future__ import annotations

import json

from harness import Chat

from chalicelib.domain.model import ADMIN, ANSWERED_KEPT, MANAGED_KEPT
from scripts.wizard import bbq_messages

SURVEYS = ANSWERED_KEPT + 5  # more than the item remembers answering, and managing


def title(n: int) -> str:
    return f"조사 {n:02d}"


def test_the_item_remembers_the_most_recent_surveys_and_finds_older_ones_by_title(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    for n in range(SURVEYS):
        chat.clock.advance(minutes=1)
        for text in bbq_messages(title=title(n), deadline="없음", cap="없음", options="치킨, 피자"):
            done = chat.say(text, who="관리자")
        assert "개설했어요" in done, done
        chat.as_("홍길동")
        for text in (f"신청 {title(n)}", "피자", "2", "건너뛰기"):
            chat.say(text)
        assert "제출했어요" in chat.say("제출")

    member, admin = chat.user("홍길동"), chat.user("관리자")
    newest = {s.id: s.title for s in chat.store.all_surveys()}
    assert len(member.answered) == ANSWERED_KEPT and len(admin.managed) == MANAGED_KEPT
    assert sorted(newest[sid] for sid in member.answered) == [title(n) for n in range(SURVEYS - ANSWERED_KEPT, SURVEYS)]
    assert sorted(m.title for m in admin.managed.values()) == [title(n) for n in range(SURVEYS - MANAGED_KEPT, SURVEYS)]
    # what the item holds does not grow with the surveys
    assert len(json.dumps(member.answered)) < 1500 and len(json.dumps([m.title for m in admin.managed.values()])) < 1500

    # the oldest survey, no longer remembered by either item, is still theirs by title
    report = chat.say(f"현황 {title(0)}", who="관리자")
    assert f"[{title(0)}] 현황" in report and "응답 1명" in report, report
    chat.say(f"마감 {title(0)}", who="관리자")
    assert "마감했어요" in chat.say("예", who="관리자")
    mine = chat.say(f"신청 {title(0)}", who="홍길동")
    assert f"[{title(0)}] 내 답 (마감)" in mine and "피자" in mine, mine
    listed = chat.say("내 신청서", who="관리자")
    assert f"최근 내 신청서 {MANAGED_KEPT}건" in listed and "제목으로 찾아요" in listed, listed
