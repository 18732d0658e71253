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
    assert len(CORPUS) >= 120
    assert len(GOLD) >= 40


@pytest.mark.parametrize(("line_id", "text"), CORPUS, ids=[i for i, _ in CORPUS])
def test_corpus_line_is_one_clean_paragraph_with_a_mark(line_id: str, text: str) -> None:
    assert text == text.strip(), "no leading/trailing whitespace"
    assert "\n" not in text and "\r" not in text
    assert QUOTE_MARKS & set(text), "every line carries at least one quotation mark"


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


@pytest.mark.parametrize(("line_id", "text"), CORPUS, ids=[i for i, _ in CORPUS])
def test_find_quotes_returns_bounded_substrings(
    find_quotes: Callable[..., Any], line_id: str, text: str
) -> None:
    scan = find_quotes([text])
    position = 0
    for quotation in scan.quotations:
        assert quotation.text[0] in QUOTE_MARKS, quotation.text
        assert quotation.text[-1] in QUOTE_MARKS, quotation.text
        found = text.find(quotation.text, position)
        assert found >= 0, f"{quotation.text!r} is not a substring in order"
        position = found + len(quotation.text)


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


@pytest.mark.parametrize(("line_id", "text"), CORPUS, ids=[i for i, _ in CORPUS])
def test_keep_mode_returns_every_source_quotation_once_in_order(
    find_quotes: Callable[..., Any], line_id: str, text: str
) -> None:
    pipeline = pytest.importorskip("translator.pipeline")
    from translator.schema import Options, QuoteMode

    source_quotes = [q.text for q in find_quotes([text]).quotations]
    result = pipeline.translate_document(
        text, translator=_EchoEngine(), options=Options(quotes=QuoteMode.KEEP)
    )
    output = [paragraph.translation for paragraph in result.paragraphs]
    assert [q.text for q in find_quotes(output).quotations] == source_quotes
