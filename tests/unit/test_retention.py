"""Retention (issue 11): answers kept a period after closing, the admins told a week before, 보관 연장 once,
then the answers deleted by the minute job, the fact kept in the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from harness import Chat, timing_for

from chalicelib.domain.model import ADMIN, CLOSED, KST, PARTICIPATION, Survey
from chalicelib.domain.plans import KEEP
from chalicelib.domain.rules import Rules
from chalicelib.domain.session import Session
from chalicelib.jobs.deadlines import close_past_deadline
from chalicelib.jobs.schedule import open_planned
from chalicelib.service.bot import Bot
from scripts.wizard import bbq_messages

TITLE = "BBQ 회식"
KEEP_DAYS = 60  # the organisation's default in these tests


def world(chat: Chat | None = None, keep: str | None = None, mode: str | None = None) -> Chat:
    chat = chat or Chat()
    chat.bot = Bot(chat.store, clock=chat.clock, rules=Rules(keep_days=KEEP_DAYS), timing=timing_for(chat.store))
    chat.register("관리자", "본부", ADMIN)
    chat.register("공동", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    chat.register("김철수", "2중대")
    settings = (["보관 기간", keep] if keep else []) + (["응답 방식", mode] if mode else [])
    messages = bbq_messages(title=TITLE, deadline="11/30 18:00")[:-1]
    preview = chat.say_all([*messages, *settings], who="관리자")
    assert f"응답 보관: 마감 후 {keep.removesuffix('일') if keep else KEEP_DAYS}일" in preview
    assert "개설했어요" in chat.say("개설", who="관리자")
    chat.say(f"공동관리자 {TITLE} 공동", who="관리자")
    for name in ("홍길동", "김철수"):
        chat.say_all([f"신청 {TITLE}", "피자", "2", "건너뛰기", "제출"], who=name)
    return chat


def survey(chat: Chat) -> Survey:
    (s,) = chat.store.list_surveys()
    return s


def run_job(chat: Chat, purged: list[str] | None = None) -> None:
    open_planned(chat.store, chat.clock(), KEEP_DAYS, purged)


def notes(chat: Chat, name: str) -> list[str]:
    """The retention notes waiting for ``name``'s next message."""
    return [n for n in Session.from_dict(chat.user(name).session).notes if "보관 기간" in n]


@pytest.mark.every_store
def test_answers_are_kept_then_the_admins_are_told_then_they_are_deleted_once(chat: Chat) -> None:
    chat = world(chat)
    chat.say_all([f"마감 {TITLE}", "예"], who="관리자")
    closed_at = chat.clock()
    s = survey(chat)
    assert s.status == CLOSED and s.closed_at == closed_at
    end = closed_at + timedelta(days=KEEP_DAYS)
    (entry,) = [p for p in chat.store.planned() if p.kind == KEEP]
    assert entry.next == end - timedelta(days=7)
    assert "응답 보관 2027/1/22(금) 09:00까지" in chat.say("내 신청서", who="관리자")  # another year: said
    # the week before: told once, whoever runs the job how often
    chat.clock.now = end - timedelta(days=7)
    run_job(chat)
    run_job(chat)
    for admin in ("관리자", "공동"):
        (note,) = notes(chat, admin)
        assert "1/22(금) 09:00에 보관 기간이 끝나 지워져요" in note and f"'보관 연장 {TITLE}'" in note
    assert notes(chat, "홍길동") == []
    told = chat.say("메뉴", who="공동")
    assert "보관 기간이 끝나 지워져요" in told
    # the end: deleted once, the survey and the fact kept
    chat.clock.now = end
    purged: list[str] = []
    run_job(chat, purged)
    run_job(chat, purged)
    assert purged == [s.id]
    assert chat.store.list_answers(s.id) == []
    after = survey(chat)
    assert after.purged_at == end and after.title == TITLE and after.response_count == 2
    audit = [e for e in chat.store.list_audit() if e.action == "retention_purge"]
    assert len(audit) == 1 and audit[0].detail == f"{TITLE} · 응답 2건"
    assert not [p for p in chat.store.planned() if p.kind == KEEP]
    for asked in (f"현황 {TITLE}", f"다운로드 {TITLE}", f"재개 {TITLE}", f"보관 연장 {TITLE}"):
        assert "보관 기간이 지나" in chat.say(asked, who="관리자"), asked


@pytest.mark.every_store
def test_keep_longer_once_moves_the_end_and_the_warning(chat: Chat) -> None:
    chat = world(chat, keep="30일")
    assert survey(chat).keep_days == 30
    assert "아직 마감 전이에요. 응답은 마감 후 30일 보관해요" in chat.say(f"보관 연장 {TITLE}", who="관리자")
    chat.say_all([f"마감 {TITLE}", "예"], who="관리자")
    closed_at = chat.clock()
    said = chat.say(f"보관 연장 {TITLE}", who="관리자")
    assert "30일 더" in said and "2027/1/22(금) 09:00까지 보관해요" in said
    assert "한 번만 할 수 있어요" in chat.say(f"보관 연장 {TITLE}", who="공동")
    s = survey(chat)
    assert s.keep_extended and s.keep_until(KEEP_DAYS) == closed_at + timedelta(days=60)
    # the first end passes: nothing goes
    chat.clock.now = closed_at + timedelta(days=31)
    run_job(chat)
    assert len(chat.store.list_answers(s.id)) == 2
    chat.clock.now = closed_at + timedelta(days=60)
    run_job(chat)
    assert chat.store.list_answers(s.id) == []
    (entry,) = [e for e in chat.store.list_audit() if e.action == "keep_longer"]
    assert entry.detail == "12/23(수) 09:00 → 2027/1/22(금) 09:00"


def test_a_member_cannot_extend_and_an_unknown_title_is_not_found() -> None:
    chat = world()
    assert "관리자" in chat.say(f"보관 연장 {TITLE}", who="홍길동")
    assert survey(chat).keep_extended is False


@pytest.mark.every_store
def test_reopening_stops_the_clock_and_closing_again_starts_it_afresh(chat: Chat) -> None:
    chat = world(chat)
    chat.say_all([f"마감 {TITLE}", "예"], who="관리자")
    first_close = chat.clock()
    chat.clock.advance(days=KEEP_DAYS - 10)
    assert "다시 열었어요" in chat.say(f"재개 {TITLE}", who="관리자")
    assert not [p for p in chat.store.planned() if p.kind == KEEP] and survey(chat).closed_at is None
    chat.clock.now = first_close + timedelta(days=KEEP_DAYS)
    run_job(chat)
    assert len(chat.store.list_answers(survey(chat).id)) == 2
    chat.say_all([f"마감 {TITLE}", "예"], who="관리자")
    assert survey(chat).closed_at == chat.clock()


@pytest.mark.every_store
def test_the_deadline_job_closes_with_a_retention_and_anonymous_records_go_too(chat: Chat) -> None:
    chat = world(chat, mode="참여만 확인")
    s = survey(chat)
    assert len(chat.store.list_answers(PARTICIPATION + s.id)) == 2
    chat.clock.now = datetime(2026, 11, 30, 18, 1, tzinfo=KST)
    assert close_past_deadline(chat.store, chat.clock(), KEEP_DAYS) == [s.id]
    assert close_past_deadline(chat.store, chat.clock(), KEEP_DAYS) == []
    closed = survey(chat)
    assert closed.closed_at == chat.clock()
    chat.clock.now = closed.closed_at + timedelta(days=KEEP_DAYS)
    run_job(chat)
    assert chat.store.list_answers(s.id) == [] and chat.store.list_answers(PARTICIPATION + s.id) == []


def test_a_deletion_cut_short_is_finished_by_the_next_run() -> None:
    chat = world()
    chat.say_all([f"마감 {TITLE}", "예"], who="관리자")
    s = survey(chat)
    chat.clock.now = s.closed_at + timedelta(days=KEEP_DAYS)
    store = chat.store
    real = store.purge_answers

    def cut_short(survey_id: str) -> int:
        raise TimeoutError("the function's time is up")

    store.purge_answers = cut_short
    run_job(chat)  # logged; the run goes on with the other entries
    assert survey(chat).purged_at is not None and len(store.list_answers(s.id)) == 2
    assert [p.kind for p in store.planned()] == [KEEP]  # still on the schedule
    store.purge_answers = real
    chat.clock.advance(minutes=1)
    run_job(chat)
    assert store.list_answers(s.id) == [] and store.planned() == []
    assert [e.action for e in store.list_audit()].count("retention_purge") == 1


def _everything(store) -> str:
    """Every item of every table, as text (DynamoDB Local: a Scan of each, as a restore would show them)."""
    from chalicelib.storage.memory import MemoryStore

    if isinstance(store, MemoryStore):
        import dataclasses

        parts = [store.users, store.surveys, store.answers, store.roster, store.former, store.failures]
        return repr(
            [{k: (dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v) for k, v in p.items()} for p in parts]  # type: ignore[attr-defined, arg-type]
        ) + repr(store.audit)
    client = store.tables.connection.client
    out = []
    for model in store.tables.models:
        out.append(repr(client.scan(TableName=model.Meta.table_name)["Items"]))
    return "\n".join(out)


@pytest.mark.every_store
@pytest.mark.parametrize("mode", [None, "참여만 확인"])
def test_after_the_purge_no_table_and_no_file_holds_who_answered_or_what(chat: Chat, mode: str | None) -> None:
    from fakes import FakeExporter

    ex = FakeExporter()
    chat = world(chat, mode=mode)
    s = survey(chat)
    chat.register("박메모", "2중대")
    chat.say_all([f"신청 {TITLE}", "족발", "1", "알레르기-땅콩", "제출"], who="박메모")
    assert "알레르기-땅콩" in _everything(chat.store)
    chat.say_all([f"마감 {TITLE}", "예"], who="관리자")
    assert s.id in chat.user("홍길동").answered  # before: the member's item says they took part
    chat.clock.now = chat.clock() + timedelta(days=KEEP_DAYS)
    open_planned(chat.store, chat.clock(), KEEP_DAYS, forget_files=ex.forget_survey)
    everything = _everything(chat.store)
    for name in ("홍길동", "김철수", "박메모"):
        assert s.id not in chat.user(name).answered  # who took part, and when: gone from their items
    assert "알레르기-땅콩" not in everything  # what they answered: in no table
    assert PARTICIPATION + s.id not in everything and chat.store.list_answers(s.id) == []
    assert s.id in everything  # the survey itself stays, with its title and counts
    assert ex.forgotten == [s.id]  # and its files (exports, results pages) are deleted
    assert "retention_purge" in everything


def test_the_files_of_a_purged_survey_are_deleted_from_the_bucket() -> None:
    """The exporter the minute job is given deletes every object under the survey's prefix: its workbook, CSV and
    results pages (tests/export/test_files.py shows that against S3 itself)."""
    chat = world()
    s = survey(chat)
    chat.say_all([f"마감 {TITLE}", "예"], who="관리자")
    gone: list[str] = []
    chat.clock.now = chat.clock() + timedelta(days=KEEP_DAYS)
    open_planned(chat.store, chat.clock(), KEEP_DAYS, forget_files=gone.append)
    open_planned(chat.store, chat.clock(), KEEP_DAYS, forget_files=gone.append)
    assert gone == [s.id]  # once
