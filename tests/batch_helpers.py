"""``run_batch``: a batch run in this process around loose engines (fakes, tiny models),
for tests; the CLI builds its ``Translator`` and executor itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from translator.api import Translator
from translator.batch import (
    UNIT_SENTENCES,
    BatchProgressCallback,
    BatchReport,
    BatchSettings,
    execute_batch,
)
from translator.engines import SummarizationEngine, TranslationEngine
from translator.executors import LocalExecutor
from translator.options import Options


def run_batch(
    settings: BatchSettings,
    translator: TranslationEngine,
    options: Options | None = None,
    *,
    summarizer: SummarizationEngine | None = None,
    progress: BatchProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> BatchReport:
    """``execute_batch`` with a ``LocalExecutor`` around ``translator`` (and ``summarizer``
    when ``options.summarize``), the options passed to both."""
    options = options or Options()
    summarize = options.summarize and summarizer is not None
    facade = Translator.from_engines(
        translator,
        summarizer if summarize else None,
        quotes=options.quotes,
        quote_marks=options.quote_marks,
        summary_length=str(options.summary_length),
        summary_max_words=options.summary_max_words,
        glossary=options.glossary,
    )
    return execute_batch(
        settings,
        LocalExecutor(facade, summarize, UNIT_SENTENCES),
        replace(options, summarize=summarize),
        progress=progress,
        should_stop=should_stop,
    )
