"""열람자: an admin of a survey lets one person read its 현황, 결과 보기 and 다운로드, and nothing else."""

from __future__ import annotations

import pytest
from fakes import FakeExporter
from harness import Chat, key_of, make_bbq

from chalicelib.domain.model import ADMIN, CLOSED

TITLE = "BBQ 회식"
WRITES = ("마감", "재개", "연장", "삭제", "알림", "공동관리자", "미응답", "복사", "보관 연장", "예약", "반복")


def world(chat: Chat) -> Chat:
    chat.register("관리자", "본부", ADMIN)
    chat.register("다른관리자", "본부", ADMIN)
    chat.register("대대장", "본부")
    chat.register("홍길동", "2중대")
    make_bbq(chat)
    chat.as_("홍길동").say(f"신청 {TITLE}")
    chat.say_all(["피자", "2", "건너뛰기", "제출"])
    return chat


def audit(c: Chat) -> list:
    """The audit trail, oldest first, as the store reads it."""
    return list(reversed(c.store.list_audit(1000)))


def survey(c: Chat):
    return next(s for s in c.store.list_surveys() if s.title == TITLE)


@pytest.mark.every_store
def test_a_viewer_reads_status_results_and_the_file_and_nothing_else(chat: Chat) -> None:
    ex = FakeExporter()
    c = world(chat)
    c.bot.exporter = ex
    r = c.say(f"열람자 {TITLE} 대대장", who="관리자")
    assert "본부 대대장님이 'BBQ 회식'의 열람자가 되었어요" in r and "마감, 재개, 연장, 삭제, 알림은 할 수 없어요" in r
    s = survey(c)
    assert s.viewers == [key_of("대대장")] and s.id in c.user("대대장").viewing
    assert any(e.action == "add_viewer" and e.target == s.id and e.detail == key_of("대대장") for e in audit(c))

    menu = c.say("메뉴", who="대대장")
    assert "BBQ 회식 현황" in menu.labels
    status = c.say(f"현황 {TITLE}", who="대대장")
    assert f"[{TITLE}] 현황" in status and "응답 1명" in status
    assert [q.split()[0] for q in status.quick] == ["현황", "결과", "다운로드", "메뉴"]  # no 마감, 미응답, 공동관리자
    assert "열람자: 현황 <제목>" in c.say("도움말", who="대대장")
    c.say(f"결과 보기 {TITLE}", who="대대장")
    c.say(f"다운로드 {TITLE}", who="대대장")
    assert ex.kinds == ["report", "survey"]
    assert "현황: 어느 신청인가요?" in c.say("현황", who="대대장") or TITLE in c.say("현황", who="대대장").labels
    assert f"[{TITLE}] 현황" in c.say(f"{TITLE} 현황", who="대대장")  # the title first, then the command

    before = (survey(c).status, list(survey(c).coadmins), survey(c).deadline, survey(c).response_count)
    for word in WRITES:
        before_audit = len(audit(c))
        r = c.say(f"{word} {TITLE}", who="대대장")
        assert "관리자만 쓸 수 있는 명령이에요" in r and "현황 · 결과 보기 · 다운로드" in r, (word, r)
        assert "BBQ 회식 현황" in r.labels, word  # what they may do instead, one tap away
        assert [e.action for e in audit(c)[before_audit:]] == ["denied"], word
    after = (survey(c).status, list(survey(c).coadmins), survey(c).deadline, survey(c).response_count)
    assert after == before and ex.kinds == ["report", "survey"]


@pytest.mark.every_store
def test_an_admin_who_views_someone_elses_survey_is_told_what_they_may_do(chat: Chat) -> None:
    c = world(chat)
    c.say(f"열람자 {TITLE} 다른관리자", who="관리자")
    assert f"[{TITLE}] 현황" in c.say(f"현황 {TITLE}", who="다른관리자")
    for word in ("마감", "삭제", "알림", "연장 BBQ 회식 금요일 18시", "공동관리자 BBQ 회식 홍길동"):
        cmd = word if " " in word else f"{word} {TITLE}"
        r = c.say(cmd, who="다른관리자")
        assert "'BBQ 회식'은 열람만 할 수 있어요" in r and "관리자에게 부탁해 주세요" in r, (cmd, r)
        assert r.quick[:3] == [f"현황 {TITLE}", f"결과 보기 {TITLE}", f"다운로드 {TITLE}"]
        assert audit(c)[-1].action == "denied"
    assert survey(c).status != CLOSED and survey(c).coadmins == []


@pytest.mark.every_store
def test_granting_is_refused_with_a_reason(chat: Chat) -> None:
    c = world(chat)
    assert "관리자만 쓸 수 있는 명령이에요" in c.say(f"열람자 {TITLE} 대대장", who="홍길동")
    assert "신청 목록" in c.say(f"열람자 {TITLE} 대대장", who="홍길동").quick
    r = c.say(f"열람자 {TITLE} 대대장", who="다른관리자")  # not theirs: as if there were none
    assert "맞는 신청을 찾을 수 없어요" in r and survey(c).viewers == []
    assert "이름을 붙여 주세요" in c.say(f"열람자 {TITLE}", who="관리자")
    assert "등록된 사람이 없어요" in c.say(f"열람자 {TITLE} 없는사람", who="관리자")
    assert "열람자로 둘 필요가 없어요" in c.say(f"열람자 {TITLE} 관리자", who="관리자")
    assert "본부 대대장님이 'BBQ 회식'의 열람자가 되었어요" in c.say(f"열람자 {TITLE} 본부 대대장", who="관리자")
    assert "이미 'BBQ 회식'의 열람자예요" in c.say(f"열람자 {TITLE} 대대장", who="관리자")
    assert survey(c).viewers == [key_of("대대장")]


def test_a_viewer_of_one_survey_reads_no_other() -> None:
    c = world(Chat())
    make_bbq(c, title="송년회")
    c.say(f"열람자 {TITLE} 대대장", who="관리자")
    before_audit = len(audit(c))
    for cmd in ("현황", "결과 보기", "다운로드"):
        r = c.say(f"{cmd} 송년회", who="대대장")
        assert "송년회" not in r.text.replace("'송년회'", "") and "현황" not in r.text.split("\n")[0][:3], r
    assert [e.action for e in audit(c)[before_audit:]] == ["denied"] * 3


def test_a_deleted_survey_leaves_the_viewers_menu() -> None:
    c = world(Chat())
    c.say(f"열람자 {TITLE} 대대장", who="관리자")
    c.say(f"삭제 {TITLE}", who="관리자")
    c.say("예", who="관리자")
    r = c.say(f"현황 {TITLE}", who="대대장")
    assert "맞는 신청을 찾을 수 없어요" in r or "관리자만" in r, r
    assert c.user("대대장").viewing == {}
    assert "BBQ 회식 현황" not in c.say("메뉴", who="대대장").labels
