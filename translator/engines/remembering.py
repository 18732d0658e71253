"""A translation engine that remembers: it wraps any engine and answers the inputs it has
seen before from the translation memory, so the pipeline never knows the memory exists.

The key of an input is its exact text (masked, as the model sees it) plus everything that
changes what the model makes of it: the model (``model_identity``: hub id and revision, or
for a folder its weights' fingerprint), the engine, the beam size, the device, strict
decoding, and translator's version. Settings applied around the model -- quotation mode
and marks, glossary targets -- change which inputs are sent (a masked sentence differs
from a plain one) but not the model's answer to a given input, so a hit is the output the
model would give again.

The memory keeps texts only: a hit has no score (``None``), and a call that asks for
alternatives goes to the model whole (the memory keeps one translation per input), its
best translations stored as usual.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence

from translator.engines.base import (
    FinishedBatch,
    ScoredTranslation,
    TranslationEngine,
    collect,
    engine_name,
    submit_scored,
)
from translator.memory_store import TranslationMemory
from translator.model_identity import model_identity
from translator.schema import CacheStats, ModelInfo
from translator.version import __version__


class MemoryEngine:
    """``engine`` with a translation memory in front of it (a TranslationEngine itself)."""

    def __init__(
        self, engine: TranslationEngine, memory: TranslationMemory, *, beams: int | None
    ) -> None:
        self.engine = engine
        self.memory = memory
        self._settings = json.dumps(
            {
                "translator": __version__,
                "model": model_identity(engine.info),
                "engine": engine_name(engine),
                "beams": beams,
                "device": str(getattr(engine, "device", "")),
            },
            sort_keys=True,
        )
        self.hits = 0
        self.misses = 0

    @property
    def info(self) -> ModelInfo:
        return self.engine.info

    @property
    def engine_name(self) -> str:
        """The engine that runs the model: the memory changes no output, so whatever names
        the engine (a batch fingerprint, a page's footer) names the one inside."""
        return engine_name(self.engine)

    @property
    def max_input_tokens(self) -> int:
        return self.engine.max_input_tokens

    @property
    def stats(self) -> CacheStats:
        return CacheStats(self.hits, self.misses)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.engine.count_tokens(texts)

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        return [scored.text for scored in self.translate_scored(texts, strict=strict)]

    def translate_scored(
        self, texts: Sequence[str], *, strict: bool = False, alternatives: int = 0
    ) -> list[ScoredTranslation]:
        return collect(
            self.submit_scored(texts, strict=strict, alternatives=alternatives), len(texts)
        )

    def submit_scored(
        self,
        texts: Sequence[str],
        *,
        strict: bool = False,
        alternatives: int = 0,
        scores: bool = True,
    ) -> Iterator[FinishedBatch]:
        """The memory's answers at once; the rest sent to the engine now, each of its
        batches stored and yielded as it finishes (so a concurrent engine stays one)."""
        keys = [self.key(text, strict=strict) for text in texts]
        # The memory has one translation per input: a call that asks for alternatives
        # goes to the model whole.
        known = self.memory.get_many(keys) if alternatives == 0 else {}
        rows: dict[bytes, list[int]] = {}  # each distinct input's rows in the call
        for i, key in enumerate(keys):
            rows.setdefault(key, []).append(i)
        missing = [key for key in rows if key not in known]
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        made = submit_scored(
            self.engine,
            [texts[rows[key][0]] for key in missing],
            strict=strict,
            alternatives=alternatives,
            scores=scores,
        )
        hits = [
            (i, ScoredTranslation(known[key])) for key in rows if key in known for i in rows[key]
        ]
        return self._answers(hits, rows, missing, made)

    def _answers(
        self,
        hits: list[tuple[int, ScoredTranslation]],
        rows: dict[bytes, list[int]],
        missing: list[bytes],
        made: Iterator[FinishedBatch],
    ) -> Iterator[FinishedBatch]:
        if hits or not missing:
            yield FinishedBatch(hits, draining=not missing)
        for batch in made:
            self.memory.put_many({missing[i]: scored.text for i, scored in batch.rows})
            answered = [(row, scored) for i, scored in batch.rows for row in rows[missing[i]]]
            yield FinishedBatch(answered, draining=batch.draining)

    def key(self, text: str, *, strict: bool) -> bytes:
        """The memory's key of ``text`` under this engine's settings."""
        mode = "strict" if strict else "default"
        return hashlib.sha256(f"{self._settings}\0{mode}\0{text}".encode()).digest()
