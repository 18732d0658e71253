"""`translator summarize`: one German document in, only its English summary out."""

from __future__ import annotations

from pathlib import Path

from translator.cli.app import app, emit, report_errors, setup_logging
from translator.cli.options import (
    EncodingOpt,
    InputArg,
    OutputOpt,
    SharedOptions,
    shared_options,
)
from translator.cli.translate_cmd import log_result


@app.command()
@shared_options
def summarize(
    input_path: InputArg = "-",
    output: OutputOpt = None,
    encoding: EncodingOpt = None,
    *,
    shared: SharedOptions,
) -> None:
    """Translate a German article and print only an English summary of it.

    Quotations in the summary are whole quotations of the article, as the translation
    renders them (--quotes); shortened or invented ones lose their quotation marks.
    """
    setup_logging(shared.verbose, shared.quiet)
    with report_errors():
        from translator import textio

        text, source_name = textio.read_source(
            None if input_path == "-" else Path(input_path), encoding
        )
        result = shared.translator().summarize(text, source=Path(source_name).name)
        log_result(result)
        summary = result.summary
        emit(summary.text + "\n" if summary is not None and summary.text else "", output)
