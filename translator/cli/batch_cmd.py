"""`translator batch`: a folder in, a mirrored folder of translations out, resumably."""

from __future__ import annotations

import logging
import shlex
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from translator.cli.app import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    PartialFailure,
    Terminated,
)
from translator.cli.options import FormatOpt, InputFormatOpt, SummarizeOpt
from translator.cli.shared import SharedOptions, shared_options
from translator.cli.verbosity import is_quiet
from translator.errors import OptionError
from translator.formats import InputFormat
from translator.render import OutputFormat, shows_scores

if TYPE_CHECKING:  # translator.batch pulls in the pipeline: imported when a run starts
    from translator.api import Translator
    from translator.batch import BatchProgress, BatchProgressCallback, BatchReport, FileOutcome
    from translator.executors import Executor
    from translator.ray_executor import RaySettings

log = logging.getLogger("translator.cli")

InputDirArg = Annotated[
    Path | None,
    typer.Argument(
        metavar="INPUT_DIR",
        help="The folder of German texts (or --urls instead).",
        show_default=False,
    ),
]
UrlsOpt = Annotated[
    Path | None,
    typer.Option(
        "--urls",
        metavar="FILE",
        help="Translate the pages of the URLs this file lists, one a line (blank lines "
        "and lines starting with # ignored), instead of a folder; outputs are named after "
        "each URL, the manifest keys them by URL and content (a rerun fetches each page "
        "again and skips unchanged ones).",
        show_default=False,
    ),
]
OutputDirOpt = Annotated[
    Path,
    typer.Option(
        "-o",
        "--output",
        "--output-dir",
        metavar="OUTPUT_DIR",
        help="Where the translations go, mirroring the input tree, with the manifest.",
        show_default=False,
    ),
]
PatternOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--pattern",
        "-p",
        help="Glob of the files to translate; repeat for several (default: *.txt, *.md, "
        "*.html, *.htm, *.docx, *.pptx, *.odt, *.odp, *.epub, *.srt, *.vtt, *.pdf).",
        show_default=False,
    ),
]
RecursiveOpt = Annotated[
    bool, typer.Option("--recursive/--no-recursive", help="Descend into subfolders.")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Redo files the manifest says are done.")]
ForceLanguageOpt = Annotated[
    bool,
    typer.Option("--force-language", help="Translate inputs that are not German too."),
]
RayOpt = Annotated[
    bool,
    typer.Option(
        "--ray",
        help="Translate on a Ray cluster (pip install 'translator[ray]'): the one "
        "--ray-address or RAY_ADDRESS names, else a new local one. Inputs, outputs and the "
        "manifest stay on this machine.",
    ),
]
RayAddressOpt = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        metavar="ADDRESS",
        help="The Ray cluster to join (host:port of its head, or auto); implies --ray.",
        show_default=False,
    ),
]
RayWorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--ray-workers",
        min=1,
        help="Workers (one model copy each); default: as many as the cluster's CPUs allow.",
        show_default=False,
    ),
]
RayCpusOpt = Annotated[
    float, typer.Option("--ray-cpus-per-worker", min=0.1, help="CPUs each Ray worker reserves.")
]
RayGpusOpt = Annotated[
    float, typer.Option("--ray-gpus-per-worker", min=0, help="GPUs each Ray worker reserves.")
]


@shared_options
def batch(
    output_dir: OutputDirOpt,
    input_dir: InputDirArg = None,
    urls: UrlsOpt = None,
    pattern: PatternOpt = None,
    recursive: RecursiveOpt = True,
    output_format: FormatOpt = OutputFormat.TEXT,
    force: ForceOpt = False,
    force_language: ForceLanguageOpt = False,
    summarize: SummarizeOpt = False,
    input_format: InputFormatOpt = InputFormat.AUTO,
    ray: RayOpt = False,
    ray_address: RayAddressOpt = None,
    ray_workers: RayWorkersOpt = None,
    ray_cpus_per_worker: RayCpusOpt = 1.0,
    ray_gpus_per_worker: RayGpusOpt = 0.0,
    *,
    shared: SharedOptions,
) -> None:
    """Translate every German text in a folder; rerun the same command to resume.

    Outputs mirror the input tree (a/b.txt gives OUTPUT_DIR/a/b.en.txt). A manifest in
    OUTPUT_DIR records each file, so a rerun skips what is done; one bad file never stops
    the run. Ctrl-C (or SIGTERM) stops after the current batch. With --ray, workers on a Ray cluster
    translate while this process plans, writes and records, with the same outputs.
    With --urls FILE instead of INPUT_DIR, the pages it lists are fetched (bounded, as
    `translate URL` fetches) and translated into OUTPUT_DIR.
    """
    quiet = is_quiet()
    from translator.batch import (
        DEFAULT_PATTERNS,
        BatchSettings,
        check_folders,
        execute_batch,
        read_url_list,
    )

    if (input_dir is None) == (urls is None):
        raise OptionError(
            "pass either an input folder or --urls FILE (not both). See `translator batch --help`."
        )
    if urls is not None:
        read_url_list(urls)  # a bad line is a usage error before anything is fetched
    translator = shared.translator(scores=shows_scores(output_format))
    settings = BatchSettings(
        input_dir=input_dir or Path(),
        url_list=urls,
        output_dir=output_dir,
        patterns=tuple(pattern) if pattern else DEFAULT_PATTERNS,
        recursive=recursive,
        output_format=output_format,
        force=force,
        force_language=force_language,
        beams=translator.beams,
        input_format=input_format,
    )
    check_folders(settings)  # before the models load: a wrong folder fails at once
    from translator.manifest import check_not_locked

    check_not_locked(output_dir)  # before a Ray cluster starts (local runs load nothing)
    options = replace(translator.options, summarize=summarize)
    ray_settings = None
    if ray or ray_address is not None:
        from translator.ray_executor import RaySettings

        ray_settings = RaySettings(
            ray_address, ray_workers, ray_cpus_per_worker, ray_gpus_per_worker
        )
    stop = _StopRequest()
    with (
        _executor(translator, summarize, ray_settings) as executor,
        _stop_on_signals(stop, quiet),
        _progress_display(quiet) as on_progress,
    ):
        report = execute_batch(
            settings, executor, options, progress=on_progress, should_stop=stop.event.is_set
        )
    _print_problems(report.problems)
    if ray_settings is None:  # with Ray, the memories are the workers'
        _log_memory(translator.translation_engine_loaded())
    if not quiet:
        typer.echo(_summary_line(report), err=True)
    if report.interrupted:
        terminated = stop.signal == signal.SIGTERM
        raise PartialFailure(
            EXIT_TERMINATED if terminated else EXIT_INTERRUPTED,
            f"{'Terminated' if terminated else 'Interrupted'}: {report.files_left} file(s) "
            "not started; every finished file is recorded. Resume with the same "
            f"command:\n  {_command_line()}",
        )
    if report.failed:
        raise PartialFailure(EXIT_FAILURE)  # the table above named each failed file


@contextmanager
def _executor(
    translator: Translator, summarize: bool, ray: RaySettings | None
) -> Iterator[Executor]:
    """This process (models loaded here, when a unit needs them), or workers on a Ray
    cluster (ray is only imported with --ray)."""
    from translator.batch import UNIT_SENTENCES

    if ray is None:
        from translator.executors import LocalExecutor

        # The models load when the first unit needs them: a rerun with nothing left to
        # translate, or one refused by another run's lock, loads none.
        yield LocalExecutor(translator, summarize, UNIT_SENTENCES)
        return
    from translator.ray_executor import RayExecutor

    with RayExecutor(translator, summarize, UNIT_SENTENCES, ray) as ray_executor:
        yield ray_executor


class _StopRequest:
    """Set by the first Ctrl-C or SIGTERM; remembers which, for the exit code."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: int | None = None


@contextmanager
def _stop_on_signals(stop: _StopRequest, quiet: bool) -> Iterator[None]:
    """The first Ctrl-C or SIGTERM asks the run to stop after the current batch; a second
    one stops at once (the manifest stays consistent either way: each file is one
    transaction)."""

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.event.is_set():
            raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt
        stop.signal = signum
        stop.event.set()
        if not quiet:
            again = "press Ctrl-C" if signum == signal.SIGINT else "send SIGTERM"
            print(
                f"\nStopping after the current batch ({again} again to stop at once)...",
                file=sys.stderr,
                flush=True,
            )

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = {signum: signal.signal(signum, handle) for signum in _STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _progress_display(quiet: bool) -> Iterator[BatchProgressCallback | None]:
    """A rich progress bar on stderr, only when stderr is a terminal and not --quiet."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    progress = Progress(
        TextColumn("[bold]translating"),
        BarColumn(bar_width=16),
        TextColumn("{task.fields[files]} files, {task.fields[sentences]} sentences,"),
        TextColumn("{task.fields[rate]}, ETA"),
        TimeRemainingColumn(compact=True),
        TextColumn("{task.fields[note]}"),
        console=console,
        transient=True,
        redirect_stdout=False,  # stdout is for results, never for the bar's console
    )
    task = progress.add_task("batch", total=None, files="0/?", sentences="0", rate="", note="")
    started = time.perf_counter()

    def update(snapshot: BatchProgress) -> None:
        fields = progress_fields(snapshot, time.perf_counter() - started)
        progress.update(task, **fields)  # type: ignore[arg-type]

    handler_streams = _redirect_log_handlers()
    with progress:
        # Logs written while the bar is live go through rich's stderr proxy, above the bar.
        for handler in handler_streams:
            handler.setStream(sys.stderr)
        try:
            yield update
        finally:
            for handler, stream in handler_streams.items():
                handler.setStream(stream)


def progress_fields(snapshot: BatchProgress, elapsed: float) -> dict[str, object]:
    """The progress bar's fields for a snapshot (``rich.progress.Progress.update``).

    The bar counts sentences, moving per model batch; skipped files shrink the file total
    instead of advancing it. While planning goes on the totals only grow: they carry a
    "+" ("1,234+ files") and the bar has no total (no ETA) until planning ends.
    """
    worked = snapshot.done + snapshot.failed + snapshot.empty + snapshot.not_german
    growing = "+" if snapshot.planning else ""
    total = None if snapshot.planning else snapshot.sentences_total or None
    sentences_known = snapshot.sentences_total or (0 if snapshot.planning else None)
    notes = [
        f"{n} {what}"
        for n, what in ((snapshot.skipped, "skipped"), (snapshot.failed, "failed"))
        if n
    ]
    if snapshot.workers > 1:
        notes.append(f"{snapshot.workers} workers")
    translated = snapshot.sentences_translated
    return {
        "total": total,
        "completed": translated,
        "files": f"{worked:,}/{snapshot.files_total - snapshot.skipped:,}{growing}",
        "sentences": f"{translated:,}/"
        + (f"{sentences_known:,}{growing}" if sentences_known is not None else "?"),
        "rate": f"{translated / max(elapsed, 1e-9):.1f} sentences/s",
        "note": ", ".join(notes),
    }


def _redirect_log_handlers() -> dict[logging.StreamHandler[TextIO], TextIO]:
    """The translator logger's handlers writing to stderr, with their current streams."""
    logger = logging.getLogger("translator")
    return {
        handler: handler.stream
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr
    }


def _log_memory(engine: object) -> None:
    from translator.engines.remembering import MemoryEngine

    if isinstance(engine, MemoryEngine):
        sent = engine.hits + engine.misses
        log.info("%d of %d model inputs came from the translation memory", engine.hits, sent)


def _print_problems(problems: tuple[FileOutcome, ...]) -> None:
    """The failed, empty and not German inputs, as a table on stderr (also with --quiet:
    they are errors)."""
    if not problems:
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from translator.textio import printable

    table = Table(title="Files not translated", title_justify="left", show_lines=False)
    table.add_column("file", overflow="fold")
    table.add_column("status")
    table.add_column("error", overflow="fold")
    for problem in problems:  # as Text: a name's "[...]" is not Rich markup, nor ESC raw
        table.add_row(
            Text(printable(problem.path)), problem.status.value, Text(printable(problem.error))
        )
    Console(stderr=True).print(table)


def _summary_line(report: BatchReport) -> str:
    rate = (report.done / report.seconds) if report.seconds else 0.0
    not_german = f", {report.not_german} not German" if report.not_german else ""
    return (
        f"{report.done} translated, {report.skipped} skipped, {report.failed} failed, "
        f"{report.empty} empty{not_german} of {report.files_total} file(s); "
        f"{report.sentences} sentences "
        f"in {report.seconds:.1f} s ({rate:.1f} files/s). Manifest: {report.manifest}"
    )


def _command_line() -> str:
    """The command as the user typed it, to copy for resuming."""
    return shlex.join(["translator", *sys.argv[1:]])
