"""Sentence plans: text and protected parts, masked for the model, assembled again after it.

Protected parts are what the model must not rewrite: quotation pieces, URLs and e-mail
addresses, inline markup and glossary terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from translator import quotes, segment
from translator.engines.base import TranslationEngine
from translator.glossary import Glossary, GlossaryEntry
from translator.pipeline.requests import Requests, fit, split_space
from translator.quotes import QuotePiece
from translator.schema import Markup

# Punctuation at the edges of a fragment next to a quotation stays as in the source: it
# is what tells a reader (and the quotation finder) where the quotation starts and ends.
_EDGE_CHARS = " \t\r\n,.;:!?()[]–—/…-"


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class QuotePart:
    piece: QuotePiece
    quote_index: int

    @property
    def length(self) -> int:
        return self.piece.end - self.piece.start


@dataclass(frozen=True)
class KeptPart:
    """A URL or e-mail address: protected like a quotation, it is never translated."""

    text: str

    @property
    def output(self) -> str:
        return self.text


@dataclass(frozen=True)
class MarkupPart:
    """Inline markup (``**sehr**``, ``[Text](url)``): protected like a quotation, so the
    model never sees its delimiters or URL; its inner text (emphasis content, link text)
    is translated on its own and put back between the delimiters, which stay as they are."""

    text: str
    inner: tuple[int, int]  # where the translatable text stands in ``text``

    def inner_sentences(self) -> list[str]:
        return _sentences(self.text[self.inner[0] : self.inner[1]])

    def translated_inner(self, requests: Requests) -> str:
        inner = self.text[self.inner[0] : self.inner[1]]
        translated = "".join(requests.translation_of(s) for s in self.inner_sentences())
        return translated if translated == inner else quotes.neutralize_marks(translated)

    def render(self, requests: Requests) -> str:
        start, end = self.inner
        return self.text[:start] + self.translated_inner(requests) + self.text[end:]


@dataclass(frozen=True)
class TermPart:
    """A glossary term (``text`` is the form found): protected like a quotation, the model
    translates the sentence around it, and the entry's target is written in its place."""

    text: str
    entry: GlossaryEntry

    @property
    def output(self) -> str:
        return self.entry.target


Part = TextPart | QuotePart | KeptPart | MarkupPart | TermPart
Protected = QuotePart | KeptPart | MarkupPart | TermPart


@dataclass(frozen=True)
class SentencePlan:
    text: str  # the sentence's source text, whitespace included
    parts: tuple[Part, ...]  # tile ``text``: its text and quotation pieces in order

    @property
    def quote_parts(self) -> list[QuotePart]:
        return [part for part in self.parts if isinstance(part, QuotePart)]

    @property
    def text_parts(self) -> list[TextPart]:
        return [part for part in self.parts if isinstance(part, TextPart)]

    @property
    def markup_parts(self) -> list[MarkupPart]:
        return [part for part in self.parts if isinstance(part, MarkupPart)]

    @property
    def protected_parts(self) -> list[Protected]:
        """Quotations, URLs, e-mail addresses, markup and glossary terms: what the model
        must not touch."""
        return [part for part in self.parts if not isinstance(part, TextPart)]

    @property
    def term_parts(self) -> list[TermPart]:
        return [part for part in self.parts if isinstance(part, TermPart)]

    def protected_spans(self) -> list[tuple[int, int]]:
        """Where the protected parts stand in ``text``."""
        spans, offset = [], 0
        for part in self.parts:
            length = part.length if isinstance(part, QuotePart) else len(part.text)
            if not isinstance(part, TextPart):
                spans.append((offset, offset + length))
            offset += length
        return spans


@dataclass
class Renderings:
    """How each quotation piece and markup span is written: in the output, and for the
    summarizer."""

    output: dict[QuotePiece | MarkupPart, str]
    translated: dict[QuotePiece | MarkupPart, str]


def plan_paragraph(
    text: str,
    pieces: list[tuple[QuotePiece, int]],
    markup: Sequence[Markup] = (),
    glossary: Glossary | None = None,
) -> list[SentencePlan]:
    """Split a paragraph into sentences, each a sequence of text and protected parts."""
    protected: list[tuple[int, int, Protected]] = [
        (piece.start, piece.end, QuotePart(piece, index)) for piece, index in pieces
    ]

    def free(start: int, end: int) -> bool:
        return not any(start < b and a < end for a, b, _ in protected)

    quoted = [(a, b) for a, b, _ in protected]
    for span in markup:
        if any(a <= span.start and span.end <= b for a, b in quoted):
            continue  # inside a quotation: kept with it, markup and all
        if free(span.start, span.end):
            whole = text[span.start : span.end]
            part: Protected = (
                KeptPart(whole)
                if span.inner is None
                else MarkupPart(whole, (span.inner[0] - span.start, span.inner[1] - span.start))
            )
            protected.append((span.start, span.end, part))
        elif span.inner is not None:
            # A quotation inside the markup (or across its edge) stays one quotation; the
            # delimiters outside it are kept as they are.
            for a, b in ((span.start, span.inner[0]), (span.inner[1], span.end)):
                if a < b and free(a, b):
                    protected.append((a, b, KeptPart(text[a:b])))
    for start, end in segment.find_urls(text):
        if free(start, end):
            protected.append((start, end, KeptPart(text[start:end])))
    _add_terms(text, glossary, protected)
    protected.sort(key=lambda item: item[0])
    spans = segment.split_sentences(text, [(a, b) for a, b, _ in protected])
    return [_plan_sentence(text, start, end, protected) for start, end in spans]


def _add_terms(
    text: str, glossary: Glossary | None, protected: list[tuple[int, int, Protected]]
) -> None:
    """Add the glossary terms of ``text`` that lie outside the parts already protected."""
    if glossary is None:
        return
    for match in glossary.find(text):
        if not any(match.start < b and a < match.end for a, b, _ in protected):
            part = TermPart(text[match.start : match.end], match.entry)
            protected.append((match.start, match.end, part))


def _plan_sentence(
    text: str, start: int, end: int, protected: list[tuple[int, int, Protected]]
) -> SentencePlan:
    """The sentence ``text[start:end]`` as text parts and the protected parts inside it."""
    parts: list[Part] = []
    cursor = start
    for part_start, part_end, part in protected:
        if part_start >= start and part_end <= end:
            if part_start > cursor:
                parts.append(TextPart(text[cursor:part_start]))
            parts.append(part)
            cursor = part_end
    if cursor < end:
        parts.append(TextPart(text[cursor:end]))
    return SentencePlan(text[start:end], tuple(parts))


def split_edges(text: str) -> tuple[str, str, str]:
    """(leading punctuation, core, trailing punctuation) of a fragment beside a quotation."""
    core = text.strip(_EDGE_CHARS)
    if not core:
        return text, "", ""
    lead_end = len(text) - len(text.lstrip(_EDGE_CHARS))
    trail_start = len(text.rstrip(_EDGE_CHARS))
    return text[:lead_end], core, text[trail_start:]


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in segment.split_sentences(text)]


def mask(plan: SentencePlan, translator: TranslationEngine) -> tuple[str, tuple[str, ...]] | None:
    """The sentence with its protected parts masked, or None when that is too long to
    translate whole (then only fragments are translated)."""
    lead, core, _ = split_space(plan.text)
    spans = [(a - len(lead), b - len(lead)) for a, b in plan.protected_spans()]
    masked_text, placeholders = quotes.mask_quotes(core, spans)
    return (masked_text, placeholders) if len(fit(masked_text, translator)) == 1 else None


def assemble(
    plan: SentencePlan, requests: Requests, renderings: dict[QuotePiece | MarkupPart, str]
) -> str:
    """A sentence put together from separately translated text parts and quotations."""
    out = ""
    for part in plan.parts:
        if isinstance(part, QuotePart):
            out = _join_quote(out, renderings[part.piece])
            continue
        if isinstance(part, MarkupPart):
            out += renderings[part]
            continue
        if not isinstance(part, TextPart):  # URLs, e-mail addresses, glossary terms
            out += part.output
            continue
        split = split_edges if plan.protected_parts else split_space
        lead, core, trail = split(part.text)
        if core not in requests.fitted:
            out += part.text
            continue
        translated = quotes.neutralize_marks(requests.translation_of(core))
        if plan.protected_parts:
            # A fragment is not a sentence: punctuation the model added at its edges would
            # stand beside the source's own, which is kept.
            translated = translated.strip(" \t\n,.;:!?…")
        out += lead + translated + trail
    return out


def rendered(plan: SentencePlan, renderings: dict[QuotePiece | MarkupPart, str]) -> list[str]:
    """What each protected part of the sentence becomes in the output, in order."""
    return [
        renderings[part.piece]
        if isinstance(part, QuotePart)
        else renderings[part]
        if isinstance(part, MarkupPart)
        else part.output
        for part in plan.protected_parts
    ]


def _join_quote(before: str, rendering: str) -> str:
    """Append a quotation, keeping the context a typewriter quote needs to be read as one."""
    return before + quotes.join_rendering(before, rendering) + rendering
