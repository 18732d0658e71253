"""PDF in (the text layer, pdfminer.six): reading order, running lines, hyphenation,
paragraphs, headings, tables; text, Markdown, JSON, the review page and Word out; scans,
encrypted, broken, huge and bomb PDFs refused with a clear error.

Fixtures are built with reportlab (tests/pdf_fixtures.py); every expectation comes from
what the fixture placed (``NEWS``, ``QUOTES``, ``HEADER``), never from the reader.
"""

from __future__ import annotations

import html
import io
import json
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fakes import ADVERSARIES, FakeTranslator
from tests.pdf_fixtures import (
    FOOTER,
    HEADER,
    NEWS,
    QUOTES,
    TABLE,
    bomb_pdf,
    encrypted_pdf,
    heavy_page_pdf,
    news_pdf,
    one_run_pdf,
    pages_pdf,
    scan_pdf,
)
from translator import Translator
from translator.cli import app
from translator.errors import InputError, OptionError
from translator.formats import InputFormat, PdfSource, detect_format, read_bytes
from translator.formats import pdf as pdf_module
from translator.output import render_result
from translator.render import OutputFormat

runner = CliRunner()


def _read(data: bytes | None = None, name: str = "news.pdf") -> PdfSource:
    source = read_bytes(news_pdf() if data is None else data, name)
    assert isinstance(source, PdfSource)
    return source


def _layout_problems(source: PdfSource) -> list[str]:
    """How the blocks read differ from the blocks placed: order, kinds, texts, running
    lines, hyphenation."""
    problems = []
    got = [(p.kind, p.text) for p in source.document.paragraphs]
    placed = [(block.kind, block.text) for block in NEWS]
    if got != placed:
        first = next((i for i, (a, b) in enumerate(zip(got, placed, strict=False)) if a != b), 0)
        problems.append(f"block {first}: {got[first : first + 1]} != {placed[first : first + 1]}")
    if len(got) != len(placed):
        problems.append(f"{len(got)} blocks read, {len(placed)} placed")
    every = " ".join(text for _, text in got)
    if HEADER in every or "Seite 1 von 3" in every:
        problems.append("a running header or footer was read")
    if "Regie-" in every or "Regierung" not in every:
        problems.append("the hyphenated word was not rejoined")
    if "Nord-Süd-Achse" not in every:
        problems.append("the real hyphen was lost")
    return problems


def test_two_columns_headers_hyphens_headings_and_table_read_as_placed() -> None:
    source = _read()
    assert _layout_problems(source) == []
    assert source.pages == 3
    levels = [
        pl.level
        for p, pl in zip(source.document.paragraphs, source.placements, strict=True)
        if p.kind == "heading"
    ]
    assert levels == [1, 2, 2, 2]  # the 20 pt headline above the 14 pt subheadings
    rows = [
        pl.row
        for p, pl in zip(source.document.paragraphs, source.placements, strict=True)
        if p.kind == "table_cell"
    ]
    assert rows == [row for row, cells in enumerate(TABLE) for _ in cells]
    assert source.metadata["title"] == "Koalition streitet"


@pytest.mark.parametrize(
    ("part", "broken"),
    [
        ("_gutter", lambda *args: None),  # read as one column
        ("_running_lines", lambda *args: set()),  # headers kept
        ("_join", lambda text, line: f"{text} {line}"),  # hyphens kept
    ],
)
def test_layout_oracle_sees_each_step_broken(
    monkeypatch: pytest.MonkeyPatch, part: str, broken: object
) -> None:
    """Meta-test: with any step of the layout broken, the oracle reports a problem."""
    monkeypatch.setattr(pdf_module, part, broken)
    assert _layout_problems(_read()) != []


@pytest.mark.parametrize("engine_type", [FakeTranslator, *ADVERSARIES])
def test_every_quotation_verbatim_in_every_output(engine_type: type[FakeTranslator]) -> None:
    source = _read()
    translator = Translator.from_engines(engine_type())
    result, word_file = translator.translate_docx(source, quotes="keep")
    outputs = {
        output_format: render_result(source, result, output_format)
        for output_format in OutputFormat
    }
    outputs[OutputFormat.JSON] = json.loads(outputs[OutputFormat.JSON])["translation"]
    outputs[OutputFormat.HTML] = html.unescape(outputs[OutputFormat.HTML])
    import docx

    word = docx.Document(io.BytesIO(word_file))
    outputs["docx"] = "\n".join(p.text for p in word.paragraphs) + "\n".join(
        cell.text for table in word.tables for row in table.rows for cell in row.cells
    )
    assert QUOTES
    for name, text in outputs.items():
        missing = [quote for quote in QUOTES if quote not in text]
        assert missing == [], name
    assert HEADER not in outputs[OutputFormat.TEXT]


def test_word_and_markdown_outputs_keep_headings_paragraphs_and_table() -> None:
    source = _read()
    translator = Translator.from_engines(FakeTranslator())
    result, word_file = translator.translate_docx(source)
    import docx

    word = docx.Document(io.BytesIO(word_file))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    placed_headings = [block for block in NEWS if block.kind == "heading"]
    assert len(headings) == len(placed_headings)
    body = [p for p in word.paragraphs if p.style.name == "Normal" and p.text.strip()]
    assert len(body) == sum(block.kind == "paragraph" for block in NEWS)
    assert [len(row.cells) for row in word.tables[0].rows] == [len(row) for row in TABLE]
    assert any("um the Schuldenbremse" in p.text for p in word.paragraphs)  # translated
    markdown = render_result(source, result, OutputFormat.MARKDOWN)
    assert markdown.startswith("# Koalition streitet")
    assert "| Posten | 2026 | 2027 |" in markdown
    as_json = render_result(source, result, OutputFormat.JSON)
    assert '"input_format": "pdf"' in as_json


def test_scan_without_text_layer_is_an_error_that_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no text layer.*OCR is not supported"):
        _read(scan_pdf())
    path = tmp_path / "scan.pdf"
    path.write_bytes(scan_pdf())
    result = runner.invoke(app, ["translate", str(path), "--format", "text"])
    assert result.exit_code == 1
    assert "no text layer" in result.stderr


def test_encrypted_pdf_is_an_error_that_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="encrypted"):
        _read(encrypted_pdf())
    path = tmp_path / "secret.pdf"
    path.write_bytes(encrypted_pdf())
    result = runner.invoke(app, ["translate", str(path)])
    assert result.exit_code == 1
    assert "encrypted" in result.stderr


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\nkaputt", news_pdf()[:3000], news_pdf()[: len(news_pdf()) // 2]],
    ids=["garbage", "truncated-early", "truncated-half"],
)
def test_broken_pdf_is_a_clear_error_or_its_readable_part(data: bytes) -> None:
    started = time.monotonic()
    try:
        source = _read(data)
    except InputError as error:
        assert "news.pdf" in str(error)
    else:
        assert source.document.paragraphs  # whatever was readable
    assert time.monotonic() - started < 30


def test_ten_thousand_pages_are_refused_at_once_by_the_page_limit() -> None:
    started = time.monotonic()
    with pytest.raises(InputError, match="10000 pages; at most 2000"):
        _read(pages_pdf(10_000))
    assert time.monotonic() - started < 30


# A page of 400,000 one-glyph strings: some 26 s unbounded on 2 cores (60,000 took 4 s).
HEAVY_OPERATORS = 400_000


@pytest.mark.faults
@pytest.mark.timeout(120)
def test_one_hostile_page_is_stopped_inside_the_page_at_its_time_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRANSLATOR_PDF_PAGE_SECONDS", "1")
    data = heavy_page_pdf(HEAVY_OPERATORS)
    started = time.monotonic()
    with pytest.raises(InputError, match=r"page 2 takes longer than 1 s .*PDF_PAGE_SECONDS"):
        _read(data)
    # The last page: no check between pages could have stopped it, only one inside it.
    assert time.monotonic() - started < 15


@pytest.mark.faults
def test_the_page_limit_test_fails_without_the_checks_inside_the_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Meta-test: with the budget's checks made no-ops, the same kind of page is read to
    its end whatever the limit (a smaller one, to keep this test short)."""
    monkeypatch.setenv("TRANSLATOR_PDF_PAGE_SECONDS", "0.001")
    monkeypatch.setattr(pdf_module._PageBudget, "tick", lambda self: None)
    source = _read(heavy_page_pdf(5_000))
    assert [p.text for p in source.document.paragraphs][0] == "Eine Zeile Text."


@pytest.mark.parametrize("value", ["abc", "0", "-3", "inf", "nan"])
def test_a_page_limit_that_is_not_a_positive_number_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TRANSLATOR_PDF_PAGE_SECONDS", value)
    with pytest.raises(OptionError, match="TRANSLATOR_PDF_PAGE_SECONDS"):
        _read()


def test_a_page_tree_that_lies_about_its_count_is_still_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pdf_module, "MAX_PAGES", 40)
    with pytest.raises(InputError, match="more than 40 pages"):
        _read(pages_pdf(45, declared=1))


def test_zip_bomb_stream_is_refused() -> None:
    with pytest.raises(InputError, match="inflates past 64 MB"):
        _read(bomb_pdf(80 * 2**20))


def test_text_in_one_glyph_run_is_one_paragraph() -> None:
    text = " ".join(f"{QUOTES[0]}, sagte er am {day}. Tag." for day in range(1, 80))
    source = _read(one_run_pdf(text))
    assert [p.text for p in source.document.paragraphs] == [text]


def test_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pdfminer.pdftypes", None)
    with pytest.raises(InputError, match=r"translator\[pdf\]"):
        _read()


@pytest.mark.parametrize(
    ("name", "data"), [("story", b"%PDF-1.7\n..."), ("story.PDF", b"x"), ("s.bin", b"\n%PDF-1.4")]
)
def test_detection(name: str, data: bytes) -> None:
    assert detect_format(name, data) is InputFormat.PDF


def test_empty_file_gives_empty_output_and_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    result = runner.invoke(app, ["translate", str(path), "--format", "text"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "empty" in result.stderr


def test_running_footer_text_differs_only_in_its_number() -> None:
    """The footer's page number changes per page; it is still recognised as running."""
    every = " ".join(p.text for p in _read().document.paragraphs)
    for page in (1, 2, 3):
        assert FOOTER.format(page=page, pages=3) not in every


@pytest.mark.slow
def test_cli_and_batch_with_the_tiny_model(tmp_path: Path, tiny_marian_dir: Path) -> None:
    path = tmp_path / "news.de.pdf"
    path.write_bytes(news_pdf())
    model = ["-m", str(tiny_marian_dir)]
    result = runner.invoke(app, ["translate", str(path), *model])
    assert result.exit_code == 0, result.stderr
    import docx

    word = docx.Document(str(tmp_path / "news.en.docx"))
    text = "\n".join(p.text for p in word.paragraphs)
    assert [q for q in QUOTES if q not in text] == []
    shown = runner.invoke(app, ["translate", str(path), *model, "--format", "text"])
    assert shown.exit_code == 0, shown.stderr
    assert [q for q in QUOTES if q not in shown.stdout] == []
    page = runner.invoke(app, ["translate", str(path), *model, "--format", "html"])
    assert page.exit_code == 0 and "<html" in page.stdout.lower()
    # From stdin, by its content: text when asked for; a Word file only with -o.
    piped = runner.invoke(app, ["translate", "-", *model, "--format", "text"], input=news_pdf())
    assert piped.exit_code == 0, piped.stderr
    assert [q for q in QUOTES if q not in piped.stdout] == []
    no_output = runner.invoke(app, ["translate", "-", *model], input=news_pdf())
    assert no_output.exit_code != 0 and "-o OUTPUT.docx" in no_output.stderr
    # batch picks .pdf up: a Word file per PDF.
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    (inputs / "a.pdf").write_bytes(news_pdf())
    (inputs / "scan.pdf").write_bytes(scan_pdf())
    result = runner.invoke(app, ["batch", str(inputs), "-o", str(out), *model])
    assert result.exit_code == 1  # the scan failed, the story is done
    assert "no text layer" in result.stderr
    batch_word = docx.Document(str(out / "a.en.docx"))
    assert [q for q in QUOTES if q not in "\n".join(p.text for p in batch_word.paragraphs)] == []


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("der Regie-", "rung bestätigte", "der Regierung bestätigte"),
        ("die Nord-", "Süd-Achse hält", "die Nord-Süd-Achse hält"),
        ("die Nord-", "und Südachse", "die Nord- und Südachse"),
        ("die Regie\u00ad", "rung", "die Regierung"),
        ("am Montag", "in Berlin", "am Montag in Berlin"),
        ("Seite 3 -", "weiter", "Seite 3 - weiter"),
    ],
)
def test_line_ends_join(first: str, second: str, joined: str) -> None:
    assert pdf_module._join(first, second) == joined


def test_a_paragraph_goes_on_over_a_column_break_mid_sentence() -> None:
    from reportlab.pdfgen import canvas

    left = [
        "Der Ausschuss tagte am Dienstag bis in die",
        "späten Abendstunden und beriet über die",
        "Vorlage des Ministeriums, die seit Wochen",
        "für Streit sorgt, und vertagte sich dann",
    ]
    right = [
        "auf den kommenden Donnerstag im Bundestag.",
        "Die Opposition kündigte Widerstand an und",
        "will einen eigenen Entwurf vorlegen, der",
        "die Kosten für die Länder deutlich senkt.",
    ]
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(595, 842))
    pdf.setFont("Helvetica", 10)
    for column, lines in ((50, left), (310, right)):
        for number, line in enumerate(lines):
            pdf.drawString(column, 700 - 13 * number, line)
    pdf.showPage()
    pdf.save()
    texts = [p.text for p in _read(out.getvalue(), "columns.pdf").document.paragraphs]
    assert texts == [" ".join(left + right)]


def test_a_text_file_named_pdf_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="not a readable PDF.*--input-format text"):
        _read("Die Regierung sagte, „alles ist gut“.".encode(), "lies.pdf")


def test_a_pdf_without_extension_is_read_by_its_content() -> None:
    source = read_bytes(news_pdf(), "download")
    assert isinstance(source, PdfSource)
    assert len(source.document.paragraphs) == len(NEWS)
