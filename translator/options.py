"""The settings of a translation (``Options``): quotation mode and marks, summary, glossary.

Configuration, not a result: it lives apart from ``schema`` because it holds a ``Glossary``,
and ``glossary`` itself builds on ``schema`` and ``quotes``.
"""

from __future__ import annotations

from dataclasses import dataclass

from translator.glossary import Glossary
from translator.schema import QuoteMarks, QuoteMode


@dataclass(frozen=True)
class Options:
    """Everything that changes what a document's translation looks like."""

    quotes: QuoteMode = QuoteMode.KEEP
    quote_marks: QuoteMarks = QuoteMarks.ENGLISH
    summarize: bool = False
    summary_length: str = "medium"
    summary_max_words: int | None = None
    glossary: Glossary | None = None  # fixed renderings for terms (``--glossary``)
    alternatives: int = 0  # other translations asked for per sentence (``--alternatives``)
    # Each sentence's score from the model (``SentenceResult.score``). The JSON and review
    # outputs show it; text, Markdown and file outputs do not, and skip its cost.
    scores: bool = True
    # Whole sentences (and, when quotations are translated, quotations) that are not
    # German pass through unchanged.
    pass_foreign: bool = True
