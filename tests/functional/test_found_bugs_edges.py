"""Edges of the HTTP tier: what Kakao shows of the longest options, and the web chat's API under hostile bodies."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from scripts.webchat.server import WebChat
from scripts.wizard import bbq_messages
from tests.functional.conftest import post
from tests.functional.test_skill_api import CHOI, SUPER_ADMIN, promote_to_super

LONG_OPTIONS = "양념치킨 반반 세트 큰 사이즈 A, 양념치킨 반반 세트 큰 사이즈 B, 양념치킨 반반 세트 큰 사이즈 C"


def test_long_options_keep_quick_reply_labels_apart(client: Any, store: Any) -> None:
    post(client, "등록 김관리", SUPER_ADMIN)
    promote_to_super(store, SUPER_ADMIN[1])
    for text in bbq_messages(title="체육대회 회식 메뉴", options=LONG_OPTIONS):
        post(client, text, SUPER_ADMIN)
    post(client, "등록 최일병", CHOI)
    said = post(client, "신청 체육대회 회식 메뉴", CHOI)
    replies = said.json["template"]["quickReplies"]
    options = [q for q in replies if q["messageText"].startswith("양념치킨")]
    assert len(options) == 3
    labels = [q["label"] for q in options]
    assert all(len(label) <= 14 for label in labels)
    assert len(set(labels)) == 3, labels  # a member must tell A, B and C apart before tapping


def _post_api(body: bytes) -> tuple[str, bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/chat/api/say",
        "QUERY_STRING": "",
        "HTTP_HOST": "127.0.0.1:8000",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    seen: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = status

    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise AssertionError("the web chat's API never reaches the bot's app")

    data = b"".join(WebChat(inner)(environ, start_response))
    return seen["status"], data


@pytest.mark.parametrize("body", [b"[" * 15000, b'{"user": ' + b"[" * 15000])
def test_web_chat_api_refuses_deeply_nested_json_with_a_400(body: bytes) -> None:
    status, data = _post_api(body)
    assert status == "400 Bad Request"
    assert json.loads(data) == {"error": "the body is not JSON"}
