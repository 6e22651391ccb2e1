"""알림 end to end over HTTP: the skill, the local Event API stand-in, and the stand-in calling the skill back.

The skill is served by ``scripts.wsgi`` on a free loopback port (its bot on an in-memory
store, with Kakao's Event API pointing at the stand-in); the stand-in, like Kakao,
answers the API call at once and then delivers the event to the skill for each person,
recording what the skill replied. Nothing here waits on timing except for deliveries
to arrive, polled with a generous deadline.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from pushfakes import SimulatedQueue

from chalicelib import runtime
from chalicelib.domain.model import SUPER
from chalicelib.domain.writes import PutUser
from chalicelib.kakao.notifier import EventNotifier
from chalicelib.platform.config import settings
from chalicelib.service.bot import Bot
from chalicelib.storage.memory import MemoryStore
from scripts.eventapi import EventApiStandIn
from scripts.wizard import bbq_messages

SECRET = "remind-test-secret"
TITLE = "BBQ 회식"
MEMBERS = 130  # more than one Event API call holds (100)


class _Threaded(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class World:
    def __init__(self, url: str, kakao: EventApiStandIn, store: MemoryStore, queue: SimulatedQueue) -> None:
        self.url, self.kakao, self.store, self.queue = url, kakao, store, queue

    def say(self, who: str, text: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {
            "userRequest": {"utterance": text, "user": {"id": who, "type": "botUserKey"}},
            "action": {"clientExtra": extra or {}},
        }
        req = urllib.request.Request(
            self.url,
            data=json.dumps(body, ensure_ascii=False).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-Skill-Secret": SECRET},
        )
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=30) as resp:
            assert resp.status == 200
            answer: dict[str, Any] = json.loads(resp.read())
        return answer


def text_of(reply: dict[str, Any]) -> str:
    return "\n".join(o.get("simpleText", {}).get("text", "") for o in reply["template"]["outputs"])


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("HJ_SKILL_SECRET", SECRET)
    import app as project_app
    from scripts.wsgi import make_wsgi_app

    server = make_server("127.0.0.1", 0, make_wsgi_app(project_app.app), server_class=_Threaded, handler_class=_Quiet)
    url = f"http://127.0.0.1:{server.server_port}/skill"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    kakao = EventApiStandIn(
        bot_id="test-bot!", rest_api_key="test-key", event_name="reminder", skill_url=url, skill_secret=SECRET
    )
    kakao.start()
    store = MemoryStore()
    bot = Bot(store, notifier=EventNotifier(kakao.url, kakao.bot_id, kakao.event_name, lambda: "test-key"))
    # The queue's delays pass in virtual time; a task result is read once Kakao (the stand-in) has finished the
    # deliveries that the real delay gives it time for.
    bot.queue = SimulatedQueue(bot.run_export_task, before=lambda t: t.step != "check" or kakao.wait_tasks(60))
    monkeypatch.setattr(runtime, "_current", (settings(), bot))
    try:
        yield World(url, kakao, store, bot.queue)
    finally:
        kakao.stop()
        server.shutdown()
        server.server_close()


def make_super(w: World, who: str, register: str) -> None:
    """Register ``who`` in chat, then make them a super admin (as ``make superadmin`` does)."""
    w.say(who, register)
    u = w.store.get_user(who)
    assert u is not None
    u.role = SUPER
    w.store.commit([PutUser(u)])


def setup(w: World) -> None:
    make_super(w, "admin", "등록 본부 관리자")
    for text in bbq_messages(title=TITLE, deadline="없음"):
        w.say("admin", text)
    for i in range(MEMBERS):
        w.say(f"m{i:03d}", f"등록 2중대 대원{i:03d}")
    w.say("m000", f"신청 {TITLE}")
    for text in ("피자", "2", "건너뛰기", "제출"):
        w.say("m000", text)


def test_reminders_reach_every_pending_member_through_the_event_api(world: World) -> None:
    setup(world)
    asked = text_of(world.say("admin", f"알림 {TITLE}"))
    pending = MEMBERS  # everyone but m000 has not answered, and the admin has not either
    assert f"{pending}명에게" in asked and f"약 {pending * 15:,}원" in asked
    assert "보내고 있어요" in text_of(world.say("admin", "예"))
    world.queue.drain()
    calls = world.kakao.calls()
    assert sorted(len(c["users"]) for c in calls) == [pending - 100, 100]
    assert {c["event"] for c in calls} == {"reminder"}
    deliveries = world.kakao.wait_deliveries(pending, timeout=60)
    assert sorted(d["user"] for d in deliveries) == sorted(["admin"] + [f"m{i:03d}" for i in range(1, MEMBERS)])
    member = next(d for d in deliveries if d["user"] == "m007")
    assert member["status"] == 200 and "[알림]" in text_of(member["reply"])
    assert f"신청 {TITLE}" in [q["messageText"] for q in member["reply"]["template"]["quickReplies"]]
    note = text_of(world.say("admin", "메뉴"))
    assert f"'{TITLE}' 알림: {pending}명 모두에게 전해졌어요." in note
    assert "이미 보냈어요" in text_of(world.say("admin", f"알림 {TITLE}"))


def test_a_failed_call_is_retried_and_only_its_people_are_sent_again(world: World) -> None:
    setup(world)
    world.kakao.fail_next(status=500, times=1)  # the first call (the first 100 people) fails
    world.say("admin", f"알림 {TITLE}")
    world.say("admin", "예")
    world.queue.drain()
    calls = world.kakao.calls()
    assert [c["status"] for c in calls].count(500) == 1 and len(calls) == 3
    failed = next(c for c in calls if c["status"] == 500)
    assert [c["users"] for c in calls if c["status"] == 200].count(failed["users"]) == 1  # that chunk again, once
    world.kakao.wait_deliveries(MEMBERS, timeout=60)
    assert len({d["user"] for d in world.kakao.deliveries()}) == MEMBERS == len(world.kakao.deliveries())
    assert f"{MEMBERS}명 모두에게 전해졌어요." in text_of(world.say("admin", "메뉴"))


def test_two_admins_confirming_at_the_same_moment_send_once(world: World) -> None:
    setup(world)
    make_super(world, "admin2", "등록 본부 부관리자")
    world.say("admin", f"알림 {TITLE}")
    world.say("admin2", f"알림 {TITLE}")
    go = threading.Barrier(2)
    out: list[str] = []

    def confirm(who: str) -> None:
        go.wait(10)
        out.append(text_of(world.say(who, "예")))

    threads = [threading.Thread(target=confirm, args=(w,)) for w in ("admin", "admin2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum("보내고 있어요" in t for t in out) == 1 and sum("이미 보냈어요" in t for t in out) == 1
    world.queue.drain()
    assert len(world.kakao.calls()) == 2  # one reminder: its two chunks


def test_closing_sends_the_summary_to_the_other_admins_through_the_event_api(world: World) -> None:
    setup(world)
    make_super(world, "admin2", "등록 본부 부관리자")
    world.say("admin", f"공동관리자 {TITLE} 부관리자")
    world.say("admin2", f"마감 {TITLE}")  # the co-admin closes it: the owner gets the summary
    world.say("admin2", "예")
    world.queue.drain()
    [call] = world.kakao.calls()
    assert call["users"] == ["admin"]
    [delivery] = world.kakao.wait_deliveries(1, timeout=30)
    text = text_of(delivery["reply"])
    assert f"'{TITLE}'이 마감되었어요. 응답 1명 / 대상 {MEMBERS + 2}명" in text
    assert f"다운로드 {TITLE}" in [q["messageText"] for q in delivery["reply"]["template"]["quickReplies"]]
