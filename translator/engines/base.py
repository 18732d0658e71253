"""The engine contract: the protocols the pipeline depends on, and the names of engines and
devices (with their parsers). The code engines share is in ``engines.common``.

Nothing here imports torch, transformers or ctranslate2.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar, runtime_checkable

from translator.errors import OptionError
from translator.schema import ModelInfo


class EngineName(StrEnum):
    """Which implementation runs the models (``--engine``); declared once, here."""

    AUTO = "auto"  # CTranslate2 when the model has a current converted copy, else torch
    TORCH = "torch"
    CT2 = "ct2"


class Device(StrEnum):
    """Where the models run (``--device``)."""

    AUTO = "auto"  # CUDA when a usable device is found, else the CPU
    CPU = "cpu"
    CUDA = "cuda"


class TranslationEngine(Protocol):
    """Translates German sentences to English. Implementations batch and sort by length."""

    @property
    def info(self) -> ModelInfo: ...

    @property
    def max_input_tokens(self) -> int: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Source-side token counts, as the model's tokenizer sees the texts."""
        ...

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        """One translation per text, in order. ``strict`` asks for conservative decoding
        (repetition blocked, output length bounded) for a retry after a bad output."""
        ...


def engine_name(engine: object) -> str:
    """The name of the class that runs the model (``TorchTranslator``, ``CT2Translator``...).

    A wrapper that changes no output (the translation memory) answers with its inner
    engine's name through an ``engine_name`` attribute, so fingerprints and the review
    page's footer name the same engine with or without it.
    """
    name = getattr(engine, "engine_name", None)
    return name if isinstance(name, str) else type(engine).__name__


@dataclass(frozen=True)
class Hypothesis:
    """One translation the model proposes, with its score: the average log-probability
    per generated token (<= 0; closer to 0 is more confident). None: no score known."""

    text: str
    score: float | None = None


@dataclass(frozen=True)
class ScoredTranslation:
    """The model's best translation of one text, its score, and the next-best ones
    (``alternatives``, best first, never the best one itself)."""

    text: str
    score: float | None = None
    alternatives: tuple[Hypothesis, ...] = ()


@runtime_checkable
class ScoringEngine(Protocol):
    """An engine that also reports scores and alternatives (both real engines do; an
    engine without it still works: its translations carry no score)."""

    def translate_scored(
        self, texts: Sequence[str], *, strict: bool = False, alternatives: int = 0
    ) -> list[ScoredTranslation]:
        """One scored translation per text, in order, each with up to ``alternatives``
        other hypotheses."""
        ...


def translate_scored(
    engine: TranslationEngine, texts: Sequence[str], *, strict: bool = False, alternatives: int = 0
) -> list[ScoredTranslation]:
    """``engine``'s scored translations; an engine that cannot score gives score None and
    no alternatives (so every TranslationEngine works here)."""
    if isinstance(engine, ScoringEngine):
        return engine.translate_scored(texts, strict=strict, alternatives=alternatives)
    return [ScoredTranslation(text) for text in engine.translate(texts, strict=strict)]


@dataclass(frozen=True)
class FinishedBatch:
    """Rows of a submitted call whose batch finished: (row in the call, translation)."""

    rows: list[tuple[int, ScoredTranslation]]
    draining: bool = True
    """No batch of the call still waits for a worker: work submitted now starts as soon as
    a worker is free. Submitted before, it would only queue behind the call's batches,
    split into smaller (slower) batches than if it waits to be sent together."""


@runtime_checkable
class ConcurrentEngine(Protocol):
    """An engine that queues a call's batches and returns at once (CTranslate2 does): work
    submitted while a call still decodes shares the same workers instead of waiting for
    the whole call."""

    def submit_scored(
        self,
        texts: Sequence[str],
        *,
        strict: bool = False,
        alternatives: int = 0,
        scores: bool = True,
    ) -> Iterator[FinishedBatch]:
        """Queue every text now; iterating yields each batch as it finishes, until every
        row of the call has come exactly once (the translations ``translate_scored`` would
        return). ``scores=False``: the output shows no scores, so the engine may skip
        computing them (the translations are the same; their scores None)."""
        ...


def submit_scored(
    engine: TranslationEngine,
    texts: Sequence[str],
    *,
    strict: bool = False,
    alternatives: int = 0,
    scores: bool = True,
) -> Iterator[FinishedBatch]:
    """``engine``'s scored translations of ``texts``, submitted now and yielded as batches
    finish. An engine that is not a ConcurrentEngine translates them all now, so what is
    submitted next runs after them: the same steps, in order."""
    if not texts:
        return iter(())
    if isinstance(engine, ConcurrentEngine):
        return engine.submit_scored(texts, strict=strict, alternatives=alternatives, scores=scores)
    done = translate_scored(engine, texts, strict=strict, alternatives=alternatives)
    return iter([FinishedBatch(list(enumerate(done)))])


def collect(batches: Iterable[FinishedBatch], count: int) -> list[ScoredTranslation]:
    """The translations of a submitted call of ``count`` texts, in order, once all is done."""
    found: dict[int, ScoredTranslation] = {}
    for batch in batches:
        found.update(batch.rows)
    return [found[i] for i in range(count)]


def best_and_alternatives(hypotheses: Sequence[Hypothesis], alternatives: int) -> ScoredTranslation:
    """The first hypothesis as the translation, and up to ``alternatives`` distinct others."""
    best = hypotheses[0]
    others: list[Hypothesis] = []
    seen = {best.text}
    for hypothesis in hypotheses[1:]:
        if hypothesis.text not in seen and len(others) < alternatives:
            seen.add(hypothesis.text)
            others.append(hypothesis)
    return ScoredTranslation(best.text, best.score, tuple(others))


class SummarizationEngine(Protocol):
    """Summarizes English text."""

    @property
    def info(self) -> ModelInfo: ...

    @property
    def max_input_tokens(self) -> int: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def summarize(
        self,
        texts: Sequence[str],
        *,
        min_tokens: int,
        max_tokens: int,
        strict: bool = False,
    ) -> list[str]:
        """One summary per text. ``strict`` asks for stricter anti-repetition settings."""
        ...


_Choice = TypeVar("_Choice", bound=StrEnum)


def parse_engine(value: str) -> EngineName:
    """``value`` as an engine name; anything else is an OptionError naming the choices."""
    return _parse_choice(EngineName, "engine", value)


def parse_device(value: str) -> Device:
    """``value`` as a device name; anything else is an OptionError naming the choices."""
    return _parse_choice(Device, "device", value)


def _parse_choice(choices: type[_Choice], what: str, value: str) -> _Choice:
    try:
        return choices(value)
    except ValueError:
        names = ", ".join(choice.value for choice in choices)
        raise OptionError(f"Unknown {what} {value!r}. Use one of: {names}.") from None
