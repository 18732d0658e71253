"""EPUB in, EPUB out: every chapter's text with its markup, the navigation and the title.

The book is built here by hand (zip + XHTML) from German news paragraphs holding the
quotations in ``QUOTES``, one per mark style: what the output must hold verbatim comes
from that construction.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from typer.testing import CliRunner

from tests.fakes import FakeTranslator, IdentityTranslator, tiny_png
from translator import pipeline
from translator.api import Translator
from translator.cli import app
from translator.errors import InputError
from translator.formats import InputFormat, PackageSource, detect_format, read_bytes, safezip
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
XHTML = "http://www.w3.org/1999/xhtml"
BOOK_TITLE = "Die Nachrichten der Woche"

CHAPTERS = {
    "kapitel1.xhtml": f"""<h1>Die Regierung beschließt die Reform</h1>
<p>Der Minister sagte am Montag: {QUOTES[0]} Die Opposition widersprach.</p>
<p>Die Sprecherin nannte den Plan <em>völlig</em> falsch und sagte {QUOTES[1]}.</p>
<p>Mehr dazu im <a href="https://example.org/bericht">Bericht der Kommission</a> und hier.</p>
<p><img src="bild.png" alt="Foto"/>
Der Verband erklärte: {QUOTES[2]}, die Kritik sei berechtigt.</p>""",
    "kapitel2.xhtml": f"""<h2>Die Stimmen aus der Stadt</h2>
<blockquote><p>Die Frau sagte: {QUOTES[3]}</p></blockquote>
<ul><li>Der erste Punkt der Liste</li><li>Der zweite Punkt<br/>mit einer neuen Zeile</li></ul>
<table><tr><th>Name</th><th>Funktion</th></tr>
<tr><td>Anna Müller</td><td>die Sprecherin</td></tr></table>
<pre>code bleibt so</pre>
<p>Der Bürgermeister sagte {QUOTES[4]} und lachte.</p>""",
}
NAV = """<nav xmlns:epub="http://www.idpf.org/2007/ops" epub:type="toc"><h1>Inhalt</h1><ol>
<li><a href="kapitel1.xhtml">Die Regierung beschließt die Reform</a></li>
<li><a href="kapitel2.xhtml">Die Stimmen aus der Stadt</a></li></ol></nav>"""
# Blocks by construction: title; chapter 1: h1, 4 p (+ head title); chapter 2: head
# title, h2, quote, 2 li, 4 cells, p; nav: head title, h1, 2 li; NCX: doc title, 2 labels.
BLOCKS = 1 + (1 + 1 + 4) + (1 + 1 + 1 + 2 + 4 + 1) + (1 + 1 + 2) + 3


def _xhtml(title: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        f'<html xmlns="{XHTML}" xml:lang="de"><head><title>{title}</title>'
        f'<link rel="stylesheet" href="stil.css"/></head><body>\n{body}\n</body></html>\n'
    )


def make_epub(
    chapters: dict[str, str] | None = None, extra: dict[str, bytes] | None = None
) -> bytes:
    chapters = CHAPTERS if chapters is None else chapters
    manifest = "".join(
        f'<item id="c{n}" href="{name}" media-type="application/xhtml+xml"/>'
        for n, name in enumerate(chapters)
    )
    spine = "".join(f'<itemref idref="c{n}"/>' for n in range(len(chapters)))
    opf = f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:x</dc:identifier>
<dc:title>{BOOK_TITLE}</dc:title><dc:creator>Anna Müller</dc:creator><dc:language>de</dc:language>
</metadata><manifest>{manifest}
<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
<item id="css" href="stil.css" media-type="text/css"/>
<item id="img" href="bild.png" media-type="image/png"/></manifest>
<spine toc="ncx">{spine}</spine></package>"""
    ncx = f"""<?xml version="1.0" encoding="utf-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><head/>
<docTitle><text>{BOOK_TITLE}</text></docTitle><navMap>
<navPoint id="n1"><navLabel><text>Die Reform</text></navLabel>
<content src="kapitel1.xhtml"/></navPoint>
<navPoint id="n2"><navLabel><text>Die Stimmen</text></navLabel>
<content src="kapitel2.xhtml"/></navPoint>
</navMap></ncx>"""
    container = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
</rootfiles></container>"""
    members: dict[str, bytes] = {
        "META-INF/container.xml": container.encode(),
        "OEBPS/content.opf": opf.encode(),
        **{f"OEBPS/{n}": _xhtml("Kapitel", body).encode() for n, body in chapters.items()},
        "OEBPS/nav.xhtml": _xhtml("Inhalt", NAV).encode(),
        "OEBPS/toc.ncx": ncx.encode(),
        "OEBPS/stil.css": b"p { margin: 0 }\n",
        "OEBPS/bild.png": tiny_png(),
        **(extra or {}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _translated(data: bytes) -> tuple[Any, bytes]:
    source = read_bytes(data, "buch.de.epub")
    assert isinstance(source, PackageSource)
    return Translator.from_engines(FakeTranslator()).translate_to_file(source, quotes="keep")


def _chapter(data: bytes, name: str) -> Any:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read(f"OEBPS/{name}"))


def _text(element: Any) -> str:
    return "".join(element.itertext())


def test_blocks_kinds_and_metadata() -> None:
    source = read_bytes(make_epub(), "buch.epub")
    assert isinstance(source, PackageSource) and source.format is InputFormat.EPUB
    paragraphs = source.document.paragraphs
    assert len(paragraphs) == BLOCKS
    assert (paragraphs[0].kind, paragraphs[0].text) == ("heading", BOOK_TITLE)
    kinds = [p.kind for p in paragraphs]
    assert kinds.count("table_cell") == 4 and kinds.count("quote") == 1
    assert "code bleibt so" not in "\n".join(p.text for p in paragraphs)
    assert source.metadata == {"title": BOOK_TITLE, "author": "Anna Müller"}


def test_round_trip_is_a_valid_epub_with_every_quotation_verbatim() -> None:
    data = make_epub()
    result, written = _translated(data)
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert archive.read("mimetype") == b"application/epub+zip"
        with zipfile.ZipFile(io.BytesIO(data)) as original:
            assert archive.namelist() == original.namelist()
            assert archive.read("OEBPS/bild.png") == original.read("OEBPS/bild.png")
        texts = []
        for name in archive.namelist():
            if name.endswith((".xhtml", ".opf", ".ncx")):
                texts.append(_text(etree.fromstring(archive.read(name))))  # well-formed
    joined = "\n".join(texts)
    for quote in QUOTES:
        assert quote in joined, quote
    assert "the Minister said am Montag" in joined
    assert "code bleibt so" in joined
    # Structure: the same chapters, each with as many paragraphs as before.
    for name in CHAPTERS:
        before, after = _chapter(data, name), _chapter(written, name)
        count = f".//{{{XHTML}}}p"
        assert len(after.findall(count)) == len(before.findall(count)) > 0
    assert not any("\ue100" in p.translation for p in result.paragraphs)


def test_inline_markup_comes_back_around_the_same_words() -> None:
    _, written = _translated(make_epub())
    chapter = _chapter(written, "kapitel1.xhtml")
    paragraphs = chapter.findall(f".//{{{XHTML}}}p")
    emphasis = paragraphs[1].find(f"{{{XHTML}}}em")
    assert emphasis is not None and emphasis.text == "völlig"
    assert paragraphs[1].text == "the Sprecherin nannte den Plan "
    link = paragraphs[2].find(f"{{{XHTML}}}a")
    assert link is not None and link.get("href") == "https://example.org/bericht"
    assert link.text == "Bericht the Kommission"
    assert paragraphs[3].find(f"{{{XHTML}}}img") is not None  # the picture stays
    items = _chapter(written, "kapitel2.xhtml").findall(f".//{{{XHTML}}}li")
    assert items[1].find(f"{{{XHTML}}}br") is not None  # the line break stays


def test_navigation_and_title_are_translated() -> None:
    _, written = _translated(make_epub())
    nav = _chapter(written, "nav.xhtml")
    links = [_text(a) for a in nav.iter(f"{{{XHTML}}}a")]
    assert links == ["the Regierung beschließt the Reform", "the Stimmen aus the Stadt"]
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        opf = etree.fromstring(archive.read("OEBPS/content.opf"))
        ncx = etree.fromstring(archive.read("OEBPS/toc.ncx"))
    title = opf.find(".//{http://purl.org/dc/elements/1.1/}title")
    assert title is not None and title.text == "the Nachrichten the Woche"
    labels = [t.text for t in ncx.iter("{http://www.daisy.org/z3986/2005/ncx/}text")]
    assert labels == ["the Nachrichten the Woche", "the Reform", "the Stimmen"]


def test_markdown_output_of_a_book() -> None:
    source = read_bytes(make_epub(), "buch.epub")
    result = Translator.from_engines(FakeTranslator()).translate_input(source)
    markdown = render_result(source, result, OutputFormat.MARKDOWN)
    assert markdown.startswith("# the Nachrichten the Woche\n")
    assert "| Name | Funktion |" in markdown
    for quote in QUOTES:
        assert quote in markdown


def test_cli_writes_an_epub(tmp_path: Path, tiny_marian_dir: Path) -> None:
    path = tmp_path / "buch.de.epub"
    path.write_bytes(make_epub())
    result = CliRunner().invoke(app, ["translate", str(path), "-m", str(tiny_marian_dir)])
    assert result.exit_code == 0, result.stderr
    written = read_bytes((tmp_path / "buch.en.epub").read_bytes(), "buch.en.epub")
    assert len(written.document.paragraphs) == BLOCKS


# --- bad input ------------------------------------------------------------------------------


def test_zip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # A chapter of 300 kB that compresses 500:1, against limits lowered to 100 kB a part.
    chapter = "<p>" + "Ein Satz, der sich wiederholt. " * 10_000 + "</p>"
    bomb = make_epub(chapters={"lang.xhtml": chapter})
    assert read_bytes(bomb, "bombe.epub").document.paragraphs  # within the default limits
    monkeypatch.setattr(safezip, "LIMITS", safezip.ZipLimits(member_bytes=100_000))
    with pytest.raises(InputError, match=r"lang.xhtml\).*more than the limit of 100 kB.*zip bomb"):
        read_bytes(bomb, "bombe.epub")


def test_entities_are_inert(tmp_path: Path) -> None:
    secret = tmp_path / "geheim.txt"
    secret.write_text("GEHEIMNIS", encoding="utf-8")
    hostile = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "{secret.as_uri()}">'
        '<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        f'<html xmlns="{XHTML}"><body><p>Der Mann sagte &xxe; und &c; nichts.</p></body></html>'
    )
    book = make_epub(chapters={"boese.xhtml": "<p>x</p>"})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = (
                hostile.encode() if info.filename.endswith("boese.xhtml") else source.read(info)
            )
            target.writestr(info, content)
    source_read = read_bytes(out.getvalue(), "boese.epub")
    texts = [p.text for p in source_read.document.paragraphs]
    assert "Der Mann sagte  und  nichts." in texts
    assert not any("GEHEIMNIS" in t or "AAAA" in t for t in texts)


def test_predefined_html_entities_are_their_characters() -> None:
    chapter = "<p>Der Mann&nbsp;sagte das.</p>"
    book = make_epub(chapters={"k.xhtml": chapter})
    out = io.BytesIO()
    doctype = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
        '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">'
    )
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.endswith("k.xhtml"):
                content = content.replace(b"<!DOCTYPE html>", doctype.encode())
            target.writestr(info, content)
    texts = [p.text for p in read_bytes(out.getvalue(), "k.epub").document.paragraphs]
    assert "Der Mann\xa0sagte das." in texts


def test_empty_file_gives_an_empty_output_and_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "leer.de.epub"
    path.write_bytes(b"")
    result = CliRunner().invoke(app, ["translate", str(path), "-m", "no-such-model"])
    assert result.exit_code == 0, result.stderr
    assert "empty: nothing to translate" in result.stderr
    assert (tmp_path / "leer.en.epub").read_bytes() == b""


def test_a_lying_extension_is_detected_by_content() -> None:
    data = make_epub()
    assert detect_format("buch.docx", data) is InputFormat.EPUB
    assert detect_format("buch.zip", data) is InputFormat.EPUB
    assert len(read_bytes(data, "buch.docx").document.paragraphs) == BLOCKS


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"kein Buch", "is not an EPUB book"),
        (b"PK\x03\x04 abgeschnitten", "is not an EPUB book"),
    ],
)
def test_not_an_epub_is_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_bytes(data, "x.epub")


def test_a_book_without_chapters_is_a_clear_error() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    with pytest.raises(InputError, match="no META-INF/container.xml"):
        read_bytes(out.getvalue(), "x.epub")


def test_identity_translation_gives_every_member_back() -> None:
    data = make_epub()
    source = read_bytes(data, "buch.epub")
    assert isinstance(source, PackageSource)
    written = write_package(
        source, pipeline.translate_document(source.document, IdentityTranslator())
    )
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(io.BytesIO(written)) as new:
        assert {n: new.read(n) for n in new.namelist()} == {n: old.read(n) for n in old.namelist()}
