"""A translation engine that loads its model only when a sentence needs it.

A document whose every sentence passes through (not German) or is empty never needs the
model; with this in front, translating it imports no engine module and loads no weights.
Nothing here imports torch, transformers or ctranslate2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from translator.engines.base import (
    FinishedBatch,
    ScoredTranslation,
    TranslationEngine,
    submit_scored,
    translate_scored,
)
from translator.schema import CacheStats, ModelInfo


class DeferredEngine:
    """``load()``'s engine, loaded on the first call that needs the model.

    ``info()`` finds the model's info without loading it (asked only when nothing loaded
    the model), so a result can name its model either way. ``remembers``: the loaded engine keeps a
    translation memory, so the memory's counts are zero until it loads.
    """

    def __init__(
        self,
        load: Callable[[], TranslationEngine],
        info: Callable[[], ModelInfo],
        *,
        remembers: bool,
    ) -> None:
        self._load = load
        self._info = info
        self._remembers = remembers
        self._engine: TranslationEngine | None = None

    @property
    def loaded(self) -> TranslationEngine | None:
        """The engine, when something has needed it; None while nothing has."""
        return self._engine

    def _needed(self) -> TranslationEngine:
        if self._engine is None:
            self._engine = self._load()
        return self._engine

    @property
    def info(self) -> ModelInfo:
        return self._info() if self._engine is None else self._engine.info

    @property
    def max_input_tokens(self) -> int:
        return self._needed().max_input_tokens

    @property
    def stats(self) -> CacheStats | None:
        """The memory's counts (None without a memory), zero before the model loads."""
        if self._engine is None:
            return CacheStats(0, 0) if self._remembers else None
        stats = getattr(self._engine, "stats", None)
        return stats if isinstance(stats, CacheStats) else None

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._needed().count_tokens(texts) if texts else []

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        return self._needed().translate(texts, strict=strict) if texts else []

    def translate_scored(
        self, texts: Sequence[str], *, strict: bool = False, alternatives: int = 0
    ) -> list[ScoredTranslation]:
        if not texts:
            return []
        return translate_scored(self._needed(), texts, strict=strict, alternatives=alternatives)

    def submit_scored(
        self,
        texts: Sequence[str],
        *,
        strict: bool = False,
        alternatives: int = 0,
        scores: bool = True,
    ) -> Iterator[FinishedBatch]:
        """The loaded engine's: a concurrent one stays concurrent (``ConcurrentEngine``)."""
        if not texts:
            return iter(())
        return submit_scored(
            self._needed(), texts, strict=strict, alternatives=alternatives, scores=scores
        )
