"""결과 보기 in chat: who gets the results page's link, how a title is found, where the command is offered."""

from __future__ import annotations

import pytest
from fakes import FILES, FakeExporter
from harness import Chat, key_of, load_roster, make_bbq

from chalicelib.domain.model import ADMIN, SUPER
from chalicelib.domain.ports import FileLink
from chalicelib.domain.results import Results

TITLE = "BBQ 회식"


def world(exporter: FakeExporter | None = None) -> tuple[Chat, FakeExporter]:
    ex = exporter or FakeExporter()
    c = Chat(exporter=ex)
    c.register("슈퍼", "본부", SUPER)
    c.register("관리자", "본부", ADMIN)
    c.register("다른관리자", "본부", ADMIN)
    c.register("홍길동", "2중대")
    c.register("김철수", "3중대")
    make_bbq(c)
    answer(c, "홍길동", "치킨", "3", "비밀 메모")
    return c, ex


def answer(c: Chat, who: str, *texts: str) -> None:
    c.as_(who).say(f"신청 {TITLE}")
    for t in texts:
        c.say(t)
    assert "제출했어요" in c.say("제출"), who


def sid(c: Chat) -> str:
    return c.store.list_surveys()[0].id


def test_an_admin_gets_a_short_lived_link_to_the_page_and_it_is_audited() -> None:
    c, ex = world()
    r = c.as_("관리자").say(f"결과 보기 {TITLE}")
    assert [b["action"] for b in r.buttons] == ["webLink"] and r.buttons[0]["label"] == "결과 보기"
    assert r.buttons[0]["webLinkUrl"] == f"{FILES}exports/{sid(c)}/report.html"
    assert r.cards[0]["title"] == f"{TITLE} 결과"
    assert "응답 1명 기준" in r and "10분 뒤 만료" in r
    assert r.quick == [f"현황 {TITLE}", f"다운로드 {TITLE}", "내 신청서", "메뉴"]
    assert ex.kinds == ["report"] and ex.reports[0].answered == 1
    entry = c.store.audit[-1]
    assert (entry.action, entry.target, entry.detail, entry.actor) == ("report", sid(c), TITLE, key_of("관리자"))


def test_the_page_is_made_at_that_moment() -> None:
    c, ex = world()
    c.as_("관리자").say(f"결과 보기 {TITLE}")
    answer(c, "김철수", "피자", "2", "건너뛰기")
    c.clock.advance(minutes=5)
    c.as_("관리자").say(f"결과 보기 {TITLE}")
    first, second = ex.reports
    assert (first.answered, second.answered) == (1, 2)
    assert second.made_at > first.made_at


def test_glued_and_tapped_forms_work_too() -> None:
    c, ex = world()
    assert "결과 페이지" in c.as_("관리자").say(f"결과보기 {TITLE}")
    status = c.say(f"현황 {TITLE}")
    assert "결과 페이지" in c.tap(status, f"결과 보기 {TITLE}")
    assert ex.kinds == ["report", "report"]


def test_a_member_is_refused_and_that_is_audited() -> None:
    c, ex = world()
    r = c.as_("홍길동").say(f"결과 보기 {TITLE}")
    assert "관리자만 쓸 수 있는 명령이에요" in r and not r.buttons
    assert ex.calls == []
    entry = c.store.audit[-1]
    assert (entry.action, entry.actor, entry.target) == ("denied", key_of("홍길동"), "report")


def test_an_admin_who_does_not_manage_the_survey_is_refused_as_for_a_download() -> None:
    c, ex = world()
    download = c.as_("다른관리자").say(f"다운로드 {TITLE}")
    page = c.say(f"결과 보기 {TITLE}")
    assert page.text.replace("결과 보기", "다운로드") == download.text and "맞는 신청을 찾을 수 없어요" in page
    assert page.quick == download.quick and not page.buttons
    assert ex.calls == []
    denied = [(e.action, e.target, e.detail) for e in c.store.audit[-2:]]
    assert denied == [("denied", sid(c), "다운로드"), ("denied", sid(c), "결과 보기")]
    by_id = c.say(f"결과 보기 {TITLE}#{sid(c)}")  # naming it exactly changes nothing
    assert "맞는 신청을 찾을 수 없어요" in by_id and ex.calls == []


def test_a_co_admin_and_a_super_admin_get_it() -> None:
    c, ex = world()
    c.say(f"공동관리자 {TITLE} 다른관리자", who="관리자")
    assert c.say(f"결과 보기 {TITLE}", who="다른관리자").buttons
    assert c.say(f"결과 보기 {TITLE}", who="슈퍼").buttons
    assert ex.kinds == ["report", "report"]


def test_a_near_title_is_offered_back_and_an_unknown_one_says_where_to_look() -> None:
    c, ex = world()
    c.as_("관리자")
    near = c.say("결과 보기 BBQ 회싁")
    assert "혹시 'BBQ 회식'을 찾으세요?" in near and f"결과 보기 {TITLE}" in near.quick
    assert c.tap(near, f"결과 보기 {TITLE}").buttons
    unknown = c.say("결과 보기 없는제목")
    assert unknown.text == c.say("다운로드 없는제목").text and "'내 신청서'에서 골라 주세요" in unknown
    asked = c.say("결과 보기")  # alone: my surveys, one tap each
    assert "어느 신청의 결과를 볼까요?" in asked and asked.quick[0] == "결과 보기 BBQ 회식"
    assert "결과 보기 BBQ 회식" in c.say("결과 봐 BBQ 회식").quick  # a typo of the command
    assert ex.kinds == ["report"]


def test_without_files_here_it_says_so() -> None:
    c = Chat()
    c.register("관리자", "본부", ADMIN)
    make_bbq(c)
    assert "쓸 수 없는 환경" in c.as_("관리자").say(f"결과 보기 {TITLE}")


class BrokenPages(FakeExporter):
    def publish_report(self, results: Results) -> FileLink:
        raise RuntimeError("S3 down: 비밀 메모")


def test_a_page_that_cannot_be_stored_is_an_apology(caplog: pytest.LogCaptureFixture) -> None:
    c, _ = world(BrokenPages())
    r = c.as_("관리자").say(f"결과 보기 {TITLE}")
    assert "결과 페이지를 만들지 못했어요" in r and not r.buttons
    assert "비밀 메모" not in caplog.text  # a failure is logged by its type, never its message


def test_results_are_offered_where_status_and_downloads_are() -> None:
    c, _ = world()
    c.as_("관리자")
    assert f"결과 보기 {TITLE}" in c.say(f"현황 {TITLE}").quick
    c.say(f"마감 {TITLE}")
    closed = c.say("예")
    assert "마감했어요" in closed and f"결과 보기 {TITLE}" in closed.quick
    summary = c.say("", tap={"summary": sid(c)})  # the close summary as Kakao's event delivers it
    assert f"결과 보기 {TITLE}" in summary.quick and f"다운로드 {TITLE}" in summary.quick
    assert "결과 보기 <제목>" in c.say("도움말")


def test_a_full_survey_offers_it_instead_of_chasing() -> None:
    c, _ = world()
    make_bbq(c, title="선착순", cap="1")
    c.as_("홍길동").say("신청 선착순")
    for t in ("피자", "1", "건너뛰기", "제출"):
        c.say(t)
    r = c.as_("관리자").say("미응답 선착순")
    assert "정원 1명이 다 찼어요" in r and "결과 보기 선착순" in r.quick


ROSTER = [
    (2, "1중대", "홍길동", "1234"),
    (3, "1중대", "김철수", None),
    (4, "2중대", "이영희", "0007"),
    (5, "2중대", "박민수", "1111"),
    (6, "2중대", "박민수", "2222"),
]


@pytest.mark.every_store
def test_the_page_s_figures_from_every_store(chat: Chat) -> None:
    """Against a roster, for two units: the target is the roster's, the not-answered count 미응답's."""
    ex = FakeExporter()
    chat.bot.exporter = ex
    chat.register("관리자", "본부", ADMIN)  # before the roster: registered openly
    load_roster(chat.store, ROSTER)
    chat.say("등록 1중대 홍길동 1234", who="홍길동")
    chat.say("등록 2중대 이영희 0007", who="이영희")
    make_bbq(chat, target="1중대, 2중대")
    answer(chat, "홍길동", "치킨", "3", "건너뛰기")
    assert "미응답 4명" in chat.as_("관리자").say(f"미응답 {TITLE}")
    assert chat.say(f"결과 보기 {TITLE}").buttons
    r = ex.reports[-1]
    assert (r.answered, r.target, r.rate, r.silent, r.unregistered, r.missing) == (1, 5, 20, 1, 3, 4)
    assert [(u.unit, u.answered, u.missing) for u in r.units] == [("1중대", 1, 1), ("2중대", 0, 3)]
    assert [m.count for m in r.timeline] == [1] and r.target_label == "1중대, 2중대"
