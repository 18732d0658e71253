"""Markdown in and out: markdown-it-py (CommonMark plus tables) finds the blocks; the
writer splices each block's translation into the source, so everything that is not
translated (code, raw HTML, link URLs, reference definitions, list markers, spacing) stays
byte for byte.

Inline markup is located in each block's source text (markdown-it-py's inline tokens carry
no offsets, so a cursor walks the source alongside them) and handed to the pipeline as
``Markup`` spans: emphasis, links and images translate their inner text on their own;
inline code, raw HTML and autolinks are kept whole.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from html import unescape
from typing import TYPE_CHECKING

from translator.errors import InputError
from translator.formats.types import (
    HEADING,
    LIST_ITEM,
    PARAGRAPH,
    QUOTE,
    TABLE_CELL,
    MarkdownSource,
    Region,
)
from translator.schema import Document, Markup, Paragraph

if TYPE_CHECKING:
    from markdown_it.token import Token

log = logging.getLogger(__name__)

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
# Front-matter keys whose values are prose to translate; every other key is kept.
_TRANSLATED_KEYS = ("title", "description")
_FRONT_MATTER_VALUE = re.compile(
    r"^(?P<key>" + "|".join(_TRANSLATED_KEYS) + r")[ \t]*:[ \t]*(?P<value>\S.*?)[ \t]*\r?$", re.M
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^>]*)?(?<!/)>", re.S)
_VOID_TAGS = frozenset("area base br col embed hr img input link meta source track wbr".split())
_LINE_BREAK = re.compile(r"[ \t]*\\?\r?\n[ \t]*")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")


def read_markdown(text: str, name: str = "<markdown>") -> MarkdownSource:
    """The translatable blocks of a Markdown text and where they stand in it.

    Raises:
        InputError: the parser gives up on the text (it never should; deep nesting is
            capped by markdown-it-py and parsed as text beyond the cap).
    """
    from markdown_it import MarkdownIt

    paragraphs: list[Paragraph] = []
    regions: list[Region] = []
    metadata: dict[str, str] = {}
    body = text
    front = _FRONT_MATTER.match(text)
    if front:
        for match in _FRONT_MATTER_VALUE.finditer(text, 0, front.end()):
            start, end = match.span("value")
            value = _yaml_scalar(match.group("value"))
            if value is None:
                continue
            metadata[match.group("key")] = value
            kind = HEADING if match.group("key") == "title" else PARAGRAPH
            paragraphs.append(Paragraph(value, "\n\n", text.count("\n", 0, start) + 1, kind=kind))
            regions.append(Region(start, end, style="yaml"))
        # The parser reads blank lines in its place, so its line numbers stay the file's.
        body = re.sub(r"[^\n]", "", front.group(0)) + text[front.end() :]

    parser = MarkdownIt("commonmark").enable("table")
    try:
        tokens = parser.parse(body)
    except RecursionError:
        raise InputError(
            f"{name} nests Markdown too deeply to parse. Pass --input-format text to "
            "translate it as plain text."
        ) from None
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for token, kind in _inline_blocks(tokens):
        if not token.content.strip() or token.map is None:
            continue
        located = _locate(token.content, token.map[0], lines, starts, kind, regions)
        if located is None:
            log.warning(
                "%s, line %d: a block could not be matched to its source; it is kept as it is.",
                name,
                token.map[0] + 1,
            )
            continue
        markup = _inline_markup(token.content, token.children or [])
        if markup is None:
            log.warning(
                "%s, line %d: inline markup not understood; the block is translated as text.",
                name,
                token.map[0] + 1,
            )
            markup = []
        paragraphs.append(
            Paragraph(token.content, "\n\n", token.map[0] + 1, kind=kind, markup=tuple(markup))
        )
        regions.append(located)
    if paragraphs:
        paragraphs[-1] = Paragraph(
            paragraphs[-1].text,
            "",
            paragraphs[-1].line,
            kind=paragraphs[-1].kind,
            markup=paragraphs[-1].markup,
        )
    return MarkdownSource(text, Document(tuple(paragraphs)), tuple(regions), metadata)


def write_markdown(source: MarkdownSource, translations: Sequence[str]) -> str:
    """The source with each block's text replaced by its translation; an unchanged block
    keeps its exact bytes, so an identity translation gives the source back."""
    if len(translations) != len(source.regions):
        raise ValueError(f"{len(translations)} translations for {len(source.regions)} blocks")
    out: list[str] = []
    cursor = 0
    for region, paragraph, translation in zip(
        source.regions, source.document.paragraphs, translations, strict=True
    ):
        out.append(source.text[cursor : region.start])
        if translation == paragraph.text:
            out.append(source.text[region.start : region.end])
        elif region.style == "yaml":
            out.append(json.dumps(" ".join(translation.split()), ensure_ascii=False))
        elif region.style == "cell":
            out.append(re.sub(r"(?<!\\)\|", r"\\|", " ".join(translation.split())))
        elif "\n" not in source.text[region.start : region.end]:
            out.append(" ".join(translation.split("\n")))  # a heading stays on its line
        else:
            newline = "\r\n" if "\r\n" in source.text[region.start : region.end] else "\n"
            out.append(translation.replace("\n", newline + region.prefix))
        cursor = region.end
    out.append(source.text[cursor:])
    return "".join(out)


def _yaml_scalar(raw: str) -> str | None:
    """A one-line YAML scalar's value; None for what is not a plain string (a block
    scalar, a list, a mapping, a quoted string with a comment after it)."""
    if raw[:1] in "|>[{&*!":
        return None
    if raw[:1] == '"':
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, str) else None
    if raw[:1] == "'":
        return raw[1:-1].replace("''", "'") if len(raw) > 1 and raw.endswith("'") else None
    return raw.split(" #", 1)[0].rstrip()


def _inline_blocks(tokens: Sequence[Token]) -> list[tuple[Token, str]]:
    """Every inline token with the kind of block it fills."""
    found: list[tuple[Token, str]] = []
    containers: list[str] = []
    parent = ""
    for token in tokens:
        if token.type in ("blockquote_open", "list_item_open"):
            containers.append(QUOTE if token.type == "blockquote_open" else LIST_ITEM)
        elif token.type in ("blockquote_close", "list_item_close"):
            containers.pop()
        elif token.type.endswith("_open"):
            parent = token.type
        elif token.type == "inline":
            if parent == "heading_open":
                kind = HEADING
            elif parent in ("th_open", "td_open"):
                kind = TABLE_CELL
            else:
                kind = containers[-1] if containers else PARAGRAPH
            found.append((token, kind))
    return found


def _locate(
    content: str,
    first_line: int,
    lines: Sequence[str],
    starts: Sequence[int],
    kind: str,
    regions: Sequence[Region],
) -> Region | None:
    """Where ``content`` (a block's text, its lines' prefixes removed) stands in the source."""
    content_lines = content.split("\n")
    if first_line + len(content_lines) > len(lines):
        return None
    positions: list[int] = []
    for number, content_line in enumerate(content_lines):
        line = lines[first_line + number].rstrip("\r\n")
        tail = content_line.rstrip()
        if kind == TABLE_CELL:
            # Cells share their row's line: search after the previous cell of the row.
            base = starts[first_line]
            after = max((r.end - base for r in regions if base <= r.start < r.end), default=0)
            position = line.find(content_line, after)
        elif line.rstrip().endswith(tail):
            position = len(line.rstrip()) - len(tail)
        else:
            position = line.find(content_line)  # an ATX heading's closing ###
        if position < 0:
            return None
        positions.append(position)
    last = first_line + len(content_lines) - 1
    start = starts[first_line] + positions[0]
    end = starts[last] + positions[-1] + len(content_lines[-1])
    prefixes = [lines[first_line + n][: positions[n]] for n in range(1, len(content_lines))]
    rebuilt = content_lines[0] + "".join(
        "\n" + prefix + line for prefix, line in zip(prefixes, content_lines[1:], strict=True)
    )
    source = "".join(lines)[start:end].replace("\r\n", "\n")
    if source != rebuilt:
        return None
    style = "cell" if kind == TABLE_CELL else "block"
    return Region(start, end, prefixes[0] if prefixes else "", style)


class _Unmatched(Exception):
    """The source and markdown-it-py's tokens disagree."""


def _inline_markup(source: str, children: Sequence[Token]) -> list[Markup] | None:
    """The outermost inline markup spans of a block's source text, or None when the
    tokens cannot be matched to the source."""
    try:
        spans = _InlineWalk(source).walk(children)
    except _Unmatched:
        return None
    return _outermost(spans)


class _InlineWalk:
    def __init__(self, source: str) -> None:
        self.source = source
        self.cursor = 0
        self.spans: list[Markup] = []

    def walk(self, children: Sequence[Token]) -> list[Markup]:
        opened: list[tuple[int, int]] = []  # (start, length of the opening delimiter)
        tags: list[tuple[str, int, int]] = []  # open HTML tags: (name, start, end)
        skip_until_close = False
        for token in children:
            kind = token.type
            if skip_until_close:
                skip_until_close = kind != "link_close"
                continue
            if kind == "text":
                self._text(token.content)
            elif kind in ("softbreak", "hardbreak"):
                self._expect_regex(_LINE_BREAK)
            elif kind == "code_inline":
                self._code(token.markup)
            elif kind == "html_inline":
                self._html(token.content, tags)
            elif kind == "image":
                self._image()
            elif kind == "link_open" and token.markup == "autolink":
                start = self.cursor
                end = self.source.find(">", start)
                if not self.source.startswith("<", start) or end < 0:
                    raise _Unmatched
                self.cursor = end + 1
                self.spans.append(Markup(start, self.cursor))
                skip_until_close = True
            elif kind == "link_open":
                opened.append((self.cursor, 1))
                self._expect("[")
            elif kind == "link_close":
                start, length = opened.pop()
                inner_end = self.cursor
                self._expect("]")
                self._destination()
                self.spans.append(Markup(start, self.cursor, (start + length, inner_end)))
            elif kind.endswith("_open") and token.markup:
                opened.append((self.cursor, len(token.markup)))
                self._expect(token.markup)
            elif kind.endswith("_close") and token.markup:
                start, length = opened.pop()
                inner_end = self.cursor
                self._expect(token.markup)
                self.spans.append(Markup(start, self.cursor, (start + length, inner_end)))
            else:
                raise _Unmatched
        if opened or self.source[self.cursor :].strip():
            raise _Unmatched
        self.spans += [Markup(start, end) for _, start, end in tags]  # never closed
        return self.spans

    def _html(self, tag: str, tags: list[tuple[str, int, int]]) -> None:
        """Raw HTML: a tag pair (<b>fett</b>) is markup whose content is translated; any
        other tag is kept as it is."""
        start = self.cursor
        self._expect(tag)
        match = _TAG.fullmatch(tag)
        if match and not match.group(1) and match.group(2).lower() not in _VOID_TAGS:
            tags.append((match.group(2).lower(), start, self.cursor))
        elif match and match.group(1) and tags and tags[-1][0] == match.group(2).lower():
            _, open_start, open_end = tags.pop()
            self.spans.append(Markup(open_start, self.cursor, (open_end, start)))
        else:
            self.spans.append(Markup(start, self.cursor))

    def _expect(self, literal: str) -> None:
        if not self.source.startswith(literal, self.cursor):
            raise _Unmatched
        self.cursor += len(literal)

    def _expect_regex(self, pattern: re.Pattern[str]) -> None:
        match = pattern.match(self.source, self.cursor)
        if match is None:
            raise _Unmatched
        self.cursor = match.end()

    def _text(self, content: str) -> None:
        """Advance over a text token: its characters, written as they are, escaped with a
        backslash or as entities; trailing spaces before a line break were dropped."""
        source = self.source
        for character in content:
            if source.startswith(character, self.cursor):
                self.cursor += 1
            elif source.startswith("\\" + character, self.cursor):
                self.cursor += 2
            else:
                entity = _ENTITY.match(source, self.cursor)
                if entity is None or not unescape(entity.group(0)).startswith(character):
                    raise _Unmatched
                self.cursor = entity.end()

    def _code(self, fence: str) -> None:
        start = self.cursor
        self._expect(fence)
        search = self.cursor
        while True:
            end = self.source.find(fence, search)
            if end < 0:
                raise _Unmatched
            run_end = end + len(fence)
            if self.source[run_end : run_end + 1] != "`" and self.source[end - 1] != "`":
                break
            search = end + 1
        self.cursor = run_end
        self.spans.append(Markup(start, self.cursor))

    def _image(self) -> None:
        start = self.cursor
        self._expect("![")
        inner_start = self.cursor
        depth = 1
        position = self.cursor
        while depth:
            if position >= len(self.source):
                raise _Unmatched
            character = self.source[position]
            if character == "\\":
                position += 2
                continue
            depth += {"[": 1, "]": -1}.get(character, 0)
            position += 1
        inner_end = position - 1
        self.cursor = position
        self._destination()
        self.spans.append(Markup(start, self.cursor, (inner_start, inner_end)))

    def _destination(self) -> None:
        """Advance over what follows a link's or image's ``]``: ``(url "title")``,
        ``[label]``, or nothing (a shortcut reference)."""
        source = self.source
        if source.startswith("(", self.cursor):
            depth = 0
            quote = ""
            position = self.cursor
            while position < len(source):
                character = source[position]
                if character == "\\":
                    position += 2
                    continue
                if quote:
                    quote = "" if character == quote else quote
                elif character in "\"'" and source[position - 1] in " \t\n":
                    quote = character
                elif character == "<" and source[position - 1] == "(":
                    close = source.find(">", position)
                    position = close if close > 0 else position
                elif character == "(":
                    depth += 1
                elif character == ")":
                    depth -= 1
                    if depth == 0:
                        self.cursor = position + 1
                        return
                position += 1
            raise _Unmatched
        if source.startswith("[", self.cursor):
            end = source.find("]", self.cursor)
            if end < 0:
                raise _Unmatched
            self.cursor = end + 1


def _outermost(spans: list[Markup]) -> list[Markup]:
    """The spans no other span contains. Markup wrapping exactly one other (``***x***``,
    ``[**x**](url)``) is merged with it; markup holding more is kept whole (untranslated),
    so the model never sees a delimiter."""
    spans = sorted(spans, key=lambda span: (span.start, -span.end))
    result: list[Markup] = []
    index = 0
    while index < len(spans):
        outer = spans[index]
        index += 1
        children: list[Markup] = []
        while index < len(spans) and spans[index].start < outer.end:
            children.append(spans[index])
            index += 1
        while (
            outer.inner is not None
            and len(children) >= 1
            and children[0].inner is not None
            and (children[0].start, children[0].end) == outer.inner
        ):
            outer = Markup(outer.start, outer.end, children[0].inner)
            children = children[1:]
        if children and outer.inner is not None:
            outer = Markup(outer.start, outer.end)
        result.append(outer)
    return result
