"""소속 관리자: an admin of some units makes surveys for them and sees, of any survey for them, their people only."""

from __future__ import annotations

import pytest
from fakes import FakeExporter
from harness import PRIVACY_KEY, Chat, key_of, make_bbq
from pushfakes import FakeNotifier

from chalicelib.domain.model import ADMIN, CLOSED, MEMBER, SUPER
from chalicelib.domain.rules import Rules
from chalicelib.service.bot import Bot

ALL, THIRD = "전체 회식", "3중대 훈련"
OUTSIDER = "김비밀"  # of 3중대: never shown to the admin of 2중대


def audit(c: Chat) -> list:
    return list(reversed(c.store.list_audit(1000)))


def world(chat: Chat, notifier: FakeNotifier | None = None) -> tuple[Chat, FakeExporter]:
    ex = FakeExporter()
    chat.bot = Bot(chat.store, ex, clock=chat.clock, notifier=notifier, rules=Rules(privacy_key=lambda: PRIVACY_KEY))
    chat.register("슈퍼", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)
    chat.register("중대행정", "2중대")
    chat.register("홍길동", "2중대")
    chat.register("김철수", "2중대")
    chat.register(OUTSIDER, "3중대")
    make_bbq(chat, title=ALL, remind=None if notifier is None else "없음")
    make_bbq(chat, title=THIRD, target="3중대", remind=None if notifier is None else "없음")
    for who, title in (("홍길동", ALL), (OUTSIDER, ALL), (OUTSIDER, THIRD)):
        chat.as_(who).say(f"신청 {title}")
        chat.say_all(["치킨" if who == OUTSIDER else "피자", "3" if who == OUTSIDER else "2", f"{who}의 메모", "제출"])
    r = chat.say("소속 관리자 2중대 중대행정", who="슈퍼")
    assert "2중대 중대행정" in r and "2중대의 소속 관리자로 정했어요" in r, r
    return chat, ex


def survey(c: Chat, title: str):
    return next(s for s in c.store.list_surveys() if s.title == title)


@pytest.mark.every_store
def test_a_unit_admin_sees_their_units_people_only(chat: Chat) -> None:
    c, ex = world(chat)
    me = c.user("중대행정")
    assert (me.role, me.units) == (ADMIN, ["2중대"])
    assert any(e.action == "grant_unit_admin" and e.target == me.key and e.detail == "2중대" for e in audit(c))
    assert "2중대 중대행정 — 소속 관리자(2중대)" in c.say("관리자 목록", who="슈퍼")

    status = c.say(f"현황 {ALL}", who="중대행정")
    assert f"[{ALL}] 현황" in status and "응답 1명 / 대상 3명 (2중대" in status, status
    assert "3중대" not in status and "치킨 1" not in status and "수량 합계 2" in status.text.replace(":", ""), status
    assert status.quick[:4] == [f"미응답 {ALL}", f"결과 보기 {ALL}", f"다운로드 {ALL}", f"알림 {ALL}"]
    missing = c.say(f"미응답 {ALL}", who="중대행정")
    assert (
        "김철수" in missing and OUTSIDER not in missing and "슈퍼" not in missing and "미응답 2명 / 대상 3명" in missing
    )
    c.say(f"결과 보기 {ALL}", who="중대행정")
    [report] = ex.reports
    assert report.answered == 1 and OUTSIDER not in repr(report) and "3중대" not in repr(report)
    c.say(f"다운로드 {ALL}", who="중대행정")
    assert ex.calls[-1] == ("survey", [survey(c, ALL).id], 1) and ex.reaches[-1].target == 3
    assert all(OUTSIDER not in repr(row) for row in ex.reaches[-1].missing)
    assert f"{ALL}" in c.say(f"{ALL} 현황", who="중대행정")  # the title first


@pytest.mark.every_store
def test_a_unit_admin_is_told_what_they_may_do_instead(chat: Chat) -> None:
    c, _ = world(chat)
    for cmd in (
        f"마감 {ALL}",
        f"삭제 {ALL}",
        f"연장 {ALL} 금요일 18시",
        f"공동관리자 {ALL} 홍길동",
        f"열람자 {ALL} 홍길동",
    ):
        before = len(audit(c))
        r = c.say(cmd, who="중대행정")
        assert "다른 관리자의 신청이에요" in r and "2중대의 현황 · 미응답 · 결과 보기 · 다운로드 · 알림만" in r, (
            cmd,
            r,
        )
        assert [e.action for e in audit(c)[before:]] == ["denied"]
    assert survey(c, ALL).status != CLOSED and survey(c, ALL).coadmins == [] and survey(c, ALL).viewers == []
    for cmd in ("현황", "미응답", "결과 보기", "다운로드", "알림"):  # a survey of another unit: as if there were none
        r = c.say(f"{cmd} {THIRD}", who="중대행정")
        assert "맞는 신청을 찾을 수 없어요" in r and OUTSIDER not in r, (cmd, r)
    assert "소속 관리자는 맡은 소속(2중대)의 명단만" in c.say("명단 3중대", who="중대행정")
    assert "명단이 아직 없어요. 맡은 소속(2중대)의" in c.say("명단", who="중대행정")
    assert "슈퍼관리자만 쓸 수 있는 명령이에요" in c.say("마스터키", who="중대행정")


@pytest.mark.every_store
def test_a_unit_admin_makes_surveys_for_their_units_only(chat: Chat) -> None:
    c, _ = world(chat)
    c.as_("중대행정")
    r = c.say_all(["신청 만들기", "2중대 체육", "없음", "참석", "예/아니오", "필수", "질문 끝", "없음"])
    assert "맡은 소속: 2중대" in r and r.quick[0] == "2중대", r
    assert "소속 관리자는 맡은 소속(2중대)만 대상으로 할 수 있어요" in c.say("전체")
    assert "'3중대'는 맡은 소속이 아니에요" in c.say("3중대")
    c.say("2중대")
    c.say("없음")
    assert "개설했어요" in c.say("개설")
    assert survey(c, "2중대 체육").target_unit == "2중대"
    own = c.say("현황 2중대 체육")  # their own survey for their unit: theirs whole, to close or share too
    assert "2중대 체육" in own and "마감 2중대 체육" in own.quick


@pytest.mark.every_store
def test_granting_a_unit_admin_is_refused_with_a_reason(chat: Chat) -> None:
    c, _ = world(chat)
    assert "슈퍼관리자만 쓸 수 있는 명령이에요" in c.say("소속 관리자 2중대 홍길동", who="관리자")
    assert "관리자만 쓸 수 있는 명령이에요" in c.say("소속 관리자 2중대 홍길동", who="홍길동")
    assert "소속과 이름을 붙여 주세요" in c.say("소속 관리자 2중대", who="슈퍼")
    assert "이미 모든 소속의 관리자예요" in c.say("소속 관리자 2중대 관리자", who="슈퍼")
    assert "모든 소속을 맡기려면 '관리자 등록" in c.say("소속 관리자 전체 홍길동", who="슈퍼")
    assert "이미 2중대의 소속 관리자예요" in c.say("소속 관리자 2중대 중대행정", who="슈퍼")
    assert "등록된 사람이 없어요" in c.say("소속 관리자 2중대 없는사람", who="슈퍼")
    assert "2중대, 1중대의 소속 관리자" in c.say("소속 관리자 1중대 중대행정", who="슈퍼")
    assert c.user("중대행정").units == ["2중대", "1중대"]
    assert "2중대, 1중대의 소속 관리자예요. 모든 소속의 관리자로 바꾸려면" in c.say("관리자 등록 중대행정", who="슈퍼")
    c.say("관리자 해제 중대행정", who="슈퍼")
    c.say("예", who="슈퍼")
    assert (c.user("중대행정").role, c.user("중대행정").units) == (MEMBER, [])


def test_a_unit_admin_reminds_their_units_people_only() -> None:
    notifier = FakeNotifier()
    c, _ = world(Chat(), notifier)
    said = c.say(f"알림 {ALL}", who="중대행정")
    assert "2명에게" in said, said  # 중대행정 and 김철수 of 2중대 (홍길동 answered)
    c.say("예", who="중대행정")
    [(keys, _)] = notifier.calls
    assert set(keys) == {key_of("중대행정"), key_of("김철수")}


@pytest.mark.every_store
def test_each_unit_admins_reminder_keeps_its_own_units_interval(chat: Chat) -> None:
    notifier = FakeNotifier()
    c, _ = world(chat, notifier)
    c.register("삼중대행정", "3중대")
    c.register("이삼중", "3중대")
    c.register("본부원", "본부")
    c.say("소속 관리자 3중대 삼중대행정", who="슈퍼")
    c.say(f"알림 {ALL}", who="중대행정")
    c.say("예", who="중대행정")
    assert set(notifier.calls[-1][0]) == {key_of("중대행정"), key_of("김철수")}
    assert "이미 보냈어요" in c.say(f"알림 {ALL}", who="중대행정")  # their own units: within the interval
    said = c.say(f"알림 {ALL}", who="삼중대행정")  # another unit's admin is not held back by it
    assert "2명에게" in said, said  # 삼중대행정 and 이삼중 (김비밀 answered)
    c.say("예", who="삼중대행정")
    assert set(notifier.calls[-1][0]) == {key_of("삼중대행정"), key_of("이삼중")}
    marks = survey(c, ALL).reminded_units
    assert sorted(marks) == ["2중대", "3중대"] and survey(c, ALL).reminded_at is None
    # The whole survey's admin: everyone who has not answered, but for the units reminded within the interval.
    said = c.say(f"알림 {ALL}", who="관리자")
    assert "(최근 소속 관리자가 알림을 보낸 2중대, 3중대는 빼요)" in said, said
    c.say("예", who="관리자")
    sent = set(notifier.calls[-1][0])
    assert key_of("본부원") in sent and not sent & {key_of(n) for n in ("김철수", "이삼중", "중대행정")}, sent
    assert survey(c, ALL).reminded_at is not None
    # After the whole survey's 알림, no unit's admin may send within its interval either.
    assert "이미 보냈어요" in c.say(f"알림 {ALL}", who="삼중대행정")
    c.clock.advance(hours=13)
    assert "명에게" in c.say(f"알림 {ALL}", who="삼중대행정")


def test_an_automatic_reminder_leaves_out_the_units_their_admin_reminded_within_the_interval() -> None:
    """Nobody gets two reminders within the interval: the automatic one, like an admin's 알림 of the whole survey,
    leaves out the units whose own admin reminded them lately."""
    from datetime import datetime

    from chalicelib.domain.model import KST

    notifier = FakeNotifier()
    c, _ = world(Chat(), notifier)
    c.register("본부원", "본부")
    make_bbq(c, title="자동 회식", deadline="11/30 18:00", remind="둘 다")
    c.clock.now = datetime(2026, 11, 29, 17, 0, tzinfo=KST)
    c.say("알림 자동 회식", who="중대행정")
    c.say("예", who="중대행정")
    assert set(notifier.calls[-1][0]) == {key_of(n) for n in ("중대행정", "홍길동", "김철수")}
    c.clock.now = datetime(2026, 11, 29, 18, 5, tzinfo=KST)  # the 24-hour one is due, 65 minutes later
    assert c.bot.auto_remind() == 1
    sent = set(notifier.calls[-1][0])
    assert key_of("본부원") in sent and not sent & {key_of(n) for n in ("중대행정", "홍길동", "김철수")}, sent


def test_a_survey_for_their_unit_typed_with_a_space_is_theirs_to_see(chat: Chat) -> None:
    """A unit is one unit however it is spaced: a survey for '2 중대' is for 2중대, whose 소속 관리자 sees it."""
    c, _ = world(chat)
    make_bbq(c, title="2중대 점호", target="2 중대")
    status = c.say("현황 2중대 점호", who="중대행정")
    assert "[2중대 점호] 현황" in status and "응답 0명 / 대상 3명" in status, status
    assert "대상 3명" in c.say("현황 2중대 점호", who="관리자")  # the same people, as the owner counts them
    make_bbq(c, admin="중대행정", title="2중대 청소", target="2 중대")  # their own unit, typed with a space
    assert "응답 0명 / 대상 3명" in c.say("현황 2중대 청소", who="중대행정")
