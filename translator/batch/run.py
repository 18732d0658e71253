"""Translate a folder: walk it, skip what is done, translate, write atomically, record.

Every input's outcome is recorded in a manifest in the output folder, an SQLite database
in WAL mode with one transaction per finished file. A file's record is committed only
after its outputs were written (each through a temporary file, fsync and a rename), so
after a crash -- ``kill -9`` included -- a record always describes complete outputs, and
a rerun skips exactly the files whose record, input hash and settings fingerprint match.

A run first plans: it reads every input once, records at once those with nothing to
translate (done before, unreadable, empty), and counts the sentences of the rest, so the
totals are known before the first model batch. Then it hands the rest to an executor
(``translator.executors``: in this process, or on a Ray cluster) in work units of whole
files, each unit at least a window of sentences, so sentences of several files fill each
model batch while only the files of the units in flight are held in memory. The executor
only translates; this module alone writes outputs and the manifest.

No printing here: progress goes through a callback (after each file and each model
batch), and a stop flag (Ctrl-C in the CLI) ends the run after the units in flight.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

from translator import formats, pipeline, textio
from translator.engines import SummarizationEngine, TranslationEngine
from translator.errors import InputError, OutputError, TranslatorError
from translator.executors import Executor, LocalExecutor, WorkUnit
from translator.formats.docx import write_docx_bytes
from translator.formats.output import render_structured
from translator.options import Options
from translator.render import OutputFormat, render, run_details
from translator.schema import Document, DocumentResult, ModelInfo
from translator.version import __version__

log = logging.getLogger(__name__)

MANIFEST_NAME = "translator-manifest.sqlite"
INDEX_NAME = "index.html"  # with --format html: every file's status, linked to its page
DEFAULT_PATTERNS = ("*.txt", "*.md", "*.html", "*.htm", "*.docx")
_LOCK_NAME = ".translator-batch.lock"
_MANIFEST_SCHEMA = 1
# What textio.write_atomic leaves behind when killed between mkstemp and the rename:
# ".<output name>.<8 random characters>.tmp". Only names of our outputs (".en." in them)
# are matched, so no file of the user's is ever removed.
_STALE_TEMPORARY = re.compile(r"^\..+\.en\.[^.]+\.[A-Za-z0-9_]{8}\.tmp$")
_LANGUAGE_TAG = ".de"  # "article.de.txt" becomes "article.en.txt", not "article.de.en.txt"


class FileStatus(StrEnum):
    """What happened to one input in this run (the manifest stores all but ``skipped``)."""

    DONE = "done"  # translated; its outputs are complete
    EMPTY = "empty"  # no text in it: nothing to translate, no output written
    FAILED = "failed"  # unreadable, not text, or the engine failed on it; see ``error``
    SKIPPED = "skipped"  # done in an earlier run with the same content and settings


# A work unit holds at least this many sentences; Ctrl-C stops after the units in flight:
# a quarter of the pipeline's default window keeps that short (about 12 s with CTranslate2
# at beam 4 on 2 cores) for a small loss of speed.
UNIT_SENTENCES = pipeline.WINDOW_SENTENCES // 4


@dataclass(frozen=True)
class BatchSettings:
    """Where to read and write, which files, and how outputs are written."""

    input_dir: Path
    output_dir: Path
    patterns: tuple[str, ...] = DEFAULT_PATTERNS
    recursive: bool = True
    output_format: OutputFormat = OutputFormat.TEXT
    force: bool = False  # redo files the manifest says are done
    # Decoding settings that change outputs but are not visible in the engine's ModelInfo;
    # they are part of the fingerprint, so changing them redoes the files.
    beams: int | None = None


@dataclass(frozen=True)
class FileOutcome:
    """The outcome of one input: ``path`` is relative to the input folder, POSIX style."""

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

    files_total: int
    done: int
    skipped: int
    failed: int
    empty: int
    sentences: int  # sentences of the files translated in this run so far
    last: FileOutcome | None = None  # the file just finished
    # Sentences of the files to translate in this run (0 until planning is done), and how
    # many of them are translated, counting files in flight per model batch (an estimate).
    sentences_total: int = 0
    sentences_translated: int = 0
    workers: int = 1  # workers alive (several with Ray)

    @property
    def files_finished(self) -> int:
        return self.done + self.skipped + self.failed + self.empty


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

    @property
    def files_left(self) -> int:
        """Inputs not reached because the run was stopped."""
        return self.files_total - self.done - self.skipped - self.failed - self.empty


BatchProgressCallback = Callable[[BatchProgress], None]


# --- pure helpers ----------------------------------------------------------------------


def output_names(
    relative: PurePosixPath, output_format: OutputFormat, summarize: bool
) -> tuple[PurePosixPath, ...]:
    """Where an input's outputs go, relative to the output folder (mirroring the input tree).

    ``a/b.txt`` gives ``a/b.en.txt`` (and ``a/b.summary.en.txt`` when summarizing) in text
    format; a text-format output keeps the source's suffix (``b.md`` gives ``b.en.md``),
    since it keeps the source's layout, except for a page (``b.html`` gives the article's
    text, ``b.en.txt``) and a Word file (``b.docx`` gives ``b.en.docx``, its summary
    ``b.summary.en.txt``). Markdown and JSON give one ``b.en.md`` / ``b.en.json`` with the
    summary inside. A ``.de`` language tag is replaced: ``b.de.txt`` gives ``b.en.txt``.
    """
    stem, suffix = relative.stem, relative.suffix
    if not suffix:  # "README": "README.en.txt"
        stem, suffix = relative.name, ".txt"
    summary_suffix = suffix
    if suffix.lower() in (".html", ".htm", ".xhtml"):
        suffix = summary_suffix = ".txt"
    elif suffix.lower() == ".docx":
        summary_suffix = ".txt"
    if stem.lower().endswith(_LANGUAGE_TAG) and len(stem) > len(_LANGUAGE_TAG):
        stem = stem[: -len(_LANGUAGE_TAG)]
    if output_format is OutputFormat.MARKDOWN:
        return (relative.with_name(f"{stem}.en.md"),)
    if output_format is OutputFormat.JSON:
        return (relative.with_name(f"{stem}.en.json"),)
    if output_format is OutputFormat.HTML:
        return (relative.with_name(f"{stem}.en.html"),)
    names = [relative.with_name(f"{stem}.en{suffix}")]
    if summarize:
        names.append(relative.with_name(f"{stem}.summary.en{summary_suffix}"))
    return tuple(names)


def matches_patterns(relative: PurePosixPath, patterns: Sequence[str]) -> bool:
    """Whether a path (relative to the input folder) is picked by any glob pattern.

    A pattern without ``/`` matches the file name (``*.txt``); one with ``/`` matches the
    end of the relative path (``news/*.txt``).
    """
    return any(relative.match(pattern) for pattern in patterns)


def settings_fingerprint(
    options: Options,
    settings: BatchSettings,
    translator: ModelInfo,
    summarizer: ModelInfo | None,
    engine: str = "",
) -> str:
    """A short hash of everything that changes an output: options, format, models, version.

    Summary settings only count when a summary is made, so ``--summary-length`` alone
    does not redo a folder translated without ``--summarize``.
    """
    summarize = options.summarize and summarizer is not None
    data: dict[str, Any] = {
        "translator_version": __version__,
        "format": settings.output_format.value,
        "quotes": options.quotes.value,
        "quote_marks": options.quote_marks.value,
        "beams": settings.beams,
        "engine": engine,
        "translation_model": [translator.id, translator.revision],
        "summary": None,
    }
    if options.glossary is not None:  # only then: fingerprints without one stay as they were
        data["glossary"] = options.glossary.digest
    if summarize and summarizer is not None:
        data["summary"] = {
            "model": [summarizer.id, summarizer.revision],
            "length": str(options.summary_length),
            "max_words": options.summary_max_words,
        }
    encoded = json.dumps(data, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:16]


# --- folder checks and walking ---------------------------------------------------------


def check_folders(settings: BatchSettings) -> tuple[Path, Path]:
    """The resolved input and output folders, once they are known to be safe to use.

    Raises:
        InputError: the input folder is missing or not a folder.
        OutputError: the output folder is the input folder, lies inside it where the
            patterns would pick the outputs up again, or is a file.
    """
    input_dir = settings.input_dir.resolve()
    output_dir = settings.output_dir.resolve()
    if not input_dir.exists():
        raise InputError(f"{settings.input_dir} does not exist. Check the path.")
    if not input_dir.is_dir():
        raise InputError(
            f"{settings.input_dir} is a file, not a folder. "
            "Use `translator translate` for a single file."
        )
    if output_dir.exists() and not output_dir.is_dir():
        raise OutputError(f"{settings.output_dir} is a file. Pass a folder with -o.")
    if output_dir == input_dir:
        raise OutputError(
            f"the output folder {settings.output_dir} is the input folder. "
            "Pass another folder with -o, for example a sibling such as ../translated."
        )
    if output_dir.is_relative_to(input_dir) and settings.recursive:
        inside = PurePosixPath(output_dir.relative_to(input_dir).as_posix())
        samples = [
            inside / name
            for output_format in OutputFormat
            for name in output_names(PurePosixPath("x.txt"), output_format, summarize=True)
        ] + [inside / "x.summary.en.md", inside / MANIFEST_NAME, inside / INDEX_NAME]
        caught = [
            str(s.relative_to(inside)) for s in samples if matches_patterns(s, settings.patterns)
        ]
        if caught:
            raise OutputError(
                f"the output folder {settings.output_dir} is inside the input folder, and the "
                f"patterns ({', '.join(settings.patterns)}) would pick its outputs "
                f"(such as {caught[0]}) up as inputs. Pass an output folder outside "
                f"{settings.input_dir}, or use --no-recursive."
            )
    return input_dir, output_dir


def find_inputs(
    input_dir: Path,
    patterns: Sequence[str],
    *,
    recursive: bool = True,
    exclude: Path | None = None,
) -> list[PurePosixPath]:
    """The inputs under ``input_dir`` picked by ``patterns``, sorted, relative to it.

    Hidden files and folders (a leading dot) are left out, and so is ``exclude`` (the
    output folder, when it lies inside). Symlinked folders are not entered; a symlinked
    file is taken only when it points inside ``input_dir`` (a warning names the others).
    Paths are held, never texts: memory grows by a path per file.
    """
    found: list[PurePosixPath] = []
    for folder, subfolders, files in os.walk(input_dir, followlinks=False):
        here = Path(folder)
        subfolders[:] = sorted(
            name
            for name in subfolders
            if recursive
            and not name.startswith(".")
            and (exclude is None or (here / name) != exclude)
        )
        for name in files:
            if name.startswith("."):
                continue
            path = here / name
            relative = PurePosixPath(path.relative_to(input_dir).as_posix())
            if not matches_patterns(relative, patterns):
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(input_dir):
                log.warning("%s is a symlink out of the input folder: not followed.", relative)
                continue
            if path.is_symlink() and not path.resolve().is_file():
                continue
            found.append(relative)
    return sorted(found)


def _read_input(path: Path) -> bytes:
    """The bytes of an input; a file swapped for a symlink since the walk is not followed."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    if path.is_symlink():  # the walk checked that it points inside the input folder
        path, flags = path.resolve(), os.O_RDONLY
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as stream:
        return stream.read()


def _read_error(relative: str, error: OSError) -> str:
    if isinstance(error, PermissionError):
        return f"{relative} cannot be read (permission denied). Check its permissions."
    if isinstance(error, FileNotFoundError):
        return f"{relative} disappeared during the run."
    return f"{relative} cannot be read ({error.strerror or error}). Check the file."


def remove_stale_temporaries(output_dir: Path) -> int:
    """Delete temporary files an interrupted run left (a kill between write and rename).

    Returns how many were removed. Only names shaped like our outputs' temporaries match.
    """
    removed = 0
    for folder, _, files in os.walk(output_dir, followlinks=False):
        for name in files:
            if _STALE_TEMPORARY.match(name):
                Path(folder, name).unlink(missing_ok=True)
                removed += 1
    return removed


# --- the manifest ----------------------------------------------------------------------


@dataclass(frozen=True)
class ManifestRecord:
    """One input's row in the manifest."""

    path: str
    sha256: str
    fingerprint: str
    status: FileStatus
    outputs: tuple[str, ...]
    error: str
    sentences: int
    seconds: float
    finished_at: float
    run_id: int
    warnings: tuple[str, ...] = ()
    quotations: int | None = None  # None: recorded by a translator that did not count them
    input_format: str = "text"  # how the input was read: text, markdown, html or docx


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL,            -- running, complete, interrupted, crashed
    fingerprint TEXT NOT NULL,
    settings TEXT NOT NULL,          -- JSON, for people reading the manifest
    done INTEGER, skipped INTEGER, failed INTEGER, empty INTEGER
);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,           -- relative to the input folder, POSIX style
    sha256 TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,            -- done, empty, failed
    outputs TEXT NOT NULL,           -- JSON list, relative to the output folder
    error TEXT NOT NULL,
    warnings TEXT NOT NULL,          -- JSON list of the pipeline's warnings
    sentences INTEGER NOT NULL,
    seconds REAL NOT NULL,
    finished_at REAL NOT NULL,
    run_id INTEGER NOT NULL,
    quotations INTEGER,              -- NULL in rows of manifests older than the column
    input_format TEXT NOT NULL DEFAULT 'text'  -- text, markdown, html, docx
);
"""
_COLUMNS = (
    "path, sha256, fingerprint, status, outputs, error, sentences, seconds, "
    "finished_at, run_id, warnings, quotations, input_format"
)


class Manifest:
    """The record of every input's outcome, kept in ``OUTPUT_DIR/translator-manifest.sqlite``.

    Each ``record`` is one committed transaction. WAL mode makes a commit atomic and
    durable against a killed process; ``synchronous=NORMAL`` may lose the last commits on
    a power cut, which only makes a rerun redo those files (their outputs are rewritten
    atomically, identical).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(files)")}
            if "quotations" not in columns:  # a manifest from before the column
                self._db.execute("ALTER TABLE files ADD COLUMN quotations INTEGER")
            if "input_format" not in columns:  # a manifest from before input formats
                self._db.execute(
                    "ALTER TABLE files ADD COLUMN input_format TEXT NOT NULL DEFAULT 'text'"
                )
            row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(_MANIFEST_SCHEMA),))
            elif int(row[0]) > _MANIFEST_SCHEMA:
                raise OutputError(
                    f"the manifest {path} was written by a newer translator. "
                    "Upgrade translator, or use another output folder."
                )
        except sqlite3.Error as error:
            raise OutputError(
                f"the manifest {path} cannot be opened ({error}). Check the output folder, "
                "or move the manifest away to start over."
            ) from None

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            raise OutputError(
                f"the manifest {self.path} cannot be written ({error}). "
                "Check the disk and the folder's permissions, then rerun to resume."
            ) from None

    def start_run(self, fingerprint: str, settings: dict[str, Any]) -> int:
        """Begin a run; earlier runs still marked running were killed (we hold the lock)."""
        with self._transaction() as db:
            db.execute("UPDATE runs SET status='crashed' WHERE status='running'")
            cursor = db.execute(
                "INSERT INTO runs (started_at, status, fingerprint, settings) "
                "VALUES (?, 'running', ?, ?)",
                (time.time(), fingerprint, json.dumps(settings, sort_keys=True)),
            )
            run_id = cursor.lastrowid
        assert run_id is not None
        return run_id

    def finish_run(self, run_id: int, status: str, counts: dict[str, int]) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at=?, status=?, done=?, skipped=?, failed=?, empty=? "
                "WHERE id=?",
                (
                    time.time(),
                    status,
                    counts.get("done", 0),
                    counts.get("skipped", 0),
                    counts.get("failed", 0),
                    counts.get("empty", 0),
                    run_id,
                ),
            )

    def lookup(self, path: str) -> ManifestRecord | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM files WHERE path=?", (path,)).fetchone()
        return None if row is None else _record_from_row(row)

    def records(self) -> list[ManifestRecord]:
        """Every file's record, sorted by path."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM files ORDER BY path").fetchall()
        return [_record_from_row(row) for row in rows]

    def record(self, record: ManifestRecord) -> None:
        """Store one input's outcome in its own transaction."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO files (path, sha256, fingerprint, status, outputs, "
                "error, warnings, sentences, seconds, finished_at, run_id, quotations, "
                "input_format) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.path,
                    record.sha256,
                    record.fingerprint,
                    record.status.value,
                    json.dumps(list(record.outputs)),
                    record.error,
                    json.dumps(list(record.warnings), ensure_ascii=False),
                    record.sentences,
                    record.seconds,
                    record.finished_at,
                    record.run_id,
                    record.quotations,
                    record.input_format,
                ),
            )


def _record_from_row(row: tuple[Any, ...]) -> ManifestRecord:
    return ManifestRecord(
        path=row[0],
        sha256=row[1],
        fingerprint=row[2],
        status=FileStatus(row[3]),
        outputs=tuple(json.loads(row[4])),
        error=row[5],
        sentences=row[6],
        seconds=row[7],
        finished_at=row[8],
        run_id=row[9],
        warnings=tuple(json.loads(row[10])),
        quotations=row[11],
        input_format=row[12],
    )


@contextmanager
def _exclusive_lock(output_dir: Path) -> Iterator[None]:
    """One run at a time per output folder: two would write the same outputs."""
    if sys.platform == "win32":  # no flock; the manifest's own locking still serializes
        yield
        return
    import fcntl

    path = output_dir / _LOCK_NAME
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"another `translator batch` is writing to {output_dir}. "
                "Wait for it to finish, or pass another output folder."
            ) from None
        yield  # the lock goes with the descriptor, also when the process is killed


# --- the run ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    relative: PurePosixPath
    outputs: tuple[PurePosixPath, ...]
    problem: str = ""  # set when an output would clash with an input or another output


@dataclass(frozen=True)
class _Fed:
    """A file handed to an executor inside a work unit, waiting for its outcome."""

    planned: _Planned
    sha256: str
    source: formats.Source
    started: float

    @property
    def text(self) -> str | Document:
        """What the pipeline translates."""
        return _text_of(self.source)


def _text_of(source: formats.Source) -> str | Document:
    return source.text if isinstance(source, formats.TextSource) else source.document


@dataclass(frozen=True)
class _Todo:
    """A file planning found to translate, with its sentence count (for progress)."""

    planned: _Planned
    sentences: int


@dataclass
class _Tally:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    empty: int = 0
    sentences: int = 0
    problems: list[FileOutcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "done": self.done,
            "skipped": self.skipped,
            "failed": self.failed,
            "empty": self.empty,
        }


def plan_outputs(
    inputs: Sequence[PurePosixPath],
    output_format: OutputFormat,
    summarize: bool,
    input_dir: Path,
    output_dir: Path,
) -> list[_Planned]:
    """Each input with its outputs. An input whose output another input (earlier in
    sorted order) already claims, or whose output would overwrite an input (possible when
    the folders overlap), gets a problem instead of outputs: it is recorded as failed."""
    inputs_absolute = {input_dir / str(relative) for relative in inputs}
    claimed: dict[PurePosixPath, PurePosixPath] = {}
    planned: list[_Planned] = []
    for relative in inputs:
        outputs = output_names(relative, output_format, summarize)
        problem = ""
        for output in outputs:
            if output in claimed:
                problem = (
                    f"its output {output} is also the output of {claimed[output]}. "
                    "Rename one of the two inputs."
                )
            elif output_dir / str(output) in inputs_absolute:
                problem = f"its output {output} would overwrite an input. Nothing was written."
            if problem:
                break
        if not problem:
            for output in outputs:
                claimed[output] = relative
        planned.append(_Planned(relative, outputs, problem))
    return planned


class _Run:
    """One batch run: plans every file (recording at once those with nothing to translate),
    feeds the rest to the executor in work units, and writes and records each outcome."""

    def __init__(
        self,
        settings: BatchSettings,
        input_dir: Path,
        output_dir: Path,
        planned: list[_Planned],
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
        self.planned = planned
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
                len(self.planned),
                t.done,
                t.skipped,
                t.failed,
                t.empty,
                t.sentences,
                last,
                sentences_total=self.sentences_total,
                sentences_translated=self.sentences_translated,
                workers=self.executor.workers_alive(),
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
        else:
            tally.failed += 1
            tally.problems.append(outcome)
            log.info("%s failed: %s", outcome.path, outcome.error)
        self._report(outcome)

    def _fail(
        self,
        planned: _Planned,
        error: str,
        sha256: str = "",
        started: float = 0.0,
        input_format: str = "text",
    ) -> None:
        seconds = round(time.perf_counter() - started, 4) if started else 0.0
        self._finish_file(
            FileOutcome(str(planned.relative), FileStatus.FAILED, error=error, seconds=seconds),
            sha256,
            input_format=input_format,
        )

    # -- planning and feeding

    def _read(self, planned: _Planned, check_done: bool) -> tuple[formats.Source, str] | None:
        """Read, hash and decode one input: its (source, sha256). None when there is nothing
        to translate (done before, unreadable, not text, empty): it is recorded at once."""
        started = time.perf_counter()
        relative = str(planned.relative)
        if planned.problem:
            self._fail(planned, f"{relative}: {planned.problem}")
            return None
        try:
            data = _read_input(self.input_dir / relative)
        except OSError as error:
            self._fail(planned, _read_error(relative, error), started=started)
            return None
        sha256 = hashlib.sha256(data).hexdigest()
        outputs = tuple(str(output) for output in planned.outputs)
        if check_done and not self.settings.force and self._is_done(relative, sha256):
            self._finish_file(FileOutcome(relative, FileStatus.SKIPPED, outputs))
            return None
        try:
            source = formats.read_bytes(data, relative)
        except InputError as error:
            detected = formats.detect_format(relative, data).value
            self._fail(planned, str(error), sha256, started, detected)
            return None
        if formats.is_empty(source):
            self._finish_file(
                FileOutcome(relative, FileStatus.EMPTY, error=f"{relative} has no text."),
                sha256,
                input_format=source.format.value,
            )
            return None
        return source, sha256

    def _is_done(self, relative: str, sha256: str) -> bool:
        record = self.manifest.lookup(relative)
        return (
            record is not None
            and record.status in (FileStatus.DONE, FileStatus.EMPTY)
            and record.sha256 == sha256
            and record.fingerprint == self.fingerprint
            and all((self.output_dir / output).is_file() for output in record.outputs)
        )

    def _plan(self) -> list[_Todo]:
        """Every input read once, so that the totals (files, sentences) are known before
        the first model batch; texts are not kept: memory grows by a path per file."""
        todo: list[_Todo] = []
        for planned in self.planned:
            if self.should_stop():
                self.stopped = True
                break
            read = self._read(planned, check_done=True)
            if read is not None:
                todo.append(
                    _Todo(
                        planned, pipeline.count_sentences(_text_of(read[0]), self.options.glossary)
                    )
                )
        self.sentences_total = sum(item.sentences for item in todo)
        return todo

    def _units(self, todo: list[_Todo]) -> Iterator[WorkUnit]:
        """Work units of whole files, each of at least a window's sentences (so that small
        files share model batches), read again as the executor asks for them."""
        pending: list[tuple[_Fed, str | Document, int]] = []
        pending_sentences = number = 0

        def unit() -> WorkUnit:
            nonlocal number, pending, pending_sentences
            number += 1
            self.in_flight[number] = [fed for fed, _, _ in pending]
            made = WorkUnit(
                number,
                tuple(str(fed.planned.relative) for fed, _, _ in pending),
                tuple(text for _, text, _ in pending),
                pending_sentences,
            )
            pending, pending_sentences = [], 0
            return made

        for item in todo:
            if self.should_stop():
                self.stopped = True
                break
            started = time.perf_counter()
            read = self._read(item.planned, check_done=False)
            if read is None:  # changed since planning; recorded by _read
                self.sentences_translated += item.sentences
                continue
            source, sha256 = read
            fed = _Fed(item.planned, sha256, source, started)
            pending.append((fed, fed.text, item.sentences))
            pending_sentences += item.sentences
            if pending_sentences >= UNIT_SENTENCES:
                yield unit()
        if pending:
            yield unit()

    # -- results

    def _write(self, fed: _Fed, result: DocumentResult) -> None:
        relative = str(fed.planned.relative)
        try:
            for output, text in zip(fed.planned.outputs, self._render(fed, result), strict=True):
                textio.write_atomic(self.output_dir / str(output), text)
        except TranslatorError as error:
            self._fail(fed.planned, str(error), fed.sha256, fed.started)
            return
        self._finish_file(
            FileOutcome(
                relative,
                FileStatus.DONE,
                tuple(str(output) for output in fed.planned.outputs),
                sentences=result.sentences,
                seconds=round(time.perf_counter() - fed.started, 4),
                quotations=len(result.quotes),
            ),
            fed.sha256,
            result.warnings + (result.summary.warnings if result.summary else ()),
            fed.source.format.value,
        )

    def _render(self, fed: _Fed, result: DocumentResult) -> list[str | bytes]:
        output_format = self.settings.output_format
        name = fed.planned.relative.name
        source = fed.source
        if output_format is not OutputFormat.TEXT:
            if output_format is OutputFormat.HTML or isinstance(source, formats.TextSource):
                run = run_details(self.options, self.engine_name)
                return [render(result, output_format, source_name=name, run=run)]
            return [render_structured(source, result, output_format, name)]
        texts: list[str | bytes]
        if isinstance(source, formats.DocxSource):
            texts = [write_docx_bytes(source, result)]
        elif isinstance(source, formats.TextSource):
            texts = [render(replace(result, summary=None), output_format, source_name=name)]
        else:
            without_summary = replace(result, summary=None)
            texts = [render_structured(source, without_summary, output_format, name)]
        if len(fed.planned.outputs) > 1:
            summary = result.summary.text if result.summary is not None else ""
            texts.append(summary + "\n" if summary and not summary.endswith("\n") else summary)
        return texts

    def run(self) -> None:
        """Translate every planned input (or until stopped), recording each outcome."""
        self._report()  # the files, at once
        todo = self._plan()
        self._report()  # and the sentences, before the first unit is translated
        if self.stopped:
            return
        for unit, outcomes in self.executor.run(self._units(todo), self._on_sentences):
            for fed, outcome in zip(self.in_flight.pop(unit.number), outcomes, strict=True):
                if outcome.result is None:
                    self._fail(fed.planned, outcome.error, fed.sha256, fed.started)
                else:
                    self._write(fed, outcome.result)


def run_batch(
    settings: BatchSettings,
    translator: TranslationEngine,
    options: Options | None = None,
    *,
    summarizer: SummarizationEngine | None = None,
    progress: BatchProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> BatchReport:
    """Translate every input of a folder into the output folder, resumably, in this process.

    Args:
        settings: folders, patterns, output format, ``force``.
        translator: the engine, loaded once for the whole run.
        options: quotation and summary options (the same for every file).
        summarizer: needed when ``options.summarize`` is set.
        progress: called with a snapshot of the counts after each file and model batch.
        should_stop: polled before each file is planned and each work unit is fed; once it
            returns True, the units already fed are finished and recorded, and the run
            ends (``interrupted``).

    Returns:
        The counts, the failed and empty inputs, and whether the run was interrupted.

    Raises:
        InputError: the input folder is missing or not a folder.
        OutputError: the output folder is unsafe or in use, or the manifest cannot be
            written (every file recorded before that stays valid).
    """
    from translator.api import Translator

    options = options or Options()
    summarize = options.summarize and summarizer is not None
    facade = Translator.from_engines(
        translator,
        summarizer if summarize else None,
        quotes=options.quotes,
        quote_marks=options.quote_marks,
        summary_length=str(options.summary_length),
        summary_max_words=options.summary_max_words,
        glossary=options.glossary,
    )
    return execute_batch(
        settings,
        LocalExecutor(facade, summarize, UNIT_SENTENCES),
        replace(options, summarize=summarize),
        progress=progress,
        should_stop=should_stop,
    )


def execute_batch(
    settings: BatchSettings,
    executor: Executor,
    options: Options,
    *,
    progress: BatchProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> BatchReport:
    """``run_batch`` with any executor (local, Ray): this function decides what to do and
    records it; the executor only translates work units. ``options`` must be the options
    the executor's translator was made with (they go into the fingerprint)."""
    input_dir, output_dir = check_folders(settings)
    started = time.perf_counter()
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"cannot create {settings.output_dir} ({error.strerror}). Check the path."
        ) from None
    engines = executor.describe()
    summarize = options.summarize and engines.summarization is not None
    inputs = find_inputs(
        input_dir, settings.patterns, recursive=settings.recursive, exclude=output_dir
    )
    planned = plan_outputs(inputs, settings.output_format, summarize, input_dir, output_dir)
    fingerprint = settings_fingerprint(
        options, settings, engines.translation, engines.summarization, engine=engines.engine
    )
    with _exclusive_lock(output_dir):
        removed = remove_stale_temporaries(output_dir)
        if removed:
            log.info("removed %d temporary file(s) left by an interrupted run", removed)
        manifest = Manifest(output_dir / MANIFEST_NAME)
        try:
            run_id = manifest.start_run(
                fingerprint,
                {
                    "input_dir": str(input_dir),
                    "patterns": list(settings.patterns),
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
                write_index(output_dir, manifest.records(), settings.input_dir.name)
        finally:
            manifest.close()
    tally = run.tally
    return BatchReport(
        files_total=len(planned),
        done=tally.done,
        skipped=tally.skipped,
        failed=tally.failed,
        empty=tally.empty,
        sentences=tally.sentences,
        seconds=round(time.perf_counter() - started, 3),
        interrupted=run.stopped,
        manifest=output_dir / MANIFEST_NAME,
        run_id=run_id,
        problems=tuple(sorted(tally.problems, key=lambda outcome: outcome.path)),
    )


def write_index(output_dir: Path, records: Sequence[ManifestRecord], title: str = "") -> None:
    """``index.html``: every input the manifest knows, its status and counts, linked."""
    from translator.render_html import render_index

    textio.write_atomic(output_dir / INDEX_NAME, render_index(records, title))


def read_manifest(output_dir: Path) -> list[ManifestRecord]:
    """Every record of the manifest in ``output_dir`` (for tools and tests).

    Raises:
        OutputError: there is no manifest, or it cannot be read.
    """
    path = output_dir / MANIFEST_NAME
    if not path.is_file():
        raise OutputError(f"{output_dir} has no {MANIFEST_NAME}. Check the folder.")
    manifest = Manifest(path)
    try:
        return manifest.records()
    finally:
        manifest.close()
