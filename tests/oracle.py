"""The quotation contract's test oracle (docs/quotes.md §4), shared by the tests.

Expected quotations never come from ``find_quotes``: a quotation the finder got wrong would
be wrong on both sides of the comparison. They come from hand-annotated gold
(``SAMPLE_QUOTES``, ``tests/data/real_quotes/gold.jsonl``) or from documents whose
quotations are known by construction (``tests/strategies.py``). The finder is used only as a
reader of the *output*, to see what a reader of the translation would take for quotations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from translator import quotes, segment
from translator.schema import DocumentResult, QuoteMode

# The sample article (a copy of shared/samples/belousov-dprk.de.txt).
SAMPLE = Path(__file__).parent / "data" / "belousov-dprk.de.txt"
SAMPLE_PARAGRAPHS = 11  # the article's non-empty lines, counted by hand

# The quotations of tests/data/belousov-dprk.de.txt (the sample article), in order, marked by
# hand against docs/quotes.md §1: seven typewriter quotations, none nested.
SAMPLE_QUOTES: tuple[str, ...] = (
    '"Im Rahmen des offiziellen Besuchs des russischen Verteidigungsministers in der DVRK sind'
    " eine Reihe von bilateralen Treffen mit Vertretern der militärischen und"
    ' militärpolitischen Führung der Republik vorgesehen."',
    '"Heute werden die freundschaftlichen Beziehungen zwischen Russland und der DVRK in allen'
    " Bereichen, einschließlich der militärischen Zusammenarbeit, aktiv ausgebaut. Wir sind"
    " entschlossen, alle auf höchster Ebene getroffenen Vereinbarungen umzusetzen. Wir"
    ' erwarten eine enge und fruchtbare Zusammenarbeit mit unseren koreanischen Kameraden."',
    '"die heutigen Gespräche dazu dienen werden, die russisch-koreanische strategische'
    ' Partnerschaft im Bereich der Verteidigung weiter zu stärken"',
    '"Diese kontinuierlich zu stärken und zu entwickeln – das ist die ständige Position'
    ' unserer Armee."',
    '"der Austausch und die Zusammenarbeit zwischen den militärischen Abteilungen beider'
    " Länder einschließlich des Austauschs hochrangiger Delegationen tatkräftig durchgeführt"
    ' wird"',
    '"Wir wissen das zu schätzen."',
    '"ein Schlüsselmoment für den Austausch nützlicher und konstruktiver Vorschläge ist, die'
    " zur Stärkung der Verteidigungs- und Sicherheitsfähigkeiten beider Länder beitragen und"
    " die Freundschaft, Zusammenarbeit und Entwicklung zwischen den Armeen beider Länder"
    ' fördern"',
)


QUOTES_DOC = Path(__file__).parent.parent / "docs" / "quotes.md"


@cache
def contract_styles() -> frozenset[tuple[str, str]]:
    """The (opening, closing) pairs of the styles table in docs/quotes.md §1, read from the
    document itself: the contract, independent of ``quotes.QUOTE_MARKS`` (which the code
    and the finder derive from)."""
    section = QUOTES_DOC.read_text(encoding="utf-8").split("## 1.", 1)[1].split("## 2.", 1)[0]
    styles: set[tuple[str, str]] = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or "U+" not in cells[0]:
            continue
        opens = [chr(int(code, 16)) for code in re.findall(r"U\+([0-9A-F]{4})", cells[0])]
        closes = [chr(int(code, 16)) for code in re.findall(r"U\+([0-9A-F]{4})", cells[1])]
        if not closes:  # "‹ / ›": one closing mark for each opening mark, in order
            closes = cells[1].replace("/", " ").split()
            styles.update(zip(opens, closes, strict=True))
        else:
            styles.update((opening, closing) for opening in opens for closing in closes)
    return frozenset(styles)


def contract_marks() -> frozenset[str]:
    """Every mark of the contract's table (docs/quotes.md §1)."""
    return frozenset(mark for style in contract_styles() for mark in style)


def quotations_in(text: str) -> list[str]:
    """Every quotation a reader finds in ``text`` (output text: never the expectation)."""
    document = segment.parse_document(text)
    scan = quotes.find_quotes([p.text for p in document.paragraphs])
    return [q.text for q in scan.quotations]


def assert_contract(expected: Sequence[str], result: DocumentResult, mode: QuoteMode) -> None:
    """Every expected source quotation appears once, in order, as the mode renders it;
    nothing else in the translation stands between quotation marks.

    ``expected``: the source's quotations from gold or construction, never from the finder.
    """
    expected = list(expected)
    assert [q.original for q in result.quotes] == expected
    found = quotations_in(result.translation)
    if mode is QuoteMode.KEEP:
        assert [q.rendered for q in result.quotes] == expected
        assert found == expected
        return
    if mode is QuoteMode.BOTH:  # each piece: its translation, then the original in brackets
        for quote in result.quotes:
            pieces = zip(quote.rendered.split("\n"), quote.original.split("\n"), strict=True)
            for rendered_piece, original_piece in pieces:
                assert rendered_piece.endswith(f" [{original_piece}]")
    rendered = [found_quote for q in result.quotes for found_quote in quotations_in(q.rendered)]
    per_quote = 2 if mode is QuoteMode.BOTH else 1
    assert len(rendered) == per_quote * len(expected)
    assert found == rendered


def assert_self_consistent(source: str, result: DocumentResult) -> None:
    """Keep mode on arbitrary input, where no gold exists (fuzzing): every quotation the
    pipeline reports is a verbatim stretch of the source, in source order (each piece of a
    quotation over several paragraphs on its own), and the output holds exactly those
    quotations. A robustness check that never asks the finder about the source; whether
    the pipeline found the *right* quotations is ``assert_contract``'s job, on documents
    whose quotations are known by construction or gold.
    """
    cursor = 0
    for quote in result.quotes:
        assert quote.rendered == quote.original
        for piece in quote.original.split("\n"):
            position = source.find(piece, cursor)
            assert position >= 0, (piece, source)
            cursor = position + len(piece)
    assert quotations_in(result.translation) == [q.original for q in result.quotes]
