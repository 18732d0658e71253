"""`translator summarize`: one German document in, only its English summary out."""

from __future__ import annotations

import logging
from pathlib import Path

from translator import config
from translator.cli.app import app, emit, report_errors, setup_logging
from translator.cli.loading import load_engines
from translator.cli.options import (
    BatchSizeOpt,
    BeamsOpt,
    DeviceOpt,
    EncodingOpt,
    EngineName,
    EngineOpt,
    FastOpt,
    InputArg,
    InputFormatOpt,
    OfflineOpt,
    OutputOpt,
    QuietOpt,
    QuoteMarksOpt,
    QuotesOpt,
    SummarizationModelOpt,
    SummaryLengthOpt,
    SummaryMaxWordsOpt,
    TranslationModelOpt,
    VerboseOpt,
    beams_for,
)
from translator.formats import InputFormat
from translator.schema import Options, QuoteMarks, QuoteMode
from translator.summarize import SummaryLength

log = logging.getLogger("translator.cli")


@app.command()
def summarize(
    input_path: InputArg = "-",
    output: OutputOpt = None,
    translation_model: TranslationModelOpt = config.DEFAULT_TRANSLATION_MODEL,
    summarization_model: SummarizationModelOpt = config.DEFAULT_SUMMARIZATION_MODEL,
    summary_length: SummaryLengthOpt = SummaryLength.MEDIUM,
    summary_max_words: SummaryMaxWordsOpt = None,
    quotes: QuotesOpt = QuoteMode.KEEP,
    quote_marks: QuoteMarksOpt = QuoteMarks.ENGLISH,
    device: DeviceOpt = "auto",
    beams: BeamsOpt = None,
    fast: FastOpt = False,
    engine: EngineOpt = EngineName.AUTO,
    batch_size: BatchSizeOpt = config.DEFAULT_BATCH_SIZE,
    offline: OfflineOpt = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.AUTO,
) -> None:
    """Translate a German article and print only an English summary of it.

    Quotations in the summary are whole quotations of the article, as the translation
    renders them (--quotes); shortened or invented ones lose their quotation marks.
    """
    setup_logging(verbose, quiet)
    with report_errors():
        from translator import formats, pipeline

        source, source_name = formats.read_input(
            None if input_path == "-" else Path(input_path), input_format, encoding
        )
        text = source.text if isinstance(source, formats.TextSource) else source.document
        if formats.is_empty(source):
            log.warning("%s is empty: nothing to summarize.", source_name)
            emit("", output)
            return
        options = Options(
            quotes=quotes,
            quote_marks=quote_marks,
            summarize=True,
            summary_length=summary_length,
            summary_max_words=summary_max_words,
        )
        translator, summarizer = load_engines(
            translation_model,
            summarization_model,
            device=device,
            beams=beams_for(beams, fast),
            batch_size=batch_size,
            offline=offline,
            engine=engine.value,
        )
        result = pipeline.translate_document(text, translator, options, summarizer=summarizer)
        for warning in result.warnings:
            log.warning("%s", warning)
        summary = result.summary
        if summary is None:  # translate_document always summarizes when given a summarizer
            raise RuntimeError("the pipeline returned no summary")
        log.info("summary made from %d chunk(s)", summary.chunks)
        for change in summary.quote_changes:
            log.info("summary quotation %s: %s", change.action, change.found)
        for warning in summary.warnings:
            log.warning("summary: %s", warning)
        emit(summary.text + "\n" if summary.text else "", output)
