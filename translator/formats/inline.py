"""A paragraph element of an XML part (PowerPoint ``a:p``, OpenDocument ``text:p``, an
XHTML ``<p>``) as marked text, and the translation written back into it.

A paragraph's children are of four sorts (``InlineRules`` says which is which):

- text standing in the paragraph itself (its ``text`` and its children's tails), where
  the format allows it (``mixed``);
- runs: inline elements holding formatted text (``a:r``, ``text:span``, ``<em>``, a link);
- characters: elements that stand for one (a line break, a tab, ``text:s``);
- unexpanded entity references count as characters: a predefined HTML one (``&nbsp;``)
  is its character, any other is nothing (never expanded, left out of the output);
- anchors: everything else (an image, a footnote, a bookmark, a field, paragraph
  properties). An anchor is never touched: it stays where it is, its text untranslated
  (a footnote's or a text box's own paragraphs are blocks of their own).

Text and runs become ``markers`` items (the runs' formatting is their key); the writer
removes the textual children and inserts the translation where the first of them stood:
base text as plain text or in copies of a base run, each marked stretch in a copy of its
first run, line breaks and tabs as copies of their elements. A run holding anything but
runs and characters is an anchor, so nothing it holds can be lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from translator.formats.markers import Item, base_key, marked_text, split_marked, stretches
from translator.schema import Markup

# Characters the writer turns back into their elements; others (text:s's spaces) stay text.
_REBUILT = "\n\t"


def _all_text(element: Any) -> str:
    return "".join(element.itertext())


def _replace_text(element: Any, text: str) -> None:
    for child in list(element):
        element.remove(child)
    element.text = text


def _key(element: Any) -> tuple[object, ...]:
    return (element.tag, *sorted(element.attrib.items()))


@dataclass(frozen=True)
class InlineRules:
    """What a format's paragraph holds (see the module's docstring).

    ``runs``: run tags; ``links``: those of them that are links (each one a stretch of its
    own, never the base); ``characters``: tag -> the text it stands for (a function of the
    element, for ``text:s``'s count); ``mixed``: whether text may stand in the paragraph
    itself. ``run_text``, ``set_run_text`` and ``run_key`` read and write a run (its whole
    text, by default; PowerPoint's text is in the run's ``a:t``).
    """

    runs: frozenset[str] = frozenset()
    links: frozenset[str] = frozenset()
    characters: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)
    mixed: bool = True
    run_text: Callable[[Any], str] = _all_text
    set_run_text: Callable[[Any, str], None] = _replace_text
    run_key: Callable[[Any], tuple[object, ...]] = _key


@dataclass(frozen=True)
class _Text:
    """Text standing in the paragraph: ``owner.text`` or ``owner.tail``."""

    owner: Any
    attribute: str


def _is_entity(node: Any) -> bool:
    from lxml import etree

    return isinstance(node, etree._Entity)


def _entity_text(node: Any) -> str:
    """An unexpanded entity reference as text: a predefined HTML one (``&nbsp;``) is its
    character, any other (declared in the part's own doctype) nothing: never expanded."""
    import html.entities

    return html.entities.html5.get(f"{node.name};", "")


def _sort(child: Any, rules: InlineRules) -> str:
    tag = child.tag if isinstance(child.tag, str) else ""
    if tag in rules.characters or _is_entity(child):
        return "character"
    # A mixed-content run's descendants are text (flattened when it is rewritten): one
    # holding anything else is an anchor. A PowerPoint run holds its properties and text.
    if tag in rules.runs and (
        not rules.mixed
        or all(
            isinstance(inner.tag, str)
            and (inner.tag in rules.runs or inner.tag in rules.characters)
            for inner in child.iterdescendants()
        )
    ):
        return "run"
    return "anchor"


def items(paragraph: Any, rules: InlineRules) -> list[Item]:
    """The paragraph's textual items, in order: (``_Text`` or element, text, key)."""
    listed: list[tuple[Any, str, tuple[object, ...] | None]] = []
    if rules.mixed and paragraph.text is not None:
        listed.append((_Text(paragraph, "text"), paragraph.text, ("text",)))
    for child in paragraph:
        sort = _sort(child, rules)
        if sort == "character":
            listed.append((child, _character(child, rules), None))
        elif sort == "run":
            key = ("link", id(child)) if child.tag in rules.links else rules.run_key(child)
            listed.append((child, rules.run_text(child), key))
        if rules.mixed and child.tail is not None:
            listed.append((_Text(child, "tail"), child.tail, ("text",)))
    keyed = [(item, text, key) for item, text, key in listed if key is not None]
    base = base_key(keyed) or ("text",)
    # A character goes with the text around it: it has the base's formatting.
    return [(item, text, base if key is None else key) for item, text, key in listed]


def marked_paragraph(paragraph: Any, rules: InlineRules) -> tuple[str, list[Markup]]:
    """The paragraph's text with its marked stretches (``markers``), and their markup."""
    return marked_text(items(paragraph, rules))


def rewrite(paragraph: Any, translation: str, rules: InlineRules) -> None:
    """Replace the paragraph's textual children by ``translation`` (with its markers)."""
    listed = items(paragraph, rules)
    textual = [entry for entry in listed if entry[1]]
    if not textual:
        return
    marked = [first for first, _ in stretches(listed) if first is not None]
    base = base_key(listed)
    base_template = next(
        (
            item
            for item, text, key in listed
            if key == base and text and _sort_of(item, rules) != "character"
        ),
        textual[0][0],
    )
    # A stand-in where the first textual item stood, found again once they are removed.
    sentinel = paragraph.makeelement("sentinel")
    first = textual[0][0]
    if isinstance(first, _Text):
        index = 0 if first.attribute == "text" else paragraph.index(first.owner) + 1
    else:
        index = paragraph.index(first)
    characters: dict[str, Any] = {}
    for item, _, _ in listed:
        if isinstance(item, _Text):
            setattr(item.owner, item.attribute, None)
    paragraph.insert(index, sentinel)
    for item, _, _ in listed:
        if not isinstance(item, _Text):
            if _sort_of(item, rules) == "character":
                characters.setdefault(_character(item, rules), item)
            paragraph.remove(item)
    position = paragraph.index(sentinel)
    paragraph.remove(sentinel)
    builder = _Builder(paragraph, position, rules)
    for number, text in split_marked(translation):
        if not text:
            continue
        if number is None or number >= len(marked):
            template = base_template
        else:
            template = listed[marked[number]][0]
        if number is None or number >= len(marked):
            for piece in _pieces(text, characters):
                if isinstance(piece, str):
                    builder.add(template, piece)
                else:
                    builder.insert(deepcopy(piece))
        else:
            builder.add(template, text)


def _character(node: Any, rules: InlineRules) -> str:
    return _entity_text(node) if _is_entity(node) else rules.characters[node.tag](node)


def _sort_of(item: Any, rules: InlineRules) -> str:
    return "text" if isinstance(item, _Text) else _sort(item, rules)


def _pieces(text: str, characters: Mapping[str, Any]) -> list[str | Any]:
    """``text`` cut at the characters the paragraph had elements for (line breaks, tabs)."""
    out: list[str | Any] = []
    buffer = ""
    for character in text:
        if character in _REBUILT and character in characters:
            out.extend([buffer, characters[character]] if buffer else [characters[character]])
            buffer = ""
        else:
            buffer += character
    if buffer:
        out.append(buffer)
    return out


class _Builder:
    """Inserts text and elements into a paragraph, one after another, from ``position``."""

    def __init__(self, paragraph: Any, position: int, rules: InlineRules) -> None:
        self.paragraph = paragraph
        self.position = position
        self.rules = rules

    def insert(self, element: Any) -> None:
        element.tail = None
        self.paragraph.insert(self.position, element)
        self.position += 1

    def add(self, template: Any, text: str) -> None:
        if isinstance(template, _Text):
            previous = self.paragraph[self.position - 1] if self.position else None
            if previous is None:
                self.paragraph.text = (self.paragraph.text or "") + text
            else:
                previous.tail = (previous.tail or "") + text
            return
        element = deepcopy(template)
        self.rules.set_run_text(element, text)
        self.insert(element)
