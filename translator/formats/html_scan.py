"""A page's tags scanned without a parser: its visible text and its nesting, flattened.

libxml2's HTML parser stops nesting at a fixed depth (255 elements, 2048 with
``huge_tree``) and drops what is deeper: 300 never-closed ``<font>`` or ``<div>`` tags,
common in old CMS exports, lose the rest of the article. This scan reads the page's tags
with a regular expression and a model of the open elements (void elements, the end tags
the HTML parser implies, the end tags it ignores), so that it can

- count the page's visible text outside boilerplate (navigation, header, footer, aside,
  scripts, styles) whatever the parser does: the yardstick of the completeness check;
- write the page again with no element deeper than a depth: past it, inline formatting
  tags are dropped and a block closes the deepest open element before it opens. Tags
  move, text never does.

The model is close to libxml2's, not equal: the flattened page is parsed again, and the
completeness check compares what the extraction gives with what this scan counted.
"""

from __future__ import annotations

import html as html_entities
import re
from collections import Counter
from dataclasses import dataclass

# Tags, comments, doctypes and processing instructions; a tag's attributes may hold ">"
# inside quotes. An unterminated comment runs to the end, as in the HTML parser.
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)|<![^>]*>|<\?[^>]*>"
    r"|<(/?)([a-zA-Z][^\s/>]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.S,
)
# Elements whose content is text up to their end tag, tags and all.
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed"})
_VOID = frozenset(
    {
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
        "input", "isindex", "keygen", "link", "meta", "param", "source", "track", "wbr",
    }
)  # fmt: skip
# Not the article: what the completeness check leaves out of the page's visible text.
BOILERPLATE = frozenset(
    {"head", "nav", "header", "footer", "aside", "script", "style", "noscript", "template"}
)
# Inline formatting: past the depth limit these tags are dropped (their text stays where
# it is, unformatted); any other element closes the deepest open one first.
_INLINE = frozenset(
    {
        "a", "abbr", "b", "basefont", "bdi", "bdo", "big", "blink", "cite", "code", "del",
        "dfn", "em", "font", "i", "ins", "kbd", "mark", "nobr", "q", "s", "samp", "small",
        "span", "strike", "strong", "sub", "sup", "tt", "u", "var",
    }
)  # fmt: skip
_CLOSES_P = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "details", "dir", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "menu", "nav", "ol", "p",
        "pre", "section", "table", "ul",
    }
)  # fmt: skip
# The open element a start tag closes when it is the innermost one (libxml2's
# htmlStartClose, the common cases).
_IMPLIED_END: dict[str, frozenset[str]] = {
    **{name: frozenset({"p"}) for name in _CLOSES_P},
    "li": frozenset({"p", "li"}),
    "dt": frozenset({"p", "dt", "dd"}),
    "dd": frozenset({"p", "dt", "dd"}),
    "tr": frozenset({"tr", "td", "th"}),
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
    "option": frozenset({"option"}),
}
# An end tag does not close an open element of a higher priority inside it: libxml2
# ignores it (htmlEndPriority); any other element has priority 100.
_END_PRIORITY = {
    "div": 150,
    "td": 160,
    "th": 160,
    "tr": 170,
    "thead": 180,
    "tbody": 180,
    "tfoot": 180,
    "table": 190,
    "head": 200,
    "body": 200,
    "html": 220,
}


@dataclass(frozen=True)
class PageScan:
    """What the scan saw: the page's visible characters outside boilerplate (whitespace
    not counted), and the page flattened to ``depth`` (the page itself when it never
    nests deeper)."""

    visible_chars: int
    flattened: str


class _OpenElements:
    """The elements open at a point of the page, innermost last, as the parser sees them."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.boilerplate = 0  # how many of them are boilerplate

    def push(self, name: str) -> None:
        self.names.append(name)
        self.boilerplate += name in BOILERPLATE

    def pop(self) -> str:
        name = self.names.pop()
        self.boilerplate -= name in BOILERPLATE
        return name

    def start(self, name: str) -> None:
        """The end tags a start tag implies: it closes the innermost element while that is
        one it ends (a ``<p>`` ends an open ``<p>``)."""
        closes = _IMPLIED_END.get(name, frozenset())
        while self.names and self.names[-1] in closes:
            self.pop()

    def end(self, name: str) -> None:
        """Close the innermost open ``name`` and what is inside it, unless an element of a
        higher end priority is inside it (the parser ignores that end tag) or none is open."""
        if self.names and self.names[-1] == name:  # the common case
            self.pop()
            return
        if name not in self.names:  # a stray end tag: ignored
            return
        priority = _END_PRIORITY.get(name, 100)
        for index in range(len(self.names) - 1, -1, -1):
            if self.names[index] == name:
                while len(self.names) > index:
                    self.pop()
                return
            if _END_PRIORITY.get(self.names[index], 100) > priority:
                return


def scan_page(page: str, depth: int) -> PageScan:
    """Scan ``page``'s tags; see the module's docstring. Linear in the page's size."""
    open_elements = _OpenElements()
    visible = 0
    dropped: Counter[str] = Counter()  # inline tags dropped past the depth, by name
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) of the flattening
    position = 0
    # search, not finditer: after a raw text element's start tag the scan goes on at its
    # end tag, whatever its content looks like.
    while (match := _MARKUP.search(page, position)) is not None:
        start = match.start()
        if start > position and not open_elements.boilerplate:
            visible += _visible_chars(page[position:start])
        position = match.end()
        end_tag, name, attributes = match.groups()
        if name is None:  # comment, doctype, processing instruction
            continue
        name = name.lower()
        if end_tag:
            if dropped[name]:  # of an inline tag dropped (the innermost of its name)
                dropped[name] -= 1
                edits.append((start, position, ""))
            else:
                open_elements.end(name)
            continue
        open_elements.start(name)
        if name in _VOID or attributes.endswith("/"):
            continue
        if len(open_elements.names) >= depth:
            if name in _INLINE:
                dropped[name] += 1
                edits.append((start, position, ""))
                continue
            edits.append((start, start, f"</{open_elements.pop()}>"))
        open_elements.push(name)
        if name in _RAW_TEXT:  # its content up to its end tag, which the loop reads next
            end = re.compile(rf"</{name}[\s/>]", re.I).search(page, position)
            position = end.start() if end is not None else len(page)
    if not open_elements.boilerplate:
        visible += _visible_chars(page[position:])
    return PageScan(visible, _edited(page, edits))


def _edited(page: str, edits: list[tuple[int, int, str]]) -> str:
    if not edits:
        return page
    parts: list[str] = []
    position = 0
    for start, end, replacement in edits:
        parts += (page[position:start], replacement)
        position = end
    parts.append(page[position:])
    return "".join(parts)


def _visible_chars(text: str) -> int:
    if "&" in text:
        text = html_entities.unescape(text)
    return len("".join(text.split()))
