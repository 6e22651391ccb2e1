"""A local stand-in for Kakao's Event API: ``python -m scripts.eventapi`` (or in-process).

It answers ``POST /v2/bots/{botId}/talk`` as Kakao would, records every call, and
then, like Kakao running the event block, POSTs one skill request per user to
the skill URL (with the ``X-Skill-Secret`` header) and records the skill's reply,
so a test or the chat simulator can see the reminder each user would get.

Endpoints (all JSON)::

    POST /v2/bots/{botId}/talk   the Event API; 200 {"taskId", "status": "SUCCESS", "message", "timestamp"}
    GET  /v1/tasks/{taskId}      the task's result: {"taskId", "status", "allRequestCount", "successCount",
                                 "fail": {"count", "list": [{"userId", "reqUserType", "createdAt", "errorMsg"}]}}
    GET  /calls                  every talk call: time, bot id, event name, data, params, user ids, the answer
    GET  /deliveries             every skill request made: time, task id, user, HTTP status, the skill's reply
    POST /_fail                  {"status": 500, "times": 2}: the next 2 talk calls answer 500 ({"status": 0}:
                                 they are taken, then the connection is closed without an answer);
                                 {"delay": 5}: the next call waits 5 s first, then is taken as usual (a client
                                 that gave up meanwhile never hears that it was); both may be combined; {} clears
    POST /_block                 {"users": ["key", ...]}: these people have not added the channel (or blocked it):
                                 calls naming them are accepted and they are counted failed in the task's result
    POST /_reset                 forget calls, deliveries, tasks, blocked people and pending failures
    GET  /health                 {"ok": true}

Command line (the first line of stdout is the base URL for ``EventApi``)::

    python -m scripts.eventapi --port 0 --bot-id 'local-bot!' --key local-key --event reminder \\
        --skill-url http://127.0.0.1:8000/skill --secret local-dev-secret --record .local/eventapi.jsonl

In-process::

    with EventApiStandIn(skill_url=..., skill_secret=...) as kakao:
        EventApi(kakao.url, kakao.bot_id, kakao.rest_api_key, kakao.event_name).send(keys, data)
        kakao.wait_deliveries(len(keys))

What is Kakao's and what is ours (see ``chalicelib/kakao/events.py`` for sources):

* the request shape, the 100-user limit, no repeated user, ``KakaoAK`` auth and the
  success answer follow public client code; the error statuses and bodies
  (``{"status": "FAIL", "message": ...}`` with 400, 401, 404, 413) are assumed;
* Kakao accepts ``plusfriendUserKey`` and ``appUserId`` users too; this stand-in only
  knows ``botUserKey`` (the one our bot stores) and refuses the others with 400;
* a task's result (``GET /v1/tasks/{taskId}``) has the fields of Kakao's group-chatbot guide and of public
  clients; people who have not added the channel fail (Kakao's help centre says such a message fails), with
  an ``errorMsg`` of our own (Kakao's code for that case is not published). Without a skill URL everyone
  else counts delivered at once; with one, a person counts once the skill answered (failed with
  ``errorType`` 201, as Kakao's guide shows for a skill's HTTP error, when it did not). Until every person
  is counted the status reads ``IN PROGRESS`` (assumed; Kakao's wording for an unfinished task is not
  published). The ``reached`` list is everyone a message reached, for tests;
* delivery: the top-level ``params`` of the call become ``userRequest.params`` (beside
  ``surface``) and a user's ``properties`` join ``userRequest.user.properties``, as
  public sources describe; ``event.data`` is used by Kakao in the block's own bubbles
  and is *not* put into the skill request (no source shows it there). The utterance
  is assumed empty (``--utterance`` changes it, e.g. to the block's name);
  ``flow.trigger`` is left out (its value for events is unknown). Deliveries run one
  user after another in a background thread, so the talk call answers at once.
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import queue
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

LOOPBACK = "127.0.0.1"
HANG_UP = 0  # a fault's "status": take the call as usual, then close the connection without answering
MAX_USERS = 100
MAX_USER_ID = 70  # Kakao: a botUserKey is at most 70 characters
MAX_BODY = 1024 * 1024
SKILL_TIMEOUT = 5.0  # Kakao waits 5 s for a skill
USER_TYPES = ("botUserKey", "plusfriendUserKey", "appUserId")
TALK_PATH = re.compile(r"^/v2/bots/([^/]+)/talk$")
TASK_PATH = re.compile(r"^/v1/tasks/([^/]+)$")
BLOCK = {"id": "65a1f7e0e4b0a91d3c7f2a5e", "name": "알림 이벤트 블록"}
ACTION = {"id": "65a1f7f2e4b0a91d3c7f2a61", "name": "haengjeong-skill"}
# Local URLs are never reached through an HTTP(S)_PROXY from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EventApiStandIn:
    """The stand-in server; ``start()`` binds 127.0.0.1 (port 0 = one the OS picks) and serves in a thread."""

    def __init__(
        self,
        *,
        bot_id: str = "local-bot!",
        rest_api_key: str = "local-key",
        event_name: str = "reminder",
        skill_url: str | None = None,
        skill_secret: str = "",
        record: Path | None = None,
        port: int = 0,
        bot_name: str = "행정이",
        utterance: str = "",
        verbose: bool = False,
    ) -> None:
        if skill_url is not None and urllib.parse.urlsplit(skill_url).scheme not in ("http", "https"):
            raise ValueError("skill URL must be http or https")
        self.bot_id = bot_id
        self.rest_api_key = rest_api_key
        self.event_name = event_name
        self.skill_url = skill_url
        self.skill_secret = skill_secret
        self.record = Path(record) if record is not None else None
        self.port = port
        self.bot_name = bot_name
        self.utterance = utterance
        self.verbose = verbose
        self._lock = threading.Condition()
        self._calls: list[dict[str, Any]] = []
        self._deliveries: list[dict[str, Any]] = []
        self._fail: dict[str, Any] = {"status": None, "delay": 0.0, "times": 0}
        self._tasks: dict[str, dict[str, Any]] = {}
        self._blocked: set[str] = set()
        self._reached: list[tuple[str, str]] = []  # (task id, user) for every message that reached someone
        self._result_failures = 0
        self._talks = 0
        # Tests: call number -> (status to answer instead, seconds to wait first); (None, 0.0) = as usual.
        self.faults: Callable[[int], tuple[int | None, float]] | None = None
        self._stopping = threading.Event()
        self._jobs: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []

    # --- life cycle -----------------------------------------------------------------------------

    def start(self) -> EventApiStandIn:
        if self._server is not None:
            raise RuntimeError("already started")
        server = _Server((LOOPBACK, self.port), _Handler)
        server.standin = self
        self._server = server
        self.port = int(server.server_address[1])
        self._stopping.clear()
        self._jobs = queue.Queue()
        self._threads = [
            threading.Thread(target=server.serve_forever, args=(0.05,), name="eventapi-http", daemon=True),
            threading.Thread(target=self._deliver_loop, args=(self._jobs,), name="eventapi-deliver", daemon=True),
        ]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        """Stop serving and delivering; a delayed call or a pending delivery is dropped."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        self._jobs.put(None)
        server.shutdown()
        server.server_close()
        for t in self._threads:
            t.join(timeout=SKILL_TIMEOUT + 1)
        self._threads = []

    def __enter__(self) -> EventApiStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to give ``EventApi`` (``http://127.0.0.1:PORT``)."""
        if self._server is None:
            raise RuntimeError("not started")
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def talk_url(self) -> str:
        return f"{self.url}/v2/bots/{urllib.parse.quote(self.bot_id, safe='!')}/talk"

    # --- what happened --------------------------------------------------------------------------

    def calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(c) for c in self._calls]

    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(d) for d in self._deliveries]

    def reached(self) -> list[tuple[str, str]]:
        """(task id, user) of every message that reached someone: delivered to the skill, or without a skill
        URL accepted for someone who can receive it."""
        with self._lock:
            return list(self._reached)

    def block(self, *users: str) -> None:
        """These people have not added the channel, or blocked it: their messages fail."""
        with self._lock:
            self._blocked.update(users)

    def wait_tasks(self, timeout: float = 30.0) -> None:
        """Wait until every accepted task is finished (each person delivered or failed); TimeoutError else."""

        def finished() -> bool:
            return all(t["success"] + len(t["fail"]) >= t["requested"] for t in self._tasks.values())

        with self._lock:
            if not self._lock.wait_for(finished, timeout=timeout):
                raise TimeoutError(f"tasks unfinished after {timeout} s")

    def fail_results(self, times: int = 1) -> None:
        """The next ``times`` reads of a task's result answer 500."""
        with self._lock:
            self._result_failures = times

    def task(self, task_id: str) -> dict[str, Any] | None:
        """A task's result as ``GET /v1/tasks/{taskId}`` answers it."""
        with self._lock:
            t = self._tasks.get(task_id)
            if t is None:
                return None
            fails = list(t["fail"])
            done = t["success"] + len(fails)
            status = "IN PROGRESS" if done < t["requested"] else ("ALL SUCCESS" if not fails else f"{len(fails)} FAIL")
            return {
                "taskId": task_id,
                "status": status,
                "allRequestCount": t["requested"],
                "successCount": t["success"],
                "fail": {"count": len(fails), "list": fails},
            }

    def wait_deliveries(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The deliveries once there are at least ``count``; TimeoutError after ``timeout`` seconds."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._deliveries) >= count, timeout=timeout):
                raise TimeoutError(f"{len(self._deliveries)} of {count} deliveries after {timeout} s")
            return [dict(d) for d in self._deliveries]

    def fail_next(self, status: int | None = None, times: int = 1, delay: float = 0.0) -> None:
        """Make the next ``times`` talk calls wait ``delay`` seconds, then answer ``status`` (None: as usual)."""
        with self._lock:
            self._fail = {"status": status, "delay": float(delay), "times": int(times)}

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._deliveries.clear()
            self._tasks.clear()
            self._blocked.clear()
            self._reached.clear()
            self._result_failures = 0
            self._fail = {"status": None, "delay": 0.0, "times": 0}

    # --- the Event API --------------------------------------------------------------------------

    def _take_failure(self) -> tuple[int, int | None, float]:
        """(the call's number, a status to answer instead, seconds to wait first)."""
        with self._lock:
            self._talks += 1
            n = self._talks
            if self.faults is not None:  # a test's plan of faults, by the call's number (1, 2, ...)
                planned = self.faults(n)
                if planned != (None, 0.0):
                    return n, *planned
            if self._fail["times"] <= 0:
                return n, None, 0.0
            self._fail["times"] -= 1
            return n, self._fail["status"], self._fail["delay"]

    def wait_calls(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The recorded talk calls once there are at least ``count`` (a delayed call is recorded when it ends)."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._calls) >= count, timeout=timeout):
                raise TimeoutError(f"{len(self._calls)} of {count} calls after {timeout} s")
            return [dict(c) for c in self._calls]

    def talk(self, path_bot_id: str, authorization: str, raw: bytes | None) -> tuple[int, dict[str, Any]] | None:
        """(status, answer) for one talk call, recorded; None when no answer is to be sent (the stand-in stopped
        during a delay, or the fault HANG_UP: the call is taken, then the connection is closed unanswered)."""
        number, injected, delay = self._take_failure()
        hang_up = injected == HANG_UP
        if hang_up:
            injected = None
        if delay > 0 and self._stopping.wait(delay):
            return None
        body: Any = None
        if raw is not None:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                body = None
        if injected is not None:
            code, answer = injected, _answer("FAIL" if injected >= 300 else "SUCCESS", f"injected ({injected})")
        else:
            code, answer = self._check(path_bot_id, authorization, raw, body)
        event = body.get("event") if isinstance(body, dict) else None
        users = body.get("user") if isinstance(body, dict) else None
        call = {
            "n": number,  # in the order calls arrived (a slow one is recorded when it ends)
            "time": time.time(),
            "bot_id": path_bot_id,
            "event": event.get("name") if isinstance(event, dict) else None,
            "data": event.get("data") if isinstance(event, dict) else None,
            "params": body.get("params") if isinstance(body, dict) else None,
            "users": [u.get("id") for u in users if isinstance(u, dict)] if isinstance(users, list) else [],
            "status": code,
            "response": answer,
        }
        receivable: list[dict[str, Any]] = []
        with self._lock:
            self._calls.append(call)
            self._lock.notify_all()
            if injected is None and code == 200:  # an injected answer takes nothing
                self._start_task(answer["taskId"], [u["id"] for u in body["user"]])
                receivable = [u for u in body["user"] if u["id"] not in self._blocked]
        self._append_record(call)
        if receivable and self.skill_url:
            self._jobs.put({"task_id": answer["taskId"], "body": {**body, "user": receivable}})
        if hang_up:
            return None
        return code, answer

    def _start_task(self, task_id: str, users: list[str]) -> None:
        """A task's result as it begins (under the lock): blocked people failed, the others delivered at once
        without a skill URL, else as the skill answers them."""
        now = int(time.time())
        fails = [
            _failed(u, now, NOT_A_FRIEND, "User has not added the channel or has blocked it.")
            for u in users
            if u in self._blocked
        ]
        receivable = [u for u in users if u not in self._blocked]
        self._tasks[task_id] = {
            "requested": len(users),
            "success": 0 if self.skill_url else len(receivable),
            "fail": fails,
        }
        if not self.skill_url:
            self._reached += [(task_id, u) for u in receivable]

    def task_answer(self, task_id: str, authorization: str) -> tuple[int, dict[str, Any]]:
        """(status, answer) of ``GET /v1/tasks/{taskId}``."""
        scheme, _, key = authorization.partition(" ")
        if scheme != "KakaoAK" or not _same(key.strip(), self.rest_api_key):
            return 401, _answer("FAIL", "Unauthorized. Check your REST API key (Authorization: KakaoAK ...).")
        with self._lock:
            if self._result_failures > 0:
                self._result_failures -= 1
                return 500, _answer("FAIL", "injected (500)")
        found = self.task(task_id)
        if found is None:
            return 404, _answer("FAIL", "Task not found.")
        return 200, found

    def _check(self, path_bot_id: str, authorization: str, raw: bytes | None, body: Any) -> tuple[int, dict[str, Any]]:
        """Kakao-like validation of one talk call: (status, answer)."""
        scheme, _, key = authorization.partition(" ")
        if scheme != "KakaoAK" or not _same(key.strip(), self.rest_api_key):
            return 401, _answer("FAIL", "Unauthorized. Check your REST API key (Authorization: KakaoAK ...).")
        if path_bot_id != self.bot_id:
            return 400, _answer("FAIL", "Invalid bot ID. Check your Bot ID.")
        if raw is None:
            return 413, _answer("FAIL", f"Request body is larger than {MAX_BODY} bytes.")
        if not isinstance(body, dict):
            return 400, _answer("FAIL", "Request body must be a JSON object.")
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("name"), str) or not event["name"]:
            return 400, _answer("FAIL", "event.name is required.")
        if event["name"] != self.event_name:
            return 400, _answer("FAIL", "Invalid event name. No block is set for this event.")
        if "data" in event and not isinstance(event["data"], dict):
            return 400, _answer("FAIL", "event.data must be an object.")
        params = body.get("params")
        if params is not None and not (isinstance(params, dict) and all(isinstance(v, str) for v in params.values())):
            return 400, _answer("FAIL", "params must be an object of strings.")
        users = body.get("user")
        if not isinstance(users, list) or not users:
            return 400, _answer("FAIL", f"user is required (1 to {MAX_USERS} users).")
        if len(users) > MAX_USERS:
            return 400, _answer("FAIL", f"Too many users: at most {MAX_USERS} per request.")
        seen: set[str] = set()
        for u in users:
            if not isinstance(u, dict) or u.get("type") not in USER_TYPES:
                return 400, _answer("FAIL", "user.type must be botUserKey, plusfriendUserKey or appUserId.")
            if u["type"] != "botUserKey":
                return 400, _answer("FAIL", "This stand-in only delivers to botUserKey users.")
            uid = u.get("id")
            if not isinstance(uid, str) or not uid or len(uid) > MAX_USER_ID:
                return 400, _answer("FAIL", f"user.id must be a string of 1 to {MAX_USER_ID} characters.")
            if uid in seen:
                return 400, _answer("FAIL", "Duplicate user in the request.")
            if "properties" in u and not isinstance(u["properties"], dict):
                return 400, _answer("FAIL", "user.properties must be an object.")
            seen.add(uid)
        return 200, _answer("SUCCESS", "", task_id=str(uuid.uuid4()))

    def _append_record(self, call: dict[str, Any]) -> None:
        if self.record is None:
            return
        line = json.dumps(call, ensure_ascii=False) + "\n"
        with self._lock:
            self.record.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.record, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)  # it holds user keys
            with os.fdopen(fd, "a", encoding="utf-8") as f:
                f.write(line)

    # --- delivery to the skill ------------------------------------------------------------------

    def _deliver_loop(self, jobs: queue.Queue[dict[str, Any] | None]) -> None:
        while (job := jobs.get()) is not None:
            for user in job["body"]["user"]:
                if self._stopping.is_set():
                    return
                self._deliver(job["task_id"], job["body"], user)

    def skill_payload(self, body: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
        """The skill request Kakao's event block would send for ``user`` (see the module docstring)."""
        key = user["id"]
        properties = {"botUserKey": key, "bot_user_key": key, **(user.get("properties") or {})}
        return {
            "intent": {"id": BLOCK["id"], "name": BLOCK["name"]},
            "userRequest": {
                "timezone": "Asia/Seoul",
                "params": {"surface": "Kakaotalk.plusfriend", **(body.get("params") or {})},
                "block": dict(BLOCK),
                "utterance": self.utterance,
                "lang": "ko",
                "user": {"id": key, "type": "botUserKey", "properties": properties},
            },
            "bot": {"id": self.bot_id, "name": self.bot_name},
            "action": {**ACTION, "params": {}, "detailParams": {}, "clientExtra": {}},
            "contexts": [],
        }

    def _deliver(self, task_id: str, body: dict[str, Any], user: dict[str, Any]) -> None:
        """POST one user's skill request and record what the skill answered."""
        url = self.skill_url or ""
        payload = json.dumps(self.skill_payload(body, user), ensure_ascii=False).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Skill-Secret": self.skill_secret,
            "X-Request-Id": str(uuid.uuid4()),
        }
        # The scheme was checked in __init__ (http or https only).
        req = urllib.request.Request(url, data=payload, method="POST", headers=headers)  # noqa: S310
        status, raw, reply, error = 0, b"", None, ""
        try:
            with _DIRECT.open(req, timeout=SKILL_TIMEOUT) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, error = e.code, f"HTTP {e.code}"
            with e:
                raw = e.read()
        except OSError as e:
            timed_out = isinstance(e, TimeoutError) or isinstance(getattr(e, "reason", None), TimeoutError)
            error = "timeout" if timed_out else type(e).__name__
        try:
            reply = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            error = error or "reply is not JSON"
        delivery = {
            "time": time.time(),
            "task_id": task_id,
            "event": body["event"]["name"],
            "user": user["id"],
            "status": status,
            "reply": reply,
            "error": error,
        }
        with self._lock:
            self._deliveries.append(delivery)
            task = self._tasks.get(task_id)
            if task is not None:
                if 200 <= status < 300 and reply is not None:
                    task["success"] += 1
                    self._reached.append((task_id, user["id"]))
                else:
                    task["fail"].append(
                        _failed(
                            user["id"], int(time.time()), SKILL_ERROR, "Bot skill server responded with an HTTP error."
                        )
                    )
            self._lock.notify_all()

    # --- the test controls ----------------------------------------------------------------------

    def control_fail(self, raw: bytes | None) -> tuple[int, dict[str, Any]]:
        """``POST /_fail``: ``{"status"?, "delay"?, "times"? (default 1)}``; ``{}`` clears."""
        try:
            spec = json.loads((raw or b"").decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            return 400, {"error": "body must be JSON"}
        if not isinstance(spec, dict):
            return 400, {"error": "body must be a JSON object"}
        status, delay, times = spec.get("status"), spec.get("delay", 0), spec.get("times", 1)
        if status is not None and not (_is_int(status) and (200 <= status <= 599 or status == HANG_UP)):
            return 400, {"error": "status must be an HTTP status from 200 to 599, or 0 (hang up)"}
        if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay < 0:
            return 400, {"error": "delay must be a number of seconds"}
        if not _is_int(times) or times < 0:
            return 400, {"error": "times must be a count"}
        if status is None and not delay:
            times = 0  # nothing to inject: clears
        self.fail_next(status, times, delay)
        return 200, {"status": status, "delay": delay, "times": times}


NOT_A_FRIEND = 111  # our own code for someone who has not added the channel (Kakao's is not published)
SKILL_ERROR = 201  # Kakao's code for a skill that answered with an HTTP error (its group-chatbot guide)


def _failed(user: str, at: int, error_type: int, message: str) -> dict[str, Any]:
    return {
        "userId": user,
        "reqUserType": "botUserKey",
        "createdAt": at,
        "errorMsg": {"errorType": error_type, "msg": message},
    }


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def _answer(status: str, message: str, task_id: str | None = None) -> dict[str, Any]:
    return {"taskId": task_id, "status": status, "message": message, "timestamp": int(time.time())}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: EventApiStandIn


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "eventapi-standin"

    @property
    def standin(self) -> EventApiStandIn:
        return self.server.standin

    def _body(self) -> bytes | None:
        """The request body; None when it is larger than MAX_BODY (then it is not read)."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            self.close_connection = True
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the caller gave up (e.g. it timed out on a delayed call)

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        task = TASK_PATH.match(path)
        if task:
            self._send(
                *self.standin.task_answer(urllib.parse.unquote(task.group(1)), self.headers.get("Authorization", ""))
            )
        elif path == "/calls":
            self._send(200, self.standin.calls())
        elif path == "/deliveries":
            self._send(200, self.standin.deliveries())
        elif path == "/health":
            self._send(200, {"ok": True})
        else:
            self._send(404, _answer("FAIL", "Not found."))

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        raw = self._body()
        match = TALK_PATH.match(path)
        if match:
            bot_id = urllib.parse.unquote(match.group(1))
            result = self.standin.talk(bot_id, self.headers.get("Authorization", ""), raw)
            if result is None:  # stopped while delaying: no answer at all
                self.close_connection = True
                return
            self._send(*result)
        elif path == "/_fail":
            self._send(*self.standin.control_fail(raw))
        elif path == "/_block":
            try:
                users = json.loads((raw or b"{}").decode("utf-8")).get("users", [])
            except (UnicodeDecodeError, ValueError, AttributeError):
                users = None
            if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
                self._send(400, {"error": 'body must be {"users": ["key", ...]}'})
            else:
                self.standin.block(*users)
                self._send(200, {"blocked": len(users)})
        elif path == "/_reset":
            self.standin.reset()
            self._send(200, {"ok": True})
        else:
            self._send(404, _answer("FAIL", "Not found."))

    def log_message(self, format: str, *args: Any) -> None:
        if self.standin.verbose:
            sys.stderr.write(f"eventapi: {self.address_string()} {format % args}\n")


# --- command line -------------------------------------------------------------------------------


class _Stop(Exception):
    """A signal asked us to shut down."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    from chalicelib.platform.config import LOCAL_SKILL_SECRET

    p = argparse.ArgumentParser(prog="python -m scripts.eventapi", description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: one the OS picks)")
    p.add_argument("--bot-id", default="local-bot!", help="the bot id in the talk path (default local-bot!)")
    p.add_argument("--key", default="local-key", help="the REST API key callers must send (default local-key)")
    p.add_argument("--event", default="reminder", help="the only event name accepted (default reminder)")
    p.add_argument("--skill-url", help="where each user's skill request goes (none: no delivery)")
    p.add_argument(
        "--secret",
        default=os.environ.get("HJ_SKILL_SECRET") or LOCAL_SKILL_SECRET,
        help="X-Skill-Secret sent to the skill (default $HJ_SKILL_SECRET, else the local secret)",
    )
    p.add_argument("--record", type=Path, help="append every call as a JSON line to this file")
    p.add_argument("--utterance", default="", help="utterance of the delivered skill requests (default empty)")
    p.add_argument("--verbose", action="store_true", help="log each HTTP request to stderr")
    args = p.parse_args(argv)
    standin = EventApiStandIn(
        bot_id=args.bot_id,
        rest_api_key=args.key,
        event_name=args.event,
        skill_url=args.skill_url,
        skill_secret=args.secret,
        record=args.record,
        port=args.port,
        utterance=args.utterance,
        verbose=args.verbose,
    )
    # Installed explicitly: a shell starting us in the background leaves SIGINT ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    try:
        standin.start()
    except OSError as e:
        print(f"cannot listen on {LOOPBACK}:{args.port}: {e.strerror or e}", file=sys.stderr)
        return 2
    try:
        print(standin.url, flush=True)
        print(
            f"Event API stand-in: POST {standin.talk_url} (event {args.event!r}); "
            f"GET /calls, /deliveries; delivering to {args.skill_url or 'nowhere'}",
            flush=True,
        )
        while True:
            time.sleep(3600)
    except _Stop:
        return 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        standin.stop()


if __name__ == "__main__":
    sys.exit(main())
