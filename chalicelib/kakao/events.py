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
  ``SUCCESS`` means the task was *accepted*, not that every user got the message
  (per-user results come from ``GET /v1/tasks/{taskId}``; one client writes
  ``/v2/tasks``). The same four fields are Kakao's documented answer to a callback
  POST, which supports the shape;
* how the data reaches the skill: ``event.data`` feeds the event block's own
  bubbles (``{{#current.event.data.<key>}}``); the top-level ``params`` arrive in the
  skill request as ``userRequest.params`` (a public client's documentation and a
  public test of an event-triggered skill). This client therefore sends ``data``
  both as ``event.data`` and, with every value as a string, as ``params``;
* **assumed** (no source found): the error body (taken to be the success shape with
  ``status`` ``FAIL``; nothing here depends on it), which statuses Kakao uses for
  which errors, the utterance of an event-triggered skill request, and whether
  Kakao retries. Timeouts and 5xx are treated as retryable although Kakao may have
  accepted the call before the answer was lost: a retry can then message a user
  twice (and bill twice).

A development bot's id ends with ``!``; it is sent as is in the path.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from chalicelib.domain.ports import Delivery, Notifier
from chalicelib.logsafe import failure

log = logging.getLogger("haengjeong")

KAKAO_BASE_URL = "https://bot-api.kakao.com"
MAX_USERS_PER_CALL = 100
PER_MESSAGE_KRW = 15  # VAT excluded
MAX_ANSWER_BYTES = 64 * 1024
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})

# Why a batch was not accepted (BatchResult.reason); "" when it was.
TIMEOUT = "timeout"  # no answer in time (retryable)
NETWORK = "network"  # connection refused, reset, DNS... (retryable)
HTTP_STATUS = "http_status"  # an HTTP error status (retryable for 5xx and 429)
REFUSED = "refused"  # 2xx whose body does not say SUCCESS (permanent)
BAD_ANSWER = "bad_answer"  # 2xx whose body is not a JSON object (permanent: Kakao may have taken it)
ERROR = "error"  # an unexpected failure on our side (permanent; logged by type and frames)


class BatchResult(NamedTuple):
    """One POST of at most 100 users."""

    users: tuple[str, ...]
    status: int  # HTTP status; 0 when no answer came (network error, timeout)
    task_id: str  # Kakao's taskId, "" when none was given
    accepted: bool  # Kakao took the task (HTTP 2xx, status SUCCESS)
    retryable: bool  # network error, timeout, 5xx or 429: the same batch may be sent again
    reason: str  # "" when accepted, else one of TIMEOUT, NETWORK, HTTP_STATUS, REFUSED, BAD_ANSWER, ERROR

    @property
    def permanent(self) -> bool:
        """Failed in a way a retry will not fix (4xx other than 429, a refusal)."""
        return not self.accepted and not self.retryable


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
    def task_ids(self) -> tuple[str, ...]:
        return tuple(b.task_id for b in self.batches if b.accepted and b.task_id)


def estimated_cost_krw(n_users: int, per_message_krw: int = PER_MESSAGE_KRW) -> int:
    """What messaging ``n_users`` people costs at most, in KRW, VAT excluded.

    Kakao bills each message, 15 KRW on operating and development channels alike.
    A public integration note says only messages actually delivered are billed, so
    this is an upper bound.
    """
    if n_users < 0 or per_message_krw < 0:
        raise ValueError("n_users and per_message_krw must not be negative")
    return n_users * per_message_krw


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
            body = {"event": event, "user": [{"type": "botUserKey", "id": u} for u in chunk], "params": params}
            batch = self._post(chunk, json.dumps(body, ensure_ascii=False).encode("utf-8"))
            if not batch.accepted:
                log.warning(
                    "event api batch failed",
                    extra={
                        "batch": n,
                        "size": len(chunk),
                        "status": batch.status,
                        "reason": batch.reason,
                        "retryable": batch.retryable,
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
                "ms": int((time.monotonic() - started) * 1000),
            },
        )
        return result

    def _post(self, users: tuple[str, ...], body: bytes) -> BatchResult:
        """One POST; every failure becomes a BatchResult."""
        import http.client
        import urllib.error
        import urllib.request

        headers = {
            "Authorization": f"KakaoAK {self._key}",
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
        }
        # The scheme is checked in __init__ (https, or http to loopback): no file: or other schemes.
        req = urllib.request.Request(self.talk_url, data=body, method="POST", headers=headers)  # noqa: S310
        local = (urllib.parse.urlsplit(self.base_url).hostname or "").lower() in LOCAL_HOSTS
        opener = _opener(local)
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
        except (OSError, http.client.HTTPException) as exc:
            reason = TIMEOUT if _timed_out(exc) else NETWORK
            return BatchResult(users, 0, "", False, True, reason)
        except Exception as exc:
            log.error("event api call failed", extra=failure(exc))
            return BatchResult(users, 0, "", False, False, ERROR)
        task_id = _task_id(answer)
        if answer is None:
            return BatchResult(users, status, "", False, False, BAD_ANSWER)
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


# --- the domain's Notifier ------------------------------------------------------------------------


class EventNotifier(Notifier):
    """:class:`EventApi` as the conversation's Notifier; the REST API key is fetched on the first send."""

    def __init__(
        self, base_url: str, bot_id: str, event_name: str, api_key: Callable[[], str], timeout: float = 3.0
    ) -> None:
        self.base_url, self.bot_id, self.event_name, self.timeout = base_url, bot_id, event_name, timeout
        self._api_key = api_key
        self._api: EventApi | None = None

    def send(self, user_keys: Sequence[str], data: Mapping[str, Any]) -> Delivery:
        if self._api is None:
            self._api = EventApi(self.base_url, self.bot_id, self._api_key(), self.event_name, self.timeout)
        result = self._api.send(user_keys, data)
        return Delivery(
            accepted=list(result.accepted_users), retry=list(result.retry_users), failed=list(result.failed_users)
        )
