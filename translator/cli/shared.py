"""The options translate, summarize and batch share, declared once, and the one mapping
from them to the library's ``Translator``.

How a command gets them: it is decorated with ``@shared_options`` and declares a
keyword-only ``shared: SharedOptions`` parameter. typer builds a command's options from
its function signature, so the decorator hands typer a signature of the command's own
parameters followed by one keyword parameter per ``SharedOptions`` field (each annotated
with its declaration from ``translator.cli.options``); when typer calls it, the wrapper
packs those values back into one ``SharedOptions`` and calls the command with it. So an
option shared by every document command is one field here, and a command body reads
``shared.quotes`` like any other value. ``tests/test_cli.py`` checks that every field is
offered by each command.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from translator import config
from translator.cli.options import (
    AlternativesOpt,
    BatchSizeOpt,
    BeamsOpt,
    CacheMaxMbOpt,
    CacheOpt,
    DeviceOpt,
    EngineOpt,
    FastOpt,
    GlossaryIgnoreCaseOpt,
    GlossaryOpt,
    NoCacheOpt,
    OfflineOpt,
    QuietOpt,
    QuoteMarksOpt,
    QuotesOpt,
    SummarizationModelOpt,
    SummaryLengthOpt,
    SummaryMaxWordsOpt,
    TranslationModelOpt,
    VerboseOpt,
)
from translator.memory_store import DEFAULT_MAX_MB
from translator.schema import QuoteMarks, QuoteMode, SummaryLength

if TYPE_CHECKING:
    from translator.api import Translator


def beams_for(beams: int | None, fast: bool) -> int | None:
    """The beam size asked for: --beams wins, --fast means greedy, else the model's own."""
    return beams if beams is not None or not fast else 1


@dataclass(frozen=True)
class SharedOptions:
    """The options every document command takes. A field here is an option of each command
    decorated with ``shared_options``: adding one is one change.

    None means "not given": the library takes the value from ``translator.config`` (the
    ``TRANSLATOR_*`` variables, then the defaults). ``verbose`` and ``quiet`` are applied
    by their option callbacks (``translator.cli.verbosity``); read ``is_quiet()``.
    """

    translation_model: TranslationModelOpt = None
    summarization_model: SummarizationModelOpt = None
    summary_length: SummaryLengthOpt = SummaryLength.MEDIUM
    summary_max_words: SummaryMaxWordsOpt = None
    quotes: QuotesOpt = QuoteMode.KEEP
    quote_marks: QuoteMarksOpt = QuoteMarks.ENGLISH
    device: DeviceOpt = None
    engine: EngineOpt = None
    beams: BeamsOpt = None
    alternatives: AlternativesOpt = 0
    fast: FastOpt = False
    batch_size: BatchSizeOpt = config.DEFAULT_BATCH_SIZE
    offline: OfflineOpt = None
    glossary: GlossaryOpt = None
    glossary_ignore_case: GlossaryIgnoreCaseOpt = False
    cache: CacheOpt = None
    no_cache: NoCacheOpt = False
    cache_max_mb: CacheMaxMbOpt = DEFAULT_MAX_MB
    verbose: VerboseOpt = 0
    quiet: QuietOpt = False

    def translator(self, *, scores: bool = True) -> Translator:
        """The library's facade with these settings (models load when first used);
        ``scores``: whether the output shows sentence scores (``render.shows_scores``)."""
        from translator.api import Translator

        return Translator(
            self.translation_model,
            self.summarization_model,
            device=self.device.value if self.device is not None else None,
            engine=self.engine.value if self.engine is not None else None,
            beams=beams_for(self.beams, self.fast),
            batch_size=self.batch_size,
            offline=self.offline,
            quotes=self.quotes,
            quote_marks=self.quote_marks,
            summary_length=self.summary_length.value,
            summary_max_words=self.summary_max_words,
            glossary=self.glossary,  # None: TRANSLATOR_GLOSSARY's, read by the library
            glossary_ignore_case=self.glossary_ignore_case,
            cache=False if self.no_cache else (self.cache or True),  # on unless asked not
            cache_max_mb=self.cache_max_mb,
            alternatives=self.alternatives,
            scores=scores,
        )


def shared_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` every ``SharedOptions`` field as an option of its own (see the
    module's docstring for how)."""
    hints = typing.get_type_hints(SharedOptions, include_extras=True)
    shared_parameters = [
        inspect.Parameter(
            field.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=field.default,
            annotation=hints[field.name],
        )
        for field in fields(SharedOptions)
    ]
    own = inspect.signature(command, eval_str=True)
    own_parameters = [p for name, p in own.parameters.items() if name != "shared"]
    names = {field.name for field in fields(SharedOptions)}

    @functools.wraps(command)
    def wrapper(**values: Any) -> None:
        shared = SharedOptions(**{name: values.pop(name) for name in names})
        command(**values, shared=shared)

    parameters = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own_parameters
    ] + shared_parameters
    wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper
