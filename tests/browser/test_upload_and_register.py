"""명단 올리기 and 등록 in the browser, on the real local stack (issue 23, items 6 and 9).

The upload page shows its progress and then the result (it polls the small status object the import writes),
and the admin hears the result on their next message; once a roster with check values exists, the web chat's
등록 asks for the check value before it sends `등록 <소속> <이름> <확인번호>`. The local stack stands in for the
bucket's notice (scripts.devjobs.UploadNotices), as S3 calls the import function on AWS.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from local_stack import require_engines, running_devstack, stop_devstack
from playwright.sync_api import Browser, Page, expect
from test_webchat_flow import WAIT_MS, _replied, add_person, click_tool, column, say, text_of

CHECK = "7342"


@pytest.fixture(autouse=True)
def _engines_available() -> None:
    require_engines()


def roster_file(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["소속", "이름", "확인번호"])
    ws.append(["본부", "관리자", "1111"])
    ws.append(["2중대", "홍길동", CHECK])
    ws.append(["2중대", "김철수", "2222"])
    out = tmp_path / "명단.xlsx"
    buf = io.BytesIO()
    wb.save(buf)
    out.write_bytes(buf.getvalue())
    return out


def walk(page: Page, url: str, tmp_path: Path) -> None:
    page.goto(url)
    admin = add_person(page, "본부", "관리자")
    click_tool(admin, "register")  # no roster yet: 등록 sends at once
    assert "등록되었어요" in text_of(_replied(admin, 0))
    click_tool(admin, "superadmin")
    expect(admin.locator(".system").last).to_contain_text("슈퍼관리자로 지정했어요")

    card = say(admin, "명단 올리기")
    link = card.locator("a.card-button", has_text="파일 올리는 곳")
    upload = page.context.new_page()
    upload.set_default_timeout(WAIT_MS)
    upload.goto(link.get_attribute("href") or "")
    said = upload.locator("#said")
    expect(said).to_contain_text("결과는 카카오톡에서")
    upload.set_input_files("input[type=file]", str(roster_file(tmp_path)))
    upload.click("button[type=submit]")
    # before: the page did not change after 올리기; now it shows the upload, then the import's result
    expect(said).to_contain_text("반영했어요: 추가 3명", timeout=WAIT_MS)
    expect(upload.locator("#bar")).to_have_attribute("value", "100")
    assert "홍길동" not in said.inner_text()  # counts only on a page anyone with the link could open
    upload.close()
    told = text_of(say(admin, "메뉴"))  # the next message tells it in full
    assert "명단을 반영했어요: 추가 3명" in told

    member = add_person(page, "2중대", "홍길동")
    click_tool(member, "register")  # a roster with check values: asked for first, nothing sent yet
    form = member.locator(".check-form")
    expect(form).to_be_visible()
    assert int(member.get_attribute("data-replies") or 0) == 0
    form.locator(".check-input").fill(CHECK)
    form.locator(".check-send").click()
    reply = _replied(member, 0)
    expect(member.locator(".bubble.user").last).to_have_text(f"등록 2중대 홍길동 {CHECK}")
    assert "2중대 홍길동님, 등록되었어요" in text_of(reply)
    expect(form).to_be_hidden()


def test_the_upload_page_shows_the_result_and_registration_asks_for_the_check_value(
    browser: Browser, tmp_path: Path
) -> None:
    with running_devstack(tmp_path) as (proc, stack):
        context = browser.new_context(viewport={"width": 980, "height": 900}, locale="ko-KR")
        try:
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            icon = page.request.get(stack["web_chat_url"].removesuffix("/chat") + "/favicon.ico")
            assert icon.status == 200 and icon.headers["content-type"] == "image/svg+xml"  # before: 403
            walk(page, stack["web_chat_url"], tmp_path)
            assert column(page, "관리자").locator(".meta .check.bad").count() == 0
        finally:
            context.close()
        assert stop_devstack(proc, stack) == 0
