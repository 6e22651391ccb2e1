"""익명 and 참여만 확인 hold against an admin who looks often and an operator who holds the tables.

* An admin's views move in batches: one submission changes nothing an admin can see (현황, 미응답, 결과 보기, the
  export and its 요약), until the batch is full.
* The key that ties a person to their 익명 participation record is the organisation's (SSM), in no table.
* The answer is written apart from its participation record, later, through the queue with a random delay.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from fakes import FakeExporter
from harness import PRIVACY_KEY, Chat, key_of

from chalicelib.domain.model import ADMIN, PARTICIPATION, SUPER
from chalicelib.domain.ports import Queue
from chalicelib.domain.privacy import BATCH, MAX_DELAY_SECONDS
from chalicelib.domain.tasks import ExportTask
from scripts.wizard import bbq_messages

TITLE = "익명 설문"
PEOPLE = [f"대원{n:02d}" for n in range(1, 13)]


def world(mode: str, chat: Chat) -> tuple[Chat, FakeExporter]:
    ex = FakeExporter()
    chat.bot.exporter = ex
    chat.register("슈퍼", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)
    for n, name in enumerate(PEOPLE):
        chat.register(name, "1중대" if n % 2 else "2중대")
    messages = bbq_messages(title=TITLE, deadline="11/30 18:00")[:-1]
    chat.say_all([*messages, "응답 방식", mode], who="관리자")
    assert "개설했어요" in chat.say("개설", who="관리자")
    return chat, ex


def answer(chat: Chat, who: str, n: int) -> None:
    chat.say(f"신청 {TITLE}", who=who)
    chat.say_all(["피자" if n % 2 else "족발", str(n % 5 + 1), f"메모{n}", "제출"], who=who)


def what_an_admin_sees(chat: Chat, ex: FakeExporter) -> dict[str, Any]:
    """Everything an admin can look at: 현황, 미응답, 내 신청서, 결과 보기's page and the export's rows and 요약."""
    from chalicelib.export.answer_rows import survey_rows

    chat.as_("관리자")
    seen: dict[str, object] = {
        "현황": chat.say(f"현황 {TITLE}").text,
        "미응답": chat.say(f"미응답 {TITLE}").text,
        "내 신청서": chat.say("내 신청서").text,
    }
    chat.say(f"결과 보기 {TITLE}")
    page = ex.reports[-1]
    seen["결과 보기"] = (page.answered, page.silent, page.unregistered, [t.figures for t in page.questions])
    chat.say(f"다운로드 {TITLE}")
    reach = ex.reaches[-1]
    s = chat.store.list_surveys()[0]
    from chalicelib.domain.privacy import shown

    seen["다운로드"] = (reach.answered, reach.missing, survey_rows(s, shown(s, chat.store.list_answers(s.id))))
    return seen


@pytest.mark.every_store
@pytest.mark.parametrize("mode", ["익명", "참여만 확인"])
def test_one_submission_changes_nothing_an_admin_can_see(mode: str, chat: Chat) -> None:
    chat, ex = world(mode, chat)
    for n, name in enumerate(PEOPLE[:BATCH]):
        answer(chat, name, n)
    full = what_an_admin_sees(chat, ex)
    assert f"응답 {BATCH}명" in str(full["현황"])
    for n, name in enumerate(PEOPLE[BATCH : 2 * BATCH - 1], start=BATCH):  # one short of the next batch
        answer(chat, name, n)
        assert what_an_admin_sees(chat, ex) == full, name  # nothing moved: not a count, a name, a figure, a row
        if mode == "익명":
            assert "명은" not in str(full["현황"])  # not even how many wait: that would say someone just answered
    answer(chat, PEOPLE[2 * BATCH - 1], 2 * BATCH - 1)  # the batch fills: all of it shows at once
    after = what_an_admin_sees(chat, ex)
    assert f"응답 {2 * BATCH}명" in str(after["현황"]) and after != full
    rows = after["다운로드"][2][1]
    assert len(rows) == 2 * BATCH and rows == sorted(rows, key=lambda r: repr(sorted(zip(range(9), r, strict=False))))
    if mode == "참여만 확인":  # 미응답 moved by the whole batch, not by one
        assert full["미응답"] != after["미응답"]


@pytest.mark.every_store
def test_the_key_that_ties_a_person_to_their_participation_is_in_no_table(chat: Chat) -> None:
    chat, _ = world("익명", chat)
    answer(chat, PEOPLE[0], 0)
    s = chat.store.list_surveys()[0]
    assert s.salt == ""
    (record,) = chat.store.list_answers(PARTICIPATION + s.id)
    person = key_of(PEOPLE[0])
    assert record.user_key == hmac.new(PRIVACY_KEY, f"{s.id}:{person}".encode(), hashlib.sha256).hexdigest()
    # whoever holds every table cannot make it again: nothing in them is the key
    tables = getattr(chat.store, "tables", None)
    if tables is not None:
        client = tables.connection.client
        dump = json.dumps(
            [client.scan(TableName=m.Meta.table_name)["Items"] for m in tables.models], ensure_ascii=False
        )
    else:
        dump = repr(vars(chat.store))
    assert PRIVACY_KEY.decode() not in dump
    assert "이미 응답했어요" in chat.say(f"신청 {TITLE}", who=PEOPLE[0])  # one response per person still


class Holding(Queue):
    """A queue that keeps what it is sent (and when it may run) until a test lets it go."""

    def __init__(self) -> None:
        self.held: list[tuple[ExportTask, int]] = []

    def send(self, task: ExportTask, delay_seconds: int = 0) -> None:
        self.held.append((ExportTask.from_json(task.to_json()), delay_seconds))


@pytest.mark.every_store
def test_the_answer_is_written_apart_from_its_participation_and_later(chat: Chat) -> None:
    chat, _ = world("참여만 확인", chat)
    queue = Holding()
    chat.bot.queue = queue
    s = chat.store.list_surveys()[0]
    answer(chat, PEOPLE[0], 0)
    answer(chat, PEOPLE[1], 1)
    assert len(chat.store.list_answers(PARTICIPATION + s.id)) == 2  # recorded, with the counters
    assert chat.store.list_answers(s.id) == []  # the answers are not, yet
    assert [t.kind for t, _ in queue.held] == ["answer", "answer"]
    assert all(1 <= delay <= MAX_DELAY_SECONDS for _, delay in queue.held)
    text = json.dumps([t.extra for t, _ in queue.held], ensure_ascii=False)
    assert not any(key_of(p) in text or p in text for p in PEOPLE)  # the message names nobody
    for task, _ in reversed(queue.held):  # whenever they run, in whatever order
        chat.bot.run_export_task(task)
    assert sorted(a.values["q3"] for a in chat.store.list_answers(s.id)) == ["메모0", "메모1"]
    # an answer that arrives after its survey was deleted goes nowhere
    answer(chat, PEOPLE[2], 2)
    late, _ = queue.held[-1]
    chat.say_all([f"삭제 {TITLE}", "예"], who="관리자")
    chat.bot.run_export_task(late)
    assert chat.store.list_answers(s.id) == []


def test_a_queue_that_refuses_the_answer_does_not_lose_it() -> None:
    class Refusing(Queue):
        def send(self, task: ExportTask, delay_seconds: int = 0) -> None:
            raise RuntimeError("queue down")

    chat, _ = world("익명", Chat())
    chat.bot.queue = Refusing()
    answer(chat, PEOPLE[0], 0)
    s = chat.store.list_surveys()[0]
    assert [a.values["q3"] for a in chat.store.list_answers(s.id)] == ["메모0"]
