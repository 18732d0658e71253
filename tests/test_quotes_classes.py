"""Quotation classes the finder used to miss (issue 24, docs/quotes.md §1).

Every expected extent here is written by hand (the quotation's text, marks included, or
its pieces per paragraph), never taken from ``find_quotes``. Each oracle has a meta-test
that breaks the finder on purpose and sees the check fail.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from translator import quotes
from translator.quotes import find_quotes


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
