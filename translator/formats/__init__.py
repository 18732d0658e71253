"""Input formats: readers turn a file into a ``Document`` of blocks, writers put the
translated blocks back into the file's structure.

A reader gives every translatable block (heading, paragraph, list item, quote, table cell)
as one ``Paragraph`` with its ``kind`` and its inline ``markup``; the pipeline translates
the ``Document`` like any text (quotations, URLs and markup are its protected spans), and
the format's writer uses the ``DocumentResult``'s paragraphs, one per block, in order.

Formats (``--input-format``): ``text`` (the plain-text path, unchanged), ``markdown``
(markdown-it-py, CommonMark), ``html`` (the article extracted by trafilatura, offline),
``docx`` (python-docx), ``srt`` and ``vtt`` (subtitles, ``formats.subtitles``), ``pdf`` (the
text layer, pdfminer.six: the optional extra ``translator[pdf]``). ``auto`` picks one by the
file's extension, else by its content.
The parsers are imported only when a file of their format is read, so ``--help`` stays
instant.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from translator.formats.types import (
    HEADING,
    LIST_ITEM,
    PARAGRAPH,
    QUOTE,
    TABLE_CELL,
    ArticleSource,
    DocxSource,
    InputFormat,
    MarkdownSource,
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
    "read_warnings",
]


_EXTENSIONS: dict[str, InputFormat] = {
    ".md": InputFormat.MARKDOWN,
    ".markdown": InputFormat.MARKDOWN,
    ".html": InputFormat.HTML,
    ".htm": InputFormat.HTML,
    ".xhtml": InputFormat.HTML,
    ".docx": InputFormat.DOCX,
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


def detect_format(name: str, data: bytes) -> InputFormat:
    """The format of an input: by its extension, else by its first bytes (a zip is a
    docx, ``%PDF-`` a PDF, ``WEBVTT`` WebVTT, a cue number and an SRT timing line SRT,
    ``<!DOCTYPE html``/``<html``, after an optional ``<?xml`` declaration, is HTML);
    anything else is text.

    Markdown has no signature: without the extension it is read as text.
    """
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
    path: Path | None, input_format: InputFormat = InputFormat.AUTO, encoding: str | None = None
) -> tuple[Source, str]:
    """Read a file (stdin when ``path`` is None) in ``input_format``; see ``read_bytes``.

    Returns:
        The source and a name for messages (``"<stdin>"`` for stdin).
    """
    from translator import textio

    data, name = textio.read_raw(path)
    return read_bytes(data, name, input_format, encoding), name


def open_input(
    path: Path | None,
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
    from translator import textio

    if not stream:
        return read_input(path, input_format, encoding)
    head, rest, name, size = textio.open_stream(path, encoding)
    streamable = (
        len(head) == textio.STREAM_HEAD_BYTES
        and input_format in (InputFormat.AUTO, InputFormat.TEXT)
        and (input_format is InputFormat.TEXT or detect_format(name, head) is InputFormat.TEXT)
        and not _looks_like_html(head)
    )
    if streamable:
        return textio.TextStream(head, rest, name, size, encoding, owns_file=path is not None), name
    try:
        # A short head ended at the end of the input: reading on would wait for a second
        # end of file (a second Ctrl-D at a terminal).
        data = head if len(head) < textio.STREAM_HEAD_BYTES else head + rest.read()
    finally:
        if path is not None:
            rest.close()
    return read_bytes(data, name, input_format, encoding), name


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
    """``result`` as callers see it: for a Word file, without the formatting markers the
    pipeline carried (private-use characters) in any of its texts; else as it is."""
    if isinstance(source, DocxSource):
        from translator.formats.docx import plain_result as without_markers

        return without_markers(result)
    return result
