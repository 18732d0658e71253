"""`translator translate`: one document in, its English translation out."""

from __future__ import annotations

import logging
from pathlib import Path

from translator import config
from translator.cli.app import app, emit, progress_on_stderr, report_errors, setup_logging
from translator.cli.loading import load_engines
from translator.cli.options import (
    BatchSizeOpt,
    BeamsOpt,
    DeviceOpt,
    EncodingOpt,
    EngineName,
    EngineOpt,
    FastOpt,
    FormatOpt,
    InputArg,
    OfflineOpt,
    OutputOpt,
    QuietOpt,
    QuoteMarksOpt,
    QuotesOpt,
    SummarizationModelOpt,
    SummarizeOpt,
    SummaryLengthOpt,
    SummaryMaxWordsOpt,
    TranslationModelOpt,
    VerboseOpt,
    beams_for,
)
from translator.render import OutputFormat, render
from translator.schema import DocumentResult, ModelInfo, Options, QuoteMarks, QuoteMode
from translator.summarize import SummaryLength

log = logging.getLogger("translator.cli")


@app.command()
def translate(
    input_path: InputArg = "-",
    output: OutputOpt = None,
    output_format: FormatOpt = OutputFormat.TEXT,
    translation_model: TranslationModelOpt = config.DEFAULT_TRANSLATION_MODEL,
    device: DeviceOpt = "auto",
    beams: BeamsOpt = None,
    fast: FastOpt = False,
    engine: EngineOpt = EngineName.AUTO,
    batch_size: BatchSizeOpt = config.DEFAULT_BATCH_SIZE,
    quotes: QuotesOpt = QuoteMode.KEEP,
    quote_marks: QuoteMarksOpt = QuoteMarks.ENGLISH,
    summarize: SummarizeOpt = False,
    summarization_model: SummarizationModelOpt = config.DEFAULT_SUMMARIZATION_MODEL,
    summary_length: SummaryLengthOpt = SummaryLength.MEDIUM,
    summary_max_words: SummaryMaxWordsOpt = None,
    offline: OfflineOpt = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
    encoding: EncodingOpt = None,
) -> None:
    """Translate a German article into English. Quotations are kept exactly as written."""
    setup_logging(verbose, quiet)
    with report_errors():
        from translator import pipeline, textio

        text, source_name = textio.read_source(
            None if input_path == "-" else Path(input_path), encoding
        )
        options = Options(
            quotes=quotes,
            quote_marks=quote_marks,
            summarize=summarize,
            summary_length=summary_length,
            summary_max_words=summary_max_words,
        )
        shown_name = "" if source_name == "<stdin>" else Path(source_name).name
        if not text.strip():
            log.warning("%s is empty: nothing to translate.", source_name)
            empty = DocumentResult("", (), (), ModelInfo(translation_model))
            emit(render(empty, output_format, source_name=shown_name), output)
            return
        translator, summarizer = load_engines(
            translation_model,
            summarization_model if summarize else None,
            device=device,
            beams=beams_for(beams, fast),
            batch_size=batch_size,
            offline=offline,
            engine=engine.value,
        )
        # Plain text to stdout is written as paragraphs are done: a huge input shows
        # results at once and its translation is never held in memory.
        stream = output is None and output_format is OutputFormat.TEXT
        streamed = _StreamedText()
        with progress_on_stderr(not quiet) as progress:
            result = pipeline.translate_document(
                text,
                translator,
                options,
                summarizer=summarizer,
                progress=progress,
                on_text=streamed if stream else None,
                keep_text=not stream,
            )
        _log_warnings(result.warnings)
        if result.summary is not None:
            log.info("summary made from %d chunk(s)", result.summary.chunks)
            for warning in result.summary.warnings:
                log.warning("summary: %s", warning)
        for quote in result.quotes:
            log.info("quotation (%s): %s", quote.strategy.value, quote.original)
        rendered = render(result, output_format, source_name=shown_name)
        if stream:  # the translation is out already (and not in result): what follows it
            rendered = streamed.line_end() + rendered
        emit(rendered, output)


class _StreamedText:
    """Writes the translation to stdout as it comes, remembering only how it ended."""

    def __init__(self) -> None:
        self.has_text = False
        self.last = ""

    def __call__(self, chunk: str) -> None:
        emit(chunk, None)
        self.has_text = self.has_text or bool(chunk.strip())
        self.last = chunk[-1:] or self.last

    def line_end(self) -> str:
        """The newline ``render_text`` puts after a translation that lacks one."""
        return "\n" if self.has_text and self.last != "\n" else ""


_MAX_LOGGED_WARNINGS = 20


def _log_warnings(warnings: tuple[str, ...]) -> None:
    """A dump with thousands of stray marks should not bury the terminal in warnings."""
    for warning in warnings[:_MAX_LOGGED_WARNINGS]:
        log.warning("%s", warning)
    if len(warnings) > _MAX_LOGGED_WARNINGS:
        log.warning(
            "... and %d more warnings (all of them are in --format json).",
            len(warnings) - _MAX_LOGGED_WARNINGS,
        )
