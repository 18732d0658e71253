"""Translate a folder: walk it, skip what is done, translate, write atomically, record.

Every input's outcome is recorded in a manifest in the output folder, an SQLite database
in WAL mode with one transaction per finished file. A file's record is committed only
after its outputs were written (each through a temporary file, fsync and a rename), so
after a crash -- ``kill -9`` included -- a record always describes complete outputs, and
a rerun skips exactly the files whose record, input hash and settings fingerprint match.

A run plans in a stream: it walks the input folder as the executor asks for work
(``layout.iter_planned``), reads each input once, records at once those with nothing to
translate (done before, unreadable, empty), and hands the rest to an executor
(``translator.executors``: in this process, or on a Ray cluster) in work units of whole
files, each unit at least a window of sentences, so sentences of several files fill each
model batch while only the files of the units in flight are held in memory. The first
unit starts as soon as its files are read, whatever the size of the folder; the totals
(files, sentences) grow as files are found and are exact once planning ends
(``BatchProgress.planning``). The executor only translates; this module alone writes
outputs (rendered by ``translator.output``) and records them (``translator.manifest``).

No printing here: progress goes through a callback (after each file and each model
batch), and a stop flag (Ctrl-C in the CLI) ends the run after the units in flight.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from translator import formats, pipeline, render_stream, textio
from translator.batch.layout import (
    INDEX_NAME,
    PlannedInput,
    check_folders,
    hash_input_file,
    iter_planned,
    open_input_file,
    read_error,
    read_input_bytes,
    remove_stale_temporaries,
)
from translator.batch.settings import BatchSettings, settings_fingerprint
from translator.batch.urls import iter_planned_urls, read_url_list
from translator.errors import InputError, OutputError, TranslatorError
from translator.executors import Executor, WorkUnit
from translator.manifest import (
    MANIFEST_NAME,
    FileStatus,
    Manifest,
    ManifestRecord,
    exclusive_lock,
)
from translator.options import Options
from translator.output import batch_files
from translator.render import OutputFormat, run_details
from translator.schema import Document, DocumentResult
from translator.textio import printable

log = logging.getLogger("translator.batch")

# A work unit holds at least this many sentences; Ctrl-C stops after the units in flight:
# a quarter of the pipeline's default window keeps that short (about 12 s with CTranslate2
# at beam 4 on 2 cores) for a small loss of speed.
UNIT_SENTENCES = pipeline.WINDOW_SENTENCES // 4


@dataclass(frozen=True)
class FileOutcome:
    """The outcome of one input: ``path`` is relative to the input folder, POSIX style (a
    page of a URL list: its URL)."""

    path: str
    status: FileStatus
    outputs: tuple[str, ...] = ()  # relative to the output folder
    error: str = ""
    sentences: int = 0
    seconds: float = 0.0
    quotations: int | None = None  # known for translated files


@dataclass(frozen=True)
class BatchProgress:
    """A snapshot after each finished file, for progress displays."""

    files_total: int  # inputs found so far: the total once ``planning`` is False
    done: int
    skipped: int
    failed: int
    empty: int
    sentences: int  # sentences of the files translated in this run so far
    last: FileOutcome | None = None  # the file just finished
    # Sentences of the files planned for translation so far (the total once ``planning``
    # is False), and how many of them are translated, counting files in flight per model
    # batch (an estimate).
    sentences_total: int = 0
    sentences_translated: int = 0
    workers: int = 1  # workers alive (several with Ray)
    not_german: int = 0  # inputs not translated because they are not German
    # True while inputs are still being found and read: the totals above only grow until
    # then (displays say "1,234+ files"); planning goes on while the first units translate.
    planning: bool = False

    @property
    def files_finished(self) -> int:
        return self.done + self.skipped + self.failed + self.empty + self.not_german


@dataclass(frozen=True)
class BatchReport:
    """What a run did. ``problems`` lists the failed and empty inputs, in input order."""

    files_total: int
    done: int
    skipped: int
    failed: int
    empty: int
    sentences: int
    seconds: float
    interrupted: bool
    manifest: Path
    run_id: int
    problems: tuple[FileOutcome, ...] = ()
    not_german: int = 0  # inputs not translated because they are not German

    @property
    def files_left(self) -> int:
        """Inputs not reached because the run was stopped."""
        finished = self.done + self.skipped + self.failed + self.empty + self.not_german
        return self.files_total - finished


BatchProgressCallback = Callable[[BatchProgress], None]


@dataclass(frozen=True)
class _Fed:
    """A file handed to an executor inside a work unit, waiting for its outcome."""

    planned: PlannedInput
    sha256: str
    source: formats.Source
    started: float

    @property
    def text(self) -> str | Document:
        """What the pipeline translates."""
        return _text_of(self.source)


def _text_of(source: formats.Source) -> str | Document:
    return source.text if isinstance(source, formats.TextSource) else source.document


def _characters(source: formats.Source) -> int:
    if isinstance(source, formats.TextSource):
        return len(source.text)
    return sum(len(paragraph.text) for paragraph in source.document.paragraphs)


def _shares(feds: Sequence[_Fed], finished: float) -> list[float]:
    """Each file's part of its work unit's time (from its first file's reading to the
    unit's results): the files of a unit are translated together, in shared model
    batches, so the time is split by each file's share of the unit's characters."""
    if not feds:
        return []
    unit_seconds = finished - min(fed.started for fed in feds)
    sizes = [_characters(fed.source) for fed in feds]
    total = sum(sizes)
    if total == 0:
        return [unit_seconds / len(feds)] * len(feds)
    return [unit_seconds * size / total for size in sizes]


# Sentences a streamed file is estimated to hold per byte, for progress until it is done
# (German news: about 150 bytes a sentence).
_BYTES_PER_SENTENCE = 150


@dataclass(frozen=True)
class _Todo:
    """A large text planning found to translate section by section (after the work
    units): its estimated sentence count (for progress), hash and size; it is never
    read whole."""

    planned: PlannedInput
    sentences: int
    streamed_sha256: str
    size: int


@dataclass
class _Tally:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    empty: int = 0
    not_german: int = 0
    sentences: int = 0
    problems: list[FileOutcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "done": self.done,
            "skipped": self.skipped,
            "failed": self.failed,
            "empty": self.empty,
            "not_german": self.not_german,
        }


class _Run:
    """One batch run: plans the files as they are found (recording at once those with
    nothing to translate), feeds the rest to the executor in work units while planning
    goes on, and writes and records each outcome."""

    def __init__(
        self,
        settings: BatchSettings,
        input_dir: Path,
        output_dir: Path,
        planned: Iterable[PlannedInput],
        manifest: Manifest,
        run_id: int,
        fingerprint: str,
        executor: Executor,
        options: Options,
        engine_name: str,
        progress: BatchProgressCallback | None,
        should_stop: Callable[[], bool],
    ) -> None:
        self.settings = settings
        self.options = options  # for the HTML pages' footers and the sentence counts
        self.engine_name = engine_name
        self.input_dir = input_dir
        self.output_dir = output_dir
        self.planned = iter(planned)  # consumed once, as the executor asks for units
        self.files_found = 0
        self.planning = True
        self.streamed: list[_Todo] = []  # large texts, translated after the work units
        self.manifest = manifest
        self.run_id = run_id
        self.fingerprint = fingerprint
        self.executor = executor
        self.progress = progress
        self.should_stop = should_stop
        self.tally = _Tally()
        self.stopped = False
        self.sentences_total = 0
        self.sentences_translated = 0  # of finished files, plus an estimate of the rest
        self.in_flight: dict[int, list[_Fed]] = {}

    # -- progress and records

    def _report(self, last: FileOutcome | None = None) -> None:
        if self.progress is None:
            return
        t = self.tally
        self.progress(
            BatchProgress(
                self.files_found,
                t.done,
                t.skipped,
                t.failed,
                t.empty,
                t.sentences,
                last,
                sentences_total=self.sentences_total,
                sentences_translated=self.sentences_translated,
                workers=self.executor.workers_alive(),
                not_german=t.not_german,
                planning=self.planning,
            )
        )

    def _on_sentences(self, sentences: int) -> None:
        self.sentences_translated += sentences
        self._report()

    def _finish_file(
        self,
        outcome: FileOutcome,
        sha256: str = "",
        warnings: tuple[str, ...] = (),
        input_format: str = "text",
    ) -> None:
        if outcome.status is not FileStatus.SKIPPED:
            self.manifest.record(
                ManifestRecord(
                    path=outcome.path,
                    sha256=sha256,
                    fingerprint=self.fingerprint,
                    status=outcome.status,
                    outputs=outcome.outputs,
                    error=outcome.error,
                    sentences=outcome.sentences,
                    seconds=outcome.seconds,
                    finished_at=time.time(),
                    run_id=self.run_id,
                    warnings=warnings,
                    quotations=outcome.quotations,
                    input_format=input_format,
                )
            )
        tally = self.tally
        if outcome.status is FileStatus.DONE:
            tally.done += 1
            tally.sentences += outcome.sentences
        elif outcome.status is FileStatus.SKIPPED:
            tally.skipped += 1
        elif outcome.status is FileStatus.EMPTY:
            tally.empty += 1
            tally.problems.append(outcome)
        elif outcome.status is FileStatus.NOT_GERMAN:
            tally.not_german += 1
            tally.problems.append(outcome)
            log.info("%s", printable(outcome.error))
        else:
            tally.failed += 1
            tally.problems.append(outcome)
            log.info("%s failed: %s", printable(outcome.path), printable(outcome.error))
        self._report(outcome)

    def _fail(
        self,
        planned: PlannedInput,
        error: str,
        sha256: str = "",
        started: float = 0.0,
        input_format: str = "text",
        *,
        seconds: float | None = None,
    ) -> None:
        if seconds is None:
            seconds = time.perf_counter() - started if started else 0.0
        self._finish_file(
            FileOutcome(planned.key, FileStatus.FAILED, error=error, seconds=round(seconds, 4)),
            sha256,
            input_format=input_format,
        )

    # -- planning and feeding

    def _read(self, planned: PlannedInput) -> tuple[formats.Source, str] | None:
        """Read, hash and decode one input: its (source, sha256). None when there is nothing
        to translate (done before, unreadable, not text, empty): it is recorded at once."""
        started = time.perf_counter()
        relative = planned.key
        if planned.problem:  # a URL's problem (its fetch's error) names the URL already
            problem = planned.problem
            self._fail(planned, problem if planned.url else f"{relative}: {problem}")
            return None
        try:
            data = read_input_bytes(self.input_dir / str(planned.relative))
        except OSError as error:
            self._fail(planned, read_error(relative, error), started=started)
            return None
        if planned.url:  # a fetched page is spooled only until read: one at a time on disk
            (self.input_dir / str(planned.relative)).unlink(missing_ok=True)
        sha256 = hashlib.sha256(data).hexdigest()
        outputs = tuple(str(output) for output in planned.outputs)
        if not self.settings.force and self._is_done(relative, sha256, outputs):
            self._finish_file(FileOutcome(relative, FileStatus.SKIPPED, outputs))
            return None
        given = self.settings.input_format
        if planned.url and given is formats.InputFormat.AUTO:  # by its content type's suffix
            given = formats.detect_format(str(planned.relative), data)
        try:
            source = formats.read_bytes(data, relative, given, planned.encoding)
        except InputError as error:
            detected = (
                given
                if given is not formats.InputFormat.AUTO
                else formats.detect_format(relative, data)
            ).value
            self._fail(planned, str(error), sha256, started, detected)
            return None
        if formats.is_empty(source):
            self._finish_file(
                FileOutcome(relative, FileStatus.EMPTY, error=f"{relative} has no text."),
                sha256,
                input_format=source.format.value,
            )
            return None
        if not self.settings.force_language:
            language = pipeline.input_language(_text_of(source))
            if language not in (None, pipeline.GERMAN):
                self._finish_file(
                    FileOutcome(
                        relative,
                        FileStatus.NOT_GERMAN,
                        error=f"{relative} is not German (detected language: {language}); "
                        "--force-language translates it.",
                    ),
                    sha256,
                    input_format=source.format.value,
                )
                return None
        return source, sha256

    def _is_done(self, relative: str, sha256: str, outputs: tuple[str, ...]) -> bool:
        record = self.manifest.lookup(relative)
        return (
            record is not None
            and record.status in (FileStatus.DONE, FileStatus.EMPTY)
            and (record.status is FileStatus.EMPTY or record.outputs == outputs)
            and record.sha256 == sha256
            and record.fingerprint == self.fingerprint
            and all((self.output_dir / output).is_file() for output in record.outputs)
        )

    def _streams(self, planned: PlannedInput) -> int:
        """The size of an input to stream (``BatchSettings.stream_bytes``): large plain text
        whose only output is plain text; 0 for any other input (it is read whole)."""
        if (
            planned.problem
            or planned.url
            or len(planned.outputs) != 1
            or self.settings.output_format is not OutputFormat.TEXT
            or not self.executor.streams
        ):
            return 0
        path = self.input_dir / str(planned.relative)
        try:
            size = path.stat().st_size
            if size < max(self.settings.stream_bytes, textio.STREAM_HEAD_BYTES):
                return 0
            with open_input_file(path) as file:
                head = file.read(textio.STREAM_HEAD_BYTES)
        except OSError:
            return 0  # the whole-file path reports it
        relative, given = str(planned.relative), self.settings.input_format
        return size if formats.streams_as_text(relative, head, given) else 0

    def _plan_streamed(self, planned: PlannedInput) -> _Todo | None:
        """A large text's plan: hashed in chunks, skipped when done; never read whole."""
        relative = str(planned.relative)
        try:
            sha256, size = hash_input_file(self.input_dir / relative)
        except OSError as error:
            self._fail(planned, read_error(relative, error))
            return None
        outputs = tuple(str(output) for output in planned.outputs)
        if not self.settings.force and self._is_done(relative, sha256, outputs):
            self._finish_file(FileOutcome(relative, FileStatus.SKIPPED, outputs))
            return None
        return _Todo(planned, max(1, size // _BYTES_PER_SENTENCE), sha256, size)

    def _units(self) -> Iterator[WorkUnit]:
        """Plan the inputs as they are found and yield work units of whole files, each of
        at least a window's sentences (so that small files share model batches), as the
        executor asks for them: each input is read once, here; large texts are kept for
        ``_stream`` (by path), every other text only in its unit until it comes back."""
        pending: list[_Fed] = []
        pending_sentences = number = 0

        def unit() -> WorkUnit:
            nonlocal number, pending, pending_sentences
            number += 1
            self.in_flight[number] = pending
            made = WorkUnit(
                number,
                tuple(fed.planned.key for fed in pending),
                tuple(fed.text for fed in pending),
                pending_sentences,
            )
            pending, pending_sentences = [], 0
            self._report()  # the totals grew
            return made

        for planned in self.planned:
            self.files_found += 1
            if self.should_stop():
                self.stopped = True
                break
            if self._streams(planned):
                streamed = self._plan_streamed(planned)
                if streamed is not None:
                    self.streamed.append(streamed)
                    self.sentences_total += streamed.sentences
                continue
            started = time.perf_counter()
            read = self._read(planned)
            if read is None:  # nothing to translate: recorded by _read
                continue
            source, sha256 = read
            sentences = pipeline.count_sentences(_text_of(source), self.options.glossary)
            self.sentences_total += sentences
            pending.append(_Fed(planned, sha256, source, started))
            pending_sentences += sentences
            if pending_sentences >= UNIT_SENTENCES:
                yield unit()
        if self.stopped:  # the inputs not reached are counted (walked, not read)
            self.files_found += sum(1 for _ in self.planned)
        self.planning = False
        self._report()  # the exact totals
        if pending:
            yield unit()

    # -- results

    def _write(self, fed: _Fed, marked: DocumentResult, share: float) -> None:
        """Write a file's outputs from the pipeline's result (``marked``: a Word file's
        formatting markers still in it, for the Word writer) and record it; ``share`` is
        its part of its work unit's time (``_shares``)."""
        relative = fed.planned.key
        started = time.perf_counter()
        marked = replace(marked, warnings=formats.read_warnings(fed.source) + marked.warnings)
        try:
            for output, text in zip(fed.planned.outputs, self._render(fed, marked), strict=True):
                textio.write_atomic(self.output_dir / str(output), text)
        except TranslatorError as error:
            self._fail(fed.planned, str(error), fed.sha256, seconds=share)
            return
        result = formats.plain_result(fed.source, marked)
        self._finish_file(
            FileOutcome(
                relative,
                FileStatus.DONE,
                tuple(str(output) for output in fed.planned.outputs),
                sentences=result.sentences,
                seconds=round(share + time.perf_counter() - started, 4),
                quotations=len(result.quotes),
            ),
            fed.sha256,
            result.warnings + (result.summary.warnings if result.summary else ()),
            fed.source.format.value,
        )

    def _render(self, fed: _Fed, result: DocumentResult) -> list[str | bytes]:
        return batch_files(
            fed.source,
            result,
            self.settings.output_format,
            summary_file=len(fed.planned.outputs) > 1,
            run=run_details(self.options, self.engine_name),
            source_name=printable(fed.planned.url or fed.planned.relative.name),
        )

    def _stream(self, item: _Todo) -> None:
        """Translate a large text section by section into a temporary file beside its
        output, renamed to the output only when the last section is written: memory stays
        flat, and a crash leaves no output (the temporary is removed by the next run, which
        translates the file again from its start)."""
        planned, relative = item.planned, str(item.planned.relative)
        started = time.perf_counter()
        output = str(planned.outputs[0])
        counted = _SectionCounts()
        try:
            with open_input_file(self.input_dir / relative) as file:
                head = file.read(textio.STREAM_HEAD_BYTES)
                stream = textio.TextStream(head, file, relative, item.size, None, owns_file=False)
                with textio.atomic_writer(self.output_dir / output) as write:
                    sections = self.executor.translate_stream(stream, planned.relative.name)
                    render_stream.write_text(counted.each(sections, self._on_sentences), write)
        except OSError as error:
            self._fail(planned, read_error(relative, error), item.streamed_sha256, started)
            return
        except TranslatorError as error:
            self._fail(planned, str(error), item.streamed_sha256, started)
            return
        except Exception as error:  # the engine's errors are many types: this file only
            message = f"{relative} could not be translated ({type(error).__name__}: {error})."
            self._fail(planned, message, item.streamed_sha256, started)
            return
        finally:  # the estimate out, the sentences counted in
            self.sentences_translated += item.sentences - counted.sentences
        seconds = round(time.perf_counter() - started, 4)
        if not counted.paragraphs:
            (self.output_dir / output).unlink(missing_ok=True)
            outcome = FileOutcome(relative, FileStatus.EMPTY, error=f"{relative} has no text.")
            self._finish_file(outcome, item.streamed_sha256)
            return
        self._finish_file(
            FileOutcome(
                relative,
                FileStatus.DONE,
                (output,),
                sentences=counted.sentences,
                seconds=seconds,
                quotations=counted.quotations,
            ),
            item.streamed_sha256,
            tuple(counted.warnings),
        )

    def run(self) -> None:
        """Translate every input (or until stopped), recording each outcome."""
        self._report()  # at once: nothing found yet, planning
        for unit, outcomes in self.executor.run(self._units(), self._on_sentences):
            feds = self.in_flight.pop(unit.number)
            shares = _shares(feds, time.perf_counter())
            for fed, outcome, share in zip(feds, outcomes, shares, strict=True):
                if outcome.result is None:
                    self._fail(fed.planned, outcome.error, fed.sha256, seconds=share)
                else:
                    self._write(fed, outcome.result, share)
        for item in self.streamed:
            if self.stopped or self.should_stop():
                self.stopped = True
                break
            self._stream(item)


class _SectionCounts:
    """What the sections of a streamed file add up to, counted as they pass."""

    def __init__(self) -> None:
        self.sentences = self.quotations = self.paragraphs = 0
        self.warnings: list[str] = []

    def each(
        self, sections: Iterable[DocumentResult], on_sentences: Callable[[int], None]
    ) -> Iterator[DocumentResult]:
        for section in sections:
            self.sentences += section.sentences
            self.quotations += len(section.quotes)
            self.paragraphs += len(section.paragraphs)
            self.warnings.extend(section.warnings)
            on_sentences(section.sentences)
            yield section


def execute_batch(
    settings: BatchSettings,
    executor: Executor,
    options: Options,
    *,
    progress: BatchProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> BatchReport:
    """Translate every input of a folder into the output folder, resumably, with any
    executor (local, Ray): this function decides what to do and records it; the executor
    only translates work units. ``options`` must be the options the executor's translator
    was made with (they go into the fingerprint).

    Planning streams: inputs are found and read as the executor asks for work units, so
    the first unit starts at once; ``progress`` is called with a snapshot of the counts
    after each file, work unit planned and model batch, whose totals grow until
    ``BatchProgress.planning`` turns False. ``should_stop`` is polled before each file is
    planned: once it returns True, the files already read are fed, the units fed are
    finished and recorded, the inputs not reached are counted (walked, not read), and the
    run ends (``interrupted``).

    With ``settings.url_list``, the inputs are the pages of the URLs it lists
    (``batch.urls``): the list is checked whole first, and each page is fetched, after
    the lock is taken, when planning reaches it (so the first unit starts after the first
    fetch, and only the pages of the units in flight are held).

    Raises:
        InputError: the input folder is missing or not a folder, or the URL list cannot
            be read.
        OptionError: a line of the URL list is not an http(s) address (before anything
            is fetched).
        OutputError: the output folder is unsafe or in use, or the manifest cannot be
            written (every file recorded before that stays valid).
    """
    urls = None if settings.url_list is None else read_url_list(settings.url_list)
    input_dir, output_dir = check_folders(settings)
    started = time.perf_counter()
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"cannot create {settings.output_dir} ({error.strerror}). Check the path."
        ) from None
    # The lock first: a second run into the same folder is refused before anything is
    # resolved or loaded. ``describe`` loads no model for a local executor.
    with exclusive_lock(output_dir), _spool_folder(urls is not None) as spool:
        engines = executor.describe()
        summarize = options.summarize and engines.summarization is not None
        if urls is None:
            planned: Iterable[PlannedInput] = iter_planned(
                input_dir, output_dir, settings, summarize
            )
        else:  # the pages are fetched into the spool folder: the run's input folder
            input_dir = spool
            planned = iter_planned_urls(
                urls,
                spool,
                settings.output_format,
                summarize,
                output_dir,
                should_stop=should_stop or (lambda: False),
            )
        fingerprint = settings_fingerprint(
            options, settings, engines.translation, engines.summarization, engine=engines.engine
        )
        removed = remove_stale_temporaries(output_dir)
        if removed:
            log.info("removed %d temporary file(s) left by an interrupted run", removed)
        manifest = Manifest(output_dir / MANIFEST_NAME)
        try:
            run_id = manifest.start_run(
                fingerprint,
                {
                    **(
                        {"input_dir": str(input_dir), "patterns": list(settings.patterns)}
                        if urls is None
                        else {"urls": str(settings.url_list)}
                    ),
                    "recursive": settings.recursive,
                    "format": settings.output_format.value,
                    "force": settings.force,
                    "quotes": options.quotes.value,
                    "summarize": summarize,
                    "translation_model": engines.translation.id,
                },
            )
            run = _Run(
                settings,
                input_dir,
                output_dir,
                planned,
                manifest,
                run_id,
                fingerprint,
                executor,
                options,
                engines.engine,
                progress,
                should_stop or (lambda: False),
            )
            status = "interrupted"
            try:
                run.run()
                status = "interrupted" if run.stopped else "complete"
            finally:  # also on a second Ctrl-C: the run's row says how it ended
                manifest.finish_run(run_id, status, run.tally.counts())
            if settings.output_format is OutputFormat.HTML:
                title = (settings.url_list or settings.input_dir).name
                write_index(output_dir, manifest.records(), title)
        finally:
            manifest.close()
    tally = run.tally
    return BatchReport(
        files_total=run.files_found,
        done=tally.done,
        skipped=tally.skipped,
        failed=tally.failed,
        empty=tally.empty,
        not_german=tally.not_german,
        sentences=tally.sentences,
        seconds=round(time.perf_counter() - started, 3),
        interrupted=run.stopped,
        manifest=output_dir / MANIFEST_NAME,
        run_id=run_id,
        problems=tuple(sorted(tally.problems, key=lambda outcome: outcome.path)),
    )


@contextmanager
def _spool_folder(needed: bool) -> Iterator[Path]:
    """A temporary folder for fetched pages, removed after the run (``Path()`` unused)."""
    if not needed:
        yield Path()
        return
    with tempfile.TemporaryDirectory(prefix="translator-urls-") as folder:
        yield Path(folder)


def write_index(output_dir: Path, records: Sequence[ManifestRecord], title: str = "") -> None:
    """``index.html``: every input the manifest knows, its status and counts, linked."""
    from translator.render_html import render_index

    textio.write_atomic(output_dir / INDEX_NAME, render_index(records, title))
