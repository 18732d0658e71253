"""`translator translate`: one document in, its English translation out."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

import typer

from translator import config, formats
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
    InputFormatOpt,
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
from translator.errors import InputError
from translator.formats import InputFormat
from translator.render import OutputFormat, render
from translator.schema import DocumentResult, ModelInfo, Options, QuoteMarks, QuoteMode
from translator.summarize import SummaryLength

log = logging.getLogger("translator.cli")


@app.command()
def translate(
    ctx: typer.Context,
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
    input_format: InputFormatOpt = InputFormat.AUTO,
) -> None:
    """Translate a German article into English. Quotations are kept exactly as written."""
    setup_logging(verbose, quiet)
    with report_errors():
        from translator import formats, pipeline

        source, source_name = formats.read_input(
            None if input_path == "-" else Path(input_path), input_format, encoding
        )
        text = source.text if isinstance(source, formats.TextSource) else source.document
        options = Options(
            quotes=quotes,
            quote_marks=quote_marks,
            summarize=summarize,
            summary_length=summary_length,
            summary_max_words=summary_max_words,
        )
        shown_name = "" if source_name == "<stdin>" else Path(source_name).name
        if formats.is_empty(source):
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
        # results at once and never waits in memory for the end.
        structured = not isinstance(source, formats.TextSource)
        stream = output is None and output_format is OutputFormat.TEXT and not structured
        with progress_on_stderr(not quiet) as progress:
            result = pipeline.translate_document(
                text,
                translator,
                options,
                summarizer=summarizer,
                progress=progress,
                on_text=partial(emit, output=None) if stream else None,
            )
        _log_warnings(result.warnings)
        if result.summary is not None:
            log.info("summary made from %d chunk(s)", result.summary.chunks)
            for warning in result.summary.warnings:
                log.warning("summary: %s", warning)
        for quote in result.quotes:
            log.info("quotation (%s): %s", quote.strategy.value, quote.original)
        given = ctx.get_parameter_source("output_format")
        format_given = given is not None and given.name != "DEFAULT"
        if isinstance(source, formats.DocxSource) and not format_given:
            written = output or _docx_output(input_path)
            _write_docx(source, result, written)
            if not quiet:
                typer.echo(f"Wrote {written}", err=True)
            return
        if isinstance(source, formats.TextSource):
            rendered = render(result, output_format, source_name=shown_name)
        else:
            from translator.formats.output import render_structured

            rendered = render_structured(source, result, output_format, shown_name)
        if stream:  # the translation is out already: only what follows it is left
            rendered = rendered[len(result.translation) :]
        emit(rendered, output)


def _docx_output(input_path: str) -> Path:
    if input_path == "-":
        raise InputError(
            "a Word file read from stdin needs -o OUTPUT.docx (or --format text|markdown|json)."
        )
    path = Path(input_path)
    return path.with_name(path.name.removesuffix(path.suffix).removesuffix(".de") + ".en.docx")


def _write_docx(source: formats.DocxSource, result: DocumentResult, output: Path) -> None:
    from translator import textio
    from translator.formats.docx import write_docx_bytes

    textio.write_atomic(output, write_docx_bytes(source, result))


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
