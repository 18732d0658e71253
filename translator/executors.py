"""Executors run work units (a few documents' texts) and return one outcome per document.

``translator.batch`` decides what to do and records it: which files, which are done, the
manifest, the outputs. An executor only translates: :class:`LocalExecutor` in this
process, ``translator.ray_executor.RayExecutor`` on a Ray cluster. Both run a unit with
the same function, :func:`translate_unit`, over the same ``Translator`` facade, so a unit
gives the same outputs wherever it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from translator.schema import Document, DocumentResult, ModelInfo

if TYPE_CHECKING:
    from translator.api import Translator

log = logging.getLogger(__name__)

# Called with how many more sentences (an estimate until a unit is done) were translated.
SentencesCallback = Callable[[int], None]


@dataclass(frozen=True)
class WorkUnit:
    """Documents translated together, so their sentences share model batches.

    ``sentences`` is their planned sentence count, for progress.
    """

    number: int
    paths: tuple[str, ...]
    texts: tuple[str | Document, ...]  # plain text, or the blocks of a structured file
    sentences: int


@dataclass(frozen=True)
class DocumentOutcome:
    """One document of a unit: its result, or why it has none."""

    result: DocumentResult | None
    error: str = ""


@dataclass(frozen=True)
class EngineDescription:
    """What a batch's fingerprint needs to know of the engines an executor runs."""

    translation: ModelInfo
    summarization: ModelInfo | None
    engine: str  # the engine class: int8 CTranslate2 and float32 torch outputs differ


class Executor(Protocol):
    """Runs work units; never reads inputs, writes outputs or records anything."""

    def describe(self) -> EngineDescription:
        """The engines the units run on (loading them when needed)."""
        ...

    def run(
        self, units: Iterable[WorkUnit], on_sentences: SentencesCallback | None = None
    ) -> Iterator[tuple[WorkUnit, tuple[DocumentOutcome, ...]]]:
        """Each unit with its documents' outcomes, in any order. ``units`` is consumed
        lazily, only as fast as workers take units."""
        ...

    def workers_alive(self) -> int:
        """Workers able to take a unit now (progress displays show it)."""
        ...

    @property
    def streams(self) -> bool:
        """Whether ``translate_stream`` can be used (else large files go in units whole)."""
        ...

    def translate_stream(self, chunks: Iterable[str], source: str) -> Iterator[DocumentResult]:
        """A text too large to hold, translated section by section
        (``Translator.translate_stream``)."""
        ...


def describe_translator(translator: Translator, summarize: bool) -> EngineDescription:
    from translator.output import engine_name

    engine = translator.translation_engine()
    summarizer = translator.summarization_engine() if summarize else None
    # The engine class under any memory: the memory changes no output, so it must not
    # change the fingerprint (a rerun with or without it redoes nothing).
    return EngineDescription(
        engine.info, summarizer.info if summarizer else None, engine_name(translator)
    )


def plan_translator(translator: Translator, summarize: bool) -> EngineDescription:
    """What ``describe_translator`` will say, found without loading a model or importing
    an engine module (``Translator.translation_plan``): a batch fingerprints, skips and
    reports what is done before any model loads, and loads none when nothing is left."""
    info, engine = translator.translation_plan()
    return EngineDescription(info, translator.summarization_info() if summarize else None, engine)


def translate_unit(
    translator: Translator,
    unit: WorkUnit,
    summarize: bool,
    window_sentences: int,
    on_sentences: SentencesCallback | None = None,
) -> tuple[DocumentOutcome, ...]:
    """Translate a unit's documents together; when that fails, each on its own, so one bad
    document costs only itself (its outcome then carries the error)."""
    progress = _UnitProgress(unit.sentences, on_sentences)
    try:
        return _translate_together(translator, unit, summarize, window_sentences, progress)
    except Exception as error:  # the engine's errors are many types; isolate the culprit
        if len(unit.texts) == 1:
            return (DocumentOutcome(None, _could_not_translate(unit.paths[0], error)),)
        log.warning(
            "a unit of %d files failed (%s: %s); translating them one by one",
            len(unit.texts),
            type(error).__name__,
            error,
        )
        return tuple(
            _translate_alone(translator, path, text, summarize)
            for path, text in zip(unit.paths, unit.texts, strict=True)
        )
    finally:
        progress.finish()


def _translate_together(
    translator: Translator,
    unit: WorkUnit,
    summarize: bool,
    window_sentences: int,
    progress: _UnitProgress,
) -> tuple[DocumentOutcome, ...]:
    from translator.engines.common import listen_to_batches

    with listen_to_batches(progress.batch_finished):
        results = translator.translate_many(
            unit.texts,
            summarize=summarize,
            window_sentences=window_sentences,
            progress=progress.window_finished,
        )
        return tuple(DocumentOutcome(result) for result in results)


def _translate_alone(
    translator: Translator, path: str, text: str | Document, summarize: bool
) -> DocumentOutcome:
    try:
        return DocumentOutcome(translator.translate(text, summarize=summarize))
    except Exception as error:
        return DocumentOutcome(None, _could_not_translate(path, error))


def _could_not_translate(path: str, error: Exception) -> str:
    detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{path} could not be translated ({type(error).__name__}: {detail})."


class _UnitProgress:
    """Sentences of one unit, reported as they go: estimated per engine batch (one model
    input is about one sentence), exact after each window, never past the unit's total."""

    def __init__(self, total: int, listener: SentencesCallback | None) -> None:
        self.total = total
        self.listener = listener
        self.reported = 0
        self.exact = 0  # sentences of finished windows
        self.since_window = 0  # model inputs since the last window

    def _advance_to(self, sentences: int) -> None:
        sentences = min(sentences, self.total)
        if self.listener is not None and sentences > self.reported:
            self.listener(sentences - self.reported)
        self.reported = max(self.reported, sentences)

    def batch_finished(self, texts: int) -> None:
        self.since_window += texts
        # Held below the total: the unit's last sentences are only counted once done.
        self._advance_to(min(self.exact + self.since_window, self.total - 1))

    def window_finished(self, done: int, known: int) -> None:
        self.exact, self.since_window = done, 0
        self._advance_to(done)

    def finish(self) -> None:
        self._advance_to(self.total)


class LocalExecutor:
    """Runs units one after another in this process, on engines loaded once, when the
    first unit comes: a run with nothing to translate loads no model."""

    def __init__(self, translator: Translator, summarize: bool, window_sentences: int) -> None:
        self.translator = translator
        self.summarize = summarize
        self.window_sentences = window_sentences
        self._planned: EngineDescription | None = None
        self._loaded = False

    def describe(self) -> EngineDescription:
        """The engines the units will run on, without loading them (``plan_translator``)."""
        if self._planned is None:
            self._planned = plan_translator(self.translator, self.summarize)
        return self._planned

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        loaded = describe_translator(self.translator, self.summarize)
        if self._planned is not None and loaded != self._planned:
            # Only engine="auto" on a GPU CTranslate2 cannot use: the records carry the
            # planned fingerprint, so a later run may skip what this engine translated.
            log.warning(
                "loaded %s, not the planned %s: outputs of this run are recorded as %s's",
                loaded.engine,
                self._planned.engine,
                self._planned.engine,
            )

    def run(
        self, units: Iterable[WorkUnit], on_sentences: SentencesCallback | None = None
    ) -> Iterator[tuple[WorkUnit, tuple[DocumentOutcome, ...]]]:
        for unit in units:
            self._load()
            yield (
                unit,
                translate_unit(
                    self.translator, unit, self.summarize, self.window_sentences, on_sentences
                ),
            )

    def workers_alive(self) -> int:
        return 1

    @property
    def streams(self) -> bool:
        return True

    def translate_stream(self, chunks: Iterable[str], source: str) -> Iterator[DocumentResult]:
        self._load()
        return self.translator.translate_stream(chunks, source=source)
