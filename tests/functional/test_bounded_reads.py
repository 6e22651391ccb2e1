"""What a message costs in DynamoDB: no chat message scans a table, and a member's message reads the same
items whether the organisation made one survey or sixty, counted on the app's own client (moto)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from moto import mock_aws  # noqa: F401  (the aws fixture is active around every test here)

from chalicelib import runtime
from chalicelib.domain.model import CLOSED, SUPER, Question, Survey
from chalicelib.domain.writes import PutSurvey, PutUser
from scripts.wizard import bbq_messages
from tests.events import event
from tests.functional.conftest import HttpSaid, post, skill

ADMIN = ("channel_text", "a" * 64)
MEMBERS = [("channel_text", f"{n:064x}") for n in range(1, 4)]
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


@dataclasses.dataclass
class Call:
    operation: str
    items: int


class Calls:
    """Every DynamoDB request of the app's store, with the number of items it read."""

    def __init__(self, client: Any) -> None:
        self.log: list[Call] = []
        client.meta.events.register("after-call.dynamodb", self._after)

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        items = 1 if parsed.get("Item") else len(parsed.get("Items", []))
        items += sum(len(found) for found in parsed.get("Responses", {}).values())
        self.log.append(Call(model.name, items))

    def of(self, send: Any) -> list[Call]:
        start = len(self.log)
        send()
        return self.log[start:]


@pytest.fixture
def calls(client: Any) -> Calls:
    return Calls(runtime.bot().store.tables.connection.client)  # type: ignore[attr-defined]


def admin_with_survey(client: Any) -> None:
    post(client, "등록 본부 관리자", ADMIN)
    store = runtime.bot().store
    user = store.get_user(ADMIN[1])
    user.role = SUPER
    store.commit([PutUser(user)])
    for text in bbq_messages(deadline="없음", cap="5"):
        post(client, text, ADMIN)


def member_round(client: Any, calls: Calls, who: tuple[str, str]) -> dict[str, list[Call]]:
    """A member's messages, and the requests each made."""
    out: dict[str, list[Call]] = {}
    for label, text in [
        ("register", "등록 2중대 " + who[1][-3:]),
        ("메뉴", "메뉴"),
        ("신청 목록", "신청 목록"),
        ("신청 <제목>", "신청 BBQ 회식"),
        ("answer, no 정원", "피자"),
        ("answer", "2"),
        ("건너뛰기", "건너뛰기"),
        ("제출", "제출"),
        ("내 신청", "내 신청"),
        ("unknown", "아무 말"),
    ]:
        out[label] = calls.of(lambda: post(client, text, who))  # noqa: B023 (called at once, in this turn)
    return out


def closed_surveys(n: int) -> None:
    """``n`` surveys made and closed long ago (written straight into the store)."""
    store = runtime.bot().store
    for i in range(n):
        s = Survey(
            id=f"{i:08x}",
            title=f"지난 조사 {i}",
            owner=ADMIN[1],
            status=CLOSED,
            questions=[Question("q1", "의견")],
            created_at=f"2025-01-{i % 28 + 1:02d}T00:00:00+09:00",
        )
        store.commit([PutSurvey(s)])


def test_a_members_messages_cost_the_same_whatever_the_history(client: Any, calls: Calls) -> None:
    admin_with_survey(client)
    first = member_round(client, calls, MEMBERS[2])  # the survey's form is read once, then kept
    before = member_round(client, calls, MEMBERS[0])
    closed_surveys(60)
    after = member_round(client, calls, MEMBERS[1])
    # the user and listing; the survey's form the first time this container sees it (then kept); the survey's
    # counters, for the first question's places left (치킨 has a 정원); the draft. My registration brought back what
    # I had answered before, so no answer left from an earlier registration is looked up.
    assert [c.operation for c in first["신청 <제목>"]] == ["BatchGetItem", "GetItem", "GetItem", "PutItem"]
    opened = [(c.operation, c.items) for c in after["신청 <제목>"]]
    assert opened == [("BatchGetItem", 2), ("GetItem", 1), ("PutItem", 0)]
    assert [c.operation for c in after["answer"]] == ["GetItem", "PutItem"]  # no listing for an answer
    assert before.keys() == after.keys()
    for label in before:
        assert [(c.operation, c.items) for c in after[label]] == [(c.operation, c.items) for c in before[label]], label
    # the targets: a read-only message is at most 2 calls and no write; an answer 2; 제출 3. An answer picking an
    # option with a 정원 also reads the survey's counters (the places left): 3; 피자 has none, so 2.
    for label in ("메뉴", "신청 목록", "내 신청"):
        assert len(after[label]) <= 2 and not {c.operation for c in after[label]} & WRITES, (label, after[label])
    # an unknown text is also looked up once as the exact title of a closed survey (the titles index)
    assert [c.operation for c in after["unknown"]] == ["GetItem", "GetItem", "Query"], after["unknown"]
    assert len(after["answer"]) == 2 and len(after["제출"]) == 3, (after["answer"], after["제출"])
    assert [c.operation for c in after["answer, no 정원"]] == ["GetItem", "PutItem"], after["answer, no 정원"]


def tap(client: Any, said: HttpSaid, label: str, who: tuple[str, str]) -> HttpSaid:
    """Tap the quick reply ``label`` of ``said``: its text, with its extra as clientExtra (as Kakao sends it)."""
    quick = next(q for q in said.json["template"]["quickReplies"] if q["label"] == label)
    body = event(who[0], utterance=quick["messageText"], user_id=who[1])
    body["action"]["clientExtra"] = quick.get("extra") or {}
    return HttpSaid(skill(client, body))


def test_a_tapped_submit_or_withdraw_reads_the_survey_with_the_member(client: Any, calls: Calls) -> None:
    """제출 and 예 tapped on the bot's own quick replies say which survey they finish: one read, one write."""
    admin_with_survey(client)
    who = MEMBERS[0]
    for text in ["등록 2중대 홍길동", "신청 BBQ 회식", "피자", "2", "건너뛰기"]:
        card = post(client, text, who)
    assert "제출 전 확인" in card
    log = calls.of(lambda: tap(client, card, "제출", who))
    assert [(c.operation, c.items) for c in log] == [("BatchGetItem", 2), ("TransactWriteItems", 0)]  # no answer yet
    asked = post(client, "신청 취소 BBQ 회식", who)
    log = calls.of(lambda: tap(client, asked, "예", who))
    assert [(c.operation, c.items) for c in log] == [("BatchGetItem", 3), ("TransactWriteItems", 0)]
    assert "아직 제출한 신청이 없어요" in post(client, "내 신청", who) or "BBQ" not in post(client, "내 신청", who).text


def test_no_chat_message_scans_a_table(client: Any, calls: Calls) -> None:
    admin_with_survey(client)
    member, other = MEMBERS[0], MEMBERS[1]
    for text in [
        "등록 2중대 홍길동",
        "메뉴",
        "도움말",
        "신청 목록",
        "신청 BBQ 회식",
        "치킨",
        "1",
        "메모",
        "수정",
        "수정 1",
        "피자",
        "제출",
        "내 신청",
        "신청 수정 BBQ 회식",
        "제출",
        "신청 취소 BBQ 회식",
        "예",
        "BBQ 회식",
        "취소",
        "신청 없는제목",
        "아무 말",
        "탈퇴",
        "아니오",
    ]:
        post(client, text, member)
    post(client, "등록 3중대 김철수", other)
    for text in [
        "내 신청서",
        "현황 BBQ 회식",
        "미응답 BBQ 회식",
        "마감 BBQ 회식",
        "예",
        "재개 BBQ 회식",
        "다운로드 BBQ 회식",
        "결과 보기 BBQ 회식",
        "관리자 등록 김철수",
        "관리자 목록",
        "공동관리자 BBQ 회식 김철수",
        "관리자 해제 김철수",
        "현황 BBQ 회싁",
        "마스터키",
        "마감 BBQ 회식",
        "예",
        "보관 연장 BBQ 회식",
        "연장 BBQ 회식 내일 18시",
        "반복 BBQ 회식 매주 월 9시",
        "반복 중지 BBQ 회식",
        "예약 BBQ 회식 내일 9시",
        "복사 BBQ 회식",
        "취소",
        "삭제 BBQ 회식",
        "예",
        "신청 만들기",
        "취소",
    ]:
        post(client, text, ADMIN)
    runtime.every_minute()
    assert calls.log and not [c for c in calls.log if c.operation == "Scan"]


def test_a_tapped_survey_opens_in_one_read_and_one_write(client: Any, calls: Calls) -> None:
    """신청 <제목> tapped on 신청 목록 carries its survey: the member, the listing, the survey (form and counters for
    the places left) and any answer of mine are one BatchGetItem, and the draft one PutItem."""
    admin_with_survey(client)
    who = MEMBERS[0]
    post(client, "등록 2중대 홍길동", who)
    listed = post(client, "신청 목록", who)
    (label,) = [q["label"] for q in listed.json["template"]["quickReplies"] if q["messageText"] == "신청 BBQ 회식"]
    log = calls.of(lambda: tap(client, listed, label, who))
    assert [(c.operation, c.items) for c in log] == [("BatchGetItem", 3), ("PutItem", 0)]


def test_answering_again_after_a_withdrawal_opens_in_one_read_and_one_write(client: Any, calls: Calls) -> None:
    """The withdrawal's 다시 신청 carries its survey as 신청 목록's chips do: a member whose item now remembers no
    answer (registered after the survey opened) opens it in one BatchGetItem and one PutItem; typed, the same words
    read the member and the listing, and the survey's form is the one kept in memory."""
    admin_with_survey(client)
    who = MEMBERS[0]
    for text in ["등록 2중대 홍길동", "신청 BBQ 회식", "피자", "2", "건너뛰기", "제출", "신청 취소 BBQ 회식"]:
        asked = post(client, text, who)
    done = tap(client, asked, "예", who)
    assert "취소했어요" in done and done.json["template"]["quickReplies"][0]["label"] == "다시 신청"
    log = calls.of(lambda: tap(client, done, "다시 신청", who))
    assert [(c.operation, c.items) for c in log] == [("BatchGetItem", 3), ("PutItem", 0)]  # no answer: 3 of 4
    for text in ["피자", "2", "건너뛰기", "제출", "신청 취소 BBQ 회식", "예"]:
        post(client, text, who)
    log = calls.of(lambda: post(client, "신청 BBQ 회식", who))
    # the member and the listing; the places left of 치킨 (a 정원); the draft
    assert [(c.operation, c.items) for c in log] == [("BatchGetItem", 2), ("GetItem", 1), ("PutItem", 0)]


def test_an_item_registered_before_registrations_recalled_answers_looks_its_answer_up(
    client: Any, calls: Calls
) -> None:
    """An item of an earlier version, registered after the survey opened and remembering no answer, may have an
    answer left from an earlier registration that its registration did not bring back: 신청 <제목> reads the survey
    with my answer, and shows the answer."""
    admin_with_survey(client)
    who = MEMBERS[0]
    for text in ["등록 2중대 홍길동", "신청 BBQ 회식", "피자", "2", "건너뛰기", "제출"]:
        post(client, text, who)
    store = runtime.bot().store
    user = store.get_user(who[1])
    user.answered, user.recalled = {}, False  # as an item registered by an earlier version, after 탈퇴, stands
    store.commit([PutUser(user)])
    said: list[HttpSaid] = []
    log = calls.of(lambda: said.append(post(client, "신청 BBQ 회식", who)))
    assert [(c.operation, c.items) for c in log] == [("BatchGetItem", 2), ("BatchGetItem", 2)]
    assert "내 답" in said[0] and "피자" in said[0], said[0]
