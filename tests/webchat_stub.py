"""A stand-in skill for testing the web chat (scripts/webchat) without the bot: it answers /skill with the
components the bot never sends (basicCard, listCard, carousel), replies that break Kakao's limits, and
an echo of what it received, and records every request. Served with the web chat in front of it on a
free loopback port by :func:`serve`.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from scripts.webchat.server import WebChat

SECRET = "stub-secret"
IMAGE = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='400' height='200'%3E"
    "%3Crect width='400' height='200' fill='%23f5c542'/%3E%3C/svg%3E"
)
CARD_REPLY: dict[str, Any] = {
    "version": "2.0",
    "template": {
        "outputs": [
            {
                "basicCard": {
                    "title": "주간 식수 조사",
                    "description": "이번 주 식수를 알려 주세요.",
                    "thumbnail": {"imageUrl": IMAGE},
                    "buttons": [
                        {
                            "label": "응답하기",
                            "action": "message",
                            "messageText": "신청 주간 식수",
                            "extra": {"sid": "s1"},
                        },
                        {"label": "안내 보기", "action": "webLink", "webLinkUrl": "http://127.0.0.1:9/guide"},
                    ],
                }
            },
            {
                "listCard": {
                    "header": {"title": "열린 신청"},
                    "items": [
                        {
                            "title": "BBQ 회식",
                            "description": "11/30 마감",
                            "action": "message",
                            "messageText": "신청 BBQ 회식",
                            "extra": {"pick": "b1"},
                        },
                        {"title": "체육대회", "description": "링크", "link": {"web": "http://127.0.0.1:9/sports"}},
                    ],
                }
            },
            {
                "carousel": {
                    "type": "basicCard",
                    "items": [
                        {"title": "첫째", "description": "하나", "thumbnail": {"imageUrl": IMAGE}},
                        {"title": "둘째", "description": "둘", "thumbnail": {"imageUrl": IMAGE}},
                    ],
                }
            },
        ],
        "quickReplies": [
            {"label": "고르기", "action": "message", "messageText": "고름", "extra": {"pick": "q9"}},
            {"label": "메뉴", "action": "message", "messageText": "메뉴"},
        ],
    },
}
LONG = "가나다라마바사 " * 150  # 1200 characters: over simpleText's 1000


def reply_to(utterance: str, trigger: str, extra: dict[str, Any]) -> dict[str, Any] | None:
    """The stand-in's reply to a message; None for the one that fails (HTTP 500)."""
    if utterance == "카드":
        return CARD_REPLY
    if utterance == "긴 글":
        return {
            "version": "2.0",
            "template": {
                "outputs": [{"simpleText": {"text": LONG}}],
                "quickReplies": [{"label": "메뉴", "action": "message", "messageText": "메뉴"}],
            },
        }
    if utterance == "고장":
        return None
    echo = f"받음: {utterance} / {trigger} / extra={json.dumps(extra, ensure_ascii=False, sort_keys=True)}"
    return {
        "version": "2.0",
        "template": {
            "outputs": [{"simpleText": {"text": echo}}],
            "quickReplies": [{"label": "메뉴", "action": "message", "messageText": "메뉴"}],
        },
    }


class StubSkill:
    """The WSGI app of the stand-in; ``requests`` holds each skill request it got (headers and body)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") != "/skill" or environ.get("REQUEST_METHOD") != "POST":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"inner app: not found"]
        if environ.get("HTTP_X_SKILL_SECRET") != SECRET:
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error": "unauthorized"}']
        body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        self.requests.append({"headers": {k: v for k, v in environ.items() if k.startswith("HTTP_")}, "body": body})
        trigger = ((body.get("flow") or {}).get("trigger") or {}).get("type", "")
        reply = reply_to(body["userRequest"]["utterance"], trigger, (body.get("action") or {}).get("clientExtra") or {})
        if reply is None:
            start_response("500 Internal Server Error", [("Content-Type", "application/json")])
            return [b'{"error": "boom"}']
        data = json.dumps(reply, ensure_ascii=False).encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]


class _Threaded(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # the web chat's /chat/api/say calls /skill on the same server


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(store: Callable[[], Any] | None = None, event_api: str = "") -> Iterator[tuple[str, StubSkill, WebChat]]:
    """The web chat in front of the stand-in on a free loopback port; yields (base URL, stub, web chat)."""
    stub = StubSkill()
    web = WebChat(stub, secret=SECRET, event_api=event_api, store=store)
    server = make_server("127.0.0.1", 0, web, server_class=_Threaded, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", stub, web
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
