"""Formatting markers: how a paragraph's differently formatted stretches (bold, italic, a
link, a styled span) travel through the pipeline in every format written back as a file
(Word, PowerPoint, OpenDocument, EPUB).

A reader lists a paragraph's items as ``(item, text, key)``, the key being the item's
formatting. The most used key (by characters) is the base; each stretch of items
formatted otherwise becomes inline markup around private-use marker characters, so the
pipeline protects it like any markup: its text is translated on its own and put back in
the translation where the model left it. The writer splits the translation at the
markers (``split_marked``) and rebuilds the paragraph from copies of each stretch's
first item. ``plain_result`` removes the markers from what callers see.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from translator.schema import DocumentResult, Markup

# Stretch n opens with OPEN + n and closes with CLOSE + n (Unicode private use area, never
# in real text).
OPEN = 0xE100
CLOSE = 0xE180
MAX_STRETCHES = 0x80
MARKERS = re.compile("[\ue100-\ue1ff]")

Item = tuple[Any, str, tuple[object, ...]]


def base_key(items: Sequence[Item]) -> tuple[object, ...] | None:
    """The formatting most of the paragraph's text has (links never are the base)."""
    weights: dict[tuple[object, ...], int] = {}
    for _, text, key in items:
        if key[0] != "link":
            weights[key] = weights.get(key, 0) + len(text)
    return max(weights, key=lambda key: weights[key]) if weights else None


def stretches(items: Sequence[Item]) -> list[tuple[int | None, str]]:
    """The paragraph's text in stretches: (None, base text) or (first item, marked text)."""
    base = base_key(items)
    out: list[tuple[int | None, str]] = []
    for index, (_, text, key) in enumerate(items):
        if not text:
            continue
        marked = key != base and text.strip() != ""
        if marked and out and out[-1][0] is not None and items[out[-1][0]][2] == key:
            out[-1] = (out[-1][0], out[-1][1] + text)
        elif not marked and out and out[-1][0] is None:
            out[-1] = (None, out[-1][1] + text)
        else:
            out.append((index if marked else None, text))
    return out


def marked_text(items: Sequence[Item]) -> tuple[str, list[Markup]]:
    """The paragraph's text with each marked stretch between markers, and its markup."""
    text = ""
    markup: list[Markup] = []
    for first, part in stretches(items):
        number = len(markup)
        if first is None or number >= MAX_STRETCHES:
            text += part
            continue
        start = len(text)
        text += chr(OPEN + number) + part + chr(CLOSE + number)
        markup.append(Markup(start, len(text), (start + 1, len(text) - 1)))
    return text, markup


def split_marked(text: str) -> list[tuple[int | None, str]]:
    """A translation's stretches: (None, base text) or (stretch number, its text)."""
    out: list[tuple[int | None, str]] = []
    current: int | None = None
    buffer = ""
    for character in text:
        code = ord(character)
        if OPEN <= code < CLOSE + MAX_STRETCHES:
            out.append((current, buffer))
            buffer = ""
            current = code - OPEN if code < CLOSE else None
        else:
            buffer += character
    out.append((current, buffer))
    return out


def plain_result(result: DocumentResult) -> DocumentResult:
    """``result`` without the formatting markers, in every text it holds (translation,
    paragraphs, quotations, warnings, summary): what callers and every output see."""
    return map_result_text(result, lambda text: MARKERS.sub("", text))


def map_result_text(result: DocumentResult, change: Callable[[str], str]) -> DocumentResult:
    """``result`` with ``change`` (str -> str) applied to every text in it."""
    summary = result.summary
    if summary is not None:
        summary = replace(
            summary,
            text=change(summary.text),
            warnings=tuple(change(w) for w in summary.warnings),
            quote_changes=tuple(
                replace(c, found=change(c.found), replacement=change(c.replacement))
                for c in summary.quote_changes
            ),
        )
    return replace(
        result,
        translation=change(result.translation),
        paragraphs=tuple(
            replace(
                p,
                source=change(p.source),
                translation=change(p.translation),
                warnings=tuple(change(w) for w in p.warnings),
                sentences=tuple(
                    replace(
                        s,
                        source=change(s.source),
                        translation=change(s.translation),
                        alternatives=tuple(replace(a, text=change(a.text)) for a in s.alternatives),
                    )
                    for s in p.sentences
                ),
            )
            for p in result.paragraphs
        ),
        quotes=tuple(
            replace(
                q,
                original=change(q.original),
                rendered=change(q.rendered),
                translated=change(q.translated),
            )
            for q in result.quotes
        ),
        warnings=tuple(change(w) for w in result.warnings),
        summary=summary,
        metadata={key: change(value) for key, value in result.metadata.items()},
        glossary=tuple(
            replace(g, forms=tuple(change(form) for form in g.forms)) for g in result.glossary
        ),
    )
