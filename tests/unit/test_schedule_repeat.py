"""예약 and 반복 (issue 11): surveys that open by themselves, through the conversation and the minute job,
on the stored items, over simulated weeks, with the job running twice and two runs at once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from harness import Chat, key_of, timing_for
from test_remind import FakeNotifier

from chalicelib.domain.model import ADMIN, KST, OPEN, SCHEDULED, Survey
from chalicelib.domain.writes import TouchPeople
from chalicelib.jobs.schedule import open_planned
from chalicelib.service.bot import Bot
from chalicelib.storage.memory import MemoryStore
from scripts.wizard import bbq_messages

TITLE = "주간 식수"


def world(notifier: FakeNotifier | None = None, chat: Chat | None = None) -> Chat:
    chat = chat or Chat()  # the harness clock: Monday 2026-11-23 09:00
    chat.bot = Bot(chat.store, clock=chat.clock, notifier=notifier, timing=timing_for(chat.store))
    chat.register("관리자", "본부", ADMIN)
    chat.register("다른관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    chat.register("김철수", "2중대")
    return chat


def create(chat: Chat, deadline: str, *settings: str, remind: str | None = None) -> str:
    """The wizard to its preview, ``settings`` changed there, then 개설; the last reply."""
    messages = bbq_messages(title=TITLE, deadline=deadline, target="전체", cap="없음", remind=remind)
    assert messages[-1] == "개설"
    return str(chat.say_all([*messages[:-1], *settings, "개설"], who="관리자"))


def surveys(chat: Chat) -> list[Survey]:
    return sorted(chat.store.list_surveys(), key=lambda s: s.created_at)


def tick(chat: Chat, **advance: float) -> list[Survey]:
    chat.clock.advance(**advance)
    return open_planned(chat.store, chat.clock())


# --- 예약 ------------------------------------------------------------------------------------------


@pytest.mark.every_store
def test_a_scheduled_survey_is_seen_only_by_its_admins_until_the_job_opens_it_at_its_minute(chat: Chat) -> None:
    notifier = FakeNotifier()
    chat = world(notifier, chat)
    said = create(chat, "11/27 18:00", "여는 때", "11/25 오전 9시", remind="없음")
    assert "11/25(수) 09:00에 열리도록 예약했어요" in said and "구성원에게 보이지 않아요" in said
    (s,) = surveys(chat)
    assert s.status == SCHEDULED and s.opens_at == datetime(2026, 11, 25, 9, 0, tzinfo=KST)
    assert [p.survey_id for p in chat.store.planned()] == [s.id]
    # members: not listed, not found by its exact title
    assert TITLE not in chat.say("신청 목록", who="홍길동")
    assert "응답을 시작해요" not in chat.say(f"신청 {TITLE}", who="홍길동")
    # its admin: 예약 with the time
    mine = chat.say("내 신청서", who="관리자")
    assert "예약" in mine and "11/25(수) 09:00" in mine
    # the minute before: nothing; at the minute: open, listed, announced, off the schedule
    assert tick(chat, days=2, hours=-0.02) == []
    chat.store.commit([TouchPeople("test")])  # people changed while it waited: the census 개설 kept no longer holds
    opened = tick(chat, hours=0.02)
    assert [o.id for o in opened] == [s.id]
    assert chat.store.get_survey(s.id).status == OPEN and chat.store.planned() == []
    assert TITLE in chat.say("신청 목록", who="홍길동")
    chat.bot.announce_opened(opened)  # ... and its people are counted again (no queue here: now)
    assert chat.store.get_aggregate(s.id).census["epoch"] == chat.store.people_epoch().total
    (keys, data), *_ = notifier.calls
    assert data == {"opened": s.id} and key_of("홍길동") in keys and key_of("김철수") in keys
    heard = chat.say("", who="홍길동", tap={"opened": s.id})
    assert f"'{TITLE}'가 열렸어요" in heard and "지금 응답하기" in heard.labels
    # the job again, at once or later: it opened once
    assert tick(chat, minutes=0) == [] and tick(chat, minutes=1) == []
    assert [e.action for e in chat.store.list_audit()].count("open") == 1


def test_the_preview_takes_when_to_open_and_refuses_a_time_after_the_deadline() -> None:
    chat = world()
    messages = bbq_messages(title=TITLE, deadline="11/27 18:00")[:-1]
    preview = chat.say_all(messages, who="관리자")
    assert "열림: 개설하면 바로" in preview and "응답 방식: 실명" in preview
    assert preview.labels[:4] == ["개설", "수정", "응답 방식", "여는 때"]
    asked = chat.say("여는 때", who="관리자")
    assert "언제 열까요?" in asked and "매주 월 9시" in asked.labels
    refused = chat.say("11/28 09:00", who="관리자")
    assert "여는 때는 마감(11/27(금) 18:00)보다 앞이어야 해요." in refused
    asked = chat.say("11/24 9시", who="관리자")  # a bare hour: morning or evening, a tap away
    assert "오전 9시인가요, 오후 9시인가요?" in asked and asked.labels[:2] == ["오전 9시", "오후 9시"]
    preview = chat.tap(asked, "11/24 오전 9시", who="관리자")
    assert "열림: 11/24(화) 09:00 예약" in preview
    assert surveys(chat) == []  # nothing stored before 개설


def test_the_schedule_command_turns_an_unanswered_survey_into_a_scheduled_one() -> None:
    chat = world()
    create(chat, "11/27 18:00")
    assert TITLE in chat.say("신청 목록", who="홍길동")
    asked = chat.say(f"예약 {TITLE} 내일 9시", who="관리자")
    assert "오전 9시인가요, 오후 9시인가요?" in asked and asked.labels[:2] == ["오전 9시", "오후 9시"]
    said = chat.tap(asked, f"예약 {TITLE} 내일 오전 9시", who="관리자")
    assert "11/24(화) 09:00에 열도록 예약했어요" in said
    (s,) = surveys(chat)
    assert s.status == SCHEDULED and TITLE not in chat.say("신청 목록", who="홍길동")
    assert "맞는 신청을 찾을 수 없어요" in chat.say(f"예약 {TITLE} 내일 10시", who="다른관리자")
    assert "마감(11/27(금) 18:00)보다 앞이어야" in chat.say(f"예약 {TITLE} 11/28 09:00", who="관리자")
    # 연장 keeps it scheduled; it opens at its time with the new deadline
    assert "옮겼어요" in chat.say(f"연장 {TITLE} 11/28 18:00", who="관리자")
    assert chat.store.get_survey(s.id).status == SCHEDULED
    tick(chat, days=1)
    opened = chat.store.get_survey(s.id)
    assert opened.status == OPEN and opened.deadline == datetime(2026, 11, 28, 18, 0, tzinfo=KST)


def test_a_survey_with_answers_cannot_be_scheduled() -> None:
    chat = world()
    create(chat, "11/27 18:00")
    chat.say_all([f"신청 {TITLE}", "피자", "2", "건너뛰기", "제출"], who="홍길동")
    said = chat.say(f"예약 {TITLE} 내일 오전 9시", who="관리자")
    assert "이미 응답이 1건 있어 예약으로 돌릴 수 없어요" in said
    assert surveys(chat)[0].status == OPEN


# --- 반복 ------------------------------------------------------------------------------------------


@pytest.mark.every_store
def test_a_weekly_survey_opens_one_copy_per_period_over_simulated_weeks(chat: Chat) -> None:
    chat = world(chat=chat)
    create(chat, "11/25 18:00")  # Monday 09:00 to Wednesday 18:00: 57 hours
    said = chat.say(f"반복 {TITLE} 매주 월 9시", who="관리자")
    assert "매주 월요일 09:00마다 새로 열어요" in said and "다음은 11/30(월) 09:00" in said
    assert f"'{TITLE} 11/30'" in said
    first = surveys(chat)[0]
    chat.say_all([f"신청 {TITLE}", "피자", "2", "건너뛰기", "제출"], who="홍길동")
    made: list[Survey] = []
    for _hour in range(0, 24 * 7 * 4, 6):  # four weeks, the job every six hours, twice each time
        made += tick(chat, hours=6)
        made += open_planned(chat.store, chat.clock())
    titles = [s.title for s in made]
    assert titles == [f"{TITLE} 11/30", f"{TITLE} 12/7", f"{TITLE} 12/14", f"{TITLE} 12/21"]
    for s in made:
        stored = chat.store.get_survey(s.id)
        opened = datetime.fromisoformat(stored.created_at)
        assert opened.weekday() == 0 and (opened.hour, opened.minute) == (9, 0)
        assert stored.deadline == opened + timedelta(hours=57)  # the first one's length, from its opening
        assert stored.origin == first.id and stored.response_count == 0 and stored.questions == first.questions
    # each period is its own survey: its own answers
    assert len(chat.store.list_answers(first.id)) == 1
    assert all(chat.store.list_answers(s.id) == [] for s in made)
    # the admin finds them by title in their own list
    assert {s.id for s in made} <= set(chat.user("관리자").managed)
    assert f"{TITLE} 12/21" in chat.say("내 신청서", who="관리자")
    # 반복 중지, named by a period: no more copies
    stopped = chat.say(f"반복 중지 {TITLE} 12/21", who="관리자")
    assert f"'{TITLE}' 반복을 멈췄어요" in stopped
    assert tick(chat, days=14) == [] and chat.store.planned() == []
    assert "반복하지 않아요" in chat.say(f"반복 중지 {TITLE}", who="관리자")


@pytest.mark.every_store
def test_a_period_is_opened_once_when_two_runs_read_the_schedule_at_the_same_time(chat: Chat) -> None:
    chat = world(chat=chat)
    create(chat, "11/25 18:00")
    chat.say(f"반복 {TITLE} 매주 월 9시", who="관리자")
    chat.clock.advance(days=7)
    barrier = threading.Barrier(2)
    store = chat.store
    read = store.planned

    def planned_together():
        plans = read()
        barrier.wait(timeout=10)  # both runs hold the same schedule before either writes
        return plans

    store.planned = planned_together
    results: list[list[Survey]] = []
    runs = [threading.Thread(target=lambda: results.append(open_planned(store, chat.clock()))) for _ in range(2)]
    for r in runs:
        r.start()
    for r in runs:
        r.join(timeout=30)
    assert sorted(len(r) for r in results) == [0, 1]
    assert [s.title for s in surveys(chat)] == [TITLE, f"{TITLE} 11/30"]


@pytest.mark.every_store
def test_a_repeat_needs_a_deadline_shorter_than_a_period_and_a_stopped_repeat_is_not_revived(chat: Chat) -> None:
    chat = world(chat=chat)
    create(chat, "없음")
    assert "마감이 있어야 해요" in chat.say(f"반복 {TITLE} 매주 월 9시", who="관리자")
    chat.say(f"연장 {TITLE} 12/9 18:00", who="관리자")
    refused = chat.say(f"반복 {TITLE} 매주 월 9시", who="관리자")  # 12/9: it would cover the 11/30 period whole
    assert "11/30(월) 09:00에 열릴 회차가 통째로 지나가요" in refused
    assert "마감을 12/2(수) 18:00으로 옮기면 반복할 수 있어요" in refused and refused.labels[0] == "마감 12/2 18:00"
    assert "12/2(수) 18:00으로 옮겼어요" in chat.tap(refused, f"연장 {TITLE} 12/2 18:00", who="관리자")
    said = chat.say(f"반복 {TITLE} 매주 월 9시", who="관리자")
    assert "다음은 12/7(월) 09:00~12/9(수) 18:00" in said  # this one is the 11/30 period, opened early
    chat.say(f"반복 중지 {TITLE}", who="관리자")
    assert "어떻게 반복할지" in chat.say(f"반복 {TITLE} 매일", who="관리자")
    chat.say(f"연장 {TITLE} 11/27 18:00", who="관리자")
    chat.say(f"반복 {TITLE} 매월 1일", who="관리자")
    stale = chat.store.planned()
    chat.say(f"반복 중지 {TITLE}", who="관리자")
    # a run that read the schedule before the stop: its copy's condition (still repeating) fails
    chat.clock.advance(days=9)
    chat.store.planned = lambda: stale
    assert open_planned(chat.store, chat.clock()) == []
    assert [s.title for s in surveys(chat)] == [TITLE]


def test_the_wizard_sets_a_repeat_and_missed_periods_are_skipped_not_piled_up() -> None:
    chat = world()
    said = create(chat, "11/24 18:00", "여는 때", "매주 월 9시")
    assert "매주 월요일 09:00마다 새 회차가 열려요" in said and "개설했어요" in said
    (s,) = surveys(chat)
    assert s.repeat == "w0@09:00" and s.status == OPEN
    # the job could not run for three weeks: only the current period opens
    made = tick(chat, days=21, hours=1)
    assert [m.title for m in made] == [f"{TITLE} 12/14"]
    assert tick(chat, hours=1) == []


def test_plans_survive_the_dynamo_store_shape() -> None:
    """The schedule's entries round-trip through the item shape the tables keep."""
    from chalicelib.domain.plans import Planned
    from chalicelib.storage import items

    p = Planned(
        "ab12",
        TITLE,
        datetime(2026, 12, 1, 9, 0, tzinfo=KST),
        "w0@09:00",
        datetime(2026, 12, 7, 9, 0, tzinfo=KST),
        3600,
    )
    assert items.planned("ab12", items.plan_entry(p)) == p
    assert isinstance(MemoryStore().planned(), list)


def test_a_scheduled_survey_is_not_closed_but_can_be_moved_or_deleted() -> None:
    chat = world()
    create(chat, "11/27 18:00", "여는 때", "11/25 오전 9시")
    said = chat.say(f"마감 {TITLE}", who="관리자")
    assert "11/25(수) 09:00에 열리도록 예약되어 있어 아직 받지 않아요" in said
    assert "11/26(목) 09:00에 열도록 예약했어요" in chat.say(f"예약 {TITLE} 11/26 오전 9시", who="관리자")
    (s,) = surveys(chat)
    assert s.opens_at == datetime(2026, 11, 26, 9, 0, tzinfo=KST)
    assert tick(chat, days=2, hours=1) == []  # 11/25 10:00: past the first time, before the new one
    assert chat.store.get_survey(s.id).status == SCHEDULED
    chat.say_all([f"삭제 {TITLE}", "예"], who="관리자")
    assert surveys(chat) == [] and chat.store.planned() == []


def test_a_retention_entry_keeps_only_its_time() -> None:
    """One entry per closed survey within its retention: small, so the schedule item holds thousands."""
    from chalicelib.domain.plans import KEEP, Planned
    from chalicelib.storage import items

    p = Planned("ab12cd34", "아주 긴 제목" * 6, next=datetime(2027, 1, 22, 9, 0, tzinfo=KST), kind=KEEP)
    entry = items.plan_entry(p)
    assert len(entry.encode()) + len(p.entry) <= 60
    back = items.planned(p.entry, entry)
    assert (back.survey_id, back.kind, back.next) == ("ab12cd34", KEEP, p.next)


@pytest.mark.every_store
def test_a_periods_co_admins_and_viewers_are_the_repeating_surveys(chat: Chat) -> None:
    """Who shares a repeating survey shares each period it opens: its co-admins manage it, its 열람자 read it,
    each finding it by title in their own list."""
    chat = world(chat=chat)
    create(chat, "11/25 18:00")
    chat.say(f"반복 {TITLE} 매주 월 9시", who="관리자")
    assert "공동관리자가 되었어요" in chat.say(f"공동관리자 {TITLE} 다른관리자", who="관리자")
    assert "열람자가 되었어요" in chat.say(f"열람자 {TITLE} 김철수", who="관리자")
    [made] = tick(chat, days=7)
    stored = chat.store.get_survey(made.id)
    assert stored.coadmins == [key_of("다른관리자")] and stored.viewers == [key_of("김철수")]
    assert made.id in chat.user("다른관리자").managed and made.id in chat.user("김철수").viewing
    assert "응답 0명" in chat.say(f"현황 {made.title}", who="김철수")
    assert "관리자만 쓸 수 있는" in chat.say(f"마감 {made.title}", who="김철수")  # reading only
    assert chat.store.get_survey(made.id).status == OPEN
