"""PowerPoint (.pptx) and OpenDocument (.odt, .odp) in, the same format out.

The fixtures are built here (python-pptx, odfpy) from German news paragraphs holding the
quotations in ``QUOTES``, one per mark style: what the output must hold verbatim comes
from that construction, never from the code under test. The outputs are reopened with
the libraries that wrote the fixtures.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.batch_helpers import run_batch
from tests.fakes import FakeTranslator, IdentityTranslator, tiny_png
from translator import pipeline
from translator.api import Translator
from translator.batch import BatchSettings
from translator.cli import app
from translator.errors import InputError
from translator.formats import InputFormat, PackageSource, detect_format, read_bytes, safezip
from translator.formats import package as package_module
from translator.formats.package import write_package
from translator.output import render_result
from translator.render import OutputFormat

QUOTES = (
    "„Wir handeln jetzt.“",
    "»Das ist ein Fehler«",
    '"Die Zahlen stimmen"',
    "‚Nicht mit uns‘",
    "«Ein guter Tag für die Stadt»",
)
TITLE = "Die Regierung beschließt die Reform"
BODY = (
    f"Der Minister sagte am Montag: {QUOTES[0]} Die Opposition widersprach.",
    f"Die Sprecherin nannte den Plan {QUOTES[1]} und kündigte Widerstand an.",
    f"Der Verband erklärte: {QUOTES[2]}, die Kritik sei nicht berechtigt.",
)
BOLD_BEFORE, BOLD_WORD, BOLD_AFTER = "Die Gewerkschaft nannte das ", "völlig", " falsch."
NOTES = f"Sprechernotiz: Der Bürgermeister sagte {QUOTES[4]} und lachte."
LIST_ITEM = f"Der erste Punkt: {QUOTES[3]}, sagte die Frau."
CELLS = (("Name", "Funktion"), ("Anna Müller", "die Sprecherin"))

runner = CliRunner()


# --- fixtures -------------------------------------------------------------------------------


def make_pptx() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    presentation.core_properties.title = "Pressekonferenz"
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = TITLE
    frame = slide.placeholders[1].text_frame
    frame.text = BODY[0]
    for text in BODY[1:]:
        frame.add_paragraph().text = text
    paragraph = frame.add_paragraph()
    for text, bold in ((BOLD_BEFORE, False), (BOLD_WORD, True), (BOLD_AFTER, False)):
        run = paragraph.add_run()
        run.text = text
        run.font.bold = bold or None
    slide.notes_slide.notes_text_frame.text = NOTES
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Die Zahlen der Woche"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for row, texts in enumerate(CELLS):
        for column, text in enumerate(texts):
            table.cell(row, column).text = text
    box = slide.shapes.add_textbox(Inches(1), Inches(4), Inches(6), Inches(1))
    box.text_frame.text = LIST_ITEM
    slide.shapes.add_picture(io.BytesIO(tiny_png()), Inches(7), Inches(1))
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def _odf_paragraphs(document: Any) -> None:
    from odf.style import Style, TextProperties
    from odf.text import H, List, ListItem, P, Span

    bold = Style(name="Fett", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)
    document.text.addElement(H(outlinelevel=1, text=TITLE))
    for text in BODY:
        document.text.addElement(P(text=text))
    paragraph = P(text=BOLD_BEFORE)
    paragraph.addElement(Span(stylename=bold, text=BOLD_WORD))
    paragraph.addText(BOLD_AFTER)
    document.text.addElement(paragraph)
    items = List()
    item = ListItem()
    item.addElement(P(text=LIST_ITEM))
    items.addElement(item)
    document.text.addElement(items)


def make_odt() -> bytes:
    from odf.draw import Frame, Image
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    document = OpenDocumentText()
    _odf_paragraphs(document)
    table = Table(name="Zahlen")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for texts in CELLS:
        row = TableRow()
        for text in texts:
            cell = TableCell()
            cell.addElement(P(text=text))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    picture = document.addPicture("Pictures/foto.png", "image/png", tiny_png())
    holder = P(text=NOTES)
    frame = Frame(width="2cm", height="2cm", anchortype="as-char")
    frame.addElement(Image(href=picture))
    holder.addElement(frame)
    document.text.addElement(holder)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_odp() -> bytes:
    from odf.draw import Frame, Page, TextBox
    from odf.namespaces import PRESENTATIONNS
    from odf.opendocument import OpenDocumentPresentation
    from odf.presentation import Notes
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    document = OpenDocumentPresentation()
    layout = PageLayout(name="Layout")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    document.masterstyles.addElement(master)

    def frame(texts: tuple[str, ...], kind: str) -> Any:
        made = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
        made.setAttrNS(PRESENTATIONNS, "class", kind)
        box = TextBox()
        for text in texts:
            box.addElement(P(text=text))
        made.addElement(box)
        return made

    for number, (title, texts) in enumerate(
        ((TITLE, BODY), ("Die Zahlen der Woche", (LIST_ITEM,))), start=1
    ):
        page = Page(name=f"Folie{number}", masterpagename=master)
        page.addElement(frame((title,), "title"))
        page.addElement(frame(texts, "outline"))
        notes = Notes()
        notes.addElement(frame((NOTES,), "notes"))
        page.addElement(notes)
        document.presentation.addElement(page)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# Each format: its builder, its name, the paragraphs its fixture holds (by construction).
FORMATS: dict[InputFormat, tuple[Callable[[], bytes], str, int]] = {
    InputFormat.PPTX: (make_pptx, "pressekonferenz.de.pptx", 1 + 4 + 1 + 1 + 4 + 1),
    InputFormat.ODT: (make_odt, "meldung.de.odt", 1 + 3 + 1 + 1 + 4 + 1),
    InputFormat.ODP: (make_odp, "folien.de.odp", 1 + 3 + 1 + 1 + 1 + 1),
}


def _texts(data: bytes, input_format: InputFormat) -> list[str]:
    """Every paragraph's text of a file, as its own library reads it."""
    if input_format is InputFormat.PPTX:
        from pptx import Presentation

        presentation = Presentation(io.BytesIO(data))
        texts: list[str] = []
        for slide in presentation.slides:
            for shape in slide.shapes:
                if shape.has_text_frame:
                    texts += [p.text for p in shape.text_frame.paragraphs]
                if shape.has_table:
                    texts += [c.text for row in shape.table.rows for c in row.cells]
            if slide.has_notes_slide:
                texts += [p.text for p in slide.notes_slide.notes_text_frame.paragraphs]
        return [text for text in texts if text.strip()]
    from odf import teletype
    from odf.opendocument import load
    from odf.text import H, P

    document = load(io.BytesIO(data))
    found = document.getElementsByType(H) + document.getElementsByType(P)
    return [t for t in (teletype.extractText(e) for e in found) if t.strip()]


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("input_format", list(FORMATS))
def test_round_trip_keeps_quotations_structure_and_opens(input_format: InputFormat) -> None:
    build, name, count = FORMATS[input_format]
    data = build()
    source = read_bytes(data, name)
    assert isinstance(source, PackageSource) and source.format is input_format
    assert len(source.document.paragraphs) == count
    result, written = Translator.from_engines(FakeTranslator()).translate_to_file(
        source, quotes="keep"
    )
    before, after = _texts(data, input_format), _texts(written, input_format)
    assert len(after) == len(before)
    joined = "\n".join(after)
    for quote in QUOTES:
        assert quote in joined, quote
    assert any(text.startswith("the Minister said") for text in after)
    assert [q.original for q in result.quotes if q.original in QUOTES]
    # What callers see carries no formatting markers.
    assert not any("\ue100" in p.translation or "\ue180" in p.source for p in result.paragraphs)


@pytest.mark.parametrize("input_format", list(FORMATS))
def test_every_other_member_is_copied_byte_for_byte(input_format: InputFormat) -> None:
    build, name, _ = FORMATS[input_format]
    data = build()
    source = read_bytes(data, name)
    assert isinstance(source, PackageSource)
    translated = pipeline.translate_document(source.document, FakeTranslator())
    written = write_package(source, translated)
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(io.BytesIO(written)) as new:
        assert [i.filename for i in new.infolist()] == [i.filename for i in old.infolist()]
        changed = [n for n in old.namelist() if old.read(n) != new.read(n)]
        assert [i.compress_type for i in new.infolist()] == [
            i.compress_type for i in old.infolist()
        ]
    assert changed, "nothing was translated"
    text_parts = ("ppt/slides/slide", "ppt/notesSlides/notesSlide", "content.xml")
    assert all(n.startswith(text_parts) and n.endswith(".xml") for n in changed), changed


@pytest.mark.parametrize("input_format", list(FORMATS))
def test_identity_translation_gives_every_member_back(input_format: InputFormat) -> None:
    build, name, _ = FORMATS[input_format]
    data = build()
    source = read_bytes(data, name)
    assert isinstance(source, PackageSource)
    written = write_package(
        source, pipeline.translate_document(source.document, IdentityTranslator())
    )
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(io.BytesIO(written)) as new:
        assert {n: new.read(n) for n in new.namelist()} == {n: old.read(n) for n in old.namelist()}


@pytest.mark.parametrize("input_format", [InputFormat.PPTX, InputFormat.ODT])
def test_bold_word_comes_back_bold_around_the_same_word(input_format: InputFormat) -> None:
    build, name, _ = FORMATS[input_format]
    source = read_bytes(build(), name)
    assert isinstance(source, PackageSource)
    marked = [p for p in source.document.paragraphs if p.markup]
    assert len(marked) == 1 and BOLD_WORD in marked[0].text
    written = write_package(source, pipeline.translate_document(source.document, FakeTranslator()))
    if input_format is InputFormat.PPTX:
        from pptx import Presentation

        frame = Presentation(io.BytesIO(written)).slides[0].placeholders[1].text_frame
        runs = [(r.text, r.font.bold) for r in frame.paragraphs[3].runs]
        assert runs == [
            ("the Gewerkschaft nannte the ", None),
            (BOLD_WORD, True),
            (BOLD_AFTER, None),
        ]
    else:
        with zipfile.ZipFile(io.BytesIO(written)) as archive:
            content = archive.read("content.xml").decode("utf-8")
        assert f'<text:span text:style-name="Fett">{BOLD_WORD}</text:span>' in content


def test_kinds_slides_notes_and_tables_are_read() -> None:
    source = read_bytes(make_pptx(), "x.pptx")
    assert isinstance(source, PackageSource)
    kinds = [p.kind for p in source.document.paragraphs]
    assert kinds == ["heading"] + ["paragraph"] * 5 + ["heading"] + ["table_cell"] * 4 + [
        "paragraph"
    ]
    texts = [p.text for p in source.document.paragraphs]
    assert texts.index(NOTES) == 5  # the first slide's notes follow it
    assert source.metadata["title"] == "Pressekonferenz"
    cells = [
        pl.row
        for p, pl in zip(source.document.paragraphs, source.placements, strict=True)
        if p.kind == "table_cell"
    ]
    assert cells == [0, 0, 1, 1]


def test_odt_keeps_the_picture_and_reads_list_and_table() -> None:
    source = read_bytes(make_odt(), "x.odt")
    assert isinstance(source, PackageSource)
    kinds = {p.text: p.kind for p in source.document.paragraphs}
    assert kinds[TITLE] == "heading" and kinds[LIST_ITEM] == "list_item"
    assert kinds["Anna Müller"] == "table_cell"
    written = write_package(source, pipeline.translate_document(source.document, FakeTranslator()))
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        content = archive.read("content.xml").decode("utf-8")
        assert archive.read("Pictures/foto.png") == tiny_png()
    assert content.count("<draw:image") == 1 and "Sprechernotiz" in content


def test_odp_notes_and_titles() -> None:
    source = read_bytes(make_odp(), "x.odp")
    assert isinstance(source, PackageSource)
    texts = [(p.kind, p.text) for p in source.document.paragraphs]
    assert texts[0] == ("heading", TITLE)
    assert texts.count(("paragraph", NOTES)) == 2  # each slide's notes


def test_markdown_output_of_a_presentation() -> None:
    source = read_bytes(make_pptx(), "x.pptx")
    result = Translator.from_engines(FakeTranslator()).translate_input(source)
    markdown = render_result(source, result, OutputFormat.MARKDOWN)
    assert markdown.startswith("# the Regierung beschließt the Reform\n")
    assert "| Name | Funktion |" in markdown
    for quote in QUOTES:
        assert quote in markdown


# --- CLI and batch --------------------------------------------------------------------------


@pytest.mark.parametrize("input_format", list(FORMATS))
def test_cli_writes_the_same_format(
    input_format: InputFormat, tmp_path: Path, tiny_marian_dir: Path
) -> None:
    build, name, _ = FORMATS[input_format]
    path = tmp_path / name
    path.write_bytes(build())
    result = runner.invoke(app, ["translate", str(path), "-m", str(tiny_marian_dir)])
    assert result.exit_code == 0, result.stderr
    written = tmp_path / name.replace(".de.", ".en.")
    assert len(_texts(written.read_bytes(), input_format)) == len(
        _texts(path.read_bytes(), input_format)
    )


def test_batch_picks_up_the_new_extensions(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for build, name, _ in FORMATS.values():
        (inputs / name).write_bytes(build())
    report = run_batch(BatchSettings(inputs, tmp_path / "out"), FakeTranslator())
    assert (report.done, report.failed) == (3, 0)
    for input_format, (_, name, _) in FORMATS.items():
        written = (tmp_path / "out" / name.replace(".de.", ".en.")).read_bytes()
        assert QUOTES[0] in "\n".join(_texts(written, input_format))


# --- bad input ------------------------------------------------------------------------------


def _with_member(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info), compress_type=info.compress_type)
        target.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


@pytest.mark.parametrize("input_format", list(FORMATS))
def test_zip_bomb_is_refused(input_format: InputFormat, monkeypatch: pytest.MonkeyPatch) -> None:
    build, name, _ = FORMATS[input_format]
    bomb = _with_member(build(), "Pictures/leer.bin", b"\0" * 5_000_000)  # 1000:1
    with pytest.raises(InputError, match="zip bomb"):
        read_bytes(bomb, name)
    # Meta: without the shared check the same file is read (the check is what refuses).
    monkeypatch.setattr(safezip, "check_zip", lambda data, name, limits=None: None)
    assert read_bytes(bomb, name).document.paragraphs


@pytest.mark.parametrize("input_format", list(FORMATS))
def test_lowered_limits_refuse_an_ordinary_file(
    input_format: InputFormat, monkeypatch: pytest.MonkeyPatch
) -> None:
    build, name, _ = FORMATS[input_format]
    monkeypatch.setattr(safezip, "LIMITS", safezip.ZipLimits(members=2))
    with pytest.raises(InputError, match="more than the limit of 2"):
        read_bytes(build(), name)


_SECRET = "GEHEIMNIS-AUS-DER-DATEI"


def _hostile(data: bytes, part: str, secret_file: Path) -> bytes:
    """``data`` with ``part`` given a doctype of a billion-laughs entity and an external
    one naming ``secret_file``, both referenced in its text."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part).decode("utf-8")
    declaration, _, rest = xml.partition("?>")
    root = rest.lstrip().split(None, 1)[0].lstrip("<").rstrip(">")
    doctype = (
        f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">'
        '<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    )
    xml = (
        declaration + "?>" + doctype + rest.replace("Die Opposition", "Die Opposition &xxe; &d;", 1)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = xml.encode("utf-8") if info.filename == part else source.read(info)
            target.writestr(info, content, compress_type=info.compress_type)
    return out.getvalue()


_TEXT_PARTS = {
    InputFormat.PPTX: "ppt/slides/slide1.xml",
    InputFormat.ODT: "content.xml",
    InputFormat.ODP: "content.xml",
}


@pytest.mark.parametrize("input_format", list(FORMATS))
def test_entities_are_inert(
    input_format: InputFormat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "geheim.txt"
    secret.write_text(_SECRET, encoding="utf-8")
    build, name, _ = FORMATS[input_format]
    hostile = _hostile(build(), _TEXT_PARTS[input_format], secret)
    source = read_bytes(hostile, name)
    texts = [p.text for p in source.document.paragraphs]
    assert any("Die Opposition" in text for text in texts)
    assert not any(_SECRET in text or "AAAAAAAAAA" in text for text in texts)
    # Meta: a parser that expands entities would leak the file into the text.
    from lxml import etree

    def expanding(data: bytes, name: str, part: str) -> Any:
        parser = etree.XMLParser(resolve_entities=True, no_network=True, load_dtd=True)
        return etree.fromstring(data, parser=parser).getroottree()

    monkeypatch.setattr(package_module, "parse_xml", expanding)
    leaked = read_bytes(hostile, name)
    assert any(_SECRET in p.text for p in leaked.document.paragraphs)


@pytest.mark.parametrize("input_format", list(FORMATS))
def test_empty_file_gives_an_empty_output_and_a_warning(
    input_format: InputFormat, tmp_path: Path
) -> None:
    _, name, _ = FORMATS[input_format]
    path = tmp_path / name
    path.write_bytes(b"")
    result = runner.invoke(app, ["translate", str(path), "-m", "no-such-model"])
    assert result.exit_code == 0, result.stderr
    assert "empty: nothing to translate" in result.stderr
    assert (tmp_path / name.replace(".de.", ".en.")).read_bytes() == b""


def test_a_presentation_without_text_comes_back_unchanged() -> None:
    from pptx import Presentation

    out = io.BytesIO()
    Presentation().save(out)
    source = read_bytes(out.getvalue(), "leer.pptx")
    assert isinstance(source, PackageSource) and not source.document.paragraphs
    _, written = Translator.from_engines(FakeTranslator()).translate_to_file(source)
    assert written == out.getvalue()


@pytest.mark.parametrize(
    ("input_format", "lying_name"),
    [
        (InputFormat.PPTX, "folien.docx"),
        (InputFormat.ODT, "meldung.pptx"),
        (InputFormat.ODP, "folien.txt"),
    ],
)
def test_a_lying_extension_is_detected_by_content(
    input_format: InputFormat, lying_name: str
) -> None:
    build, _, count = FORMATS[input_format]
    data = build()
    assert detect_format(lying_name, data) is input_format
    assert len(read_bytes(data, lying_name).document.paragraphs) == count


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"Nur Text, keine Folien.", "x.pptx", "is not a PowerPoint .pptx file"),
        (b"PK\x03\x04 abgeschnitten", "x.odt", "is not an OpenDocument text"),
        (b"<html><body>Seite</body></html>", "x.odp", "is not an OpenDocument presentation"),
    ],
)
def test_a_file_that_is_not_of_its_format_is_a_clear_error(
    data: bytes, name: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        read_bytes(data, name)


def test_a_part_that_is_not_xml_is_a_clear_error() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content><kaputt")
    broken = out.getvalue()
    with pytest.raises(InputError, match="content.xml is not well-formed XML"):
        read_bytes(broken, "x.odt")
