"""Every admin and super-admin command against every kind of speaker: refused and audited, or done.

Speakers: a member, an admin who does not manage the survey, a co-admin of it, its owner,
and a super admin. The checks live in the conversation core, so they hold whatever sends
the message.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fakes import FakeExporter
from harness import Chat, key_of, make_bbq

from chalicelib.domain.model import ADMIN, CLOSED, MEMBER, SUPER

TITLE = "BBQ 회식"
ROLES = ("member", "other_admin", "coadmin", "owner", "super")
SPEAKER = {"member": "홍길동", "other_admin": "다른관리자", "coadmin": "공동관리", "owner": "관리자", "super": "슈퍼"}
ADMINS = {"other_admin", "coadmin", "owner", "super"}
MANAGERS = {"coadmin", "owner", "super"}
SUPERS = {"super"}
REFUSALS = (
    "만 쓸 수 있는 명령",
    "맞는 신청을 찾을 수 없어요",
    "내가 만들었거나 공동관리자인 신청만",
    "내가 관리하는 신청만",
)


def world() -> tuple[Chat, FakeExporter]:
    ex = FakeExporter()
    c = Chat(exporter=ex)
    c.register("슈퍼", "본부", SUPER)
    c.register("관리자", "본부", ADMIN)
    c.register("공동관리", "본부", ADMIN)
    c.register("다른관리자", "본부", ADMIN)
    c.register("후보", "본부", ADMIN)
    c.register("홍길동", "2중대")
    c.register("김철수", "3중대")
    make_bbq(c)
    assert "공동관리자가 되었어요" in c.say(f"공동관리자 {TITLE} 공동관리", who="관리자")
    c.as_("홍길동").say(f"신청 {TITLE}")
    for t in ("피자", "2", "건너뛰기", "제출"):
        c.say(t)
    return c, ex


def survey(c: Chat):
    found = [s for s in c.store.list_surveys() if s.title == TITLE]
    return found[0] if found else None


# command, who may, what shows it was done (given the chat after the command)
Done = Callable[[Chat, FakeExporter, str], bool]
CASES: list[tuple[str, set[str], Done]] = [
    ("신청 만들기", ADMINS, lambda c, ex, r: "새 신청서를 만들어요" in r),
    ("내 신청서", ADMINS, lambda c, ex, r: "내 신청서" in r or "아직 만든 신청서가 없어요" in r),
    (f"현황 {TITLE}", MANAGERS, lambda c, ex, r: f"[{TITLE}] 현황" in r and "응답 1명" in r),
    (f"미응답 {TITLE}", MANAGERS, lambda c, ex, r: f"[{TITLE}] 미응답" in r),
    (f"마감 {TITLE}", MANAGERS, lambda c, ex, r: "마감했어요" in r and survey(c).status == CLOSED),
    (f"재개 {TITLE}", MANAGERS, lambda c, ex, r: "이미 진행 중" in r),
    (f"삭제 {TITLE}", MANAGERS, lambda c, ex, r: "삭제했어요" in r and survey(c) is None),
    (f"다운로드 {TITLE}", MANAGERS, lambda c, ex, r: ex.kinds == ["survey"] and "응답 1건" in r),
    (f"결과 보기 {TITLE}", MANAGERS, lambda c, ex, r: ex.kinds == ["report"] and "응답 1명 기준" in r),
    (
        f"공동관리자 {TITLE} 후보",
        MANAGERS,
        lambda c, ex, r: "공동관리자가 되었어요" in r and key_of("후보") in survey(c).coadmins,
    ),
    ("관리자 등록 김철수", SUPERS, lambda c, ex, r: "관리자로 등록했어요" in r and c.user("김철수").role == ADMIN),
    ("관리자 해제 후보", SUPERS, lambda c, ex, r: "관리자에서 해제했어요" in r and c.user("후보").role == MEMBER),
    ("관리자 목록", SUPERS, lambda c, ex, r: "관리자 5명" in r),
    ("마스터키", SUPERS, lambda c, ex, r: ex.kinds == ["master"]),
]


def state(c: Chat) -> tuple:
    s = survey(c)
    people = {u.name: u.role for u in c.store.list_users()}
    return (s.status if s else None, list(s.coadmins) if s else None, len(c.store.answers), people)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "command, allowed, done",
    CASES,
    ids=[c[0].split()[0] + ("_" + c[0].split()[1] if " " in c[0] else "") for c in CASES],
)
def test_command_by_role(command: str, allowed: set[str], done: Done, role: str) -> None:
    c, ex = world()
    who = SPEAKER[role]
    before, audit_before = state(c), len(c.store.audit)
    r = c.say(command, who=who)
    if command.startswith("삭제") and role in allowed:
        assert "삭제할까요" in r
        r = c.say("예", who=who)
    if command.startswith("마감") and role in allowed:
        assert "지금 마감할까요?" in r and survey(c).status != CLOSED  # nothing yet: before, it closed at once
        r = c.say("예", who=who)
    if command.startswith(("관리자 등록", "관리자 해제")) and role in allowed:
        assert "할까요?" in r  # the exact person is named first
        r = c.say("예", who=who)
    new_audit = c.store.audit[audit_before:]
    denied = [e for e in new_audit if e.action == "denied"]
    if role in allowed:
        assert not any(x in r for x in REFUSALS), r
        assert denied == []
        assert done(c, ex, r.text), r
    else:
        assert any(x in r for x in REFUSALS), r
        assert len(denied) == 1 and denied[0].actor == key_of(who)
        assert [e.action for e in new_audit] == ["denied"]  # and nothing else happened
        assert state(c) == before and ex.calls == [] and ex.forgotten == []
        assert c.store.users[key_of(who)].session.get("flow") is None  # no confirmation is pending


def test_a_refused_survey_command_names_the_survey_in_the_audit() -> None:
    c, _ = world()
    c.say(f"마감 {TITLE}", who="다른관리자")
    entry = c.store.audit[-1]
    assert (entry.action, entry.target, entry.detail) == ("denied", survey(c).id, "마감")


def test_a_delete_confirmed_after_losing_admin_is_refused_and_audited() -> None:
    c, _ = world()
    assert "삭제할까요" in c.say(f"삭제 {TITLE}", who="관리자")
    c.say("관리자 해제 관리자", who="슈퍼")
    assert "해제했어요" in c.say("예", who="슈퍼")
    r = c.say("예", who="관리자")
    assert "만 쓸 수 있는 명령" in r
    assert c.store.audit[-1].action == "denied" and survey(c) is not None


def test_a_co_admin_who_loses_admin_loses_the_survey_too() -> None:
    c, _ = world()
    assert "현황" in c.say(f"현황 {TITLE}", who="공동관리")
    c.say("관리자 해제 공동관리", who="슈퍼")
    c.say("예", who="슈퍼")
    assert "만 쓸 수 있는 명령" in c.say(f"현황 {TITLE}", who="공동관리")
    assert c.store.audit[-1].action == "denied"


def test_ids_do_not_bypass_ownership() -> None:
    """'제목#id' names a survey exactly; someone else's is still refused."""
    c, _ = world()
    sid = survey(c).id
    for cmd in ("현황", "다운로드", "마감", "삭제", "미응답", "결과 보기"):
        r = c.say(f"{cmd} {TITLE}#{sid}", who="다른관리자")
        assert "맞는 신청을 찾을 수 없어요" in r and sid not in r, cmd  # told as if it did not exist
    assert [e.action for e in c.store.audit[-6:]] == ["denied"] * 6
