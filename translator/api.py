"""The Python API: one ``Translator`` that loads its models lazily, once, and returns the same
result objects the CLI serializes. The CLI, batch and any other front end go through it.

    from translator import Translator

    tr = Translator()                        # opus-mt-de-en, engine auto, as the CLI
    result = tr.translate(german_text)       # DocumentResult
    print(result.text)
    result.to_dict()                         # exactly what --format json writes
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from translator import config
from translator.errors import OptionError, TranslatorError
from translator.glossary import Glossary, load_glossary
from translator.options import Options
from translator.schema import (
    CacheStats,
    Document,
    DocumentResult,
    ModelInfo,
    QuoteMarks,
    QuoteMode,
    SummaryLength,
)

if TYPE_CHECKING:  # the engines package is imported when a model is first needed
    from translator.engines import SummarizationEngine, TranslationEngine
    from translator.formats import DocxSource, InputFormat, PackageSource, PdfSource, Source
    from translator.memory_store import TranslationMemory
    from translator.registry import Task
    from translator.store import ResolvedModel

GlossaryArg = Glossary | str | os.PathLike[str] | None

logger = logging.getLogger(__name__)
# The most alternatives a sentence may ask for: each widens the beam (and the time).
MAX_ALTERNATIVES = 8

ProgressCallback = Callable[[int, int], None]
TextCallback = Callable[[str], None]


@dataclass(frozen=True)
class _EngineKey:
    """What makes two loaded engines interchangeable: a Translator reuses one per key."""

    model: str
    device: str
    engine: str
    beams: int | None
    batch_size: int | None
    offline: bool | None


class Translator:
    """German-to-English translation and summaries that keep direct quotations intact.

    Every argument is optional and defaults as the CLI does (the ``TRANSLATOR_*`` variables
    included). Models load on first use and stay loaded for the object's lifetime; the
    per-call arguments of ``translate`` override the defaults given here.

    Args:
        translation_model: registry alias, Hugging Face id or model folder
            (``TRANSLATOR_TRANSLATION_MODEL``; default ``Helsinki-NLP/opus-mt-de-en``).
        summarization_model: the same for summaries (``TRANSLATOR_SUMMARIZATION_MODEL``).
        device: ``auto``, ``cpu`` or ``cuda`` (``TRANSLATOR_DEVICE``).
        engine: ``auto``, ``torch`` or ``ct2`` (``TRANSLATOR_ENGINE``).
        beams: beam size; None keeps the model's own; 1 is the CLI's ``--fast``.
        batch_size: sentences per model batch (CTranslate2: hypotheses); None (the
            default): automatic, batches sized by tokens (see the README's speed section).
        offline: never contact the Hugging Face hub; None reads the environment
            (``TRANSLATOR_OFFLINE``, ``HF_HUB_OFFLINE``; ``config.is_offline``).
        quotes, quote_marks, summary_length, summary_max_words: as the CLI options.
        glossary: a glossary file (TSV or CSV, see ``translator.glossary``) or a loaded
            ``Glossary``; None reads ``TRANSLATOR_GLOSSARY``, "" means none.
        glossary_ignore_case: every entry of a glossary file matches in any case.
        cache: the translation memory: a path to its file, True for the user's cache
            folder, None or False (the default, unlike the CLI's) for none: a library
            does not write what it translates to disk unless asked. ``TRANSLATOR_CACHE=off``
            turns it off whatever this says.
        cache_max_mb: the memory's size bound; least recently used entries go first.
        scores: give each sentence the model's score (``SentenceResult.score``); False
            skips computing it (greedy decoding runs about 6% faster without).

    Raises:
        OptionError: an argument has a value the library does not accept.
    """

    def __init__(
        self,
        translation_model: str | None = None,
        summarization_model: str | None = None,
        *,
        device: str | None = None,
        engine: str | None = None,
        beams: int | None = None,
        batch_size: int | None = config.DEFAULT_BATCH_SIZE,
        offline: bool | None = None,
        quotes: QuoteMode | str = QuoteMode.KEEP,
        quote_marks: QuoteMarks | str = QuoteMarks.ENGLISH,
        summary_length: str = "medium",
        summary_max_words: int | None = None,
        glossary: GlossaryArg = None,
        glossary_ignore_case: bool = False,
        cache: bool | str | os.PathLike[str] | None = None,
        cache_max_mb: float | None = None,
        alternatives: int = 0,
        scores: bool = True,
    ) -> None:
        from translator.engines.base import parse_device, parse_engine

        # What is not given comes from translator.config (the TRANSLATOR_* variables,
        # then the defaults), the same functions the CLI's defaults come from.
        self.translation_model = config.translation_model(translation_model)
        self.summarization_model = config.summarization_model(summarization_model)
        self.device = parse_device(config.device(device)).value
        self.engine = parse_engine(config.engine(engine)).value
        self.beams = _check_beams(beams)
        self.batch_size = None if batch_size is None else _check_positive("batch_size", batch_size)
        self.offline = offline
        self.glossary_ignore_case = glossary_ignore_case
        self.options = replace(
            _options(quotes, quote_marks, summary_length, summary_max_words),
            glossary=self._glossary(config.glossary_path() if glossary is None else glossary),
            alternatives=_check_alternatives(alternatives),
            scores=scores,
        )
        self.cache = cache
        self.cache_max_mb = None if cache_max_mb is None else _check_positive_mb(cache_max_mb)
        self._memory: TranslationMemory | None = None
        self._translators: dict[_EngineKey, TranslationEngine] = {}
        self._summarizers: dict[_EngineKey, SummarizationEngine] = {}

    @classmethod
    def from_engines(
        cls,
        translation_engine: TranslationEngine,
        summarization_engine: SummarizationEngine | None = None,
        **defaults: object,
    ) -> Translator:
        """A Translator around engines that are already loaded (tests, custom engines).

        ``defaults`` are the constructor's keyword arguments (quotes, beams, ...).
        """
        made = cls(**defaults)  # type: ignore[arg-type]
        made._translators[made._key(made.translation_model, None, None, None)] = made._remembering(
            translation_engine, made.beams
        )
        if summarization_engine is not None:
            made._summarizers[made._key(made.summarization_model, None, None, None)] = (
                summarization_engine
            )
        return made

    # --- engines -----------------------------------------------------------------------

    def _key(
        self, model: str, device: str | None, engine: str | None, beams: int | None
    ) -> _EngineKey:
        from translator.engines.base import parse_device, parse_engine

        return _EngineKey(
            model,
            parse_device(device).value if device is not None else self.device,
            parse_engine(engine).value if engine is not None else self.engine,
            _check_beams(beams) if beams is not None else self.beams,
            self.batch_size,
            self.offline,
        )

    def translation_engine(
        self, *, device: str | None = None, engine: str | None = None, beams: int | None = None
    ) -> TranslationEngine:
        """The translation engine for these settings, loaded on first use."""
        key = self._key(self.translation_model, device, engine, beams)
        if key not in self._translators:
            from translator import engines

            self.memory  # noqa: B018 -- opened first: a refused --cache path fails before a load
            loaded = engines.load_translator(
                key.model,
                device=key.device,
                beams=key.beams,
                batch_size=key.batch_size,
                offline=key.offline,
                engine=key.engine,
            )
            self._translators[key] = self._remembering(loaded, key.beams)
        return self._translators[key]

    def _translation_engine_when_needed(
        self, device: str | None, engine: str | None, beams: int | None
    ) -> TranslationEngine:
        """The translation engine when it is loaded; else one that loads it on the first
        sentence that needs the model (a document that is all pass-through loads none)."""
        key = self._key(self.translation_model, device, engine, beams)
        if key in self._translators:  # through translation_engine(): what it gives, always
            return self.translation_engine(device=device, engine=engine, beams=beams)
        from translator.engines.deferred import DeferredEngine

        return DeferredEngine(
            lambda: self.translation_engine(device=device, engine=engine, beams=beams),
            lambda: self._resolved_info(key),
            remembers=self.memory is not None,
        )

    def _resolved_info(self, key: _EngineKey) -> ModelInfo:
        """The model's info for a result no sentence of which needed the model: found
        without loading it, or only its name when it cannot be found (nothing used it, so
        that is no error, as for empty input)."""
        try:
            return self._resolve(key, "translation").info
        except TranslatorError:
            return ModelInfo(key.model)

    def _resolve(self, key: _EngineKey, task: Task) -> ResolvedModel:
        """Where ``key``'s model is, found without loading it (it may be fetched)."""
        from translator.store import resolve_model

        return resolve_model(key.model, offline=key.offline, task=task)

    def translation_plan(self) -> tuple[ModelInfo, str]:
        """The translation model and the engine class (``TorchTranslator``,
        ``CT2Translator``) that ``translation_engine()`` gives, found without loading a
        model or importing an engine module (a loaded engine answers for itself): what a
        batch fingerprints before it knows whether anything needs translating. Resolving
        the model may fetch it, as loading would.

        One case differs from loading: ``engine="auto"`` on a GPU whose CUDA libraries
        CTranslate2 cannot use is predicted ``CT2Translator`` but loads torch.

        Raises:
            TranslatorError: the model cannot be found, or the engine asked for is unusable.
        """
        key = self._key(self.translation_model, None, None, None)
        loaded = self._translators.get(key)
        if loaded is not None:
            from translator.engines.base import engine_name

            return loaded.info, engine_name(loaded)
        from translator.engines.choice import ENGINE_CLASS_NAMES, pick_engine

        resolved = self._resolve(key, "translation")
        return resolved.info, ENGINE_CLASS_NAMES[pick_engine(key.engine, resolved.path, quiet=True)]

    def summarization_info(self) -> ModelInfo:
        """The summarization model, found without loading it (see ``translation_plan``)."""
        key = self._key(self.summarization_model, None, None, None)
        loaded = self._summarizers.get(key)
        if loaded is not None:
            return loaded.info
        return self._resolve(key, "summarization").info

    def translation_engine_loaded(self) -> TranslationEngine | None:
        """The default translation engine when it is loaded already; None otherwise."""
        return self._translators.get(self._key(self.translation_model, None, None, None))

    @property
    def memory(self) -> TranslationMemory | None:
        """The translation memory (opened on first use), or None when there is none."""
        from translator import memory_store

        if (
            self._memory is None
            and self.cache not in (None, False, "")
            and (not memory_store.disabled_by_environment())
        ):
            path = None if self.cache is True else Path(self.cache)  # type: ignore[arg-type]
            max_mb = self.cache_max_mb or memory_store.DEFAULT_MAX_MB
            self._memory = memory_store.TranslationMemory(path, max_mb=max_mb)
        return self._memory if self._memory is not None and self._memory.usable else None

    def _remembering(self, engine: TranslationEngine, beams: int | None) -> TranslationEngine:
        """``engine`` behind the translation memory, when there is one."""
        memory = self.memory
        if memory is None:
            return engine
        from translator.engines.remembering import MemoryEngine

        return MemoryEngine(engine, memory, beams=beams)

    def summarization_engine(
        self, *, device: str | None = None, engine: str | None = None
    ) -> SummarizationEngine:
        """The summarization engine, loaded on first use (its beams are the model's own)."""
        key = self._key(self.summarization_model, device, engine, None)
        if key not in self._summarizers:
            from translator import engines

            self._summarizers[key] = engines.load_summarizer(
                key.model, device=key.device, offline=key.offline, engine=key.engine
            )
        return self._summarizers[key]

    def _glossary(self, glossary: GlossaryArg) -> Glossary | None:
        if glossary is None or isinstance(glossary, Glossary):
            return glossary
        if not str(glossary):
            return None
        return load_glossary(glossary, ignore_case=self.glossary_ignore_case)

    # --- work --------------------------------------------------------------------------

    def translate(
        self,
        text: str | Document,
        *,
        summarize: bool = False,
        quotes: QuoteMode | str | None = None,
        quote_marks: QuoteMarks | str | None = None,
        summary_length: str | None = None,
        summary_max_words: int | None = None,
        device: str | None = None,
        engine: str | None = None,
        beams: int | None = None,
        glossary: GlossaryArg = None,
        source: str = "",
        progress: ProgressCallback | None = None,
        on_text: TextCallback | None = None,
        alternatives: int | None = None,
    ) -> DocumentResult:
        """Translate one German document (quotations as ``quotes`` says).

        Empty or blank text gives an empty result without loading any model.

        Args:
            text: the whole document, or a ``Document`` of blocks (``translator.formats``).
            summarize: add an English summary (``result.summary``).
            source: a name for the document, kept in ``result.source``.
            progress: called with (sentences done, sentences known) after each window.
            on_text: called with the translation's text as paragraphs are done, in order.
            alternatives: how many other translations each sentence gets (its
                ``SentenceResult.alternatives``; the beam widens to hold them).
            The others override the constructor's defaults for this call.

        Raises:
            TranslatorError: a model cannot be found or loaded, or an option is invalid.
        """
        from translator import pipeline

        options = self._call_options(
            summarize, quotes, quote_marks, summary_length, summary_max_words
        )
        if glossary is not None:
            options = replace(options, glossary=self._glossary(glossary))
        if alternatives is not None:
            options = replace(options, alternatives=_check_alternatives(alternatives))
        empty = not text.strip() if isinstance(text, str) else not text.paragraphs
        if empty:
            logger.warning("%s is empty: nothing to translate.", source or "the input")
            return DocumentResult("", (), (), ModelInfo(self.translation_model), source=source)
        translator = self._translation_engine_when_needed(device, engine, beams)
        summarizer = self.summarization_engine(device=device, engine=engine) if summarize else None
        before = _cache_stats(translator)
        result = pipeline.translate_document(
            text,
            translator,
            options,
            summarizer=summarizer,
            progress=progress,
            on_text=on_text,
        )
        after = _cache_stats(translator)
        if before is not None and after is not None:
            stats = CacheStats(after.hits - before.hits, after.misses - before.misses)
            result = replace(result, cache=stats)
        return replace(result, source=source)

    def summarize(self, text: str, **overrides: object) -> DocumentResult:
        """Translate ``text`` and summarize it: ``result.summary`` (None for empty text).

        Takes the keyword arguments of ``translate``.
        """
        return self.translate(text, summarize=True, **overrides)  # type: ignore[arg-type]

    def translate_file(
        self,
        path: str | os.PathLike[str],
        *,
        encoding: str | None = None,
        input_format: str = "auto",
        **overrides: object,
    ) -> DocumentResult:
        """Read a German file and translate it: plain text (encoding detected unless given),
        Markdown, an HTML page (its article), a Word file, subtitles (SRT, WebVTT) or a
        PDF's text layer (``translator[pdf]``), by extension or content unless
        ``input_format`` says. ``result.source`` is the file's name; ``input_format`` and
        ``metadata`` say how it was read. To write Markdown or Word back in the source's
        structure, read it with ``translator.formats.read_input`` and use ``translate_input``.

        Takes the keyword arguments of ``translate``.

        Raises:
            InputError: the file is missing, unreadable, or not readable in that format.
        """
        from translator import formats

        file = Path(path)
        source, _ = formats.read_input(file, _input_format(input_format), encoding)
        return self.translate_input(source, source=file.name, **overrides)

    def translate_url(
        self,
        url: str,
        *,
        encoding: str | None = None,
        input_format: str = "auto",
        **overrides: object,
    ) -> DocumentResult:
        """Fetch an article's page (``http``/``https`` only; bounded in time, size and
        redirects: ``translator.fetch``) and translate it as a saved page is translated
        (its article; all of its text with ``input_format="text"``). ``result.source``
        is the URL.

        Takes the keyword arguments of ``translate``.

        Raises:
            InputError: the page cannot be fetched (unreachable, too slow, too large, an
                error status, not a web page) or read.
        """
        from translator import formats

        source = formats.read_url(url, _input_format(input_format), encoding)
        return self.translate_input(source, source=url, **overrides)

    def translate_input(self, read: Source, **overrides: object) -> DocumentResult:
        """Translate an input read by ``translator.formats`` (``read_input``/``read_bytes``);
        takes the keyword arguments of ``translate``. Its ``to_dict()`` is what
        ``--format json`` writes, for every input format."""
        from translator import formats

        return formats.plain_result(read, self._translate_marked(read, **overrides))

    def translate_docx(
        self, read: DocxSource | PdfSource, **overrides: object
    ) -> tuple[DocumentResult, bytes]:
        """Translate a Word file (or a PDF) read by ``translator.formats``: the result (as
        ``translate_input`` gives it) and the translated Word file, its formatting kept (a
        PDF's: its headings, paragraphs and tables in a new Word file).

        Takes the keyword arguments of ``translate``.
        """
        return self.translate_to_file(read, **overrides)

    def translate_to_file(
        self, read: DocxSource | PackageSource | PdfSource, **overrides: object
    ) -> tuple[DocumentResult, bytes]:
        """Translate a file written back in its own format (Word, PowerPoint, OpenDocument
        text or presentation, EPUB; ``translator.formats.writes_file``): the result (as
        ``translate_input`` gives it) and the translated file, its formatting kept; a PDF
        gives a Word file of its headings, paragraphs and tables.

        Takes the keyword arguments of ``translate``.
        """
        from translator import formats

        marked = self._translate_marked(read, **overrides)
        return formats.plain_result(read, marked), formats.write_file(read, marked)

    def _translate_marked(self, read: Source, **overrides: object) -> DocumentResult:
        """The pipeline's result, with the formatting markers a Word (PowerPoint, ...)
        file's runs carry (its writer needs them; nothing else may see them)."""
        from translator import formats

        text = read.text if isinstance(read, formats.TextSource) else read.document
        result = self.translate(text, **overrides)  # type: ignore[arg-type]
        return replace(
            result,
            input_format=read.format.value,
            metadata=dict(read.metadata),
            warnings=formats.read_warnings(read) + result.warnings,
        )

    def translate_stream(
        self,
        chunks: Iterable[str],
        *,
        source: str = "",
        progress: ProgressCallback | None = None,
        section_chars: int | None = None,
    ) -> Iterator[DocumentResult]:
        """Translate a text too large to hold, read in chunks (a ``textio.TextStream``, or
        any iterable of strings): memory stays flat however long it is.

        The text is cut into sections at blank lines (``segment.split_sections``; no
        paragraph or multi-paragraph quotation is cut), and one result is yielded per
        section, in order, as soon as it is done: joined, their ``translation`` texts are
        the text's translation. Warnings name lines of the whole text, a quotation's
        ``paragraph`` counts from its start, and ``cache`` holds the memory's answers since
        the previous result. A summary needs the whole text: use ``translate`` for one.

        Args:
            chunks: the text, in pieces of any size.
            source: a name for the text, kept in each result's ``source``.
            progress: called with (sentences done, sentences estimated in all); for a
                ``TextStream`` of a file the estimate comes from the share read so far.
            section_chars: the least length of a section (``segment.SECTION_CHARS``).
        """
        from translator import pipeline, segment

        options = self._call_options(False, None, None, None, None)
        translator = self.translation_engine()
        documents = segment.parse_sections(chunks, section_chars or segment.SECTION_CHARS)
        paragraphs_before = 0
        before = _cache_stats(translator)
        for result in pipeline.translate_documents(
            documents, translator, options, progress=_estimating(progress, chunks)
        ):
            after = _cache_stats(translator)
            if before is not None and after is not None:
                result = replace(
                    result, cache=CacheStats(after.hits - before.hits, after.misses - before.misses)
                )
            before = after
            quotes = tuple(
                replace(quote, paragraph=quote.paragraph + paragraphs_before)
                for quote in result.quotes
            )
            paragraphs_before += len(result.paragraphs)
            yield replace(result, quotes=quotes, source=source)

    def translate_many(
        self,
        texts: Iterable[str | Document],
        *,
        summarize: bool = False,
        progress: ProgressCallback | None = None,
        window_sentences: int | None = None,
    ) -> Iterator[DocumentResult]:
        """Translate many documents, yielding one result per text, in order; sentences of
        small documents share model batches. ``texts`` is consumed lazily."""
        from translator import pipeline

        options = self._call_options(summarize, None, None, None, None)
        return pipeline.translate_documents(
            texts,
            self.translation_engine(),
            options,
            summarizer=self.summarization_engine() if summarize else None,
            progress=progress,
            window_sentences=window_sentences or pipeline.WINDOW_SENTENCES,
        )

    def _call_options(
        self,
        summarize: bool,
        quotes: QuoteMode | str | None,
        quote_marks: QuoteMarks | str | None,
        summary_length: str | None,
        summary_max_words: int | None,
    ) -> Options:
        base = self.options
        made = _options(
            quotes if quotes is not None else base.quotes,
            quote_marks if quote_marks is not None else base.quote_marks,
            summary_length if summary_length is not None else base.summary_length,
            summary_max_words if summary_max_words is not None else base.summary_max_words,
        )
        return replace(
            made,
            summarize=summarize,
            glossary=base.glossary,
            alternatives=base.alternatives,
            pass_foreign=base.pass_foreign,
            scores=base.scores,
        )


def _options(
    quotes: QuoteMode | str,
    quote_marks: QuoteMarks | str,
    summary_length: str,
    summary_max_words: int | None,
) -> Options:
    try:
        mode = QuoteMode(quotes)
    except ValueError:
        raise OptionError(
            f"Unknown quotes mode {quotes!r}. Use one of: {', '.join(QuoteMode)}."
        ) from None
    try:
        marks = QuoteMarks(quote_marks)
    except ValueError:
        raise OptionError(
            f"Unknown quote marks {quote_marks!r}. Use one of: {', '.join(QuoteMarks)}."
        ) from None
    try:
        length = SummaryLength(summary_length)
    except ValueError:
        raise OptionError(
            f"Unknown summary length {summary_length!r}. Use one of: {', '.join(SummaryLength)}."
        ) from None
    if summary_max_words is not None:
        _check_positive("summary_max_words", summary_max_words)
    return Options(
        quotes=mode,
        quote_marks=marks,
        summary_length=length.value,
        summary_max_words=summary_max_words,
    )


def _input_format(value: str) -> InputFormat:
    from translator.formats import InputFormat

    try:
        return InputFormat(value)
    except ValueError:
        raise OptionError(
            f"Unknown input format {value!r}. Use one of: {', '.join(InputFormat)}."
        ) from None


def _estimating(
    progress: ProgressCallback | None, chunks: Iterable[str]
) -> ProgressCallback | None:
    """``progress`` with the sentences known so far scaled up to an estimate for the whole
    stream, by the share of a ``TextStream``'s file read (less the text not parsed yet)."""
    from translator.textio import TextStream

    if progress is None or not isinstance(chunks, TextStream) or not chunks.size:
        return progress
    stream, size = chunks, chunks.size

    def update(done: int, known: int) -> None:
        share = stream.bytes_read / size
        if share >= 1.0 or not stream.bytes_read:
            progress(done, known)
        else:
            progress(done, max(known, round(known / share)))

    return update


def _cache_stats(engine: TranslationEngine) -> CacheStats | None:
    """The memory's counts so far, when ``engine`` has a memory."""
    from translator.engines.deferred import DeferredEngine
    from translator.engines.remembering import MemoryEngine

    if isinstance(engine, DeferredEngine):
        return engine.stats
    return engine.stats if isinstance(engine, MemoryEngine) else None


def _check_positive_mb(value: float) -> float:
    if value <= 0:
        raise OptionError(f"cache_max_mb must be more than 0, not {value}.")
    return value


def _check_beams(beams: int | None) -> int | None:
    if beams is not None and not 1 <= beams <= 16:
        raise OptionError(f"beams must be between 1 and 16, not {beams}.")
    return beams


def _check_alternatives(alternatives: int) -> int:
    if not 0 <= alternatives <= MAX_ALTERNATIVES:
        raise OptionError(
            f"alternatives must be between 0 and {MAX_ALTERNATIVES}, not {alternatives}."
        )
    return alternatives


def _check_positive(name: str, value: int) -> int:
    if value < 1:
        raise OptionError(f"{name} must be at least 1, not {value}.")
    return value
