"""The web chat's page in Chromium against a stand-in skill (tests/webchat_stub.py): no bot, no engines.

What the bot itself never sends is drawn too (basicCard, listCard, carousel); every tap sends the
right utterance, trigger and extra; a reply over Kakao's limits is shown in red; a failing skill
is said; the people on the page stay across a reload.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from webchat_stub import LONG, StubSkill, serve

from chalicelib.domain.model import SUPER, User
from chalicelib.domain.writes import PutUser
from chalicelib.storage.memory import MemoryStore
from scripts.chat import user_key

WAIT_MS = 10_000  # bounds a broken run only


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def site(browser: Browser, store: MemoryStore) -> Iterator[tuple[Page, StubSkill]]:
    with serve(store=lambda: store) as (base, stub, _web):
        context = browser.new_context(viewport={"width": 900, "height": 900}, locale="ko-KR")
        try:
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            page.goto(base + "/chat")
            yield page, stub
        finally:
            context.close()


def _wait_reply(col: Locator, before: int) -> Locator:
    who = col.get_attribute("data-user")
    col.page.locator(f'section.person[data-user="{who}"][data-replies="{before + 1}"][data-busy="false"]').wait_for()
    return col.locator(".msg.bot, .system").last


def send(col: Locator, text: str) -> Locator:
    before = int(col.get_attribute("data-replies") or 0)
    col.locator(".compose-input").fill(text)
    col.locator(".compose-input").press("Enter")
    return _wait_reply(col, before)


def press(col: Locator, target: Locator) -> Locator:
    before = int(col.get_attribute("data-replies") or 0)
    target.click()
    return _wait_reply(col, before)


def add(page: Page, name: str, unit: str = "") -> Locator:
    page.fill("#new-unit", unit)
    page.fill("#new-name", name)
    page.press("#new-name", "Enter")
    col = page.locator(f'section.person[data-user="{name}"]')
    expect(col).to_be_visible()
    return col


def test_cards_buttons_and_chips_send_what_kakao_would(site: tuple[Page, StubSkill]) -> None:
    page, stub = site
    col = add(page, "테스터")
    expect(col.locator(".sub")).to_have_text("소속 없음")

    reply = send(col, "카드")
    user = col.locator(".msg.user .bubble").last
    expect(user).to_have_text("카드")
    assert user.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(254, 229, 0)"  # KakaoTalk yellow
    user_box, reply_box = user.bounding_box(), reply.bounding_box()
    assert user_box and reply_box and user_box["x"] > reply_box["x"] + 100  # the person right, the bot left
    expect(reply.locator(".botname")).to_have_text("행정이")
    expect(reply.locator(".meta .ms")).to_have_text(re.compile(r"^\d+ ms$"))
    expect(reply.locator(".meta .check.ok")).to_be_visible()

    basic = reply.locator('.card[data-kind="basicCard"]').first
    expect(basic.locator(".card-title")).to_have_text("주간 식수 조사")
    expect(basic.locator(".thumb img")).to_be_visible()
    link = basic.locator("a.card-button")
    expect(link).to_have_text("안내 보기")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("href", "http://127.0.0.1:9/guide")
    listcard = reply.locator('.card[data-kind="listCard"]')
    expect(listcard.locator(".list-header")).to_have_text("열린 신청")
    expect(listcard.locator(".list-item")).to_have_count(2)
    expect(listcard.locator("a.list-item")).to_have_attribute("href", "http://127.0.0.1:9/sports")
    expect(reply.locator('.carousel[data-type="basicCard"] > .card')).to_have_count(2)
    expect(col.locator(".quick .chip")).to_have_text(["고르기", "메뉴"])

    # A quick reply: its messageText, with its extra as action.clientExtra.
    echo = press(col, col.locator(".quick .chip", has_text="고르기"))
    expect(echo).to_contain_text('받음: 고름 / QUICKREPLY_BUTTON_MESSAGE / extra={"pick": "q9"}')
    expect(col.locator(".msg.user .bubble").last).to_have_text("고름")
    sent = stub.requests[-1]
    assert sent["headers"]["HTTP_X_SKILL_SECRET"] == "stub-secret"
    assert sent["body"]["userRequest"]["user"]["type"] == "botUserKey"
    assert sent["body"]["userRequest"]["params"]["surface"] == "Kakaotalk.plusfriend"

    # A card's message button and a list item.
    old = col.locator(".msg.bot").nth(0)
    echo = press(col, old.locator("button.card-button", has_text="응답하기"))
    expect(echo).to_contain_text('받음: 신청 주간 식수 / CARD_BUTTON_MESSAGE / extra={"sid": "s1"}')
    echo = press(col, old.locator("button.list-item", has_text="BBQ 회식"))
    expect(echo).to_contain_text('받음: 신청 BBQ 회식 / LIST_ITEM_MESSAGE / extra={"pick": "b1"}')

    # Typed text carries no extra; the raw JSON shows both the reply and the request.
    echo = send(col, "안녕")
    expect(echo).to_contain_text("받음: 안녕 / TEXT_INPUT / extra={}")
    echo.locator(".raw-toggle").click()
    raw = echo.locator("pre.raw").inner_text()
    reply_json = json.loads(raw.split("// 요청")[0].split("\n", 1)[1])
    assert reply_json["template"]["outputs"][0]["simpleText"]["text"].startswith("받음: 안녕")
    assert '"utterance": "안녕"' in raw


def test_a_reply_over_the_limits_is_red_and_a_failing_skill_is_said(site: tuple[Page, StubSkill]) -> None:
    page, _ = site
    col = add(page, "검사", "2중대")
    reply = send(col, "긴 글")
    bad = reply.locator(".meta .check.bad")
    expect(bad).to_have_text("카카오 제한 위반: simpleText length")
    assert bad.evaluate("e => getComputedStyle(e).color") == "rgb(217, 48, 37)"
    assert reply.evaluate("e => e.classList.contains('invalid')")
    # KakaoTalk folds a long text behind 전체 보기.
    text = reply.locator(".bubble .text")
    assert len(text.inner_text()) < len(LONG)
    reply.locator("button.fold").click()
    expect(reply.locator("button.fold")).to_have_count(0)
    assert text.inner_text().strip() == LONG.strip()

    failed = send(col, "고장")
    expect(failed).to_have_class(re.compile(r"\bsystem bad\b"))
    expect(failed).to_contain_text("HTTP 500")


def test_people_stay_across_a_reload_and_super_admin_needs_registration(
    site: tuple[Page, StubSkill], store: MemoryStore
) -> None:
    page, _ = site
    admin = add(page, "관리자", "본부")
    add(page, "홍길동", "2중대")
    admin.locator(".tool.superadmin").click()
    expect(admin.locator(".system").last).to_have_text("관리자님은 아직 등록하지 않았어요. 먼저 '등록'을 눌러 주세요.")
    expect(admin.locator(".badge")).to_be_hidden()
    store.commit([PutUser(User(key=user_key("관리자"), name="관리자", unit="본부"))])  # as 등록 would
    admin.locator(".tool.superadmin").click()
    expect(admin.locator(".system").last).to_have_text("본부 관리자님을 슈퍼관리자로 지정했어요.")
    expect(admin.locator(".badge")).to_have_text("슈퍼관리자")
    stored = store.get_user(user_key("관리자"))
    assert stored is not None and stored.role == SUPER

    page.reload()
    expect(page.locator("section.person .name > span:first-child")).to_have_text(["관리자", "홍길동"])
    admin = page.locator('section.person[data-user="관리자"]')
    expect(admin.locator(".sub")).to_have_text("본부")
    expect(admin.locator(".badge")).to_be_visible()
    expect(admin.locator(".tool.register")).to_have_attribute("title", "등록 본부 관리자")
    page.locator('section.person[data-user="홍길동"] .tool.close').click()
    expect(page.locator("section.person")).to_have_count(1)
    page.reload()
    expect(page.locator("section.person")).to_have_count(1)
