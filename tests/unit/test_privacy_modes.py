"""익명 and 참여만 확인 (issue 11): answers kept so that nobody, an operator with the table included, can link
one to a person; one response per person still; 미응답 only where taking part is meant to be known."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict

import pytest
from harness import PRIVACY_KEY, Chat, key_of, timing_for

from chalicelib.domain.model import ADMIN, ANONYMOUS, NAMED, PARTICIPATION, PRESENCE, SUPER, Survey
from chalicelib.domain.ports import Conflict
from chalicelib.domain.privacy import participation, unnamed_answer
from chalicelib.domain.writes import CountResponse, PutAnswer
from chalicelib.storage import items
from chalicelib.storage.tables import AnswerItem
from scripts.wizard import bbq_messages

TITLE = "익명 설문"
PEOPLE = [f"대원{n}" for n in range(1, 11)]


def world(mode: str, chat: Chat | None = None) -> Chat:
    chat = chat or Chat()
    chat.register("슈퍼", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)
    for n, name in enumerate(PEOPLE):
        chat.register(name, "1중대" if n % 2 else "2중대")
    messages = bbq_messages(title=TITLE, deadline="11/30 18:00")[:-1]
    preview = chat.say_all([*messages, "응답 방식", mode], who="관리자")
    assert f"응답 방식: {mode}" in preview
    assert "개설했어요" in chat.say("개설", who="관리자")
    return chat


def answer(chat: Chat, who: str, memo: str) -> str:
    chat.say(f"신청 {TITLE}", who=who)
    return str(chat.say_all(["피자", "2", memo, "제출"], who=who))


def survey(chat: Chat) -> Survey:
    (s,) = chat.store.list_surveys()
    return s


def stored_answers(chat: Chat, s: Survey) -> list[dict]:
    """Each answer as the table keeps it (the item's attributes, serialized as DynamoDB would)."""
    tables = getattr(chat.store, "tables", None)
    if tables is not None:  # DynamoDB: the items themselves, in the table's order
        return [i.serialize() for i in tables.AnswerItem.query(s.id, consistent_read=True)]
    return [items.answer_item(AnswerItem, a, a.version).serialize() for a in chat.store.list_answers(s.id)]


@pytest.mark.every_store
@pytest.mark.parametrize("mode", ["익명", "참여만 확인"])
def test_no_field_of_an_answer_derives_from_the_person(mode: str, chat: Chat) -> None:
    chat = world(mode, chat)
    for n, name in enumerate(PEOPLE):
        assert "이름 없이, 몇 분 안에 따로 저장돼요" in answer(chat, name, f"메모{n}")
    s = survey(chat)
    assert s.salt == ""  # the key that links a person to their record is the organisation's, in no table
    assert s.mode == (ANONYMOUS if mode == "익명" else PRESENCE) and s.response_count == len(PEOPLE)
    stored = stored_answers(chat, s)
    assert len(stored) == len(PEOPLE)
    people = [chat.user(name) for name in PEOPLE]
    secrets_of_people = {p.key for p in people} | {p.name for p in people}
    # what could derive from a key: the key itself, its HMAC under the organisation's key, its hash
    derived = set(secrets_of_people)
    for p in people:
        derived.add(hmac.new(PRIVACY_KEY, f"{s.id}:{p.key}".encode(), hashlib.sha256).hexdigest())
        derived.add(hashlib.sha256(p.key.encode()).hexdigest())
    for item in stored:
        text = json.dumps(item, ensure_ascii=False)
        assert not any(d and d in text for d in derived), item
        assert all(not item.get(k, {}).get("S") for k in ("name", "unit", "submitted_at", "updated_at"))
    # no ordering pairs an answer with its record: the table's order is not the order of submission
    memos = [json.loads(i["values"]["S"]).get("q3") for i in stored]
    assert sorted(memos) == sorted(f"메모{n}" for n in range(len(PEOPLE)))
    assert memos != [f"메모{n}" for n in range(len(PEOPLE))]
    # the participation records: one per person, nothing of the answers, no time
    records = chat.store.list_answers(PARTICIPATION + s.id)
    assert len(records) == len(PEOPLE) and all(r.values == {} and not r.submitted_at for r in records)
    if mode == "참여만 확인":
        assert {r.user_key for r in records} == {p.key for p in people}
    else:
        assert not {r.user_key for r in records} & {p.key for p in people}


def test_an_anonymous_answer_is_said_before_and_cannot_be_seen_changed_or_withdrawn() -> None:
    chat = world("익명")
    started = chat.say(f"신청 {TITLE}", who="대원1")
    assert "익명 신청이에요" in started and "제출한 뒤에는 고치거나 취소할 수 없어요" in started
    card = chat.say_all(["치킨", "2", "건너뛰기"], who="대원1")
    assert "제출한 뒤에는 고치거나 취소할 수 없어요" in card
    chat.say("제출", who="대원1")
    for again in (f"신청 {TITLE}", f"신청 수정 {TITLE}"):
        said = chat.say(again, who="대원1")
        assert "이미 응답했어요" in said and "보거나 고치거나 취소할 수 없어요" in said
    withdraw = chat.say(f"신청 취소 {TITLE}", who="대원1")
    assert "이미 응답했어요" in withdraw and "취소할 수 없어요" in withdraw
    assert survey(chat).response_count == 1 and len(chat.store.list_answers(survey(chat).id)) == 1
    # 익명: the person's own item does not remember taking part either ...
    assert survey(chat).id not in chat.user("대원1").answered
    # ... yet their own view knows, from the record their own key derives: nothing is pending for them
    assert "미응답 신청" not in chat.say("메뉴", who="대원1")
    assert f"{TITLE} — " in (listed := chat.say("신청 목록", who="대원1")) and "· 응답함" in listed
    assert "미응답 신청 1건" in chat.say("메뉴", who="대원2")


@pytest.mark.every_store
def test_one_response_per_person_is_the_participation_records_condition(chat: Chat) -> None:
    """Two submits of one person that both passed the read (two phones at once): the second transaction's
    participation record exists already, so nothing of it is stored."""
    chat = world("익명", chat)
    s = survey(chat)
    key = key_of("대원1")

    def submit_writes() -> list:
        return [
            PutAnswer(unnamed_answer(s, {"q1": "피자", "q2": 1})),
            PutAnswer(participation(s, key, PRIVACY_KEY)),
            CountResponse(s.id, chat.clock(), response_delta=1),
        ]

    chat.store.commit(submit_writes())
    with pytest.raises(Conflict):
        chat.store.commit(submit_writes())
    assert survey(chat).response_count == 1 and len(chat.store.list_answers(s.id)) == 1
    said = chat.say(f"신청 {TITLE}", who="대원1")
    assert "이미 응답했어요" in said


def test_missing_and_reminders_know_only_what_the_mode_lets_them() -> None:
    anonymous = world("익명")
    answer(anonymous, "대원1", "x")
    said = anonymous.say(f"미응답 {TITLE}", who="관리자")
    assert "관리자는 누가 응답했는지 알 수 없어요" in said and "대원2" not in said
    presence = world("참여만 확인")
    for name in PEOPLE[:5]:  # a full batch: now shown
        answer(presence, name, "x")
    said = presence.say(f"미응답 {TITLE}", who="관리자")
    names = [n for line in said.text.split("\n")[1:] for n in line.split(", ")]
    assert "미응답 7명" in said and "1중대 대원2" not in names and "1중대 대원6" in names
    status = presence.say(f"현황 {TITLE}", who="관리자")
    assert "응답 방식: 참여만 확인" in status and "피자 5" in status


def test_a_named_survey_is_as_before() -> None:
    chat = world("실명")
    assert "제출했어요" in answer(chat, "대원1", "메모")
    s = survey(chat)
    (a,) = chat.store.list_answers(s.id)
    assert s.mode == NAMED and a.user_key == key_of("대원1") and a.name == "대원1"
    assert chat.store.list_answers(PARTICIPATION + s.id) == []
    assert asdict(a)["submitted_at"]


@pytest.mark.parametrize("mode", ["익명", "참여만 확인"])
def test_the_results_page_of_an_unnamed_survey_has_no_units_no_times_and_no_names(mode: str) -> None:
    from fakes import FakeExporter

    from chalicelib.export.report import render
    from chalicelib.service.bot import Bot

    chat = Chat()
    exporter = FakeExporter()
    chat.bot = Bot(chat.store, exporter, clock=chat.clock, timing=timing_for(chat.store))
    chat = world(mode, chat)
    for name in PEOPLE[:5]:
        answer(chat, name, f"{name}의 메모")
    assert "결과" in chat.say(f"결과 보기 {TITLE}", who="관리자")
    (page,) = exporter.reports
    assert page.answered == 5 and page.units == () and page.timeline == ()
    html = render(page)
    assert "제출 시각을 남기지 않아요" in html and not any(name in html for name in PEOPLE[:3])
    if mode == "익명":
        assert "알 수 없음" in html and page.silent == 0
    else:
        assert page.silent == len(PEOPLE) + 2 - 5  # the target is everyone: two admins, ten people


@pytest.mark.parametrize("mode", ["익명", "참여만 확인"])
def test_the_export_of_an_unnamed_survey_has_no_name_time_or_number_columns(mode: str) -> None:
    from chalicelib.domain.audience import reach
    from chalicelib.export.answer_rows import survey_rows

    chat = world(mode)
    for name in PEOPLE[:5]:
        answer(chat, name, f"{name} 메모")
    s = survey(chat)
    header, rows = survey_rows(s, chat.store.list_answers(s.id))
    assert header == ["메뉴를 골라 주세요", "수량", "메모"]
    assert sorted(r[2] for r in rows) == [f"{name} 메모" for name in PEOPLE[:5]]
    flat = " ".join(str(c) for r in rows for c in r)
    assert not any(chat.user(n).key in flat for n in PEOPLE)
    missing = reach(chat.store, s).missing
    if mode == "익명":
        assert missing == ()
    else:
        assert ("1중대", "대원6", "응답 안 함") in {(r[0], r[1], r[3]) for r in missing}
        assert not {r[1] for r in missing} & set(PEOPLE[:5])
