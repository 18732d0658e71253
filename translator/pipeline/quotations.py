"""Quotations per ``--quotes`` mode: requested, translated (nested ones too), rendered, merged.

A quotation's inner text is translated like a paragraph of its own, between target-style
marks; its pieces across paragraphs become one ``QuoteResult``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace

from translator import quotes, segment
from translator.glossary import Glossary, GlossaryEntry
from translator.options import Options
from translator.pipeline.plan import (
    MarkupPart,
    Renderings,
    SentencePlan,
    assemble,
    mask,
    plan_paragraph,
    rendered,
    split_edges,
)
from translator.pipeline.requests import Requests, split_space
from translator.quotes import QuotePiece
from translator.schema import QuoteMarks, QuoteMode, QuoteResult, QuoteStrategy


def inner_text(text: str, piece: QuotePiece) -> str:
    """A quotation piece's text without its own marks."""
    return text[piece.start + len(piece.opening) : piece.end - len(piece.closing)]


@functools.lru_cache(maxsize=4096)
def _inner_plans(inner: str, glossary: Glossary | None) -> tuple[SentencePlan, ...]:
    """The sentences of a quotation's inner text, its nested quotations (and URLs and
    glossary terms) protected: a quotation is translated like a paragraph of its own."""
    nested = [(q.pieces[0], q.index) for q in quotes.find_quotes([inner]).quotations]
    return tuple(plan_paragraph(inner, nested, glossary=glossary))


def inner_terms(inner: str, glossary: Glossary | None) -> list[tuple[GlossaryEntry, str]]:
    """The glossary terms a translated quotation's text holds, nested quotations included."""
    terms: list[tuple[GlossaryEntry, str]] = []
    for plan in _inner_plans(inner, glossary) if glossary is not None else ():
        terms += [(part.entry, part.text) for part in plan.term_parts]
        for part in plan.quote_parts:
            terms += inner_terms(inner_text(inner, part.piece), glossary)
    return terms


def request_quote(inner: str, requests: Requests, glossary: Glossary | None) -> None:
    """Queue what translating a quotation's inner text needs. A sentence holding a nested
    quotation is queued masked and, since such sentences are rare, its fragments too, so
    that the fallback needs no second engine call."""
    for plan in _inner_plans(inner, glossary):
        requests.current = replace(requests.current, sentence=plan.text)
        if not plan.protected_parts:
            requests.add_translatable(plan.text, whole=True)
            continue
        for part in plan.quote_parts:
            request_quote(inner_text(inner, part.piece), requests, glossary)
        if any(segment.is_translatable(t.text) for t in plan.text_parts):
            masked_plan = mask(plan, requests.translator)
            if masked_plan is not None:
                requests.add_masked(masked_plan[0])
            for text_part in plan.text_parts:
                requests.add_translatable(split_edges(text_part.text)[1])


def _translate_inner(
    inner: str,
    requests: Requests,
    style: QuoteMarks,
    depth: int,
    glossary: Glossary | None = None,
) -> str:
    """The translation of a quotation's inner text at nesting ``depth`` (0: outermost).

    Nested quotations keep marks of ``style``'s nested pair, around their own translation;
    the sentence around them is restored from placeholders and verified like any other,
    and falls back to fragments. The model's own marks are neutralised everywhere else.
    """
    out: list[str] = []
    for plan in _inner_plans(inner, glossary):
        if not plan.protected_parts:
            out.append(quotes.neutralize_marks(requests.translation_of(plan.text)))
            continue
        renderings: dict[QuotePiece | MarkupPart, str] = {}
        for part in plan.quote_parts:
            piece = part.piece
            opening, closing = quotes.target_marks(piece.opening, piece.closing, style, depth + 1)
            nested = _translate_inner(
                inner_text(inner, piece), requests, style, depth + 1, glossary
            )
            renderings[piece] = opening + nested.strip() + closing
        restored = None
        masked_plan = mask(plan, requests.translator)
        if masked_plan is not None and masked_plan[0] in requests.results:
            restored = quotes.unmask(
                requests.results[masked_plan[0]], masked_plan[1], rendered(plan, renderings)
            )
        if restored is None:
            out.append(assemble(plan, requests, renderings))
        else:
            lead, _, trail = split_space(plan.text)
            out.append(lead + restored + trail)
    return "".join(out)


def render_quote(
    paragraph_text: str,
    piece: QuotePiece,
    options: Options,
    translate_quotes: bool,
    requests: Requests,
    renderings: Renderings,
) -> None:
    """Decide how a quotation piece is written in the output and for the summarizer."""
    original = paragraph_text[piece.start : piece.end]
    translated = original
    if translate_quotes:
        inner = _translate_inner(
            inner_text(paragraph_text, piece),
            requests,
            options.quote_marks,
            depth=0,
            glossary=options.glossary,
        )
        open_mark, close_mark = quotes.target_marks(
            piece.opening, piece.closing, options.quote_marks
        )
        translated = open_mark + inner.strip() + close_mark
    renderings.translated[piece] = translated
    if options.quotes is QuoteMode.KEEP:
        renderings.output[piece] = original
    elif options.quotes is QuoteMode.TRANSLATE:
        renderings.output[piece] = translated
    else:
        renderings.output[piece] = f"{translated} [{original}]"


def merge_quote_pieces(pieces: Sequence[tuple[int, QuoteResult]]) -> tuple[QuoteResult, ...]:
    """One result per quotation: the pieces of a multi-paragraph one are joined by newlines,
    and it reports the least trusted strategy any of its pieces took."""
    order = [QuoteStrategy.VERBATIM, QuoteStrategy.PLACEHOLDER, QuoteStrategy.FRAGMENTS]
    merged: dict[int, QuoteResult] = {}
    for index, piece in pieces:
        first = merged.get(index)
        if first is None:
            merged[index] = piece
            continue
        merged[index] = QuoteResult(
            original=first.original + "\n" + piece.original,
            rendered=first.rendered + "\n" + piece.rendered,
            translated=first.translated + "\n" + piece.translated,
            strategy=max(first.strategy, piece.strategy, key=order.index),
            paragraph=first.paragraph,
        )
    return tuple(merged.values())
