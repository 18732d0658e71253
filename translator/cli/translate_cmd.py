"""`translator translate`: one document in, its English translation out."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from translator.cli.app import app, emit, progress_on_stderr, report_errors, setup_logging
from translator.cli.options import (
    EncodingOpt,
    FormatOpt,
    InputArg,
    OutputOpt,
    SharedOptions,
    SummarizeOpt,
    shared_options,
)
from translator.render import OutputFormat, render, run_details
from translator.schema import DocumentResult

if TYPE_CHECKING:
    from translator.api import Translator

log = logging.getLogger("translator.cli")


@app.command()
@shared_options
def translate(
    input_path: InputArg = "-",
    output: OutputOpt = None,
    output_format: FormatOpt = OutputFormat.TEXT,
    summarize: SummarizeOpt = False,
    encoding: EncodingOpt = None,
    *,
    shared: SharedOptions,
) -> None:
    """Translate a German article into English. Quotations are kept exactly as written."""
    setup_logging(shared.verbose, shared.quiet)
    with report_errors():
        from translator import textio

        text, source_name = textio.read_source(
            None if input_path == "-" else Path(input_path), encoding
        )
        shown_name = display_name(source_name)
        # Plain text to stdout is written as paragraphs are done: a huge input shows
        # results at once and never waits in memory for the end.
        stream = output is None and output_format is OutputFormat.TEXT and bool(text.strip())
        translator = shared.translator()
        with progress_on_stderr(not shared.quiet) as progress:
            result = translator.translate(
                text,
                summarize=summarize,
                source=shown_name,
                progress=progress,
                on_text=(lambda chunk: emit(chunk, None)) if stream else None,
            )
        log_result(result)
        rendered = render(result, output_format, run=footer_details(translator, summarize, result))
        if stream:  # the translation is out already: only what follows it is left
            rendered = rendered[len(result.translation) :]
        emit(rendered, output)


_MAX_LOGGED_WARNINGS = 20


def display_name(source_name: str) -> str:
    """The input's file name as results show it ("" for stdin)."""
    return "" if source_name == "<stdin>" else Path(source_name).name


def footer_details(
    translator: Translator, summarize: bool, result: DocumentResult
) -> dict[str, str]:
    """How the result was made, for the HTML page's footer (no model loads for it)."""
    engine = translator.translation_engine() if result.paragraphs else None
    return run_details(replace(translator.options, summarize=summarize), engine)


def log_result(result: DocumentResult) -> None:
    """Warnings at WARNING (a dump with thousands of stray marks does not bury the terminal),
    the summary's and the quotations' paths at INFO."""
    warnings = result.warnings
    for warning in warnings[:_MAX_LOGGED_WARNINGS]:
        log.warning("%s", warning)
    if len(warnings) > _MAX_LOGGED_WARNINGS:
        log.warning(
            "... and %d more warnings (all of them are in --format json).",
            len(warnings) - _MAX_LOGGED_WARNINGS,
        )
    if result.summary is not None:
        log.info("summary made from %d chunk(s)", result.summary.chunks)
        for change in result.summary.quote_changes:
            log.info("summary quotation %s: %s", change.action, change.found)
        for warning in result.summary.warnings:
            log.warning("summary: %s", warning)
    for quote in result.quotes:
        log.info("quotation (%s): %s", quote.strategy.value, quote.original)
