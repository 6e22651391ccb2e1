"""The results page in a real browser at a phone's width: it loads nothing but itself, logs no error, never
scrolls sideways, keeps every chart's text inside its chart, and its policy stops anything slipped in.

Runs Debian's Chromium (``/usr/bin/chromium``) headless through Playwright, serving the page from a local
HTTP server on a free port. Screenshots go to ``.artifacts/``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from reportdata import TITLE, bbq_world, big_results

from chalicelib.export.report import render

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts"

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason=f"Chromium is not installed at {CHROMIUM} (Debian's chromium package): the page is not opened in a browser",
)


SERVED: list[str] = []  # the paths the local server was asked for


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        SERVED.append(self.path)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, folder) of a local HTTP server on a free port, serving the folder."""
    folder = tmp_path_factory.mktemp("pages")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


class Opened:
    """A page opened at a phone's size, with every request it made and every problem it logged."""

    def __init__(self, browser: Any, url: str, scheme: str = "light") -> None:
        self.context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, color_scheme=scheme, is_mobile=True, has_touch=True
        )
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.refused: list[tuple[str, str]] = []  # (URL, why) of requests the browser did not make
        self.problems: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.refused.append((r.url, r.failure or "")))
        self.page.on(
            "console", lambda m: self.problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.ok

    def overflow(self) -> tuple[int, int]:
        return self.page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")

    def texts_outside_their_chart(self) -> list[str]:
        return self.page.evaluate("""() => [...document.querySelectorAll('svg text')].filter(t => {
            const r = t.getBoundingClientRect(), s = t.ownerSVGElement.getBoundingClientRect();
            return r.left < s.left - 1 || r.right > s.right + 1;
        }).map(t => t.textContent)""")

    def close(self) -> None:
        self.context.close()


def publish(site: tuple[str, Path], name: str, html: str) -> str:
    base, folder = site
    (folder / name).write_text(html, encoding="utf-8")
    return base + name


def check(opened: Opened, url: str) -> None:
    assert opened.problems == []
    assert opened.requests == [url] and opened.refused == []  # the page itself, and nothing else
    width, inner = opened.overflow()
    assert inner == PHONE["width"] and width <= inner, (width, inner)
    assert opened.texts_outside_their_chart() == []


def test_the_bbq_page_at_a_phone_s_width(browser: Any, site: tuple[str, Path]) -> None:
    c, ex = bbq_world()
    assert c.as_("관리자").say(f"결과 보기 {TITLE}").buttons
    url = publish(site, "report.html", render(ex.reports[-1]))
    opened = Opened(browser, url)
    try:
        check(opened, url)
        assert opened.page.title() == f"{TITLE} 결과"
        assert opened.page.locator("h1").inner_text() == TITLE
        assert opened.page.locator("svg").count() >= 5
        ARTIFACTS.mkdir(exist_ok=True)
        opened.page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    finally:
        opened.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_big_awkward_page_stays_inside_the_screen(browser: Any, site: tuple[str, Path], scheme: str) -> None:
    """2,000 answers over three weeks, twelve units (one long-named, one named like a tag), long options."""
    url = publish(site, f"big-{scheme}.html", render(big_results(2000)))
    opened = Opened(browser, url, scheme)
    try:
        check(opened, url)
        assert opened.page.locator("script, img, iframe").count() == 0  # the awkward names stayed text
        ARTIFACTS.mkdir(exist_ok=True)
        opened.page.screenshot(path=str(ARTIFACTS / f"report-big-{scheme}.png"), full_page=True)
    finally:
        opened.close()


def test_the_page_s_policy_stops_what_might_slip_in(browser: Any, site: tuple[str, Path]) -> None:
    """Were something to get past the escaping, the page's own policy would keep the browser from loading or
    running it: proof that the policy is the one the browser enforces, not decoration."""
    base, _ = site
    planted = (
        f'<img src="{base}planted.png"><script>document.title = "ran"</script>'
        f'<link rel="stylesheet" href="{base}planted.css">'
    )
    url = publish(site, "planted.html", render(big_results(10)).replace("<main>", "<main>" + planted, 1))
    before = len(SERVED)
    opened = Opened(browser, url)
    try:
        # The browser reports the planted requests, and that it refused them for the policy; the server
        # saw the page alone.
        assert opened.refused == [(f"{base}planted.png", "csp"), (f"{base}planted.css", "csp")]
        assert SERVED[before:] == ["/planted.html"]
        assert opened.page.title() != "ran"
        assert sum("Content Security Policy" in p for p in opened.problems) == 3
    finally:
        opened.close()
