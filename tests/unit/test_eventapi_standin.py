"""The local Event API stand-in (scripts/eventapi.py): validation, recording, delivery to a skill, /_fail.

Raw HTTP against servers on ports the OS picks; background deliveries are awaited by
polling with a generous deadline, never by sleeping a fixed time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

from chalicelib.kakao.request import parse_request
from scripts.eventapi import EventApiStandIn
from scripts.local import ROOT

KEY = "standin-key-0b7e"
BOT = "bot-1234!"
EVENT = "reminder"
SECRET = "skill-secret-for-tests"
AUTH = {"Authorization": f"KakaoAK {KEY}"}
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
T = TypeVar("T")


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 10.0
) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with DIRECT.open(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.loads(e.read())


def poll(get: Callable[[], T], done: Callable[[T], bool], deadline: float = 10.0) -> T:
    end = time.monotonic() + deadline
    while True:
        value = get()
        if done(value):
            return value
        if time.monotonic() > end:
            raise AssertionError(f"not done after {deadline} s: {value!r}")
        time.sleep(0.01)


def talk_body(*users: str, event: str = EVENT, **extra: Any) -> dict[str, Any]:
    return {
        "event": {"name": event, "data": {"title": "BBQ"}},
        "user": [{"type": "botUserKey", "id": u} for u in users],
        **extra,
    }


@pytest.fixture
def kakao(tmp_path: Path) -> Iterator[EventApiStandIn]:
    with EventApiStandIn(bot_id=BOT, rest_api_key=KEY, event_name=EVENT, record=tmp_path / "eventapi.jsonl") as s:
        yield s


class FakeSkill:
    """A skill server: checks the secret, records each request, answers a reminder with quick replies.

    Requests wait for ``release`` (set from the start unless ``hold``), so a test can
    see that the Event API answered while the deliveries were still pending.
    """

    def __init__(self, hold: bool = False) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.release = threading.Event()
        if not hold:
            self.release.set()
        skill = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                skill.requests.append((dict(self.headers), body))
                skill.release.wait(10)
                if self.headers.get("X-Skill-Secret") != SECRET:
                    reply: dict[str, Any]
                    status, reply = 401, {"error": "unauthorized"}
                else:
                    title = body["userRequest"]["params"].get("title", "?")
                    status, reply = (
                        200,
                        {
                            "version": "2.0",
                            "template": {
                                "outputs": [{"simpleText": {"text": f"'{title}' 신청이 아직이에요."}}],
                                "quickReplies": [
                                    {"label": "신청하기", "action": "message", "messageText": f"신청 {title}"}
                                ],
                            },
                        },
                    )
                data = json.dumps(reply, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/skill"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def skill() -> Iterator[FakeSkill]:
    fake = FakeSkill()
    yield fake
    fake.close()


# --- the Event API's answers ------------------------------------------------------------------------


def test_a_valid_call_is_accepted_with_a_task_id(kakao: EventApiStandIn) -> None:
    status, answer = http("POST", kakao.talk_url, talk_body("u-1", "u-2"), AUTH)

    assert status == 200
    assert answer["status"] == "SUCCESS" and len(answer["taskId"]) == 36 and isinstance(answer["timestamp"], int)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "KakaoAK wrong-key"}, {"Authorization": f"Bearer {KEY}"}, {"Authorization": KEY}],
)
def test_a_missing_or_wrong_key_is_401(kakao: EventApiStandIn, headers: dict[str, str]) -> None:
    status, answer = http("POST", kakao.talk_url, talk_body("u-1"), headers)

    assert status == 401 and answer["status"] == "FAIL" and answer["taskId"] is None


def users(n: int) -> list[dict[str, str]]:
    return [{"type": "botUserKey", "id": f"u-{i}"} for i in range(n)]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", "JSON object"),
        ([1, 2], "JSON object"),
        ({"user": users(1)}, "event.name"),
        ({"event": {"name": ""}, "user": users(1)}, "event.name"),
        ({"event": {"name": "other"}, "user": users(1)}, "event name"),
        ({"event": {"name": EVENT, "data": "x"}, "user": users(1)}, "event.data"),
        ({"event": {"name": EVENT}, "user": []}, "user is required"),
        ({"event": {"name": EVENT}}, "user is required"),
        ({"event": {"name": EVENT}, "user": users(101)}, "at most 100"),
        ({"event": {"name": EVENT}, "user": [{"type": "accountId", "id": "1"}]}, "user.type"),
        ({"event": {"name": EVENT}, "user": [{"type": "appUserId", "id": "1"}]}, "botUserKey"),
        ({"event": {"name": EVENT}, "user": [{"type": "botUserKey", "id": "x" * 71}]}, "user.id"),
        ({"event": {"name": EVENT}, "user": [{"type": "botUserKey", "id": ""}]}, "user.id"),
        ({"event": {"name": EVENT}, "user": users(2) + users(1)}, "Duplicate"),
        ({"event": {"name": EVENT}, "user": users(1), "params": {"n": 3}}, "params"),
    ],
)
def test_bad_bodies_are_refused_with_400(kakao: EventApiStandIn, body: Any, words: str) -> None:
    status, answer = http("POST", kakao.talk_url, body, AUTH)

    assert status == 400 and answer["status"] == "FAIL" and words in answer["message"]
    assert kakao.calls()[-1]["status"] == 400


def test_exactly_100_users_is_accepted(kakao: EventApiStandIn) -> None:
    status, _ = http("POST", kakao.talk_url, {"event": {"name": EVENT}, "user": users(100)}, AUTH)

    assert status == 200


def test_another_bot_id_or_path_is_refused(kakao: EventApiStandIn) -> None:
    assert http("POST", f"{kakao.url}/v2/bots/other!/talk", talk_body("u-1"), AUTH)[0] == 400
    assert http("POST", f"{kakao.url}/v2/bots/{BOT}/talks", talk_body("u-1"), AUTH)[0] == 404
    assert http("GET", f"{kakao.url}/nothing")[0] == 404


# --- recording ------------------------------------------------------------------------------------------


def test_every_call_is_recorded_in_memory_over_http_and_in_the_file(kakao: EventApiStandIn) -> None:
    http("POST", kakao.talk_url, talk_body("u-1", "u-2", params={"survey": "s-9"}), AUTH)
    http("POST", kakao.talk_url, talk_body("u-3"), {"Authorization": "KakaoAK nope"})

    calls = kakao.calls()
    assert [(c["bot_id"], c["event"], c["users"], c["status"]) for c in calls] == [
        (BOT, EVENT, ["u-1", "u-2"], 200),
        (BOT, EVENT, ["u-3"], 401),
    ]
    assert calls[0]["data"] == {"title": "BBQ"} and calls[0]["params"] == {"survey": "s-9"}
    assert calls[0]["response"]["status"] == "SUCCESS" and calls[1]["response"]["status"] == "FAIL"
    assert all(isinstance(c["time"], float) for c in calls)
    assert http("GET", f"{kakao.url}/calls") == (200, calls)

    assert kakao.record is not None
    text = kakao.record.read_text(encoding="utf-8")
    assert [json.loads(line) for line in text.splitlines()] == calls
    assert KEY not in text and "nope" not in text
    assert kakao.record.stat().st_mode & 0o077 == 0


def test_reset_forgets_calls_and_pending_failures(kakao: EventApiStandIn) -> None:
    http("POST", kakao.talk_url, talk_body("u-1"), AUTH)
    kakao.fail_next(500, times=3)

    assert http("POST", f"{kakao.url}/_reset") == (200, {"ok": True})
    assert kakao.calls() == [] and http("POST", kakao.talk_url, talk_body("u-1"), AUTH)[0] == 200


# --- delivery to the skill ---------------------------------------------------------------------------


def test_each_user_gets_a_skill_request_and_the_reply_is_recorded(tmp_path: Path) -> None:
    skill = FakeSkill(hold=True)
    standin = EventApiStandIn(bot_id=BOT, rest_api_key=KEY, event_name=EVENT, skill_url=skill.url, skill_secret=SECRET)
    try:
        with standin as kakao:
            body = talk_body("u-1", "u-2", "u-3", params={"survey": "s-9", "title": "BBQ"})
            body["user"][1]["properties"] = {"nickname": "둘"}
            status, answer = http("POST", kakao.talk_url, body, AUTH)
            # The API answered while the skill was still holding the first delivery.
            assert status == 200 and kakao.deliveries() == []
            skill.release.set()

            deliveries = poll(lambda: http("GET", f"{kakao.url}/deliveries")[1], lambda d: len(d) >= 3)
    finally:
        skill.close()

    assert [d["user"] for d in deliveries] == ["u-1", "u-2", "u-3"]
    assert {d["task_id"] for d in deliveries} == {answer["taskId"]} and {d["event"] for d in deliveries} == {EVENT}
    assert all(d["status"] == 200 and d["error"] == "" for d in deliveries)
    reply = deliveries[0]["reply"]["template"]
    assert reply["outputs"][0]["simpleText"]["text"] == "'BBQ' 신청이 아직이에요."
    assert reply["quickReplies"][0]["messageText"] == "신청 BBQ"

    assert len(skill.requests) == 3
    assert {h["X-Skill-Secret"] for h, _ in skill.requests} == {SECRET}
    assert len({h["X-Request-Id"] for h, _ in skill.requests}) == 3
    for (_, request), user in zip(skill.requests, ["u-1", "u-2", "u-3"], strict=True):
        ureq = request["userRequest"]
        assert ureq["user"]["id"] == user and ureq["user"]["type"] == "botUserKey"
        assert ureq["params"] == {"surface": "Kakaotalk.plusfriend", "survey": "s-9", "title": "BBQ"}
        assert ureq["utterance"] == "" and request["bot"]["id"] == BOT
    assert skill.requests[1][1]["userRequest"]["user"]["properties"]["nickname"] == "둘"


def test_the_delivered_request_is_one_our_skill_parses(kakao: EventApiStandIn) -> None:
    payload = kakao.skill_payload(talk_body("u-7", params={"survey": "s-1"}), {"type": "botUserKey", "id": "u-7"})

    parsed = parse_request(json.dumps(payload))

    assert (parsed.user_key, parsed.utterance, parsed.surface) == ("u-7", "", "Kakaotalk.plusfriend")


def test_a_failing_skill_is_recorded_not_retried(skill: FakeSkill) -> None:
    with EventApiStandIn(bot_id=BOT, rest_api_key=KEY, skill_url=skill.url, skill_secret="wrong") as kakao:
        http("POST", kakao.talk_url, talk_body("u-1"), AUTH)
        (delivery,) = kakao.wait_deliveries(1)

    assert (delivery["status"], delivery["error"], delivery["reply"]) == (401, "HTTP 401", {"error": "unauthorized"})
    assert len(skill.requests) == 1


# --- /_fail ---------------------------------------------------------------------------------------------


def test_fail_makes_the_next_calls_answer_the_status_and_deliver_nothing(skill: FakeSkill) -> None:
    with EventApiStandIn(bot_id=BOT, rest_api_key=KEY, skill_url=skill.url, skill_secret=SECRET) as kakao:
        assert http("POST", f"{kakao.url}/_fail", {"status": 500, "times": 2}) == (
            200,
            {"status": 500, "delay": 0, "times": 2},
        )
        answers = [http("POST", kakao.talk_url, talk_body("u-1"), AUTH) for _ in range(3)]
        kakao.wait_deliveries(1)

    assert [status for status, _ in answers] == [500, 500, 200]
    assert [a["status"] for _, a in answers] == ["FAIL", "FAIL", "SUCCESS"]
    assert [c["status"] for c in kakao.calls()] == [500, 500, 200]
    assert len(skill.requests) == 1  # only the accepted call was delivered


def test_fail_with_a_delay_makes_the_next_call_slow(kakao: EventApiStandIn) -> None:
    assert http("POST", f"{kakao.url}/_fail", {"delay": 60})[0] == 200

    with pytest.raises((TimeoutError, urllib.error.URLError)):
        http("POST", kakao.talk_url, talk_body("u-1"), AUTH, timeout=0.3)
    assert http("POST", kakao.talk_url, talk_body("u-2"), AUTH)[0] == 200  # only the next call was slow


def test_fail_clears_and_refuses_nonsense(kakao: EventApiStandIn) -> None:
    http("POST", f"{kakao.url}/_fail", {"status": 503, "times": 5})
    assert http("POST", f"{kakao.url}/_fail", {}) == (200, {"status": None, "delay": 0, "times": 0})
    assert http("POST", kakao.talk_url, talk_body("u-1"), AUTH)[0] == 200

    for bad in [b"nope", [500], {"status": 42}, {"status": "500"}, {"delay": -1}, {"times": -2}, {"times": True}]:
        assert http("POST", f"{kakao.url}/_fail", bad)[0] == 400, bad


# --- running it -------------------------------------------------------------------------------------------


def test_command_line_prints_its_url_first_and_serves(tmp_path: Path) -> None:
    record = tmp_path / "calls.jsonl"
    argv = [
        sys.executable,
        "-m",
        "scripts.eventapi",
        "--port",
        "0",
        "--bot-id",
        BOT,
        "--key",
        KEY,
        "--event",
        EVENT,
        "--record",
        str(record),
    ]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert http("GET", f"{url}/health") == (200, {"ok": True})
        assert http("POST", f"{url}/v2/bots/{BOT}/talk", talk_body("u-1"), AUTH)[0] == 200
        assert json.loads(record.read_text())["users"] == ["u-1"]
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_a_port_in_use_is_reported(kakao: EventApiStandIn) -> None:
    with pytest.raises(OSError):
        EventApiStandIn(port=kakao.port).start()
