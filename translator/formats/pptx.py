"""PowerPoint (.pptx) in and out, zip and XML by hand (``package``): the text of every
slide (titles, text boxes, placeholders, tables, grouped shapes) and of its speaker notes,
slide by slide in presentation order, each slide's notes after it.

A paragraph (``a:p``) is rebuilt from its runs (``a:r``): formatting that differs from
the paragraph's own (bold, italic, a colour, a hyperlink) is a marked stretch
(``inline``), line breaks (``a:br``) are kept, fields (slide numbers, dates) are left
alone. Layouts, masters, pictures, charts and every other part are copied as they are.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from typing import Any

from translator.formats.inline import InlineRules
from translator.formats.package import (
    Block,
    PackageFormat,
    core_metadata,
    member,
    not_this_format,
    parse_xml,
)
from translator.formats.types import HEADING, PARAGRAPH, TABLE_CELL, InputFormat, Placement

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_NOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide"
_TITLES = frozenset({"title", "ctrTitle"})
# Run properties that say nothing about formatting (spell checking, the editing state).
_NOT_FORMATTING = ("lang", "altLang", "dirty", "err", "noProof", "smtClean")


def _run_text(run: Any) -> str:
    # The text around an unexpanded entity reference, not the reference ("&name;").
    return "".join(
        (t.text or "") + "".join(child.tail or "" for child in t) for t in run.iter(f"{_A}t")
    )


def _set_run_text(run: Any, text: str) -> None:
    texts = run.findall(f"{_A}t")
    for extra in texts[1:]:
        run.remove(extra)
    for child in list(texts[0]):
        texts[0].remove(child)
    texts[0].text = text


def _run_key(run: Any) -> tuple[object, ...]:
    properties = run.find(f"{_A}rPr")
    if properties is None:
        return ("run",)
    if properties.find(f"{_A}hlinkClick") is not None:
        return ("link", id(run))
    attributes = sorted((k, v) for k, v in properties.attrib.items() if k not in _NOT_FORMATTING)
    children = tuple(child.tag + repr(sorted(child.attrib.items())) for child in properties.iter())
    return ("run", *attributes, *children[1:])


RULES = InlineRules(
    runs=frozenset({f"{_A}r"}),
    characters={f"{_A}br": lambda _: "\n"},
    mixed=False,
    run_text=_run_text,
    set_run_text=_set_run_text,
    run_key=_run_key,
)


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, target's path in the zip)."""
    folder, name = posixpath.split(part)
    rels = f"{folder}/_rels/{name}.rels"
    if rels not in archive.namelist():
        return {}
    root = parse_xml(archive.read(rels), "<pptx>", rels).getroot()
    return {
        rel.get("Id", ""): (
            rel.get("Type", ""),
            posixpath.normpath(posixpath.join(folder, rel.get("Target", ""))),
        )
        for rel in root.iter(f"{_RELS}Relationship")
        if rel.get("TargetMode") != "External"
    }


def _parts(archive: zipfile.ZipFile, name: str) -> list[str]:
    """Each slide in presentation order, each followed by its notes."""
    presentation = "ppt/presentation.xml"
    root = parse_xml(member(archive, presentation, name, FORMAT), name, presentation).getroot()
    relationships = _relationships(archive, presentation)
    names = set(archive.namelist())
    parts: list[str] = []
    for slide_id in root.iter(f"{_P}sldId"):
        slide = relationships.get(slide_id.get(f"{_R}id", ""), ("", ""))[1]
        if slide not in names:
            raise not_this_format(name, FORMAT, f"a slide it lists is missing: {slide}")
        parts.append(slide)
        for kind, target in _relationships(archive, slide).values():
            if kind == _NOTES and target in names:
                parts.append(target)
    return parts


def _blocks(part: str, tree: Any) -> Iterator[Block]:
    tables: dict[Any, int] = {}
    # Table numbers unique in the presentation: Markdown output gathers a table's cells.
    first_table = zlib.crc32(part.encode()) * 1000
    for paragraph in tree.iter(f"{_A}p"):
        cell = next(paragraph.iterancestors(f"{_A}tc"), None)
        if cell is not None:
            row = cell.getparent()
            table = row.getparent()
            number = tables.setdefault(table, first_table + len(tables))
            rows = table.findall(f"{_A}tr")
            yield paragraph, TABLE_CELL, Placement(table=number, row=rows.index(row)), RULES
            continue
        shape = next(paragraph.iterancestors(f"{_P}sp"), None)
        placeholder = None if shape is None else shape.find(f"{_P}nvSpPr/{_P}nvPr/{_P}ph")
        if placeholder is not None and placeholder.get("type") in _TITLES:
            yield paragraph, HEADING, Placement(level=1), RULES
        else:
            yield paragraph, PARAGRAPH, Placement(), RULES


def _metadata(archive: zipfile.ZipFile) -> Mapping[str, str]:
    return core_metadata(archive, "docProps/core.xml")


FORMAT = PackageFormat(InputFormat.PPTX, "a PowerPoint .pptx file", _parts, _blocks, _metadata)
FORMATS = {InputFormat.PPTX: FORMAT}
