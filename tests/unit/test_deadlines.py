from harness import Chat, make_bbq

from chalicelib.domain.model import ADMIN, CLOSED, OPEN
from chalicelib.jobs.deadlines import close_past_deadline


def test_the_minute_job_closes_only_expired_and_audits(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat, title="이번주", deadline="11/24 18:00")
    make_bbq(chat, title="다음주", deadline="11/30 18:00")
    assert close_past_deadline(chat.store, chat.clock()) == []
    chat.clock.advance(days=2)
    closed = close_past_deadline(chat.store, chat.clock())
    by_title = {s.title: s for s in chat.store.list_surveys()}
    assert closed == [by_title["이번주"].id]
    assert by_title["이번주"].status == CLOSED and by_title["다음주"].status == OPEN
    assert chat.store.list_audit()[0].action == "auto_close"
    assert close_past_deadline(chat.store, chat.clock()) == []  # idempotent
