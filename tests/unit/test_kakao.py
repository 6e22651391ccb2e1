"""Kakao JSON in and out: parse_request on every shape Kakao sends, render() within the limits, validate()."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.reply import Button, Card, Quick, Reply
from chalicelib.kakao.request import MAX_BODY_BYTES, MAX_USER_ID, BadRequest, clean_text, parse_request
from chalicelib.kakao.response import MAX_BYTES, render, split_text, validate
from tests.events import NAMES, event, raw

CHANNEL_KEY = "3f9c1e7a2b8d4c6e0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f8091"


def size_of(body: dict) -> int:
    return len(json.dumps(body, ensure_ascii=False).encode("utf-8"))


def texts(body: dict) -> list[str]:
    return [o["simpleText"]["text"] for o in body["template"]["outputs"] if "simpleText" in o]


# --- parse_request: the shapes Kakao sends --------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("form", ["dict", "str", "bytes"])
def test_every_fixture_parses_in_every_form(name: str, form: str) -> None:
    body = event(name)
    given = {
        "dict": body,
        "str": json.dumps(body, ensure_ascii=False),
        "bytes": json.dumps(body, ensure_ascii=False).encode("utf-8"),
    }[form]
    req = parse_request(given)
    assert req.user_key == str(body["userRequest"]["user"]["id"])
    assert req.utterance == body["userRequest"]["utterance"]


def test_stored_fixture_bytes_parse() -> None:
    for name in NAMES:
        assert parse_request(raw(name).encode("utf-8")).user_key


def test_channel_text_shape() -> None:
    req = parse_request(event("channel_text", utterance="신청 목록"))
    assert req.user_key == CHANNEL_KEY
    assert len(req.user_key) == 66
    assert req.utterance == "신청 목록"
    assert req.surface == "Kakaotalk.plusfriend"
    assert req.callback_url == ""
    assert req.client_extra == {}


def test_quick_reply_keeps_client_extra() -> None:
    req = parse_request(event("channel_quickreply"))
    assert req.client_extra == {"source": "main_menu"}
    assert req.utterance == "신청 목록"


def test_callback_url_kept_when_https() -> None:
    req = parse_request(event("channel_callback"))
    assert req.callback_url.startswith("https://bot-api.kakao.com/v1/bots/")
    assert req.callback_url.endswith("cbtoken:5e2d9c4f8a1b4c07b3e6f0a9d2c18e77")


@pytest.mark.parametrize(
    "url",
    [
        "http://bot-api.kakao.com/v1/bots/x!/callback/t",
        "ftp://bot-api.kakao.com/x",
        "javascript:alert(1)",
        "//bot-api.kakao.com/x",
        12345,
        ["https://bot-api.kakao.com/x"],
        None,
    ],
)
def test_callback_url_dropped_unless_https_string(url: object) -> None:
    body = event("channel_callback")
    body["userRequest"]["callbackUrl"] = url
    assert parse_request(body).callback_url == ""


def test_bot_test_shape() -> None:
    body = event("bot_test", utterance="메뉴")
    assert body["userRequest"]["lang"] == "kr"
    assert set(body["userRequest"]["user"]["properties"]) == {"botUserKey", "bot_user_key"}
    req = parse_request(body)
    assert req.surface == "BuilderBotTest"
    assert req.user_key == body["userRequest"]["user"]["id"]
    assert req.utterance == "메뉴"


def test_skill_test_console_shape() -> None:
    body = event("skill_test")
    assert body["userRequest"]["lang"] is None
    assert body["userRequest"]["user"] == {"id": "702912", "type": "accountId", "properties": {}}
    req = parse_request(body)
    assert req.user_key == "702912"
    assert req.utterance == "발화 내용"
    assert req.surface == ""
    assert req.client_extra == {}  # clientExtra: null


def test_numeric_user_id_is_accepted_as_string() -> None:
    req = parse_request(event("skill_test", user_id=702912))
    assert req.user_key == "702912"
    assert isinstance(req.user_key, str)
    # the same person typed from the console as text or number is one key
    assert parse_request(event("skill_test", user_id="702912")).user_key == req.user_key


def test_legacy_2018_shape() -> None:
    body = event("legacy_2018")
    assert body["skillOption"]["timeout"] == 5000
    req = parse_request(body)
    assert req.user_key == body["userRequest"]["user"]["id"]
    assert req.utterance == "메뉴"
    assert req.surface == ""  # 2018 payloads carry no params at all


def test_event_helper_replaces_user_everywhere() -> None:
    body = event("bot_test", utterance="등록 홍길동", user_id="ab" * 33)
    user = body["userRequest"]["user"]
    assert user["id"] == "ab" * 33
    assert user["properties"] == {"botUserKey": "ab" * 33, "bot_user_key": "ab" * 33}
    assert body["userRequest"]["utterance"] == "등록 홍길동"
    assert event("bot_test")["userRequest"]["user"]["id"] != "ab" * 33  # the file is not changed


def test_missing_or_null_utterance_is_empty() -> None:
    body = event("channel_text")
    del body["userRequest"]["utterance"]
    assert parse_request(body).utterance == ""
    assert parse_request(event("channel_text", utterance=None)).utterance == ""


def test_odd_optional_fields_are_ignored() -> None:
    body = event("channel_text")
    body["userRequest"]["params"] = "surface"
    body["action"] = None
    req = parse_request(body)
    assert req.surface == "" and req.client_extra == {}
    body = event("channel_quickreply")
    body["action"]["clientExtra"] = ["not", "a", "map"]
    body["userRequest"]["params"] = {"surface": 3}
    req = parse_request(body)
    assert req.client_extra == {} and req.surface == ""


# --- parse_request: what is refused ----------------------------------------------------------


def _without(path: list[str]) -> dict:
    body = event("channel_text")
    node = body
    for k in path[:-1]:
        node = node[k]
    del node[path[-1]]
    return body


def _with(path: list[str], value: object) -> dict:
    body = event("channel_text")
    node = body
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return body


BAD = {
    "empty bytes": b"",
    "not json": b"userRequest=1",
    "truncated json": raw("channel_text")[:200].encode(),
    "json array": b"[]",
    "json string": b'"hello"',
    "json number": b"42",
    "json null": b"null",
    "none": None,
    "list object": [event("channel_text")],
    "no userRequest": _without(["userRequest"]),
    "userRequest not object": _with(["userRequest"], "x"),
    "no user": _without(["userRequest", "user"]),
    "user null": _with(["userRequest", "user"], None),
    "no user id": _without(["userRequest", "user", "id"]),
    "user id null": _with(["userRequest", "user", "id"], None),
    "user id empty": _with(["userRequest", "user", "id"], ""),
    "user id blank": _with(["userRequest", "user", "id"], "   "),
    "user id bool": _with(["userRequest", "user", "id"], True),
    "user id float": _with(["userRequest", "user", "id"], 7.5),
    "user id object": _with(["userRequest", "user", "id"], {"id": "x"}),
    "user id too long": _with(["userRequest", "user", "id"], "a" * (MAX_USER_ID + 1)),
    "user id with space": _with(["userRequest", "user", "id"], "abc def"),
    "user id padded": _with(["userRequest", "user", "id"], " " + CHANNEL_KEY),
    "user id with newline": _with(["userRequest", "user", "id"], CHANNEL_KEY + "\n"),
    "user id with NUL": _with(["userRequest", "user", "id"], "abc\x00def"),
    "user id with tab": _with(["userRequest", "user", "id"], "abc\tdef"),
    "user id with zero-width": _with(["userRequest", "user", "id"], "abc\u200bdef"),
    "user id with ideographic space": _with(["userRequest", "user", "id"], "abc\u3000def"),
    "utterance number": _with(["userRequest", "utterance"], 3),
    "utterance list": _with(["userRequest", "utterance"], ["메뉴"]),
    "utterance object": _with(["userRequest", "utterance"], {"text": "메뉴"}),
    "utterance bool": _with(["userRequest", "utterance"], False),
}


@pytest.mark.parametrize("body", list(BAD.values()), ids=list(BAD))
def test_malformed_requests_raise_bad_request(body: object) -> None:
    with pytest.raises(BadRequest):
        parse_request(body)


def test_bad_request_is_a_value_error_with_a_reason() -> None:
    with pytest.raises(ValueError, match="user"):
        parse_request(_without(["userRequest", "user"]))


def test_longest_allowed_user_id_passes() -> None:
    assert parse_request(event("channel_text", user_id="a" * MAX_USER_ID)).user_key == "a" * MAX_USER_ID


def test_body_over_64_kb_is_refused_as_bytes_and_as_str() -> None:
    body = event("channel_text", utterance="가" * 30000)  # 90 KB of UTF-8
    text = json.dumps(body, ensure_ascii=False)
    assert len(text.encode()) > MAX_BODY_BYTES
    with pytest.raises(BadRequest, match="large"):
        parse_request(text.encode("utf-8"))
    with pytest.raises(BadRequest, match="large"):
        parse_request(text)


def test_body_just_under_the_cap_is_accepted() -> None:
    body = event("channel_text")
    base = len(json.dumps(body).encode())
    body["userRequest"]["utterance"] = "a" * (MAX_BODY_BYTES - base - 10)
    data = json.dumps(body).encode()
    assert len(data) <= MAX_BODY_BYTES
    assert len(parse_request(data).utterance) == 1000  # capped, but accepted


def test_byte_length_not_char_length_decides_the_cap() -> None:
    body = event("channel_text", utterance="가" * 22000)  # 22k chars, 66 KB
    text = json.dumps(body, ensure_ascii=False)
    assert len(text) < MAX_BODY_BYTES < len(text.encode())
    with pytest.raises(BadRequest):
        parse_request(text)


@pytest.mark.parametrize(
    "data",
    [
        b'{"userRequest": {"utterance": "\xff\xfe", "user": {"id": "abc"}}}',
        "메뉴".encode()[:-1],
        json.dumps(event("channel_text"), ensure_ascii=False).encode("utf-16"),
        json.dumps(event("channel_text", utterance="메뉴"), ensure_ascii=False).encode("euc-kr"),
    ],
)
def test_invalid_utf8_is_refused(data: bytes) -> None:
    with pytest.raises(BadRequest):
        parse_request(data)


@settings(max_examples=300)
@given(st.text(min_size=1, max_size=80) | st.text(alphabet=st.characters(max_codepoint=0x7F), min_size=1, max_size=80))
def test_a_user_id_is_refused_exactly_when_it_holds_a_control_or_a_space(user_id: str) -> None:
    body = event("channel_text")
    body["userRequest"]["user"]["id"] = user_id
    bad = not user_id.strip() or any(unicodedata.category(ch)[0] in "CZ" for ch in user_id)
    if bad:
        with pytest.raises(BadRequest):
            parse_request(json.dumps(body))
    else:
        assert parse_request(json.dumps(body)).user_key == user_id


def test_bytearray_is_read_like_bytes() -> None:
    assert parse_request(bytearray(raw("bot_test").encode())).utterance == "도움말"


# --- utterance cleaning ------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, expected",
    [
        ("  메뉴  ", "메뉴"),
        ("신청\n목록", "신청 목록"),
        ("신청\t\t목록", "신청 목록"),
        ("신청\r\n목록", "신청 목록"),
        ("신청   목록", "신청 목록"),
        ("신청\u3000목록", "신청 목록"),  # ideographic space
        ("신청\u00a0목록", "신청 목록"),  # no-break space
        ("메\x00뉴", "메뉴"),
        ("메\x07뉴\x1b", "메뉴"),
        ("\u200b메뉴\u200b", "메뉴"),  # zero-width space (format char)
        ("\ufeff메뉴", "메뉴"),  # BOM
        ("\u202e메뉴", "메뉴"),  # bidi override
        ("메\x7f뉴", "메뉴"),
        ("메\x85뉴", "메뉴"),  # NEL is a control char, not kept
        ("", ""),
        ("\n\t ", ""),
    ],
)
def test_clean_text(given: str, expected: str) -> None:
    assert clean_text(given) == expected


def test_decomposed_hangul_is_composed() -> None:
    nfd = unicodedata.normalize("NFD", "신청 목록")
    assert nfd != "신청 목록"
    assert clean_text(nfd) == "신청 목록"
    assert parse_request(event("channel_text", utterance=nfd)).utterance == "신청 목록"


def test_result_is_nfc_even_when_a_dropped_char_sat_between_jamo() -> None:
    # ᄒ + zero-width space + ᅡ: once the invisible char goes, the jamo must still be composed.
    assert clean_text("\u1112\u200b\u1161") == "하"
    assert clean_text("등록 \u1112\u200b\u1169\u11bc길동") == "등록 홍길동"


def test_utterance_capped_at_1000_chars() -> None:
    assert len(clean_text("가" * 5000)) == 1000
    req = parse_request(event("channel_text", utterance="나" * 1500))
    assert req.utterance == "나" * 1000
    assert clean_text("가" * 1000) == "가" * 1000


def test_cap_applies_after_whitespace_collapse() -> None:
    assert clean_text(" " * 5000 + "메뉴") == "메뉴"
    assert clean_text("가 " * 600) == ("가 " * 500).strip()


def test_clean_text_is_idempotent_on_samples() -> None:
    for s in ["  신청\n목록 ", "\u1112\u200b\u1161", "가" * 1200, "a\x00b\tc", "é" + "\u0301"]:
        once = clean_text(s)
        assert clean_text(once) == once
        assert unicodedata.is_normalized("NFC", once)


# --- render ----------------------------------------------------------------------------------


def test_simple_reply() -> None:
    body = render(Reply.say("안녕하세요", quick=["메뉴", Quick("목록", "신청 목록")]))
    assert body == {
        "version": "2.0",
        "template": {
            "outputs": [{"simpleText": {"text": "안녕하세요"}}],
            "quickReplies": [
                {"label": "메뉴", "action": "message", "messageText": "메뉴"},
                {"label": "목록", "action": "message", "messageText": "신청 목록"},
            ],
        },
    }
    assert validate(body) == []


def test_long_text_is_split_at_line_breaks() -> None:
    lines = [f"{n:03d} " + "가" * 95 for n in range(25)]  # 25 lines of 99 chars
    text = "\n".join(lines)
    assert len(text) > 2000
    body = render(Reply.say(text, quick=["메뉴"]))
    assert validate(body) == []
    parts = texts(body)
    assert len(parts) == 3
    assert all(len(p) <= 1000 for p in parts)
    assert "\n".join(parts) == text  # nothing lost, nothing cut mid-line
    assert all(p.split("\n")[0] in lines for p in parts)


def test_one_long_line_is_hard_cut() -> None:
    text = "가" * 2500
    parts = texts(render(Reply.say(text, quick=["메뉴"])))
    assert [len(p) for p in parts] == [1000, 1000, 500]
    assert "".join(parts) == text


def test_split_text_helper() -> None:
    assert split_text("a\nb", limit=3) == ["a\nb"]
    assert split_text("aa\nbb", limit=3) == ["aa", "bb"]
    assert split_text("abcdefg", limit=3) == ["abc", "def", "g"]
    assert split_text("", limit=3) == ["…"]
    assert split_text("\n\n   \n", limit=3) == ["…"]
    for chunk in split_text("x\n" * 3000):
        assert 0 < len(chunk) <= 1000


def test_more_than_three_outputs_are_trimmed_with_a_note() -> None:
    body = render(Reply.say(*[f"{n}번째 말" for n in range(1, 7)], quick=["메뉴"]))
    assert validate(body) == []
    parts = texts(body)
    assert len(parts) == 3
    assert parts[0] == "1번째 말" and parts[1] == "2번째 말"
    assert parts[2].startswith("3번째 말")
    assert parts[2].endswith("(이하 생략)")


def test_trim_note_fits_in_a_full_bubble() -> None:
    body = render(Reply.say("가" * 5000, quick=["메뉴"]))
    assert validate(body) == []
    parts = texts(body)
    assert len(parts) == 3
    assert parts[2].endswith("(이하 생략)")
    assert len(parts[2]) <= 1000


def test_card_keeps_its_slot() -> None:
    card = Card(
        title="BBQ 회식 응답 3건",
        description="아래 버튼으로 내려받으세요.",
        buttons=[Button(label="엑셀 받기", url="https://example.com/a.xlsx")],
    )
    body = render(Reply.say("첫째", "둘째", "셋째", "넷째", card=card, quick=["메뉴"]))
    assert validate(body) == []
    outs = body["template"]["outputs"]
    assert len(outs) == 3
    assert "simpleText" in outs[0] and "simpleText" in outs[1]
    assert outs[1]["simpleText"]["text"].endswith("(이하 생략)")
    assert outs[2] == {
        "textCard": {
            "title": "BBQ 회식 응답 3건",
            "description": "아래 버튼으로 내려받으세요.",
            "buttons": [{"label": "엑셀 받기", "action": "webLink", "webLinkUrl": "https://example.com/a.xlsx"}],
            "buttonLayout": "vertical",
        }
    }


def test_card_alone_is_the_only_output() -> None:
    body = render(Reply.say(card=Card(title="제목"), quick=["메뉴"]))
    assert validate(body) == []
    assert body["template"]["outputs"] == [{"textCard": {"title": "제목"}}]


def test_quick_replies_cut_to_ten() -> None:
    body = render(Reply.say("골라 주세요", quick=[f"보기{n}" for n in range(15)]))
    assert validate(body) == []
    q = body["template"]["quickReplies"]
    assert [x["messageText"] for x in q] == [f"보기{n}" for n in range(10)]


def test_long_quick_label_is_shortened_but_message_stays_whole() -> None:
    long_title = "2026년 2중대 연말 BBQ 회식 참석 조사"
    body = render(Reply.say("목록", quick=[Quick(long_title, f"신청 {long_title}"), "가나다라마바사아자차카타파하거"]))
    assert validate(body) == []
    q = body["template"]["quickReplies"]
    assert len(q[0]["label"]) == 14 and q[0]["label"].endswith("…")
    assert long_title.startswith(q[0]["label"][:-1])
    assert q[0]["messageText"] == f"신청 {long_title}"
    # a 15-char plain quick reply: label shortened, the tap still sends all of it
    assert len(q[1]["label"]) == 14
    assert q[1]["messageText"] == "가나다라마바사아자차카타파하거"


def test_label_of_exactly_fourteen_is_kept() -> None:
    label = "가" * 14
    q = render(Reply.say("x", quick=[label]))["template"]["quickReplies"][0]
    assert q["label"] == label


def test_card_limits() -> None:
    card = Card(
        title="제" * 80,
        description="설" * 600,
        buttons=[Button(label=f"아주 긴 버튼 이름입니다 {n}번째", message=f"명령 {n}") for n in range(5)],
    )
    body = render(Reply.say(card=card, quick=["메뉴"]))
    assert validate(body) == []
    tc = body["template"]["outputs"][0]["textCard"]
    assert len(tc["title"]) == 50 and tc["title"].endswith("…")
    assert len(tc["title"]) + len(tc["description"]) <= 400
    assert tc["description"].endswith("…")
    assert len(tc["buttons"]) == 3
    for n, b in enumerate(tc["buttons"]):
        assert len(b["label"]) <= 14
        assert b["action"] == "message"
        assert b["messageText"] == f"명령 {n}"


def test_card_button_without_message_sends_its_whole_label() -> None:
    label = "이 버튼의 이름은 열네 글자보다 깁니다"
    tc = render(Reply.say(card=Card(title="t", buttons=[Button(label=label)]), quick=["메뉴"]))
    b = tc["template"]["outputs"][0]["textCard"]["buttons"][0]
    assert len(b["label"]) == 14
    assert b["messageText"] == label


def test_card_description_only_and_short_card_untouched() -> None:
    card = Card(title="t" * 50, description="d" * 350)
    tc = render(Reply.say(card=card, quick=["메뉴"]))["template"]["outputs"][0]["textCard"]
    assert tc["title"] == "t" * 50 and tc["description"] == "d" * 350


def test_pathological_reply_shrinks_under_30_kb() -> None:
    huge = "\n".join("가나다라마바사아자차카타파하" * 7 for _ in range(200))  # ~20k Hangul chars
    quick = [Quick("긴" * 20, "보" * 1000 + str(n)) for n in range(12)]
    card = Card(
        title="카" * 60,
        description="드" * 500,
        buttons=[Button(label="받기", url="https://example.com/" + "k" * 1500) for _ in range(3)],
    )
    reply = Reply.say(huge, huge, huge, card=card, quick=quick)
    unbounded = {
        "version": "2.0",
        "template": {
            "outputs": [{"simpleText": {"text": huge}}] * 3,
            "quickReplies": [{"label": q.label, "action": "message", "messageText": q.text} for q in quick],
        },
    }
    assert size_of(unbounded) > 29 * 1024
    body = render(reply)
    assert size_of(body) <= MAX_BYTES
    assert validate(body) == []
    assert len(body["template"]["outputs"]) == 3
    assert "textCard" in body["template"]["outputs"][-1]


def test_body_near_the_limit_from_quick_replies_alone_is_shrunk() -> None:
    quick = [Quick(f"보기{n}", "가" * 1000 + str(n)) for n in range(10)]  # 10 × 3 KB
    body = render(Reply.say("골라 주세요", quick=quick))
    assert size_of(body) <= MAX_BYTES
    assert validate(body) == []
    assert texts(body) == ["골라 주세요"]


def test_small_reply_is_not_touched_by_the_size_guard() -> None:
    text = "가" * 1000
    body = render(Reply.say(text, text, text, quick=[f"q{n}" for n in range(10)]))
    assert texts(body) == [text] * 3
    assert len(body["template"]["quickReplies"]) == 10


def test_empty_reply_is_still_valid() -> None:
    body = render(Reply())
    assert validate(body) == []
    assert texts(body) and texts(body)[0].strip()
    body = render(Reply.say("", "", quick=[]))
    assert validate(body) == []


def test_whitespace_only_text_still_renders_a_visible_bubble() -> None:
    body = render(Reply(texts=["   ", "\n\n"]))
    assert validate(body) == []
    assert all(t.strip() for t in texts(body))


def test_rendered_reply_is_json_serialisable() -> None:
    body = render(Reply.say('따옴표 " 와 역슬래시 \\ 와 \u2028 줄', quick=["메뉴"]))
    assert json.loads(json.dumps(body)) == body


# --- validate --------------------------------------------------------------------------------


def good() -> dict:
    return {
        "version": "2.0",
        "template": {
            "outputs": [
                {"simpleText": {"text": "안녕"}},
                {
                    "textCard": {
                        "title": "제목",
                        "description": "설명",
                        "buttonLayout": "vertical",
                        "buttons": [
                            {"label": "열기", "action": "webLink", "webLinkUrl": "https://x.kr/a"},
                            {"label": "메뉴", "action": "message", "messageText": "메뉴"},
                        ],
                    }
                },
            ],
            "quickReplies": [{"label": "메뉴", "action": "message", "messageText": "메뉴"}],
        },
    }


def broken(change) -> dict:
    body = good()
    change(body)
    return body


def _tpl(b: dict) -> dict:
    return b["template"]


def _card(b: dict) -> dict:
    return b["template"]["outputs"][1]["textCard"]


VIOLATIONS = {
    "version": lambda b: b.update(version="1.0"),
    "version missing": lambda b: b.pop("version"),
    "template": lambda b: b.pop("template"),
    "template not object": lambda b: b.update(template=[1]),
    "outputs count": lambda b: _tpl(b).update(outputs=[]),
    "outputs count 4": lambda b: _tpl(b).update(outputs=[{"simpleText": {"text": "a"}}] * 4),
    "outputs missing": lambda b: _tpl(b).pop("outputs"),
    "output shape": lambda b: _tpl(b)["outputs"][0].update(textCard={"title": "x"}),
    "output shape empty": lambda b: _tpl(b)["outputs"].append({}),
    "simpleText length": lambda b: _tpl(b)["outputs"][0]["simpleText"].update(text="가" * 1001),
    "simpleText empty": lambda b: _tpl(b)["outputs"][0]["simpleText"].update(text=""),
    "simpleText not str": lambda b: _tpl(b)["outputs"][0]["simpleText"].update(text=5),
    "textCard text": lambda b: _card(b).update(title="", description=""),
    "textCard title": lambda b: _card(b).update(title="t" * 51),
    "textCard total": lambda b: _card(b).update(title="t" * 50, description="d" * 351),
    "buttons count": lambda b: _card(b).update(buttons=[{"label": "a", "action": "message", "messageText": "a"}] * 4),
    "button label": lambda b: _card(b)["buttons"][1].update(label="가" * 15),
    "button label empty": lambda b: _card(b)["buttons"][1].update(label=""),
    "button link": lambda b: _card(b)["buttons"][0].update(webLinkUrl="ftp://x.kr/a"),
    "button link missing": lambda b: _card(b)["buttons"][0].pop("webLinkUrl"),
    "button message": lambda b: _card(b)["buttons"][1].pop("messageText"),
    "unexpected output": lambda b: _tpl(b)["outputs"].append({"basicCard": {"title": "x"}}),
    "quickReplies count": lambda b: _tpl(b).update(
        quickReplies=[{"label": f"{n}", "action": "message", "messageText": f"{n}"} for n in range(11)]
    ),
    "quickReply label": lambda b: _tpl(b)["quickReplies"][0].update(label="가" * 15),
    "quickReply label empty": lambda b: _tpl(b)["quickReplies"][0].update(label=""),
    "quickReply action": lambda b: _tpl(b)["quickReplies"][0].update(action="block", blockId="abc"),
    "quickReply message": lambda b: _tpl(b)["quickReplies"][0].pop("messageText"),
    "size": lambda b: _tpl(b).update(
        outputs=[{"simpleText": {"text": "가" * 1000}}] * 3,
        quickReplies=[{"label": "q", "action": "message", "messageText": "나" * 1000}] * 8,
    ),
}

EXPECTED = {
    "version missing": "version",
    "template not object": "template",
    "outputs count 4": "outputs count",
    "outputs missing": "outputs count",
    "output shape empty": "output shape",
    "simpleText empty": "simpleText length",
    "simpleText not str": "simpleText length",
    "textCard title": "textCard text",
    "textCard total": "textCard text",
    "button label empty": "button label",
    "button link missing": "button link",
    "unexpected output": "unexpected output",
    "quickReply label empty": "quickReply label",
    "quickReply message": "quickReply action",
}


def test_the_good_body_is_valid() -> None:
    assert validate(good()) == []


@pytest.mark.parametrize("name", list(VIOLATIONS))
def test_validate_catches(name: str) -> None:
    problems = validate(broken(VIOLATIONS[name]))
    assert problems, name
    want = EXPECTED.get(name, name)
    assert any(p.startswith(want) for p in problems), problems


def test_validate_counts_bytes_not_chars() -> None:
    # 3 × 1000 Hangul chars + 8 long quick replies: few chars, over 30 KB of UTF-8.
    body = broken(VIOLATIONS["size"])
    chars = len(json.dumps(body, ensure_ascii=False))
    assert chars < MAX_BYTES < size_of(body)
    assert any(p.startswith("size") for p in validate(body))


# --- properties ------------------------------------------------------------------------------

st_chars = st.characters(blacklist_categories=["Cs"])
st_words = st.text(st_chars, min_size=1, max_size=40).filter(lambda s: s.strip())
st_long = st.one_of(st.text(st_chars, max_size=50), st.text(st_chars, min_size=900, max_size=2600))
st_quick = st.builds(
    Quick, label=st_words, message=st.one_of(st.just(""), st.text(st_chars, min_size=1, max_size=1200))
)
st_button = st.builds(
    Button,
    label=st_words,
    url=st.one_of(st.just(""), st.just("https://example.com/x.xlsx")),
    message=st.one_of(st.just(""), st_words),
)
st_card = st.builds(
    Card, title=st_words, description=st.text(st_chars, max_size=700), buttons=st.lists(st_button, max_size=5)
)
st_reply = st.builds(
    Reply,
    texts=st.lists(st_long, max_size=6),
    card=st.one_of(st.none(), st_card),
    quick=st.lists(st_quick, max_size=14),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st_reply)
def test_render_always_keeps_the_limits(reply: Reply) -> None:
    body = render(reply)
    assert validate(body) == []
    assert size_of(body) <= MAX_BYTES


@settings(max_examples=300, deadline=None)
@given(st.text(st_chars, max_size=1500))
def test_clean_text_properties(s: str) -> None:
    out = clean_text(s)
    assert len(out) <= 1000
    assert out == out.strip()
    assert "  " not in out
    assert all(unicodedata.category(ch)[0] != "C" for ch in out)
    assert unicodedata.is_normalized("NFC", out)
    assert clean_text(out) == out


def test_render_gives_up_gracefully_when_links_alone_are_too_big() -> None:
    from chalicelib.domain.reply import Button, Card, Reply

    huge = "https://x.example/" + "a" * 20000
    body = render(Reply.say("hi", card=Card("t", "d", [Button("a", url=huge), Button("b", url=huge)])))
    assert validate(body) == []
