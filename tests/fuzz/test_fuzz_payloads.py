"""Random, malformed and hostile request bodies through POST /skill: never a 5xx.

A malformed request is a 400 with a short JSON error; every 200 is a valid Kakao reply
with quick replies (or a callback acknowledgement).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.kakao.response import validate
from tests.events import NAMES, event
from tests.functional.conftest import SECRET, skill

FUZZ = settings(
    deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
SEEN = {"requests": 0, "5xx": 0, "400": 0, "200": 0}

HOSTILE = [
    "",
    " ",
    "\x00",
    "\x00\x01\x02\x1b[31m",
    "\u202e등록 관리자",
    "\ufeff메뉴",
    "\ud800",
    "a\udfffb",
    "🙂" * 500,
    "👨‍👩‍👧‍👦" * 50,
    "가" * 5000,
    '=HYPERLINK("http://evil")',
    "'; DROP TABLE users; --",
    "{{#webhook.text}}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\r\n\r\nHTTP/1.1 200 OK",
    "%s%s%s%n",
    "ᄀ\u0000ᅡ",
    "\u0301" * 100,
    "등록 " + "가" * 1000,
    "신청 " + "#" * 300,
    "수정 99999999999999999999",
    "1e309",
    "-0",
    "NaN",
    "ㅤ",
]

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(HOSTILE)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON document (keys and list indexes)."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*prefix, i))
    return out


def mutate(body: dict, path: tuple, new: Any, delete: bool) -> None:
    parent: Any = body
    for p in path[:-1]:
        parent = parent[p]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new


def check(resp: Any) -> dict:
    SEEN["requests"] += 1
    assert resp.status_code < 500, (resp.status_code, resp.body[:300])
    assert resp.status_code in (200, 400), (resp.status_code, resp.body[:300])
    assert (resp.headers.get("Content-Type") or "").startswith("application/json")
    body = json.loads(resp.body.decode("utf-8"))
    SEEN[str(resp.status_code)] += 1
    if resp.status_code == 400:
        assert body["error"] == "bad request" and isinstance(body["detail"], str)
        assert len(resp.body) < 120, resp.body
        return body
    assert validate(body) == [], body
    if not body.get("useCallback"):
        assert body["template"]["quickReplies"], body
    return body


@st.composite
def mutated_events(draw: st.DrawFn) -> bytes:
    body = event(draw(st.sampled_from(NAMES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        ps = paths(body)
        if not ps:
            break
        path = draw(st.sampled_from(ps))
        mutate(body, path, draw(json_value), draw(st.booleans()))
    # surrogatepass: a lone surrogate sent raw is invalid UTF-8, one more kind of broken body
    return json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@settings(FUZZ, max_examples=400)
@given(mutated_events())
def test_mutated_kakao_requests_never_fail(client: Any, body: bytes) -> None:
    check(skill(client, body))


@settings(FUZZ, max_examples=300)
@given(
    shape=st.sampled_from(NAMES),
    utterance=st.text(max_size=300) | st.sampled_from(HOSTILE),
    user_id=st.text(min_size=1, max_size=140)
    | st.integers()
    | st.sampled_from(["x" * 128, "x" * 129, " a", "a\u200b"]),
)
def test_any_utterance_from_any_user_id(client: Any, shape: str, utterance: str, user_id: Any) -> None:
    check(skill(client, json.dumps(event(shape, utterance=utterance, user_id=user_id)).encode("utf-8")))


@settings(FUZZ, max_examples=300)
@given(st.binary(max_size=3000) | json_value.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bytes_and_json(client: Any, body: bytes) -> None:
    resp = skill(client, body)
    check(resp)
    assert resp.status_code == 400 or b"template" in resp.body


@FUZZ
@given(
    size=st.sampled_from([60_000, 65_536, 65_537, 100_000, 200_000]),
    kind=st.sampled_from(["utterance", "padding", "nesting", "emoji"]),
)
def test_huge_bodies(client: Any, size: int, kind: str) -> None:
    body = event("channel_text")
    if kind == "utterance":
        body["userRequest"]["utterance"] = "가" * (size // 3)
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    elif kind == "padding":
        body["contexts"] = ["x" * 1000] * (size // 1000)
        raw = json.dumps(body).encode("utf-8")
    elif kind == "nesting":
        raw = b"[" * size
    else:
        body["userRequest"]["utterance"] = "🙂" * (size // 4)
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    check(skill(client, raw))
    if len(raw) > 64 * 1024:
        assert skill(client, raw).status_code == 400


@settings(FUZZ, max_examples=50)
@given(secret=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40))
def test_a_wrong_secret_is_always_401_and_stores_nothing(client: Any, store: Any, secret: str) -> None:
    body = json.dumps(event("channel_text", utterance="등록 침입자", user_id="intruder-1")).encode()
    resp = skill(client, body, secret=secret if secret != SECRET else SECRET + "x")
    assert resp.status_code == 401 and json.loads(resp.body) == {"error": "unauthorized"}
    assert store.get_user("intruder-1") is None


def test_report(capsys: Any) -> None:
    """Prints what the payload properties sent (run with -s to see it)."""
    with capsys.disabled():
        print(f"\npayload fuzz: {SEEN}")
    assert SEEN["5xx"] == 0
