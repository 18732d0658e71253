"""Zips of XML parts in and out (PowerPoint, OpenDocument text and presentation, EPUB):
one reader and one writer, each format saying which parts hold text and which elements
of them are blocks (``PackageFormat``: ``pptx``, ``opendocument``, ``epub``).

Safe to open: ``safezip.check_zip`` before anything is inflated, and every part parsed
inert (no entity is expanded, no DTD or external file loaded, nothing fetched): a
billion-laughs or an XXE part gives its text as written, never a file's content.

The writer parses the parts again from the source's bytes, rewrites the text of each
block (``inline.rewrite``), and writes a new zip with the members in the same order, each
with its own compression (an EPUB's or OpenDocument's ``mimetype`` stays first and
stored); a member whose text did not change is copied byte for byte.
"""

from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from translator.errors import InputError
from translator.formats import safezip
from translator.formats.inline import InlineRules, marked_paragraph, rewrite
from translator.formats.types import InputFormat, PackageSource, Placement
from translator.schema import Document, DocumentResult, Paragraph

# (element, kind, placement, rules) for each block of a part, in reading order.
Block = tuple[Any, str, Placement, InlineRules]


@dataclass(frozen=True)
class PackageFormat:
    """What one zip-based format reads and writes.

    ``what`` names it in messages ("a PowerPoint .pptx file"); ``parts`` lists the XML
    parts holding text in reading order (``InputError`` when the zip is not of this
    format); ``blocks`` gives a parsed part's blocks; ``metadata`` reads the title and
    author from the open zip.
    """

    format: InputFormat
    what: str
    parts: Callable[[zipfile.ZipFile, str], list[str]]
    blocks: Callable[[str, Any], Iterable[Block]]
    metadata: Callable[[zipfile.ZipFile], Mapping[str, str]] = field(default=lambda archive: {})


_MODULES = {
    InputFormat.PPTX: "translator.formats.pptx",
    InputFormat.ODT: "translator.formats.opendocument",
    InputFormat.ODP: "translator.formats.opendocument",
    InputFormat.EPUB: "translator.formats.epub",
}


def package_format(input_format: InputFormat) -> PackageFormat:
    """The format's reader and writer (its module imported now)."""
    module = importlib.import_module(_MODULES[input_format])
    found: PackageFormat = module.FORMATS[input_format]
    return found


def read_package(data: bytes, name: str, input_format: InputFormat) -> PackageSource:
    """The translatable blocks of a zip-based file; an empty file has none.

    Raises:
        InputError: not a file of this format, damaged, a part that is not well-formed
            XML, or a zip that expands past ``safezip.LIMITS``.
    """
    described = package_format(input_format)
    if not data.strip():
        return PackageSource(data, Document(()), (), {}, input_format)
    paragraphs: list[Paragraph] = []
    placements: list[Placement] = []
    with open_zip(data, name, described) as archive:
        for element, kind, placement, rules in _all_blocks(archive, name, described):
            text, markup = marked_paragraph(element, rules)
            number = len(paragraphs) + 1
            paragraphs.append(Paragraph(text, "\n\n", number, kind=kind, markup=tuple(markup)))
            placements.append(placement)
        metadata = dict(described.metadata(archive))
    if paragraphs:
        last = paragraphs[-1]
        paragraphs[-1] = Paragraph(last.text, "", last.line, kind=last.kind, markup=last.markup)
    return PackageSource(
        data, Document(tuple(paragraphs)), tuple(placements), metadata, input_format
    )


def write_package(source: PackageSource, result: DocumentResult) -> bytes:
    """The source file with each block's text replaced by its translation (the
    pipeline's result, with its formatting markers)."""
    if not source.document.paragraphs:
        return source.data
    described = package_format(source.format)
    changed: dict[str, bytes] = {}
    translations = iter(result.paragraphs)
    count = 0
    with open_zip(source.data, "<package>", described) as archive:
        for part in described.parts(archive, "<package>"):
            tree = parse_xml(archive.read(part), "<package>", part)
            touched = False
            for element, _, _, rules in list(_text_blocks(part, tree, described)):
                translated = next(translations, None)
                count += 1
                if translated is not None and translated.translation != translated.source:
                    rewrite(element, translated.translation, rules)
                    touched = True
            if touched:
                changed[part] = serialize(tree)
    if count != len(result.paragraphs):
        raise ValueError(f"{len(result.paragraphs)} translations for {count} blocks")
    return rewrite_zip(source.data, changed)


def _all_blocks(archive: zipfile.ZipFile, name: str, described: PackageFormat) -> Iterable[Block]:
    for part in described.parts(archive, name):
        yield from _text_blocks(part, parse_xml(archive.read(part), name, part), described)


def _text_blocks(part: str, tree: Any, described: PackageFormat) -> Iterable[Block]:
    """The part's blocks that hold text (reader and writer skip the same ones)."""
    for block in described.blocks(part, tree):
        text, _ = marked_paragraph(block[0], block[3])
        if text.strip():
            yield block


def open_zip(data: bytes, name: str, described: PackageFormat) -> zipfile.ZipFile:
    """The zip, once ``safezip`` has checked it.

    Raises:
        InputError: not a zip, damaged, or past the limits (a possible zip bomb).
    """
    try:
        safezip.check_zip(data, name)
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise not_this_format(name, described, str(error)) from None


def not_this_format(name: str, described: PackageFormat, why: str) -> InputError:
    return InputError(
        f"{name} is not {described.what} ({why}). Pass a file saved by its application, "
        "or --input-format text for a text file."
    )


def member(archive: zipfile.ZipFile, part: str, name: str, described: PackageFormat) -> bytes:
    """A member's bytes.

    Raises:
        InputError: the zip has no such member (it is not of this format).
    """
    try:
        return archive.read(part)
    except KeyError:
        raise not_this_format(name, described, f"it has no {part}") from None


def parse_xml(data: bytes, name: str, part: str) -> Any:
    """A part's tree, parsed inert: entities are left unexpanded, no DTD or external
    resource is loaded, nothing is fetched.

    Raises:
        InputError: the part is not well-formed XML.
    """
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )
    try:
        return etree.fromstring(data, parser=parser).getroottree()
    except etree.XMLSyntaxError as error:
        raise InputError(
            f"{name}: its part {part} is not well-formed XML ({error}). Save the file again "
            "from its application and translate that."
        ) from None


def core_metadata(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Title and author from a Dublin Core part (Office's core properties, ODF's meta)."""
    if part not in archive.namelist():
        return {}
    root = parse_xml(archive.read(part), "<metadata>", part).getroot()
    found: dict[str, str] = {}
    for key, tag in (("title", "title"), ("author", "creator")):
        element = next(root.iter(f"{{http://purl.org/dc/elements/1.1/}}{tag}"), None)
        if element is not None and (element.text or "").strip():
            found[key] = element.text.strip()
    return found


def serialize(tree: Any) -> bytes:
    """A rewritten part, with the XML declaration it had."""
    from lxml import etree

    docinfo = tree.docinfo
    data: bytes = etree.tostring(
        tree,
        xml_declaration=True,
        encoding=docinfo.encoding or "UTF-8",
        standalone=docinfo.standalone,
    )
    return data


def rewrite_zip(data: bytes, changed: Mapping[str, bytes]) -> bytes:
    """``data``'s zip with the ``changed`` members' contents; every member in its place,
    with its name, date and compression, except that a ``mimetype`` member (EPUB,
    OpenDocument) is written first and stored, as readers of those formats require."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        members = sorted(source.infolist(), key=lambda info: info.filename != "mimetype")
        for info in members:
            content = changed.get(info.filename)
            if content is None:
                content = source.read(info)
            stored = info.filename == "mimetype"
            compression = zipfile.ZIP_STORED if stored else info.compress_type
            target.writestr(info, content, compress_type=compression)
    return out.getvalue()
