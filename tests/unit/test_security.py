"""Security properties of the core: constant-time secret check, no answers or keys in logs,
formula-safe exports for every trigger character, download links never stored."""

from __future__ import annotations

import csv
import hmac
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fakes import FakeExporter
from faults import FaultyStore, throttle
from harness import Chat, make_bbq
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import web
from chalicelib.domain.kinds import NUMBER, TEXT
from chalicelib.domain.model import ADMIN, SUPER, Answer, Question, Survey
from chalicelib.domain.writes import PutUser
from chalicelib.export import csv_file, workbook
from chalicelib.kakao.response import validate
from chalicelib.service.bot import Bot
from tests.events import event

SECRET = "unit-secret"

# --- the secret -------------------------------------------------------------------------------


def test_the_secret_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return a == b

    monkeypatch.setattr(hmac, "compare_digest", spy)  # the module chalicelib.web compares with
    assert web.secret_ok({"X-Skill-Secret": "s3cret"}, "s3cret")
    assert not web.secret_ok({"X-Skill-Secret": "s3creT"}, "s3cret")
    assert not web.secret_ok({}, "s3cret")  # a missing header is compared too (no early return on it)
    assert seen == [(b"s3cret", b"s3cret"), (b"s3creT", b"s3cret"), (b"", b"s3cret")]


def test_a_refused_request_never_reaches_the_bot() -> None:
    class Exploding:
        def handle(self, *a: Any) -> Any:
            raise AssertionError("must not be called")

    status, body = web.handle_skill({"X-Skill-Secret": "nope"}, b"{}", Exploding(), SECRET)  # type: ignore[arg-type]
    assert (status, body) == (401, {"error": "unauthorized"})


# --- logs ---------------------------------------------------------------------------------------

SECRET_ANSWERS = ["비밀답변ZQX1", "주민번호901010-1234567", "=HYPERLINK(ZQX2)", "아무말대잔치QWE"]
KEYS = {
    name: f"{name}-botUserKey-7f3a9c2e41b08d6655aa0c1e93f7b2d4c8e1a0f5b6d7c8e9" for name in ("admin", "super", "member")
}


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        extra = {k: v for k, v in record.__dict__.items() if k not in ("msg", "args")}
        text = record.getMessage() + " " + repr(extra)
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@pytest.fixture
def logged() -> Iterator[Capture]:
    handler = Capture()
    app_log = logging.getLogger("haengjeong")
    old_level = app_log.level
    app_log.addHandler(handler)
    app_log.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        app_log.removeHandler(handler)
        app_log.setLevel(old_level)
        root.removeHandler(handler)


class LeakyExporter(FakeExporter):
    """Fails like S3 would, with the request in the error (as botocore errors can carry it)."""

    def export_survey(self, survey, answers):
        raise RuntimeError("upload failed for " + json.dumps([a.values for a in answers], ensure_ascii=False))

    def export_master(self, items):
        raise RuntimeError("upload failed")

    def presign(self, key, title, ext):
        raise RuntimeError("presign failed")

    def forget_survey(self, survey_id):
        raise RuntimeError("delete failed")


def test_logs_carry_no_answers_and_no_full_user_keys(logged: Capture) -> None:
    store = FaultyStore()
    bot = Bot(store, LeakyExporter())
    chat = Chat(store=store)
    chat.bot = bot

    def send(who: str, text: str) -> dict:
        body = json.dumps(event("channel_text", utterance=text, user_id=KEYS[who]), ensure_ascii=False).encode()
        status, reply = web.handle_skill({"X-Skill-Secret": SECRET}, body, bot, SECRET)
        assert status == 200 and validate(reply) == []
        return reply

    send("admin", "등록 본부 관리자")
    send("member", "등록 2중대 홍길동")
    u = store.get_user(KEYS["admin"])
    u.role = ADMIN
    store.commit([PutUser(u)])
    for t in [
        "신청 만들기",
        "보안 점검",
        "건너뛰기",
        "메모",
        "주관식",
        "필수",
        "질문 끝",
        "없음",
        "전체",
        "없음",
        "개설",
    ]:
        send("admin", t)
    send("member", "신청 보안 점검")
    send("member", SECRET_ANSWERS[0])
    send("member", "수정 1")
    send("member", SECRET_ANSWERS[1])
    send("member", "수정 1")
    send("member", SECRET_ANSWERS[2])
    send("member", "제출")
    send("member", SECRET_ANSWERS[3])
    send("admin", "현황 보안 점검")
    send("admin", "다운로드 보안 점검")  # the exporter fails with the answers in its error
    store.faults["get_user"] = throttle  # an answer reads the user alone
    send("member", SECRET_ANSWERS[0])
    store.faults["get_user"] = lambda: (_ for _ in ()).throw(RuntimeError("crash"))
    send("member", SECRET_ANSWERS[1])
    del store.faults["get_user"]
    assert web.handle_skill({"X-Skill-Secret": SECRET}, b'{"userRequest": 1}', bot, SECRET)[0] == 400
    assert web.handle_skill({}, b"{}", bot, SECRET)[0] == 401
    send("super", "메뉴")

    everything = "\n".join(logged.lines)
    assert len(logged.lines) >= 25
    assert "skill handler failed" in everything and "unavailable" in everything
    for secret in SECRET_ANSWERS:
        assert secret not in everything, secret
        assert secret[:6] not in everything, secret
    for key in KEYS.values():
        assert key not in everything
        assert key[:20] not in everything


# --- formula injection ---------------------------------------------------------------------------

TRIGGERS = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tTAB", "\rCR", '=HYPERLINK("http://x","y")']


def _survey() -> tuple[Survey, list[Answer]]:
    s = Survey(id="s1", title="검사", owner="o", questions=[Question("t", "의견", TEXT), Question("n", "수량", NUMBER)])
    answers = [
        Answer(
            "s1",
            f"u{i}",
            {"t": text, "n": -(i + 1)},
            name=text,
            unit=text,
            submitted_at=f"2026-11-23T09:00:{i:02d}+09:00",
        )
        for i, text in enumerate(TRIGGERS)
    ]
    return s, answers


def test_every_trigger_is_text_in_xlsx_and_negative_numbers_stay_numbers() -> None:
    import openpyxl

    s, answers = _survey()
    ws = openpyxl.load_workbook(io.BytesIO(workbook.build_xlsx([(s.title, s, answers)]))).active
    rows = list(ws.iter_rows(min_row=2))
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    opinion, count, name = header.index("의견"), header.index("수량"), header.index("이름")
    for i, row in enumerate(rows):
        for col in (opinion, name):
            cell = row[col]
            assert cell.data_type == "s" and cell.quotePrefix, (TRIGGERS[i], cell.value)
        assert row[count].data_type == "n" and row[count].value == -(i + 1)


def test_every_trigger_is_quoted_in_csv_and_negative_numbers_stay_numbers() -> None:
    s, answers = _survey()
    rows = list(csv.reader(io.StringIO(csv_file.build_csv(s, answers).decode("utf-8-sig"), newline="")))
    header = rows[0]
    for i, row in enumerate(rows[1:]):
        d = dict(zip(header, row, strict=False))
        assert d["의견"] == "'" + TRIGGERS[i] and d["이름"] == "'" + TRIGGERS[i]
        assert d["수량"] == str(-(i + 1))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.sampled_from(["=", "+", "-", "@", "\t", "\r"]), st.text(max_size=30))
def test_any_text_starting_with_a_trigger_is_defused(first: str, rest: str) -> None:
    text = first + rest
    field = csv_file.csv_field(text)
    assert field.startswith("'")
    assert csv_file.csv_field(-7) == "-7" and csv_file.csv_field(-0.5) == "-0.5"


# --- links are minted per request, never stored ---------------------------------------------------


def test_parked_files_hold_keys_not_links() -> None:
    from chalicelib.jobs.queues import InlineQueue

    c = Chat(exporter=FakeExporter())
    c.register("슈퍼", "본부", SUPER)
    make_bbq(c, admin="슈퍼")
    c.bot.queue = InlineQueue(c.bot.run_export_task)
    c.bot.callback = lambda url, body: False
    c.as_("슈퍼").say("마스터키")
    parked = c.user("슈퍼").session["ready"]
    assert parked and all(set(p) == {"key", "title", "ext", "label"} for p in parked)
    assert "https://" not in json.dumps(c.user("슈퍼").session)
    r = c.say("파일 받기")
    assert r.buttons[0]["webLinkUrl"].startswith("https://files.example/exports/")
