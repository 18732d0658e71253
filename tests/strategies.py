"""Hypothesis strategies for German-like text with known quotations (reusable by any test).

``documents()`` draws paragraphs with quotations of every style of the contract's table
(nested ones, multi-sentence ones, ones that continue into the next paragraph) mixed with
apostrophe words, and returns them with the quotations that ``find_quotes`` must find.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from hypothesis import strategies as st

# (opening, closing) of every style find_quotes recognises, quotes.md §1.
STYLES: tuple[tuple[str, str], ...] = (
    ("„", "“"),
    ("„", "”"),
    ("„", '"'),  # web text and Wikisource transcriptions type the closing mark
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
# Words a quotation may start with (sampled directly: a filter would make hypothesis retry
# and discard examples, which made the property tests slow).
LETTER_WORDS = tuple(word for word in WORDS if word[0].isalpha())
# Apostrophes that are never quotation marks, wherever they stand.
APOSTROPHE_WORDS = ("geht's", "gibt's", "don't", "Russia's", "don’t", "Russia’s", "'90er", "'nen")
# Apostrophes at the end of a word: only outside quotations, where nothing can pair with
# them (inside a single-mark quotation they would be read as its closing mark).
TRAILING_APOSTROPHE_WORDS = ("Hans'", "hätt'", "ministers'", "Andreas’")

PUNCTUATION = (".", ",", "!", "?", ";")


@cache
def words(
    min_size: int = 1, max_size: int = 6, *, trailing: bool = False
) -> st.SearchStrategy[str]:
    """Space-separated German-like words, with apostrophe words mixed in, no quotation."""
    pool = WORDS + APOSTROPHE_WORDS + (TRAILING_APOSTROPHE_WORDS if trailing else ())
    return st.lists(st.sampled_from(pool), min_size=min_size, max_size=max_size).map(" ".join)


# Strategies are built once, here or behind ``cache``, and drawn from many times: hypothesis
# validates every strategy object it is given, and building a fresh one for each draw made
# that validation most of the property tests' run time.
_FIRST_WORD = st.sampled_from(LETTER_WORDS)
_PUNCTUATION = st.sampled_from(PUNCTUATION)
_STYLE = st.sampled_from(STYLES)
_CONTINUABLE_STYLE = st.sampled_from(CONTINUABLE_STYLES)
_PARTS = st.integers(0, 3)
_TOP_LEVEL_PART = st.sampled_from(("words", "sentence", "nested"))
_NESTED_PART = st.just("words")


@st.composite
def _quotation_content(draw: st.DrawFn, depth: int) -> str:
    parts = [draw(_FIRST_WORD)]
    for _ in range(draw(_PARTS)):
        kind = draw(_TOP_LEVEL_PART if depth == 0 else _NESTED_PART)
        if kind == "words":
            parts.append(" " + draw(words()))
        elif kind == "sentence":
            parts.append(draw(_PUNCTUATION) + " " + draw(words()))
        else:
            parts.append(" " + draw(quotation(depth=depth + 1)))
    if draw(st.booleans()):
        parts.append(draw(_PUNCTUATION))
    return "".join(parts)


@cache
def quotation_content(depth: int = 0) -> st.SearchStrategy[str]:
    """What stands between a quotation's marks: one or more sentences, maybe a nested quote.

    Starts with a word (a ' quotation must open before a letter) and ends without a space.
    """
    return _quotation_content(depth)


@st.composite
def _quotation(draw: st.DrawFn, depth: int) -> str:
    opening, closing = draw(_STYLE)
    return opening + draw(quotation_content(depth)) + closing


@cache
def quotation(depth: int = 0) -> st.SearchStrategy[str]:
    """A whole quotation of any style, marks included."""
    return _quotation(depth)


@dataclass(frozen=True)
class GeneratedDocument:
    """Paragraph texts and the quotation texts ``find_quotes`` must return, in order."""

    paragraphs: tuple[str, ...]
    quotations: tuple[str, ...]


_LEADS = st.sampled_from(("", "Er sagte: ", "Sie sagte ", "(", "Der Minister betonte, dass "))
_TAILS = st.sampled_from(("", ".", ", sagte er.", " und ging.", ")", "!", ", so der Minister."))
_WORDS_OR_NOTHING = st.one_of(st.just(""), words(trailing=True))


@st.composite
def _paragraph(draw: st.DrawFn) -> tuple[str, list[str]]:
    text = ""
    quotes: list[str] = []
    for _ in range(draw(_PARTS)):
        before = draw(_WORDS_OR_NOTHING)
        lead = draw(_LEADS)
        quote = draw(quotation())
        tail = draw(_TAILS)
        if lead == "(":
            tail = ")" + tail.lstrip(")")
        chunk = " ".join(part for part in (before, lead + quote + tail) if part)
        text = f"{text} {chunk}" if text else chunk
        quotes.append(quote)
    rest = draw(_WORDS_OR_NOTHING)
    if rest:
        text = f"{text} {rest}." if text else rest + "."
    return text, quotes


@cache
def paragraph() -> st.SearchStrategy[tuple[str, list[str]]]:
    """One paragraph with 0-3 quotations between German-like words: (text, quotations)."""
    return _paragraph()


@cache
def quote_free_paragraph() -> st.SearchStrategy[str]:
    """What ``paragraph()`` draws when it draws no quotation, without filtering for it."""
    return st.one_of(st.just(""), words(trailing=True).map(lambda text: text + "."))


@st.composite
def _continued_quotation(draw: st.DrawFn) -> tuple[str, str, str]:
    opening, closing = draw(_CONTINUABLE_STYLE)
    first = opening + draw(quotation_content())
    second = opening + draw(quotation_content()) + closing
    return first, second, first + "\n" + second


@cache
def continued_quotation() -> st.SearchStrategy[tuple[str, str, str]]:
    """A quotation over two paragraphs: (end of first, start of second, quotation text)."""
    return _continued_quotation()


_CONTINUED_ONE_IN_FOUR = st.integers(0, 3)


@st.composite
def _documents(draw: st.DrawFn, max_paragraphs: int) -> GeneratedDocument:
    paragraphs: list[str] = []
    quotes: list[str] = []
    for _ in range(draw(st.integers(1, max_paragraphs))):
        if draw(_CONTINUED_ONE_IN_FOUR) == 0:
            head = draw(quote_free_paragraph())
            first, second, quote = draw(continued_quotation())
            tail = draw(_TAILS)
            paragraphs.append(f"{head} {first}" if head else first)
            paragraphs.append(second + tail)
            quotes.append(quote)
        else:
            text, found = draw(paragraph())
            paragraphs.append(text)
            quotes.extend(found)
    return GeneratedDocument(tuple(paragraphs), tuple(quotes))


@cache
def documents(max_paragraphs: int = 4) -> st.SearchStrategy[GeneratedDocument]:
    """Paragraphs with quotations of every style, some continued across paragraphs."""
    return _documents(max_paragraphs)
