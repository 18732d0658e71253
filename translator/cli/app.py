"""The typer app, logging setup, and the one table that maps errors to messages and exit codes."""

from __future__ import annotations

import errno
import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from translator import config
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

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="translator",
    help="Translate German text into English and summarize it, keeping direct quotations intact.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
) -> None:
    """Translate German text into English and summarize it, keeping direct quotations intact."""


def setup_logging(verbose: int, quiet: bool) -> None:
    """Logs go to stderr: warnings by default, info with -v, debug with -vv, errors with -q."""
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("translator")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    """Print ``Error: message`` on stderr; the caller raises the returned Exit."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)


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


@contextmanager
def report_errors() -> Iterator[None]:
    """Turn errors into ``Error: ...`` and an exit code (ERROR_TABLE); tracebacks only when
    debugging (TRANSLATOR_DEBUG=1)."""
    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except OSError as error:
        if error.errno == errno.EPIPE:
            raise  # the reader went away (`| head`): typer exits 1 quietly
        raise _failure(error) from None
    except Exception as error:
        raise _failure(error) from None


def _failure(error: Exception) -> typer.Exit:
    if config.debug_enabled():
        traceback.print_exc()
    code, message = error_message(error)
    return fail(message, code)


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
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
