"""A KakaoTalk-like web chat in front of the local bot: ``make run``, then http://127.0.0.1:PORT/chat.

Local only. The routes live in this WSGI layer, which ``scripts.devstack`` puts in front of
``app.py`` under gunicorn; the Chalice app (what is deployed) knows nothing of them. They answer
only requests addressed to a loopback host, and their POSTs only same-origin JSON (a page of
another site can neither read them nor post to them).

Routes (everything else goes to the bot unchanged)::

    GET  /chat                  the page: index.html, webchat.css and webchat.js of this folder
    GET  /favicon.ico           the page's icon (favicon.svg), which browsers ask for at the site's root
    POST /chat/api/say          {"user", "text", "trigger"?, "extra"?}: one message as that person, sent as
                                the real channel sends it (scripts.chat.build_payload) to this server's
                                /skill with the local secret; answers the reply, the request, the time it
                                took and what breaks Kakao's limits (:func:`scripts.webchat.checks.kakao_problems`)
    POST /chat/api/superadmin   {"user"}: makes that registered person a super admin, as `make superadmin`
                                does (scripts.superadmin.promote)
    POST /chat/api/roster       {}: whether a roster is loaded and asks for check values (the 등록 button then
                                asks for one before it sends `등록 <소속> <이름> <확인번호>`)
    POST /chat/api/deliveries   {"since", "users"}: the reminders the local Event API stand-in delivered to
                                these people since delivery number ``since``

A person of the page is a name: its botUserKey is the one ``make chat`` gives that name, so the
terminal and the page talk as the same people. Names travel in POST bodies only, never in a URL,
so the access log holds none.
"""

from __future__ import annotations

import ipaddress
import json
import os
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from scripts import chat
from scripts.webchat.checks import kakao_problems

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

HERE = Path(__file__).resolve().parent
PREFIX = "/chat"
PAGE = "index.html"
STATIC = {  # the files the page is made of, and nothing else of this folder
    "webchat.css": "text/css; charset=utf-8",
    "webchat.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
FAVICON = "/favicon.ico"  # asked for by browsers whatever the page says: the same icon
TRIGGERS = ("TEXT_INPUT", "QUICKREPLY_BUTTON_MESSAGE", "CARD_BUTTON_MESSAGE", "LIST_ITEM_MESSAGE")
MAX_API_BODY = 16 * 1024
MAX_NAME = 40
MAX_TEXT = 1000  # Kakao's own limit on what a person sends
MAX_USERS = 20
# Images of cards may come from anywhere; everything else only from this server. No inline script or style.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: http: https:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _default_store() -> Any:
    from chalicelib import runtime
    from chalicelib.platform.config import settings

    return runtime.store(settings())


def is_loopback(host: str) -> bool:
    """Whether a Host header (``127.0.0.1:8000``, ``[::1]:8000``, ``localhost``) names this machine."""
    host = host.strip().lower()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port_of(environ: dict[str, Any]) -> str:
    host = str(environ.get("HTTP_HOST") or "")
    tail = host.rpartition("]")[2] if host.startswith("[") else host
    if ":" in tail:
        port = tail.rpartition(":")[2]
        if port.isdigit():
            return port
    return str(environ.get("SERVER_PORT") or "80")


class WebChat:
    """WSGI middleware: the web chat's routes under ``/chat``, the wrapped app for every other path.

    ``skill_url`` defaults to this server's own ``/skill`` on 127.0.0.1 (the port the page was
    loaded from), ``secret`` to HJ_SKILL_SECRET (else the local one), ``event_api`` to
    HJ_EVENT_API_BASE when it is a loopback stand-in, ``store`` (a callable returning the Store)
    to the local stack's DynamoDB.
    """

    def __init__(
        self,
        app: WsgiApp,
        skill_url: str | None = None,
        secret: str | None = None,
        event_api: str | None = None,
        store: Callable[[], Any] | None = None,
    ) -> None:
        self.app = app
        self.skill_url = skill_url
        self.secret = secret
        self.event_api = event_api
        self.store = store or _default_store

    # --- WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "/")
        method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        if path == FAVICON and method in ("GET", "HEAD") and is_loopback(str(environ.get("HTTP_HOST") or "")):
            return self._file("favicon.svg", STATIC["favicon.svg"], method, start_response)
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            return self.app(environ, start_response)
        try:
            if not is_loopback(str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "")):
                raise ApiError(403, "the web chat answers on 127.0.0.1 only")
            rest = path[len(PREFIX) :].lstrip("/")
            if rest.startswith("api/"):
                return self._api(rest[4:], method, environ, start_response)
            if method not in ("GET", "HEAD"):
                raise ApiError(405, "GET only")
            if rest in ("", PAGE):
                return self._file(PAGE, "text/html; charset=utf-8", method, start_response)
            if rest in STATIC:
                return self._file(rest, STATIC[rest], method, start_response)
            raise ApiError(404, "no such file")
        except ApiError as e:
            return self._json(start_response, e.status, {"error": e.message})

    def _file(self, name: str, content_type: str, method: str, start_response: StartResponse) -> list[bytes]:
        data = (HERE / name).read_bytes()
        start_response(
            "200 OK",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(data))),
                ("Cache-Control", "no-cache"),
                ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", CSP),
                ("Referrer-Policy", "no-referrer"),
            ],
        )
        return [b"" if method == "HEAD" else data]

    @staticmethod
    def _json(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        reason = {
            200: "OK",
            400: "Bad Request",
            403: "Forbidden",
            404: "Not Found",
            405: "Method Not Allowed",
            413: "Payload Too Large",
            415: "Unsupported Media Type",
            503: "Service Unavailable",
        }
        start_response(
            f"{status} {reason.get(status, 'Error')}",
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Length", str(len(data))),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
        return [data]

    def _api(self, name: str, method: str, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        handlers = {
            "say": self.say,
            "superadmin": self.superadmin,
            "deliveries": self.deliveries,
            "roster": self.roster,
        }
        handler = handlers.get(name)
        if handler is None:
            raise ApiError(404, "no such endpoint")
        if method != "POST":
            raise ApiError(405, "POST only")
        body = self._body(environ)
        return self._json(start_response, 200, handler(body, environ))

    @staticmethod
    def _body(environ: dict[str, Any]) -> dict[str, Any]:
        """The request's JSON object, from the page itself: JSON only (a form of another site cannot send
        that without asking first), and an Origin, when given, of this machine."""
        origin = str(environ.get("HTTP_ORIGIN") or "")
        if origin and not is_loopback(urllib.parse.urlsplit(origin).netloc):
            raise ApiError(403, "other sites may not use the web chat")
        if str(environ.get("HTTP_SEC_FETCH_SITE") or "same-origin") not in ("same-origin", "none"):
            raise ApiError(403, "other sites may not use the web chat")
        if str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower() != "application/json":
            raise ApiError(415, "send application/json")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_API_BODY:
            raise ApiError(413, "request too large")
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
            raise ApiError(400, "the body is not JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "the body is not a JSON object")
        return body

    # --- the endpoints ---------------------------------------------------------------------------

    @staticmethod
    def _name(body: dict[str, Any]) -> str:
        name = body.get("user")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
            raise ApiError(400, f"user: a name of 1–{MAX_NAME} characters")
        return name.strip()

    def target(self, environ: dict[str, Any]) -> chat.Target:
        from chalicelib.platform.config import LOCAL_SKILL_SECRET

        url = self.skill_url or f"http://127.0.0.1:{_port_of(environ)}/skill"
        secret = self.secret or os.environ.get("HJ_SKILL_SECRET") or LOCAL_SKILL_SECRET
        return chat.Target(url=url, secret=secret)

    def say(self, body: dict[str, Any], environ: dict[str, Any]) -> dict[str, Any]:
        """One message as ``user``: the skill's reply, how long it took, and what breaks Kakao's limits."""
        name = self._name(body)
        text = body.get("text")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise ApiError(400, f"text: at most {MAX_TEXT} characters")
        trigger = body.get("trigger") or "TEXT_INPUT"
        if trigger not in TRIGGERS:
            raise ApiError(400, "trigger: " + ", ".join(TRIGGERS))
        extra = body.get("extra") or {}
        if not isinstance(extra, dict):
            raise ApiError(400, "extra: a JSON object")
        payload = chat.build_payload(name, text, trigger, extra)
        result = chat.send(self.target(environ), payload)
        problems: list[str] = []
        if isinstance(result.reply, dict):
            problems = kakao_problems(result.reply)
        elif result.reply is not None:
            problems = ["the reply is not a JSON object"]
        return {
            "status": result.status,
            "millis": round(result.millis, 1),
            "bytes": len(result.body),
            "slow": result.millis > chat.SLOW_MS,
            "reply": result.reply,
            "problems": problems,
            "error": result.error,
            "request": payload,
        }

    def superadmin(self, body: dict[str, Any], environ: dict[str, Any]) -> dict[str, Any]:
        """The operator's promotion (`make superadmin`) of the person named ``user``, by their botUserKey."""
        from chalicelib.domain.ports import Unavailable
        from scripts.superadmin import Failure, promote

        name = self._name(body)
        key = chat.user_key(name)
        try:
            store = self.store()
            if store.get_user(key) is None:
                return {"ok": False, "message": f"{name}님은 아직 등록하지 않았어요. 먼저 '등록'을 눌러 주세요."}
            user, changed = promote(store, key)
        except Failure as e:
            return {"ok": False, "message": str(e)}
        except Unavailable as e:
            raise ApiError(503, f"DynamoDB did not answer: {e}") from None
        label = f"{user.unit} {user.name}".strip()
        if changed:
            return {"ok": True, "changed": True, "message": f"{label}님을 슈퍼관리자로 지정했어요."}
        return {"ok": True, "changed": False, "message": f"{label}님은 이미 슈퍼관리자예요."}

    def roster(self, body: dict[str, Any], environ: dict[str, Any]) -> dict[str, Any]:
        """Whether a roster is loaded (registration then claims one of its people) and whether its people have
        check values, so that the page's 등록 asks for one. Counts and flags only: no name leaves the store."""
        from chalicelib.domain.ports import Unavailable

        try:
            info = self.store().roster_info()
        except Unavailable as e:
            raise ApiError(503, f"DynamoDB did not answer: {e}") from None
        return {"roster": bool(info.units), "checks": bool(info.units) and info.checks}

    def deliveries(self, body: dict[str, Any], environ: dict[str, Any]) -> dict[str, Any]:
        """What the Event API stand-in delivered to these people since delivery number ``since``."""
        since = body.get("since", 0)
        names = body.get("users") or []
        if not isinstance(since, int) or since < 0:
            raise ApiError(400, "since: a delivery number")
        if not isinstance(names, list) or len(names) > MAX_USERS or not all(isinstance(n, str) for n in names):
            raise ApiError(400, f"users: at most {MAX_USERS} names")
        base = self.event_api if self.event_api is not None else os.environ.get("HJ_EVENT_API_BASE", "")
        if not base or not is_loopback(urllib.parse.urlsplit(base).netloc):
            return {"next": since, "items": []}  # no local stand-in: Kakao itself is never asked
        try:
            with chat._opener(base).open(base.rstrip("/") + "/deliveries", timeout=3) as resp:
                every = json.loads(resp.read().decode("utf-8"))
        except (OSError, ValueError):
            return {"next": since, "items": []}
        if not isinstance(every, list):
            return {"next": since, "items": []}
        who = {chat.user_key(n): n for n in names}
        items = [
            {"user": who[str(d.get("user"))], "reply": d.get("reply"), "status": d.get("status")}
            for d in every[since:]
            if isinstance(d, dict) and str(d.get("user")) in who and d.get("reply") is not None
        ]
        return {"next": len(every), "items": items}


def make_application() -> WebChat:
    """gunicorn entry point of ``make run``: the project's app.py with the web chat in front."""
    from scripts.wsgi import project_application

    return WebChat(project_application())
