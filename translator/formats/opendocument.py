"""OpenDocument text (.odt) and presentation (.odp) in and out, zip and XML by hand
(``package``): every paragraph and heading of ``content.xml`` in document order, in
lists, tables, frames and text boxes, footnotes and, for a presentation, each slide's
speaker notes after the slide.

A paragraph's styled spans and links are marked stretches (``inline``); spaces
(``text:s``), tabs and line breaks are text; frames, images, footnotes, bookmarks and
fields stay where they are. Styles, pictures and every other part are copied as they are.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Mapping
from typing import Any

from translator.formats.inline import InlineRules
from translator.formats.package import Block, PackageFormat, core_metadata, member
from translator.formats.types import (
    HEADING,
    LIST_ITEM,
    PARAGRAPH,
    TABLE_CELL,
    InputFormat,
    Placement,
)

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_PRESENTATION = "{urn:oasis:names:tc:opendocument:xmlns:presentation:1.0}"
_CONTENT = "content.xml"
_TITLES = frozenset({"title"})


def _spaces(element: Any) -> str:
    count = element.get(f"{_TEXT}c", "1")
    return " " * (int(count) if count.isdigit() else 1)


RULES = InlineRules(
    runs=frozenset({f"{_TEXT}span", f"{_TEXT}a"}),
    links=frozenset({f"{_TEXT}a"}),
    characters={
        f"{_TEXT}s": _spaces,
        f"{_TEXT}tab": lambda _: "\t",
        f"{_TEXT}line-break": lambda _: "\n",
    },
)


def _blocks(part: str, tree: Any) -> Iterator[Block]:
    tables: dict[Any, int] = {}
    for paragraph in tree.iter(f"{_TEXT}p", f"{_TEXT}h"):
        if paragraph.tag == f"{_TEXT}h":
            level = paragraph.get(f"{_TEXT}outline-level", "1")
            placement = Placement(level=min(int(level) if level.isdigit() else 1, 6))
            yield paragraph, HEADING, placement, RULES
            continue
        cell = next(paragraph.iterancestors(f"{_TABLE}table-cell"), None)
        if cell is not None:
            row = cell.getparent()
            table = next(row.iterancestors(f"{_TABLE}table"))
            number = tables.setdefault(table, len(tables))
            rows = list(table.iter(f"{_TABLE}table-row"))
            yield paragraph, TABLE_CELL, Placement(table=number, row=rows.index(row)), RULES
            continue
        frame = next(paragraph.iterancestors(f"{_DRAW}frame"), None)
        if frame is not None and frame.get(f"{_PRESENTATION}class") in _TITLES:
            yield paragraph, HEADING, Placement(level=1), RULES
        elif next(paragraph.iterancestors(f"{_TEXT}list-item"), None) is not None:
            yield paragraph, LIST_ITEM, Placement(), RULES
        else:
            yield paragraph, PARAGRAPH, Placement(), RULES


def _metadata(archive: zipfile.ZipFile) -> Mapping[str, str]:
    return core_metadata(archive, "meta.xml")


def _format(input_format: InputFormat, what: str) -> PackageFormat:
    def parts(archive: zipfile.ZipFile, name: str) -> list[str]:
        member(archive, _CONTENT, name, described)  # a clear error when it is missing
        return [_CONTENT]

    described = PackageFormat(input_format, what, parts, _blocks, _metadata)
    return described


FORMATS = {
    InputFormat.ODT: _format(InputFormat.ODT, "an OpenDocument text (.odt) file"),
    InputFormat.ODP: _format(InputFormat.ODP, "an OpenDocument presentation (.odp) file"),
}
