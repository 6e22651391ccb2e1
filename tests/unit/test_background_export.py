"""Big exports: answered at once, built in the background, delivered by callback or on the next message."""

from __future__ import annotations

from fakes import FILES, FakeExporter
from harness import Chat, make_bbq
from test_admin_flows import admin_chat, answer

from chalicelib.jobs.queues import InlineQueue
from chalicelib.kakao.callback import callback_allowed
from chalicelib.kakao.response import render

CALLBACK = "https://bot-api.kakao.com/v1/bots/abc/callback/cbtoken:1234"


def big_export_chat(chat: Chat, callback=None) -> tuple[Chat, FakeExporter, list]:
    ex = FakeExporter()
    c = admin_chat(chat, ex)
    posted: list = []

    def fake_callback(url, body):
        posted.append((url, render(body)))
        return callback if callback is not None else True

    c.bot.callback = fake_callback
    c.bot.sync_cells = 0  # every export counts as big
    c.bot.queue = InlineQueue(c.bot.run_export_task)
    make_bbq(c)
    answer(c, "홍길동", "치킨", "3", "건너뛰기")
    return c, ex, posted


def exports(c: Chat) -> list:
    """What went on the queue, but the count of a new survey's people (domain.census)."""
    return [t for t in c.bot.queue.sent if t.kind != "census"]


def test_big_export_without_callback_waits_for_next_message(chat: Chat) -> None:
    c, _ex, posted = big_export_chat(chat)
    r = c.as_("관리자").say("다운로드 BBQ 회식")
    assert "조금 걸려요" in r and r.buttons == []
    assert posted == [] and len(exports(c)) == 1
    parked = c.user("관리자").session["ready"]
    assert [p["ext"] for p in parked] == ["xlsx", "csv"]
    nxt = c.say("내 신청서")
    assert "파일이 준비됐어요" in nxt and nxt.quick[0] == "파일 받기"
    files = c.say("파일 받기")
    sid = c.store.list_surveys()[0].id
    assert [b["webLinkUrl"] for b in files.buttons] == [
        f"{FILES}exports/{sid}/{sid}.xlsx?fresh",
        f"{FILES}exports/{sid}/{sid}.csv?fresh",
    ]
    assert "ready" not in c.user("관리자").session
    assert "받을 파일이 없어요" in c.say("파일 받기")


def test_big_export_with_callback_posts_the_card(chat: Chat) -> None:
    c, _ex, posted = big_export_chat(chat)
    r = c.as_("관리자").say("다운로드 BBQ 회식", callback_url=CALLBACK)
    assert r.json == {
        "version": "2.0",
        "useCallback": True,
        "data": {"text": "파일을 만들고 있어요. 잠시만 기다려 주세요."},
    }
    ((url, body),) = posted
    assert url == CALLBACK
    card = body["template"]["outputs"][0]["textCard"]
    sid = c.store.list_surveys()[0].id
    assert card["buttons"][0]["webLinkUrl"] == f"{FILES}exports/{sid}/{sid}.xlsx"
    assert "ready" not in c.user("관리자").session


def test_failed_callback_parks_the_file(chat: Chat) -> None:
    c, _ex, posted = big_export_chat(chat, callback=False)
    c.as_("관리자").say("다운로드 BBQ 회식", callback_url=CALLBACK)
    assert len(posted) == 1 and len(c.user("관리자").session["ready"]) == 2


def test_master_key_always_goes_to_background_when_a_queue_exists(chat: Chat) -> None:
    c, ex, _posted = big_export_chat(chat)
    c.bot.sync_cells = 10**9
    r = c.as_("슈퍼").say("마스터키")
    assert "조금 걸려요" in r and ex.calls[-1][0] == "master"


def test_small_export_is_built_at_once(chat: Chat) -> None:
    c, _ex, _posted = big_export_chat(chat)
    c.bot.sync_cells = 10**9
    r = c.as_("관리자").say("다운로드 BBQ 회식")
    assert len(r.buttons) == 2 and exports(c) == []


def test_callback_host_guard() -> None:
    assert callback_allowed(CALLBACK)
    for bad in (
        "http://bot-api.kakao.com/x",
        "https://evil.example/x",
        "https://kakao.com.evil.example/x",
        "https://bot-api.kakao.com@evil.example/x",
        "ftp://kakao.com/x",
        "not a url",
    ):
        assert not callback_allowed(bad), bad


def test_ready_files_are_offered_once_on_the_menu(chat: Chat) -> None:
    c, _ex, _posted = big_export_chat(chat)
    c.as_("관리자").say("다운로드 BBQ 회식")
    m = c.say("메뉴")
    assert m.quick.count("파일 받기") == 1 and m.text.count("파일이 준비됐어요") == 1


# --- the callback's minute -----------------------------------------------------------------------------


class HeldQueue(InlineQueue):
    """Holds tasks until ``release``: the queue and a cold function taking their time."""

    def send(self, task, delay_seconds: int = 0) -> None:
        self.sent.append(task)
        self.delays.append(delay_seconds)

    def release(self) -> None:
        held, self.sent = list(self.sent), []
        for task in held:
            self.runner(task)


def late_export(chat: Chat, notifier=None, seconds: float = 50) -> tuple[Chat, list, list]:
    from pushfakes import FakeNotifier

    c, _ex, posted = big_export_chat(chat)
    c.bot.notifier = notifier
    c.bot.queue = HeldQueue(c.bot.run_export_task)
    c.as_("관리자").say("다운로드 BBQ 회식", callback_url=CALLBACK)
    c.clock.advance(seconds=seconds)  # the job starts this long after the request
    c.bot.queue.release()
    while c.bot.queue.sent:  # what the export queued (a push's steps) runs too
        c.bot.queue.release()
    return c, posted, notifier.calls if isinstance(notifier, FakeNotifier) else []


def test_a_file_that_cannot_make_the_callbacks_minute_is_announced_at_once_then_pushed(chat: Chat) -> None:
    from pushfakes import FakeNotifier

    c, posted, calls = late_export(chat, FakeNotifier(), seconds=50)
    ((url, body),) = posted  # the one-time URL said how the file will come, while it still worked
    assert (
        url == CALLBACK
        and "다 되면 카카오톡 메시지로 알려 드릴게요" in body["template"]["outputs"][0]["simpleText"]["text"]
    )
    assert len(c.user("관리자").session["ready"]) == 2  # parked ...
    ((keys, data),) = calls  # ... and pushed to who asked
    assert keys == [c.user("관리자").key] and data == {"file": "ready"}
    files = c.say("", who="관리자", tap={"file": "ready"})  # as Kakao delivers the push
    assert len(files.buttons) == 2 and all(b["webLinkUrl"].endswith("?fresh") for b in files.buttons)


def test_without_the_event_channel_it_says_the_next_message_will_have_it(chat: Chat) -> None:
    c, posted, _ = late_export(chat, None, seconds=50)
    ((_, body),) = posted
    assert "아무 메시지나 보내면 '파일 받기'" in body["template"]["outputs"][0]["simpleText"]["text"]
    assert "파일 받기" in c.say("메뉴", who="관리자").quick


def test_a_job_in_time_delivers_the_file_by_the_callback_and_pushes_nothing(chat: Chat) -> None:
    from pushfakes import FakeNotifier

    _c, posted, calls = late_export(chat, FakeNotifier(), seconds=5)
    ((_, body),) = posted
    assert "textCard" in body["template"]["outputs"][0] and calls == []


def test_a_callback_kakao_refuses_is_followed_by_a_push(chat: Chat) -> None:
    from pushfakes import FakeNotifier

    c, _ex, posted = big_export_chat(chat, callback=False)
    notifier = FakeNotifier()
    c.bot.notifier = notifier
    c.as_("관리자").say("다운로드 BBQ 회식", callback_url=CALLBACK)
    assert len(posted) == 1 and [d for _, d in notifier.calls] == [{"file": "ready"}]
