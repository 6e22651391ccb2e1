"""The steps of a push one by one: what a step run twice, a worker that dies and a plan that stalls come to."""

from __future__ import annotations

import threading

from harness import key_of
from pushfakes import Crash, FakeNotifier, SimulatedQueue
from test_remind import TITLE, world

from chalicelib.domain.pushlog import FINAL, PLANNING, SENDING
from chalicelib.domain.tasks import ExportTask
from chalicelib.service import pushing


def confirmed(notifier: FakeNotifier, members: int = 0):
    """The world of test_remind with an 알림 confirmed, its plan waiting on a simulated queue."""
    chat = world(notifier)
    queue = SimulatedQueue(chat.bot.run_export_task, seed=1)
    chat.bot.queue = queue
    clock = [1_800_000_000.0]
    chat.bot.wall_clock = lambda: clock[0] + queue.now
    chat.say_all([f"알림 {TITLE}", "예"], who="관리자")
    return chat, queue, clock


def test_two_workers_running_the_same_chunk_at_once_call_kakao_once() -> None:
    notifier = FakeNotifier()
    chat, queue, _ = confirmed(notifier)
    (plan,) = queue.sent
    pusher = chat.bot.pusher()
    pusher.enqueue = lambda tasks, delay: None  # keep the chunk's message to run it by hand
    pusher.plan(plan)
    (chunk,) = pusher.pushes.chunks(plan.send)
    send = ExportTask(plan.user_key, plan.survey_ids, kind="remind", send=plan.send, step="send", chunk=chunk.n)
    go = threading.Barrier(3)

    def worker() -> None:
        go.wait(10)
        pusher.send(send)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(notifier.calls) == 1


def test_a_worker_that_dies_mid_call_leaves_a_chunk_that_is_settled_as_unknown_after_its_lease() -> None:
    class DiesOnce(FakeNotifier):
        def send(self, user_keys, data):
            attempt = super().send(user_keys, data)
            if len(self.calls) == 1:
                raise Crash("killed after Kakao took the call")
            return attempt

    notifier = DiesOnce()
    chat, queue, _ = confirmed(notifier)
    queue.drain()
    assert len(notifier.calls) == 1  # never called again: Kakao may have taken it
    pid = queue.sent[0].send
    (chunk,) = chat.store.push_log().chunks(pid)
    assert chunk.state == FINAL
    assert queue.now >= pushing.SEND_LEASE  # settled once the lease was over, when the message came back
    assert "5명은 카카오가 답하지 않아 보내졌는지 알 수 없어요." in chat.say("메뉴", who="관리자")


def test_a_look_at_a_chunk_another_worker_is_sending_comes_back_after_the_lease() -> None:
    notifier = FakeNotifier()
    chat, queue, clock = confirmed(notifier)
    (plan,) = queue.sent
    pusher = chat.bot.pusher()
    pusher.enqueue = lambda tasks, delay: None
    pusher.plan(plan)
    log = pusher.pushes
    assert log.claim(plan.send, 0, 0, clock[0])  # another worker is calling Kakao for it right now
    later: list[tuple[list[ExportTask], int]] = []
    pusher.enqueue = lambda tasks, delay: later.append((list(tasks), delay))
    pusher.send(ExportTask(plan.user_key, plan.survey_ids, kind="remind", send=plan.send, step="send", chunk=0))
    assert notifier.calls == [] and log.chunk(plan.send, 0).state == SENDING
    ((tasks, delay),) = later
    assert delay == pushing.SEND_LEASE and tasks[0].step == "send" and tasks[0].chunk == 0


def test_a_plan_delivered_twice_plans_once_and_a_stalled_one_is_taken_over() -> None:
    notifier = FakeNotifier()
    chat, queue, clock = confirmed(notifier)
    (plan,) = queue.sent
    pusher = chat.bot.pusher()
    log = pusher.pushes
    queued: list[tuple[list[ExportTask], int]] = []
    pusher.enqueue = lambda tasks, delay: queued.append((list(tasks), delay))
    # A plan that began and stalled (its worker died before storing the chunks)...
    from chalicelib.domain.pushlog import PushHead

    assert log.begin(PushHead(plan.send, "remind", plan.survey_ids[0], TITLE, plan.user_key), clock[0])
    pusher.plan(plan)  # ... is left alone while its lease runs: the plan looks again later
    assert log.head(plan.send).state == PLANNING and queued == [([plan], pushing.PLAN_LEASE)]
    clock[0] += pushing.PLAN_LEASE
    pusher.plan(plan)  # then taken over
    assert [t.step for t in queued[-1][0]] == ["send"] and log.head(plan.send).chunks == 1
    queued.clear()
    pusher.plan(plan)  # delivered once more: everything was queued already
    assert queued == []


def test_a_message_queued_by_the_earlier_version_plans_one_push_however_often_it_comes() -> None:
    notifier = FakeNotifier()
    chat, queue, _ = confirmed(notifier)
    sid = queue.sent[0].survey_ids[0]
    old = ExportTask(key_of("관리자"), [sid], kind="remind", user_keys=[key_of("김철수")], title=TITLE)
    body = old.to_json()
    queue.drain()
    before = len(notifier.calls)
    for _ in range(3):
        chat.bot.run_export_task(ExportTask.from_json(body))
        queue.drain()
    assert len(notifier.calls) == before + 1


def test_without_the_event_channel_a_closed_survey_leaves_lines_and_nothing_else_is_sent() -> None:
    chat = world(None)
    chat.say_all([f"마감 {TITLE}", "예"], who="관리자")
    assert chat.say("메뉴", who="공동").text.startswith(f"'{TITLE}'이 마감되었어요.")


def test_a_close_summary_kakao_could_not_deliver_waits_as_a_line() -> None:
    notifier = FakeNotifier(unreachable=[key_of("관리자")])
    chat = world(notifier)
    chat.say_all([f"마감 {TITLE}", "예"], who="공동")
    assert notifier.calls and chat.say("메뉴", who="관리자").text.startswith(f"'{TITLE}'이 마감되었어요.")
