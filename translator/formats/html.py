"""HTML in: the article alone, as trafilatura extracts it from a saved page.

trafilatura drops navigation, ads, cookie banners, comments, scripts and styles and gives
the article's title, headings, paragraphs, lists, block quotes and tables with the page's
metadata (author, date, site name). It works on the text it is given and fetches nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from translator.errors import InputError
from translator.formats import html_scan
from translator.formats.types import (
    HEADING,
    LIST_ITEM,
    PARAGRAPH,
    QUOTE,
    TABLE_CELL,
    ArticleSource,
    Placement,
)
from translator.schema import Document, Markup, Paragraph

log = logging.getLogger(__name__)

# Metadata kept from the page, in the order the Markdown header shows it.
METADATA_KEYS = ("title", "author", "date", "sitename", "url", "description")
# trafilatura is superlinear in the article's size: a 4 MB article takes 13 s (5 s in its
# fast mode), a 10 MB one about a minute either way (2 shared cores). Pages above
# LARGE_PAGE_CHARS use the fast mode with a warning; above MAX_PAGE_CHARS they are refused.
LARGE_PAGE_CHARS = 1_000_000
MAX_PAGE_CHARS = 50_000_000
# Less text than this (trafilatura's own minimum for an extraction, MIN_EXTRACTED_SIZE) is
# what its fallback scrapes from menus when a page has no article: no article.
MIN_ARTICLE_CHARS = 250
# Consent dialogs (cookie banners) by their id or class: trafilatura keeps some of them
# when a page has little other text. The names of the common consent platforms.
_CONSENT = re.compile(r"cookie|consent|gdpr|didomi|onetrust|usercentrics|sp_message", re.I)
# Scripts and styles never reach the model, and libxml2 refuses a text node over 10 MB (a
# page with a big inline JSON blob would have no article): emptied before parsing. JSON-LD
# stays: trafilatura reads the author and date from it.
_SCRIPT_OR_STYLE = re.compile(
    r"(<(script|style)\b(?![^>]*application/ld\+json)[^>]*>).*?(</\2\s*>)",
    re.I | re.S,
)
# Past this depth a page is flattened before it is parsed (html_scan): libxml2 drops what
# nests deeper than 2048 elements (255 without huge_tree).
FLATTEN_DEPTH = 200
# The completeness check, on pages with at least COMPLETE_MIN_CHARS of visible text outside
# boilerplate (html_scan.BOILERPLATE; a short page's menus would dominate the shares): a
# warning when the parsed page has less than PARSED_SHARE of that text (the scan and the
# parser count the same text: less is text the parser lost), or the article less than
# COMPLETE_SHARE (trafilatura leaves out teasers, comments and ads that no tag marks).
PARSED_SHARE = 0.9
COMPLETE_SHARE = 0.5
COMPLETE_MIN_CHARS = 2_000
_WHOLE_PAGE_HINT = "Pass --input-format text to translate all of the page's text."
# The elements that make a block of their own in page_text, and those that hold no text.
_PAGE_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main",
        "nav", "ol", "option", "p", "pre", "section", "summary", "table", "td", "th", "tr",
        "ul",
    }
)  # fmt: skip
_NOT_TEXT = frozenset({"script", "style", "noscript", "template", "head", "title"})
_NEVER_BANNERS = frozenset({"html", "body", "main", "article"})
_MAX_BANNER_CHARS = 3000
_BLANK_LINES = re.compile(r"\s*\n\s*")
_ANY_SPACE = re.compile(r"\s+")


def read_html(html: str, name: str = "<html>") -> ArticleSource:
    """The article of a page: its blocks (the title first) and metadata.

    Raises:
        InputError: the page has no article trafilatura can find (with the way to take
            all of its text instead), or it cannot be parsed at all.
    """
    import trafilatura
    from lxml import etree

    large = len(html) > LARGE_PAGE_CHARS
    if large:
        log.warning(
            "%s is a large page (%.1f MB): extracting its article with trafilatura's fast "
            "mode, which may still take a while.",
            name,
            len(html) / 1e6,
        )
    if len(html) > MAX_PAGE_CHARS:
        raise InputError(
            f"{name} is too large for article extraction ({len(html) / 1e6:.0f} MB; at most "
            f"{MAX_PAGE_CHARS / 1e6:.0f} MB). Pass --input-format text to translate its text."
        )
    page = _SCRIPT_OR_STYLE.sub(r"\1\3", html)
    scan = html_scan.scan_page(page, FLATTEN_DEPTH)
    try:
        tree = load_page(page, scan)
        if tree is None:
            raise _no_article(name)
        parsed = _tree_chars(tree)
        _remove_consent_banners(tree)
        # bare_extraction, not extract(output_format="xml"): the XML serialisation is
        # quadratic (18 s of 36 s on a 4 MB article) and the tree is what is needed.
        extracted = trafilatura.bare_extraction(
            tree,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=True,  # links, bold and italic come back as Markdown markup
            include_formatting=True,
            fast=large,
        )
    except (ValueError, etree.LxmlError) as error:
        raise InputError(
            f"{name} cannot be parsed as HTML ({error}). Pass --input-format text to "
            "translate it as plain text."
        ) from None
    main = getattr(extracted, "body", None)
    if main is None or not len(main):
        raise _no_article(name)
    metadata = {}
    for key in METADATA_KEYS:
        value = getattr(extracted, key, None)
        if isinstance(value, str) and value.strip():
            metadata[key] = value.strip()
    blocks = _Blocks()
    title = metadata.get("title", "")
    if title:
        blocks.add(title, HEADING, Placement(level=1))
    blocks.walk(main, PARAGRAPH)
    if blocks.paragraphs[1:2] and blocks.paragraphs[1].text == title:
        del blocks.paragraphs[1], blocks.placements[1]  # the page's own h1
    if sum(len(p.text) for p in blocks.paragraphs[1 if title else 0 :]) < MIN_ARTICLE_CHARS:
        raise _no_article(name)
    paragraphs = [
        Paragraph(
            p.text,
            "\n\n" if i + 1 < len(blocks.paragraphs) else "",
            i + 1,
            kind=p.kind,
            markup=p.markup,
        )
        for i, p in enumerate(blocks.paragraphs)
    ]
    article = sum(_chars(p.text) for p in (paragraphs[1:] if title else paragraphs))
    warning = _completeness_warning(name, scan.visible_chars, parsed, article)
    return ArticleSource(
        Document(tuple(paragraphs), position="paragraph"),
        tuple(blocks.placements),
        metadata,
        warnings=(warning,) if warning else (),
    )


def load_page(page: str, scan: html_scan.PageScan | None = None) -> Any:
    """The page's lxml tree (None when there is nothing to parse), with none of its text
    lost to nesting: parsed as trafilatura parses it, except with ``huge_tree`` (libxml2
    then nests 2048 elements, not 255), and when even that is too deep, parsed again from
    the page flattened to ``FLATTEN_DEPTH`` (``html_scan``). ``scan`` is the page's scan
    when the caller has it."""
    from lxml import etree
    from lxml import html as lxml_html
    from trafilatura.utils import repair_faulty_html

    parser = lxml_html.HTMLParser(
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
        huge_tree=True,
    )

    def parse(text: str) -> Any:
        text = repair_faulty_html(text, text[:50].lower())
        try:
            return lxml_html.fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
        except (ValueError, etree.LxmlError):
            return None  # empty, or not a page at all: trafilatura's load_html says None

    tree = parse(page)
    if tree is not None and "html" not in page[:50].lower() and len(tree) < 2:
        return None  # not a page (trafilatura's own test in load_html)
    if any("depth" in error.message.lower() for error in parser.error_log):
        scan = scan or html_scan.scan_page(page, FLATTEN_DEPTH)
        log.info("the page nests deeper than libxml2 parses: flattened to %d", FLATTEN_DEPTH)
        tree = parse(scan.flattened)
    return tree


def _completeness_warning(name: str, visible: int, parsed: int, extracted: int) -> str:
    """A warning when the parsed page (``parsed``) or the extracted article (``extracted``)
    has much less text than the scan counted (``visible``), all outside navigation, header,
    footer, aside, scripts and styles; "" otherwise."""
    if visible < COMPLETE_MIN_CHARS:
        return ""
    if parsed < PARSED_SHARE * visible:
        what, hint = "the parsed page", "Its markup is broken: repair it and translate it again."
        chars = parsed
    elif extracted < COMPLETE_SHARE * visible:
        what, hint = "the extracted article", _WHOLE_PAGE_HINT
        chars = extracted
    else:
        return ""
    return (
        f"{name}: {what} has {chars:,} characters of text, {chars / visible:.0%} of the "
        f"{visible:,} the page has outside its navigation, header and footer: part of the "
        f"article may be missing. {hint}"
    )


def _tree_chars(tree: Any) -> int:
    """The parsed page's characters outside boilerplate, as ``html_scan`` counts them."""
    return sum(_chars(text) for _, _, text in _texts(tree, html_scan.BOILERPLATE))


def _chars(text: str) -> int:
    return len(text) - sum(map(str.isspace, text))


def _remove_consent_banners(tree: Any) -> None:
    """Remove consent dialogs; a page wrapper whose class merely mentions consent
    (``<body class="cookie-consent-given">``) holds far more text than a dialog: kept."""
    for element in list(tree.iter()):
        if (
            not isinstance(element.tag, str)
            or element.tag in _NEVER_BANNERS
            or element.getparent() is None
            or not _CONSENT.search(f"{element.get('id', '')} {element.get('class', '')}")
        ):
            continue
        if len(element.text_content()) <= _MAX_BANNER_CHARS:
            element.getparent().remove(element)


def _no_article(name: str) -> InputError:
    return InputError(
        f"no article found in {name} (trafilatura extracted no text from the page). "
        "Pass --input-format text to translate all of the page's text, menus and all."
    )


def page_text(html: str) -> str:
    """All the visible text of a page's body, without scripts and styles (``--input-format
    text`` for a page): one line per block of the page (paragraph, heading, list item,
    table cell, menu entry...), blocks apart by a blank line so that each is a paragraph."""
    tree = load_page(_SCRIPT_OR_STYLE.sub(r"\1\3", html))
    if tree is None:
        return ""
    body = tree if tree.tag == "body" else tree.find(".//body")
    blocks: list[str] = []
    line: list[str] = []

    def end_block() -> None:
        text = _BLANK_LINES.sub("\n", "".join(line)).strip()
        if text:
            blocks.append(text)
        line.clear()

    for event, tag, text in _texts(tree if body is None else body, _NOT_TEXT):
        if tag in _PAGE_BLOCKS:
            end_block()
        # A page's line breaks are spaces; only <br> breaks a line inside a block.
        line.append("\n" if event == "start" and tag == "br" else _ANY_SPACE.sub(" ", text))
    end_block()
    return "\n\n".join(blocks)


def _texts(root: Any, hidden: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    """``(event, tag, text)`` in document order: at ``"start"`` an element's own text, at
    ``"end"`` the text after it (its tail). The content of ``hidden`` elements and of
    comments is skipped, the text after them is not. A walk, not a recursion: a page may
    nest thousands of elements."""
    from lxml import etree

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "end":
            yield event, tag, element.tail or ""
        elif not tag or tag in hidden:
            walker.skip_subtree()
            yield event, tag, ""
        else:
            yield event, tag, element.text or ""


class _Blocks:
    """The blocks of trafilatura's XML, in document order."""

    def __init__(self) -> None:
        self.paragraphs: list[Paragraph] = []
        self.placements: list[Placement] = []
        self.tables = 0

    def add(
        self,
        text: str | tuple[str, list[Markup]],
        kind: str,
        placement: Placement | None = None,
    ) -> None:
        raw, markup = (text, []) if isinstance(text, str) else text
        normalized, spans = _normalized(raw, markup)
        if normalized:
            self.paragraphs.append(Paragraph(normalized, kind=kind, markup=spans))
            self.placements.append(placement or Placement())

    def walk(self, element: Any, kind: str) -> None:
        """Blocks of an element's children; ``kind`` is what a paragraph there is."""
        if element.text and element.text.strip():
            self.add(element.text, kind)
        for child in element:
            tag = child.tag
            if tag == "head":
                level = int(child.get("rend", "h2")[1:2] or 2) if child.get("rend") else 2
                self.add(_inline(child), HEADING, Placement(level=level))
            elif tag == "quote":
                self.walk(child, QUOTE)
            elif tag == "list":
                for item in child.iter("item"):
                    self.add(_inline(item, skip="list"), LIST_ITEM)
            elif tag == "table":
                self._table(child)
            elif tag in ("code", "graphic"):
                pass  # program code is not prose; images are not extracted
            elif tag != "p" and len(child):
                self.walk(child, kind)  # a container (div, section) of blocks
            else:
                self.add(_inline(child), kind)
            if child.tail and child.tail.strip():
                self.add(child.tail, kind)

    def _table(self, table: Any) -> None:
        for row_number, row in enumerate(table.iter("row")):
            for cell in row.iter("cell"):
                placement = Placement(table=self.tables, row=row_number)
                text, markup = _inline(cell)
                text, spans = _normalized(" ".join(text.split("\n")), markup)
                self.paragraphs.append(Paragraph(text, kind=TABLE_CELL, markup=spans))
                self.placements.append(placement)
        self.tables += 1


# trafilatura's inline formatting (``<hi rend="#b">``) as Markdown emphasis.
_EMPHASIS = {"#b": "**", "#i": "*"}
_LINK_TARGET = re.compile(r"(?i)(https?://|mailto:|/|#)")


def _delimiters(element: Any) -> tuple[str, str] | None:
    """The Markdown around an inline element's text: bold, italic, a link; None for
    anything else (underline, code, sub- and superscript stay plain text)."""
    if element.tag == "hi" and element.get("rend") in _EMPHASIS:
        mark = _EMPHASIS[element.get("rend")]
        return mark, mark
    target = element.get("target", "") if element.tag == "ref" else ""
    if target and _LINK_TARGET.match(target):
        return "[", f"](<{target}>)" if re.search(r"[\s()<>]", target) else f"]({target})"
    return None


def _inline(element: Any, skip: str = "", nested: bool = False) -> tuple[str, list[Markup]]:
    """An element's text with its line breaks (``<lb/>``) and its links, bold and italic
    as Markdown (``**sehr**``, ``[Bericht](url)``), each a ``Markup`` span the pipeline
    protects (its words translated on their own), as a Markdown file's are. Markup inside
    markup is plain text. ``skip`` names children (a nested list) whose text belongs to
    blocks of their own."""
    text = element.text or ""
    markup: list[Markup] = []
    for child in element:
        if child.tag == skip:
            continue
        if child.tag == "lb":
            text += "\n"
        else:
            inner, _ = _inline(child, skip, nested=True)
            delimiters = None if nested else _delimiters(child)
            core = inner.strip()
            if delimiters is None or not core:
                text += inner
            else:
                opening, closing = delimiters
                text += inner[: len(inner) - len(inner.lstrip())]
                start = len(text)
                text += opening + core + closing
                inner_start = start + len(opening)
                markup.append(Markup(start, len(text), (inner_start, inner_start + len(core))))
                text += inner[len(inner.rstrip()) :]
        text += child.tail or ""
    return text, markup


def _normalized(text: str, markup: list[Markup]) -> tuple[str, tuple[Markup, ...]]:
    """``text`` with each run of whitespace one space (a newline where it holds one),
    stripped, and its markup moved to the same characters."""
    out = ""
    where = [0] * (len(text) + 1)  # where[i]: text[i]'s place in out
    for token in re.finditer(r"\s+|\S+", text):
        if token.group()[0].isspace():
            for i in range(token.start(), token.end()):
                where[i] = len(out)
            if out:
                out += "\n" if "\n" in token.group() else " "
        else:
            for i in range(token.start(), token.end()):
                where[i] = len(out) + i - token.start()
            out += token.group()
    where[len(text)] = len(out)
    out = out.rstrip()
    spans = []
    for span in markup:
        start, end = min(where[span.start], len(out)), min(where[span.end], len(out))
        inner = span.inner and (where[span.inner[0]], where[span.inner[1]])
        if start < end:
            spans.append(Markup(start, end, inner))
    return out, tuple(spans)
