"""PDF in: the text layer as headings, paragraphs and table cells, in reading order.

pdfminer.six (MIT, pure Python; the optional extra ``translator[pdf]``) gives the text
lines of each page with their boxes and font sizes; the rest is decided here:

- reading order: a page whose lines leave a vertical gutter free is read in two columns,
  band by band (a line across the gutter, such as a headline over both columns, ends a
  band), left column before right;
- running headers, footers and page numbers are left out: a line in the top or bottom
  margin that repeats at the same height on most pages (digits aside), or a lone number
  there;
- paragraphs come from line spacing (a gap wider than about half a line, or a change of
  font size, starts one); a paragraph goes on over a column or page break when it does not
  end a sentence and the next line starts in lower case;
- a word hyphenated at a line end is rejoined (``Regie-``/``rung``), a real hyphen kept
  (``Nord-``/``Süd-Achse``; ``Nord-``/``und Süd…`` stays ``Nord- und``);
- headings by font size (larger than the body's most used size, one level per size);
  lines sharing a baseline within a column are a table's row, one cell each.

A block's ``line`` is the page it starts on. Not supported: OCR (a PDF without a text
layer is an error that says so), and a PDF that needs a password. Output keeps no layout:
text, Markdown, JSON, the review page, or a Word file of the headings, paragraphs and
tables (``as_docx``, through the Word writer).

Bounds: at most ``MAX_PAGES`` pages (a larger PDF is refused at once, by its page count),
``MAX_SECONDS`` of extraction (checked between pages; progress is logged every 50 pages),
no stream may inflate past ``MAX_STREAM_BYTES`` (a zip bomb is an error, not memory), and
one page may take at most ``config.pdf_page_seconds()`` (``TRANSLATOR_PDF_PAGE_SECONDS``,
30 s by default), checked inside pdfminer's work on the page: at every operand and
``q`` of its content streams (form XObjects included), every glyph and path drawn, and
between the lines and boxes its layout analysis groups, so one hostile page (millions of
operators, or glyphs piled on one spot) fails its PDF with an error naming the page
instead of running unbounded. The layout analysis skips pdfminer's grouping of text boxes
(``boxes_flow=None``): quadratic in boxes and memory, and unused here (the reading order
is decided from the lines).
"""

from __future__ import annotations

import io
import logging
import re
import time
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from translator.errors import InputError
from translator.formats.types import (
    HEADING,
    PARAGRAPH,
    TABLE_CELL,
    DocxSource,
    PdfSource,
    Placement,
)
from translator.schema import Document, Paragraph

log = logging.getLogger(__name__)

MAX_PAGES = 2000
MAX_SECONDS = 300.0
MAX_STREAM_BYTES = 64 * 1024 * 1024
_PROGRESS_EVERY = 50
_MARGIN = 0.12  # the top and bottom share of a page where running lines stand
_EXTRA = "pip install 'translator[pdf]'"
_PAGE_NUMBER = re.compile(
    r"^\W*(?:(?:Seite|S\.|Page)\s*)?\d{1,4}(?:\s*(?:/|von|of)\s*\d{1,4})?\W*$"
)
_SENTENCE_END = re.compile(r"[.!?…:;][\"'»«“”‘’›‹)\]]*$")
_COORDINATION = ("und ", "oder ", "bis ", "sowie ", "bzw. ", "als ", "wie ")


@dataclass(frozen=True)
class _Line:
    page: int
    x0: float
    top: float  # distance from the page's top edge, so reading goes top-down
    x1: float
    bottom: float
    text: str
    size: float


@dataclass
class _Block:
    kind: str
    lines: list[_Line]
    text: str
    level: int = 0
    table: int = -1
    row: int = -1


def read_pdf(data: bytes, name: str = "<pdf>") -> PdfSource:
    """The text blocks of a PDF, in reading order, running headers and footers left out.

    Raises:
        InputError: pdfminer.six is not installed (names the extra), the PDF needs a
            password, has no text layer (a scan), has more than ``MAX_PAGES`` pages, takes
            longer than ``MAX_SECONDS``, inflates a stream past ``MAX_STREAM_BYTES``, or is
            broken.
    """
    if not data.strip():
        return PdfSource(Document(()), (), 0)  # an empty file: nothing to translate
    pages, page_count, metadata = _extract(data, name)
    if not any(lines for lines, _, _ in pages):
        raise InputError(
            f"{name} has no text layer ({page_count} page(s) without text: a scan?). "
            "OCR is not supported: run it through OCR first (for example ocrmypdf), "
            "then translate the result."
        )
    blocks = _blocks(pages)
    paragraphs: list[Paragraph] = []
    placements: list[Placement] = []
    for number, block in enumerate(blocks):
        separator = "\n\n" if number < len(blocks) - 1 else ""
        line = block.lines[0].page  # the page it starts on, as its "line"
        paragraphs.append(Paragraph(block.text, separator, line, kind=block.kind))
        placements.append(Placement(level=block.level, table=block.table, row=block.row))
    return PdfSource(Document(tuple(paragraphs)), tuple(placements), page_count, metadata)


def as_docx(source: PdfSource) -> DocxSource:
    """A Word file holding the PDF's blocks (headings, paragraphs, tables), read back as a
    ``DocxSource`` whose blocks are the PDF's one for one, so the Word writer
    (``docx.write_docx_bytes``) puts the translation in."""
    import docx

    from translator.formats.docx import read_docx

    document = docx.Document()
    title = source.metadata.get("title")
    if title:
        document.core_properties.title = title
    paragraphs = source.document.paragraphs
    index = 0
    while index < len(paragraphs):
        paragraph, placement = paragraphs[index], source.placements[index]
        if paragraph.kind == TABLE_CELL:
            rows: dict[int, list[str]] = {}
            while index < len(paragraphs) and source.placements[index].table == placement.table:
                rows.setdefault(source.placements[index].row, []).append(paragraphs[index].text)
                index += 1
            width = max(len(cells) for cells in rows.values())
            table = document.add_table(rows=len(rows), cols=width)
            table.style = "Table Grid"
            for row, cells in zip(table.rows, rows.values(), strict=True):
                for cell, text in zip(row.cells, cells, strict=False):
                    cell.text = text
            continue
        if paragraph.kind == HEADING:
            document.add_heading(paragraph.text, level=min(max(placement.level, 1), 9))
        else:
            document.add_paragraph(paragraph.text)
        index += 1
    out = io.BytesIO()
    document.save(out)
    made = read_docx(out.getvalue(), "<pdf as docx>")
    if len(made.document.paragraphs) != len(paragraphs):
        raise ValueError(f"{len(made.document.paragraphs)} Word blocks for {len(paragraphs)}")
    return made


# --- extraction -----------------------------------------------------------------------


class _StreamTooLarge(Exception):
    """A stream inflates past ``MAX_STREAM_BYTES``."""


class _PageTooSlow(Exception):
    """A page took longer than its budget (``_PageBudget``)."""


class _PageBudget:
    """The time one page may take, started when pdfminer begins the page and checked by
    ``tick`` at each step of its work on it (``_bounded_reader``)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = float("inf")

    def start(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise _PageTooSlow


class _BoundedZlib:
    """``zlib`` as pdfminer's stream decoder sees it: ``decompress`` refuses output past
    ``MAX_STREAM_BYTES`` (a zip bomb), everything else is zlib's own."""

    error = zlib.error

    def decompress(self, data: bytes, *args: Any) -> bytes:
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, MAX_STREAM_BYTES + 1)
        if len(out) > MAX_STREAM_BYTES:
            raise _StreamTooLarge
        if not inflater.eof:
            raise zlib.error("incomplete or truncated stream")
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)


def _pdfminer() -> Any:
    try:
        import pdfminer.pdftypes
    except ImportError:
        raise InputError(
            f"reading PDF needs pdfminer.six: {_EXTRA} (or pip install pdfminer.six)."
        ) from None
    pdfminer.pdftypes.zlib = _BoundedZlib()  # type: ignore[attr-defined,assignment]
    return pdfminer


def _bounded_reader(budget: _PageBudget) -> tuple[Any, Any]:
    """pdfminer's page aggregator and interpreter, made to ``tick`` the page's budget: the
    interpreter at every operand it stacks and every ``q`` (a sub-interpreter for a form
    XObject is made by ``self.__class__`` and shares the device, so it ticks too), the
    device at every glyph and path and when the page begins, and the page's layout
    analysis between the lines and boxes it yields. pdfminer has no hook of its own for
    a time limit; these are its documented extension points (subclassed devices and
    interpreters) and the layout container's grouping generators."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTPage
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager

    class BoundedPage(LTPage):
        def group_objects(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            for line in super().group_objects(*args, **kwargs):
                budget.tick()
                yield line

        def group_textlines(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            for box in super().group_textlines(*args, **kwargs):
                budget.tick()
                yield box

    class BoundedAggregator(PDFPageAggregator):
        def begin_page(self, page: Any, ctm: Any) -> None:
            budget.start()
            super().begin_page(page, ctm)
            made = self.cur_item
            assert isinstance(made, LTPage)
            self.cur_item = BoundedPage(made.pageid, made.bbox)

        def render_char(self, *args: Any, **kwargs: Any) -> float:
            budget.tick()
            return float(super().render_char(*args, **kwargs))

        def paint_path(self, *args: Any, **kwargs: Any) -> None:
            budget.tick()
            super().paint_path(*args, **kwargs)

    class BoundedInterpreter(PDFPageInterpreter):
        def push(self, obj: Any) -> None:
            budget.tick()
            super().push(obj)

        def do_q(self) -> None:
            budget.tick()
            super().do_q()

    manager = PDFResourceManager(caching=True)
    device = BoundedAggregator(manager, laparams=LAParams(boxes_flow=None))
    return device, BoundedInterpreter(manager, device)


def _extract(
    data: bytes, name: str
) -> tuple[list[tuple[list[_Line], float, float]], int, dict[str, str]]:
    """Each page's text lines with the page's width and height; the page count; metadata."""
    _pdfminer()
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    from translator import config

    budget = _PageBudget(config.pdf_page_seconds())
    started = time.monotonic()
    number = 0
    pages: list[tuple[list[_Line], float, float]] = []
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        try:
            declared = int(resolve1(document.catalog["Pages"])["Count"])
        except (KeyError, TypeError, ValueError):
            declared = 0
        if declared > MAX_PAGES:
            raise InputError(
                f"{name} has {declared} pages; at most {MAX_PAGES} are read. Split it "
                "(with qpdf, for example) and translate the parts."
            )
        metadata = _metadata(document)
        device, interpreter = _bounded_reader(budget)
        for number, page in enumerate(PDFPage.create_pages(document), start=1):
            if number > MAX_PAGES:
                raise InputError(f"{name} has more than {MAX_PAGES} pages. Split it.")
            if time.monotonic() - started > MAX_SECONDS:
                raise InputError(
                    f"{name}: reading stopped after {MAX_SECONDS:.0f} s at page {number}. "
                    "Split the PDF and translate the parts."
                )
            interpreter.process_page(page)
            layout = device.get_result()
            pages.append((_lines(layout, number), layout.width, layout.height))
            if number % _PROGRESS_EVERY == 0:
                log.info("%s: read %d of %d pages", name, number, declared or number)
    except InputError:
        raise
    except _PageTooSlow:
        raise InputError(
            f"{name}: page {number} takes longer than {budget.seconds:g} s to read (the limit "
            "for one page, TRANSLATOR_PDF_PAGE_SECONDS); a broken or hostile page? The PDF is "
            "not read. Remove the page (with qpdf, for example) and translate the rest."
        ) from None
    except _StreamTooLarge:
        raise InputError(
            f"{name}: a stream inflates past {MAX_STREAM_BYTES // 2**20} MB (a zip bomb?); "
            "the PDF is not read."
        ) from None
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise InputError(
            f"{name} is encrypted (it needs a password or forbids extracting its text). "
            "Save an unprotected copy and translate that."
        ) from None
    except (Exception, RecursionError) as error:  # a hostile file breaks the parser anyhow
        raise InputError(
            f"{name} is not a readable PDF ({type(error).__name__}: {error}). "
            "Check the file; if it is text, pass --input-format text."
        ) from None
    return pages, len(pages), metadata


def _metadata(document: Any) -> dict[str, str]:
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    found: dict[str, str] = {}
    for info in document.info:
        for key, field in (("Title", "title"), ("Author", "author")):
            value = resolve1(info.get(key))
            if isinstance(value, bytes):
                value = decode_text(value)
            if isinstance(value, str) and value.strip():
                found[field] = value.strip()
    return found


def _lines(layout: Any, page: int) -> list[_Line]:
    from pdfminer.layout import LTChar, LTTextLine

    found: list[_Line] = []

    def walk(item: Any) -> Iterator[Any]:
        if isinstance(item, LTTextLine):
            yield item
            return
        if hasattr(item, "__iter__"):
            for child in item:
                yield from walk(child)

    for line in walk(layout):
        text = " ".join(line.get_text().split())
        if not text:
            continue
        sizes = [char.size for char in line if isinstance(char, LTChar) and char.get_text().strip()]
        size = round(Counter(round(s, 1) for s in sizes).most_common(1)[0][0], 1) if sizes else 0
        found.append(
            _Line(
                page,
                line.x0,
                layout.height - line.y1,
                line.x1,
                layout.height - line.y0,
                text,
                size,
            )
        )
    return found


# --- layout ---------------------------------------------------------------------------


def _blocks(pages: Sequence[tuple[list[_Line], float, float]]) -> list[_Block]:
    running = _running_lines(pages)
    ordered: list[list[_Line]] = []  # runs of lines in reading order: one per column band
    for lines, width, height in pages:
        body = [line for line in lines if not _is_running(line, running, height)]
        ordered.extend(_reading_order(body, width))
    body_size = _body_size([line for run in ordered for line in run])
    blocks: list[_Block] = []
    tables = 0
    for run in ordered:
        for row_lines in _rows(run):
            if len(row_lines) > 1:  # a table row: one cell per line
                previous = blocks[-1] if blocks else None
                if previous is None or previous.kind != TABLE_CELL or previous.table != tables:
                    if previous is not None and previous.kind == TABLE_CELL:
                        tables += 1
                    row = 0
                else:
                    row = previous.row + 1
                for cell in sorted(row_lines, key=lambda line: line.x0):
                    blocks.append(_Block(TABLE_CELL, [cell], cell.text, table=tables, row=row))
                continue
            line = row_lines[0]
            previous = blocks[-1] if blocks else None
            if previous is not None and _continues(previous, line):
                previous.lines.append(line)
                previous.text = _join(previous.text, line.text)
            else:
                if previous is not None and previous.kind == TABLE_CELL:
                    tables += 1
                blocks.append(_Block(PARAGRAPH, [line], line.text))
    _mark_headings(blocks, body_size)
    return blocks


def _running_lines(pages: Sequence[tuple[list[_Line], float, float]]) -> set[tuple[str, int]]:
    """(text with digits as #, rounded height) of lines in the margins that repeat on at
    least half of the pages (and on two at least)."""
    if len(pages) < 2:
        return set()
    seen: Counter[tuple[str, int]] = Counter()
    for lines, _, height in pages:
        keys = {_running_key(line) for line in lines if _in_margin(line, height)}
        seen.update(keys)
    return {key for key, count in seen.items() if count >= max(2, len(pages) / 2)}


def _running_key(line: _Line) -> tuple[str, int]:
    return re.sub(r"\d+", "#", line.text), round(line.top / 4)


def _in_margin(line: _Line, height: float) -> bool:
    return line.bottom < height * _MARGIN or line.top > height * (1 - _MARGIN)


def _is_running(line: _Line, running: set[tuple[str, int]], height: float) -> bool:
    if not _in_margin(line, height):
        return False
    return _running_key(line) in running or _PAGE_NUMBER.match(line.text) is not None


def _reading_order(lines: list[_Line], width: float) -> list[list[_Line]]:
    """The page's lines as runs in reading order: per band, the left column, then the
    right one; a single column is one run."""
    lines = sorted(lines, key=lambda line: (round(line.top, 1), line.x0))
    gutter = _gutter(lines, width)
    if gutter is None:
        return [lines] if lines else []
    runs: list[list[_Line]] = []
    left: list[_Line] = []
    right: list[_Line] = []
    for line in lines:
        if line.x0 < gutter < line.x1:  # across both columns: ends the band
            runs += [run for run in (left, right) if run]
            left, right = [], []
            runs.append([line])
        elif line.x1 <= gutter:
            left.append(line)
        else:
            right.append(line)
    runs += [run for run in (left, right) if run]
    return runs


def _gutter(lines: Sequence[_Line], width: float) -> float | None:
    """The x of a free vertical strip between two columns of text lines, or None."""
    best: tuple[int, float] | None = None
    for step in range(int(width * 0.3), int(width * 0.7), 2):
        x = float(step)
        left = [line for line in lines if line.x1 <= x]
        right = [line for line in lines if line.x0 >= x]
        crossing = len(lines) - len(left) - len(right)
        if min(len(left), len(right)) < 3 or crossing > 0.2 * len(lines):
            continue
        if min(_mean_width(left), _mean_width(right)) < 0.2 * width:
            continue  # narrow pieces side by side: a table, not columns
        score = min(len(left), len(right)) - 2 * crossing
        if best is None or score > best[0]:
            best = (score, x)
    return None if best is None else best[1]


def _mean_width(lines: Sequence[_Line]) -> float:
    return sum(line.x1 - line.x0 for line in lines) / len(lines)


def _rows(run: Sequence[_Line]) -> Iterator[list[_Line]]:
    """A run's lines grouped by baseline: more than one line on a baseline is a table row."""
    row: list[_Line] = []
    for line in run:
        if row and abs(line.bottom - row[0].bottom) <= 2 and line.page == row[0].page:
            row.append(line)
            continue
        if row:
            yield row
        row = [line]
    if row:
        yield row


def _continues(block: _Block, line: _Line) -> bool:
    """Whether ``line`` goes on with ``block``: the same size, no wider gap than about half
    a line, or over a column or page break mid-sentence."""
    if block.kind != PARAGRAPH:
        return False
    last = block.lines[-1]
    if abs(last.size - line.size) > 0.5:
        return False
    gap = line.top - last.bottom
    if line.page == last.page and line.top > last.top and -1 <= gap <= 0.6 * max(line.size, 1):
        return True
    # A new column or page: go on only mid-sentence, into a lower-case start.
    moved = line.page != last.page or line.top < last.top
    return moved and not _SENTENCE_END.search(block.text) and line.text[:1].islower()


def _join(text: str, line: str) -> str:
    """Two lines of a paragraph as one text: a hyphenated word rejoined, a real hyphen kept."""
    if text.endswith("\u00ad"):
        return text[:-1] + line
    if len(text) > 1 and text.endswith("-") and text[-2].isalpha():
        if line[:1].islower() and not line.startswith(_COORDINATION):
            return text[:-1] + line  # Regie-/rung
        return text + line if not line.startswith(_COORDINATION) else f"{text} {line}"
    return f"{text} {line}"


def _body_size(lines: Sequence[_Line]) -> float:
    weights: Counter[float] = Counter()
    for line in lines:
        weights[line.size] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 0.0


def _mark_headings(blocks: list[_Block], body_size: float) -> None:
    """Blocks in a larger font than the body's are headings, one level per size."""
    sizes = sorted(
        {block.lines[0].size for block in blocks if block.lines[0].size > body_size * 1.15},
        reverse=True,
    )
    for block in blocks:
        size = block.lines[0].size
        if block.kind == PARAGRAPH and size in sizes:
            block.kind = HEADING
            block.level = min(sizes.index(size) + 1, 6)
