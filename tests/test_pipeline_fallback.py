"""Quotation fallbacks sent while the main call still decodes (issue 26.1, third bullet):
the same results as one call after the other, and the fallback really sent early."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import (
    ConcurrentTranslator,
    EngineEvent,
    PlaceholderLosingTranslator,
    SynchronousEngine,
)
from translator import quotes
from translator.engines import CT2Translator, load_translator
from translator.engines.base import (
    ConcurrentEngine,
    FinishedBatch,
    TranslationEngine,
)
from translator.options import Options
from translator.pipeline import requests as pipeline_requests
from translator.pipeline import translate_documents
from translator.schema import DocumentResult, QuoteMode, QuoteStrategy

LOSE = PlaceholderLosingTranslator.LOSE_WORD


def _paragraphs(count: int) -> list[str]:
    """Paragraphs with quotations, every third one's sentence holding the word that makes
    the fake lose its placeholders, and plain ones between them."""
    made = []
    for i in range(count):
        if i % 3 == 0:
            made.append(f"Der {LOSE} {i} sei groß, sagte er: „Wir bleiben hier {i}.“ Dann ging er.")
        elif i % 3 == 1:
            made.append(f"Sie sagte: „Das ist Runde {i}.“ Und die Lage {i} ist ruhig.")
        else:
            made.append(f"Die Lage {i} ist ruhig. Der Minister {i} schwieg.")
    return made


def _documents() -> list[str]:
    return ["\n\n".join(_paragraphs(7)), "\n\n".join(_paragraphs(5)[::-1]), "Kein Zitat hier."]


def _comparable(result: DocumentResult) -> DocumentResult:
    return replace(result, timings={})


def _translate(
    engine: TranslationEngine, documents: Sequence[str], options: Options
) -> list[DocumentResult]:
    return [
        _comparable(r) for r in translate_documents(documents, engine, options, window_sentences=9)
    ]


@pytest.mark.parametrize("mode", list(QuoteMode))
def test_concurrent_fallback_gives_the_results_of_one_call_after_the_other(
    mode: QuoteMode,
) -> None:
    options = Options(quotes=mode)
    in_order = _translate(PlaceholderLosingTranslator(), _documents(), options)
    concurrent = ConcurrentTranslator(PlaceholderLosingTranslator())
    assert isinstance(concurrent, ConcurrentEngine)
    assert _translate(concurrent, _documents(), options) == in_order
    # The fallback happened, and exactly where the fake lost placeholders (by construction).
    found = [q for result in in_order for q in result.quotes]
    assert {q.strategy for q in found} == {QuoteStrategy.FRAGMENTS, QuoteStrategy.PLACEHOLDER}
    for quote in found:
        lost = "Wir bleiben hier" in quote.original
        assert (quote.strategy is QuoteStrategy.FRAGMENTS) == lost
    assert any(event.kind == "submit" and event.call > 0 for event in concurrent.events)


def _ordering_document() -> str:
    """A sentence that falls back first, then enough plain ones for many batches."""
    plain = [f"Die Lage {i} ist ruhig." for i in range(12)]
    return "\n\n".join([f"Der {LOSE} sei groß, sagte er: „Wir bleiben.“ Dann ging er.", *plain])


def _fallback_sent_before_main_call_finished(events: list[EngineEvent]) -> bool:
    main_done = next(
        i for i, e in enumerate(events) if e.kind == "finish" and e.call == 0 and e.last
    )
    fallback = next(i for i, e in enumerate(events) if e.kind == "submit" and e.call > 0)
    return fallback < main_done


def _run_ordering_case() -> ConcurrentTranslator:
    engine = ConcurrentTranslator(PlaceholderLosingTranslator(), batch_size=2)
    results = list(translate_documents([_ordering_document()], engine))
    assert [q.strategy for q in results[0].quotes] == [QuoteStrategy.FRAGMENTS]
    return engine


def test_fallback_is_submitted_before_the_main_calls_last_batch_finishes() -> None:
    engine = _run_ordering_case()
    submitted = [e for e in engine.events if e.kind == "submit"]
    assert len(submitted) == 2  # the main call and the fallback, nothing more
    main, fallback = submitted
    assert len([e for e in engine.events if e.kind == "finish" and e.call == 0]) >= 4
    # The fallback holds the text around the quotation, unmasked, sent for the first time.
    assert fallback.texts and all(not quotes.PLACEHOLDER_PATTERN.search(t) for t in fallback.texts)
    assert any(LOSE in t for t in fallback.texts)
    assert not set(fallback.texts) & set(main.texts)
    assert _fallback_sent_before_main_call_finished(engine.events)


def test_ordering_check_fails_when_the_main_call_is_awaited_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Meta-test: collect every batch of a call before looking at any (the fallback can
    only follow the main call), and the ordering check above fails."""

    def awaited_whole(engine: Any, texts: Sequence[str], **options: Any) -> Iterator[FinishedBatch]:
        rows = [row for batch in engine.submit_scored(texts, **options) for row in batch.rows]
        return iter([FinishedBatch(rows)])

    monkeypatch.setattr(pipeline_requests, "submit_scored", awaited_whole)
    engine = _run_ordering_case()
    assert not _fallback_sent_before_main_call_finished(engine.events)


def test_without_the_early_check_the_window_still_falls_back_after_the_main_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fragments ``unmask`` finds missing are still sent (the window's last call):
    with the early check off the results are the same, only later."""
    from translator import pipeline

    options = Options(quotes=QuoteMode.BOTH)
    early = _translate(ConcurrentTranslator(PlaceholderLosingTranslator()), _documents(), options)
    monkeypatch.setattr(pipeline, "_early_fallback", lambda *args: lambda text: None)
    engine = ConcurrentTranslator(PlaceholderLosingTranslator())
    assert _translate(engine, _documents(), options) == early
    assert not _fallback_sent_before_main_call_finished(engine.events)


@pytest.mark.parametrize("beams", [1, 4])
def test_ct2_concurrent_fallback_changes_no_output(ct2_marian_dir: Path, beams: int) -> None:
    """The tiny random model loses placeholders by itself: the window's fallbacks decode
    beside its main call on CTranslate2's workers, and every output is the same."""
    engine = load_translator(
        str(ct2_marian_dir), device="cpu", engine="ct2", beams=beams, batch_size=4
    )
    assert isinstance(engine, CT2Translator) and isinstance(engine, ConcurrentEngine)
    assert not isinstance(SynchronousEngine(engine), ConcurrentEngine)
    documents = _documents()
    options = Options(quotes=QuoteMode.BOTH)
    concurrent = _translate(engine, documents, options)
    assert concurrent == _translate(SynchronousEngine(engine), documents, options)
    assert any(q.strategy is QuoteStrategy.FRAGMENTS for r in concurrent for q in r.quotes)


def test_ct2_submit_queues_every_batch_at_once_and_yields_each_row_once(
    ct2_marian_dir: Path,
) -> None:
    engine = load_translator(str(ct2_marian_dir), device="cpu", engine="ct2", beams=1, batch_size=2)
    assert isinstance(engine, CT2Translator)
    texts = [p for doc in _documents() for p in doc.split("\n\n")]
    expected = engine.translate_scored(texts)
    queued: list[int] = []
    model = engine._translator

    class Counting:
        def __getattr__(self, name: str) -> Any:
            return getattr(model, name)

        def translate_batch(self, source: list[list[str]], **options: Any) -> Any:
            queued.append(len(source))
            return model.translate_batch(source, **options)

    engine._translator = Counting()
    rows = engine.submit_scored(texts)
    assert sum(queued) == len(texts)  # every batch queued before any is awaited
    seen = [index for batch in rows for index, _ in batch.rows]
    assert sorted(seen) == list(range(len(texts)))
    engine._translator = model
    assert dict(row for batch in engine.submit_scored(texts) for row in batch.rows) == dict(
        enumerate(expected)
    )


def test_a_synchronous_engine_runs_the_same_steps_in_order() -> None:
    """A fake without ``submit_scored``: the main call, then the fallback, as before."""
    engine = PlaceholderLosingTranslator()
    assert not isinstance(engine, ConcurrentEngine)
    list(translate_documents([_ordering_document()], engine))
    assert len(engine.calls) == 2
    main, fallback = engine.calls
    assert any(quotes.PLACEHOLDER_PATTERN.search(t) for t in main)
    assert any(LOSE in t for t in fallback) and not set(fallback) & set(main)


def test_the_translation_memory_keeps_a_concurrent_engine_concurrent(tmp_path: Path) -> None:
    """The CLI puts the memory in front of the engine by default: fallbacks still go out
    early, and a second run answered from the memory gives the same results."""
    from translator.engines.remembering import MemoryEngine
    from translator.memory_store import TranslationMemory

    inner = ConcurrentTranslator(PlaceholderLosingTranslator(), batch_size=2)
    engine = MemoryEngine(inner, TranslationMemory(tmp_path / "memory.sqlite3"), beams=None)
    assert isinstance(engine, ConcurrentEngine)
    first = _translate(engine, [_ordering_document()], Options())
    assert [q.strategy for q in first[0].quotes] == [QuoteStrategy.FRAGMENTS]
    assert _fallback_sent_before_main_call_finished(inner.events)
    assert first == _translate(PlaceholderLosingTranslator(), [_ordering_document()], Options())
    submitted = len(inner.events)
    again = _translate(engine, [_ordering_document()], Options())
    assert again == first
    assert len(inner.events) == submitted  # every input answered from the memory
    assert engine.hits >= engine.misses > 0


def test_a_deferred_engine_keeps_a_concurrent_engine_concurrent() -> None:
    """``translate`` loads the model on the first sentence that needs it (DeferredEngine):
    the engine it loads still gets the fallbacks early."""
    from translator.engines.deferred import DeferredEngine

    inner = ConcurrentTranslator(PlaceholderLosingTranslator(), batch_size=2)
    engine = DeferredEngine(lambda: inner, lambda: inner.info, remembers=False)
    assert isinstance(engine, ConcurrentEngine)
    results = _translate(engine, [_ordering_document()], Options())
    assert [q.strategy for q in results[0].quotes] == [QuoteStrategy.FRAGMENTS]
    assert _fallback_sent_before_main_call_finished(inner.events)
