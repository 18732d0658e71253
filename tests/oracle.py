"""The quotation contract's test oracle (docs/quotes.md §4), shared by the tests."""

from __future__ import annotations

from translator import quotes, segment
from translator.schema import DocumentResult, QuoteMode


def quotations_in(text: str) -> list[str]:
    """Every quotation a reader finds in ``text``, as the finder sees them."""
    document = segment.parse_document(text)
    scan = quotes.find_quotes([p.text for p in document.paragraphs])
    return [q.text for q in scan.quotations]


def assert_contract(source: str, result: DocumentResult, mode: QuoteMode) -> None:
    """Every source quotation appears once, in order, as the mode renders it; nothing else
    in the translation stands between quotation marks."""
    expected = quotations_in(source)
    assert [q.original for q in result.quotes] == expected
    found = quotations_in(result.translation)
    if mode is QuoteMode.KEEP:
        assert [q.rendered for q in result.quotes] == expected
        assert found == expected
    else:
        rendered = [found_quote for q in result.quotes for found_quote in quotations_in(q.rendered)]
        per_quote = 2 if mode is QuoteMode.BOTH else 1
        assert len(rendered) == per_quote * len(expected)
        assert found == rendered
