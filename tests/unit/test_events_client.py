"""The Event API client (chalicelib/kakao/events.py) over real HTTP against the local stand-in.

Every server listens on a port the OS picks; nothing waits on the clock except the
client's own timeout, and the results are asserted, not the time taken.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.kakao.events import (
    BAD_ANSWER,
    HTTP_STATUS,
    NETWORK,
    NO_ANSWER,
    REFUSED,
    EventApi,
)
from chalicelib.platform.logsafe import JsonLines
from scripts.eventapi import EventApiStandIn

KEY = "rest-key-5d1e0c9a77b4"
BOT = "65a1efb1e4b0a91d3c7f2a01!"  # a development bot's id ends with "!"
EVENT = "reminder"
DATA = {"survey": "s-123", "title": "BBQ 신청", "who": "홍길동", "left": 3}


@pytest.fixture
def kakao() -> Iterator[EventApiStandIn]:
    with EventApiStandIn(bot_id=BOT, rest_api_key=KEY, event_name=EVENT) as standin:
        yield standin


def client(kakao: EventApiStandIn, **overrides: Any) -> EventApi:
    args: dict[str, Any] = {"base_url": kakao.url, "bot_id": BOT, "rest_api_key": KEY, "event_name": EVENT}
    return EventApi(**{**args, **overrides})


def members(n: int, prefix: str = "member") -> list[str]:
    return [f"{prefix}-{i:04d}-c0ffee" for i in range(n)]


# --- batching ---------------------------------------------------------------------------------------


def test_250_users_go_out_in_three_calls_of_100_100_and_50(kakao: EventApiStandIn) -> None:
    users = members(250)
    result = client(kakao).send(users, DATA)

    assert result.ok and result.dropped == 0
    assert [len(b.users) for b in result.batches] == [100, 100, 50]
    assert all(b.status == 200 and b.accepted and not b.retryable and b.reason == "" for b in result.batches)
    assert result.accepted_users == tuple(users) and result.retry_users == () and result.failed_users == ()

    calls = kakao.calls()
    assert [c["users"] for c in calls] == [users[:100], users[100:200], users[200:]]
    assert {c["bot_id"] for c in calls} == {BOT} and {c["event"] for c in calls} == {EVENT}
    assert all(c["data"] == DATA for c in calls)
    # The same data as strings in params: Kakao passes these on to the skill as userRequest.params.
    assert all(c["params"] == {"survey": "s-123", "title": "BBQ 신청", "who": "홍길동", "left": "3"} for c in calls)
    assert result.task_ids == tuple(c["response"]["taskId"] for c in calls)
    assert len(set(result.task_ids)) == 3


def test_repeated_and_empty_keys_are_not_sent(kakao: EventApiStandIn) -> None:
    result = client(kakao).send(["a-1", "b-2", "a-1", "", "c-3", "b-2"], DATA)

    assert result.ok and result.dropped == 3
    assert [c["users"] for c in kakao.calls()] == [["a-1", "b-2", "c-3"]]


def test_nobody_to_send_to_makes_no_call(kakao: EventApiStandIn) -> None:
    result = client(kakao).send([], DATA)

    assert result.ok and result.batches == () and kakao.calls() == []


def test_data_that_is_not_json_raises_before_anything_is_sent(kakao: EventApiStandIn) -> None:
    with pytest.raises(TypeError):
        client(kakao).send(members(150), {"when": object()})
    with pytest.raises(TypeError):
        client(kakao).send("member-0001", DATA)  # one string is not a list of keys
    assert kakao.calls() == []


# --- failures: permanent or retryable ---------------------------------------------------------------


def test_a_wrong_key_is_a_permanent_failure(kakao: EventApiStandIn) -> None:
    result = client(kakao, rest_api_key="not-the-key").send(members(3), DATA)

    (batch,) = result.batches
    assert (batch.status, batch.accepted, batch.retryable, batch.permanent) == (401, False, False, True)
    assert batch.reason == HTTP_STATUS and batch.task_id == ""
    assert result.failed_users == tuple(members(3)) and result.retry_users == () and not result.ok


def test_an_event_name_kakao_does_not_know_is_a_permanent_failure(kakao: EventApiStandIn) -> None:
    result = client(kakao, event_name="no-such-event").send(members(3), DATA)

    assert [(b.status, b.permanent) for b in result.batches] == [(400, True)]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_5xx_and_429_are_retryable_and_only_that_batch_is_retried(kakao: EventApiStandIn, status: int) -> None:
    users = members(150)
    api = client(kakao)
    kakao.fail_next(status, times=1)

    first = api.send(users, DATA)

    assert [(b.status, b.accepted, b.retryable) for b in first.batches] == [(status, False, True), (200, True, False)]
    assert first.batches[0].reason == HTTP_STATUS and not first.batches[0].permanent
    assert first.retry_users == tuple(users[:100]) and first.accepted_users == tuple(users[100:])

    again = api.send(first.retry_users, DATA)
    assert again.ok and again.accepted_users == tuple(users[:100])


def test_no_answer_after_the_request_went_out_is_unknown_and_never_retried(kakao: EventApiStandIn) -> None:
    kakao.fail_next(delay=60)  # far longer than the client waits; the stand-in drops it when stopped

    result = client(kakao, timeout=0.3).send(members(2), DATA)

    (batch,) = result.batches
    assert (batch.status, batch.reason, batch.retryable, batch.accepted, batch.unknown) == (
        0,
        NO_ANSWER,
        False,
        False,
        True,
    )
    assert result.retry_users == () and result.unknown_users == tuple(members(2)) and not batch.permanent


def test_a_slow_answer_kakao_took_would_be_a_second_message_if_retried(kakao: EventApiStandIn) -> None:
    # Why "unknown" is not retried: the stand-in, like a slow Kakao, takes the call after the client gave up.
    kakao.fail_next(delay=0.6)
    (batch,) = client(kakao, timeout=0.2).send(members(1), DATA).batches
    assert batch.unknown
    deadline = time.monotonic() + 10
    while not kakao.reached() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [user for _, user in kakao.reached()] == members(1)


def test_a_refused_connection_is_retryable() -> None:
    with socket.socket() as held:  # bound but not listening: connecting to it is refused, and nobody can take it
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        result = EventApi(f"http://127.0.0.1:{port}", BOT, KEY, EVENT).send(members(2), DATA)

    (batch,) = result.batches
    assert (batch.status, batch.reason, batch.retryable) == (0, NETWORK, True)


class Canned:
    """A tiny server answering every POST with one canned reply, and counting what it got."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.hits: list[dict[str, str]] = []
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                canned.hits.append(dict(self.headers))
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[Canned]:
        thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join()


def test_a_redirect_is_not_followed_so_the_key_goes_nowhere_else() -> None:
    with Canned(200, b'{"taskId": "t", "status": "SUCCESS"}').running() as elsewhere:
        redirect = Canned(307, b"", {"Location": elsewhere.url + "/v2/bots/x/talk"})
        with redirect.running():
            result = EventApi(redirect.url, BOT, KEY, EVENT).send(members(1), DATA)

    (batch,) = result.batches
    assert (batch.status, batch.permanent) == (307, True)
    assert len(redirect.hits) == 1 and redirect.hits[0]["Authorization"] == f"KakaoAK {KEY}"
    assert elsewhere.hits == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b'{"taskId": "t-1", "status": "FAIL", "message": "no"}', REFUSED), (b"<html>busy</html>", BAD_ANSWER)],
)
def test_a_2xx_that_does_not_say_success_is_not_accepted(body: bytes, reason: str) -> None:
    with Canned(200, body).running() as server:
        result = EventApi(server.url, BOT, KEY, EVENT).send(members(1), DATA)

    (batch,) = result.batches
    # A refusal is final; a 2xx that is not Kakao's answer may hide a task Kakao took: unknown, not repeated.
    assert (batch.status, batch.accepted, batch.reason) == (200, False, reason)
    assert (batch.permanent, batch.unknown) == ((True, False) if reason == REFUSED else (False, True))


# --- what is logged -----------------------------------------------------------------------------------


def test_logs_carry_counts_but_never_the_key_user_keys_or_data(kakao: EventApiStandIn) -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonLines("haengjeong"))
    log = logging.getLogger("haengjeong")
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    users = members(120)
    try:
        client(kakao).send(users, DATA)  # accepted
        client(kakao, rest_api_key=KEY[::-1]).send(users, DATA)  # 401
        kakao.fail_next(500, times=1)
        client(kakao).send(users, DATA)  # 500 then accepted
        kakao.fail_next(delay=60)
        client(kakao, timeout=0.3).send(users[:1], DATA)  # timeout
    finally:
        log.removeHandler(handler)
        log.setLevel(level)

    text = out.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    sends = [line for line in lines if line["message"] == "event api send"]
    assert [(s["users"], s["accepted"], s["retryable"], s["failed"], s["unknown"]) for s in sends] == [
        (120, 120, 0, 0, 0),
        (120, 0, 0, 120, 0),
        (120, 20, 100, 0, 0),
        (1, 0, 0, 0, 1),
    ]
    failures = [line for line in lines if line["message"] == "event api batch failed"]
    assert [(f["status"], f["reason"]) for f in failures] == [(401, "http_status")] * 2 + [
        (500, "http_status"),
        (0, "no_answer"),
    ]
    assert KEY not in text and KEY[::-1] not in text
    assert not any(u in text for u in users)
    assert "홍길동" not in text and "s-123" not in text
    assert KEY not in repr(client(kakao))


# --- configuration and cost ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://bot-api.kakao.com",
        "http://10.1.2.3:8080",
        "http://127.0.0.1.example.com",
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "https://user:pw@bot-api.kakao.com",
        "https://bot-api.kakao.com?x=1",
        "bot-api.kakao.com",
        "https://",
        "https://bot-api.kakao.com:99999",
    ],
)
def test_a_base_url_that_is_not_https_or_local_http_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        EventApi(url, BOT, KEY, EVENT)


def test_https_and_local_http_base_urls_are_accepted() -> None:
    assert EventApi("https://bot-api.kakao.com/", BOT, KEY, EVENT).talk_url == (
        "https://bot-api.kakao.com/v2/bots/65a1efb1e4b0a91d3c7f2a01!/talk"
    )
    assert EventApi("http://localhost:8123", "b", KEY, EVENT).talk_url == "http://localhost:8123/v2/bots/b/talk"
    assert EventApi("http://127.0.0.1:8123", "b", KEY, EVENT).base_url == "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    "args",
    [
        ("", KEY, EVENT),
        ("a/b", KEY, EVENT),
        (BOT, "", EVENT),
        (BOT, "two words", EVENT),
        (BOT, "키", EVENT),
        (BOT, "key\r\nX-Evil: 1", EVENT),
        (BOT, KEY, " "),
    ],
)
def test_bad_bot_ids_keys_and_event_names_are_refused(args: tuple[str, str, str]) -> None:
    with pytest.raises(ValueError):
        EventApi("https://bot-api.kakao.com", *args)
    with pytest.raises(ValueError):
        EventApi("https://bot-api.kakao.com", BOT, KEY, EVENT, timeout=0)
