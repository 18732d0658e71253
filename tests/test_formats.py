"""Input formats: Markdown, HTML pages and Word files in, their structure kept out.

Expected values come from the fixtures by construction (the sample article's lines, the
URLs and code written into the Markdown fixture), never from the code under test.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.fakes import (
    ADVERSARIES,
    FakeTranslator,
    IdentityTranslator,
    WholeTextSummarizer,
    tiny_png,
)
from tests.oracle import SAMPLE_QUOTES
from translator import pipeline
from translator.cli import app
from translator.errors import InputError
from translator.formats import (
    DocxSource,
    InputFormat,
    MarkdownSource,
    TextSource,
    detect_format,
    read_bytes,
)
from translator.formats.markdown import read_markdown, write_markdown
from translator.formats.output import render_structured
from translator.render import OutputFormat
from translator.schema import QuoteMode

DATA = Path(__file__).parent / "data"
PAGE = DATA / "formats" / "news-page.de.html"
MARKDOWN = DATA / "formats" / "every-construct.de.md"
SAMPLE_LINES = (DATA / "belousov-dprk.de.txt").read_text(encoding="utf-8").splitlines()
# Page furniture around the article in the page fixture: none of it may reach the model.
FURNITURE = (
    "Cookies",
    "Alle akzeptieren",
    "Startseite",
    "Hauptnavigation",
    "Suchbegriff",
    "Tagesgeld",
    "Anzeige",
    "Sparen Sie",
    "Brotkrümel",
    "Teilen",
    "Gipfeltreffen",
    "Newsletter",
    "LeserMeinung77",
    "Ich glaube kein Wort",
    "Impressum",
    "Alle Rechte vorbehalten",
    "gtag",
    "dataLayer",
    "Werbung geladen",
    "Bitte aktivieren Sie JavaScript",
    "cookie-banner",
)

runner = CliRunner()


def _translate(args: list[str], input_text: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["translate", *args], input=input_text)
    return result.exit_code, result.stdout, result.stderr


# --- detection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.md", b"# x", InputFormat.MARKDOWN),
        ("a.markdown", b"x", InputFormat.MARKDOWN),
        ("a.HTML", b"x", InputFormat.HTML),
        ("a.htm", b"x", InputFormat.HTML),
        ("a.docx", b"x", InputFormat.DOCX),
        ("a.txt", b"<html>", InputFormat.TEXT),
        ("<stdin>", b"  <!DOCTYPE html><html>", InputFormat.HTML),
        ("<stdin>", b"<!-- saved --><html lang=de>", InputFormat.HTML),
        ("<stdin>", b"PK\x03\x04rest", InputFormat.DOCX),
        ("<stdin>", b"Ein Satz mit <b>Tag</b>.", InputFormat.TEXT),
        ("notes", b"# Titel\n\nText", InputFormat.TEXT),
    ],
)
def test_format_is_detected_by_extension_then_content(
    name: str, data: bytes, expected: InputFormat
) -> None:
    assert detect_format(name, data) is expected


# --- Markdown -------------------------------------------------------------------------------


def test_markdown_identity_round_trip_gives_the_same_bytes() -> None:
    source = MARKDOWN.read_text(encoding="utf-8")
    parsed = read_markdown(source)
    assert parsed.document.paragraphs
    result = pipeline.translate_document(parsed.document, IdentityTranslator())
    assert write_markdown(parsed, [p.translation for p in result.paragraphs]) == source


def test_markdown_with_windows_line_endings_keeps_them() -> None:
    source = MARKDOWN.read_text(encoding="utf-8").replace("\n", "\r\n")
    parsed = read_markdown(source)
    identity = pipeline.translate_document(parsed.document, IdentityTranslator())
    assert write_markdown(parsed, [p.translation for p in identity.paragraphs]) == source
    result = pipeline.translate_document(parsed.document, FakeTranslator())
    out = write_markdown(parsed, [p.translation for p in result.paragraphs])
    assert out != source
    assert out.count("\n") == out.count("\r\n")


def test_markdown_blocks_have_their_kinds() -> None:
    parsed = read_markdown(MARKDOWN.read_text(encoding="utf-8"))
    kinds = [p.kind for p in parsed.document.paragraphs]
    # Written into the fixture: 2 translated front-matter values, 3 headings in the body
    # (#, ##, ###), 5 list items, 1 block quote, a table of 6 cells.
    assert kinds.count("heading") == 1 + 3
    assert kinds.count("list_item") == 5
    assert kinds.count("quote") == 1
    assert kinds.count("table_cell") == 6


def _translated_markdown(translator: FakeTranslator | None = None) -> tuple[str, str, Any]:
    source = MARKDOWN.read_text(encoding="utf-8")
    parsed = read_markdown(source)
    translator = translator or FakeTranslator()
    result = pipeline.translate_document(parsed.document, translator)
    return source, write_markdown(parsed, [p.translation for p in result.paragraphs]), result


def _lines_starting(text: str, pattern: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(pattern, line)]


def test_markdown_structure_code_and_urls_are_kept() -> None:
    source, out, _ = _translated_markdown()
    assert out != source  # the fake did translate ("die" -> "the", ...)
    assert "the russische Militärressort" in out
    # Every heading, list item and table row is still there, in the same place.
    for pattern in (r"#{1,6} ", r"- ", r"\d+\. ", r"\|", r"> ", r"    "):
        assert len(_lines_starting(out, pattern)) == len(_lines_starting(source, pattern))
    # Untouched, byte for byte: code, raw HTML, URLs, front-matter keys, reference definitions.
    kept = [
        "```bash\ncurl -s \"https://mil.example/api?id=12345\" | jq '.titel'\n```",
        '    # eingerückter Code bleibt, wie er ist\n    echo "Nicht übersetzen"',
        '<div class="hinweis">Dieser HTML-Block bleibt unverändert.</div>',
        '(https://mil.example/news/12345?lang=de "Pressemitteilung")',
        "(https://example.org/armee)",
        "<https://kcna.example/2024/11/29>",
        '(bilder/ankunft.jpg "Ankunft")',
        "`Militärführung`",
        "layout: artikel\ntags: [dvrk, russland]\n",
        "[bericht]: https://nachrichten-ost.example/international/dvrk-spitzenbeamter",
    ]
    for snippet in kept:
        assert source.count(snippet) == 1
        assert out.count(snippet) == 1, snippet


def test_markdown_inline_markup_is_a_protected_span() -> None:
    translator = FakeTranslator()
    _, out, _ = _translated_markdown(translator)
    assert translator.seen
    for text in translator.seen:  # the model never sees a delimiter, a URL or code
        for marker in ("**", "](", "`", "<b>", "https://", "!["):
            assert marker not in text, (marker, text)
    # Emphasis, link text, raw-HTML content and image alt text are translated on their own.
    assert "*not\nangekündigt*" in out
    assert "<b>the Gespräche verliefen freundlich.</b>" in out
    assert "![Beloussow bei the Ankunft in Pjöngjang](bilder/ankunft.jpg" in out
    assert "| Verteidigungsminister the *DVRK* |" in out
    # A translated front-matter value, quoted; its key kept.
    assert 'description: "the russische Verteidigungsminister is in the DVRK eingetroffen"' in out


def test_quotation_with_inline_markup_stays_one_verbatim_quotation() -> None:
    quotation = "„Das ist *sehr* wichtig für [unsere Armee](https://example.org/armee)“"
    _, out, result = _translated_markdown()
    assert quotation in out
    originals = [q.original for q in result.quotes]
    assert quotation in originals
    # The link's title ("Pressemitteilung") is in quotation marks but quotes nobody.
    assert not any("Pressemitteilung" in q for q in originals)
    assert len(originals) == 4  # the fixture's four quotations (one spans three lines)


@pytest.mark.parametrize("adversary", ADVERSARIES, ids=lambda cls: cls.__name__)
def test_markup_survives_engines_that_break_placeholders(adversary: type[FakeTranslator]) -> None:
    source = (
        "Die Agentur sagte, das sei **sehr** wichtig, siehe [die Quelle](https://q.example/a).\n"
    )
    parsed = read_markdown(source)
    result = pipeline.translate_document(parsed.document, adversary())
    out = write_markdown(parsed, [p.translation for p in result.paragraphs])
    assert out.count("**") == 2
    assert "](https://q.example/a)" in out
    assert re.search(r"\*\*[^*]+\*\*", out)


def test_markdown_with_a_quotation_around_emphasis_in_keep_mode() -> None:
    source = "Er sagte: *„Wir bleiben“*, und ging. Sie sagte: „Das ist **nicht** so“.\n"
    parsed = read_markdown(source)
    result = pipeline.translate_document(parsed.document, FakeTranslator())
    assert [q.original for q in result.quotes] == ["„Wir bleiben“", "„Das ist **nicht** so“"]
    out = write_markdown(parsed, [p.translation for p in result.paragraphs])
    assert "*„Wir bleiben“*" in out
    assert "„Das ist **nicht** so“" in out


@pytest.mark.parametrize(
    "source",
    [
        "*" * 20_000 + "Text" + "*" * 20_000,
        "[" * 10_000 + "Text" + "]" * 10_000,
        "> " * 5_000 + "Zitat",
        "- " * 5_000 + "Punkt",
        "<b>" * 5_000 + "fett",
        "`" * 10_000 + " Code",
    ],
    ids=["emphasis", "brackets", "quotes", "lists", "tags", "backticks"],
)
def test_pathological_markdown_nesting_reads_without_error(source: str) -> None:
    parsed = read_markdown(source)
    result = pipeline.translate_document(parsed.document, IdentityTranslator())
    assert write_markdown(parsed, [p.translation for p in result.paragraphs]) == source


def test_markdown_cli_gives_markdown(tiny_marian_dir: Path) -> None:
    code, out, err = _translate([str(MARKDOWN), "-m", str(tiny_marian_dir)])
    assert code == 0, err
    source = MARKDOWN.read_text(encoding="utf-8")
    assert len(_lines_starting(out, "#{1,6} ")) == len(_lines_starting(source, "#{1,6} "))
    assert "```bash\ncurl -s" in out
    assert "„Das ist *sehr* wichtig für [unsere Armee](https://example.org/armee)“" in out


# --- HTML -----------------------------------------------------------------------------------


def _page_source() -> Any:
    return read_bytes(PAGE.read_bytes(), PAGE.name)


def test_page_gives_the_article_alone() -> None:
    source = _page_source()
    texts = [p.text for p in source.document.paragraphs]
    for line in SAMPLE_LINES[:-1]:  # the last line ("Mehr zum Thema") is not in the article
        assert line in texts
    for furniture in FURNITURE:
        assert not any(furniture in text for text in texts), furniture
    assert texts[0] == source.metadata["title"]
    assert source.metadata["title"].startswith("Beloussow zu Besuch in Pjöngjang")
    assert source.metadata["author"] == "Redaktion Ausland"
    assert source.metadata["sitename"] == "Nachrichten Ost"
    assert source.metadata["date"] == "2024-11-29"


def test_page_furniture_never_reaches_the_model_and_quotes_are_kept() -> None:
    source = _page_source()
    translator = FakeTranslator()
    result = pipeline.translate_document(
        source.document, translator, options=pipeline.Options(quotes=QuoteMode.KEEP)
    )
    assert translator.seen
    for furniture in FURNITURE:
        assert not any(furniture in text for text in translator.seen), furniture
    assert [q.original for q in result.quotes] == list(SAMPLE_QUOTES)
    for quotation in SAMPLE_QUOTES:
        assert quotation in result.translation


def test_page_as_markdown_and_json() -> None:
    source = _page_source()
    result = pipeline.translate_document(source.document, FakeTranslator())
    markdown = render_structured(source, result, OutputFormat.MARKDOWN, PAGE.name)
    lines = markdown.splitlines()
    title = "Beloussow zu Besuch in Pjöngjang: Russland and DVRK wollen Militärkooperation ausbauen"
    assert lines[0] == "# " + title  # the title as a heading, translated
    assert lines[2] == "*Redaktion Ausland · 2024-11-29 · Nachrichten Ost*  "
    assert "## Kameradschaft als oberste Priorität" in lines
    assert "- Bilaterale Gespräche the beiden Verteidigungsminister" in lines
    assert "| Andrei Beloussow | Verteidigungsminister Russlands |" in lines
    assert any(line.startswith('> "Im Rahmen') for line in lines)
    data = json.loads(render_structured(source, result, OutputFormat.JSON, PAGE.name))
    assert data["input_format"] == "html"
    assert data["metadata"]["title"] == source.metadata["title"]
    kinds = [p["kind"] for p in data["paragraphs"]]
    assert kinds[0] == "heading"
    assert {"heading", "paragraph", "quote", "list_item", "table_cell"} == set(kinds)
    assert [q["original"] for q in data["quotes"]] == list(SAMPLE_QUOTES)


def test_page_cli_markdown_and_stdin(tiny_marian_dir: Path) -> None:
    code, out, err = _translate([str(PAGE), "-m", str(tiny_marian_dir), "-f", "markdown"])
    assert code == 0, err
    assert out.startswith("# ")
    for quotation in SAMPLE_QUOTES:
        assert quotation in out
    html = PAGE.read_text(encoding="utf-8")
    code, out, err = _translate(
        ["-", "--input-format", "html", "-m", str(tiny_marian_dir), "-f", "json"], html
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["metadata"]["sitename"] == "Nachrichten Ost"
    assert not any("Cookies" in p["source"] for p in data["paragraphs"])


def test_page_without_article_is_a_clear_error(tmp_path: Path, tiny_marian_dir: Path) -> None:
    page = tmp_path / "menu.html"
    page.write_text(
        "<html><head><script>var x=1;</script></head><body>"
        "<nav><ul><li><a href='/'>Start</a></li></ul></nav></body></html>",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="--input-format text"):
        read_bytes(page.read_bytes(), page.name)
    output = tmp_path / "out.md"
    code, _, err = _translate([str(page), "-m", str(tiny_marian_dir), "-o", str(output)])
    assert code == 1
    assert err.startswith("Error: no article found in")
    assert "--input-format text" in err
    assert "Traceback" not in err
    assert not output.exists()


def test_input_format_text_takes_the_whole_page_without_markup() -> None:
    source = read_bytes(PAGE.read_bytes(), PAGE.name, InputFormat.TEXT)
    assert source.format is InputFormat.TEXT
    assert isinstance(source, TextSource)
    text = source.text
    assert "Startseite" in text and SAMPLE_LINES[0] in text
    assert "<p>" not in text and "gtag(" not in text


_ARTICLE_SENTENCE = (
    "Der Ausschuss hat am Montag über den Haushalt beraten und keine Einigung erzielt."
)
# Four sentences: 335 characters, over the README's 250-character minimum for an article.
_ARTICLE = " ".join([_ARTICLE_SENTENCE] * 4)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # Under 250 characters of article text: the README's "no article" error.
        (
            "<html><body><article><p>Unvollständiger Absatz mit <b>fettem Text und "
            "einem zweiten Satz, der nicht endet",
            None,
        ),
        ("<html><body><p>Erster Absatz</div></span><p>Zweiter Absatz</td></body>", None),
        ("<<<>>> &&& </p></p></p>", None),
        # Long enough: read, no text lost to the broken markup.
        (
            f"<html><body><article><p>{_ARTICLE} <b>fettem Text und einem Satz, der nicht endet",
            [f"{_ARTICLE} **fettem Text und einem Satz, der nicht endet**"],  # bold as Markdown
        ),
        (
            f"<html><body><p>{_ARTICLE}</div></span><p>Zweiter Absatz: {_ARTICLE}</td></body>",
            [_ARTICLE, f"Zweiter Absatz: {_ARTICLE}"],
        ),
        (
            "\ufeff<!DOCTYPE html><html><body><main><p>" + "Ein Satz. " * 50 + "</p></main>",
            [("Ein Satz. " * 50).strip()],
        ),
    ],
    ids=[
        "short-truncated",
        "short-stray-closing-tags",
        "garbage",
        "truncated",
        "stray-closing-tags",
        "bom",
    ],
)
def test_malformed_html_reads_or_fails_cleanly(html: str, expected: list[str] | None) -> None:
    """Each input pins one branch: the article's paragraphs, or the no-article error."""
    if expected is None:
        assert len(html) < 250
        with pytest.raises(InputError, match="no article found in page.html") as error:
            read_bytes(html.encode("utf-8"), "page.html")
        assert "--input-format text" in str(error.value)
        return
    source = read_bytes(html.encode("utf-8"), "page.html")
    assert [p.text for p in source.document.paragraphs] == expected


def test_large_page_warns_and_oversized_page_is_refused(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from translator.formats import html as html_format

    monkeypatch.setattr(html_format, "LARGE_PAGE_CHARS", 1_000)
    with caplog.at_level("WARNING", logger="translator.formats.html"):
        source = _page_source()
    assert source.document.paragraphs
    assert "large page" in caplog.text
    monkeypatch.setattr(html_format, "MAX_PAGE_CHARS", 1_000)
    with pytest.raises(InputError, match="too large"):
        _page_source()


# --- Word -----------------------------------------------------------------------------------


def _make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "Pressemitteilung"
    document.sections[0].header.paragraphs[0].text = "Kopfzeile: Ministerium"
    document.sections[0].footer.paragraphs[0].text = "Fußzeile, Seite 1"
    document.add_heading("Beloussow in Pjöngjang", level=1)
    paragraph = document.add_paragraph("Der Minister sagte, die Gespräche seien ")
    paragraph.add_run("sehr").bold = True
    paragraph.add_run(" wichtig für die Zusammenarbeit.")
    paragraph = document.add_paragraph("Er betonte: „Das ist ")
    paragraph.add_run("sehr").italic = True
    paragraph.add_run(" wichtig“, und ging.")
    document.add_paragraph("Der erste Punkt der Liste", style="List Bullet")
    document.add_paragraph("Ein ganzer Absatz in Fett mit der Meldung.").runs[0].bold = True
    table = document.add_table(rows=2, cols=2)
    table.style = "Table Grid"
    for (row, column), text in {
        (0, 0): "Name",
        (0, 1): "Funktion",
        (1, 0): "Andrei Beloussow",
        (1, 1): "der Verteidigungsminister",
    }.items():
        table.cell(row, column).text = text
    document.add_picture(io.BytesIO(tiny_png()))
    document.add_paragraph("Er sagte, das sei gut.", style="Quote")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _reopen(data: bytes) -> Any:
    import docx

    return docx.Document(io.BytesIO(data))


def test_docx_round_trip_keeps_structure_styles_and_formatting() -> None:
    from translator.formats.docx import write_docx_bytes

    data = _make_docx()
    source = read_bytes(data, "pm.docx")
    assert isinstance(source, DocxSource)
    kinds = [p.kind for p in source.document.paragraphs]
    assert kinds == ["heading", "paragraph", "paragraph", "list_item", "paragraph"] + [
        "table_cell"
    ] * 4 + ["quote"]
    result = pipeline.translate_document(source.document, FakeTranslator())
    before, after = _reopen(data), _reopen(write_docx_bytes(source, result))
    assert len(after.paragraphs) == len(before.paragraphs)
    assert [p.style.name for p in after.paragraphs] == [p.style.name for p in before.paragraphs]
    cells = [[c.text for c in row.cells] for row in after.tables[0].rows]
    assert cells == [["Name", "Funktion"], ["Andrei Beloussow", "the Verteidigungsminister"]]
    assert after.tables[0].style.name == "Table Grid"
    assert len(after.inline_shapes) == 1
    assert after.sections[0].header.paragraphs[0].text == "Kopfzeile: Ministerium"
    assert after.sections[0].footer.paragraphs[0].text == "Fußzeile, Seite 1"
    runs = [(r.text, r.bold, r.italic) for r in after.paragraphs[1].runs]
    assert runs == [
        ("the Minister said, the Gespräche seien ", None, None),
        ("sehr", True, None),
        (" wichtig für the Zusammenarbeit.", None, None),
    ]
    # The quotation holds an italic run: kept verbatim, formatting and all.
    runs = [(r.text, r.italic) for r in after.paragraphs[2].runs]
    assert runs == [("he betonte: „Das ist ", None), ("sehr", True), (" wichtig“, and ging.", None)]
    whole = after.paragraphs[4].runs
    assert [(r.text, r.bold) for r in whole] == [
        ("Ein ganzer Absatz in Fett with the Meldung.", True)
    ]
    # What callers see holds the quotation's text, without the formatting markers.
    from translator.api import Translator

    seen = Translator.from_engines(FakeTranslator()).translate_input(source)
    assert [q.original for q in seen.quotes] == ["„Das ist sehr wichtig“"]


def test_docx_identity_round_trip_keeps_every_text() -> None:
    from translator.formats.docx import write_docx_bytes

    data = _make_docx()
    source = read_bytes(data, "pm.docx")
    assert isinstance(source, DocxSource)
    result = pipeline.translate_document(source.document, IdentityTranslator())
    before, after = _reopen(data), _reopen(write_docx_bytes(source, result))
    with zipfile.ZipFile(io.BytesIO(data)) as original:
        with zipfile.ZipFile(io.BytesIO(write_docx_bytes(source, result))) as written:
            assert sorted(original.namelist()) == sorted(written.namelist())
    assert [p.text for p in after.paragraphs] == [p.text for p in before.paragraphs]


def test_docx_cli_writes_a_word_file_and_prints_json(tmp_path: Path, tiny_marian_dir: Path) -> None:
    path = tmp_path / "pm.de.docx"
    path.write_bytes(_make_docx())
    code, out, err = _translate([str(path), "-m", str(tiny_marian_dir)])
    assert code == 0, err
    assert out == ""
    written = _reopen((tmp_path / "pm.en.docx").read_bytes())
    assert len(written.paragraphs) == len(_reopen(path.read_bytes()).paragraphs)
    code, out, err = _translate([str(path), "-m", str(tiny_marian_dir), "--format", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["input_format"] == "docx"
    assert data["metadata"]["title"] == "Pressemitteilung"
    assert [p["kind"] for p in data["paragraphs"]][:2] == ["heading", "paragraph"]
    assert not any("\ue100" in p["source"] for p in data["paragraphs"])


def _zip_of(name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_zip_of("bilder/foto.jpg", b"\xff\xd8\xff"), "not a Word .docx file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "password-protected"),
        (b"PK\x03\x04 abgeschnitten", "not a Word .docx file"),
        (b"Nur Text, kein Word.", "not a Word .docx file"),
    ],
    ids=["zip-of-something-else", "encrypted", "truncated-zip", "text"],
)
def test_bad_docx_is_a_clear_error_and_writes_nothing(
    data: bytes, message: str, tmp_path: Path, tiny_marian_dir: Path
) -> None:
    folder = tmp_path / "eingang"
    folder.mkdir()
    path = folder / "kaputt.docx"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_bytes(data, path.name)
    code, _, err = _translate([str(path), "-m", str(tiny_marian_dir)])
    assert code == 1
    assert message in err and "Traceback" not in err
    assert sorted(p.name for p in folder.iterdir()) == ["kaputt.docx"]


# --- batch ----------------------------------------------------------------------------------


def test_batch_translates_a_mixed_folder(tmp_path: Path, tiny_marian_dir: Path) -> None:
    from translator.batch import read_manifest

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.de.txt").write_text("\n".join(SAMPLE_LINES[:3]) + "\n", encoding="utf-8")
    (inputs / "b.md").write_text(MARKDOWN.read_text(encoding="utf-8"), encoding="utf-8")
    (inputs / "c.html").write_bytes(PAGE.read_bytes())
    (inputs / "d.htm").write_bytes(PAGE.read_bytes())
    (inputs / "e.docx").write_bytes(_make_docx())
    (inputs / "f.docx").write_bytes(b"PK\x03\x04 kaputt")
    (inputs / "g.pdf").write_bytes(b"%PDF-1.4")
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(inputs), "-o", str(out), "-m", str(tiny_marian_dir)])
    assert result.exit_code == 1  # f.docx and g.pdf failed
    assert "f.docx" in result.stderr
    records = {r.path: r for r in read_manifest(out)}
    assert {path: (r.status.value, r.input_format) for path, r in records.items()} == {
        "a.de.txt": ("done", "text"),
        "b.md": ("done", "markdown"),
        "c.html": ("done", "html"),
        "d.htm": ("done", "html"),
        "e.docx": ("done", "docx"),
        "f.docx": ("failed", "docx"),
        "g.pdf": ("failed", "pdf"),  # a PDF header and nothing else
    }
    assert records["c.html"].outputs == ("c.en.txt",)
    assert records["e.docx"].outputs == ("e.en.docx",)
    assert (out / "b.en.md").read_text(encoding="utf-8").startswith("---\ntitle:")
    assert "Cookies" not in (out / "c.en.txt").read_text(encoding="utf-8")
    assert len(_reopen((out / "e.en.docx").read_bytes()).tables) == 1
    assert not (out / "f.en.docx").exists()


def test_markdown_source_type() -> None:
    source = read_bytes(MARKDOWN.read_bytes(), MARKDOWN.name)
    assert isinstance(source, MarkdownSource)
    assert source.metadata["title"] == "Beloussow zu Besuch in Pjöngjang"


def test_consent_classes_on_page_wrappers_do_not_remove_the_article() -> None:
    html = PAGE.read_text(encoding="utf-8").replace(
        '<body class="article-page">',
        '<body class="article-page cookie-consent-given"><div class="page consent-ok">',
    )
    source = read_bytes(html.replace("</body>", "</div></body>").encode("utf-8"), "page.html")
    texts = [p.text for p in source.document.paragraphs]
    assert SAMPLE_LINES[0] in texts
    assert not any("Cookies" in text for text in texts)


def test_summarize_reads_the_article_of_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    from translator import engines

    summarizer = WholeTextSummarizer()
    monkeypatch.setattr(engines, "load_translator", lambda *a, **k: FakeTranslator())
    monkeypatch.setattr(engines, "load_summarizer", lambda *a, **k: summarizer)
    result = runner.invoke(app, ["summarize", str(PAGE), "--no-cache"])
    assert result.exit_code == 0, result.stderr
    # The summarizer gives back what it read: the article's title and first sentence
    # (translated by the fake), none of the page's furniture.
    assert summarizer.seen
    summary = result.stdout
    assert summary.startswith("Beloussow zu Besuch in Pjöngjang: Russland and DVRK"), summary
    assert "Verteidigungsminister Andrei Beloussow is zu einem Staatsbesuch" in summary
    for furniture in FURNITURE:
        assert furniture not in summary
        assert all(furniture not in text for text in summarizer.seen)


def test_docx_hyperlink_keeps_its_address_and_translates_its_text() -> None:
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from translator.formats.docx import write_docx_bytes

    document = docx.Document()
    paragraph = document.add_paragraph("Mehr dazu steht in ")
    relation = paragraph.part.relate_to(
        "https://example.org/bericht", RELATIONSHIP_TYPE.HYPERLINK, is_external=True
    )
    link, run, text = OxmlElement("w:hyperlink"), OxmlElement("w:r"), OxmlElement("w:t")
    link.set(qn("r:id"), relation)
    text.text = "die Meldung"
    run.append(text)
    link.append(run)
    paragraph._p.append(link)
    paragraph.add_run(" und in der Erklärung.")
    data = io.BytesIO()
    document.save(data)
    source = read_bytes(data.getvalue(), "link.docx")
    assert isinstance(source, DocxSource)
    result = pipeline.translate_document(source.document, FakeTranslator())
    written = _reopen(write_docx_bytes(source, result)).paragraphs[0]
    items = [(type(i).__name__, i.text) for i in written.iter_inner_content()]
    assert items == [
        ("Run", "Mehr dazu steht in "),
        ("Hyperlink", "the Meldung"),
        ("Run", " and in the Erklärung."),
    ]
    assert written.hyperlinks[0].address == "https://example.org/bericht"


def test_the_summarizer_reads_translated_markup_without_delimiters() -> None:
    source = (
        "Die Ministerin sagte, das sei **sehr** wichtig, siehe [die Quelle](https://q.example/a).\n"
    )
    parsed = read_markdown(source)
    summarizer = WholeTextSummarizer()
    options = pipeline.Options(summarize=True)
    result = pipeline.translate_document(
        parsed.document, FakeTranslator(), options, summarizer=summarizer
    )
    assert result.summary is not None
    assert summarizer.seen
    for text in summarizer.seen:
        assert "**" not in text and "](" not in text and "https://q.example" not in text
    assert "the Quelle" in " ".join(summarizer.seen)


def test_help_imports_no_format_parser(imported_modules: Any) -> None:
    run = imported_modules(
        "import sys\nfrom translator.cli import main\n"
        "sys.argv = ['translator', 'translate', '--help']\nmain()"
    )
    # (markdown_it is not listed: rich imports it to format the help itself)
    assert not {"trafilatura", "docx", "lxml"} & run.modules
    assert "--input-format" in run.stdout


def test_page_with_a_huge_inline_script_still_gives_its_article() -> None:
    # libxml2 refuses text nodes over 10 MB: the script's content must go before parsing.
    blob = '<script>window.__DATA__ = {"x": "' + "A" * 11_000_000 + '"};</script>'
    html = PAGE.read_text(encoding="utf-8").replace("</head>", blob + "</head>")
    source = read_bytes(html.encode("utf-8"), "big.html")
    texts = [p.text for p in source.document.paragraphs]
    assert SAMPLE_LINES[0] in texts
    assert not any("AAAA" in text for text in texts)


def test_markdown_cli_json_has_kinds_and_front_matter(tiny_marian_dir: Path) -> None:
    code, out, err = _translate([str(MARKDOWN), "-m", str(tiny_marian_dir), "-f", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["input_format"] == "markdown"
    assert data["metadata"]["title"] == "Beloussow zu Besuch in Pjöngjang"
    kinds = [p["kind"] for p in data["paragraphs"]]
    assert kinds[:3] == ["heading", "paragraph", "heading"]
    sources = [p["source"] for p in data["paragraphs"]]
    assert "Der Datensatz wurde mit diesem Befehl erzeugt:" in sources
    assert not any("curl" in text or "eingerückter Code" in text for text in sources)


def test_a_manifest_from_before_input_formats_gets_the_column(tmp_path: Path) -> None:
    import sqlite3

    from translator.batch import Manifest

    path = tmp_path / "translator-manifest.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE files (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, fingerprint TEXT "
            "NOT NULL, status TEXT NOT NULL, outputs TEXT NOT NULL, error TEXT NOT NULL, "
            "warnings TEXT NOT NULL, sentences INTEGER NOT NULL, seconds REAL NOT NULL, "
            "finished_at REAL NOT NULL, run_id INTEGER NOT NULL)"
        )
        db.execute(
            "INSERT INTO files VALUES ('a.txt', 'x', 'f', 'done', '[\"a.en.txt\"]', '', '[]', "
            "3, 0.1, 0.0, 1)"
        )
    manifest = Manifest(path)
    try:
        records = manifest.records()
    finally:
        manifest.close()
    assert [(r.path, r.input_format) for r in records] == [("a.txt", "text")]
