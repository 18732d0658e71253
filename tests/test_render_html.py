"""The HTML review page without a browser: placing quotations, escaping, the CSP, batch.

What the page does in a browser is tested in test_html_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import sqlite3
from pathlib import Path

import pytest
from fakes import HOSTILE, FakeTranslator
from oracle import SAMPLE, SAMPLE_PARAGRAPHS, SAMPLE_QUOTES
from typer.testing import CliRunner

from tests.batch_helpers import run_batch
from translator import pipeline
from translator.batch import INDEX_NAME, BatchSettings, read_manifest
from translator.cli import app
from translator.options import Options
from translator.render import OutputFormat, render, run_details, to_json
from translator.render_html import (
    Span,
    locate,
    page_model,
    render_index,
    render_page,
    split_segments,
)
from translator.schema import QuoteMode


def sample_data(quotes: QuoteMode = QuoteMode.KEEP) -> dict[str, object]:
    text = SAMPLE.read_text(encoding="utf-8")
    result = pipeline.translate_document(text, FakeTranslator(), Options(quotes=quotes))
    return to_json(result, SAMPLE.name)


# --- placing quotations ----------------------------------------------------------------


def test_locate_gives_equal_quotations_their_own_places() -> None:
    paragraphs = ['"Ja", sagte er, "Ja".']
    taken: list[list[Span]] = [[]]
    first = locate(paragraphs, 0, '"Ja"', taken)
    second = locate(paragraphs, 0, '"Ja"', taken)
    assert first == [Span(0, 0, 4)]
    assert second == [Span(0, 16, 20)]
    assert locate(paragraphs, 0, '"Ja"', taken) is None  # no third one


def test_locate_finds_quotations_the_translation_reordered() -> None:
    paragraphs = ['"B" came before "A".']
    taken: list[list[Span]] = [[]]
    assert locate(paragraphs, 0, '"A"', taken) == [Span(0, 16, 19)]
    assert locate(paragraphs, 0, '"B"', taken) == [Span(0, 0, 3)]


def test_locate_follows_a_quotation_across_paragraphs() -> None:
    paragraphs = ["Er sagte:", 'Vorher. "Erstens', 'zweitens."', "Danach."]
    taken: list[list[Span]] = [[] for _ in paragraphs]
    spans = locate(paragraphs, 1, '"Erstens\nzweitens."', taken)
    assert spans == [Span(1, 8, 16), Span(2, 0, 10)]
    assert taken[1] == [Span(1, 8, 16)] and taken[2] == [Span(2, 0, 10)]


def test_locate_keeps_a_list_piece_with_its_own_newlines_in_one_paragraph() -> None:
    paragraphs = ['- "eins\n- zwei"', "x"]
    assert locate(paragraphs, 0, '"eins\n- zwei"', [[], []]) == [Span(0, 2, 15)]


def test_locate_reports_a_missing_quotation() -> None:
    taken: list[list[Span]] = [[]]
    assert locate(["nichts hier"], 0, '"weg"', taken) is None
    assert taken == [[]]


def test_split_segments_cuts_at_the_spans() -> None:
    segments = split_segments("ab «c» d", [(Span(0, 3, 6), 2, "q2-de")])
    assert [(s.text, s.quote, s.anchor) for s in segments] == [
        ("ab ", 0, ""),
        ("«c»", 2, "q2-de"),
        (" d", 0, ""),
    ]


# --- the page's model and markup ---------------------------------------------------------


@pytest.mark.parametrize("mode", list(QuoteMode))
def test_sample_page_places_every_quotation_in_both_columns(mode: QuoteMode) -> None:
    data = sample_data(mode)
    model = page_model(data)
    assert len(model["paragraphs"]) == SAMPLE_PARAGRAPHS == len(data["paragraphs"])  # type: ignore[arg-type]
    assert [q["original"] for q in model["quotes"]] == list(SAMPLE_QUOTES)
    assert all(q["in_source"] and q["in_translation"] for q in model["quotes"])
    source_marks = [s.text for p in model["paragraphs"] for s in p["source"] if s.quote]
    translation_marks = [s.text for p in model["paragraphs"] for s in p["translation"] if s.quote]
    assert source_marks == list(SAMPLE_QUOTES)
    assert translation_marks == [q["rendered"] for q in data["quotes"]]  # type: ignore[attr-defined]
    # The original is shown beside the translation only when the two differ.
    assert all(q["shows_original"] == (mode is not QuoteMode.KEEP) for q in model["quotes"])


def test_page_holds_every_paragraph_and_quotation_in_order() -> None:
    data = sample_data()
    page = render_page(data)
    assert page.count('<section class="pair') == SAMPLE_PARAGRAPHS
    assert len(re.findall(r'<mark class="q [^"]*" data-q="\d+"', page)) == 2 * len(SAMPLE_QUOTES)
    assert 'lang="de" data-side="de"' in page and 'lang="en" data-side="en"' in page
    for quote in SAMPLE_QUOTES:  # autoescaped: quotes become &#34;
        assert quote.replace('"', "&#34;") in page


def test_inline_style_and_script_are_exactly_what_the_policy_allows() -> None:
    page = render_page(sample_data())
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert found is not None
    policy = html.unescape(found.group(1))
    assert "default-src 'none'" in policy
    assert "unsafe-inline" not in policy
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(styles) == 1 and len(scripts) == 1
    for kind, body in (("style-src", styles[0]), ("script-src", scripts[0])):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert f"{kind} 'sha256-{digest}'" in policy


def test_hostile_input_is_escaped_everywhere() -> None:
    result = pipeline.translate_document(HOSTILE, FakeTranslator(), Options())
    page = render(result, OutputFormat.HTML, source_name="<script>x</script>.txt")
    # Our one style and one script element, nothing else the input could have made.
    assert page.count("<script") == 1 and page.count("</script") == 1
    assert page.count("<style") == 1 and page.count("</style") == 1
    assert page.count("</title") == 1
    assert "<img" not in page and '<a href="javascript' not in page and "<b " not in page
    assert "&lt;img src=x onerror=&#39;window.pwned=2&#39;&gt;" in page
    assert "&lt;script&gt;x&lt;/script&gt;.txt" in page


def test_warnings_are_shown_at_their_paragraph() -> None:
    text = "Erster Absatz.\n\nZweiter mit einem losen „Zeichen.\n\nDritter."
    result = pipeline.translate_document(text, FakeTranslator(), Options())
    data = to_json(result)
    assert [len(p["warnings"]) for p in data["paragraphs"]] == [0, 1, 0]
    assert data["paragraphs"][1]["warnings"] == data["warnings"]
    page = render_page(data)
    second = page.split('id="p2"')[1].split("</section>")[0]
    assert 'class="warning" id="w1"' in second
    assert '<span id="warning-count">1</span>' in page


def test_summary_quotations_link_to_the_article_and_list_their_actions() -> None:
    data = sample_data()
    rendered = data["quotes"][5]["rendered"]  # type: ignore[index]
    data["summary"] = f"No said: {rendered} Then he left."
    data["summary_model"] = {"id": "tiny-bart", "revision": None}
    data["summary_chunks"] = 1
    data["summary_quotes"] = [
        {"found": rendered, "action": "kept", "replacement": rendered},
        {"found": '"erfunden"', "action": "unquoted", "replacement": "erfunden"},
    ]
    summary = page_model(data)["summary"]
    assert [(s.text, s.quote) for s in summary["segments"] if s.quote] == [(rendered, 6)]
    assert [c["action"] for c in summary["changes"]] == ["kept", "unquoted"]
    page = render_page(data)
    assert "tiny-bart" in page and 'class="action-unquoted"' in page


def test_footer_names_model_engine_options_and_timings() -> None:
    options = Options(quotes=QuoteMode.BOTH, summarize=True, summary_max_words=40)
    page = render_page(sample_data(), run_details(options, FakeTranslator()))
    footer = page.split("<footer>")[1]
    for text in ("FakeTranslator @ fake", "Engine", "--quotes both", "--summary-max-words 40"):
        assert text in footer
    assert re.search(r"total \d+\.\d\d s", footer)


# --- batch -------------------------------------------------------------------------------


def test_batch_html_writes_a_page_per_file_and_an_index_of_every_status(tmp_path: Path) -> None:
    source = tmp_path / "in"
    (source / "news").mkdir(parents=True)
    (source / "news" / "belousov.de.txt").write_text(SAMPLE.read_text("utf-8"), "utf-8")
    (source / "leer.txt").write_text("  \n", "utf-8")
    (source / "kaputt.txt").write_bytes(b"\x00\x01binary\x00")
    (source / "javascript:<b>frech.txt").write_text('Er sagte "ja".', "utf-8")
    output = tmp_path / "out"
    settings = BatchSettings(source, output, output_format=OutputFormat.HTML)
    report = run_batch(settings, FakeTranslator(), Options())
    assert (report.done, report.empty, report.failed) == (2, 1, 1)
    index = (output / INDEX_NAME).read_text("utf-8")
    records = {r.path: r for r in read_manifest(output)}
    assert records["news/belousov.de.txt"].quotations == len(SAMPLE_QUOTES)
    assert records["javascript:<b>frech.txt"].quotations == 1
    assert index.count('<tr class="status-') == 4
    assert '<a href="./news/belousov.en.html">news/belousov.en.html</a>' in index
    assert (output / "news" / "belousov.en.html").read_text("utf-8").count('class="pair') > 0
    failed = index.split('<tr class="status-failed">')[1].split("</tr>")[0]
    assert records["kaputt.txt"].error and records["kaputt.txt"].error in failed.replace(
        "&#39;", "'"
    )
    assert "javascript:&lt;b&gt;frech.txt" in index and "<b>" not in index
    assert 'href="./javascript%3A%3Cb%3Efrech.en.html"' in index


def test_manifest_from_before_the_quotation_count_still_opens(tmp_path: Path) -> None:
    source, output = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    (source / "a.txt").write_text('Er sagte "ja".', "utf-8")
    settings = BatchSettings(source, output, output_format=OutputFormat.JSON)
    run_batch(settings, FakeTranslator(), Options())
    with sqlite3.connect(output / "translator-manifest.sqlite") as db:  # the old layout
        db.execute("ALTER TABLE files DROP COLUMN quotations")
    (source / "b.txt").write_text("Nichts.", "utf-8")
    run_batch(settings, FakeTranslator(), Options())
    records = {r.path: r for r in read_manifest(output)}
    assert records["a.txt"].quotations is None and records["b.txt"].quotations == 0
    assert json.loads((output / "b.en.json").read_text("utf-8"))["quotes"] == []


# --- the CLI -----------------------------------------------------------------------------


def test_translate_and_summarize_write_html(
    tiny_marian_dir: Path, tiny_bart_dir: Path, tmp_path: Path
) -> None:
    models = ["-m", str(tiny_marian_dir), "--summarization-model", str(tiny_bart_dir)]
    runner = CliRunner()
    translated = runner.invoke(app, ["translate", str(SAMPLE), "--format", "html", *models[:2]])
    assert translated.exit_code == 0, translated.stderr
    assert translated.stdout.count('<section class="pair') == SAMPLE_PARAGRAPHS
    assert "Engine" in translated.stdout and 'id="summary"' not in translated.stdout
    review = tmp_path / "summary.html"
    summarized = runner.invoke(
        app, ["summarize", str(SAMPLE), "--format", "html", "-o", str(review), *models]
    )
    assert summarized.exit_code == 0, summarized.stderr
    page = review.read_text("utf-8")
    assert 'id="summary"' in page and page.count('<section class="pair') == SAMPLE_PARAGRAPHS
    assert str(tiny_bart_dir) in page.split("<footer>")[1]


def test_empty_input_gives_an_empty_page_without_loading_a_model() -> None:
    for command in ("translate", "summarize"):
        result = CliRunner().invoke(app, [command, "-", "--format", "html"], input="\n")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith("<!DOCTYPE html>")
        assert '<span id="paragraph-count">0</span>' in result.stdout


def test_headings_and_lists_are_marked_and_the_original_is_in_the_tooltip() -> None:
    text = '# Die Lage\n\n- eins\n- zwei\n\nEr sagte: "Wir sind bereit."'
    options = Options(quotes=QuoteMode.TRANSLATE)
    result = pipeline.translate_document(text, FakeTranslator(), options)
    page = render(result, OutputFormat.HTML)
    kinds = re.findall(r'<section class="pair kind-(\w+)', page)
    assert kinds == ["heading", "list", "list", "paragraph"]  # one item per paragraph
    tooltip = re.search(r'data-side="en">[^<]*<mark [^>]*title="([^"]*)"', page.split('id="p4"')[1])
    assert tooltip is not None
    assert html.unescape(tooltip.group(1)).endswith('Original: "Wir sind bereit."')


def test_page_and_index_end_with_a_newline() -> None:
    assert render_page(sample_data()).endswith("</html>\n")
    assert render_index([]).endswith("</html>\n")
