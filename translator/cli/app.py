"""The typer app and its one exit point: the table that maps errors to messages and exit
codes, applied in one place (``_RootCommand.invoke``) for every command.

Commands only raise: a library error (``translator.errors``), ``PartialFailure`` when some
of the work failed, or ``KeyboardInterrupt``/``Terminated`` when stopped. They never print
``Error:`` or raise ``typer.Exit`` themselves. The commands are registered in
``translator/cli/__init__.py``, one line each.
"""

from __future__ import annotations

import errno
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from translator import config
from translator.cli import verbosity
from translator.cli.options import QuietOpt, VerboseOpt
from translator.errors import (
    InputError,
    ModelLoadError,
    ModelNotFoundError,
    OptionError,
    OutOfMemoryError,
    OutputError,
    TranslatorError,
)
from translator.version import __version__

if TYPE_CHECKING:
    from typer._click import Context as ClickContext  # typer >= 0.29 carries its own click

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


class PartialFailure(Exception):
    """Some of a command's work failed and the command has already said which (a batch's
    failed files, a model that did not pull): exit with ``code``, adding ``message`` (if
    any) as the last line."""

    def __init__(self, code: int = EXIT_FAILURE, message: str | None = None) -> None:
        super().__init__(message or f"exit {code}")
        self.code = code
        self.message = message


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised where the program is, so that every ``with`` block (the
    temporary output files among them) cleans up as for Ctrl-C; exit 143."""


# Interruptions: not errors, no "Error:" prefix. The most specific class wins.
_INTERRUPTIONS: dict[type[BaseException], tuple[int, str]] = {
    Terminated: (EXIT_TERMINATED, "Terminated."),
    KeyboardInterrupt: (EXIT_INTERRUPTED, "Interrupted."),
}

# The one table of failures: exception class -> (exit code, message). A message of None
# means the error's own text, which the library writes as "<what happened>. <what to do>";
# "{error}" in a message stands for the error's text.
# The most specific class listed in an error's MRO wins. Usage errors (bad options, an
# unknown --encoding) are click's, exit 2; KeyboardInterrupt is "Interrupted.", exit 130.
ERROR_TABLE: dict[type[BaseException], tuple[int, str | None]] = {
    InputError: (EXIT_FAILURE, None),  # missing, unreadable, binary, undecodable input
    ModelNotFoundError: (EXIT_FAILURE, None),  # no such model here; says how to get it
    ModelLoadError: (EXIT_FAILURE, None),  # a broken or wrong model folder, bad device
    OutputError: (EXIT_FAILURE, None),  # the output file cannot be written
    OptionError: (EXIT_USAGE, None),  # an option value the library refuses (a usage error)
    OutOfMemoryError: (EXIT_FAILURE, None),  # the engine ran out of CPU or GPU memory
    TranslatorError: (EXIT_FAILURE, None),
    MemoryError: (
        EXIT_FAILURE,
        "out of memory. Split the input into smaller files, or lower --batch-size.",
    ),
    UnicodeEncodeError: (
        EXIT_FAILURE,
        "the output has characters the terminal's encoding cannot show. "
        "Set PYTHONIOENCODING=utf-8, or write to a file with -o.",
    ),
    OSError: (
        EXIT_FAILURE,
        "reading or writing failed ({error}). Check the paths and the free disk space.",
    ),
}
_BUG_MESSAGE = (
    "unexpected {name}: {error}. This is a bug in translator; "
    "rerun with TRANSLATOR_DEBUG=1 for the traceback and report it."
)


def error_message(error: BaseException) -> tuple[int, str]:
    """The exit code and the ``Error:`` message (without the prefix) for ``error``."""
    for cls in type(error).__mro__:
        if cls in ERROR_TABLE:
            code, message = ERROR_TABLE[cls]
            return code, str(error) if message is None else message.format(error=error)
    return EXIT_FAILURE, _BUG_MESSAGE.format(name=type(error).__name__, error=error)


def print_error(message: str) -> None:
    """``Error: message`` on stderr: for a failure a command reports and goes on from (one
    model of several); the command then ends with ``PartialFailure``."""
    typer.echo(f"Error: {message}", err=True)


def _exit_code_for(error: BaseException) -> int:
    """Say what went wrong on stderr; the exit code. The one place errors are reported."""
    for cls in type(error).__mro__:
        if cls in _INTERRUPTIONS:
            code, text = _INTERRUPTIONS[cls]
            typer.echo(text, err=True)
            return code
    if isinstance(error, PartialFailure):
        if error.message:
            typer.echo(error.message, err=True)
        return error.code
    if config.debug_enabled():
        traceback.print_exception(error)
    code, message = error_message(error)
    print_error(message)
    return code


class _RootCommand(TyperGroup):
    """The root command: SIGTERM becomes ``Terminated`` while a command runs, and whatever
    a command raises becomes one message and an exit code (``_exit_code_for``), for the
    console script and for ``CliRunner`` alike."""

    def invoke(self, ctx: ClickContext) -> Any:
        with _terminate_as_exception():
            try:
                return super().invoke(ctx)
            except (typer.Exit, typer.Abort, typer.TyperException):
                raise  # typer's own: --version, usage errors (exit 2)
            except OSError as error:
                if error.errno == errno.EPIPE:
                    raise  # the reader went away (`| head`): typer exits 1 quietly
                raise typer.Exit(_exit_code_for(error)) from None
            except (Exception, KeyboardInterrupt) as error:
                raise typer.Exit(_exit_code_for(error)) from None


@contextmanager
def _terminate_as_exception() -> Iterator[None]:
    """SIGTERM raises ``Terminated`` in the main thread (Python's default would end the
    process at once, leaving temporary files behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


app = typer.Typer(
    name="translator",
    cls=_RootCommand,
    help="Translate German text into English and summarize it, keeping direct quotations intact.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help, as click formats it: rich's option table cuts option and variable
    # names short at 80 columns; click's list wraps only the descriptions, between words.
    rich_markup_mode=None,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"translator {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version."
    ),
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Translate German text into English and summarize it, keeping direct quotations intact."""
    verbosity.reset(verbose, quiet)


ProgressCallback = Callable[[int, int], None]


@contextmanager
def progress_on_stderr(enabled: bool = True) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr for ``pipeline``'s ``progress`` callback, or None.

    Only when ``enabled`` (not --quiet) and stderr is a terminal: a redirected stderr or a
    log file gets no bar characters. The bar disappears when done.
    """
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=True,
        # rich would otherwise route stdout through its console, i.e. to stderr: the
        # translation streamed to stdout (or to `> file`) must stay on stdout.
        redirect_stdout=False,
    ) as bar:
        task = bar.add_task("Translating sentences", total=None)

        def update(done: int, known: int) -> None:
            bar.update(task, completed=done, total=known)

        yield update


def emit(text: str, output: Path | None) -> None:
    """Results go to stdout, or atomically to ``output``."""
    from translator import textio

    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        textio.write_atomic(output, text)


def main() -> None:
    """Console-script entry point: the app, whose root command reports every error."""
    try:
        app(prog_name="translator")
    except KeyboardInterrupt:  # Ctrl-C before a command started (while importing)
        typer.echo("Interrupted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
