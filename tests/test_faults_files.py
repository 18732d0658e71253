"""Hostile and broken input files (issue 21, items 4 and 8): nothing is lost without a
word, and no file takes the machine down.

- Malformed HTML: libxml2 stops nesting at depth 255 (2048 with huge_tree) and drops
  what is deeper; old CMS exports leave hundreds of tags unclosed.
- Zip bombs: a .docx of a few kB whose parts inflate to gigabytes, or whose parts declare
  a small size and inflate to a large one.

Every page and archive here is built by the test, and what it must give is known by
construction (the sentences written into it).
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.batch_helpers import run_batch
from tests.fakes import FakeTranslator
from translator import Translator, engines
from translator.batch import BatchSettings, read_manifest
from translator.errors import InputError
from translator.formats import (
    ArticleSource,
    InputFormat,
    TextSource,
    detect_format,
    read_bytes,
    safezip,
)
from translator.formats import html as html_format

pytestmark = pytest.mark.faults

DATA = Path(__file__).parent / "data" / "formats"
NEWS_PAGE = DATA / "news-page.de.html"

# --- HTML: pages built with the sentences they hold -----------------------------------------


def _sentence(number: int) -> str:
    return f"Satz Nummer {number} erzählt von der Stadt und ihren Menschen im Jahr {1900 + number}."


def _unclosed_page(tag: str, paragraphs: int = 400, unclosed: int = 300) -> str:
    """An old CMS export: before each of the first ``unclosed`` paragraphs a ``tag`` that
    is never closed, so the article nests ``unclosed`` elements deep."""
    parts = [
        "<!DOCTYPE html><html><head><title>Die Stadt</title></head><body>"
        "<nav><ul><li><a href='/'>Start</a></li><li><a href='/p'>Politik</a></li></ul></nav>"
        "<article><h1>Die Stadt</h1>"
    ]
    for number in range(paragraphs):
        if number < unclosed:
            parts.append("<font face='Arial'>" if tag == "font" else "<div class='c'>")
        parts.append(f"<p>{_sentence(number)}</p>")
    parts.append("</article><footer>Impressum</footer></body></html>")
    return "".join(parts)


def _deep_page(depth: int = 10_000, paragraphs: int = 50) -> str:
    """A page nesting ``depth`` elements, a paragraph every ``depth / paragraphs`` levels."""
    parts = ["<!DOCTYPE html><html><head><title>Die Stadt</title></head><body><h1>Die Stadt</h1>"]
    for number in range(paragraphs):
        parts.append("<div>" * (depth // paragraphs))
        parts.append(f"<p>{_sentence(number)}</p>")
    parts.append("</body></html>")
    return "".join(parts)


def _missing(texts: list[str], count: int) -> list[int]:
    """The constructed sentences that are not one of ``texts`` (each is a block of its own)."""
    assert texts, "nothing was extracted"
    blocks = set(texts)
    return [number for number in range(count) if _sentence(number) not in blocks]


def _article(page: str) -> ArticleSource:
    source = read_bytes(page.encode("utf-8"), "page.html")
    assert isinstance(source, ArticleSource)
    return source


@pytest.mark.parametrize("tag", ["font", "div"])
def test_300_unclosed_tags_lose_no_paragraph(tag: str) -> None:
    source = _article(_unclosed_page(tag))
    assert _missing([p.text for p in source.document.paragraphs], 400) == []
    assert source.warnings == ()


def test_10000_deep_nesting_loses_no_paragraph_as_html_or_as_text() -> None:
    page = _deep_page()
    source = _article(page)
    assert _missing([p.text for p in source.document.paragraphs], 50) == []
    text = read_bytes(page.encode("utf-8"), "page.html", InputFormat.TEXT)
    assert isinstance(text, TextSource)
    assert _missing(text.text.splitlines(), 50) == []


def _parse_as_before(page: str, scan: object = None) -> Any:
    """The page parsed as before the fix: trafilatura's parser, libxml2's depth limit."""
    import trafilatura

    return trafilatura.load_html(page)


@pytest.mark.parametrize("tag", ["font", "div"])
def test_without_the_fix_paragraphs_are_lost_and_the_completeness_warning_says_so(
    monkeypatch: pytest.MonkeyPatch, tag: str
) -> None:
    # The oracle above sees the loss when the parse loses text; the completeness check,
    # which counts the page's text without libxml2, says so in a warning.
    monkeypatch.setattr(html_format, "load_page", _parse_as_before)
    source = _article(_unclosed_page(tag))
    assert len(_missing([p.text for p in source.document.paragraphs], 400)) > 100
    assert len(source.warnings) == 1
    assert "the parsed page has" in source.warnings[0]
    assert "part of the article may be missing" in source.warnings[0]


def _page_with_most_text_in_a_sidebar() -> str:
    """Five paragraphs in the article, thirty in a block trafilatura leaves out."""
    kept = "".join(f"<p>{_sentence(number)}</p>" for number in range(5))
    dropped = "".join(f"<p>{_sentence(number)} Und noch mehr dazu.</p>" for number in range(30))
    return (
        "<!DOCTYPE html><html><head><title>Die Stadt</title></head><body>"
        f"<article><h1>Die Stadt</h1>{kept}</article><div class='sidebar'>{dropped}</div>"
        "</body></html>"
    )


def test_completeness_warning_fires_when_extraction_drops_most_of_the_body() -> None:
    source = _article(_page_with_most_text_in_a_sidebar())
    assert _missing([p.text for p in source.document.paragraphs], 5) == []
    assert len(source.warnings) == 1
    assert "the extracted article has" in source.warnings[0]
    assert "--input-format text" in source.warnings[0]


def test_completeness_warning_is_silent_on_the_sample_news_page() -> None:
    source = _article(NEWS_PAGE.read_text(encoding="utf-8"))
    assert source.document.paragraphs
    assert source.warnings == ()


def test_completeness_warning_reaches_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "load_translator", lambda model, **kwargs: FakeTranslator())
    monkeypatch.setattr(html_format, "load_page", _parse_as_before)
    page = _unclosed_page("div")
    result = Translator("fake").translate_input(_article(page))
    assert "part of the article may be missing" in result.warnings[0]
    assert "part of the article may be missing" in result.to_dict()["warnings"][0]


def test_completeness_warning_reaches_the_batch_manifest(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "page.html").write_text(_page_with_most_text_in_a_sidebar(), encoding="utf-8")
    report = run_batch(BatchSettings(source, tmp_path / "out"), FakeTranslator())
    assert report.done == 1
    (record,) = read_manifest(tmp_path / "out")
    assert any("the extracted article has" in warning for warning in record.warnings)


def test_text_fallback_keeps_one_line_per_block() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>Titel</title><script>var x = 1;</script></head>"
        "<body><nav><ul><li><a href='/'>Start</a></li><li><a href='/p'>Politik</a></li></ul>"
        "</nav><h1>Die Stadt</h1><p>Erster <b>fetter</b>\n  Absatz.</p><div>Zweiter Absatz"
        "<p>Dritter Absatz.</p>und sein Nachsatz</div><table><tr><td>Zelle eins</td>"
        "<td>Zelle zwei</td></tr></table><address>Hauptstraße 1<br>Berlin</address>"
        "<footer>Impressum</footer></body></html>"
    )
    source = read_bytes(page.encode("utf-8"), "page.html", InputFormat.TEXT)
    assert isinstance(source, TextSource)
    # Blocks apart by a blank line; the page's own line breaks are spaces.
    assert "\n\nErster fetter Absatz.\n\n" in source.text
    assert "\n\nHauptstraße 1\nBerlin\n\n" in source.text  # <br>: a line in the block
    lines = [line for line in source.text.splitlines() if line.strip()]
    assert lines == [
        "Start",
        "Politik",
        "Die Stadt",
        "Erster fetter Absatz.",
        "Zweiter Absatz",
        "Dritter Absatz.",
        "und sein Nachsatz",
        "Zelle eins",
        "Zelle zwei",
        "Hauptstraße 1",
        "Berlin",
        "Impressum",
    ]


XHTML = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
    '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Titel</title></head>'
    "<body><h1>Die Stadt</h1><p>Ein Absatz &amp; mehr.</p></body></html>"
)


def test_a_page_starting_with_an_xml_declaration_is_a_page() -> None:
    data = XHTML.encode("utf-8")
    assert detect_format("<stdin>", data) is InputFormat.HTML
    source = read_bytes(data, "<stdin>", InputFormat.TEXT)
    assert isinstance(source, TextSource)
    assert source.text.splitlines() == ["Die Stadt", "", "Ein Absatz & mehr."]


# --- Zip bombs --------------------------------------------------------------------------------

_PARAGRAPH = "<w:p><w:r><w:t>{}</w:t></w:r></w:p>"


def _docx(paragraphs: list[str] | None = None) -> bytes:
    """A Word file made by python-docx, its body replaced by ``paragraphs``."""
    import docx

    document = docx.Document()
    if paragraphs is None:
        document.add_paragraph(_sentence(0))
    out = io.BytesIO()
    document.save(out)
    if paragraphs is None:
        return out.getvalue()
    return _with_body(out.getvalue(), "".join(_PARAGRAPH.format(p) for p in paragraphs))


def _with_body(data: bytes, body_xml: str) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "word/document.xml":
                xml = content.decode("utf-8")
                start = xml.index("<w:body>") + len("<w:body>")
                content = (xml[:start] + body_xml + xml[start:]).encode("utf-8")
            target.writestr(info.filename, content)
    return out.getvalue()


def _declare_size(data: bytes, member: str, size: int) -> bytes:
    """``data`` with ``member``'s declared size set to ``size`` (central directory and
    local header), its data and checksum untouched: a zip that lies about a part."""
    patched = bytearray(data)
    name = member.encode("utf-8")
    entry = patched.find(b"PK\x01\x02")
    found = False
    while entry >= 0:
        name_length = struct.unpack_from("<H", patched, entry + 28)[0]
        if bytes(patched[entry + 46 : entry + 46 + name_length]) == name:
            struct.pack_into("<I", patched, entry + 24, size)
            local = struct.unpack_from("<I", patched, entry + 42)[0]
            struct.pack_into("<I", patched, local + 22, size)
            found = True
        entry = patched.find(b"PK\x01\x02", entry + 4)
    assert found
    return bytes(patched)


def _repeated_paragraphs(count: int) -> list[str]:
    return ["Ein Satz, der sich wiederholt."] * count


def _varied_paragraphs(count: int) -> list[str]:
    """Text that compresses like prose (a few times, not a hundred)."""
    return [f"{_sentence(number)} {number * 7919 % 100_003:x}" for number in range(count)]


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of every chunk read from a zip member from now on."""
    reads: list[int] = []
    original = zipfile.ZipExtFile.read

    def read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        chunk = original(self, n)
        reads.append(len(chunk))
        return chunk

    monkeypatch.setattr(zipfile.ZipExtFile, "read", read)
    return reads


def test_a_member_declaring_3_gib_is_refused_without_inflating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bomb = _declare_size(_docx(), "word/document.xml", 3 * 2**30)
    assert len(bomb) < 100_000
    reads = _counting_reads(monkeypatch)
    with pytest.raises(InputError) as refused:
        read_bytes(bomb, "bomb.docx")
    message = str(refused.value)
    assert "bomb.docx expands to 3.2 GB (word/document.xml)" in message
    assert "more than the limit of 100 MB" in message
    assert "zip bomb" in message and "Traceback" not in message
    assert reads == []  # refused from the central directory, nothing inflated


def test_without_the_declared_check_the_member_is_inflated_and_counting_refuses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The read counter above sees inflation when there is some; the count, the second
    # line, still refuses the member that lies about its size.
    monkeypatch.setattr(safezip, "_check_declared", lambda *args: None)
    bomb = _declare_size(_docx(), "word/document.xml", 3 * 2**30)
    reads = _counting_reads(monkeypatch)
    with pytest.raises(InputError, match=r"declares 3\.2 GB and expands to"):
        read_bytes(bomb, "bomb.docx")
    assert reads != []


def test_a_highly_compressed_member_is_refused_at_the_default_limits() -> None:
    # 5 MB of repeated paragraphs in a zip of some 50 kB: a ratio of about 300:1.
    bomb = _docx(_repeated_paragraphs(150_000))
    assert len(bomb) < 100_000
    with pytest.raises(InputError, match=r"expands \d+ times \(word/document.xml.*100:1"):
        read_bytes(bomb, "bomb.docx")


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        (safezip.ZipLimits(member_bytes=300_000), r"expands to .* more than the limit of 300 kB"),
        (safezip.ZipLimits(total_bytes=300_000), r"expands to .* more than the limit of 300 kB"),
        (safezip.ZipLimits(members=5), r"holds \d+ files, more than the limit of 5"),
    ],
    ids=["member", "total", "members"],
)
def test_each_declared_limit_refuses(
    monkeypatch: pytest.MonkeyPatch, limits: safezip.ZipLimits, expected: str
) -> None:
    document = _docx(_varied_paragraphs(5_000))  # about 500 kB of text
    safezip.check_zip(document, "fine.docx")  # within the default limits
    monkeypatch.setattr(safezip, "LIMITS", limits)
    with pytest.raises(InputError, match=expected):
        read_bytes(document, "big.docx")


def test_a_lying_declared_size_is_caught_by_counting() -> None:
    real = _docx(_varied_paragraphs(20_000))  # about 2 MB of text in about 500 kB
    liar = _declare_size(real, "word/document.xml", 1_000)
    with pytest.raises(InputError, match=r"declares 1 kB and expands to 2\.\d MB"):
        read_bytes(liar, "liar.docx")


def test_counting_stops_at_the_limit_whatever_the_declared_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = _docx(_varied_paragraphs(20_000))
    liar = _declare_size(real, "word/document.xml", 1_000)
    limit = 500_000  # python-docx's template has a 350 kB styles.xml
    monkeypatch.setattr(safezip, "LIMITS", safezip.ZipLimits(member_bytes=limit))
    reads = _counting_reads(monkeypatch)
    with pytest.raises(InputError, match=r"more than 500 kB.*declares 1 kB"):
        read_bytes(liar, "liar.docx")
    with zipfile.ZipFile(io.BytesIO(liar)) as archive:
        others = sum(i.file_size for i in archive.infolist() if i.filename != "word/document.xml")
    assert reads, "the member was never read"
    assert sum(reads) <= others + limit + 65_536  # the other parts, the limit and a chunk


def test_a_normal_word_file_passes_the_check() -> None:
    document = _docx(_varied_paragraphs(50))
    source = read_bytes(document, "normal.docx")
    assert [p.text for p in source.document.paragraphs] == _varied_paragraphs(50)


def test_batch_records_a_zip_bomb_as_failed_and_translates_the_rest(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.txt").write_text("Der Mann sagte das.\n", encoding="utf-8")
    (source / "bomb.docx").write_bytes(_declare_size(_docx(), "word/document.xml", 3 * 2**30))
    (source / "z.txt").write_text("Die Frau sagte das.\n", encoding="utf-8")

    report = run_batch(BatchSettings(source, tmp_path / "out"), FakeTranslator())

    assert (report.done, report.failed) == (2, 1)
    assert [problem.path for problem in report.problems] == ["bomb.docx"]
    assert "expands to 3.2 GB" in report.problems[0].error
    assert sorted(path.name for path in (tmp_path / "out").glob("*.en.*")) == [
        "a.en.txt",
        "z.en.txt",
    ]


def test_cli_refuses_a_zip_bomb_with_exit_1(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from translator.cli import app

    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(_docx(_repeated_paragraphs(150_000)))
    result = CliRunner().invoke(app, ["translate", str(bomb), "-m", "no-such-model"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bomb} expands")
    assert "zip bomb" in result.stderr
    assert not (tmp_path / "bomb.en.docx").exists()
