"""`translator summarize`: one German document in, only its English summary out."""

from __future__ import annotations

from translator.cli.app import emit
from translator.cli.options import EncodingOpt, FormatOpt, InputArg, InputFormatOpt, OutputOpt
from translator.cli.shared import SharedOptions, shared_options
from translator.cli.translate_cmd import display_name, log_result
from translator.formats import InputFormat
from translator.render import OutputFormat


@shared_options
def summarize(
    input_path: InputArg = "-",
    output: OutputOpt = None,
    output_format: FormatOpt = OutputFormat.TEXT,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.AUTO,
    *,
    shared: SharedOptions,
) -> None:
    """Translate a German article and print only an English summary of it.

    Quotations in the summary are whole quotations of the article, as the translation
    renders them (--quotes); shortened or invented ones lose their quotation marks.
    The text format prints the summary alone; the others hold the translation too.
    """
    from translator import formats
    from translator.output import footer_details, render_result, summary_text

    source, source_name = formats.read_input(
        None if input_path == "-" else input_path, input_format, encoding
    )
    translator = shared.translator()
    result = translator.translate_input(source, summarize=True, source=display_name(source_name))
    log_result(result)
    if output_format is not OutputFormat.TEXT:  # the page or document holds everything
        run = footer_details(translator, True, result)
        emit(render_result(source, result, output_format, run=run), output)
        return
    emit(summary_text(result), output)
