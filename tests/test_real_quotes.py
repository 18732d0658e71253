"""The quotation contract on real German text (tests/data/real_quotes/, see its README).

Three layers:
- the corpus itself is well formed (runs even before ``translator.quotes`` exists);
- ``gold.jsonl``: hand-verified quotations for a sample of lines, which ``find_quotes``
  must reproduce exactly;
- every corpus line: ``find_quotes`` never raises and returns substrings bounded by
  quotation marks, and the pipeline in keep mode, with an engine that echoes its input,
  gives back exactly the source's quotations, in order, once each (quotes.md §4).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

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
    quotes = pytest.importorskip("translator.quotes")
    return quotes.find_quotes  # type: ignore[no-any-return]


# --- the data itself --------------------------------------------------------------


def test_corpus_has_every_source_and_enough_lines() -> None:
    assert {path.name for path in CORPUS_FILES} == {
        "goethe_werther.txt",
        "grimm_khm_wikisource.txt",
        "kafka_process.txt",
        "kafka_verwandlung.txt",
    }
    assert len(CORPUS) >= 300
    assert len(GOLD) >= 120


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
    assert entry["text"] in lines
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
    scan = find_quotes([entry["text"]])
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


class _EchoEngine:
    """A translation engine that returns its input: whatever the pipeline masked or
    split, it gets back unchanged, so only the pipeline's own handling is tested."""

    def __init__(self) -> None:
        from translator.schema import ModelInfo

        self.info = ModelInfo(id="echo")
        self.max_input_tokens = 512

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) + 1 for text in texts]

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        return list(texts)


@pytest.mark.parametrize("name", FILE_NAMES)
def test_keep_mode_returns_every_source_quotation_once_in_order(
    find_quotes: Callable[..., Any], name: str
) -> None:
    pipeline = pytest.importorskip("translator.pipeline")
    from translator.schema import Options, QuoteMode

    failures = []
    for line_id, text in _lines_of(name):
        source_quotes = [q.text for q in find_quotes([text]).quotations]
        result = pipeline.translate_document(
            text, translator=_EchoEngine(), options=Options(quotes=QuoteMode.KEEP)
        )
        output = [paragraph.translation for paragraph in result.paragraphs]
        if [q.text for q in find_quotes(output).quotations] != source_quotes:
            failures.append(f"{line_id}: {output!r}")
    assert failures == []
