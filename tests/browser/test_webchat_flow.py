"""The web chat against the real local stack: two people, a survey made and answered by tapping, its export.

Starts `python -m scripts.devstack` (DynamoDB Local, moto S3, gunicorn with the web chat) on free
ports in a temporary directory, then in Chromium: adds 관리자 and 홍길동, registers both with one
click, makes 관리자 a super admin (the `make superadmin` path), walks the 신청 만들기 wizard as the
admin (tapping quick replies where the bot offers the step), answers as the member by tapping
chips, submits, and downloads the Excel export through the card's link button. Every reply must
keep Kakao's limits. The page is saved as .artifacts/webchat.png; the stack must leave no process.
Without Java or the DynamoDB Local package it is skipped on a developer's machine, and fails in CI.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from local_stack import require_engines, running_devstack, stop_devstack
from playwright.sync_api import Browser, Locator, Page, expect

from scripts.wizard import bbq_messages

TITLE = "BBQ 회식"
WAIT_MS = 20_000  # bounds a broken run only; a reply normally takes well under a second


@pytest.fixture(autouse=True)
def _engines_available() -> None:
    require_engines()


def column(page: Page, who: str) -> Locator:
    return page.locator(f'section.person[data-user="{who}"]')


def add_person(page: Page, unit: str, name: str) -> Locator:
    page.fill("#new-unit", unit)
    page.fill("#new-name", name)
    page.click(".add-person button[type=submit]")
    col = column(page, name)
    expect(col).to_be_visible()
    expect(col.locator(".sub")).to_have_text(unit)
    return col


def _replied(col: Locator, before: int) -> Locator:
    # wait_for watches the page itself (expect() would poll from here, adding a pause to every message).
    who = col.get_attribute("data-user")
    col.page.locator(f'section.person[data-user="{who}"][data-replies="{before + 1}"][data-busy="false"]').wait_for(
        timeout=WAIT_MS
    )
    errors = col.locator(".system.bad")
    assert errors.count() == 0, errors.all_inner_texts()
    return col.locator(".msg.bot").last


def replies(col: Locator) -> int:
    return int(col.get_attribute("data-replies") or 0)


def say(col: Locator, text: str) -> Locator:
    """Type ``text`` and send it; the bot's reply (its message element)."""
    before = replies(col)
    col.locator(".compose-input").fill(text)
    col.locator(".compose-input").press("Enter")
    return _replied(col, before)


def tap(col: Locator, label: str) -> Locator:
    """Tap the quick reply labelled ``label``; the bot's reply."""
    before = replies(col)
    col.locator(".quick .chip", has_text=re.compile(f"^{re.escape(label)}$")).click()
    return _replied(col, before)


def tap_or_say(col: Locator, text: str) -> Locator:
    """What a person does: tap the step when the bot offers it as a quick reply, else type it."""
    chip = col.locator(".quick .chip", has_text=re.compile(f"^{re.escape(text)}$"))
    return tap(col, text) if chip.count() else say(col, text)


def click_tool(col: Locator, name: str) -> None:
    col.locator(f".person-head .tool.{name}").click()


def text_of(message: Locator) -> str:
    return message.locator(".outputs").inner_text()


def converse(page: Page, url: str, artifacts: Path) -> None:
    """Everything a person does on the page, from adding people to the downloaded export."""
    context = page.context
    page.goto(url)
    expect(page.locator("#empty")).to_be_visible()

    admin = add_person(page, "본부", "관리자")
    member = add_person(page, "2중대", "홍길동")
    expect(page.locator("#empty")).to_be_hidden()

    # One click registers: the page sends 등록 <소속> <이름>.
    click_tool(admin, "register")
    reply = _replied(admin, 0)
    expect(admin.locator(".bubble.user").last).to_have_text("등록 본부 관리자")
    assert "등록되었어요" in text_of(reply)
    click_tool(member, "register")
    assert "등록되었어요" in text_of(_replied(member, 0))

    # Super admin through the operator's path, not through the chat.
    click_tool(admin, "superadmin")
    expect(admin.locator(".system").last).to_contain_text("슈퍼관리자로 지정했어요")
    expect(admin.locator(".badge")).to_be_visible()

    # The wizard, as scripts/wizard.py sends it.
    for text in bbq_messages(title=TITLE, deadline="내일 18시", remind="없음"):
        reply = tap_or_say(admin, text)
    assert "개설했어요" in text_of(reply)

    # The member finds it and answers by tapping; a chip sends its extra as action.clientExtra.
    assert TITLE in text_of(tap(member, "신청 목록"))
    assert "메뉴를 골라 주세요" in text_of(tap(member, TITLE))
    picked = tap(member, "피자")
    picked.locator(".raw-toggle").click()
    raw = picked.locator("pre.raw")
    expect(raw).to_be_visible()
    expect(raw).to_contain_text('"clientExtra": {')
    expect(raw).to_contain_text('"q": "q1"')
    expect(raw).to_contain_text('"utterance": "피자"')
    picked.locator(".raw-toggle").click()
    expect(raw).to_be_hidden()
    assert "수량" in text_of(picked)
    say(member, "2")
    assert "제출 전 확인" in text_of(tap(member, "건너뛰기"))
    assert "제출했어요" in text_of(tap(member, "제출"))

    # The export: a card whose link button opens the presigned link in a new tab, which downloads.
    card = say(admin, f"다운로드 {TITLE}")
    link = card.locator("a.card-button", has_text="엑셀 받기")
    expect(link).to_have_attribute("target", "_blank")
    assert link.get_attribute("href", timeout=WAIT_MS).startswith("http://127.0.0.1:")
    # Chromium reports a download that a new tab starts on that tab, on its opener, or on both.
    downloads: list[Any] = []
    page.on("download", lambda d: downloads.append(d))
    context.on("page", lambda tab: tab.on("download", lambda d: downloads.append(d)))
    with context.expect_page() as opened:
        link.click()
    tab = opened.value
    deadline = time.monotonic() + WAIT_MS / 1000
    while not downloads and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert downloads, "the link opened no download"
    download = downloads[0]
    assert download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    cells = {str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v}
    assert {"홍길동", "피자"} <= cells
    if not tab.is_closed():
        tab.close()

    # Every reply was timed and kept Kakao's limits.
    for col in (admin, member):
        metas = col.locator(".msg.bot .meta")
        assert metas.count() == replies(col)
        assert col.locator(".meta .check.bad").count() == 0
        assert col.locator(".meta .check.ok").count() == replies(col)
        for ms in col.locator(".meta .ms").all_inner_texts():
            assert re.fullmatch(r"\d+ ms", ms), ms

    page.mouse.move(0, 0)  # no hover left on a button
    page.screenshot(path=str(artifacts / "webchat.png"))


def test_two_people_make_answer_and_export_a_survey(browser: Browser, tmp_path: Path, artifacts: Path) -> None:
    with running_devstack(tmp_path) as (proc, stack):
        context = browser.new_context(viewport={"width": 980, "height": 900}, locale="ko-KR", accept_downloads=True)
        try:
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            try:
                converse(page, stack["web_chat_url"], artifacts)
            except Exception as e:
                page.screenshot(path=str(artifacts / "webchat-failure.png"))
                log = tmp_path / "logs" / "gunicorn.log"
                tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
                raise AssertionError(
                    f"{e}\n\nthe page: .artifacts/webchat-failure.png\nthe server's log (its end):\n{tail}"
                ) from e
        finally:
            context.close()
        assert stop_devstack(proc, stack) == 0
