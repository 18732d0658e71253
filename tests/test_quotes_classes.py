"""Quotation classes the finder used to miss (issue 24, docs/quotes.md §1).

Every expected extent here is written by hand (the quotation's text, marks included, or
its pieces per paragraph), never taken from ``find_quotes``. Each oracle has a meta-test
that breaks the finder on purpose and sees the check fail.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.fakes import FakeTranslator
from tests.oracle import assert_contract
from translator import quotes, segment
from translator.options import Options
from translator.pipeline import translate_document
from translator.quotes import find_quotes
from translator.schema import QuoteMarks, QuoteMode


def extents(paragraphs: Sequence[str]) -> list[list[tuple[int, str]]]:
    """Each quotation as its pieces: (paragraph, the piece's text)."""
    return [
        [(p.paragraph, paragraphs[p.paragraph][p.start : p.end]) for p in quotation.pieces]
        for quotation in find_quotes(paragraphs).quotations
    ]


# --- 1. A space after the opening mark ------------------------------------------------------

SPACED = [
    (
        ["„ Wenn der Kaiser es befiehlt, marschiere ich!“ rief er."],
        [[(0, "„ Wenn der Kaiser es befiehlt, marschiere ich!“")]],
    ),
    (
        ["Er rief: „ Wir kommen morgen“, und ging."],
        [[(0, "„ Wir kommen morgen“")]],
    ),
    (
        ['Sie sagte „ Nein, danke" und lachte.'],
        [[(0, '„ Nein, danke"')]],
    ),
    (
        ["Er fragte ‚ Wer da?‘ und wartete."],
        [[(0, "‚ Wer da?‘")]],
    ),
    (  # a spaced opening mark around a quotation nested in it
        ["„ Er sagte ‚nie‘ und ging“, berichtet sie."],
        [[(0, "„ Er sagte ‚nie‘ und ging“")]],
    ),
]


@pytest.mark.parametrize(("paragraphs", "expected"), SPACED)
def test_an_opening_mark_followed_by_a_space_opens_when_a_closing_mark_follows(
    paragraphs: list[str], expected: list[list[tuple[int, str]]]
) -> None:
    assert extents(paragraphs) == expected
    assert find_quotes(paragraphs).warnings == ()


# Ditto marks: „ under a word means "same as above"; they are never paired, also when a
# real quotation stands in the same row.
DITTO = [
    (["Äpfel  3 kg  2,50 €", "„  5 kg  4,00 €", "„  8 kg  6,00 €"], []),
    (["Birnen 3 kg", "„ 5 kg", "„ 7 kg"], []),
    # dittos typed with whatever mark was at hand: „ and “ in one row pair nothing
    (["Äpfel  3 kg  2,50 €", "„  5 kg  “  4,00 €", "„ 8 kg “ 6,00 €"], []),
    (["Herr Meyer, Bonn", "„ Schulz, „"], []),
    (
        ["Milch  1 l", "„  2 l „Bio“-Qualität", "„ Meyer, Inhaber von „Meyer & Co.“ in Bonn"],
        [[(1, "„Bio“")], [(2, "„Meyer & Co.“")]],
    ),
    (  # a ditto row under a row that opens no quotation: nothing continues into it
        ["Stoff  „Leinen“  2 m", "„  „Wolle“  3 m"],
        [[(0, "„Leinen“")], [(1, "„Wolle“")]],
    ),
]


@pytest.mark.parametrize(("paragraphs", "expected"), DITTO)
def test_ditto_marks_in_tables_and_lists_are_never_paired(
    paragraphs: list[str], expected: list[list[tuple[int, str]]]
) -> None:
    assert extents(paragraphs) == expected


def test_a_lone_spaced_opening_mark_is_warned_about_as_an_opening_mark() -> None:
    scan = find_quotes(["Äpfel  3 kg", "„  5 kg", "Er sagte „ ja und ging."])
    messages = [warning.message for warning in scan.warnings]
    assert len(messages) == 2
    assert all("opening quotation mark „" in message for message in messages)
    assert not any("closing" in message for message in messages)
    assert [warning.line for warning in scan.warnings] == [2, 3]


def test_meta_spaced_oracle_fails_when_spaced_marks_never_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(quotes, "_can_open_spaced", lambda text, i: False)
    paragraphs, expected = SPACED[0]
    assert extents(paragraphs) != expected


def test_meta_ditto_oracle_fails_when_ditto_marks_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        quotes, "_can_open_spaced", lambda text, i: text[i] == "„" and text[i + 1 : i + 2] == " "
    )
    paragraphs, expected = DITTO[2]
    assert extents(paragraphs) != expected


# --- 2. A quotation over several paragraphs without re-opening the mark ---------------------

CONTINUED = [
    (
        ["»Ich sage Ihnen eines.", "Wir geben nicht nach, und das wissen alle.« Dann ging er."],
        [[(0, "»Ich sage Ihnen eines."), (1, "Wir geben nicht nach, und das wissen alle.«")]],
    ),
    (  # nested quotations inside come back as part of the outer one, not top-level
        [
            "Sie erklärte: „Wir haben lange verhandelt, ‚bis zuletzt‘, wie man sagt.",
            "Am Ende hieß es ‚Einigung erzielt‘.",
            "Und dabei bleibt es.“ Mehr sagte sie nicht, nur „Danke“.",
        ],
        [
            [
                (0, "„Wir haben lange verhandelt, ‚bis zuletzt‘, wie man sagt."),
                (1, "Am Ende hieß es ‚Einigung erzielt‘."),
                (2, "Und dabei bleibt es.“"),
            ],
            [(2, "„Danke“")],
        ],
    ),
    (  # four paragraphs: the most a quotation continues over without its mark
        ["»Erstens.", "Zweitens.", "Drittens.", "Viertens.« Schluss."],
        [[(0, "»Erstens."), (1, "Zweitens."), (2, "Drittens."), (3, "Viertens.«")]],
    ),
    (  # re-opened by convention, then continued without the mark
        ['"Erstens.', '"Zweitens.', 'Drittens." Schluss.'],
        [[(0, '"Erstens.'), (1, '"Zweitens.'), (2, 'Drittens."')]],
    ),
]

# Paragraphs that must NOT be joined into one quotation: each expected list holds only the
# quotations that stand whole in one paragraph.
NOT_CONTINUED = [
    # five paragraphs: beyond the bound, the unclosed mark is a warning
    (["»Erstens.", "Zweitens.", "Drittens.", "Viertens.", "Fünftens.«"], []),
    # a paragraph that opens a quotation of its own in the same marks
    (
        ["»Komm her, sagte er.", "Sie ging. »Warum?« fragte sie.", "Er lachte.«"],
        [[(1, "»Warum?«")]],
    ),
    # a later paragraph that starts with the mark: ambiguous
    (["»Erstens.", "Zweitens.", "»Drittens.«"], [[(2, "»Drittens.«")]]),
    # nothing closes it: the quotations nested in the open mark are quotations of their own
    (["»Er sagte ›nie‹ und ging.", "Dann kam sie."], [[(0, "›nie‹")]]),
]


@pytest.mark.parametrize(("paragraphs", "expected"), CONTINUED)
def test_a_quotation_continues_over_paragraphs_without_its_mark(
    paragraphs: list[str], expected: list[list[tuple[int, str]]]
) -> None:
    assert extents(paragraphs) == expected
    assert find_quotes(paragraphs).warnings == ()


@pytest.mark.parametrize(("paragraphs", "expected"), NOT_CONTINUED)
def test_ambiguous_or_unbounded_continuations_stay_warnings(
    paragraphs: list[str], expected: list[list[tuple[int, str]]]
) -> None:
    scan = find_quotes(paragraphs)
    assert extents(paragraphs) == expected
    assert any("never closed" in warning.message for warning in scan.warnings)


def test_pieces_without_a_mark_have_no_opening_mark() -> None:
    paragraphs = ["»Ich sage Ihnen eines.", "Wir geben nicht nach.«"]
    pieces = find_quotes(paragraphs).quotations[0].pieces
    assert [(p.opening, p.closing) for p in pieces] == [("»", ""), ("", "«")]
    assert quotes.target_marks("", "«", QuoteMarks.ENGLISH) == ("", "”")
    assert quotes.target_marks("»", "", QuoteMarks.ENGLISH) == ("“", "")


def test_meta_continued_oracle_fails_without_unmarked_continuation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(quotes, "_continues_unmarked", lambda paragraphs, index, mark: False)
    failing = [extents(paragraphs) != expected for paragraphs, expected in CONTINUED]
    assert failing
    assert all(failing)


def test_meta_not_continued_oracle_fails_when_every_continuation_is_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(quotes, "_continues_unmarked", lambda paragraphs, index, mark: True)
    paragraphs, expected = NOT_CONTINUED[0]
    assert extents(paragraphs) != expected


# --- 3. Quoted verse: each line its own paragraph --------------------------------------------

VERSE = (
    "Die Bauernregel lautet:\n"
    "»Wenn der Hahn kräht auf dem Mist,\n"
    "ändert sich das Wetter\n"
    "oder es bleibt, wie es ist.«\n"
    "Das gilt bis heute.\n"
)
VERSE_QUOTE = (
    "»Wenn der Hahn kräht auf dem Mist,\nändert sich das Wetter\noder es bleibt, wie es ist.«"
)


def test_quoted_verse_is_one_quotation_over_its_lines() -> None:
    paragraphs = VERSE.splitlines()
    assert extents(paragraphs) == [
        [
            (1, "»Wenn der Hahn kräht auf dem Mist,"),
            (2, "ändert sich das Wetter"),
            (3, "oder es bleibt, wie es ist.«"),
        ]
    ]


@pytest.mark.parametrize("mode", [QuoteMode.KEEP, QuoteMode.TRANSLATE, QuoteMode.BOTH])
def test_quoted_verse_keeps_its_lines_through_the_pipeline(mode: QuoteMode) -> None:
    result = translate_document(VERSE, FakeTranslator(), Options(mode))
    assert [q.original for q in result.quotes] == [VERSE_QUOTE]
    lines = result.translation.splitlines()
    assert len(lines) == len(VERSE.splitlines())
    if mode is QuoteMode.KEEP:
        assert VERSE_QUOTE in result.translation
        assert lines[1:4] == VERSE.splitlines()[1:4]
        assert [q.rendered for q in result.quotes] == [VERSE_QUOTE]
    else:
        # Each line translated on its own line, in the target style's marks; ``both``
        # follows each line with its original.
        assert lines[1].startswith("“Wenn the Hahn")
        assert lines[3].startswith("oder es bleibt, wie es is.”")
        if mode is QuoteMode.BOTH:
            for line, source in zip(lines[1:4], VERSE.splitlines()[1:4], strict=True):
                assert line.endswith(f" [{source}]")


@pytest.mark.parametrize("mode", [QuoteMode.KEEP, QuoteMode.TRANSLATE], ids=["keep", "translate"])
def test_a_continued_quotation_through_the_pipeline_meets_the_contract(mode: QuoteMode) -> None:
    source = "»Ich sage Ihnen eines.\n\nWir geben nicht nach, und das wissen alle.« Dann ging er.\n"
    expected = ["»Ich sage Ihnen eines.\nWir geben nicht nach, und das wissen alle.«"]
    assert_contract(expected, translate_document(source, FakeTranslator(), Options(mode)), mode)


def test_sections_never_cut_a_quotation_continued_without_its_mark() -> None:
    text = "Vorher.\n\n»Erstens.\n\nZweitens.\n\nDrittens.« Danach.\n\nEnde.\n"
    sections = list(segment.split_sections([text], min_chars=1))
    assert sections == ["Vorher.\n\n»Erstens.\n\nZweitens.\n\nDrittens.« Danach.\n\n", "Ende.\n"]


def test_meta_sections_oracle_fails_when_open_quotations_are_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(segment, "_quotation_open_before", lambda text, start: False)
    text = "Vorher.\n\n»Erstens.\n\nZweitens.\n\nDrittens.« Danach.\n\nEnde.\n"
    sections = list(segment.split_sections([text], min_chars=1))
    assert sections != ["Vorher.\n\n»Erstens.\n\nZweitens.\n\nDrittens.« Danach.\n\n", "Ende.\n"]
