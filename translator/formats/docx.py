"""Word (.docx) in and out with python-docx.

Paragraphs, headings, list items and table cells are translated; everything else (styles,
numbering, tables, images, headers and footers, section settings) is left in the file as it
is, because the writer edits a fresh copy of the source package in place.

Run formatting: a paragraph's most used formatting (by characters) is its base; each
stretch of runs formatted otherwise (bold, italic, underlined, a hyperlink) becomes inline
markup around private-use marker characters, so the pipeline protects it like any markup:
its text is translated on its own and put back in the translation where the model left it.
The writer rebuilds the paragraph's text runs from the translation: base text in copies of
a base run, each marked stretch in a copy of its own first run (or hyperlink).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from copy import deepcopy
from typing import Any

from translator.errors import InputError
from translator.formats import safezip
from translator.formats.markers import (
    base_key,
    marked_text,
    split_marked,
    stretches,
)
from translator.formats.types import (
    HEADING,
    LIST_ITEM,
    PARAGRAPH,
    QUOTE,
    TABLE_CELL,
    DocxSource,
    Placement,
)
from translator.schema import Document, DocumentResult, Paragraph

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_docx(data: bytes, name: str = "<docx>") -> DocxSource:
    """The translatable blocks of a Word file.

    Raises:
        InputError: the file is encrypted (password-protected), an old binary .doc, not a
            Word document at all, or a zip that expands past ``safezip.LIMITS``.
    """
    document = _open(data, name)
    paragraphs: list[Paragraph] = []
    placements: list[Placement] = []
    for number, (paragraph, kind, placement) in enumerate(_blocks(document), start=1):
        text, markup = marked_text(_items(paragraph))
        paragraphs.append(Paragraph(text, "\n\n", number, kind=kind, markup=tuple(markup)))
        placements.append(placement)
    if paragraphs:
        last = paragraphs[-1]
        paragraphs[-1] = Paragraph(last.text, "", last.line, kind=last.kind, markup=last.markup)
    core = document.core_properties
    metadata = {
        key: value for key, value in (("title", core.title), ("author", core.author)) if value
    }
    return DocxSource(
        data, Document(tuple(paragraphs), position="paragraph"), tuple(placements), metadata
    )


def write_docx_bytes(source: DocxSource, result: DocumentResult) -> bytes:
    """The source file with each block's text replaced by its translation."""
    document = _open(source.data, "<docx>")
    blocks = list(_blocks(document))
    if len(blocks) != len(result.paragraphs):
        raise ValueError(f"{len(result.paragraphs)} translations for {len(blocks)} blocks")
    for (paragraph, _, _), translated in zip(blocks, result.paragraphs, strict=True):
        if translated.translation != translated.source:
            _rewrite(paragraph, translated.translation)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _open(data: bytes, name: str) -> Any:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    if data.startswith(_OLE_MAGIC):
        raise InputError(
            f"{name} is password-protected (encrypted) or an old binary .doc file. "
            "Save it as a .docx without a password and translate that."
        )
    try:
        # Limits first (zip bombs): python-docx inflates every part it reads, whatever size.
        safezip.check_zip(data, name)
        return docx.Document(io.BytesIO(data))
    except (
        zipfile.BadZipFile,
        PackageNotFoundError,
        KeyError,
        ValueError,
        etree.LxmlError,
    ) as error:
        raise InputError(
            f"{name} is not a Word .docx file ({error}). Pass a .docx saved by Word or "
            "LibreOffice, or --input-format text for a text file."
        ) from None


def _blocks(document: Any) -> Iterator[tuple[Any, str, Placement]]:
    """Every paragraph with text, in document order, with its kind and placement."""
    from docx.table import Table

    tables = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            # A merged cell is listed once per column it spans. The set holds the elements
            # themselves: an lxml proxy's id() is reused once it is garbage.
            seen: set[Any] = set()
            for row_number, row in enumerate(block.rows):
                for cell in row.cells:
                    if cell._tc in seen:
                        continue
                    seen.add(cell._tc)
                    for paragraph in cell.paragraphs:
                        if paragraph.text.strip():
                            yield paragraph, TABLE_CELL, Placement(table=tables, row=row_number)
            tables += 1
        elif block.text.strip():
            yield block, *_kind(block)


def _kind(paragraph: Any) -> tuple[str, Placement]:
    style = paragraph.style.name if paragraph.style is not None else ""
    if style == "Title":
        return HEADING, Placement(level=1)
    if style.startswith("Heading"):
        digits = "".join(c for c in style if c.isdigit())
        return HEADING, Placement(level=min(int(digits or 1), 6))
    properties = paragraph._p.pPr
    if "List" in style or (properties is not None and properties.numPr is not None):
        return LIST_ITEM, Placement()
    if "Quote" in style:
        return QUOTE, Placement()
    return PARAGRAPH, Placement()


def _items(paragraph: Any) -> list[tuple[Any, str, tuple[object, ...]]]:
    """(run or hyperlink, its text, its formatting key) for each item of a paragraph."""
    from docx.text.run import Run

    items: list[tuple[Any, str, tuple[object, ...]]] = []
    for item in paragraph.iter_inner_content():
        if isinstance(item, Run):
            key: tuple[object, ...] = (bool(item.bold), bool(item.italic), bool(item.underline))
        else:
            key = ("link", id(item._hyperlink))
        items.append((item, item.text, key))
    return items


def _rewrite(paragraph: Any, translation: str) -> None:
    """Replace a paragraph's text runs by the translation, formatted as the source was."""
    from docx.text.run import Run

    items = _items(paragraph)
    marked = [first for first, _ in stretches(items) if first is not None]
    base = base_key(items)
    template = next((item for item, text, key in items if key == base and text), None)
    textual = [item for item, text, _ in items if text]
    if not textual:
        return
    anchor = _element(textual[0])
    parent = anchor.getparent()
    position = parent.index(anchor)
    for item in textual:
        element = _element(item)
        if element.getparent() is parent:
            parent.remove(element)
    new_elements = []
    for number, text in split_marked(translation):
        if not text:
            continue
        if number is None or number >= len(marked):
            source = template if template is not None else textual[0]
        else:
            source = items[marked[number]][0]
        element = deepcopy(_element(source))
        if element.tag.endswith("}hyperlink"):
            runs = [child for child in element if child.tag.endswith("}r")]
            for extra in runs[1:]:
                element.remove(extra)
            if runs:
                Run(runs[0], paragraph).text = text
        else:
            Run(element, paragraph).text = text
        new_elements.append(element)
    for offset, element in enumerate(new_elements):
        parent.insert(position + offset, element)


def _element(item: Any) -> Any:
    return item._r if hasattr(item, "_r") else item._hyperlink
