"""The input formats' data: what a reader gives and a writer takes (``Source``s, block kinds,
placements). A leaf: the readers (``docx``, ``markdown``, ``html``) and writers import it,
and ``translator.formats`` keeps only detection and dispatch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from translator.schema import Document


class InputFormat(StrEnum):
    AUTO = "auto"
    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"
    DOCX = "docx"
    PPTX = "pptx"
    ODT = "odt"
    ODP = "odp"
    EPUB = "epub"
    SRT = "srt"
    VTT = "vtt"
    PDF = "pdf"


# Blocks' kinds, as they appear in --format json ("kind" of each paragraph).
HEADING = "heading"
PARAGRAPH = "paragraph"
LIST_ITEM = "list_item"
QUOTE = "quote"
TABLE_CELL = "table_cell"


@dataclass(frozen=True)
class Placement:
    """Where a block stands in a structure the writer rebuilds: a heading's level, or a
    table cell's table and row (for HTML and docx turned into Markdown)."""

    level: int = 0
    table: int = -1
    row: int = -1


@dataclass(frozen=True)
class TextSource:
    """Plain text: the pipeline's own paragraph parsing applies."""

    text: str
    format: InputFormat = InputFormat.TEXT
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Region:
    """Where a Markdown block's text stands in the source: ``text[start:end]``, the prefix
    its continuation lines carry (``"> "``, a list item's indent), and how a translation is
    written there: ``"block"`` as it is, ``"cell"`` on one line with ``|`` escaped,
    ``"yaml"`` as a quoted front-matter value."""

    start: int
    end: int
    prefix: str = ""
    style: str = "block"


@dataclass(frozen=True)
class MarkdownSource:
    """A Markdown file; ``regions[i]`` is where paragraph ``i`` of ``document`` stands."""

    text: str
    document: Document
    regions: tuple[Region, ...]
    metadata: Mapping[str, str] = field(default_factory=dict)
    format: InputFormat = InputFormat.MARKDOWN


@dataclass(frozen=True)
class ArticleSource:
    """The article trafilatura extracted from a page: blocks, their placements, metadata
    (title, author, date, sitename, ...). The title is the first block when there is one.
    ``warnings`` say what reading it noticed (an article much shorter than the page)."""

    document: Document
    placements: tuple[Placement, ...]
    metadata: Mapping[str, str] = field(default_factory=dict)
    format: InputFormat = InputFormat.HTML
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocxSource:
    """A Word file: its bytes (the writer edits a fresh copy) and its blocks."""

    data: bytes
    document: Document
    placements: tuple[Placement, ...]
    metadata: Mapping[str, str] = field(default_factory=dict)
    format: InputFormat = InputFormat.DOCX


@dataclass(frozen=True)
class PackageSource:
    """A zip of XML parts written back in its own format (PowerPoint, OpenDocument text
    and presentation, EPUB): its bytes (the writer rewrites the text of a fresh copy's
    parts and copies every other member as it is) and its blocks."""

    data: bytes
    document: Document
    placements: tuple[Placement, ...]
    metadata: Mapping[str, str] = field(default_factory=dict)
    format: InputFormat = InputFormat.PPTX


@dataclass(frozen=True)
class Cue:
    """One subtitle cue: its number in the file (1-based, for messages), the source line its
    block starts on, and where its text lines stand in ``SubtitleSource.lines``
    (``lines[text_start:text_end]``); everything else of the block (number, identifier,
    timing line, settings) is kept as it is."""

    number: int
    line: int
    timing: str
    text_start: int
    text_end: int


@dataclass(frozen=True)
class CuePart:
    """What one cue says in one voice: the cue (index into ``cues``), the label before it
    (``{\\an8}``, ``- ``, ``SPRECHER: ``, ``<v Name>``), the tags wrapping each of its
    lines (``<i>``/``</i>``), its text as translated, and the longest source line's length
    (the output wraps near it)."""

    cue: int
    label: str
    opening: str
    closing: str
    text: str
    width: int


@dataclass(frozen=True)
class SubtitleSource:
    """An SRT or WebVTT file. ``lines`` is the file (newlines removed; ``newline`` puts them
    back); each paragraph of ``document`` is a sentence (or run of sentences) made of the
    ``parts[group[0]:group[1]]`` of ``groups[i]``, split back over those cues when written."""

    lines: tuple[str, ...]
    newline: str
    cues: tuple[Cue, ...]
    parts: tuple[CuePart, ...]
    groups: tuple[tuple[int, int], ...]
    document: Document
    placements: tuple[Placement, ...]
    metadata: Mapping[str, str] = field(default_factory=dict)
    format: InputFormat = InputFormat.SRT
    warnings: tuple[str, ...] = ()  # what reading noticed (overlapping cues, ...)


@dataclass(frozen=True)
class PdfSource:
    """A PDF's text layer as blocks (headings, paragraphs, table cells), in reading order,
    running headers, footers and page numbers left out; ``pages`` is the page count."""

    document: Document
    placements: tuple[Placement, ...]
    pages: int
    metadata: Mapping[str, str] = field(default_factory=dict)
    format: InputFormat = InputFormat.PDF


# The formats read by ``translator.formats.package``: zips of XML parts, written back.
PACKAGE_FORMATS = frozenset({InputFormat.PPTX, InputFormat.ODT, InputFormat.ODP, InputFormat.EPUB})

StructuredSource = (
    MarkdownSource | ArticleSource | DocxSource | PackageSource | SubtitleSource | PdfSource
)
Source = TextSource | StructuredSource
