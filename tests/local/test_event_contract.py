"""Every push the bot can send is understood when Kakao delivers it.

The contract: the kinds of event the push job sends (service.pushing.EVENT_DATA) are exactly those the request
parser reads (kakao.request.EVENT_PARAMS), and each of them, sent through the Event API stand-in, comes back
to the skill over HTTP as Kakao delivers it (the event's data in ``userRequest.params``, no utterance) and is
answered with its own reply, never "알 수 없는 말".
"""

from __future__ import annotations

import json

import pytest
from fakes import FakeExporter
from test_remind_http import TITLE, World, make_super, setup, text_of, world  # noqa: F401 (world: the fixture)

from chalicelib import runtime
from chalicelib.domain.effects import NotifyJob
from chalicelib.domain.session import ReadyFile, Session
from chalicelib.domain.writes import PutUser
from chalicelib.kakao.request import EVENT_PARAMS
from chalicelib.service import pushing

# What each kind's reply says when it reaches someone it is meant for.
EXPECTED = {
    "remind": "[알림]",
    "opened": "[새 신청]",
    "closed": "마감되었어요. 응답",
    "file": "xlsx?fresh",  # a card with a freshly minted link to the parked file
}


def test_the_kinds_the_job_sends_are_the_kinds_the_parser_reads() -> None:
    assert set(pushing.EVENT_DATA) == pushing.KINDS == set(EXPECTED)
    assert sorted(pushing.EVENT_DATA.values()) == sorted(EVENT_PARAMS)


def trigger(w: World, kind: str) -> str:
    """Make the bot push ``kind`` the way it happens in use; the key of someone it goes to."""
    bot = runtime._current[1]
    sid = w.store.list_surveys()[0].id
    if kind == "remind":  # an admin's 알림 and 예
        w.say("admin", f"알림 {TITLE}")
        assert "보내고 있어요" in text_of(w.say("admin", "예"))
        return "m001"
    if kind == "closed":  # a co-admin closes it: the owner gets the summary
        make_super(w, "admin2", "등록 본부 부관리자")
        w.say("admin", f"공동관리자 {TITLE} 부관리자")
        w.say("admin2", f"마감 {TITLE}")
        w.say("admin2", "예")
        return "admin"
    if kind == "opened":  # what the minute job does for a survey that opened by itself
        bot.announce_opened([w.store.get_survey(sid)])
        return "m002"
    # a file finished in the background: parked for the admin, then announced
    bot.exporter = FakeExporter()
    admin = w.store.get_user("admin")
    assert admin is not None
    session = Session.from_dict(admin.session)
    session.ready = [ReadyFile(key=f"exports/{sid}/{sid}.xlsx", title=TITLE, ext="xlsx", label=f"{TITLE} 응답")]
    admin.session = session.to_dict()
    w.store.commit([PutUser(admin)])
    bot.notify(NotifyJob("", "", ["admin"], "admin", kind="file"))
    return "admin"


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_push_is_answered_with_its_own_reply_when_kakao_delivers_it(world: World, kind: str) -> None:  # noqa: F811
    setup(world)
    who = trigger(world, kind)
    world.queue.drain()
    (call,) = [c for c in world.kakao.calls() if who in c["users"]]
    assert set(call["params"]) == {pushing.EVENT_DATA[kind]}  # what Kakao hands back as userRequest.params
    world.kakao.wait_tasks(60)
    delivered = [d for d in world.kakao.deliveries() if d["user"] == who]
    assert len(delivered) == 1 and delivered[0]["status"] == 200, delivered
    said = json.dumps(delivered[0]["reply"], ensure_ascii=False)
    assert EXPECTED[kind] in said, said
    assert "알 수 없는 말" not in said
    assert delivered[0]["reply"]["template"]["quickReplies"], "every reply offers next steps"
