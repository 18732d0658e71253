"""`translator translate`: one document in, its English translation out."""

from __future__ import annotations

import logging
from pathlib import Path

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
from translator.render import OutputFormat, render
from translator.schema import DocumentResult

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
        shown_name = "" if source_name == "<stdin>" else Path(source_name).name
        # Plain text to stdout is written as paragraphs are done: a huge input shows
        # results at once and never waits in memory for the end.
        stream = output is None and output_format is OutputFormat.TEXT and bool(text.strip())
        with progress_on_stderr(not shared.quiet) as progress:
            result = shared.translator().translate(
                text,
                summarize=summarize,
                source=shown_name,
                progress=progress,
                on_text=(lambda chunk: emit(chunk, None)) if stream else None,
            )
        log_result(result)
        rendered = render(result, output_format)
        if stream:  # the translation is out already: only what follows it is left
            rendered = rendered[len(result.translation) :]
        emit(rendered, output)


_MAX_LOGGED_WARNINGS = 20


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
    if result.cache is not None:
        sent = result.cache.hits + result.cache.misses
        log.info("%d of %d model inputs came from the translation memory", result.cache.hits, sent)
    for use in result.glossary:
        forms = ", ".join(use.forms)
        log.info("glossary: %s -> %s, %d time(s) (%s)", use.source, use.target, use.count, forms)
