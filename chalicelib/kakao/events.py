"""Kakao's Event API: the bot speaks first (reminders to members who have not answered).

``EventApi.send`` POSTs ``/v2/bots/{botId}/talk`` once per batch of at most 100
users and reports each batch (accepted, or failed and whether a retry may help).
It never raises on an HTTP failure and never logs user keys, event data or the
REST API key. Kakao then runs the event block configured with the event name for
each user; that block calls our skill (POST /skill) as an ordinary skill request
for that user, and the skill renders the reminder.

What is documented and what is assumed
--------------------------------------
Kakao's own page (kakaobusiness.gitbook.io/main/tool/chatbot/main_notions/event-api)
was readable only in its opening: the Event API lets the bot open a conversation,
every message is billed (15 KRW, VAT excluded, on operating and development
channels alike) and a wallet must be linked. Everything else below comes from
public client code and write-ups, not from Kakao's wording:

* request: ``POST https://bot-api.kakao.com/v2/bots/{botId}/talk`` with
  ``Authorization: KakaoAK {REST API key}`` and a JSON body
  ``{"event": {"name", "data"}, "user": [{"type", "id", "properties"?}], "params"?}``;
  user types ``botUserKey``, ``plusfriendUserKey``, ``appUserId``; at most 100 users
  per call and no user twice (several public clients; a public integration note);
* response: ``{"taskId", "status": "SUCCESS" | "FAIL", "message", "timestamp"}``;
  ``SUCCESS`` means the task was *accepted*, not that every user got the message;
* the task's result: ``GET /v1/tasks/{taskId}`` with the same key answers
  ``{"taskId", "status": "ALL SUCCESS" | "<n> FAIL", "allRequestCount", "successCount",
  "fail": {"count", "list": [{"userId", "errorMsg": {...}}]}}`` (Kakao's group-chatbot
  guide shows it, with ``userKeyResolvingFailCount`` for unknown keys; several public
  clients read the same fields). People who have not added the channel, or blocked it,
  are counted failed there (Kakao's help centre: a message to someone who has not
  added the channel fails);
* how the data reaches the skill: ``event.data`` feeds the event block's own
  bubbles (``{{#current.event.data.<key>}}``); the top-level ``params`` arrive in the
  skill request as ``userRequest.params`` (a public client's documentation and a
  public test of an event-triggered skill). This client therefore sends ``data``
  both as ``event.data`` and, with every value as a string, as ``params``;
* **assumed** (no source found): the error body (taken to be the success shape with
  ``status`` ``FAIL``; nothing here depends on it), which statuses Kakao uses for
  which errors, the utterance of an event-triggered skill request, whether Kakao
  retries, and when a task's result is complete (read again until every person is
  counted). There is no idempotency key: a call whose answer never came may have been
  taken. So a call is made again only when Kakao cannot have acted on it: the
  connection or the sending of the request failed, or Kakao answered 5xx or 429. A call
  that went out whole and got no answer (or an answer that is not Kakao's) is
  ``unknown`` and never repeated; the caller says so rather than risk a second
  message (and a second charge).

A development bot's id ends with ``!``; it is sent as is in the path.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from chalicelib.platform.logsafe import failure

log = logging.getLogger("haengjeong")

KAKAO_BASE_URL = "https://bot-api.kakao.com"
MAX_USERS_PER_CALL = 100
MAX_ANSWER_BYTES = 64 * 1024
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})

# Why a batch was not accepted (BatchResult.reason); "" when it was.
TIMEOUT = "timeout"  # connecting or sending timed out: Kakao never had the whole request (retryable)
NETWORK = "network"  # connection refused, reset while sending, DNS... (retryable)
NO_ANSWER = "no_answer"  # the request went out whole, then no answer in time (unknown: never repeated)
HTTP_STATUS = "http_status"  # an HTTP error status (retryable for 5xx and 429)
REFUSED = "refused"  # 2xx whose body does not say SUCCESS (permanent)
BAD_ANSWER = "bad_answer"  # 2xx whose body is not a JSON object (unknown: Kakao may have taken it)
ERROR = "error"  # an unexpected failure on our side (permanent; logged by type and frames)


class BatchResult(NamedTuple):
    """One POST of at most 100 users."""

    users: tuple[str, ...]
    status: int  # HTTP status; 0 when no answer came (network error, timeout)
    task_id: str  # Kakao's taskId, "" when none was given
    accepted: bool  # Kakao took the task (HTTP 2xx, status SUCCESS)
    retryable: bool  # Kakao cannot have acted on it (not sent whole, 5xx, 429): the same batch may be sent again
    reason: str  # "" when accepted, else one of TIMEOUT, NETWORK, NO_ANSWER, HTTP_STATUS, REFUSED, BAD_ANSWER, ERROR
    unknown: bool = False  # sent whole, no (usable) answer: Kakao may have taken it, so it is never sent again

    @property
    def permanent(self) -> bool:
        """Failed in a way a retry will not fix (4xx other than 429, a refusal)."""
        return not self.accepted and not self.retryable and not self.unknown


class SendResult(NamedTuple):
    """Everything one :meth:`EventApi.send` did, batch by batch, in the order sent."""

    batches: tuple[BatchResult, ...]
    dropped: int  # empty or repeated user keys that were not sent

    @property
    def ok(self) -> bool:
        """Every batch was accepted (also true when there was nobody to send to)."""
        return all(b.accepted for b in self.batches)

    @property
    def accepted_users(self) -> tuple[str, ...]:
        return tuple(u for b in self.batches if b.accepted for u in b.users)

    @property
    def retry_users(self) -> tuple[str, ...]:
        """Users of the batches worth sending again (pass them to ``send`` later)."""
        return tuple(u for b in self.batches if b.retryable for u in b.users)

    @property
    def failed_users(self) -> tuple[str, ...]:
        """Users of the batches that failed for good."""
        return tuple(u for b in self.batches if b.permanent for u in b.users)

    @property
    def unknown_users(self) -> tuple[str, ...]:
        """Users of the batches that went out but got no answer (Kakao may have taken them)."""
        return tuple(u for b in self.batches if b.unknown for u in b.users)

    @property
    def task_ids(self) -> tuple[str, ...]:
        return tuple(b.task_id for b in self.batches if b.accepted and b.task_id)


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash; ValueError unless https, or http on 127.0.0.1/localhost."""
    try:
        parts = urllib.parse.urlsplit(base_url)
        _ = parts.port  # a malformed port raises here
    except ValueError as exc:
        raise ValueError("base URL is not a URL") from exc
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError("base URL has no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("base URL must not carry credentials")
    if parts.query or parts.fragment:
        raise ValueError("base URL must not have a query or fragment")
    if parts.scheme == "https" or (parts.scheme == "http" and host in LOCAL_HOSTS):
        return base_url.rstrip("/")
    raise ValueError("base URL must be https (plain http only to 127.0.0.1 or localhost)")


def _header_safe(value: str) -> bool:
    return value.isascii() and value.isprintable() and value == value.strip()


def _as_params(data: Mapping[str, Any]) -> dict[str, str]:
    """``data`` as the string map Kakao passes on as ``userRequest.params``."""
    return {
        str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, separators=(",", ":"))
        for k, v in data.items()
    }


class EventApi:
    """A client of Kakao's Event API for one bot and one event name."""

    __slots__ = ("_key", "base_url", "bot_id", "event_name", "talk_url", "timeout")

    def __init__(self, base_url: str, bot_id: str, rest_api_key: str, event_name: str, timeout: float = 3.0) -> None:
        self.base_url = check_base_url(base_url)
        if not bot_id or not _header_safe(bot_id) or any(ch in bot_id for ch in "/?#% "):
            raise ValueError("bot id is empty or not a plain id")
        if not rest_api_key or not _header_safe(rest_api_key) or " " in rest_api_key:
            raise ValueError("REST API key is empty or not a plain ASCII token")
        if not event_name or not event_name.strip():
            raise ValueError("event name is empty")
        if not timeout > 0:
            raise ValueError("timeout must be positive")
        self.bot_id = bot_id
        self._key = rest_api_key
        self.event_name = event_name
        self.timeout = float(timeout)
        self.talk_url = f"{self.base_url}/v2/bots/{urllib.parse.quote(bot_id, safe='!')}/talk"

    def __repr__(self) -> str:  # the key stays out of reprs, tracebacks' locals and logs
        return f"EventApi(base_url={self.base_url!r}, bot_id={self.bot_id!r}, event_name={self.event_name!r})"

    def send(self, user_keys: Sequence[str], data: Mapping[str, Any]) -> SendResult:
        """Send the event to ``user_keys`` (botUserKeys), 100 per call, one call after another.

        Empty and repeated keys are dropped (Kakao refuses a user listed twice).
        ``data`` goes out as ``event.data`` and, stringified, as ``params`` (see the
        module docstring); it must be JSON-serialisable (TypeError before anything is
        sent otherwise). HTTP failures are returned, never raised.
        """
        if isinstance(user_keys, str):
            raise TypeError("user_keys must be a sequence of keys, not one string")
        users: list[str] = []
        seen: set[str] = set()
        for key in user_keys:
            if isinstance(key, str) and key and key not in seen:
                seen.add(key)
                users.append(key)
        dropped = len(user_keys) - len(users)
        event = {"name": self.event_name, "data": dict(data)}
        params = _as_params(data)
        json.dumps(event)  # fail early, before any batch is sent, when data is not JSON-serialisable
        started = time.monotonic()
        batches: list[BatchResult] = []
        for n, start in enumerate(range(0, len(users), MAX_USERS_PER_CALL)):
            chunk = tuple(users[start : start + MAX_USERS_PER_CALL])
            batch = self._call(chunk, event, params)
            if not batch.accepted:
                log.warning(
                    "event api batch failed",
                    extra={
                        "batch": n,
                        "size": len(chunk),
                        "status": batch.status,
                        "reason": batch.reason,
                        "retryable": batch.retryable,
                        "unknown": batch.unknown,
                    },
                )
            batches.append(batch)
        result = SendResult(batches=tuple(batches), dropped=dropped)
        log.info(
            "event api send",
            extra={
                "event_name": self.event_name,
                "users": len(users),
                "dropped": dropped,
                "batches": len(batches),
                "accepted": len(result.accepted_users),
                "retryable": len(result.retry_users),
                "failed": len(result.failed_users),
                "unknown": len(result.unknown_users),
                "ms": int((time.monotonic() - started) * 1000),
            },
        )
        return result

    def call(self, user_keys: Sequence[str], data: Mapping[str, Any]) -> BatchResult:
        """One call for at most 100 distinct, non-empty keys (ValueError otherwise); never raises for Kakao's answer."""
        users = tuple(user_keys)
        if not users or len(users) > MAX_USERS_PER_CALL or len(set(users)) != len(users) or not all(users):
            raise ValueError(f"one call takes 1 to {MAX_USERS_PER_CALL} distinct keys")
        event = {"name": self.event_name, "data": dict(data)}
        json.dumps(event)
        batch = self._call(users, event, _as_params(data))
        log.info(
            "event api call",
            extra={
                "event_name": self.event_name,
                "users": len(users),
                "status": batch.status,
                "accepted": batch.accepted,
                "reason": batch.reason,
                "retryable": batch.retryable,
                "unknown": batch.unknown,
            },
        )
        return batch

    def task_result(self, task_id: str) -> dict[str, Any] | None:
        """Kakao's result of an accepted task (GET /v1/tasks/{taskId}) as JSON; None when it cannot be read."""
        import http.client
        import urllib.error
        import urllib.request

        if not task_id or not _header_safe(task_id):
            return None
        url = f"{self.base_url}/v1/tasks/{urllib.parse.quote(task_id, safe='')}"
        # The scheme is checked in __init__ (https, or http to loopback).
        req = urllib.request.Request(url, method="GET", headers=self._headers())  # noqa: S310
        try:
            with _opener(self._local).open(req, timeout=self.timeout) as resp:
                return _json_object(resp.read(MAX_ANSWER_BYTES + 1))
        except (OSError, http.client.HTTPException) as exc:
            log.warning("event task result unavailable", extra={"status": getattr(exc, "code", 0)})
            return None

    @property
    def _local(self) -> bool:
        return (urllib.parse.urlsplit(self.base_url).hostname or "").lower() in LOCAL_HOSTS

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"KakaoAK {self._key}",
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
        }

    def _call(self, users: tuple[str, ...], event: dict[str, Any], params: dict[str, str]) -> BatchResult:
        body = {"event": event, "user": [{"type": "botUserKey", "id": u} for u in users], "params": params}
        return self._post(users, json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def _post(self, users: tuple[str, ...], body: bytes) -> BatchResult:
        """One POST; every failure becomes a BatchResult."""
        import http.client
        import urllib.error
        import urllib.request

        headers = self._headers()
        # The scheme is checked in __init__ (https, or http to loopback): no file: or other schemes.
        req = urllib.request.Request(self.talk_url, data=body, method="POST", headers=headers)  # noqa: S310
        opener = _opener(self._local)
        try:
            with opener.open(req, timeout=self.timeout) as resp:
                status = int(resp.status)
                answer = _json_object(resp.read(MAX_ANSWER_BYTES + 1))
        except urllib.error.HTTPError as exc:
            status = int(exc.code)
            try:
                answer = _json_object(exc.read(MAX_ANSWER_BYTES + 1))
            except (OSError, http.client.HTTPException):
                answer = None
            finally:
                exc.close()
            retryable = status >= 500 or status == 429
            task_id = _task_id(answer)
            return BatchResult(users, status, task_id, False, retryable, HTTP_STATUS)
        except urllib.error.URLError as exc:
            # urllib wraps what fails while connecting or sending the request: Kakao never had it whole.
            reason = TIMEOUT if _timed_out(exc) else NETWORK
            return BatchResult(users, 0, "", False, True, reason)
        except (OSError, http.client.HTTPException):
            # The request went out whole; the answer did not come (in time): Kakao may have taken it.
            return BatchResult(users, 0, "", False, False, NO_ANSWER, unknown=True)
        except Exception as exc:
            log.error("event api call failed", extra=failure(exc))
            return BatchResult(users, 0, "", False, False, ERROR)
        task_id = _task_id(answer)
        if answer is None:
            return BatchResult(users, status, "", False, False, BAD_ANSWER, unknown=200 <= status < 300)
        if 200 <= status < 300 and str(answer.get("status", "")).upper() == "SUCCESS":
            return BatchResult(users, status, task_id, True, False, "")
        return BatchResult(users, status, task_id, False, False, REFUSED)


def _json_object(raw: bytes) -> dict[str, Any] | None:
    if len(raw) > MAX_ANSWER_BYTES:
        return None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _task_id(answer: Mapping[str, Any] | None) -> str:
    value = (answer or {}).get("taskId")
    return value if isinstance(value, str) else ""


def _timed_out(exc: BaseException) -> bool:
    """A timeout, raised as is (reading) or wrapped in a URLError (connecting)."""
    return isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError)


def _opener(local: bool) -> Any:
    """An opener that follows no redirect (the key never goes to another URL) and, for loopback, no proxy."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # the 3xx is then raised as the HTTPError it is

    handlers: list[urllib.request.BaseHandler] = [NoRedirect()]
    if local:
        handlers.append(urllib.request.ProxyHandler({}))  # a local stand-in is never reached through a proxy
    return urllib.request.build_opener(*handlers)
