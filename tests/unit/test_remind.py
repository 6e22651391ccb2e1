"""알림: who gets it, what it costs, once per interval under races, the reminder as members see it, the admin's note."""

from __future__ import annotations

import dataclasses
import threading

from harness import Chat, key_of, make_bbq, timing_for
from pushfakes import FakeNotifier, SimulatedQueue

from chalicelib.domain import remind
from chalicelib.domain.model import ADMIN, SUPER
from chalicelib.domain.ports import NOT_SENT, REFUSED, UNKNOWN, Notifier
from chalicelib.service import pushing
from chalicelib.service import reminders as sending
from chalicelib.service.bot import Bot
from scripts.wizard import bbq_messages

TITLE = "BBQ 회식"


def reminding_chat(notifier: Notifier) -> Chat:
    """A chat whose bot has the event channel, with 관리자 (an admin) and 홍길동."""
    chat = Chat()
    chat.bot = Bot(chat.store, clock=chat.clock, notifier=notifier, timing=timing_for(chat.store))
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    return chat


def world(notifier: Notifier | None) -> Chat:
    chat = Chat()
    chat.bot = Bot(chat.store, clock=chat.clock, notifier=notifier, timing=timing_for(chat.store))
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
    assert note.text.startswith(f"'{TITLE}' 알림: 5명 모두에게 전해졌어요.")
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


def test_a_call_kakao_did_not_take_is_made_again_and_the_note_counts_who_could_not_receive() -> None:
    notifier = FakeNotifier(outcomes=[NOT_SENT], unreachable=[key_of("이영희")])
    chat = world(notifier)
    chat.say(f"알림 {TITLE}", who="관리자")
    chat.say("예", who="관리자")
    first, again = (sorted(keys) for keys, _ in notifier.calls)
    assert first == again and len(first) == 5  # the chunk again, once Kakao took nothing the first time
    note = chat.say("메뉴", who="관리자")
    assert f"'{TITLE}' 알림: 5명 중 4명에게 전해졌어요. 1명은 채널을 추가하지 않았거나 차단해서 받지 못했어요." in note


def test_retries_wait_a_minute_then_five_and_the_admin_hears_once_at_the_end() -> None:
    notifier = FakeNotifier(outcomes=[NOT_SENT, NOT_SENT, NOT_SENT])
    chat = world(notifier)
    queue = SimulatedQueue(chat.bot.run_export_task)
    chat.bot.queue = queue
    chat.say(f"알림 {TITLE}", who="관리자")
    assert "보내고 있어요" in chat.say("예", who="관리자")
    queue.drain()
    assert len(notifier.calls) == pushing.MAX_TRIES  # then it stops: Kakao kept refusing
    steps = [(t.step, d) for t, d in zip(queue.sent, queue.delays, strict=False)]
    assert steps == [("plan", 0), ("send", 0), ("send", pushing.RETRY_DELAYS[0]), ("send", pushing.RETRY_DELAYS[1])]
    note = chat.say("메뉴", who="관리자")
    assert note.text.count("알림:") == 1 and f"'{TITLE}' 알림: 5명 모두에게 보내지 못했어요." in note


def test_a_call_refused_for_good_is_not_repeated() -> None:
    notifier = FakeNotifier(outcomes=[REFUSED])
    chat = world(notifier)
    chat.say_all([f"알림 {TITLE}", "예"], who="관리자")
    assert len(notifier.calls) == 1
    assert "5명 모두에게 보내지 못했어요." in chat.say("메뉴", who="관리자")


def test_a_call_that_got_no_answer_is_never_repeated_and_the_admin_is_told_so() -> None:
    notifier = FakeNotifier(outcomes=[UNKNOWN])
    chat = world(notifier)
    chat.say_all([f"알림 {TITLE}", "예"], who="관리자")
    assert len(notifier.calls) == 1  # Kakao may have taken it: a second call could message them twice
    assert "5명은 카카오가 답하지 않아 보내졌는지 알 수 없어요." in chat.say("메뉴", who="관리자")


def test_a_retry_that_cannot_be_queued_comes_back_with_the_message_not_lost() -> None:
    notifier = FakeNotifier(outcomes=[NOT_SENT])
    chat = world(notifier)
    queue = SimulatedQueue(chat.bot.run_export_task)
    refusals = [1]
    real_send = queue.send

    def send(task, delay_seconds=0):  # the queue is unreachable once, when the retry is handed back
        if delay_seconds and refusals:
            refusals.pop()
            raise OSError("queue unreachable")
        real_send(task, delay_seconds)

    queue.send = send
    chat.bot.queue = queue
    chat.say_all([f"알림 {TITLE}", "예"], who="관리자")
    queue.drain()
    assert len(notifier.calls) == 2 and not queue.dead  # the message that raised came back and sent the chunk
    assert "5명 모두에게 전해졌어요." in chat.say("메뉴", who="관리자")


def test_results_not_ready_are_read_again_then_reported_as_not_confirmed() -> None:
    notifier = FakeNotifier()
    notifier.results_ready = False
    chat = world(notifier)
    queue = SimulatedQueue(chat.bot.run_export_task)
    chat.bot.queue = queue
    chat.say_all([f"알림 {TITLE}", "예"], who="관리자")
    queue.drain()
    checks = [d for t, d in zip(queue.sent, queue.delays, strict=False) if t.step == "check"]
    assert checks == list(pushing.CHECK_DELAYS)
    assert "카카오가 5명 몫을 받았지만 전해졌는지는 확인하지 못했어요." in chat.say("메뉴", who="관리자")


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
    from chalicelib.jobs.deadlines import close_past_deadline

    chat = world(None)
    chat.clock.advance(days=30)
    closed = close_past_deadline(chat.store, chat.clock.now)
    chat.bot.announce_closed(closed)
    for who in ("관리자", "공동"):
        assert chat.say("메뉴", who=who).text.startswith(f"'{TITLE}'이 마감되었어요.")


# --- automatic reminders ------------------------------------------------------------------------


def test_automatic_reminders_go_once_each_at_their_time() -> None:
    from datetime import datetime

    from chalicelib.domain.model import KST

    notifier = FakeNotifier()
    chat = reminding_chat(notifier)
    replies = [
        chat.say(t, who="관리자") for t in bbq_messages(title="자동 알림", deadline="11/30 18:00", remind="둘 다")
    ]
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
    assert chat.say("메뉴", who="관리자").text.startswith("'자동 알림' 알림: 2명 모두에게 전해졌어요.")


def test_without_the_event_channel_the_wizard_does_not_ask_about_reminders() -> None:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat)  # the script without the reminder question opens the survey (make_bbq checks)
    assert chat.bot.auto_remind() == 0


def test_the_interval_between_reminders_is_configurable() -> None:
    notifier = FakeNotifier()
    chat = world(notifier)
    chat.bot.rules = dataclasses.replace(chat.bot.rules, remind_hours=2)
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
