"""The terminal simulator's pure parts: rendering replies and building payloads (scripts/chat*.py)."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from scripts import chat, chat_render

MENU_REPLY: dict[str, Any] = {
    "version": "2.0",
    "template": {
        "outputs": [
            {"simpleText": {"text": "안녕하세요, 홍길동님.\n무엇을 할까요?"}},
            {
                "textCard": {
                    "title": "설문 결과",
                    "description": "응답 12건",
                    "buttons": [
                        {"label": "엑셀 받기", "action": "webLink", "webLinkUrl": "https://example.com/a.xlsx"},
                        {"label": "마감", "action": "message", "messageText": "설문 마감 3"},
                    ],
                }
            },
        ],
        "quickReplies": [
            {"label": "설문 보기", "action": "message", "messageText": "설문 목록"},
            {"label": "도움말", "action": "message", "messageText": "도움말"},
        ],
    },
}


def test_text_card_buttons_and_quick_replies() -> None:
    out = chat_render.render(MENU_REPLY)
    assert out.splitlines()[:2] == ["안녕하세요, 홍길동님.", "무엇을 할까요?"]
    assert "■ 설문 결과" in out
    assert "응답 12건" in out
    assert "[1] 엑셀 받기  (링크 https://example.com/a.xlsx)" in out
    assert "[2] 마감  (보냄: 설문 마감 3)" in out
    assert out.splitlines()[-1] == "1) 설문 보기  2) 도움말"

    buttons, quick = chat_render.taps(MENU_REPLY)
    assert [b.link for b in buttons] == ["https://example.com/a.xlsx", ""]
    assert [q.message for q in quick] == ["설문 목록", "도움말"]


def test_odd_replies_are_shown_not_crashed_on() -> None:
    assert "version" in chat_render.render({"template": {"outputs": [{"simpleText": {"text": "hi"}}]}})
    assert "출력 없음" in chat_render.render({"version": "2.0", "template": {"outputs": []}})
    assert "알 수 없는 출력" in chat_render.render({"version": "2.0", "template": {"outputs": [{"video": {}}]}})
    assert "콜백" in chat_render.render({"version": "2.0", "useCallback": True, "data": {"text": "잠시만요"}})
    assert "JSON 객체가 아닌" in chat_render.render([1, 2])


def test_payload_is_real_channel_shaped_with_a_stable_key() -> None:
    p = chat.build_payload("김철수", "메뉴")
    key = p["userRequest"]["user"]["id"]
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == chat.user_key("김철수") != chat.user_key("홍길동")
    assert p["userRequest"]["user"]["type"] == "botUserKey"
    assert p["userRequest"]["user"]["properties"]["botUserKey"] == key
    assert p["userRequest"]["utterance"] == "메뉴"
    assert p["userRequest"]["params"] == {"surface": "Kakaotalk.plusfriend"}
    assert p["flow"]["trigger"]["type"] == "TEXT_INPUT"
    json.dumps(p)  # serialisable


def test_numbers_tap_quick_replies_and_open_shows_links(monkeypatch: Any) -> None:
    sent: list[tuple[str, str, dict[str, Any]]] = []

    def fake_send(target: chat.Target, payload: dict[str, Any], timeout: float = 10.0) -> chat.Result:
        sent.append(
            (payload["userRequest"]["utterance"], payload["flow"]["trigger"]["type"], payload["action"]["clientExtra"])
        )
        body = json.dumps(MENU_REPLY).encode()
        return chat.Result(200, body, 1.0, reply=MENU_REPLY)

    monkeypatch.setattr(chat, "send", fake_send)
    out = io.StringIO()
    s = chat.Session(chat.Target("http://127.0.0.1:1/skill", "x"), "홍길동", out=out)
    assert s.handle("메뉴")
    assert s.handle("2")  # quick reply 2
    assert s.handle("/open 1")  # webLink: printed, not sent
    assert s.handle("/open 2")  # message button: sent
    assert s.handle("/send 2")  # literal number
    assert s.handle("/user 김철수")
    assert s.handle("7")  # 김철수 has no reply yet: no quick replies, so the number is text
    assert not s.handle("/quit")
    assert sent == [
        ("메뉴", "TEXT_INPUT", {}),
        ("도움말", "QUICKREPLY_BUTTON_MESSAGE", {}),
        ("설문 마감 3", "CARD_BUTTON_MESSAGE", {}),
        ("2", "TEXT_INPUT", {}),
        ("7", "TEXT_INPUT", {}),
    ]
    assert "https://example.com/a.xlsx" in out.getvalue()
