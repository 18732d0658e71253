"""`translator translate`: one document in, its English translation out."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated

import typer

from translator.cli.app import emit, progress_on_stderr
from translator.cli.options import (
    EncodingOpt,
    FormatOpt,
    InputArg,
    InputFormatOpt,
    OutputOpt,
    SummarizeOpt,
)
from translator.cli.shared import SharedOptions, shared_options
from translator.cli.verbosity import is_quiet
from translator.errors import InputError, OptionError
from translator.formats import InputFormat
from translator.glossary import merge_uses
from translator.render import OutputFormat, shows_scores
from translator.schema import DocumentResult, GlossaryUse

if TYPE_CHECKING:
    from translator import textio

log = logging.getLogger("translator.cli")


OverwriteOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace an existing output file the command names itself (the .en.docx "
        "beside a Word input); -o names its file and replaces it anyway.",
    ),
]


@shared_options
def translate(
    ctx: typer.Context,
    input_path: InputArg = "-",
    output: OutputOpt = None,
    output_format: FormatOpt = OutputFormat.TEXT,
    summarize: SummarizeOpt = False,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.AUTO,
    force: OverwriteOpt = False,
    *,
    shared: SharedOptions,
) -> None:
    """Translate a German article into English. Quotations are kept exactly as written."""
    from translator import formats, textio
    from translator.output import footer_details, render_result
    from translator.textio import printable

    typing_in = input_path == "-" and sys.stdin.isatty()
    if typing_in and not is_quiet():  # a prompt, instead of a progress bar stuck at 0/?
        typer.echo("Reading German text from stdin (Ctrl-D to end)...", err=True)
    show_progress = not is_quiet() and not typing_in
    # Text, JSON or Markdown without a summary can be written as it is made: a long
    # plain text is read and translated section by section, in flat memory.
    source, source_name = formats.open_input(
        None if input_path == "-" else input_path,
        input_format,
        encoding,
        stream=output_format in _STREAMED_FORMATS and not summarize,
    )
    if isinstance(source, textio.TextStream):
        _translate_stream(source, output, output_format, shared, show_progress)
        return
    shown_name = display_name(source_name)
    # Plain text to stdout is written as paragraphs are done: a huge input shows
    # results at once and never waits in memory for the end.
    stream = (
        output is None
        and output_format is OutputFormat.TEXT
        and isinstance(source, formats.TextSource)
        and not formats.is_empty(source)
    )
    translator = shared.translator(scores=shows_scores(output_format))
    given = ctx.get_parameter_source("output_format")
    format_given = given is not None and given.name != "DEFAULT"
    if formats.writes_file(source) and not format_given:
        written = output or _refuse_to_replace(_docx_output(input_path), force)
        with progress_on_stderr(show_progress) as progress:
            result, word_file = translator.translate_to_file(
                source, summarize=summarize, source=shown_name, progress=progress
            )
        log_result(result)
        textio.write_atomic(written, word_file)
        if not is_quiet():
            typer.echo(f"Wrote {printable(str(written))}", err=True)
        return
    with progress_on_stderr(show_progress) as progress:
        result = translator.translate_input(
            source,
            summarize=summarize,
            source=shown_name,
            progress=progress,
            on_text=(lambda chunk: emit(chunk, None)) if stream else None,
        )
    log_result(result)
    run = footer_details(translator, summarize, result)
    rendered = render_result(source, result, output_format, run=run)
    if stream:  # the translation is out already: only what follows it is left
        rendered = rendered[len(result.translation) :]
    emit(rendered, output)


def _refuse_to_replace(implicit_output: Path, force: bool) -> Path:
    """An output path the user did not name is never replaced without --force (a usage
    error, exit 2, before any work)."""
    if implicit_output.exists() and not force:
        raise OptionError(
            f"{implicit_output} exists. Pass --force to replace it, or -o to name the "
            "output file (-o with that name replaces it)."
        )
    return implicit_output


_STREAMED_FORMATS = (OutputFormat.TEXT, OutputFormat.JSON, OutputFormat.MARKDOWN)


def _translate_stream(
    stream: textio.TextStream,
    output: Path | None,
    output_format: OutputFormat,
    shared: SharedOptions,
    show_progress: bool,
) -> None:
    """Translate a long plain text section by section, writing the output as it is made
    (to stdout, or to ``output`` through a temporary file renamed at the end)."""
    from translator import render_stream, textio

    translator = shared.translator(scores=shows_scores(output_format))
    log = ResultLog()
    name = display_name(stream.name)
    with contextlib.ExitStack() as stack:
        write = _to_stdout if output is None else stack.enter_context(textio.atomic_writer(output))
        progress = stack.enter_context(progress_on_stderr(show_progress))
        sections = log.each(translator.translate_stream(stream, source=name, progress=progress))
        if output_format is OutputFormat.JSON:
            render_stream.write_json(sections, write, source=name)
        elif output_format is OutputFormat.MARKDOWN:
            render_stream.write_markdown(sections, write, source=name)
        else:
            render_stream.write_text(sections, write)
    log.finish()


def _to_stdout(text: str) -> None:
    emit(text, None)


def _docx_output(input_path: str) -> Path:
    from translator.output import output_names

    if input_path == "-":
        raise InputError(
            "a Word file or PDF read from stdin needs -o OUTPUT.docx "
            "(or --format text|markdown|json)."
        )
    path = Path(input_path)
    name = output_names(PurePosixPath(path.name), OutputFormat.TEXT, summarize=False)[0]
    return path.with_name(name.name)


def display_name(source_name: str) -> str:
    """The input's file name as results show it ("" for stdin)."""
    return "" if source_name == "<stdin>" else Path(source_name).name


_MAX_LOGGED_WARNINGS = 20


def log_result(result: DocumentResult) -> None:
    """Log a result's warnings, summary, quotations, memory use and glossary (ResultLog)."""
    log = ResultLog()
    log.add(result)
    log.finish()


class ResultLog:
    """Logs results as they come (one document, or the sections of a stream): warnings at
    WARNING, but only the first 20 (a dump with thousands of stray marks does not bury the
    terminal), the summary's and the quotations' paths at INFO; totals at the end."""

    def __init__(self) -> None:
        self.warnings = 0
        self.hits = self.misses = 0
        self.cached = False
        self.glossary: list[GlossaryUse] = []

    def add(self, result: DocumentResult) -> None:
        for warning in result.warnings[: max(_MAX_LOGGED_WARNINGS - self.warnings, 0)]:
            log.warning("%s", warning)
        self.warnings += len(result.warnings)
        if result.summary is not None:
            log.info("summary made from %d chunk(s)", result.summary.chunks)
            for change in result.summary.quote_changes:
                log.info("summary quotation %s: %s", change.action, change.found)
            for warning in result.summary.warnings:
                log.warning("summary: %s", warning)
        for quote in result.quotes:
            log.info("quotation (%s): %s", quote.strategy.value, quote.original)
        if result.cache is not None:
            self.cached = True
            self.hits += result.cache.hits
            self.misses += result.cache.misses
        self.glossary.extend(result.glossary)

    def each(self, results: Iterable[DocumentResult]) -> Iterator[DocumentResult]:
        """``results``, each logged as it passes."""
        for result in results:
            self.add(result)
            yield result

    def finish(self) -> None:
        if self.warnings > _MAX_LOGGED_WARNINGS:
            log.warning(
                "... and %d more warnings (all of them are in --format json).",
                self.warnings - _MAX_LOGGED_WARNINGS,
            )
        if self.cached:
            sent = self.hits + self.misses
            log.info("%d of %d model inputs came from the translation memory", self.hits, sent)
        for use in merge_uses(self.glossary):
            forms = ", ".join(use.forms)
            log.info(
                "glossary: %s -> %s, %d time(s) (%s)", use.source, use.target, use.count, forms
            )
