"""Frozen dataclasses and enums shared across the package: documents, quotations, results.

A leaf: it imports nothing from the package, so every module can use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

JSON_SCHEMA_VERSION = 1


class QuoteMode(StrEnum):
    """How quotations appear in the translation (see shared/design/quotes.md §2)."""

    KEEP = "keep"  # the original, byte for byte; it never passes through the model
    TRANSLATE = "translate"  # translated on its own, between target-style marks
    BOTH = "both"  # translated, followed by the original in square brackets


class QuoteMarks(StrEnum):
    """Which marks enclose a translated quotation."""

    ORIGINAL = "original"  # the source's own marks
    ENGLISH = "english"  # “…” (nested: ‘…’)
    ASCII = "ascii"  # "…"


class SummaryLength(StrEnum):
    """How long a summary is: ``--summary-length``. Here, not in translator.summarize, so
    that declaring the option does not import the summarizer's code."""

    SHORT = "short"
    MEDIUM = "medium"
    LONG = "long"


class QuoteStrategy(StrEnum):
    """Which path a quotation took through the pipeline."""

    VERBATIM = "verbatim"  # the quotation was its sentence's only text: no model involved
    PLACEHOLDER = "placeholder"  # masked, translated in context, verified, restored
    FRAGMENTS = "fragments"  # placeholder failed verification (or was not tried): the text
    # around the quotation was translated as separate fragments


@dataclass(frozen=True)
class Markup:
    """Inline markup in a paragraph's text (``**sehr**``, ``[Text](url)``, `` `code` ``).

    ``text[start:end]`` is the whole span. ``inner`` is the part of it the model may
    translate (emphasis content, link text, image alt text), on its own; the rest (the
    delimiters, a link's URL) is kept byte for byte. ``inner`` is None for markup kept
    whole (inline code, raw HTML, autolinks).
    """

    start: int
    end: int
    inner: tuple[int, int] | None = None


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the source, as the model sees it.

    ``text`` has hard wraps already joined. ``separator`` is the exact whitespace that
    followed the paragraph in the source (``""`` for the last one), so the output keeps
    the source's layout. ``wrap_width`` is set when the source was hard-wrapped, so the
    output can be wrapped the same way. ``line`` is the 1-based source line it starts on.
    ``kind`` is the block it comes from (paragraph, heading, list_item, quote, table_cell)
    and ``markup`` its inline markup, for documents read by ``translator.formats``.
    """

    text: str
    separator: str = ""
    line: int = 1
    wrap_width: int | None = None
    kind: str = "paragraph"
    markup: tuple[Markup, ...] = ()


@dataclass(frozen=True)
class Document:
    """A source text split into paragraphs; ``leading`` is whitespace before the first.

    ``position`` is what a paragraph's ``line`` counts, as messages name it: "line" for
    text and Markdown, "paragraph" for formats without lines (.docx, HTML).
    """

    paragraphs: tuple[Paragraph, ...]
    leading: str = ""
    position: str = "line"


@dataclass(frozen=True)
class ModelInfo:
    """Which model produced a result: hub id (or folder) and revision."""

    id: str
    revision: str | None = None


@dataclass(frozen=True)
class GlossaryUse:
    """How often a glossary entry was applied in a document, and the source forms matched."""

    source: str
    target: str
    count: int
    forms: tuple[str, ...]


@dataclass(frozen=True)
class CacheStats:
    """Model inputs answered from the translation memory (hits) and by the model (misses)."""

    hits: int
    misses: int


@dataclass(frozen=True)
class Alternative:
    """Another translation the model proposed for a sentence, with its score."""

    text: str
    score: float | None = None


@dataclass(frozen=True)
class SentenceResult:
    """One sentence of a paragraph: its source and translation (whitespace included, so
    the sentences of a paragraph join to its texts), the model's score and alternatives.

    ``score`` is the model's average log-probability per generated token (<= 0; nearer 0
    is more confident): the model's confidence, not a measure of quality. None when no
    model translated the sentence (a quotation kept verbatim, text passed through, a
    translation from the memory, an engine that reports no score). ``language`` is set
    when the sentence was not German and passed through unchanged (its detected code).
    """

    source: str
    translation: str
    score: float | None = None
    alternatives: tuple[Alternative, ...] = ()
    language: str | None = None


@dataclass(frozen=True)
class ParagraphResult:
    source: str
    translation: str
    # The document's warnings that concern this paragraph (also in DocumentResult.warnings).
    warnings: tuple[str, ...] = ()
    kind: str = "paragraph"  # the block it came from: paragraph, heading, list_item, ...
    sentences: tuple[SentenceResult, ...] = ()

    @property
    def score(self) -> float | None:
        """The weakest score of its sentences (None when none has one)."""
        scores = [s.score for s in self.sentences if s.score is not None]
        return min(scores) if scores else None


@dataclass(frozen=True)
class QuoteResult:
    """A quotation as it appears in the output, and the path it took."""

    original: str
    rendered: str
    strategy: QuoteStrategy
    paragraph: int  # 0-based index of the paragraph the quotation starts in
    # The English rendering the summarizer read (== rendered in translate mode); "" when
    # the pipeline did not translate quotations. The summary's quote checks match against it.
    translated: str = ""


@dataclass(frozen=True)
class SummaryQuoteChange:
    """A quotation mark pair in the summary that was repaired (quotes.md §3)."""

    found: str
    action: str  # "kept", "replaced" or "unquoted"
    replacement: str


@dataclass(frozen=True)
class SummaryResult:
    text: str
    model: ModelInfo
    chunks: int
    quote_changes: tuple[SummaryQuoteChange, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentResult:
    """A translated document; ``translation`` is the whole text in the source's layout."""

    translation: str
    paragraphs: tuple[ParagraphResult, ...]
    quotes: tuple[QuoteResult, ...]
    model: ModelInfo
    warnings: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    summary: SummaryResult | None = None
    sentences: int = 0
    source: str = ""  # the input file's name; "" for stdin or text passed in
    input_format: str = "text"  # how the input was read: text, markdown, html or docx
    # What the input said about itself (an HTML page's title, author, date, site name).
    metadata: dict[str, str] = field(default_factory=dict)
    glossary: tuple[GlossaryUse, ...] = ()  # the entries applied, when a glossary was given
    cache: CacheStats | None = None  # None: no translation memory was used
    # The input's detected language (ISO 639-1); None when not detected (empty input).
    language: str | None = None

    @property
    def text(self) -> str:
        """The whole translation (same as ``translation``)."""
        return self.translation

    def alternative_texts(self) -> tuple[str, ...]:
        """Whole-text alternatives: the k-th is the translation with each sentence replaced
        by its k-th alternative where it has one (``Translator.translate(alternatives=N)``),
        in the translation's layout; distinct, and never the translation itself. What a
        client that asks for alternatives of a whole text (LibreTranslate's API) gets."""
        most = max((len(s.alternatives) for p in self.paragraphs for s in p.sentences), default=0)
        texts: list[str] = []
        for k in range(most):
            pieces: list[str] = []
            cursor = 0
            for paragraph in self.paragraphs:
                joined = "".join(s.translation for s in paragraph.sentences)
                found = self.translation.find(paragraph.translation, cursor)
                if not paragraph.sentences or joined != paragraph.translation or found < 0:
                    continue  # not laid out as its sentences: the paragraph stays as it is
                pieces += [self.translation[cursor:found]]
                pieces += [
                    s.alternatives[k].text if len(s.alternatives) > k else s.translation
                    for s in paragraph.sentences
                ]
                cursor = found + len(paragraph.translation)
            text = "".join([*pieces, self.translation[cursor:]])
            if text != self.translation and text not in texts:
                texts.append(text)
        return tuple(texts)

    @property
    def summary_quotes(self) -> tuple[SummaryQuoteChange, ...]:
        """What was done to each quotation mark pair of the summary (empty: no summary)."""
        return self.summary.quote_changes if self.summary is not None else ()

    def to_dict(self) -> dict[str, Any]:
        """The result as the JSON document ``--format json`` writes (the README's schema).

        The one serializer: the CLI, batch and Python callers all get this dictionary.
        """
        data: dict[str, Any] = {
            "schema_version": JSON_SCHEMA_VERSION,
            "source": self.source,
            "translation": self.translation,
            "input_format": self.input_format,
            "metadata": dict(self.metadata),
            "paragraphs": [
                {
                    "source": p.source,
                    "translation": p.translation,
                    "kind": p.kind,
                    "warnings": list(p.warnings),
                    "score": p.score,
                    "sentences": [_sentence_dict(sentence) for sentence in p.sentences],
                }
                for p in self.paragraphs
            ],
            "quotes": [
                {
                    "original": q.original,
                    "rendered": q.rendered,
                    "strategy": q.strategy.value,
                    "paragraph": q.paragraph,
                }
                for q in self.quotes
            ],
            "model": {"id": self.model.id, "revision": self.model.revision},
            "sentences": self.sentences,
            "language": self.language,
            "warnings": list(self.warnings),
            "timings": dict(self.timings),
            "glossary": [
                {"source": g.source, "target": g.target, "count": g.count, "forms": list(g.forms)}
                for g in self.glossary
            ],
            "cache": (
                None
                if self.cache is None
                else {"hits": self.cache.hits, "misses": self.cache.misses}
            ),
        }
        if self.summary is not None:
            summary = self.summary
            data["summary"] = summary.text
            data["summary_model"] = {"id": summary.model.id, "revision": summary.model.revision}
            data["summary_chunks"] = summary.chunks
            data["summary_quotes"] = [
                {"found": c.found, "action": c.action, "replacement": c.replacement}
                for c in summary.quote_changes
            ]
            data["warnings"] += list(summary.warnings)
        return data


def _sentence_dict(sentence: SentenceResult) -> dict[str, Any]:
    return {
        "source": sentence.source,
        "translation": sentence.translation,
        "score": sentence.score,
        "alternatives": [{"text": a.text, "score": a.score} for a in sentence.alternatives],
        "language": sentence.language,
    }
