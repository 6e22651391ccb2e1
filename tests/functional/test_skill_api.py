"""POST /skill end to end: Chalice's HTTP layer, the conversation, DynamoDB and S3 (moto).

Requests use the shapes Kakao really sends (tests/events): the real channel, a quick reply
tap, the console's 봇 테스트 and 스킬 테스트, a 2018 payload.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import boto3
import pytest
from harness import taken

from chalicelib.domain.model import ADMIN as ADMIN_ROLE
from chalicelib.domain.model import SUPER
from chalicelib.domain.reply import Card, Quick, Reply
from chalicelib.domain.writes import PutUser
from chalicelib.kakao.response import MAX_BYTES, validate
from scripts.wizard import bbq_messages
from tests.events import event
from tests.functional.conftest import KAKAO_JSON, SECRET, HttpSaid, body_of, post, skill

# (shape, botUserKey) per person: every shape Kakao can send appears in the scenario.
SUPER_ADMIN = ("channel_text", "3f9c1e7a2b8d4c6e0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f8091")
ADMIN = ("channel_quickreply", "9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9aa")
PARK = ("bot_test", "5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c59201")
CHOI = ("channel_text", "e4d909c290d0fb1ca068ffaddf22cbd0e4d909c290d0fb1ca068ffaddf22cbd0aa")
JUNG = ("skill_test", "702912")
OLD = ("legacy_2018", "2c7a4f9e1b3d5a7c9e0f2b4d6a8c0e1f3a5c7e9b1d3f5a7c9e0b2d4f6a8c0e2f4a")

TITLE = "BBQ 회식"
QUESTIONS = ["메뉴를 골라 주세요", "수량", "메모"]


def wizard(client: Any, who: tuple[str, Any], title: str = TITLE, deadline: str = "모레 18:00") -> HttpSaid:
    """The wizard of harness.make_bbq over HTTP: 메뉴 (선택, 치킨 정원 2) · 수량 (숫자 1~5) · 메모 (주관식, 생략
    가능)."""
    for text in bbq_messages(title=title, deadline=deadline):
        done = post(client, text, who)
    assert "개설했어요" in done, done
    return done


def promote_to_super(store: Any, key: str) -> None:
    """What the operator command does: set role 2 on the stored user item."""
    u = store.get_user(key)
    assert u is not None
    u.role = SUPER
    store.commit([PutUser(u)])


def object_of(url: str) -> tuple[str, str, dict[str, list[str]]]:
    """(bucket, key, query) of a presigned S3 link (virtual-hosted or path style)."""
    parts = urlparse(url)
    host = parts.hostname or ""
    path = unquote(parts.path).lstrip("/")
    if ".s3." in host and not host.startswith("s3."):
        bucket, key = host.split(".s3.")[0], path
    else:
        bucket, _, key = path.partition("/")
    return bucket, key, parse_qs(parts.query)


def fetch(url: str, env: dict[str, str]) -> tuple[bytes, dict[str, Any]]:
    bucket, key, _ = object_of(url)
    assert bucket == env["HJ_EXPORT_BUCKET"]
    obj = boto3.client("s3", region_name="ap-northeast-2").get_object(Bucket=bucket, Key=key)
    return obj["Body"].read(), obj


def sheet_rows(data: bytes, sheet: str) -> tuple[list[Any], list[list[Any]], Any]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[sheet]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return rows[0], rows[1:], ws


# --- the shared secret ---------------------------------------------------------------------------


WRONG_SECRETS = [None, "", "wrong-secret", "TEST-SECRET", "test-secret ", "test-secre", "test-secret-2", "비밀"]


def test_missing_or_wrong_secret_is_401_and_nothing_is_stored(client: Any, store: Any) -> None:
    for secret in WRONG_SECRETS:
        for shape in ("channel_text", "bot_test", "skill_test"):
            resp = skill(client, body_of(shape, "등록 홍길동", PARK[1]), secret=secret)
            assert resp.status_code == 401, (secret, shape)
            assert json.loads(resp.body) == {"error": "unauthorized"}
    assert store.get_user(PARK[1]) is None
    assert store.list_users() == []
    assert store.list_audit() == []
    # the same request with the right secret is served
    HttpSaid(skill(client, body_of("channel_text", "등록 홍길동", PARK[1])))
    assert store.get_user(PARK[1]).name == "홍길동"


def test_secret_header_name_is_case_insensitive(client: Any, store: Any) -> None:
    resp = skill(
        client, body_of("channel_text", "등록 홍길동", PARK[1]), secret=None, extra_headers={"x-skill-secret": SECRET}
    )
    HttpSaid(resp)
    assert store.get_user(PARK[1]).name == "홍길동"


def test_unset_secret_refuses_everything(client: Any, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HJ_SKILL_SECRET", "")
    for given in (None, ""):
        resp = skill(client, body_of("channel_text", "등록 홍길동", PARK[1]), secret=given)
        assert resp.status_code == 401
    assert store.list_users() == []


def test_secret_is_checked_before_the_body(client: Any) -> None:
    resp = skill(client, b"not json", secret="wrong")
    assert resp.status_code == 401


# --- malformed bodies ----------------------------------------------------------------------------


def _body(change) -> bytes:
    b = event("channel_text")
    change(b)
    return json.dumps(b, ensure_ascii=False).encode()


MALFORMED = {
    "empty": b"",
    "not json": b"userRequest=%7B%7D",
    "truncated": json.dumps(event("channel_text")).encode()[:120],
    "array": b"[1, 2]",
    "null": b"null",
    "no userRequest": _body(lambda b: b.pop("userRequest")),
    "no user": _body(lambda b: b["userRequest"].pop("user")),
    "no user id": _body(lambda b: b["userRequest"]["user"].pop("id")),
    "user id with space": _body(lambda b: b["userRequest"]["user"].update(id="a b")),
    "user id too long": _body(lambda b: b["userRequest"]["user"].update(id="a" * 500)),
    "utterance number": _body(lambda b: b["userRequest"].update(utterance=12)),
    "invalid utf-8": b'{"userRequest": {"utterance": "\xc3\x28", "user": {"id": "abc"}}}',
    "over 64 KB": _body(lambda b: b["userRequest"].update(utterance="가" * 25000)),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_bodies_are_400_json_never_500(client: Any, store: Any, name: str) -> None:
    for content_type in ("application/json", KAKAO_JSON, "text/plain"):
        resp = skill(client, MALFORMED[name], content_type=content_type)
        assert resp.status_code == 400, (content_type, resp.status_code, resp.body)
        assert resp.headers.get("Content-Type", "").startswith("application/json")
        err = json.loads(resp.body)
        assert err["error"] == "bad request"
        assert isinstance(err.get("detail"), str) and err["detail"]
    assert store.list_users() == []


def test_other_content_types_are_refused_by_the_framework_not_a_500(client: Any, store: Any) -> None:
    for ctype in ("application/x-www-form-urlencoded", "application/xml", "multipart/form-data"):
        resp = skill(client, body_of("channel_text", "등록 홍길동", CHOI[1]), content_type=ctype)
        assert resp.status_code == 415, (ctype, resp.status_code)
    assert store.list_users() == []


def test_health(client: Any) -> None:
    resp = client.http.get("/health")
    assert resp.status_code == 200
    assert json.loads(resp.body) == {"ok": True}


def test_skill_only_takes_post(client: Any) -> None:
    assert client.http.get("/skill").status_code == 405


# --- failures inside still give the member a bubble ----------------------------------------------


def test_a_crash_in_the_store_is_a_polite_200(client: Any, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.storage.dynamo import DynamoStore

    def boom(self: Any, key: str) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(DynamoStore, "get_user_and_listing", boom)
    said = post(client, "메뉴", CHOI)
    assert "문제가 생겼어요" in said
    assert said.quick == ["메뉴"]


def test_an_unreachable_store_asks_to_retry(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.domain.ports import Unavailable
    from chalicelib.storage.dynamo import DynamoStore

    def slow(self: Any, key: str) -> None:
        raise Unavailable("throttled")

    monkeypatch.setattr(DynamoStore, "get_user_and_listing", slow)
    said = post(client, "메뉴", CHOI)
    assert "잠시 후 다시" in said


def test_wire_size_of_a_pathological_reply_stays_under_30_kb(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """render() shrinks to 30 KB as it measures; the bytes sent must be what it measured."""
    from chalicelib import runtime

    huge = "\n".join("가나다라마바사아자차카타파하" * 7 for _ in range(200))
    reply = Reply.say(
        huge,
        huge,
        huge,
        card=Card(title="카드", description="드" * 500),
        quick=[Quick(f"보기{n}", "보" * 900) for n in range(10)],
    )

    class Fixed:
        def handle(self, user_key: str, text: str, *rest: Any) -> tuple[Reply, dict]:
            return reply, {}

    monkeypatch.setattr(runtime, "bot", lambda s=None: Fixed())
    resp = skill(client, body_of("channel_text", "아무 말", CHOI[1]))
    assert resp.status_code == 200
    assert len(resp.body) <= MAX_BYTES, len(resp.body)
    said = HttpSaid(resp)
    assert len(said.json["template"]["outputs"]) == 3


# --- the whole story over HTTP -------------------------------------------------------------------


def test_full_scenario(client: Any, store: Any, aws: dict[str, str]) -> None:
    # Unregistered: only how to register.
    first = post(client, "메뉴", PARK)
    assert "등록" in first and "예: 등록 홍길동" in first
    assert store.get_user(PARK[1]) is None

    # Everybody registers, each from the shape they really come from.
    for who, text, expect in [
        (SUPER_ADMIN, "등록 본부 김대장", "김대장 (본부)님, 등록되었어요"),
        (ADMIN, "등록 본부 이관리", "이관리 (본부)님, 등록되었어요"),
        (PARK, "등록 1소대 박병장", "박병장 (1소대)님, 등록되었어요"),
        (CHOI, "등록 2소대 최일병", "최일병 (2소대)님, 등록되었어요"),
        (JUNG, "등록 2소대 정상병", "정상병 (2소대)님, 등록되었어요"),
    ]:
        assert expect in post(client, text, who)
    assert len(store.list_users()) == 5
    assert store.get_user("702912").name == "정상병"  # the console's accountId is just a key

    # A member cannot grant anything; only an operator makes a super admin.
    refused = post(client, "관리자 등록 이관리", SUPER_ADMIN)
    assert "슈퍼관리자만" in refused
    promote_to_super(store, SUPER_ADMIN[1])
    menu = post(client, "메뉴", SUPER_ADMIN)
    assert "마스터키" in menu.quick and "관리자 목록" in menu.quick

    asked = post(client, "관리자 등록 이관리", SUPER_ADMIN)
    assert "본부 이관리#" in asked and "관리자로 등록할까요?" in asked
    granted = post(client, "예", SUPER_ADMIN)
    assert "이관리" in granted and "관리자로 등록했어요" in granted
    assert store.get_user(ADMIN[1]).role == 1
    admins = post(client, "관리자 목록", SUPER_ADMIN)
    assert "관리자 2명" in admins and "본부 이관리 — 관리자" in admins
    assert "관리자만" in post(client, "신청 만들기", PARK)

    # The admin builds the BBQ survey.
    wizard(client, ADMIN)
    [survey] = store.list_surveys()
    assert survey.title == TITLE and survey.owner == ADMIN[1]
    assert [q.text for q in survey.questions] == QUESTIONS
    assert survey.questions[0].capacity == {"치킨": 2}

    # 박병장 answers from the bot test console.
    listed = post(client, "신청 목록", PARK)
    assert TITLE in listed and f"신청 {TITLE}" in listed.quick
    q1 = post(client, f"신청 {TITLE}", PARK)
    assert "1/3" in q1 and "치킨 (남은 2)" in q1 and "치킨" in q1.quick
    assert "2/3" in post(client, "치킨", PARK)
    assert "3/3" in post(client, "3", PARK)
    review = post(client, "건너뛰기", PARK)
    assert "제출 전 확인" in review and "2. 수량: 3" in review and "3. 메모: (건너뜀)" in review
    assert "제출했어요" in post(client, "제출", PARK)
    assert "작성 중인 신청이 없어요" in post(client, "제출", PARK)  # a double tap stores nothing twice
    assert len(store.list_answers(survey.id)) == 1

    # 최일병 answers from the real channel; a bad number is refused with the reason.
    post(client, f"신청 {TITLE}", CHOI)
    post(client, "2", CHOI)  # 피자, by its number
    bad = post(client, "9", CHOI)
    assert "5 이하로" in bad and "2/3" in bad
    post(client, "4", CHOI)
    post(client, "=SUM(A1)", CHOI)
    assert "제출했어요" in post(client, "제출", CHOI)

    # 정상병 answers from the skill-test console (numeric id), then withdraws.
    post(client, f"신청 {TITLE}", JUNG)
    post(client, "족발", JUNG)
    post(client, "1", JUNG)
    post(client, "건너뛰기", JUNG)
    assert "제출했어요" in post(client, "제출", JUNG)
    assert store.get_survey(survey.id).response_count == 3
    ask = post(client, f"신청 취소 {TITLE}", JUNG)
    assert ask.quick == ["예", "아니오"]
    assert "취소했어요" in post(client, "예", JUNG)
    assert store.get_answer(survey.id, "702912") is None

    # 박병장 edits: 수량 3 -> 5.
    edit = post(client, f"신청 수정 {TITLE}", PARK)
    assert "제출 전 확인" in edit
    assert "2/3" in post(client, "수정 2", PARK)
    back = post(client, "5", PARK)
    assert "2. 수량: 5" in back
    assert "수정했어요" in post(client, "제출", PARK)
    mine = post(client, f"신청 {TITLE}", PARK)
    assert "내 답" in mine and "1. 메뉴를 골라 주세요: 치킨" in mine and "2. 수량: 5" in mine

    s = store.get_survey(survey.id)
    assert s.response_count == 2
    # the survey item counts the takers of 치킨 (정원 2); how many took each option is the aggregate's
    assert s.option_counts == {"q1:치킨": 1}
    assert [taken(store, s.id, "q1", o) for o in ("치킨", "피자", "족발")] == [1, 1, 0]

    # 현황 and 미응답 as the admin reads them.
    status = post(client, f"현황 {TITLE}", ADMIN)
    assert "응답 2명 / 대상 5명 (전체, 40%)" in status
    assert "치킨 1(남은 1), 피자 1, 족발 0" in status
    assert "수량: 합계 9 (응답 2)" in status
    assert "보기별: 치킨 5, 피자 4" in status
    assert "메모: 응답 1" in status
    assert "1소대 1명, 수량 5" in status and "2소대 1명, 수량 4" in status
    assert f"다운로드 {TITLE}" in status.quick
    missing = post(client, f"미응답 {TITLE}", ADMIN)
    assert "미응답 3명" in missing
    for name in ("김대장", "이관리", "정상병"):
        assert name in missing
    for name in ("박병장", "최일병"):
        assert name not in missing
    # a member may not look
    assert "관리자만" in post(client, f"현황 {TITLE}", PARK)

    # 다운로드: a card with link buttons to an xlsx (and a CSV) in the private bucket.
    dl = post(client, f"다운로드 {TITLE}", ADMIN)
    assert len(dl.cards) == 1 and dl.buttons
    assert all(b["action"] == "webLink" and b["webLinkUrl"].startswith("https://") for b in dl.buttons)
    xlsx_button = next(b for b in dl.buttons if "엑셀" in b["label"])
    url = xlsx_button["webLinkUrl"]
    bucket, key, query = object_of(url)
    assert key.endswith(".xlsx")
    assert urlparse(url).hostname == f"{bucket}.s3.ap-northeast-2.amazonaws.com"
    assert "X-Amz-Signature" in query and 0 < int(query["X-Amz-Expires"][0]) <= 600
    data, _obj = fetch(url, aws)
    header, rows, ws = sheet_rows(data, TITLE)
    assert ws.parent.sheetnames == ["요약", TITLE, "미응답"]
    summary = {r[0]: r[1] for r in ws.parent["요약"].iter_rows(values_only=True) if r and r[0]}
    assert (summary["응답"], summary["대상 인원"], summary["응답률"]) == (2, 5, 0.4)  # as 현황 counts
    assert header[:4] == ["제출 시각", "이름", "소속", "회원번호"]
    assert header[4:-1] == QUESTIONS and header[-1] == "수정 시각"
    assert [r[1:3] + r[4:-1] for r in rows] == [
        ["박병장", "1소대", "치킨", 5, None],
        ["최일병", "2소대", "피자", 4, "=SUM(A1)"],
    ]
    assert rows[0][3] != rows[1][3] and all(len(r[3]) == 6 for r in rows)  # two people, two numbers
    missing_header, missing_rows, _ = sheet_rows(data, "미응답")
    assert missing_header == ["소속", "이름", "회원번호", "상태"] and len(missing_rows) == 3  # target 5, answered 2
    assert {r[3] for r in missing_rows} == {"응답 안 함"} and all(len(r[2]) == 6 for r in missing_rows)
    assert isinstance(rows[0][0], datetime) and isinstance(rows[0][-1], datetime)  # submitted, then edited
    assert rows[1][-1] in (None, "")  # never edited
    assert ws.cell(row=3, column=7).data_type != "f"  # text stays text, never a formula
    csv_button = [b for b in dl.buttons if b is not xlsx_button]
    if csv_button:
        csv_data, _ = fetch(csv_button[0]["webLinkUrl"], aws)
        text = csv_data.decode("utf-8-sig")
        assert "박병장" in text and "최일병" in text and "'=SUM(A1)" in text

    # 마스터키: super admin only, one workbook with a sheet per survey.
    assert "슈퍼관리자만" in post(client, "마스터키", ADMIN)
    started = post(client, "마스터키", SUPER_ADMIN)  # always built in the background
    assert not started.buttons and "파일 받기" in started
    waiting = post(client, "메뉴", SUPER_ADMIN)
    assert "파일 받기" in waiting.quick and "준비됐어요" in waiting
    master = post(client, "파일 받기", SUPER_ADMIN)
    assert len(master.buttons) == 1 and master.buttons[0]["action"] == "webLink"
    assert "받을 파일이 없어요" in post(client, "파일 받기", SUPER_ADMIN)  # handed out once
    mdata, _ = fetch(master.buttons[0]["webLinkUrl"], aws)
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(mdata))
    assert wb.sheetnames == [TITLE]
    mheader, mrows, _ = sheet_rows(mdata, TITLE)
    assert mheader[4:-1] == QUESTIONS and len(mrows) == 2

    # 마감: nobody can answer, edit or withdraw any more.
    asked = post(client, f"마감 {TITLE}", ADMIN)
    assert asked.quick == ["예", "아니오"] and "응답 2명" in asked
    closed = post(client, "예", ADMIN)
    assert "마감했어요" in closed and "응답 2명" in closed
    assert "마감되었어요" in post(client, f"신청 {TITLE}", JUNG)
    assert "마감되어 고칠 수 없어요" in post(client, f"신청 수정 {TITLE}", PARK)
    assert "마감" in post(client, f"신청 취소 {TITLE}", CHOI)
    assert store.get_answer(survey.id, CHOI[1]) is not None
    assert "마감" in post(client, f"현황 {TITLE}", ADMIN)

    # 삭제 with 예: survey and answers are gone.
    confirm = post(client, f"삭제 {TITLE}", ADMIN)
    assert confirm.quick == ["예", "아니오"] and "응답 2건" in confirm
    assert "삭제했어요" in post(client, "예", ADMIN)
    assert store.get_survey(survey.id) is None
    assert store.list_answers(survey.id) == []
    assert store.get_answer(survey.id, PARK[1]) is None
    s3 = boto3.client("s3", region_name="ap-northeast-2")
    with pytest.raises(s3.exceptions.NoSuchKey):  # the survey's exports went with it
        s3.get_object(Bucket=bucket, Key=key)
    assert fetch(master.buttons[0]["webLinkUrl"], aws)[0] == mdata  # the all-surveys workbook stays
    assert "아직 제출한 신청이 없어요" in post(client, "내 신청", PARK)
    assert "아직 만든 신청서가 없어요" in post(client, "내 신청서", ADMIN)
    actions = [e.action for e in store.list_audit()]
    for a in ("grant_admin", "create", "download", "download_all", "close", "delete"):
        assert a in actions, actions


def test_kakao_content_type_with_charset_works_the_same(client: Any, store: Any) -> None:
    """Kakao sends `application/json;charset=UTF-8` (no space); the conversation is unchanged."""
    said = post(client, "등록 2소대 최일병", CHOI, content_type=KAKAO_JSON)
    assert "등록되었어요" in said
    menu = post(client, "메뉴", CHOI, content_type=KAKAO_JSON)
    plain = post(client, "메뉴", CHOI, content_type="application/json")
    assert menu.json == plain.json
    assert store.get_user(CHOI[1]).unit == "2소대"
    for ctype in ("application/json; charset=utf-8", "Application/JSON;Charset=UTF-8", "text/plain;charset=UTF-8"):
        assert post(client, "메뉴", CHOI, content_type=ctype).json == plain.json


def test_every_fixture_shape_talks_to_the_bot(client: Any, store: Any) -> None:
    for name, key in (SUPER_ADMIN, ADMIN, PARK, JUNG, OLD, ("channel_callback", "c0ffee" + "ab" * 30)):
        said = post(client, "등록 홍길동", (name, key))
        assert "등록되었어요" in said, name
        assert "홍길동" in post(client, "메뉴", (name, key))
    assert len(store.list_users()) == 6


def test_numeric_console_id_is_the_same_user_as_its_string(client: Any, store: Any) -> None:
    post(client, "등록 정상병", ("skill_test", 702912))
    assert store.get_user("702912").name == "정상병"
    assert "정상병님" in post(client, "메뉴", ("skill_test", "702912"))


def test_quick_replies_tap_through(client: Any, store: Any) -> None:
    """Sending back the messageText of a quick reply always gets a valid answer."""
    post(client, "등록 1소대 박병장", PARK)
    said = post(client, "메뉴", PARK)
    for text in said.quick:
        post(client, text, PARK)
        post(client, "메뉴", PARK)


def test_utterance_is_cleaned_before_the_conversation(client: Any, store: Any) -> None:
    post(client, "  등록\n\t1소대   박병장\u200b ", PARK)
    assert store.get_user(PARK[1]).name == "박병장"
    assert "박병장" in post(client, "\ufeff메뉴\n", PARK)


# --- Kakao callback (blocks with the callback option send callbackUrl) ---------------------------

CALLER = ("channel_callback", "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbccdd")


def _super_with_a_survey(client: Any, store: Any) -> None:
    post(client, "등록 본부 김대장", CALLER)
    promote_to_super(store, CALLER[1])
    wizard(client, CALLER)
    post(client, f"신청 {TITLE}", CALLER)
    for answer in ("피자", "2", "건너뛰기", "제출"):
        post(client, answer, CALLER)


def test_master_key_on_a_callback_block_is_delivered_by_callback(client: Any, store: Any, aws: dict[str, str]) -> None:
    from chalicelib import runtime

    _super_with_a_survey(client, store)
    sent: list[tuple[str, dict]] = []
    from chalicelib.kakao.response import render

    runtime.bot().callback = lambda url, reply: sent.append((url, render(reply))) or True

    resp = skill(client, body_of("channel_callback", "마스터키", CALLER[1]))
    assert resp.status_code == 200
    ack = json.loads(resp.body)
    assert ack["version"] == "2.0" and ack["useCallback"] is True and "template" not in ack
    assert validate(ack) == []
    assert ack["data"]["text"]

    [(url, body)] = sent
    assert url == event("channel_callback")["userRequest"]["callbackUrl"]
    assert validate(body) == [] and body["template"]["quickReplies"]
    [card] = [o["textCard"] for o in body["template"]["outputs"] if "textCard" in o]
    [button] = card["buttons"]
    assert button["action"] == "webLink"
    data, _ = fetch(button["webLinkUrl"], aws)
    header, rows, _ = sheet_rows(data, TITLE)
    assert header[4:-1] == QUESTIONS
    assert [r[1:3] + r[4:6] for r in rows] == [["김대장", "본부", "피자", 2]]
    assert "파일 받기" not in post(client, "메뉴", CALLER).quick  # delivered, nothing parked


def test_failed_callback_parks_the_file_for_the_next_message(client: Any, store: Any, aws: dict[str, str]) -> None:
    from chalicelib import runtime

    _super_with_a_survey(client, store)
    runtime.bot().callback = lambda url, body: False  # expired token, Kakao down, ...

    resp = skill(client, body_of("channel_callback", "마스터키", CALLER[1]))
    assert json.loads(resp.body)["useCallback"] is True
    later = post(client, "메뉴", CALLER)
    assert "파일 받기" in later.quick
    got = post(client, "파일 받기", CALLER)
    assert len(got.buttons) == 1
    assert fetch(got.buttons[0]["webLinkUrl"], aws)[0].startswith(b"PK")  # an xlsx (zip) file


def test_plain_http_callback_url_is_ignored(client: Any, store: Any, aws: dict[str, str]) -> None:
    from chalicelib import runtime

    _super_with_a_survey(client, store)
    sent: list[Any] = []
    runtime.bot().callback = lambda url, body: sent.append(url) or True
    body = event("channel_callback", utterance="마스터키", user_id=CALLER[1])
    body["userRequest"]["callbackUrl"] = body["userRequest"]["callbackUrl"].replace("https://", "http://")
    said = HttpSaid(skill(client, body))  # an ordinary reply, not a callback promise
    assert "파일 받기" in said
    assert sent == []


def test_small_download_on_a_callback_block_answers_at_once(client: Any, store: Any, aws: dict[str, str]) -> None:
    from chalicelib import runtime

    _super_with_a_survey(client, store)
    sent: list[Any] = []
    runtime.bot().callback = lambda url, body: sent.append(url) or True
    dl = post(client, f"다운로드 {TITLE}", CALLER)
    assert dl.buttons and sent == []


def test_an_answer_entered_for_someone_and_taken_back_over_http(client: Any, store: Any) -> None:
    """대리 응답 and 대리 응답 취소 through the skill endpoint: each reply valid Kakao JSON with its next steps."""
    post(client, "등록 본부 이관리", ADMIN)
    post(client, "등록 2소대 정상병", JUNG)
    admin = store.get_user(ADMIN[1])
    admin.role = ADMIN_ROLE
    store.commit([PutUser(admin)])
    wizard(client, ADMIN)
    [survey] = store.list_surveys()
    started = post(client, f"대리 응답 {TITLE} 정상병", ADMIN)
    assert "2소대 정상병님의 답을 대신 적어요" in started and "치킨" in started.quick
    for text in ("피자", "2", "건너뛰기"):
        post(client, text, ADMIN)
    assert "대신 제출했어요" in post(client, "제출", ADMIN)
    assert store.get_answer(survey.id, JUNG[1]).entered_by
    asked = post(client, f"대리 응답 취소 {TITLE} 정상병", ADMIN)
    assert "취소할까요?" in asked and asked.quick == ["예", "아니오"]
    done = post(client, "예", ADMIN)
    assert "대신 적은 정상병님의 답을 취소했어요" in done and f"미응답 {TITLE}" in done.quick
    assert store.get_answer(survey.id, JUNG[1]) is None and store.get_survey(survey.id).response_count == 0
    assert "정상병" in post(client, f"미응답 {TITLE}", ADMIN)
