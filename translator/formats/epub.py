"""EPUB in and out, zip and XML by hand (``package``): the book's title (the package
document's ``dc:title``), every chapter of its spine in reading order, its navigation
document and its NCX table of contents.

A chapter is not an article: every text of its body is translated, block by block (a
paragraph, heading, list item, table cell, caption; a ``div`` with text of its own).
Inline markup (emphasis, links, spans) is a marked stretch (``inline``), ``<br/>`` a line
break; images, program code (``pre``), scripts and nested blocks stay where they are.
The output is an EPUB again: the same members in the same order, ``mimetype`` first and
stored, styles, fonts and pictures copied as they are.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from translator.formats.inline import InlineRules
from translator.formats.package import (
    Block,
    PackageFormat,
    core_metadata,
    member,
    not_this_format,
    parse_xml,
)
from translator.formats.types import (
    HEADING,
    LIST_ITEM,
    PARAGRAPH,
    QUOTE,
    TABLE_CELL,
    InputFormat,
    Placement,
)

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
_XHTML = "{http://www.w3.org/1999/xhtml}"
_XHTML_TYPE = "application/xhtml+xml"
_NCX_TYPE = "application/x-dtbncx+xml"

_INLINE = (
    "a abbr b bdi bdo cite code del dfn em i ins kbd mark q s samp small span strong sub "
    "sup time u var"
).split()
_BLOCKS = (
    "address article aside blockquote body caption dd details div dt figcaption footer "
    "h1 h2 h3 h4 h5 h6 header legend li nav p section summary td th title"
).split()

XHTML_RULES = InlineRules(
    runs=frozenset(_XHTML + tag for tag in _INLINE),
    links=frozenset({f"{_XHTML}a"}),
    characters={f"{_XHTML}br": lambda _: "\n"},
)
TEXT_RULES = InlineRules()  # an element holding text alone (a title, an NCX label)


def _parts(archive: zipfile.ZipFile, name: str) -> list[str]:
    """The package document, the spine's documents in order, the navigation, the NCX."""
    container = "META-INF/container.xml"
    root = parse_xml(member(archive, container, name, FORMAT), name, container).getroot()
    rootfile = next(root.iter(f"{_CONTAINER}rootfile"), None)
    package = rootfile.get("full-path", "") if rootfile is not None else ""
    opf = parse_xml(member(archive, package, name, FORMAT), name, package).getroot()
    folder = posixpath.dirname(package)
    names = set(archive.namelist())
    items: dict[str, tuple[str, str, str]] = {}
    for item in opf.iter(f"{_OPF}item"):
        href = unquote(item.get("href", "").partition("#")[0])
        path = posixpath.normpath(posixpath.join(folder, href)) if href else ""
        items[item.get("id", "")] = (path, item.get("media-type", ""), item.get("properties", ""))
    parts = [package]
    for reference in opf.iter(f"{_OPF}itemref"):
        path, media_type, _ = items.get(reference.get("idref", ""), ("", "", ""))
        if media_type == _XHTML_TYPE and path in names and path not in parts:
            parts.append(path)
    if len(parts) == 1:
        raise not_this_format(name, FORMAT, "its spine lists no chapter it holds")
    for path, media_type, properties in items.values():
        navigation = "nav" in properties.split() or media_type == _NCX_TYPE
        if navigation and path in names and path not in parts:
            parts.append(path)
    return parts


def _blocks(part: str, tree: Any) -> Iterator[Block]:
    root = tree.getroot()
    if root.tag == f"{_OPF}package":
        for title in root.iter(f"{_DC}title"):
            yield title, HEADING, Placement(level=1), TEXT_RULES
    elif root.tag == f"{_NCX}ncx":
        for label in root.iter(f"{_NCX}text"):
            yield label, LIST_ITEM, Placement(), TEXT_RULES
    else:
        yield from _xhtml_blocks(root)


def _xhtml_blocks(root: Any) -> Iterator[Block]:
    tables: dict[Any, int] = {}
    blocks = {_XHTML + tag for tag in _BLOCKS}
    for element in root.iter(*blocks):
        local = element.tag[len(_XHTML) :]
        if local in ("td", "th"):
            row = element.getparent()
            table = next(element.iterancestors(f"{_XHTML}table"), None)
            if table is not None and row is not None:
                number = tables.setdefault(table, len(tables))
                rows = list(table.iter(f"{_XHTML}tr"))
                row_number = rows.index(row) if row in rows else 0
                yield element, TABLE_CELL, Placement(table=number, row=row_number), XHTML_RULES
                continue
        if local[:1] == "h" and local[1:].isdigit():
            yield element, HEADING, Placement(level=int(local[1:])), XHTML_RULES
        elif local in ("li", "dt", "dd"):
            yield element, LIST_ITEM, Placement(), XHTML_RULES
        elif (
            local == "blockquote"
            or next(element.iterancestors(f"{_XHTML}blockquote"), None) is not None
        ):
            yield element, QUOTE, Placement(), XHTML_RULES
        else:
            yield element, PARAGRAPH, Placement(), XHTML_RULES


def _metadata(archive: zipfile.ZipFile) -> Mapping[str, str]:
    container = "META-INF/container.xml"
    root = parse_xml(archive.read(container), "<epub>", container).getroot()
    rootfile = next(root.iter(f"{_CONTAINER}rootfile"), None)
    return core_metadata(archive, rootfile.get("full-path", "") if rootfile is not None else "")


FORMAT = PackageFormat(InputFormat.EPUB, "an EPUB book (.epub)", _parts, _blocks, _metadata)
FORMATS = {InputFormat.EPUB: FORMAT}
