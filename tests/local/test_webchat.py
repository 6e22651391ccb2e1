"""The web chat's server side (scripts/webchat/server.py): local only, in front of the bot, never in app.py.

Static files and guards are fed to the WSGI callable directly; the API is called over loopback HTTP
against a stand-in skill (tests/webchat_stub.py) on a free port.
"""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from webchat_stub import CARD_REPLY, SECRET, serve

from chalicelib.domain.model import MEMBER, SUPER, User
from chalicelib.domain.writes import PutUser
from chalicelib.kakao.events import EventApi
from chalicelib.storage.memory import MemoryStore
from scripts import chat, devstack
from scripts.eventapi import EventApiStandIn
from scripts.webchat import server
from scripts.webchat.checks import kakao_problems
from scripts.webchat.server import WebChat, is_loopback

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"inner " + environ["PATH_INFO"].encode()]


def call(
    app: Any,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    host: str = "127.0.0.1:8000",
) -> tuple[str, dict[str, str], bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "HTTP_HOST": host,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
    }
    for k, v in (headers or {}).items():
        key = k.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = v
    seen: dict[str, Any] = {}

    def start_response(status: str, hdrs: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(hdrs)

    data = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], data


JSON = {"Content-Type": "application/json"}


def test_app_py_has_no_chat_route() -> None:
    import app as project_app

    assert not [route for route in project_app.app.routes if route.lstrip("/").startswith("chat")]
    assert set(project_app.app.routes) == {"/skill", "/health"}


def test_make_run_serves_the_bot_with_the_web_chat_in_front(monkeypatch: pytest.MonkeyPatch) -> None:
    assert devstack.gunicorn_argv(8000, 1, 1)[-1] == "scripts.webchat.server:make_application()"
    bot = object()
    monkeypatch.setattr("scripts.wsgi.project_application", lambda: bot)
    web = server.make_application()
    assert isinstance(web, WebChat) and web.app is bot


@pytest.mark.parametrize("path", ["/skill", "/health", "/chatty", "/", "/api/say", "/cha"])
def test_other_paths_reach_the_bot_untouched(path: str) -> None:
    status, _, body = call(WebChat(inner), "GET", path, host="example.org")
    assert (status, body) == ("200 OK", b"inner " + path.encode())


@pytest.mark.parametrize("path", ["/chat", "/chat/", "/chat/index.html"])
def test_the_page(path: str) -> None:
    status, headers, body = call(WebChat(inner), "GET", path)
    assert status == "200 OK"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    page = body.decode()
    assert '<script src="/chat/webchat.js" defer></script>' in page
    assert "https://" not in page and "http://" not in page  # nothing from the network: works offline


def test_static_files_and_nothing_else() -> None:
    web = WebChat(inner)
    for name, kind in (("webchat.js", "text/javascript"), ("webchat.css", "text/css")):
        status, headers, body = call(web, "GET", f"/chat/{name}")
        assert status == "200 OK" and headers["Content-Type"].startswith(kind) and body
        assert b"https://" not in body  # no CDN
    for path in ("/chat/server.py", "/chat/__init__.py", "/chat/../app.py", "/chat/%2e%2e/app.py", "/chat/x.js"):
        assert call(web, "GET", path)[0] == "404 Not Found", path
    assert call(web, "POST", "/chat", b"{}", JSON)[0] == "405 Method Not Allowed"
    status, _, body = call(web, "HEAD", "/chat/webchat.css")
    assert status == "200 OK" and body == b""


@pytest.mark.parametrize(
    "host, ok",
    [
        ("127.0.0.1:8000", True),
        ("localhost:9000", True),
        ("127.0.0.2", True),
        ("[::1]:8000", True),
        ("app.localhost:8000", True),
        ("example.org", False),
        ("10.0.0.5:8000", False),
        ("127.0.0.1.evil.org", False),
        ("[::2]:80", False),
        ("0.0.0.0:8000", False),
    ],
)
def test_loopback_hosts_only(host: str, ok: bool) -> None:
    assert is_loopback(host) is ok
    assert not is_loopback("")
    expected = "200 OK" if ok else "403 Forbidden"
    assert call(WebChat(inner), "GET", "/chat", host=host)[0] == expected


@pytest.mark.parametrize(
    "headers, body, status",
    [
        ({"Content-Type": "text/plain"}, b'{"user": "a", "text": "b"}', "415 Unsupported Media Type"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"user=a", "415 Unsupported Media Type"),
        ({**JSON, "Origin": "http://evil.example"}, b'{"user": "a", "text": "b"}', "403 Forbidden"),
        ({**JSON, "Sec-Fetch-Site": "cross-site"}, b'{"user": "a", "text": "b"}', "403 Forbidden"),
        (JSON, b"not json", "400 Bad Request"),
        (JSON, b"[1]", "400 Bad Request"),
        (JSON, b'{"user": "", "text": "b"}', "400 Bad Request"),
        (JSON, json.dumps({"user": "a" * 41, "text": "b"}).encode(), "400 Bad Request"),
        (JSON, json.dumps({"user": "a", "text": "b" * 1001}).encode(), "400 Bad Request"),
        (JSON, b'{"user": "a", "text": "b", "trigger": "NOPE"}', "400 Bad Request"),
        (JSON, b'{"user": "a", "text": "b", "extra": [1]}', "400 Bad Request"),
        (JSON, b'{"user": "' + b"a" * 20000 + b'"}', "413 Payload Too Large"),
    ],
)
def test_the_api_takes_same_origin_json_only(headers: dict[str, str], body: bytes, status: str) -> None:
    assert call(WebChat(inner), "POST", "/chat/api/say", body, headers)[0] == status


def test_the_api_is_post_only_and_knows_its_endpoints() -> None:
    web = WebChat(inner)
    assert call(web, "GET", "/chat/api/say")[0] == "405 Method Not Allowed"
    assert call(web, "POST", "/chat/api/nope", b"{}", JSON)[0] == "404 Not Found"


def post(base: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(
        f"{base}/chat/api/{name}", data=json.dumps(body, ensure_ascii=False).encode(), method="POST", headers=JSON
    )
    with _DIRECT.open(req, timeout=10) as resp:
        answer: dict[str, Any] = json.loads(resp.read())
    return answer


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def site(store: MemoryStore) -> Iterator[tuple[str, Any]]:
    with serve(store=lambda: store) as (base, stub, _web):
        yield base, stub


def test_say_sends_a_real_channel_request_and_checks_the_reply(site: tuple[str, Any]) -> None:
    base, stub = site
    answer = post(base, "say", {"user": "홍길동", "text": "카드"})
    assert answer["status"] == 200 and answer["error"] == ""
    assert answer["reply"] == CARD_REPLY and answer["problems"] == []
    assert answer["millis"] >= 0 and answer["bytes"] > 0 and answer["slow"] is False
    sent = stub.requests[-1]
    assert sent["headers"]["HTTP_X_SKILL_SECRET"] == SECRET
    assert sent["body"] == answer["request"] == chat.build_payload("홍길동", "카드")  # the shape `make chat` sends
    assert sent["body"]["userRequest"]["user"]["id"] == chat.user_key("홍길동")

    answer = post(
        base,
        "say",
        {"user": "홍길동", "text": "고름", "trigger": "QUICKREPLY_BUTTON_MESSAGE", "extra": {"sid": "s1", "q": "q1"}},
    )
    body = stub.requests[-1]["body"]
    assert body["action"]["clientExtra"] == {"sid": "s1", "q": "q1"}
    assert body["flow"]["trigger"]["type"] == "QUICKREPLY_BUTTON_MESSAGE"


def test_say_reports_limits_and_failures(site: tuple[str, Any]) -> None:
    base, _ = site
    assert post(base, "say", {"user": "a", "text": "긴 글"})["problems"] == ["simpleText length"]
    failed = post(base, "say", {"user": "a", "text": "고장"})
    assert failed["status"] == 500 and "HTTP 500" in failed["error"] and failed["reply"] is None


def test_say_with_a_wrong_secret_shows_the_refusal(store: MemoryStore) -> None:
    with serve(store=lambda: store) as (base, _stub, web):
        web.secret = "wrong"
        answer = post(base, "say", {"user": "a", "text": "메뉴"})
    assert answer["status"] == 401 and "HTTP 401" in answer["error"]


def test_say_goes_to_this_servers_own_skill_with_the_local_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HJ_SKILL_SECRET", raising=False)
    target = WebChat(inner).target({"HTTP_HOST": "localhost:8123", "SERVER_PORT": "80"})
    assert (target.url, target.secret) == ("http://127.0.0.1:8123/skill", "local-dev-secret")
    monkeypatch.setenv("HJ_SKILL_SECRET", "from-env")
    target = WebChat(inner).target({"HTTP_HOST": "[::1]", "SERVER_PORT": "8124"})
    assert (target.url, target.secret) == ("http://127.0.0.1:8124/skill", "from-env")


@pytest.mark.parametrize(
    "reply, problems",
    [
        (CARD_REPLY, []),
        ({"version": "2.0", "template": {"outputs": [{"basicCard": {"title": "t"}}]}}, ["basicCard thumbnail"]),
        (
            {
                "version": "2.0",
                "template": {
                    "outputs": [
                        {"listCard": {"header": {"title": "h"}, "items": [{"title": str(n)} for n in range(6)]}}
                    ]
                },
            },
            ["listCard items count"],
        ),
        (
            {
                "version": "2.0",
                "template": {
                    "outputs": [
                        {
                            "carousel": {
                                "type": "listCard",
                                "items": [{"header": {"title": "h"}, "items": [{"title": str(n)} for n in range(5)]}],
                            }
                        }
                    ]
                },
            },
            ["listCard items count"],
        ),
        (
            {"version": "2.0", "template": {"outputs": [{"carousel": {"type": "simpleText", "items": [{}]}}]}},
            ["carousel type"],
        ),
        (
            {
                "version": "2.0",
                "template": {
                    "outputs": [
                        {
                            "basicCard": {
                                "title": "t",
                                "thumbnail": {"imageUrl": "http://x/i.png"},
                                "buttonLayout": "horizontal",
                                "buttons": [
                                    {"label": "가나다라마바사아자차카타파하거", "action": "message", "messageText": "x"}
                                ]
                                * 3,
                            }
                        }
                    ]
                },
            },
            ["basicCard buttons count"] + ["basicCard button label"] * 3,
        ),
        ({"version": "2.0", "template": {"outputs": [{"weird": {}}]}}, ["unexpected output weird"]),
        ({"version": "2.0", "template": {"outputs": [{"simpleText": "no"}]}}, ["unreadable reply (AttributeError)"]),
    ],
)
def test_the_limits_of_the_cards_the_bot_does_not_send(reply: dict[str, Any], problems: list[str]) -> None:
    assert kakao_problems(reply) == problems


def test_super_admin_as_make_superadmin_does(site: tuple[str, Any], store: MemoryStore) -> None:
    base, _ = site
    answer = post(base, "superadmin", {"user": "관리자"})
    assert answer["ok"] is False and "등록" in answer["message"]
    store.commit([PutUser(User(key=chat.user_key("관리자"), name="관리자", unit="본부", role=MEMBER))])
    answer = post(base, "superadmin", {"user": "관리자"})
    assert answer == {"ok": True, "changed": True, "message": "본부 관리자님을 슈퍼관리자로 지정했어요."}
    user = store.get_user(chat.user_key("관리자"))
    assert user is not None and user.role == SUPER
    [entry] = store.list_audit()
    assert (entry.actor, entry.action, entry.target) == ("operator", "grant_super", chat.user_key("관리자"))
    assert post(base, "superadmin", {"user": "관리자"})["changed"] is False
    assert len(store.list_audit()) == 1


def test_deliveries_of_the_event_api_stand_in_to_the_pages_people(store: MemoryStore) -> None:
    with serve(store=lambda: store) as (base, _stub, web):
        kakao = EventApiStandIn(
            bot_id="test-bot!",
            rest_api_key="test-key",
            event_name="reminder",
            skill_url=base + "/skill",
            skill_secret=SECRET,
        )
        kakao.start()
        try:
            web.event_api = kakao.url
            assert post(base, "deliveries", {"since": 0, "users": []}) == {"next": 0, "items": []}
            EventApi(kakao.url, kakao.bot_id, kakao.rest_api_key, kakao.event_name).send(
                [chat.user_key("홍길동"), chat.user_key("다른사람")], {"remind": "s1"}
            )
            kakao.wait_deliveries(2)
            first = post(base, "deliveries", {"since": 0, "users": ["홍길동", "관리자"]})
            assert first["next"] == 2
            [item] = first["items"]
            assert item["user"] == "홍길동" and item["status"] == 200
            assert item["reply"]["template"]["outputs"][0]["simpleText"]["text"].startswith("받음: ")
            assert post(base, "deliveries", {"since": 2, "users": ["홍길동"]}) == {"next": 2, "items": []}
            with pytest.raises(urllib.error.HTTPError) as e:
                post(base, "deliveries", {"since": -1, "users": []})
            assert e.value.code == 400
        finally:
            kakao.stop()
        web.event_api = ""  # no stand-in: nothing, and no error
        assert post(base, "deliveries", {"since": 5, "users": ["홍길동"]}) == {"next": 5, "items": []}
        web.event_api = "https://bot-api.kakao.com"  # Kakao itself is never asked
        assert post(base, "deliveries", {"since": 5, "users": ["홍길동"]}) == {"next": 5, "items": []}


def test_the_icon_at_the_root_and_in_the_page() -> None:
    web = WebChat(inner)
    status, headers, body = call(web, "GET", "/favicon.ico")  # before: the bot's 403
    assert status == "200 OK" and headers["Content-Type"] == "image/svg+xml" and body.startswith(b"<svg")
    assert call(web, "GET", "/chat/favicon.svg")[2] == body
    assert '<link rel="icon" href="/chat/favicon.svg"' in call(web, "GET", "/chat")[2].decode()
    assert call(web, "GET", "/favicon.ico", host="example.org")[2] == b"inner /favicon.ico"  # loopback only


def test_the_roster_endpoint_says_whether_registration_asks_for_a_check_value(store: MemoryStore) -> None:
    from harness import load_roster

    with serve(store=lambda: store) as (base, _stub, _web):
        assert post(base, "roster", {}) == {"roster": False, "checks": False}
        load_roster(store, [(2, "2중대", "홍길동", "")])
        assert post(base, "roster", {}) == {"roster": True, "checks": False}
        load_roster(store, [(2, "2중대", "홍길동", "1234")])
        answer = post(base, "roster", {})
    assert answer == {"roster": True, "checks": True}
    assert "홍길동" not in json.dumps(answer, ensure_ascii=False) and "1234" not in json.dumps(answer)
