"""``format: html`` of the translation API: translate an HTML fragment's text, keep its tags.

Clients (Mastodon, Discourse) send a post's HTML and show what comes back as HTML, so the
answer must be the same markup with English text: never a tag the input did not have, and
nothing that runs. The fragment is tokenised (``html.parser``, which never executes or
fetches anything) into runs of text between block boundaries (``<p>``, ``<li>``, ``<br>``
is inline); each run becomes one ``Paragraph`` of a ``Document`` whose inline elements
are the pipeline's ``Markup`` spans, so quotations, URLs and tags are protected by the one
mechanism every format uses: an element holding only text (``<b>sehr</b>``, a link's text)
has its text translated on its own between its tags; an element holding more (Mastodon's
mentions and links, ``<a>@<span>name</span></a>``), one marked ``translate="no"`` or
``class="notranslate"``, and void elements (``<br>``) are kept whole.

In the text the pipeline sees, each kept tag is a sentinel (``<x3>``) rather than the tag
itself, so the text around it is plain text: after translation every sentinel must come
back exactly once (else the run is translated again text node by text node), everything
between sentinels is escaped, and the sentinels are replaced by their markup.

Scripts, styles and other active content (``<script>``, ``<iframe>``, ``on*`` attributes,
``javascript:`` URLs) are dropped: a client shows the answer as HTML, so reflecting them
would run them. Comments and doctypes are dropped too.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

from translator.schema import Document, Markup, Paragraph

# Elements that sit inside a line of text; anything else starts or ends a block.
INLINE = frozenset(
    "a abbr b bdi bdo br cite code data del dfn em i img ins kbd mark q s samp small span "
    "strong sub sup time tt u var wbr".split()
)
VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Dropped with everything inside them: what would run, load or style something.
DROPPED = frozenset(
    "script style template iframe object embed noscript frame frameset applet svg math "
    "link meta base".split()
)
# Elements whose text is code or verbatim by convention: never translated.
VERBATIM = frozenset({"code", "pre", "kbd", "samp", "var"})
_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster"})
_SAFE_SCHEME = re.compile(r"^\s*(https?:|mailto:|tel:|#|/|\.|[^:/?#]*(?:[/?#]|$))", re.I)
_SENTINEL = re.compile(r"<x(\d+)>")
_SPACES = re.compile(r"\s+")


@dataclass
class _Element:
    """An inline element of a run: its opening and closing tags, its children."""

    tag: str
    opening: str
    closing: str
    children: list[_Element | str] = field(default_factory=list)
    kept: bool = False  # translate="no", verbatim, or void: never translated

    def markup(self) -> str:
        return (
            self.opening
            + "".join(
                child.markup() if isinstance(child, _Element) else _escape(child)
                for child in self.children
            )
            + self.closing
        )

    def text(self) -> str:
        return "".join(
            child.text() if isinstance(child, _Element) else child for child in self.children
        )


@dataclass
class Run:
    """Text and inline elements between two block boundaries."""

    items: list[_Element | str] = field(default_factory=list)

    def has_text(self) -> bool:
        return any(
            (isinstance(item, str) and item.strip())
            or (isinstance(item, _Element) and not item.kept and item.text().strip())
            for item in self.items
        )

    def markup(self) -> str:
        return "".join(
            item.markup() if isinstance(item, _Element) else _escape(item) for item in self.items
        )


@dataclass
class Fragment:
    """An HTML fragment as pieces: markup kept as it is (block tags, untranslated parts)
    and runs to translate, in order."""

    pieces: list[str | Run]

    @property
    def runs(self) -> list[Run]:
        return [piece for piece in self.pieces if isinstance(piece, Run) and piece.has_text()]


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _safe_attributes(attrs: Sequence[tuple[str, str | None]]) -> str:
    """The attributes as markup, without event handlers or script URLs."""
    out = []
    for name, value in attrs:
        name = name.lower()
        if name.startswith("on") or name in ("srcdoc", "style"):
            continue
        if name in _URL_ATTRIBUTES and value is not None and not _SAFE_SCHEME.match(value):
            continue  # javascript:, data:, vbscript: ...
        out.append(f" {name}" if value is None else f' {name}="{html.escape(value)}"')
    return "".join(out)


def _untranslatable(tag: str, attrs: Sequence[tuple[str, str | None]]) -> bool:
    values = dict(attrs)
    classes = (values.get("class") or "").split()
    return (
        tag in VERBATIM
        or (values.get("translate") or "").lower() == "no"
        or "notranslate" in classes
    )


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str | Run] = []
        self.run = Run()
        self.stack: list[_Element] = []  # open inline elements of the current run
        self.kept_depth = 0  # inside a block marked translate="no"
        self.kept_blocks: list[str] = []  # the tags that opened those blocks
        self.dropped: list[str] = []  # open dropped elements (their text is ignored)

    # --- structure -------------------------------------------------------------------

    def _end_run(self) -> None:
        while self.stack:  # an inline element left open at a block boundary is closed here
            self._close_inline()
        if self.run.items:
            self.pieces.append(self.run)
        self.run = Run()

    def _close_inline(self) -> None:
        element = self.stack.pop()
        (self.stack[-1].children if self.stack else self.run.items).append(element)

    def _add(self, item: _Element | str) -> None:
        (self.stack[-1].children if self.stack else self.run.items).append(item)

    # --- parser callbacks --------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, tag in VOID)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, True)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], void: bool) -> None:
        if self.dropped:
            if tag in DROPPED and not void:
                self.dropped.append(tag)
            return
        if tag in DROPPED:
            if not void:
                self.dropped.append(tag)
            return
        opening = f"<{tag}{_safe_attributes(attrs)}>"
        if self.kept_depth:
            self.pieces.append(opening)
            if not void:
                self.kept_depth += 1
            return
        if tag in INLINE:
            if void:
                self._add(_Element(tag, opening, "", kept=True))
            else:
                kept = _untranslatable(tag, attrs) or any(e.kept for e in self.stack)
                self.stack.append(_Element(tag, opening, f"</{tag}>", kept=kept))
            return
        self._end_run()
        self.pieces.append(opening)
        if not void and _untranslatable(tag, attrs):
            self.kept_depth = 1
            self.kept_blocks.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.dropped:
            if tag == self.dropped[-1]:
                self.dropped.pop()
            return
        if tag in DROPPED or tag in VOID:
            return
        if self.kept_depth:
            self.kept_depth -= 1
            self.pieces.append(f"</{tag}>")
            return
        if tag in INLINE:
            if any(e.tag == tag for e in self.stack):
                while self.stack[-1].tag != tag:
                    self._close_inline()
                self._close_inline()
            return  # a closing tag nothing opened is dropped
        self._end_run()
        self.pieces.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.dropped:
            return
        if self.kept_depth:
            self.pieces.append(_escape(data))
            return
        self._add(data)

    def close(self) -> None:
        super().close()
        self._end_run()


def parse_fragment(markup: str) -> Fragment:
    """The fragment's pieces; the markup is never run, nothing is fetched."""
    parser = _Parser()
    parser.feed(markup)
    parser.close()
    return Fragment(parser.pieces)


@dataclass(frozen=True)
class RunPlan:
    """A run as the pipeline sees it: ``paragraph`` (sentinels for tags), and the markup
    each sentinel stands for."""

    paragraph: Paragraph
    sentinels: tuple[str, ...]
    leading: str
    trailing: str


def plan_run(run: Run) -> RunPlan | None:
    """The run as a paragraph with its markup spans; None when its text holds something
    that looks like a sentinel (then it is translated text node by text node)."""
    text, spans, sentinels = "", [], []

    def sentinel(markup: str) -> str:
        sentinels.append(markup)
        return f"<x{len(sentinels) - 1}>"

    for item in run.items:
        if isinstance(item, str):
            if _SENTINEL.search(item):
                return None
            text += _SPACES.sub(" ", item)  # HTML whitespace: any run of it is one space
            continue
        start = len(text)
        simple = not item.kept and all(isinstance(child, str) for child in item.children)
        inner = _SPACES.sub(" ", item.text())
        if simple and inner.strip() and not _SENTINEL.search(inner):
            text += sentinel(item.opening)
            inner_start = len(text)
            text += inner
            inner_end = len(text)
            text += sentinel(item.closing)
            spans.append(Markup(start, len(text), (inner_start, inner_end)))
        else:
            text += sentinel(item.markup())
            spans.append(Markup(start, len(text)))
    stripped = text.strip()
    leading = text[: len(text) - len(text.lstrip())]
    trailing = text[len(text.rstrip()) :]
    offset = len(leading)
    shifted = tuple(
        Markup(
            span.start - offset,
            span.end - offset,
            None if span.inner is None else (span.inner[0] - offset, span.inner[1] - offset),
        )
        for span in spans
    )
    return RunPlan(
        Paragraph(stripped, markup=shifted), tuple(sentinels), _escape(leading), _escape(trailing)
    )


def restore(plan: RunPlan, translation: str) -> str | None:
    """The translated run as markup: text escaped, each sentinel replaced by its markup;
    None when a sentinel is missing, repeated or invented."""
    found = [int(match.group(1)) for match in _SENTINEL.finditer(translation)]
    if sorted(found) != list(range(len(plan.sentinels))):
        return None
    out, cursor = [], 0
    for match in _SENTINEL.finditer(translation):
        out.append(_escape(translation[cursor : match.start()]))
        out.append(plan.sentinels[int(match.group(1))])
        cursor = match.end()
    out.append(_escape(translation[cursor:]))
    return plan.leading + "".join(out) + plan.trailing


def node_texts(run: Run) -> list[str]:
    """The run's translatable text nodes, in order (the fallback translates each alone)."""
    texts: list[str] = []

    def walk(items: Sequence[_Element | str], kept: bool) -> None:
        for item in items:
            if isinstance(item, str):
                if not kept and item.strip():
                    texts.append(item)
            else:
                walk(item.children, kept or item.kept)

    walk(run.items, False)
    return texts


def rebuild_by_nodes(run: Run, translations: Sequence[str]) -> str:
    """The run's markup with each translatable text node replaced by its translation (in
    ``node_texts`` order), keeping the node's surrounding whitespace."""
    queue = list(translations)

    def render(items: Sequence[_Element | str], kept: bool) -> str:
        out = []
        for item in items:
            if isinstance(item, str):
                if kept or not item.strip():
                    out.append(_escape(item))
                else:
                    core = queue.pop(0)
                    lead = item[: len(item) - len(item.lstrip())]
                    tail = item[len(item.rstrip()) :]
                    out.append(_escape(lead + core.strip() + tail))
            else:
                inner = render(item.children, kept or item.kept)
                out.append(item.opening + inner + item.closing)
        return "".join(out)

    return render(run.items, False)


def fragment_document(fragment: Fragment) -> tuple[Document, list[RunPlan | None]]:
    """One paragraph per run with text (runs whose plan failed are left out)."""
    plans = [plan_run(run) for run in fragment.runs]
    paragraphs = tuple(plan.paragraph for plan in plans if plan is not None)
    return Document(paragraphs), plans


def sanitized(markup: str) -> str:
    """The fragment as it is, less what would run (what an untranslated answer gives)."""
    pieces = parse_fragment(markup).pieces
    return "".join(piece if isinstance(piece, str) else piece.markup() for piece in pieces)


def plain_text(markup: str) -> str:
    """The fragment's text without tags (for language detection)."""
    runs = parse_fragment(markup).runs
    return " ".join(" ".join(node_texts(run)) for run in runs).strip()
