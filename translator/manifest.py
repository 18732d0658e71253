"""The batch manifest: every input's outcome, kept in ``OUTPUT_DIR/translator-manifest.sqlite``.

An SQLite database in WAL mode with one transaction per finished file. A file's record is
committed only after its outputs were written, so after a crash -- ``kill -9`` included --
a record always describes complete outputs. A leaf: it imports nothing of the package but
its errors, so the review page's index (``render_html``) can read records without the run.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from translator.errors import OutputError

MANIFEST_NAME = "translator-manifest.sqlite"
LOCK_NAME = ".translator-batch.lock"
_MANIFEST_SCHEMA = 1


class FileStatus(StrEnum):
    """What happened to one input in this run (the manifest stores all but ``skipped``)."""

    DONE = "done"  # translated; its outputs are complete
    EMPTY = "empty"  # no text in it: nothing to translate, no output written
    FAILED = "failed"  # unreadable, not text, or the engine failed on it; see ``error``
    SKIPPED = "skipped"  # done in an earlier run with the same content and settings
    NOT_GERMAN = "not_german"  # not German (``--force-language`` translates it anyway)


# A work unit holds at least this many sentences; Ctrl-C stops after the units in flight:
# a quarter of the pipeline's default window keeps that short (about 12 s with CTranslate2


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
    path TEXT PRIMARY KEY,           -- relative to the input folder, POSIX style; or a URL
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
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM files WHERE path=?", (storable(path),)
        ).fetchone()
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
                    storable(record.path),
                    record.sha256,
                    record.fingerprint,
                    record.status.value,
                    json.dumps(list(record.outputs)),  # ASCII: a name's odd bytes survive
                    storable(record.error),
                    json.dumps([storable(w) for w in record.warnings], ensure_ascii=False),
                    record.sentences,
                    record.seconds,
                    record.finished_at,
                    record.run_id,
                    record.quotations,
                    record.input_format,
                ),
            )


def storable(text: str) -> str:
    """``text`` as SQLite can store it: a file name's bytes that were not UTF-8 (which
    Python holds as lone surrogates, and SQLite refuses) written as ``\\udcNN``. Such a
    file's record keeps that form of its path; its outputs' names are kept exactly."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


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
def exclusive_lock(output_dir: Path) -> Iterator[None]:
    """One run at a time per output folder: two would write the same outputs."""
    if sys.platform == "win32":  # no flock; the manifest's own locking still serializes
        yield
        return
    import fcntl

    path = output_dir / LOCK_NAME
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"another `translator batch` is writing to {output_dir}. "
                "Wait for it to finish, or pass another output folder."
            ) from None
        yield  # the lock goes with the descriptor, also when the process is killed


def check_not_locked(output_dir: Path) -> None:
    """Fail at once when another run holds ``output_dir``'s lock: for callers that start
    something slow (a Ray cluster) before ``execute_batch`` takes the lock itself.

    Raises:
        OutputError: another `translator batch` is writing to ``output_dir``.
    """
    if (output_dir / LOCK_NAME).is_file():
        with exclusive_lock(output_dir):
            pass


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
