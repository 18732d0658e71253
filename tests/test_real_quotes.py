"""The quotation contract on real German text (tests/data/real_quotes/, see its README).

Three layers:
- the corpus itself is well formed;
- ``gold.jsonl``: hand-verified quotations for a sample of lines (an entry may span
  consecutive lines: a quotation continued over paragraphs), which ``find_quotes`` must
  reproduce exactly;
- the pipeline (quotes.md §4), with an engine that echoes its input: in keep mode it gives
  back exactly the gold quotations, in order, once each, and so on every line of the files
  whose marks pair by counting; in translate and both modes every gold quotation comes out
  once, in order, between marks of the chosen style. Expected quotations come from the gold
  or from counting, never from ``find_quotes``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import IdentityTranslator
from translator import pipeline, quotes
from translator.options import Options
from translator.schema import QuoteMarks, QuoteMode

DATA = Path(__file__).parent / "data" / "real_quotes"
CORPUS_FILES = sorted(DATA.glob("*.txt"))

# Every mark that may open or close a quotation (quotes.md §1), apostrophe included.
QUOTE_MARKS = frozenset("„“”\"»«‚‘›‹'")


def _corpus() -> list[tuple[str, str]]:
    """(id, line) for every line of every corpus file."""
    return [
        (f"{path.name}:{number}", text)
        for path in CORPUS_FILES
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
    ]


def _gold() -> list[dict[str, Any]]:
    with (DATA / "gold.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


CORPUS = _corpus()
GOLD = _gold()


def _gold_params() -> list[Any]:
    """Gold entries; one with a ``known_issue`` is a strict xfail, so that the fix of the
    issue makes it pass loudly (and the marker is removed) rather than silently."""
    return [
        pytest.param(
            entry,
            id=f"gold{index}",
            marks=[pytest.mark.xfail(reason=entry["known_issue"], strict=True)]
            if "known_issue" in entry
            else [],
        )
        for index, entry in enumerate(GOLD)
    ]


@pytest.fixture(scope="module")
def find_quotes() -> Callable[..., Any]:
    return quotes.find_quotes


# --- the data itself --------------------------------------------------------------


def test_corpus_has_every_source_and_enough_lines() -> None:
    assert {path.name for path in CORPUS_FILES} == {
        "constructed.txt",
        "fortunes_de.txt",
        "goethe_werther.txt",
        "grimm_khm_wikisource.txt",
        "kafka_process.txt",
        "kafka_verwandlung.txt",
    }
    assert len(CORPUS) >= 300
    assert len(GOLD) >= 150
    texts = [entry["text"] for entry in GOLD]
    quotations = [quote for entry in GOLD for quote in entry["quotes"]]
    # The styles and cases the gold must cover (issue 12).
    for needed in ("‚", "‘", "»", "«", "“", "”", "„", "›"):
        assert any(needed in quote for quote in quotations), needed
    assert any("\n" in quote for quote in quotations)  # continued over paragraphs
    assert any("‚" in quote[1:] or "›" in quote[1:] or "‘" in quote[1:] for quote in quotations)
    assert any("‘s" in text or "’s" in text or "s‘ " in text for text in texts)  # apostrophes


def _lines_of(name: str) -> list[tuple[str, str]]:
    return [(line_id, text) for line_id, text in CORPUS if line_id.startswith(f"{name}:")]


# The per-line checks run per file and name every failing line, rather than one test per
# line: 300+ lines times three checks made pytest's own per-test cost most of the run time.
FILE_NAMES = [path.name for path in CORPUS_FILES]


@pytest.mark.parametrize("name", FILE_NAMES)
def test_corpus_lines_are_clean_paragraphs_with_a_mark(name: str) -> None:
    failures = []
    for line_id, text in _lines_of(name):
        if text != text.strip():
            failures.append(f"{line_id}: leading/trailing whitespace")
        if "\n" in text or "\r" in text:
            failures.append(f"{line_id}: more than one line")
        if not QUOTE_MARKS & set(text):
            failures.append(f"{line_id}: no quotation mark or apostrophe")
    assert failures == []


@pytest.mark.parametrize("entry", GOLD, ids=[f"gold{i}" for i in range(len(GOLD))])
def test_gold_entry_is_consistent_with_the_corpus(entry: dict[str, Any]) -> None:
    lines = (DATA / entry["source"]).read_text(encoding="utf-8").splitlines()
    paragraphs = entry["text"].split("\n")
    first = lines.index(paragraphs[0])
    assert lines[first : first + len(paragraphs)] == paragraphs
    position = 0
    for quote in entry["quotes"]:
        assert quote[0] in QUOTE_MARKS and quote[-1] in QUOTE_MARKS, quote
        found = entry["text"].find(quote, position)
        assert found >= 0, f"{quote!r} not found in order"
        position = found + len(quote)


# --- find_quotes on real text -------------------------------------------------------


@pytest.mark.parametrize("entry", _gold_params())
def test_find_quotes_matches_hand_verified_gold(
    find_quotes: Callable[..., Any], entry: dict[str, Any]
) -> None:
    scan = find_quotes(entry["text"].split("\n"))
    assert [q.text for q in scan.quotations] == entry["quotes"]


@pytest.mark.parametrize("name", FILE_NAMES)
def test_find_quotes_returns_bounded_substrings(find_quotes: Callable[..., Any], name: str) -> None:
    failures = []
    for line_id, text in _lines_of(name):
        position = 0
        for quotation in find_quotes([text]).quotations:
            if quotation.text[0] not in QUOTE_MARKS or quotation.text[-1] not in QUOTE_MARKS:
                failures.append(f"{line_id}: {quotation.text!r} is not bounded by marks")
            found = text.find(quotation.text, position)
            if found < 0:
                failures.append(f"{line_id}: {quotation.text!r} is not a substring in order")
                break
            position = found + len(quotation.text)
    assert failures == []


# Files whose opening and closing marks are different characters and never nest: there,
# counting marks finds the quotations without any of find_quotes' context rules, which
# checks every line of those files, not only the gold sample.
DISTINCT_MARKS = {
    "grimm_khm_wikisource.txt": ("„", '"'),
    "kafka_process.txt": ("„", "“"),
    "kafka_verwandlung.txt": ("»", "«"),
}


def _paired_by_counting(text: str, opening: str, closing: str) -> list[str] | None:
    """Top-level quotations by depth counting; ``None`` if the marks do not balance."""
    quotes, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == opening:
            start = index if depth == 0 else start
            depth += 1
        elif char == closing and depth > 0:
            depth -= 1
            if depth == 0:
                quotes.append(text[start : index + 1])
    return quotes if depth == 0 else None


@pytest.mark.parametrize("name", sorted(DISTINCT_MARKS))
def test_find_quotes_agrees_with_counting_where_marks_are_distinct(
    find_quotes: Callable[..., Any], name: str
) -> None:
    opening, closing = DISTINCT_MARKS[name]
    failures = []
    for line_id, text in _lines_of(name):
        scan = find_quotes([text])
        expected = _paired_by_counting(text, opening, closing)
        if [q.text for q in scan.quotations] != expected or scan.warnings:
            failures.append(f"{line_id}: expected {expected}, got {scan}")
    assert failures == []


# --- the pipeline oracle (quotes.md §4) ----------------------------------------------


def _translate(text: str, mode: str, marks: str = "english") -> Any:
    options = Options(quotes=QuoteMode(mode), quote_marks=QuoteMarks(marks))
    return pipeline.translate_document(text, translator=IdentityTranslator(), options=options)


@pytest.mark.parametrize("entry", GOLD, ids=[f"gold{i}" for i in range(len(GOLD))])
def test_keep_mode_returns_every_gold_quotation_once_in_order(entry: dict[str, Any]) -> None:
    from tests.oracle import assert_contract
    from translator.schema import QuoteMode

    # Blank lines between the entry's lines: each is a paragraph of its own.
    result = _translate(entry["text"].replace("\n", "\n\n"), "keep")
    assert_contract(entry["quotes"], result, QuoteMode.KEEP)


@pytest.mark.parametrize("marks", ["english", "ascii", "original"])
@pytest.mark.parametrize("mode", ["translate", "both"])
def test_translate_modes_render_every_gold_quotation_once_in_order(mode: str, marks: str) -> None:
    from tests.oracle import assert_contract
    from translator.schema import QuoteMode

    failures = []
    for index, entry in enumerate(GOLD):
        result = _translate(entry["text"].replace("\n", "\n\n"), mode, marks)
        try:
            assert_contract(entry["quotes"], result, QuoteMode(mode))
        except AssertionError as error:
            failures.append(f"gold{index}: {error}")
    assert failures == []


@pytest.mark.parametrize("name", sorted(DISTINCT_MARKS))
def test_keep_mode_returns_every_counted_quotation_once_in_order(name: str) -> None:
    from tests.oracle import assert_contract
    from translator.schema import QuoteMode

    opening, closing = DISTINCT_MARKS[name]
    lines = _lines_of(name)
    assert lines
    failures = []
    for line_id, text in lines:
        expected = _paired_by_counting(text, opening, closing)
        assert expected is not None, line_id
        try:
            assert_contract(expected, _translate(text, "keep"), QuoteMode.KEEP)
        except AssertionError as error:
            failures.append(f"{line_id}: {error}")
    assert failures == []
