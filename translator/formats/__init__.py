"""Input formats: readers turn a file into a ``Document`` of blocks, writers put the
translated blocks back into the file's structure.

A reader gives every translatable block (heading, paragraph, list item, quote, table cell)
as one ``Paragraph`` with its ``kind`` and its inline ``markup``; the pipeline translates
the ``Document`` like any text (quotations, URLs and markup are its protected spans), and
the format's writer uses the ``DocumentResult``'s paragraphs, one per block, in order.

Formats (``--input-format``): ``text`` (the plain-text path, unchanged), ``markdown``
(markdown-it-py, CommonMark), ``html`` (the article extracted by trafilatura, offline),
``docx`` (python-docx), ``pptx``, ``odt``, ``odp`` and ``epub`` (zips of XML parts,
``package``), ``srt`` and ``vtt`` (subtitles, ``formats.subtitles``), ``pdf`` (the text
layer, pdfminer.six: the optional extra ``translator[pdf]``). ``auto`` picks one by the
file's extension, else by its content; a zip by what it holds, whatever its extension says.
The parsers are imported only when a file of their format is read, so ``--help`` stays
instant.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

from translator.formats.types import (
    HEADING,
    LIST_ITEM,
    PACKAGE_FORMATS,
    PARAGRAPH,
    QUOTE,
    TABLE_CELL,
    ArticleSource,
    DocxSource,
    InputFormat,
    MarkdownSource,
    PackageSource,
    PdfSource,
    Placement,
    Region,
    Source,
    StructuredSource,
    SubtitleSource,
    TextSource,
)

if TYPE_CHECKING:
    from translator.schema import DocumentResult
    from translator.textio import TextStream

__all__ = [
    "HEADING",
    "LIST_ITEM",
    "PARAGRAPH",
    "QUOTE",
    "TABLE_CELL",
    "ArticleSource",
    "DocxSource",
    "InputFormat",
    "MarkdownSource",
    "PackageSource",
    "PdfSource",
    "Placement",
    "Region",
    "Source",
    "StructuredSource",
    "SubtitleSource",
    "TextSource",
    "detect_format",
    "is_empty",
    "open_input",
    "plain_result",
    "read_bytes",
    "read_input",
    "read_url",
    "read_warnings",
    "write_file",
    "writes_file",
]


_EXTENSIONS: dict[str, InputFormat] = {
    ".md": InputFormat.MARKDOWN,
    ".markdown": InputFormat.MARKDOWN,
    ".html": InputFormat.HTML,
    ".htm": InputFormat.HTML,
    ".xhtml": InputFormat.HTML,
    ".docx": InputFormat.DOCX,
    ".pptx": InputFormat.PPTX,
    ".odt": InputFormat.ODT,
    ".odp": InputFormat.ODP,
    ".epub": InputFormat.EPUB,
    ".txt": InputFormat.TEXT,
    ".srt": InputFormat.SRT,
    ".vtt": InputFormat.VTT,
    ".pdf": InputFormat.PDF,
}
_ZIP_MAGIC = b"PK\x03\x04"
_PDF_MAGIC = b"%PDF-"
_VTT_START = re.compile(rb"(\xef\xbb\xbf)?WEBVTT[ \t\r\n]")
_SRT_START = re.compile(rb"(\xef\xbb\xbf)?\s*\d+\r?\n\d{1,3}:\d\d:\d\d,\d{3} +--> ")
# A page's start: an XML declaration (XHTML), comments, then its doctype or first tag.
_HTML_START = re.compile(
    rb"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>])", re.I | re.S
)


def _looks_like_html(data: bytes) -> bool:
    return _HTML_START.match(data[:4096].removeprefix(b"\xef\xbb\xbf")) is not None


# What a zip holds, by format: an OpenDocument or EPUB file's first member, "mimetype",
# names it; an Office file has its main part.
_ZIP_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": InputFormat.ODT,
    b"application/vnd.oasis.opendocument.presentation": InputFormat.ODP,
    b"application/epub+zip": InputFormat.EPUB,
}
_ZIP_MAIN_PARTS = {"word/document.xml": InputFormat.DOCX, "ppt/presentation.xml": InputFormat.PPTX}


def _zip_format(data: bytes) -> InputFormat | None:
    """The format of a zip by its members (None when it is none of ours or unreadable).
    Reads the central directory and at most 100 bytes of ``mimetype``."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    found = _ZIP_MIMETYPES.get(member.read(100).strip())
                if found is not None:
                    return found
            return next((f for part, f in _ZIP_MAIN_PARTS.items() if part in names), None)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return None


def detect_format(name: str, data: bytes) -> InputFormat:
    """The format of an input: a zip by what it holds (``_zip_format``; an extension may
    lie), else by its extension, else by its first bytes (another zip is a docx, ``%PDF-``
    a PDF, ``WEBVTT`` WebVTT, a cue number and an SRT timing line SRT,
    ``<!DOCTYPE html``/``<html``, after an optional ``<?xml`` declaration, is HTML);
    anything else is text.

    Markdown has no signature: without the extension it is read as text.
    """
    if data.startswith(_ZIP_MAGIC):
        by_content = _zip_format(data)
        if by_content is not None:
            return by_content
    by_extension = _EXTENSIONS.get(Path(name).suffix.lower())
    if by_extension is not None:
        return by_extension
    if data.startswith(_ZIP_MAGIC):
        return InputFormat.DOCX
    if data[:1024].lstrip().startswith(_PDF_MAGIC):
        return InputFormat.PDF
    if _VTT_START.match(data[:16]):
        return InputFormat.VTT
    if _SRT_START.match(data[:64]):
        return InputFormat.SRT
    if _looks_like_html(data):
        return InputFormat.HTML
    return InputFormat.TEXT


def read_bytes(
    data: bytes,
    name: str,
    input_format: InputFormat = InputFormat.AUTO,
    encoding: str | None = None,
) -> Source:
    """Read an input of any format.

    Args:
        data: the file's bytes.
        name: its name, for detection by extension and for messages.
        input_format: the format, or ``AUTO`` to detect it (``detect_format``).
        encoding: the text encoding of text, Markdown and HTML (detected when None).

    Raises:
        InputError: the input cannot be read in that format (with what to do instead).
    """
    from translator import textio

    if input_format is InputFormat.AUTO:
        input_format = detect_format(name, data)
    if input_format is InputFormat.DOCX:
        from translator.formats.docx import read_docx

        return read_docx(data, name)
    if input_format in PACKAGE_FORMATS:
        from translator.formats.package import read_package

        return read_package(data, name, input_format)
    if input_format is InputFormat.PDF:
        from translator.formats.pdf import read_pdf

        return read_pdf(data, name)
    text = textio.decode_bytes(data, name, encoding)
    if input_format is InputFormat.TEXT and _looks_like_html(data):
        from translator.formats.html import page_text

        return TextSource(page_text(text))  # a page's whole text, without its markup
    if input_format is InputFormat.MARKDOWN:
        from translator.formats.markdown import read_markdown

        return read_markdown(text, name)
    if input_format is InputFormat.HTML:
        from translator.formats.html import read_html

        return read_html(text, name)
    if input_format in (InputFormat.SRT, InputFormat.VTT):
        from translator.formats.subtitles import read_subtitles

        return read_subtitles(text, name, vtt=input_format is InputFormat.VTT)
    return TextSource(text)


def read_input(
    path: Path | str | None,
    input_format: InputFormat = InputFormat.AUTO,
    encoding: str | None = None,
) -> tuple[Source, str]:
    """Read a file (stdin when ``path`` is None; a page when it is an ``http(s)://``
    address, ``read_url``) in ``input_format``; see ``read_bytes``.

    Returns:
        The source and a name for messages (``"<stdin>"`` for stdin, the URL for a page).
    """
    from translator import fetch, textio

    if isinstance(path, str) and fetch.is_url(path):
        return read_url(path, input_format, encoding), path
    data, name = textio.read_raw(None if path is None else Path(path))
    return read_bytes(data, name, input_format, encoding), name


def read_url(
    url: str, input_format: InputFormat = InputFormat.AUTO, encoding: str | None = None
) -> Source:
    """Fetch a page (``translator.fetch``, bounded) and read it as a saved page is read:
    its article, or with ``--input-format text`` all of its text. The charset the server
    names is used unless ``encoding`` is given.

    Raises:
        InputError: the page cannot be fetched (see ``fetch.fetch``) or read.
    """
    from translator import fetch

    page = fetch.fetch(url, accept_pdf=True)
    if input_format is InputFormat.AUTO:
        input_format = InputFormat.PDF if page.is_pdf else InputFormat.HTML
    return read_bytes(page.data, page.url, input_format, encoding or page.encoding)


def open_input(
    path: Path | str | None,
    input_format: InputFormat = InputFormat.AUTO,
    encoding: str | None = None,
    *,
    stream: bool,
) -> tuple[Source | TextStream, str]:
    """``read_input``, except that with ``stream`` plain text longer than
    ``textio.STREAM_HEAD_BYTES`` comes as a ``TextStream``, decoded as it is read, for
    callers that translate it section by section (``Translator.translate_stream``) and
    write the output as it is made.

    Returns:
        The source or stream, and a name for messages (``"<stdin>"`` for stdin).
    """
    from translator import fetch, textio

    if not stream or (isinstance(path, str) and fetch.is_url(path)):
        return read_input(path, input_format, encoding)
    path = None if path is None else Path(path)
    head, rest, name, size = textio.open_stream(path, encoding)
    if len(head) == textio.STREAM_HEAD_BYTES and streams_as_text(name, head, input_format):
        return textio.TextStream(head, rest, name, size, encoding, owns_file=path is not None), name
    try:
        # A short head ended at the end of the input: reading on would wait for a second
        # end of file (a second Ctrl-D at a terminal).
        data = head if len(head) < textio.STREAM_HEAD_BYTES else head + rest.read()
    finally:
        if path is not None:
            rest.close()
    return read_bytes(data, name, input_format, encoding), name


def streams_as_text(name: str, head: bytes, input_format: InputFormat = InputFormat.AUTO) -> bool:
    """Whether an input starting with ``head`` is plain text that may be translated as a
    stream (not Markdown, HTML or Word, by its name or its first bytes)."""
    return (
        input_format in (InputFormat.AUTO, InputFormat.TEXT)
        and (input_format is InputFormat.TEXT or detect_format(name, head) is InputFormat.TEXT)
        and not _looks_like_html(head)
    )


def read_warnings(source: Source) -> tuple[str, ...]:
    """What reading the input noticed (an HTML article much shorter than its page,
    overlapping subtitle cues); they come first in the result's warnings."""
    return source.warnings if isinstance(source, ArticleSource | SubtitleSource) else ()


def is_empty(source: Source) -> bool:
    """Whether there is nothing to translate."""
    if isinstance(source, TextSource):
        return not source.text.strip()
    return not source.document.paragraphs


def plain_result(source: Source, result: DocumentResult) -> DocumentResult:
    """``result`` as callers see it: for a file written back in its own format (Word,
    PowerPoint, OpenDocument, EPUB), without the formatting markers the pipeline carried
    (private-use characters) in any of its texts; else as it is."""
    if writes_file(source):
        from translator.formats.markers import plain_result as without_markers

        return without_markers(result)
    return result


def writes_file(source: Source) -> TypeGuard[DocxSource | PackageSource | PdfSource]:
    """Whether the source is written as a file (``write_file``): back in its own format
    (Word, PowerPoint, OpenDocument, EPUB), or, for a PDF, as a Word file of its blocks."""
    return isinstance(source, DocxSource | PackageSource | PdfSource)


def write_file(source: DocxSource | PackageSource | PdfSource, marked: DocumentResult) -> bytes:
    """The file of a result in the source's own format (Word, PowerPoint, OpenDocument,
    EPUB; a PDF's headings, paragraphs and tables in a new Word file), from the pipeline's
    result with its formatting markers (what ``Translator.translate_to_file`` does for a
    single file)."""
    if isinstance(source, PdfSource):
        from translator.formats.docx import write_docx_bytes
        from translator.formats.pdf import as_docx

        return write_docx_bytes(as_docx(source), marked)
    if isinstance(source, DocxSource):
        from translator.formats.docx import write_docx_bytes

        return write_docx_bytes(source, marked)
    from translator.formats.package import write_package

    return write_package(source, marked)
