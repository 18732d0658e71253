"""Hypothesis strategies for German-like text with known quotations (reusable by any test).

``documents()`` draws paragraphs with quotations of every style of the contract's table
(nested ones, multi-sentence ones, ones that continue into the next paragraph) mixed with
apostrophe words, and returns them with the quotations that ``find_quotes`` must find.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

# (opening, closing) of every style find_quotes recognises, quotes.md §1.
STYLES: tuple[tuple[str, str], ...] = (
    ("„", "“"),
    ("„", "”"),
    ("“", "”"),
    ('"', '"'),
    ("»", "«"),
    ("«", "»"),
    ("‚", "‘"),
    ("‚", "’"),
    ("›", "‹"),
    ("‹", "›"),
    ("'", "'"),
    ("‘", "’"),
)
# Styles a quotation may continue across paragraphs with (not the apostrophe-like ones).
CONTINUABLE_STYLES = tuple(style for style in STYLES if style[0] not in "'‘")

WORDS = tuple(
    (
        "Der Minister sagte heute dass die Zusammenarbeit weiter ausgebaut werde und Gespräche "
        "über Sicherheit Verteidigung Frieden Freundschaft zwischen beiden Ländern stattfinden "
        "Regierung Bürger Straße größer schön Übung Äpfel wir sind entschlossen alle "
        "Vereinbarungen umzusetzen Moskau Pjöngjang Beloussow Armee Priorität 2024 17 Prozent"
    ).split()
)
# Apostrophes that are never quotation marks, wherever they stand.
APOSTROPHE_WORDS = ("geht's", "gibt's", "don't", "Russia's", "don’t", "Russia’s", "'90er", "'nen")
# Apostrophes at the end of a word: only outside quotations, where nothing can pair with
# them (inside a single-mark quotation they would be read as its closing mark).
TRAILING_APOSTROPHE_WORDS = ("Hans'", "hätt'", "ministers'", "Andreas’")

PUNCTUATION = (".", ",", "!", "?", ";")


def words(
    min_size: int = 1, max_size: int = 6, *, trailing: bool = False
) -> st.SearchStrategy[str]:
    """Space-separated German-like words, with apostrophe words mixed in, no quotation."""
    pool = WORDS + APOSTROPHE_WORDS + (TRAILING_APOSTROPHE_WORDS if trailing else ())
    return st.lists(st.sampled_from(pool), min_size=min_size, max_size=max_size).map(" ".join)


@st.composite
def quotation_content(draw: st.DrawFn, depth: int = 0) -> str:
    """What stands between a quotation's marks: one or more sentences, maybe a nested quote.

    Starts with a word (a ' quotation must open before a letter) and ends without a space.
    """
    first = draw(st.sampled_from(WORDS).filter(lambda word: word[0].isalpha()))
    parts = [first]
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(("words", "sentence", "nested") if depth == 0 else ("words",)))
        if kind == "words":
            parts.append(" " + draw(words()))
        elif kind == "sentence":
            parts.append(draw(st.sampled_from(PUNCTUATION)) + " " + draw(words()))
        else:
            parts.append(" " + draw(quotation(depth=depth + 1)))
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from(PUNCTUATION)))
    return "".join(parts)


@st.composite
def quotation(draw: st.DrawFn, depth: int = 0) -> str:
    """A whole quotation of any style, marks included."""
    opening, closing = draw(st.sampled_from(STYLES))
    return opening + draw(quotation_content(depth)) + closing


@dataclass(frozen=True)
class GeneratedDocument:
    """Paragraph texts and the quotation texts ``find_quotes`` must return, in order."""

    paragraphs: tuple[str, ...]
    quotations: tuple[str, ...]


_LEADS = ("", "Er sagte: ", "Sie sagte ", "(", "Der Minister betonte, dass ")
_TAILS = ("", ".", ", sagte er.", " und ging.", ")", "!", ", so der Minister.")


@st.composite
def paragraph(draw: st.DrawFn) -> tuple[str, list[str]]:
    """One paragraph with 0-3 quotations between German-like words."""
    text = ""
    quotes: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        before = draw(st.one_of(st.just(""), words(trailing=True)))
        lead = draw(st.sampled_from(_LEADS))
        quote = draw(quotation())
        tail = draw(st.sampled_from(_TAILS))
        if lead == "(":
            tail = ")" + tail.lstrip(")")
        chunk = " ".join(part for part in (before, lead + quote + tail) if part)
        text = f"{text} {chunk}" if text else chunk
        quotes.append(quote)
    rest = draw(st.one_of(st.just(""), words(trailing=True)))
    if rest:
        text = f"{text} {rest}." if text else rest + "."
    return text, quotes


@st.composite
def continued_quotation(draw: st.DrawFn) -> tuple[str, str, str]:
    """A quotation over two paragraphs: (end of first, start of second, quotation text)."""
    opening, closing = draw(st.sampled_from(CONTINUABLE_STYLES))
    first = opening + draw(quotation_content())
    second = opening + draw(quotation_content()) + closing
    return first, second, first + "\n" + second


@st.composite
def documents(draw: st.DrawFn, max_paragraphs: int = 4) -> GeneratedDocument:
    """Paragraphs with quotations of every style, some continued across paragraphs."""
    paragraphs: list[str] = []
    quotes: list[str] = []
    for _ in range(draw(st.integers(1, max_paragraphs))):
        if draw(st.integers(0, 3)) == 0:
            head, _ = draw(paragraph().filter(lambda drawn: not drawn[1]))
            first, second, quote = draw(continued_quotation())
            tail = draw(st.sampled_from(_TAILS))
            paragraphs.append(f"{head} {first}" if head else first)
            paragraphs.append(second + tail)
            quotes.append(quote)
        else:
            text, found = draw(paragraph())
            paragraphs.append(text)
            quotes.extend(found)
    return GeneratedDocument(tuple(paragraphs), tuple(quotes))
