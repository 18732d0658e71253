"""The server's web page in headless Chromium (Playwright), served on loopback: it loads
nothing from elsewhere, runs no script, is usable with the keyboard alone and on a phone's
width, and its form gives the review page of the translation.

Marked ``browser``: skipped where Chromium or Playwright is missing, unless
TRANSLATOR_REQUIRE_BROWSER=1 (CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server_helpers import allow_loopback, expected, library, running

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from translator.server.app import create_app  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("TRANSLATOR_CHROMIUM", "/usr/bin/chromium")
GERMAN = "Der Minister sagte, dass wir nicht gehen. Er ist in der Stadt."


@pytest.fixture
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    missing = (
        "Playwright is not installed"
        if sync_playwright is None
        else ("" if Path(CHROMIUM).is_file() else f"no Chromium at {CHROMIUM}")
    )
    if missing:
        if os.environ.get("TRANSLATOR_REQUIRE_BROWSER") == "1":
            pytest.fail(f"TRANSLATOR_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    assert sync_playwright is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def base_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    allow_loopback(monkeypatch)
    with running(create_app(library()), seconds=120) as url:
        yield url


@pytest.mark.parametrize("width", [1280, 375])
def test_page_by_keyboard_gives_the_review_page(browser: Any, base_url: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base_url}/", wait_until="load")
    assert problems == [] and requests == [f"{base_url}/"]
    # No horizontal scrolling on a phone's width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Keyboard only: Tab to the text box, type, Tab on to the button, Enter.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "text"
    page.keyboard.type(GERMAN)
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "BUTTON":
            break
    assert page.evaluate("document.activeElement.textContent") == "Translate"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{base_url}/v1/translate"
    body = page.inner_text("body")
    assert expected(GERMAN) in " ".join(body.split())
    assert problems == []
    assert all(url.startswith(base_url) for url in requests)
    context.close()
