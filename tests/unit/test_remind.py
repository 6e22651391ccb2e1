"""알림: who gets it, what it costs, once per interval under races, the reminder as members see it, the admin's note."""
from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from harness import Chat, key_of, make_bbq

from chalicelib.domain import remind
from chalicelib.domain.model import ADMIN, SUPER
from chalicelib.domain.ports import Delivery, Notifier
from chalicelib.service import Bot
from chalicelib.service import reminders as sending
from scripts.wizard import bbq_messages

TITLE = "BBQ 회식"


class FakeNotifier(Notifier):
    def __init__(self, fail: dict[str, list[str]] | None = None) -> None:
        self.calls: list[tuple[list[str], dict[str, Any]]] = []
        self.fail = fail or {}  # "retry"/"failed" -> keys that fail so on the first call
        self.lock = threading.Lock()

    def send(self, user_keys: Sequence[str], data: Mapping[str, Any]) -> Delivery:
        with self.lock:
            first = not self.calls
            self.calls.append((list(user_keys), dict(data)))
        retry = [k for k in user_keys if first and k in self.fail.get("retry", [])]
        failed = [k for k in user_keys if k in self.fail.get("failed", [])]
        return Delivery([k for k in user_keys if k not in retry and k not in failed], retry, failed)


def reminding_chat(notifier: Notifier) -> Chat:
    """A chat whose bot has the event channel, with 관리자 (an admin) and 홍길동."""
    chat = Chat()
    chat.bot = Bot(chat.store, clock=chat.clock, notifier=notifier)
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    return chat


def world(notifier: Notifier | None) -> Chat:
    chat = Chat()
    chat.bot = Bot(chat.store, clock=chat.clock, notifier=notifier)
    chat.register("슈퍼", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)
    chat.register("공동", "본부", ADMIN)
    for name in ("홍길동", "김철수", "이영희"):
        chat.register(name, "2중대")
    make_bbq(chat, remind=None if notifier is None else "없음")
    chat.say(f"공동관리자 {TITLE} 공동", who="관리자")
    chat.as_("홍길동").say(f"신청 {TITLE}")
    for text in ("피자", "2", "건너뛰기", "제출"):
        chat.say(text)
    return chat


def test_without_the_event_channel_it_says_how_to_turn_it_on() -> None:
    chat = world(None)
    said = chat.say(f"알림 {TITLE}", who="관리자")
    assert "알림이 꺼져 있어요" in said and "REST API 키" in said


def test_it_shows_who_and_what_it_costs_then_sends_once_and_tells_the_admin() -> None:
    notifier = FakeNotifier()
    chat = world(notifier)
    said = chat.say(f"알림 {TITLE}", who="관리자")
    # everyone registered but 홍길동 has not answered: 슈퍼, 관리자, 공동, 김철수, 이영희
    assert "5명에게" in said and "약 75원" in said and said.quick[:2] == ["예", "아니오"]
    assert notifier.calls == []  # nothing before 예
    said = chat.say("예", who="관리자")
    assert "5명에게 보내고 있어요" in said
    [(keys, data)] = notifier.calls
    assert key_of("홍길동") not in keys and set(keys) >= {key_of("김철수"), key_of("이영희")}
    assert data == {"remind": chat.store.list_surveys()[0].id}
    note = chat.say("메뉴", who="관리자")
    assert note.text.startswith(f"'{TITLE}' 알림: 5명에게 보냈어요.")
    assert f"'{TITLE}' 알림:" not in chat.say("메뉴", who="관리자")  # told once
    again = chat.say(f"알림 {TITLE}", who="공동")
    assert "이미 보냈어요" in again and len(notifier.calls) == 1
    chat.clock.advance(hours=remind.INTERVAL_HOURS)  # the default interval
    assert "명에게 카카오톡 알림을 보낼까요" in chat.say(f"알림 {TITLE}", who="공동")
    assert any(a.action == "remind" for a in chat.store.list_audit())


def test_two_admins_confirming_at_once_send_once() -> None:
    notifier = FakeNotifier()
    chat = world(notifier)
    chat.say(f"알림 {TITLE}", who="관리자")
    chat.say(f"알림 {TITLE}", who="공동")
    go = threading.Barrier(2)
    replies: dict[str, str] = {}

    def confirm(who: str) -> None:
        go.wait(5)
        reply, _ = chat.bot.handle(key_of(who), "예", "", None)
        replies[who] = reply.all_text()

    threads = [threading.Thread(target=confirm, args=(w,)) for w in ("관리자", "공동")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(notifier.calls) == 1
    assert sorted("보내고 있어요" in r for r in replies.values()) == [False, True]
    assert any("이미 보냈어요" in r for r in replies.values())


def test_retryable_failures_are_retried_and_permanent_ones_reported() -> None:
    notifier = FakeNotifier(fail={"retry": [key_of("김철수")], "failed": [key_of("이영희")]})
    chat = world(notifier)
    chat.say(f"알림 {TITLE}", who="관리자")
    chat.say("예", who="관리자")
    assert [len(keys) for keys, _ in notifier.calls] == [5, 1]  # only 김철수 again
    note = chat.say("메뉴", who="관리자")
    assert "4명에게 보냈어요. 1명에게는 보내지 못했어요." in note


class Flaky(Notifier):
    """Kakao answering 5xx for the given keys on every call (Delivery.retry), accepting the others."""

    def __init__(self, down: set[str]) -> None:
        self.down = down
        self.calls: list[list[str]] = []

    def send(self, user_keys: Sequence[str], data: Mapping[str, Any]) -> Delivery:
        self.calls.append(list(user_keys))
        return Delivery([k for k in user_keys if k not in self.down], [k for k in user_keys if k in self.down], [])


def test_retries_go_back_on_the_queue_held_back_and_the_admin_hears_once_at_the_end() -> None:
    from chalicelib.jobs import InlineQueue

    notifier = Flaky({key_of("김철수"), key_of("이영희")})
    chat = world(notifier)
    queue = InlineQueue(chat.bot.run_export_task)
    chat.bot.queue = queue
    chat.say(f"알림 {TITLE}", who="관리자")
    assert "보내고 있어요" in chat.say("예", who="관리자")
    # One attempt per run; the two still failing go back with a pause, a minute then five, then given up.
    assert [len(keys) for keys in notifier.calls] == [5, 2, 2]
    assert queue.delays == [0, *sending.BACKOFF_SECONDS]
    assert [t.attempt for t in queue.sent] == [0, 1, 2]
    assert queue.sent[-1].reached == 3  # carried along to the last run, which tells the admin
    note = chat.say("메뉴", who="관리자")
    assert note.text.count("알림:") == 1 and "3명에게 보냈어요. 2명에게는 보내지 못했어요." in note


def test_a_retry_that_cannot_be_queued_is_reported_not_lost() -> None:
    from chalicelib.jobs import InlineQueue

    chat = world(Flaky({key_of("김철수")}))
    queue = InlineQueue(chat.bot.run_export_task)

    def refuse(task: Any, delay_seconds: int = 0) -> None:
        if delay_seconds:
            raise OSError("queue unreachable")
        InlineQueue.send(queue, task, delay_seconds)

    queue.send = refuse  # type: ignore[method-assign]
    chat.bot.queue = queue
    chat.say(f"알림 {TITLE}", who="관리자")
    chat.say("예", who="관리자")
    assert "4명에게 보냈어요. 1명에게는 보내지 못했어요." in chat.say("메뉴", who="관리자")


def test_the_reminder_as_a_member_receives_it() -> None:
    chat = world(FakeNotifier())
    sid = chat.store.list_surveys()[0].id
    said = chat.say("", who="김철수", tap={"remind": sid})
    assert "[알림]" in said and f"신청 {TITLE}" in said.quick
    assert "이미 응답했어요" in chat.say("", who="홍길동", tap={"remind": sid})
    chat.say_all([f"마감 {TITLE}", "예"], who="관리자")
    assert "이미 마감되었어요" in chat.say("", who="김철수", tap={"remind": sid})


def test_a_note_survives_a_race_with_the_admins_own_message() -> None:
    chat = world(None)
    sending.leave_note(chat.store, key_of("관리자"), "첫째")
    sending.leave_note(chat.store, key_of("관리자"), "둘째")
    said = chat.say("메뉴", who="관리자")
    assert said.text.startswith("첫째\n둘째")


# --- the summary when a survey closes -----------------------------------------------------------


def test_closing_tells_the_other_admins_on_their_next_message_without_the_event_channel() -> None:
    chat = world(None)
    chat.say_all([f"마감 {TITLE}", "예"], who="관리자")
    said = chat.say("메뉴", who="공동")
    assert said.text.startswith(f"'{TITLE}'이 마감되었어요. 응답 1명.") and f"다운로드 {TITLE}" in said
    assert "마감되었어요" not in chat.say("메뉴", who="관리자").text.split("\n")[0]  # who closed it knows


def test_closing_sends_the_summary_through_the_event_channel() -> None:
    notifier = FakeNotifier()
    chat = world(notifier)
    sid = chat.store.list_surveys()[0].id
    chat.say_all([f"마감 {TITLE}", "예"], who="공동")
    assert notifier.calls == [([key_of("관리자")], {"summary": sid})]
    said = chat.say("", who="관리자", tap={"summary": sid})
    assert "응답 1명 / 대상 6명 (17%)" in said and f"다운로드 {TITLE}" in said.quick
    assert "마감되었어요" not in chat.say("메뉴", who="관리자").text.split("\n")[0]  # no note twice


def test_the_scheduled_close_tells_owner_and_coadmins() -> None:
    from chalicelib.autoclose import close_expired

    chat = world(None)
    chat.clock.advance(days=30)
    closed = close_expired(chat.store, chat.clock.now)
    chat.bot.announce_closed(closed)
    for who in ("관리자", "공동"):
        assert chat.say("메뉴", who=who).text.startswith(f"'{TITLE}'이 마감되었어요.")


# --- automatic reminders ------------------------------------------------------------------------


def test_automatic_reminders_go_once_each_at_their_time() -> None:
    from datetime import datetime

    from chalicelib.domain.model import KST

    notifier = FakeNotifier()
    chat = reminding_chat(notifier)
    replies = [chat.say(t, who="관리자") for t in bbq_messages(title="자동 알림", deadline="11/30 18:00", remind="둘 다")]
    assert any("자동으로 알림을 보낼까요" in r for r in replies)
    assert any("자동 알림: 마감 24시간 전, 마감 1시간 전" in r for r in replies)
    assert "개설했어요" in replies[-1]
    assert chat.bot.auto_remind() == 0  # a week before: nothing due
    chat.clock.now = datetime(2026, 11, 29, 18, 5, tzinfo=KST)
    assert chat.bot.auto_remind() == 1 and chat.bot.auto_remind() == 0  # the 24 h one, once
    assert sorted(notifier.calls[0][0]) == sorted([key_of("관리자"), key_of("홍길동")])
    chat.clock.now = datetime(2026, 11, 30, 17, 1, tzinfo=KST)
    runs = [threading.Thread(target=chat.bot.auto_remind) for _ in range(2)]
    for t in runs:
        t.start()
    for t in runs:
        t.join(10)
    assert len(notifier.calls) == 2  # the 1 h one, once though two runs raced
    assert chat.say("메뉴", who="관리자").text.startswith("'자동 알림' 알림: 2명에게 보냈어요.")


def test_without_the_event_channel_the_wizard_does_not_ask_about_reminders() -> None:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat)  # the script without the reminder question opens the survey (make_bbq checks)
    assert chat.bot.auto_remind() == 0


def test_the_interval_between_reminders_is_configurable() -> None:
    notifier = FakeNotifier()
    chat = world(notifier)
    chat.bot.remind_hours = 2
    chat.say(f"알림 {TITLE}", who="관리자")
    chat.say("예", who="관리자")
    chat.clock.advance(hours=1)
    assert "이미 보냈어요" in chat.say(f"알림 {TITLE}", who="관리자")
    chat.clock.advance(hours=1)
    said = chat.say(f"알림 {TITLE}", who="관리자")
    assert "알림을 보낼까요" in said and "2시간에 한 번만" in said


def test_a_full_survey_is_not_chased() -> None:
    notifier = FakeNotifier()
    chat = reminding_chat(notifier)
    chat.register("김철수", "2중대")
    make_bbq(chat, title="한 자리", cap="1", remind="없음")
    chat.as_("홍길동").say("신청 한 자리")
    for text in ("피자", "2", "건너뛰기", "제출"):
        chat.say(text)
    said = chat.say("알림 한 자리", who="관리자")
    assert "정원이 다 차서 더 받지 않아요" in said and not notifier.calls
    sid = chat.store.list_surveys()[0].id
    assert "정원이 다 찼어요" in chat.say("", who="김철수", tap={"remind": sid})
