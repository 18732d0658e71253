"""The HTML review page in a real browser: headless Chromium driven by Playwright.

Marked ``browser``: skipped where Chromium or Playwright is missing, unless
TRANSLATOR_REQUIRE_BROWSER=1 (set by CI's .ci/run), which turns the skip into a failure.
TRANSLATOR_UPDATE_SCREENSHOT=1 also writes the sample's screenshot to docs/.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fakes import HOSTILE, FakeTranslator
from oracle import SAMPLE, SAMPLE_PARAGRAPHS, SAMPLE_QUOTES
from typer.testing import CliRunner

from tests.batch_helpers import run_batch
from translator import pipeline
from translator.batch import INDEX_NAME, BatchSettings, read_manifest
from translator.cli import app
from translator.options import Options
from translator.render import OutputFormat, render, run_details
from translator.schema import QuoteMode

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("TRANSLATOR_CHROMIUM", "/usr/bin/chromium")
# Headless Chromium as root in a container, with nothing that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOCS = Path(__file__).parent.parent / "docs"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Chromium; a skip (or, with TRANSLATOR_REQUIRE_BROWSER=1, a failure)
    where Playwright or the browser is missing."""
    required = os.environ.get("TRANSLATOR_REQUIRE_BROWSER") == "1"
    missing = ""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "Playwright is not installed (pip install -e '.[dev]')"
    if not missing and not Path(CHROMIUM).is_file():
        missing = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if missing:
        if required:
            pytest.fail(f"TRANSLATOR_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Opened:
    """A page, with what went wrong while it loaded and what it asked the network for."""

    page: Any
    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.requests == [self.url]  # the file itself, nothing else


@pytest.fixture
def open_page(chromium: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_(path: Path, width: int = 1280) -> Opened:
        context = chromium.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page, path.resolve().as_uri())
        page.on(
            "console",
            lambda message: (
                opened.errors.append(message.text) if message.type in ("error", "warning") else None
            ),
        )
        page.on("pageerror", lambda error: opened.errors.append(str(error)))
        page.on("request", lambda request: opened.requests.append(request.url))
        page.goto(opened.url, wait_until="load")
        return opened

    yield open_
    for context in contexts:
        context.close()


def _page_file(
    tmp_path: Path, text: str, options: Options | None = None, name: str = "a.de.txt"
) -> Path:
    options = options or Options()
    result = pipeline.translate_document(text, FakeTranslator(), options)
    path = tmp_path / "review.html"
    run = run_details(options, FakeTranslator())
    path.write_text(render(result, OutputFormat.HTML, source_name=name, run=run), "utf-8")
    return path


def _quotation_numbers(page: Any, side: str) -> list[str]:
    numbers: list[str] = page.eval_on_selector_all(
        f'[data-side="{side}"] mark.q', "marks => marks.map(m => m.dataset.q)"
    )
    return list(dict.fromkeys(numbers))


def test_cli_page_of_the_sample_shows_every_paragraph_and_quotation(
    open_page: Any, tiny_marian_dir: Path, tmp_path: Path
) -> None:
    review, as_json = tmp_path / "review.html", tmp_path / "review.json"
    for output, output_format in ((review, "html"), (as_json, "json")):
        result = CliRunner().invoke(
            app,
            ["translate", str(SAMPLE), "-m", str(tiny_marian_dir), "--format", output_format]
            + ["-o", str(output)],
        )
        assert result.exit_code == 0, result.stderr
    data = json.loads(as_json.read_text("utf-8"))
    opened = open_page(review)
    opened.assert_clean()
    page = opened.page
    assert page.locator("section.pair").count() == SAMPLE_PARAGRAPHS == len(data["paragraphs"])
    source_numbers = _quotation_numbers(page, "de")
    assert len(source_numbers) == len(SAMPLE_QUOTES) == len(data["quotes"])
    assert _quotation_numbers(page, "en") == source_numbers
    texts = page.eval_on_selector_all('[data-side="de"] mark.q', "ms => ms.map(m => m.textContent)")
    assert texts == list(SAMPLE_QUOTES)
    assert page.locator("#quote-count").text_content() == str(len(SAMPLE_QUOTES))
    assert page.eval_on_selector("html", "e => e.lang") == "en"
    assert page.locator('[data-side="de"][lang="de"]').count() == SAMPLE_PARAGRAPHS
    assert page.locator('[data-side="en"][lang="en"]').count() == SAMPLE_PARAGRAPHS


def test_focus_and_hover_highlight_the_counterpart_and_enter_jumps_to_it(
    open_page: Any, tmp_path: Path
) -> None:
    opened = open_page(_page_file(tmp_path, SAMPLE.read_text("utf-8")))
    page = opened.page
    third = page.locator('[data-side="de"] mark.q[data-q="3"]')
    counterpart = page.locator('[data-side="en"] mark.q[data-q="3"]')
    assert "focused" not in (counterpart.get_attribute("class") or "")
    third.focus()
    assert "focused" in (counterpart.get_attribute("class") or "")
    assert page.locator("mark.q.focused").count() == 2  # the pair, and no other quotation
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.closest('[data-side]').dataset.side") == "en"
    assert page.evaluate("document.activeElement.dataset.q") == "3"
    page.locator('[data-side="en"] mark.q[data-q="5"]').hover()
    assert "hovered" in (page.locator('[data-side="de"] mark.q[data-q="5"]').get_attribute("class"))
    opened.assert_clean()


def test_next_warning_and_keys_walk_the_page(open_page: Any, tmp_path: Path) -> None:
    text = "Ein loses „Zeichen.\n\nRuhig.\n\nNoch ein loses »Zeichen.\n\nEnde."
    page = open_page(_page_file(tmp_path, text)).page
    assert page.locator("#warning-count").text_content() == "2"
    assert page.locator("#p1 .warning").count() == 1 and page.locator("#p3 .warning").count() == 1
    page.locator("#next-warning").click()
    assert page.evaluate("document.activeElement.id") == "w1"
    page.locator("#next-warning").click()
    assert page.evaluate("document.activeElement.id") == "w2"
    assert page.locator("#next-warning").text_content() == "Next warning (2/2)"
    page.keyboard.press("n")  # wraps around
    assert page.evaluate("document.activeElement.id") == "w1"
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == "p2"
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.id") == "p1"


def test_hostile_markup_is_shown_and_never_run(open_page: Any, tmp_path: Path) -> None:
    text = HOSTILE + '\n\n<img src="http://192.0.2.1/x.png"> <link rel=stylesheet href=//x/y>'
    opened = open_page(_page_file(tmp_path, text))
    page = opened.page
    opened.assert_clean()  # no request to 192.0.2.1, no CSP violation
    assert page.title() == "Review: a.de.txt"
    assert page.evaluate("typeof window.pwned") == "undefined"
    for selector in ("img", "a[href^='javascript']", "b", "link", "[onerror]", "main style"):
        assert page.locator(selector).count() == 0, selector
    assert page.locator("script").count() == 1 and page.locator("style").count() == 1
    assert page.locator("body").is_visible()  # the injected body{display:none} is text
    shown = page.locator('[data-side="de"]').all_text_contents()
    assert any("<script>document.title='pwned'" in t for t in shown)
    assert any("<img src=x onerror='window.pwned=2'>" in t for t in shown)
    for link in page.locator("a").all():  # our own links only: in-page anchors
        assert (link.get_attribute("href") or "").startswith("#")
        link.click()
    assert page.evaluate("typeof window.pwned") == "undefined"


def test_narrow_screen_stacks_the_columns(open_page: Any, tmp_path: Path) -> None:
    page = open_page(_page_file(tmp_path, SAMPLE.read_text("utf-8")), width=480).page
    source = page.locator("#p2 [data-side='de']").bounding_box()
    translation = page.locator("#p2 [data-side='en']").bounding_box()
    assert translation["y"] >= source["y"] + source["height"]
    assert abs(translation["x"] - source["x"]) < 1


def test_sample_screenshot(open_page: Any, tmp_path: Path) -> None:
    options = Options(quotes=QuoteMode.KEEP)
    opened = open_page(_page_file(tmp_path, SAMPLE.read_text("utf-8"), options, SAMPLE.name))
    opened.page.locator('[data-side="de"] mark.q[data-q="3"]').focus()
    shot = tmp_path / "review-page.png"
    opened.page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("TRANSLATOR_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, DOCS / "review-page.png")


def test_batch_index_lists_every_file_and_sorts(open_page: Any, tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "b-artikel.de.txt").write_text(SAMPLE.read_text("utf-8"), "utf-8")
    (source / "a-kurz.txt").write_text('Er sagte "ja". Sie sagte "nein".', "utf-8")
    (source / "c-leer.txt").write_text("\n", "utf-8")
    (source / "d-kaputt.txt").write_bytes(b"\x00\xffbinary")
    output = tmp_path / "out"
    run_batch(BatchSettings(source, output, output_format=OutputFormat.HTML), FakeTranslator())
    records = {record.path: record for record in read_manifest(output)}
    opened = open_page(output / INDEX_NAME)
    opened.assert_clean()
    page = opened.page
    rows = page.locator("#files tbody tr")
    assert rows.count() == len(records) == 4
    statuses = page.eval_on_selector_all(
        "#files tbody tr", "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent])"
    )
    assert statuses == [[path, record.status.value] for path, record in sorted(records.items())]
    failed = page.locator("#files tbody tr.status-failed td").last.text_content()
    assert failed == records["d-kaputt.txt"].error != ""
    quotations = page.locator("#files thead button", has_text="Quotations")
    quotations.click()
    quotations.click()  # descending: the sample's 7 first
    first = page.locator("#files tbody tr").first
    assert first.locator("td").first.text_content() == "b-artikel.de.txt"
    assert first.locator("td").nth(2).text_content() == str(len(SAMPLE_QUOTES))
    first.locator("a").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/b-artikel.en.html")
    assert page.locator("section.pair").count() == SAMPLE_PARAGRAPHS


def test_dark_scheme_and_print_stylesheet(open_page: Any, tmp_path: Path) -> None:
    page = open_page(_page_file(tmp_path, 'Er sagte: "Ja." Ein loses „Zeichen.')).page

    def background() -> str:
        return str(page.evaluate("getComputedStyle(document.body).backgroundColor"))

    page.emulate_media(color_scheme="light")
    light = background()
    page.emulate_media(color_scheme="dark")
    assert background() != light
    assert page.locator("#next-warning").is_visible()
    page.emulate_media(media="print", color_scheme="dark")
    assert background() == "rgb(255, 255, 255)"  # paper, also from a dark screen
    assert not page.locator("#next-warning").is_visible()
    assert not page.locator(".keys").first.is_visible()


def test_next_to_check_and_keys_walk_the_weakest_sentences(open_page: Any, tmp_path: Path) -> None:
    from tests.fakes import ScoringTranslator

    weak = ScoringTranslator.WEAK_WORD
    lines = [f"Satz {n} ist {weak} geworden." for n in range(2)]
    lines += [f"Die Regierung handelt im Fall {n}." for n in range(18)]
    options = Options(alternatives=1)
    result = pipeline.translate_document("\n\n".join(lines), ScoringTranslator(), options)
    path = tmp_path / "review.html"
    path.write_text(render(result, OutputFormat.HTML, source_name="a.de.txt"), "utf-8")
    opened = open_page(path)
    page = opened.page
    assert page.locator("#check-count").text_content() == "2"
    page.locator("#next-check").click()
    assert page.evaluate("document.activeElement.id") == "c1"
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.id") == "c2"
    assert page.locator("#next-check").text_content() == "Next to check (2/2)"
    page.keyboard.press("C")
    assert page.evaluate("document.activeElement.id") == "c1"
    details = page.locator("#p3 details.alternatives")
    assert not details.locator("ol").is_visible()
    details.locator("summary").click()
    assert details.locator("ol").is_visible()
    opened.assert_clean()
